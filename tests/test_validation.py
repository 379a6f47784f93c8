"""menus.yaml is checked once, at start-up: each broken fixture fails with its exact message."""

from __future__ import annotations

import shutil

import pytest

from app import create_app
from ivr.loader import check_file, load_menus
from ivr.problems import MenuError

from .conftest import FIXTURES, MENUS_PATH, TOKEN, Twilio, shipped_menus

PLACEHOLDER = ("write phone numbers as a contact placeholder such as {police}, so that they "
               "are spoken digit by digit and checked")
UNREACHABLE = "nothing leads to this node; add it as an option of a menu or remove it"

BROKEN = {
    "anonymous_pass_through": [
        "contact 'anonymous': field 'caller_id': an anonymous line must never receive the "
        "caller's number; set caller_id: line"],
    "anonymous_quoted_true": [
        "contact 'anonymous': field 'anonymous': 'true' must be true or false, without quotes",
        "contact 'anonymous': field 'caller_id': an anonymous line must never receive the "
        "caller's number; set caller_id: line"],
    "dial_failed_without_number": [
        "prompt 'error' (nl): must give a number to call, such as {police}: a caller may hear "
        "nothing after it",
        "prompt 'dial_failed' (nl): must use the placeholder '{number}'"],
    "sms_carrier_word": [
        "sms keyword 'STOP': Twilio treats this word as an opt-out or opt-in and answers it "
        "itself; choose another"],
    "sms_keyword_clash": [
        "sms keyword 'SIGNALEN': means two things: topic 'call_police' (nl) and topic "
        "'signals' (nl); give each its own word"],
    "sms_missing_topic_text": [
        "node 'call_police': an SMS topic needs field 'sms' in every language (nl)"],
    "sms_too_long": [
        "node 'signals' field 'sms' (nl): 4 SMS segments (GSM-7, 559 characters); at most 3: "
        "shorten it, or split a long sentence"],
    "voice_mismatch": ["language 'nl': field 'voice': 'Polly.Amy' speaks 'en-GB', not 'nl-NL'"],
    "bad_key": [
        "node 'main' option 'A': field 'key': 'A' is not a key; use one of 0-9, * or #"],
    "duplicate_key": [
        "node 'main' option '1': the same key is given twice (again on line 85)",
        f"node 'signals': {UNREACHABLE}",
        f"node 'report': {UNREACHABLE}"],
    "global_key_clash": [
        "node 'main' option '0': key '0' is the global key for 'main_menu'; choose another key"],
    "invalid_number": [
        "contact 'police': field 'number': '+3190088' is not a valid phone number"],
    "many_problems": [
        "language 'nl': unknown field 'colour'",
        "contact 'anonymous': field 'number': '+31800' is not a valid phone number",
        "node 'signals' option '1': unknown target 'reprot' (did you mean 'report'?)",
        f"node 'report': {UNREACHABLE}"],
    "missing_prompt": ["prompts: prompt 'goodbye' is missing"],
    "missing_translation": [
        "node 'signals' field 'say': unknown language 'en'",
        "node 'signals' field 'say': missing translation for 'nl'"],
    "no_way_out": [
        "node 'signals': a menu with no way out: give it at least one option",
        f"node 'report': {UNREACHABLE}"],
    "number_in_text": [f"node 'report' field 'say' (nl): {PLACEHOLDER}"],
    "spoken_mismatch": [
        "contact 'police': field 'spoken': '0900 88 45' does not say the number +319008844; "
        "write its digits 09008844 in groups split by spaces"],
    "unknown_placeholder": [
        "node 'report' field 'say' (nl): unknown placeholder '{polise}' (did you mean 'police'?)"],
    "unknown_target": [
        "node 'signals' option '1': unknown target 'reprot' (did you mean 'report'?)",
        f"node 'report': {UNREACHABLE}"],
    "unquoted_star": [
        "line 11, column 14: not valid YAML: did not find expected alphabetic or numeric "
        "character; write the keys * and # in quotes: \"*\", \"#\""],
    "unreachable": [f"node 'orphan': {UNREACHABLE}"],
}


def test_every_broken_fixture_has_its_expected_messages():
    assert sorted(BROKEN) == sorted(p.stem for p in (FIXTURES / "broken").glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(BROKEN))
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
    with pytest.raises(SystemExit) as stopped:
        create_app({"MENUS_PATH": str(FIXTURES / "broken" / "many_problems.yaml")})
    message = str(stopped.value)
    assert message.startswith("Refusing to start: fix many_problems.yaml (make check lists "
                              "the problems).\n4 problem(s) in the menus:")
    assert "unknown target 'reprot' (did you mean 'report'?)" in message
    assert "'+31800' is not a valid phone number" in message


def test_a_missing_file_is_named():
    with pytest.raises(MenuError) as failed:
        load_menus("/nowhere/menus.yaml")
    assert "menus.yaml: cannot read the file" in str(failed.value)


def test_the_model_is_immutable(menus):
    with pytest.raises(TypeError):
        menus.nodes["main"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        menus.nodes["main"].say = {}  # type: ignore[misc]


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
    ("Polly.Lotte", "en-GB", "'Polly.Lotte' speaks 'nl-NL', not 'en-GB'"),
    ("Google.nl-NL-Standard-A", "en-GB", "'Google.nl-NL-Standard-A' does not speak 'en-GB'"),
    ("Polly.Nobody", "nl-NL",
     "'Polly.Nobody' is not a Polly voice this line knows; see Twilio's voice list"),
    ("alice", "nl-NL", "'alice' is not a Polly. or Google. voice name"),
])
def test_voice_must_speak_the_language(voice, language, problem):
    from ivr.voices import voice_problem

    assert voice_problem(voice, language) == problem
