"""Passwords and sessions: policy, change, reset by e-mail, sign-out ends every session."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from crowdplan.auth.operations import get_user_by_login
from crowdplan.auth.passwords import common_passwords, password_problem
from tests.conftest import DEMO_LOGINS, AuthActions, csrf_from

DEMO = AuthActions.DEMO_PASSWORD
NEW = "a-much-better-passphrase"


def _register(client, password):
    page = client.get("/register").get_data(as_text=True)
    data = {"display_name": "x", "kind": "citizen", "password": password, "confirm": password}
    data.update(email="p@example.cn", consent="y", csrf_token=csrf_from(page))
    return client.post("/register", data=data)


def test_the_common_password_list_ships_with_the_code(app):
    words = common_passwords()
    assert len(words) > 19_000 and "password" in words and "123456" in words
    with app.test_request_context():
        assert password_problem("1qaz2wsx3edc") is not None  # common, though 12 long
        assert password_problem("Q1W2E3R4T5Y6") is not None  # case does not help
        assert password_problem("short-pass1") is not None  # 11 characters
        assert password_problem("x" * 201) is not None
        assert password_problem("correct-horse-battery") is None


@pytest.mark.parametrize("password", ["1qaz2wsx3edc", "elevenchars"])
def test_registration_refuses_weak_passwords(demo, client, password):
    with _register(client, password) as refused:
        assert refused.status_code == 400
    with demo.app_context():
        assert get_user_by_login("p@example.cn") is None


def _change(client, current, new, confirm=None):
    page = client.get("/profile/password").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "current": current, "password": new}
    data["confirm"] = confirm or new
    return client.post("/profile/password", data=data)


def test_password_change_needs_the_current_one_and_signs_out_other_devices(demo, client, auth):
    auth.login_as("citizen")
    other = demo.test_client()
    AuthActions(other).login_as("citizen")
    with _change(client, "not-the-password", NEW) as wrong:
        assert wrong.status_code == 400
    with _change(client, DEMO, "1qaz2wsx3edc") as weak:
        assert weak.status_code == 400
    with _change(client, DEMO, NEW) as ok:
        assert ok.status_code == 302
    with client.get("/profile") as still_here:
        assert still_here.status_code == 200  # this device stays signed in
    with other.get("/profile") as gone:
        assert gone.status_code == 302  # the other device was signed out
    fresh = AuthActions(demo.test_client())
    with fresh.login(DEMO_LOGINS["citizen"], DEMO) as old:
        assert old.status_code == 400
    with fresh.login(DEMO_LOGINS["citizen"], NEW) as new:
        assert new.status_code == 302


def test_sign_out_kills_a_copied_session_and_remember_cookie(demo, client):
    page = client.get("/login").get_data(as_text=True)
    data = {"login": DEMO_LOGINS["citizen"], "password": DEMO, "remember": "y"}
    data["csrf_token"] = csrf_from(page)
    with client.post("/login", data=data) as signed_in:
        assert signed_in.status_code == 302
    session = client.get_cookie("session").value
    remember = client.get_cookie("remember_token").value
    AuthActions(client).logout()
    thief = demo.test_client()
    thief.set_cookie("session", session)
    with thief.get("/profile") as replayed:
        assert replayed.status_code == 302
    thief = demo.test_client()
    thief.set_cookie("remember_token", remember)
    with thief.get("/profile") as replayed:
        assert replayed.status_code == 302


def test_remember_cookie_alone_signs_in_until_sign_out(demo, client):
    page = client.get("/login").get_data(as_text=True)
    data = {"login": DEMO_LOGINS["citizen"], "password": DEMO, "remember": "y"}
    data["csrf_token"] = csrf_from(page)
    client.post("/login", data=data).close()
    remember = client.get_cookie("remember_token").value
    other = demo.test_client()
    other.set_cookie("remember_token", remember)
    with other.get("/profile") as page:
        assert page.status_code == 200  # the control: the cookie does work before sign-out


def _reset_link(outbox: Path, before: set[Path]) -> str:
    [new] = [p for p in outbox.glob("*.eml") if p not in before]
    message = BytesParser(policy=policy.default).parsebytes(new.read_bytes())
    assert message["To"] == DEMO_LOGINS["citizen"]
    body = message.get_content()
    return re.search(r"https?://\S+/password/reset/\S+", body).group(0)


def _forgot(client, email):
    page = client.get("/password/forgot").get_data(as_text=True)
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_from(page)})


def test_password_reset_by_mail_is_single_use(demo, client):
    outbox = Path(demo.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    before = set(outbox.glob("*.eml"))
    with _forgot(client, "nobody@example.cn") as unknown:
        assert unknown.status_code == 302  # same answer as for a real account
    assert set(outbox.glob("*.eml")) == before
    with _forgot(client, DEMO_LOGINS["citizen"]) as sent:
        assert sent.status_code == 302
    link = _reset_link(outbox, before)
    assert link.startswith(demo.config["CROWDPLAN_BASE_URL"])  # never the request's Host
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "password": NEW, "confirm": NEW}
    with client.post("/" + path, data=data) as done:
        assert done.status_code == 302
    with client.get("/" + path) as again:
        assert again.status_code == 404  # used once: the password hash it was bound to changed
    with AuthActions(demo.test_client()).login(DEMO_LOGINS["citizen"], NEW) as ok:
        assert ok.status_code == 302


def test_password_reset_link_expires(demo, client):
    from crowdplan.auth.operations import make_reset_token

    with demo.app_context():
        token = make_reset_token(get_user_by_login(DEMO_LOGINS["citizen"]))
    with client.get(f"/password/reset/{token}") as fresh:
        assert fresh.status_code == 200
    demo.config["PASSWORD_RESET_MAX_AGE_S"] = -1
    try:
        with client.get(f"/password/reset/{token}") as expired:
            assert expired.status_code == 404
    finally:
        demo.config["PASSWORD_RESET_MAX_AGE_S"] = 3600
    with client.get(f"/password/reset/{token[:-2]}xx") as forged:
        assert forged.status_code == 404
