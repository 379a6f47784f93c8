"""The SMS line: keywords in every language, forgiving matching, pages, the cookie."""

from __future__ import annotations

import json
import secrets
import xml.etree.ElementTree as ET

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from ivr.web import sms_webhook
from ivr.web.logs import JsonFormatter
from ivr.web.signature import sign
from ivr.web.sms_cookie import StateCookie
from ivr.web.state import line_state
from sms.keywords import KeywordIndex, normalize
from sms.replies import State, cut, header, index_pages, pages, render
from sms.replies import body as topic_body
from sms.segments import count

from .helpers import (
    FIXTURES,
    LOCK_SCREEN,
    MENUS_PATH,
    TOKEN,
    Twilio,
    examples,
    lock_screen_words_in,
    shipped_menus,
)

MENUS = shipped_menus()
SENDER = "+4915112345678"  # Germany: no language of the line is likely, so Dutch and English


def first_index(*langs: str) -> str:
    """The first page of the index in these languages, as a sender gets it."""
    return index_pages(MENUS, langs)[0]


def police_contact():
    """The contact of the forward offered after misses and errors: the police."""
    return MENUS.contacts[MENUS.nodes[MENUS.settings.fallback_node].contact]


def text(twilio, body: str = "", sender: str = SENDER, **params: str) -> str:
    """Send an SMS as Twilio delivers it: the reply's text, of one message."""
    messages = sent(twilio, body, sender, **params)
    assert len(messages) == 1 and messages[0].text, [m.text for m in messages]
    return messages[0].text


def sent(twilio, body: str = "", sender: str = SENDER, **params: str) -> list[ET.Element]:
    """Send an SMS as Twilio delivers it: the messages of the reply, none or one."""
    answer = twilio.post("/sms", Body=body, From=sender, **params)
    assert answer.status == 200, answer.body
    assert answer.root.tag == "Response"
    messages = answer.all("Message")
    assert len(messages) <= 1
    return messages


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


@pytest.mark.parametrize(("body", "langs"), [
    ("HLP", ("nl", "en")),  # keywords under five letters must be exact
    ("INF", ("nl", "en")),
    ("is that right", ("en",)),  # a typo is forgiven only when the keyword is the whole message
    ("I work nights", ("en",)),
    ("waar kan ik terecht als mijn baas mijn paspoort heeft afgepakt en ik hulp zoek", ("nl",)),
    ("xyz", ("nl", "en")),
])
def test_near_misses_get_the_index_not_a_guess(twilio, body, langs):
    assert text(twilio, body) == first_index(*langs)


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
    assert reply.split("\n")[0] == header(MENUS, lang)  # 112 and the tip to delete the chat
    assert lock_screen_words_in(reply) == []
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
    assert reply == first_index("nl", "en")
    assert reply.split("\n")[0] == header(MENUS, "nl")  # 112 and the tip, first
    assert MENUS.prompt("sms_index", "nl") in reply and MENUS.prompt("sms_index", "en") in reply
    assert count(reply).segments <= MENUS.sms.max_segments


def test_the_index_comes_in_the_language_last_used(twilio):
    text(twilio, "HELP")
    assert text(twilio, "something else") == first_index("en")
    text(twilio, "HULP")
    assert text(twilio, "iets anders") == first_index("nl")


def test_a_shared_keyword_answers_in_the_language_last_used(twilio):
    text(twilio, "RIGHTS")
    assert text(twilio, "INFO") == pages(MENUS, "what", "en")[0]


def test_numbered_menu_after_the_index(twilio):
    text(twilio, "EN")
    assert text(twilio, "2") == pages(MENUS, MENUS.sms.topics[1], "en")[0]
    assert text(twilio, " 7. ") == pages(MENUS, MENUS.sms.topics[6], "en")[0]
    assert text(twilio, "99") == first_index("en")


def test_a_number_without_the_index_gets_the_index(twilio):
    assert text(twilio, "2") == first_index("nl", "en")
    assert text(twilio, "2") == pages(MENUS, MENUS.sms.topics[1], "nl")[0]


def test_a_number_after_the_two_language_index_answers_in_both_when_it_fits(twilio):
    text(twilio, "?")  # the index in Dutch and English
    police = 1 + MENUS.sms.topics.index("call_police")
    reply = text(twilio, str(police))
    # One header, then the text in each language.
    assert reply == (header(MENUS, "nl") + "\n" + topic_body(MENUS, "call_police", "nl")
                     + "\n\n" + topic_body(MENUS, "call_police", "en"))
    assert count(reply).segments <= MENUS.sms.max_segments
    assert text(twilio, "?") == first_index("nl", "en")  # still no language chosen
    victim = 1 + MENUS.sms.topics.index("victim")  # too long for both: the first language
    assert text(twilio, str(victim)) == pages(MENUS, "victim", "nl")[0]


def test_decomposed_accents_match(twilio):
    assert text(twilio, "Sla\u0301chtoffer") == pages(MENUS, "victim", "nl")[0]


def test_whatsapp_has_no_opt_out_words_so_stop_gets_an_answer(twilio):
    assert text(twilio, "STOP", sender="whatsapp:+31612345678") == index_pages(
        MENUS, ("nl", "en"), whole=True)[0]


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", "UNSUBSCRIBE", "START", "unstop",
                                  "CANCEL", "QUIT", "END"])
