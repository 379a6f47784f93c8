"""The language a text is written in, as far as menus.yaml shows it: its alphabet, the
letters that tell the languages of one alphabet apart, and common words. The first reply
to a text that is no keyword comes in that language.

A text in an alphabet gets a language of that alphabet whatever the sender's country:
Cyrillic Ukrainian, Russian or Bulgarian, Arabic script Arabic. In the alphabet of the
line's own language (Latin for Dutch) only words decide; a text they do not place keeps
the languages of the sender's country.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from ivr.content import model as m
from ivr.content.model import PLACEHOLDER_RE
from sms.keywords import normalize

LOOK_AT = 400  # characters: enough to tell a language, whatever the length of the text


def alphabet(text: str) -> str | None:
    """The script most of the text's letters are written in (LATIN, CYRILLIC, ARABIC:
    the first word of each letter's Unicode name), or None for a text without letters."""
    scripts = Counter(unicodedata.name(c, "?").split()[0] for c in text if c.isalpha())
    return scripts.most_common(1)[0][0] if scripts else None


def alphabets(menus: m.Menus) -> dict[str, str | None]:
    """Each language's alphabet, read from its own sms_header."""
    return menus.cached(("sms alphabets",), lambda: {
        lang: alphabet(PLACEHOLDER_RE.sub("", menus.prompt("sms_header", lang)))
        for lang in menus.languages})


def _words(menus: m.Menus) -> dict[str, frozenset[str]]:
    return menus.cached(("sms language words",), lambda: {
        lang: frozenset(normalize(w) for w in words)
        for lang, words in menus.sms.language_words.items()})


def _score(menus: m.Menus, lang: str, letters: str, words: list[str]) -> int:
    """How many of the language's own letters and words the text holds."""
    own = _words(menus).get(lang, frozenset())
    shown = sum(letters.count(letter) for letter in menus.sms.language_letters.get(lang, ()))
    return shown + sum(word in own for word in words)


def written_in(menus: m.Menus, body: str, preferred: Iterable[str | None] = ()) -> str | None:
    """The language the text shows, or None. Where several of its alphabet's languages
    show equally, the first of `preferred` (the sender's language, their country's) among
    them, then the alphabet's fallback (menus.yaml), then the first in the file."""
    text = unicodedata.normalize("NFC", body[:LOOK_AT]).casefold()
    script = alphabet(text)
    langs = [lang for lang, own in alphabets(menus).items() if script and own == script]
    if not langs:
        return None
    words = normalize(text).split()
    scores = {lang: _score(menus, lang, text, words) for lang in langs}
    best = max(scores.values())
    top = [lang for lang in langs if scores[lang] == best]
    home = script == alphabets(menus)[menus.settings.default_language]
    if home and best == 0:
        return None  # a Latin text without a word of the lists: the country decides
    if len(top) == 1:
        return top[0]
    choice = next((lang for lang in (*preferred, *menus.sms.alphabet_fallback)
                   if lang in top), None)
    return choice or (None if home else top[0])
