"""Every headline endpoint through gunicorn, against the raw-WSGI ceiling, in one run.

All targets run under the same gunicorn settings (2 sync workers, loopback, no access log) and
the same wrk settings, one after the other so they never compete for the CPU:

- hello:       bench/hello_wsgi.py, a raw WSGI app: the ceiling of this machine and settings;
- /healthz:    crowdplan's cheapest route (Flask + the app's hooks, no database);
- plan page:   the demo plan in public notice, counted as a view;
- POST:        POST /api/v1/suggestions with a `submit` API key: validation, moderation,
               routing, reply deadline and insert, committed with full durability
               (SQLite WAL + synchronous=FULL), every request a new suggestion;
- viewport:    the suggestions layer's GeoJSON for the city at zoom 12;
- /stats:      the public statistics page (cached figures, see bench/stats.py).

    .venv/bin/python bench/run_all.py [--duration 10] [--connections 8] [--json]
          [--database-url postgresql://...] [--redis-url redis://...] [--profile]

Default: SpatiaLite in a throwaway instance folder, no Redis. Prints requests/s, p50/p95 and
each target as a percentage of the hello ceiling. --profile adds a cProfile of the plan page
and of the POST, in process, to show where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.plan_page import (  # noqa: E402
    HOST,
    WRK_REPORT_LUA,
    WRK_THREADS,
    BenchError,
    child_env,
    ensure_wrk,
    gunicorn,
    http_status,
    log,
    plan_in_notice_path,
    venv_tool,
)

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 8
VIEWPORT = "/api/v1/suggestions/viewport?bbox=113.9,29.6,114.7,30.1&zoom=12"

# The request function (WRK_REPORT_LUA prints the figures). For POST, each request carries a
# new suggestion (a counter moves the point and changes the text).
WRK_LUA = (
    """\
local method, path, key = "__METHOD__", "__PATH__", "__KEY__"
local n = 0
request = function()
  if method == "GET" then
    return wrk.format("GET", path)
  end
  n = n + 1
  local body = string.format(
    '{"lon": %.6f, "lat": %.6f, "topic": "parking", "stance": "suggest", ' ..
    '"text": "压测建议 %d：夜间停车位不足，建议错时开放单位停车场。"}',
    114.28 + (n %% 100) * 0.0005, 29.82 + (n %% 37) * 0.0005, n)
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                   ["X-API-Key"] = key}, body)
end
"""
    + WRK_REPORT_LUA
)
SAFE = re.compile(r"^[A-Za-z0-9/?&=,.%_-]*$")  # nothing that could break the Lua literals


@dataclass
class Figure:
    target: str
    method: str
    path: str
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: int
    percent_of_ceiling: float = 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", help="PostGIS database (default: SpatiaLite file)")
    parser.add_argument("--redis-url", help="REDIS_URL for the app (default: none)")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--profile", action="store_true", help="cProfile plan page and POST")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(venv_tool("flask")), "--app", "crowdplan", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def wrk_run(wrk: str, port: int, target: str, method: str, path: str, key: str,
            workdir: Path, args: argparse.Namespace) -> Figure:  # fmt: skip
    if not (SAFE.match(path) and SAFE.match(key)):
        raise BenchError(f"refusing to put {path!r} into a Lua script")
    if method == "GET":
        statuses = {http_status(port, path, timeout=60) for _ in range(WARMUP)}
        if statuses != {200}:
            raise BenchError(f"{path} answered {sorted(statuses, key=str)} while warming up")
    script = workdir / f"wrk-{target.replace('/', '_').replace(' ', '_')}.lua"
    lua = WRK_LUA.replace("__METHOD__", method).replace("__PATH__", path)
    script.write_text(lua.replace("__KEY__", key).replace("%%", "%"))
    log(f"wrk {method} {path} for {args.duration}s, {args.connections} connections")
    done = subprocess.run(
        [wrk, f"-t{WRK_THREADS}", f"-c{args.connections}", f"-d{args.duration}s",
         "--timeout=30s", "-s", str(script), f"http://{HOST}:{port}{path}"],
        capture_output=True, text=True, timeout=args.duration + 60, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    f = {k: float(v) for k, v in re.findall(r"^bench (\w+) ([\d.]+)$", done.stdout, re.M)}
    if len(f) != 7:
        raise BenchError(f"unexpected wrk output:\n{done.stdout}")
    errors = int(f["status_errors"] + f["socket_errors"])
    if errors:
        log(f"warning: {target}: {errors} errors (non-2xx/3xx or socket)")
    return Figure(
        target=target, method=method, path=path,
        requests_per_s=round(f["requests"] / (f["duration_us"] / 1e6), 1),
        p50_ms=round(f["p50_us"] / 1000, 2), p95_ms=round(f["p95_us"] / 1000, 2),
        requests=int(f["requests"]), errors=errors,
    )  # fmt: skip


def profile(env: dict[str, str], plan_path: str, key: str) -> str:
    """Top functions by cumulative time for 200 plan pages and 200 POSTs, in process."""
    code = f"""
