"""Where the caps on numbers by text are counted when there is no Redis: an SQLite file
that every gunicorn worker of the machine opens, restarted ones too: a cap is never
exceeded, whatever the number of workers.

`limits` has no storage for one machine without a server: its memory storage counts per
process, so each worker counted alone and a restarted worker started from zero. This is
a `limits` storage, registered for `sqlite://`, so the moving window, the limits' parsing
and the Redis option stay limits' own; only "take an entry if fewer than `limit` are in
the window" is written here, as one SQLite transaction. SQLite's lock (BEGIN IMMEDIATE)
makes it exact across processes and threads; a worker that restarts opens the same file.

The file is the line's own (0600, in a folder made 0700) and is looked at on every use: a
file deleted (a cleaner of old files), replaced, emptied or corrupt is made anew, by one
process while the others wait for it, and the count that found it so goes on in the new
one; no restart needed. A file made anew counts from zero, as a Redis restarted without
its data does.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit

from limits.storage import MovingWindowSupport, Storage

from ivr.usage import sqlitefile

log = logging.getLogger("ivr.capstore")
T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (key TEXT NOT NULL, at REAL NOT NULL,
                                    expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_key ON entries (key, at);
CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires);
"""


FILE_NAME = "caps.sqlite"
EXAMPLE = "sqlite:////var/lib/line/caps.sqlite"
# What says the file itself is no store of caps (rather than busy, or moved under the
# connection): corrupt, or not a database.
BROKEN = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def default_uri(folder: str) -> str:
    """The file in the app's instance folder: kept across restarts of the line, so that a
    restart does not start the caps of the day again."""
    return f"sqlite:///{quote(str(Path(folder).resolve() / FILE_NAME))}"


def file_of(uri: str) -> str:
    """The file of `sqlite:////absolute/path.sqlite` (four slashes, as SQLAlchemy writes it)."""
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if parts.netloc or not path.startswith("//"):
        raise ValueError(f"not an absolute path; give one with four slashes, such as {EXAMPLE}")
    if path.endswith("/"):
        raise ValueError(f"give a file, such as {EXAMPLE}")
    return path[1:]


class SQLiteStorage(Storage, MovingWindowSupport):
    """`sqlite:///absolute/path.sqlite`. Only the moving window (the line's strategy)."""

    # storage_from_string finds it here. A list, as limits' Storage declares it (an
    # instance attribute there, so not a ClassVar here).
    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012

    def __init__(self, uri: str, wrap_exceptions: bool = False, timeout: float = 2,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.path = file_of(uri)
        # Waiting for another process's transaction up to `timeout`; then a failure, and
        # the caller hears the numbers.
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._file: tuple[int, int] | None = None  # the (device, inode) _conn has open
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            self._use(_readable)
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"cannot make or open {self.path} ({exc}): the folder must be "
                             "one this user can write") from exc

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` with the process's one connection, for one thread (or greenlet) at a
        time: one, not one per thread, as under gevent every request is a greenlet of its
        own. A file found broken is made anew and `work` done again, once."""
        with self._lock:
            try:
                return work(self._connection())
            except sqlite3.DatabaseError as exc:
                if getattr(exc, "sqlite_errorname", "") in BROKEN or "no such table" in str(exc):
                    log.warning("the caps' store %s was unusable (%s): made anew", self.path,
                                exc)
                    self._make_anew()
                elif self._file == sqlitefile.identity(self.path):
                    raise  # busy or locked (another process's transaction took too long)
                # else deleted or replaced while in use (SQLite says I/O error, or that it
                # moved): the next connection opens the file that is there now.
            return work(self._connection())

    def _connection(self) -> sqlite3.Connection:
        """Opened anew in a forked worker (a connection must not cross a fork), and when
        the file is not the one it has open: deleted, or replaced by another process."""
        file = sqlitefile.identity(self.path)
        if file is None:
            if self._pid:  # not the first opening: it was there, and is gone
                log.warning("the caps' store %s was deleted: made anew", self.path)
            self._make_anew()
            file = sqlitefile.identity(self.path)
        if self._conn is None or self._pid != os.getpid() or self._file != file:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            # SQLite's default journal, not WAL: switching a shared file to WAL can fail
            # at once while another process has it open; a count takes microseconds.
            self._conn = sqlitefile.connect(self.path, self.timeout)
            self._pid, self._file = os.getpid(), file
        return self._conn

    def _make_anew(self) -> None:
        """A new file, with its table, in place of the missing or broken one, unless another
        process has already made one: under a lock beside it, every process that found it
        broken waits for the first, then opens what it made."""
        broken = self._file
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn, self._file = None, None
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)  # deleted too?
        lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            found = sqlitefile.identity(self.path)
            if found is None or found == broken:
                sqlitefile.make(self.path, SCHEMA, ".caps-", (f"{self.path}-journal",))
        finally:
            os.close(lock)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        return self._use(lambda conn: _acquire(conn, key, limit, expiry, amount))

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, taken = self._use(lambda conn: conn.execute(
            "SELECT MIN(at), COUNT(*) FROM entries WHERE key = ? AND at > ?",
            (key, now - expiry)).fetchone())
        return (oldest or now), taken

    def check(self) -> bool:
        return self._use(_readable)

    def reset(self) -> int | None:
        return self._use(lambda conn: conn.execute("DELETE FROM entries").rowcount)

    def clear(self, key: str) -> None:
        self._use(lambda conn: conn.execute("DELETE FROM entries WHERE key = ?", (key,)))

    # The fixed-window counters of limits' other strategies: not used by the line.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("sqlite:// counts only a moving window")

    def get(self, key: str) -> int:
        raise NotImplementedError("sqlite:// counts only a moving window")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("sqlite:// counts only a moving window")


def _readable(conn: sqlite3.Connection) -> bool:
    """Reads the table: fails on a file that is not the store."""
    conn.execute("SELECT 1 FROM entries LIMIT 1").fetchall()
    return True


def _acquire(conn: sqlite3.Connection, key: str, limit: int, expiry: int, amount: int) -> bool:
    # IMMEDIATE: the write lock before counting, so no one else counts in between.
    conn.execute("BEGIN IMMEDIATE")
    try:
        taken = _take(conn, key, limit, expiry, amount)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # a broken file may refuse that too
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return taken


def _take(conn: sqlite3.Connection, key: str, limit: int, expiry: int, amount: int) -> bool:
    now = time.time()
    conn.execute("DELETE FROM entries WHERE expires <= ?", (now,))
    (taken,) = conn.execute("SELECT COUNT(*) FROM entries WHERE key = ?", (key,)).fetchone()
    if taken + amount > limit:
        return False
    conn.executemany("INSERT INTO entries VALUES (?, ?, ?)", [(key, now, now + expiry)] * amount)
    return True
