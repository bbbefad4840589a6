"""Adoption reports and open data downloads."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_login import current_user

from crowdplan.auth import policy
from crowdplan.core.models import utcnow
from crowdplan.extensions import limiter
from crowdplan.plans.operations import get_plan
from crowdplan.stats import rendering, report
from crowdplan.stats.figures import public_figures
from crowdplan.suggestions.queries import SuggestionFilters

bp = Blueprint("stats", __name__)


def _report_plan(plan_id: int):
    """The plan if its report may be shown: public once results are published, else staff."""
    plan = get_plan(plan_id)
    version = plan.public_version if plan else None
    if version is None:
        abort(404)
    if not policy.can_view_report(current_user, plan, utcnow()):
        abort(404)
    return plan, version


def _download(body: str | bytes, filename: str, mimetype: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report_page(plan_id: int) -> tuple[object, str]:
    plan, version = _report_plan(plan_id)
    rows = report.plan_report(plan.id)
    html = render_template(
        "stats/plan_report.html",
        plan=plan,
        rows=rows,
        groups=report.group_rows(rows),
        summary=report.plan_summary(plan, version, utcnow()),
    )
    return plan, html


@bp.get("/plans/<int:plan_id>/report")
def plan_report(plan_id: int):
    """意见采纳情况及理由: every suggestion with its decision and reason, printable."""
    return _report_page(plan_id)[1]


@bp.get("/plans/<int:plan_id>/report.pdf")
def plan_report_pdf(plan_id: int):
    """The adoption report as an A4 PDF for the approval file (报批材料)."""
    from crowdplan.stats.pdf import render_pdf  # WeasyPrint loads slowly; only this route

    plan, html = _report_page(plan_id)
    return _download(render_pdf(html), f"plan-{plan.id}-report.pdf", "application/pdf")


@bp.get("/plans/<int:plan_id>/report.csv")
def plan_report_csv(plan_id: int):
    """The adoption report as CSV."""
    plan, _version = _report_plan(plan_id)
    return _download(
        report.as_csv(report.plan_report(plan.id)), f"plan-{plan.id}-report.csv", "text/csv"
    )


@bp.get("/plans/<int:plan_id>/report.geojson")
def plan_report_geojson(plan_id: int):
    """The adoption report as GeoJSON points."""
    plan, _version = _report_plan(plan_id)
    body = json.dumps(report.as_geojson(report.plan_report(plan.id)), ensure_ascii=False)
    return _download(body, f"plan-{plan.id}-report.geojson", "application/geo+json")


def _open_data_limit() -> str:
    return current_app.config["OPEN_DATA_RATE_LIMIT"]


@bp.get("/api/v1/open/suggestions.csv")
@limiter.limit(_open_data_limit)  # per network address: a whole-table download
def open_csv():
    """Anonymised published suggestions (filters: topic, stance, area, plan)."""
    rows = report.open_data(SuggestionFilters.from_args(request.args))
    return _download(report.as_csv(rows), "suggestions.csv", "text/csv")


@bp.get("/api/v1/open/suggestions.geojson")
@limiter.limit(_open_data_limit)
def open_geojson():
    """Anonymised published suggestions as GeoJSON (filters: topic, stance, area, plan)."""
    rows = report.open_data(SuggestionFilters.from_args(request.args))
    body = json.dumps(report.as_geojson(rows), ensure_ascii=False)
    return _download(body, "suggestions.geojson", "application/geo+json")


@bp.get("/stats")
def stats_page():
    """Public participation statistics, no login."""
    figures = public_figures()
    return render_template(
        "stats/stats.html",
        f=figures,
        data=figures,
        generated_at=datetime.fromisoformat(figures["generated_at"]),
        cache_seconds=current_app.config["STATS_CACHE_SECONDS"],
        **rendering.stats_parts(figures),
    )


@bp.get("/api/v1/stats")
def stats_json():
    """The same figures as /stats, as JSON."""
    return jsonify(public_figures())


@bp.get("/display")
def display():
    """The lobby screen (大屏): large figures, a heatmap, the latest replies; refreshes itself."""
    figures = public_figures()
    return render_template("stats/display.html", data=figures, **rendering.display_parts(figures))
