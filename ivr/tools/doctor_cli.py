"""`flask twilio doctor` and `flask twilio setup`: how the line's numbers are set at
Twilio, and setting what the line can set itself (ivr/tools/number_config.py).

Neither prints a caller's number: they read no call or message. The line's own numbers
are named by their place in LINE_NUMBERS and masked, as in the logs.
"""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.tools import number_config as nc
from ivr.web import line_numbers
from ivr.web.rest_client import rest_client

TIMEOUT = 30.0  # seconds a request may take
RETRIES = 3  # a 429: tried again after 1, 2 and 4 s
NEEDS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LINE_NUMBERS", "PUBLIC_BASE_URL")

fallback_options = [
    click.option("--voice-fallback-url", metavar="URL",
                 help="The URL of the line-fallback TwiML Bin (docs/operations.md)."),
    click.option("--sms-fallback-url", metavar="URL",
                 help="The URL of the line-sms-fallback TwiML Bin (docs/operations.md)."),
]


def with_fallbacks(command: Any) -> Any:
    for option in reversed(fallback_options):
        command = option(command)
    return command


@click.command("doctor")
@with_appcontext
@with_fallbacks
def doctor_command(voice_fallback_url: str | None, sms_fallback_url: str | None) -> None:
    """Check how each number of LINE_NUMBERS is set at Twilio (webhooks, fallback URLs,
    call status callback, Messaging Services) and the account's voice dialing permissions
    for the Netherlands; print what is right and what to fix. Exit status 1 if anything
    must be fixed. With a fallback URL given, the number must have that one."""
    client, public, numbers, wanted = _start(voice_fallback_url, sms_fallback_url)
    try:
        sections = [("account: voice dialing permissions, Netherlands",
                     nc.dialing_findings(client))]
        services = nc.services_of_numbers(client)
        for place, number in enumerate(numbers, 1):
            sections.append((nc.label(place, number),
                             _number_findings(client, number, services, wanted, public)))
    except nc.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    for title, findings in sections:
        click.echo(title)
        for finding in findings:
            click.echo(finding.line())
    to_fix = sum(f.level == nc.FIX for _, found in sections for f in found)
    if to_fix:
        click.echo(f"doctor: {to_fix} to fix (FIX above)")
        raise SystemExit(1)
    click.echo("doctor: every number is ready")


def _number_findings(client: Any, number: str, services: Any, wanted: dict[str, str | None],
                     public: str) -> list[nc.Finding]:
    found = nc.find_number(client, number)
    if found is None:
        return [nc.Finding(nc.FIX, "not a number of this account (TWILIO_ACCOUNT_SID): buy "
                                   "or port it (console: Phone Numbers → Manage → Buy a "
                                   "number), or take it out of LINE_NUMBERS")]
    return (nc.number_findings(found, wanted, public)
            + nc.service_findings(services, number, wanted["SMS webhook"] or ""))


@click.command("setup")
@with_appcontext
@with_fallbacks
@click.option("--yes", is_flag=True, help="Change without asking (for scripts).")
def setup_command(voice_fallback_url: str | None, sms_fallback_url: str | None,
                  yes: bool) -> None:
    """Set on each number of LINE_NUMBERS what the line can set itself: the voice and SMS
    webhooks and the call status callback (PUBLIC_BASE_URL, POST), and the fallback URLs
    when given. Shows the changes and asks first. Never changes dialing permissions, a
    Messaging Service or anything else: `flask twilio doctor` says how."""
    client, _, numbers, wanted = _start(voice_fallback_url, sms_fallback_url)
    try:
        plan, missing = _plan(client, numbers, wanted)
        if plan:
            click.echo("setup: these settings change at Twilio:")
            for place, number, _, found in plan:
                for change in found:
                    click.echo(f"  {nc.label(place, number)}: {change.describe()}")
        else:
            click.echo("setup: every setting it sets is right already; nothing to change")
        if plan and (yes or click.confirm("Change them?", default=False)):
            for _, _, instance, found in plan:
                nc.apply(instance, found)
            click.echo(f"setup: {sum(len(p[3]) for p in plan)} setting(s) changed")
        elif plan:
            click.echo("setup: nothing changed")
    except nc.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    _after_setup(numbers, wanted, missing)


def _plan(client: Any, numbers: list[str], wanted: dict[str, str | None]
          ) -> tuple[list[tuple[int, str, Any, list[nc.Change]]], list[int]]:
    """Each number found on the account with changes (its place, the number, its
    IncomingPhoneNumber and the changes), and the places of those not found."""
    plan, missing = [], []
    for place, number in enumerate(numbers, 1):
        found = nc.find_number(client, number)
        if found is None:
            missing.append(place)
        elif changes := nc.changes(found, wanted):
            plan.append((place, number, found, changes))
    return plan, missing


def _after_setup(numbers: list[str], wanted: dict[str, str | None],
                 missing: list[int]) -> None:
    if wanted["voice fallback URL"] is None or wanted["SMS fallback URL"] is None:
        click.echo("setup: a fallback URL not given is left as it is: make the TwiML Bins "
                   "(docs/operations.md) and give them with --voice-fallback-url and "
                   "--sms-fallback-url")
    click.echo("setup: dialing permissions and Messaging Services are never changed here: "
               "`flask --app app twilio doctor` checks them and says how to fix them")
    if missing:
        places = ", ".join(nc.label(p, numbers[p - 1]) for p in missing)
        raise click.ClickException(f"not numbers of this account, nothing set: {places}")


def _start(voice_fallback_url: str | None, sms_fallback_url: str | None
           ) -> tuple[Any, str, list[str], dict[str, str | None]]:
    """The client, PUBLIC_BASE_URL, the line's numbers and the URLs wanted; a
    ClickException for a setting missing or a fallback URL that cannot be one."""
    config = current_app.config
    missing = [name for name in NEEDS if not config.get(name)]
    if missing:
        raise click.ClickException(f"{', '.join(missing)} not set: doctor and setup read the "
                                   "numbers of LINE_NUMBERS with the account's credentials, "
                                   "and PUBLIC_BASE_URL is where Twilio reaches the line")
    public = config["PUBLIC_BASE_URL"]
    for option, url in (("--voice-fallback-url", voice_fallback_url),
                        ("--sms-fallback-url", sms_fallback_url)):
        if url and (problem := nc.fallback_problem(url, public)):
            raise click.BadParameter(problem, param_hint=option)
    client = rest_client(config, TIMEOUT, retries=RETRIES)
    return (client, public, line_numbers.numbers(config["LINE_NUMBERS"]),
            nc.wanted_urls(public, voice_fallback_url, sms_fallback_url))
