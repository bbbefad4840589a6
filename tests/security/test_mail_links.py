"""Every link in every mail comes from CROWDPLAN_BASE_URL, whatever Host the request named:
the department's mail, the guest's confirmation, the password reset and the followers'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crowdplan.mail import read_outbox
from tests.conftest import csrf_from
from tests.suggest_helpers import post_suggestion

BASE = "https://plan.example.gov.cn"
LINK = re.compile(r"https?://[^\s<>\"]+")


@pytest.fixture
def forged_host(app):
    """Every request of the test names Host: evil.example (as a forged request would)."""
    inner, saved = app.wsgi_app, app.config["CROWDPLAN_BASE_URL"]

    def forge(environ, start_response):
        environ["HTTP_HOST"] = "evil.example"
        return inner(environ, start_response)

    app.wsgi_app, app.config["CROWDPLAN_BASE_URL"] = forge, BASE
    yield
    app.wsgi_app, app.config["CROWDPLAN_BASE_URL"] = inner, saved


def _act(client, sid: int, action: str, **data):
    token = csrf_from(client.get(f"/staff/inbox/{sid}").get_data(as_text=True))
    return client.post(f"/staff/inbox/{sid}/{action}", data={"csrf_token": token, **data})


def test_every_mail_links_to_the_configured_site(demo, client, auth, forged_host):
    outbox = Path(demo.config["MAIL_OUTBOX"])
    before = len(read_outbox(outbox))
    # The guest's confirmation.
    with post_suggestion(client, guest_email="guest@example.org") as r:
        assert r.status_code == 202
    # The department's mail (a new case) and, after a reply, the author's and followers'.
    auth.login_as("citizen")
    with post_suggestion(client, topic="major-projects") as r:
        assert r.status_code == 302
        sid = int(r.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    auth.login_as("organisation")
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    client.post(f"/suggestions/{sid}/follow", data={"csrf_token": csrf_from(page)})
    auth.logout()
    auth.login_as("admin")
    assert _act(client, sid, "reply", text="已答复").status_code == 302
    auth.logout()
    # The password reset.
    page = client.get("/password/forgot").get_data(as_text=True)
    data = {"email": "citizen@demo.crowdplan", "csrf_token": csrf_from(page)}
    assert client.post("/password/forgot", data=data).status_code == 302

    mails = read_outbox(outbox)[before:]
    subjects = " | ".join(m["Subject"] for m in mails)
    recipients = {m["To"] for m in mails}
    assert {"guest@example.org", "city-build@demo.crowdplan", "org@demo.crowdplan"} <= recipients
    assert "citizen@demo.crowdplan" in recipients  # author's reply notice and the reset
    kinds = {"/suggestions/confirm/", "/staff/inbox/", f"/suggestions/{sid}", "/password/reset/"}
    links = [link for m in mails for link in LINK.findall(m.get_content())]
    assert {k for k in kinds if any(k in link for link in links)} == kinds, subjects
    for mail in mails:
        body = mail.get_content()
        assert "evil.example" not in body
        assert all(link.startswith(BASE + "/") for link in LINK.findall(body)), body
