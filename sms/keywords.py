"""Finding the keyword in a text message, forgivingly: case, accents, punctuation, a
keyword inside a short sentence, and one wrong letter in a long keyword."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ivr.content import model as m

MAX_WORDS = 8  # longer than this, a message is a story, not a request for a topic
TYPO_MIN_LENGTH = 5  # one wrong letter is forgiven in keywords of this length or more...
# ...when the keyword is the whole message: inside a sentence, 'right' and 'nights' are
# words of their own, not RIGHTS mistyped.

# Twilio answers these itself when they are the whole message (opt-out and opt-in);
# the app must not answer them too (Twilio's Messaging docs, reserved keywords:
# https://www.twilio.com/docs/messaging).
CARRIER_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                           "OPTOUT", "START", "YES", "UNSTOP"})
# Twilio's default auto-reply words: a keyword may use them, once they are switched off.
CARRIER_HELP_WORDS = frozenset({"HELP", "INFO"})

TOPIC, MORE, LANGUAGES, LANGUAGE_CODE = "topic", "more", "languages", "language_code"


@dataclass(frozen=True)
class Meaning:
    """What a keyword asks for: a topic, the next page, the language list, a language."""

    kind: str
    target: str = ""  # the node id for a topic, the code for a language


@dataclass(frozen=True)
class Match:
    meaning: Meaning
    langs: tuple[str, ...]  # the languages whose keyword matched


NON_WORD_RE = re.compile(r"[\W_]+")
# Letters that keep their stroke after Unicode decomposition, and are typed without it.
UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "ß": "ss",
                              "æ": "ae", "œ": "oe", "þ": "th"})


def normalize(text: str) -> str:
    """Lower case, no accents, letters and digits only: 'Politie!' and 'POLITIË' match,
    and so do 'ZGŁOŚ' and 'ZGLOS'."""
    if text.isascii():
        # Most messages: no letter to translate, decompose or strip of an accent, and
        # casefold() is lower(); the same result without walking the text letter by letter.
        return " ".join(NON_WORD_RE.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(UNDECOMPOSED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(NON_WORD_RE.sub(" ", bare).split())


def keyword_table(menus: m.Menus) -> dict[str, dict[Meaning, set[str]]]:
    """Normalized keyword -> its meanings -> the languages that give it that meaning."""
    table: dict[str, dict[Meaning, set[str]]] = {}

    def add(words: Iterable[str], meaning: Meaning, lang: str) -> None:
        for word in words:
            table.setdefault(normalize(word), {}).setdefault(meaning, set()).add(lang)

    for node_id in menus.sms.topics:
        for lang, words in menus.nodes[node_id].keywords.items() if (
                node_id in menus.nodes) else ():
            add(words, Meaning(TOPIC, node_id), lang)
    for lang, words in menus.sms.more.items():
        add(words, Meaning(MORE), lang)
    for lang, words in menus.sms.language.items():
        add(words, Meaning(LANGUAGES), lang)
    return table


class KeywordIndex:
    """The keywords of menus.yaml, normalized once at start-up."""

    def __init__(self, menus: m.Menus):
        self.order = tuple(menus.languages)
        self.table = keyword_table(menus)
        self.codes = {normalize(code): code for code in menus.languages}
        self.long = [k for k in self.table if len(k) >= TYPO_MIN_LENGTH]

    def find(self, body: str) -> list[Match]:
        """Every meaning the message could have: one is a clear request, several a guess."""
        text = normalize(body)
        if text in self.codes:  # only alone: 'en' is also a Dutch word
            return [Match(Meaning(LANGUAGE_CODE, self.codes[text]), (self.codes[text],))]
        words = text.split()
        if not words or len(words) > MAX_WORDS:
            return []
        exact = self._collect([w for w in words if w in self.table])
        if exact or len(words) > 1:
            return exact
        word = words[0]
        if len(word) < TYPO_MIN_LENGTH:
            return []
        # One typo away (hulp -> hupl): rapidfuzz's optimal string alignment distance, in C.
        close = process.extract(word, self.long, scorer=OSA.distance, score_cutoff=1,
                                limit=None)
        return self._collect([key for key, _distance, _index in close])

    def _collect(self, keys: list[str]) -> list[Match]:
        merged: dict[Meaning, set[str]] = {}
        for key in keys:
            for meaning, langs in self.table[key].items():
                merged.setdefault(meaning, set()).update(langs)
        return [Match(meaning, tuple(lang for lang in self.order if lang in langs))
                for meaning, langs in merged.items()]
