"""The home page with the city map, the language switch and health endpoints."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    url_for,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crowdplan.core import operations
from crowdplan.extensions import db
from crowdplan.geo import maps, spatial
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.i18n import LANG_COOKIE
from crowdplan.redirects import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """The city on a map: county outlines with their names."""
    areas = operations.list_current_areas()
    m = maps.base_map(tiles())
    maps.add_area_outlines(m, operations.areas_for_map(areas))
    maps.fit_to(m, operations.bounds_of(areas))
    return render_template("main/home.html", city_map=embed_map(m), areas=areas)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and remember it for a year."""
    response = make_response(redirect(safe_next(url_for("main.home"))))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )  # fmt: skip
    return response


@bp.get("/healthz")
def healthz():
    """The process is up (no database call: for liveness probes)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers; names the backend."""
    backend = spatial.backend_name(db.engine)
    try:
        db.session.execute(text("SELECT 1"))
        version = spatial.spatial_version(db.session)
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", backend=backend), 503
    return jsonify(status="ok", backend=backend, spatial_version=version)
