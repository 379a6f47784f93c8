"""Shared fixtures: the app as Twilio meets it, and signed requests to it."""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from twilio.request_validator import RequestValidator

from app import create_app
from ivr.lines import load_menus
from ivr.voice.simulate import path_of
from ivr.voice.speech import plain
from ivr.voice.utterances import every
from sms.keywords import normalize

ROOT = Path(__file__).resolve().parent.parent
MENUS_PATH = ROOT / "menus.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOKEN = "test-auth-token"
LINE = "+3197010000000"  # the line's own number in these tests
CALLER = "+31612345678"  # a caller; it must never appear in a log line or a Dial


# Every line in the repository: the shipped one and each example. The tests
# that walk a line's menus, speak its prompts and send its texts run over all of them.
LINES = {"menus.yaml": MENUS_PATH, **{f"examples/{path.parent.name}": path for path in
                                     sorted((ROOT / "examples").glob("*/menus.yaml"))}}


@functools.cache
def shipped_menus():
    return load_menus(MENUS_PATH)[0]


@functools.cache
def line_menus(name: str):
    """The menus of one of LINES, loaded as the app loads them."""
    return load_menus(LINES[name])[0]


@functools.cache
def line_app(name: str):
    """An app serving one of LINES; like the `app` fixture, it keeps no state between
    requests."""
    return create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(LINES[name]),
                       "PUBLIC_BASE_URL": None, "TESTING": True})


@dataclass
class Answer:
    status: int
    root: ET.Element
    body: str

    def all(self, tag: str) -> list[ET.Element]:
        return list(self.root.iter(tag))

    def first(self, tag: str) -> ET.Element | None:
        return next(self.root.iter(tag), None)

    def spoken(self) -> str:
        """Everything said or played, as one text; a recording as the text it was made
        from (numbers digit by digit)."""
        said = [" ".join(say.itertext()) for say in self.all("Say")]
        return " ".join(said + [played_text(play.text or "") for play in self.all("Play")])

    def times_spoken(self, contact) -> int:
        """How many times the contact's whole number is said or played."""
        spoken = [e.text for e in self.all("say-as")]
        groups = list(contact.spoken)
        said = sum(spoken[i:i + len(groups)] == groups for i in range(len(spoken)))
        digits = ", ".join(" ".join(group) for group in contact.spoken)
        played = sum(played_text(p.text or "").count(digits) for p in self.all("Play"))
        return said + played


def played_text(url: str) -> str:
    """The text a recording at /audio/<lang>/<id>.wav was made from."""

    lang, name = url.split("?")[0].rsplit("/", 2)[-2:]
    menus = shipped_menus()
    return plain(menus, lang, every(menus, lang)[name.removesuffix(".wav")])


class Twilio:
    """Sends requests the way Twilio does: POSTed form, signed with the auth token."""

    def __init__(self, client, token: str = TOKEN, base: str = "http://localhost"):
        self.client, self.token, self.base = client, token, base

    def post(self, url: str, **params: str) -> Answer:
        """A POST signed as Twilio signs it."""
        return self._post(url, True, params)

    def post_unsigned(self, url: str, **params: str) -> Answer:
        """A POST without X-Twilio-Signature, as anyone but Twilio could send."""
        return self._post(url, False, params)

    def _post(self, url: str, sign: bool, params: dict[str, str]) -> Answer:
        params = {"CallSid": "CA0123456789abcdef", "From": CALLER, "To": LINE, **params}
        headers = {}
        if sign:
            signature = RequestValidator(self.token).compute_signature(self.base + url, params)
            headers["X-Twilio-Signature"] = signature
        response = self.client.post(url, data=params, headers=headers)
        body = response.get_data(as_text=True)
        root = ET.fromstring(body) if response.status_code == 200 else ET.Element("none")
        return Answer(response.status_code, root, body)

    def follow(self, answer: Answer, digits: str | None = None, **params: str) -> Answer:
        """Press a key in the answer's <Gather>, or stay silent and follow its <Redirect>."""
        if digits is None:
            redirect = answer.first("Redirect")
            assert redirect is not None, answer.body
            return self.post(path_of(redirect.text or ""), **params)
        # A caller who has heard the whole answer presses in its last <Gather> (an answer
        # in parts gives a key that dials a <Gather> of its own: see voice._parts).
        gather = answer.all("Gather")[-1] if answer.all("Gather") else None
        assert gather is not None, answer.body
        return self.post(path_of(gather.get("action", "")), Digits=digits, **params)


LOCK_SCREEN = 60  # the characters of a text that a locked phone shows


def lock_screen_words_in(text: str, menus=None) -> list[str]:
    """The words of any language's sms.lock_screen_words that a locked phone would show:
    those in the text's first 60 characters, compared without case and accents."""

    menus = menus or shipped_menus()
    preview = normalize(text[:LOCK_SCREEN])
    return [word for words in menus.sms.lock_screen_words.values() for word in words
            if normalize(word) and normalize(word) in preview]


def key_to(node_id: str, target: str, menus=None) -> str:
    """The key of a node's option that leads to `target`, read from menus.yaml."""
    menus = menus or shipped_menus()
    return next(o.key for o in menus.nodes[node_id].options if o.target == target)


@pytest.fixture(scope="session")
def menus():
    return shipped_menus()


@pytest.fixture(scope="session")
def app():
    """One app for the tests that only send requests: it holds no state between them (the
    SMS cookie lives in each test client)."""
    return create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH),
                       "PUBLIC_BASE_URL": None, "TESTING": True})


@pytest.fixture
def twilio(app) -> Twilio:
    return Twilio(app.test_client())


# Property tests (hypothesis) draw the same examples on every CI run, so that a failure
# seen in CI reproduces on a developer's machine; locally they keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
