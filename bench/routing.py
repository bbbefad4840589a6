"""Route random points through the routing engine against a bare point-in-polygon loop.

One run, one process, one thread, so every ratio compares like with like on this machine:

1. for each backend (SpatiaLite in a temporary file, PostGIS in a throwaway database on
   127.0.0.1, dropped at the end): create the database, run the migrations, seed the demo
   (six counties, departments, topics, demo routing rules);
2. random points (seeded) in the city's bounding box, kept only when shapely says they lie in a
   county, so routing always has an area; each point gets a random demo topic;
3. scenario A, the six counties: time `engine.route(lon, lat, topic_id=...)` over every point
   inside one app context, then the bare loops over the SAME polygons read back from the
   database: (1) naive, every prepared polygon tested per point; (2) shapely STRtree bounding-box
   query, then prepared `contains_xy` on the candidates. Both find every containing polygon,
   as the engine's query does;
4. scenario B: the same, after loading --cells generated small polygons (Voronoi cells of seeded
   random sites over the bounding box, adcodes G00001...) through
   `crowdplan.core.operations.load_areas` in one transaction, so each point also lies in a cell;
5. cProfile of route() over a few hundred points of one scenario: where the time goes.

    .venv/bin/python bench/routing.py [--points 2000] [--cells 10000] [--seed 42] [--json]

On PostGIS the spatial work happens in the server process, so "one core" means one client
thread; the client CPU column says how much of the wall time this process itself spent.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPoint, Polygon, box

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run as a script, only bench/ is on sys.path; the app and config live at the repo root.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from geoalchemy2.shape import to_shape  # noqa: E402

from bench.plan_page import BenchError, log  # noqa: E402
from config import TestingConfig  # noqa: E402
from crowdplan import create_app  # noqa: E402
from crowdplan.core.models import Area, Topic  # noqa: E402
from crowdplan.core.operations import load_areas  # noqa: E402
from crowdplan.demo.seed import seed_demo  # noqa: E402
from crowdplan.extensions import db  # noqa: E402
from crowdplan.geo.validate import CheckedFeature  # noqa: E402
from crowdplan.routing import engine  # noqa: E402

BACKENDS = ("spatialite", "postgis")
SCENARIOS = {"A": "six counties", "B": "counties + cells"}
CITY_BBOX = (113.6, 29.0, 114.8, 30.2)  # min lon, min lat, max lon, max lat (as map_scale.py)
POSTGRES_URL = os.environ.get(
    "CROWDPLAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WARMUP_POINTS = 20  # compile SQL, fill the statement caches and load the rules before timing
PROFILE_POINTS = 300  # enough calls for stable shares, few enough to keep the run short
PROFILE_TOP = 10


@dataclass
class Measure:
    """One backend and scenario: routing and both bare loops over the same points and polygons."""

    backend: str
    scenario: str
    polygons: int
    points: int
    route_s: float
    route_per_s: float
    route_p50_ms: float
    route_p99_ms: float
    client_cpu_percent: float
    naive_s: float
    naive_per_s: float
    strtree_s: float
    strtree_per_s: float
    route_over_naive: float
    route_over_strtree: float
    ruled: int  # points a rule decided (the rest went to the fallback department)
    several_areas: int
    near_boundary: int
    mismatches: int  # route's area or several_areas flag disagrees with the bare loop


@dataclass
class Backend:
    """What one backend's run set up, measured and checked."""

    name: str
    version: str
    loadavg_start: float = 0.0  # 1-min load average: another process's work shows up here
    loadavg_end: float = 0.0
    candidates: int = 0
    points: int = 0
    cells_loaded: int = 0
    cells_load_s: float = 0.0
    measures: list[Measure] = field(default_factory=list)


@dataclass
class ProfileRow:
    """One function of the cProfile report."""

    function: str
    ncalls: int
    tottime_s: float
    cumtime_s: float


