"""The webhooks' usage counts: each answer's events added up at the moment they happen
and written to the line's store (ivr.usage) within a second, and where a call ended,
from Twilio's status callback.

A count never slows or breaks a call or a text. An answer's events are added to the
worker's batch in memory, a few microseconds; a thread of the worker (a greenlet under
gevent) writes the batch to the store once a second, and at the worker's exit: one
transaction a second instead of one an answer, which cost a quarter of a webhook's
instructions (make bench-instructions). A store that fails costs its batch and is not
asked again for a minute, with one warning until it counts again. A worker killed
outright loses its last second of counts.

Nothing of a caller reaches the store: the line's own number that was reached (only if
LINE_NUMBERS lists it), and a call's SID only as a keyed hash (keyed BLAKE2b with SECRET_KEY)
that no one without the key can tie to it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ivr.twiml.events import Event
from ivr.usage.rows import Count, HourCount
from ivr.usage.store import Store, open_store, redis_url
from ivr.usage.tally import ENDS, Batch, ended, tally

log = logging.getLogger("ivr.usage")
T = TypeVar("T")

VOICE = "voice"
FLUSH_SECONDS = 1.0
# After a failure the store is left alone this long: a Redis that takes its timeout to
# fail would otherwise cost that timeout every second.
RETRY_SECONDS = 60
SWEEP_SECONDS = 24 * 60 * 60
RETENTION_HELP = ("USAGE_RETENTION_DAYS={!r}: give the days that daily usage counts are "
                  "kept, a whole number of at least 1, such as 400")


class Counting:
    """The line's counting: its store, its own numbers, the key of the calls' hashes, and
    this worker's batch not yet written."""

    def __init__(self, store: Store, lines: frozenset[str], secret: bytes,
                 clock: Callable[[], datetime], retention_days: int,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store, self.lines, self.clock = store, lines, clock
        self.retention = timedelta(days=retention_days)
        # BLAKE2b takes a key of 64 bytes at most; SECRET_KEY may be longer. Keyed once:
        # each call's hash copies this state, its key's block already hashed, instead of
        # keying a new one (half the cost).
        self._mac = hashlib.blake2b(key=hashlib.sha512(secret).digest(), digest_size=16)
        self._monotonic = monotonic
        self._batch = Batch()
        self._lock = threading.Lock()
        self._resting_until = 0.0  # no store asked before this (monotonic)
        self._failing = False
        self._next_sweep = monotonic() + SWEEP_SECONDS
        self._listed = False  # in _COUNTINGS, which the writer writes

    def count(self, events: Iterable[Event], channel: str, to: str | None,
              call_sid: str | None = None) -> None:
        """Adds the events of an answer made for a request to `to` (the request's To);
        for a call (`call_sid`), where it now is. Never raises."""
        try:
            added = tally(events, channel, self.line(to), self.clock())
            if added:
                call = self.call_key(call_sid) if call_sid and added.place else None
                with self._lock:
                    self._batch.add(added, call)
                if not self._listed or _writer is None:
                    self._listed = True
                    _write_every_second(self)
        except Exception:  # a count is never worth a caller's answer
            log.exception("an answer's events could not be counted")

    def call_ended(self, call_sid: str, status: str, duration: str, to: str | None) -> None:
        """Twilio's status callback: a call that ended is counted where it was and by how
        long it lasted, and what was kept of it is removed."""
        if status not in ENDS:
            return
        place = None
        if call_sid:
            self.flush()  # its place, if this worker has it still in its batch
            place = self._safely(lambda: self.store.end(self.call_key(call_sid)))
        event = ended(place, status, duration)
        if event is not None:
            self.count([event], VOICE, to)

    def flush(self) -> None:
        """Writes this worker's batch to the store (a failing store: it is lost), and once
        a day sweeps out the days past their retention."""
        with self._lock:
            batch, self._batch = self._batch, Batch()
        if batch:
            self._safely(lambda: self.store.add(batch))
        if self._monotonic() >= self._next_sweep:  # once a day in each worker
            self._next_sweep = self._monotonic() + SWEEP_SECONDS
            self.sweep()

    def read(self, since: date, until: date) -> list[Count]:
        """The daily counts of the days from `since` to `until`, this worker's batch
        written first, so that a report made here includes them (the report's reader)."""
        self.flush()
        return self.store.read(since, until)

    def hours(self) -> list[HourCount]:
        self.flush()
        return self.store.hours()

    def sweep(self) -> None:
        """Daily counts older than the retention, and calls kept too long, removed."""
        before = self.clock().date() - self.retention
        self._safely(lambda: self.store.sweep(before))

    def line(self, to: str | None) -> str:
        """The line's own number that was reached, when LINE_NUMBERS lists it; else ""."""
        number = (to or "").removeprefix("whatsapp:").strip()
        return number if number in self.lines else ""

    def call_key(self, call_sid: str) -> str:
        """The SID's keyed hash: BLAKE2b in its keyed mode, a MAC as HMAC is (RFC 7693,
        section 1), at a third of the instructions of OpenSSL's HMAC-SHA256 (which cost a
        voice webhook 2%)."""
        mac = self._mac.copy()
        mac.update(call_sid.encode())
        return mac.hexdigest()

    def _safely(self, work: Callable[[], T]) -> T | None:
        if self._resting_until and self._monotonic() < self._resting_until:
            return None
        try:
            done = work()
        except Exception as exc:
            self._resting_until = self._monotonic() + RETRY_SECONDS
            if not self._failing:
                self._failing = True
                log.warning("usage counts are lost while %s fails (%s: %s); calls and texts "
                            "go on, and it is tried again every %d s", self.store.where,
                            type(exc).__name__, exc, RETRY_SECONDS)
            return None
        self._resting_until = 0.0
        if self._failing:
            self._failing = False
            log.warning("usage counts are kept again in %s", self.store.where)
        return done


# Every line's counting in this process, and the thread that writes their batches: a
# thread does not cross gunicorn's fork, so each worker starts its own at its first count.
_COUNTINGS: weakref.WeakSet[Counting] = weakref.WeakSet()
_writer: threading.Thread | None = None


def _write_every_second(counting: Counting) -> None:
    global _writer
    _COUNTINGS.add(counting)
    if _writer is None:
        _writer = threading.Thread(target=_writing, name="usage counts", daemon=True)
        _writer.start()
        atexit.register(flush_all)


def _writing() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        flush_all()


def flush_all() -> None:
    """Every line's batch of this process written (the thread, at exit, the benchmark)."""
    for counting in list(_COUNTINGS):
        counting.flush()


def _forked() -> None:
    global _writer
    _writer = None


os.register_at_fork(after_in_child=_forked)


def make(config: Mapping[str, Any], instance_path: str) -> Counting:
    """The line's counting, made by the app factory; daily counts past their retention
    removed at once. Raises ValueError when USAGE_RETENTION_DAYS is not a number of days."""
    value = config["USAGE_RETENTION_DAYS"]
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days < 1:
        raise ValueError(RETENTION_HELP.format(value))
    store = open_store(redis_url(config["REDIS_URL"], config["RATELIMIT_STORAGE_URI"]),
                       instance_path)
    counting = Counting(store, own_numbers(config["LINE_NUMBERS"]),
                        str(config["SECRET_KEY"]).encode(), config["CLOCK"], days)
    counting.sweep()
    store.close()  # gunicorn's workers open their own, after the fork
    return counting


def own_numbers(value: str | None) -> frozenset[str]:
    """Every number of LINE_NUMBERS, with a language or without (checked at the start)."""
    return frozenset(item.partition("=")[0].strip() for item in (value or "").split(",")
                     if item.strip())