def test_opt_out_words_get_no_reply_from_the_app(twilio, word):
    assert sent(twilio, word) == []


def test_the_language_list_and_a_language_code(twilio):
    reply = text(twilio, "TAAL")
    assert reply.startswith(header(MENUS, "nl") + "\n" + MENUS.prompt("sms_languages", "nl"))
    assert "EN English" in reply and "NL Nederlands" in reply
    assert text(twilio, "en") == first_index("en")


@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_the_language_list_comes_in_pages_read_with_more(twilio, lang):
    from sms.replies import language_pages

    expected = language_pages(MENUS, lang)
    text(twilio, lang.upper())
    received = [text(twilio, MENUS.sms.language[lang][0])]
    received += [text(twilio, MENUS.sms.more[lang][0]) for _ in expected[1:]]
    assert received == expected
    assert all(page.split("\n")[0] == header(MENUS, lang) for page in received)
    assert all(count(page).segments <= MENUS.sms.max_segments for page in received)
    listed = "\n".join(received)
    for code, language in MENUS.languages.items():  # every language, on one of the pages
        assert f"{code.upper()} {language.name}" in listed
    # No page left: MORE gives the index, and a code still chooses a language.
    assert text(twilio, MENUS.sms.more[lang][0]) == first_index(lang)
    assert text(twilio, "en") == first_index("en")


def test_replies_hold_numbers_as_a_phone_makes_them_tappable(twilio):
    reply = text(twilio, "HULP")
    for number in ("033-448 1186", "020-760 0809", "020-688 1414", "0900-746 4466", "0900-8844"):
        assert number in reply


# -- what a locked phone shows -----------------------------------------------------------


def read_all(twilio, lang: str, word: str, sender: str = SENDER) -> list[str]:
    """A reply and every further page, as a sender reads them: the word, then MORE until
    the reply no longer asks for it."""
    footer = "\n" + more_footer(MENUS, lang)
    received = [text(twilio, word, sender=sender) or ""]
    while received[-1].endswith(footer):
        assert len(received) < 20, "MORE never ends"
        received.append(text(twilio, MENUS.sms.more[lang][0], sender=sender) or "")
    return received


def page_body(page: str, lang: str) -> str:
    """A page without the header above it and the footer under it."""
    head, footer = header(MENUS, lang) + "\n", "\n" + more_footer(MENUS, lang)
    assert page.startswith(head), page
    return page.removeprefix(head).removesuffix(footer)


@pytest.mark.parametrize("node_id", MENUS.sms.topics)
@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_every_page_starts_with_the_header_and_names_nothing_on_the_lock_screen(
        twilio, lang, node_id):
    text(twilio, lang.upper())
    received = read_all(twilio, lang, MENUS.nodes[node_id].keywords[lang][0])
    assert received == pages(MENUS, node_id, lang)  # the later pages too
    for page in received:
        assert page.split("\n")[0] == header(MENUS, lang)
        assert MENUS.contacts["emergency"].display in page.split("\n")[0]  # 112, first
        assert lock_screen_words_in(page) == [], page[:LOCK_SCREEN]
        assert count(page).segments <= MENUS.sms.max_segments


@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_the_index_the_choice_and_the_language_list_start_with_the_header(twilio, lang):
    text(twilio, lang.upper())
    replies = read_all(twilio, lang, "?")  # the index, every page
    replies += read_all(twilio, lang, MENUS.sms.language[lang][0])  # the language list
    words = [MENUS.nodes[t].keywords[lang][0] for t in ("help", "call_police")]
    if normalize(words[0]) != normalize(words[1]):
        replies.append(text(twilio, " ".join(words)))  # the choice between two topics
    for reply in replies:
        assert reply.split("\n")[0] == header(MENUS, lang)
        assert lock_screen_words_in(reply) == [], reply[:LOCK_SCREEN]


@pytest.mark.parametrize("sender", ["+4915112345678", "+48601234567", "+380501234567",
                                    "whatsapp:+212612345678"])
def test_the_first_index_names_nothing_on_the_lock_screen_for_any_sender(twilio, sender):
    reply = text(twilio, "?", sender=sender)
    assert reply.split("\n")[0].startswith(tuple(header(MENUS, lang) for lang in MENUS.languages))
    assert lock_screen_words_in(reply) == []


def test_the_lock_screen_check_knows_the_words_of_every_language():
    # The check itself: a subject word in any language, in any case or accent, is found.
    assert set(MENUS.sms.lock_screen_words) == set(MENUS.languages)
    for lang, words in MENUS.sms.lock_screen_words.items():
        assert lock_screen_words_in(f"Info: {words[0].upper()}.") != [], lang
    assert lock_screen_words_in("x" * LOCK_SCREEN + " " + MENUS.sms.lock_screen_words["en"][0]) \
        == []  # after the first 60 characters a word is not shown


def numbers_of(menus=MENUS) -> list[str]:
    """Every contact's written number but 112's, which the header carries on its own."""
    return [c.display for c in menus.contacts.values() if not c.emergency]


