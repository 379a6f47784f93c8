"""Checks of the SMS part of menus.yaml: topics, keywords, and what each reply costs."""

from __future__ import annotations

import re

from ivr.content import model as m
from ivr.content.model import PLACEHOLDER_RE
from ivr.content.problems import Collector, suggest
from sms.guess import alphabet, alphabets
from sms.keywords import (
    CARRIER_HELP_WORDS,
    CARRIER_WORDS,
    TWILIO_DOCS,
    TWILIO_WORDS,
    Meaning,
    advertised,
    keyword_table,
    normalize,
)
from sms.replies import (
    MAX_BODY,
    MAX_CHOICES,
    choice,
    first_languages,
    index_pages,
    language_pages,
    numbers_text,
    pages,
)
from sms.segments import count

LOCK_SCREEN = 60  # the characters of a text that a locked phone shows
SENTENCE_END = re.compile(r"[.!?]\s*$")


def check_sms(menus: m.Menus, out: Collector) -> None:
    if not _topics(menus, out):
        return  # the rest needs every topic's texts
    _keywords(menus, out)
    _names_with_numbers(menus, out)
    _police_first(menus, out)
    _first_reply(menus, out)
    _advertised(menus, out)
    _language_signs(menus, out)
    words = _lock_screen_words(menus)
    for where, text, budget, lang in replies(menus):
        shown = lock_screen_hits(text, words)
        if shown:
            out.error(where, f"its first {LOCK_SCREEN} characters, which a locked phone shows, "
                      f"contain {', '.join(repr(w) for w in shown)}: start it with the "
                      "sms_header prompt, and keep that header neutral and at least "
                      f"{LOCK_SCREEN} characters long", lang)
        cost = count(text)
        if cost.segments > budget:
            out.error(where, f"{cost.segments} SMS segments ({cost.encoding}, {cost.units} "
                      f"characters); at most {budget}: shorten it, or split a long sentence",
                      lang)
        if len(text) > MAX_BODY:
            out.error(where, f"{len(text)} characters; Twilio sends at most {MAX_BODY}", lang)


def _lock_screen_words(menus: m.Menus) -> frozenset[str]:
    """Every language's words: whoever holds the phone may read any of them."""
    return frozenset(normalize(word) for words in menus.sms.lock_screen_words.values()
                     for word in words if normalize(word))


def lock_screen_hits(text: str, words: frozenset[str]) -> list[str]:
    """The words of the list that a locked phone would show in the text's preview,
    compared as keywords are: without case and accents."""
    preview = normalize(text[:LOCK_SCREEN])
    return sorted(word for word in words if word in preview)


def _sms_texts(menus: m.Menus) -> list[tuple[str, str, str]]:
    """Every SMS source text: where, language, text."""
    items = [(f"node '{node.id}' field 'sms' ({lang})", lang, text)
             for node in menus.nodes.values() for lang, text in node.sms.items()]
    items += [(f"prompt '{pid}' ({lang})", lang, text) for pid, texts in menus.prompts.items()
              if pid.startswith("sms_") for lang, text in texts.items()]
    return items


def _names_with_numbers(menus: m.Menus, out: Collector) -> None:
    """A number never stands alone at the start of a line or after a sentence end, where a
    page may end: its name stands before it on the same line ("Politie: {police}")."""
    for where, lang, text in _sms_texts(menus):
        for line in text.split("\n"):
            for found in PLACEHOLDER_RE.finditer(line):
                if found.group(1) not in menus.contacts:
                    continue
                before = line[:found.start()].strip()
                if not before or SENTENCE_END.search(before):
                    out.error(where, f"the number {found.group(0)} must follow its name on the "
                              f"same line, such as 'Politie: {found.group(0)}', so that no page "
                              "ends between the two", lang)


def _police_first(menus: m.Menus, out: Collector) -> None:
    """A topic that gives the police number gives it on its first page."""
    fallback = menus.nodes.get(menus.settings.fallback_node)
    police = menus.contacts.get(fallback.contact or "") if fallback else None
    if police is None:
        return
    for node_id in menus.sms.topics:
        node = menus.nodes[node_id]
        for lang, text in node.sms.items():
            first = pages(menus, node_id, lang)[0]
            if f"{{{police.id}}}" in text and police.display not in first:
                out.error(f"node '{node_id}' field 'sms' ({lang})", f"the number of "
                          f"'{police.id}' must be on the first page: move it up", lang)


