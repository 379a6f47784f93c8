"""The SMS line: keywords in every language, forgiving matching, pages, the cookie."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from ivr.logs import JsonFormatter
from sms import views as sms_views
from sms.cookies import StateCookie
from sms.keywords import normalize, one_edit_apart
from sms.replies import State, index, pages
from sms.segments import count

from .conftest import FIXTURES, MENUS_PATH, TOKEN, Twilio, shipped_menus

MENUS = shipped_menus()
SENDER = "+4915112345678"  # Germany: no language of the line is likely, so Dutch and English


def text(twilio, body: str = "", sender: str = SENDER, **params: str) -> str | None:
    """Send an SMS as Twilio delivers it; the reply's text, or None for no reply."""
    answer = twilio.post("/sms", Body=body, From=sender, **params)
    assert answer.status == 200, answer.body
    assert answer.root.tag == "Response"
    messages = answer.all("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def keyword_cases():
    for node_id in MENUS.sms.topics:
        for lang, words in MENUS.nodes[node_id].keywords.items():
            for word in words:
                yield node_id, lang, word


@pytest.mark.parametrize(("node_id", "lang", "word"), list(keyword_cases()))
def test_every_keyword_gives_its_topic_in_its_language(twilio, node_id, lang, word):
    text(twilio, lang.upper())  # say which language first: INFO is Dutch and English
    assert text(twilio, word) == pages(MENUS, node_id, lang)[0]


@pytest.mark.parametrize(("body", "node_id", "lang"), [
    ("politie", "call_police", "nl"),
    ("  Politie!!  ", "call_police", "nl"),
    ("POLITIË", "call_police", "nl"),  # accents do not matter
    ("ik wil hulp", "help", "nl"),
    ("Ik wil aangifte doen.", "victim", "nl"),
    ("I need help please", "help", "en"),
    ("polittie", "call_police", "nl"),  # one letter too many
    ("signalne", "signals", "nl"),  # two letters swapped
    ("slachtofer", "victim", "nl"),  # one letter missing
    ("anonymus", "call_anonymous", "en"),
    ("REPROT", "report", "en"),
    ("comenhsa", "comensha", "nl"),
    ("polite", "call_police", "nl"),  # one letter from POLITIE and from POLICE: one meaning
])
def test_forgiving_matches(twilio, body, node_id, lang):
    assert text(twilio, body) == pages(MENUS, node_id, lang)[0]


@pytest.mark.parametrize("body", [
    "HLP",  # keywords under five letters must be exact
    "INF",
    "is that right",  # a typo is forgiven only when the keyword is the whole message
    "I work nights",
    "waar kan ik terecht als mijn baas mijn paspoort heeft afgepakt en ik hulp zoek",
    "xyz",
])
def test_near_misses_get_the_index_not_a_guess(twilio, body):
    assert text(twilio, body) == index(MENUS, ("nl", "en"))


@pytest.mark.parametrize(("body", "lang", "topics"), [
    ("hulp politie", "nl", {"help", "call_police"}),
    ("anoniem melden", "nl", {"call_anonymous", "report"}),
    ("aangifte doen bij de politie", "nl", {"victim", "call_police"}),
    ("report anonymous", "en", {"report", "call_anonymous"}),
])
def test_two_topics_get_the_choice_between_them(twilio, body, lang, topics):
    from sms.replies import choice

    reply = text(twilio, body)
    assert reply == choice(MENUS, lang, topics)
    assert reply.endswith(MENUS.prompt("sms_safety_tip", lang))
    number = 1 + MENUS.sms.topics.index(sorted(topics)[0])
    assert text(twilio, str(number)) == pages(MENUS, sorted(topics)[0], lang)[0]


def test_meer_with_a_topic_word_asks_for_that_topic(twilio):
    assert text(twilio, "meer info") == pages(MENUS, "what", "nl")[0]


@pytest.mark.parametrize(("body", "media"), [
    ("", "0"), ("", "1"), ("😀🙏", "0"), ("HULP" + "!" * 1596, "0"), ("..!?", "0"),
    ("onbekend", "0")])
def test_everything_else_gets_the_index_in_dutch_and_english_for_a_first_sender(
        twilio, body, media):
    reply = text(twilio, body, NumMedia=media)
    assert reply == index(MENUS, ("nl", "en"))
    assert MENUS.prompt("sms_safety_tip", "nl") in reply
    assert MENUS.prompt("sms_safety_tip", "en") in reply
    assert count(reply).segments <= MENUS.sms.max_segments


def test_the_index_comes_in_the_language_last_used(twilio):
    text(twilio, "HELP")
    assert text(twilio, "something else") == index(MENUS, ("en",))
    text(twilio, "HULP")
    assert text(twilio, "iets anders") == index(MENUS, ("nl",))


def test_a_shared_keyword_answers_in_the_language_last_used(twilio):
    text(twilio, "RIGHTS")
    assert text(twilio, "INFO") == pages(MENUS, "what", "en")[0]


def test_numbered_menu_after_the_index(twilio):
    text(twilio, "EN")
    assert text(twilio, "2") == pages(MENUS, MENUS.sms.topics[1], "en")[0]
    assert text(twilio, " 7. ") == pages(MENUS, MENUS.sms.topics[6], "en")[0]
    assert text(twilio, "99") == index(MENUS, ("en",))


def test_a_number_without_the_index_gets_the_index(twilio):
    assert text(twilio, "2") == index(MENUS, ("nl", "en"))
    assert text(twilio, "2") == pages(MENUS, MENUS.sms.topics[1], "nl")[0]


def test_a_number_after_the_two_language_index_answers_in_both_when_it_fits(twilio):
    text(twilio, "?")  # the index in Dutch and English
    police = 1 + MENUS.sms.topics.index("call_police")
    reply = text(twilio, str(police))
    assert reply == pages(MENUS, "call_police", "nl")[0] + "\n\n" + pages(
        MENUS, "call_police", "en")[0]
    assert text(twilio, "?") == index(MENUS, ("nl", "en"))  # still no language chosen
    victim = 1 + MENUS.sms.topics.index("victim")  # too long for both: the first language
    assert text(twilio, str(victim)) == pages(MENUS, "victim", "nl")[0]


def test_decomposed_accents_match(twilio):
    assert text(twilio, "Sla\u0301chtoffer") == pages(MENUS, "victim", "nl")[0]


def test_whatsapp_has_no_opt_out_words_so_stop_gets_an_answer(twilio):
    assert text(twilio, "STOP", sender="whatsapp:+31612345678") == index(MENUS, ("nl", "en"))


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", "UNSUBSCRIBE", "START", "unstop",
                                  "CANCEL", "QUIT", "END"])
