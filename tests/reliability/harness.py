"""Concurrent writers against a real server, and the check that nothing acknowledged is lost."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What the writers saw: acknowledged ids, every status, and failed connections."""

    acked: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def hammer(
    write: Callable[[int, int], tuple[int, int | None]],
    writers: int,
    per_writer: int,
    stop: threading.Event | None = None,
) -> Outcome:
    """`writers` threads each call write(writer, n) `per_writer` times, all starting together.

    write returns (HTTP status, id of what was stored or None); an OSError is a connection
    that failed (e.g. the server was killed): not acknowledged, so it may be lost.
    """
    outcome = Outcome()
    lock = threading.Lock()
    start = threading.Barrier(writers)

    def writer(w: int) -> None:
        start.wait()
        for n in range(per_writer):
            if stop is not None and stop.is_set():
                return
            try:
                status, stored_id = write(w, n)
            except OSError:
                with lock:
                    outcome.connection_errors += 1
                continue
            with lock:
                outcome.statuses[status] += 1
                if status == 201 and stored_id is not None:
                    outcome.acked.append(stored_id)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def lost(acknowledged: int, stored: int) -> int:
    """Acknowledged writes the store does not hold."""
    return max(0, acknowledged - stored)
