"""Serve third-party browser assets from installed pip packages: no page uses a CDN."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# name in URLs -> module whose BASE_DIR holds the files (XStatic packages) or a folder
_PACKAGES = {
    "leaflet": "xstatic.pkg.leaflet",
    "markercluster": "xstatic.pkg.leaflet_markercluster",
}


def _package_dir(name: str) -> Path | None:
    if name == "folium":
        import folium

        return Path(folium.__file__).parent / "templates"
    module_name = _PACKAGES.get(name)
    if module_name is None:
        return None
    return Path(importlib.import_module(module_name).BASE_DIR)


@bp.get("/<name>/<path:filename>")
def asset(name: str, filename: str):
    """One file of a vendored package, cached for a day."""
    folder = _package_dir(name)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)
