"""Personal-information rights (PIPL 个人信息保护法): consent, a copy of one's data, deleting the
account, and contact details erased once the retention period of a closed case is over."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from crowdplan.audit.models import AuditRecord
from crowdplan.auth.models import User
from crowdplan.auth.operations import get_user_by_login
from crowdplan.extensions import db
from crowdplan.suggestions import reactions
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage.follows import toggle_follow
from tests.conftest import AuthActions, csrf_from
from tests.factories import PASSWORD, create_suggestion, create_topic
from tests.suggest_helpers import post_suggestion

EMAIL, PHONE, CONTACT = "li.si@example.cn", "13912345678", "13698765432"


def _register(client, *, consent="y", email=EMAIL, phone=PHONE):
    page = client.get("/register").get_data(as_text=True)
    data = {"display_name": "李四", "kind": "citizen", "password": PASSWORD, "confirm": PASSWORD}
    data.update(email=email, phone=phone, consent=consent, csrf_token=csrf_from(page))
    return client.post("/register", data=data)


def _own_suggestion(client, app, **fields) -> int:
    with post_suggestion(client, contact_phone=CONTACT, display_name="李四", **fields) as r:
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
    with app.app_context():
        return db.session.scalar(select(Suggestion.id).order_by(Suggestion.id.desc()).limit(1))


def _actions(app, action: str) -> list[AuditRecord]:
    with app.app_context():
        query = select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        return list(db.session.scalars(query))


def test_registration_needs_the_consent_box_and_records_its_version(app, client):
    page = client.get("/register").get_data(as_text=True)
    box = page.split('name="consent"')[0].rsplit("<input", 1)[1] + page.split('name="consent"')[1]
    assert "checked" not in box.split(">")[0]  # unticked by default
    assert 'href="/privacy"' in page
    with _register(client, consent="") as refused:
        assert refused.status_code == 400
        assert "请同意个人信息保护政策" in refused.get_data(as_text=True)
    with app.app_context():
        assert get_user_by_login(EMAIL) is None
    with _register(client) as r:
        assert r.status_code == 302
    with app.app_context():
        user = get_user_by_login(EMAIL)
        assert user.consent_version == app.config["PRIVACY_NOTICE_VERSION"]
        assert user.consent_at is not None


def test_a_guest_post_needs_consent_and_records_it_on_the_suggestion(demo, client, app):
    assert 'name="consent"' in client.get("/report").get_data(as_text=True)
    with post_suggestion(client, guest_email="guest@example.org", consent="") as refused:
        assert refused.status_code == 400
        assert "请同意个人信息保护政策" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Suggestion)) == 0
    with post_suggestion(client, guest_email="guest@example.org") as r:
        assert r.status_code == 202
    with app.app_context():
        s = db.session.scalar(select(Suggestion))
        assert s.consent_version == app.config["PRIVACY_NOTICE_VERSION"] and s.consent_at


def test_the_privacy_notice_says_what_how_long_and_who(client, app):
    page = client.get("/privacy").get_data(as_text=True)
    assert "个人信息保护政策" in page and app.config["PRIVACY_NOTICE_VERSION"] in page
    assert str(app.config["CONTACT_RETENTION_DAYS"]) in page
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)  # the footer


def test_the_download_holds_the_users_data_and_nobody_elses(demo, client, app):
    other = app.test_client()
    AuthActions(other).login_as("citizen")
    theirs = _own_suggestion(other, app, text="别人的意见：这个路口需要红绿灯。")
    _register(client)
    mine = _own_suggestion(client, app)
    with app.app_context():
        me = get_user_by_login(EMAIL)
        reactions.support(db.session.get(Suggestion, theirs), user=me, guest_key=None)
        toggle_follow(me, suggestion_id=theirs)
        db.session.commit()
    assert "/profile/data" in client.get("/profile").get_data(as_text=True)
    with client.get("/profile/data") as r:
        assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
        assert "no-store" in r.headers["Cache-Control"]
        body = r.get_data(as_text=True)
    data = json.loads(body)
    assert data["account"]["email"] == EMAIL and data["account"]["phone"] == PHONE
    assert data["account"]["consent_version"] == app.config["PRIVACY_NOTICE_VERSION"]
    assert [s["id"] for s in data["suggestions"]] == [mine]
    assert data["suggestions"][0]["contact_phone"] == CONTACT
    assert [s["suggestion_id"] for s in data["supports"]] == [theirs]
    assert [f["suggestion_id"] for f in data["follows"]] == [theirs]
    assert "别人的意见" not in body and "citizen@demo.crowdplan" not in body
    assert len(_actions(app, "data_exported")) == 1


def test_deleting_the_account_erases_contacts_and_keeps_suggestions_public(demo, client, app):
    _register(client)
    sid = _own_suggestion(client, app)
    page = client.get("/profile/delete").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page)}
    with client.post("/profile/delete", data=form | {"password": "wrong-password"}) as r:
        assert r.status_code == 400
    with client.post("/profile/delete", data=form | {"password": PASSWORD}) as r:
        assert r.status_code == 302
    assert client.get("/profile").status_code == 302  # signed out: the session has ended
    with app.app_context():
        assert get_user_by_login(EMAIL) is None and get_user_by_login(PHONE) is None
        user = db.session.scalar(select(User).where(User.deleted_at.is_not(None)))
        assert not user.is_active and user.email is None and user.phone is None
        assert "李四" not in user.display_name
        s = db.session.get(Suggestion, sid)
        assert (s.author_id, s.display_name, s.contact_phone) == (None, None, None)
        assert s.contacts_erased_at is not None and s.is_public
    detail = app.test_client().get(f"/suggestions/{sid}")
    assert detail.status_code == 200 and "李四" not in detail.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(EMAIL, PASSWORD).status_code == 400  # refused
    assert [a.reason for a in _actions(app, "account_delete_failed")] == ["wrong_password"]
    assert len(_actions(app, "account_deleted")) == 1
    # Staff accounts belong to the bureau: no self-service deletion.
    staff = app.test_client()
    AuthActions(staff).login_as("planner")
    assert staff.get("/profile/delete").status_code == 403


NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def _case(topic, *, status="closed", closed_days=None, **fields) -> Suggestion:
    closed_at = NOW - timedelta(days=closed_days) if closed_days is not None else None
    return create_suggestion(
        topic=topic,
        status=status,
        closed_at=closed_at,
        created_at=NOW - timedelta(days=800),
        contact_phone="13800138000",
        contact_email="someone@example.org",
        **fields,
    )


def test_purge_contacts_erases_exactly_the_old_closed_cases(app, db_session, monkeypatch):
    topic = create_topic()
    open_target = _case(topic, status="replied")
    old_target = _case(topic, closed_days=400)
    cases = {
        "old closed": old_target,
        "old not accepted": _case(topic, status="not_accepted", closed_days=366),
        "merged into an old closed case": _case(
            topic, status="merged", merged_into_id=old_target.id
        ),
        "merged into an open case": _case(topic, status="merged", merged_into_id=open_target.id),
        "closed within the period": _case(topic, closed_days=364),
        "open for years": _case(topic, status="in_progress"),
        "new": _case(topic, status="submitted"),
        "open target": open_target,
    }
    db_session.commit()
    ids = {name: s.id for name, s in cases.items()}
    runner = app.test_cli_runner()
    monkeypatch.setattr("crowdplan.retention.utcnow", lambda: NOW)
    dry = runner.invoke(args=["purge-contacts", "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("3 cases"), dry.output
    assert _with_contacts(db_session) == set(ids.values())  # a dry run erases nothing
    run = runner.invoke(args=["purge-contacts"])
    assert run.exit_code == 0 and "of 3 cases" in run.output, run.output
    expired = {"old closed", "old not accepted", "merged into an old closed case"}
    assert _with_contacts(db_session) == {ids[n] for n in cases if n not in expired}
    erased = db_session.get(Suggestion, ids["old closed"])
    assert erased.contact_email_index is None and erased.contacts_erased_at is not None
    # Two days later the case closed 364 days ago is past the period too.
    monkeypatch.setattr("crowdplan.retention.utcnow", lambda: NOW + timedelta(days=2))
    assert "of 1 cases" in runner.invoke(args=["purge-contacts"]).output
    assert [a.to_state for a in _actions(app, "contacts_purged")] == ["3", "1"]


def _with_contacts(session) -> set[int]:
    """Ids of the rows whose stored (encrypted) contact columns are not NULL."""
    session.expire_all()
    rows = session.execute(
        sa.text(
            "SELECT id FROM suggestions WHERE contact_phone IS NOT NULL"
            " OR contact_email IS NOT NULL OR contact_email_index IS NOT NULL"
        )
    )
    ids = {r.id for r in rows}
    session.rollback()
    return ids
