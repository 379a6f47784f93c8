"""A number per language (LINE_NUMBERS): a call to a number with a language begins in it,
a text to it is answered in it, and its caller reaches the police within 20 s and every
contact within 30 s, in every language of every line."""

from __future__ import annotations

import functools
import logging
import xml.etree.ElementTree as ET

import pytest

from app import StartRefused, create_app
from ivr.content import model as m
from ivr.content.problems import WARNING, Problem
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from ivr.voice import timing
from ivr.voice import utterances as u
from ivr.voice.speech import speak
from ivr.web import line_numbers
from ivr.web.line_numbers import LineNumbersError
from ivr.web.state import line_state
from sms.replies import first_languages, index_pages

from .helpers import (
    LINE,
    LINES,
    MENUS_PATH,
    TOKEN,
    Twilio,
    line_app,
    line_menus,
    printed,
    shipped_menus,
)

MENUS = shipped_menus()
LANGUAGES = [(line, lang) for line in LINES for lang in line_menus(line).languages]
SENDER = "+4915112345678"  # Germany: no language of the line is likely


def number_of(menus: m.Menus, lang: str) -> str:
    """A number of the line for each of its languages: +31970100000nn."""
    return f"+31970100000{list(menus.languages).index(lang) + 10}"


@functools.cache
def numbers_app(line: str):
    """An app serving the line with LINE (the tests' usual number) without a language and
    one number for each of its languages."""
    menus = line_menus(line)
    given = ",".join([LINE] + [f"{number_of(menus, lang)}={lang}" for lang in menus.languages])
    return create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(LINES[line]),
                       "PUBLIC_BASE_URL": None, "TESTING": True, "LINE_NUMBERS": given})


# -- the setting ---------------------------------------------------------------------------


def test_numbers_with_and_without_a_language_are_read():
    found, warnings = line_numbers.parse(
        " +3197010000001, +3197010000002=PL ,+3197010000003=ar,", MENUS.languages)
    assert dict(found) == {"+3197010000002": "pl", "+3197010000003": "ar"}
    assert warnings == []
    assert line_numbers.parse(None, MENUS.languages) == ({}, [])


HOW = ("Give the line's Twilio numbers comma-separated, each as + country code and number "
       "without spaces, and after a number =LANG (a language code of menus.yaml) for calls "
       "and texts to it to begin in that language")
HAS = "(it has ar, bg, en, es, fr, hu, nl, pl, ro, ru, uk)"


@pytest.mark.parametrize(("value", "problem"), [
    ("+31 970 1000 0001", "number 1 (+31 970 1000 0001): not a number in E.164 (+, country "
                          "code, number, no spaces)"),
    ("+3197010000001,003197010000001=pl", "number 2 (003197010000001=pl): not a number in "
                                          "E.164 (+, country code, number, no spaces)"),
    ("+48123456=pl", "number 1 (+48123456=pl): not a valid phone number: a digit too many or "
                     "too few?"),
    ("+3197010000002=pol", "number 1 (+3197010000002=pol): menus.yaml has no language 'pol' "
                           f"(did you mean 'pl'?) {HAS}"),
    ("+3197010000002=", "number 1 (+3197010000002=): no language after '='"),
    ("+3197010000002=pl,+3197010000002=ar", "number 2 (+3197010000002=ar): the same number "
                                            "as one before it: give each number once"),
])
def test_a_number_that_is_not_one_or_a_language_the_menus_lack_is_refused(value, problem):
    with pytest.raises(LineNumbersError) as refused:
        line_numbers.parse(value, MENUS.languages)
    assert str(refused.value) == f"LINE_NUMBERS: {problem}. {HOW}"


def test_every_problem_is_named_at_once():
    with pytest.raises(LineNumbersError) as refused:
        line_numbers.parse("+3197010000001=xx,+48123456", MENUS.languages)
    assert str(refused.value) == (
        f"LINE_NUMBERS: number 1 (+3197010000001=xx): menus.yaml has no language 'xx' {HAS}; "
        "number 2 (+48123456): not a valid phone number: a digit too many or too few?. "
        f"{HOW}")


