"""Measure the plan page's suggestions map before and after loading 100,000 suggestions.

One run, one machine, so every ratio compares like with like:

1. a fresh demo database (`flask db upgrade` + `flask seed-demo`) in a temporary instance folder;
2. BASELINE: gunicorn (the settings of bench/plan_page.py), headless Chromium opens the plan page
   of the demo plan in notice in N fresh contexts; first render = navigation start until the
   suggestions layer has drawn (the map frame's `data-kind` attribute is set), median of N;
3. LOAD: --count suggestions inserted with raw SQL (SpatiaLite `MakePoint`, executemany, one
   transaction), mostly around the city centre, ~30 % attached to the plan in notice; the
   spatial index (filled by GeoAlchemy2's triggers) must hold one row per suggestion;
4. WITH DATA: a new gunicorn, the same first-render measurement, then one page pans and zooms
   (down to zoom 16 at the centre, where points replace clusters); a MutationObserver installed
   before navigation records the most suggestion markers ever present in the page;
5. LATENCY: wrk (a Lua script reports p95) on the viewport URLs the page itself requested, with
   the plan filter, and on /healthz with the same settings; the table shows both and the ratio.

    .venv/bin/python bench/map_scale.py [--count 100000] [--duration 5] [--json]

Everything listens on and talks to 127.0.0.1 only; Chromium is Debian's (/usr/bin/chromium),
never a downloaded build, and requests to any other host are aborted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

try:
    from bench.plan_page import (
        HOST,
        WARMUP_REQUESTS,
        WORKERS,
        WRK_REPORT_LUA,
        WRK_THREADS,
        BenchError,
        child_env,
        ensure_wrk,
        gunicorn,
        http_status,
        insert_all,
        log,
        plan_in_notice_path,
        prepare_database,
        spatialite,
    )
except ModuleNotFoundError:  # run as a script: bench/ is on sys.path, the repo root is not
    from plan_page import (
        HOST,
        WARMUP_REQUESTS,
        WORKERS,
        WRK_REPORT_LUA,
        WRK_THREADS,
        BenchError,
        child_env,
        ensure_wrk,
        gunicorn,
        http_status,
        insert_all,
        log,
        plan_in_notice_path,
        prepare_database,
        spatialite,
    )

APP_SPEC = "crowdplan:create_app()"
CHROMIUM = os.environ.get("CROWDPLAN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# The same switches as tests/browser/conftest.py: no sandbox in containers, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 1280, "height": 900}  # the browser tests' window, a common laptop size
MAX_MARKERS = 2000  # the promise in static/js/suggestions-layer.js and queries.MAX_MARKERS

CITY_CENTRE = (114.32, 29.84)  # lon, lat: 咸安区, the demo city's centre
CITY_BBOX = (113.6, 29.0, 114.8, 30.2)  # min lon, min lat, max lon, max lat
CENTRE_SD_DEG = 0.05  # about 5 km: a dense urban core
SHARE_AROUND_CENTRE = 0.85  # the rest is spread evenly over the city's bounding box
SHARE_ON_PLAN = 0.30
STANCES = ("support", "oppose", "suggest")
PHRASES = (
    "建议增设公交站",
    "希望增加停车位",
    "这里需要红绿灯",
    "支持修建口袋公园",
    "反对拓宽此路段",
    "建议保留老树",
    "人行道太窄",
    "学校门口拥堵",
    "希望建设健身步道",
    "排水不畅易积水",
)
BATCH_ROWS = 10_000
INSERT_SQL = (
    "INSERT INTO suggestions (created_at, point, is_approximate, topic_id, stance, text, "
    "plan_id, plan_version_id, visibility, support_count, flag_count, status, reopen_count) "
    "VALUES (?, MakePoint(?, ?, 4326), 0, ?, ?, ?, ?, ?, 'published', 0, 0, 'assigned', 0)"
)

# (label, lon, lat, zoom, measured with wrk too): the city at 10 and the centre at 13 show
# clusters; from 15 the layer shows points when the view holds at most 2,000, so 15 at the
# dense centre is the biggest draw and 16 must be points.
MOVES = (
    ("city, zoom 10", 114.20, 29.60, 10, True),
    ("centre, zoom 13", *CITY_CENTRE, 13, True),
    ("centre, zoom 15", *CITY_CENTRE, 15, False),
    ("centre, zoom 16", *CITY_CENTRE, 16, True),
    ("pan east, zoom 16", 114.345, 29.84, 16, False),
    ("zoom out, 12", *CITY_CENTRE, 12, False),
)

# Runs before any page script: counts markers after every DOM change (callbacks are batched per
# microtask, so a draw of 2,000 markers costs one count) and timestamps every draw, which the
# layer signals by setting data-kind on the frame (a same-value write still queues a record).
INIT_SCRIPT = """
(() => {
  const state = { draws: 0, drawTimes: [], markers: 0, maxMarkers: 0, moveStart: 0 };
  window.__bench = state;
  const selector = ".suggestion-cluster, .suggestion-point";
  new MutationObserver((records) => {
    const n = document.querySelectorAll(selector).length;
    state.markers = n;
    state.maxMarkers = Math.max(state.maxMarkers, n);
    for (const r of records) {
      if (r.type === "attributes") {
        state.draws += 1;
        state.drawTimes.push(performance.now());
      }
    }
  }).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-kind"],
  });
})();
"""
MOVE_JS = """
([lon, lat, zoom]) => {
  const frame = document.querySelector("[data-viewport-url]");
  const map = window[frame.dataset.mapVar];
  const state = window.__bench;
  state.moveStart = performance.now();
  const before = state.draws;
  map.setView([lat, lon], zoom, { animate: false });
  return before;
}
"""
AFTER_DRAW_JS = """
() => {
  const frame = document.querySelector("[data-viewport-url]");
  const state = window.__bench;
  const calls = performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/v1/suggestions/viewport"));
  const last = calls[calls.length - 1];
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    kind: frame.dataset.kind,
    markers: Number(frame.dataset.markers),
    dom_markers: state.markers,
    max_markers: state.maxMarkers,
    draw_ms: state.drawTimes[state.drawTimes.length - 1] - state.moveStart,
    first_draw_ms: state.drawTimes[0],
    fetch_ms: last ? last.duration : null,
    bytes: last ? last.encodedBodySize : null,
    url: last ? last.name : null,
    zoom: window[frame.dataset.mapVar].getZoom(),
    html_ms: nav ? nav.responseEnd : null,
    dcl_ms: nav ? nav.domContentLoadedEventEnd : null,
    fetch_start_ms: last ? last.startTime : null,
  };
}
"""
# Rotates through the paths; WRK_REPORT_LUA prints the figures.
WRK_LUA = (
    """\
