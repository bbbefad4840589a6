"""CSRF (issue 8 item 1): every state-changing rule of the url_map refuses a request without a
valid token, even from a signed-in user who could otherwise do it, and changes nothing."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from tests.security.routes import (
    WRITE_METHODS,
    app_rules,
    build_path,
    changed_tables,
    fingerprint,
    targets_for,
)
from tests.security.test_authz_matrix import KINDS, POLICY, QUERIES, ROLE_ORDER, _form

MESSAGE = "Your form has expired or was not sent from this site. Please try again."


# Writes that only an API key can make: no cookie authenticates them, so no token is needed
# (issue 8 item 1); test_key_only_writes_ignore_the_session proves a session cannot use them.
KEY_ONLY = {"open311.requests_create"}


def _real_reset_target(app):
    from crowdplan.auth.operations import get_user_by_login, make_reset_token
    from tests.security.routes import Target

    with app.app_context():
        token = make_reset_token(get_user_by_login("org@demo.crowdplan"))
    return Target("real reset link", {"token": token})


def _allowed_cases(app, world):
    """For each write rule: a target and a role that may use it (most powerful first)."""
    rules = app_rules(app, methods=WRITE_METHODS)
    for rule in sorted(rules, key=lambda r: r.endpoint == "auth.logout"):  # logout last
        if rule.endpoint in KEY_ONLY:
            continue
        if rule.endpoint == "auth.reset_password":
            # A guessed token works for nobody (the matrix); with a real reset link anyone
            # holding it may post, so CSRF is tested with one.
            yield rule, _real_reset_target(app), "anonymous"
            continue
        kind = KINDS[POLICY[rule.endpoint]]
        for t in targets_for(rule, world):
            role = next((r for r in reversed(ROLE_ORDER) if kind(r, t)), None)
            if role is not None:
                yield rule, t, role
                break
        else:
            raise AssertionError(f"{rule.rule}: nobody may use it, so CSRF cannot be tested")


def _send(rc, app, world, rule, t, token: str | None):
    path = build_path(rule, {k: v for k, v in t.values.items() if k in rule.arguments})
    data = _form(rule.endpoint, t, world)
    if token is not None:
        data["csrf_token"] = token
    if rule.endpoint == "triage.bulk":
        data.update({"action": "assign", "ids": [str(world.sug_a)]})
    method = sorted(set(rule.methods) & set(WRITE_METHODS))[0]
    return path + QUERIES.get(rule.endpoint, ""), rc.client.open(path, method=method, data=data)


def test_every_write_without_token_is_refused(app, world, role_clients):
    with app.test_request_context(), force_locale("zh_CN"):
        message_zh = _(MESSAGE)
    assert message_zh != MESSAGE  # the Chinese message, not the msgid
    wrong, sent = [], 0
    for rule, t, role in _allowed_cases(app, world):
        for label, token in (("no token", None), ("another session's token", "stolen")):
            if token == "stolen":
                # A real token, but of the anonymous visitor's session, not this user's.
                token = role_clients["anonymous"].token if role != "anonymous" else (
                    role_clients["citizen"].token
                )  # fmt: skip
            with app.app_context():
                before = fingerprint()
            path, response = _send(role_clients[role], app, world, rule, t, token)
            with response:
                status, body = response.status_code, response.get_data(as_text=True)
                if response.is_json:  # the API's error document (\u-escaped text)
                    body = response.json["error"]["message"]
            with app.app_context():
                changed = changed_tables(before, fingerprint())
            sent += 1
            if status != 400 or message_zh not in body or changed:
                wrong.append(f"{role} {path} ({label}) -> {status} changed={changed}")
    assert sent >= 2 * 20  # every write rule of the app (about 25 today)
    assert wrong == [], "\n".join(wrong)


def test_the_same_requests_with_the_token_get_through(app, world, role_clients):
    """Control: with its token each request passes the CSRF check (so the test above can fail)."""
    with app.test_request_context(), force_locale("zh_CN"):
        message_zh = _(MESSAGE)
    refused = []
    for rule, t, role in _allowed_cases(app, world):
        rc = role_clients[role]
        if rule.endpoint == "auth.logout":
            continue  # would end the session the other requests use
        path, response = _send(rc, app, world, rule, t, rc.token)
        with response:
            if message_zh in response.get_data(as_text=True):
                refused.append(f"{role} {path} -> {response.status_code}")
    assert refused == []


def test_key_only_writes_ignore_the_session(app, world, role_clients):
    """A signed-in admin's session (cookie and a valid CSRF token) cannot post through Open311."""
    from sqlalchemy import func, select

    from crowdplan.extensions import db
    from crowdplan.suggestions.models import Suggestion

    admin = role_clients["admin"]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Suggestion))
    data = {"service_code": "parking", "lat": "29.8412", "long": "114.3226",
            "description": "会话不能代替接口密钥提交。", "csrf_token": admin.token}  # fmt: skip
    with admin.client.post("/open311/v2/requests.json", data=data) as r:
        assert r.status_code == 403
        assert r.json[0]["code"] == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == before
