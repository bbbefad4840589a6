"""The viewport endpoint (clusters and points through the spatial index), photos, XSS output."""

import io
import re

import pytest
from geoalchemy2.shape import from_shape
from PIL import Image
from shapely.geometry import Point
from sqlalchemy import select

from crowdplan.core.models import Topic
from crowdplan.extensions import db
from crowdplan.suggestions import queries
from crowdplan.suggestions.models import Suggestion, Visibility
from tests.suggest_helpers import post_similar, post_suggestion

CITY = "113.6,29.0,114.8,30.2"


def _bulk(app, points, *, visibility=Visibility.PUBLISHED, stance="support"):
    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.code == "parking"))
        for lon, lat in points:
            db.session.add(
                Suggestion(
                    point=from_shape(Point(lon, lat), srid=4326),
                    topic=topic,
                    stance=stance,
                    text="批量测试意见",
                    visibility=visibility,
                )
            )
        db.session.commit()


def test_low_zoom_gives_clusters_that_add_up(demo, client):
    _bulk(demo, [(114.30 + i * 0.0005, 29.84) for i in range(40)])
    _bulk(demo, [(113.90, 29.95)] * 5, stance="oppose")
    _bulk(demo, [(114.31, 29.84)] * 3, visibility=Visibility.REVIEW)  # never counted
    data = client.get(f"/api/v1/suggestions/viewport?bbox={CITY}&zoom=9").json
    assert data["kind"] == "clusters"
    assert sum(f["properties"]["count"] for f in data["features"]) == 45
    assert sum(f["properties"]["stances"]["oppose"] for f in data["features"]) == 5
    assert len(data["features"]) < 45


def test_high_zoom_gives_points_inside_the_box_only(demo, client):
    _bulk(demo, [(114.3200, 29.8400), (114.3210, 29.8405), (114.40, 29.90)])
    bbox = "114.315,29.835,114.325,29.845"
    data = client.get(f"/api/v1/suggestions/viewport?bbox={bbox}&zoom=16").json
    assert data["kind"] == "points" and len(data["features"]) == 2
    assert {f["properties"]["stance"] for f in data["features"]} == {"support"}


def test_dense_high_zoom_falls_back_to_clusters(demo, client, monkeypatch):
    monkeypatch.setattr(queries, "MAX_MARKERS", 10)
    _bulk(demo, [(114.3200 + i * 0.00001, 29.8400) for i in range(25)])
    data = client.get(
        "/api/v1/suggestions/viewport?bbox=114.315,29.835,114.325,29.845&zoom=16"
    ).json
    assert data["kind"] == "clusters" and len(data["features"]) <= 10


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3&zoom=5",
        "bbox=a,b,c,d&zoom=5",
        "bbox=114,29,113,30&zoom=5",
        f"bbox={CITY}&zoom=99",
        f"bbox={CITY}",
        "bbox=nan,1,2,3&zoom=3",
    ],
)
def test_bad_viewport_requests_get_a_json_400(app, client, query):
    response = client.get(f"/api/v1/suggestions/viewport?{query}")
    assert response.status_code == 400 and response.json["error"]["message"]


def test_viewport_filters_by_plan_and_stance(demo, client, auth):
    from tests.suggest_helpers import plan_in_notice

    auth.login_as("citizen")
    plan_id = plan_in_notice(demo)
    post_suggestion(client, plan_id=plan_id, stance="oppose")
    post_suggestion(client, lon=114.33, lat=29.85, stance="support")
    on_plan = client.get(f"/api/v1/suggestions/viewport?bbox={CITY}&zoom=9&plan={plan_id}").json
    assert sum(f["properties"]["count"] for f in on_plan["features"]) == 1
    supports = client.get(f"/api/v1/suggestions/viewport?bbox={CITY}&zoom=9&stance=support").json
    assert sum(f["properties"]["count"] for f in supports["features"]) == 1


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "orange")
    exif = img.getexif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (29.0, 50.0, 24.0), 3: "E", 4: (114.0, 19.0, 12.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_served_without_exif_and_only_when_public(demo, client, auth, app):
    raw = _jpeg_with_gps()
    assert b"Exif" in raw and b"TestCam" in raw
    auth.login_as("citizen")
    location = post_suggestion(client, photos=[(raw, "<script>x.jpg")]).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    photo_urls = re.findall(r"/suggestions/photos/[0-9a-f]{32}(?:_t)?\.jpg", page)
    assert len(photo_urls) == 2 and "<script>x.jpg" not in page
    for url in photo_urls:
        with client.get(url) as response:
            assert response.status_code == 200 and response.mimetype == "image/jpeg"
            assert b"Exif" not in response.data and b"TestCam" not in response.data
            with Image.open(io.BytesIO(response.data)) as img:
                assert not img.getexif()
    with app.app_context():
        db.session.scalars(select(Suggestion)).one().visibility = Visibility.HIDDEN
        db.session.commit()
    auth.logout()
    assert client.get(photo_urls[0]).status_code == 404
    assert client.get("/suggestions/photos/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_bad_photo_is_refused_and_nothing_is_stored(demo, client, auth, app):
    auth.login_as("citizen")
    response = post_suggestion(client, photos=[(b"GIF89a" + b"\0" * 64, "x.jpg")])
    assert response.status_code == 415
    with app.app_context():
        assert db.session.scalars(select(Suggestion)).all() == []


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"


def test_text_and_names_are_escaped_in_html_and_json(demo, client, auth):
    auth.login_as("citizen")
    location = post_suggestion(client, text="停车难 " + XSS, display_name=XSS).headers["Location"]
    for page in (
        client.get(location).get_data(as_text=True),
        client.get("/suggestions").get_data(as_text=True),
    ):
        assert (
            "<script>alert(1)" not in page
            and "<img src=x" not in page
            and "<svg onload" not in page
        )
    similar = post_similar(client, "停车难").get_data(as_text=True)
    assert "<script>" not in similar  # JSON escapes < as \u003c


def test_a_lone_suggestion_in_a_cluster_cell_carries_its_id_and_stance(demo, client):
    _bulk(demo, [(114.32, 29.84)], stance="oppose")
    data = client.get(f"/api/v1/suggestions/viewport?bbox={CITY}&zoom=9").json
    [feature] = data["features"]
    assert feature["properties"]["count"] == 1 and feature["properties"]["stance"] == "oppose"
    assert isinstance(feature["properties"]["id"], int)
