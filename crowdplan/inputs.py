"""Bounded input: what no view should have to think about is refused here with a 400 and a
message in the user's language, never a 500.

On every request, before any view: JSON nested deeper than MAX_JSON_DEPTH (checked on the raw
bytes, before the parser recurses), a body shorter than its Content-Length, a NUL character
(PostgreSQL text cannot hold one) and a lone surrogate (no database can encode one).
For views: `arg_int` and `arg_date` read query parameters as ASCII digits within a range;
`ascii_int` is the same check for ids found anywhere else.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import accumulate

from flask import request
from flask_babel import gettext as _

from crowdplan.errors import AppError

NUL = "\x00"
# JSON documents this app reads are a few levels deep; 64 leaves room and stays far below
# Python's recursion limit (a 1,000-level body made json.loads raise RecursionError: a 500).
MAX_JSON_DEPTH = 64
DB_INT_MAX = 2**31 - 1  # INTEGER columns on both backends
MAX_PAGE = 100_000
# Dates outside these years are typing mistakes or probes; the bounds keep every date
# arithmetic (a day later, 90 days earlier) inside what Python and both databases can hold.
MIN_YEAR, MAX_YEAR = 1900, 2200

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = [0] * 256
_DEPTH_STEP[ord("[")] = _DEPTH_STEP[ord("{")] = 1
_DEPTH_STEP[ord("]")] = _DEPTH_STEP[ord("}")] = -1


def ascii_int(raw: object, *, low: int = 1, high: int = DB_INT_MAX) -> int | None:
    """The integer written in `raw` with ASCII digits only, within low..high; else None.

    `str.isdigit()` and `int()` accept superscripts and Arabic-Indic digits ("¹", "١"); an id
    must be plain 0-9, or it is a different string that maps to the same row.
    """
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _bad_value(name: str) -> AppError:
    return AppError(
        _("The value of %(name)s is not valid.", name=name), status=400, code="bad_parameter"
    )


def arg_int(name: str, default: int | None = None, *, low: int = 1, high: int = DB_INT_MAX):
    """Query parameter `name` as an integer in low..high; absent or empty: `default`."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    value = ascii_int(raw, low=low, high=high)
    if value is None:
        raise _bad_value(name)
    return value


def arg_page(name: str = "page") -> int:
    """A page number, 1 .. MAX_PAGE."""
    return arg_int(name, 1, high=MAX_PAGE)


def checked_date(raw: str, name: str) -> date:
    """A YYYY-MM-DD date between MIN_YEAR and MAX_YEAR, or a 400 naming the parameter."""
    try:
        value = date.fromisoformat(raw) if raw.isascii() else None
    except ValueError:
        value = None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _bad_value(name)
    return value


def arg_date(name: str) -> date | None:
    """Query parameter `name` as a date (see checked_date); absent or empty: None."""
    raw = request.args.get(name, "")
    return checked_date(raw, name) if raw else None


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it (no recursion).

    Strings are removed first so brackets inside them do not count; the rest runs in C
    (translate, accumulate), so a 20 MB body is measured in well under a second.
    """
    skeleton = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(_DEPTH_STEP[b] for b in skeleton), default=0)


def _refused(message: str, code: str, status: int = 400) -> AppError:
    return AppError(message, status=status, code=code)


def _check_json_depth() -> None:
    if not request.is_json or not request.content_length:
        return
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise _refused(_("The JSON document is nested too deeply."), "json_too_deep")


def _values():
    yield request.path
    for _name, values in request.args.lists():
        yield from values
    for _name, values in request.form.lists():
        yield from values
    for storage in request.files.values():
        yield storage.filename or ""
    if request.is_json:
        yield from _strings(request.get_json(silent=True))


def _strings(value):
    """Every string in a JSON document, keys included (the API and Open311 bodies)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def register(app) -> None:
    """Install the checks on every request."""

    @app.before_request
    def _refuse_unreadable_input():
        try:
            _check_json_depth()
            forbidden = any(_FORBIDDEN.search(value) for value in _values())
        except OSError:
            # The client sent less than its Content-Length and hung up (gunicorn raises
            # NoMoreData, an OSError; Werkzeug's own server answers 400 by itself).
            raise _refused(_("The request body is incomplete."), "incomplete_body") from None
        if forbidden:
            raise _refused(
                _("The request contains a character that is not allowed."), "nul_character"
            )