def test_a_language_left_out_for_now_makes_its_number_one_without_a_language():
    """A translation with a problem takes its language off the line, not the whole line."""
    offered = [lang for lang in MENUS.languages if lang != "uk"]
    warnings = [Problem("language 'uk'", "is not offered: 1 problem(s)", WARNING,
                        "menus.yaml", "uk")]
    found, notes = line_numbers.parse("+3197010000002=uk", offered,
                                      line_numbers.not_offered(offered, warnings))
    assert dict(found) == {}
    assert notes == ["LINE_NUMBERS: number 1 (+3197010000002=uk): 'uk' is not offered now "
                     "(make check lists its problems); calls and texts to this number begin "
                     "as on a number without a language"]


def test_the_app_refuses_to_start_with_one_line_saying_what_to_fix(caplog):
    with pytest.raises(StartRefused) as refused, caplog.at_level(logging.CRITICAL):
        create_app({"MENUS_PATH": str(MENUS_PATH), "LINE_NUMBERS": "+3197010000002=xx"})
    assert refused.value.code == 1
    assert refused.value.message == (
        f"LINE_NUMBERS: number 1 (+3197010000002=xx): menus.yaml has no language 'xx' {HAS}. "
        f"{HOW}")
    # One log line (a JSON line under gunicorn); the log masks the number, the place names it.
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL] == [
        f"Refusing to start: LINE_NUMBERS: number 1 (***********02=xx): menus.yaml has no "
        f"language 'xx' {HAS}. {HOW}"]


@pytest.mark.slow
def test_the_setting_is_read_from_the_environment_in_the_factory(monkeypatch):
    monkeypatch.setenv("LINE_NUMBERS", "+3197010000002=pl")
    app = create_app({"MENUS_PATH": str(MENUS_PATH)})
    assert dict(line_state(app).line_languages) == {"+3197010000002": "pl"}
    given = create_app({"MENUS_PATH": str(MENUS_PATH), "LINE_NUMBERS": "+3197010000003=ar"})
    assert dict(line_state(given).line_languages) == {"+3197010000003": "ar"}


# -- a call ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "lang"), LANGUAGES)
def test_a_call_to_a_number_with_a_language_begins_in_it(line, lang):
    """The 112 sentence in the number's language, then its main menu; the language key
    there offers every language."""
    menus = line_menus(line)
    number = number_of(menus, lang)
    twilio = Twilio(numbers_app(line).test_client())
    answer = twilio.post("/voice", To=number)
    assert answer.one("Gather").get("action") == \
        f"/voice/{lang}/{menus.settings.main_node}/input?miss=0"
    greeting = speak(menus, lang, u.prompt(menus, lang, "greeting"))
    first = next(iter(answer.one("Gather")))
    assert ET.tostring(first) == ET.tostring(ET.fromstring(
        greeting.element.to_xml(xml_declaration=False)))
    assert answer.first("Dial") is None
    language_key = next(g.key for g in menus.settings.global_keys if g.action == m.LANGUAGE)
    choice = twilio.follow(answer, language_key, To=number)
    expected = voice.language_menu(menus, voice.Call.from_to(number, "NL",
                                                             languages={number: lang})).twiml
    assert choice.body == document(expected)
    keys = {language.key[0] for language in menus.languages.values()}
    assert keys <= set(timing.offered(expected))


