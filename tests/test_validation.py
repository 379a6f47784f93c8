"""menus.yaml is checked once, at start-up: each broken fixture fails with its exact message."""

from __future__ import annotations

import re
import shutil

import pytest

from app import StartRefused, create_app
from ivr.content.problems import MenuError
from ivr.content.voices import VOICES_PAGE, voice_problem
from ivr.lines import check_file, load_menus

from .helpers import (
    BROKEN,
    FIXTURES,
    MENUS_PATH,
    SLOW,
    TOKEN,
    Twilio,
    broken_params,
    shipped_menus,
)


def test_every_broken_fixture_has_its_expected_messages():
    assert sorted(BROKEN) == sorted(p.stem for p in (FIXTURES / "broken").glob("*.yaml"))
    assert sorted(SLOW) == sorted(p.stem for p in (FIXTURES / "slow").glob("*.yaml"))


def test_each_fixture_breaks_the_minimal_one_in_one_place():
    """Each fixture is the minimal file with one change (and its first comment line)."""
    import difflib

    base = (FIXTURES / "minimal.yaml").read_text().splitlines()[1:]
    for path in sorted((FIXTURES / "broken").glob("*.yaml")) + sorted(
            (FIXTURES / "slow").glob("*.yaml")):
        lines = path.read_text().splitlines()
        assert lines[0].startswith("# Broken on purpose: "), path.name
        changes = [op for op in difflib.SequenceMatcher(None, base, lines[1:]).get_opcodes()
                   if op[0] != "equal"]
        assert 1 <= len(changes) <= 3, (path.name, changes)


@pytest.mark.parametrize("name", broken_params())
def test_broken_fixture_fails_with_its_exact_messages(name):
    menus, problems = check_file(FIXTURES / "broken" / f"{name}.yaml")
    assert menus is None
    assert [str(p) for p in problems] == [f"{name}.yaml: {line}" for line in BROKEN[name]]


def test_the_shipped_menus_and_the_minimal_fixture_are_valid():
    menus, problems = check_file(FIXTURES / "minimal.yaml")
    assert menus is not None, [str(p) for p in problems]
    assert problems == []
    menus, problems = check_file(MENUS_PATH)
    assert menus is not None, [str(p) for p in problems]
    # Only the honest review status of each language, and the reminder that Twilio's own
    # HELP and INFO replies must be switched off.
    unreviewed = [f"menus.yaml: language '{code}': warning: not yet reviewed by a native "
                  "speaker (reviewed: false)"
                  for code, language in menus.languages.items() if not language.reviewed]
    carrier = [f"menus.yaml: sms keyword '{word}': warning: Twilio answers this word with its "
               "default help text unless that is switched off for the number (see README, SMS)"
               for word in ("INFO", "HELP")]
    assert sorted(str(p) for p in problems) == sorted(unreviewed + carrier)


def test_a_broken_file_stops_the_app_with_every_problem(tmp_path):
    with pytest.raises(StartRefused) as stopped:
        create_app({"MENUS_PATH": str(FIXTURES / "broken" / "many_problems.yaml")})
    message = stopped.value.message
    assert stopped.value.code == 1  # no message for Python to print as plain text
    assert message.startswith("fix many_problems.yaml (make check lists the problems).\n"
                              "4 problem(s) in the menus:")
    assert "unknown target 'reprot' (did you mean 'report'?)" in message
    assert "'+31800' is not a valid phone number" in message


def test_a_missing_file_is_named():
    with pytest.raises(MenuError) as failed:
        load_menus("/nowhere/menus.yaml")
    assert "menus.yaml: cannot read the file" in str(failed.value)


def test_the_model_is_immutable(menus):
    with pytest.raises(TypeError):
        menus.nodes["main"] = None
    with pytest.raises(AttributeError):
        menus.nodes["main"].say = {}


def test_an_object_made_again_is_checked_by_the_same_definition(menus):
    """dataclasses.replace (ivr.lines, the report, tests) makes an object through the
    field's one definition: a value the file could not have is refused there too, and an
    object made again equals the one read, hashing as it did."""
    import dataclasses

    from pydantic import ValidationError

    for made in (*menus.nodes.values(), *menus.contacts.values(), *menus.languages.values(),
                 menus.settings, menus.sms):
        assert dataclasses.replace(made) == made
    language = menus.languages["nl"]
    assert hash(dataclasses.replace(language)) == hash(language)
    with pytest.raises(ValidationError, match="'10' must be one digit 0-8"):
        dataclasses.replace(language, key="10")
    with pytest.raises(ValidationError, match="must be a whole number from 1 to 9"):
        dataclasses.replace(menus.settings, max_misses=0)


