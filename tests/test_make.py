"""`make run` sets up only what the line needs to run, `make test` adds the development
tools to the same .venv, and the line runs without any of those tools installed."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import ROOT

RUN_STAMP, FULL_STAMP = ".venv/.installed-run", ".venv/.installed"


def make(folder: Path, *args: str) -> subprocess.CompletedProcess:
    # PIP=true: the rules run as they are, without installing anything.
    return subprocess.run(["make", "--no-print-directory", f"PYTHON={sys.executable}",
                           "PIP=true", *args], cwd=folder, capture_output=True, text=True,
                          timeout=60)


def up_to_date(folder: Path, target: str) -> bool:
    return make(folder, "-q", target).returncode == 0


def clone(folder: Path) -> Path:
    """The Makefile and its requirements, with a .venv whose python is there already."""
    folder.mkdir(exist_ok=True)
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, folder)
    python = folder / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    return folder


def test_make_run_installs_only_what_the_line_needs_and_make_test_the_tools(tmp_path):
    folder = clone(tmp_path)
    run = make(folder, "-n", "run").stdout
    assert "true -r requirements.txt" in run and "requirements-dev.txt" not in run
    assert "true -r requirements-dev.txt" in make(folder, "-n", "test").stdout


def test_run_then_test_adds_the_tools_and_test_then_run_installs_nothing(tmp_path):
    first_run = clone(tmp_path / "run-first")
    assert make(first_run, RUN_STAMP).returncode == 0
    assert up_to_date(first_run, RUN_STAMP) and not up_to_date(first_run, FULL_STAMP)
    assert make(first_run, FULL_STAMP).returncode == 0
    assert up_to_date(first_run, RUN_STAMP) and up_to_date(first_run, FULL_STAMP)

    first_test = clone(tmp_path / "test-first")
    assert make(first_test, FULL_STAMP).returncode == 0
    assert up_to_date(first_test, RUN_STAMP)
    # A new pin in requirements.txt is installed by either.
    later = time.time() + 10
    os.utime(first_test / "requirements.txt", (later, later))
    assert not up_to_date(first_test, RUN_STAMP) and not up_to_date(first_test, FULL_STAMP)


def development_only_modules() -> set[str]:
    """The top-level modules of the packages requirements-dev.txt adds to requirements.txt."""
    def pins(name: str) -> set[str]:
        text = (ROOT / name).read_text()
        return {m.group(1).lower().replace("_", "-")
                for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", text, re.M)}

    dev_only = pins("requirements-dev.txt") - pins("requirements.txt")
    assert {"pytest", "hypothesis", "playwright", "mypy"} <= dev_only
    return {module for module, dists in importlib.metadata.packages_distributions().items()
            if any(d.lower().replace("_", "-") in dev_only for d in dists)}


LEAN_LINE = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}: a development tool")
sys.meta_path.insert(0, NotInstalled())
from app import create_app
client = create_app({"TESTING": True}).test_client()
call = {"CallSid": "CA1", "From": "+31612345678", "To": "+3197010000000"}
answers = [client.get("/healthz"), client.post("/voice", data=call),
           client.post("/sms", data={**call, "Body": "HULP"}), client.get("/simulator")]
print(*(a.status_code for a in answers))
"""


@pytest.mark.slow  # a command: a Python that imports and starts the line
def test_the_line_runs_without_the_development_tools():
    """What `make run` serves (webhooks, /healthz, the simulator) imports nothing that
    only requirements-dev.txt installs: such an import would stop the lean .venv at start."""
    blocked = development_only_modules()
    env = {**os.environ, "IVR_ALLOW_UNSIGNED": "1", "FLASK_DEBUG": "1"}
    env.pop("TWILIO_AUTH_TOKEN", None)
    done = subprocess.run([sys.executable, "-c", LEAN_LINE, ",".join(sorted(blocked))],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["200", "200", "200", "200"]


@pytest.mark.slow  # half a minute: a copy of the line, make content and its tests run in it
def test_make_content_brings_all_that_follows_from_an_edit_up_to_date(tmp_path):
    """An editor renames the police forward and offers Dutch first to Belgian numbers: the
    golden calls, the README's map and its table of languages lag the content until `make
    content`, after which the tests of all three pass."""
    copy = tmp_path / "line"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", ".*_cache", ".hypothesis", "instance"))
    menus = copy / "menus.yaml"
    source = menus.read_text(encoding="utf-8")
    assert source.count("nl: De politie bellen\n") == 1
    assert source.count("countries: [NL, SR]\n") == 1
    menus.write_text(source.replace("nl: De politie bellen\n", "nl: Bel de politie\n")
                     .replace("countries: [NL, SR]\n", "countries: [NL, SR, BE]\n"),
                     encoding="utf-8")
    bin_ = Path(sys.executable).parent
    cog_check = [str(bin_ / "cog"), "-I", ".", "--check", "README.md"]
    assert subprocess.run(cog_check, cwd=copy, capture_output=True).returncode != 0

    stamp = tmp_path / "installed"  # the .venv running these tests, as it is
    stamp.touch()
    done = subprocess.run(["make", "--no-print-directory", "content", f"BIN={bin_}",
                           f"STAMP={stamp}"], cwd=copy, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    golden = copy / "tests" / "golden" / "test_golden_call_to_each_forward[menus.yaml-nl].txt"
    assert "Bel de politie: druk op 1." in golden.read_text(encoding="utf-8")
    readme = (copy / "README.md").read_text(encoding="utf-8")
    assert "| nl | Nederlands | 1 | Polly.Lotte (nl-NL) | NL, SR, BE | the source |" in readme
    assert subprocess.run(cog_check, cwd=copy, capture_output=True).returncode == 0
    tests = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                            "tests/test_golden.py", "tests/test_translations.py::"
                            "test_the_readme_shows_each_languages_reviewed_texts"],
                           cwd=copy, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:]


def test_the_operations_guide_says_which_failures_an_edit_causes_and_what_fixes_them():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = guide[guide.index("**What an edit makes fail, and `make content`.**"):]
    for failing in ("tests/test_golden.py", "test_the_map_in_the_readme_is_up_to_date",
                    "test_the_readme_shows_each_languages_reviewed_texts", "tests/test_schema.py"):
        assert failing in section.split("A language with a problem")[0]
    assert "**Read that diff before committing**" in section
