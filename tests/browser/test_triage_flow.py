"""End to end in a browser: a citizen posts, the right department answers and decides, the
citizen reads the reply and rates it."""

import re

import pytest

from tests.browser.conftest import login
from tests.suggest_helpers import plan_in_notice

pytestmark = pytest.mark.browser
TEXT = "停车场入口离学校太近，放学时很危险，建议调整。"


def _logout(page):
    page.click("header form.inline button")


def test_post_route_answer_decide_and_rate(demo, page, live_server):
    plan_id = plan_in_notice(demo)
    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/plans/{plan_id}")
    box = page.locator("[data-pin-target]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.select_option("select[name=topic]", "parking")
    page.fill("textarea[name=text]", TEXT)
    page.click("form.suggestion-form button[type=submit]")
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    sid = page.url.rsplit("/", 1)[1]
    assert "已分办" in page.inner_text(".status")
    _logout(page)

    login(page, live_server, "planner@demo.crowdplan")
    page.goto(f"{live_server}/staff/inbox/")
    page.wait_for_selector("path.case-pin")  # the inbox map shows the listed cases
    row = page.locator(f"tr[data-suggestion-id='{sid}']")
    assert re.match(r"20\d\d-\d\d-\d\d", row.locator(".deadline").inner_text())
    row.locator("a").click()
    page.click("button.template >> text=感谢并采纳")
    assert "已纳入规划方案" in page.input_value("form[action$='/reply'] textarea[name=text]")
    page.fill("form[action$='/reply'] textarea[name=text]", "已请设计单位调整入口位置，远离学校。")
    page.click("form[action$='/reply'] button[type=submit]")
    page.select_option("form[action$='/close'] select[name=decision]", "adopted")
    page.fill("form[action$='/close'] textarea[name=reason]", "入口改至北侧支路。")
    page.click("form[action$='/close'] button[type=submit]")
    assert "已办结" in page.inner_text(".status")
    _logout(page)

    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/suggestions/{sid}")
    assert "已请设计单位调整入口位置" in page.inner_text(".public-reply")
    assert "采纳" in page.inner_text(".decision") and "北侧支路" in page.inner_text(".decision")
    page.check("input[name=rating][value=satisfied]")
    page.click(".rate-form button[type=submit]")
    assert "满意" in page.inner_text(".rating")
