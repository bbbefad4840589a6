"""Turn a JSON body into a SuggestionInput, refusing wrong types with a clear 400."""

from __future__ import annotations

import math

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from crowdplan.errors import AppError
from crowdplan.geo.coords import COORD_SYSTEMS, UnknownCoordSystem, to_wgs84
from crowdplan.suggestions.operations import SuggestionInput

TEXT_FIELDS = ("place_label", "display_name", "contact_phone", "contact_email")
TEXT_LIMITS = {"place_label": 120, "display_name": 80, "contact_phone": 20, "contact_email": 254}


def _bad(field: str) -> AppError:
    return AppError(
        _("The field %(field)s is missing or not valid.", field=field), code="bad_field"
    )


def _number(body: dict, field: str) -> float:
    value = body.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(field)
    return float(value)


def _string(body: dict, field: str, *, required: bool = False, limit: int = 4000) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(field)
    return value


def _optional_int(body: dict, field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise _bad(field)
    return value


def check_email(value: str | None, field: str) -> str | None:
    """An e-mail address checked as the web form checks it (syntax only, no DNS)."""
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise _bad(field) from None


def unknown_coord_system_message() -> str:
    """Why a coord_system was refused, naming the ones we convert."""
    return _(
        "coord_system must be one of %(systems)s (default wgs84).",
        systems=", ".join(COORD_SYSTEMS),
    )


def _point(body: dict) -> tuple[float, float]:
    """lon/lat in the declared coord_system (GCJ-02 from Amap/WeChat, BD-09 from Baidu), as
    WGS84: the only system stored."""
    system = _string(body, "coord_system", limit=20)
    try:
        return to_wgs84(_number(body, "lon"), _number(body, "lat"), system)
    except UnknownCoordSystem:
        raise AppError(unknown_coord_system_message(), code="bad_coord_system") from None


def parse_suggestion(body) -> SuggestionInput:
    """Check the JSON shape; the content is checked by create_suggestion like the web form."""
    if not isinstance(body, dict):
        raise AppError(_("Send a JSON object."), code="bad_body")
    texts = {f: _string(body, f, limit=TEXT_LIMITS[f]) for f in TEXT_FIELDS}
    texts["contact_email"] = check_email(texts["contact_email"], "contact_email")
    lon, lat = _point(body)
    return SuggestionInput(
        lon=lon,
        lat=lat,
        topic_code=_string(body, "topic", required=True, limit=40),
        stance=_string(body, "stance", required=True, limit=10),
        text=_string(body, "text", required=True),
        is_approximate=body.get("is_approximate") is True,
        plan_id=_optional_int(body, "plan_id"),
        feature_id=_optional_int(body, "feature_id"),
        **texts,
    )
