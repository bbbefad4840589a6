"""The plan page in a real browser: one map element per feature, legend and layer switcher."""

import pytest
from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.plans.models import PlanVersion

pytestmark = pytest.mark.browser


def _plan_in_notice(app):
    with app.app_context():
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.title.contains("停车场")))
        features = sum(len(layer.features) for layer in version.layers)
        return version.plan_id, features


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_plan_map_draws_every_feature_and_switches_layers(demo, page, live_server, lang):
    plan_id, features = _plan_in_notice(demo)
    page.goto(f"{live_server}/lang/{lang}?next=/plans/{plan_id}")
    markers = page.locator(".leaflet-overlay-pane path.plan-feature")
    markers.first.wait_for()
    assert markers.count() == features == 8
    assert page.locator(".legend .swatch").count() == 3
    switch = page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    assert switch.count() == 1
    switch.first.uncheck()
    assert markers.count() == 0
    switch.first.check()
    assert markers.count() == features
