"""`flask menus check [FILE]`: the start-up validation, as a command for editors."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from sms.checks import report as sms_report

from .loader import check_file
from .problems import ERROR

menus_cli = AppGroup("menus", help="Check the menus file.")


@menus_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def check(file: str | None) -> None:
    """Validate FILE (default: the app's menus.yaml); exit 1 when it has errors."""
    path = file or current_app.config["MENUS_PATH"]
    menus, problems = check_file(path)
    errors = [p for p in problems if p.severity == ERROR]
    for problem in problems:
        click.echo(str(problem), err=problem.severity == ERROR)
    if errors:
        click.echo(f"{path}: {len(errors)} error(s), {len(problems) - len(errors)} "
                   "warning(s); the line will not start with this file.", err=True)
        sys.exit(1)
    assert menus is not None
    click.echo("SMS replies (encoding, length, segments):")
    for line in sms_report(menus):
        click.echo(f"  {line}")
    click.echo(f"{path}: OK: {len(menus.languages)} languages ({', '.join(menus.languages)}), "
               f"{len(menus.nodes)} nodes, {len(menus.contacts)} contacts, "
               f"{len(problems)} warning(s).")