@pytest.mark.parametrize("node_id", MENUS.sms.topics)
@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_a_name_and_its_number_stand_on_one_page(twilio, lang, node_id):
    text(twilio, lang.upper())
    received = read_all(twilio, lang, MENUS.nodes[node_id].keywords[lang][0])
    for page in received:
        content = page_body(page, lang)
        assert not content.rstrip().endswith(":"), content  # a name left without its number
        assert not content.lstrip()[:1].isdigit(), content  # a number without its name
        for line in content.split("\n"):
            for number in numbers_of():
                if number in line:
                    assert line[:line.index(number)].strip(), line  # its name before it


def test_the_police_number_is_on_the_first_page_of_the_help_topics(twilio):
    for lang in MENUS.languages:
        for node_id in ("help", "call_police"):
            assert police_contact().display in pages(MENUS, node_id, lang)[0], (lang, node_id)


@pytest.mark.parametrize("filler", range(0, 24, 3))
def test_a_sentence_too_long_for_a_page_is_cut_between_words(filler):
    """No full stop, no comma: cut between words, but never after a colon and never inside
    a number, wherever the page ends."""
    words = ["woord"] * filler + ["bel", "CoMensha:", "033-448", "1186", "of", "de",
                                  "politie:", "0900-8844", "en", "vraag", "verder"] * 12
    sentence = " ".join(words) + "."
    result = cut(MENUS, sentence, "nl")
    assert len(result) > 1
    bodies = [page_body(page, "nl") for page in result]
    assert " ".join(bodies) == sentence  # nothing lost, nothing added
    for page, content in zip(result, bodies, strict=True):
        assert count(page).segments <= MENUS.sms.max_segments
        assert not content.endswith(":"), content
        assert not content[:1].isdigit(), content
        assert content.count("033-448") == content.count("033-448 1186")


def test_a_sentence_too_long_for_a_page_is_cut_after_a_comma_first():
    clauses = [f"deel {i} van een lange zin zonder punt" for i in range(40)]
    sentence = ", ".join(clauses) + "."
    result = cut(MENUS, sentence, "nl")
    bodies = [page_body(page, "nl") for page in result]
    assert len(bodies) > 1
    assert all(content.endswith(",") for content in bodies[:-1])
    assert " ".join(bodies) == sentence


def test_a_long_text_is_cut_at_sentence_ends_not_after_a_colon():
    sentences = [f"Vraag {i} over werk en wonen: bel 033-448 1186 of kijk verder."
                 for i in range(20)]
    result = cut(MENUS, " ".join(sentences), "nl")
    bodies = [page_body(page, "nl") for page in result]
    assert len(bodies) > 1
    assert all(content.endswith(".") for content in bodies)  # whole sentences only
    assert " ".join(bodies) == " ".join(sentences)


# -- plain letters ----------------------------------------------------------------------


@pytest.mark.parametrize(("written", "sent"), [
    ("Poliția", "Politia"),
    ("ș ț ă â î Ș Ț", "s t a a i S T"),  # Romanian
    ("Łódź, żółć, ą ę ś ń", "Lodz, zolc, a e s n"),  # Polish: the stroke of ł too
    ("ő ű á í ó ú", "o u a i o u"),  # Hungarian
    ("é ö ü à ñ Ä Ö Ü É", "é ö ü à ñ Ä Ö Ü É"),  # GSM-7 has these: they stay
    ("\u201eCytat\u201d \u2013 \u2018a\u2019\u2026", '"Cytat" - \'a\'...'),
    ("Полиция 112", "Полиция 112"),  # no plain form: unchanged
])
def test_plain_letters(written, sent):
    from sms.segments import plain_letters

    assert plain_letters(written) == sent


PLAIN = [code for code, language in MENUS.languages.items() if language.sms_plain]


def test_polish_romanian_and_hungarian_are_texted_in_plain_letters():
    assert {"pl", "ro", "hu"} <= set(PLAIN)


@pytest.mark.parametrize("node_id", MENUS.sms.topics)
@pytest.mark.parametrize("lang", PLAIN)
def test_a_plain_letter_language_s_replies_are_gsm7(twilio, lang, node_id):
    from sms.segments import plain_letters

    text(twilio, lang.upper())
    for page in read_all(twilio, lang, MENUS.nodes[node_id].keywords[lang][0]):
        assert count(page).encoding == "GSM-7", page
        assert plain_letters(page) == page


def test_a_polish_help_text_through_sms_is_gsm7_and_keeps_its_numbers(twilio):
    reply = text(twilio, "pomocy", sender="+48601234567")
    assert reply == pages(MENUS, "help", "pl")[0]
    assert count(reply).encoding == "GSM-7"
    assert police_contact().display in reply
    assert "ł" not in reply.lower() and "ą" not in reply


def test_a_language_without_plain_letters_keeps_its_letters(twilio):
    lang = next(code for code, language in MENUS.languages.items()
                if not language.sms_plain and count(render(MENUS, MENUS.nodes[
                    "help"].sms[code])).encoding == "UCS-2")
    text(twilio, lang.upper())
    reply = text(twilio, MENUS.nodes["help"].keywords[lang][0])
    assert render(MENUS, MENUS.nodes["help"].sms[lang]).split("\n")[0] in reply


# -- help in the sender's own words ----------------------------------------------------


