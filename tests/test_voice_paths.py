"""The paths off the happy road: silence, wrong keys, failed forwards, broken URLs, errors."""

from __future__ import annotations

import pytest

from ivr import model as m
from ivr import voice

from .conftest import LINE, shipped_menus

MENUS = shipped_menus()
LANGS = list(MENUS.languages)
FAILED = ["busy", "no-answer", "failed", "canceled"]
POLICE = MENUS.contacts["police"]


def in_menu(twilio, lang: str, node_id: str = "main"):
    return twilio.post(f"/voice/{lang}/{node_id}")


def said(lang: str, prompt_id: str) -> str:
    return MENUS.prompt(prompt_id, lang).split("{")[0].strip()


def digit_groups(answer, contact: m.Contact) -> int:
    """How many times the contact's whole number is spoken."""
    return answer.times_spoken(contact)


@pytest.mark.parametrize("lang", LANGS)
def test_greeting_says_112_and_offers_each_language_in_its_own_voice(twilio, lang):
    answer = twilio.post("/voice")
    assert digit_groups(answer, MENUS.contacts["emergency"]) >= 2
    language = MENUS.languages[lang]
    if language.voice is None:  # no Twilio voice: its recording plays
        plays = [p.text.split("?")[0] for p in answer.all("Play")]
        assert f"/audio/{lang}/prompt.language_offer.wav" in plays
        return
    offers = [s for s in answer.all("Say") if "".join(s.itertext()).startswith(
        said(lang, "language_offer").split("{")[0])]
    assert [s.get("voice") for s in offers] == [language.voice]


@pytest.mark.parametrize("lang", LANGS)
def test_silence_says_so_and_repeats_the_menu_with_one_miss(twilio, lang):
    answer = twilio.follow(in_menu(twilio, lang, "signals"))  # no key: follow the Redirect
    assert said(lang, "no_input") in answer.spoken()
    assert answer.first("Gather").get("action") == f"/voice/{lang}/signals/input?miss=1"


@pytest.mark.parametrize("lang", LANGS)
def test_a_key_that_is_no_option_says_so_and_repeats(twilio, lang):
    answer = twilio.follow(in_menu(twilio, lang, "signals"), "7")
    assert said(lang, "invalid_key") in answer.spoken()
    assert answer.first("Gather").get("action") == f"/voice/{lang}/signals/input?miss=1"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("misses", [["", "", ""], ["9", "", "#9"], ["7", "7", "7"]])
def test_three_misses_give_the_numbers_and_a_forward_to_the_police(twilio, lang, misses):
    answer = in_menu(twilio, lang, "forms")
    for key in misses:
        answer = twilio.follow(answer, key or None)
    assert digit_groups(answer, POLICE) == 2
    assert digit_groups(answer, MENUS.contacts["anonymous"]) == 2
    dial = answer.first("Dial")
    assert dial.find("Number").text == POLICE.number
    assert dial.get("callerId") == LINE


def test_a_good_key_resets_the_misses(twilio):
    answer = twilio.follow(twilio.follow(in_menu(twilio, "nl", "main"), "9"), "1")
    assert answer.first("Gather").get("action") == "/voice/nl/what/input?miss=0"


def test_silence_at_the_choice_of_language_ends_in_a_forward_not_a_hang_up(twilio):
    answer = twilio.post("/voice")
    for _ in range(3):
        answer = twilio.follow(answer)
    assert answer.first("Dial").find("Number").text == POLICE.number
    assert answer.first("Hangup") is None


@pytest.mark.parametrize("lang", LANGS)
def test_global_keys_work_in_every_menu(twilio, lang):
    answer = in_menu(twilio, lang, "victim")
    assert twilio.follow(answer, "*").first("Gather").get("action") == (
        f"/voice/{lang}/victim/input?miss=0")
    assert twilio.follow(answer, "0").first("Gather").get("action") == (
        f"/voice/{lang}/main/input?miss=0")
    language_menu = twilio.follow(answer, "#")
    assert language_menu.first("Gather").get("action") == "/voice/language?miss=0"
    assert digit_groups(language_menu, MENUS.contacts["emergency"]) == 0  # no second greeting


@pytest.mark.parametrize("lang", LANGS)
def test_main_menu_announces_the_global_keys(twilio, lang):
    spoken = in_menu(twilio, lang).spoken()
    for global_key in MENUS.settings.global_keys:
        assert MENUS.prompt(f"global_{global_key.action}", lang) in spoken


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("status", [*FAILED, "", "something-new"])
def test_a_failed_forward_speaks_the_number_twice_and_offers_a_way_on(twilio, lang, status):
    answer = twilio.post(f"/voice/{lang}/call_comensha/dialed", DialCallStatus=status)
    assert digit_groups(answer, MENUS.contacts["comensha"]) == 2
    assert answer.first("Hangup") is None
    retry = twilio.follow(answer, MENUS.settings.retry_key)
    assert retry.first("Dial").find("Number").text == MENUS.contacts["comensha"].number
    other = twilio.follow(answer, MENUS.settings.other_key)
    assert other.first("Gather").get("action") == f"/voice/{lang}/contacts/input?miss=0"
    assert twilio.follow(answer, "0").first("Gather").get("action") == (
        f"/voice/{lang}/main/input?miss=0")


@pytest.mark.parametrize("lang", LANGS)
def test_a_completed_forward_says_goodbye(twilio, lang):
    answer = twilio.post(f"/voice/{lang}/call_police/dialed", DialCallStatus="completed")
    assert said(lang, "after_call") in answer.spoken()
    assert digit_groups(answer, POLICE) == 2  # the number, for next time
    assert answer.first("Hangup") is not None
    assert answer.first("Dial") is None


