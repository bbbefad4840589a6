"""Plan pages for anonymous visitors come from a cached copy, personalised per response."""

from __future__ import annotations

import re

import pytest
from flask import template_rendered

from crowdplan.plans import pagecache
from tests.conftest import csrf_from
from tests.suggest_helpers import CITY_CENTRE, plan_in_notice

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36"}


@pytest.fixture
def renders(demo):
    """Names of the templates rendered while the test runs."""
    pagecache.clear()
    seen: list[str] = []

    def record(_sender, template, **_extra):
        seen.append(template.name)

    template_rendered.connect(record, demo)
    yield seen
    template_rendered.disconnect(record, demo)
    pagecache.clear()


def _page(client, path, headers=BROWSER):
    with client.get(path, headers=headers) as r:
        assert r.status_code == 200
        return r.get_data(as_text=True), r.headers["Content-Security-Policy"]


def test_anonymous_plan_pages_are_rendered_once_and_personalised(demo, client, renders):
    plan_id = plan_in_notice(demo)
    first, csp1 = _page(client, f"/plans/{plan_id}")
    other = demo.test_client()  # another visitor: another session, token and nonce
    second, csp2 = _page(other, f"/plans/{plan_id}")
    third, _ = _page(other, f"/plans/{plan_id}")
    assert renders.count("plans/detail.html") == 1  # the second and third came from the cache
    for html, csp in ((first, csp1), (second, csp2)):
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert f'nonce="{nonce}"' in html and "\x00" not in html
    assert csp1 != csp2
    assert csrf_from(first) != csrf_from(second)
    assert 'class="views">2<' in second and 'class="views">3<' in third
    # The cached page's token and form stamp are this visitor's: the form goes through.
    started = second.split('name="started" type="hidden" value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf_from(second), "started": started, "plan_id": str(plan_id),
        "lon": str(CITY_CENTRE[0]), "lat": str(CITY_CENTRE[1]), "topic": "parking",
        "stance": "suggest", "text": "缓存页面提交的建议：这里晚上停车很难。",
        "guest_email": "guest@example.org", "consent": "y",
    }  # fmt: skip
    with other.post("/suggestions/new", data=data, content_type="multipart/form-data") as r:
        # Accepted: a guest is asked to confirm by e-mail (a stale token would be a 400).
        assert r.status_code == 202 and "请查收邮件" in r.get_data(as_text=True)


def test_signed_in_visitors_and_flashes_are_never_served_from_the_cache(
    demo, client, auth, renders
):
    plan_id = plan_in_notice(demo)
    _page(demo.test_client(), f"/plans/{plan_id}")  # fills the cache
    auth.login_as("citizen")
    # Same User-Agent as at sign-in: "strong" session protection signs out on a change.
    html, _ = _page(client, f"/plans/{plan_id}", headers={})
    assert 'action="/logout"' in html  # the signed-in header
    assert renders.count("plans/detail.html") == 2
    anonymous = demo.test_client()
    with anonymous.session_transaction() as s:
        s["_flashes"] = [("success", "一条提示")]
    html, _ = _page(anonymous, f"/plans/{plan_id}")
    assert "一条提示" in html and renders.count("plans/detail.html") == 3
    html, _ = _page(anonymous, f"/plans/{plan_id}")  # the message was shown: cached again
    assert "一条提示" not in html and renders.count("plans/detail.html") == 3
