"""Adoption report and open data: every suggestion with its decision; files load in geopandas."""

import io
import re

import geopandas
import pandas
from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.plans.models import PlanVersion

PII = re.compile(r"1[3-9]\d{9}|\d{17}[\dXx]|[\w.+-]+@[\w-]+\.[\w.]+")


def _plan(app, fragment: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(PlanVersion.plan_id).where(PlanVersion.title.contains(fragment))
        )


def test_report_of_the_plan_with_results_lists_every_decision(demo_full, client):
    plan_id = _plan(demo_full, "医疗")
    html = client.get(f"/plans/{plan_id}/report").get_data(as_text=True)
    assert html.count("data-suggestion-id=") == 3
    for decision, reason in (
        ("采纳", "扩大用地"),
        ("部分采纳", "保留原址"),
        ("不属于本规划范围", "停车设施"),
    ):
        assert decision in html and reason in html
    assert 'data-count="received">3<' in html
    plan_page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "你说我做" in plan_page and f'href="/plans/{plan_id}/report"' in plan_page


def test_report_of_a_plan_in_notice_is_for_staff_only(demo_full, client, auth):
    plan_id = _plan(demo_full, "停车场")
    assert client.get(f"/plans/{plan_id}/report").status_code == 404
    assert client.get(f"/plans/{plan_id}/report.csv").status_code == 404
    auth.login_as("planner")
    assert client.get(f"/plans/{plan_id}/report").status_code == 200


def test_csv_and_geojson_round_trip_through_geopandas_without_personal_data(
    demo_full, client, auth
):
    auth.login_as("citizen")
    from tests.suggest_helpers import post_suggestion

    post_suggestion(client, text="联系 13812345678 或 a.b@qq.com，身份证 42010219900307123X")
    auth.logout()
    plan_id = _plan(demo_full, "医疗")
    for url in (f"/plans/{plan_id}/report.geojson", "/api/v1/open/suggestions.geojson"):
        body = client.get(url).data
        frame = geopandas.read_file(io.BytesIO(body))
        assert frame.crs is None or frame.crs.to_epsg() == 4326
        assert len(frame) >= 3 and set(frame.geometry.geom_type) == {"Point"}
        assert PII.search(body.decode()) is None
    report_csv = client.get(f"/plans/{plan_id}/report.csv").data.decode("utf-8-sig")
    table = pandas.read_csv(io.StringIO(report_csv))
    assert sorted(table["decision"]) == ["adopted", "out_of_scope", "partly"]
    open_csv = client.get("/api/v1/open/suggestions.csv").data.decode("utf-8-sig")
    assert PII.search(open_csv) is None and "138****5678" in open_csv
    assert "contact" not in open_csv and "author" not in open_csv


def test_open_data_filters(demo_full, client):
    health = geopandas.read_file(
        io.BytesIO(client.get("/api/v1/open/suggestions.geojson?topic=health").data)
    )
    assert set(health["topic"]) == {"health"} and len(health) == 3
    chibi = pandas.read_csv(
        io.StringIO(client.get("/api/v1/open/suggestions.csv?area=421281").data.decode("utf-8-sig"))
    )
    assert set(chibi["area"].astype(str)) == {"421281"}
