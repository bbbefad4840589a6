"""The reliability test at full size: 64 concurrent writers x 250 suggestions through gunicorn
(production settings, deploy/gunicorn.conf.py, 2 workers) -> 16,000 rows, 0 lost, 0 5xx.

    .venv/bin/python bench/reliability.py [--writers 64] [--per-writer 250]
          [--database-url postgresql://...]      (default: a SpatiaLite file)

The CI-sized version is tests/reliability/test_writers.py (same harness, same servers).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from tests.reliability.harness import hammer, lost  # noqa: E402
from tests.reliability.servers import (  # noqa: E402
    Gunicorn,
    post_json,
    prepared_site,
    suggestion_body,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--per-writer", type=int, default=250)
    parser.add_argument("--database-url", help="a PostGIS database (default: SpatiaLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crowdplan-reliability-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'crowdplan.sqlite'}"
        env, key = prepared_site(url, folder, API_RATE_LIMIT="100000000/minute")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            before = conn.execute(sa.text("SELECT count(*) FROM suggestions")).scalar()
        server = Gunicorn(env, folder, workers=2)
        try:

            def write(w: int, n: int):
                status, body = post_json(f"{server.base}/api/v1/suggestions",
                                         suggestion_body(w, n), {"X-API-Key": key})  # fmt: skip
                return status, (body or {}).get("id") if status == 201 else None

            started = time.perf_counter()
            outcome = hammer(write, args.writers, args.per_writer)
            seconds = time.perf_counter() - started
        finally:
            server.stop()
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM suggestions")).scalar() - before
            ids = set(conn.execute(sa.text("SELECT id FROM suggestions")).scalars())
        engine.dispose()
    expected = args.writers * args.per_writer
    missing = set(outcome.acked) - ids
    print(f"backend: {'PostGIS' if args.database_url else 'SpatiaLite'}; gunicorn 2 sync workers")
    print(f"writers x suggestions: {args.writers} x {args.per_writer} = {expected}")
    gone = lost(len(outcome.acked), stored)
    print(f"acknowledged (201): {len(outcome.acked)}; rows added: {stored}; lost: {gone}; "
          f"acknowledged ids missing: {len(missing)}")  # fmt: skip
    print(f"statuses: {dict(outcome.statuses)}; 5xx: {outcome.server_errors}; "
          f"failed connections: {outcome.connection_errors}")  # fmt: skip
    print(f"time: {seconds:.1f} s ({len(outcome.acked) / seconds:.1f} suggestions/s)")
    ok = len(outcome.acked) == expected == stored and not missing and not outcome.server_errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
