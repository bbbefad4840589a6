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


def _allowed_cases(app, world):
    """For each write rule: a target and a role that may use it (most powerful first)."""
    rules = app_rules(app, methods=WRITE_METHODS)
    for rule in sorted(rules, key=lambda r: r.endpoint == "auth.logout"):  # logout last
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
