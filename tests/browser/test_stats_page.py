"""/stats in a browser: the choropleth of the six counties and the figures, nothing external."""

import pytest

pytestmark = pytest.mark.browser


def test_stats_page_draws_the_choropleth(demo, page, live_server):
    page.goto(f"{live_server}/stats")
    page.wait_for_selector("path.choropleth-area")
    assert page.locator("path.choropleth-area").count() == 6
    assert page.locator("[data-kpi]").count() == 13
    assert page.locator(".bars li").count() == 9  # one bar per topic
