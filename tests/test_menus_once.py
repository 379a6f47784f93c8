"""The tests' apps load a menus file once per content (tests/menus_once.py): the memo
hides no change a test makes, to the file or to its recordings, and keeps no refusal."""

from __future__ import annotations

import os
import shutil

import pytest

from app import create_app
from ivr.content.problems import MenuError
from ivr.web.state import line_state

from . import menus_once
from .helpers import FIXTURES, MENUS_PATH, ROOT, TOKEN


@pytest.fixture
def line(tmp_path):
    """A copy of menus.yaml and its audio folder, to change."""
    shutil.copy(MENUS_PATH, tmp_path / "menus.yaml")
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    return tmp_path


@pytest.fixture
def loads(monkeypatch):
    """How many times the menus were loaded for real."""
    done: list[str] = []

    def counted(path, *args):
        done.append(str(path))
        return real(path, *args)

    real = menus_once.load_every_time
    monkeypatch.setattr(menus_once, "load_every_time", counted)
    return done


def test_the_apps_of_one_file_share_one_load_and_a_refusal_is_loaded_again(line, loads):
    config = {"MENUS_PATH": str(line / "menus.yaml"), "TWILIO_AUTH_TOKEN": TOKEN}
    first, second = create_app(config), create_app(config)
    assert line_state(first).menus is line_state(second).menus
    assert len(loads) == 1
    broken = FIXTURES / "broken" / "bad_key.yaml"
    for _ in range(2):
        with pytest.raises(MenuError):
            menus_once.load_menus(broken)
    assert len(loads) == 3


def test_an_edited_menus_file_is_loaded_again(line):
    path = line / "menus.yaml"
    assert menus_once.load_menus(path)[0].nodes["signals"].title["nl"] == (
        "Signalen van mensenhandel")
    path.write_text(path.read_text().replace("nl: Signalen van mensenhandel",
                                             "nl: Signalen van uitbuiting"))
    assert menus_once.load_menus(path)[0].nodes["signals"].title["nl"] == (
        "Signalen van uitbuiting")


def test_a_recording_removed_is_seen(line):
    """Through the files' names: the manifest is the same."""
    assert "uk" in menus_once.load_menus(line / "menus.yaml")[0].languages
    (line / "audio" / "uk" / "node.signals.wav").unlink()
    menus, warnings = menus_once.load_menus(line / "menus.yaml")
    assert "uk" not in menus.languages
    assert ("menus.yaml: language 'uk': warning: is not offered: 1 problem(s); run flask menus "
            "check") in [str(w) for w in warnings]


def test_a_manifest_edited_in_place_is_seen_at_the_same_size_and_time(line):
    """Through the manifest's bytes: its size, time and inode are the same."""
    manifest = line / "audio" / "manifest.json"
    before = os.stat(manifest)
    old = menus_once.load_menus(line / "menus.yaml")[0].recordings["uk"]["node.signals"].text
    assert len(old) == 16 and old != "0123456789abcdef"
    manifest.write_text(manifest.read_text().replace(f'"{old}"', '"0123456789abcdef"'))
    os.utime(manifest, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(manifest)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    menus, _ = menus_once.load_menus(line / "menus.yaml")
    assert menus.recordings["uk"]["node.signals"].text == "0123456789abcdef"
