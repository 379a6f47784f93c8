"""Walk the whole menu tree in every language, as a caller pressing keys would.

Parametrized from menus.yaml: a new node or language is walked without a new test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import deque

import pytest

from ivr import model as m
from ivr import timing, utterances, voice
from ivr.serialise import document
from ivr.speech import speak

from .conftest import LINE, shipped_menus

MENUS = shipped_menus()
ALLOWED_IN_GATHER = {"Say", "Play", "Pause"}


def key_path(target: str) -> list[str]:
    """The shortest sequence of keys from the main menu to a node: its options, and the
    global key that leads to a person (the contacts menu)."""
    start = MENUS.settings.main_node
    contacts = next(g.key for g in MENUS.settings.global_keys if g.action == m.CONTACTS)
    paths: dict[str, list[str]] = {start: []}
    todo = deque([start])
    while todo:
        node = MENUS.nodes[todo.popleft()]
        edges = [(o.key, o.target) for o in node.options]
        edges.append((contacts, MENUS.settings.other_contacts_node))
        for key, node_id in edges:
            if node_id not in paths:
                paths[node_id] = [*paths[node.id], key]
                todo.append(node_id)
    return paths[target]


def call_to(twilio, lang: str, node_id: str):
    answer = twilio.post("/voice")
    answer = twilio.follow(answer, MENUS.languages[lang].key)
    for key in key_path(node_id):
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


CASES = [(lang, node) for lang in MENUS.languages for node in MENUS.nodes]
WITH_OPTIONS = [(lang, node) for lang, node in CASES if MENUS.nodes[node].options]


@pytest.mark.parametrize(("lang", "node_id"), CASES)
def test_every_node_is_reached_in_every_language(twilio, lang, node_id):
    answer = call_to(twilio, lang, node_id)
    assert_well_formed(answer)
    node = MENUS.nodes[node_id]
    voice = MENUS.languages[lang].voice
    if voice is None:  # no Twilio voice: everything is played from recordings
        assert answer.all("Say") == []
        assert all(p.text.startswith(f"/audio/{lang}/") for p in answer.all("Play"))
    else:
        assert {say.get("voice") for say in answer.all("Say")} == {voice}
    if node.kind == m.FORWARD:
        contact = MENUS.contacts[node.contact]
        dial = answer.first("Dial")
        assert dial.find("Number").text == contact.number
        assert dial.get("action") == f"/voice/{lang}/{node_id}/dialed"
        assert dial.get("callerId") == LINE  # the shipped policy: the line's own number
    else:
        assert answer.first("Gather").get("action") == f"/voice/{lang}/{node_id}/input?miss=0"
        assert node.say[lang].split()[0] in answer.spoken()


@pytest.mark.parametrize(("lang", "node_id"), WITH_OPTIONS)
def test_every_spoken_option_matches_its_key(twilio, lang, node_id):
    """What a menu or a page says ('Signs: press 2') is what pressing the key does."""
    node = MENUS.nodes[node_id]
    answer = call_to(twilio, lang, node_id)
    template = MENUS.prompt("option", lang)
    for option in node.options:
        title = MENUS.nodes[option.target].title[lang]
        assert template.format(title=title, key=option.key) in answer.spoken()
        pressed = twilio.follow(answer, option.key)
        target = MENUS.nodes[option.target]
        if target.kind == m.FORWARD:
            assert pressed.first("Dial") is not None
        else:  # a menu, or the offer to send numbers by text
            assert pressed.first("Gather").get("action").startswith(f"/voice/{lang}/{target.id}/")


@pytest.mark.parametrize("lang", MENUS.languages)
def test_each_forward_contact_is_reachable(twilio, lang):
    forwards = [n for n in MENUS.nodes.values() if n.kind == m.FORWARD]
    dialled = {call_to(twilio, lang, n.id).first("Dial").find("Number").text for n in forwards}
    assert dialled == {"+319008844", "+318007000", "+31334481186"}


@pytest.mark.parametrize("lang", MENUS.languages)
def test_anonymous_line_gets_the_lines_number_not_the_callers(twilio, lang):
    node = next(n for n in MENUS.nodes.values()
                if n.kind == m.FORWARD and MENUS.contacts[n.contact].anonymous)
    answer = call_to(twilio, lang, node.id)
    assert answer.first("Dial").get("callerId") == LINE
    assert "612345678" not in answer.body


# -- every path a caller can take, pressing anything or nothing --------------------------

KEYS = [*"0123456789*#", ""]  # "" is silence: the <Redirect> after the <Gather>


def walk(region: str | None):
    """Every answer a caller from `region` can reach, pressing any key or none in each
    <Gather> (an answer in parts has several) at each step, with how it was reached:
    (answer, the key pressed, the part's action URL, the answer before it)."""
    call = voice.Call.from_to(LINE, region)
    first = voice.incoming(MENUS, call)
    seen = {document(first)}
    todo = deque([first])
    while todo:
        current = todo.popleft()
        presses: list[tuple[str, str | None]] = [
            (key, url) for url in gather_actions(current) for key in KEYS if key]
        presses.append(("", _redirect(current)))
        for key, url in presses:
            following = timing.answer(MENUS, url, key, call) if url else None
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


WALKED = {region: list(walk(region)) for region in ("NL", "PL", "FR")}


@pytest.mark.parametrize("region", WALKED)
def test_nothing_is_dialled_unless_the_caller_pressed_the_key_they_were_offered(region):
    """Never after silence, a wrong key, an error, or a key pressed before its offer was
    heard: someone who goes quiet may have been walked in on, and a call to the police
    would start on the phone they are watched on."""
    dials = 0
    for following, key, url, before in WALKED[region]:
        if timing.dials(following):
            dials += 1
            assert key, f"silence led to a <Dial>: {document(following)[:300]}"
            offers = timing.offers(before)
            assert key in offers, f"key {key} dialled, never offered: {document(before)[:400]}"
            parts = gather_actions(before)
            assert parts.index(offers[key][1]) <= parts.index(url), (
                f"key {key} dialled before its offer was heard: {document(before)[:400]}")
    assert dials > 0  # the walk did reach the forwards


@pytest.mark.parametrize("region", WALKED)
def test_every_answer_is_valid_twiml_that_goes_on_or_ends_on_purpose(region):
    for following, _key, _url, _before in WALKED[region]:
        root = ET.fromstring(document(following))
        assert root.tag == "Response"
        gathers = list(root.iter("Gather"))
        for gather in gathers:
            assert gather.get("action") and gather.get("finishOnKey") == ""
            assert {child.tag for child in gather} <= ALLOWED_IN_GATHER
        ends = {child.tag for child in root} & {"Redirect", "Hangup", "Dial"}
        assert ends, "an answer that neither waits, dials nor hangs up drops the caller"


@pytest.mark.parametrize("region", WALKED)
def test_a_person_is_one_key_away_from_every_menu(region):
    contacts = next(g.key for g in MENUS.settings.global_keys if g.action == m.CONTACTS)
    checked = 0
    for following, _key, _url, _before in WALKED[region]:
        url = timing.action(following) or ""
        found = re.fullmatch(r"/voice/[^/]+/([^/]+)/input\?miss=\d+", url)
        is_menu = found and MENUS.nodes[found.group(1)].kind in (m.MENU, m.PAGE)
        if url.startswith("/voice/language") or (
                is_menu and found.group(1) != MENUS.settings.other_contacts_node):
            assert contacts in timing.offered(following), url
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("lang", MENUS.languages)
@pytest.mark.parametrize("region", ["NL", None])
def test_112_is_said_in_the_chosen_language_once_it_is_chosen(lang, region):
    """In the greeting, or first in the first menu in that language (None: a caller from
    the language's own first country)."""
    region = region or MENUS.languages[lang].countries[0]
    call = voice.Call.from_to(LINE, region)
    key = MENUS.languages[lang].key
    answer = voice.language_input(MENUS, key[-1], 0, call, second_page=len(key) == 2)
    the_112 = speak(MENUS, lang, utterances.prompt(MENUS, lang, "greeting"))
    in_greeting = lang in voice.greeting_order(MENUS, region)
    assert (first_said(answer) is the_112) == (not in_greeting)
    if in_greeting:  # then the greeting said it, in that language
        greeting = first_said(voice.incoming(MENUS, call))
        assert speak(MENUS, voice.greeting_order(MENUS, region)[0], utterances.prompt(
            MENUS, voice.greeting_order(MENUS, region)[0], "greeting")) is greeting


def first_said(response):
    """The first utterance of an answer's <Gather>: the same cached object speak() gives."""
    for verb in response.verbs:
        inner = getattr(verb, "element", verb)
        if getattr(inner, "name", "") == "Gather":
            return inner.verbs[0]
    return None