local paths = { __PATHS__ }
local turn = 0
request = function()
  turn = turn % #paths + 1
  return wrk.format("GET", paths[turn])
end
"""
    + WRK_REPORT_LUA
)
SAFE_PATH = re.compile(r"^/[A-Za-z0-9/?&=,.%_-]*$")  # nothing that could break the Lua literal


@dataclass
class Render:
    """First-render times of one phase, from navigation start to the layer's first draw."""

    samples_ms: list[float]
    wall_ms: list[float]
    median_ms: float
    # Medians of where the time went, all from navigation start except fetch_ms (a duration).
    html_ms: float
    dcl_ms: float
    fetch_start_ms: float
    fetch_ms: float
    kind: str
    markers: int
    max_markers: int
    first_path: str  # the opening view's viewport request, reused for the latency runs


@dataclass
class Move:
    """One setView on the loaded map: what the layer drew and how long it took."""

    label: str
    zoom: int
    kind: str
    markers: int
    dom_markers: int
    draw_ms: float
    fetch_ms: float | None
    bytes: int | None
    path: str


@dataclass
class Load:
    """The bulk insert of suggestions."""

    rows: int
    on_plan: int
    seeded: int  # suggestions the demo seed had already created
    seconds: float
    rows_per_s: float
    table_rows: int
    index_rows: int


@dataclass
class Latency:
    """One wrk run: percentiles in milliseconds over a rotating list of paths."""

    label: str
    paths: list[str]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    requests_per_s: float
    status_errors: int
    socket_errors: int


