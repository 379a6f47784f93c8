"""How large the line's answers are: Twilio takes at most 64 kB of TwiML in an answer
(error 11750, https://www.twilio.com/docs/api/errors/11750) and fails the call on a larger
one. Every answer the line can give is made at start-up, with the same pure renderers the
webhooks use, and measured: each text is bounded by the loader, but an answer says many.
"""

from __future__ import annotations

from collections.abc import Iterator

from twilio.twiml.voice_response import VoiceResponse

from ivr.content import model as m
from ivr.content.loader import KEYS
from ivr.content.problems import Collector
from ivr.twiml.events import REFUSED_TEXT, SENT
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from ivr.voice.simulate import SIMULATED_LINE

# Twilio's 64 kB, read as 64,000 bytes: the smaller of its two meanings.
TWIML_MAX_BYTES = 64_000
STATUSES = ("completed", "busy")  # a forward that took place, and one that did not

Answer = tuple[str, str | None, VoiceResponse]  # where it is said, its language, the answer


def check_sizes(menus: m.Menus, out: Collector) -> None:
    """An error for each place (a node in a language, the choice of language) with an
    answer over Twilio's limit, naming its largest."""
    largest: dict[tuple[str, str | None], int] = {}
    for where, lang, response in answers(menus):
        size = len(document(response).encode("utf-8"))
        largest[where, lang] = max(size, largest.get((where, lang), 0))
    for (where, lang), size in largest.items():
        if size > TWIML_MAX_BYTES:
            place = f"{where} ({lang})" if lang else where
            out.error(place, f"an answer of {size:,} bytes of TwiML; Twilio takes at most "
                      f"{TWIML_MAX_BYTES:,} (error 11750): shorten its texts, or split them "
                      "into pages", lang)


def answers(menus: m.Menus) -> Iterator[Answer]:
    """Every answer of the line: to no key and a wrong key after the first and the last
    miss, for a caller from each language's first country and from nowhere."""
    yield from _choice_of_language(menus)
    for lang in menus.languages:
        yield "the answer to an error", lang, voice.error_response(menus, lang, voice.Call()).twiml
        for node in menus.nodes.values():
            for response in _node(menus, lang, node):
                yield f"node '{node.id}'", lang, response
    yield "the last resort", None, voice.last_resort(menus).twiml


def _calls(menus: m.Menus) -> list[voice.Call]:
    regions = dict.fromkeys([None, *(lang.countries[0] for lang in menus.languages.values()
                                     if lang.countries)])
    return [voice.Call.from_to(SIMULATED_LINE, region) for region in regions]


def _keys(menus: m.Menus, node: m.Node | None = None) -> list[str]:
    """No key, and one that means nothing here: each says so before the menu again. (A
    global key answers as a node or the choice of language does, measured there.)"""
    used = {o.key for o in node.options} if node else {"9"}
    used |= {g.key for g in menus.settings.global_keys}
    return ["", *[key for key in KEYS if key not in used][:1]]


def _misses(menus: m.Menus) -> tuple[int, ...]:
    """The first miss, and the last, after which come the numbers in the likely languages
    (the misses between answer as the first does, with another number in the URL)."""
    return tuple(dict.fromkeys((0, menus.settings.max_misses - 1)))


def _choice_of_language(menus: m.Menus) -> Iterator[Answer]:
    where = "the choice of language"
    for call in _calls(menus):
        yield where, None, voice.incoming(menus, call).twiml
        for second_page in (False, True):
            for miss in _misses(menus):
                for digits in _keys(menus):
                    yield where, None, voice.language_input(menus, digits, miss, call,
                                                            second_page).twiml
        for language in menus.languages.values():  # its main menu, greeting or not
            yield (f"node '{menus.settings.main_node}'", language.code,
                   voice.language_input(menus, language.key[-1], 0, call,
                                        len(language.key) == 2).twiml)


def _node(menus: m.Menus, lang: str, node: m.Node) -> Iterator[VoiceResponse]:
    s = menus.settings
    forward = node.kind == m.FORWARD
    # A forward whose contact must not see the caller's number answers otherwise when the
    # line's own number is unknown.
    calls = [voice.Call.from_to(SIMULATED_LINE), voice.Call()] if forward else [voice.Call()]
    for call in calls:
        yield voice.show_node(menus, lang, node.id, call).twiml
    call = calls[0]
    for miss in _misses(menus):
        for digits in _keys(menus, node):
            yield voice.node_input(menus, lang, node.id, digits, miss, call).twiml
            if forward:
                yield voice.failed_input(menus, lang, node.id, digits, miss, call).twiml
    if forward:
        for status in STATUSES:
            yield voice.dial_result(menus, lang, node.id, status, call).twiml
    if node.kind == m.TEXT:
        for sent in (SENT, REFUSED_TEXT):
            yield voice.text_result(menus, lang, node.id, sent, call).twiml
    if node.id == s.fallback_node:
        for digits in dict.fromkeys([*_keys(menus), s.connect_key]):
            yield voice.connect_input(menus, lang, digits, call).twiml