@dataclass
class Profile:
    """Where route()'s time went for one backend and scenario."""

    backend: str
    scenario: str
    points: int
    seconds: float
    shares: dict[str, float]  # percent of the profiled time, by part of route()
    top: list[ProfileRow]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--points",
        type=int,
        default=2000,
        help="random points drawn in the bounding box (those outside every county are dropped)",
    )
    parser.add_argument("--cells", type=int, default=10_000, help="generated polygons (B)")
    parser.add_argument("--seed", type=int, default=42, help="random seed for points and cells")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated subset of: " + ", ".join(BACKENDS),
    )
    parser.add_argument(
        "--profile",
        default="spatialite:B",
        help="BACKEND:SCENARIO whose route() calls cProfile breaks down, or 'none'",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.points < 1 or args.cells < 1:
        parser.error("--points and --cells must be at least 1")
    if args.cells > 99_999:
        parser.error("--cells must fit the five digits of the adcodes G00001...")
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not args.backends or set(args.backends) - set(BACKENDS):
        parser.error(f"--backends must name some of {', '.join(BACKENDS)}")
    if args.profile != "none":
        backend, _, scenario = args.profile.partition(":")
        if backend not in args.backends or scenario not in SCENARIOS:
            parser.error("--profile must be none or BACKEND:SCENARIO of a measured backend")
    return args


# -- databases --------------------------------------------------------------------------------


@contextmanager
def postgis_database() -> Iterator[str]:
    """A throwaway PostGIS database on loopback (as tests/conftest.make_database); dropped."""
    admin_url = sa.make_url(POSTGRES_URL)
    if admin_url.host not in LOOPBACK:
        raise BenchError(f"refusing a PostgreSQL server off loopback: {admin_url.host}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"crowdplan_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin.url.set(database=name)
            engine_ = sa.create_engine(url)
            try:
                with engine_.begin() as conn:
                    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            finally:
                engine_.dispose()
            yield url.render_as_string(hide_password=False)
        finally:
            # FORCE: a connection the app left open must not keep the database alive.
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            log(f"dropped database {name}")
    except sa.exc.OperationalError as exc:
        raise BenchError(f"PostgreSQL at {admin_url.host}: {str(exc).splitlines()[0]}") from exc
    finally:
        admin.dispose()


@contextmanager
def bench_app(backend: str, workdir: Path) -> Iterator[Flask]:
    """The app on a fresh, migrated, demo-seeded database of one kind; removed afterwards."""
    folder = workdir / backend
    folder.mkdir()
    with postgis_database() if backend == "postgis" else sqlite_database(folder) as url:
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=url,
            UPLOAD_FOLDER=str(folder / "uploads"),
            MAIL_OUTBOX=str(folder / "outbox"),
        )
        try:
            with app.app_context():
                log(f"{backend}: migrate and seed the demo")
                upgrade()
                seed_demo(with_suggestions=False)
                db.session.commit()
            yield app
        finally:
            # Closed before the DROP, so PostgreSQL has no session of ours left to terminate.
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    """A SpatiaLite file in the run's temporary folder (removed with it)."""
    yield f"sqlite:///{folder / 'crowdplan.sqlite'}"


def database_version() -> str:
    """The database and spatial extension versions, for the report."""
    if db.engine.dialect.name == "sqlite":
        row = db.session.execute(sa.text("SELECT sqlite_version(), spatialite_version()")).one()
        return f"SQLite {row[0]}, SpatiaLite {row[1]}"
    row = db.session.execute(
        sa.text("SELECT current_setting('server_version'), postgis_lib_version()")
    ).one()
    return f"PostgreSQL {row[0]}, PostGIS {row[1]}"


# -- data -------------------------------------------------------------------------------------


def current_polygons() -> list[tuple[str, shapely.Geometry]]:
    """Every area in force, as the engine sees them: (adcode, shape), read back from the DB."""
    rows = db.session.execute(
        sa.select(Area.adcode, Area.geom).where(Area.valid_to.is_(None)).order_by(Area.id)
    )
    return [(adcode, to_shape(geom)) for adcode, geom in rows]


def random_points(
    counties: list[shapely.Geometry], count: int, seed: int, topic_ids: list[int]
) -> list[tuple[float, float, int]]:
    """(lon, lat, topic_id) drawn in the bounding box, kept only inside a county."""
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    county_union = shapely.union_all(counties)
    shapely.prepare(county_union)
    points = []
    for _ in range(count):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        # The topic is drawn for every candidate, so the kept points do not shift with it.
        topic_id = rng.choice(topic_ids)
        if shapely.contains_xy(county_union, lon, lat):
            points.append((lon, lat, topic_id))
    return points


def voronoi_cells(count: int, seed: int) -> list[Polygon]:
    """`count` convex cells of irregular size tiling the bounding box, like village outlines."""
    rng = random.Random(seed + 1)  # not the points' stream: cells and points stay independent
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    frame = box(*CITY_BBOX)
    sites = MultiPoint(
        [(rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)) for _ in range(count)]
    )
    cells = shapely.voronoi_polygons(sites, extend_to=frame)
    # Rounded to 1e-6 degrees like the county file, so both backends store identical vertices.
    clipped = [shapely.set_precision(cell.intersection(frame), 1e-6) for cell in cells.geoms]
    if len(clipped) != count or not all(c.is_valid and c.geom_type == "Polygon" for c in clipped):
        raise BenchError(f"expected {count} valid Voronoi polygons, got {len(clipped)}")
    return clipped


