"""Authorisation matrix (issue 8 item 5, ASVS 8.2.2): every rule of the url_map, as every role,
against objects of other users and of another department.

The expected outcome of each (role, kind of endpoint, object) is data below (`KINDS`, `POLICY`).
A denied request must answer 401/403/404 or send an anonymous user to the sign-in page, and must
change no row; an allowed one must get through (GET: 200; writes: anything but a refusal), so
the matrix fails when a check is missing and when one is too strict.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crowdplan.extensions import db
from crowdplan.suggestions.models import BlockedWord
from tests.security.routes import (
    WRITE_METHODS,
    Target,
    app_rules,
    build_path,
    changed_tables,
    fingerprint,
    suggestion_targets,
    targets_for,
)
from tests.security.world import World

STAFF = {"planner", "dept_head", "admin"}
DEPT_A_STAFF = {"planner", "dept_head"}  # the matrix's planner and head work in department A
SIGNED_IN = {"citizen", "organisation"} | STAFF
ALL = {"anonymous"} | SIGNED_IN

Rule = Callable[[str, Target], bool]

KINDS: dict[str, Rule] = {
    # Anyone, for objects the public may see (a draft, a held suggestion: nobody, 404).
    "public": lambda role, t: t.public,
    "signed_in": lambda role, t: role in SIGNED_IN and t.public,
    # One's own account, for citizens and organisations (an administrator closes staff ones).
    "own_account": lambda role, t: role in {"citizen", "organisation"},
    "staff": lambda role, t: role in STAFF,
    # Plans and cases: staff of the owning department, and admins.
    "department": lambda role, t: role == "admin" or (role in DEPT_A_STAFF and t.dept == "A"),
    # Adoption report: public once results are published, before that the owning department.
    "report": lambda role, t: (
        t.public and (t.results or role == "admin" or (role in DEPT_A_STAFF and t.dept == "A"))
    ),
    "published_plan": lambda role, t: t.public and KINDS["department"](role, t),
    # Moderation is city-wide by design (DOMAIN.md: department heads and admins moderate).
    "moderate": lambda role, t: role in {"dept_head", "admin"},
    "admin": lambda role, t: role == "admin",
    # Rating: only the author (the demo citizen, on their own suggestion).
    "author": lambda role, t: role == "citizen" and t.owner == "citizen",
    # A photo: public with its suggestion; a held one for its department and the moderators.
    "photo": lambda role, t: (
        t.public or role in {"dept_head", "admin"} or (role == "planner" and t.dept == "A")
    ),
    # Reachable by anyone by design; see the comment at the endpoint.
    "open": lambda role, t: True,
    # A capability URL with a guessed token: nobody.
    "nobody": lambda role, t: False,
}

# endpoint -> kind. Every rule of the app must be here: a new route fails
# test_every_rule_is_classified until someone decides who may use it.
POLICY: dict[str, str] = {
    # Accounts. Sign-in, registration and sign-out are open by design; the profile is one's own.
    "auth.login": "open",
    "auth.register": "open",
    "auth.logout": "signed_in",  # sent last: it ends the session the other cells use
    "auth.profile": "signed_in",
    # PIPL: the notice is public; the download and the deletion are one's own (test_pipl).
    "privacy.notice": "public",
    "privacy.download": "signed_in",
    "privacy.delete_account": "own_account",
    # Public pages and open data (no personal data; tested in test_privacy and test_reports).
    "main.home": "public",
    "main.healthz": "open",
    "main.readyz": "open",
    "main.set_language": "open",
    "plans.index": "public",
    "plans.detail": "public",
    "plans.document": "public",
    "stats.display": "public",
    "stats.stats_page": "public",
    "stats.stats_json": "public",
    "stats.open_csv": "public",
    "stats.open_geojson": "public",
    "stats.plan_report": "report",
    "stats.plan_report_csv": "report",
    "stats.plan_report_geojson": "report",
    "stats.plan_report_pdf": "report",
    "suggestions.index": "public",
    "suggestions.report": "public",
    "suggestions.create": "open",  # guests may post; they confirm by e-mail
    "suggestions.detail": "public",
    "suggestions.support": "public",  # guests support once per cookie
    "suggestions.flag": "public",  # guests may report abuse
    "suggestions.follow": "signed_in",
    "suggestions.follow_area": "signed_in",
    "suggestions.rate": "author",
    "suggestions.photo": "photo",
    "suggestions.confirm": "nobody",
    "suggestions_api.similar": "public",
    "suggestions_api.viewport": "public",
    # Staff.
    "staff.dashboard": "staff",
    "plans_staff.index": "staff",
    "plans_staff.new": "staff",  # planners and heads for their own department (checked inside)
    "plans_staff.edit": "department",
    "plans_staff.update_draft": "department",
    "plans_staff.upload_layer": "department",
    "plans_staff.upload_document": "department",
    "plans_staff.publish": "department",
    "plans_staff.lifecycle": "published_plan",  # close, results, new version: published only
    "triage.inbox": "staff",
    "triage.case": "department",
    "triage.act": "department",
    "triage.bulk": "department",
    "triage.callbacks": "staff",
    "moderation.queue": "moderate",
    "moderation.decide": "moderate",
    "moderation.add_word": "moderate",
    "moderation.delete_word": "moderate",
    "moderation.set_mode": "admin",
    "routing.rules": "admin",
    "routing.edit": "admin",
    # The official calendar and the time limits are the bureau's data: admins only.
    "calendar.year": "admin",
    "calendar.set_day": "admin",
    "calendar.cover": "admin",
    "calendar.limits_page": "admin",
    "calendar.topic_limits": "admin",
    "calendar.department_limit": "admin",
    # Passwords: the reset request is open (it never says whether an account exists), a reset
    # link with a guessed token works for nobody, changing one's password needs a session.
    "auth.forgot_password": "open",
    "auth.reset_password": "nobody",
    "auth.change_password": "signed_in",
    # Admin pages added with the API and the audit log.
    "api_keys.index": "admin",
    "api_keys.create": "admin",
    "api_keys.revoke": "admin",
    "audit.log": "admin",
    # The JSON API as a browser session sees it: public data for everyone (held suggestions
    # only through a staff-read API key, not a session); creating needs a signed-in person.
    "api.areas": "public",
    "api.departments": "public",
    "api.docs": "public",
    "api.openapi_json": "public",
    "api.plans": "public",
    "api.plan": "public",
    "api.plan_layers": "public",
    "api.suggestion_list": "public",
    "api.suggestion": "public",
    "api.topics": "public",
    "api.suggestion_create": "signed_in",
    # Open311: reading is public; posting needs an API key, which no session is.
    "open311.discovery": "public",
    "open311.services": "public",
    "open311.service_definition": "public",
    "open311.requests_list": "public",
    "open311.request_detail": "public",
    "open311.requests_create": "nobody",
}


@pytest.fixture(autouse=True)
def _no_api_rate_limit(app):
    """The matrix sends hundreds of API requests from one address in a minute; the per-address
    API limit is tested in test_api_keys, the support and flag limits in tests/abuse/."""
    names = ("API_RATE_LIMIT", "SUPPORT_RATE_LIMIT", "FLAG_RATE_LIMIT")
    saved = {name: app.config[name] for name in names}
    app.config.update(dict.fromkeys(names, "1000000/minute"))
    yield
    app.config.update(saved)


ROLE_ORDER = ("anonymous", "citizen", "organisation", "planner", "dept_head", "admin")


def _form(endpoint: str, t: Target, w: World) -> dict:
    """Valid form fields, so that a request reaches the permission check and not a form error."""
    action = t.values.get("action")
    if endpoint == "triage.act":
        return {
            "note": {"text": "matrix note"},
            "reply": {"text": "matrix reply"},
            "status": {"status": "in_progress", "reason": "matrix"},
            # Transfer to its own department: refused after the check, so no case moves.
            "transfer": {"department": w.dept_b if t.dept == "B" else w.dept_a, "reason": "m"},
            "merge": {"into": t.values["suggestion_id"], "reason": "matrix"},  # into itself: 409
            "close": {"decision": "adopted", "reason": "matrix"},
            # No callback is owed on the matrix's cases: refused after the check (409).
            "callback": {"callback_id": "1", "outcome": "resolved", "note": "matrix"},
        }[action]
    return {
        "plans_staff.update_draft": {"title": "matrix title", "summary": "matrix"},
        "plans_staff.lifecycle": {"reason": "matrix"},
        "suggestions.rate": {"rating": "satisfied"},
        "suggestions.flag": {"reason": "matrix flag"},
        "moderation.decide": {"action": "approve", "reason": "matrix"},
        "moderation.add_word": {"word": "matrix-word"},
        "moderation.set_mode": {"mode": "flagged"},
        "auth.profile": {"display_name": "matrix name"},
    }.get(endpoint, {})


# Query strings for pages that need one to answer at all.
QUERIES = {
    "suggestions_api.viewport": "?bbox=114.0,29.5,114.6,30.1&zoom=12",
}


def _restore(world: World) -> None:
    """Undo what allowed writes did to the targets, so later cells meet the objects they expect:
    moderators approve held suggestions, three flags hide one, a word is deleted."""
    from crowdplan.suggestions.models import Flag, Suggestion, Visibility

    for sid in (world.sug_a, world.sug_b, world.sug_b_held, world.sug_own):
        s = db.session.get(Suggestion, sid)
        held = sid == world.sug_b_held
        s.visibility = (Visibility.REVIEW if held else Visibility.PUBLISHED).value
        s.flag_count = 0
        db.session.query(Flag).filter(Flag.suggestion_id == sid).delete()
    if db.session.get(BlockedWord, world.word) is None:
        db.session.add(BlockedWord(id=world.word, word="安全测试屏蔽词"))
    db.session.commit()


def _denied(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _cells(app, world: World, methods):
    """(phase, rule, method, target) in the order they are sent: all GETs before any write."""

    rules = app_rules(app, methods=methods)
    for rule in sorted(rules, key=lambda r: r.endpoint == "auth.logout"):
        for method in sorted(set(rule.methods) & set(methods)):
            # The bulk form names its cases in the body, not the URL.
            targets = (
                suggestion_targets(world)
                if rule.endpoint == "triage.bulk"
                else targets_for(rule, world)
            )
            for t in targets:
                yield rule, method, t


def test_every_rule_is_classified(app):
    unknown = [f"{r.endpoint} {r.rule}" for r in app_rules(app) if r.endpoint not in POLICY]
    assert unknown == [], "decide who may use these routes and add them to POLICY"


def _send(rc, app, world, rule, method, t):
    values = {k: v for k, v in t.values.items() if k in rule.arguments}
    path = build_path(rule, values)
    if method == "GET":
        path += QUERIES.get(rule.endpoint, "")
        return path, rc.client.get(path)
    data = {"csrf_token": rc.token, **_form(rule.endpoint, t, world)}
    if rule.endpoint == "triage.bulk":
        data.update({"action": "assign", "ids": [str(t.values["suggestion_id"])]})
    return path, rc.client.open(path, method=method, data=data)


@pytest.mark.parametrize("phase", ["read", "write"])
def test_authorisation_matrix(app, world, role_clients, phase):
    methods = ("GET",) if phase == "read" else WRITE_METHODS
    wrong, cells = [], 0
    for rule, method, t in _cells(app, world, methods):
        allowed = KINDS[POLICY[rule.endpoint]]
        for role in ROLE_ORDER:
            expect = allowed(role, t)
            with app.app_context():
                before = fingerprint()
            path, response = _send(role_clients[role], app, world, rule, method, t)
            with response:
                status = response.status_code
                denied = _denied(response)
            with app.app_context():
                changed = changed_tables(before, fingerprint())
            if expect and method != "GET":
                with app.app_context():
                    _restore(world)
            cells += 1
            cell = f"{role:12} {method:4} {path} ({t.label}) -> {status}"
            if not expect and (not denied or changed):
                wrong.append(f"UNAUTHORISED {cell} changed={changed}")
            elif expect and (denied or status >= 500 or (method == "GET" and status >= 400)):
                wrong.append(f"REFUSED      {cell}")
            elif method == "GET" and changed:
                wrong.append(f"GET WROTE    {cell} changed={changed}")
    print(f"\nauthorisation matrix, {phase}: {cells} requests, {len(wrong)} wrong")
    assert cells > 100  # the walk really walked
    assert wrong == [], "\n".join(wrong)
