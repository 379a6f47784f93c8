"""What the tests share besides fixtures: the app as Twilio meets it (signed requests,
answers parsed as XML), the lines in the repository, a fake Twilio REST API, and the
broken fixtures' exact messages. tests/conftest.py holds the fixtures."""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from twilio.http import HttpClient
from twilio.http.response import Response

from app import create_app
from ivr.content.model import PLACEHOLDER_RE
from ivr.voice.simulate import path_of
from ivr.voice.speech import plain
from ivr.voice.utterances import every
from ivr.web.signature import sign
from sms.keywords import normalize

from .menus_once import load_menus

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

    def one(self, tag: str) -> ET.Element:
        """The first `tag` element, which the answer must have."""
        found = self.first(tag)
        assert found is not None, f"no <{tag}> in {self.body}"
        return found

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

    def _post(self, url: str, signed: bool, params: dict[str, str]) -> Answer:
        params = {"CallSid": "CA0123456789abcdef", "From": CALLER, "To": LINE, **params}
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = sign(self.token, self.base + url, params)
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


# -- numbers by text: a fake Twilio REST API ----------------------------------------------


class FakeTwilio(HttpClient):
    """Records each request the REST client makes and answers as Twilio would."""

    def __init__(self, status: int = 201):
        super().__init__(logging.getLogger("test.fake_twilio"), is_async=False)
        self.status = status
        self.sent: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.sent.append({"method": method, "uri": uri, "data": dict(data or {})})
        if self.status >= 400:
            return Response(self.status, '{"code": 20500, "message": "Internal error", '
                                         '"status": 500}')
        return Response(self.status, '{"sid": "SM0123456789abcdef", "status": "queued"}')


def texting_line(**config):
    """The shipped line with numbers by text on, sending through a FakeTwilio (`status`:
    the HTTP status it answers with): the app, the fake, and a Twilio to call it."""
    fake = FakeTwilio(config.pop("status", 201))
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_HTTP_CLIENT": fake,
                      "SMS_ALLOWED_COUNTRIES": "NL", **config})
    return app, fake, Twilio(app.test_client())


def confirm_text(twilio, node="text_report", caller=CALLER, lang="nl"):
    """The caller presses the key that confirms sending a text node's numbers."""
    return twilio.post(f"/voice/{lang}/{node}/input?miss=0",
                       Digits=shipped_menus().settings.text_confirm_key, From=caller)


# -- metrics and the simulator's password ---------------------------------------------------

METRICS_TOKEN = "metrics-secret"


def metric_value(text: str, name: str, **labels: str) -> float:
    """A sample's value in a /metrics scrape; 0 when the sample is not there."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{name}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0


def basic_auth(user: str, password: str) -> dict:
    """The Authorization header a browser sends for HTTP Basic authentication."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# -- property tests ------------------------------------------------------------------------