def load_cells(cells: list[Polygon]) -> float:
    """Load the cells through the app's own load_areas, in one transaction; return seconds."""
    features = [
        CheckedFeature(
            index=i,
            properties={"adcode": f"G{i + 1:05d}", "name": f"网格 {i + 1}", "kind": "cell"},
            geometry=cell,
        )
        for i, cell in enumerate(cells)
    ]
    started = time.perf_counter()
    try:
        report = load_areas(features)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    seconds = time.perf_counter() - started
    if report.created != len(cells):
        raise BenchError(f"load_areas created {report.created} areas for {len(cells)} cells")
    if db.engine.dialect.name == "postgresql":
        # What autovacuum's analyze does within a minute or so: without statistics the planner
        # guesses the table's size, and the figures would depend on when autovacuum ran.
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE areas"))
            conn.commit()
    return seconds


# -- measurements -----------------------------------------------------------------------------


def route_all(points: list[tuple[float, float, int]]) -> tuple[list[engine.Route], list[float]]:
    """engine.route() for every point in turn; the results and each call's seconds."""
    results, durations = [], []
    clock = time.perf_counter
    for lon, lat, topic_id in points:
        started = clock()
        results.append(engine.route(lon, lat, topic_id=topic_id))
        durations.append(clock() - started)
    return results, durations


def bare_naive(
    polygons: np.ndarray, points: list[tuple[float, float, int]]
) -> tuple[float, list[list[int]]]:
    """Every prepared polygon tested for every point, no index; seconds and hits per point."""
    # One vectorised call per point: the loop over polygons runs in GEOS, not the interpreter.
    # A Python-level loop costs ~5 us of interpreter per polygon (50 ms a point at 10,000
    # polygons) and would measure CPython rather than point-in-polygon.
    contains_xy, flatnonzero = shapely.contains_xy, np.flatnonzero
    hits = []
    started = time.perf_counter()
    for lon, lat, _topic in points:
        hits.append(flatnonzero(contains_xy(polygons, lon, lat)).tolist())
    return time.perf_counter() - started, hits


def bare_strtree(
    polygons: np.ndarray, points: list[tuple[float, float, int]]
) -> tuple[float, list[list[int]]]:
    """STRtree bounding-box candidates, then prepared contains; seconds and hits per point."""
    tree = shapely.STRtree(polygons)  # built once, as the engine's spatial index is
    contains_xy, point = shapely.contains_xy, shapely.Point
    hits = []
    started = time.perf_counter()
    for lon, lat, _topic in points:
        # Candidates tested on the prepared polygons (indexed edges), not through the tree's
        # predicate, which prepares the point and walks every edge of a county outline.
        candidates = tree.query(point(lon, lat))
        found = candidates[contains_xy(polygons[candidates], lon, lat)]
        hits.append(sorted(found.tolist()))
    return time.perf_counter() - started, hits


def check_routes(
    results: list[engine.Route], hits: list[list[int]], adcodes: list[str]
) -> tuple[int, int, int, int]:
    """Rule-decided, several_areas and near_boundary counts, and disagreements with shapely."""
    ruled = several = near = mismatches = 0
    for result, found in zip(results, hits, strict=True):
        ruled += result.rule is not None
        several += "several_areas" in result.flags
        near += "near_boundary" in result.flags
        area_ok = result.area is not None and result.area.adcode in {adcodes[i] for i in found}
        flag_ok = ("several_areas" in result.flags) == (len(found) > 1)
        mismatches += not (area_ok and flag_ok and "no_area" not in result.flags)
    return ruled, several, near, mismatches


