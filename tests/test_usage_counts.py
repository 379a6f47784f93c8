"""The webhooks' usage counts: a call through the real webhooks and Twilio's status
callback counts where the caller hung up, and the store keeps no caller's number and no
SID; a store that fails costs counts, with one warning, never a caller's answer."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

import pytest
import redis
from flask import Flask

from app import StartRefused, create_app
from ivr.content.hours import AMSTERDAM
from ivr.twiml.events import CALL, ENDED, NODE, SMS_TOPIC, Event
from ivr.usage.rows import Count, Key
from ivr.usage.store import open_store
from ivr.usage.tally import Batch
from ivr.web import usage_counts
from ivr.web.state import line_state

from .helpers import CALLER, LINE, TOKEN, Twilio, key_to
from .servers import free_port, gunicorn, post, redis_server

SID = "CA0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 12, 7, 14, 30, tzinfo=AMSTERDAM)  # a Monday
DAY = NOW.date()
KEY = "9f2c1e7a5b3d8c0f4e6a2b9d1c7e5f3a"
# What must never be kept: the caller's number, with or without its country code, and the
# call's SID, with or without its prefix.
SECRETS = [CALLER.encode(), CALLER[3:].encode(), SID.encode(), SID[2:].encode()]


def counting_of(app: Flask) -> usage_counts.Counting:
    counting = line_state(app).usage
    assert counting is not None
    return counting


def line(tmp_path: Path, **config) -> tuple[Flask, Twilio]:
    app = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": None, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": KEY, "LINE_NUMBERS": LINE,
                      "CLOCK": lambda: NOW, **config})
    return app, Twilio(app.test_client())


def call_to_help(twilio: Twilio, sid: str = SID) -> None:
    """A Romanian caller goes from the main menu to help, and hangs up there."""
    greeting = twilio.post("/voice", CallSid=sid)
    main = twilio.follow(greeting, "4", CallSid=sid)
    assert twilio.follow(main, key_to("main", "help"), CallSid=sid).status == 200


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.servers)])
def store_config(request):
    if request.param == "sqlite":
        yield {}
        return
    with redis_server() as server:
        yield {"REDIS_URL": server.uri}


def test_where_a_call_ended_is_counted_and_nothing_of_the_caller_is_kept(tmp_path,
                                                                        store_config):
    app, twilio = line(tmp_path, **store_config)
    call_to_help(twilio)
    ended = twilio.post("/voice/status", CallSid=SID, CallStatus="completed",
                        CallDuration="75")
    assert (ended.status, ended.body) == (204, "")
    counting_of(app).flush()
    counts = counting_of(app).store.read(DAY, DAY)
    assert Count(Key(DAY, "voice", LINE, ENDED, "ro", "help", "", "1-2 min"), 1) in counts
    assert [(c.key.node, c.count) for c in counts if c.key.kind == NODE] == [("help", 1),
                                                                           ("main", 1)]
    assert sum(c.count for c in counts if c.key.kind == ENDED) == 1
    kept = _everything_kept(tmp_path, store_config)
    assert [secret for secret in SECRETS if secret in kept] == []
    assert b"help" in kept  # the search looks where the counts are


def test_calls_and_texts_through_the_webhooks_a_restart_and_the_callbacks_make_the_report(
        tmp_path):
    """Issue 23's test: five calls and five texts through the real webhooks, a restart,
    then Twilio's status callbacks: the report gives exactly the counts made, and neither
    the store nor any form of the report holds a caller's number or a SID."""
    sids = [f"CA{n:032x}" for n in range(1, 6)]
    app, twilio = line(tmp_path)
    for sid in sids:
        call_to_help(twilio, sid)
        assert twilio.post("/sms", Body="HULP").status == 200
    counting_of(app).flush()  # what a worker does when it stops (atexit)
    app, twilio = line(tmp_path)  # the restart: the counts and the calls' places kept
    for sid in sids:
        twilio.post("/voice/status", CallSid=sid, CallStatus="completed", CallDuration="75")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["report", "--since", str(DAY), "--until", str(DAY),
                               "--format", "json"])
    assert made.exit_code == 0, made.output
    figures = json.loads(made.output)["figures"]
    assert figures["ended"]["cells"]["help"]["1-2 min"] == 5
    assert figures["calls"]["cells"][str(DAY)]["ro"] == 5
    assert figures["choices"]["cells"]["help"]["ro"] == 5
    counts = counting_of(app).read(DAY, DAY)
    [(topic, language)] = {(c.key.node, c.key.language) for c in counts
                           if c.key.kind == SMS_TOPIC}
    assert figures["texts"]["cells"][topic][language] == 5
    forms = [runner.invoke(args=["report", "--since", str(DAY), "--until", str(DAY),
                                 "--format", form]).output for form in ("html", "csv")]
    kept = _everything_kept(tmp_path, {}) + "".join([made.output, *forms]).encode()
    secrets = SECRETS + [sid.encode() for sid in sids] + [sid[2:].encode() for sid in sids]
    assert [secret for secret in secrets if secret in kept] == []
    assert "<svg" in forms[0] and "help" in forms[0]


