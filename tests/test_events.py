"""What an answer stands for is decided once, by the renderer that makes it: for every kind
of answer, over the nodes and languages of menus.yaml, its events say what its TwiML does."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from ivr.content import model as m
from ivr.content.hours import AMSTERDAM, Opening
from ivr.twiml import events as ev
from ivr.twiml.events import Answer
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from ivr.voice import utterances as u
from ivr.voice.speech import speak

from .helpers import LINE, shipped_menus

SHIPPED = shipped_menus()
OFFICE = tuple(Opening(day, 9 * 60, 17 * 60) for day in range(5))  # Mon-Fri 09:00-17:00
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=AMSTERDAM)


def with_office_hours(menus: m.Menus) -> m.Menus:
    """The menus with CoMensha open on weekdays only (the shipped ones have no hours)."""
    contacts = dict(menus.contacts)
    contacts["comensha"] = dataclasses.replace(contacts["comensha"], hours=OFFICE)
    return dataclasses.replace(menus, contacts=contacts)


MENUS = with_office_hours(SHIPPED)
CALLS = {"open": voice.Call(LINE), "closed": voice.Call(LINE, now=SATURDAY),
         "no line number": voice.Call()}
KEYS = ["", "x", *"0123456789#*"]
PAIRS = [(lang, node_id) for lang in SHIPPED.languages for node_id in SHIPPED.nodes]


def node_answers(menus: m.Menus, lang: str, node: m.Node) -> Iterator[tuple[str, Answer]]:
    """Every answer about one node in one language: shown, each key at the first and the
    last miss, in each part of its answer, and after a text or a forward."""
    s = menus.settings
    for name, call in CALLS.items():
        yield f"show_node {name}", voice.show_node(menus, lang, node.id, call)
        for miss in (0, s.max_misses - 1):
            for key in KEYS:
                for part, start in ((0, 0), (1, 0), (2, 1)):
                    where = f"{name} miss={miss} key={key!r} part={part} from={start}"
                    yield (f"node_input {where}",
                           voice.node_input(menus, lang, node.id, key, miss, call, part, start))
                    if node.kind == m.FORWARD:
                        yield (f"failed_input {where}", voice.failed_input(
                            menus, lang, node.id, key, miss, call, part, start))
                    if node.id == s.fallback_node:
                        yield (f"connect_input {where}",
                               voice.connect_input(menus, lang, key, call, part, start))
    if node.kind == m.TEXT:
        for outcome in (*ev.TEXT_OUTCOMES, "what"):
            yield f"text_result {outcome}", voice.text_result(menus, lang, node.id, outcome,
                                                              CALLS["open"])
    if node.kind == m.FORWARD:
        for status in (*ev.DIAL_STATUSES, "what"):
            yield f"dial_result {status}", voice.dial_result(menus, lang, node.id, status,
                                                             CALLS["open"])


def language_answers(menus: m.Menus) -> Iterator[tuple[str, Answer]]:
    """The start of a call, the choice of language, and the apology."""
    for region in (None, "PL", "RO"):
        call = voice.Call.from_to(LINE, region)
        yield f"incoming {region}", voice.incoming(menus, call)
        yield f"language_menu {region}", voice.language_menu(menus, call)
        yield f"error_response {region}", voice.error_response(menus, None, call)
        for miss in (0, menus.settings.max_misses - 1):
            for key in [*KEYS, *(language.key[-1] for language in menus.languages.values())]:
                for second_page in (False, True):
                    yield (f"language_input {region} {miss} {key!r} {second_page}",
                           voice.language_input(menus, key, miss, call, second_page))
    for lang in menus.languages:
        poster = voice.Call.from_to(LINE, None, languages={LINE: lang})
        yield f"incoming on the {lang} poster's number", voice.incoming(menus, poster)
        yield f"error_response {lang}", voice.error_response(menus, lang, CALLS["open"])
    yield "last_resort", voice.last_resort(menus)


def node_said(menus: m.Menus, lang: str, node: m.Node) -> str:
    return speak(menus, lang, u.node_text(node, lang)).text


def said_in(menus: m.Menus, lang: str) -> dict[str, str]:
    """What each node says in a language, made once for these menus (their own cache, as
    the renderers keep theirs): check() looks for every one in every answer."""
    return menus.cached(("node said", lang), lambda: {
        node.id: node_said(menus, lang, node) for node in menus.nodes.values()})


def check(menus: m.Menus, where: str, answer: Answer, langs: tuple[str, ...]) -> None:
    """The events of one answer against its TwiML."""
    text = document(answer.twiml)
    events = answer.events
    kinds = [event.kind for event in events]
    # Put through iff a <Dial> is in the answer: its node, language and contact.
    dials = re.findall(r'<Dial action="/voice/([^/"]+)/([^/"]+)/dialed"', text)
    forwards = [(e.language, e.node) for e in events if e.kind == ev.FORWARD]
    assert forwards == dials, where
    for event in events:
        assert event.language is None or event.language in menus.languages, (where, event)
        assert event.node is None or event.node in menus.nodes, (where, event)
        if event.kind in (ev.FORWARD, ev.OFFERED, ev.CLOSED, ev.DIALLED):
            node = menus.nodes[event.node or ""]
            assert node.kind == m.FORWARD and event.contact == node.contact, (where, event)
        if event.kind == ev.FORWARD:
            assert f">{menus.contacts[event.contact or ''].number}</Number>" in text, where
    # A node reached iff its text is said (two nodes may say the same text: the warning
    # before the numbers by text).
    reached = {(e.language, e.node) for e in events if e.kind == ev.NODE}
    said = {each for lang in langs for each in said_in(menus, lang).values() if each in text}
    assert {said_in(menus, lang or "")[node or ""] for lang, node in reached} == said, where
    # A forward offered: a key to press, not a <Dial>; the miss limit: the last chance.
    if ev.OFFERED in kinds:
        assert "<Gather" in text, where
    if ev.MISS_LIMIT in kinds:
        lang = next(e.language for e in events if e.kind == ev.MISS_LIMIT)
        assert any(speak(menus, each, u.prompt(menus, each, "too_many_misses")).text in text
                   for each in ([lang] if lang else langs)), where
    # Closed: no <Dial> for it, and the contacts that can be reached instead.
    for event in events:
        if event.kind == ev.CLOSED:
            assert (event.language, event.node) not in dials, where
            assert (event.language, menus.settings.other_contacts_node) in reached, where
    assert kinds.count(ev.CHOICE) <= 1 and kinds.count(ev.TEXT) <= 1, where


@pytest.mark.parametrize(("lang", "node_id"), PAIRS)
def test_the_events_of_every_answer_about_a_node_say_what_its_twiml_does(lang, node_id):
    node = MENUS.nodes[node_id]
    for where, answer in node_answers(MENUS, lang, node):
        check(MENUS, where, answer, (lang,))


def test_the_events_of_the_start_of_a_call_say_what_its_twiml_does():
    for where, answer in language_answers(MENUS):
        check(MENUS, where, answer, tuple(MENUS.languages))


@pytest.mark.parametrize("lang", SHIPPED.languages)
def test_each_answer_kind_gives_its_own_events(lang):
    s, call = MENUS.settings, CALLS["open"]
    main = MENUS.nodes[s.main_node]
    to_help = next(o.key for o in main.options if o.target == "help")
    assert voice.node_input(MENUS, lang, "main", to_help, 0, call).events == (
        ev.Event(ev.CHOICE, lang, "main", outcome="help"), ev.Event(ev.NODE, lang, "help"))
    contacts = MENUS.nodes[s.other_contacts_node]
    police = next(o.key for o in contacts.options if o.target == "call_police")
    # Pressed after its offer: put through; before it: the offer again, and no forward.
    heard = voice.node_input(MENUS, lang, "contacts", police, 0, call, part=1)
    assert [e.kind for e in heard.events] == [ev.CHOICE, ev.NODE, ev.FORWARD]
    early = voice.node_input(MENUS, lang, "contacts", police, 0, call)
    assert ev.FORWARD not in [e.kind for e in early.events]
    assert ev.Event(ev.OFFERED, lang, "call_police", "police") in early.events
    comensha = next(o.key for o in contacts.options if o.target == "call_comensha")
    closed = voice.node_input(MENUS, lang, "contacts", comensha, 0, CALLS["closed"], part=3)
    assert closed.events[:3] == (
        ev.Event(ev.CHOICE, lang, "contacts", outcome="call_comensha"),
        ev.Event(ev.CLOSED, lang, "call_comensha", "comensha"),
        ev.Event(ev.NODE, lang, "contacts"))
    assert voice.dial_result(MENUS, lang, "call_police", "no such word", call).events[0] == (
        ev.Event(ev.DIALLED, lang, "call_police", "police", "other"))
    assert voice.text_result(MENUS, lang, "text_report", ev.CAPPED, call).events == (
        ev.Event(ev.TEXT, lang, "text_report", outcome=ev.CAPPED),)
    last = voice.node_input(MENUS, lang, "main", "x", s.max_misses - 1, call).events
    assert last == (ev.Event(ev.MISS_LIMIT, lang, "main"),
                    ev.Event(ev.OFFERED, lang, s.fallback_node, "police"))
    assert voice.error_response(MENUS, lang, call).events[0] == ev.Event(ev.ERROR, lang)
