"""`flask twilio ...`: the line's side at Twilio. `purge` deletes Twilio's records of the
line's finished calls and texts; more commands about the account join this group."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from ivr.tools import purge
from ivr.tools.doctor_cli import doctor_command, setup_command
from ivr.web import line_numbers
from ivr.web.rest_client import rest_client

log = logging.getLogger("ivr.purge")

twilio_cli = AppGroup("twilio", help="The line's account at Twilio: what Twilio keeps of it.")

RETRIES = 3  # a 429 or a server error: tried again after 1, 2 and 4 s, then left
TIMEOUT = 30.0  # seconds a request may take; no caller waits for the purge


@twilio_cli.command("purge")
@click.option("--older-than", default="10m", show_default=True,
              help="Delete only records finished at least this long ago: 90s, 10m, 1h, 2d.")
@click.option("--dry-run", is_flag=True,
              help="Delete nothing; count what would be deleted.")
@click.option("--repeat", is_flag=True,
              help="Run again every PURGE_EVERY (default 10m) until stopped: the Procfile's "
                   "purge process. Off (PURGE=off, or a setting missing), it waits idle.")
def purge_command(older_than: str, dry_run: bool, repeat: bool) -> None:
    """Delete Twilio's records of the line's finished calls and texts (LINE_NUMBERS):
    calls to and from its numbers with their forwarded legs, messages to and from them.
    Prints and logs counts by kind and status only, never a number, body or SID."""
    try:
        age = purge.duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    config = current_app.config
    sleep: Callable[[float], Any] = config.get("PURGE_SLEEP") or time.sleep
    # urllib3 logs each request's path at DEBUG: it holds SIDs and, in a list's filter,
    # the line's numbers.
    logging.getLogger("urllib3").setLevel(max(logging.INFO, log.getEffectiveLevel()))
    why = purge.why_off(config)
    if repeat:
        every = purge.duration(config.get("PURGE_EVERY") or "10m").total_seconds()
        _repeat(lambda: _one_run(age, dry_run, sleep, why), every, sleep, why)
    if why == "PURGE=off":
        _say(f"purge: nothing deleted: {purge.start_warning(config)}", logging.WARNING)
        return
    if why:
        raise click.ClickException(f"the purge needs {why.removesuffix(' not set')} "
                                   "(not set)")
    try:
        failed = _one_run(age, dry_run, sleep, why).total({purge.FAILED})
    except purge.PurgeError as exc:
        raise click.ClickException(str(exc)) from None
    if failed:  # exit status 1, for a scheduler to tell
        raise click.ClickException(f"{failed} record(s) not deleted for an error: see above")


def _one_run(age: Any, dry_run: bool, sleep: Callable[[float], Any],
             why: str | None) -> purge.Tally:
    config = current_app.config
    client = rest_client(config, TIMEOUT, retries=RETRIES, sleep=sleep)
    assert client is not None and why is None
    run = purge.Purge(client, line_numbers.numbers(config["LINE_NUMBERS"]), age,
                      lambda: datetime.now(UTC), dry_run)
    tally = run.run()
    for line in tally.lines():
        _say(f"  {line}")
    _say(tally.summary(dry_run))
    return tally


def _repeat(run: Callable[[], object], every: float, sleep: Callable[[float], Any],
            why: str | None) -> NoReturn:
    """Run, wait `every` seconds, and again, until the process is stopped; a failed run
    is logged (its kind of error only) and the next one tried. Off, it waits idle: a
    process that ends is restarted by the platform, again and again."""
    if why:
        _say(f"purge: off, this process waits idle: {purge.start_warning(current_app.config)}"
             if why == "PURGE=off" else
             f"purge: off ({why}), this process waits idle", logging.WARNING)
    while True:
        if not why:
            try:
                run()
            except purge.PurgeError as exc:
                _say(f"purge: this run stopped: {exc}", logging.ERROR)
            except Exception as exc:  # the next run may do better; no message: it may hold a SID
                _say(f"purge: this run failed ({type(exc).__name__})", logging.ERROR)
        sleep(every)


def _say(line: str, level: int = logging.INFO) -> None:
    """Printed, and logged (a JSON line under the Procfile)."""
    click.echo(line, err=level >= logging.WARNING)
    log.log(level, "%s", line)


twilio_cli.add_command(doctor_command)
twilio_cli.add_command(setup_command)
