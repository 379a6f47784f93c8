"""Which Twilio <Say> voice speaks which language (Twilio's voice list:
https://www.twilio.com/docs/voice/twiml/say/text-speech).

A voice that does not match the <Say> language can make Twilio fail the <Say>, so the
validator checks each language's voice against the table in voices.csv, next to this
file: a voice Twilio adds is a row there, not a change here.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from ivr.content.problems import suggest

TABLE = Path(__file__).with_name("voices.csv")
VOICES_PAGE = "https://www.twilio.com/docs/voice/twiml/say/text-speech"
# Twilio's neural and generative versions of a Polly voice: Polly.Lotte-Neural.
ENGINES = ("-Neural", "-Generative")
# A Google voice's name carries its locale: Google.nl-NL-Standard-A, Google.tr-TR-Chirp3-HD-Kore.
GOOGLE_RE = re.compile(r"Google\.([a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


@cache
def voices() -> dict[str, tuple[str, ...]]:
    """Each voice of the table and the <Say> languages it speaks."""
    with TABLE.open(encoding="utf-8", newline="") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        table: dict[str, tuple[str, ...]] = {}
        for row in rows:
            table[row["voice"]] = (*table.get(row["voice"], ()), row["language"])
    return table


def speaks(voice: str) -> tuple[str, ...] | None:
    """The <Say> languages of a voice Twilio lists, or None when it lists no such voice."""
    found = GOOGLE_RE.fullmatch(voice)
    if found:
        return (found.group(1),)
    base = next((voice.removesuffix(e) for e in ENGINES if voice.startswith("Polly.")
                 and voice.endswith(e)), voice)
    return voices().get(base)


def voice_problem(voice: str, say_language: str) -> str | None:
    """Why this voice cannot speak this language, or None when it can."""
    spoken = speaks(voice)
    if spoken is None:
        # The closest voice of the language first: Polly.Filis for tr-TR is Polly.Filiz.
        same = [name for name, langs in voices().items() if _speaks(langs, say_language)]
        hint = suggest(voice, same) or suggest(voice, voices())
        return f"'{voice}' is not a voice Twilio lists for <Say>{hint}; see {VOICES_PAGE}"
    if not _speaks(spoken, say_language):
        languages = " or ".join(f"'{language}'" for language in spoken)
        return f"'{voice}' speaks {languages}, not '{say_language}'"
    return None


def _speaks(languages: tuple[str, ...], say_language: str) -> bool:
    # Twilio's own examples write a language both ways: en-gb and en-GB.
    return say_language.lower() in {language.lower() for language in languages}