def _first_reply(menus: m.Menus, out: Collector) -> None:
    """Every index is a first reply: the police (the fallback forward's contact) in
    sms_first, and the numbers of sms_first on the index's first page."""
    fallback = menus.nodes.get(menus.settings.fallback_node)
    police = menus.contacts.get(fallback.contact or "") if fallback else None
    for lang, text in menus.prompts.get("sms_first", {}).items():
        if police is not None and f"{{{police.id}}}" not in text:
            out.error(f"prompt 'sms_first' ({lang})", f"must give the number of '{police.id}' "
                      f"({{{police.id}}}), whom the line offers when all else fails", lang)
    for langs in {*first_contact_languages(menus).values(), *((x,) for x in menus.languages)}:
        first = index_pages(menus, langs)[0]
        wanted = PLACEHOLDER_RE.findall(menus.prompt("sms_first", langs[0]))
        missing = [name for name in wanted if name in menus.contacts
                   and menus.contacts[name].display not in first]
        if missing:
            out.error(f"sms index ({', '.join(langs)}) page 1", "the numbers of prompt "
                      f"'sms_first' ({', '.join(missing)}) must be on the first page of a first "
                      "reply: shorten sms_first or the header", langs[0])


CAPITALS = re.compile(r"\b[A-Z]{2,}\b")


def _advertised(menus: m.Menus, out: Collector) -> None:
    """Replies offer only words that reach the line whatever the number's opt-out settings:
    Twilio answers its own words itself (opt-out, opt-in, HELP and INFO) by default."""
    lists = [(f"node '{node_id}' field 'keywords'", menus.nodes[node_id].keywords)
             for node_id in menus.sms.topics]
    lists += [(f"sms keywords field '{name}'", getattr(menus.sms, name))
              for name in ("more", "language")]
    for where, by_lang in lists:
        for lang, words in by_lang.items():
            if advertised(words) is None:
                out.error(f"{where} ({lang})", f"every keyword ({', '.join(words)}) is a "
                          "word Twilio answers itself unless the number's opt-out settings "
                          "are changed, so no reply can offer one: add a word Twilio leaves to "
                          f"the line (Twilio's words: {TWILIO_DOCS})", lang)
    for where, lang, text in _sms_texts(menus):
        taken = sorted({w for w in CAPITALS.findall(text) if w in TWILIO_WORDS})
        if taken:
            out.error(where, f"offers {', '.join(repr(w) for w in taken)}, which Twilio answers "
                      "itself unless the number's opt-out settings are changed (Twilio's words: "
                      f"{TWILIO_DOCS}): offer a keyword Twilio leaves to the line", lang)


def _language_signs(menus: m.Menus, out: Collector) -> None:
    """Letters and words that show a language: each in the language's own alphabet, each
    a single letter or word, none given for two languages (then it shows neither)."""
    own = alphabets(menus)
    for field in ("language_letters", "language_words"):
        where = f"sms field '{field}'"
        claims: dict[str, list[str]] = {}
        for lang, words in getattr(menus.sms, field).items():
            for word in words:
                key = normalize(word) if field == "language_words" else word.casefold()
                claims.setdefault(key, []).append(lang)
                if alphabet(word) != own[lang]:
                    out.error(f"{where} ({lang})", f"'{word}' is not written in the "
                              f"language's alphabet ({own[lang]}): check for a look-alike "
                              "letter of another alphabet", lang)
                elif len(key.split()) != 1 or (field == "language_letters" and len(key) != 1):
                    out.error(f"{where} ({lang})", f"'{word}' must be one "
                              f"{'letter' if field == 'language_letters' else 'word'}", lang)
        for key, langs in claims.items():
            if len(set(langs)) > 1:
                out.error(where, f"'{key}' is given for {' and '.join(sorted(set(langs)))}: "
                          "a sign of two languages shows neither; remove it")
    seen: dict[str | None, str] = {}
    for lang in menus.sms.alphabet_fallback:
        if own[lang] in seen:
            out.error("sms field 'alphabet_fallback'", f"'{seen[own[lang]]}' and '{lang}' "
                      f"are both of the alphabet {own[lang]}: give one")
        seen[own[lang]] = lang


