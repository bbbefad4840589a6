"""Public statistics at a million suggestions: /stats against the plan page, in one run.

1. a fresh demo database (`flask db upgrade` + `flask seed-demo`) in a temporary instance folder;
2. LOAD: --count suggestions inserted with raw SQL in one transaction: spread over the last
   year, every topic, area and department, 70 % replied (most on time), a third of those
   decided, some rated, 30 % on the plans; the spatial index filled by the table's triggers;
3. COLD: the time compute() takes for every figure on /stats, three times in a child process
   (what a request would cost without the cache; a background thread pays it once per cache
   period), then `flask refresh-stats` fills the cache shared through Redis, as a deployment
   at this scale would (REDIS_URL, a key prefix of its own);
4. WARM: gunicorn (2 sync workers, production settings, the default STATS_CACHE_SECONDS=60,
   Redis), then wrk on the plan page, /stats and /api/v1/stats in turn; the table shows each
   one's requests/s and latency, and /stats as a ratio of the plan page.

    .venv/bin/python bench/stats.py [--count 1000000] [--duration 10] [--json]

Everything listens on 127.0.0.1 only; wrk comes from Debian's package (installed when root).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.plan_page import (  # noqa: E402
    BenchError,
    Result,
    child_env,
    ensure_wrk,
    gunicorn,
    insert_all,
    log,
    measure,
    plan_in_notice_path,
    prepare_database,
    spatialite,
)

BATCH_ROWS = 20_000
CITY_BBOX = (113.6, 29.0, 114.8, 30.2)
STANCES = ("support", "oppose", "suggest")
INSERT_SQL = (
    "INSERT INTO suggestions (created_at, point, is_approximate, topic_id, stance, text, "
    "plan_id, plan_version_id, visibility, support_count, flag_count, status, reopen_count, "
    "department_id, routing_area_adcode, routed_at, reply_due_at, replied_at, reply_text, "
    "decision, decision_reason, rating) "
    "VALUES (?, MakePoint(?, ?, 4326), 0, ?, ?, ?, ?, ?, 'published', 0, 0, ?, 0, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class Load:
    rows: int
    seconds: float
    rows_per_s: float
    table_rows: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="suggestions to load")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args(argv)


def _stamp(moment: datetime) -> str:
    # UTCDateTime stores naive UTC in SQLAlchemy's SQLite text format.
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def random_rows(count: int, seed: int, conn: sqlite3.Connection) -> list[tuple]:
    """Suggestion rows for INSERT_SQL, the same for the same seed."""
    rng = random.Random(seed)
    topics = [r[0] for r in conn.execute("SELECT id FROM topics")]
    departments = [r[0] for r in conn.execute("SELECT id FROM departments")]
    areas = [r[0] for r in conn.execute("SELECT adcode FROM areas WHERE valid_to IS NULL")]
    versions = conn.execute(
        "SELECT plan_id, MAX(id) FROM plan_versions WHERE published_at IS NOT NULL GROUP BY plan_id"
    ).fetchall()
    now = datetime.now(UTC)
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    rows = []
    for i in range(count):
        created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        due = created + timedelta(days=15)
        replied = reply = decision = reason = rating = None
        status = "assigned"
        if rng.random() < 0.7:
            replied = created + timedelta(hours=rng.expovariate(1 / 200))
            if replied > now:
                replied = None
        if replied is not None:
            status, reply = "replied", "感谢您的建议，已转相关科室研究。"
            if rng.random() < 0.35:
                status = "closed"
                decision = rng.choice(("adopted", "partly", "not_adopted", "explained"))
                reason = "依据规划条件作出决定。"
            if rng.random() < 0.2:
                rating = rng.choice(("satisfied", "basic", "unsatisfied"))
        plan = rng.choice(versions) if versions and rng.random() < 0.3 else (None, None)
        rows.append((
            _stamp(created), rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat),
            rng.choice(topics), rng.choice(STANCES), f"建议（{i + 1}）", plan[0], plan[1],
            status, rng.choice(departments), rng.choice(areas), _stamp(created), _stamp(due),
            _stamp(replied) if replied else None, reply, decision, reason, rating,
        ))  # fmt: skip
    return rows


def load_suggestions(database: Path, count: int, seed: int) -> Load:
    """Insert `count` suggestions in one transaction (raw executemany: no ORM per row)."""
    with spatialite(database) as conn:
        log(f"generating {count} suggestions")
        rows = random_rows(count, seed, conn)
        before = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
        log(f"inserting {count} suggestions")
        seconds = insert_all(conn, INSERT_SQL, rows, BATCH_ROWS)
        conn.execute("ANALYZE")  # as a maintained database would have statistics
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        table_rows = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
    if table_rows != before + count:
        raise BenchError(f"expected {before + count} suggestions, the table has {table_rows}")
    return Load(count, round(seconds, 1), round(count / seconds), table_rows)


def cold_compute(env: dict[str, str]) -> list[float]:
    """Seconds compute() takes for all figures, three times, in a child process (its env)."""
    code = (
        "import time, json\n"
        "from crowdplan import create_app\n"
        "from crowdplan.stats.figures import compute\n"
        "app = create_app()\n"
        "out = []\n"
        "with app.app_context():\n"
        "    for _ in range(3):\n"
        "        t = time.perf_counter(); f = compute(); out.append(time.perf_counter() - t)\n"
        "print(json.dumps({'seconds': out, 'suggestions': f.suggestions}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"compute() failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"compute() saw {result['suggestions']} public suggestions")
    return result["seconds"]


def run(args: argparse.Namespace) -> dict:
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="crowdplan-bench-stats-") as tmp:
        workdir = Path(tmp)
        instance = workdir / "instance"
        instance.mkdir()
        env = child_env(instance)
        env.update(REDIS_URL=args.redis_url, REDIS_KEY_PREFIX=f"crowdplan-bench-{os.getpid()}")
        prepare_database(env, args.startup_timeout)
        load = load_suggestions(instance / "crowdplan.sqlite", args.count, args.seed)
        log(f"loaded {load.rows} rows in {load.seconds} s ({load.rows_per_s} rows/s)")
        cold = cold_compute(env)
        log("flask refresh-stats")
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "crowdplan", "refresh-stats"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            check=True,
            timeout=args.startup_timeout * 5,
        )
        results: dict[str, Result] = {}
        with gunicorn("crowdplan:create_app()", "/healthz", env, workdir, 600) as port:
            plan_path = plan_in_notice_path(port)
            for name, path in (
                ("plan page", plan_path),
                ("/stats", "/stats"),
                ("/api/v1/stats", "/api/v1/stats"),
            ):
                results[name] = measure(name, wrk, port, path, args)
        return {"load": load, "cold_s": cold, "results": results}


def ratio(results: dict[str, Result], name: str) -> dict[str, float]:
    base, r = results["plan page"], results[name]
    return {
        "throughput_pct": round(100 * r.requests_per_s / base.requests_per_s, 1),
        "p50_ratio": round(r.p50_ms / base.p50_ms, 2),
    }


def print_table(report: dict, args: argparse.Namespace) -> None:
    load, results = report["load"], report["results"]
    print(
        f"suggestions in the database: {load.table_rows:,} "
        f"(loaded {load.rows:,} in {load.seconds} s)"
    )
    cold = report["cold_s"]
    print(
        f"compute() of every figure, no cache: best {min(cold):.2f} s, "
        f"median {statistics.median(cold):.2f} s (3 runs)"
    )
    print(
        f"wrk -c{args.connections} -d{args.duration}s; gunicorn 2 sync workers; cache 60 s in Redis"
    )
    print(
        f"{'target':<15} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} "
        f"{'vs plan page':>14}"
    )
    for name, r in results.items():
        errors = r.non_2xx_3xx + r.socket_errors
        vs = "" if name == "plan page" else f"{ratio(results, name)['throughput_pct']:.1f} %"
        print(
            f"{name:<15} {r.requests_per_s:>9.1f} {r.p50_ms:>9.2f} {r.p99_ms:>9.2f} "
            f"{errors:>7} {vs:>14}"
        )
    print(
        f"/stats p50 latency / plan page p50 latency: {ratio(results, '/stats')['p50_ratio']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        report = run(args)
    except (BenchError, subprocess.SubprocessError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out = {
            "load": asdict(report["load"]),
            "cold_s": report["cold_s"],
            "results": {k: asdict(v) for k, v in report["results"].items()},
            "ratios": {
                k: ratio(report["results"], k) for k in report["results"] if k != "plan page"
            },
        }
        print(json.dumps(out, indent=2))
    else:
        print_table(report, args)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
