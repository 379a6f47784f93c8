"""Walk the whole menu tree in every language, as a caller pressing keys would.

Parametrized from every line in the repository (menus.yaml and each examples/*/menus.yaml):
a new node, language or line is walked without a new test.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections import deque

import pytest

from ivr.content import model as m
from ivr.twiml.serialise import document
from ivr.voice import answers as voice
from ivr.voice import timing, utterances
from ivr.voice.speech import speak

from .helpers import LINE, LINES, Twilio, line_app, line_menus

ALLOWED_IN_GATHER = {"Say", "Play", "Pause"}


def key_path(menus: m.Menus, target: str) -> list[str]:
    """The shortest sequence of keys from the main menu to a node: its options, and the
    global key that leads to a person (the contacts menu)."""
    start = menus.settings.main_node
    contacts = next(g.key for g in menus.settings.global_keys if g.action == m.CONTACTS)
    paths: dict[str, list[str]] = {start: []}
    todo = deque([start])
    while todo:
        node = menus.nodes[todo.popleft()]
        edges = [(o.key, o.target) for o in node.options]
        edges.append((contacts, menus.settings.other_contacts_node))
        for key, node_id in edges:
            if node_id not in paths:
                paths[node_id] = [*paths[node.id], key]
                todo.append(node_id)
    return paths[target]


def call_to(line: str, lang: str, node_id: str):
    """The answer a caller gets at a node of a line, having pressed the keys to it."""
    twilio, menus = Twilio(line_app(line).test_client()), line_menus(line)
    answer = twilio.post("/voice")
    answer = twilio.follow(answer, menus.languages[lang].key)
    for key in key_path(menus, node_id):
        answer = twilio.follow(answer, key)
    return answer


def assert_well_formed(answer) -> None:
    assert answer.status == 200
    assert answer.root.tag == "Response"
    for gather in answer.all("Gather"):
        assert gather.get("action"), "a Gather without action loops on the current URL"
        assert gather.get("finishOnKey") == "", "# is a menu key, so it must not end input"
        assert {child.tag for child in gather} <= ALLOWED_IN_GATHER
    for say in answer.all("Say"):
        assert "{" not in "".join(say.itertext()), "an unfilled placeholder would be spoken"


CASES = [(line, lang, node) for line in LINES for lang in line_menus(line).languages
         for node in line_menus(line).nodes]
WITH_OPTIONS = [case for case in CASES if line_menus(case[0]).nodes[case[2]].options]
LANGUAGES = [(line, lang) for line in LINES for lang in line_menus(line).languages]


@pytest.mark.parametrize(("line", "lang", "node_id"), CASES)
def test_every_node_is_reached_in_every_language(line, lang, node_id):
    menus = line_menus(line)
    answer = call_to(line, lang, node_id)
    assert_well_formed(answer)
    node = menus.nodes[node_id]
    voice = menus.languages[lang].voice
    if voice is None:  # no Twilio voice: everything is played from recordings
        assert answer.all("Say") == []
        assert all(p.text.startswith(f"/audio/{lang}/") for p in answer.all("Play"))
    else:
        assert {say.get("voice") for say in answer.all("Say")} == {voice}
    if node.kind == m.FORWARD:
        contact = menus.contacts[node.contact or ""]
        dial = answer.first("Dial")
        assert dial.find("Number").text == contact.number
        assert dial.get("action") == f"/voice/{lang}/{node_id}/dialed"
        assert dial.get("callerId") == LINE  # the shipped policy: the line's own number
    else:
        assert answer.first("Gather").get("action") == f"/voice/{lang}/{node_id}/input?miss=0"
        assert node.say[lang].split()[0] in answer.spoken()


@pytest.mark.parametrize(("line", "lang", "node_id"), WITH_OPTIONS)
def test_every_spoken_option_matches_its_key(line, lang, node_id):
    """What a menu or a page says ('Signs: press 2') is what pressing the key does."""
    menus, twilio = line_menus(line), Twilio(line_app(line).test_client())
    node = menus.nodes[node_id]
    answer = call_to(line, lang, node_id)
    template = menus.prompt("option", lang)
    for option in node.options:
        title = menus.nodes[option.target].title[lang]
        assert template.format(title=title, key=option.key) in answer.spoken()
        pressed = twilio.follow(answer, option.key)
        target = menus.nodes[option.target]
        if target.kind == m.FORWARD:
            assert pressed.first("Dial") is not None
        else:  # a menu, or the offer to send numbers by text
            assert pressed.one("Gather").get("action", "").startswith(f"/voice/{lang}/{target.id}/")


@pytest.mark.parametrize(("line", "lang"), LANGUAGES)
def test_each_forward_contact_is_reachable(line, lang):
    menus = line_menus(line)
    forwards = [n for n in menus.nodes.values() if n.kind == m.FORWARD]
    dialled = {call_to(line, lang, n.id).first("Dial").find("Number").text for n in forwards}
    # Every contact a forward names, and nothing else: no number but menus.yaml's.
    assert dialled == {menus.contacts[n.contact or ""].number for n in forwards}
    if line == "menus.yaml":  # the three the Dutch line exists to reach
        assert dialled == {"+319008844", "+318007000", "+31334481186"}


ANONYMOUS = [(line, lang, node.id) for line, lang in LANGUAGES
             for node in line_menus(line).nodes.values() if node.kind == m.FORWARD
             and line_menus(line).contacts[node.contact or ""].anonymous]


def test_every_line_with_an_anonymous_contact_is_walked_to_it():
    assert {line for line, _, _ in ANONYMOUS} >= {"menus.yaml"}


@pytest.mark.parametrize(("line", "lang", "node_id"), ANONYMOUS)
def test_anonymous_line_gets_the_lines_number_not_the_callers(line, lang, node_id):
    answer = call_to(line, lang, node_id)
    assert answer.first("Dial").get("callerId") == LINE
    assert "612345678" not in answer.body


# -- every path a caller can take, pressing anything or nothing --------------------------

KEYS = [*"0123456789*#", ""]  # "" is silence: the <Redirect> after the <Gather>


def walk(menus: m.Menus, region: str | None, number_language: str | None = None):
    """Every answer a caller from `region` can reach, pressing any key or none in each
    <Gather> (an answer in parts has several) at each step, with how it was reached:
    (answer, the key pressed, the part's action URL, the answer before it).
    `number_language`: the caller dialled a number of the line that has this language."""
    numbers = {LINE: number_language} if number_language else {}
    call = voice.Call.from_to(LINE, region, languages=numbers)
    first = voice.incoming(menus, call).twiml
    seen = {document(first)}
    todo = deque([first])
    while todo:
        current = todo.popleft()
        presses: list[tuple[str, str | None]] = [
            (key, url) for url in gather_actions(current) for key in KEYS if key]
        presses.append(("", _redirect(current)))
        for key, url in presses:
            following = timing.answer(menus, url, key, call) if url else None
            if following is None:
                continue
            yield following, key, url, current
            text = document(following)
            if text not in seen:
                seen.add(text)
                todo.append(following)


def gather_actions(response) -> list[str]:
    """The action URL of each <Gather> of an answer, in order."""
    return [str(inner.attrs["action"]) for inner in
            (getattr(verb, "element", verb) for verb in response.verbs)
            if getattr(inner, "name", "") == "Gather"]


def _redirect(response) -> str | None:
    for verb in response.verbs:
        inner = getattr(verb, "element", verb)
        if getattr(inner, "name", "") == "Redirect":
            return str(inner.value)
    return None


def regions(menus: m.Menus) -> list[str]:
    """Callers from the countries of the first, the second and the last language: the
    greeting and the language menu change with the caller's country, and the last language
    is on the language menu's second page where there is one."""
    order = list(menus.languages.values())
    return list(dict.fromkeys(lang.countries[0] for lang in (order[0], order[1], order[-1])
                              if lang.countries))


def own_numbers(menus: m.Menus) -> list[str]:
    """The languages of a number of its own walked: the last language, on the language
    menu's second page where there is one, and not the greeting's."""
    return [list(menus.languages)[-1]]


# (line, region, the language of the number called: "" for none)
WALKS = [(line, region, "") for line in LINES for region in regions(line_menus(line))] + [
    (line, "NL", lang) for line in LINES for lang in own_numbers(line_menus(line))]


@functools.cache
def walked(key: tuple[str, str, str]) -> list:
    """The walk of one of WALKS, made when a test first asks for it, not when the tests
    are collected: the tests that are left out (pytest -k, -m) cost nothing."""
    line, region, lang = key
    return list(walk(line_menus(line), region, lang or None))


@pytest.mark.parametrize("which", WALKS)
def test_nothing_is_dialled_unless_the_caller_pressed_the_key_they_were_offered(which):
    """Never after silence, a wrong key, an error, or a key pressed before its offer was
    heard: someone who goes quiet may have been walked in on, and a call to the police
    would start on the phone they are watched on."""
    dials = 0
    for following, key, url, before in walked(which):
        if timing.dials(following):
            dials += 1
            assert key, f"silence led to a <Dial>: {document(following)[:300]}"
            offers = timing.offers(before)
            assert key in offers, f"key {key} dialled, never offered: {document(before)[:400]}"
            parts = gather_actions(before)
            assert parts.index(offers[key][1]) <= parts.index(url), (
                f"key {key} dialled before its offer was heard: {document(before)[:400]}")
    assert dials > 0  # the walk did reach the forwards


@pytest.mark.parametrize("which", WALKS)
def test_every_answer_is_valid_twiml_that_goes_on_or_ends_on_purpose(which):
    # Many paths reach the same answer: each text is parsed and checked once.
    for text in {document(following) for following, _key, _url, _before in walked(which)}:
        root = ET.fromstring(text)
        assert root.tag == "Response"
        gathers = list(root.iter("Gather"))
        for gather in gathers:
            assert gather.get("action") and gather.get("finishOnKey") == ""
            assert {child.tag for child in gather} <= ALLOWED_IN_GATHER
        ends = {child.tag for child in root} & {"Redirect", "Hangup", "Dial"}
        assert ends, "an answer that neither waits, dials nor hangs up drops the caller"


@pytest.mark.parametrize("which", WALKS)
def test_a_person_is_one_key_away_from_every_menu(which):
    menus = line_menus(which[0])
    contacts = next(g.key for g in menus.settings.global_keys if g.action == m.CONTACTS)
    checked = set()
    # Many paths reach the same answer: each is looked at once.
    distinct = {document(following): following for following, _, _, _ in walked(which)}
    for following in distinct.values():
        url = timing.action(following) or ""
        found = re.fullmatch(r"/voice/[^/]+/([^/]+)/input\?miss=\d+", url)
        is_menu = found and menus.nodes[found.group(1)].kind in (m.MENU, m.PAGE)
        if url.startswith("/voice/language") or (
                found and is_menu and found.group(1) != menus.settings.other_contacts_node):
            assert contacts in timing.offered(following), url
            checked.add(found.group(1) if found else "language")
    # Each menu and page but the contacts menu itself was seen, and the language menu.
    wanted = {n.id for n in menus.nodes.values() if n.kind in (m.MENU, m.PAGE)}
    assert checked == wanted - {menus.settings.other_contacts_node} | {"language"}


@pytest.mark.parametrize(("line", "lang"), LANGUAGES)
@pytest.mark.parametrize("region", ["NL", None])
def test_112_is_said_in_the_chosen_language_once_it_is_chosen(line, lang, region):
    """In the greeting, or first in the first menu in that language (None: a caller from
    the language's own first country)."""
    menus = line_menus(line)
    region = region or menus.languages[lang].countries[0]
    call = voice.Call.from_to(LINE, region)
    key = menus.languages[lang].key
    answer = voice.language_input(menus, key[-1], 0, call, second_page=len(key) == 2).twiml
    the_112 = speak(menus, lang, utterances.prompt(menus, lang, "greeting"))
    in_greeting = lang in voice.greeting_order(menus, region)
    assert (first_said(answer) is the_112) == (not in_greeting)
    if in_greeting:  # then the greeting said it, in that language
        greeting = first_said(voice.incoming(menus, call).twiml)
        assert speak(menus, voice.greeting_order(menus, region)[0], utterances.prompt(
            menus, voice.greeting_order(menus, region)[0], "greeting")) is greeting


def first_said(response):
    """The first utterance of an answer's <Gather>: the same cached object speak() gives."""
    for verb in response.verbs:
        inner = getattr(verb, "element", verb)
        if getattr(inner, "name", "") == "Gather":
            return inner.verbs[0]
    return None
