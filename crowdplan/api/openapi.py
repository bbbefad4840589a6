"""The OpenAPI 3.1 document of /api/v1 and /open311, kept as data (tests check it against the
routes, and schemathesis fuzzes the app from it)."""

from __future__ import annotations

from functools import cache

from crowdplan.geo.coords import COORD_SYSTEMS

ERROR = {"$ref": "#/components/responses/Error"}
OPEN311_ERROR = {"$ref": "#/components/responses/Open311Error"}
# Stored points are WGS84; GCJ-02 (Amap, Tencent, WeChat) and BD-09 (Baidu) are converted.
COORD_SYSTEM = {
    "type": "string",
    "enum": list(COORD_SYSTEMS),
    "default": "wgs84",
    "description": "The system of lon/lat (an extension in Open311); stored as WGS84.",
}


def _param(name: str, kind: str = "string", *, where: str = "query", required=False, **extra):
    schema = {"type": kind, **extra}
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema}


def _json(description: str, schema: dict | None = None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def _op(summary: str, *, tag: str, params=(), responses=None, **extra) -> dict:
    return {
        "summary": summary,
        "tags": [tag],
        "parameters": list(params),
        "responses": responses or {"200": _json(summary)},
        **extra,
    }


PAGING = (
    _param("page", "integer", minimum=1),
    _param("per_page", "integer", minimum=1, maximum=100),
)
SUGGESTION_FILTERS = (
    _param("topic", maxLength=40),
    _param("stance", enum=["support", "oppose", "suggest"]),
    _param("area", maxLength=12),
    _param("plan", "integer"),
)
PLAN_ID = _param("plan_id", "integer", where="path")
LIST = {"$ref": "#/components/schemas/Page"}
ITEMS = {"type": "object", "properties": {"items": {"type": "array"}}, "required": ["items"]}


def _api_paths() -> dict:
    p = "/api/v1"
    return {
        f"{p}/plans": {
            "get": _op(
                "Published plans, newest notice first",
                tag="plans",
                params=(
                    _param("type"),
                    _param("status", enum=["scheduled", "notice", "closed", "results"]),
                    _param("area"),
                    _param("q"),
                    *PAGING,
                ),
                responses={"200": _json("A page of plans", LIST), "400": ERROR},
            )
        },
        f"{p}/plans/{{plan_id}}": {
            "get": _op(
                "One plan with its view count, layers and documents",
                tag="plans",
                params=(PLAN_ID,),
                responses={
                    "200": _json("The plan", {"$ref": "#/components/schemas/Plan"}),
                    "404": ERROR,
                },
            )
        },
        f"{p}/plans/{{plan_id}}/layers": {
            "get": _op(
                "The plan's layers as a GeoJSON FeatureCollection",
                tag="plans",
                params=(PLAN_ID,),
                responses={"200": _json("GeoJSON"), "404": ERROR},
            )
        },
        f"{p}/suggestions": {
            "get": _op(
                "Published suggestions, newest first",
                tag="suggestions",
                params=(
                    _param("bbox", description="min_lon,min_lat,max_lon,max_lat"),
                    _param("status"),
                    *SUGGESTION_FILTERS,
                    *PAGING,
                ),
                responses={"200": _json("A page of suggestions", LIST), "400": ERROR},
            ),
            "post": _op(
                "Submit a suggestion (API key with scope submit, or a session with X-CSRFToken)",
                tag="suggestions",
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/NewSuggestion"}
                        }
                    },
                },
                responses={
                    "201": _json(
                        "The stored suggestion", {"$ref": "#/components/schemas/Suggestion"}
                    ),
                    "400": ERROR,
                    "401": ERROR,
                    "403": ERROR,
                    "404": ERROR,
                    "409": ERROR,
                    "422": ERROR,
                    "429": ERROR,
                },
                security=[{"apiKey": []}, {"session": []}],
            ),
        },
        f"{p}/suggestions/{{suggestion_id}}": {
            "get": _op(
                "One published suggestion (a staff-read key sees private details)",
                tag="suggestions",
                params=(_param("suggestion_id", "integer", where="path"),),
                responses={
                    "200": _json("The suggestion", {"$ref": "#/components/schemas/Suggestion"}),
                    "403": ERROR,
                    "404": ERROR,
                },
            )
        },
        f"{p}/suggestions/viewport": {
            "get": _op(
                "Clusters or points for a map viewport",
                tag="suggestions",
                params=(
                    _param("bbox", required=True),
                    _param("zoom", "integer", required=True, minimum=0, maximum=22),
                    *SUGGESTION_FILTERS,
                ),
                responses={"200": _json("GeoJSON"), "400": ERROR},
            )
        },
        f"{p}/suggestions/similar": {
            "post": _op(
                "Published suggestions near a point with similar text (the draft in the body, "
                "at most 2,000 characters; a session sends X-CSRFToken)",
                tag="suggestions",
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SimilarQuery"}
                        }
                    },
                },
                responses={
                    "200": _json("Similar suggestions"),
                    "400": ERROR,
                    "413": ERROR,
                    "429": ERROR,
                },
            )
        },
        f"{p}/topics": {
            "get": _op("Topics", tag="reference", responses={"200": _json("Topics", ITEMS)})
        },
        f"{p}/areas": {
            "get": _op("Areas", tag="reference", responses={"200": _json("Areas", ITEMS)})
        },
        f"{p}/departments": {
            "get": _op(
                "Departments", tag="reference", responses={"200": _json("Departments", ITEMS)}
            )
        },
        f"{p}/stats": {"get": _op("Participation statistics", tag="statistics")},
        f"{p}/open/suggestions.csv": {
            "get": _op(
                "Anonymised suggestions as CSV",
                tag="statistics",
                params=SUGGESTION_FILTERS,
                responses={"200": {"description": "CSV", "content": {"text/csv": {}}}},
            )
        },
        f"{p}/open/suggestions.geojson": {
            "get": _op(
                "Anonymised suggestions as GeoJSON",
                tag="statistics",
                params=SUGGESTION_FILTERS,
                responses={
                    "200": {"description": "GeoJSON", "content": {"application/geo+json": {}}}
                },
            )
        },
        f"{p}/openapi.json": {"get": _op("This document", tag="meta")},
        f"{p}/docs": {
            "get": _op(
                "This document as a web page",
                tag="meta",
                responses={"200": {"description": "HTML", "content": {"text/html": {}}}},
            )
        },
    }


