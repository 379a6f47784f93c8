"""Every line in the repository (menus.yaml and each examples/*/menus.yaml), whole: it
loads with no error, keeps every time goal of make check, and answers each of its SMS
keywords in each language with a text a locked phone does not give away. No test here
names a line: a new example is checked by adding its file."""

from __future__ import annotations

import pytest

from ivr.tools.report import build_report
from ivr.voice import timing
from sms.keywords import normalize
from sms.replies import pages

from .helpers import LINES, LOCK_SCREEN, Twilio, line_app, line_menus, lock_screen_words_in

KEYWORDS = [(line, lang, node.id, words[0]) for line in LINES
            for node in line_menus(line).nodes.values()
            for lang, words in node.keywords.items() if words]


def test_the_examples_are_lines_too():
    assert "menus.yaml" in LINES and len(LINES) >= 2, LINES


@pytest.mark.parametrize("line", LINES)
@pytest.mark.slow
def test_the_line_loads_without_errors_and_keeps_every_time_goal(line):
    report = build_report(LINES[line], LINES[line].parent / "audio")
    assert report.ok, [str(e) for e in report.errors]
    assert timing.problems(line_menus(line), line) == []


@pytest.mark.parametrize(("line", "lang", "node_id", "word"), KEYWORDS)
def test_each_keyword_is_answered_with_a_text_a_locked_phone_keeps_to_itself(
        line, lang, node_id, word):
    menus = line_menus(line)
    answer = Twilio(line_app(line).test_client()).post("/sms", Body=word.upper())
    assert answer.status == 200, answer.body
    messages = [message.text or "" for message in answer.all("Message")]
    assert len(messages) == 1, answer.body
    text = messages[0]
    assert not lock_screen_words_in(text, menus), text[:LOCK_SCREEN]
    # The reply is the topic's first page, not the index, in one of the languages with this
    # keyword (ANONIM is Polish and Romanian).
    node = menus.nodes[node_id]
    firsts = [pages(menus, node_id, code)[0] for code, words in node.keywords.items()
              if normalize(word) in map(normalize, words)]
    assert text in firsts, (text, firsts)
