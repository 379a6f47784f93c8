"""`flask menus check [FILE]`: the start-up validation, as a command for editors."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from sms.checks import report as sms_report

from .audio import espeak_ng, render
from .loader import check_file, load_menus
from .problems import ERROR, MenuError
from .speech import plain, text_hash
from .utterances import every

menus_cli = AppGroup("menus", help="Check the menus file.")


@menus_cli.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def check(file: str | None) -> None:
    """Validate FILE (default: the app's menus.yaml); exit 1 when it has errors."""
    path = file or current_app.config["MENUS_PATH"]
    audio = None if file else current_app.config["AUDIO_DIR"]
    menus, problems = check_file(path, audio)
    errors = [p for p in problems if p.severity == ERROR]
    for problem in problems:
        click.echo(str(problem), err=problem.severity == ERROR)
    if errors:
        incomplete = sorted({p.lang for p in errors if p.lang})
        effect = ("the line will not start with this file" if any(p.lang is None for p in errors)
                  else f"the line starts without {', '.join(incomplete)} until fixed")
        click.echo(f"{path}: {len(errors)} error(s), {len(problems) - len(errors)} "
                   f"warning(s); {effect}.", err=True)
        sys.exit(1)
    assert menus is not None
    click.echo("SMS replies (encoding, length, segments):")
    for line in sms_report(menus):
        click.echo(f"  {line}")
    click.echo(f"{path}: OK: {len(menus.languages)} languages ({', '.join(menus.languages)}), "
               f"{len(menus.nodes)} nodes, {len(menus.contacts)} contacts, "
               f"{len(problems)} warning(s).")


audio_cli = AppGroup("audio", help="Make and check recorded prompts.")


@audio_cli.command("render")
@click.option("--lang", "langs", multiple=True, required=True, help="Language code, e.g. uk.")
@click.option("--force", is_flag=True, help="Also for a language that has a Twilio voice.")
def render_audio(langs: tuple[str, ...], force: bool) -> None:
    """Make the missing and stale recordings of a language with espeak-ng, as synthetic
    placeholders until a person records them (needs: apt-get install espeak-ng sox)."""
    try:
        menus, _ = load_menus(current_app.config["MENUS_PATH"], current_app.config["AUDIO_DIR"],
                              recordings=False)
    except MenuError as exc:
        raise click.ClickException(str(exc)) from None
    for lang in langs:
        if lang not in menus.languages:
            raise click.BadParameter(f"'{lang}' is not a complete language of the menus; "
                                     "see flask menus check", param_hint="--lang")
        if menus.languages[lang].voice and not force:
            raise click.BadParameter(f"'{lang}' has a Twilio voice, which speaks better than "
                                     "espeak-ng; use --force to record it anyway",
                                     param_hint="--lang")
        wanted = {uid: (plain(menus, lang, u), text_hash(menus, lang, u))
                  for uid, u in every(menus, lang).items()}
        made, kept = render(current_app.config["AUDIO_DIR"], lang, wanted, espeak_ng,
                            "espeak-ng")
        click.echo(f"{lang}: {len(made)} recording(s) made, {len(kept)} kept")
