"""The case lifecycle driven by random sequences of steps (hypothesis RuleBasedStateMachine).

The machine keeps its own model of what each step may do, written here from the workflow's
rules in words (not by importing the workflow table), and after every step checks the raw rows:
each case in exactly one consistent state, deadlines moved only by rectification (the first bad
rating), one callback per bad rating, merged cases pointing
at an open case of the same plan and carrying its answer, decisions exactly where the workflow
puts them, and every published opinion counted once by the figures.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from geoalchemy2.shape import to_shape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from crowdplan.auth.operations import get_user_by_login
from crowdplan.core.models import Area, Department
from crowdplan.errors import AppError
from crowdplan.extensions import db, limiter
from crowdplan.plans.models import PlanVersion
from crowdplan.routing.models import RoutingRule
from crowdplan.routing.operations import save_rule
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.models import RatingCallback, SuggestionEvent
from tests.conftest import AuthActions

OPEN = {"submitted", "assigned", "in_progress"}
DECISIONS = ["adopted", "partly", "not_adopted", "out_of_scope"]
RATINGS = ["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied"]
BAD = {"unsatisfied", "very_unsatisfied"}


class Lifecycle(RuleBasedStateMachine):
    """One plan in notice, a few departments; cases come and move."""

    app = None  # set by the test (one machine class per backend run)

    @initialize()
    def world(self):
        self.ctx = self.app.app_context()
        self.ctx.push()
        db.session.execute(delete(SuggestionEvent))
        db.session.execute(delete(RatingCallback))
        db.session.execute(
            Suggestion.__table__.update().values(merged_into_id=None)
        )  # self-references first
        db.session.execute(delete(Suggestion))
        db.session.commit()
        self.version = db.session.scalar(
            select(PlanVersion).where(PlanVersion.title.contains("停车场"))
        )
        self.version.results_published_at = None
        db.session.commit()
        self.plan_id = self.version.plan_id
        self.clock = self.version.notice_opens_at + timedelta(hours=1)
        self.citizen = get_user_by_login("citizen@demo.crowdplan")
        self.planner = get_user_by_login("planner@demo.crowdplan")
        self.departments = list(db.session.scalars(select(Department).order_by(Department.id)))
        xianan = db.session.scalar(select(Area).where(Area.adcode == "421202"))
        inner = to_shape(xianan.geom).representative_point()
        self.point = (inner.x, inner.y)
        self.cases: dict[int, dict] = {}
        self.results_published = False
        limiter.reset()
        self.client = self.app.test_client()
        assert AuthActions(self.client).login_as("admin").status_code == 302

    def teardown(self):
        db.session.rollback()
        self.ctx.pop()

    # --- helpers -----------------------------------------------------------------------------

    def _tick(self, hours: int) -> None:
        self.clock += timedelta(hours=hours)

    def _try(self, expected: bool, call) -> bool:
        try:
            call()
        except AppError as exc:
            db.session.rollback()
            assert not expected, f"refused but allowed by the model: {exc.message}"
            return False
        db.session.commit()
        assert expected, "done but the model says the workflow forbids it"
        return True

    def _row(self, sid: int) -> Suggestion:
        return db.session.get(Suggestion, sid)

    def _children(self, sid: int) -> list[int]:
        return [k for k, c in self.cases.items() if c["merged_into"] == sid]

    def _decided(self, sid: int) -> bool:
        case = self.cases[sid]
        if case["status"] == "merged":
            return self._decided(case["merged_into"])
        return case["status"] == "closed" and case["decided"]

    # --- rules -------------------------------------------------------------------------------

    @precondition(lambda self: len(self.cases) < 6)  # a few cases, each taken far
    @rule(on_plan=st.booleans(), hours=st.integers(1, 30))
    def submit(self, on_plan, hours):
        self._tick(hours)
        open_notice = self.clock < self.version.closes_at() and not self.results_published
        expected = open_notice or not on_plan
        data = SuggestionInput(
            lon=self.point[0],
            lat=self.point[1],
            topic_code="parking",
            stance="suggest",
            text="建议在此处增加停车泊位。",
            plan_id=self.plan_id if on_plan else None,
        )
        result = {}

        def call():
            result["s"], _token = lifecycle.submit(data, author=self.citizen, now=self.clock)

        if self._try(expected, call):
            s = result["s"]
            assert s.reply_due_at > self.clock
            self.cases[s.id] = {
                "plan": s.plan_id,
                "status": s.status,
                "due": s.reply_due_at,
                "merged_into": None,
                "rating": None,
                "rated": False,  # this reply rated: one rating per reply
                "rectified": False,
                "callbacks": 0,
                "decided": False,
            }

    def _pick(self, data, likely=lambda case: True) -> int:
        """A case, half of the time one the step is likely to apply to (refusals are drawn
        too, from the other half)."""
        fitting = sorted(k for k, c in self.cases.items() if likely(c))
        if fitting and data.draw(st.booleans()):
            return data.draw(st.sampled_from(fitting))
        return data.draw(st.sampled_from(sorted(self.cases)))

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def transfer(self, data):
        sid = self._pick(data, lambda c: c["status"] in OPEN)
        s = self._row(sid)
        target = data.draw(st.sampled_from(self.departments))
        case = self.cases[sid]
        expected = case["status"] in OPEN and target.id != s.department_id
        if self._try(
            expected,
            lambda: lifecycle.transfer(s, actor=self.planner, department=target, reason="不属本科"),
        ):
            case["status"] = "assigned"

    @precondition(lambda self: self.cases)
    @rule()
    def reroute(self):
        rule_row = db.session.scalar(select(RoutingRule).order_by(RoutingRule.id))
        save_rule(rule_row, actor=self.planner, is_active=not rule_row.is_active)
        lifecycle.reroute()
        db.session.commit()
        for sid, case in self.cases.items():
            if case["status"] in OPEN:
                case["status"] = self._row(sid).status
                assert case["status"] in OPEN

    @precondition(lambda self: len(self.cases) >= 2)
    @rule(data=st.data())
    def merge(self, data):
        sid = self._pick(data, lambda c: c["status"] in OPEN)
        into = self._pick(data, lambda c: c["status"] in OPEN | {"replied"})
        case, target = self.cases[sid], self.cases[into]
        expected = (
            sid != into
            and case["status"] in OPEN
            and target["status"] in OPEN | {"replied"}
            and case["plan"] == target["plan"]
        )
        if self._try(
            expected,
            lambda: lifecycle.merge(
                self._row(sid), into=self._row(into), actor=self.planner, reason="重复意见"
            ),
        ):
            for child in [sid, *self._children(sid)]:
                self.cases[child].update(status="merged", merged_into=into)
            self.cases[sid]["status"] = "merged"

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def not_accept(self, data):
        sid = self._pick(data, lambda c: c["status"] in OPEN)
        expected = self.cases[sid]["status"] in OPEN and not self._children(sid)
        if self._try(
            expected,
            lambda: lifecycle.not_accept(self._row(sid), actor=self.planner, reason="无关内容"),
        ):
            self.cases[sid]["status"] = "not_accepted"

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), hours=st.integers(1, 200))
    def reply(self, data, hours):
        self._tick(hours)
        sid = self._pick(data, lambda c: c["status"] in OPEN)
        expected = self.cases[sid]["status"] in OPEN | {"replied"}
        if self._try(
            expected,
            lambda: lifecycle.reply(
                self._row(sid), actor=self.planner, text="感谢建议，已研究。", now=self.clock
            ),
        ):
            self.cases[sid].update(status="replied", rated=False)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), decision=st.sampled_from([None, *DECISIONS]))
    def close(self, data, decision):
        sid = self._pick(data, lambda c: c["status"] == "replied")
        case = self.cases[sid]
        expected = case["status"] == "replied" and (decision is not None or case["plan"] is None)
        if self._try(
            expected,
            lambda: lifecycle.close(
                self._row(sid),
                actor=self.planner,
                decision=decision,
                reason="依据规划条件" if decision else None,
                now=self.clock,
            ),
        ):
            case.update(status="closed", decided=decision is not None)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), rating=st.sampled_from(["unsatisfied", *RATINGS]))
    def rate(self, data, rating):
        sid = self._pick(data, lambda c: c["status"] in {"replied", "closed"} and not c["rated"])
        case = self.cases[sid]
        expected = case["status"] in {"replied", "closed"} and not case["rated"]
        if not self._try(
            expected,
            lambda: lifecycle.rate(
                self._row(sid), user=self.citizen, rating=rating, now=self.clock
            ),
        ):
            return
        case.update(rating=rating, rated=True)
        if rating in BAD:
            case["callbacks"] += 1  # the demo citizen is signed in: a real-name rater
        if rating in BAD and not case["rectified"]:
            # 整改: open again, without answer or decision, due in the rectification limit.
            due = self._row(sid).reply_due_at
            assert due > self.clock
            case.update(status="in_progress", rectified=True, decided=False, due=due)

    @precondition(lambda self: len(self.cases) >= 3 and not self.results_published)
    @rule()
    def publish_results(self):
        undecided = [
            sid
            for sid, case in self.cases.items()
            if case["plan"] is not None
            and case["status"] != "not_accepted"
            and not self._decided(sid)
        ]
        expected = not self.results_published and not undecided
        after_notice = max(self.clock, self.version.closes_at() + timedelta(days=1))
        if self._try(
            expected,
            lambda: lifecycle.publish_results(self.version, actor=self.planner, now=after_notice),
        ):
            # Results come after the notice: time has moved on for everything that follows.
            self.results_published, self.clock = True, after_notice

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def rows_agree_with_the_model(self):
        if not hasattr(self, "cases"):
            return
        rows = {s.id: s for s in db.session.scalars(select(Suggestion))}
        assert set(rows) == set(self.cases)
        for sid, case in self.cases.items():
            s = rows[sid]
            assert s.status == case["status"], (sid, s.status, case)
            assert s.reply_due_at == case["due"], "only rectification may move a deadline"
            assert s.rating == case["rating"]
            assert s.merged_into_id == case["merged_into"]
            _check_state(s, rows)

    @invariant()
    def every_surface_counts_each_opinion_once(self):
        if not getattr(self, "cases", None):
            return
        limiter.reset()  # hundreds of reads in one test; the limits are tested elsewhere
        stats = self.client.get("/api/v1/stats").json
        assert stats["suggestions"] == len(self.cases)
        assert stats["merged"] == sum(c["status"] == "merged" for c in self.cases.values())
        rows = db.session.scalars(select(Suggestion)).all()
        assert stats["adopted"] == sum(s.decision in ("adopted", "partly") for s in rows)
        ratings = [c["rating"] for c in self.cases.values() if c["rating"]]
        good = sum(r not in BAD for r in ratings)
        assert stats["satisfaction_pct"] == (
            round(100.0 * good / len(ratings), 1) if ratings else None
        )
        on_plan = sorted(k for k, c in self.cases.items() if c["plan"] is not None)
        csv_rows = list(
            csv.DictReader(io.StringIO(self._text(f"/plans/{self.plan_id}/report.csv")))
        )
        assert sorted(int(r["id"]) for r in csv_rows) == on_plan  # each exactly once
        (plan,) = [p for p in stats["by_plan"] if p["id"] == self.plan_id] or [None]
        if plan is not None:
            assert plan["suggestions"] == len(on_plan)
            assert plan["adopted"] == sum(r["decision"] in ("adopted", "partly") for r in csv_rows)
        inbox = self._text("/staff/inbox/?status=all")
        assert f'data-count="counted">{len(self.cases)}<' in inbox
        assert f'data-count="overdue">{stats["overdue"]}<' in inbox
        ids = ",".join(map(str, sorted(self.cases)))
        requests = self.client.get(f"/open311/v2/requests.json?service_request_id={ids}").json
        api = self.client.get("/api/v1/suggestions?per_page=100").json["items"]
        due = {item["id"]: item["reply_due_date"] for item in api}
        assert len(requests) == len(self.cases) == len(due)
        for item in requests:
            sid = int(item["service_request_id"])
            final = self.cases[sid]["status"] in {"closed", "not_accepted", "merged"}
            assert item["status"] == ("closed" if final else "open")
            assert item["expected_datetime"].startswith(due[sid] + "T23:59:59")

    def _text(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True).lstrip("\ufeff")

    @invariant()
    def one_callback_per_bad_rating(self):
        if not getattr(self, "cases", None):
            return
        owed: dict[int, int] = {}
        for cb in db.session.scalars(select(RatingCallback)):
            assert cb.rating in BAD and cb.done_at is None
            owed[cb.suggestion_id] = owed.get(cb.suggestion_id, 0) + 1
        assert owed == {k: c["callbacks"] for k, c in self.cases.items() if c["callbacks"]}

    @invariant()
    def each_step_is_one_event(self):
        if not hasattr(self, "cases") or not self.cases:
            return
        repeats = db.session.scalars(
            select(SuggestionEvent).where(
                SuggestionEvent.to_status.is_not(None),
                SuggestionEvent.to_status == SuggestionEvent.from_status,
            )
        ).all()
        assert not repeats, "a timeline event repeats its status"


def _check_state(s: Suggestion, rows: dict[int, Suggestion]) -> None:
    """The fields a status implies, from the raw row."""
    if s.status in OPEN:
        assert s.replied_at is None and s.decision is None and s.closed_at is None
    elif s.status == "replied":
        assert s.replied_at is not None and s.reply_text and s.decision is None
    elif s.status == "closed":
        assert s.replied_at is not None and s.closed_at is not None
        assert s.decision is not None or s.plan_id is None
    elif s.status == "not_accepted":
        assert s.decision is None and s.closed_at is not None and s.replied_at is None
    else:
        assert s.status == "merged"
        target = rows[s.merged_into_id]
        assert target.status != "merged", "merged into a merged case"
        assert target.plan_id == s.plan_id
        for name in ("reply_text", "replied_at", "decision", "decision_reason", "closed_at"):
            assert getattr(s, name) == getattr(target, name), name
    if s.status != "merged":
        assert s.merged_into_id is None


@pytest.mark.usefixtures("demo")
def test_random_case_lifecycles_keep_every_invariant(app):
    Lifecycle.app = app
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,  # the same sequences on every run and backend
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