@pytest.mark.parametrize(("body", "lang"), [
    ("ik heb hulp nodig", "nl"), ("I need help", "en"), ("potrzebuję pomocy", "pl"),
    ("am nevoie de ajutor", "ro"), ("помогнете ми", "bg"), ("segítség kell", "hu"),
    ("допоможіть", "uk"), ("помогите", "ru"), ("aidez-moi", "fr"), ("necesito ayuda", "es"),
    ("أحتاج مساعدة", "ar"), ("SOS", "nl"), ("sos!", "nl"), ("Help me please", "en"),
    ("pomóżcie", "pl"), ("ajutați-mă", "ro"), ("Помогите мне", "ru"), ("ayúdame", "es"),
    ("au secours", "fr"),
])
def test_help_asked_in_one_s_own_words_gets_the_help_contacts(twilio, body, lang):
    reply = text(twilio, body)
    assert reply == pages(MENUS, "help", lang)[0]
    assert police_contact().display in reply  # a number to call, on the first page


@pytest.mark.parametrize(("sender", "lang"), [
    ("+48601234567", "pl"), ("+40712345678", "ro"), ("+380501234567", "uk"),
    ("+447400123456", "en"), ("+353861234567", "en"), ("+4915112345678", "nl"),
    ("+31612345678", "nl")])
def test_sos_answers_in_the_likely_language_of_the_sender_s_country(twilio, sender, lang):
    assert text(twilio, "SOS", sender=sender) == pages(MENUS, "help", lang)[0]


def test_sos_answers_in_the_language_the_sender_chose(twilio):
    text(twilio, "RU", sender="+48601234567")
    assert text(twilio, "SOS", sender="+48601234567") == pages(MENUS, "help", "ru")[0]


def test_more_than_three_topics_get_the_index_not_a_choice(twilio):
    from sms.replies import choice

    words = {t: MENUS.nodes[t].keywords["nl"][0] for t in ("help", "call_police",
                                                            "call_anonymous", "report")}
    three = " ".join(list(words.values())[:3])
    assert text(twilio, three) == choice(MENUS, "nl", set(list(words)[:3]))
    fresh = Twilio(twilio.client.application.test_client())
    assert text(fresh, " ".join(words.values())) == first_index("nl", "en")


# -- long topics: pages and WhatsApp ---------------------------------------------------------


LONG = " ".join(f"Zin {i} over signalen, met genoeg woorden om ruimte te vullen."
                for i in range(1, 21))


@pytest.fixture
def long_line(tmp_path):
    """The minimal menus with a long SMS text for topic 'signals'."""
    source = yaml.safe_load((FIXTURES / "minimal.yaml").read_text())
    source["nodes"]["signals"]["sms"] = {"nl": LONG}
    path = tmp_path / "menus.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False, allow_unicode=True))
    app = create_app({"MENUS_PATH": str(path), "TWILIO_AUTH_TOKEN": TOKEN})
    return app, Twilio(app.test_client())


def more_footer(menus, lang: str) -> str:
    """How a page asks for the next one, in plain letters where the language is so texted."""
    from sms.segments import plain_letters

    footer = render(menus, menus.prompt("sms_more", lang), keyword=menus.sms.more[lang][0])
    return plain_letters(footer) if menus.languages[lang].sms_plain else footer


def test_a_long_topic_comes_in_pages_read_with_meer(long_line):
    app, twilio = long_line
    menus = line_state(app).menus
    expected = pages(menus, "signals", "nl")
    assert len(expected) >= 3
    received = [text(twilio, "SIGNALEN")] + [text(twilio, "meer") for _ in expected[1:]]
    assert received == expected
    head, footer = header(menus, "nl") + "\n", "\n" + more_footer(menus, "nl")
    assert all(page.startswith(head) for page in received)  # later pages too
    assert all(page.endswith(footer) for page in received[:-1])
    assert not received[-1].endswith(footer)
    assert all(count(page).segments <= 3 for page in received)
    joined = " ".join(p.removeprefix(head).removesuffix(footer) for p in received)
    assert joined == LONG  # nothing lost between pages
    assert text(twilio, "MEER") == index_pages(menus, ("nl",))[0]  # no page left: the index


def test_whatsapp_gets_the_whole_topic_at_once(long_line):
    app, twilio = long_line
    reply = text(twilio, "SIGNALEN", sender="whatsapp:+31612345678")
    assert reply == header(line_state(app).menus, "nl") + "\n" + LONG


def test_meer_without_a_long_topic_gets_the_index(twilio):
    assert text(twilio, "MEER") == first_index("nl")


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


@pytest.mark.parametrize(("typed", "keyword", "forgiven"), [
    ("polittie", "politie", True), ("poltie", "politie", True), ("poliite", "politie", True),
    ("polotie", "politie", True), ("sginalen", "signalen", True),
    ("mledne", "melden", False), ("plotiie", "politie", False),  # two edits: no guess
])
def test_a_keyword_one_typo_away_is_understood_two_are_not(typed, keyword, forgiven):
    index = KeywordIndex(MENUS)
    meanings = {match.meaning for match in index.find(keyword)}
    assert meanings, f"{keyword} is no keyword of menus.yaml"
    assert typed not in index.table
    assert bool(meanings & {match.meaning for match in index.find(typed)}) is forgiven


def test_normalize():
    assert normalize("  POLITIË!! ") == "politie"
    assert normalize("Poliția") == "politia"
    assert normalize("😀") == ""


