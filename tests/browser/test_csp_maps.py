"""Every page with a map works under the strict CSP (issue 8 item 2): the policy is on the
response, no CSP violation is reported, and the page's Leaflet map is drawn with its layers.
The `page` fixture also fails on any console error (a refused inline script is one)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.plans.models import Plan
from crowdplan.suggestions.models import Suggestion, Visibility
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""
MAP_LAYERS = """() => [...document.querySelectorAll('[data-map-var]')].map(el => {
  const map = window[el.dataset.mapVar];
  let n = 0;
  if (map && map.eachLayer) map.eachLayer(() => n++);
  return n;
})"""


def _ids(app):
    with app.app_context():
        plans = db.session.scalars(select(Plan).order_by(Plan.id)).all()
        published = next(p.id for p in plans if p.public_version is not None)
        draft = next(p.id for p in plans if p.public_version is None)
        # An open case: its page offers the reply form with the template buttons.
        suggestion = db.session.scalar(
            select(Suggestion.id)
            .where(
                Suggestion.visibility == Visibility.PUBLISHED.value,
                Suggestion.status.in_(["submitted", "assigned", "in_progress"]),
            )
            .order_by(Suggestion.id)
        )
    return published, draft, suggestion


def _check(page, url: str, *, has_map: bool = True) -> list[int]:
    response = page.goto(url)
    csp = response.headers.get("content-security-policy", "")
    assert "'nonce-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    page.wait_for_load_state("load")
    assert page.evaluate("window.__cspViolations") == [], url
    if not has_map:
        return []
    assert page.locator(".leaflet-container").count() > 0, f"no map on {url}"
    layers = page.evaluate(MAP_LAYERS)
    assert layers and all(n > 0 for n in layers), (url, layers)
    return layers


def test_public_map_pages_work_under_the_csp(demo_full, page, live_server):
    page.context.add_init_script(VIOLATIONS)
    plan, _draft, suggestion = _ids(demo_full)
    for path in (
        "/",
        "/plans/",
        f"/plans/{plan}",
        "/suggestions",
        f"/suggestions/{suggestion}",
        "/report",
        f"/report?plan={plan}",
        "/stats",
        "/display",
    ):
        _check(page, live_server + path)


def test_staff_map_pages_work_under_the_csp(demo_full, page, live_server):
    page.context.add_init_script(VIOLATIONS)
    plan, draft, suggestion = _ids(demo_full)
    login(page, live_server, "admin@demo.crowdplan")
    for path in ("/staff/inbox/", f"/staff/plans/{plan}", f"/staff/plans/{draft}"):
        _check(page, live_server + path)
    # The case page has no map, but its script (reply templates) must run under the policy.
    _check(page, f"{live_server}/staff/inbox/{suggestion}", has_map=False)
    page.locator("button.template").first.click()
    assert page.input_value("form[action$='/reply'] textarea[name=text]") != ""
