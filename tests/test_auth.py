"""Accounts: register, sign in by e-mail or phone, sign out, deny-by-default staff pages."""

import pytest
from sqlalchemy import select

from crowdplan.auth.models import User
from crowdplan.auth.operations import get_user_by_login
from crowdplan.auth.permissions import Permission, Role
from crowdplan.core.models import Department
from crowdplan.extensions import db
from tests.conftest import csrf_from
from tests.factories import PASSWORD, create_department, create_user


def _register(client, **fields):
    page = client.get("/register").get_data(as_text=True)
    data = {"display_name": "小李", "kind": "citizen", "password": PASSWORD, "confirm": PASSWORD}
    data["consent"] = "y"  # the privacy notice box (PIPL)
    data.update(fields, csrf_token=csrf_from(page))
    return client.post("/register", data=data)


def test_register_with_phone_then_sign_in_with_it(client, auth, app):
    response = _register(client, phone="138 0013 8000")
    assert response.status_code == 302
    auth.logout()
    assert auth.login("13800138000", PASSWORD).status_code == 302
    with app.app_context():
        user = get_user_by_login("13800138000")
        assert user.role == "citizen" and user.password_hash.startswith("scrypt:")
        assert user.last_login_at is not None


def test_register_refuses_duplicates_short_passwords_and_no_login(client, app):
    assert _register(client, email="a@example.org").status_code == 302
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else client.delete_cookie("session")
    dup = _register(client, email="A@example.org")
    assert dup.status_code == 400
    assert "exists already" in dup.get_data(as_text=True) or "已" in dup.get_data(as_text=True)
    short = _register(client, email="b@example.org", password="short", confirm="short")
    assert short.status_code == 400
    neither = _register(client)
    assert neither.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_wrong_password_is_refused_without_saying_which_part(client, auth, app):
    with app.app_context():
        create_user(email="c@example.org")
        db.session.commit()
    response = auth.login("c@example.org", "wrong-password")
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


def test_logout_needs_post_with_csrf(client, auth, app):
    with app.app_context():
        create_user(email="d@example.org")
        db.session.commit()
    auth.login("d@example.org", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/login", data={"login": "x@example.org", "password": "whatever"})
    assert response.status_code == 400


def test_disabling_an_account_ends_its_session(client, auth, app):
    with app.app_context():
        create_user(email="e@example.org")
        db.session.commit()
    auth.login("e@example.org", PASSWORD)
    assert client.get("/profile").status_code == 200
    with app.app_context():
        get_user_by_login("e@example.org").is_active = False
        db.session.commit()
    assert client.get("/profile").status_code == 302


def test_login_ignores_an_offsite_next(client, auth, app):
    with app.app_context():
        create_user(email="f@example.org")
        db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"login": "f@example.org", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        ("citizen", 403),
        ("organisation", 403),
        ("planner", 200),
        ("dept_head", 200),
        ("admin", 200),
    ],
)
def test_staff_pages_deny_by_default(demo, client, auth, role, status):
    if role:
        auth.login_as(role)
    assert client.get("/staff/").status_code == status


def test_profile_edit(demo, client, auth):
    auth.login_as("citizen")
    page = client.get("/profile").get_data(as_text=True)
    response = client.post(
        "/profile", data={"display_name": "新名字", "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert "新名字" in client.get("/profile").get_data(as_text=True)


def test_permission_helper_scopes_staff_to_their_department(app):
    with app.app_context():
        own, other = create_department(code="own"), create_department(code="other")
        planner = create_user(email="p@example.org", role=Role.PLANNER, department=own)
        head = create_user(email="h@example.org", role=Role.DEPT_HEAD, department=own)
        admin = create_user(email="a@example.org", role=Role.ADMIN)
        citizen = create_user(email="c@example.org")
        org = create_user(email="o@example.org", role=Role.ORGANISATION)
        assert planner.can(Permission.TRIAGE, own) and not planner.can(Permission.TRIAGE, other)
        assert not planner.can(Permission.TRIAGE) and not planner.can(Permission.SUPERVISE, own)
        assert head.can(Permission.SUPERVISE, own) and not head.can(Permission.SUPERVISE, other)
        assert admin.can(Permission.TRIAGE, other) and admin.can(Permission.ADMINISTER)
        assert citizen.can(Permission.SUGGEST) and not citizen.can(Permission.TRIAGE, own)
        assert org.can(Permission.SPEAK_FOR_MEMBERS) and not citizen.can(
            Permission.SPEAK_FOR_MEMBERS
        )
        planner.is_active = False
        assert not planner.can(Permission.TRIAGE, own)
        db.session.rollback()


def test_create_user_cli(demo):
    runner = demo.test_cli_runner()
    args = ["create-user", "--email", "new@example.org", "--password", PASSWORD]
    ok = runner.invoke(args=[*args, "--role", "planner", "--department", "chibi"])
    assert ok.exit_code == 0, ok.output
    with demo.app_context():
        user = get_user_by_login("new@example.org")
        assert user.department == db.session.scalar(
            select(Department).where(Department.code == "chibi")
        )
    unknown = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.org",
            "--password",
            PASSWORD,
            "--role",
            "planner",
            "--department",
            "nope",
        ]
    )
    assert unknown.exit_code != 0 and "nope" in unknown.output
    no_dept = runner.invoke(
        args=[
            "create-user",
            "--email",
            "y@example.org",
            "--password",
            PASSWORD,
            "--role",
            "planner",
        ]
    )
    assert no_dept.exit_code != 0 and "Traceback" not in no_dept.output
    listed = runner.invoke(args=["list-departments"])
    assert "city-general\t综合科" in listed.output.splitlines()
