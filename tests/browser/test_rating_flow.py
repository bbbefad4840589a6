"""The citizen's side of 好差评 in a browser: five choices, a bad rating opens rectification,
and the follow-up call's outcome shows on the rater's own page."""

import pytest

from crowdplan.auth.operations import get_user_by_login
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.ratings import list_callbacks
from tests.browser.conftest import login
from tests.suggest_helpers import CITY_CENTRE

pytestmark = pytest.mark.browser
NOTE = "已电话回访，提出人认可新的出入口方案。"


def _answered(app) -> int:
    with app.app_context():
        lon, lat = CITY_CENTRE
        data = SuggestionInput(
            lon=lon, lat=lat, topic_code="parking", stance="suggest", text="停车场入口太窄。"
        )
        s, _token = lifecycle.submit(data, author=get_user_by_login("citizen@demo.crowdplan"))
        lifecycle.reply(s, actor=get_user_by_login("planner@demo.crowdplan"), text="已研究。")
        db.session.commit()
        return s.id


def _record_callback(app, sid: int) -> None:
    with app.app_context():
        s = db.session.get(Suggestion, sid)
        (cb,) = list_callbacks(s)
        planner = get_user_by_login("planner@demo.crowdplan")
        lifecycle.record_callback(
            s, actor=planner, callback_id=cb.id, outcome="resolved", note=NOTE
        )
        db.session.commit()


def test_citizen_rates_on_five_levels_and_reads_the_callback(demo, page, live_server):
    sid = _answered(demo)
    login(page, live_server, "citizen@demo.crowdplan")
    page.goto(f"{live_server}/suggestions/{sid}")
    labels = page.locator(".rate-form label.choice").all_inner_texts()
    assert [t.strip() for t in labels] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    page.check("input[name=rating][value=very_unsatisfied]")
    page.click(".rate-form button[type=submit]")
    assert "非常不满意" in page.inner_text(".rating")
    assert "整改" in page.inner_text(".rating") and "办理中" in page.inner_text(".status")
    assert "回访" in page.inner_text(".callbacks")
    assert page.locator(".rate-form").count() == 0

    _record_callback(demo, sid)
    page.reload()
    assert "问题已解决" in page.inner_text(".callback-outcome")
    assert NOTE in page.inner_text(".callbacks")
