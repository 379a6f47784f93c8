"""`flask twilio purge` against a fake of Twilio's REST API over real loopback HTTP:
exactly the finished, old enough records of the line's numbers are deleted; a 20009 or a
429 leaves the record for the next run at exit 0; the output holds no number, body or
SID."""

from __future__ import annotations

import logging

import pytest

from app import StartRefused, create_app
from ivr.tools import purge

from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi
from .helpers import CALLER, LINE, MENUS_PATH, ROOT, TOKEN

SECOND_LINE = "+3197010000001"  # the line's number for Polish posters
OTHER = "+3197010000099"  # another number on the same account: never the purge's
POLICE = "+31900884400"
CALLER_2 = "+31687654321"


class Stop(Exception):
    """Raised by the tests' sleep to end a --repeat loop."""


class Sleeps:
    """The purge's sleep in the tests: records each wait instead of waiting; with
    `stop_after`, ends the loop at that wait."""

    def __init__(self, stop_after: int | None = None):
        self.waits: list[float] = []
        self.stop_after = stop_after

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.stop_after is not None and len(self.waits) >= self.stop_after:
            raise Stop


@pytest.fixture
def fake():
    with FakeTwilioApi() as api:
        yield api


def purging_app(fake: FakeTwilioApi, sleeps: Sleeps | None = None, **config):
    return create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_BASE_URL": fake.url,
                       "LINE_NUMBERS": f"{LINE}, {SECOND_LINE}=pl",
                       "PURGE_SLEEP": sleeps or Sleeps(), **config})


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["twilio", "purge", *args])


def secrets_of(fake: FakeTwilioApi, kept: dict) -> list[str]:
    """Every number, body and SID the fake ever held."""
    values = {LINE, SECOND_LINE, OTHER, POLICE, CALLER, CALLER_2, *kept}
    for record in kept.values():
        values.update(v for k, v in record.items() if k in ("to", "from", "body") and v)
    return sorted(values)


def test_exactly_the_finished_old_records_of_the_line_are_deleted(fake, caplog):
    old, young = 60, 2  # minutes ago; --older-than is 10 minutes
    call = fake.add_call(LINE, CALLER, "completed", old)
    deleted = {
        call,
        # the forward to the police: from the caller's number, found by its parent
        fake.add_call(POLICE, CALLER, "completed", old, parent=call),
        # a forward with the line's number as caller ID: found twice, deleted once
        fake.add_call(POLICE, LINE, "no-answer", old, parent=call),
        fake.add_call(SECOND_LINE, CALLER_2, "busy", old),
        fake.add_call(LINE, CALLER_2, "canceled", old),
        fake.add_message(LINE, CALLER, "ik word uitgebuit", "received", old),
        fake.add_message(CALLER, LINE, "Politie: 0900-8844", "delivered", old),
        fake.add_message(CALLER_2, SECOND_LINE, "Policja", "undelivered", old),
        fake.add_message(SECOND_LINE, CALLER_2, "pomoc", "received", old),
    }
    kept = {
        fake.add_call(LINE, CALLER, "in-progress", old),
        fake.add_call(SECOND_LINE, CALLER_2, "ringing", old),
        fake.add_call(LINE, CALLER_2, "completed", young),
        fake.add_message(CALLER, LINE, "Politie", "sent", old),
        fake.add_message(LINE, CALLER_2, "hallo", "received", young),
        # another number of the account, finished and old: never touched
        fake.add_call(OTHER, CALLER, "completed", old),
        fake.add_call(CALLER, OTHER, "completed", old),
        fake.add_message(OTHER, CALLER, "other service", "received", old),
        fake.add_message(CALLER_2, OTHER, "other reply", "delivered", old),
    }
    everything = dict(fake.records)
    caplog.set_level(logging.INFO)

    done = run(purging_app(fake))

    assert done.exit_code == 0, done.output
    assert set(fake.deleted) == deleted and len(fake.deleted) == len(deleted)
    assert set(fake.records) == kept
    assert any("PageToken" in r.query for r in fake.requests)  # lists took several pages
    assert {r.forwarded_host for r in fake.requests} == {"api.twilio.com"}
    assert done.output.splitlines() == [
        "  calls: 5 deleted (busy 1, canceled 1, completed 2, no-answer 1)",
        "  calls: 2 kept: not finished (in-progress 1, ringing 1)",
        "  calls: 1 kept: finished less than --older-than ago (completed 1)",
        "  messages: 4 deleted (delivered 1, received 2, undelivered 1)",
        "  messages: 1 kept: not finished (sent 1)",
        "  messages: 1 kept: finished less than --older-than ago (received 1)",
        "purge: 9 deleted, 0 left for the next run, 5 kept, 0 not deleted for an error"]
    said = done.output + caplog.text
    assert "purge: 9 deleted" in caplog.text
    leaked = [value for value in secrets_of(fake, everything) if value in said]
    assert leaked == []


