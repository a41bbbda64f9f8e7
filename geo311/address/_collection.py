"""Fewer garbage collections during a batch, with the collector left on, from any thread.

A batch of answers is a tree of new dicts and lists per address: no reference cycle for
the collector to find, yet at its default thresholds it walks every answer made so far
again and again (full collections cost ~40 % of ``validate_many`` on the demo region).
Switching the collector off would switch it off for every thread of the process (a web
server's too), so :func:`fewer_collections` raises its thresholds instead, once for all
the batches running at a time: young collections go on (every :data:`YOUNG` allocations),
so the cycles other threads make are still collected, and the thresholds in force before
come back when the last batch ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG", "fewer_collections"]

YOUNG = 50_000
"""Allocations between young collections during a batch (Python's default: 700)."""
_OLDER = (20, 100)
"""How many younger collections trigger one of the next generation, during a batch."""

_lock = threading.Lock()
_running = 0
_saved: tuple[int, ...] = ()
_raised: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's thresholds while the block runs (in any number of threads).

    The first block to enter raises them (never lowers one); the last to leave restores
    those in force before, unless someone changed them in between (then theirs stay).
    """
    global _running, _saved, _raised
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            _raised = (max(_saved[0], YOUNG), *(max(now, raised) for now, raised
                                                in zip(_saved[1:], _OLDER, strict=True)))
            gc.set_threshold(*_raised)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and gc.get_threshold() == _raised:
                gc.set_threshold(*_saved)
