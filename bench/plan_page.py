"""Load-test a crowdplan page under gunicorn against a raw WSGI "hello" baseline.

Both servers run with identical gunicorn settings (2 sync workers, access log off, loopback only)
one after the other, and wrk measures each, so the ratio crowdplan / hello says how much of the
server's capacity the app itself costs on this machine, whatever the machine.

    .venv/bin/python bench/plan_page.py [--duration 10] [--connections 16] [--path /] [--json]

The database is a fresh demo (`flask db upgrade` + `flask seed-demo`) in a temporary instance
folder, removed at the end. wrk comes from the Debian package `wrk`; when it is missing and we
run as root the script installs it with apt-get.

`--path` defaults to the plan page of the demo plan in public notice, found through the public
list filtered to plans in notice (`/plans/?status=notice`) once the server is up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Not resolved: a venv's bin/python is a symlink, and resolving it would leave the venv.
BIN_DIR = Path(sys.executable).parent
HOST = "127.0.0.1"  # loopback only, never a name that could resolve elsewhere
WORKERS = 2
WRK_THREADS = 2
WARMUP_REQUESTS = 4 * WORKERS  # let every worker compile its templates before wrk measures
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
APT_TIMEOUT = 600.0  # a one-off package install, outside the measured run
# Settings that would point the app at another database or change gunicorn behind our back.
SCRUBBED_ENV = ("DATABASE_URL", "REDIS_URL", "GUNICORN_CMD_ARGS", "FLASK_APP", "WEB_CONCURRENCY")
# wrk has no p95 in --latency; this Lua done() hook prints any percentile (microseconds) as
# "bench NAME VALUE" lines. Appended to the request scripts of map_scale.py and run_all.py.
WRK_REPORT_LUA = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench p50_us %f\\n", latency:percentile(50)))
  io.write(string.format("bench p95_us %f\\n", latency:percentile(95)))
  io.write(string.format("bench p99_us %f\\n", latency:percentile(99)))
  io.write(string.format("bench requests %d\\n", summary.requests))
  io.write(string.format("bench duration_us %d\\n", summary.duration))
  io.write(string.format("bench status_errors %d\\n", e.status))
  io.write(string.format("bench socket_errors %d\\n", e.connect + e.read + e.write + e.timeout))
end
"""
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class Result:
    """What one wrk run measured against one server."""

    target: str
    path: str
    url: str
    probe_status: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int


class BenchError(RuntimeError):
    """A step failed in a way that makes the figures meaningless."""