def test_opt_out_words_get_no_reply_from_the_app(twilio, word):
    assert text(twilio, word) is None


def test_the_language_list_and_a_language_code(twilio):
    reply = text(twilio, "TAAL")
    assert reply.startswith(MENUS.prompt("sms_languages", "nl"))
    assert "EN English" in reply and "NL Nederlands" in reply
    assert text(twilio, "en") == index(MENUS, ("en",))


def test_replies_hold_numbers_as_a_phone_makes_them_tappable(twilio):
    reply = text(twilio, "HULP")
    for number in ("033-448 1186", "020-760 0809", "020-688 1414", "0900-746 4466", "0900-8844"):
        assert number in reply


def test_every_reply_is_at_most_three_segments(menus):
    from sms.checks import replies

    for where, reply, budget, _ in replies(menus):
        if budget < 10**6:
            assert count(reply).segments <= 3, where


# -- long topics: pages and WhatsApp ---------------------------------------------------------


@pytest.fixture
def long_line(tmp_path):
    long = " ".join(f"Zin {i} over signalen, met genoeg woorden om ruimte te vullen." * 1
                    for i in range(1, 21))
    source = (FIXTURES / "minimal.yaml").read_text()
    path = tmp_path / "menus.yaml"
    path.write_text(source.replace('sms: {nl: "Signalen. Bel {police}."}',
                                   f'sms: {{nl: "{long}"}}'))
    app = create_app({"MENUS_PATH": str(path), "TWILIO_AUTH_TOKEN": TOKEN})
    return app, Twilio(app.test_client())