@dataclass
class Report:
    """Everything one run measured."""

    count: int
    seed: int
    plan_path: str
    samples: int
    duration_s: int
    connections: int
    # Other work on the machine skews every figure; the 1-minute load average says how much.
    loadavg_start: float = field(default_factory=lambda: round(os.getloadavg()[0], 2))
    loadavg_end: float = 0.0
    load: Load | None = None
    baseline: Render | None = None
    loaded: Render | None = None
    moves: list[Move] = field(default_factory=list)
    max_markers: int = 0
    viewport: Latency | None = None
    viewport_each: list[Latency] = field(default_factory=list)
    healthz: Latency | None = None
    page_errors: list[str] = field(default_factory=list)

    @property
    def render_ratio(self) -> float | None:
        """First render with the data over first render without."""
        if not (self.baseline and self.loaded and self.baseline.median_ms):
            return None
        return self.loaded.median_ms / self.baseline.median_ms

    @property
    def latency_ratio(self) -> float | None:
        """Viewport p95 over /healthz p95."""
        if not (self.viewport and self.healthz and self.healthz.p95_ms):
            return None
        return self.viewport.p95_ms / self.healthz.p95_ms

    @property
    def markers_ok(self) -> bool:
        """The page never held more markers than the layer promises."""
        return self.max_markers <= MAX_MARKERS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="suggestions to load")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per run")
    # One connection per worker: p95 then reflects service time rather than queueing behind
    # busy workers, which would inflate both figures alike and say nothing about the query.
    parser.add_argument(
        "--connections", type=int, default=WORKERS, help="wrk open connections (default: workers)"
    )
    parser.add_argument("--samples", type=int, default=5, help="fresh page loads per phase")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed for the points")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds allowed for each setup step, server start and page draw",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if min(args.count, args.duration, args.samples) < 1:
        parser.error("--count, --duration and --samples must be at least 1")
    if args.connections < WRK_THREADS:
        parser.error(f"--connections must be at least {WRK_THREADS} (one per wrk thread)")
    return args


