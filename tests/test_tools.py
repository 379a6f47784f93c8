"""The operators' tools, each through Flask's CliRunner: check, map, call, text, fallback."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from ivr.cli import with_map
from ivr.flowmap import mermaid
from ivr.utterances import every

from .conftest import FIXTURES, ROOT, shipped_menus
from .test_validation import BROKEN

MENUS = shipped_menus()
GOLDEN = ROOT / "tests" / "golden"
FORWARDS = {"call_police": "8,1", "call_anonymous": "8,2", "call_comensha": "8,3"}


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# -- check -----------------------------------------------------------------------------


def test_check_reports_every_language(app):
    result = run(app, "menus", "check")
    assert result.exit_code == 0, result.output
    for code, language in MENUS.languages.items():
        assert f"  {code} {language.name}: complete, NOT reviewed; " in result.output
    uk = len(every(MENUS, "uk"))
    assert f"uk Українська: complete, NOT reviewed; no voice: recordings {uk} present, 0 " \
           "missing, 0 stale" in result.output
    assert result.output.rstrip().endswith(f"languages {', '.join(MENUS.languages)}.")


def test_check_json_for_machines(app):
    result = run(app, "menus", "check", "--json")
    report = json.loads(result.output)
    assert report["ok"] is True and report["starts"] is True and report["errors"] == []
    assert [lang["code"] for lang in report["languages"]] == list(MENUS.languages)
    uk = next(lang for lang in report["languages"] if lang["code"] == "uk")
    assert uk["recordings"] == {"present": len(every(MENUS, "uk")), "missing": 0, "stale": 0}
    assert all(reply["segments"] <= 3 for lang in report["languages"] for reply in lang["sms"])


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_fails_on_each_broken_fixture_with_its_messages(app, tmp_path, name):
    path = tmp_path / "menus.yaml"
    shutil.copy(FIXTURES / "broken" / f"{name}.yaml", path)
    result = run(app, "menus", "check", str(path))
    assert result.exit_code == 1
    for line in BROKEN[name]:
        assert f"  menus.yaml: {line}" in result.output
    report = json.loads(run(app, "menus", "check", "--json", str(path)).output)
    assert [e["text"] for e in report["errors"]] == [f"menus.yaml: {m}" for m in BROKEN[name]]


def test_check_runs_without_the_app_on_a_file_that_would_stop_it(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ivr.check import main

    broken = tmp_path / "menus.yaml"
    broken.write_text((ROOT / "menus.yaml").read_text().replace(
        '      "3": report\n', '      "3": reprot\n', 1))
    monkeypatch.setenv("MENUS_PATH", str(broken))
    monkeypatch.setenv("AUDIO_DIR", str(ROOT / "audio"))
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 1
    assert ("menus.yaml: node 'main' option '3': unknown target 'reprot' (did you mean "
            "'report'?)") in result.output
    assert "the line will not start with this file." in result.output
    report = json.loads(CliRunner().invoke(main, ["--json"]).output)
    assert report["starts"] is False and len(report["errors"]) >= 1


def test_check_lists_every_sms_reply_with_sms(app):
    result = run(app, "menus", "check", "--sms")
    assert "  first replies to a new sender:" in result.output
    assert "sms index for a first message from unknown country" in result.output


def test_check_says_which_language_is_left_out(app, tmp_path):
    source = (ROOT / "menus.yaml").read_text()
    start = source.index("      pl: >-\n", source.index("\n  signals:\n"))
    end = source.index("\n      ro:", start)
    (tmp_path / "menus.yaml").write_text(source[:start] + source[end + 1:])
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    result = run(app, "menus", "check", str(tmp_path / "menus.yaml"))
    assert result.exit_code == 1
    assert "  pl: INCOMPLETE, 1 error(s): not offered until fixed" in result.output
    assert "the line starts without pl until fixed." in result.output


# -- map -------------------------------------------------------------------------------


def test_map_is_stable_and_shows_forwards_with_number_and_caller_id(app):
    first, second = run(app, "menus", "map").output, run(app, "menus", "map").output
    assert first == second
    assert 'n_main -- "8" --> n_contacts' in first
    assert ("n_call_anonymous{{\"Anoniem melden bij Meld Misdaad Anoniem<br/>→ anonymous "
            "+318007000<br/>caller ID: line's own number\"}}") in first
    for node in MENUS.nodes:
        assert f"    n_{node}" in first


def test_the_map_in_the_readme_is_up_to_date():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = with_map(readme, mermaid(MENUS, MENUS.settings.default_language))
    assert readme == expected, "the call flow changed: run make map"


def test_map_as_dot_and_svg(app, tmp_path):
    dot = run(app, "menus", "map", "--format", "dot", "--lang", "en").output
    assert dot.startswith("digraph line {") and 'n_main -> n_what [label="1"];' in dot
    if shutil.which("dot"):
        out = tmp_path / "map.svg"
        assert run(app, "menus", "map", "--format", "svg", "--output", str(out)).exit_code == 0
        assert "<svg" in out.read_text()


# -- call ------------------------------------------------------------------------------


def transcript(app, lang: str) -> str:
    parts = []
    for node_id, keys in FORWARDS.items():
        result = run(app, "call", "--lang", lang, "--keys", keys)
        assert result.exit_code == 0, result.output
        parts.append(f"## {lang}: to {node_id} with keys {keys}\n{result.output}")
    return "\n".join(parts)


@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_golden_transcript_of_a_call_to_each_forward(app, lang):
    """Set UPDATE_GOLDEN=1 to write them anew after a change of content."""
    got = transcript(app, lang)
    path = GOLDEN / f"call_{lang}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")
    for node_id in FORWARDS:
        contact = MENUS.contacts[MENUS.nodes[node_id].contact]
        assert f"→ forward to {contact.id} {contact.number}, caller ID: line's own number" in got


def test_call_simulates_a_time_out_and_a_failed_forward(app):
    result = run(app, "call", "--lang", "nl", "--keys", "8,,1", "--dial-status", "busy")
    assert "waits 6 s for a key: none (time-out)" in result.output
    assert "Ik heb geen toets gehoord." in result.output
    assert "(the forward ends: busy)" in result.output
    assert "Bel zelf het nummer 0900 88 44, ik herhaal: 0900 88 44." in result.output


def test_call_reads_keys_from_the_keyboard(app):
    result = app.test_cli_runner().invoke(args=["call", "--lang", "en"], input="8\n1\n")
    assert "→ forward to police +319008844" in result.output


def test_call_hangs_up_on_q_and_refuses_what_is_not_a_key(app):
    result = app.test_cli_runner().invoke(args=["call", "--lang", "en"], input="x\nq\n")
    assert "one key: 0-9, * or #" in result.output
    assert "(the caller hangs up)" in result.output
    refused = run(app, "call", "--keys", "12")
    assert refused.exit_code != 0 and "'12' is not a key" in refused.output


def test_call_names_the_recording_that_plays(app):
    result = run(app, "call", "--lang", "uk", "--keys", "2")
    assert "plays recording uk/node.signals.wav: " in result.output


# -- text, fallback, healthz -----------------------------------------------------------


def test_text_prints_the_reply_its_encoding_and_segments(app):
    result = run(app, "text", "POLITIE", "STOP")
    assert "> POLITIE\nPolitie: 0900-8844." in result.output
    assert "(GSM-7, 87 characters, 1 segment(s))" in result.output
    assert "> STOP\n(no reply: Twilio handles this word)" in result.output


@pytest.mark.parametrize(("args", "caller_id"), [([], "{{To}}"),
                                                 (["--line-number", "+3197010000000"],
                                                  "+3197010000000")])
def test_fallback_twiml_gives_the_numbers_and_forwards_to_the_police(app, args, caller_id):
    result = run(app, "menus", "fallback", *args)
    root = ET.fromstring(result.output)
    says = root.findall("Say")
    assert {s.get("language") for s in says} == {"nl-NL", "en-GB"}
    digits = [e.text for e in root.iter("say-as")]
    assert digits.count("112") == 4  # in each greeting, twice
    assert digits.count("0900") >= 4 and digits.count("0800") >= 4
    dial = root.find("Dial")
    assert dial.text == "+319008844" and dial.get("callerId") == caller_id
    assert root[-1].tag == "Hangup"
    # The 112 sentence and the forward come first; the numbers follow if it fails.
    verbs = [child.tag for child in root]
    assert verbs.index("Dial") == 4 and verbs[5:] == ["Say", "Say", "Hangup"]


def test_healthz_is_unsigned_and_says_nothing_else(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert set(response.get_json()) == {"status", "menus_version"}
    assert len(response.get_json()["menus_version"]) == 12
