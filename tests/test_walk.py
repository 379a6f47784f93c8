"""Walk the whole menu tree in every language, as a caller pressing keys would.

Parametrized from menus.yaml: a new node or language is walked without a new test.
"""

from __future__ import annotations

from collections import deque

import pytest

from ivr import model as m

from .conftest import LINE, shipped_menus

MENUS = shipped_menus()
ALLOWED_IN_GATHER = {"Say", "Play", "Pause"}


def key_path(target: str) -> list[str]:
    """The shortest sequence of keys from the main menu to a node."""
    start = MENUS.settings.main_node
    paths = {start: []}
    todo = deque([start])
    while todo:
        node = MENUS.nodes[todo.popleft()]
        for option in node.options:
            if option.target not in paths:
                paths[option.target] = [*paths[node.id], option.key]
                todo.append(option.target)
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


@pytest.mark.parametrize(("lang", "node_id"), CASES)
def test_every_spoken_option_matches_its_key(twilio, lang, node_id):
    """What a menu says ('Signs: press 2') is what pressing the key does."""
    node = MENUS.nodes[node_id]
    if node.kind != m.MENU:
        return
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