def test_a_long_topic_comes_in_pages_read_with_meer(long_line):
    app, twilio = long_line
    menus = app.extensions["menus"]
    expected = pages(menus, "signals", "nl")
    assert len(expected) >= 3
    received = [text(twilio, "SIGNALEN")] + [text(twilio, "meer") for _ in expected[1:]]
    assert received == expected
    for page in received[:-1]:
        assert page.endswith("Stuur MEER.")
    assert all(count(page).segments <= 3 for page in received)
    joined = " ".join(p.removesuffix("\nStuur MEER.") for p in received)
    assert joined == menus.nodes["signals"].sms["nl"]  # nothing lost between pages
    assert text(twilio, "MEER") == index(menus, ("nl",))  # no page left: the index


def test_whatsapp_gets_the_whole_topic_at_once(long_line):
    app, twilio = long_line
    reply = text(twilio, "SIGNALEN", sender="whatsapp:+31612345678")
    assert reply == app.extensions["menus"].nodes["signals"].sms["nl"]


def test_meer_without_a_long_topic_gets_the_index(twilio):
    assert text(twilio, "MEER") == index(MENUS, ("nl",))


# -- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "encoding", "segments"), [
    ("a" * 160, "GSM-7", 1),
    ("a" * 161, "GSM-7", 2),
    ("a" * 306, "GSM-7", 2),
    ("a" * 307, "GSM-7", 3),
    ("{" * 80, "GSM-7", 1),  # { counts double
    ("€" + "a" * 159, "GSM-7", 2),  # € counts double
    ("ë" + "a" * 70, "UCS-2", 2),  # one ë in 71 characters
    ("ë" + "a" * 69, "UCS-2", 1),
    ("é ö ü à ñ " * 16, "GSM-7", 1),  # these are GSM-7
    ("ï", "UCS-2", 1), ("ą ł ż", "UCS-2", 1), ("ș ț ă", "UCS-2", 1),
    ("привет", "UCS-2", 1), ("مرحبا", "UCS-2", 1), ("\u2018quote\u2019", "UCS-2", 1),
    ("\u2014", "UCS-2", 1),
    ("😀" * 35, "UCS-2", 1), ("😀" * 36, "UCS-2", 2),
])
def test_segment_counts(message, encoding, segments):
    result = count(message)
    assert (result.encoding, result.segments) == (encoding, segments)


def test_a_double_character_is_not_split_across_parts():
    # 152 single characters and a '{' (two units) fill part one to 154 > 153: new part.
    assert count("a" * 152 + "{" + "a" * 10).segments == 2
    assert count("a" * 152 + "{" + "a" * 152).segments == 3


# -- matching helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "close"), [
    ("politie", "polittie", True), ("politie", "poltie", True), ("politie", "poliite", True),
    ("politie", "polotie", True), ("politie", "police", False), ("politie", "politie", False),
    ("signalen", "sginalen", True), ("melden", "mledne", False),
])
def test_one_edit_apart(a, b, close):
    assert one_edit_apart(a, b) is close


def test_normalize():
    assert normalize("  POLITIË!! ") == "politie"
    assert normalize("Poliția") == "politia"
    assert normalize("😀") == ""


def test_more_than_three_segments_cannot_be_allowed(tmp_path):
    from ivr.loader import check_file

    path = tmp_path / "menus.yaml"
    path.write_text(MENUS_PATH.read_text().replace("max_segments: 3", "max_segments: 6"))
    assert "menus.yaml: sms: field 'max_segments': '6' must be a whole number from 1 to 3" in [
        str(p) for p in check_file(path)[1]]


