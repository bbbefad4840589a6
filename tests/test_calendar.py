"""The official calendar as data: import a notice, compute due days, recompute running
deadlines, warn staff when official data runs out; the time limits page and its history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crowdplan import dates
from crowdplan.audit.models import AuditRecord
from crowdplan.auth.operations import get_user_by_login
from crowdplan.calendar import operations as calendar_ops
from crowdplan.calendar.models import CalendarYear, OfficialDay, TimeLimitChange
from crowdplan.calendar.source import parse_days
from crowdplan.core.models import Topic
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.models import SuggestionEvent
from tests.conftest import csrf_from
from tests.suggest_helpers import CITY_CENTRE

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILE_2031 = Path(__file__).parent / "data" / "calendar-2031.csv"
NOTICE = "测试通知 2031"


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["calendar", *args])


def _import_2031(app):
    result = _cli(app, "import", str(FILE_2031), "--name", NOTICE)
    assert result.exit_code == 0, result.output
    return result


def _nth_working_day(start: date, n: int, official: dict[date, str]) -> date:
    """Independent of the app: walk the days, the submission day not counted."""
    day = start
    while n:
        day += timedelta(days=1)
        kind = official.get(day)
        n -= kind == "workday" or (kind is None and day.weekday() < 5)
    return day


def test_due_days_across_new_year_and_spring_festival_of_an_imported_year(app):
    # Before the import 2031 counts Monday to Friday: the festival week is "working".
    assert _cli(app, "due", "2031-01-17", "5").output.strip() == "2031-01-24"
    output = _import_2031(app).output
    assert "2031" in output
    expected = {
        ("2030-12-31", "1"): "2031-01-02",  # 元旦 Wed 01-01 off
        ("2031-01-17", "1"): "2031-01-19",  # make-up Sunday
        ("2031-01-17", "5"): "2031-01-30",  # over the Spring Festival week
        ("2031-01-22", "1"): "2031-01-30",
        ("2031-01-29", "3"): "2031-02-01",  # make-up Saturday
        ("2031-01-24", "4"): "2031-02-03",  # submitted on a holiday
    }
    for (submitted, days), due in expected.items():
        assert _cli(app, "due", submitted, days).output.strip() == due, (submitted, days)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OfficialDay)) == 10
        assert db.session.scalar(select(CalendarYear.name).where(CalendarYear.year == 2031)) == (
            NOTICE
        )


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_loaded(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "2031-01-01,holiday\n"
        "2031-01-02,day-off\n"  # unknown kind
        "2031-01-06,workday\n"  # a Monday cannot be a make-up working day
        "2031-02-30,holiday\n"  # no such date
        "2031-01-01,holiday\n"  # twice
        "1/5/2031,holiday\n",
        encoding="utf-8",
    )
    result = _cli(app, "import", str(bad), "--name", "bad")
    assert result.exit_code != 0
    for line in (2, 3, 4, 5, 6):
        assert f"bad.csv:{line}:" in result.output
    assert "bad.csv:1:" not in result.output and "nothing imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OfficialDay)) == 0
        assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def _submit(now: datetime) -> Suggestion:
    data = SuggestionInput(
        lon=CITY_CENTRE[0],
        lat=CITY_CENTRE[1],
        topic_code="parking",
        stance="suggest",
        text="春节前后这里停车很难，希望增加临时车位。",
    )
    s, _token = lifecycle.submit(data, author=get_user_by_login("citizen@demo.crowdplan"), now=now)
    return s


def test_a_year_added_after_cases_opened_moves_their_deadlines(demo):
    with demo.app_context():
        running = _submit(datetime(2031, 1, 17, 10, tzinfo=SHANGHAI))
        closed = _submit(datetime(2031, 1, 17, 11, tzinfo=SHANGHAI))
        closed.status = "closed"  # a finished case keeps its deadline
        db.session.commit()
        ids, before = (running.id, closed.id), running.reply_due_at
        days = running.department.reply_days or running.topic.reply_days
    _import_2031(demo)
    with demo.app_context():
        running, closed = (db.session.get(Suggestion, i) for i in ids)
        official = parse_days(FILE_2031.read_text(encoding="utf-8")).days
        due = _nth_working_day(date(2031, 1, 17), days, official)
        assert dates.last_day(running.reply_due_at) == due
        assert running.reply_due_at != before and closed.reply_due_at == before
        events = db.session.scalars(
            select(SuggestionEvent).where(SuggestionEvent.action == "deadline")
        ).all()
        assert [e.suggestion_id for e in events] == [running.id]
        assert events[0].reason.startswith(f"{dates.last_day(before)} → {due}") and (
            NOTICE in events[0].reason
        )
        audited = db.session.scalars(
            select(AuditRecord.object_id).where(AuditRecord.action == "suggestion_deadline")
        ).all()
        assert audited == [running.id]
    # Importing the same notice again changes nothing, so nothing moves.
    assert "deadlines moved: 0" in _import_2031(demo).output


def test_staff_are_warned_until_the_next_90_days_are_covered(demo, client, auth, monkeypatch):
    today = datetime(2031, 3, 2, 2, tzinfo=UTC)  # 10:00 in Shanghai
    monkeypatch.setattr(calendar_ops, "utcnow", lambda: today)
    auth.login_as("admin")
    for page in ("/staff/", "/staff/inbox/", "/staff/calendar/"):
        assert "calendar-warning" in client.get(page).get_data(as_text=True), page
    _import_2031(demo)
    for page in ("/staff/", "/staff/inbox/"):
        assert "calendar-warning" not in client.get(page).get_data(as_text=True), page
    with demo.app_context():
        # Within 90 days of 2031-12-01 lies 2032, which nobody has entered.
        assert calendar_ops.uncovered_from(date(2031, 12, 1)) == date(2032, 1, 1)


def test_the_admin_page_adds_and_corrects_days_audited(demo, client, auth):
    auth.login_as("admin")
    form = csrf_from(client.get("/staff/calendar/2031").get_data(as_text=True))
    post = {"csrf_token": form, "day": "2031-05-05", "kind": "workday", "name": "更正"}
    assert client.post("/staff/calendar/day", data=post).status_code == 400  # a Monday
    post["kind"] = "holiday"
    assert client.post("/staff/calendar/day", data=post).status_code == 302
    post["kind"] = "ordinary"
    assert client.post("/staff/calendar/day", data=post).status_code == 302
    cover = client.post("/staff/calendar/2031/cover", data={"csrf_token": form, "name": "手工"})
    assert cover.status_code == 302
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(OfficialDay)) == (
            db.session.scalar(
                select(func.count())
                .select_from(OfficialDay)
                .where(OfficialDay.day < date(2031, 1, 1))
            )
        )
        actions = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("calendar_%"))
        ).all()
        assert actions.count("calendar_day_set") == 2 and "calendar_year_covered" in actions
        assert calendar_ops.year_coverage(2031).name == "手工"
    auth.logout()
    auth.login_as("planner")
    assert client.get("/staff/calendar/").status_code == 403
    assert client.get("/staff/limits").status_code == 403


def test_the_limits_page_edits_and_keeps_history(demo, client, auth):
    auth.login_as("admin")
    with demo.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.code == "parking"))
        dept_id, topic_id, topic_name = get_department_by_code("city-plan").id, topic.id, topic.name
        reply_before, rectify_before = topic.reply_days, topic.rectify_days
    token = csrf_from(client.get("/staff/limits").get_data(as_text=True))
    t, d = f"t{topic_id}", f"d{dept_id}"
    edit = {"csrf_token": token, f"{t}-reply_days": "12", f"{t}-rectify_days": "7"}
    assert (reply_before, rectify_before) != (12, 7)
    assert client.post(f"/staff/limits/topics/{topic_id}", data=edit).status_code == 302
    bad = {"csrf_token": token, f"{t}-reply_days": "0", f"{t}-rectify_days": "7"}
    assert client.post(f"/staff/limits/topics/{topic_id}", data=bad).status_code == 400
    for value in ("3", ""):
        dept = {"csrf_token": token, f"{d}-reply_days": value}
        assert client.post(f"/staff/limits/departments/{dept_id}", data=dept).status_code == 302
    with demo.app_context():
        topic = db.session.get(Topic, topic_id)
        assert (topic.reply_days, topic.rectify_days) == (12, 7)
        assert get_department_by_code("city-plan").reply_days is None
        changes = db.session.scalars(select(TimeLimitChange).order_by(TimeLimitChange.id)).all()
        assert [(c.field, c.before, c.after) for c in changes] == [
            ("reply_days", reply_before, 12),
            ("rectify_days", rectify_before, 7),
            ("reply_days", None, 3),
            ("reply_days", 3, None),
        ]
    page = client.get("/staff/limits").get_data(as_text=True)
    assert page.count('class="limit-change"') == 4 and topic_name in page
