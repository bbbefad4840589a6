"""POST requests: a trusted intake channel (an API key with scope submit, e.g. the city's 12345
hotline system). Checked like the web form; no e-mail confirmation; routed at once."""

from __future__ import annotations

import math

from flask_babel import gettext as _

from crowdplan.api.parse import check_email, unknown_coord_system_message
from crowdplan.errors import AppError
from crowdplan.geo.coords import UnknownCoordSystem, to_wgs84
from crowdplan.inputs import ascii_int
from crowdplan.open311.operations import HTML, MAX_DESCRIPTION, get_service
from crowdplan.open311.render import Open311Error
from crowdplan.suggestions import operations as suggestions
from crowdplan.suggestions.models import Stance, Suggestion
from crowdplan.suggestions.places import list_places
from crowdplan.triage import operations as triage


def _missing(name: str) -> Open311Error:
    return Open311Error(400, _("%(name)s is missing or not valid.", name=name))


def _location(form) -> tuple[float, float, str | None]:
    """lat + long, or an address_string naming a district or landmark of the city."""
    if form.get("lat") or form.get("long"):
        return *_lat_long(form), None
    address = (form.get("address_string") or "").strip()
    if not address:
        raise Open311Error(400, _("A location is required: lat and long, or address_string."))
    for place in list_places():
        if address in {place.name, place.name_en}:
            return place.lon, place.lat, place.name
    raise Open311Error(400, _("The address_string is not a place we know; send lat and long."))


def _lat_long(form) -> tuple[float, float]:
    """(lon, lat) as WGS84; `coord_system` (an extension: gcj02, bd09) says what was sent."""
    try:
        lat, lon = float(form.get("lat", "")), float(form.get("long", ""))
    except ValueError:
        raise _missing("lat/long") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _missing("lat/long")
    try:
        # Hotline systems built on Amap or Baidu maps hold GCJ-02 or BD-09 coordinates.
        return to_wgs84(lon, lat, (form.get("coord_system") or "")[:20] or None)
    except UnknownCoordSystem:
        raise Open311Error(400, unknown_coord_system_message()) from None


def _description(form) -> str:
    text = form.get("description") or ""
    if not text.strip():
        raise _missing("description")
    if len(text) > MAX_DESCRIPTION:
        raise Open311Error(400, _("The description may be at most 4000 characters."))
    if HTML.search(text):
        raise Open311Error(400, _("The description must be plain text, without HTML."))
    return text


def _phone(form) -> str | None:
    """At most 20 characters, as on the web form."""
    phone = (form.get("phone") or "").strip()
    if len(phone) > 20:
        raise _missing("phone")
    return phone or None


def _email(form) -> str | None:
    try:
        return check_email((form.get("email") or "").strip(), "email")
    except AppError:
        raise _missing("email") from None


def _plan_id(form) -> int | None:
    raw = (form.get("attribute[plan]") or "").strip()
    if not raw:
        return None
    if (plan_id := ascii_int(raw)) is None:
        raise _missing("attribute[plan]")
    return plan_id


def submit(form) -> Suggestion:
    """Validate, store, moderate and route a request; nothing is stored when it is refused."""
    topic = get_service((form.get("service_code") or "").strip() or _raise_missing())
    lon, lat, place = _location(form)
    stance = (form.get("attribute[stance]") or Stance.SUGGEST.value).strip()
    data = suggestions.SuggestionInput(
        lon=lon,
        lat=lat,
        topic_code=topic.code,
        stance=stance,
        text=_description(form),
        is_approximate=place is not None,
        place_label=place,
        contact_phone=_phone(form),
        contact_email=_email(form),
        plan_id=_plan_id(form),
    )
    try:
        created, _token = triage.submit(data, trusted_channel=True)
    except AppError as exc:
        # The web form's refusals (outside the city, text length, notice closed ...) are bad
        # parameters to an Open311 client; an unknown plan stays a 404, a cap a 429.
        raise Open311Error(exc.status if exc.status in (404, 429) else 400, exc.message) from None
    return created


def _raise_missing():
    raise _missing("service_code")