def test_a_keyword_two_languages_claim_differently_is_refused(tmp_path):
    from ivr.loader import check_file

    source = MENUS_PATH.read_text().replace("en: [RIGHTS]", "en: [RIGHTS, HULP]")
    path = tmp_path / "menus.yaml"
    path.write_text(source)
    menus, problems = check_file(path)
    assert menus is None
    assert ("menus.yaml: sms keyword 'HULP': means two things: topic 'help' (nl) and topic "
            "'rights' (en); give each its own word") in [str(p) for p in problems]


# -- the rules of the voice line hold here too ---------------------------------------------


def test_unsigned_sms_is_refused(twilio):
    assert twilio.post("/sms", sign=False, Body="HULP").status == 403
    assert twilio.post("/sms/anything", sign=False, Body="HULP").status == 403


def test_other_sms_urls_answer_the_index(twilio):
    assert text_at(twilio, "/sms/other") == index(MENUS, ("nl", "en"))


@pytest.mark.parametrize("url", ["/sms", "/sms/other"])
def test_an_exception_on_any_sms_url_answers_the_index(twilio, monkeypatch, url):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sms_views, "respond", broken)
    answer = twilio.post(url, Body="HULP", From=SENDER)
    assert answer.status == 200
    assert answer.first("Message").text == index(MENUS, ("nl", "en"))


def test_an_exception_on_an_unrouted_voice_url_answers_twiml(twilio, monkeypatch):
    from ivr import voice

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "language_menu", broken)
    answer = twilio.post("/voice//x")
    assert answer.status == 200
    assert answer.first("Dial") is not None


def text_at(twilio, url: str) -> str:
    return ET.fromstring(twilio.post(url, Body="", From=SENDER).body).find("Message").text


def test_an_exception_still_answers_the_index(twilio, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sms_views, "respond", broken)
    assert text(twilio, "HULP") == index(MENUS, ("nl", "en"))
    assert "sms webhook failed" in caplog.text


def test_no_number_and_no_message_text_in_the_logs(twilio, caplog):
    caplog.set_level("DEBUG")
    for body in ("Ik ben Anna en mijn baas heeft mijn paspoort", "HULP", "2", "MEER"):
        text(twilio, body, sender="+31612345678")
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert '"channel": "sms"' in logged and '"outcome": "reply"' in logged
    for secret in ("612345678", "Anna", "paspoort"):
        assert secret not in logged


def test_the_cookie_holds_no_number_and_no_message(app):
    client = app.test_client()
    Twilio(client).post("/sms", Body="Ik ben Anna, HULP", From="+31612345678")
    cookie = client.get_cookie("session")
    assert app.extensions["sms_cookie"].loads(cookie.value) == {
        "sms": {"lang": "nl", "topic": None, "page": 0, "index": False}}


# -- property tests ---------------------------------------------------------------------


APP = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies=st.lists(st.one_of(st.text(max_size=60), st.text(max_size=1700),
                                 st.sampled_from(["HULP", "MEER", "2", "EN", "TAAL", "STOP",
                                                  "polite", "ik wil hulp"])),
                       min_size=1, max_size=5),
       media=st.sampled_from(["0", "1", "x", "", "\u0661"]),
       whatsapp=st.booleans())
def test_anything_a_sender_sends_gets_valid_twiml(bodies, media, whatsapp):
    twilio = Twilio(APP.test_client())
    sender = ("whatsapp:" if whatsapp else "") + "+31612345678"
    for body in bodies:
        answer = twilio.post("/sms", Body=body, From=sender, NumMedia=media)
        assert answer.status == 200
        assert answer.root.tag == "Response"
        assert "Traceback" not in answer.body and "612345678" not in answer.body
        messages = answer.all("Message")
        assert len(messages) <= 1
        if messages:
            reply = messages[0].text
            assert reply and len(reply) <= 1600
            assert whatsapp or count(reply).segments <= 3