def test_a_record_twilio_has_not_finished_or_a_busy_twilio_leaves_for_the_next_run(fake):
    not_final = fake.add_message(LINE, CALLER, "help", "received", 60)
    busy = fake.add_call(LINE, CALLER, "completed", 60)
    flaky = fake.add_call(LINE, CALLER_2, "completed", 60)
    fake.scripted = {not_final: [20009], busy: [429, 429, 429, 429], flaky: [500]}
    sleeps = Sleeps()
    app = purging_app(fake, sleeps)

    first = run(app)

    assert first.exit_code == 0, first.output
    assert fake.deleted == [flaky]  # a server error once, then deleted on the retry
    assert sleeps.waits == [1, 2, 4, 1]  # 429: three retries, then left; 500: one
    assert first.output.splitlines()[-3:] == [
        "  calls: 1 left for the next run: Twilio too busy (429 or a server error) "
        "(completed 1)",
        "  messages: 1 left for the next run: Twilio has not finished it (error 20009) "
        "(received 1)",
        "purge: 1 deleted, 2 left for the next run, 0 kept, 0 not deleted for an error"]
    assert not_final not in first.output and busy not in first.output

    second = run(app)

    assert second.exit_code == 0 and set(fake.deleted) == {flaky, not_final, busy}
    assert fake.records == {}


def test_a_delete_refused_for_another_reason_is_counted_and_ends_with_status_1(fake):
    refused = fake.add_call(LINE, CALLER, "completed", 60)
    deleted = fake.add_call(LINE, CALLER_2, "completed", 60)
    fake.scripted = {refused: [20001]}

    done = run(purging_app(fake))

    assert done.exit_code == 1 and fake.deleted == [deleted]
    assert done.output.splitlines()[-5:] == [
        "  calls: 1 deleted (completed 1)",
        "  calls: 1 not deleted: an error (completed 1)",
        "  1 x Twilio refused a delete: HTTP 400, error 20001",
        "purge: 1 deleted, 0 left for the next run, 0 kept, 1 not deleted for an error",
        "Error: 1 record(s) not deleted for an error: see above"]


def test_a_list_twilio_is_too_busy_for_is_left_for_the_next_run(fake):
    fake.add_call(LINE, CALLER, "completed", 60)
    fake.list_answers = [500, 500, 500, 500]  # the first list, and its three retries

    done = run(purging_app(fake))

    assert done.exit_code == 0, done.output
    assert "1 list(s) of Twilio's records left for the next run" in done.output
    assert len(fake.records) == 1  # calls to the line were the list left out


def test_a_dry_run_deletes_nothing_and_counts_what_it_would(fake):
    fake.add_call(LINE, CALLER, "completed", 60)
    fake.add_message(CALLER, LINE, "Politie", "delivered", 60)

    done = run(purging_app(fake), "--dry-run", "--older-than", "30m")

    assert done.exit_code == 0, done.output
    assert not fake.deleted and not [r for r in fake.requests if r.method == "DELETE"]
    assert done.output.splitlines() == [
        "  calls: 1 would be deleted (completed 1)",
        "  messages: 1 would be deleted (delivered 1)",
        "purge: 2 would be deleted (dry run), 0 left for the next run, 0 kept, 0 not "
        "deleted for an error"]


def test_an_api_that_ignores_the_filters_still_costs_no_other_number_a_record(fake):
    fake.ignore_filters = True
    ours = fake.add_call(LINE, CALLER, "completed", 60)
    theirs = {fake.add_call(OTHER, CALLER, "completed", 60),
              fake.add_message(CALLER, OTHER, "other", "delivered", 60)}

    assert run(purging_app(fake)).exit_code == 0
    assert fake.deleted == [ours] and set(fake.records) == theirs


def test_wrong_credentials_stop_the_run_with_what_to_check(fake):
    fake.add_call(LINE, CALLER, "completed", 60)

    done = run(purging_app(fake, TWILIO_ACCOUNT_SID="AC" + "1" * 32))

    assert done.exit_code == 1
    assert done.output == ("Error: Twilio refused the purge's request (HTTP 401, error "
                           "20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN\n")
    assert fake.records and not fake.deleted