def test_adding_a_node_is_a_yaml_change_only(tmp_path):
    """A new node in the YAML is served with no code change."""
    source = (FIXTURES / "minimal.yaml").read_text()
    extra = ("  extra:\n    title: {nl: Extra}\n    say: {nl: Nieuw onderwerp.}\n"
             "    options:\n      \"1\": main\n")
    changed = source.replace('      "1": report\n', '      "1": report\n      "2": extra\n', 1)
    path = tmp_path / "menus.yaml"
    path.write_text(changed.replace("nodes:\n", "nodes:\n" + extra, 1))
    menus, _ = load_menus(path)
    assert menus.nodes["signals"].target_for("2") == "extra"
    twilio = Twilio(create_app({"MENUS_PATH": str(path), "TWILIO_AUTH_TOKEN": TOKEN}).test_client())
    answer = twilio.post("/voice/nl/signals/input?miss=0", Digits="2")
    assert "Nieuw onderwerp." in answer.spoken()


@pytest.mark.slow
def test_cli_check_passes_on_the_shipped_file(app):
    result = app.test_cli_runner().invoke(args=["menus", "check"])
    assert result.exit_code == 0, result.output
    assert f"languages {', '.join(shipped_menus().languages)}." in result.output


def test_cli_check_fails_on_a_broken_file_and_lists_every_problem(app, tmp_path):
    broken = tmp_path / "menus.yaml"
    shutil.copy(FIXTURES / "broken" / "many_problems.yaml", broken)
    result = app.test_cli_runner().invoke(args=["menus", "check", str(broken)])
    assert result.exit_code == 1
    for line in BROKEN["many_problems"]:
        assert f"menus.yaml: {line}" in result.output
    assert "4 error(s)" in result.output


@pytest.mark.parametrize(("voice", "language", "problem"), [
    ("Polly.Lotte", "nl-NL", None),
    ("Polly.Laura-Neural", "nl-NL", None),
    ("Google.bg-BG-Standard-B", "bg-BG", None),
    # Voices of Twilio's list the line's own table did not have.
    ("Polly.Filiz", "tr-TR", None),
    ("Polly.Burcu-Neural", "tr-TR", None),
    ("Polly.Joanna-Generative", "en-US", None),
    ("Google.tr-TR-Chirp3-HD-Kore", "tr-TR", None),
    ("Polly.Aditi", "hi-IN", None),
    # Newer Polly voices of Amazon's table and Twilio's list.
    ("Polly.Ruth-Generative", "en-US", None),
    ("Polly.Danielle-Neural", "en-US", None),
    ("Polly.Hannah", "de-AT", None),
    ("Polly.Isabelle-Neural", "fr-BE", None),
    ("Polly.Suvi", "fi-FI", None),
    ("Polly.Kajal-Neural", "hi-IN", None),
    ("Polly.Tomoko", "ja-JP", None),
    ("woman", "en-GB", None),
    ("Polly.Lotte", "en-GB", "'Polly.Lotte' speaks 'nl-NL', not 'en-GB'"),
    ("Polly.Aditi", "nl-NL", "'Polly.Aditi' speaks 'en-IN' or 'hi-IN', not 'nl-NL'"),
    ("Google.nl-NL-Standard-A", "en-GB", "'Google.nl-NL-Standard-A' speaks 'nl-NL', not 'en-GB'"),
    ("Polly.Filis", "tr-TR", "'Polly.Filis' is not a voice Twilio lists for <Say> (did you "
     f"mean 'Polly.Filiz'?); see {VOICES_PAGE}"),
    ("Polly.Nobody", "nl-NL", "'Polly.Nobody' is not a voice Twilio lists for <Say> (did you "
     f"mean 'Polly.Ruben'?); see {VOICES_PAGE}"),
    ("Google.Standard-A", "nl-NL",
     f"'Google.Standard-A' is not a voice Twilio lists for <Say>; see {VOICES_PAGE}"),
])
def test_voice_must_speak_the_language(voice, language, problem):
    assert voice_problem(voice, language) == problem


def test_a_language_in_a_voice_the_line_did_not_know_loads(tmp_path):
    """Turkish in Polly.Filiz, a voice on Twilio's list, was refused as unknown."""
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    old = "say_language: nl-NL, voice: Polly.Lotte"
    assert old in text
    path = tmp_path / "menus.yaml"
    path.write_text(text.replace(old, "say_language: tr-TR, voice: Polly.Filiz"), "utf-8")
    menus, problems = check_file(path)
    assert menus is not None and problems == [], [str(p) for p in problems]
    assert menus.languages["nl"].voice == "Polly.Filiz"


