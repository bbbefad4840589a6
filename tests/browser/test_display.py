"""The lobby screen at 1920x1080: figures, heatmap and replies, nothing external, no errors."""

import pytest

pytestmark = pytest.mark.browser


def test_display_shows_figures_heatmap_and_replies(demo_full, page, live_server):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/display")
    page.wait_for_selector("canvas.leaflet-heatmap-layer")
    assert page.locator("[data-kpi]").count() == 9
    assert page.inner_text("[data-kpi=suggestions] .kpi-value") == "11"
    assert page.locator(".display-replies li").count() == 3  # the three decided demo cases
    assert page.locator("meta[http-equiv=refresh]").count() == 1
