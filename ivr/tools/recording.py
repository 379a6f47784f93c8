"""A language recorded by a person: the script a voice actor reads, and the import of
their files (WAV, MP3, M4A, any rate) as the 8 kHz mono WAV a phone line plays.

ffmpeg (Debian's) decodes every format, trims the silence at both ends and evens out the
loudness; the checks between its two passes refuse a silent take and one that runs over
twice what the model expects, so a wrong file never replaces a prompt.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from ivr.content import model as m
from ivr.content.catalogue import write_atomically
from ivr.content.problems import suggest
from ivr.content.recordings import MANIFEST, read_manifest, recording_path
from ivr.voice.speech import plain, say, say_seconds, text_hash
from ivr.voice.utterances import every

SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".flac")
RATE = 8000
# A take whose loudest sample stays under this is silence (or a dead microphone).
SILENT_PEAK = 0.01 * 32767  # -40 dBFS
# Silence at the ends below this level is cut, keeping a little of it: a prompt that
# starts on its first sample sounds clipped.
TRIM = ("silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0.08:"
        "detection=peak")
# EBU R128 loudness, a little under broadcast level: Twilio's own voices are about this.
LOUDNESS = "loudnorm=I=-18:TP=-2:LRA=11"


@dataclass(frozen=True)
class Line:
    uid: str
    text: str  # as spoken: numbers digit by digit, twice
    file: str  # the name to save the take under
    seconds: float  # the model's estimate (150 words a minute, digit groups, pauses)


def script(menus: m.Menus, lang: str) -> list[Line]:
    """Every utterance of the language, in the order of ivr.voice.utterances.every: the
    greeting and the prompts of a call's start and end, the language offer, the global
    keys, then each node of menus.yaml in file order followed by its options (close to
    the order a caller meets them), then what follows a failed forward."""
    return [Line(uid, plain(menus, lang, u), f"{uid}.wav",
                 round(say_seconds(say(menus, lang, u).to_xml(xml_declaration=False)), 1))
            for uid, u in every(menus, lang).items()]


def as_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "file", "seconds"])
    writer.writerows([line.uid, line.text, line.file, f"{line.seconds:.1f}"] for line in lines)
    return out.getvalue()


HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Recording script: {{ lang }}</title>
<style>body{font:16px/1.5 sans-serif;margin:2em}td,th{padding:.4em;border-bottom:1px solid #ccc;
vertical-align:top;text-align:left}td.text{font-size:20px;max-width:40em}</style></head><body>
<h1>Recording script: {{ name }} ({{ lines|length }} takes)</h1>
<p>Read each text calmly, at about 150 words a minute; say numbers digit by digit, in the
groups shown. Save each take under its file name (WAV, MP3 or M4A).</p>
<table><tr><th>#</th><th>file</th><th>text</th><th>about</th></tr>
{% for line in lines %}<tr><td>{{ loop.index }}</td><td><code>{{ line.file }}</code></td>
<td class="text" dir="auto">{{ line.text }}</td><td>{{ '%.0f'|format(line.seconds) }} s</td></tr>
{% endfor %}</table></body></html>
""")


def as_html(lines: list[Line], lang: str, name: str) -> str:
    return HTML.render(lines=lines, lang=lang, name=name)


# -- importing takes -------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _ffmpeg(source: Path, target: Path, filters: str) -> None:
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is not installed: apt-get install ffmpeg")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-af",
                    filters, "-ar", str(RATE), "-ac", "1", "-c:a", "pcm_s16le", str(target)],
                   check=True, capture_output=True)


def _measure(path: Path) -> tuple[float, int]:
    """Seconds and loudest sample of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        samples = array("h", wav.readframes(wav.getnframes()))
        seconds = wav.getnframes() / float(wav.getframerate())
    return seconds, max((abs(s) for s in samples), default=0)


def convert(source: Path, target: Path, expected: float) -> str | None:
    """The take trimmed and levelled into target; or what is wrong with it."""
    trimmed = target.with_suffix(".trimmed.wav")
    try:
        _ffmpeg(source, trimmed, f"{TRIM},areverse,{TRIM},areverse")
    except subprocess.CalledProcessError as exc:
        return f"ffmpeg cannot read it ({exc.stderr.decode(errors='replace').strip()[:200]})"
    seconds, peak = _measure(trimmed)
    if seconds < 0.2 or peak < SILENT_PEAK:
        return "silent: nothing louder than -40 dB; check the microphone and record it again"
    if seconds > 2 * expected:
        return (f"{seconds:.1f} s after trimming, over twice the {expected:.1f} s expected: "
                "is it the right text? read it again, a little faster")
    _ffmpeg(trimmed, target, LOUDNESS)
    trimmed.unlink()
    return None


def _takes(source_dir: Path, wanted: dict) -> tuple[dict[str, Path], list[str]]:
    takes: dict[str, Path] = {}
    problems = []
    for path in sorted(source_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        uid = path.stem
        if uid not in wanted:
            problems.append(f"{path.name}: '{uid}' is not a prompt of the line"
                            f"{suggest(uid, list(wanted))}; name it as in the script")
        elif uid in takes:
            problems.append(f"{path.name}: '{uid}' is also {takes[uid].name}; keep one")
        else:
            takes[uid] = path
    if not takes and not problems:
        problems.append(f"{source_dir}: no recordings ({', '.join(SUFFIXES)})")
    return takes, problems


def import_takes(menus: m.Menus, lang: str, source_dir: Path, audio_dir: Path) -> list[str]:
    """Convert every take in source_dir and put them in place with their manifest entries
    ("synthetic": false); refuses, writing nothing, when any take is wrong."""
    script_lines = {line.uid: line for line in script(menus, lang)}
    takes, problems = _takes(source_dir, script_lines)
    (audio_dir / lang).mkdir(parents=True, exist_ok=True)
    # Converted beside their place, so that each is moved there by a rename.
    with tempfile.TemporaryDirectory(dir=audio_dir / lang, prefix=".import-") as tmp:
        for uid, path in takes.items():
            problem = convert(path, Path(tmp) / f"{uid}.wav", script_lines[uid].seconds)
            if problem:
                problems.append(f"{path.name}: {problem}")
        if problems:
            raise Refused(problems)
        utterances = every(menus, lang)
        manifest = read_manifest(audio_dir)
        entries = manifest.setdefault(lang, {})
        for uid in takes:
            os.replace(Path(tmp) / f"{uid}.wav", recording_path(audio_dir, lang, uid))
            entries[uid] = {"text": text_hash(menus, lang, utterances[uid]), "synthetic": False}
    write_atomically(audio_dir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True,
                                                      ensure_ascii=False) + "\n")
    return sorted(takes)
