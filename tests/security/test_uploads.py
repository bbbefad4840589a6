"""Uploads (issue 8 item 6) through the real forms: polyglots, oversize files (bytes and pixels)
and mislabelled files are refused with a clear 4xx and nothing stored; what is stored has a
random name outside static/ and is served with Content-Disposition and nosniff."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from crowdplan.extensions import db
from crowdplan.plans.models import Document
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.photos import MAX_PHOTO_BYTES
from tests.conftest import csrf_from
from tests.security.world import MIN_PDF, jpeg
from tests.suggest_helpers import CITY_CENTRE

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _png(size, mode="1") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 0).save(buf, "PNG")
    return buf.getvalue()


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, "GIF")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe")
    return buf.getvalue()


def _svg_in_png() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


# name, bytes, content type (the client's claim), expected status
BAD_PHOTOS = {
    "jpeg + html appended": ("a.jpg", lambda: jpeg() + HTML, "image/jpeg", 415),
    "jpeg + svg handler appended": (
        "a.jpg", lambda: jpeg() + b'<svg width="1" onload="x()">', "image/jpeg", 415,
    ),
    "gifar (gif + jar)": ("a.gif", lambda: _gif() + _zip(), "image/gif", 415),
    "jpeg + jar (jpgar)": ("a.jpg", lambda: jpeg() + _zip(), "image/jpeg", 415),
    "html in a png text chunk": ("a.png", lambda: _png_with_text(HTML), "image/png", 415),
    "oversize bytes": (
        "big.jpg", lambda: jpeg() + b"\0" * (MAX_PHOTO_BYTES + 1), "image/jpeg", 413,
    ),
    "decompression bomb (100 Mpx png)": ("bomb.png", lambda: _png((10_000, 10_000)), "image/png",
                                         413),
    "pdf named .jpg": ("scan.jpg", lambda: MIN_PDF, "image/jpeg", 415),
    "html named .png": ("pic.png", lambda: HTML, "image/png", 415),
    "svg named .png": ("pic.png", _svg_in_png, "image/png", 415),
    "zip named .jpg, content type lies": ("x.jpg", _zip, "image/jpeg", 415),
}  # fmt: skip


def _post_multipart(client, path: str, data: dict):
    """POST multipart through the test client, closing the encoded body afterwards: above
    500 KB werkzeug spools it to a temporary file that its client never closes."""
    builder = EnvironBuilder(path=path, method="POST", data=data)
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def post_suggestion(client, *, photos):
    """The report form, filled in as a signed-in citizen would, with these photos."""
    with client.get("/report") as page:
        html = page.get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(html),
        "started": html.split('name="started" type="hidden" value="')[1].split('"')[0],
        "lon": str(CITY_CENTRE[0]),
        "lat": str(CITY_CENTRE[1]),
        "topic": "parking",
        "stance": "suggest",
        "text": "这里需要更多停车位。",
        "photos": [(io.BytesIO(raw), name) for raw, name in photos],
    }
    return _post_multipart(client, "/suggestions/new", data)


def _png_with_text(text: bytes) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text.decode())
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def _stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in root.rglob("*") if p.is_file())


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("case", BAD_PHOTOS.keys())
def test_bad_photos_are_refused_and_nothing_is_stored(app, world, client, auth, case):
    name, make, content_type, status = BAD_PHOTOS[case]
    auth.login_as("citizen")
    files, rows = _stored_files(app), _count(app, Suggestion)
    data = make()
    response = post_suggestion(client, photos=[(data, name)])
    with response:
        assert response.status_code == status, case
        body = response.get_data(as_text=True)
    assert re.search(r"照片|图片|上传", body), "the refusal says what was wrong, in Chinese"
    assert _stored_files(app) == files
    assert _count(app, Suggestion) == rows


def test_a_good_photo_is_stored_at_random_outside_static_and_served_safely(
    app, world, client, auth
):
    auth.login_as("citizen")
    before = set(_stored_files(app))
    with post_suggestion(client, photos=[(jpeg(), "我的照片.jpg")]) as response:
        assert response.status_code == 302
    new = sorted(set(_stored_files(app)) - before)
    assert len(new) == 2  # the photo and its thumbnail
    static = Path(app.static_folder).resolve()
    for path in new:
        assert re.fullmatch(r"[0-9a-f]{32}(_t)?\.jpg", path.name)
        assert static not in path.resolve().parents
        with client.get(f"/suggestions/photos/{path.name}") as served:
            assert served.status_code == 200
            assert served.mimetype == "image/jpeg"
            assert served.headers["X-Content-Type-Options"] == "nosniff"
            assert served.headers["Content-Disposition"].startswith("inline")


# --- plan documents (planners) --------------------------------------------------------------

BAD_DOCUMENTS = {
    "html named .pdf": ("plan.pdf", HTML, 415),
    "pdf named .jpg": ("plan.jpg", MIN_PDF, 415),
    "pdf with javascript": (
        "plan.pdf", MIN_PDF.replace(b"<<>>", b"<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>",
                                    1), 415,
    ),
    "pdf + html polyglot": ("plan.pdf", MIN_PDF + HTML, 415),
    "pdf with an embedded file": ("plan.pdf", MIN_PDF.replace(b"<<>>", b"<</EmbeddedFile 2 0 R>>"),
                                  415),
    "jpeg named .pdf": ("plan.pdf", jpeg(), 415),
}  # fmt: skip


def _upload_document(client, plan_id: int, name: str, data: bytes):
    with client.get(f"/staff/plans/{plan_id}") as page:
        token = csrf_from(page.get_data(as_text=True))
    return _post_multipart(
        client,
        f"/staff/plans/{plan_id}/documents",
        {"csrf_token": token, "file": (io.BytesIO(data), name)},
    )


def _draft_of_department_a(app) -> int:
    from crowdplan.core.operations import get_department_by_code
    from crowdplan.plans.models import Plan

    with app.app_context():
        dept = get_department_by_code("city-plan")
        plans = db.session.scalars(select(Plan).where(Plan.department_id == dept.id)).all()
        return next(p.id for p in plans if p.public_version is None)


@pytest.mark.parametrize("case", BAD_DOCUMENTS.keys())
def test_bad_documents_are_refused_and_nothing_is_stored(app, world, client, auth, case):
    name, data, status = BAD_DOCUMENTS[case]
    auth.login_as("planner")
    plan_id = _draft_of_department_a(app)
    files, rows = _stored_files(app), _count(app, Document)
    with _upload_document(client, plan_id, name, data) as response:
        assert response.status_code == status, case
        assert "PDF" in response.get_data(as_text=True)
    assert _stored_files(app) == files
    assert _count(app, Document) == rows


def test_an_oversize_request_is_refused_before_it_is_read(app, world, client, auth):
    auth.login_as("planner")
    plan_id = _draft_of_department_a(app)
    files = _stored_files(app)
    data = MIN_PDF + b"0" * app.config["MAX_CONTENT_LENGTH"]
    with _upload_document(client, plan_id, "big.pdf", data) as response:
        assert response.status_code == 413
    assert _stored_files(app) == files


def test_a_good_document_is_served_as_an_attachment_with_nosniff(app, world, client):
    with client.get(f"/plans/{world.plan_b}/documents/{world.doc_b}") as served:
        assert served.status_code == 200
        assert served.mimetype == "application/pdf"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Disposition"].startswith("attachment")
    with app.app_context():
        stored = db.session.get(Document, world.doc_b).stored_name
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored)
    path = Path(app.config["UPLOAD_FOLDER"]) / "documents" / stored
    assert path.is_file() and Path(app.static_folder).resolve() not in path.resolve().parents
