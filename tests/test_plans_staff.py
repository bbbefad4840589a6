"""Planner pages: create, upload, publish, version; scoped to the planner's own department."""

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crowdplan.audit.models import AuditRecord
from crowdplan.auth.permissions import Role
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.plans.models import LayerFeature, Plan, PlanType, PlanVersion
from tests.conftest import csrf_from
from tests.factories import PASSWORD, create_user, feature_collection, polygon_feature

DEMO_FEATURES = 8 + 5 + 5 + 12  # parking, facilities, service areas, land use
SQUARE = [(114.30, 29.83), (114.31, 29.83), (114.31, 29.84), (114.30, 29.84), (114.30, 29.83)]


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url.rsplit("/", 1)[0]).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, content_type="multipart/form-data")


def _new_plan(client, app, title="中心片区控规"):
    with app.app_context():
        type_id = db.session.scalar(select(PlanType.id).where(PlanType.code == "regulatory"))
        dept_id = get_department_by_code("city-plan").id
    response = _post(
        client,
        "/staff/plans/new",
        {"plan_type": type_id, "department": dept_id, "title": title, "summary": "**草案**"},
        page="/staff/plans/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _layer_file(fc) -> tuple:
    return (io.BytesIO(json.dumps(fc).encode()), "layer.geojson")


def test_planner_creates_uploads_and_publishes(demo, client, auth, app):
    auth.login_as("planner")
    plan_id = _new_plan(client, app)
    edit = f"/staff/plans/{plan_id}"
    fc = feature_collection(
        polygon_feature(SQUARE, landuse="R"), polygon_feature(SQUARE, landuse="G")
    )
    layer = _post(
        client,
        f"{edit}/layers",
        {"name": "用地", "style_property": "landuse", "color": "#3388ff", "file": _layer_file(fc)},
        page=edit,
    )
    assert layer.status_code == 302
    pdf = (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "说明.pdf")
    assert _post(client, f"{edit}/documents", {"file": pdf}, page=edit).status_code == 302
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    short = {"opens_on": today.isoformat(), "closes_on": (today + timedelta(days=18)).isoformat()}
    refused = _post(client, f"{edit}/publish", short, page=edit)
    assert refused.status_code == 400 and "30" in refused.get_data(as_text=True)
    ok = {"opens_on": today.isoformat(), "closes_on": (today + timedelta(days=29)).isoformat()}
    assert _post(client, f"{edit}/publish", ok, page=edit).status_code == 302
    public = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "中心片区控规" in public and "居住用地" in public and "绿地与广场用地" in public
    with app.app_context():
        version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id))
        assert version.fingerprint and len(version.documents) == 1
        actors = db.session.scalars(
            select(AuditRecord.actor_id).where(
                AuditRecord.object_type == "plans", AuditRecord.object_id == plan_id
            )
        ).all()
        assert len(actors) >= 4 and all(actors)
    # frozen now: the draft form is gone and a direct post is refused
    frozen = _post(client, f"{edit}/draft", {"title": "改", "summary": ""}, page=edit)
    assert frozen.status_code == 409 and "新版本" in frozen.get_data(as_text=True)
    assert _post(client, f"{edit}/new-version", {}, page=edit).status_code == 302
    assert (
        _post(
            client, f"{edit}/draft", {"title": "改过的标题", "summary": ""}, page=edit
        ).status_code
        == 302
    )
    assert "中心片区控规" in client.get(f"/plans/{plan_id}").get_data(as_text=True)


BAD = {
    "wrong_type": json.dumps(
        feature_collection(
            {"type": "Feature", "properties": {}, "geometry": {"type": "GeometryCollection"}}
        )
    ).encode(),
    "not_json": b"PK\x03\x04 zip",
    "wrong_crs": json.dumps(feature_collection(crs="EPSG:2385")).encode(),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_layer_upload_is_a_clear_400_and_stores_nothing(demo, client, auth, app, case):
    auth.login_as("planner")
    plan_id = _new_plan(client, app)
    edit = f"/staff/plans/{plan_id}"
    response = _post(
        client,
        f"{edit}/layers",
        {"name": "x", "color": "#3388ff", "file": (io.BytesIO(BAD[case]), "x.geojson")},
        page=edit,
    )
    assert response.status_code == 400
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(LayerFeature)) == DEMO_FEATURES
        )  # demo only


def test_other_departments_and_citizens_are_refused(demo, client, auth, app):
    with app.app_context():
        plan_id = db.session.scalar(select(Plan.id).order_by(Plan.id))
        create_user(
            email="chibi@example.org", role=Role.PLANNER, department=get_department_by_code("chibi")
        )
        db.session.commit()
    edit = f"/staff/plans/{plan_id}"
    assert client.get(edit).status_code == 302  # anonymous: sign in first
    auth.login_as("citizen")
    assert client.get(edit).status_code == 403
    assert client.get("/staff/plans/new").status_code == 403
    auth.logout()
    auth.login("chibi@example.org", PASSWORD)
    assert client.get("/staff/plans/").status_code == 200
    assert "停车场" not in client.get("/staff/plans/").get_data(as_text=True)
    for path in (
        "",
        "/draft",
        "/layers",
        "/documents",
        "/publish",
        "/close",
        "/results",
        "/new-version",
    ):
        method = client.get if path == "" else client.post
        token = csrf_from(client.get("/staff/plans/new").get_data(as_text=True))
        response = (
            method(edit + path) if path == "" else method(edit + path, data={"csrf_token": token})
        )
        assert response.status_code == 403, path
    auth.logout()
    auth.login_as("admin")
    assert client.get(edit).status_code == 200


def test_import_plan_layer_cli(demo, tmp_path):
    with demo.app_context():
        draft_id = db.session.scalar(
            select(PlanVersion.plan_id).where(PlanVersion.published_at.is_(None))
        )
        published_id = db.session.scalar(
            select(PlanVersion.plan_id).where(PlanVersion.published_at.is_not(None))
        )
    path = tmp_path / "l.geojson"
    path.write_text(json.dumps(feature_collection(polygon_feature(SQUARE, landuse="B"))))
    runner = demo.test_cli_runner()
    ok = runner.invoke(
        args=[
            "import-plan-layer",
            str(draft_id),
            str(path),
            "--name",
            "商业",
            "--style-property",
            "landuse",
        ]
    )
    assert ok.exit_code == 0 and "1 features" in ok.output, ok.output
    frozen = runner.invoke(args=["import-plan-layer", str(published_id), str(path), "--name", "x"])
    assert frozen.exit_code != 0 and "Traceback" not in frozen.output
    path.write_text("{oops")
    bad = runner.invoke(args=["import-plan-layer", str(draft_id), str(path), "--name", "x"])
    assert bad.exit_code != 0 and "JSON" in bad.output
    with demo.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(LayerFeature)) == DEMO_FEATURES + 1
        )
