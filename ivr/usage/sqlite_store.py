"""The usage counts in an SQLite file that every gunicorn worker of the machine opens.

Each worker's batch of rows (ivr/web/usage_counts.py) is added in one transaction of
upserts (`count = count + n`), so workers never lose each other's counts. The file is in
WAL mode, set when it is made (switching a file to WAL needs it to itself): a write then
waits for no reader, and synchronous=NORMAL spares it a flush to disk (a power cut may
cost the last counts, never the file). A file deleted while the line runs is made anew
(its counts are gone anyway); a corrupt one is left alone for the operator, never
replaced: it holds a year's counts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from ivr.usage import sqlitefile
from ivr.usage.rows import Count, HourCount, Key
from ivr.usage.tally import CALL_SECONDS, Batch, Place

T = TypeVar("T")

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS days (
    day TEXT NOT NULL, channel TEXT NOT NULL, line TEXT NOT NULL, kind TEXT NOT NULL,
    language TEXT NOT NULL, node TEXT NOT NULL, contact TEXT NOT NULL,
    outcome TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (day, channel, line, kind, language, node, contact, outcome)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hours (
    hour INTEGER NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (hour, channel, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS calls (
    call TEXT PRIMARY KEY, language TEXT NOT NULL, node TEXT NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS calls_by_expiry ON calls (expires);
"""
ADD_DAY = ("INSERT INTO days VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT DO UPDATE SET count = count + excluded.count")
ADD_HOUR = ("INSERT INTO hours VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET count = count + excluded.count")
SET_CALL = "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)"
# Whether the file is still the one open is looked at this often, not at every count.
LOOK_SECONDS = 60


class SQLiteStore:
    def __init__(self, path: str, timeout: float = 0.25) -> None:
        self.path = self.where = path
        # Another worker's transaction takes microseconds; waiting longer than this for
        # one (a stuck process) costs the count, not the caller's time.
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._file: tuple[int, int] | None = None
        self._looked = 0.0

    def add(self, batch: Batch) -> None:
        days = [(day.isoformat(), *fields, n) for (day, *fields), n in batch.days.items()]
        hours = [(*key, n) for key, n in batch.hours.items()]
        expires = time.time() + CALL_SECONDS
        places = [(call, *place, expires) for call, place in batch.places.items()]

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(ADD_DAY, days)
            conn.executemany(ADD_HOUR, hours)
            conn.executemany(SET_CALL, places)

        self._transaction(work)

    def end(self, call: str) -> Place | None:
        def work(conn: sqlite3.Connection) -> Place | None:
            found = conn.execute("DELETE FROM calls WHERE call = ? AND expires > ? "
                                 "RETURNING language, node", (call, time.time())).fetchone()
            conn.execute("DELETE FROM calls WHERE expires <= ?", (time.time(),))
            return (found[0], found[1]) if found else None

        return self._transaction(work)

    def read(self, since: date, until: date) -> list[Count]:
        rows = self._use(lambda conn: conn.execute(
            "SELECT * FROM days WHERE day BETWEEN ? AND ? ORDER BY day",
            (since.isoformat(), until.isoformat())).fetchall())
        return [Count(Key(date.fromisoformat(day), *fields), count)
                for day, *fields, count in rows]

    def hours(self) -> list[HourCount]:
        rows = self._use(lambda conn: conn.execute(
            "SELECT hour, channel, kind, count FROM hours ORDER BY hour").fetchall())
        return [HourCount(*row) for row in rows]

    def sweep(self, before: date) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM days WHERE day < ?", (before.isoformat(),))
            conn.execute("DELETE FROM calls WHERE expires <= ?", (time.time(),))

        self._transaction(work)

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = work(conn)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return done

        return self._use(transaction)

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` with the process's one connection, one thread (or greenlet) at a time."""
        with self._lock:
            return work(self._connection())

    def _connection(self) -> sqlite3.Connection:
        """Opened anew in a forked worker (a connection must not cross a fork), and when
        the file was deleted or replaced since it was opened."""
        now = time.monotonic()
        if self._conn is not None and self._pid == os.getpid() and now < self._looked:
            return self._conn
        self._looked = now + LOOK_SECONDS
        file = sqlitefile.identity(self.path)
        if file is None:
            _make(self.path)
            file = sqlitefile.identity(self.path)
        if self._conn is None or self._pid != os.getpid() or self._file != file:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = sqlitefile.connect(self.path, self.timeout)
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._pid, self._file = os.getpid(), file
        return self._conn

    def answers(self) -> bool:
        try:
            return self._use(lambda conn: conn.execute("SELECT 1").fetchone() == (1,))
        except (sqlite3.Error, OSError):
            return False

    def close(self) -> None:
        """Closes this process's connection (the master's, after the sweep at start)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn, self._pid = None, 0


def _make(path: str) -> None:
    """The file with its tables, in WAL mode, made beside and renamed into place under a
    lock, so that no worker opens it half made and only one makes it. 0600, in a folder
    made 0700: the line's own."""
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            return  # another process made it while this one waited
        sqlitefile.make(path, SCHEMA, ".usage-", (f"{path}-wal", f"{path}-shm"))
    finally:
        os.close(lock)
