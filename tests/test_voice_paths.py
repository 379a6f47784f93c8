"""The paths off the happy road: silence, wrong keys, failed forwards, broken URLs, errors.

Nothing here may dial unasked: after silence, wrong keys or an error the caller hears 112
and the numbers, and is put through only when they press the key they were offered.
"""

from __future__ import annotations

import pytest

from ivr.content import model as m
from ivr.voice import answers as voice
from ivr.web import counters
from ivr.web.signature import sign

from .helpers import LINE, TOKEN, path_of, shipped_menus

MENUS = shipped_menus()
LANGS = list(MENUS.languages)
VOICED = [code for code, language in MENUS.languages.items() if language.voice]
FAILED = ["busy", "no-answer", "failed", "canceled"]
POLICE = MENUS.contacts["police"]
EMERGENCY = MENUS.contacts["emergency"]
S = MENUS.settings
KEY = {g.action: g.key for g in S.global_keys}
CONTACTS_KEY = KEY[m.CONTACTS]
POLISH_MOBILE = "+48512345678"


def in_menu(twilio, lang: str, node_id: str = "main", **params: str):
    return twilio.post(f"/voice/{lang}/{node_id}", **params)


def said(lang: str, prompt_id: str) -> str:
    return MENUS.prompt(prompt_id, lang).split("{")[0].strip()


def title(lang: str, node_id: str) -> str:
    return MENUS.nodes[node_id].title[lang]


def assert_last_chance(answer, lang: str, languages: int = 1) -> None:
    """112 and the numbers once, the offer of one key, goodbye: never a <Dial>, never a
    loop."""
    assert answer.first("Dial") is None, "silence, wrong keys and errors never dial"
    assert said(lang, "too_many_misses") in answer.spoken()
    assert answer.times_spoken(EMERGENCY) == languages
    assert answer.times_spoken(POLICE) == languages
    assert answer.times_spoken(MENUS.contacts["anonymous"]) == languages
    # The numbers are a <Gather> of their own, so a caller who comes back can act during
    # them; the offer is the next one, so the key pressed during the numbers is not
    # taken for it (see test_the_offered_key_during_the_numbers_brings_the_offer).
    numbers, *offers = answer.all("Gather")
    assert numbers.get("action") == f"/voice/{lang}/{S.fallback_node}/connect"
    assert offers and offers[0].get("action") == f"/voice/{lang}/{S.fallback_node}/connect?part=1"
    offer = " ".join(" ".join(e.itertext()) for e in offers[0])
    assert title(lang, S.fallback_node) in offer or offers[0].find("Play") is not None
    assert answer.first("Redirect") is None
    tags = [child.tag for child in answer.root]
    after = tags[len(tags) - tags[::-1].index("Gather"):]
    assert after == [after[0]] * languages + ["Hangup"]  # goodbye in each language
    assert after[0] in ("Say", "Play")


@pytest.mark.parametrize("lang", LANGS)
def test_greeting_says_112_once_and_offers_each_language_in_its_own_voice(twilio, lang):
    answer = twilio.post("/voice")
    greeting_langs = voice.greeting_order(MENUS, "NL")
    assert answer.times_spoken(EMERGENCY) == len(greeting_langs)  # once in each language
    language = MENUS.languages[lang]
    if language.voice is None:  # no Twilio voice: its recording plays
        plays = [p.text.split("?")[0] for p in answer.all("Play")]
        assert f"/audio/{lang}/prompt.language_offer.wav" in plays
        return
    offer = said(lang, "language_offer")
    offers = [s for s in answer.all("Say") if "".join(s.itertext()).startswith(offer)]
    assert [s.get("voice") for s in offers] == [language.voice]


