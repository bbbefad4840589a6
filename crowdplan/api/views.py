"""The JSON API under /api/v1: plans, suggestions, topics, areas, departments, the spec."""

from __future__ import annotations

import math

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crowdplan.api import openapi, serialize, staff_read
from crowdplan.api.auth import current_key, limit_api, refuse_unknown_key
from crowdplan.api.models import Scope
from crowdplan.api.parse import parse_suggestion
from crowdplan.api.queries import list_suggestions
from crowdplan.core import operations as core
from crowdplan.errors import AppError
from crowdplan.extensions import csrf, db
from crowdplan.inputs import ascii_int
from crowdplan.plans import queries as plan_queries
from crowdplan.plans.operations import get_plan
from crowdplan.suggestions import operations as suggestions
from crowdplan.suggestions.queries import SuggestionFilters
from crowdplan.triage import operations as triage
from crowdplan.triage.workflow import Status

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limit_api(bp)
# After the limiter's own hook (registered first), on every request of the app: /api/v1 routes
# of other blueprints (the map layer, stats, open data) and Open311 refuse unknown keys too.
bp.before_app_request(refuse_unknown_key)
MAX_PER_PAGE = 100


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: int() would also read "١" or " 1".
    value = ascii_int(raw, low=low, high=high)
    if value is None:
        value = low - 1
    if not low <= value <= high:
        raise AppError(
            _(
                "%(name)s must be a whole number from %(low)d to %(high)d.",
                name=name,
                low=low,
                high=high,
            ),
            code="bad_parameter",
        )
    return value


def _paging() -> tuple[int, int]:
    return _int_arg("page", 1, 1, 100_000), _int_arg("per_page", 20, 1, MAX_PER_PAGE)


def _bbox() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise AppError(_("The bounding box is not valid."), code="bad_bbox")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise AppError(_("The bounding box is not valid."), code="bad_bbox")
    return min_lon, min_lat, max_lon, max_lat


def _public_version(plan_id: int):
    plan = get_plan(plan_id)
    version = plan.public_version if plan else None
    if version is None:
        raise AppError(_("This plan does not exist."), status=404, code="no_plan")
    return version


@bp.get("/plans")
def plans():
    """Published plans (filters: type, status, area, q), newest notice first."""
    page, per_page = _paging()
    filters = plan_queries.PlanFilters.from_args(request.args)
    result = plan_queries.list_public_plans(filters, page=page, per_page=per_page)
    return jsonify(serialize.page(result, [serialize.plan(v) for v in result.items]))


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """One plan: its public version, documents, layers and view count."""
    return jsonify(serialize.plan(_public_version(plan_id), detail=True))


@bp.get("/plans/<int:plan_id>/layers")
def plan_layers(plan_id: int):
    """The plan's map layers as one GeoJSON FeatureCollection."""
    return jsonify(serialize.layers(_public_version(plan_id)))


@bp.get("/suggestions")
def suggestion_list():
    """Published suggestions (filters: bbox, topic, stance, status, plan, area), newest first."""
    page, per_page = _paging()
    status = request.args.get("status", "")
    if status and status not in {s.value for s in Status}:
        raise AppError(_("Unknown status."), code="bad_status")
    result = list_suggestions(
        SuggestionFilters.from_args(request.args),
        status=status,
        bbox=_bbox(),
        page=page,
        per_page=per_page,
    )
    return jsonify(serialize.page(result, [serialize.suggestion(s) for s in result.items]))


@bp.get("/suggestions/<int:suggestion_id>")
def suggestion(suggestion_id: int):
    """One published suggestion; a staff-read key also sees held ones of its departments and
    private details, each such read audited."""
    key = current_key()
    found, private = staff_read.get_suggestion_for_key(key, suggestion_id)
    if found is None:
        raise AppError(_("This suggestion does not exist."), status=404, code="no_suggestion")
    body = serialize.suggestion(found, private=private)
    if private:
        staff_read.record_private_read(key, found)
        db.session.commit()
    return jsonify(body)


@bp.post("/suggestions")
@csrf.exempt  # checked below unless an API key (never a cookie) authenticates the call
def suggestion_create():
    """Submit a suggestion: with a `submit` key (trusted channel) or a signed-in session."""
    key = current_key()
    if key is None:
        csrf.protect()
        if not current_user.is_authenticated:
            raise AppError(_("Please sign in first."), status=401, code="login_required")
    elif not key.has_scope(Scope.SUBMIT):
        raise AppError(
            _("This API key may not do this (scope %(scope)s needed).", scope=Scope.SUBMIT),
            status=403,
            code="scope_required",
        )
    data = parse_suggestion(request.get_json(silent=True))
    author = current_user if key is None else None
    # A person's posts count against the per-network cap like the web form's; a key has its
    # own rate limit instead (a hotline system posts for many callers from one address).
    source = suggestions.source_hash(request.remote_addr) if key is None else None
    created, _token = triage.submit(
        data, author=author, source=source, trusted_channel=key is not None
    )
    db.session.commit()
    body = serialize.suggestion(created, private=True)
    body.pop("private")
    body["visibility"] = created.visibility
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.suggestion", suggestion_id=created.id)
    return response


@bp.get("/topics")
def topics():
    """Active topics, in display order."""
    return jsonify(items=[serialize.topic(t) for t in core.list_topics()])


@bp.get("/areas")
def areas():
    """Current jurisdiction areas (without outlines)."""
    return jsonify(items=[serialize.area(a) for a in core.list_current_areas()])


@bp.get("/departments")
def departments():
    """Active departments."""
    return jsonify(items=[serialize.department(d) for d in core.list_departments() if d.is_active])


@bp.get("/openapi.json")
def openapi_json():
    """This API's OpenAPI 3.1 document."""
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    """The API reference, rendered on the server from the OpenAPI document."""
    return render_template(
        "api/docs.html", spec=openapi.document(), operations=openapi.operations()
    )
