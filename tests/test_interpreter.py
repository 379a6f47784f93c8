"""The person who answers speaks Dutch. The police arrange an interpreter (the seed page:
"Is het nodig om een tolk bij het gesprek te betrekken? Dan zorgt de politie hiervoor."),
so right before their <Dial> a caller of every language but Dutch hears, in it, what to
say to get one: "tolk" and the name of their language in Dutch. Nothing of the kind before
any other forward (the seed says no such thing of them), and never in Dutch.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.content import model as m
from ivr.lines import check_file, load_menus
from ivr.voice import answers as voice
from ivr.voice import timing
from ivr.voice import utterances as u
from ivr.voice.speech import speak

from .helpers import FIXTURES, LINE, MENUS_PATH, ROOT, played_text, shipped_menus

MENUS = shipped_menus()
S = MENUS.settings
DUTCH = S.default_language
LANGS = list(MENUS.languages)
POLICE = MENUS.contacts["police"]
FORWARDS = [n.id for n in MENUS.nodes.values() if n.kind == m.FORWARD]
CONTACTS = MENUS.nodes[S.other_contacts_node]


def text_of(element: ET.Element) -> str:
    """What a <Say> says or a <Play> plays (the text its recording was made from)."""
    if element.tag == "Play":
        return played_text(element.text or "")
    return "".join(element.itertext())


def expected(lang: str) -> str:
    """The sentence as menus.yaml writes it, with the language's name in Dutch."""
    name = MENUS.languages[lang].default_name
    assert name, f"{lang} has no default_name"
    return MENUS.prompt("interpreter", lang).replace("{language}", name)


def assert_before_dial(answer, lang: str, contact: m.Contact) -> None:
    """The answer ends in the <Dial> to the contact; right before it, the interpreter
    sentence where the contact arranges one and the caller does not speak Dutch; else no
    word of it anywhere."""
    items = list(answer.root)
    assert items[-1].tag == "Dial" and items[-1].find("Number").text == contact.number
    last = text_of(items[-2])
    if contact.interpreter and lang != DUTCH:
        assert last == expected(lang)
        assert f"{contact.interpreter} {MENUS.languages[lang].default_name}" in last
        assert sum(text_of(e) == last for e in items) == 1  # said once
    else:
        assert POLICE.interpreter not in answer.spoken().lower()
        assert "prompt.interpreter" not in answer.body


def test_the_police_arrange_an_interpreter_and_no_other_contact_does():
    assert [c.id for c in MENUS.contacts.values() if c.interpreter] == ["police"]
    assert POLICE.interpreter == "tolk"
    assert set(FORWARDS) == {"call_police", "call_anonymous", "call_comensha"}


@pytest.mark.parametrize("node_id", FORWARDS)
@pytest.mark.parametrize("lang", LANGS)
def test_right_before_the_police_dial_every_language_but_dutch_hears_how_to_get_one(
        twilio, lang, node_id):
    key = next(o.key for o in CONTACTS.options if o.target == node_id)
    answer = twilio.follow(twilio.post(f"/voice/{lang}/{CONTACTS.id}"), key)
    assert_before_dial(answer, lang, MENUS.contacts[MENUS.nodes[node_id].contact or ""])


@pytest.mark.parametrize("lang", LANGS)
def test_every_way_to_the_police_dial_says_it_after_a_failed_forward_and_the_misses(
        twilio, lang):
    failed = twilio.post(f"/voice/{lang}/call_police/dialed", DialCallStatus="busy")
    assert_before_dial(twilio.follow(failed, S.retry_key), lang, POLICE)
    answer = twilio.post(f"/voice/{lang}/forms")
    for _ in range(S.max_misses):  # silence: the last chance, at the miss limit at the latest
        if answer.first("Redirect") is None:
            break
        answer = twilio.follow(answer)
    assert "/connect" in answer.all("Gather")[-1].get("action", ""), answer.body
    assert_before_dial(twilio.follow(answer, S.connect_key), lang, POLICE)