def test_the_call_begins_with_112_then_a_person_then_the_main_menu():
    call = voice.Call.from_to(LINE, "NL", languages={LINE: "pl"})
    answer = voice.incoming(MENUS, call).twiml
    main = MENUS.nodes[MENUS.settings.main_node]
    person = next(g for g in MENUS.settings.global_keys if g.action == m.CONTACTS)
    texts = [u.prompt(MENUS, "pl", "greeting"), u.global_option(MENUS, "pl", person),
             u.node_text(main, "pl"),
             *(u.node_option(MENUS, "pl", option) for option in main.options)]
    expected = [speak(MENUS, "pl", text).element.to_xml(xml_declaration=False)
                for text in texts]
    gather = answer.verbs[0].element
    said = [item.element.to_xml(xml_declaration=False) for item in gather.verbs]
    assert said[:len(expected)] == expected


def test_before_a_language_is_chosen_the_numbers_language_comes_first():
    """An apology at the start, and the choice of language asked for with the language key
    (its person's key), speak the number's language first, then Dutch."""
    call = voice.Call.from_to(LINE, "NL", languages={LINE: "ar"})
    assert voice.greeting_order(MENUS, "NL", "ar") == ("ar", "nl")
    apology = voice.error_response(MENUS, None, call).twiml
    first = next(verb for verb in apology.verbs if getattr(verb, "name", "") != "Gather")
    error = speak(MENUS, "ar", u.prompt(MENUS, "ar", "error"))
    assert first is error
    person = next(g for g in MENUS.settings.global_keys if g.action == m.CONTACTS)
    choice = document(voice.language_menu(MENUS, call).twiml)
    persons = [speak(MENUS, lang, u.global_option(MENUS, lang, person)).element.to_xml(
        xml_declaration=False) for lang in ("ar", "nl")]
    assert choice.index(persons[0]) < choice.index(persons[1])


def test_a_number_without_a_language_begins_with_the_choice_as_before():
    with_numbers = Twilio(numbers_app("menus.yaml").test_client()).post("/voice", To=LINE)
    without = Twilio(line_app("menus.yaml").test_client()).post("/voice", To=LINE)
    assert with_numbers.body == without.body
    assert with_numbers.one("Gather").get("action") == "/voice/language?miss=0"


@pytest.mark.parametrize(("line", "lang"), LANGUAGES)
def test_from_a_number_of_its_own_the_police_within_20_s_and_every_contact_within_30(
        line, lang):
    menus = line_menus(line)
    reached = timing.own_number_forwards(menus, lang)
    assert set(reached) == {n.id for n in menus.nodes.values() if n.kind == m.FORWARD}
    first = menus.settings.fallback_node
    assert reached[first] <= timing.OWN_NUMBER_FIRST_MAX, f"{first}: {reached[first]:.1f} s"
    for node_id, seconds in reached.items():
        assert seconds <= timing.FORWARD_MAX, f"{node_id}: {seconds:.1f} s"


def test_a_number_of_its_own_is_faster_than_the_choice_of_language():
    """An Arabic caller with a Dutch mobile number: through the choice, and by the number."""
    through_choice = timing.to_forwards(MENUS, timing.HOME, "ar")
    own = timing.own_number_forwards(MENUS, "ar")
    police = MENUS.settings.fallback_node
    assert through_choice[police] > timing.OWN_NUMBER_FIRST_MAX >= own[police]


@pytest.mark.slow
def test_a_broken_goal_from_a_number_of_its_own_is_named():
    """The person's key said after the main menu's options: the police come too late."""
    from dataclasses import replace

    late = replace(MENUS.settings, global_keys=tuple(
        replace(g, announce=m.MAIN) if g.action == m.CONTACTS else g
        for g in MENUS.settings.global_keys))
    messages = [str(p) for p in timing.problems(replace(MENUS, settings=late), "menus.yaml")]
    assert any(text.startswith("menus.yaml: node 'call_police': reached after ")
               and text.endswith(" s of listening from a number of its own (ar); at most 20 "
                                 "s: shorten the 112 sentence or the main menu's text, or "
                                 "offer it earlier") for text in messages), messages


