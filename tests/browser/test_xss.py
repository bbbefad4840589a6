"""500 XSS payloads through every user-controlled text field, rendered in Chromium (issue 8
item 7): not one runs.

The browser context bypasses the Content-Security-Policy, so this tests the output encoding on
its own (the CSP is the second wall, tested on every page in tests/security). Each payload calls
`__xss(n)` or `alert(n)`; an init script records the calls, `page.on("dialog")` the alerts, and
a request leaving loopback counts too. Every payload must also be seen as text on some page
(its marker `XSSn.`), so a page that silently dropped the fields could not pass.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import LOOPBACK
from tests.security.xss_world import build_xss_world, marker

pytestmark = pytest.mark.browser

HOOK = """
window.__xssHits = [];
window.__xss = n => window.__xssHits.push(n);
"""
OPEN_TOOLTIPS = """() => {
  const texts = [];
  const where = l => l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
  const read = owner => {
    const node = owner.getTooltip() && owner.getTooltip().getElement();
    if (node) texts.push(node.innerText);
  };
  for (const el of document.querySelectorAll('[data-map-var]')) {
    const map = window[el.dataset.mapVar];
    if (!map) continue;
    const owners = [];
    map.eachLayer(layer => { if (layer.getTooltip && layer.getTooltip()) owners.push(layer); });
    for (const owner of owners) {
      // A GeoJSON group has one tooltip, opened on each of its features in turn.
      const features = owner.getLayers ? owner.getLayers() : [owner];
      for (const feature of features) {
        // What a pointer does: mouseover on the feature, propagated to its group.
        feature.fire("mouseover", { latlng: where(feature) }, true);
        read(owner);
        owner.closeTooltip();
      }
    }
  }
  return texts;
}"""
MARKER = re.compile(r"XSS(\d+)\.")


class Run:
    """A browser context with the hook, and what it saw."""

    def __init__(self, browser, live_server):
        self.base = live_server
        self.context = browser.new_context(bypass_csp=True, locale="zh-CN")
        self.context.add_init_script(HOOK)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.page.on("dialog", self._dialog)
        self.hits: list[tuple[str, object]] = []
        self.shown: set[int] = set()
        self.pages = 0

    def _route(self, route):
        url = route.request.url
        if (urlsplit(url).hostname or "") in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.hits.append((f"request to {url}", None))
            route.abort()

    def _dialog(self, dialog):
        self.hits.append((f"dialog on {self.page.url}", dialog.message))
        dialog.dismiss()

    def visit(self, path: str, *, tooltips: bool = False) -> int:
        """Load a page, collect calls and shown markers; the HTTP status."""
        response = self.page.goto(self.base + path, wait_until="load")
        texts = [self.page.inner_text("body")]
        if tooltips:
            texts += self.page.evaluate(OPEN_TOOLTIPS)
        for n in self.page.evaluate("window.__xssHits"):
            self.hits.append((f"__xss on {path}", n))
        for text in texts:
            self.shown.update(int(m) for m in MARKER.findall(text))
        self.pages += 1
        return response.status

    def login(self, email: str) -> None:
        self.page.goto(f"{self.base}/login")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", "crowdplan-demo")
        self.page.click("form button[type=submit] >> nth=-1")
        self.page.wait_for_url(f"{self.base}/")


def _public_pages(world) -> list[tuple[str, bool]]:
    pages = [(f"/suggestions/{sid}", False) for sid in world.public_suggestions]
    per_page = 20
    pages += [
        (f"/suggestions?page={n}", False)
        for n in range(1, len(world.public_suggestions) // per_page + 2)
    ]
    pages += [
        (f"/plans/{world.results_plan_id}/report", False),
        (f"/plans/{world.plan_id}", True),  # layer names, feature tooltips, title, summary
        ("/plans/", True),  # plan titles in the extents' tooltips
        ("/display", False),
        ("/stats", False),
    ]
    return pages


def _staff_pages(world) -> list[tuple[str, bool]]:
    cases = world.public_suggestions + world.held_suggestions
    pages = [(f"/staff/inbox/{sid}", False) for sid in cases]
    pages += [(f"/staff/inbox/?status=closed&page={n}", True) for n in (1, 2)]
    pages += [("/staff/moderation/", False), (f"/staff/plans/{world.plan_id}", True)]
    return pages


def test_500_payloads_never_run(demo, browser, live_server):
    with demo.app_context():
        world = build_xss_world(500)
    started = time.monotonic()
    public, staff = Run(browser, live_server), Run(browser, live_server)
    try:
        statuses = {path: public.visit(path, tooltips=t) for path, t in _public_pages(world)}
        staff.login("admin@demo.crowdplan")
        statuses |= {path: staff.visit(path, tooltips=t) for path, t in _staff_pages(world)}
    finally:
        public.context.close()
        staff.context.close()
    elapsed = time.monotonic() - started
    print(f"\nXSS: {len(world.payloads)} payloads, {public.pages + staff.pages} pages, "
          f"{elapsed:.1f} s")  # fmt: skip

    assert {p: s for p, s in statuses.items() if s != 200} == {}
    assert public.hits + staff.hits == [], "a payload ran"
    missing = sorted(set(range(len(world.payloads))) - public.shown - staff.shown)
    assert missing == [], f"never shown as text: {missing}"
    assert marker(0) and elapsed < 240


def test_the_hook_sees_a_payload_that_does_run(demo, browser, live_server):
    """Control: unescaped markup does call the hook and open the dialog in this context."""
    run = Run(browser, live_server)
    try:
        run.page.goto(f"{live_server}/healthz")
        run.page.set_content("<img src=x onerror=__xss(7)><svg onload=alert(8)>")
        run.page.wait_for_function("window.__xssHits.length > 0")
        calls = run.page.evaluate("window.__xssHits")
    finally:
        run.context.close()
    assert calls == [7]
    assert [message for _where, message in run.hits] == ["8"]
