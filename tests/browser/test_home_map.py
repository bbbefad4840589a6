"""The home page map in a real browser: six county outlines with names, in zh_CN and in en."""

import pytest

pytestmark = pytest.mark.browser

ZH = ["咸安区", "嘉鱼县", "通城县", "崇阳县", "通山县", "赤壁市"]
EN = [
    "Xian'an District",
    "Jiayu County",
    "Tongcheng County",
    "Chongyang County",
    "Tongshan County",
    "Chibi City",
]


def _outlines_and_labels(page):
    page.wait_for_selector(".leaflet-overlay-pane path.area-outline")
    paths = page.locator(".leaflet-overlay-pane path.area-outline").count()
    labels = sorted(page.locator(".area-label-text").all_inner_texts())
    return paths, labels


@pytest.mark.parametrize(("lang", "names"), [("zh_CN", ZH), ("en", EN)])
def test_home_map_shows_the_six_counties(demo, page, live_server, lang, names):
    page.goto(f"{live_server}/lang/{lang}")
    paths, labels = _outlines_and_labels(page)
    assert paths == 6
    assert labels == sorted(names)
    # Leaflet really drew the map (tiles are off in tests: outlines only).
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator(".leaflet-tile").count() == 0


def test_harness_counts_external_requests(demo, page, live_server, page_watch):
    """The harness itself: a request to a non-loopback host is aborted and recorded."""
    page.goto(f"{live_server}/")
    page.evaluate("() => { new Image().src = 'http://example.invalid/x.png'; }")
    page.wait_for_timeout(300)
    assert page_watch.external_requests == ["http://example.invalid/x.png"]
    page_watch.external_requests.clear()  # recorded and checked: let teardown pass
    page_watch.console_errors.clear()
