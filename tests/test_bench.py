"""Micro-benchmarks of the pure render functions: what one webhook's answer
costs without Flask, gunicorn or the network, as bench/run.py's routes ask for it.

Marked `bench`, which `make test` (and so CI) leaves out; `make bench-micro` runs them.
They check only that each answer is right, never a speed: a slow machine fails nothing.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from ivr.content.hours import AMSTERDAM
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from sms.keywords import KeywordIndex
from sms.replies import Incoming, State, respond

from .helpers import LINE, shipped_menus

pytestmark = pytest.mark.bench

MENUS = shipped_menus()
CALL = voice.Call(LINE, "NL", datetime(2026, 11, 23, 12, 0, tzinfo=AMSTERDAM))

VOICE = {
    "incoming call": lambda: voice.incoming(MENUS, CALL).twiml,
    "menu key": lambda: voice.node_input(MENUS, "nl", "main", "2", 0, CALL).twiml,
    "forward": lambda: voice.node_input(MENUS, "nl", "contacts", "1", 0, CALL).twiml,
    "dial failure": lambda: voice.dial_result(MENUS, "nl", "call_police", "busy", CALL).twiml,
    "wrong key": lambda: voice.node_input(MENUS, "nl", "main", "x", 1, CALL).twiml,
}


@pytest.mark.parametrize("route", list(VOICE))
def test_voice_answer(benchmark, route):
    render = VOICE[route]
    expected = str(render())  # twilio's own serialisation, and the caches filled
    assert benchmark(lambda: document(render())) == expected


def test_sms_keyword(benchmark):
    keywords = KeywordIndex(MENUS)
    message = Incoming(body="POLITIE", region="NL")
    text = respond(MENUS, keywords, message, State()).text
    assert benchmark(lambda: respond(MENUS, keywords, message, State())[0]) == text
    assert text and "0900" in text
