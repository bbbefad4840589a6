"""gunicorn settings for production (`make serve`); every value can be overridden by env vars.

Sync workers: each request holds one worker, which suits a Flask app whose time is spent in
SQLite/PostgreSQL and template rendering; scale with processes, not threads.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The usual rule for sync workers: two per core plus one, so one worker waiting on the database
# never leaves a core idle.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in a library can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Not preloaded: each worker opens its own database connections after the fork.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind nginx on the same host: trust its X-Forwarded-* headers only from loopback.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def worker_exit(server, worker):
    """Hand the views this worker counted in Redis to the database before it goes."""
    app = getattr(worker, "wsgi", None)
    if app is None or not app.config.get("REDIS_URL"):
        return
    try:
        from crowdplan.stats.counting import flush_counters

        with app.app_context():
            flush_counters()
    except Exception:  # noqa: BLE001 - the counts stay in Redis for the next flush
        server.log.exception("flushing view counts at worker exit failed")
