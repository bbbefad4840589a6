"""Real servers for the reliability tests: a private PostgreSQL cluster we may stop and start,
and gunicorn with the production settings (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("CROWDPLAN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> tuple[int, str, dict]:
    """(status, body, headers) of a GET, also for 4xx/5xx answers."""
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 reliability-test"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary folder, on a free port.

    The shared server on 5432 must keep serving the rest of the suite, so the test that stops
    the database stops this one. As root it runs as the `postgres` user (initdb refuses root).
    """

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
        # Not under pytest's tmp_path: that is private to root, and the server runs as postgres.
        self.folder = Path(tempfile.mkdtemp(prefix="crowdplan-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}"

    def init(self) -> PrivatePostgres:
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs, and delete its files."""
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = sa.create_engine(self.url(name))
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION postgis"))
        engine.dispose()
        return self.url(name)


def app_env(instance: Path, **extra: str) -> dict[str, str]:
    """Production settings on a throwaway instance folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    from cryptography.fernet import Fernet

    env.update(
        CROWDPLAN_ENV="production",
        SECRET_KEY="reliability-test-only",
        CROWDPLAN_DATA_KEYS=Fernet.generate_key().decode(),
        CROWDPLAN_INSTANCE=str(instance),
        CROWDPLAN_TILES="none",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(BIN / "flask"), "--app", "crowdplan", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}"


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on a free port; stopped by stop() or kill()."""

    def __init__(
        self,
        env: dict[str, str],
        folder: Path,
        workers: int = 2,
        app_spec: str = "crowdplan:create_app()",
        ready_path: str = "/healthz",
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gunicorn-{self.port}.log"
        env = dict(env, BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY=str(workers),
                   GUNICORN_ACCESS_LOG=str(folder / f"access-{self.port}.log"))  # fmt: skip
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", app_spec],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{self.base}{ready_path}", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def workers(self) -> set[int]:
        """PIDs of the worker processes."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(p) for p in children.read_text().split()}

    def kill_all(self) -> None:
        """kill -9 of the master and every worker at once (a crash of the whole server)."""
        import signal

        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post_json(url: str, body: dict, headers: dict | None = None, timeout: float = 30.0):
    """(status, parsed JSON or None) of a JSON POST, also for 4xx/5xx answers."""
    import json

    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        with e:
            raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None


def prepared_site(database_url: str, folder: Path, **extra: str) -> tuple[dict[str, str], str]:
    """Migrate and seed the demo city into the database; (env for the servers, a submit key)."""
    env = app_env(folder / "instance", DATABASE_URL=database_url, **extra)
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "crowdplan", "create-api-key", "--name", "load test",
         "--scope", "submit"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return env, done.stdout.strip().splitlines()[-1]


def suggestion_body(writer: int, n: int) -> dict:
    """A valid suggestion near the city centre, different for every (writer, n)."""
    return {
        "lon": 114.30 + (writer % 8) * 0.005 + n * 0.00001,
        "lat": 29.83 + (writer // 8) * 0.003,
        "topic": "parking",
        "stance": "suggest",
        "text": f"第{writer}号测试者的第{n}条建议：夜间停车位不足，建议错时开放停车场。",
    }