def _normalize_letter_by_letter(text: str) -> str:
    """normalize() as it was before its ASCII shortcut: the reference it must equal."""
    import re
    import unicodedata

    from sms.keywords import UNDECOMPOSED

    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(UNDECOMPOSED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


@settings(max_examples=examples(400))
@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text())
def test_normalize_gives_what_it_gave_letter_by_letter(text):
    """Its shortcut for ASCII messages (most of them) changes no result, ASCII or not."""
    assert normalize(text) == _normalize_letter_by_letter(text)


def test_normalize_shortcut_on_every_ascii_character():
    for code in range(128):
        text = f"a{chr(code)}B {chr(code) * 2}_9"
        assert normalize(text) == _normalize_letter_by_letter(text), code


def test_more_than_three_segments_cannot_be_allowed(tmp_path):
    from ivr.lines import check_file

    path = tmp_path / "menus.yaml"
    path.write_text(MENUS_PATH.read_text().replace("max_segments: 3", "max_segments: 6"))
    assert "menus.yaml: sms: field 'max_segments': '6' must be a whole number from 1 to 3" in [
        str(p) for p in check_file(path)[1]]


def shipped_with(tmp_path, old: str, new: str) -> list[str]:
    """The problems of the shipped menus with one edit, which must refuse them."""
    from ivr.lines import check_file

    source = MENUS_PATH.read_text().replace(old, new)
    assert source != MENUS_PATH.read_text()
    path = tmp_path / "menus.yaml"
    path.write_text(source)
    menus, problems = check_file(path)
    assert menus is None
    return [str(p) for p in problems]


def test_a_keyword_two_languages_claim_differently_is_refused(tmp_path):
    problems = shipped_with(tmp_path, 'en: ["RIGHTS"]', 'en: ["RIGHTS", "HULP"]')
    assert ("menus.yaml: sms keyword 'HULP': means two things: topic 'help' (nl) and topic "
            "'rights' (en); give each its own word") in problems


# -- the rules of the voice line hold here too ---------------------------------------------


def test_unsigned_sms_is_refused(twilio):
    assert twilio.post_unsigned("/sms", Body="HULP").status == 403
    assert twilio.post_unsigned("/sms/anything", Body="HULP").status == 403


def test_other_sms_urls_answer_the_index(twilio):
    assert text_at(twilio, "/sms/other") == first_index("nl", "en")


@pytest.mark.parametrize("url", ["/sms", "/sms/other"])
def test_an_exception_on_any_sms_url_answers_the_index(twilio, monkeypatch, url):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sms_webhook, "respond", broken)
    answer = twilio.post(url, Body="HULP", From=SENDER)
    assert answer.status == 200
    assert answer.first("Message").text == first_index("nl", "en")


def test_an_exception_on_an_unrouted_voice_url_answers_twiml(twilio, monkeypatch):
    from ivr.voice import answers as voice

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(voice, "language_menu", broken)
    answer = twilio.post("/voice//x")
    assert answer.status == 200
    # The apology, the numbers and the offer of one key, in the greeting's languages (no
    # language was chosen yet): an error dials nothing.
    assert answer.first("Dial") is None
    greeting = MENUS.settings.greeting_languages
    for lang in greeting:
        assert MENUS.prompt("error", lang) in answer.spoken()
    assert answer.times_spoken(police_contact()) == len(greeting)  # once in each
    fallback = MENUS.settings.fallback_node
    assert answer.first("Gather").get("action") == f"/voice/nl/{fallback}/connect"
    assert answer.root[-1].tag == "Hangup"


def text_at(twilio, url: str) -> str:
    message = ET.fromstring(twilio.post(url, Body="", From=SENDER).body).find("Message")
    assert message is not None and message.text, "no text"
    return message.text


def test_an_exception_still_answers_the_index(twilio, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sms_webhook, "respond", broken)
    assert text(twilio, "HULP") == first_index("nl", "en")
    assert "sms webhook failed" in caplog.text


def test_no_number_and_no_message_text_in_the_logs(twilio, caplog):
    caplog.set_level("DEBUG")
    for body in ("Ik ben Anna en mijn baas heeft mijn paspoort", "HULP", "2", "MEER"):
        text(twilio, body, sender="+31612345678")
    lines = [JsonFormatter().format(r) for r in caplog.records]
    logged = "\n".join(lines)
    entries = [json.loads(line) for line in lines]
    assert {"channel": "sms", "outcome": "reply"}.items() <= next(
        e for e in entries if e.get("channel") == "sms").items()
    for secret in ("612345678", "Anna", "paspoort"):
        assert secret not in logged


def test_the_cookie_holds_no_number_and_no_message(app):
    client = app.test_client()
    Twilio(client).post("/sms", Body="Ik ben Anna, HULP", From="+31612345678")
    cookie = client.get_cookie("session")
    assert line_state(app).sms_cookie.loads(cookie.value) == {
        "sms": {"lang": "nl", "topic": None, "page": 0, "index": False}}


# -- property tests ---------------------------------------------------------------------


APP = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH)})
HEADERS = {header(MENUS, lang) for lang in MENUS.languages}


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
            assert reply.split("\n")[0] in HEADERS  # 112 and the tip, first, always
            assert lock_screen_words_in(reply) == []


