"""Whatever a caller presses or Twilio sends, the answer is TwiML that leads somewhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app

from .helpers import LINE, MENUS_PATH, TOKEN, Answer, Twilio, examples, shipped_menus

MENUS = shipped_menus()
APP = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH)})
NUMBERS = {c.number for c in MENUS.contacts.values() if not c.emergency}
HIDING = {c.number for c in MENUS.contacts.values() if c.caller_id == "line" or c.anonymous}
APOLOGY = [MENUS.prompt("error", lang).split("{")[0] for lang in MENUS.languages]
VERBS = {"Say", "Gather", "Redirect", "Dial", "Hangup", "Play", "Pause"}

segment = st.one_of(st.sampled_from([*MENUS.languages, *MENUS.nodes, "input", "dialed",
                                     "failed", "connect", "language", ""]),
                    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12))
keys = st.one_of(st.sampled_from([*list("0123456789*#"), "", "12", " 1 "]),
                 st.text(max_size=40))


def check_twiml(answer) -> None:
    assert answer.status == 200, answer.body
    root = ET.fromstring(answer.body)
    assert root.tag == "Response"
    assert {child.tag for child in root} <= VERBS
    assert "Traceback" not in answer.body
    assert "612345678" not in answer.body  # the caller's number, in no form
    assert not any(apology in answer.body for apology in APOLOGY), "took the exception path"
    for dial in root.iter("Dial"):
        number = dial.find("Number")
        assert number is not None and number.text in NUMBERS  # only numbers from menus.yaml
        if number.text in HIDING:
            assert dial.get("callerId") == LINE
    # Every answer either asks for input, goes on, dials, or ends after speaking.
    assert root.find("Gather") is not None or root.find("Dial") is not None or (
        root.find("Hangup") is not None and root.find("Say") is not None)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(segment, min_size=0, max_size=4), digits=keys,
       miss=st.text(max_size=6), status=st.text(max_size=12))
def test_any_path_and_input_answers_twiml(path, digits, miss, status):
    url = "/voice/" + "/".join(quote(p, safe="") for p in path) + f"?miss={quote(miss)}"
    answer = Twilio(APP.test_client()).post(url, Digits=digits, DialCallStatus=status)
    check_twiml(answer)
    if answer.root.find("Dial") is not None:  # a forward's input URL once dialled on silence
        assert digits.strip(), f"{url} dialled without a key"


def _answer(body: str) -> Answer:
    return Answer(200, ET.fromstring(body), body)


def test_check_twiml_refuses_a_hidden_forward_without_the_lines_number():
    """The checks above hold something: a forward that must hide the caller but has no
    callerId, or one to a number not in menus.yaml, fails them."""
    hidden = sorted(HIDING)[0]
    with pytest.raises(AssertionError):
        check_twiml(_answer(f"<Response><Dial><Number>{hidden}</Number></Dial></Response>"))
    with pytest.raises(AssertionError):
        check_twiml(_answer("<Response><Dial><Number>+31201234567</Number></Dial></Response>"))
    check_twiml(_answer(f'<Response><Dial callerId="{LINE}"><Number>{hidden}</Number>'
                        "</Dial></Response>"))


@settings(max_examples=examples(200), deadline=None)
@given(presses=st.lists(keys, max_size=12))
def test_any_sequence_of_presses_keeps_the_call_going_and_silence_never_dials(presses):
    twilio = Twilio(APP.test_client())
    answer = twilio.post("/voice")
    for digits in presses:
        check_twiml(answer)
        if answer.root.find("Gather") is None:
            break  # dialled or said goodbye: the call has left the menus
        if not digits and answer.root.find("Redirect") is None:
            # Silence after the last offer: goodbye and hang up, never a dial.
            assert answer.root[-1].tag == "Hangup"
            break
        answer = twilio.follow(answer, digits or None)
        if answer.root.find("Dial") is not None:
            assert digits, "silence led to a <Dial>"
    check_twiml(answer)


@settings(max_examples=examples(100), deadline=None)
@given(fields=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=200),
                              max_size=6))
def test_unknown_and_odd_form_fields_are_harmless(fields):
    answer = Twilio(APP.test_client()).post("/voice/nl/main/input?miss=0", **fields)
    check_twiml(answer)


@pytest.mark.parametrize("url", ["/voice", "/voice/nl/main/input?miss=0", "/sms"])
def test_a_body_over_the_limit_gets_413_not_a_crash(url):
    big = {"Body": "x" * (70 * 1024), "From": "+31612345678"}
    response = APP.test_client().post(url, data=big)
    assert response.status_code == 413


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.dictionaries(
    st.sampled_from(["Digits", "SpeechResult", "Body", "From", "To", "DialCallStatus",
                     "NumMedia", "CallSid", "MessageSid"]) | st.text(min_size=1, max_size=12),
    st.text(max_size=300) | st.text(max_size=3000), max_size=8),
       path=st.lists(segment, max_size=3))
def test_any_form_on_any_sms_path_answers_twiml(fields, path):
    url = "/sms" + "".join("/" + quote(p, safe="") for p in path)
    answer = Twilio(APP.test_client()).post(url, **fields)
    assert answer.status == 200, answer.body
    root = ET.fromstring(answer.body)
    assert root.tag == "Response" and {c.tag for c in root} <= {"Message"}
    assert "Traceback" not in answer.body


@pytest.mark.parametrize("url", ["/voice//nl", "/voice/xx", "/sms/x/y", "/voice/nl/main/x/y"])
def test_a_body_over_the_limit_on_an_unrouted_path_gets_413(url):
    big = {"Body": "x" * (70 * 1024)}
    assert APP.test_client().post(url, data=big).status_code == 413
