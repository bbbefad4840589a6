"""Public plan pages: the list with filters and the plan on a map."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _

from crowdplan.core import operations as core
from crowdplan.core.models import utcnow
from crowdplan.geo import maps
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.inputs import arg_int, arg_page
from crowdplan.plans import pagecache, queries
from crowdplan.plans.mapping import version_map
from crowdplan.plans.models import Stage
from crowdplan.plans.operations import comments_open, document_path, get_plan
from crowdplan.stats.counting import total_views
from crowdplan.stats.web import count_view
from crowdplan.suggestions.forms import build_suggestion_form, form_stamp

bp = Blueprint("plans", __name__, url_prefix="/plans")
PER_PAGE = 20


@bp.get("/")
def index():
    """Published plans with filters in the URL, beside a map of their extents."""
    filters = queries.PlanFilters.from_args(request.args)
    page = queries.list_public_plans(filters, page=arg_page(), per_page=PER_PAGE)
    m = maps.base_map(tiles())
    maps.add_area_outlines(m, core.areas_for_map(core.list_current_areas()), labels=False)
    extents = queries.plan_extents(page.items)
    maps.add_plan_layers(
        m,
        [
            {
                "name": _("Plans"),
                "style": {"color": "#c0392b"},
                "geojson": extents,
                "tooltip_fields": ["title"],
            }
        ]
        if extents["features"]
        else [],
    )
    return render_template(
        "plans/index.html",
        page=page,
        filters=filters,
        plan_types=queries.list_plan_types_for_filter(),
        areas=core.list_current_areas(),
        stages=[s for s in Stage if s is not Stage.DRAFT],
        city_map=embed_map(m),
    )


@bp.get("/<int:plan_id>")
def detail(plan_id: int):
    """One plan: its layers on a map with a legend, documents, notice window, versions."""
    plan = get_plan(plan_id)
    version = plan.public_version if plan else None
    if version is None:
        abort(404)
    number = arg_int("version")
    if number is not None:
        version = next((v for v in plan.versions if v.number == number and v.is_frozen), None)
        if version is None:
            abort(404)
    now = utcnow()
    count_view("plan", plan.id)
    views = total_views("plan", plan.id)
    is_public_version = version.id == plan.public_version.id
    open_now = is_public_version and comments_open(version, now)
    stage, days_left = version.stage(now), queries.days_left(version, now)

    def render() -> str:
        plan_map, legend = version_map(version)
        return render_template(
            "plans/detail.html",
            plan=plan,
            version=version,
            stage=stage,
            days_left=days_left,
            legend=legend,
            plan_map=plan_map,
            summary_html=queries.render_summary(version.summary),
            show_suggestions=is_public_version,
            views=views,
            suggestion_form=build_suggestion_form(plan) if open_now else None,
        )

    if not pagecache.cacheable():
        return render()
    key = ("plan", plan.id, version.id, version.fingerprint, stage, days_left, open_now)
    return pagecache.page(key, render, views=views, started=form_stamp())


@bp.get("/<int:plan_id>/documents/<int:doc_id>")
def document(plan_id: int, doc_id: int):
    """A published version's PDF, as a download with a safe file name."""
    plan = get_plan(plan_id)
    doc = queries.get_public_document(plan, doc_id) if plan else None
    if doc is None:
        abort(404)
    return send_file(
        document_path(doc),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=doc.filename,
        max_age=3600,
    )
