"""The caps on numbers by text are exact: counted in one atomic step, in a
store that every worker shares (SQLite on one machine, Redis across machines), whatever
runs concurrently and whichever worker restarts. Redis is Debian's redis-server, for real,
on a loopback port."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from bench.servers import post, wait_for
from ivr.web.capstore import SQLiteStorage

from .helpers import (
    METRICS_TOKEN,
    TOKEN,
    Answer,
    Twilio,
    confirm_text,
    shipped_menus,
    texting_line,
)
from .servers import gunicorn, redis_server

MENUS = shipped_menus()
KEY = "9f2c1e7a5b3d8c0f4e6a2b9d1c7e5f3a"
SENT = MENUS.prompt("text_sent", "nl")
NOT_SENT = MENUS.prompt("text_not_sent", "nl")


def mobiles(count: int) -> list[str]:
    return [f"+316{12345600 + i}" for i in range(count)]


def confirms(numbers: list[str], uri: str, threads: int, **caps: str) -> int:
    """Each number confirms once, `threads` at a time, in one app (one worker); how many
    texts reached the (fake) Twilio API."""
    # The number is counted on a hash keyed with SECRET_KEY: the same in every worker.
    app, fake, _ = texting_line(RATELIMIT_STORAGE_URI=uri, SECRET_KEY=KEY, **caps)

    def one(number: str) -> None:
        assert confirm_text(Twilio(app.test_client()), caller=number).status == 200

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, numbers))
    return len(fake.sent)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.servers)])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'caps.sqlite'}"
        return
    with redis_server() as server:
        yield server.uri


@pytest.mark.slow
def test_the_overall_cap_under_32_concurrent_confirms(store):
    assert confirms(mobiles(32), store, threads=32, SMS_OVERALL="10 per hour") == 10


@pytest.mark.slow
def test_exact_across_two_worker_processes(store):
    """Two processes, as two gunicorn workers, each with its own app and connection: one
    number confirming 8 times in each gets 3 texts in all; 24 numbers, 5 in all."""
    context = multiprocessing.get_context("fork")
    jobs = [(["+31612345678"] * 8, store, 4), (mobiles(24)[:12], store, 4),
            (mobiles(24)[12:], store, 4)]
    with context.Pool(2) as pool:
        per_number = pool.starmap(confirms, [jobs[0], jobs[0]])
    assert sum(per_number) == 3
    with context.Pool(2) as pool:
        overall = pool.starmap(_overall_of_five, [jobs[1], jobs[2]])
    assert sum(overall) == 5


def _overall_of_five(numbers: list[str], uri: str, threads: int) -> int:
    return confirms(numbers, uri, threads, SMS_OVERALL="5 per hour")


@pytest.mark.servers
def test_redis_stopped_mid_traffic_and_back():
    """Calls go on as before; texts are refused and the numbers spoken; once Redis is back,
    texts are sent again, counted as before."""
    with redis_server() as server:
        _, fake, twilio = texting_line(RATELIMIT_STORAGE_URI=server.uri)
        assert SENT in confirm_text(twilio, caller="+31612345601").spoken()
        server.stop()
        started = time.monotonic()
        menu = twilio.post("/voice/nl/main/input?miss=0", Digits="2")
        assert menu.status == 200 and menu.first("Gather") is not None
        refused = confirm_text(twilio, caller="+31612345602")
        assert refused.status == 200 and NOT_SENT in refused.spoken()
        assert refused.times_spoken(MENUS.contacts["police"]) == 1
        assert time.monotonic() - started < 5  # a refused connection fails at once
        server.start()  # the same port, empty: as a Redis restarted without its data
        assert SENT in confirm_text(twilio, caller="+31612345603").spoken()
        assert len(fake.sent) == 2


def _spoken(body: str) -> str:
    return Answer(200, ET.fromstring(body), body).spoken()


@pytest.mark.servers
def test_exact_across_gunicorn_workers_that_restart(tmp_path):
    """The Procfile's command with its default store (no RATELIMIT_STORAGE_URI): one
    number confirms 6 times, both workers are killed and replaced, it confirms 6 more
    times: 3 texts. With 8 numbers more and an hourly cap of 5: 5 in all."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": KEY, "SMS_OVERALL": "5 per hour"}
    log = tmp_path / "gunicorn.log"
    with gunicorn(log, env, app="tests.capsapp:app") as base:
        def send(number: str) -> str:
            status, body = post(base, "/voice/nl/text_report/input?miss=0", TOKEN,
                                Digits=MENUS.settings.text_confirm_key, From=number,
                                To="+3197010000000")
            assert status == 200
            return _spoken(body)

        with ThreadPoolExecutor(4) as pool:
            before = list(pool.map(send, ["+31612345678"] * 6))
            # gunicorn answers as soon as its first worker is up: wait for the second,
            # or only one of them would be killed (seen once in a clean clone).
            wait_for(lambda: len(_workers(log)) == 2, "the second worker")
            for pid in _workers(log):  # this test's own gunicorn's workers
                os.kill(pid, signal.SIGKILL)
            wait_for(lambda: len(_workers(log)) == 4, "two new workers")
            after = list(pool.map(send, ["+31612345678"] * 6 + mobiles(8)))
    assert sum(SENT in answer for answer in before + after[:6]) == 3
    assert sum(SENT in answer for answer in before + after) == 5


