"""Placing suggestions in a real browser: by map click, as a guest with e-mail, by keyboard only."""

import re

import pytest

from tests.browser.conftest import login
from tests.suggest_helpers import plan_in_notice

pytestmark = pytest.mark.browser
TEXT = "温泉路口晚上停车太难，建议在这里增加公共停车位。"


def _click_map_centre(page):
    frame = page.locator("[data-pin-target]")
    frame.wait_for()
    box = frame.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('lon').value !== ''")


def test_citizen_clicks_the_plan_map_and_sees_the_suggestion(demo, page, live_server):
    plan_id = plan_in_notice(demo)
    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/plans/{plan_id}")
    _click_map_centre(page)
    page.select_option("select[name=topic]", "parking")
    page.check("input[name=stance][value=oppose]")
    page.fill("textarea[name=text]", TEXT)
    page.click("form.suggestion-form button[type=submit]")
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    assert TEXT in page.inner_text(".suggestion-text")
    page.goto(f"{live_server}/plans/{plan_id}")
    page.wait_for_selector("[data-viewport-url][data-kind]")
    markers = page.locator(".suggestion-cluster, .suggestion-point")
    assert markers.count() >= 1
    page.goto(f"{live_server}/suggestions?plan={plan_id}")
    assert TEXT[:20] in page.inner_text(".suggestion-list")


def test_guest_suggestion_appears_after_the_email_link(demo, page, live_server, smtp_server):
    base_url = demo.config["CROWDPLAN_BASE_URL"]
    # Mail links start with the configured address (never the Host): here, the live server.
    demo.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, CROWDPLAN_BASE_URL=live_server
    )
    try:
        page.goto(f"{live_server}/report")
        _click_map_centre(page)
        page.fill("textarea[name=text]", TEXT)
        page.fill("input[name=guest_email]", "guest@example.org")
        page.check("input[name=consent]")  # unticked by default (PIPL)
        page.click("form.suggestion-form button[type=submit]")
        page.wait_for_selector("text=请查收邮件")
        page.goto(f"{live_server}/suggestions")
        assert TEXT[:20] not in page.inner_text("main")
        [message] = smtp_server.wait_for(1)
        assert message["To"] == "guest@example.org"
        link = re.search(r"http://\S+/suggestions/confirm/[\w-]+", message.get_content()).group(0)
        page.goto(link)
        page.wait_for_url(re.compile(r"/suggestions/\d+$"))
        page.goto(f"{live_server}/suggestions")
        assert TEXT[:20] in page.inner_text(".suggestion-list")
    finally:
        demo.config.update(MAIL_SERVER="", MAIL_PORT=25, CROWDPLAN_BASE_URL=base_url)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the keyboard")


def test_keyboard_only_through_the_list_path(demo, page, live_server):
    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/report")
    _tab_to(page, "select[name=place]")
    page.keyboard.press("ArrowDown")  # the first place after the empty choice
    _tab_to(page, "textarea[name=text]")
    page.keyboard.type(TEXT)
    _tab_to(page, "form.suggestion-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    assert TEXT in page.inner_text(".suggestion-text")
    assert "大致位置" in page.inner_text("main")


XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


def test_xss_payloads_render_inert(demo, page, live_server, tmp_path):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/report")
    _click_map_centre(page)
    page.fill("textarea[name=text]", "停车 " + XSS)
    page.fill("input[name=display_name]", XSS)
    photo = tmp_path / '"><img src=x onerror=alert(4)>.png'
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(photo)
    page.set_input_files("input[name=photos]", str(photo))
    page.click("form.suggestion-form button[type=submit]")
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    detail = page.url
    for url in (detail, f"{live_server}/suggestions"):
        page.goto(url)
        page.wait_for_timeout(300)
    assert dialogs == []
    page.goto(detail)
    assert "<script>alert(1)</script>" in page.inner_text(".suggestion-text")  # shown as text
    assert page.locator("main img[src=x], main svg[onload]").count() == 0


def test_similar_suggestions_nearby_are_offered_before_sending(demo, page, live_server, client):
    from tests.suggest_helpers import post_suggestion

    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/report")
    _click_map_centre(page)
    lon, lat = page.input_value("#lon"), page.input_value("#lat")
    other = demo.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login_as("organisation")
    assert post_suggestion(other, lon=lon, lat=lat, text=TEXT).status_code == 302
    page.fill("textarea[name=text]", TEXT[:-3])
    page.dispatch_event("textarea[name=text]", "change")
    page.wait_for_selector("#similar:not([hidden]) a")
    assert TEXT[:15] in page.inner_text("#similar")
    assert page.locator("#similar form button").count() == 1
