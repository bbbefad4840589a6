"""/stats in a browser: the choropleth of the six counties and the figures, nothing external."""

import pytest

pytestmark = pytest.mark.browser


def test_stats_page_draws_the_choropleth(demo, page, live_server):
    page.goto(f"{live_server}/stats")
    page.wait_for_selector("path.choropleth-area")
    assert page.locator("path.choropleth-area").count() == 6
    assert page.locator("[data-kpi]").count() == 13
    assert page.locator(".bars li").count() == 9  # one bar per topic


def test_stats_page_draws_the_charts(demo_full, page, live_server):
    """The daily and weekly charts are drawn (non-zero bars and lines), with nothing external."""
    page.goto(f"{live_server}/stats")
    daily = page.locator('[data-chart="daily"] svg')
    weekly = page.locator('[data-chart="weekly"] svg')
    assert daily.is_visible() and weekly.is_visible()
    assert daily.bounding_box()["width"] > 300
    # pygal draws one rect.rect per bar; the demo's suggestions make some bars taller than 0.
    heights = page.eval_on_selector_all(
        '[data-chart="daily"] svg rect.rect', "els => els.map(e => e.getBBox().height)"
    )
    assert len(heights) == 2 * 30 and any(h > 0 for h in heights)  # suggestions, replies
    lines = page.locator('[data-chart="weekly"] svg path.line')
    assert lines.count() >= 2
    assert page.locator('[data-chart="views"] svg path.line').count() >= 1
    assert page.locator(".by-plan tbody tr").count() >= 2