def measure(backend: str, scenario: str, points: list[tuple[float, float, int]]) -> Measure:
    """Time routing and both bare loops for the areas now in the database."""
    polygons = current_polygons()
    shapes = np.array([shape for _adcode, shape in polygons], dtype=object)
    adcodes = [adcode for adcode, _shape in polygons]
    # Prepared once up front: a bare loop that re-prepared per point would be a straw man.
    shapely.prepare(shapes)

    route_all(points[:WARMUP_POINTS])
    log(f"{backend} {scenario}: routing {len(points)} points over {len(shapes)} polygons")
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    results, durations = route_all(points)
    wall = time.perf_counter() - wall_started
    cpu = time.process_time() - cpu_started
    db.session.rollback()  # end the read transaction the loop held open

    log(f"{backend} {scenario}: bare loops")
    naive_s, naive_hits = bare_naive(shapes, points)
    strtree_s, strtree_hits = bare_strtree(shapes, points)
    if naive_hits != strtree_hits:
        raise BenchError(f"{backend} {scenario}: the two bare loops disagree")
    ruled, several, near, mismatches = check_routes(results, strtree_hits, adcodes)

    count = len(points)
    route_rate, naive_rate, strtree_rate = count / wall, count / naive_s, count / strtree_s
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return Measure(
        backend=backend,
        scenario=scenario,
        polygons=len(shapes),
        points=count,
        route_s=round(wall, 3),
        route_per_s=round(route_rate, 1),
        route_p50_ms=round(statistics.median(durations) * 1000, 3),
        route_p99_ms=round(cuts[98] * 1000, 3),
        client_cpu_percent=round(100 * cpu / wall, 1),
        naive_s=round(naive_s, 3),
        naive_per_s=round(naive_rate, 1),
        strtree_s=round(strtree_s, 3),
        strtree_per_s=round(strtree_rate, 1),
        route_over_naive=float(f"{route_rate / naive_rate:.4g}"),
        route_over_strtree=float(f"{route_rate / strtree_rate:.4g}"),
        ruled=ruled,
        several_areas=several,
        near_boundary=near,
        mismatches=mismatches,
    )


def profile_route(backend: str, scenario: str, points: list[tuple[float, float, int]]) -> Profile:
    """cProfile route() over the first points; the top functions and the shares of its parts."""
    sample = points[:PROFILE_POINTS]
    profiler = cProfile.Profile()
    profiler.enable()
    route_all(sample)
    profiler.disable()
    db.session.rollback()
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, ncalls, tt, ct, callers)}
    total = next(v[3] for k, v in stats.items() if k[2] == "route_all")

    def cumulative(path_part: str, name: str) -> float:
        return sum(v[3] for k, v in stats.items() if path_part in k[0] and k[2] == name)

    def builtin(name_part: str) -> float:
        return sum(v[3] for k, v in stats.items() if k[0] == "~" and name_part in k[2])

    # Overlapping on purpose: each line answers "how much of route() went into this?".
    parts = {
        "containing_areas (spatial query)": cumulative("routing/engine.py", "containing_areas"),
        "  _size (WKB to shapely, area)": cumulative("routing/engine.py", "_size"),
        "active_rules (rule query)": cumulative("routing/engine.py", "active_rules"),
        "SQL compilation": cumulative("sqlalchemy/sql/elements.py", "_compile_w_cache"),
        "database calls (execute + fetch)": cumulative("sqlalchemy/engine/default.py", "do_execute")
        + builtin("fetchall' of 'sqlite3.Cursor")
        + sum(v[3] for k, v in stats.items() if "psycopg" in k[0] and k[2] == "fetchall"),
        "WKB parsing (shapely from_wkb)": cumulative("shapely/io.py", "from_wkb"),
    }
    shares = {name: round(100 * seconds / total, 1) for name, seconds in parts.items()}
    ranked = sorted(
        ((k, v) for k, v in stats.items() if k[2] != "route_all" and "profiler" not in k[2]),
        key=lambda item: item[1][3],
        reverse=True,
    )[:PROFILE_TOP]
    top = [
        ProfileRow(
            function=short_name(key),
            ncalls=value[1],
            tottime_s=round(value[2], 4),
            cumtime_s=round(value[3], 4),
        )
        for key, value in ranked
    ]
    return Profile(backend, scenario, len(sample), round(total, 3), shares, top)


def short_name(key: tuple[str, int, str]) -> str:
    """`module.py:line(function)`, or the built-in's own description."""
    path, line, name = key
    if path == "~":
        return name
    return f"{Path(path).name}:{line}({name})"


# -- the run ----------------------------------------------------------------------------------


def run_backend(
    name: str, workdir: Path, args: argparse.Namespace
) -> tuple[Backend, Profile | None]:
    """Set up one backend, measure both scenarios, profile one if asked."""
    profile = None
    loadavg_start = round(os.getloadavg()[0], 2)
    with bench_app(name, workdir) as app, app.app_context():
        result = Backend(name=name, version=database_version(), loadavg_start=loadavg_start)
        counties = [shape for _adcode, shape in current_polygons()]
        topic_ids = list(db.session.scalars(sa.select(Topic.id).order_by(Topic.code)))
        points = random_points(counties, args.points, args.seed, topic_ids)
        result.candidates, result.points = args.points, len(points)
        if not points:
            raise BenchError("no random point fell inside a county; raise --points")
        db.session.rollback()

        for scenario in SCENARIOS:
            if scenario == "B":
                log(f"{name}: loading {args.cells} generated cells with load_areas")
                result.cells_loaded = args.cells
                result.cells_load_s = round(load_cells(voronoi_cells(args.cells, args.seed)), 2)
            result.measures.append(measure(name, scenario, points))
            if args.profile == f"{name}:{scenario}":
                log(f"{name} {scenario}: cProfile over {min(len(points), PROFILE_POINTS)} points")
                profile = profile_route(name, scenario, points)
        result.loadavg_end = round(os.getloadavg()[0], 2)
    return result, profile