def test_older_than_must_be_a_duration(fake):
    done = run(purging_app(fake), "--older-than", "ten")
    assert done.exit_code == 2
    assert ("Invalid value for --older-than: 'ten' is not a duration: write it like 10m, "
            "90s, 1h or 2d") in done.output


def test_repeat_runs_every_purge_every_without_ending(fake):
    sleeps = Sleeps(stop_after=2)
    app = purging_app(fake, sleeps, PURGE_EVERY="5m")
    first = fake.add_call(LINE, CALLER, "completed", 60)
    fake.scripted = {first: [20009]}  # left by the first run, deleted by the second

    done = run(app, "--repeat")

    assert isinstance(done.exception, Stop)
    assert sleeps.waits == [300, 300] and fake.deleted == [first]


def test_a_failed_run_of_repeat_is_logged_and_the_next_one_tried(fake):
    fake.add_call(LINE, CALLER, "completed", 60)
    app = purging_app(fake, Sleeps(stop_after=2), TWILIO_ACCOUNT_SID="AC" + "1" * 32)

    done = run(app, "--repeat")

    assert isinstance(done.exception, Stop)
    assert done.output.splitlines() == 2 * [
        "purge: this run stopped: Twilio refused the purge's request (HTTP 401, error "
        "20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"]


def test_purge_off_deletes_nothing_and_says_what_twilio_keeps(fake, caplog):
    fake.add_call(LINE, CALLER, "completed", 60)
    sleeps = Sleeps(stop_after=3)
    with caplog.at_level(logging.WARNING):
        app = purging_app(fake, sleeps, PURGE="off")
    warning = ("The purge of Twilio's records is off (PURGE=off): Twilio keeps every call's "
               "record (the caller's number, the times) until it is deleted, and every "
               "text's (numbers and body) for 400 days unless the account's messaging data "
               "retention is shorter (docs/operations.md)")
    assert warning in [r.getMessage() for r in caplog.records]

    once, repeating = run(app), run(app, "--repeat")

    assert once.exit_code == 0 and once.output == f"purge: nothing deleted: {warning}\n"
    assert isinstance(repeating.exception, Stop) and len(sleeps.waits) == 3
    assert fake.requests == [] and fake.records


def test_a_line_without_its_settings_cannot_purge_and_its_process_waits(caplog):
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "TWILIO_ACCOUNT_SID": None, "LINE_NUMBERS": None,
                      "PURGE_SLEEP": Sleeps(stop_after=1)})
    assert ("The purge of Twilio's records is off (TWILIO_ACCOUNT_SID, LINE_NUMBERS not "
            "set): Twilio keeps") in caplog.text

    done = run(app)
    assert done.exit_code == 1
    assert done.output == "Error: the purge needs TWILIO_ACCOUNT_SID, LINE_NUMBERS (not set)\n"
    assert isinstance(run(app, "--repeat").exception, Stop)


@pytest.mark.parametrize(("config", "refusal"), [
    ({"PURGE": "no"}, "PURGE='no': write PURGE=off to turn the purge off, or leave it out"),
    ({"PURGE_EVERY": "often"},
     "PURGE_EVERY: 'often' is not a duration: write it like 10m, 90s, 1h or 2d"),
    ({"PURGE_EVERY": "0m"}, "PURGE_EVERY: give a duration of at least 1s, such as 10m"),
])
def test_purge_settings_that_cannot_be_used_are_refused(config, refusal):
    with pytest.raises(StartRefused) as refused:
        create_app({"MENUS_PATH": str(MENUS_PATH), **config})
    assert refused.value.message == refusal


def test_durations():
    assert purge.duration("90s").total_seconds() == 90
    assert purge.duration(" 10M ").total_seconds() == 600
    assert purge.duration("2d").days == 2


def test_the_procfile_runs_the_purge_as_a_second_process(fake):
    processes = dict(line.split(": ", 1) for line in
                     (ROOT / "Procfile").read_text().splitlines() if line)
    assert processes["purge"] == "flask --app app twilio purge --repeat"
    sleeps = Sleeps(stop_after=1)
    fake.add_call(LINE, CALLER, "completed", 60)

    done = purging_app(fake, sleeps).test_cli_runner().invoke(
        args=processes["purge"].split()[3:])

    assert isinstance(done.exception, Stop) and sleeps.waits == [600] and not fake.records
