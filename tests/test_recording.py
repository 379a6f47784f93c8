"""A person's recordings: the voice actor's script, and the import of their
takes, made here as generated tones in several formats with Debian's ffmpeg."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import threading
import wave
from array import array
from math import log10, sqrt
from pathlib import Path

import pytest

from app import create_app
from ivr.content.recordings import read_manifest
from ivr.lines import load_menus
from ivr.tools import recording
from ivr.voice.speech import text_hash
from ivr.voice.utterances import every

from .helpers import ROOT, TOKEN, need, shipped_menus

MENUS = shipped_menus()


def tone(path: Path, seconds: float, amplitude: float = 0.5, rate: int = 44100,
         lead: float = 0.5) -> Path:
    """A 440 Hz tone with `lead` seconds of silence before and after it."""
    need("ffmpeg")
    wave_expr = f"if(between(t,{lead},{lead + seconds}),{amplitude}*sin(2*PI*440*t),0)"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc='{wave_expr}':s={rate}:d={seconds + 2 * lead}", "-ac", "2",
                    str(path)], check=True)
    return path


def measure(path: Path) -> tuple[int, int, int, float, float]:
    """Rate, channels, bytes a sample, seconds, and loudness (RMS, dBFS)."""
    with wave.open(str(path), "rb") as wav:
        samples = array("h", wav.readframes(wav.getnframes()))
        rms = sqrt(sum(s * s for s in samples) / len(samples)) / 32768
        return (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(),
                wav.getnframes() / wav.getframerate(), 20 * log10(rms))


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    return tmp_path / "audio"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def long_prompts(count: int) -> list[recording.Line]:
    """Prompts the model expects to take over 3 s: room for a 1 s tone, not for 7 s."""
    return [line for line in recording.script(MENUS, "uk") if line.seconds > 3][:count]


def test_the_script_has_every_prompt_once_with_its_file_and_seconds():
    lines = recording.script(MENUS, "uk")
    assert [line.uid for line in lines] == list(every(MENUS, "uk"))
    assert all(line.file == f"{line.uid}.wav" and line.seconds > 0 for line in lines)
    police = MENUS.contacts["police"]
    spoken = ", ".join(" ".join(group) for group in police.spoken)
    assert any(spoken in line.text and "{" not in line.text for line in lines)


def test_the_script_as_csv_and_html(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audio", "script", "--lang", "uk", "--format", "csv", "--all"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == list(every(MENUS, "uk"))
    assert rows[0].keys() == {"id", "text", "file", "seconds", "why"}
    html = recording.as_html([recording.Line("node.x", "<b> & 1", "node.x.wav", 2.0)], "uk",
                             "Українська")
    assert "&lt;b&gt; &amp; 1" in html and "<b>" not in html


def renumbered_line(tmp_path: Path) -> Path:
    """The shipped line with the contacts menu renumbered (CoMensha from 3 to 4), and
    Ukrainian recorded by a person but for a stale take, a synthetic one and one never
    recorded."""
    text = (ROOT / "menus.yaml").read_text(encoding="utf-8")
    choice = '      "2": call_anonymous\n      "3": call_comensha\n'
    assert text.count(choice) == 1
    (tmp_path / "menus.yaml").write_text(text.replace(choice, choice.replace('"3"', '"4"')),
                                         encoding="utf-8")
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    manifest = read_manifest(tmp_path / "audio")
    for uid, entry in manifest["uk"].items():
        entry.update(synthetic=uid == "prompt.greeting")
    manifest["uk"]["node.signals"]["text"] = "0123456789abcdef"  # made from another text
    del manifest["uk"]["prompt.goodbye"]
    (tmp_path / "audio" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path / "menus.yaml"


@pytest.mark.slow
def test_the_script_lists_only_the_takes_to_record_and_why(tmp_path: Path):
    menus_path = renumbered_line(tmp_path)
    # What the renumbering does: the take of "CoMensha: press 3" cannot say 4, so the
    # language, which has no Twilio voice, is not offered until 4 is recorded.
    menus, warnings = load_menus(menus_path)
    assert "uk" not in menus.languages
    assert ("menus.yaml: language 'uk': warning: is not offered: 1 problem(s); run flask "
            "menus check") in [str(w) for w in warnings]
    app = create_app({"MENUS_PATH": str(menus_path), "TWILIO_AUTH_TOKEN": TOKEN})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audio", "script", "--lang", "uk", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [(row["id"], row["why"]) for row in csv.DictReader(io.StringIO(result.stdout))]
    assert rows == [
        ("prompt.greeting", "synthetic: made by espeak-ng, not by a person"),
        ("prompt.goodbye", "missing: not recorded"),
        ("option.call_comensha.4",
         "missing: its key changed; 'option.call_comensha.3' says the old one"),
        ("node.signals", "stale: its text changed since it was recorded")]
    total = len(every(menus_with_uk(menus_path), "uk"))
    assert result.stderr == (f"uk: 4 of {total} takes to record, 2 missing, 1 stale, "
                             "1 synthetic\n")
    text = runner.invoke(args=["audio", "script", "--lang", "uk"]).stdout
    assert text.startswith("prompt.greeting.wav  (6 s)  synthetic: made by espeak-ng, not "
                           "by a person\n    ")
    every_take = runner.invoke(args=["audio", "script", "--lang", "uk", "--format", "csv",
                                     "--all"]).stdout
    listed = list(csv.DictReader(io.StringIO(every_take)))
    assert len(listed) == total and sum(bool(row["why"]) for row in listed) == 4


def menus_with_uk(path: Path):
    return load_menus(path, recordings=False)[0]


@pytest.mark.slow
def test_takes_in_three_formats_become_trimmed_even_8khz_wav(audio: Path, tmp_path: Path):
    takes = tmp_path / "takes"
    takes.mkdir()
    first, second, third = long_prompts(3)
    tone(takes / f"{first.uid}.wav", 1.0, amplitude=0.6)
    tone(takes / f"{second.uid}.mp3", 1.0, amplitude=0.03, rate=22050)
    tone(takes / f"{third.uid}.m4a", 1.0, amplitude=0.2, rate=48000, lead=0.0)
    done = recording.import_takes(MENUS, "uk", takes, audio)
    assert done == sorted([first.uid, second.uid, third.uid])
    figures = [measure(audio / "uk" / f"{line.uid}.wav") for line in (first, second, third)]
    for rate, channels, width, seconds, _ in figures:
        assert (rate, channels, width) == (8000, 1, 2)
        assert 0.95 < seconds < 1.3  # the tone, with at most 0.08 s kept at each end
    loudness = [figure[4] for figure in figures]
    assert max(loudness) - min(loudness) < 2, loudness  # from a 26 dB spread
    manifest = read_manifest(audio)["uk"]
    utterances = every(MENUS, "uk")
    for line in (first, second, third):
        assert manifest[line.uid] == {"text": text_hash(MENUS, "uk", utterances[line.uid]),
                                      "synthetic": False}


# ffmpeg run on each take: make quick runs the first, which needs no decoding to refuse.
@pytest.mark.parametrize("case", ["unknown id", *(pytest.param(case, marks=pytest.mark.slow)
                                                  for case in ("silent", "too long",
                                                               "unreadable"))])
def test_a_wrong_take_is_refused_and_nothing_is_written(audio: Path, tmp_path: Path, case):
    takes = tmp_path / "takes"
    takes.mkdir()
    good, other = long_prompts(2)
    tone(takes / f"{good.uid}.wav", 1.0)
    if case == "unknown id":
        tone(takes / "node.nowhere.wav", 1.0)
    elif case == "silent":
        tone(takes / f"{other.uid}.wav", 1.0, amplitude=0.0)
    elif case == "too long":
        tone(takes / f"{other.uid}.mp3", 2 * other.seconds + 1)
    else:
        (takes / f"{other.uid}.m4a").write_bytes(b"not audio")
    before = snapshot(audio)
    with pytest.raises(recording.Refused) as refused:
        recording.import_takes(MENUS, "uk", takes, audio)
    assert snapshot(audio) == before
    [problem] = refused.value.problems
    expected = {"unknown id": "'node.nowhere' is not a prompt", "silent": "silent",
                "too long": "over twice", "unreadable": "ffmpeg cannot read it"}[case]
    assert expected in problem, problem


def test_the_manifest_stays_valid_json_for_the_loader(audio: Path, tmp_path: Path):
    takes = tmp_path / "takes"
    takes.mkdir()
    [line] = long_prompts(1)
    tone(takes / f"{line.uid}.wav", 1.0)
    recording.import_takes(MENUS, "uk", takes, audio)
    data = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    assert len(data["uk"]) == len(read_manifest(ROOT / "audio")["uk"])


def silence(path: Path, seconds: float) -> Path:
    need("ffmpeg")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono", "-t", str(seconds), str(path)], check=True)
    return path


@pytest.mark.parametrize("case", ["long", "large"])
def test_a_take_too_long_or_too_large_is_refused_before_it_is_decoded(audio: Path,
                                                                      tmp_path: Path, case):
    takes = tmp_path / "takes"
    takes.mkdir()
    good, other = long_prompts(2)
    tone(takes / f"{good.uid}.wav", 1.0)
    if case == "long":  # 70 s: ffprobe reads it from the headers
        silence(takes / f"{other.uid}.wav", 70)
    else:  # 60 MB of nothing, sparse: no disk and no time spent on it
        with open(takes / f"{other.uid}.wav", "wb") as huge:
            huge.truncate(60_000_000)
    before = snapshot(audio)
    with pytest.raises(recording.Refused) as refused:
        recording.import_takes(MENUS, "uk", takes, audio)
    assert snapshot(audio) == before
    assert refused.value.problems == [{
        "long": f"{other.uid}.wav: 70 s long, over the 60 s a take may be (no prompt may "
                "take over 25 s): cut it to the one text",
        "large": f"{other.uid}.wav: 60 MB, over the 50 MB a take may be: export the one "
                 "text as WAV or MP3, at most 60 s long"}[case]]


def test_a_named_pipe_is_refused_without_being_opened(audio: Path, tmp_path: Path):
    """ffmpeg waited on a named pipe for ever. Here a writer waits for a reader, and gives
    it something that is not audio: the message shows whether anything read the pipe."""
    need("ffmpeg")
    takes = tmp_path / "takes"
    takes.mkdir()
    good, other = long_prompts(2)
    tone(takes / f"{good.uid}.wav", 1.0)
    pipe = takes / f"{other.uid}.wav"
    os.mkfifo(pipe)

    def feed() -> None:
        with open(pipe, "wb") as writer:  # waits until the pipe is opened for reading
            writer.write(b"not audio")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        with pytest.raises(recording.Refused) as refused:
            recording.import_takes(MENUS, "uk", takes, audio)
    finally:  # if nothing opened it, the writer still waits: open it once to end that
        reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(reader)
    assert refused.value.problems == [f"{other.uid}.wav: a named pipe, not a regular file: "
                                      "put the recording itself in the folder"]


@pytest.mark.slow  # ffprobe and ffmpeg run until their time is up
def test_ffprobe_and_ffmpeg_are_stopped_after_their_time(tmp_path: Path, monkeypatch):
    """A named pipe given to convert itself (as if swapped in after the check), with a
    writer that never writes: the reader waits for ever unless it is stopped."""
    need("ffmpeg")
    monkeypatch.setattr(recording, "TOOL_SECONDS", 1)
    pipe = tmp_path / "take.wav"
    os.mkfifo(pipe)
    writer = os.open(pipe, os.O_RDWR | os.O_NONBLOCK)  # Linux: a writer without a reader
    lock = threading.Lock()

    def release() -> None:  # once: by the watchdog, should nothing stop the reader
        nonlocal writer
        with lock:
            if writer >= 0:
                os.close(writer)
                writer = -1

    watchdog = threading.Timer(30, release)
    watchdog.start()
    try:
        problem = recording.convert(pipe, tmp_path / "out.wav", 5.0)
    finally:
        watchdog.cancel()
        release()
    assert problem == ("ffprobe took over 1 s on it: is it a recording? export it again as "
                       "WAV or MP3")