def run(args: argparse.Namespace) -> tuple[list[Backend], Profile | None]:
    """Every backend in turn, in one temporary folder removed at the end."""
    backends, profile = [], None
    with tempfile.TemporaryDirectory(prefix="crowdplan-routebench-") as tmp:
        for name in args.backends:
            result, found = run_backend(name, Path(tmp), args)
            backends.append(result)
            profile = profile or found
    return backends, profile


# -- output -----------------------------------------------------------------------------------


def print_table(backends: list[Backend], profile: Profile | None, args: argparse.Namespace) -> None:
    """The human-readable report."""
    first = backends[0]
    print(
        f"routing: {first.points} of {first.candidates} random points (seed {args.seed}) lie in "
        f"a county; one process, one thread; {os.cpu_count()} CPUs"
    )
    for b in backends:
        load = (
            f"; {b.cells_loaded} cells loaded by load_areas in {b.cells_load_s:.2f} s"
            if b.cells_loaded
            else ""
        )
        print(
            f"{b.name}: {b.version}{load}; 1-min load average {b.loadavg_start:.2f} at start, "
            f"{b.loadavg_end:.2f} at end"
        )
    print()
    print(
        f"{'backend':<10} {'scenario':<19} {'polygons':>8} {'routed/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'cpu %':>6} {'naive/s':>9} {'STRtree/s':>10} {'r/naive':>8} "
        f"{'r/STRtree':>9}"
    )
    for b in backends:
        for m in b.measures:
            label = f"{m.scenario} {SCENARIOS[m.scenario]}"
            print(
                f"{m.backend:<10} {label:<19} {m.polygons:>8} {m.route_per_s:>9.1f} "
                f"{m.route_p50_ms:>7.2f} {m.route_p99_ms:>7.2f} {m.client_cpu_percent:>6.1f} "
                f"{m.naive_per_s:>9.1f} {m.strtree_per_s:>10.1f} {m.route_over_naive:>8.3g} "
                f"{m.route_over_strtree:>9.3g}"
            )
    print(
        "r/naive, r/STRtree: routed/s over bare/s (1 = as fast as the bare loop); "
        "cpu %: this process's CPU time over wall time while routing"
    )
    print()
    header = ("backend", "scenario", "ruled", "fallback", "several", "near bdy", "mismatch")
    print("{:<10} {:<9} {:>6} {:>8} {:>8} {:>8} {:>8}".format(*header))
    for b in backends:
        for m in b.measures:
            print(
                f"{m.backend:<10} {m.scenario:<9} {m.ruled:>6} {m.points - m.ruled:>8} "
                f"{m.several_areas:>8} {m.near_boundary:>8} {m.mismatches:>8}"
            )
    if profile is not None:
        print()
        print(
            f"cProfile, {profile.backend} {profile.scenario}: {profile.points} route() calls "
            f"in {profile.seconds:.2f} s (profiled, so slower than above)"
        )
        for part, share in profile.shares.items():
            print(f"  {part:<36} {share:>5.1f} %")
        print(f"  {'ncalls':>7} {'tottime':>8} {'cumtime':>8}  function (top {PROFILE_TOP})")
        for row in profile.top:
            print(f"  {row.ncalls:>7} {row.tottime_s:>8.3f} {row.cumtime_s:>8.3f}  {row.function}")


def as_json(backends: list[Backend], profile: Profile | None, args: argparse.Namespace) -> str:
    """The machine-readable report."""
    data = {
        "seed": args.seed,
        "cells": args.cells,
        "cpus": os.cpu_count(),
        "backends": [asdict(b) for b in backends],
        "profile": asdict(profile) if profile is not None else None,
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and print the table or JSON."""
    args = parse_args(argv)
    # A plain SIGTERM would skip the finally blocks and leave the PostGIS database behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        backends, profile = run(args)
    except (BenchError, sa.exc.SQLAlchemyError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(as_json(backends, profile, args))
    else:
        print_table(backends, profile, args)
    # Routing that disagrees with shapely is a failed benchmark; the figures still say how.
    return 0 if all(m.mismatches == 0 for b in backends for m in b.measures) else 2


if __name__ == "__main__":
    sys.exit(main())
