"""Locale choice: the visitor's remembered choice, else Chinese (zh_CN), the bureau's language."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _

from crowdplan import dates
from crowdplan.core.models import utcnow

LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


API_PREFIXES = ("/api/", "/open311/")


def select_locale() -> str:
    """Cookie set by the language switch, else (API callers) Accept-Language, else zh_CN."""
    chosen = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    if has_request_context() and request.path.startswith(API_PREFIXES):
        # Systems calling the API have no language switch; they say what they read.
        asked = request.accept_languages.best_match(["zh", "zh-CN", "en"])
        if asked:
            return "en" if asked == "en" else "zh_CN"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """One timezone for the bureau: deadlines and notice windows are local dates."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    """'zh_CN' or 'en', for the html lang attribute and switch."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def role_label(role: str) -> str:
    """The translated name of a role."""
    labels = {
        "citizen": _("Citizen"),
        "organisation": _("Organisation"),
        "planner": _("Planner"),
        "dept_head": _("Head of department"),
        "admin": _("Administrator"),
    }
    return labels.get(role, role)


def template_globals() -> dict:
    """Values every template needs."""
    lang = current_language()
    return {
        "current_language": lang,
        "html_lang": "en" if lang == "en" else "zh-CN",
        "language_names": LANGUAGE_NAMES,
        "role_label": role_label,
        "now": utcnow,
    }


def last_day_filter(end_exclusive) -> str:
    """`|last_day`: a stored deadline or notice end as the last day people read (YYYY-MM-DD)."""
    return dates.iso_day(dates.last_day(end_exclusive)) or ""


def local_day_filter(moment) -> str:
    """`|local_day`: an instant (a notice opening) as its date in the bureau's zone."""
    return dates.iso_day(dates.local_date(moment)) or ""


TEMPLATE_FILTERS = {"last_day": last_day_filter, "local_day": local_day_filter}
