"""Golden calls: for every line in the repository and each of its languages, one
simulated call to each forward it offers (the contacts menu, a person's key away), as
`flask call` prints it, kept as a snapshot with syrupy in tests/golden/. After a change of
content, look at the difference and write them anew: pytest tests/test_golden.py
--snapshot-update. Besides the snapshot, each call is checked for what must hold whatever
the words: only the keys offered, the emergency number in the greeting, a person offered
in the main menu, and a forward at the end."""

from __future__ import annotations

import re
from typing import Any

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from ivr.content import model as m
from ivr.voice.answers import greeting_order

from .helpers import LINES, ROOT, line_app, line_menus, printed

GOLDEN = ROOT / "tests" / "golden"


class TranscriptSnapshot(SingleFileSnapshotExtension):
    """One plain-text file a call, in tests/golden/, named after the test's parameters."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(GOLDEN)


@pytest.fixture
def golden(snapshot):
    return snapshot.use_extension(TranscriptSnapshot)


def forwards(menus: m.Menus) -> dict[str, str]:
    """Each forward of the contacts menu -> the keys to it from the main menu."""
    person = next(g.key for g in menus.settings.global_keys if g.action == m.CONTACTS)
    contacts = menus.nodes[menus.settings.other_contacts_node]
    return {o.target: f"{person},{o.key}" for o in contacts.options
            if menus.nodes[o.target].kind == m.FORWARD}


def says_emergency(menus: m.Menus, line: str) -> bool:
    """Whether a transcript line says the emergency number (a recording's text spells it
    digit by digit)."""
    emergency = next(c for c in menus.contacts.values() if c.emergency)
    return emergency.display in re.sub(r"(?<=\d) (?=\d)", "", line)


def transcript(line: str, lang: str) -> str:
    runner, parts = line_app(line).test_cli_runner(), []
    for node_id, keys in forwards(line_menus(line)).items():
        result = runner.invoke(args=["call", "--lang", lang, "--keys", keys])
        assert result.exit_code == 0, result.output
        parts.append(f"## {lang}: to {node_id} with keys {keys}\n{result.output}")
    return "\n".join(parts)


CALLS = [(line, lang) for line in LINES for lang in line_menus(line).languages]


@pytest.mark.parametrize(("line", "lang"), CALLS)
def test_golden_call_to_each_forward(golden, line, lang):
    menus = line_menus(line)
    got = transcript(line, lang)
    assert got == golden
    assert set(forwards(menus)) == {n.id for n in menus.nodes.values() if n.kind == m.FORWARD}
    language, contacts = menus.languages[lang], menus.nodes[menus.settings.other_contacts_node]
    person = next(g.key for g in menus.settings.global_keys if g.action == m.CONTACTS)
    greeted = greeting_order(menus, "NL")  # the simulated caller has a Dutch mobile number
    for section in got.split("\n## "):
        lines = section.splitlines()
        waits = [i for i, text in enumerate(lines) if text.startswith("  waits for a key: ")]
        # The language's keys, then the key for a person, then the contact's: nothing else.
        pressed = [lines[i].rsplit(" ", 1)[1] for i in waits]
        assert pressed[:len(language.key)] == list(language.key)
        assert pressed[len(language.key)] == person and len(pressed) == len(language.key) + 2
        # The emergency number once in each greeting language, before any key; then in the
        # caller's own language at the start of the main menu, unless the greeting said it.
        before = lines[1:waits[0]]
        assert sum(says_emergency(menus, text) for text in before) == len(greeted)
        first = lines[waits[len(language.key) - 1] + 1]
        assert says_emergency(menus, first) == (lang not in greeted), first
        # A person is offered in the main menu, and the key leads to the contacts menu.
        menu = lines[waits[len(language.key) - 1] + 1:waits[len(language.key)]]
        assert any(menus.prompt("global_contacts", lang) in text for text in menu)
        assert printed(menus, lang, contacts.say[lang]) in lines[waits[len(language.key)] + 1]
        assert "→ forward to " in lines[-1] and "(time-out)" not in section
    for node_id in forwards(menus):
        contact = menus.contacts[menus.nodes[node_id].contact or ""]
        assert f"→ forward to {contact.id} {contact.number}, caller ID: line's own number" in got