# -- browser ----------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium for the duration of the block."""
    if not os.path.exists(CHROMIUM):
        raise BenchError(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def fresh_page(browser: Browser, errors: list[str], timeout: float) -> Iterator[Page]:
    """A page in a new context (empty cache, like a first visit) with the marker observer."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:

        def only_loopback(route) -> None:
            url = route.request.url
            if (urlsplit(url).hostname or "") in LOOPBACK or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                errors.append(f"external request blocked: {url}")
                route.abort()

        context.route("**/*", only_loopback)
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.set_default_timeout(timeout * 1000)
        yield page
    finally:
        context.close()


def open_plan(page: Page, url: str) -> tuple[float, dict]:
    """Navigate and wait for the first draw; return the wall time and the page's figures."""
    started = time.perf_counter()
    response = page.goto(url, wait_until="commit")
    if response is None or response.status != 200:
        raise BenchError(f"{url} answered {response.status if response else 'nothing'}")
    try:
        page.wait_for_function("() => window.__bench && window.__bench.draws > 0")
    except PlaywrightError as exc:
        raise BenchError(f"the suggestions layer never drew on {url}: {exc}") from exc
    wall_ms = (time.perf_counter() - started) * 1000
    return wall_ms, page.evaluate(AFTER_DRAW_JS)


def measure_render(
    browser: Browser, url: str, samples: int, errors: list[str], timeout: float
) -> Render:
    """First render of the plan page, once per fresh context; the median resists outliers."""
    # One unmeasured visit first: Chromium's own cold start (profile, V8 caches) is not the app's.
    with fresh_page(browser, errors, timeout) as page:
        open_plan(page, url)
    page_ms, wall_ms, pages, max_markers = [], [], [], 0
    for i in range(samples):
        with fresh_page(browser, errors, timeout) as page:
            wall, last = open_plan(page, url)
        pages.append(last)
        # performance.now() counts from the navigation's time origin: the browser's own clock.
        page_ms.append(last["first_draw_ms"])
        wall_ms.append(wall)
        max_markers = max(max_markers, last["max_markers"])
        log(f"render {i + 1}/{samples}: {page_ms[-1]:.0f} ms ({last['kind']}, {last['markers']})")
    return Render(
        samples_ms=[round(v, 1) for v in page_ms],
        wall_ms=[round(v, 1) for v in wall_ms],
        median_ms=round(statistics.median(page_ms), 1),
        html_ms=median_of(pages, "html_ms"),
        dcl_ms=median_of(pages, "dcl_ms"),
        fetch_start_ms=median_of(pages, "fetch_start_ms"),
        fetch_ms=median_of(pages, "fetch_ms"),
        kind=last["kind"],
        markers=last["markers"],
        max_markers=max_markers,
        first_path=path_of(last["url"] or ""),
    )


def median_of(pages: list[dict], key: str) -> float:
    """The median of one figure over the sampled pages (NaN when the browser gave none)."""
    values = [p[key] for p in pages if p.get(key) is not None]
    return round(statistics.median(values), 1) if values else float("nan")


def explore(
    browser: Browser, url: str, errors: list[str], timeout: float
) -> tuple[list[Move], int]:
    """Pan and zoom one page through MOVES, waiting for each redraw; also its marker maximum."""
    moves = []
    with fresh_page(browser, errors, timeout) as page:
        open_plan(page, url)
        for label, lon, lat, zoom, _ in MOVES:
            before = page.evaluate(MOVE_JS, [lon, lat, zoom])
            try:
                page.wait_for_function("n => window.__bench.draws > n", arg=before)
            except PlaywrightError as exc:
                raise BenchError(f"no redraw after moving to {label}: {exc}") from exc
            got = page.evaluate(AFTER_DRAW_JS)
            moves.append(
                Move(
                    label=label,
                    zoom=got["zoom"],
                    kind=got["kind"],
                    markers=got["markers"],
                    dom_markers=got["dom_markers"],
                    draw_ms=round(got["draw_ms"], 1),
                    fetch_ms=None if got["fetch_ms"] is None else round(got["fetch_ms"], 1),
                    bytes=got["bytes"],
                    path=path_of(got["url"] or ""),
                )
            )
            log(f"{label}: {got['kind']} {got['markers']} in {got['draw_ms']:.0f} ms")
    return moves, got["max_markers"]


def path_of(url: str) -> str:
    """The path and query of a URL the page requested."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# -- data -------------------------------------------------------------------------------------


def random_rows(
    count: int, seed: int, topic_ids: list[int], plan_id: int, version_id: int
) -> list[tuple]:
    """Suggestion rows for INSERT_SQL, the same for the same seed."""
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    created = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for i in range(count):
        if rng.random() < SHARE_AROUND_CENTRE:
            # Clamped so the rare far tail still lands inside the city.
            lon = min(max(rng.gauss(CITY_CENTRE[0], CENTRE_SD_DEG), min_lon), max_lon)
            lat = min(max(rng.gauss(CITY_CENTRE[1], CENTRE_SD_DEG), min_lat), max_lat)
        else:
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        on_plan = rng.random() < SHARE_ON_PLAN
        rows.append(
            (
                created,  # UTCDateTime stores naive UTC in SQLAlchemy's SQLite text format
                lon,
                lat,
                rng.choice(topic_ids),
                rng.choice(STANCES),
                f"{rng.choice(PHRASES)}（{i + 1}）",
                plan_id if on_plan else None,
                version_id if on_plan else None,
            )
        )
    return rows


def load_suggestions(database: Path, count: int, seed: int, plan_id: int) -> Load:
    """Insert `count` published suggestions in one transaction and check the spatial index."""
    with spatialite(database) as conn:
        topic_ids = [r[0] for r in conn.execute("SELECT id FROM topics ORDER BY id")]
        version = conn.execute(
            "SELECT id FROM plan_versions WHERE plan_id = ? AND published_at IS NOT NULL "
            "ORDER BY number DESC LIMIT 1",
            (plan_id,),
        ).fetchone()
        if not topic_ids or version is None:
            raise BenchError(f"no topics or no published version of plan {plan_id}")
        rows = random_rows(count, seed, topic_ids, plan_id, version[0])
        before = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
        log(f"inserting {count} suggestions")
        seconds = insert_all(conn, INSERT_SQL, rows, BATCH_ROWS)
        # Fold the big WAL back into the database, as routine checkpoints would have by now,
        # so the server does not start by reading through a 100,000-row log.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        table_rows = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
        index_rows = conn.execute("SELECT count(*) FROM idx_suggestions_point").fetchone()[0]
    if table_rows != before + count:
        raise BenchError(f"expected {before + count} suggestions, the table has {table_rows}")
    if index_rows != table_rows:
        raise BenchError(f"spatial index holds {index_rows} rows for {table_rows} suggestions")
    return Load(
        rows=count,
        on_plan=sum(1 for r in rows if r[6] is not None),
        seeded=before,
        seconds=round(seconds, 3),
        rows_per_s=round(count / seconds, 1),
        table_rows=table_rows,
        index_rows=index_rows,
    )


# -- latency ----------------------------------------------------------------------------------


def run_wrk(
    wrk: str, port: int, label: str, paths: list[str], workdir: Path, args: argparse.Namespace
) -> Latency:
    """Warm each path up, then let wrk rotate through them for --duration seconds."""
    for path in paths:
        if not SAFE_PATH.match(path):
            raise BenchError(f"refusing to put {path!r} into a Lua script")
        statuses = {http_status(port, path, timeout=args.timeout) for _ in range(WARMUP_REQUESTS)}
        if statuses != {200}:
            raise BenchError(f"{path} answered {sorted(statuses, key=str)} while warming up")
    script = workdir / f"wrk-{len(list(workdir.glob('wrk-*.lua')))}.lua"
    script.write_text(WRK_LUA.replace("__PATHS__", ", ".join(f'"{p}"' for p in paths)))
    log(f"wrk {label}: {len(paths)} path(s) for {args.duration}s, {args.connections} connections")
    done = subprocess.run(
        [
            wrk,
            f"-t{WRK_THREADS}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            f"--timeout={max(1, math.ceil(args.timeout))}s",
            "-s",
            str(script),
            f"http://{HOST}:{port}/",
        ],
        capture_output=True,
        text=True,
        timeout=args.duration + args.timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    figures = {k: float(v) for k, v in re.findall(r"^bench (\w+) ([\d.]+)$", done.stdout, re.M)}
    if len(figures) != 7:
        raise BenchError(f"unexpected wrk output:\n{done.stdout}")
    result = Latency(
        label=label,
        paths=paths,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        requests=int(figures["requests"]),
        requests_per_s=round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
        status_errors=int(figures["status_errors"]),
        socket_errors=int(figures["socket_errors"]),
    )
    if result.status_errors or result.socket_errors:
        log(f"warning: {label}: {result.status_errors} bad statuses, {result.socket_errors} socket")
    return result


# -- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Report:
    """Baseline, load, then the same measurements with the data, plus endpoint latency."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="crowdplan-mapbench-") as tmp:
        workdir = Path(tmp)
        instance = workdir / "instance"
        instance.mkdir()
        env = child_env(instance)
        prepare_database(env, args.timeout)
        report = Report(
            count=args.count,
            seed=args.seed,
            plan_path="",
            samples=args.samples,
            duration_s=args.duration,
            connections=args.connections,
        )

        with gunicorn(APP_SPEC, "/healthz", env, workdir, args.timeout) as port:
            report.plan_path = plan_in_notice_path(port)
            url = f"http://{HOST}:{port}{report.plan_path}"
            warm_up(port, report.plan_path)
            log(f"baseline: first render of {report.plan_path} without suggestions")
            with chromium() as browser:
                report.baseline = measure_render(
                    browser, url, args.samples, report.page_errors, args.timeout
                )

        # The server is stopped: the load is the only writer, as an import would be.
        plan_id = int(report.plan_path.rstrip("/").rsplit("/", 1)[1])
        report.load = load_suggestions(
            instance / "crowdplan.sqlite", args.count, args.seed, plan_id
        )
        log(f"loaded {report.load.rows} rows at {report.load.rows_per_s:.0f} rows/s")

        with gunicorn(APP_SPEC, "/healthz", env, workdir, args.timeout) as port:
            url = f"http://{HOST}:{port}{report.plan_path}"
            warm_up(port, report.plan_path)
            log(f"with data: first render of {report.plan_path}")
            with chromium() as browser:
                report.loaded = measure_render(
                    browser, url, args.samples, report.page_errors, args.timeout
                )
                report.moves, explored_max = explore(browser, url, report.page_errors, args.timeout)
            # The observer's maxima, and the layer's own counts in case a draw escaped it.
            report.max_markers = max(
                report.baseline.max_markers,
                report.loaded.max_markers,
                explored_max,
                *(m.markers for m in report.moves),
            )
            # The browser is closed now, so wrk and gunicorn have the CPU to themselves.
            # The page's own requests (with its plan filter): the opening view and the named moves.
            labelled = {report.loaded.first_path: "opening view"}
            for move, spec in zip(report.moves, MOVES, strict=True):
                if spec[4]:
                    labelled.setdefault(move.path, move.label)
            paths = list(labelled)
            report.viewport = run_wrk(wrk, port, "viewport, all views", paths, workdir, args)
            report.viewport_each = [
                run_wrk(wrk, port, f"viewport, {label}", [p], workdir, args)
                for p, label in labelled.items()
            ]
            report.healthz = run_wrk(wrk, port, "healthz", ["/healthz"], workdir, args)
        report.loadavg_end = round(os.getloadavg()[0], 2)
        return report


def warm_up(port: int, path: str) -> None:
    """Let every worker render the page once before the browser measures it."""
    for _ in range(WARMUP_REQUESTS):
        http_status(port, path, timeout=30)


# -- output -----------------------------------------------------------------------------------


def print_table(report: Report) -> None:
    """The human-readable report."""
    load, base, full = report.load, report.baseline, report.loaded
    print(
        f"map_scale: {report.count} suggestions ({load.on_plan} on {report.plan_path}); "
        f"gunicorn {WORKERS} sync workers on {HOST}; headless Chromium "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}; seed {report.seed}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, 1-min load average {report.loadavg_start} at start, "
        f"{report.loadavg_end} at end"
    )
    print(
        f"load: {load.rows} rows in {load.seconds:.2f} s = {load.rows_per_s:.0f} rows/s; "
        f"spatial index rows {load.index_rows} = table rows {load.table_rows} "
        f"({load.seeded} from the demo seed)"
    )
    print()
    # The demo seed may create a few suggestions of its own: the baseline is "seed only".
    before, after = f"seed only ({load.seeded})", f"+ {report.count}"
    print(f"{'figure':<40} {before:>15} {after:>15} {'ratio':>8}")
    ratio = report.render_ratio
    print(
        f"{f'first render ms (median of {report.samples})':<40} {base.median_ms:>15.1f} "
        f"{full.median_ms:>15.1f} {ratio if ratio is not None else float('nan'):>8.2f}"
    )
    for label, key in (
        ("  HTML received (responseEnd)", "html_ms"),
        ("  DOMContentLoaded end", "dcl_ms"),
        ("  viewport fetch starts", "fetch_start_ms"),
        ("  viewport fetch duration", "fetch_ms"),
    ):
        a, b = getattr(base, key), getattr(full, key)
        print(f"{label:<40} {a:>15.1f} {b:>15.1f} {b / a if a else float('nan'):>8.2f}")
    print(
        f"{'first view drawn':<40} {base.kind + ' ' + str(base.markers):>15} "
        f"{full.kind + ' ' + str(full.markers):>15}"
    )
    verdict = "ok" if report.markers_ok else "EXCEEDED"
    print(
        f"{'max markers ever in page':<40} {base.max_markers:>15} {report.max_markers:>15} "
        f"{'<= ' + str(MAX_MARKERS) + ' ' + verdict:>8}"
    )
    print()
    print(f"renders ms, seed only: {base.samples_ms}; with the load: {full.samples_ms}")
    print()
    print(f"{'map move':<22} {'kind':<9} {'markers':>8} {'draw ms':>9} {'fetch ms':>9} {'KB':>7}")
    for m in report.moves:
        kb = f"{m.bytes / 1024:.1f}" if m.bytes is not None else "-"
        fetch = f"{m.fetch_ms:.1f}" if m.fetch_ms is not None else "-"
        print(f"{m.label:<22} {m.kind:<9} {m.markers:>8} {m.draw_ms:>9.1f} {fetch:>9} {kb:>7}")
    print()
    print(
        f"wrk -t{WRK_THREADS} -c{report.connections} -d{report.duration_s}s "
        "(Lua done() reports p95), same settings for every row"
    )
    print(f"{'endpoint':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'err':>5}")
    for r in (report.viewport, *report.viewport_each, report.healthz):
        errors = r.status_errors + r.socket_errors
        print(
            f"{r.label:<32} {r.p50_ms:>8.2f} {r.p95_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.requests_per_s:>8.1f} {errors:>5}"
        )
    lat = report.latency_ratio
    print(
        f"viewport p95 / healthz p95: {report.viewport.p95_ms:.2f} / {report.healthz.p95_ms:.2f}"
        f" ms = {lat:.1f}"
        if lat is not None
        else "viewport p95 / healthz p95: n/a"
    )
    if report.page_errors:
        print()
        print(f"page errors ({len(report.page_errors)}):")
        for line in report.page_errors[:20]:
            print(f"  {line}")


def as_json(report: Report) -> str:
    """The machine-readable report."""
    data = asdict(report)
    data.update(
        workers=WORKERS,
        threads=WRK_THREADS,
        max_markers_limit=MAX_MARKERS,
        markers_ok=report.markers_ok,
        render_ratio=report.render_ratio,
        viewport_over_healthz_p95=report.latency_ratio,
    )
    return json.dumps(data, indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and print the table or JSON."""
    args = parse_args(argv)
    # A plain SIGTERM would skip the finally blocks and leave gunicorn or Chromium behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        report = run(args)
    except (BenchError, subprocess.SubprocessError, sqlite3.Error, PlaywrightError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(as_json(report))
    else:
        print_table(report)
    # A broken promise is a failed benchmark, but the figures above still say by how much.
    return 0 if report.markers_ok else 2


if __name__ == "__main__":
    sys.exit(main())
