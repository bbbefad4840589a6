"""Regenerate the README's screenshots (docs/*.png) from a fresh demo city.

    .venv/bin/python scripts/screenshots.py [PAGE ...]     (default: every page below)

The app runs on a throwaway SpatiaLite instance with no basemap tiles (offline), served on a
loopback port; Debian's Chromium takes the pictures and any request to another host is aborted.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# name: (path, viewport width, height, full page)
PAGES = {
    "stats": ("/stats", 1280, 900, True),
    "display": ("/display", 1920, 1080, False),
}


def main(names: list[str]) -> int:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    instance = Path(tempfile.mkdtemp(prefix="crowdplan-shots-"))
    os.environ.update(CROWDPLAN_INSTANCE=str(instance), CROWDPLAN_TILES="none")
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from crowdplan import create_app
    from crowdplan.demo.seed import seed_demo
    from crowdplan.extensions import db

    DevelopmentConfig.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'crowdplan.sqlite'}"
    app = create_app(DevelopmentConfig, CROWDPLAN_TILES="none", STATS_CACHE_SECONDS=0)
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    chromium = os.environ.get("CROWDPLAN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for name in names or PAGES:
                path, width, height, full = PAGES[name]
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(base) else route.abort()
                    ),
                )
                page.goto(base + path, wait_until="networkidle")
                time.sleep(1.0)  # map tiles are off; let Leaflet finish fitting the view
                out = ROOT / "docs" / f"{name}.png"
                page.screenshot(path=str(out), full_page=full)
                print(f"wrote {out.relative_to(ROOT)}")
                page.close()
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
