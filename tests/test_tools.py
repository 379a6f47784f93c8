"""The operators' tools, each through Flask's CliRunner: check, map, call, text, fallback."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.content import catalogue
from ivr.content import model as m
from ivr.content.yamlfile import read_yaml
from ivr.tools.flowmap import readme_chart
from ivr.voice.utterances import every
from sms.keywords import advertised
from sms.replies import render

from .helpers import (
    BROKEN,
    FIXTURES,
    MENUS_PATH,
    ROOT,
    SLOW,
    broken_params,
    need,
    printed,
    printed_once,
    shipped_menus,
)

MENUS = shipped_menus()
SETTINGS = MENUS.settings
# A person is one key away: the global key for the contacts menu, then the contact's key.
CONTACTS_KEY = next(g.key for g in SETTINGS.global_keys if g.action == m.CONTACTS)
CONTACTS = MENUS.nodes[SETTINGS.other_contacts_node]
POLICE = MENUS.contacts[MENUS.nodes[SETTINGS.fallback_node].contact]
EMERGENCY = next(c for c in MENUS.contacts.values() if c.emergency)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# -- check -----------------------------------------------------------------------------


@pytest.mark.slow
def test_check_reports_every_language(app):
    result = run(app, "menus", "check")
    assert result.exit_code == 0, result.output
    texts = len(catalogue.slots(read_yaml(MENUS_PATH)[0]))
    for code, language in MENUS.languages.items():
        review = "NOT reviewed" if code == "nl" else f"reviewed 0/{texts}, 0 stale text(s)"
        assert f"  {code} {language.name}: complete, {review}; " in result.output
    uk = len(every(MENUS, "uk"))
    assert f"uk Українська: complete, reviewed 0/{texts}, 0 stale text(s); no voice: " \
           f"recordings {uk} present, 0 missing, 0 stale" in result.output
    assert result.output.rstrip().endswith(f"languages {', '.join(MENUS.languages)}.")


@pytest.mark.slow
def test_check_json_for_machines(app):
    result = run(app, "menus", "check", "--json")
    report = json.loads(result.output)
    assert report["ok"] is True and report["starts"] is True and report["errors"] == []
    assert [lang["code"] for lang in report["languages"]] == list(MENUS.languages)
    uk = next(lang for lang in report["languages"] if lang["code"] == "uk")
    assert uk["recordings"] == {"present": len(every(MENUS, "uk")), "missing": 0, "stale": 0}
    assert all(reply["segments"] <= 3 for lang in report["languages"] for reply in lang["sms"])
    # What a locked phone shows of each reply: the header, never a word of the subject.
    from sms.keywords import normalize

    words = {normalize(w) for ws in MENUS.sms.lock_screen_words.values() for w in ws}
    replies = [r for lang in report["languages"] for r in lang["sms"]]
    replies += report["first_contact_sms"]
    assert replies and all(len(r["preview"]) <= 60 for r in replies)
    assert [r["reply"] for r in replies if any(w in normalize(r["preview"]) for w in words)] == []
    assert all(EMERGENCY.display in r["preview"] for r in replies)


@pytest.mark.parametrize("name", broken_params())
def test_check_fails_on_each_broken_fixture_with_its_messages(app, tmp_path, name):
    path = tmp_path / "menus.yaml"
    shutil.copy(FIXTURES / "broken" / f"{name}.yaml", path)
    result = run(app, "menus", "check", str(path))
    assert result.exit_code == 1
    for line in BROKEN[name]:
        assert f"  menus.yaml: {line}" in result.output
    report = json.loads(run(app, "menus", "check", "--json", str(path)).output)
    assert [e["text"] for e in report["errors"]] == [f"menus.yaml: {m}" for m in BROKEN[name]]


@pytest.mark.parametrize("name", sorted(SLOW))
def test_check_fails_on_a_broken_time_goal_though_the_line_starts(app, tmp_path, name):
    """Seven main-menu choices, a prompt over 25 s: ivr/timing.py's goals, which only the
    check report holds (make check, python -m ivr.tools.check, flask menus check)."""
    from click.testing import CliRunner

    from ivr.tools.check import main

    path = tmp_path / "menus.yaml"
    shutil.copy(FIXTURES / "slow" / f"{name}.yaml", path)
    for result in (run(app, "menus", "check", str(path)), CliRunner().invoke(main, [str(path)])):
        assert result.exit_code == 1, result.output
        for line in SLOW[name]:
            assert f"  menus.yaml: {line}" in result.output
        assert "Time to act, for a caller with a Dutch mobile number: " in result.output
    report = json.loads(run(app, "menus", "check", "--json", str(path)).output)
    assert report["ok"] is False and report["starts"] is True
    assert [e["text"] for e in report["errors"]] == [f"menus.yaml: {m}" for m in SLOW[name]]


def test_the_verdict_on_a_broken_time_goal_names_what_to_fix(app, tmp_path):
    path = tmp_path / "menus.yaml"
    shutil.copy(FIXTURES / "slow" / "main_seven_choices.yaml", path)
    verdict = run(app, "menus", "check", str(path)).output.rstrip().splitlines()[-1]
    assert verdict.startswith(f"{path}: 1 error(s), 0 warning(s); ")
    assert verdict.endswith("the line starts, but callers wait too long: fix it.")


@pytest.mark.slow
def test_check_shows_the_time_goals_of_the_shipped_menus(app):
    from ivr.voice import timing

    report = json.loads(run(app, "menus", "check", "--json").output)
    assert 0 < report["greeting_seconds"] <= timing.GREETING_MAX
    assert report["greeting_seconds"] < report["languages_offered_seconds"] <= timing.LANGUAGES_MAX
    home = next(lang for lang in report["languages"] if lang["code"] == SETTINGS.default_language)
    forwards = [n.id for n in MENUS.nodes.values() if n.kind == m.FORWARD]
    assert sorted(home["forwards"]) == sorted(forwards)
    assert all(0 < seconds <= timing.FORWARD_MAX for seconds in home["forwards"].values())
    for lang in report["languages"]:
        assert 0 < lang["longest_seconds"] <= timing.PROMPT_MAX, lang["code"]
    text = run(app, "menus", "check").output
    assert "Time to act, for a caller with a Dutch mobile number: the greeting " in text
    assert "      to be put through (s of listening): call_anonymous " in text


def test_check_runs_without_the_app_on_a_file_that_would_stop_it(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ivr.tools.check import main

    broken = tmp_path / "menus.yaml"
    source = (ROOT / "menus.yaml").read_text()
    start = source.index(f"\n  {SETTINGS.main_node}:\n")
    key, target = next((o.key, o.target) for o in MENUS.nodes[SETTINGS.main_node].options
                       if o.target == "report")
    option = f'      "{key}": {target}\n'
    start = source.index(option, start)
    broken.write_text(source[:start] + option.replace(target, "reprot") +
                      source[start + len(option):])
    monkeypatch.setenv("MENUS_PATH", str(broken))
    monkeypatch.setenv("AUDIO_DIR", str(ROOT / "audio"))
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 1
    assert (f"menus.yaml: node '{SETTINGS.main_node}' option '{key}': unknown target 'reprot' "
            "(did you mean 'report'?)") in result.output
    assert "the line will not start with this file." in result.output
    report = json.loads(CliRunner().invoke(main, ["--json"]).output)
    assert report["starts"] is False and len(report["errors"]) >= 1


def check_command(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`make check ARGS=...` as the Makefile runs it, with neither MENUS_PATH nor AUDIO_DIR
    set; from elsewhere than the root, with the repository on the import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("MENUS_PATH", "AUDIO_DIR")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "ivr.tools.check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("where", ["root", "elsewhere"])
@pytest.mark.slow
def test_check_with_no_file_reads_the_shipped_menus_wherever_it_runs(tmp_path, where):
    done = check_command(ROOT if where == "root" else tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith(f"{MENUS_PATH}: OK: 0 error(s), "), last
    assert last.endswith(f"; languages {', '.join(MENUS.languages)}."), last


@pytest.mark.slow
def test_check_with_no_file_lists_sms_replies_and_answers_json(tmp_path):
    sms = check_command(ROOT, "--sms")
    assert sms.returncode == 0, sms.stdout + sms.stderr
    assert "  first replies to a new sender:" in sms.stdout
    assert sms.stdout.rstrip().splitlines()[-1].startswith(f"{MENUS_PATH}: OK: ")
    answer = check_command(tmp_path, "--json")
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert (report["file"], report["ok"], report["errors"]) == (str(MENUS_PATH), True, [])
    assert [lang["code"] for lang in report["languages"]] == list(MENUS.languages)


def test_every_python_module_the_docs_run_exists():
    """The commands the README, the docs and the example line give are real ones."""
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("*.md"),
            *(ROOT / "examples").rglob("*.yaml"), ROOT / "menus.yaml", ROOT / "Makefile"]
    named = {(path.relative_to(ROOT), module) for path in docs
             for module in re.findall(r"python3? -m ([A-Za-z_][\w.]*)", path.read_text())}
    assert named, "no python -m in the docs: the test looks in the wrong place"
    missing = [(str(path), module) for path, module in sorted(named)
               if importlib.util.find_spec(module) is None]
    assert missing == []


@pytest.mark.slow
def test_check_lists_every_sms_reply_with_sms(app):
    result = run(app, "menus", "check", "--sms")
    assert "  first replies to a new sender:" in result.output
    assert "sms index for a first message from unknown country" in result.output
    header = render(MENUS, MENUS.prompt("sms_header", "nl"))
    assert f'segment(s); lock screen: "{header[:60]}"' in result.output


@pytest.mark.slow
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
    assert ("n_call_anonymous{{\"Anoniem melden, Meld Misdaad Anoniem bellen<br/>→ anonymous "
            "+318007000<br/>caller ID: line's own number\"}}") in first
    for node in MENUS.nodes:
        assert f"    n_{node}" in first


def test_map_shows_the_new_flow_and_nothing_dotted_dials(app):
    """Keys are solid arrows; silence is dotted, and no dotted arrow ends in a forward:
    silence and the misses lead to the offer, and only its key to the police."""
    chart = run(app, "menus", "map").output
    lines = chart.splitlines()
    forwards = {f"n_{n.id}" for n in MENUS.nodes.values() if n.kind == m.FORWARD}
    dotted = [line for line in lines if ".->" in line or "-.->" in line]
    assert dotted and not [line for line in dotted if line.split()[-1] in forwards]
    # '#' leads to the contacts menu from everywhere, the language menu included.
    assert any(f'-- "{CONTACTS_KEY}" --> n_{CONTACTS.id}' in line and "language" in line
               for line in lines)
    for node in MENUS.nodes.values():
        if node.kind == m.PAGE:
            assert f'    n_{node.id}("{node.title["nl"]}")' in lines
        for option in node.options:
            assert f'    n_{node.id} -- "{option.key}" --> n_{option.target}' in lines
    misses = next(line for line in lines if line.lstrip().startswith("x_misses"))
    assert f"silence, {SETTINGS.max_misses} wrong keys in a row, or an error" in misses
    assert not [line for line in dotted if '"silence"' in line]  # silence: only to the offer
    assert f"n_{SETTINGS.fallback_node}" not in misses
    assert f'    x_offer -- "{SETTINGS.connect_key}" --> n_{SETTINGS.fallback_node}' in lines
    fallback = f"--> n_{SETTINGS.fallback_node}"
    police_in = [line for line in lines if line.rstrip().endswith(fallback)]
    assert all('-- "' in line for line in police_in)  # each one a key


@pytest.mark.slow
def test_the_map_in_the_readme_is_up_to_date():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_chart(MENUS_PATH) in readme  # the Dutch line's map, as cog makes it
    done = subprocess.run([str(Path(sys.executable).parent / "cog"), "-I", ".", "--check",
                           "README.md"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the call flow changed: run make map\n{done.stdout}"


def test_map_as_dot(app):
    dot = run(app, "menus", "map", "--format", "dot", "--lang", "en").output
    main = MENUS.nodes[SETTINGS.main_node]
    assert dot.startswith("digraph line {")
    for option in main.options:
        assert f'n_{main.id} -> n_{option.target} [label="{option.key}"];' in dot
    assert f'x_contacts -> n_{CONTACTS.id} [label="{CONTACTS_KEY}"];' in dot
    assert "style=dotted" not in dot  # no silence leads anywhere but to the offer
    assert f"x_misses -> n_{SETTINGS.fallback_node}" not in dot
    assert f'x_offer -> n_{SETTINGS.fallback_node} [label="{SETTINGS.connect_key}"];' in dot


def test_map_as_svg(app, tmp_path):
    need("dot")
    out = tmp_path / "map.svg"
    assert run(app, "menus", "map", "--format", "svg", "--output", str(out)).exit_code == 0
    assert "<svg" in out.read_text()


# -- call ------------------------------------------------------------------------------


def said(lang: str, text: str, **values: str) -> str:
    return printed(MENUS, lang, text, **values)


def said_once(lang: str, text: str) -> str:
    """A text that says its numbers once (see prompts.PromptSpec.numbers_once)."""
    return printed_once(MENUS, lang, text)


def option_said(lang: str, title: str, key: str) -> str:
    return said(lang, MENUS.prompt("option", lang), title=title, key=key)


def key_to(node_id: str, target: str) -> str:
    return next(o.key for o in MENUS.nodes[node_id].options if o.target == target)


def test_call_simulates_a_time_out_and_a_failed_forward(app):
    keys = f"{CONTACTS_KEY},,{key_to(CONTACTS.id, SETTINGS.fallback_node)}"
    result = run(app, "call", "--lang", "nl", "--keys", keys, "--dial-status", "busy")
    assert f"waits {SETTINGS.input_timeout} s for a key: none (time-out)" in result.output
    assert last_chance("nl")[0] in result.output
    assert "(the forward ends: busy)" in result.output
    assert said("nl", MENUS.prompt("dial_failed", "nl"), name=POLICE.names["nl"],
                number=said("nl", "{" + POLICE.id + "}")) in result.output
    assert result.output.count("→ forward to") == 1


def last_chance(lang: str) -> list[str]:
    """What the line says at the miss limit: 112 and the numbers, then the one-key offer."""
    fallback = MENUS.nodes[SETTINGS.fallback_node]
    return [said_once(lang, MENUS.prompt("too_many_misses", lang)),
            said_once(lang, MENUS.prompt("anonymous_number", lang)),
            option_said(lang, fallback.title[lang], SETTINGS.connect_key)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_call_at_the_miss_limit_offers_the_police_and_dials_nothing_unasked(app, lang):
    silence = ",".join(["", ""])  # silence in the menu, and none at the offer
    output = run(app, "call", "--lang", lang, "--keys", silence).output
    assert "→ forward" not in output
    lines = [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("  says")]
    assert lines[-len(last_chance(lang)) - 1:] == [*last_chance(lang),
                                                   MENUS.prompt("goodbye", lang)]
    # The goodbye and the hang-up come only after the offer met silence.
    tail = output.splitlines()[-3:]
    assert tail[0].startswith("  waits") and tail[-1] == "  the line hangs up"
    # The menu's wait, then the offer's (the numbers and the offer are listened to as one).
    assert output.count("for a key: none (time-out)") == 2
    # The offered key puts the caller through.
    keyed = ",".join(["", SETTINGS.connect_key])
    output = run(app, "call", "--lang", lang, "--keys", keyed).output
    assert output.count(f"→ forward to {POLICE.id} {POLICE.number}") == 1
    assert MENUS.prompt("goodbye", lang) not in output


def test_call_silence_on_a_page_gives_the_numbers_once_and_the_offer(app):
    page = MENUS.nodes["signals"]
    assert page.kind == m.PAGE
    keys = f"{key_to(SETTINGS.main_node, page.id)},,"
    output = run(app, "call", "--lang", "nl", "--keys", keys).output
    text = said("nl", page.say["nl"])
    assert output.count(text) == 1
    after = output[output.index(text):]
    assert all(said_once in after for said_once in last_chance("nl"))
    assert after.count(" ".join(POLICE.spoken)) == 1
    assert "→ forward" not in output and output.rstrip().endswith("the line hangs up")


def test_call_silence_after_a_failed_forward_ends_in_the_offer_not_a_dial(app):
    keys = ",".join([CONTACTS_KEY, key_to(CONTACTS.id, SETTINGS.fallback_node), "", ""])
    output = run(app, "call", "--lang", "nl", "--keys", keys, "--dial-status", "busy").output
    assert output.count("→ forward to") == 1  # the one asked for, and no other
    assert "(the forward ends: busy)" in output
    assert all(text in output for text in last_chance("nl"))
    assert output.rstrip().endswith("the line hangs up")


def test_call_reads_keys_from_the_keyboard(app):
    police = key_to(CONTACTS.id, SETTINGS.fallback_node)
    result = app.test_cli_runner().invoke(args=["call", "--lang", "en"],
                                          input=f"{CONTACTS_KEY}\n{police}\n")
    assert f"→ forward to {POLICE.id} {POLICE.number}" in result.output


def test_call_hangs_up_on_q_and_refuses_what_is_not_a_key(app):
    result = app.test_cli_runner().invoke(args=["call", "--lang", "en"], input="x\nq\n")
    assert "one key: 0-9, * or #" in result.output
    assert "(the caller hangs up)" in result.output
    refused = run(app, "call", "--keys", "12")
    assert refused.exit_code != 0 and "'12' is not a key" in refused.output


def test_call_names_the_recording_that_plays(app):
    result = run(app, "call", "--lang", "uk", "--keys", key_to(SETTINGS.main_node, "signals"))
    assert "plays recording uk/node.signals.wav: " in result.output


# -- text, fallback, healthz -----------------------------------------------------------


def test_text_prints_the_reply_its_encoding_and_segments(app):
    from sms.segments import count

    result = run(app, "text", "POLITIE", "STOP")
    header = render(MENUS, MENUS.prompt("sms_header", "nl"))
    reply = f"{header}\n{render(MENUS, MENUS.nodes['call_police'].sms['nl'])}"
    assert "POLITIE" in MENUS.nodes["call_police"].keywords["nl"]
    assert f"> POLITIE\n{reply}\n" in result.output
    assert EMERGENCY.display in header and "\n" not in header
    cost = count(reply)
    assert (f"({cost.encoding}, {len(reply)} characters, {cost.segments} segment(s))"
            in result.output)
    assert "> STOP\n(no reply: Twilio handles this word)" in result.output


CONNECT_URL = "https://handler.twilio.com/twiml/EH0123456789abcdef"
DOCUMENTS = ("voice-connect.xml", "sms-fallback.xml", "voice-fallback.xml")


def fallback_documents(output: str) -> dict[str, ET.Element]:
    """The three documents `menus fallback` prints, each after its `<!-- name -->` line."""
    parts = re.split(r"^<!-- (\S+) -->\n", output, flags=re.M)
    assert parts[0] == ""
    return {name: ET.fromstring(text.strip()) for name, text in zip(parts[1::2], parts[2::2],
                                                                       strict=True)}


def greeting_says(root: ET.Element, prompt_id: str,
                  **values: dict[str, str]) -> list[ET.Element]:
    """The <Say>s of a prompt in the greeting languages, in their order."""
    texts = [said(lang, MENUS.prompt(prompt_id, lang), **values.get(lang, {}))
             for lang in SETTINGS.greeting_languages]
    from ivr.voice.simulate import spoken

    found = [say for say in root.iter("Say") if spoken(say) in texts]
    assert [spoken(say) for say in found] == texts, [spoken(say) for say in root.iter("Say")]
    return found


@pytest.mark.parametrize(("args", "caller_id"), [([], "{{To}}"),
                                                 (["--line-number", "+3197010000000"],
                                                  "+3197010000000")])
def test_fallback_twiml_gives_the_numbers_and_dials_only_after_a_key(app, args, caller_id):
    result = run(app, "menus", "fallback", "--connect-url", CONNECT_URL, *args)
    assert result.exit_code == 0, result.output
    documents = fallback_documents(result.output)
    assert list(documents) == list(DOCUMENTS)
    languages = {MENUS.languages[lang].say_language for lang in SETTINGS.greeting_languages}
    # 1. The fallback URL: 112 and the numbers, the offer of a key, goodbye. Never a Dial.
    voice = documents["voice-fallback.xml"]
    assert voice.find(".//Dial") is None and voice.find(".//Redirect") is None
    assert {say.get("language") for say in voice.iter("Say")} == languages
    verbs = [child.tag for child in voice]
    gather = voice.find("Gather")
    assert gather is not None
    assert verbs.count("Gather") == 1 and gather.get("action") == CONNECT_URL
    assert gather.get("numDigits") == "1" and gather.get("method") == "POST"
    # The numbers and the offer stand before the Gather, which opens only once they have
    # been heard: a key still being pressed for a call's menus is not taken for the offer.
    assert list(gather) == []
    before = voice[:verbs.index("Gather")]
    digits = [e.text for say in before for e in say.iter("say-as")]
    assert digits.count(EMERGENCY.display) == len(languages)  # 112 once in each language
    for contact in (POLICE, MENUS.contacts["anonymous"]):
        assert digits.count(contact.spoken[0]) == len(languages)  # once, as after silence
    names = {lang: {"name": POLICE.names[lang]} for lang in SETTINGS.greeting_languages}
    offers = greeting_says(voice, "fallback_connect", **names)
    assert offers == list(before[-len(languages):])
    # Silence: goodbye in each language, then the line hangs up.
    after = voice[verbs.index("Gather") + 1:]
    assert [e.tag for e in after] == ["Say"] * len(languages) + ["Hangup"]
    assert greeting_says(voice, "goodbye") == after[:-1]
    # 2. The second document, fetched only by that key: the police, with the line's number.
    connect = documents["voice-connect.xml"]
    assert connect[0].tag == "Dial" and len(connect.findall(".//Dial")) == 1
    assert connect[0].text == POLICE.number and connect[0].get("callerId") == caller_id
    assert connect[-1].tag == "Hangup" and connect.find(".//Gather") is None
    assert greeting_says(connect, "goodbye")
    # 3. The SMS fallback: the index under the header line, which carries 112, with the
    # police and CoMensha before it, and only keywords that reach the line.
    messages = documents["sms-fallback.xml"].findall("Message")
    assert len(messages) == 1
    index = messages[0].text or ""
    first_line, *rest = index.splitlines()
    assert first_line == render(MENUS, MENUS.prompt("sms_header", SETTINGS.default_language))
    assert EMERGENCY.display in first_line
    assert rest[:2] == [f"Politie: {POLICE.display}",
                        f"CoMensha, opvang en hulp: {MENUS.contacts['comensha'].display}"]
    for node_id in MENUS.sms.topics:
        keywords = MENUS.nodes[node_id].keywords[SETTINGS.default_language]
        shown = advertised(keywords)
        assert shown is not None and shown in index


def test_fallback_writes_the_three_documents_to_a_folder(app, tmp_path):
    out = tmp_path / "twiml"
    result = run(app, "menus", "fallback", "--connect-url", CONNECT_URL, "--output-dir", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(DOCUMENTS)
    printed = fallback_documents(run(app, "menus", "fallback", "--connect-url",
                                     CONNECT_URL).output)
    for name in DOCUMENTS:
        assert f"wrote {out / name}" in result.output
        text = (out / name).read_text(encoding="utf-8")
        assert text.startswith("<?xml") and text.endswith("</Response>\n")
        assert ET.tostring(ET.fromstring(text)) == ET.tostring(printed[name])


def test_fallback_without_the_connect_url_writes_the_connect_bin_first(app, tmp_path):
    """The second Bin is made first: its URL is what the first one needs."""
    result = run(app, "menus", "fallback", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sms-fallback.xml",
                                                           "voice-connect.xml"]
    assert "voice-fallback.xml needs --connect-url" in result.output


def test_fallback_needs_a_line_number_in_e164(app):
    result = run(app, "menus", "fallback", "--connect-url", CONNECT_URL, "--line-number", "0612")
    assert result.exit_code != 0
    assert "E.164" in result.output


def test_healthz_is_unsigned_and_says_nothing_else(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert set(response.get_json()) == {"status", "menus_version", "stores"}
    assert len(response.get_json()["menus_version"]) == 12
    assert response.get_json()["stores"] == {"caps": "ok", "usage": "ok"}