def test_the_greeting_is_in_the_callers_likely_language_and_dutch(twilio):
    """A Polish number hears Polish first, in the place of English: the greeting never grows."""
    assert voice.greeting_order(MENUS, "NL") == ("nl", "en")
    assert voice.greeting_order(MENUS, "PL") == ("pl", "nl")
    assert voice.greeting_order(MENUS, "GB") == ("en", "nl")
    answer = twilio.post("/voice", From=POLISH_MOBILE)
    first = answer.first("Gather")[0]
    assert first.get("language") == MENUS.languages["pl"].say_language
    assert answer.times_spoken(EMERGENCY) == 2


def test_the_language_menu_offers_a_person_and_the_key_leads_to_the_contacts(twilio):
    answer = twilio.post("/voice")
    for lang in voice.greeting_order(MENUS, "NL"):
        assert MENUS.prompt("global_contacts", lang) in answer.spoken()
    contacts = twilio.follow(answer, CONTACTS_KEY)
    contacts_menu = S.other_contacts_node
    assert contacts.first("Gather").get("action") == f"/voice/nl/{contacts_menu}/input?miss=0"
    polish = twilio.follow(twilio.post("/voice", From=POLISH_MOBILE), CONTACTS_KEY,
                           From=POLISH_MOBILE)
    assert polish.first("Gather").get("action") == f"/voice/pl/{contacts_menu}/input?miss=0"


@pytest.mark.parametrize("key", [KEY[m.REPEAT], KEY[m.MAIN_MENU]])
def test_star_and_zero_on_the_second_page_go_back_to_the_first(twilio, key):
    second = twilio.follow(twilio.post("/voice"), "9")
    assert second.first("Gather").get("action") == "/voice/language?miss=0&page=2"
    back = twilio.follow(second, key)
    assert back.first("Gather").get("action") == "/voice/language?miss=0"
    assert back.times_spoken(EMERGENCY) == 0  # the first page, without the greeting again


@pytest.mark.parametrize("language", [lang for lang in MENUS.languages.values()
                                      if len(lang.key) == 1 and lang.key not in "123"])
def test_the_keys_of_the_first_page_still_choose_their_languages_on_the_second(
        twilio, language):
    second = twilio.follow(twilio.post("/voice"), "9")
    chosen = twilio.follow(second, language.key)
    assert chosen.first("Gather").get("action") == f"/voice/{language.code}/main/input?miss=0"