def test_silence_after_a_failed_forward_goes_to_the_police(twilio):
    answer = twilio.post("/voice/nl/call_comensha/dialed", DialCallStatus="busy")
    for _ in range(3):
        answer = twilio.follow(answer)
    assert answer.first("Dial").find("Number").text == POLICE.number


def test_when_the_police_forward_itself_fails_a_silent_caller_hears_the_numbers_and_goodbye(
        twilio):
    answer = twilio.post("/voice/en/call_police/dialed", DialCallStatus="failed")
    for _ in range(3):
        answer = twilio.follow(answer)
    assert answer.first("Dial") is None, "dialling the failing number again would loop"
    assert digit_groups(answer, POLICE) == 2
    assert answer.first("Hangup") is not None


def test_without_the_lines_own_number_the_line_does_not_dial(twilio):
    """Without To, <Dial> would show the caller's number: give the number instead."""
    answer = twilio.post("/voice/nl/call_anonymous", To="anonymous")
    assert answer.first("Dial") is None
    assert digit_groups(answer, MENUS.contacts["anonymous"]) == 2


@pytest.mark.parametrize("url", ["/voice/xx/main", "/voice/xx/main/input?miss=1",
                                 "/voice/nl", "/voice/../etc/passwd", "/voice/de/what/dialed",
                                 "/voice/a/b/c/d/e"])
def test_an_unknown_language_leads_to_the_language_choice(twilio, url):
    answer = twilio.post(url, Digits="1")
    lang_menu = answer.first("Gather")
    if url == "/voice/nl":
        assert lang_menu.get("action") == "/voice/nl/main/input?miss=0"
    else:
        assert lang_menu.get("action") == "/voice/language?miss=0"


@pytest.mark.parametrize("url", ["/voice/en/reprot", "/voice/en/reprot/input",
                                 "/voice/en/main/dialed", "/voice/en/what/failed",
                                 "/voice/en/nowhere/more/paths"])
def test_an_unknown_node_leads_to_the_main_menu(twilio, url):
    answer = twilio.post(url, Digits="1", DialCallStatus="busy")
    assert answer.first("Gather").get("action") == "/voice/en/main/input?miss=0"


@pytest.mark.parametrize(("miss", "next_miss"), [
    ("-1", 1), ("abc", 1), ("", 1), ("%C2%B2", 1), ("%D9%A3", 1), ("1" * 5000, 1),
    ("2", None), ("99", None)])
def test_a_strange_miss_count_is_treated_as_none_or_capped(twilio, caplog, miss, next_miss):
    answer = twilio.post(f"/voice/nl/main/input?miss={miss}", Digits="")
    assert "voice webhook failed" not in caplog.text
    if next_miss is None:  # capped: this was one miss too many
        assert answer.first("Dial").find("Number").text == POLICE.number
    else:
        assert answer.first("Gather").get("action") == f"/voice/nl/main/input?miss={next_miss}"


def test_silence_at_the_language_choice_gives_the_numbers_in_each_greeting_language(twilio):
    answer = twilio.post("/voice")
    for _ in range(3):
        answer = twilio.follow(answer)
    for lang in MENUS.settings.greeting_languages:
        assert said(lang, "too_many_misses") in answer.spoken()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_twiml_too(app, method):
    from twilio.request_validator import RequestValidator

    from .conftest import TOKEN
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/voice/nl/main", {})
    response = app.test_client().open("/voice/nl/main", method=method,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"/voice/nl/main/input?miss=0" in response.data
    assert app.test_client().open("/voice/nl/main", method=method).status_code == 403


def test_an_exception_inside_a_handler_still_answers_twiml(twilio, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "node_input", broken)
    answer = twilio.post("/voice/en/main/input?miss=0", Digits="1")
    assert answer.status == 200
    assert said("en", "error") in answer.spoken()
    assert digit_groups(answer, POLICE) == 2
    assert answer.first("Dial").find("Number").text == POLICE.number
    assert answer.first("Dial").get("callerId") == LINE
    assert "Traceback" not in answer.body
    assert "voice webhook failed" in caplog.text


def test_when_even_the_apology_fails_the_fixed_fallback_answers(twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "incoming", broken)
    monkeypatch.setattr(voice, "error_response", broken)
    answer = twilio.post("/voice")
    assert answer.status == 200
    assert said("nl", "error") in answer.spoken()
    assert digit_groups(answer, POLICE) == 2
    assert answer.first("Hangup") is not None


def test_an_exception_without_the_lines_number_gives_the_number_not_a_hang_up(
        twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "node_input", broken)
    answer = twilio.post("/voice/nl/main/input?miss=0", Digits="1", To="")
    assert answer.first("Dial") is None
    assert digit_groups(answer, POLICE) >= 2
    assert answer.first("Gather").get("action") == "/voice/nl/call_police/failed?miss=0"


def test_get_requests_are_answered_too(app):
    """A number configured for GET webhooks gets the same line."""
    from twilio.request_validator import RequestValidator

    from .conftest import TOKEN
    url = "/voice/nl/main/input?miss=0&Digits=1&To=%2B3197010000000"
    signature = RequestValidator(TOKEN).compute_signature("http://localhost" + url, {})
    response = app.test_client().get(url, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert b"/voice/nl/what/input" in response.data
