"""A line: its menus file read, and every check of it run, the content's, the voice's and
the SMS line's, above all three. The app loads its menus here, and make check reports
from here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ivr.content import model as m
from ivr.content.loader import default_language, read_file
from ivr.content.problems import ERROR, WARNING, MenuError, Problem
from ivr.voice.checks import check_recordings
from ivr.voice.sizes import check_sizes
from ivr.voice.speech import playable
from sms.checks import check_sms

# The line this repository ships, at its root: what the app and make check read when
# MENUS_PATH is not set, wherever they are run from.
DEFAULT_MENUS_PATH = Path(__file__).resolve().parent.parent / "menus.yaml"


def check_file(path: str | Path, audio_dir: str | Path | None = None,
               dropped: frozenset[str] = frozenset(),
               recordings: bool = True) -> tuple[m.Menus | None, list[Problem]]:
    """Every problem in the file, and the model when it could be built (with recordings
    False: whether or not the recordings are there, for making them)."""
    menus, out = read_file(path, audio_dir, dropped)
    if menus is not None and not out.errors:
        # The SMS replies and the recordings are made from the texts checked above.
        check_sms(menus, out)
        if recordings:
            check_recordings(menus, out)
    if menus is None or out.errors:
        return None, out.problems
    menus = replace(menus, playable=playable(menus))
    # Every answer made once and measured (which also makes the webhooks' first ones fast).
    check_sizes(menus, out)
    return (None if out.errors else menus), out.problems


@dataclass(frozen=True)
class Start:
    """What start-up makes of a menus file: the model it serves, or None when it refuses
    to start; every problem of every round of checks, each once, in the order found; and
    what a started line logs (the languages left out, the last round's warnings)."""

    menus: m.Menus | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    dropped: frozenset[str] = frozenset()


def start(path: str | Path, audio_dir: str | Path | None = None,
          recordings: bool = True) -> Start:
    """The menus as start-up checks them (load_menus), with every problem of every round.

    A language whose only problems are its own (a missing translation, keyword or
    recording) is left out, with a warning, so that one incomplete language does not take
    the line down for everyone: no half language is ever offered.
    """
    menus, problems = check_file(path, audio_dir, recordings=recordings)
    found = dict.fromkeys(problems)
    dropped: frozenset[str] = frozenset()
    notes: list[Problem] = []
    while True:
        errors = [p for p in problems if p.severity == ERROR]
        if not errors:
            assert menus is not None
            return Start(menus, tuple(found), tuple(notes + problems), dropped)
        incomplete = frozenset(p.lang for p in errors if p.lang)
        if any(p.lang is None for p in errors) or default_language(path) in incomplete:
            return Start(None, tuple(found), tuple(notes), dropped)
        # Some checks run only once the texts are complete: drop, check again, repeat.
        notes += [Problem(f"language '{lang}'", f"is not offered: {count} problem(s); run "
                          "flask menus check", WARNING, Path(path).name, lang)
                  for lang in sorted(incomplete)
                  for count in [sum(p.lang == lang for p in errors)]]
        dropped |= incomplete
        menus, problems = check_file(path, audio_dir, dropped, recordings)
        found.update(dict.fromkeys(problems))


def load_menus(path: str | Path, audio_dir: str | Path | None = None,
               recordings: bool = True) -> tuple[m.Menus, list[Problem]]:
    """The model and its warnings (see start); raises MenuError listing every error of
    every round, those of the languages it would leave out too."""
    found = start(path, audio_dir, recordings)
    if found.menus is None:
        raise MenuError([*found.warnings, *found.problems])
    return found.menus, list(found.warnings)