def _formats(path: str, operation_for) -> dict:
    """Open311 serves every resource as .json and .xml."""
    return {path.format(fmt=fmt): operation_for(fmt) for fmt in ("json", "xml")}


def _o311(summary: str, fmt: str, *, params=(), ok="200", extra_errors=(), **extra) -> dict:
    media = "application/json" if fmt == "json" else "text/xml"
    responses = {ok: {"description": summary, "content": {media: {}}}}
    responses.update({code: OPEN311_ERROR for code in extra_errors})
    return _op(summary, tag="open311", params=params, responses=responses, **extra)


OPEN311_DATES = (
    "Date-times carry the bureau's offset (e.g. +08:00). expected_datetime is the end of the "
    "reply deadline's last working day (23:59:59); notice_start_datetime is the start of the "
    "notice's first day (00:00:00) and notice_end_datetime the end of its last day (23:59:59), "
    "for the plan version the request was made on."
)


def _open311_paths() -> dict:
    v2 = "/open311/v2"
    request_form = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"$ref": "#/components/schemas/Open311Request"}
            }
        },
    }
    paths = {}
    paths |= _formats("/open311/discovery.{fmt}", lambda f: {"get": _o311("Service discovery", f)})
    paths |= _formats(v2 + "/services.{fmt}", lambda f: {"get": _o311("Service list (topics)", f)})
    paths |= _formats(
        v2 + "/services/{{service_code}}.{fmt}",
        lambda f: {
            "get": _o311(
                "Service definition (attributes)",
                f,
                params=(_param("service_code", where="path"),),
                extra_errors=("404",),
            )
        },
    )
    paths |= _formats(
        v2 + "/requests.{fmt}",
        lambda f: {
            "get": _o311(
                "Service requests (public suggestions)",
                f,
                params=(
                    _param("service_request_id"),
                    _param("service_code"),
                    _param("start_date", format="date-time"),
                    _param("end_date", format="date-time"),
                    _param("status", enum=["open", "closed"]),
                ),
                extra_errors=("400", "404"),
                description=OPEN311_DATES,
            ),
            "post": _o311(
                "Create a service request (API key with scope submit)",
                f,
                ok="201",
                extra_errors=("400", "403", "404", "429"),
                requestBody=request_form,
            ),
        },
    )
    paths |= _formats(
        v2 + "/requests/{{service_request_id}}.{fmt}",
        lambda f: {
            "get": _o311(
                "One service request",
                f,
                params=(_param("service_request_id", where="path"),),
                extra_errors=("404",),
                description=OPEN311_DATES,
            )
        },
    )
    return paths


INSTANT = {"type": ["string", "null"], "format": "date-time"}
DAY = {"type": ["string", "null"], "format": "date"}
DATES_NOTE = (
    "Instants (…_at) are RFC 3339 in UTC with the offset. A reply deadline and a notice end are "
    "stored as the exclusive instant that ends their last day (local midnight after it, in the "
    "bureau's time zone, Asia/Shanghai by default); the …_day/…_date fields give the dates "
    "people read, both notice days inclusive."
)


