"""Supports and flags one person cannot stuff: real HTTP through the app, both backends.

The guest identity is a server-signed cookie, so forged values are ignored; what bounds a client
that drops or forges its cookie is the per-network (and per-account) rate limit; only accounts'
flags hide, and an approval protects against the same flaggers."""

from __future__ import annotations

import re
import threading

from limits import parse_many
from sqlalchemy import func, select

from crowdplan.extensions import db
from crowdplan.suggestions.models import Flag, Suggestion, Support, Visibility
from tests.conftest import csrf_from
from tests.factories import PASSWORD, create_user
from tests.suggest_helpers import post_suggestion

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _row(app) -> Suggestion:
    with app.app_context():
        return db.session.scalars(select(Suggestion)).one()


def _published(client, auth) -> str:
    """A suggestion by the demo citizen, published; returns its page's path."""
    auth.login_as("citizen")
    location = post_suggestion(client).headers["Location"]
    auth.logout()
    return location


def _csrf(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def _flag(client, location: str, token: str | None = None):
    token = token or _csrf(client, location)
    return client.post(location + "/flag", data={"csrf_token": token, "reason": "广告"})


def _citizens(app, n: int, *, one_account: bool = False) -> list:
    """n signed-in clients, each on its own network: n accounts, or n sessions of one."""
    emails = [f"flagger{0 if one_account else i}@example.org" for i in range(n)]
    with app.app_context():
        for email in sorted(set(emails)):
            create_user(email=email, display_name=email[:8])
        db.session.commit()
    clients = []
    for i, email in enumerate(emails):
        c = app.test_client()
        # Sessions are bound to the client's address (session_protection "strong").
        c.environ_base["REMOTE_ADDR"] = f"10.0.{i}.1"
        page = c.get("/login").get_data(as_text=True)
        data = {"login": email, "password": PASSWORD, "csrf_token": csrf_from(page)}
        assert c.post("/login", data=data).status_code == 302
        clients.append(c)
    return clients


def _smallest(limit: str) -> int:
    return min(item.amount for item in parse_many(limit))


def test_guest_flags_with_fresh_or_forged_cookies_hide_nothing(demo, client, auth, app):
    location = _published(client, auth)
    for _ in range(3):
        assert _flag(app.test_client(), location).status_code == 302
    forger = app.test_client()
    forger.environ_base["REMOTE_ADDR"] = "10.1.0.1"  # another network: under its flag limit
    token = _csrf(forger, location)
    for i in range(3):
        forger.set_cookie("cp_guest", f"forged-{i}")
        response = _flag(forger, location, token)
        issued = forger.get_cookie("cp_guest").value
        assert response.status_code == 302 and issued != f"forged-{i}" and "." in issued
    assert _row(app).visibility == Visibility.PUBLISHED and _row(app).flag_count == 0
    assert client.get(location).status_code == 200
    with app.app_context():  # six reports, each from a guest id the server issued
        keys = db.session.scalars(select(Flag.guest_key)).all()
        assert len(keys) == len(set(keys)) == 6


def test_accounts_hide_it_approval_clears_and_the_same_flaggers_cannot_rehide(
    demo, client, auth, app
):
    location = _published(client, auth)
    suggestion_id = _row(app).id
    flaggers = _citizens(app, 3)
    for c in flaggers:
        assert _flag(c, location).status_code == 302
    assert _row(app).visibility == Visibility.REVIEW
    assert client.get(location).status_code == 404
    auth.login_as("admin")
    queue = client.get("/staff/moderation/").get_data(as_text=True)
    assert f'data-suggestion-id="{suggestion_id}"' in queue
    client.post(
        f"/staff/moderation/{suggestion_id}",
        data={"csrf_token": CSRF.search(queue).group(1), "action": "approve"},
    )
    row = _row(app)
    assert row.visibility == Visibility.PUBLISHED and row.flag_count == 0
    with app.app_context():  # who was cleared is kept
        assert db.session.scalar(select(func.count()).where(Flag.cleared_at.is_not(None))) == 3
    for c in flaggers:
        _flag(c, location)
    assert _row(app).visibility == Visibility.PUBLISHED and _row(app).flag_count == 0
    assert app.test_client().get(location).status_code == 200


def test_fifty_supports_from_one_client_count_at_most_the_limit(demo, client, auth, app):
    location = _published(client, auth)
    limit = _smallest(app.config["SUPPORT_RATE_LIMIT"])
    statuses = []
    for _ in range(25):  # a fresh cookie jar each time
        fresh = app.test_client()
        statuses.append(
            fresh.post(
                location + "/support", data={"csrf_token": _csrf(fresh, location)}
            ).status_code
        )
    forger = app.test_client()
    token = _csrf(forger, location)
    for i in range(25):  # one jar, a forged guest id each time
        forger.set_cookie("cp_guest", f"guest-{i}")
        statuses.append(forger.post(location + "/support", data={"csrf_token": token}).status_code)
    assert _row(app).support_count <= limit
    assert statuses.count(429) >= 50 - limit
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Support)) <= limit