def _topics(menus: m.Menus, out: Collector) -> bool:
    ok = True
    for node_id in menus.sms.topics:
        node = menus.nodes.get(node_id)
        if node is None:
            out.error("sms field 'topics'",
                      f"unknown node '{node_id}'{suggest(node_id, menus.nodes)}")
            ok = False
            continue
        for field, value in (("sms", node.sms), ("keywords", node.keywords)):
            if set(value) != set(menus.languages):
                out.error(f"node '{node_id}'", f"an SMS topic needs field '{field}' in every "
                          f"language ({', '.join(menus.languages)})")
                ok = False
    for node in menus.nodes.values():
        if node.kind == m.TEXT:
            continue  # its sms text is the message it sends
        if (node.sms or node.keywords) and node.id not in menus.sms.topics:
            out.warn(f"node '{node.id}'", "has an SMS text or keywords but is not in "
                     "sms topics, so no one can ask for it")
    return ok


def _keywords(menus: m.Menus, out: Collector) -> None:
    codes = {normalize(code) for code in menus.languages}
    for word, meanings in keyword_table(menus).items():
        where = f"sms keyword '{word.upper()}'"
        if len(word.split()) != 1:
            out.error(where, "a keyword must be one word of letters or digits")
        if len(meanings) > 1:
            claims = sorted(f"{_describe(meaning)} ({', '.join(sorted(langs))})"
                            for meaning, langs in meanings.items())
            out.error(where, f"means two things: {' and '.join(claims)}; give each its own word")
        if word.upper() in CARRIER_WORDS:
            out.error(where, "Twilio treats this word as an opt-out or opt-in and answers it "
                      "itself; choose another")
        elif word.upper() in CARRIER_HELP_WORDS:
            out.warn(where, "Twilio answers this word with its default help text unless that is "
                     "switched off for the number (see README, SMS)")
        if word in codes:
            out.error(where, "is also a language code, which chooses that language")
        if word.isdigit():
            out.error(where, "numbers choose a topic from the index; use a word")


def _describe(meaning: Meaning) -> str:
    return f"topic '{meaning.target}'" if meaning.target else meaning.kind


def replies(menus: m.Menus) -> list[tuple[str, str, int, str | None]]:
    """Every reply the SMS line can send: where it comes from, its text, its budget, and
    the language it belongs to (None: several)."""
    budget = menus.sms.max_segments
    result: list[tuple[str, str, int, str | None]] = []
    for region, langs in first_contact_languages(menus).items():
        for number, text in enumerate(index_pages(menus, langs), 1):
            result.append((f"sms index for a first message from {region}, page {number}",
                           text, budget, None))
    for lang in menus.languages:
        for node in (n for n in menus.nodes.values() if n.kind == m.TEXT):
            result.append((f"node '{node.id}' field 'sms' ({lang}), sent to a caller",
                           numbers_text(menus, node, lang), budget, lang))
        for number, text in enumerate(index_pages(menus, (lang,)), 1):
            result.append((f"sms index ({lang}) page {number}", text, budget, lang))
        for number, text in enumerate(language_pages(menus, lang), 1):
            result.append((f"sms language list ({lang}) page {number}", text, budget, lang))
        result.append((f"prompt 'sms_which' ({lang}) with the {MAX_CHOICES} longest topics",
                       choice(menus, lang, _longest_choice(menus, lang)), budget, lang))
        for node_id in menus.sms.topics:
            all_pages = pages(menus, node_id, lang)
            for number, text in enumerate(all_pages, 1):
                page = f" page {number}" if len(all_pages) > 1 else ""
                result.append((f"node '{node_id}' field 'sms' ({lang}){page}", text, budget,
                               lang))
            whole = pages(menus, node_id, lang, whole=True)[0]
            result.append((f"node '{node_id}' field 'sms' ({lang}) on WhatsApp", whole, 10**6,
                           lang))
    return result


def _longest_choice(menus: m.Menus, lang: str) -> set[str]:
    """The topics whose keywords make the longest choice a message can get."""
    by_length = sorted(menus.sms.topics, key=lambda t: -len(menus.nodes[t].keywords[lang][0]))
    return set(by_length[:MAX_CHOICES])


def first_contact_languages(menus: m.Menus) -> dict[str, tuple[str, ...]]:
    """The languages of the index for a first message, each with the senders' countries
    that get it ('unknown country' for any country not listed)."""
    by_langs: dict[tuple[str, ...], list[str]] = {first_languages(menus): ["unknown country"]}
    for language in menus.languages.values():
        for region in language.countries:
            by_langs.setdefault(first_languages(menus, region), []).append(region)
    return {", ".join(regions): langs for langs, regions in by_langs.items()}
