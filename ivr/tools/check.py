"""`python -m ivr.tools.check [FILE]`: the menus report without starting the app, so that it
works on exactly the file that would stop the line (`make check` runs it)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ivr.lines import DEFAULT_MENUS_PATH
from ivr.tools.report import Report, build_report, render_text


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--audio-dir", type=click.Path(file_okay=False), default=None,
              help="The recordings (default: AUDIO_DIR, or audio/ beside FILE).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON, for machines.")
@click.option("--sms", "verbose", is_flag=True, help="List every SMS reply with its cost.")
def main(file: str | None, audio_dir: str | None, as_json: bool, verbose: bool) -> None:
    """Validate FILE (default: MENUS_PATH, or menus.yaml) and report on every language;
    exit 1 when it has errors."""
    path = Path(file or os.environ.get("MENUS_PATH") or DEFAULT_MENUS_PATH)
    audio = audio_dir or os.environ.get("AUDIO_DIR") or path.parent / "audio"
    report = build_report(path, audio)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        for line in render_text(report, verbose):
            click.echo(line)
        click.echo(verdict(report))
    sys.exit(0 if report.ok else 1)


def verdict(report: Report) -> str:
    counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.ok:
        codes = ", ".join(lang.code for lang in report.languages)
        return f"{report.file}: OK: {counts}; languages {codes}."
    if not report.starts:
        return f"{report.file}: {counts}; the line will not start with this file."
    missing = ", ".join(lang.code for lang in report.languages if not lang.complete)
    if not missing:  # every language is there, but a time goal is broken
        return f"{report.file}: {counts}; the line starts, but callers wait too long: fix it."
    return f"{report.file}: {counts}; the line starts without {missing} until fixed."


if __name__ == "__main__":
    main()