def test_the_voice_table_is_one_well_formed_row_per_voice_and_language():
    """voices.csv: each row a name as Twilio writes it and a <Say> language, none twice,
    and every voice of the shipped lines in it."""
    import csv

    from ivr.content.voices import TABLE, voices

    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    rows = [(row["voice"], row["language"]) for row in csv.DictReader(lines)]
    assert len(rows) == len(set(rows)) == sum(len(langs) for langs in voices().values())
    assert len(rows) > 80
    for voice, language in rows:
        assert re.fullmatch(r"Polly\.[A-Z][a-z]+|man|woman", voice), voice
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2}(-[A-Z]{3})?)?", language), language
    for language in shipped_menus().languages.values():
        assert language.voice is None or voice_problem(language.voice,
                                                       language.say_language) is None


@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_broken_time_goal_loads_and_serves_but_fails_the_check(name):
    """A main menu with 7 choices or a prompt over 25 s is no reason to refuse to start
    (the caller still gets an answer), but make check fails on it with its exact message."""
    from ivr.tools.report import build_report

    path = FIXTURES / "slow" / f"{name}.yaml"
    menus, problems = check_file(path)
    assert menus is not None and problems == [], [str(p) for p in problems]
    report = build_report(path, None)
    assert report.starts is True and report.ok is False
    assert [e["text"] for e in report.errors] == [f"{name}.yaml: {m}" for m in SLOW[name]]


def test_the_minimal_fixture_meets_the_time_goals():
    from ivr.voice import timing

    menus, _ = load_menus(FIXTURES / "minimal.yaml")
    assert timing.problems(menus, "minimal.yaml") == []
    first, last = timing.greeting(menus, timing.HOME)
    assert 0 < first <= last <= timing.LANGUAGES_MAX


def read_texts(node_id: str, field: str, texts: dict[str, str]):
    """The minimal file with one field of a node in the given languages (a language the
    file has not is added), read by the loader: the field as read, and its problems."""
    import yaml

    from ivr.content.loader import build
    from ivr.content.problems import Collector

    raw = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    for key, lang in enumerate(sorted(set(texts) - {"nl"}), start=2):
        raw["languages"].append({"code": lang, "name": lang, "say_language": "en-GB",
                                 "key": str(key)})
    raw["nodes"][node_id][field] = texts
    out = Collector("menus.yaml")
    menus = build(raw, out)
    assert menus is not None
    where = f"node '{node_id}' field '{field}' ("
    return getattr(menus.nodes[node_id], field), [
        p for p in out.problems if p.where.startswith(where)]


@pytest.mark.parametrize(("char", "kind"), [
    ("\x00", "a control character"), ("\x08", "a control character"),
    ("\x7f", "a control character"), ("\x85", "a control character"),
    ("\ufffe", "a noncharacter"), ("\ufdd0", "a noncharacter"),
    ("\U0001ffff", "a noncharacter"), ("\ud800", "half of a surrogate pair"),
])
def test_a_character_that_is_no_text_is_refused_with_its_code_and_place(char, kind):
    said, problems = read_texts("signals", "say", {"nl": f"Kies{char}.", "en": "Choose."})
    assert [(str(p), p.lang) for p in problems] == [(
        f"menus.yaml: node 'signals' field 'say' (nl): contains U+{ord(char):04X}, {kind} that "
        "cannot be said or sent: remove it", "nl")]
    assert dict(said) == {"en": "Choose."}


def test_line_breaks_and_tabs_are_text():
    said, problems = read_texts("signals", "sms", {"nl": "Politie:\t{police}\nKlaar."})
    assert problems == [] and said["nl"] == "Politie: {police}\nKlaar."


@pytest.mark.parametrize(("field", "most"), [("say", 1_000), ("title", 1_000), ("sms", 1_600)])
def test_a_text_is_bounded_in_characters_an_sms_topic_by_one_message(field, most):
    """A text without spaces passed the time model, which counts words; an SMS topic is
    read in pages, but goes whole on WhatsApp, in one message of at most 1,600."""
    word = "Proszę-wybrać-temat."
    fits, over = word * (most // len(word)), "x" * (most + 1)
    said, problems = read_texts("main", field, {"pl": fits, "nl": over})
    assert dict(said) == {"pl": fits}
    assert [str(p) for p in problems] == [
        f"menus.yaml: node 'main' field '{field}' (nl): {most + 1:,} characters; at most "
        f"{most:,} in one text: shorten it, or split it into a page and a 'more' option"]