def examples(count: int) -> int:
    """A property test's number of examples, scaled as the profile chosen scales hypothesis'
    default of 100: make quick's profile 'quick' (10) runs a tenth of them."""
    return max(1, count * hypothesis_settings().max_examples // 100)


# -- the Debian packages the tests run (system-packages.txt) ---------------------------------


def system_packages() -> dict[str, str]:
    """Each command of system-packages.txt, with the package that provides it."""
    rows = (line.split() for line in
            (ROOT / "system-packages.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#"))
    return {row[1]: row[0] for row in rows}


MISSING_PACKAGE = re.compile(r"needs the Debian package (\S+) \(")


def need(command: str) -> str:
    """The path of a command of system-packages.txt. Missing: the test is skipped on a
    developer's machine and fails in CI (CI, or REQUIRE_SYSTEM_PACKAGES=1 as .ci/run sets),
    which installs it; the skip's reason names the package for the summary at the end."""
    package = system_packages()[command]
    path = shutil.which(command)
    if path is None:
        reason = (f"needs the Debian package {package} ({command}): apt-get install "
                  f"{package}")
        if os.environ.get("CI") or os.environ.get("REQUIRE_SYSTEM_PACKAGES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


def skipped_for_packages(reports: Iterable[pytest.TestReport | pytest.CollectReport]
                         ) -> list[str]:
    """The lines that end a run which skipped tests for a missing package: the tests each
    package would have run, and the command that installs them all."""
    files: dict[str, Counter[str]] = {}
    for report in reports:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        found = MISSING_PACKAGE.search(reason)
        if found:
            files.setdefault(found.group(1), Counter())[report.nodeid.split("::")[0]] += 1
    lines = [f"{package}: {counts.total()} skipped, in " + ", ".join(
                 f"{file} ({count})" for file, count in sorted(counts.items()))
             for package, counts in sorted(files.items())]
    return [*lines, f"apt-get install {' '.join(sorted(files))}"] if lines else []


# -- the broken fixtures: tests/fixtures/broken and tests/fixtures/slow, each with the exact
# messages it fails with (minimal.yaml with one change each) ------------------------------

_PLACEHOLDER_PROBLEM = ("write phone numbers as a contact placeholder such as {police}, so "
                        "that they are spoken digit by digit and checked")
_UNREACHABLE_PROBLEM = "nothing leads to this node; add it as an option of a menu or remove it"

_LOCK_SCREEN_PROBLEM = ("its first 60 characters, which a locked phone shows, contain "
                        "'mensenhandel': start it with the sms_header prompt, and keep that "
                        "header neutral and at least 60 characters long")
_NAME_BEFORE_NUMBER_PROBLEM = ("the number {police} must follow its name on the same line, "
                               "such as 'Politie: {police}', so that no page ends between the two")
_NOT_TEXT_PROBLEM = "%scharacter that cannot be said or sent: remove it"

BROKEN = {
    "anonymous_pass_through": [
        "contact 'anonymous': field 'caller_id': an anonymous line must never receive the "
        "caller's number; set caller_id: line"],
    "anonymous_quoted_true": [
        "contact 'anonymous': field 'anonymous': 'true' must be true or false, without quotes",
        "contact 'anonymous': field 'caller_id': an anonymous line must never receive the "
        "caller's number; set caller_id: line"],
    "connect_key_clash": ["settings: field 'connect_key': '#' is already a global key"],
    "dial_failed_without_number": [
        "prompt 'anonymous_number' (nl): must give a number to call, such as {police}: a "
        "caller may hear nothing after it",
        "prompt 'dial_failed' (nl): must use the placeholder '{number}'"],
    "page_back_to_forward": [
        "node 'signals' field 'back': 'call_police' is a forward node: a page belongs to a "
        "menu or a page"],
    "page_unknown_back": [
        "node 'signals' field 'back': unknown node 'mian' (did you mean 'main'?)"],
    "page_without_back": [
        "node 'signals': a page needs 'back': the menu it belongs to"],
    "sms_carrier_word": [
        "sms keyword 'STOP': Twilio treats this word as an opt-out or opt-in and answers it "
        "itself; choose another"],
    # Twilio answers its own words (HELP, INFO, STOP...) before the line sees them.
    "sms_twilio_words": [
        "prompt 'sms_index' (nl): offers 'HELP', which Twilio answers itself unless the "
        "number's opt-out settings are changed (Twilio's words: "
        "https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out): offer a keyword "
        "Twilio leaves to the line"],
    "sms_first_without_police": [
        "prompt 'sms_first' (nl): must give the number of 'police' ({police}), whom the line "
        "offers when all else fails"],
    "sms_keyword_clash": [
        "sms keyword 'SIGNALEN': means two things: topic 'call_police' (nl) and topic "
        "'signals' (nl); give each its own word"],
    # Every text the line sends starts with the header: a header that names the subject
    # shows it on the locked phone of every reply.
    "sms_lock_screen_word": [
        f"sms index for a first message from unknown country, page 1: {_LOCK_SCREEN_PROBLEM}",
        f"sms index (nl) page 1: {_LOCK_SCREEN_PROBLEM}",
        f"sms language list (nl) page 1: {_LOCK_SCREEN_PROBLEM}",
        f"prompt 'sms_which' (nl) with the 3 longest topics: {_LOCK_SCREEN_PROBLEM}",
        f"node 'signals' field 'sms' (nl): {_LOCK_SCREEN_PROBLEM}",
        f"node 'signals' field 'sms' (nl) on WhatsApp: {_LOCK_SCREEN_PROBLEM}",
        f"node 'call_police' field 'sms' (nl): {_LOCK_SCREEN_PROBLEM}",
        f"node 'call_police' field 'sms' (nl) on WhatsApp: {_LOCK_SCREEN_PROBLEM}"],
    "sms_lock_screen_words_missing": [
        "sms field 'lock_screen_words': unknown language 'en'",
        "sms field 'lock_screen_words': missing keywords for 'nl'"],
    "sms_missing_topic_text": [
        "node 'call_police': an SMS topic needs field 'sms' in every language (nl)"],
    "sms_number_after_sentence": [
        f"node 'signals' field 'sms' (nl): {_NAME_BEFORE_NUMBER_PROBLEM}"],
    "sms_number_starts_line": [
        f"node 'signals' field 'sms' (nl): {_NAME_BEFORE_NUMBER_PROBLEM}"],
    "sms_police_on_page_two": [
        "node 'signals' field 'sms' (nl): the number of 'police' must be on the first page: "
        "move it up"],
    "sms_too_long": [
        "node 'signals' field 'sms' (nl): 4 SMS segments (GSM-7, 596 characters); at most 3: "
        "shorten it, or split a long sentence"],
    # The numbers a caller asks for by text go as one message: not cut into pages.
    "text_too_long": [
        "node 'text_numbers' field 'sms' (nl), sent to a caller: 4 SMS segments (GSM-7, 529 "
        "characters); at most 3: shorten it, or split a long sentence"],
    "voice_mismatch": ["language 'nl': field 'voice': 'Polly.Amy' speaks 'en-GB', not 'nl-NL'"],
    # Characters that are no text, from an import: refused where they are, with the
    # character named (they ended make check and translations import in a traceback).
    "control_character": [
        f"node 'signals' field 'say' (nl): contains U+0008, {_NOT_TEXT_PROBLEM % 'a control '}"],
    "null_character": [f"prompt 'error' (nl): contains U+0000, {_NOT_TEXT_PROBLEM % 'a control '}"],
    "noncharacter": [
        f"node 'signals' field 'keywords' (nl): contains U+FFFE, {_NOT_TEXT_PROBLEM % 'a non'}"],
    "c1_control_in_display": [
        f"contact 'police' field 'display': contains U+009B, {_NOT_TEXT_PROBLEM % 'a control '}"],
    # Counted in characters too: the time model counts words, and this is one.
    "text_without_spaces": [
        "node 'signals' field 'say' (nl): 1,200 characters; at most 1,000 in one text: shorten "
        "it, or split it into a page and a 'more' option"],
    # Each text within its bounds, but a number is said digit by digit, twice, in SSML.
    "answer_too_large": [
        "node 'report' (nl): an answer of 123,484 bytes of TwiML; Twilio takes at most 64,000 "
        "(error 11750): shorten its texts, or split them into pages"],
    "voice_unknown": [
        "language 'nl': field 'voice': 'Polly.Lote' is not a voice Twilio lists for <Say> (did "
        "you mean 'Polly.Lotte'?); see https://www.twilio.com/docs/voice/twiml/say/text-speech"],
    "bad_key": [
        "node 'main' option 'A': field 'key': 'A' is not a key; use one of 0-9, * or #"],
    "duplicate_key": [
        "node 'main' option '1': the same key is given twice (again on line 92)",
        f"node 'signals': {_UNREACHABLE_PROBLEM}",
        f"node 'report': {_UNREACHABLE_PROBLEM}"],
    "forward_unknown_contact": [
        "node 'call_police' field 'contact': unknown contact 'polise' (did you mean 'police'?)"],
    "global_key_clash": [
        "node 'main' option '0': key '0' is the global key for 'main_menu'; choose another key"],
    "invalid_number": [
        "contact 'police': field 'number': '+3190088' is not a valid phone number"],
    "many_problems": [
        "language 'nl': unknown field 'colour'",
        "contact 'anonymous': field 'number': '+31800' is not a valid phone number",
        "node 'signals' option '1': unknown target 'reprot' (did you mean 'report'?)",
        f"node 'report': {_UNREACHABLE_PROBLEM}"],
    "language_key_two_digits": [
        "language 'nl': field 'key': '10' must be one digit 0-8, or 9 and a digit for the "
        "second page, such as \"91\""],
    "missing_prompt": ["prompts: prompt 'goodbye' is missing"],
    "missing_translation": [
        "node 'signals' field 'say': unknown language 'en'",
        "node 'signals' field 'say': missing translation for 'nl'"],
    "no_way_out": [
        "node 'signals': a menu with no way out: give it at least one option",
        f"node 'report': {_UNREACHABLE_PROBLEM}"],
    "number_in_text": [f"node 'report' field 'say' (nl): {_PLACEHOLDER_PROBLEM}"],
    "spoken_mismatch": [
        "contact 'police': field 'spoken': '0900 88 45' does not say the number +319008844; "
        "write its digits 09008844 in groups split by spaces"],
    "unknown_placeholder": [
        "node 'report' field 'say' (nl): unknown placeholder '{polise}' (did you mean 'police'?)"],
    "unknown_target": [
        "node 'signals' option '1': unknown target 'reprot' (did you mean 'report'?)",
        f"node 'report': {_UNREACHABLE_PROBLEM}"],
    "unquoted_star": [
        "line 14, column 14: not valid YAML: did not find expected alphabetic or numeric "
        "character; write the keys * and # in quotes: \"*\", \"#\""],
    "unreachable": [f"node 'orphan': {_UNREACHABLE_PROBLEM}"],
}

# Known faults of the application: the test states what is right and is expected to fail
# until the fault is fixed (strict: it then fails as "passed", so that this entry goes).

# Files that load and serve, but break a time goal (ivr/voice/timing.py): only the
# check report (make check, python -m ivr.tools.check, flask menus check) fails on them.
SLOW = {
    "long_prompt": [
        "utterance 'node.signals' (nl): 39.6 s when spoken; at most 25 s: split the text into "
        "a page and a 'more' option",
        "the answer at /voice/nl/signals/input?miss=0 (nl): a caller who goes quiet after it "
        "hears 63.8 s before the line hangs up; at most 60 s: shorten it, or split the page "
        "into a page and a 'more' option"],
    "quiet_too_long": [
        "the answer at /voice/nl/signals/input?miss=0 (nl): a caller who goes quiet after it "
        "hears 61.4 s before the line hangs up; at most 60 s: shorten it, or split the page "
        "into a page and a 'more' option"],
    "outside_too_long": [
        "the answer at /voice/nl/text_numbers/input?miss=1 (nl): 16.8 s of speech outside a "
        "<Gather>, where no key is heard; at most 15 s: a caller who comes back must be able "
        "to act"],
    "main_seven_choices": [
        "node 'main': 7 choices; at most 6 besides the global keys, the most urgent first"],
}


def broken_params(names=None):
    """The broken fixtures' names for parametrize, a known fault marked as such."""
    return sorted(names or BROKEN)


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


def printed(menus, lang: str, text: str, **values: str) -> str:
    """A text of menus.yaml as `flask call` prints it: a number in its digit groups, twice
    with the repeat prompt between, or once (repeat: false); `values` fill other
    placeholders."""
    return _printed(menus, lang, text, values, once=False)


def printed_once(menus, lang: str, text: str) -> str:
    """As printed, for a text that says its numbers once (prompts.PromptSpec.numbers_once)."""
    return _printed(menus, lang, text, {}, once=True)


def _printed(menus, lang: str, text: str, values: dict[str, str], once: bool) -> str:
    def fill(found: re.Match[str]) -> str:
        name = found.group(1)
        if name in values:
            return values[name]
        contact = menus.contacts[name]
        number = " ".join(contact.spoken)
        if once or not contact.repeat:
            return number
        return f"{number}, {menus.prompt('repeat_number', lang)} {number}"

    # As a person hears it: no space before a punctuation mark ("parler ?" in French).
    return re.sub(r"\s+([.,:;?!])", r"\1", PLACEHOLDER_RE.sub(fill, text))