def test_pages_keep_line_breaks_and_a_text_that_fits_is_not_cut(menus):
    from dataclasses import replace

    def with_help_text(text: str):
        nodes = dict(menus.nodes)
        nodes["help"] = replace(nodes["help"], sms={"nl": text, "en": text})
        return replace(menus, nodes=nodes)

    lines = "\n".join(f"Regel {i}, bel {{police}} voor meer over dit onderwerp." for i in range(20))
    changed = with_help_text(lines)
    result = pages(changed, "help", "nl")
    head, footer = header(menus, "nl") + "\n", "\n" + more_footer(menus, "nl")
    assert len(result) > 1
    assert all(page.startswith(head) for page in result)
    assert all(page.endswith(footer) for page in result[:-1])
    assert all(count(page).segments <= 3 for page in result)
    assert "\n".join(page.removeprefix(head).removesuffix(footer)
                     for page in result) == render(changed, lines)
    # A text that fills three segments under the header, with no room for a footer.
    room = 3 * 153 - len(head)
    fits = ("Een zin. " * 60)[:room].rstrip()
    assert count(head + fits).segments == 3
    assert count(head + fits + footer).segments > 3
    assert pages(with_help_text(fits), "help", "nl") == [head + fits]


def test_the_cookie_is_written_only_when_the_state_changes(app):
    client = app.test_client()
    twilio = Twilio(client)
    params = {"Body": "HULP", "From": "+31612345678", "To": "+3197010000000"}
    first = client.post("/sms", data=params, headers=_signed("/sms", params))
    assert "session=" in first.headers.get("Set-Cookie", "")
    again = client.post("/sms", data=params, headers=_signed("/sms", params))
    assert "Set-Cookie" not in again.headers  # same state: nothing signed, nothing sent
    assert twilio.post("/sms", Body="EN").status == 200
    assert line_state(app).sms_cookie.loads(client.get_cookie("session").value)["sms"][
        "lang"] == "en"


def test_a_state_s_cookie_is_signed_once_a_second_and_written_as_set_cookie_would(
        app, monkeypatch):
    """Many first texts in the same second get the same cookie: one HMAC and one date for
    all of them (StateCookie.header), the header byte for byte what werkzeug's
    Response.set_cookie writes; a second later, signed anew with its own time."""
    from werkzeug.wrappers import Response

    from ivr.web import sms_cookie

    cookies = line_state(app).sms_cookie
    signed: list[bytes] = []
    sign = cookies.sign

    def counted(payload: bytes) -> str:
        signed.append(payload)
        return sign(payload)

    monkeypatch.setattr(cookies, "sign", counted)
    now = [1_800_000_000.25]
    monkeypatch.setattr(sms_cookie.time, "time", lambda: now[0])
    params = {"Body": "HULP", "From": "+31612345678", "To": "+3197010000000"}
    headers = [app.test_client().post("/sms", data=params, headers=_signed("/sms", params)
                                      ).headers["Set-Cookie"] for _ in range(3)]
    assert len(signed) == 1 and headers == [headers[0]] * 3
    written = Response()
    written.set_cookie("session", sign(signed[0]), max_age=cookies.max_age, httponly=True,
                       samesite="Lax")
    assert written.headers["Set-Cookie"].split("; ")[0] == headers[0].split("; ")[0]
    assert sorted(written.headers["Set-Cookie"].split("; ")[2:]) == sorted(
        headers[0].split("; ")[2:])  # all but the Expires date, which is the clock's
    now[0] += 1
    later = app.test_client().post("/sms", data=params, headers=_signed("/sms", params))
    assert len(signed) == 2 and later.headers["Set-Cookie"] != headers[0]


def test_the_cached_cookie_payload_is_the_one_made_anew_for_every_state(app):
    """The view signs a payload kept per state (ivr.web.sms_webhook._payload): for every state the
    replies can make, it is what StateCookie.dumps makes from the state, byte for byte."""
    from sms.replies import INDEX, LANGUAGE_LIST

    cookies = line_state(app).sms_cookie
    for lang in (None, *MENUS.languages):
        for topic in (None, INDEX, LANGUAGE_LIST, *MENUS.sms.topics):
            for page in (0, 1, sms_webhook.MAX_PAGE - 1):
                for index in (False, True):
                    state = State(lang=lang, topic=topic, page=page, index=index)
                    made = sms_webhook.StateCookie.payload(sms_webhook.state_cookie(state))
                    assert sms_webhook._payload(*sms_webhook._kept(state)) == made
                    assert cookies.loads(cookies.sign(made)) == sms_webhook.state_cookie(state)


def _signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": sign(TOKEN, "http://localhost" + url, params)}


def test_cookies_flask_wrote_before_still_read(app):
    """Across the deploy that replaced Flask's session, the cookies Twilio holds from it keep
    the conversation; ours read with Flask's own serializer, and a wrong key is refused."""
    from flask.sessions import SecureCookieSessionInterface

    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert flasks is not None
    ours = line_state(app).sms_cookie
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


