"""The tests' apps load a menus file once per content (tests/menus_once.py): the memo
hides no change a test makes, to the file or to its recordings, and keeps no refusal."""

from __future__ import annotations

import os
import shutil
import wave

import pytest

from app import create_app
from ivr.content.problems import MenuError
from ivr.web.state import line_state

from . import menus_once
from .helpers import FIXTURES, TOKEN


@pytest.fixture
def line(tmp_path):
    """The smallest line, with one recording (of another text: a warning), to change."""
    shutil.copy(FIXTURES / "minimal.yaml", tmp_path / "menus.yaml")
    (tmp_path / "audio" / "nl").mkdir(parents=True)
    with wave.open(str(tmp_path / "audio" / "nl" / "node.main.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    (tmp_path / "audio" / "manifest.json").write_text(
        '{"nl": {"node.main": {"text": "0123456789abcdef"}}}')
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
    assert menus_once.load_menus(path)[0].nodes["main"].title["nl"] == "Hoofdmenu"
    path.write_text(path.read_text().replace("title: {nl: Hoofdmenu}", "title: {nl: Begin}"))
    assert menus_once.load_menus(path)[0].nodes["main"].title["nl"] == "Begin"


def test_a_recording_removed_is_seen(line):
    """Through the files' names: the manifest is the same."""
    assert "node.main" in menus_once.load_menus(line / "menus.yaml")[0].recordings["nl"]
    (line / "audio" / "nl" / "node.main.wav").unlink()
    assert menus_once.load_menus(line / "menus.yaml")[0].recordings == {}


def test_a_manifest_edited_in_place_is_seen_at_the_same_size_and_time(line):
    """Through the manifest's bytes: its size, time and inode are the same."""
    manifest = line / "audio" / "manifest.json"
    before = os.stat(manifest)
    menus, _ = menus_once.load_menus(line / "menus.yaml")
    assert menus.recordings["nl"]["node.main"].text == "0123456789abcdef"
    manifest.write_text(manifest.read_text().replace("0123456789abcdef", "fedcba9876543210"))
    os.utime(manifest, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(manifest)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    menus, _ = menus_once.load_menus(line / "menus.yaml")
    assert menus.recordings["nl"]["node.main"].text == "fedcba9876543210"
