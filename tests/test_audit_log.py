"""The audit log: a hash chain that verify-audit checks, what is recorded, the admin page."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from crowdplan.audit.models import GENESIS, AuditRecord, record
from crowdplan.auth.operations import get_user_by_login
from crowdplan.extensions import db
from tests.conftest import DEMO_LOGINS, AuthActions, csrf_from
from tests.factories import PASSWORD
from tests.suggest_helpers import post_suggestion


def _verify(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


def _actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()


def test_verify_audit_finds_a_row_changed_directly_in_the_database(demo_full):
    with demo_full.app_context():
        ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
    assert len(ids) >= 5  # seeding the demo city is audited
    ok = _verify(demo_full)
    assert ok.exit_code == 0 and ok.output.startswith("OK"), ok.output
    victim = ids[len(ids) // 2]
    with demo_full.app_context():
        db.session.execute(
            sa.text("UPDATE audit_records SET reason = 'nothing happened' WHERE id = :id"),
            {"id": victim},
        )
        db.session.commit()
    broken = _verify(demo_full)
    assert broken.exit_code == 1
    assert f"audit record {victim} " in broken.output


def test_verify_audit_finds_a_deleted_row_and_a_forged_hash(demo_full):
    with demo_full.app_context():
        ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
        db.session.execute(sa.text("DELETE FROM audit_records WHERE id = :id"), {"id": ids[2]})
        db.session.commit()
    assert f"audit record {ids[3]} " in _verify(demo_full).output
    with demo_full.app_context():
        # Rewrite the next record's link so it points over the gap: its own hash no longer fits.
        prev = db.session.get(AuditRecord, ids[1]).hash
        db.session.execute(
            sa.text("UPDATE audit_records SET prev_hash = :p WHERE id = :id"),
            {"p": prev, "id": ids[3]},
        )
        db.session.commit()
    result = _verify(demo_full)
    assert result.exit_code == 1 and f"audit record {ids[3]} " in result.output


def test_concurrent_appends_keep_one_chain(app):
    with app.app_context():
        anchor = get_user_by_login(DEMO_LOGINS["admin"])  # None: records need no actor
    errors: list[str] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                for i in range(10):
                    record("test_append", None, actor=anchor, object_type="test", reason=f"{n}.{i}")
                    db.session.commit()
        except Exception as exc:  # collected, then asserted empty
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert len(rows) == 60
        assert rows[0].prev_hash == GENESIS
        # A fork would show as two records naming the same predecessor.
        assert len({r.prev_hash for r in rows}) == 60
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert _verify(app).exit_code == 0


def test_sign_ins_sign_outs_and_refusals_are_recorded(demo, client, auth):
    with auth.login(DEMO_LOGINS["citizen"], "wrong-password-123") as failed:
        assert failed.status_code == 400
    with auth.login("nobody@example.cn", "wrong-password-123") as unknown:
        assert unknown.status_code == 400
    auth.login_as("citizen")
    with client.get("/staff/") as refused:
        assert refused.status_code == 403
    auth.logout()
    with demo.app_context():
        citizen = get_user_by_login(DEMO_LOGINS["citizen"])
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action != "plan_created")  # seeding
        ).all()
        events = [(r.action, r.object_id, r.actor_id, r.reason) for r in rows]
        events = [e for e in events if e[0] in {"login_failed", "login_succeeded"}] + [
            e for e in events if e[0] in {"access_denied", "logout"}
        ]
    assert ("login_failed", citizen.id, None, "wrong_password") in events
    assert ("login_failed", None, None, "unknown_login") in events
    assert ("login_succeeded", citizen.id, citizen.id, None) in events
    assert ("access_denied", None, citizen.id, "GET /staff/") in events
    assert ("logout", citizen.id, citizen.id, None) in events
    # The login that was typed is personal data: it is not in the log.
    with demo.app_context():
        reasons = " ".join(r or "" for r in db.session.scalars(select(AuditRecord.reason)))
    assert "nobody@example.cn" not in reasons and "@demo.crowdplan" not in reasons


def test_moderation_workflow_and_rule_changes_are_recorded(demo, client, auth):
    auth.login_as("admin")
    with post_suggestion(client) as posted:
        assert posted.status_code == 302
    with demo.app_context():
        from crowdplan.suggestions.models import Suggestion

        sid = db.session.scalar(select(Suggestion.id))
    page = client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    with client.post(
        f"/staff/inbox/{sid}/reply",
        data={"csrf_token": csrf_from(page), "text": "谢谢您的建议，我们会研究。"},
    ) as replied:
        assert replied.status_code == 302
    page = client.get("/staff/moderation/").get_data(as_text=True)
    with client.post(
        "/staff/moderation/words", data={"csrf_token": csrf_from(page), "word": "测试屏蔽词"}
    ) as added:
        assert added.status_code == 302
    actions = _actions(demo)
    assert "suggestion_reply" in actions
    assert "blocked_word_added" in actions
    assert _verify(demo).exit_code == 0


@pytest.mark.parametrize(("role", "status"), [("planner", 403), ("dept_head", 403), ("admin", 200)])
def test_only_admins_browse_the_log(demo, client, auth, role, status):
    auth.login_as(role)
    with client.get("/staff/audit/") as page:
        assert page.status_code == status


def test_audit_page_filters_and_pages(demo, client, auth, app):
    with app.app_context():
        for i in range(60):
            record("test_page", None, object_type="test", reason=f"r{i}")
        db.session.commit()
    admin = AuthActions(client)
    admin.login_as("admin")
    with client.get("/staff/audit/?action=test_page") as first:
        text = first.get_data(as_text=True)
        assert first.status_code == 200
        assert text.count('data-action="test_page"') == 50 and "r59" in text and "r9<" not in text
        assert "1 / 2" in text
    with client.get("/staff/audit/?action=test_page&page=2") as second:
        text = second.get_data(as_text=True)
        assert text.count('data-action="test_page"') == 10 and "r0<" in text
    with client.get("/staff/audit/?action=login_succeeded&actor=&since=") as filtered:
        text = filtered.get_data(as_text=True)
        assert filtered.status_code == 200  # empty filters are no filters
        assert 'data-action="test_page"' not in text and 'data-action="login_succeeded"' in text
    with client.get("/staff/audit/?action=login_succeeded&actor=x&since=bad") as malformed:
        assert malformed.status_code == 400  # a malformed filter is named, not silently dropped
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(AuditRecord))
    assert total >= 61


def test_password_change_is_recorded_and_verify_still_passes(demo, client, auth):
    auth.login_as("citizen")
    page = client.get("/profile/password").get_data(as_text=True)
    new = "a-much-better-passphrase"
    with client.post(
        "/profile/password",
        data={
            "csrf_token": csrf_from(page),
            "current": "crowdplan-demo",
            "password": new,
            "confirm": new,
        },
    ) as changed:
        assert changed.status_code == 302
    assert "password_changed" in _actions(demo)
    assert _verify(demo).exit_code == 0
    assert PASSWORD  # the factories' password is not used here
