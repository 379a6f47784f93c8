"""Where the usage counts live: what a store does, and which one a line uses.

An SQLite file in the app's instance folder by default (ivr.usage.sqlite_store), shared
by the workers of one machine; Redis (ivr.usage.redis_store) so that instances on several
machines count into one report. Both keep only the rows of ivr.usage.rows and, for a call
still on, its language and node under a keyed hash of its SID, for two hours at most.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol

from ivr.usage.redis_store import RedisStore
from ivr.usage.rows import Count, HourCount
from ivr.usage.sqlite_store import SQLiteStore
from ivr.usage.tally import Batch, Place

FILE_NAME = "usage.sqlite"


class Store(Protocol):
    where: str  # what a message names: the file, or Redis's host (no password)

    def add(self, batch: Batch) -> None:
        """Adds the batch's rows; where each call (a keyed hash of its CallSid) now is,
        kept for tally.CALL_SECONDS."""

    def end(self, call: str) -> Place | None:
        """Where the call was, taken out of the store: None if it was never anywhere, or
        it has been kept too long."""

    def read(self, since: date, until: date) -> list[Count]:
        """The daily counts from `since` to `until`, both included, by day."""

    def hours(self) -> list[HourCount]:
        """The counts per hour of the week, over all days."""

    def sweep(self, before: date) -> None:
        """Removes the daily counts of the days before `before`, and calls kept too long."""

    def answers(self) -> bool:
        """Whether the store answers now (for /healthz); never raises."""

    def close(self) -> None:
        """Closes this process's connection: the master's, before gunicorn forks."""


def redis_url(redis: str | None, caps: str | None) -> str | None:
    """Redis when REDIS_URL is set; else the caps' Redis (RATELIMIT_STORAGE_URI) when it
    is one: a line that counts its caps across instances counts its usage there too, so
    that two instances behind one number make one report. None: the SQLite file."""
    if redis:
        return redis
    if caps and caps.startswith(("redis://", "rediss://")):
        return caps
    return None


def open_store(redis: str | None, instance: str) -> Store:
    """The store of a line: Redis at `redis`, or the file in the instance folder. Opens no
    connection yet: a store that is down costs counts, never the start of the line."""
    if redis:
        return RedisStore(redis)
    return SQLiteStore(str(Path(instance).resolve() / FILE_NAME))
