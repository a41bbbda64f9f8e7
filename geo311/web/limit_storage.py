"""A rate-limit storage every worker process of one server shares: a small SQLite file.

Flask-Limiter counts in its ``limits`` storage; ``memory://`` is private to a process, so
N gunicorn workers would allow N times a limit. :class:`SharedFileStorage` keeps the
fixed-window counters in one SQLite file instead (``geo311-file:///path/limits.sqlite``),
so the workers of ``geo311 serve`` count together. Each hit is one atomic statement
(an UPSERT with RETURNING) on a connection per process and thread. The counters are not
records: the file runs with ``synchronous=OFF`` (no wait on the disk; a crash of the
machine forgets the current windows, which only ever lets a client through).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import Storage

__all__ = ["SCHEME", "SharedFileStorage", "shared_storage_uri"]

SCHEME = "geo311-file"
_SWEEP_EVERY = 1000          # hits between two deletions of expired counters

_INCR = ("INSERT INTO counters (key, count, expiry) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (key) DO UPDATE SET "
         "count = CASE WHEN expiry <= ?4 THEN excluded.count ELSE count + excluded.count END, "
         "expiry = CASE WHEN expiry <= ?4 THEN excluded.expiry ELSE expiry END "
         "RETURNING count")


def shared_storage_uri(path: Path) -> str:
    """The storage URI of the counters file ``path`` (for ``RATELIMIT_STORAGE_URI``)."""
    return f"{SCHEME}://{Path(path).resolve()}"


class SharedFileStorage(Storage):
    """Fixed-window rate-limit counters in a SQLite file, shared by processes
    (``geo311-file:///absolute/path``; the file is made when missing)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = urlsplit(uri or "").path
        if not path:
            raise ValueError(f"{uri!r}: give {SCHEME}:///path/to/limits.sqlite")
        self.path = Path(path)
        self._local = threading.local()
        self._hits = 0
        self._connection()          # create the file and table now: a bad path fails here

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: connections do not cross it)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
                               "count INTEGER NOT NULL, expiry REAL NOT NULL) WITHOUT ROWID")
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s counter (a new window of ``expiry`` seconds when the
        last one is over) and return the count."""
        now = time.time()
        connection = self._connection()
        self._hits += 1
        if self._hits % _SWEEP_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expiry <= ?", (now,))
        return connection.execute(_INCR, (key, amount, now + expiry, now)).fetchone()[0]

    def get(self, key: str) -> int:
        """``key``'s count in its current window (0 when there is none)."""
        row = self._connection().execute(
            "SELECT count FROM counters WHERE key = ? AND expiry > ?",
            (key, time.time())).fetchone()
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (epoch seconds; now when there is none)."""
        now = time.time()
        row = self._connection().execute(
            "SELECT expiry FROM counters WHERE key = ? AND expiry > ?", (key, now)).fetchone()
        return now if row is None else row[0]

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; return how many there were."""
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Forget ``key``'s counter."""
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
