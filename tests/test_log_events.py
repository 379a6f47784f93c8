"""At INFO the log holds events, not steps: forwards and how they ended,
texts sent or refused, refusals, errors, closed contacts and the miss limit; a menu step
or an SMS reply is logged at DEBUG. One line a request either way."""

from __future__ import annotations

import logging

import pytest

from .helpers import CALLER, Twilio, confirm_text, texting_line


def webhook_lines(caplog) -> list[tuple[str, str | None]]:
    return [(logging.getLevelName(r.levelno), getattr(r, "outcome", None))
            for r in caplog.records if r.getMessage() == "webhook"]


@pytest.mark.parametrize(("url", "params", "level", "outcome"), [
    ("/voice", {}, "DEBUG", "menu"),
    ("/voice/nl/main/input?miss=0", {"Digits": "2"}, "DEBUG", "menu"),
    ("/voice/nl/main/input?miss=0", {"Digits": "8"}, "DEBUG", "menu"),
    ("/voice/nl/contacts/input?miss=0&part=1", {"Digits": "1"}, "INFO", "forward"),
    ("/voice/nl/contacts/input?miss=0", {"Digits": "1"}, "DEBUG", "menu"),  # before its offer
    ("/voice/nl/call_police", {}, "DEBUG", "menu"),  # a forward's URL: the main menu
    ("/voice/nl/call_police/dialed", {"DialCallStatus": "busy"}, "INFO", "forward busy"),
    ("/voice/nl/main/input?miss=2", {"Digits": ""}, "INFO", "miss limit"),
    ("/voice/nl/main/input?miss=2", {"Digits": "5"}, "DEBUG", "menu"),  # a key, no miss
    ("/voice/language?miss=2", {"Digits": ""}, "INFO", "miss limit"),
    ("/voice/language?miss=0", {"Digits": "1"}, "DEBUG", "menu"),
    # A key that does something is no miss, whatever the misses before: a person's key in
    # the choice of language, a forward's key pressed before its offer (the offer again).
    ("/voice/language?miss=2", {"Digits": "#"}, "DEBUG", "menu"),
    ("/voice/nl/contacts/input?miss=2", {"Digits": "1"}, "DEBUG", "menu"),
    ("/sms", {"Body": "HULP"}, "DEBUG", "reply"),
    # URLs no route matches go through the same lifecycle (ivr.web.lifecycle.unrouted).
    ("/voice//nl", {}, "DEBUG", "menu"),
    ("/voice/nl/main/extra/parts", {}, "DEBUG", "menu"),
    ("/sms/anything", {"Body": "HULP"}, "DEBUG", "reply"),
])
def test_each_webhook_is_one_line_at_the_level_of_what_it_did(
        twilio, caplog, url, params, level, outcome):
    caplog.set_level(logging.DEBUG)
    assert twilio.post(url, **params).status == 200
    assert webhook_lines(caplog) == [(level, outcome)]


@pytest.mark.parametrize("url", ["/voice", "/voice//nl", "/sms/anything"])
def test_a_refusal_is_an_event(twilio, caplog, url):
    caplog.set_level(logging.DEBUG)
    assert twilio.post_unsigned(url).status == 403
    assert webhook_lines(caplog) == [("INFO", "refused")]


def test_at_info_a_menu_step_writes_nothing(app, caplog):
    caplog.set_level(logging.INFO)
    assert Twilio(app.test_client()).post("/voice/nl/main").status == 200
    assert webhook_lines(caplog) == []


@pytest.mark.parametrize(("caller", "status", "outcome"), [
    (CALLER, 201, "text sent"),
    ("+31201234567", 201, "text refused"),  # a landline
    (CALLER, 500, "text failed"),  # Twilio's API failed
])
def test_the_numbers_by_text_are_an_event_with_what_became_of_them(caplog, caller, status,
                                                                   outcome):
    _, _, twilio = texting_line(status=status)
    caplog.set_level(logging.DEBUG)
    assert confirm_text(twilio, caller=caller).status == 200
    assert webhook_lines(caplog) == [("INFO", outcome)]