@pytest.mark.parametrize("lang", LANGS)
def test_the_time_model_counts_the_sentence_before_the_dial(lang):
    node = MENUS.nodes["call_police"]
    response = voice.show_node(MENUS, lang, node.id, voice.Call(LINE)).twiml
    heard = [h.end - h.start for h in timing.heard(response)]
    said = speak(MENUS, lang, u.node_text(node, lang)).seconds
    if lang == DUTCH:
        assert heard == pytest.approx([said])
        return
    before = u.interpreter(MENUS, lang, POLICE)
    assert before is not None
    sentence = speak(MENUS, lang, before).seconds
    assert sentence > 1 and heard == pytest.approx([said, sentence])
    # A recording where the language has no voice: its take is there, or it is not offered.
    if MENUS.languages[lang].voice is None:
        assert "prompt.interpreter.police" in MENUS.playable[lang]


# -- the checks: a language without the sentence is left out like any missing translation --


def with_change(tmp_path: Path, old: str, new: str, source: Path = MENUS_PATH) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "menus.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


ROMANIAN = "      Se vorbește olandeză; pentru interpret, spuneți: tolk {language}.\n"


@pytest.mark.parametrize(("old", "new", "message"), [
    # A language added later without the sentence: reported as any missing translation is.
    (f"    ro: >-\n{ROMANIAN}", "",
     "prompt 'interpreter' field 'interpreter': missing translation for 'ro'"),
    ("    ro: La revedere.\n", "",
     "prompt 'goodbye' field 'goodbye': missing translation for 'ro'"),
    ("    default_name: Roemeens\n", "",
     "language 'ro': field 'default_name' is missing: the language's name in 'nl', which a "
     "caller says to ask contact 'police' for an interpreter ('tolk ...')"),
    (ROMANIAN, ROMANIAN.replace("tolk {language}", "{language}"),
     "prompt 'interpreter' (ro): must contain the word 'tolk': a caller says it to contact "
     "'police' to get an interpreter"),
    (ROMANIAN, ROMANIAN.replace("tolk {language}", "tolk"),
     "prompt 'interpreter' (ro): must use the placeholder '{language}'"),
])
@pytest.mark.slow
def test_a_language_without_the_sentence_or_its_dutch_name_is_not_offered(
        tmp_path, old, new, message):
    path = with_change(tmp_path, old, new)
    _, problems = check_file(path, ROOT / "audio")
    assert [str(p) for p in problems if p.severity == "error"] == [f"menus.yaml: {message}"]
    menus, warnings = load_menus(path, ROOT / "audio")
    assert list(menus.languages) == [lang for lang in LANGS if lang != "ro"]
    assert "menus.yaml: language 'ro': warning: is not offered: 1 problem(s); run flask " \
           "menus check" in [str(p) for p in warnings]


def test_a_contact_that_arranges_an_interpreter_needs_the_sentence(tmp_path):
    police = "    caller_id: line\n    name: {nl: de politie}\n"
    path = with_change(tmp_path, police, police.replace("name:", "interpreter: tolk\n    name:"),
                       FIXTURES / "minimal.yaml")
    _, problems = check_file(path)
    assert [str(p) for p in problems] == [
        "menus.yaml: prompts: prompt 'interpreter' is missing: contact 'police' arranges an "
        "interpreter, and a caller of every language but 'nl' must hear how to ask for one"]
    # Where no contact arranges one (the minimal file, the examples) it needs no sentence.
    assert check_file(FIXTURES / "minimal.yaml")[1] == []


def test_a_dutch_only_line_never_says_it(tmp_path):
    police = "    caller_id: line\n    name: {nl: de politie}\n"
    path = with_change(tmp_path, police, police.replace("name:", "interpreter: tolk\n    name:"),
                       FIXTURES / "minimal.yaml")
    text = path.read_text(encoding="utf-8").replace(
        "  error: {nl: Sorry.}\n", "  error: {nl: Sorry.}\n  interpreter: {nl: \"Zeg: tolk "
        "{language}.\"}\n")
    path.write_text(text, encoding="utf-8")
    menus, problems = load_menus(path)
    assert problems == []
    response = voice.show_node(menus, "nl", "call_police", voice.Call(LINE)).twiml
    assert "tolk" not in str(response)
    assert "prompt.interpreter.police" not in u.every(menus, "nl")