def _workers(log: Path) -> list[int]:
    return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log.read_text())]


# -- the embedded store recovers, without a restart ---------------------------------------


def _stored_line(folder: Path, **caps: str):
    """The line with its default store (no RATELIMIT_STORAGE_URI), in `folder`."""
    app, fake, twilio = texting_line(INSTANCE_PATH=str(folder), SECRET_KEY=KEY, **caps)
    return app, fake, twilio, folder / "caps.sqlite"


def _assert_private(store: Path) -> None:
    assert store.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(store) as conn:  # the table is there
        assert conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] >= 0


def test_the_store_is_the_instance_folders_own(tmp_path):
    folder = tmp_path / "made" / "instance"
    app, _, twilio, store = _stored_line(folder)
    assert app.instance_path == str(folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    _assert_private(store)
    assert SENT in confirm_text(twilio).spoken()


@pytest.mark.parametrize("damage", ["delete", "garbage", "garbage in a new file", "empty",
                                    "delete the folder"])
@pytest.mark.slow
def test_a_damaged_store_is_made_anew_at_the_next_confirm(tmp_path, damage):
    _, fake, twilio, store = _stored_line(tmp_path / "instance")
    assert SENT in confirm_text(twilio, caller="+31612345601").spoken()
    if damage == "delete":
        store.unlink()
    elif damage == "garbage":  # overwritten in place: the same file, open in the app
        store.write_bytes(b"not a database, as a disk or an editor may leave it" * 200)
    elif damage == "garbage in a new file":
        store.unlink()
        store.write_bytes(os.urandom(8192))
    elif damage == "empty":
        store.write_bytes(b"")
    else:
        shutil.rmtree(store.parent)
    # The confirm that finds it so is sent, and the caps count on, in the new file.
    assert [SENT in confirm_text(twilio, caller="+31612345602").spoken()
            for _ in range(4)] == [True] * 3 + [False]
    assert len(fake.sent) == 4
    _assert_private(store)


def test_a_corrupt_store_does_not_close_the_metrics(tmp_path):
    app, _, _, store = _stored_line(tmp_path, METRICS_TOKEN=METRICS_TOKEN)
    store.write_bytes(b"garbage" * 1000)
    scrape = app.test_client().get("/metrics",
                                   headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    _assert_private(store)


@pytest.mark.slow
def test_a_fresh_worker_makes_the_deleted_store_anew_with_its_table(tmp_path):
    # A worker forked after the file was deleted (as gunicorn replaces a dead one) opens a
    # store with its table and mode 0600, not an empty file that every count fails in.
    _, _, twilio, store = _stored_line(tmp_path)
    store.unlink()
    worker = multiprocessing.get_context("fork").Process(
        target=lambda: os._exit(0 if SENT in confirm_text(twilio).spoken() else 1))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 0
    _assert_private(store)
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 2  # both caps
    assert [SENT in confirm_text(twilio).spoken() for _ in range(3)] == [True, True, False]


def test_a_store_busy_too_long_fails_and_is_left_as_it_is(tmp_path):
    # Another process's transaction is no damage: the count fails (the caller hears the
    # numbers), and the file, with the counts in it, stays.
    uri = f"sqlite:///{tmp_path / 'caps.sqlite'}"
    storage = SQLiteStorage(uri, timeout=0.05)
    assert storage.acquire_entry("k", 3, 60)
    before = (tmp_path / "caps.sqlite").stat().st_ino
    holder = sqlite3.connect(tmp_path / "caps.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        storage.acquire_entry("k", 3, 60)
    holder.execute("ROLLBACK")
    holder.close()
    assert (tmp_path / "caps.sqlite").stat().st_ino == before
    assert storage.get_moving_window("k", 3, 60)[1] == 1