def _dated(description: str, **fields: tuple[dict, str]) -> dict:
    """An object schema documenting its date fields; the other fields are not constrained."""
    return {
        "type": "object",
        "description": f"{description} {DATES_NOTE}",
        "properties": {
            name: {**kind, "description": text} for name, (kind, text) in fields.items()
        },
    }


def _dated_schemas() -> dict:
    return {
        "Plan": _dated(
            "A plan as its public version shows it.",
            notice_opens_at=(INSTANT, "When the notice opened: local midnight of its first day."),
            notice_closes_at=(
                INSTANT,
                "When commenting ends (exclusive): local midnight after the last day, or the "
                "instant of an early close.",
            ),
            notice_first_day=(DAY, "The first day of the notice (inclusive), YYYY-MM-DD."),
            notice_last_day=(DAY, "The last day of the notice (inclusive), YYYY-MM-DD."),
            results_published_at=(INSTANT, "When the adoption results were published."),
            published_at=(INSTANT, "When this version was published."),
        ),
        "Suggestion": _dated(
            "A public suggestion.",
            created_at=(INSTANT, "When it was received."),
            reply_due_at=(
                INSTANT,
                "The reply deadline (exclusive): local midnight after the last working day.",
            ),
            reply_due_date=(
                DAY,
                "The reply deadline as people read it: the last working day, YYYY-MM-DD.",
            ),
            replied_at=(INSTANT, "When staff replied."),
            closed_at=(INSTANT, "When the case was closed."),
        ),
    }


def _components() -> dict:
    text = {"type": "string"}
    return {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
        "responses": {
            "Error": _json("An error", {"$ref": "#/components/schemas/Error"}),
            "Open311Error": {
                "description": "Open311 errors document",
                "content": {"application/json": {}, "text/xml": {}},
            },
        },
        "schemas": {
            **_dated_schemas(),
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["status", "code", "message"],
                        "properties": {
                            "status": {"type": "integer"},
                            "code": text,
                            "message": text,
                        },
                    }
                },
            },
            "Page": {
                "type": "object",
                "required": ["items", "page", "per_page", "total", "pages"],
                "properties": {
                    "items": {"type": "array"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "total": {"type": "integer"},
                    "pages": {"type": "integer"},
                },
            },
            "SimilarQuery": {
                "type": "object",
                "required": ["lon", "lat"],
                "properties": {
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "text": {"type": "string", "maxLength": 2000},
                },
            },
            "NewSuggestion": {
                "type": "object",
                "required": ["lon", "lat", "topic", "stance", "text"],
                "properties": {
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "topic": {"type": "string", "maxLength": 40},
                    "stance": {"type": "string", "enum": ["support", "oppose", "suggest"]},
                    "text": {"type": "string", "minLength": 5, "maxLength": 2000},
                    "plan_id": {"type": "integer"},
                    "feature_id": {"type": "integer"},
                    "place_label": {"type": "string", "maxLength": 120},
                    "display_name": {"type": "string", "maxLength": 80},
                    "contact_phone": {"type": "string", "maxLength": 20},
                    "contact_email": {"type": "string", "maxLength": 254},
                    "is_approximate": {"type": "boolean"},
                    "coord_system": COORD_SYSTEM,
                },
            },
            "Open311Request": {
                "type": "object",
                "required": ["service_code"],
                "properties": {
                    "api_key": text,
                    "service_code": text,
                    "lat": {"type": "number"},
                    "long": {"type": "number"},
                    "coord_system": COORD_SYSTEM,
                    "address_string": text,
                    "description": {"type": "string", "maxLength": 4000},
                    "email": text,
                    "first_name": text,
                    "last_name": text,
                    "phone": text,
                    "media_url": text,
                    "attribute[stance]": {
                        "type": "string",
                        "enum": ["support", "oppose", "suggest"],
                    },
                    "attribute[plan]": text,
                },
            },
        },
    }


@cache
def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crowdplan API",
            "version": "1.0.0",
            "description": (
                "Plans, suggestions and statistics of the public-participation platform, and "
                "an Open311 GeoReport v2 server. Errors under /api/v1 are "
                '{"error": {"status", "code", "message"}} in the caller\'s language '
                "(Accept-Language or the lang cookie); Open311 errors follow the GeoReport spec. "
                "Points are WGS84 longitude/latitude; a POST may send coord_system=gcj02 (Amap, "
                "Tencent, WeChat) or bd09 (Baidu) and the point is converted and stored as WGS84."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": _api_paths() | _open311_paths(),
        "components": _components(),
    }


def operations() -> list[dict]:
    """Every operation, flattened for the docs page."""
    return [
        {"method": method.upper(), "path": path, **op}
        for path, item in document()["paths"].items()
        for method, op in item.items()
    ]