def _everything_kept(folder: Path, store_config: dict) -> bytes:
    """Every byte of the SQLite file and its log, or every key and value in Redis."""
    if not store_config:
        return b"".join(path.read_bytes() for path in folder.glob("usage.sqlite*"))
    client = redis.Redis.from_url(store_config["REDIS_URL"])
    kept = []
    for key in client.scan_iter():
        value = client.hgetall(key) if client.type(key) == b"hash" else {b"": client.get(key)}
        kept += [key, *(part or b"" for pair in value.items() for part in pair)]
    return b"\n".join(kept)


def test_a_call_s_place_is_gone_once_it_ended(tmp_path, store_config):
    app, twilio = line(tmp_path, **store_config)
    call_to_help(twilio)
    counting = counting_of(app)
    twilio.post("/voice/status", CallSid=SID, CallStatus="completed", CallDuration="5")
    assert counting.store.end(counting.call_key(SID)) is None
    # A second callback for the same call finds no place: counted as before any node.
    twilio.post("/voice/status", CallSid=SID, CallStatus="completed", CallDuration="5")
    counting.flush()
    counts = counting.store.read(DAY, DAY)
    assert Count(Key(DAY, "voice", LINE, ENDED, "ro", "help", "", "under 30 s"), 1) in counts
    assert Count(Key(DAY, "voice", LINE, ENDED, outcome="under 30 s"), 1) in counts


def test_the_status_callback_is_signed_and_counts_only_an_end(tmp_path):
    app, twilio = line(tmp_path)
    assert twilio.post_unsigned("/voice/status", CallSid=SID, CallStatus="completed",
                                CallDuration="75").status == 403
    assert twilio.post("/voice/status", CallSid=SID, CallStatus="ringing").status == 204
    assert twilio.post("/voice/status", CallSid=SID, CallStatus="no-answer",
                       To="+3197010000009").status == 204
    counting_of(app).flush()
    assert counting_of(app).store.read(DAY, DAY) == [
        Count(Key(DAY, "voice", "", ENDED, outcome="no-answer"), 1)]


def test_a_text_to_a_number_of_the_line_counts_that_number(tmp_path):
    app, _ = line(tmp_path, LINE_NUMBERS=f"+3197010000009=pl,{LINE}")
    counting = counting_of(app)
    assert counting.line(f"whatsapp:{LINE}") == LINE
    assert counting.line("+3197010000009") == "+3197010000009"
    assert counting.line(CALLER) == ""
    assert counting.line(None) == ""


def test_old_days_are_removed_at_the_start(tmp_path):
    store = open_store(None, str(tmp_path))
    for day in (date(2025, 11, 1), date(2025, 11, 2), date(2026, 12, 6)):
        store.add(Batch({(day, "voice", "", CALL, "", "", "", ""): 1}, {(0, "voice", CALL): 1}))
    line(tmp_path, USAGE_RETENTION_DAYS="400")  # 7 Dec 2026 less 400 days: 2 Nov 2025
    assert [c.key.day for c in store.read(date(1, 1, 1), DAY)] == [date(2025, 11, 2),
                                                                   date(2026, 12, 6)]


@pytest.mark.parametrize("value", ["forever", "0", "-3", "1.5"])
def test_a_retention_that_is_no_number_of_days_stops_the_start(tmp_path, value):
    with pytest.raises(StartRefused) as refused:
        line(tmp_path, USAGE_RETENTION_DAYS=value)
    assert refused.value.message == (
        f"USAGE_RETENTION_DAYS={value!r}: give the days that daily usage counts are kept, a "
        "whole number of at least 1, such as 400")


def _warnings(caplog, about: str) -> list[str]:
    """The usage counts' warnings about one store (other tests' lines may still be
    written by the worker's thread)."""
    return [r.getMessage() for r in caplog.records if r.name == "ivr.usage"
            and about in r.getMessage()]