def test_a_rotation_in_the_environment_keeps_the_conversation(monkeypatch):
    """SECRET_KEY_FALLBACKS, comma-separated in the environment, holds the keys SECRET_KEY
    had: a sender whose cookie the old key signed keeps their language on an instance with
    the new key, and the cookie they get back is signed with the new key."""
    old, new, older = (secrets.token_urlsafe(32) for _ in range(3))
    config = {"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH)}
    monkeypatch.setenv("SECRET_KEY", old)
    before = create_app(config).test_client()
    text(Twilio(before), "HELP")
    monkeypatch.setenv("SECRET_KEY", new)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f"{older}, {old}")
    after = create_app(config).test_client()
    sent = before.get_cookie("session")
    assert sent is not None
    after.set_cookie("session", sent.value)
    assert text(Twilio(after), "something else") == first_index("en")
    back = after.get_cookie("session")
    assert back is not None
    signed = back.value
    assert StateCookie([new], 3600).loads(signed)["sms"]["lang"] == "en"
    assert StateCookie([old], 3600).loads(signed) is None


@pytest.mark.parametrize("fields", [
    {"page": -5}, {"page": 10**9}, {"page": True}, {"page": 1.5}, {"page": "1"},
    {"lang": ["nl"]}, {"lang": {"nl": 1}}, {"topic": ["help"]}, {"topic": 5},
    {"index": "yes"}, {"lang": None, "topic": "help"}])
def test_a_cookie_with_a_wrong_field_forgets_it_and_answers(app, caplog, fields):
    """Issue 14.6: signed with the real key, yet a field of the wrong type or range. The
    sender gets an answer, and no exception reaches the log."""
    state = {"lang": "nl", "topic": "help", "page": 0, "index": True, **fields}
    cookie = line_state(app).sms_cookie.dumps({"sms": state})
    client = app.test_client()
    client.set_cookie("session", cookie)
    for body in ("MEER", "2", "HULP"):
        answer = Twilio(client).post("/sms", Body=body)
        assert answer.status == 200 and answer.first("Message") is not None
    assert "Traceback" not in caplog.text and "failed" not in caplog.text


@pytest.mark.parametrize("data", [None, [], "x", {"sms": []}, {"sms": "nl"}, {}])
def test_state_of_any_shape_loads_as_a_state(menus, data):
    assert sms_webhook.load_state(menus, data) == State()


def test_whatsapp_gets_the_language_list_whole(twilio):
    """WhatsApp has no segments: the list comes at once, as the topics and the index do."""
    menus = shipped_menus()
    answer = twilio.post("/sms", Body=menus.sms.language["nl"][0], From="whatsapp:+31612345678")
    text = answer.first("Message").text
    assert all(f"{code.upper()} {language.name}" in text
               for code, language in menus.languages.items())
    assert menus.sms.more["nl"][0] not in text


def test_a_long_sentence_is_never_cut_between_a_name_and_its_number_after_a_comma():
    """'bel CoMensha, 033-448 1186': the comma before a number is no place for a page to end."""
    from sms.replies import cut

    menus = shipped_menus()
    display = menus.contacts["comensha"].display
    text = "woord " * 40 + "x" * 92 + f" aa, bel CoMensha, {display}, " + "en verder " * 40 + "."
    pages = cut(menus, text, "nl")
    assert len(pages) > 1
    for page in pages:
        body = page.splitlines()[1:]
        assert not any(line.rstrip().endswith("CoMensha,") for line in body), page
    assert any(f"CoMensha, {display}" in page for page in pages)


# -- words Twilio takes ------------------------------------------------------------------------


def test_the_index_offers_only_words_that_reach_the_line(twilio):
    """Twilio answers INFO and HELP itself unless the number's opt-out settings change: the
    index still understands them but offers UITLEG / EXPLAIN and SOS."""
    reply = text(twilio, "?")
    assert "1 UITLEG / EXPLAIN" in reply.splitlines()
    assert "6 HULP / SOS" in reply.splitlines()
    assert not {"INFO", "HELP"} & set(reply.split())
    assert text(twilio, "INFO") == pages(MENUS, "what", "nl")[0]  # still a keyword


def test_a_topic_with_only_twilio_s_words_is_refused(tmp_path):
    problems = shipped_with(tmp_path, 'nl: ["INFO", "UITLEG"]', 'nl: ["INFO"]')
    assert [p for p in problems if "every keyword" in p] == [
        "menus.yaml: node 'what' field 'keywords' (nl): every keyword (INFO) is a word Twilio "
        "answers itself unless the number's opt-out settings are changed, so no reply can offer "
        "one: add a word Twilio leaves to the line (Twilio's words: "
        "https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out)"]


# -- every first text carries a number to call -------------------------------------------------


POLICE = MENUS.contacts["police"].display
COMENSHA = MENUS.contacts["comensha"].display
NUMBERS = {  # the first lines after the header: each name on the line of its number
    "nl": [f"Politie: {POLICE}", f"CoMensha, opvang en hulp: {COMENSHA}"],
    "en": [f"Police: {POLICE}", f"CoMensha, shelter and help: {COMENSHA}"],
    "uk": [f"Поліція: {POLICE}", f"CoMensha, притулок \u0456 допомога: {COMENSHA}"],
    "ru": [f"Полиция: {POLICE}", f"CoMensha, приют и помощь: {COMENSHA}"],
    "bg": [f"Полиция: {POLICE}", f"CoMensha, подслон и помощ: {COMENSHA}"],
    "ar": [f"الشرطة: {POLICE}", f"CoMensha، إيواء ومساعدة: {COMENSHA}"],
    "fr": [f"Police : {POLICE}", f"CoMensha, hébergement et aide : {COMENSHA}"],
    "pl": [f"Policja: {POLICE}", f"CoMensha, schronienie i pomoc: {COMENSHA}"],
}
GERMANY, NETHERLANDS, UKRAINE = "+4915112345678", "+31612345678", "+380501234567"


