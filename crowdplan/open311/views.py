"""Open311 GeoReport v2 endpoints under /open311 (discovery) and /open311/v2."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from crowdplan.api.auth import current_key, limit_api
from crowdplan.api.models import Scope
from crowdplan.errors import AppError, default_message
from crowdplan.extensions import csrf, db
from crowdplan.open311 import intake
from crowdplan.open311 import operations as o311
from crowdplan.open311.render import Open311Error, error_response, respond, w3c

bp = Blueprint("open311", __name__, url_prefix="/open311")
csrf.exempt(bp)  # every write needs an API key, which a browser never sends by itself
limit_api(bp)
FORMAT = "<any(json, xml):fmt>"
SPEC = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed (discovery's changeset); bump it with the interface.
CHANGESET = datetime(2026, 11, 30, tzinfo=UTC)


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return error_response(request.view_args.get("fmt", "json"), exc)


@bp.errorhandler(AppError)
def _app_error(exc: AppError):
    return error_response(
        request.view_args.get("fmt", "json"), Open311Error(exc.status, exc.message)
    )


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """A rate limit (429) is an errors document too; the limiter adds Retry-After after this."""
    message = default_message(exc.code or 500, exc.description or "")
    return error_response(
        (request.view_args or {}).get("fmt", "json"), Open311Error(exc.code or 500, message)
    )


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str):
    """Where the GeoReport v2 endpoint is and which formats it speaks."""
    changeset = w3c(CHANGESET)
    data = {
        "changeset": changeset,
        "contact": _("Contact the planning bureau for help with this API."),
        "key_service": _("Ask the bureau's administrators for an API key."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0]
                + "/",
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return respond(fmt, data, root="discovery", item_tag="endpoint")


@bp.get(f"/v2/services.{FORMAT}")
def services(fmt: str):
    """Topics as services."""
    return respond(fmt, o311.list_services(), root="services", item_tag="service")


@bp.get(f"/v2/services/<service_code>.{FORMAT}")
def service_definition(service_code: str, fmt: str):
    """The attributes of a service (stance, plan)."""
    definition = o311.service_definition(o311.get_service(service_code))
    return respond(fmt, definition, root="service_definition", item_tag="attribute")


@bp.get(f"/v2/requests.{FORMAT}")
def requests_list(fmt: str):
    """Public suggestions as service requests (default: the last 90 days)."""
    found = o311.list_requests(o311.parse_request_query(request.args))
    return respond(
        fmt, [o311.request_dict(s) for s in found], root="service_requests", item_tag="request"
    )


@bp.post(f"/v2/requests.{FORMAT}")
def requests_create(fmt: str):
    """Create a request with an API key that has the submit scope."""
    key = current_key(allow_param=True)
    if key is None or not key.has_scope(Scope.SUBMIT):
        raise Open311Error(403, _("A valid api_key with the submit scope is required."))
    created = intake.submit(request.form)
    db.session.commit()
    body = [
        {
            "service_request_id": str(created.id),
            "service_notice": o311.service_notice(created),
            "account_id": None,
        }
    ]
    return respond(fmt, body, root="service_requests", item_tag="request", status=201)


@bp.get(f"/v2/requests/<service_request_id>.{FORMAT}")
def request_detail(service_request_id: str, fmt: str):
    """One public suggestion as a service request (a list of one, as the spec shows)."""
    found = o311.get_request(service_request_id)
    return respond(fmt, [o311.request_dict(found)], root="service_requests", item_tag="request")