def test_a_store_that_cannot_be_made_costs_counts_never_a_call(tmp_path, caplog,
                                                                 monkeypatch):
    """The instance folder's usage file cannot be made (a folder is in its place): every
    webhook answers as before, and one warning says so, however often it is tried."""
    (tmp_path / "usage.sqlite").mkdir()
    monkeypatch.setattr(usage_counts, "RETRY_SECONDS", 0)
    caplog.set_level(logging.WARNING, "ivr.usage")
    app, twilio = line(tmp_path)
    for _ in range(3):
        call_to_help(twilio)
        counting_of(app).flush()
    assert twilio.post("/voice/status", CallSid=SID, CallStatus="completed",
                       CallDuration="75").status == 204
    warnings = _warnings(caplog, str(tmp_path))
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"usage counts are lost while {tmp_path}/usage.sqlite fails")


@pytest.mark.servers
def test_healthz_says_redis_is_down_and_still_answers_200(tmp_path):
    """Issue 25: with Redis down, /healthz says so and answers 200 (calls work without
    it: a load balancer must not pull every instance when Redis restarts), and says it
    is back once it is."""
    with redis_server() as server:
        app, twilio = line(tmp_path, REDIS_URL=server.uri,
                           RATELIMIT_STORAGE_URI=server.uri)
        client = app.test_client()
        assert client.get("/healthz").get_json()["stores"] == {"caps": "ok", "usage": "ok"}
        server.stop()
        down = client.get("/healthz")
        assert down.status_code == 200
        assert down.get_json()["status"] == "degraded"
        assert down.get_json()["stores"] == {"caps": "down", "usage": "down"}
        assert twilio.post("/voice", CallSid=SID).status == 200  # and calls go on
        server.start()
        assert client.get("/healthz").get_json() == {
            "status": "ok", "menus_version": down.get_json()["menus_version"],
            "stores": {"caps": "ok", "usage": "ok"}}


@pytest.mark.servers
def test_redis_stopped_mid_traffic_and_back(tmp_path, caplog):
    """Counts are lost while Redis is down, one warning; asked again a minute later, Redis
    is back and counts are kept again."""
    caplog.set_level(logging.WARNING, "ivr.usage")
    clock = [0.0]
    with redis_server() as server:
        store = open_store(server.uri, str(tmp_path))
        counting = usage_counts.Counting(store, frozenset(), b"k" * 32, lambda: NOW, 400,
                                         monotonic=lambda: clock[0])
        counting.count([Event(CALL)], "voice", LINE)
        server.stop()
        for _ in range(5):
            counting.count([Event(CALL)], "voice", LINE, SID)
            counting.flush()
            clock[0] += 1
        server.start()  # the same port, empty: as a Redis restarted without its data
        counting.count([Event(CALL)], "voice", LINE)
        counting.flush()  # within the minute: not asked, lost
        clock[0] += usage_counts.RETRY_SECONDS
        counting.count([Event(NODE, "nl", "main")], "voice", LINE)
        counting.flush()
        assert [c.key.kind for c in store.read(DAY, DAY)] == [NODE]
    where = f"Redis at 127.0.0.1:{server.port}"
    assert _warnings(caplog, where) == [
        f"usage counts are lost while {where} fails (ConnectionError: Error 111 connecting "
        f"to 127.0.0.1:{server.port}. Connection refused.); calls and texts go on, and it is "
        "tried again every 60 s",
        f"usage counts are kept again in {where}"]


@pytest.mark.servers
def test_a_redis_that_is_not_there_at_the_start_stops_nothing(tmp_path, caplog):
    caplog.set_level(logging.WARNING, "ivr.usage")
    port = free_port()
    app, twilio = line(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}")
    call_to_help(twilio)
    counting_of(app).flush()
    assert len(_warnings(caplog, f"Redis at 127.0.0.1:{port}")) == 1


@pytest.mark.servers
def test_gunicorn_s_workers_have_written_every_count_when_they_stop(tmp_path):
    """The Procfile's command (gevent workers, the app loaded before the fork): each worker
    writes its counts from a thread of its own, and what is left when it stops."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": KEY, "INSTANCE_PATH": str(tmp_path),
           "LINE_NUMBERS": LINE}
    with gunicorn(tmp_path / "gunicorn.log", env) as base:
        for n in range(20):
            assert post(base, "/voice/status", TOKEN, CallSid=f"CA{n:032x}", To=LINE,
                        CallStatus="completed", CallDuration="45") == (204, "")
    counts = open_store(None, str(tmp_path)).read(date(1, 1, 1), date(9999, 12, 31))
    assert [(c.key.kind, c.key.line, c.key.outcome, c.count) for c in counts] == [
        (ENDED, LINE, "30-60 s", 20)]
