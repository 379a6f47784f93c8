"""`flask report`: how the line is used, from the usage counts, as HTML, JSON or CSV."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.web.usage_view import FORMATS, NoUsageStore, report


@click.command("report")
@with_appcontext
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The first day (YYYY-MM-DD); default: a year before --until.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The last day, included; default: today in Amsterdam.")
@click.option("--format", "form", type=click.Choice(list(FORMATS)), default="html",
              show_default=True)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-",
              help="The file to write; default: standard output.")
def report_command(since: datetime | None, until: datetime | None, form: str,
                   output: TextIO) -> None:
    """The usage report: calls by language, menu choices, where calls ended, forwards,
    texts and the hour of the week, every count from 1 to 4 shown as "fewer than 5"."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        text, _ = report(app, since and since.date(), until and until.date(), form)
    except NoUsageStore as exc:
        raise click.ClickException(f"{exc}: no usage store is configured") from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc
    output.write(text)
