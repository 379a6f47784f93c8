"""Where the caps on numbers by text are counted when there is no Redis: an SQLite file
that every gunicorn worker of the machine opens, restarted ones too: a cap is never
exceeded, whatever the number of workers.

`limits` has no storage for one machine without a server: its memory storage counts per
process, so each worker counted alone and a restarted worker started from zero. This is
a `limits` storage, registered for `sqlite://`, so the moving window, the limits' parsing
and the Redis option stay limits' own; only "take an entry if fewer than `limit` are in
the window" is written here, as one SQLite transaction. SQLite's lock (BEGIN IMMEDIATE)
makes it exact across processes and threads; a worker that restarts opens the same file.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from limits.storage import MovingWindowSupport, Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (key TEXT NOT NULL, at REAL NOT NULL,
                                    expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_key ON entries (key, at);
CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires);
"""


def default_uri() -> str:
    """A new file for this start of the line: made before gunicorn forks (preload_app),
    so that all its workers, and those that replace them, count in it. Removed when the
    process that made it ends; not when a forked worker does."""
    handle, path = tempfile.mkstemp(prefix="line-caps-", suffix=".sqlite")
    os.close(handle)
    atexit.register(_remove, path, os.getpid())
    return f"sqlite:///{path}"


def _remove(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a worker inherits this hook and must leave the file be
        for name in (path, f"{path}-wal", f"{path}-shm"):
            with contextlib.suppress(OSError):
                os.remove(name)


class SQLiteStorage(Storage, MovingWindowSupport):
    """`sqlite:///absolute/path.sqlite`. Only the moving window (the line's strategy)."""

    # storage_from_string finds it here. A list, as limits' Storage declares it (an
    # instance attribute there, so not a ClassVar here).
    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012

    def __init__(self, uri: str, wrap_exceptions: bool = False, timeout: float = 2,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.path = urlsplit(uri).path
        if not self.path or self.path == "/":
            raise ValueError(f"{uri}: give a file, such as sqlite:////var/lib/line/caps.sqlite")
        # Waiting for another process's transaction up to `timeout`; then a failure, and
        # the caller hears the numbers.
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        with self._connection() as conn:
            conn.executescript(SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The process's one connection, for one thread (or greenlet) at a time. One, not
        one per thread: under gevent every request is a greenlet of its own. Opened anew
        in a forked worker, as a connection must not cross a fork."""
        with self._lock:
            if self._conn is None or self._pid != os.getpid():
                # SQLite's default journal, not WAL: switching a shared file to WAL can
                # fail at once while another process has it open; a count takes microseconds.
                self._conn = sqlite3.connect(self.path, timeout=self.timeout,
                                             isolation_level=None, check_same_thread=False)
                self._pid = os.getpid()
            yield self._conn

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._connection() as conn:
            # IMMEDIATE: the write lock before counting, so no one else counts in between.
            conn.execute("BEGIN IMMEDIATE")
            try:
                taken = _take(conn, key, limit, expiry, amount)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return taken

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._connection() as conn:
            oldest, taken = conn.execute(
                "SELECT MIN(at), COUNT(*) FROM entries WHERE key = ? AND at > ?",
                (key, now - expiry)).fetchone()
        return (oldest or now), taken

    def check(self) -> bool:
        with self._connection() as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        with self._connection() as conn:
            return conn.execute("DELETE FROM entries").rowcount

    def clear(self, key: str) -> None:
        with self._connection() as conn:
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))

    # The fixed-window counters of limits' other strategies: not used by the line.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("sqlite:// counts only a moving window")

    def get(self, key: str) -> int:
        raise NotImplementedError("sqlite:// counts only a moving window")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("sqlite:// counts only a moving window")


def _take(conn: sqlite3.Connection, key: str, limit: int, expiry: int, amount: int) -> bool:
    now = time.time()
    conn.execute("DELETE FROM entries WHERE expires <= ?", (now,))
    (taken,) = conn.execute("SELECT COUNT(*) FROM entries WHERE key = ?", (key,)).fetchone()
    if taken + amount > limit:
        return False
    conn.executemany("INSERT INTO entries VALUES (?, ?, ?)", [(key, now, now + expiry)] * amount)
    return True