def test_a_wrong_key_on_the_second_page_says_so_in_its_languages_and_offers_them_again(twilio):
    second = twilio.follow(twilio.post("/voice"), "9")
    wrong = twilio.follow(second, "9")  # no language has 9 9
    assert wrong.first("Gather").get("action") == "/voice/language?miss=1&page=2"
    page_two = [lang for lang in MENUS.languages.values() if len(lang.key) == 2]
    for language in page_two:
        assert said(language.code, "invalid_key") in wrong.spoken()
        assert said(language.code, "language_offer") in wrong.spoken()
    assert said("nl", "invalid_key") not in wrong.spoken()


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_menu_after_choosing_a_language_starts_with_112_in_it(twilio, lang):
    """Once per call: not again when the greeting said it in that language."""
    chosen = twilio.follow(twilio.post("/voice"), "9") if len(
        MENUS.languages[lang].key) == 2 else twilio.post("/voice")
    answer = twilio.follow(chosen, MENUS.languages[lang].key[-1])
    assert answer.first("Gather").get("action") == f"/voice/{lang}/main/input?miss=0"
    in_greeting = lang in voice.greeting_order(MENUS, "NL")
    assert answer.times_spoken(EMERGENCY) == (0 if in_greeting else 1)
    repeated = twilio.follow(answer, KEY[m.REPEAT])
    assert repeated.times_spoken(EMERGENCY) == 0


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("node", ["forms", "signals", "contacts"])
def test_silence_in_a_menu_or_a_page_gives_the_numbers_once_and_the_offer(twilio, lang, node):
    """Someone who goes quiet may have been walked in on: no menu again and again, but
    at once what they need, and soon the hang-up."""
    assert_last_chance(twilio.follow(in_menu(twilio, lang, node)), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_key_gives_the_keys_again_without_the_text_just_heard(twilio, lang):
    page = MENUS.nodes["signals"]
    heard = in_menu(twilio, lang, page.id)
    again = twilio.follow(heard, "7")
    assert len(again.spoken()) < len(heard.spoken())
    for option in page.options:
        assert title(lang, option.target) in again.spoken() or lang not in VOICED
    if lang in VOICED:
        assert page.say[lang].split()[0] not in again.spoken().replace(
            said(lang, "invalid_key"), "")


@pytest.mark.parametrize("lang", LANGS)
def test_the_offered_key_during_the_numbers_brings_the_offer(twilio, lang):
    """A key pressed while the numbers are said was pressed before the offer was heard:
    the offer comes first, as in a menu."""
    answer = twilio.follow(in_menu(twilio, lang, "forms"))
    numbers = answer.all("Gather")[0].get("action")
    early = twilio.post(numbers.replace("http://localhost", ""), Digits=S.connect_key)
    assert early.first("Dial") is None
    assert early.first("Gather").get("action") == (
        f"/voice/{lang}/{S.fallback_node}/connect?part=1")
    assert early.times_spoken(POLICE) == 0
    dial = twilio.follow(early, S.connect_key).first("Dial")
    assert dial.find("Number").text == POLICE.number


@pytest.mark.parametrize("lang", LANGS)
def test_a_key_that_is_no_option_says_so_and_repeats(twilio, lang):
    answer = twilio.follow(in_menu(twilio, lang, "signals"), "7")
    assert said(lang, "invalid_key") in answer.spoken()
    assert answer.first("Gather").get("action") == f"/voice/{lang}/signals/input?miss=1"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("node", "misses"), [("forms", [""]),
                                              ("forms", ["7", ""]),
                                              ("forms", ["7", "8", "7"]),
                                              ("signals", ["7", "7", "7"]),
                                              ("contacts", [""])])
