"""Plans: notice window rules under a controlled clock, frozen versions, layers, public pages."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crowdplan.audit.models import AuditRecord
from crowdplan.core.models import Area
from crowdplan.core.operations import get_department_by_code
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.plans.models import LayerFeature, PlanType, Stage
from tests.factories import feature_collection, polygon_feature

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SQUARE = [(114.30, 29.83), (114.31, 29.83), (114.31, 29.84), (114.30, 29.84), (114.30, 29.83)]


def _draft(title="控规草案", type_code="regulatory"):
    kind = db.session.scalar(select(PlanType).where(PlanType.code == type_code))
    plan = plans.create_plan(
        actor=None, plan_type=kind, department=get_department_by_code("city-plan"), title=title
    )
    return plan.latest


def _layer_bytes(*features) -> bytes:
    import json

    return json.dumps(feature_collection(*features)).encode()


def test_a_20_day_window_for_a_regulatory_plan_is_refused(demo, db_session):
    version = _draft()
    with pytest.raises(AppError) as info:
        plans.publish(version, opens_at=T0, closes_at=T0 + timedelta(days=20), actor=None, now=T0)
    assert info.value.code == "window_too_short" and "30" in info.value.message
    assert version.published_at is None and version.fingerprint is None


def test_comment_window_is_decided_by_the_clock(demo, db_session):
    version = _draft()
    opens, closes = T0 + timedelta(days=2), T0 + timedelta(days=32)
    plans.publish(version, opens_at=opens, closes_at=closes, actor=None, now=T0)
    assert version.stage(T0) is Stage.SCHEDULED
    assert not plans.comments_open(version, opens - timedelta(seconds=1))
    assert plans.comments_open(version, opens)
    assert plans.comments_open(version, closes - timedelta(seconds=1))
    assert not plans.comments_open(version, closes)
    assert version.stage(closes) is Stage.CLOSED


def test_closing_early_is_refused_before_the_minimum(demo, db_session):
    version = _draft()
    plans.publish(version, opens_at=T0, closes_at=T0 + timedelta(days=45), actor=None, now=T0)
    with pytest.raises(AppError) as info:
        plans.close_early(version, actor=None, reason="r", now=T0 + timedelta(days=29))
    assert info.value.code == "too_early"
    plans.close_early(version, actor=None, reason="enough", now=T0 + timedelta(days=31))
    assert version.stage(T0 + timedelta(days=31, seconds=1)) is Stage.CLOSED
    with pytest.raises(AppError):
        plans.publish_results(version, actor=None, now=T0 + timedelta(days=10))
    plans.publish_results(version, actor=None, now=T0 + timedelta(days=40))
    assert version.stage(T0 + timedelta(days=41)) is Stage.RESULTS


def test_a_published_version_is_frozen_and_a_new_version_can_change(demo, db_session):
    version = _draft()
    plans.import_layer(version, _layer_bytes(polygon_feature(SQUARE, landuse="R")), name="用地")
    plans.publish(version, opens_at=T0, closes_at=T0 + timedelta(days=30), actor=None, now=T0)
    fingerprint = version.fingerprint
    assert len(fingerprint) == 64 and fingerprint == plans.fingerprint(version)
    with pytest.raises(AppError) as info:
        plans.update_draft(version, actor=None, title="改", summary="")
    assert info.value.code == "version_frozen" and info.value.status == 409
    with pytest.raises(AppError):
        plans.import_layer(version, _layer_bytes(polygon_feature(SQUARE)), name="x")
    draft = plans.new_version(version.plan, actor=None)
    assert draft.number == 2 and len(draft.layers) == 1 and len(draft.layers[0].features) == 1
    plans.update_draft(draft, actor=None, title="控规草案（修改）", summary="changed")
    db_session.flush()
    assert version.title == "控规草案" and version.fingerprint == fingerprint
    assert plans.fingerprint(draft) != fingerprint
    with pytest.raises(AppError):
        plans.new_version(version.plan, actor=None)  # one draft at a time
    actions = db_session.scalars(
        select(AuditRecord.action).where(
            AuditRecord.object_type == "plans", AuditRecord.object_id == version.plan.id
        )
    ).all()
    assert {"plan_created", "layer_imported", "plan_published", "version_created"} <= set(actions)


BAD_LAYERS = {
    "wrong_type": (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        b'"geometry":{"type":"GeometryCollection","geometries":[]}}]}',
        "bad_geometry_type",
    ),
    "wrong_crs": (
        b'{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},'
        b'"features":[]}',
        "bad_crs",
    ),
    "invalid_geometry": (
        _layer_bytes(
            polygon_feature(
                [(114.0, 29.0), (114.1, 29.1), (114.1, 29.0), (114.0, 29.1), (114.0, 29.0)]
            )
        ),
        "invalid_geometry",
    ),
    "too_large": (b" " * (plans.MAX_LAYER_BYTES + 1), "too_large"),
    "not_utf8": ("用地".encode("gb18030"), "not_utf8"),
    "not_json": (b"<xml/>", "not_json"),
}


@pytest.mark.parametrize("case", sorted(BAD_LAYERS))
def test_bad_layer_files_are_refused_and_nothing_is_half_imported(demo, db_session, case):
    from crowdplan.geo.validate import GeoJSONError

    raw, code = BAD_LAYERS[case]
    version = _draft()
    before = db_session.scalar(select(func.count()).select_from(LayerFeature))
    with pytest.raises(GeoJSONError) as info:
        plans.import_layer(version, raw, name="bad")
    assert info.value.code == code
    assert db_session.scalar(select(func.count()).select_from(LayerFeature)) == before
    assert version.layers == []


def test_documents_must_be_pdf(demo, db_session):
    version = _draft()
    with pytest.raises(AppError) as info:
        plans.add_document(version, filename="x.pdf", data=b"MZ\x90\x00 not a pdf")
    assert info.value.code == "not_pdf"
    doc = plans.add_document(version, filename="../../etc/说明.pdf", data=b"%PDF-1.4\n%%EOF\n")
    assert doc.filename == "说明.pdf" and plans.document_path(doc).read_bytes().startswith(b"%PDF")


def test_public_pages_of_the_demo_plans(demo, client):
    listing = client.get("/plans/").get_data(as_text=True)
    assert "停车场建设规划" in listing and "医疗卫生设施布局规划" in listing
    assert "温泉片区控制性详细规划" not in listing  # a draft is not public
    notice = client.get("/plans/?status=notice").get_data(as_text=True)
    assert "停车场建设规划" in notice and "医疗卫生设施布局规划" not in notice
    results = client.get("/plans/?status=results").get_data(as_text=True)
    assert "医疗卫生设施布局规划" in results and "停车场建设规划" not in results
    assert "停车场建设规划" not in client.get("/plans/?q=医疗").get_data(as_text=True)


def test_plan_page_shows_countdown_fingerprint_and_documents(demo, client, app):
    with app.app_context():
        from crowdplan.plans.models import PlanVersion

        version = db.session.scalar(select(PlanVersion).where(PlanVersion.title.contains("停车场")))
        plan_id, fingerprint = version.plan_id, version.fingerprint
        doc_id = version.documents[0].id
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "公示期剩余 20 天" in html
    assert fingerprint in html and "规划停车场" in html and "立体停车库" in html
    with client.get(f"/plans/{plan_id}/documents/{doc_id}") as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/plans/{plan_id}/documents/{doc_id + 1000}").status_code == 404


def test_draft_plans_are_not_public(demo, client, app):
    with app.app_context():
        from crowdplan.plans.models import PlanVersion

        version = db.session.scalar(select(PlanVersion).where(PlanVersion.title.contains("温泉")))
        plan_id, doc_id = version.plan_id, version.documents[0].id
    assert client.get(f"/plans/{plan_id}").status_code == 404
    assert client.get(f"/plans/{plan_id}/documents/{doc_id}").status_code == 404


def test_notice_window_counts_whole_local_days_and_refuses_the_past(app, db_session):
    from datetime import date

    opens, closes = plans.notice_window(date(2099, 3, 1), date(2099, 3, 30))
    assert opens.isoformat() == "2099-02-28T16:00:00+00:00"
    assert closes - opens == timedelta(days=30)
    with pytest.raises(AppError) as info:
        plans.notice_window(date(2020, 1, 1), date(2020, 3, 1))
    assert info.value.code == "bad_window"


def test_summary_markdown_is_sanitised(demo, client, db_session):
    version = _draft(title="XSS 测试")
    version.summary = (
        '**粗体** <script>alert(1)</script> <a href="javascript:alert(2)" onclick="x()">链接</a>'
    )
    plans.publish(version, opens_at=T0, closes_at=T0 + timedelta(days=3000), actor=None, now=T0)
    db_session.commit()
    html = client.get(f"/plans/{version.plan_id}").get_data(as_text=True)
    assert "<strong>粗体</strong>" in html
    assert "<script>alert(1)" not in html and "javascript:" not in html and "onclick" not in html


def test_list_paginates_and_filters_by_area_keeping_filters_in_links(demo, client, db_session):
    xianan = db_session.scalar(select(Area).where(Area.adcode == "421202"))
    for i in range(22):
        version = _draft(title=f"分页测试规划 {i:02d}")
        version.plan.areas = [xianan] if i % 2 else []
        plans.publish(version, opens_at=T0, closes_at=T0 + timedelta(days=3000), actor=None, now=T0)
    db_session.commit()
    first = client.get("/plans/?q=分页测试").get_data(as_text=True)
    assert first.count("分页测试规划") == 20 and "page=2" in first and "q=" in first
    second = client.get("/plans/?q=分页测试&page=2").get_data(as_text=True)
    assert second.count("分页测试规划") == 2
    in_xianan = client.get("/plans/?q=分页测试&area=421202").get_data(as_text=True)
    assert in_xianan.count("分页测试规划") == 11


def test_frozen_maps_are_cached_and_drafts_are_not(demo, client, db_session):
    from crowdplan.plans.mapping import version_map

    draft = _draft()
    with demo.test_request_context():
        assert version_map(draft) is not version_map(draft)
        plans.publish(draft, opens_at=T0, closes_at=T0 + timedelta(days=3000), actor=None, now=T0)
        first, legend = version_map(draft)
        assert version_map(draft)[0] is first
    with demo.test_request_context(headers={"Cookie": "lang=en"}):
        from flask_babel import refresh

        refresh()  # the outer app context cached the Chinese locale
        assert version_map(draft)[0] is not first  # one entry per language


def test_earlier_versions_stay_viewable(demo, client, db_session):
    first = _draft(title="第一版标题")
    plans.publish(first, opens_at=T0, closes_at=T0 + timedelta(days=3000), actor=None, now=T0)
    second = plans.new_version(first.plan, actor=None)
    plans.update_draft(second, actor=None, title="第二版标题", summary="")
    db_session.commit()
    plan_id = first.plan_id
    assert "第一版标题" in client.get(f"/plans/{plan_id}").get_data(as_text=True)  # v2 is a draft
    assert client.get(f"/plans/{plan_id}?version=2").status_code == 404
    # The page view was committed on another connection: start a fresh transaction before
    # writing (SQLite refuses to turn an older read snapshot into a writer).
    db_session.rollback()
    plans.publish(second, opens_at=T0, closes_at=T0 + timedelta(days=3000), actor=None, now=T0)
    db_session.commit()
    latest = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "第二版标题" in latest and f"/plans/{plan_id}?version=1" in latest
    older = client.get(f"/plans/{plan_id}?version=1").get_data(as_text=True)
    assert "第一版标题" in older and first.fingerprint in older


def test_a_cgcs2000_layer_of_2023_land_use_codes_gets_their_colours(demo, db_session):
    import json

    from crowdplan.geo import maps

    codes = ["0701", "080403", "1401", "16", "城镇村道路用地"]
    fc = feature_collection(
        *(polygon_feature(SQUARE, YDYHFLDM=code) for code in codes), crs="EPSG:4490"
    )
    version = _draft()
    layer = plans.import_layer(
        version, json.dumps(fc).encode(), name="用地用海", style_property="YDYHFLDM"
    )
    db_session.flush()
    classes = layer.style["classes"]
    assert classes["0701"] == {"color": "#ffff2d", "label": "0701 城镇住宅用地"}
    assert classes["080403"] == {"color": "#ff85c9", "label": "080403 教育用地"}  # parent 0804
    assert classes["1401"]["color"] == "#00ff00" and classes["16"]["label"] == "16 留白用地"
    assert classes["城镇村道路用地"]["color"] == "#a3a3a3"
    stored = db_session.scalar(select(func.count()).where(LayerFeature.layer_id == layer.id))
    assert stored == len(codes)
    props = {"YDYHFLDM": "1401"}
    assert maps.style_for(layer.style, props) == {"color": "#00ff00", "label": "1401 公园绿地"}
    # GB 50137-2011 codes keep their table, and numbers are not taken for 2023 codes.
    old = plans.import_layer(
        version,
        _layer_bytes(polygon_feature(SQUARE, landuse="R2")),
        name="旧",
        style_property="landuse",
    )
    assert old.style["classes"]["R2"] == {"color": "#ffff2d", "label": "居住用地"}
    floors = plans.import_layer(
        version,
        _layer_bytes(polygon_feature(SQUARE, floors=12)),
        name="层数",
        style_property="floors",
    )
    assert floors.style["classes"]["12"]["label"] == "12"
