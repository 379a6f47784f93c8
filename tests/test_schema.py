"""menus.schema.json: made from the model (ivr/content/model.py), the one definition of each
field that the loader reads by; every menus file in the repository passes it, and a file
with an unknown key or a misspelt field is refused by check-jsonschema and by the loader
alike, each saying where."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ivr.content import schema
from ivr.lines import check_file

from .helpers import FIXTURES, LINES, MENUS_PATH, ROOT

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
SCHEMA = ROOT / schema.FILE


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    if not CHECK_JSONSCHEMA.exists():
        pytest.fail("check-jsonschema is not installed in this venv: make test installs it")
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA), *map(str, files)],
                          capture_output=True, text=True, timeout=60)


def test_the_schema_in_the_repository_is_the_one_the_model_makes():
    assert SCHEMA.read_text(encoding="utf-8") == schema.text(), "stale: run make schema"


@pytest.mark.parametrize("line", LINES)
def test_every_menus_file_passes_the_schema_and_names_it_for_editors(line):
    done = check_jsonschema(LINES[line])
    assert done.returncode == 0, done.stdout + done.stderr
    first = LINES[line].read_text(encoding="utf-8").splitlines()[0]
    target = first.removeprefix("# yaml-language-server: $schema=")
    assert first != target and (LINES[line].parent / target).resolve() == SCHEMA


# (what is changed in menus.yaml, what it becomes, the schema's words, the loader's error)
BROKEN = [
    ("\nsettings:", "\nsetings:", "'setings' was unexpected",
     "top level: unknown section 'setings' (did you mean 'settings'?)"),
    ("  victim:\n    kind: page\n    back: main\n    title:",
     "  victim:\n    kind: page\n    back: main\n    tittle:", "'tittle' was unexpected",
     "node 'victim': unknown field 'tittle' (did you mean 'title'?)"),
    ('{key: "#", action: contacts, announce: first}',
     '{key: "#", action: contacts, anounce: first}', "'anounce' was unexpected",
     "settings global key 'contacts': unknown field 'anounce' (did you mean 'announce'?)"),
    ("  victim:\n    kind: page\n    back: main\n", "  victim:\n    kind: page\n",
     "'back' is a required property",
     "node 'victim': a page needs 'back': the menu it belongs to"),
    ("  victim:\n    kind: page\n", "  victim:\n    kind: page\n    contact: police\n",
     "False schema does not allow 'police'", "node 'victim': unknown field 'contact'"),
    ("    sms_plain: true\n", "    sms_plian: true\n", "'sms_plian' was unexpected",
     "unknown field 'sms_plian' (did you mean 'sms_plain'?)"),
]


@pytest.mark.parametrize(("old", "new", "schema_says", "loader_says"), BROKEN)
@pytest.mark.slow
def test_a_misspelt_field_is_refused_by_the_schema_and_the_loader_alike(
        tmp_path, old, new, schema_says, loader_says):
    text = MENUS_PATH.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "menus.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    done = check_jsonschema(broken)
    assert done.returncode == 1 and schema_says in done.stdout, done.stdout + done.stderr
    _, problems = check_file(broken)
    assert any(str(p).endswith(loader_says) for p in problems), [str(p) for p in problems]


def _without(raw: dict, path: tuple[str, ...]) -> None:
    for step in path[:-1]:
        raw = raw[step]
    del raw[path[-1]]


@pytest.mark.parametrize(("path", "schema_says", "loader_says"), [
    (("settings", "global_keys"), "'global_keys' is a required property",
     "'settings global_keys' must be a list of entries, each starting with '- id:'"),
    (("sms", "keywords"), "'keywords' is a required property",
     "sms: field 'keywords' is missing"),
    (("sms", "keywords", "language"), "'language' is a required property",
     "field 'language' must give a list of words for each language"),
])
@pytest.mark.slow
def test_a_required_field_left_out_is_refused_by_the_schema_and_the_loader_alike(
        tmp_path, path, schema_says, loader_says):
    raw = yaml.safe_load(MENUS_PATH.read_text(encoding="utf-8"))
    _without(raw, path)
    broken = tmp_path / "menus.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = check_jsonschema(broken)
    assert done.returncode == 1 and schema_says in done.stdout, done.stdout + done.stderr
    _, problems = check_file(broken, ROOT / "audio")
    assert any(str(p).endswith(loader_says) for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(("key", "valid"), [(3, True), (91, True), (9, False), ("9", False),
                                            (100, False)])
@pytest.mark.slow
def test_a_language_key_is_judged_alike(tmp_path, key, valid):
    raw = yaml.safe_load(MENUS_PATH.read_text(encoding="utf-8"))
    raw["languages"][-1]["key"] = key
    broken = tmp_path / "menus.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert (check_jsonschema(broken).returncode == 0) is valid
    _, problems = check_file(broken, ROOT / "audio")
    refused = any("field 'key'" in str(p) and "must be one digit" in str(p) for p in problems)
    assert refused is not valid, [str(p) for p in problems]


def _whole_numbers() -> list[tuple[str, str, dict]]:
    """(section, field, its schema) of every whole number in a section of the schema."""
    defs = schema.json_schema()["$defs"]
    return [(section, name, prop) for section, kind in (("settings", "Settings"),
                                                        ("sms", "SmsSettings"))
            for name, prop in defs[kind]["properties"].items() if prop.get("type") == "integer"]


@pytest.mark.parametrize(("section", "name", "prop"), _whole_numbers(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_number_has_one_range_and_one_default_for_the_schema_and_the_loader(
        tmp_path, section, name, prop):
    """max_misses and the rest: the range and the default an editor sees are the ones the
    loader reads by and says, from the one definition."""
    raw = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    raw[section].pop(name, None)
    path = tmp_path / "menus.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    menus, problems = check_file(path)
    assert menus is not None, [str(p) for p in problems]
    assert getattr(getattr(menus, section), name) == prop["default"]
    raw[section][name] = prop["maximum"] + 1
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    _, problems = check_file(path)
    assert [str(p) for p in problems] == [
        f"menus.yaml: {section}: field '{name}': '{prop['maximum'] + 1}' must be a whole number "
        f"from {prop['minimum']} to {prop['maximum']}"]