import cProfile, io, json, pstats
from crowdplan import create_app
app = create_app()
c = app.test_client()
h = {{"User-Agent": "Mozilla/5.0 Chrome/130"}}
body = {{"lon": 114.3, "lat": 29.84, "topic": "parking", "stance": "suggest",
        "text": "剖析用建议：夜间停车位不足，建议错时开放单位停车场。"}}
for _ in range(5):
    c.get({plan_path!r}, headers=h).close()
out = io.StringIO()
for label, call in (("plan page", lambda: c.get({plan_path!r}, headers=h).close()),
                    ("POST", lambda: c.post("/api/v1/suggestions", json=body,
                                            headers={{"X-API-Key": {key!r}}}).close())):
    p = cProfile.Profile()
    p.enable()
    for _ in range(200):
        call()
    p.disable()
    out.write(f"== {{label}}: 200 requests ==\\n")
    pstats.Stats(p, stream=out).sort_stats("cumulative").print_stats(25)
print(out.getvalue())
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"profile failed:\n{done.stderr[-3000:]}")
    return done.stdout


def run(args: argparse.Namespace) -> tuple[list[Figure], str]:
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="crowdplan-bench-all-") as tmp:
        workdir = Path(tmp)
        instance = workdir / "instance"
        instance.mkdir()
        env = child_env(instance)
        env["API_RATE_LIMIT"] = "100000000/minute"  # measure the work, not the limiter
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        if args.redis_url:
            env.update(REDIS_URL=args.redis_url, REDIS_KEY_PREFIX=f"crowdplan-bench-{os.getpid()}")
        log("flask db upgrade, seed-demo, create-api-key")
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        key = flask(env, "create-api-key", "--name", "bench", "--scope", "submit").split()[-1]
        figures: list[Figure] = []
        with gunicorn("bench.hello_wsgi:app", "/", env, workdir, args.startup_timeout) as port:
            figures.append(wrk_run(wrk, port, "hello (ceiling)", "GET", "/", "", workdir, args))
        with gunicorn("crowdplan:create_app()", "/healthz", env, workdir,
                      args.startup_timeout) as port:  # fmt: skip
            plan_path = plan_in_notice_path(port)
            for target, method, path in (
                ("/healthz", "GET", "/healthz"),
                ("plan page", "GET", plan_path),
                ("suggestion POST", "POST", "/api/v1/suggestions"),
                ("viewport", "GET", VIEWPORT),
                ("/stats", "GET", "/stats"),
            ):
                figures.append(wrk_run(wrk, port, target, method, path, key, workdir, args))
        ceiling = figures[0].requests_per_s
        for f in figures:
            f.percent_of_ceiling = round(100 * f.requests_per_s / ceiling, 2) if ceiling else 0
        report = profile(env, plan_path, key) if args.profile else ""
        return figures, report


def print_table(figures: list[Figure], args: argparse.Namespace) -> None:
    backend = "PostGIS" if args.database_url else "SpatiaLite (WAL, synchronous=FULL)"
    redis = "Redis" if args.redis_url else "no Redis"
    print(f"gunicorn 2 sync workers; wrk -t{WRK_THREADS} -c{args.connections} "
          f"-d{args.duration}s; {backend}; {redis}")  # fmt: skip
    print(
        f"{'target':<18} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'% ceiling':>10}"
    )
    for f in figures:
        print(f"{f.target:<18} {f.requests_per_s:>9.1f} {f.p50_ms:>8.2f} {f.p95_ms:>8.2f} "
              f"{f.errors:>7} {f.percent_of_ceiling:>9.2f}%")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        figures, report = run(args)
    except (BenchError, subprocess.SubprocessError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"figures": [asdict(f) for f in figures], "profile": report}, indent=2))
    else:
        print_table(figures, args)
        if report:
            print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