def test_an_account_is_limited_across_networks(demo, client, auth, app):
    location = _published(client, auth)
    sessions = _citizens(app, 3, one_account=True)
    limit = _smallest(app.config["SUPPORT_RATE_LIMIT"])
    tokens = [_csrf(c, location) for c in sessions]
    statuses = [
        sessions[i % 3].post(location + "/support", data={"csrf_token": tokens[i % 3]}).status_code
        for i in range(limit + 1)  # no network sees more than its limit
    ]
    assert statuses[:limit] == [302] * limit and statuses[limit] == 429
    assert _row(app).support_count == 1


def test_authors_cannot_support_their_own_suggestion(demo, client, auth, app):
    auth.login_as("citizen")
    location = post_suggestion(client).headers["Location"]
    response = client.post(location + "/support", data={"csrf_token": _csrf(client, location)})
    assert response.status_code == 409
    assert "不能为自己的意见点赞" in response.get_data(as_text=True)
    assert _row(app).support_count == 0


def test_a_moderator_cannot_approve_an_unconfirmed_guest_post(demo, client, auth, app):
    assert post_suggestion(client, guest_email="someone@example.org").status_code == 202
    row = _row(app)
    assert row.visibility == Visibility.UNCONFIRMED
    auth.login_as("admin")
    token = _csrf(client, "/staff/moderation/")
    response = client.post(
        f"/staff/moderation/{row.id}", data={"csrf_token": token, "action": "approve"}
    )
    assert response.status_code == 409
    assert "尚未通过电子邮件确认" in response.get_data(as_text=True)
    assert _row(app).visibility == Visibility.UNCONFIRMED


def _form(client) -> dict:
    page = client.get("/report").get_data(as_text=True)
    return {
        "csrf_token": csrf_from(page),
        "started": page.split('name="started" type="hidden" value="')[1].split('"')[0],
        "lon": "114.3226",
        "lat": "29.8412",
        "topic": "parking",
        "stance": "suggest",
        "text": "这里需要更多停车位，晚上经常找不到车位。",
        "consent": "y",
    }


def test_one_form_sent_five_times_at_once_makes_one_suggestion(demo, client, auth, app):
    auth.login_as("citizen")
    data = _form(client)
    session = client.get_cookie("session").value
    senders = []
    for _ in range(5):
        c = app.test_client()
        c.set_cookie("session", session)
        senders.append(c)
    barrier, answers = threading.Barrier(5), []

    def send(c):
        barrier.wait()
        answers.append(c.post("/suggestions/new", data=data))

    threads = [threading.Thread(target=send, args=(c,)) for c in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    row = _row(app)  # exactly one
    assert [a.status_code for a in answers] == [302] * 5
    assert {a.headers["Location"] for a in answers} == {f"/suggestions/{row.id}"}


def test_a_guest_form_replayed_answers_like_the_first(demo, client, app):
    data = _form(client) | {"guest_email": "someone@example.org"}
    answers = [client.post("/suggestions/new", data=data) for _ in range(3)]
    assert [a.status_code for a in answers] == [202] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 1
