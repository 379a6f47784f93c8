"""The fast TwiML writer (ivr.twiml.serialise) and the utterance cache (speech.speak) change
nothing a caller gets: on every path, the same bytes as twilio's own str(response)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from ivr.content import model as m
from ivr.content.hours import AMSTERDAM, Opening
from ivr.twiml.events import REFUSED_TEXT, SENT
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from ivr.voice import speech

from .helpers import LINE, shipped_menus

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=AMSTERDAM)
SUNDAY_NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=AMSTERDAM)


def with_hours():
    """The shipped menus, with CoMensha open on weekdays only: the closed path too."""
    menus = shipped_menus()
    contacts = dict(menus.contacts)
    hours = tuple(Opening(day, 9 * 60, 17 * 60) for day in range(5))
    contacts["comensha"] = dataclasses.replace(contacts["comensha"], hours=hours)
    return dataclasses.replace(menus, contacts=contacts)


CALLS = [voice.Call(), voice.Call(LINE, "PL", MONDAY_NOON), voice.Call(LINE, "US", SUNDAY_NIGHT)]


def answers(menus) -> Iterator[VoiceResponse]:
    """Every answer of every node, for each kind of key, miss and call."""
    s = menus.settings
    keys = ["", "1", "9", "x", *(g.key for g in s.global_keys)]
    for call in CALLS:
        yield voice.incoming(menus, call).twiml
        for digits in keys:
            for miss in (0, s.max_misses - 1):
                yield voice.language_input(menus, digits, miss, call).twiml
                yield voice.language_input(menus, digits, miss, call, second_page=True).twiml
    # Dutch; Ukrainian, with recordings instead of a voice; French, from the second page.
    for lang in ("nl", "uk", "fr"):
        yield voice.error_response(menus, lang, CALLS[1]).twiml
        # The key after the last chance: the offered one, a global one, any other, none.
        for digits in dict.fromkeys([*keys, s.connect_key]):
            yield voice.connect_input(menus, lang, digits, CALLS[1]).twiml
        for node in menus.nodes.values():
            yield from _node_answers(menus, lang, node, keys)
    yield voice.last_resort(menus).twiml
    # The two fallback documents: the numbers and the offer, then the forward.
    yield voice.fallback(menus, "https://example.org/voice-connect.xml")
    yield voice.fallback_connect(menus, None)
    yield voice.fallback_connect(menus, LINE)


def _node_answers(menus, lang: str, node, keys: list[str]) -> Iterator[VoiceResponse]:
    s = menus.settings
    forward = node.kind == "forward"
    keys = [*keys, *(o.key for o in node.options), s.retry_key, s.other_key, s.text_confirm_key]
    for call in CALLS if forward else CALLS[1:2]:
        yield voice.show_node(menus, lang, node.id, call).twiml
        for digits in dict.fromkeys(keys):
            # miss 1: silence on a page a second time goes back to its menu.
            for miss in (0, 1, s.max_misses - 1):
                yield voice.node_input(menus, lang, node.id, digits, miss, call).twiml
                if forward:
                    yield voice.failed_input(menus, lang, node.id, digits, miss, call).twiml
    if forward:
        for status in ("completed", "busy"):
            yield voice.dial_result(menus, lang, node.id, status, CALLS[1]).twiml
    if node.kind == "text":
        for sent in (SENT, REFUSED_TEXT):
            yield voice.text_result(menus, lang, node.id, sent, CALLS[1]).twiml


@pytest.mark.parametrize("menus", [shipped_menus(), with_hours()], ids=["shipped", "hours"])
def test_every_answer_is_written_as_twilio_writes_it(menus):
    count = 0
    for response in answers(menus):
        assert document(response) == str(response)
        count += 1
    assert count > 1_500


@pytest.mark.slow
def test_the_cache_changes_no_answer(monkeypatch):
    """speak() and the menus' gathers are cached by utterance id and by action URL: on
    every path, the answers are those made without any cache, and an utterance id always
    stands for the same <Say> or <Play>."""
    cached = [document(response) for response in answers(with_hours())]
    made: dict[tuple[str, str], set[str]] = {}
    real = speech._speak

    def recording(menus, lang, utterance):
        element = real(menus, lang, utterance)
        made.setdefault((lang, utterance.uid), set()).add(element.to_xml(xml_declaration=False))
        return element

    monkeypatch.setattr(m.Menus, "cached", lambda self, key, make: make())
    monkeypatch.setattr(speech, "_speak", recording)
    assert [document(response) for response in answers(with_hours())] == cached
    assert len(made) > 250
    assert {key: texts for key, texts in made.items() if len(texts) > 1} == {}


def test_the_writer_follows_twilio_on_text_attributes_and_empty_verbs():
    response = VoiceResponse()
    gather = response.gather(action="/a?b=1&c=<2>", finish_on_key="", num_digits=1,
                             input=["dtmf"], enhanced=True)
    gather.say('"Quoted" & <escaped>\n\ttext', voice="Polly.Amy")
    gather.nest("text after the say")
    gather.nest("replaces the text after the say")
    response.pause(length=2)
    response.hangup()
    response.nest("a tail")
    assert document(response) == str(response)
    sms = MessagingResponse()
    sms.message("Politie: 0900-8844 & <meer>")
    assert document(sms) == str(sms)
    assert document(MessagingResponse()) == str(MessagingResponse())


def test_the_shortcut_for_finished_verbs_writes_what_twilio_writes():
    """document() writes a <Response> of only Rendered verbs without the general walk:
    the same text, and not taken when a text, a tail or an attribute is there too."""
    from twilio.twiml.voice_response import Redirect, Say

    from ivr.twiml.serialise import Rendered

    said = Rendered(Say("Politie: 0900-8844 & <meer>", voice="Polly.Lotte"))
    back = Rendered(Redirect("/voice?miss=0&x=1", method="POST"))
    for build in (lambda r: None, lambda r: r.nest("a tail"),
                  lambda r: setattr(r, "value", "text"),
                  lambda r: r.attrs.update(foo="b&r")):
        response = VoiceResponse()
        response.append(said)
        response.append(back)
        build(response)
        assert document(response) == str(response)


def test_a_forwards_dial_is_kept_per_line_number_for_a_few_numbers(monkeypatch):
    """The <Dial> carries the line's own number from the request: each number gets its own
    entry (never another line's caller ID), and only a few numbers are kept."""
    menus = shipped_menus()
    forward = next(n for n in menus.nodes.values() if n.kind == m.FORWARD
                   and voice._hides_caller(menus.contacts[n.contact]))
    other = "+31201234567"
    first = document(voice.show_node(menus, "nl", forward.id, voice.Call(LINE)).twiml)
    second = document(voice.show_node(menus, "nl", forward.id, voice.Call(other)).twiml)
    assert f'callerId="{LINE}"' in first and f'callerId="{other}"' in second
    assert LINE not in second
    # Numbers past LINE_NUMBERS_KEPT (a To that was not signed) are not kept.
    monkeypatch.setattr(voice, "LINE_NUMBERS_KEPT", 2)
    size = len(menus.cache)
    third = document(voice.show_node(menus, "nl", forward.id, voice.Call("+31301234567")).twiml)
    assert 'callerId="+31301234567"' in third and len(menus.cache) == size


def test_an_answer_has_the_content_type_mimetype_text_xml_gives():
    """The views give werkzeug the Content-Type whole (TWIML_TYPE): what it made of
    mimetype="text/xml" before."""
    from flask import Response

    from ivr.twiml.serialise import TWIML_TYPE

    made = Response("<Response />", status=200, mimetype="text/xml")
    given = Response("<Response />", status=200, content_type=TWIML_TYPE)
    assert given.headers.to_wsgi_list() == made.headers.to_wsgi_list()
    assert given.status == made.status == "200 OK"


# Any text but lone surrogates, which no UTF-8 document holds (str() refuses them too),
# with what XML escapes drawn often.
TEXT = st.text(st.sampled_from("&<>\"'\r\n\t") | st.characters(exclude_categories=["Cs"]),
               max_size=40)


@given(action=TEXT, key=TEXT, said=TEXT, tail=TEXT, sms=TEXT)
def test_any_text_is_escaped_as_twilio_escapes_it(action, key, said, tail, sms):
    """The standard library's public escape writes what ElementTree's serialiser writes,
    in an attribute (quotes, CR, LF and tab as entities) and in a text alike."""
    response = VoiceResponse()
    gather = response.gather(action=action, finish_on_key=key, num_digits=1)
    gather.say(said)
    gather.nest(tail)
    response.redirect(action + tail, method="POST")
    assert document(response) == str(response)
    texted = MessagingResponse()
    texted.message(sms)
    assert document(texted) == str(texted)
