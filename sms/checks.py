"""Checks of the SMS part of menus.yaml: topics, keywords, and what each reply costs."""

from __future__ import annotations

from ivr import model as m
from ivr.problems import Collector, suggest

from .keywords import CARRIER_HELP_WORDS, CARRIER_WORDS, keyword_table, normalize
from .replies import (
    MAX_BODY,
    choice,
    first_languages,
    index_pages,
    language_list,
    pages,
    render,
)
from .segments import count


def check_sms(menus: m.Menus, out: Collector) -> None:
    if not _topics(menus, out):
        return  # the rest needs every topic's texts
    _keywords(menus, out)
    for where, text, budget, lang in replies(menus):
        cost = count(text)
        if cost.segments > budget:
            out.error(where, f"{cost.segments} SMS segments ({cost.encoding}, {cost.units} "
                      f"characters); at most {budget}: shorten it, or split a long sentence",
                      lang)
        if len(text) > MAX_BODY:
            out.error(where, f"{len(text)} characters; Twilio sends at most {MAX_BODY}", lang)


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


def _describe(meaning) -> str:
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
                           render(menus, node.sms[lang]), budget, lang))
        for number, text in enumerate(index_pages(menus, (lang,)), 1):
            result.append((f"sms index ({lang}) page {number}", text, budget, lang))
        result.append((f"sms language list ({lang})", language_list(menus, (lang,)), budget,
                       lang))
        result.append((f"prompt 'sms_which' ({lang}) with every topic",
                       choice(menus, lang, set(menus.sms.topics)), budget, lang))
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


def first_contact_languages(menus: m.Menus) -> dict[str, tuple[str, ...]]:
    """The languages of the index for a first message, each with the senders' countries
    that get it ('unknown country' for any country not listed)."""
    by_langs: dict[tuple[str, ...], list[str]] = {first_languages(menus): ["unknown country"]}
    for language in menus.languages.values():
        for region in language.countries:
            by_langs.setdefault(first_languages(menus, region), []).append(region)
    return {", ".join(regions): langs for langs, regions in by_langs.items()}
