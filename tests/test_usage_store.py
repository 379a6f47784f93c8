"""The usage counts: what an answer's events add (per day in Amsterdam and per hour of
the week), where they live (SQLite in the instance folder, or Debian's redis-server on a
loopback port), where a call ended (Twilio's status callback), and that no caller's
number and no SID is ever kept, and no store that fails ever reaches a caller."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
import redis

from ivr.content.hours import AMSTERDAM
from ivr.twiml.events import CALL, CHOICE, ENDED, FORWARD, LANGUAGE, NODE, Event
from ivr.usage import sqlite_store
from ivr.usage.rows import Count, HourCount, Key
from ivr.usage.store import open_store, redis_url
from ivr.usage.tally import CALL_SECONDS, Batch, bucket, ended, hour_of_week, tally

from .helpers import shipped_menus
from .servers import redis_server

MENUS = shipped_menus()
SID = "CA0123456789abcdef0123456789abcdef"
# A Monday, 00:30 in Amsterdam: still Sunday in UTC, so the day and hour must be Amsterdam's.
MONDAY = datetime(2026, 12, 7, 0, 30, tzinfo=AMSTERDAM)
DAY = date(2026, 12, 7)
KEY = "9f2c1e7a5b3d8c0f4e6a2b9d1c7e5f3a"


# -- what an answer adds (pure) --------------------------------------------------------------


def test_events_become_rows_of_the_day_and_the_hour_of_the_week_in_amsterdam():
    events = [Event(CHOICE, "pl", "main", outcome="help"), Event(NODE, "pl", "help"),
              Event(NODE, "pl", "help")]
    # Sunday 23:30 in UTC: Monday's first hour in Amsterdam.
    added = tally(events, "voice", "+3197010000002", MONDAY.astimezone(UTC))
    assert added.keys() == {
        Key(DAY, "voice", "+3197010000002", CHOICE, "pl", "main", "", "help"): 1,
        Key(DAY, "voice", "+3197010000002", NODE, "pl", "help"): 2}
    assert added.hours == {(0, "voice", CHOICE): 1, (0, "voice", NODE): 2}
    assert added.place == ("pl", "help")


def test_the_hour_of_the_week_runs_from_monday_to_sunday_in_amsterdam():
    assert hour_of_week(MONDAY) == 0
    assert hour_of_week(datetime(2026, 12, 6, 23, 30, tzinfo=AMSTERDAM)) == 167  # a Sunday
    # A Tuesday, 22:30 in UTC: 23:30 in Amsterdam in winter, 00:30 Wednesday in summer.
    assert hour_of_week(datetime(2026, 12, 8, 22, 30, tzinfo=UTC)) == 24 + 23
    assert hour_of_week(datetime(2026, 7, 7, 22, 30, tzinfo=UTC)) == 48


def test_a_forward_is_where_a_call_is_and_a_choice_is_not():
    assert tally([Event(NODE, "nl", "main"), Event(FORWARD, "nl", "call_police", "police")],
                 "voice", "", MONDAY).place == ("nl", "call_police")
    assert tally([Event(CALL), Event(LANGUAGE, "nl"), Event(CHOICE, "nl", "main", outcome="x")],
                 "voice", "", MONDAY).place is None
    assert not tally([], "voice", "", MONDAY)


@pytest.mark.parametrize(("seconds", "name"), [
    (0, "under 30 s"), (29, "under 30 s"), (30, "30-60 s"), (59, "30-60 s"), (60, "1-2 min"),
    (119, "1-2 min"), (120, "2-5 min"), (299, "2-5 min"), (300, "5-10 min"),
    (599, "5-10 min"), (600, "over 10 min"), (14400, "over 10 min")])
def test_durations_in_buckets(seconds, name):
    assert bucket(seconds) == name


def test_the_end_of_a_call():
    assert ended(("ro", "help"), "completed", "75") == Event(ENDED, "ro", "help",
                                                             outcome="1-2 min")
    assert ended(None, "completed", "12") == Event(ENDED, outcome="under 30 s")
    assert ended(None, "canceled", "0") == Event(ENDED, outcome="canceled")
    assert ended(("nl", "main"), "completed", "٣") == Event(ENDED, "nl", "main",
                                                             outcome="unknown")
    assert ended(("nl", "main"), "in-progress", "10") is None


@pytest.mark.servers
def test_redis_when_redis_url_is_set_else_the_caps_redis_else_the_file():
    assert redis_url("redis://a:6379", "redis://b:6379") == "redis://a:6379"
    assert redis_url(None, "rediss://b:6380/1") == "rediss://b:6380/1"
    assert redis_url(None, "sqlite:////var/lib/line/caps.sqlite") is None
    assert redis_url(None, None) is None


# -- the stores: the same contract in SQLite and in Redis ------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.servers)])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield open_store(None, str(tmp_path))
        return
    with redis_server() as server:
        yield open_store(server.uri, str(tmp_path))


def _batch(day: date, n: int = 1, kind: str = NODE, **places: tuple[str, str]) -> Batch:
    return Batch({(day, "voice", "", kind, "nl", "main", "", ""): n}, {(5, "voice", kind): n},
                 places)


def test_counts_add_up_and_are_read_by_day(store):
    store.add(_batch(DAY))
    store.add(_batch(DAY, 2))
    store.add(_batch(DAY - timedelta(days=1), 4, CALL))
    store.add(_batch(DAY + timedelta(days=1), 8))
    assert store.read(DAY - timedelta(days=1), DAY) == [
        Count(Key(DAY - timedelta(days=1), "voice", "", CALL, "nl", "main"), 4),
        Count(Key(DAY, "voice", "", NODE, "nl", "main"), 3)]
    assert store.read(date(1, 1, 1), date(9999, 12, 31))[-1].count == 8
    assert store.hours() == [HourCount(5, "voice", CALL, 4), HourCount(5, "voice", NODE, 11)]


def test_a_call_s_place_is_kept_until_it_ends(store):
    store.add(_batch(DAY, key1=("nl", "main")))
    store.add(_batch(DAY, key1=("nl", "signals")))
    store.add(_batch(DAY))  # a batch that moves the call nowhere
    assert store.end("key1") == ("nl", "signals")
    assert store.end("key1") is None
    assert store.end("never-seen") is None


def test_retention_removes_the_days_before(store):
    for back in (0, 399, 400, 401):
        store.add(_batch(DAY - timedelta(days=back)))
    store.sweep(DAY - timedelta(days=400))
    assert [c.key.day for c in store.read(date(1, 1, 1), DAY)] == [
        DAY - timedelta(days=400), DAY - timedelta(days=399), DAY]


@pytest.mark.servers
def test_a_call_s_place_expires_after_two_hours_in_redis():
    with redis_server() as server:
        store = open_store(server.uri, "/nonexistent")
        store.add(_batch(DAY, key1=("nl", "main")))
        ttl = redis.Redis.from_url(server.uri).ttl("usage:call:key1")
        assert CALL_SECONDS - 5 < ttl <= CALL_SECONDS == 7200


def test_a_call_s_place_expires_after_two_hours_in_sqlite(tmp_path, monkeypatch):
    store = open_store(None, str(tmp_path))
    store.add(_batch(DAY, key1=("nl", "main")))
    store.add(_batch(DAY, key2=("nl", "help")))
    later = sqlite_store.time.time() + CALL_SECONDS + 1
    monkeypatch.setattr(sqlite_store.time, "time", lambda: later)
    assert store.end("key1") is None
    # Ending one call sweeps every call kept too long.
    rows = sqlite3.connect(tmp_path / "usage.sqlite").execute("SELECT * FROM calls").fetchall()
    assert rows == []


def _add_many(path: str, times: int) -> None:
    store = open_store(None, path)
    for _ in range(times):
        store.add(_batch(DAY, key=("nl", "main")))


# A fork: in make quick's worker processes (pytest-xdist), whose own threads may hold a
# lock as it forks, the pool it starts can hang.
@pytest.mark.slow
def test_workers_count_into_one_file_without_losing_a_count(tmp_path):
    """Four processes, as gunicorn's workers, adding at once into a file none has made."""
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        pool.starmap(_add_many, [(str(tmp_path), 250)] * 4)
    store = open_store(None, str(tmp_path))
    assert store.read(DAY, DAY) == [Count(Key(DAY, "voice", "", NODE, "nl", "main"), 1000)]
    assert store.hours() == [HourCount(5, "voice", NODE, 1000)]
    assert (tmp_path / "usage.sqlite").stat().st_mode & 0o777 == 0o600
    assert sqlite3.connect(tmp_path / "usage.sqlite").execute(
        "PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_deleted_while_counting_is_made_anew(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "LOOK_SECONDS", 0)  # looked at on every count
    store = open_store(None, str(tmp_path))
    store.add(_batch(DAY))
    (tmp_path / "usage.sqlite").unlink()
    store.add(_batch(DAY, 2))
    assert open_store(None, str(tmp_path)).read(DAY, DAY)[0].count == 2
