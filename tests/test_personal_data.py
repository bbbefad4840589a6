"""Contact details at rest: encrypted, found by blind index, rotated, never in a database dump."""

from __future__ import annotations

import sqlite3
import subprocess

import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from sqlalchemy import select

from config import TestingConfig
from crowdplan import create_app
from crowdplan.auth.models import User
from crowdplan.auth.operations import get_user_by_login
from crowdplan.core.models import Department
from crowdplan.extensions import db
from crowdplan.geo.spatial import load_spatialite
from crowdplan.suggestions.models import Suggestion
from tests.conftest import DEMO_LOGINS, AuthActions, csrf_from, make_database
from tests.factories import PASSWORD
from tests.suggest_helpers import post_suggestion

CITIZEN_PHONE = "13912345678"
CITIZEN_EMAIL = "li.si@example.cn"
GUEST_EMAIL = "wang.wu@example.cn"
CONTACT_PHONE = "13698765432"
GUEST_PHONE = "15011112222"


def _register(client, **fields):
    page = client.get("/register").get_data(as_text=True)
    data = {"display_name": "李四", "kind": "citizen", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields, consent="y", csrf_token=csrf_from(page))
    with client.post("/register", data=data) as response:
        assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _citizen_data(app):
    """Demo city with its suggestions, a registered citizen, and suggestions with contacts."""
    client = app.test_client()
    _register(client, email=CITIZEN_EMAIL, phone=CITIZEN_PHONE)
    with post_suggestion(client, contact_phone=CONTACT_PHONE) as posted:
        assert posted.status_code == 302
    guest = app.test_client()
    with post_suggestion(guest, guest_email=GUEST_EMAIL, contact_phone=GUEST_PHONE) as posted:
        assert posted.status_code == 202  # waits for the mailed link
    return [CITIZEN_PHONE, CITIZEN_EMAIL, GUEST_EMAIL, CONTACT_PHONE, GUEST_PHONE] + list(
        DEMO_LOGINS.values()
    )


