"""Finding the keyword in a text message, forgivingly: case, accents, punctuation, a
keyword inside a short sentence, and one wrong letter in a long keyword."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ivr.content import model as m

MAX_WORDS = 8  # longer than this, a message is a story, not a request for a topic
TYPO_MIN_LENGTH = 5  # one wrong letter is forgiven in keywords of this length or more...
# ...when the keyword is the whole message: inside a sentence, 'right' and 'nights' are
# words of their own, not RIGHTS mistyped.

# Twilio's words: Twilio answers these itself when one is the whole message, whatever the
# case, before the line sees it, unless the operator changes the number's opt-out settings
# (Advanced Opt-Out in a Messaging Service). The one place the line keeps them.
TWILIO_DOCS = "https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out"
TWILIO_OPT_OUT = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
TWILIO_OPT_IN = ("START", "YES", "UNSTOP")
TWILIO_HELP = ("HELP", "INFO")
# Opt-out and opt-in: the app must not answer them too.
CARRIER_WORDS = frozenset(TWILIO_OPT_OUT + TWILIO_OPT_IN)
# Twilio's default help words: a keyword may use them, once they are switched off, but the
# line never advertises them.
CARRIER_HELP_WORDS = frozenset(TWILIO_HELP)
TWILIO_WORDS = CARRIER_WORDS | CARRIER_HELP_WORDS


def taken_by_twilio(word: str) -> bool:
    return normalize(word).upper() in TWILIO_WORDS


def advertised(words: Sequence[str]) -> str | None:
    """The keyword a reply shows for these: the first that reaches the line whatever the
    number's opt-out settings (None: every one is Twilio's; the validator refuses that)."""
    return next((word for word in words if not taken_by_twilio(word)), None)


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
