"""Problems found in menus.yaml, worded so that an editor can fix them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "node 'signals' option '3'"
    message: str
    severity: str = ERROR
    source: str = "menus.yaml"
    lang: str | None = None  # set when the problem concerns one language only

    def __str__(self) -> str:
        prefix = f"{self.source}: {self.where}: " if self.where else f"{self.source}: "
        tag = "" if self.severity == ERROR else "warning: "
        return f"{prefix}{tag}{self.message}"


class MenuError(Exception):
    """menus.yaml cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == ERROR]
        lines = [f"{len(errors)} problem(s) in the menus:"] + [str(p) for p in errors]
        super().__init__("\n".join(lines))


def suggest(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'report'?)' when a known name is close, else ''."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Collector:
    """Collects problems while the menus are read, so that all are reported at once."""

    def __init__(self, source: str, dropped: frozenset[str] = frozenset()):
        self.source = source
        self.problems: list[Problem] = []
        self.dropped = dropped  # languages left out because they are incomplete

    def error(self, where: str, message: str, lang: str | None = None) -> None:
        self.problems.append(Problem(where, message, ERROR, self.source, lang))

    def warn(self, where: str, message: str, lang: str | None = None) -> None:
        self.problems.append(Problem(where, message, WARNING, self.source, lang))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]