def test_misses_give_112_the_numbers_and_a_key_to_the_police_never_a_dial(
        twilio, lang, node, misses):
    answer = in_menu(twilio, lang, node)
    for key in misses:
        answer = twilio.follow(answer, key or None)
    assert_last_chance(answer, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_offered_key_after_the_numbers_puts_the_caller_through(twilio, lang):
    answer = twilio.follow(in_menu(twilio, lang, "forms"))
    dial = twilio.follow(answer, S.connect_key).first("Dial")
    assert dial.find("Number").text == POLICE.number
    assert dial.get("callerId") == LINE


def test_after_the_numbers_another_key_is_the_menu_and_star_the_numbers_again(twilio):
    answer = twilio.follow(in_menu(twilio, "en", "forms"))
    other = twilio.follow(answer, "7")
    assert other.first("Gather").get("action") == "/voice/en/main/input?miss=0"
    assert other.first("Dial") is None
    assert_last_chance(twilio.follow(answer, KEY[m.REPEAT]), "en")
    contacts = twilio.follow(answer, CONTACTS_KEY)
    assert contacts.first("Gather").get("action") == "/voice/en/contacts/input?miss=0"


def test_a_good_key_resets_the_misses(twilio):
    answer = twilio.follow(twilio.follow(in_menu(twilio, "nl", "main"), "8"), "6")
    assert answer.first("Gather").get("action") == "/voice/nl/what/input?miss=0"


def test_silence_at_the_choice_of_language_ends_in_the_offer_and_goodbye(twilio):
    answer = twilio.follow(twilio.post("/voice"))
    greeting = voice.greeting_order(MENUS, "NL")
    assert_last_chance(answer, "nl", len(greeting))
    for lang in greeting:
        assert said(lang, "too_many_misses") in answer.spoken()


@pytest.mark.parametrize("lang", LANGS)
def test_global_keys_work_in_every_menu(twilio, lang):
    answer = in_menu(twilio, lang, "victim")
    assert twilio.follow(answer, KEY[m.REPEAT]).first("Gather").get("action") == (
        f"/voice/{lang}/victim/input?miss=0")
    assert twilio.follow(answer, KEY[m.MAIN_MENU]).first("Gather").get("action") == (
        f"/voice/{lang}/main/input?miss=0")
    assert twilio.follow(answer, CONTACTS_KEY).first("Gather").get("action") == (
        f"/voice/{lang}/contacts/input?miss=0")
    language_menu = twilio.follow(answer, KEY[m.LANGUAGE])
    assert language_menu.first("Gather").get("action") == "/voice/language?miss=0"
    assert language_menu.times_spoken(EMERGENCY) == 0  # no second greeting


@pytest.mark.parametrize("lang", VOICED)
def test_main_menu_announces_the_global_keys_but_not_itself(twilio, lang):
    spoken = in_menu(twilio, lang).spoken()
    for global_key in S.global_keys:
        text = MENUS.prompt(f"global_{global_key.action}", lang)
        assert (text in spoken) == (global_key.action != m.MAIN_MENU)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("status", [*FAILED, "", "something-new"])
def test_a_failed_forward_speaks_the_number_twice_and_offers_a_way_on(twilio, lang, status):
    answer = twilio.post(f"/voice/{lang}/call_comensha/dialed", DialCallStatus=status)
    assert answer.times_spoken(MENUS.contacts["comensha"]) == 2
    assert answer.first("Hangup") is None
    retry = twilio.follow(answer, S.retry_key)
    assert retry.first("Dial").find("Number").text == MENUS.contacts["comensha"].number
    other = twilio.follow(answer, S.other_key)
    assert other.first("Gather").get("action") == f"/voice/{lang}/contacts/input?miss=0"
    assert twilio.follow(answer, KEY[m.MAIN_MENU]).first("Gather").get("action") == (
        f"/voice/{lang}/main/input?miss=0")


@pytest.mark.parametrize("lang", LANGS)
def test_a_completed_forward_says_goodbye(twilio, lang):
    answer = twilio.post(f"/voice/{lang}/call_police/dialed", DialCallStatus="completed")
    assert said(lang, "after_call") in answer.spoken()
    assert answer.times_spoken(POLICE) == 2  # the number, for next time
    assert answer.first("Hangup") is not None
    assert answer.first("Dial") is None


@pytest.mark.parametrize("node", ["call_comensha", "call_police"])
def test_silence_after_a_failed_forward_gives_the_numbers_and_the_offer_not_a_dial(
        twilio, node):
    answer = twilio.post(f"/voice/nl/{node}/dialed", DialCallStatus="busy")
    assert_last_chance(twilio.follow(answer), "nl")


def test_without_the_lines_own_number_the_line_does_not_dial(twilio):
    """Without To, <Dial> would show the caller's number: give the number instead."""
    contacts = in_menu(twilio, "nl", "contacts", To="anonymous")
    key = next(o.key for o in MENUS.nodes["contacts"].options if o.target == "call_anonymous")
    answer = twilio.follow(contacts, key, To="anonymous")
    assert answer.first("Dial") is None
    assert answer.times_spoken(MENUS.contacts["anonymous"]) == 2


@pytest.mark.parametrize("node", [n.id for n in MENUS.nodes.values() if n.kind == m.FORWARD])
def test_a_forward_is_reached_by_its_key_never_by_its_url(twilio, node):
    answer = in_menu(twilio, "nl", node)
    assert answer.first("Dial") is None
    assert answer.first("Gather").get("action") == "/voice/nl/main/input?miss=0"


FORWARD_INPUTS = [(lang, n.id, key) for lang in LANGS
                  for n in MENUS.nodes.values() if n.kind == m.FORWARD
                  for key in ["", "1", S.connect_key, S.retry_key, "#"]]


@pytest.mark.parametrize(("lang", "node", "key"), FORWARD_INPUTS)
def test_a_forwards_input_url_is_the_main_menu_never_its_dial(twilio, lang, node, key):
    """No answer gathers keys for a forward itself, but a stale URL (menus.yaml changed
    during a call) or a made-up one may name it: like the forward's own URL, it leads to
    the main menu, whatever key or none."""
    answer = twilio.post(f"/voice/{lang}/{node}/input?miss=0", Digits=key)
    assert answer.first("Dial") is None
    assert answer.first("Gather").get("action") == f"/voice/{lang}/main/input?miss=0"
    pure = voice.node_input(MENUS, lang, node, key, 0, voice.Call(LINE)).twiml
    assert pure.to_xml().count("<Dial") == 0


@pytest.mark.parametrize("key", ["1", "2", "3"])
def test_a_key_that_dials_pressed_before_its_offer_gets_the_offer_first(twilio, key):
    """A double press meant for the menu before, or a phone in a pocket, must not dial:
    the key counts once its offer has been heard."""
    target = MENUS.nodes["contacts"].target_for(key)
    early = twilio.post("/voice/nl/contacts/input?miss=0", Digits=key)  # during the question
    assert early.first("Dial") is None
    offer = early.first("Gather")[0]
    assert MENUS.nodes[target].title["nl"] in "".join(offer.itertext())
    dial = twilio.follow(early, key).first("Dial")  # now heard: it dials
    assert dial.find("Number").text == MENUS.contacts[MENUS.nodes[target].contact].number


@pytest.mark.parametrize("lang", LANGS)
def test_after_a_wrong_key_a_dialling_key_still_waits_for_its_offer(twilio, lang):
    """A wrong key brings the menu's keys without its text, so a menu whose first option
    dials would begin with that offer: it gets a part of its own after an empty one, and
    the key pressed while "no such option" was said brings the offer, not a <Dial>."""
    key = next(o.key for o in MENUS.nodes["contacts"].options
               if MENUS.nodes[o.target].kind == m.FORWARD)
    wrong = twilio.post(f"/voice/{lang}/contacts/input?miss=0", Digits="7")
    first = wrong.all("Gather")[0]
    assert len(first) == 0 and first.get("timeout") == "1"
    early = twilio.post(path_of(first.get("action")), Digits=key)
    assert early.first("Dial") is None
    assert twilio.follow(early, key).first("Dial") is not None  # heard now: it dials


def test_the_connect_route_only_ever_puts_through_to_the_offered_forward(twilio):
    answer = twilio.post("/voice/nl/call_comensha/connect", Digits=S.connect_key)
    assert answer.first("Dial") is None
    assert answer.first("Gather").get("action") == "/voice/nl/main/input?miss=0"


@pytest.mark.parametrize("url", ["/voice/xx/main", "/voice/xx/main/input?miss=1",
                                 "/voice/nl", "/voice/../etc/passwd", "/voice/de/what/dialed",
                                 "/voice/a/b/c/d/e", "/voice/xx/call_police/connect"])
def test_an_unknown_language_leads_to_the_language_choice(twilio, url):
    answer = twilio.post(url, Digits="1")
    lang_menu = answer.first("Gather")
    assert answer.first("Dial") is None
    if url == "/voice/nl":
        assert lang_menu.get("action") == "/voice/nl/main/input?miss=0"
    else:
        assert lang_menu.get("action") == "/voice/language?miss=0"


@pytest.mark.parametrize("url", ["/voice/en/reprot", "/voice/en/reprot/input",
                                 "/voice/en/main/dialed", "/voice/en/what/failed",
                                 "/voice/en/nowhere/more/paths", "/voice/en/main/connect",
                                 "/voice/en/reprot/connect"])
def test_an_unknown_node_leads_to_the_main_menu(twilio, url):
    answer = twilio.post(url, Digits="1", DialCallStatus="busy")
    assert answer.first("Gather").get("action") == "/voice/en/main/input?miss=0"
    assert answer.first("Dial") is None


@pytest.mark.parametrize(("miss", "next_miss"), [
    ("-1", 1), ("abc", 1), ("", 1), ("%C2%B2", 1), ("%D9%A3", 1), ("1" * 5000, 1),
    ("2", None), ("99", None)])
def test_a_strange_miss_count_is_treated_as_none_or_capped(twilio, caplog, miss, next_miss):
    # A wrong key: silence is not counted, it leads to the numbers at once.
    answer = twilio.post(f"/voice/nl/main/input?miss={miss}", Digits="7")
    assert "voice webhook failed" not in caplog.text
    if next_miss is None:  # capped: this was one miss too many
        assert_last_chance(answer, "nl")
    else:
        assert answer.first("Gather").get("action") == f"/voice/nl/main/input?miss={next_miss}"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_twiml_too(app, method):
    signature = sign(TOKEN, "http://localhost/voice/nl/main", {})
    response = app.test_client().open("/voice/nl/main", method=method,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"/voice/nl/main/input?miss=0" in response.data
    assert app.test_client().open("/voice/nl/main", method=method).status_code == 403


def test_an_exception_inside_a_handler_gives_the_apology_the_numbers_and_the_offer(
        twilio, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "node_input", broken)
    answer = twilio.post("/voice/en/main/input?miss=0", Digits="1")
    assert answer.status == 200
    assert said("en", "error") in answer.spoken()
    assert_last_chance(answer, "en")
    assert "Traceback" not in answer.body
    assert "voice webhook failed" in caplog.text
    through = twilio.follow(answer, S.connect_key)
    assert through.first("Dial").find("Number").text == POLICE.number
    assert through.first("Dial").get("callerId") == LINE


def test_when_even_the_apology_fails_the_fixed_fallback_answers(twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "incoming", broken)
    monkeypatch.setattr(voice, "error_response", broken)
    answer = twilio.post("/voice")
    assert answer.status == 200
    greeting = MENUS.settings.greeting_languages
    for lang in greeting:
        assert said(lang, "error") in answer.spoken()
    assert_last_chance(answer, greeting[0], len(greeting))


@pytest.mark.parametrize("url", ["/voice", "/voice//nl"])  # routed, and no route at all
def test_when_the_counters_fail_too_the_caller_still_gets_twiml(twilio, monkeypatch, url):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    for name in ("incoming", "language_menu", "show_node", "error_response"):
        monkeypatch.setattr(voice, name, broken)
    monkeypatch.setattr(counters, "count", broken)
    monkeypatch.setattr(counters.CALLS, "inc", broken)
    answer = twilio.post(url)
    assert answer.status == 200 and answer.root.tag == "Response", answer.body
    assert not answer.all("Dial")
    assert said(MENUS.settings.greeting_languages[0], "error") in answer.spoken()


def test_an_exception_without_the_lines_number_never_dials_even_on_the_key(
        twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "node_input", broken)
    answer = twilio.post("/voice/nl/main/input?miss=0", Digits="1", To="")
    assert_last_chance(answer, "nl")
    through = twilio.follow(answer, S.connect_key, To="")
    assert through.first("Dial") is None  # without the line's number: the number instead
    assert through.times_spoken(POLICE) >= 2
    assert through.first("Gather").get("action") == "/voice/nl/call_police/failed?miss=0"


def test_get_requests_are_answered_too(app):
    """A number configured for GET webhooks gets the same line."""
    target = MENUS.nodes["main"].target_for("1")
    url = "/voice/nl/main/input?miss=0&Digits=1&To=%2B3197010000000"
    signature = sign(TOKEN, "http://localhost" + url, {})
    response = app.test_client().get(url, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert f"/voice/nl/{target}/input".encode() in response.data
