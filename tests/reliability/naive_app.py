"""A deliberately naive counter (read, then write back + 1) served by gunicorn: the control
that proves the reliability harness can see lost writes."""

from __future__ import annotations

import os
import sqlite3

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)
    path = os.environ["NAIVE_DB"]

    def connect():
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    with connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS counter (n INTEGER)")
        if conn.execute("SELECT count(*) FROM counter").fetchone()[0] == 0:
            conn.execute("INSERT INTO counter VALUES (0)")

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.post("/count")
    def count():
        conn = connect()
        try:
            n = conn.execute("SELECT n FROM counter").fetchone()[0]
            conn.execute("UPDATE counter SET n = ?", (n + 1,))  # the lost-update bug
        finally:
            conn.close()
        return {"id": n + 1}, 201

    @app.get("/value")
    def value():
        conn = connect()
        try:
            return {"n": conn.execute("SELECT n FROM counter").fetchone()[0]}
        finally:
            conn.close()

    return app