def test_a_text_that_is_no_keyword_gets_the_police_and_comensha_before_the_list(twilio):
    assert text(twilio, "ik zit vast") == "\n".join([
        "Gevaar? Bel 112. Kijkt iemand mee op uw telefoon? Wis dan dit gesprek.",
        f"Politie: {POLICE}",
        f"CoMensha, opvang en hulp: {COMENSHA}",
        "Stuur een woord of cijfer:",
        "1 UITLEG", "2 SIGNALEN", "3 MELDEN", "4 AANGIFTE", "5 RECHTEN", "6 HULP", "7 POLITIE",
        "8 ANONIEM", "9 COMENSHA",
        "TAAL: andere taal"])


@pytest.mark.parametrize(("body", "sender", "lang", "also"), [
    # Dutch and English words: that language alone, whatever the country.
    ("kunt u mij helpen?", GERMANY, "nl", None),
    ("nood", UKRAINE, "nl", None),
    ("I am in danger", GERMANY, "en", None),
    ("they took my passport", NETHERLANDS, "en", None),
    ("je suis en danger", GERMANY, "fr", None),
    ("jestem w niebezpieczeństwie", GERMANY, "pl", None),
    # No word to go by: the languages of the country (Dutch and English from elsewhere).
    ("S.O.S.", GERMANY, "nl", "en"),
    ("?", GERMANY, "nl", "en"),
    ("", GERMANY, "nl", "en"),
    ("?", UKRAINE, "uk", "nl"),
    # An alphabet: a language of that alphabet, whatever the country.
    ("мене побили", NETHERLANDS, "uk", None),
    ("\u0443 меня забрали паспорт", UKRAINE, "ru", None),
    ("аз съм в опасност", NETHERLANDS, "bg", None),
    ("забрали паспорт", UKRAINE, "uk", None),  # either: the country's
    ("забрали паспорт", NETHERLANDS, "ru", None),  # either: the alphabet's fallback
    ("أنا في خطر", UKRAINE, "ar", None),
])
def test_the_first_reply_comes_in_the_language_the_text_shows(twilio, body, sender, lang, also):
    reply = text(twilio, body, sender=sender)
    assert reply.splitlines()[:3] == [header(MENUS, lang), *NUMBERS[lang]]
    assert reply == first_index(*(lang, also) if also else (lang,))
    assert count(reply).segments <= MENUS.sms.max_segments
    assert lock_screen_words_in(reply) == []
    if also is None:  # the language is known: the next answers come in it
        assert text(twilio, "2", sender=sender) == pages(MENUS, MENUS.sms.topics[1], lang)[0]


KEYWORDS = KeywordIndex(MENUS)
SCRIPTS = "abcdefghijklmnopqrstuvwxyzéèçñąęłșțőű абвгґдеєжзиіїйклмнопрстуфхцчшщьюяъыэё ابتثجحخد?!.1"
REGIONS = [None, "DE", *(language.countries[0] for language in MENUS.languages.values())]


@given(body=st.text(max_size=160) | st.text(alphabet=SCRIPTS, max_size=160),
       region=st.sampled_from(REGIONS), lang=st.sampled_from([None, *MENUS.languages]))
@settings(max_examples=examples(300), deadline=None)
def test_every_text_that_is_no_keyword_gets_the_numbers_within_the_segments(body, region, lang):
    from sms.keywords import CARRIER_WORDS
    from sms.replies import Incoming, respond

    reply = respond(MENUS, KEYWORDS, Incoming(body=body, region=region), State(lang=lang)).text
    if normalize(body).upper() in CARRIER_WORDS:
        assert reply is None  # STOP and the like: Twilio answers
        return
    assert reply is not None
    assert count(reply).segments <= MENUS.sms.max_segments
    assert lock_screen_words_in(reply) == [], reply[:LOCK_SCREEN]
    if not KEYWORDS.find(body):
        first_page = reply.split("\n")
        assert any(POLICE in line for line in first_page[1:4]), reply
        assert any(COMENSHA in line for line in first_page[1:4]), reply


def test_a_sign_of_two_languages_is_refused(tmp_path):
    problems = shipped_with(tmp_path, "en: [am, my,", "en: [ik, am, my,")
    assert "menus.yaml: sms field 'language_words': 'ik' is given for en and nl: a sign of " \
        "two languages shows neither; remove it" in problems


def test_a_look_alike_letter_of_another_alphabet_is_refused(tmp_path):
    problems = shipped_with(tmp_path, 'uk: ["\u0456", "ї"', 'uk: ["i", "ї"')  # a Latin i
    assert "menus.yaml: sms field 'language_letters' (uk): 'i' is not written in the " \
        "language's alphabet (CYRILLIC): check for a look-alike letter of another alphabet" \
        in problems