def log(message: str) -> None:
    """Progress goes to stderr so that --json output on stdout stays parseable."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--connections", type=int, default=16, help="wrk open connections")
    parser.add_argument(
        "--path", default=None, help="crowdplan path to load (default: the demo plan in notice)"
    )
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=60.0,
        help="seconds allowed for each setup step and for each server to answer",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1:
        parser.error("--duration and --connections must be at least 1")
    if args.connections < WRK_THREADS:
        parser.error(f"--connections must be at least {WRK_THREADS} (one per wrk thread)")
    # A path, never a URL: the host is always loopback.
    if args.path is not None and (
        not args.path.startswith("/")
        or args.path.startswith("//")
        or any(c.isspace() for c in args.path)
    ):
        parser.error("--path must be an absolute path such as /healthz, without a host")
    return args


def ensure_wrk() -> str:
    """Return wrk's path, installing the Debian package first when missing and root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench: wrk is not installed; install it with: sudo apt-get install -y wrk")
    log("wrk is missing; installing the Debian package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    # The package lists may be empty or stale on a fresh machine: update only if needed.
    # apt's chatter goes to stderr so that --json output on stdout stays parseable.
    quiet = {"env": env, "timeout": APT_TIMEOUT, "stdout": sys.stderr}
    if subprocess.run(install, check=False, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
        subprocess.run(install, check=True, **quiet)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: apt-get install wrk succeeded but wrk is not on PATH")
    return found


def venv_tool(name: str) -> Path:
    """A console script installed next to the running Python (the project's venv)."""
    path = BIN_DIR / name
    if not path.exists():
        sys.exit(f"bench: {path} not found; run with the project's venv Python (make setup)")
    return path


def child_env(instance: Path) -> dict[str, str]:
    """The environment for flask and both gunicorns: production config, throwaway instance."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(
        CROWDPLAN_INSTANCE=str(instance),
        CROWDPLAN_ENV="production",
        SECRET_KEY="bench-only",
        # A throwaway key for contact details at rest (production refuses to start without one).
        CROWDPLAN_DATA_KEYS="YmVuY2gtb25seS1ub3Qtc2VjcmV0LTMyLWJ5dGVzISE=",
        CROWDPLAN_TILES="none",
    )
    return env


def prepare_database(env: dict[str, str], timeout: float) -> None:
    """Build the demo database in the temporary instance folder."""
    flask = str(venv_tool("flask"))
    for command in (["db", "upgrade"], ["seed-demo"]):
        log(f"flask {' '.join(command)}")
        done = subprocess.run(
            [flask, "--app", "crowdplan", *command],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@contextmanager
def spatialite(database: Path) -> Iterator[sqlite3.Connection]:
    """A raw sqlite3 connection to the bench database with SpatiaLite, foreign keys on (as the
    app runs: a wrong id fails here) and autocommit, for bulk loads outside the app."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        # Not crowdplan.geo.spatial.load_spatialite: run as a script, the package may not import.
        conn.enable_load_extension(True)
        conn.load_extension("mod_spatialite")
        conn.enable_load_extension(False)
        conn.execute("PRAGMA foreign_keys = ON")
        yield conn
    finally:
        conn.close()


def insert_all(conn: sqlite3.Connection, sql: str, rows: list[tuple], batch: int) -> float:
    """executemany the rows in one write transaction; the seconds it took.

    Raw executemany rather than ORM objects: no per-row Python objects or unit of work, while
    the table's triggers still validate each geometry and fill the spatial index as the app's
    own inserts do.
    """
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    try:
        for start in range(0, len(rows), batch):
            conn.executemany(sql, rows[start : start + batch])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return time.perf_counter() - started


def free_port() -> int:
    """Ask the kernel for an unused loopback port (gunicorn binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """GET a path without following redirects (wrk does not follow them either)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn gracefully, then kill its whole process group if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The master may be stuck; its own session holds the workers too, so none survive.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)


def log_tail(path: Path, lines: int = 30) -> str:
    """The end of a server log, to explain why it did not come up."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def gunicorn(
    app_spec: str, ready_path: str, env: dict[str, str], workdir: Path, timeout: float
) -> Iterator[int]:
    """Run gunicorn on a free loopback port until the block ends; yield the port."""
    port = free_port()
    # An empty config file so a gunicorn.conf.py in the repo can never change one run only.
    config = workdir / "gunicorn_bench.conf.py"
    config.write_text("# empty on purpose: every setting is on the command line\n")
    logfile = workdir / f"gunicorn-{port}.log"
    command = [
        str(venv_tool("gunicorn")),
        "--config", str(config),
        "--workers", str(WORKERS),
        "--worker-class", "sync",
        "--bind", f"{HOST}:{port}",
        "--log-level", "warning",
        # No --access-logfile: gunicorn writes no access log unless given one.
        app_spec,
    ]  # fmt: skip
    log(f"starting gunicorn {app_spec} on {HOST}:{port}")
    with logfile.open("wb") as out:
        # Own session: a Ctrl-C on the terminal reaches us, and the finally below stops it.
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while http_status(port, ready_path, timeout=1.0) != 200:
            if proc.poll() is not None:
                raise BenchError(f"gunicorn {app_spec} exited:\n{log_tail(logfile)}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"gunicorn {app_spec} did not answer {ready_path} within {timeout:.0f}s:\n"
                    f"{log_tail(logfile)}"
                )
            time.sleep(0.1)
        yield port
    finally:
        stop(proc)


def to_ms(value: str, unit: str) -> float:
    """Convert one of wrk's durations (e.g. 1.23ms, 850.00us) to milliseconds."""
    return float(value) * TIME_UNITS_MS[unit]


def parse_wrk(output: str) -> dict[str, float | int]:
    """Pull requests/s, the 50% and 99% latencies and the error counts from wrk --latency."""

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise BenchError(f"unexpected wrk output (no match for {pattern!r}):\n{output}")
        return match

    p50 = find(r"^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    p99 = find(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": to_ms(*p50.groups()),
        "p99_ms": to_ms(*p99.groups()),
        "requests": int(find(r"^\s*(\d+) requests in ").group(1)),
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def measure(target: str, wrk: str, port: int, path: str, args: argparse.Namespace) -> Result:
    """Warm the server up, then run wrk against it for --duration seconds."""
    status = 0
    for _ in range(WARMUP_REQUESTS):
        status = http_status(port, path) or 0
    if not 200 <= status < 400:
        log(f"warning: {target} answers {path} with {status or 'no response'}")
    url = f"http://{HOST}:{port}{path}"
    log(f"wrk {url} for {args.duration}s with {args.connections} connections")
    done = subprocess.run(
        [
            wrk,
            f"-t{WRK_THREADS}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=args.duration + args.startup_timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    figures = parse_wrk(done.stdout)
    result = Result(target=target, path=path, url=url, probe_status=status, **figures)
    if result.non_2xx_3xx or result.socket_errors:
        log(
            f"warning: {target}: {result.non_2xx_3xx} non-2xx/3xx responses, "
            f"{result.socket_errors} socket errors"
        )
    return result


def plan_in_notice_path(port: int) -> str:
    """The page of the first plan in public notice, read from the public list."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", "/plans/?status=notice")
        html = conn.getresponse().read().decode("utf-8", "replace")
    finally:
        conn.close()
    match = re.search(r'href="(/plans/\d+)"', html)
    if match is None:
        raise BenchError("no plan in public notice found at /plans/?status=notice")
    return match.group(1)


def ratio_percent(results: dict[str, Result]) -> float | None:
    """crowdplan's throughput as a percentage of the hello baseline's."""
    base = results["hello"].requests_per_s
    return 100.0 * results["crowdplan"].requests_per_s / base if base else None


def print_table(results: dict[str, Result], args: argparse.Namespace) -> None:
    """The human-readable report."""
    print(
        f"wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s; "
        f"gunicorn {WORKERS} sync workers on {HOST}"
    )
    print(f"{'target':<10} {'path':<20} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for name, r in results.items():
        errors = r.non_2xx_3xx + r.socket_errors
        print(
            f"{name:<10} {r.path:<20} {r.requests_per_s:>10.1f} {r.p50_ms:>9.2f} "
            f"{r.p99_ms:>9.2f} {errors:>7}"
        )
    ratio = ratio_percent(results)
    print(f"crowdplan / hello: {ratio:.1f} %" if ratio is not None else "crowdplan / hello: n/a")


def run(args: argparse.Namespace) -> dict[str, Result]:
    """Set up the demo database, then measure hello and crowdplan in turn."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="crowdplan-bench-") as tmp:
        workdir = Path(tmp)
        instance = workdir / "instance"
        instance.mkdir()
        env = child_env(instance)
        prepare_database(env, args.startup_timeout)
        results: dict[str, Result] = {}
        # One after the other, so the two servers never compete for the CPU.
        targets = (
            ("hello", "bench.hello_wsgi:app", "/", "/"),
            ("crowdplan", "crowdplan:create_app()", "/healthz", args.path),
        )
        for name, spec, ready_path, path in targets:
            with gunicorn(spec, ready_path, env, workdir, args.startup_timeout) as port:
                path = path or plan_in_notice_path(port)
                results[name] = measure(name, wrk, port, path, args)
        return results


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and print the table or JSON."""
    args = parse_args(argv)
    # A plain SIGTERM would skip the finally blocks and leave gunicorns behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        results = run(args)
    except (BenchError, subprocess.SubprocessError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        report = {
            "duration_s": args.duration,
            "connections": args.connections,
            "threads": WRK_THREADS,
            "workers": WORKERS,
            "targets": {name: asdict(r) for name, r in results.items()},
            "crowdplan_over_hello_percent": ratio_percent(results),
        }
        print(json.dumps(report, indent=2))
    else:
        print_table(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