def _dump(app, backend: str) -> str:
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if backend == "spatialite":
        conn = sqlite3.connect(url.database)
        try:
            load_spatialite(conn)  # the spatial index tables are virtual tables of SpatiaLite
            return "\n".join(conn.iterdump())
        finally:
            conn.close()
    result = subprocess.run(
        ["pg_dump", "--no-owner", "--dbname", url.render_as_string(hide_password=False)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def test_a_database_dump_contains_no_plaintext_contact_details(demo_full, backend):
    known = _citizen_data(demo_full)
    with demo_full.app_context():
        # The application still reads them: the data is there, only encrypted.
        stored = db.session.scalars(select(Suggestion).where(Suggestion.contact_phone.is_not(None)))
        assert {s.contact_phone for s in stored} == {CONTACT_PHONE, GUEST_PHONE}
        assert get_user_by_login(CITIZEN_PHONE).email == CITIZEN_EMAIL
        dump = _dump(demo_full, backend)
    assert "INSERT" in dump or "COPY" in dump
    assert "市民小王" in dump  # the dump does hold the rows (display names are not contacts)
    lowered = dump.lower()
    leaked = [value for value in known if value.lower() in lowered]
    assert leaked == []


def test_sign_in_by_phone_and_email_through_the_blind_index(demo, client, auth):
    _register(client, email="Zhao.Liu@Example.cn", phone="137 0000 1234")
    auth.logout()
    with auth.login("zhao.liu@example.cn", PASSWORD) as ok:
        assert ok.status_code == 302
    auth.logout()
    with auth.login("137-0000-1234", PASSWORD) as ok:
        assert ok.status_code == 302
    with demo.app_context():
        user = get_user_by_login("13700001234")
        assert user.email == "zhao.liu@example.cn" and user.phone == "13700001234"
        raw = db.session.execute(
            sa.text("SELECT email, phone, email_index FROM users WHERE id = :id"), {"id": user.id}
        ).one()
        assert raw.email.startswith("gAAAA") and "zhao" not in raw.email
        assert len(raw.email_index) == 64


def test_duplicates_are_refused_through_the_blind_index(demo, client):
    _register(client, phone="13700005678")
    other = demo.test_client()
    page = other.get("/register").get_data(as_text=True)
    data = {"display_name": "x", "kind": "citizen", "password": PASSWORD, "confirm": PASSWORD}
    data.update(phone="137-0000-5678", consent="y", csrf_token=csrf_from(page))
    with other.post("/register", data=data) as dup:
        assert dup.status_code == 400
    with demo.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(User)) == 6


def test_rotate_data_key_re_encrypts_with_the_newest_key(demo, client):
    _register(client, email=CITIZEN_EMAIL, phone=CITIZEN_PHONE)
    with post_suggestion(client, contact_phone=CONTACT_PHONE) as posted:
        assert posted.status_code == 302
    old = demo.config["CROWDPLAN_DATA_KEYS"]
    new = Fernet.generate_key().decode()
    try:
        demo.config["CROWDPLAN_DATA_KEYS"] = f"{new},{old}"
        with demo.app_context():  # before rotation: old rows still readable and found
            assert get_user_by_login(CITIZEN_EMAIL) is not None
        result = demo.test_cli_runner().invoke(args=["rotate-data-key"])
        assert result.exit_code == 0, result.output
        assert "re-encrypted" in result.output
        demo.config["CROWDPLAN_DATA_KEYS"] = new  # the old key is gone now
        with demo.app_context():
            user = get_user_by_login(CITIZEN_PHONE)
            assert user is not None and user.email == CITIZEN_EMAIL
            phones = db.session.scalars(select(Suggestion.contact_phone)).all()
            assert CONTACT_PHONE in phones
            tokens = db.session.execute(sa.text("SELECT email FROM users")).scalars().all()
            assert all(Fernet(new.encode()).decrypt(t.encode()) for t in tokens if t)
        with AuthActions(demo.test_client()).login(CITIZEN_PHONE, PASSWORD) as ok:
            assert ok.status_code == 302
    finally:
        demo.config["CROWDPLAN_DATA_KEYS"] = old


def _move(app, sid: int, code: str) -> None:
    with app.app_context():
        s = db.session.get(Suggestion, sid)
        s.department = db.session.scalar(select(Department).where(Department.code == code))
        s.visibility = "review"  # held for moderation: every moderator sees the item
        db.session.commit()


def test_contacts_only_for_staff_of_the_suggestions_department(demo, client, auth):
    with post_suggestion(client, guest_email=GUEST_EMAIL, contact_phone=GUEST_PHONE) as posted:
        assert posted.status_code == 202
    with demo.app_context():
        sid = db.session.scalar(select(Suggestion.id))
    _move(demo, sid, "chibi")
    head = demo.test_client()  # head of 规划编制科 (city-plan): a moderator of any suggestion
    AuthActions(head).login_as("dept_head")
    with head.get("/staff/moderation/") as page:
        text = page.get_data(as_text=True)
        assert f'data-suggestion-id="{sid}"' in text
        assert GUEST_PHONE not in text and GUEST_EMAIL not in text
    with head.get(f"/staff/inbox/{sid}") as case:
        assert case.status_code == 403
    admin = demo.test_client()
    AuthActions(admin).login_as("admin")
    with admin.get("/staff/moderation/") as page:
        assert GUEST_PHONE in page.get_data(as_text=True)
    with admin.get(f"/staff/inbox/{sid}") as case:
        assert GUEST_EMAIL in case.get_data(as_text=True)
    _move(demo, sid, "city-plan")  # now it is the head's own department's case
    with head.get("/staff/moderation/") as page:
        assert GUEST_PHONE in page.get_data(as_text=True)
    with head.get(f"/staff/inbox/{sid}") as case:
        assert GUEST_EMAIL in case.get_data(as_text=True)


def test_migration_encrypts_existing_rows(backend, tmp_path):
    generator = make_database(backend, tmp_path)
    url = next(generator)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    try:
        with app.app_context():
            upgrade(revision="0006_view_counts")
            db.session.execute(
                sa.text(
                    "INSERT INTO users (id, email, phone, display_name, password_hash, role, "
                    "is_active, created_at) VALUES (1, 'old@example.cn', '13811112222', 'old', "
                    "'x', 'citizen', true, '2026-01-02 03:04:05.123456')"
                )
            )
            db.session.execute(
                sa.text(
                    "INSERT INTO audit_records (created_at, actor_id, action, object_type, "
                    "object_id) VALUES ('2026-01-02 03:04:05.5', 1, 'plan_created', 'plans', 7)"
                )
            )
            db.session.commit()
            upgrade()
            raw = db.session.execute(sa.text("SELECT email, phone FROM users")).one()
            assert "old@" not in raw.email and "1381111" not in raw.phone
            assert get_user_by_login("OLD@example.cn").phone == "13811112222"
            result = app.test_cli_runner().invoke(args=["verify-audit"])
            assert result.exit_code == 0 and "OK" in result.output, result.output
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        generator.close()


def test_contact_details_stay_out_of_the_logs(demo, caplog):
    caplog.set_level("DEBUG")
    known = _citizen_data(demo)
    client = demo.test_client()
    page = client.get("/password/forgot").get_data(as_text=True)
    data = {"email": CITIZEN_EMAIL, "csrf_token": csrf_from(page)}
    with client.post("/password/forgot", data=data) as sent:
        assert sent.status_code == 302
    with AuthActions(client).login(CITIZEN_PHONE, "wrong-password-123") as failed:
        assert failed.status_code == 400
    assert caplog.records  # mail and the rest did log something
    leaked = [v for v in known if v in caplog.text]
    assert leaked == []