def test_pages_keep_line_breaks_and_a_text_that_fits_is_not_cut(menus):
    from dataclasses import replace

    from sms.replies import render

    def with_help_text(text: str):
        nodes = dict(menus.nodes)
        nodes["help"] = replace(nodes["help"], sms={"nl": text, "en": text})
        return replace(menus, nodes=nodes)

    lines = "\n".join(f"Regel {i}, bel {{police}} voor meer over dit onderwerp." for i in range(20))
    changed = with_help_text(lines)
    result = pages(changed, "help", "nl")
    footer = "\nStuur MEER voor de rest."
    assert len(result) > 1
    assert all(page.endswith(footer) for page in result[:-1])
    assert all(count(page).segments <= 3 for page in result)
    assert "\n".join(page.removesuffix(footer) for page in result) == render(changed, lines)
    fits = "Een zin. " * 50  # 450 characters: three segments without a footer
    assert pages(with_help_text(fits.strip()), "help", "nl") == [fits.strip()]


def test_the_cookie_is_written_only_when_the_state_changes(app):
    client = app.test_client()
    twilio = Twilio(client)
    params = {"Body": "HULP", "From": "+31612345678", "To": "+3197010000000"}
    first = client.post("/sms", data=params, headers=_signed("/sms", params))
    assert "session=" in first.headers.get("Set-Cookie", "")
    again = client.post("/sms", data=params, headers=_signed("/sms", params))
    assert "Set-Cookie" not in again.headers  # same state: nothing signed, nothing sent
    assert twilio.post("/sms", Body="EN").status == 200
    assert app.extensions["sms_cookie"].loads(client.get_cookie("session").value)["sms"][
        "lang"] == "en"


def _signed(url: str, params: dict[str, str]) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(
        "http://localhost" + url, params)}


def test_cookies_flask_wrote_before_still_read(app):
    """Across the deploy of issue 14, the cookies Twilio holds from Flask's session keep
    the conversation; ours read with Flask's own serializer, and a wrong key is refused."""
    from flask.sessions import SecureCookieSessionInterface

    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.extensions["sms_cookie"]
    state = {"sms": {"lang": "pl", "topic": "police", "page": 1, "index": False}}
    assert ours.loads(flasks.dumps({**state, "_permanent": True})) == {
        **state, "_permanent": True}
    assert flasks.loads(ours.dumps(state)) == state
    other = StateCookie(["another-secret-" + "x" * 30], 3600)
    assert other.loads(ours.dumps(state)) is None
    assert ours.loads(ours.dumps(state)[:-2] + "xx") is None


def test_a_key_rotation_keeps_the_conversation():
    old, new = "o" * 32, "n" * 32
    state = {"sms": {"lang": "pl", "topic": None, "page": 0, "index": True}}
    assert StateCookie([old, new], 60).loads(StateCookie([old], 60).dumps(state)) == state


@pytest.mark.parametrize("fields", [
    {"page": -5}, {"page": 10**9}, {"page": True}, {"page": 1.5}, {"page": "1"},
    {"lang": ["nl"]}, {"lang": {"nl": 1}}, {"topic": ["help"]}, {"topic": 5},
    {"index": "yes"}, {"lang": None, "topic": "help"}])
def test_a_cookie_with_a_wrong_field_forgets_it_and_answers(app, caplog, fields):
    """Issue 14.6: signed with the real key, yet a field of the wrong type or range. The
    sender gets an answer, and no exception reaches the log."""
    state = {"lang": "nl", "topic": "help", "page": 0, "index": True, **fields}
    cookie = app.extensions["sms_cookie"].dumps({"sms": state})
    client = app.test_client()
    client.set_cookie("session", cookie)
    for body in ("MEER", "2", "HULP"):
        answer = Twilio(client).post("/sms", Body=body)
        assert answer.status == 200 and answer.first("Message") is not None
    assert "Traceback" not in caplog.text and "failed" not in caplog.text


@pytest.mark.parametrize("data", [None, [], "x", {"sms": []}, {"sms": "nl"}, {}])
def test_state_of_any_shape_loads_as_a_state(menus, data):
    assert sms_views.load_state(menus, data) == State()
