"""Refuse input that no database can store: a NUL character (PostgreSQL text cannot hold one,
so it would end as a 500 and a broken transaction instead of a clear refusal)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from crowdplan.errors import AppError

NUL = "\x00"


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
    """Install the check on every request."""

    @app.before_request
    def _refuse_nul():
        if any(NUL in value for value in _values()):
            raise AppError(
                _("The request contains a character that is not allowed."),
                status=400,
                code="nul_character",
            )
