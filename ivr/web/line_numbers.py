"""LINE_NUMBERS: the line's own Twilio numbers, each perhaps with a language.

A line that advertises in several languages (posters, leaflets, cards in a shelter) can
rent a number per language: a call to it begins in that language, without the choice of
language, and a text to it is answered in it. Written as E.164 numbers separated by
commas, each perhaps followed by `=LANG` (a language code of menus.yaml; the README and
docs/operations.md give an example); a number without `=LANG` behaves as any number of
the line.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

import phonenumbers

from ivr.content.problems import Problem, suggest
from ivr.voice.answers import E164_RE

# No example number: the log masks any number, an example's too.
HOW = ("Give the line's Twilio numbers comma-separated, each as + country code and number "
       "without spaces, and after a number =LANG (a language code of menus.yaml) for calls "
       "and texts to it to begin in that language")


class LineNumbersError(ValueError):
    """LINE_NUMBERS cannot be used; the message says every problem and how to write it."""


def parse(value: str | None, languages: Collection[str],
          not_offered: Collection[str] = ()) -> tuple[Mapping[str, str], list[str]]:
    """The numbers that have a language, and theirs; and a warning for each number whose
    language is in the menus but not offered now (incomplete): that number begins as one
    without a language until its language is back.

    Raises LineNumbersError naming every number that is not one, every language the menus
    do not have, and every number given twice."""
    found: dict[str, str | None] = {}
    problems: list[str] = []
    warnings: list[str] = []
    # Numbered from 1 as written: the log masks the numbers, so the place names the one.
    for place, item in enumerate(_items(value), 1):
        if not item:
            continue  # a trailing comma, or none given
        number, equals, lang = _parts(item)
        problem = _number_problem(number) or _language_problem(
            equals, lang, languages, not_offered)
        if problem is None and number in found:
            problem = "the same number as one before it: give each number once"
        if problem:
            problems.append(f"number {place} ({item}): {problem}")
            continue
        found[number] = lang if lang in languages else None
        if lang and lang not in languages:
            warnings.append(f"LINE_NUMBERS: number {place} ({item}): '{lang}' is not offered now "
                            "(make check lists its problems); calls and texts to this "
                            "number begin as on a number without a language")
    if problems:
        raise LineNumbersError(f"LINE_NUMBERS: {'; '.join(problems)}. {HOW}")
    return MappingProxyType({n: lang for n, lang in found.items() if lang}), warnings


def numbers(value: str | None) -> list[str]:
    """Every number of LINE_NUMBERS, with a language or without, read as parse() reads
    them (the start has checked them with parse())."""
    return [_parts(item)[0] for item in _items(value) if item]


def _items(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",")]


def _parts(item: str) -> tuple[str, str, str]:
    number, equals, lang = (part.strip() for part in item.partition("="))
    return number, equals, lang.lower()  # the codes of menus.yaml are lower case: PL is pl


def _number_problem(number: str) -> str | None:
    if not E164_RE.fullmatch(number):
        return "not a number in E.164 (+, country code, number, no spaces)"
    if not phonenumbers.is_valid_number(phonenumbers.parse(number)):
        return "not a valid phone number: a digit too many or too few?"
    return None


def _language_problem(equals: str, lang: str, languages: Collection[str],
                      not_offered: Collection[str]) -> str | None:
    if equals and not lang:
        return "no language after '='"
    if lang and lang not in languages and lang not in not_offered:
        known = sorted({*languages, *not_offered})
        return (f"menus.yaml has no language '{lang}'{suggest(lang, known)} (it has "
                f"{', '.join(known)})")
    return None


def not_offered(languages: Collection[str], warnings: list[Problem]) -> frozenset[str]:
    """The languages of the menus file left out at loading (incomplete), by the warnings
    that say so."""
    return frozenset(w.lang for w in warnings if w.lang and w.lang not in languages)