@pytest.mark.slow
def test_make_check_reports_the_figures_from_a_number_of_its_own():
    from ivr.tools.report import build_report, render_text

    report = build_report(MENUS_PATH, MENUS_PATH.parent / "audio")
    for lang in report.languages:
        assert lang.own_number_forwards == {
            k: round(v, 1) for k, v in sorted(timing.own_number_forwards(MENUS, lang.code)
                                              .items())}, lang.code
    text = "\n".join(render_text(report))
    police = report.languages[0].own_number_forwards["call_police"]
    assert ("      from a number of its own (at most 20 s to the first, 30 s to each): "
            "call_anonymous ") in text
    assert f"call_police {police:.1f}" in text


# -- a text ----------------------------------------------------------------------------------


def text(twilio, body: str, to: str) -> str:
    answer = twilio.post("/sms", Body=body, From=SENDER, To=to)
    assert answer.status == 200, answer.body
    return answer.first("Message").text or ""


@pytest.mark.parametrize(("line", "lang"), LANGUAGES)
def test_a_text_to_a_number_with_a_language_is_answered_in_it(line, lang):
    menus = line_menus(line)
    twilio = Twilio(numbers_app(line).test_client())
    assert text(twilio, "hello?", number_of(menus, lang)) == index_pages(menus, (lang,))[0]
    assert first_languages(menus, "DE", lang) == (lang,)


@pytest.mark.parametrize("lang", ["uk", "bg", "ru"])
def test_a_text_in_an_alphabet_of_several_languages_takes_the_numbers_among_them(lang):
    """Cyrillic with no letter or word of one language: the number's language, before the
    alphabet's fallback (menus.yaml) that a text to the line's other numbers gets."""
    twilio = Twilio(numbers_app("menus.yaml").test_client())
    assert text(twilio, "кккк пппп", number_of(MENUS, lang)) == index_pages(MENUS, (lang,))[0]


def test_a_keyword_or_a_chosen_language_wins_over_the_numbers_language():
    from sms.replies import pages

    twilio = Twilio(numbers_app("menus.yaml").test_client())
    polish = number_of(MENUS, "pl")
    dutch_word = next(word for word in MENUS.nodes["help"].keywords["nl"]
                      if word not in MENUS.nodes["help"].keywords["pl"])
    assert text(twilio, dutch_word, polish) == pages(MENUS, "help", "nl")[0]
    fresh = Twilio(numbers_app("menus.yaml").test_client())
    assert text(fresh, "EN", polish) == index_pages(MENUS, ("en",))[0]
    assert text(fresh, "hello?", polish) == index_pages(MENUS, ("en",))[0]  # the cookie's


def test_a_text_to_a_number_without_a_language_is_answered_as_before():
    twilio = Twilio(numbers_app("menus.yaml").test_client())
    assert text(twilio, "hello?", LINE) == index_pages(MENUS, ("nl", "en"))[0]


# -- trying a number in the terminal ---------------------------------------------------------


def test_flask_call_and_text_try_a_number_with_a_language():
    app = numbers_app("menus.yaml")
    polish = number_of(MENUS, "pl")
    runner = app.test_cli_runner()
    contacts = next(g.key for g in MENUS.settings.global_keys if g.action == m.CONTACTS)
    police = next(o.key for o in MENUS.nodes[MENUS.settings.other_contacts_node].options
                  if o.target == MENUS.settings.fallback_node)
    output = runner.invoke(args=["call", "--to", polish, "--keys",
                                 f"{contacts},{police}"]).output
    says = [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("  says")]
    assert says[0] == printed(MENUS, "pl", MENUS.prompt("greeting", "pl"))
    assert f"→ forward to police {MENUS.contacts['police'].number}" in output
    refused = runner.invoke(args=["call", "--to", polish, "--lang", "en"])
    assert refused.exit_code == 2
    assert (f"a call to {polish} begins in 'pl' (LINE_NUMBERS), without the choice of "
            "language: leave out --lang") in refused.output
    texted = runner.invoke(args=["text", "--to", polish, "hello?"]).output
    assert index_pages(MENUS, ("pl",))[0] in texted
