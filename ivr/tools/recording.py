"""A language recorded by a person: the script a voice actor reads, and the import of
their files (WAV, MP3, M4A, any rate) as the 8 kHz mono WAV a phone line plays.

ffmpeg (Debian's) decodes every format, trims the silence at both ends and evens out the
loudness; the checks between its two passes refuse a silent take and one that runs over
twice what the model expects, so a wrong file never replaces a prompt. Before anything is
decoded, a take must be a regular file of bounded size and length (ffprobe reads its
headers), and each run of ffprobe or ffmpeg is bounded in time.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
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
from ivr.content.recordings import MANIFEST, entries_of, read_manifest, recording_path
from ivr.voice.speech import plain, say, say_seconds, text_hash
from ivr.voice.timing import PROMPT_MAX
from ivr.voice.utterances import every, renumbered

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
# To the phone line's rate and one channel before the trimming, whose areverse holds the
# whole take in memory: a minute of 48 kHz stereo peaked at 129 MB, at 8 kHz mono 75 MB.
DOWNMIX = f"aresample={RATE},aformat=channel_layouts=mono"
# No prompt may take over PROMPT_MAX seconds, so a take twice that with 10 s of silence
# around it is the wrong file; a 10-minute one took about 1 GB of memory to decode.
MAX_SECONDS = 2 * PROMPT_MAX + 10
MAX_BYTES = 50_000_000  # a minute of 96 kHz 24-bit stereo WAV is 35 MB
TOOL_SECONDS = 30  # each run of ffprobe or ffmpeg: a minute's take needs about 3 s
KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
         (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


@dataclass(frozen=True)
class Line:
    uid: str
    text: str  # as spoken: numbers digit by digit, twice
    file: str  # the name to save the take under
    seconds: float  # the model's estimate (150 words a minute, digit groups, pauses)
    why: str = ""  # why it is to be recorded: missing, stale or synthetic; "" when it is not


def script(menus: m.Menus, lang: str, why: dict[str, str] | None = None) -> list[Line]:
    """Every utterance of the language, in the order of ivr.voice.utterances.every: the
    greeting and the prompts of a call's start and end, the language offer, the global
    keys, then each node of menus.yaml in file order followed by its options (close to
    the order a caller meets them), then what follows a failed forward."""
    why = why or {}
    return [Line(uid, plain(menus, lang, u), f"{uid}.wav",
                 round(say_seconds(say(menus, lang, u).to_xml(xml_declaration=False)), 1),
                 why.get(uid, ""))
            for uid, u in every(menus, lang).items()]


def to_record(menus: m.Menus, lang: str, audio_dir: Path) -> dict[str, str]:
    """Why each take still wants a person's recording: missing (never recorded, or its
    menu renumbered), stale (its text changed since), or synthetic (a placeholder)."""
    recorded = menus.recordings.get(lang, {})  # in the manifest, with its file there
    entries = entries_of(read_manifest(audio_dir), lang)
    utterances = every(menus, lang)
    why = {}
    for uid, utterance in utterances.items():
        have = recorded.get(uid)
        old = renumbered(utterance, recorded, utterances) if have is None else None
        if old:
            why[uid] = f"missing: its key changed; '{old}' says the old one"
        elif have is None:
            why[uid] = "missing: not recorded"
        elif have.text != text_hash(menus, lang, utterance):
            why[uid] = "stale: its text changed since it was recorded"
        elif (entry := entries.get(uid, {})).get("synthetic") is not False:
            engine = entry.get("engine") or "text-to-speech"
            why[uid] = f"synthetic: made by {engine}, not by a person"
    return why


def as_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "file", "seconds", "why"])
    writer.writerows([line.uid, line.text, line.file, f"{line.seconds:.1f}", line.why]
                     for line in lines)
    return out.getvalue()


HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Recording script: {{ lang }}</title>
<style>body{font:16px/1.5 sans-serif;margin:2em}td,th{padding:.4em;border-bottom:1px solid #ccc;
vertical-align:top;text-align:left}td.text{font-size:20px;max-width:40em}</style></head><body>
<h1>Recording script: {{ name }} ({{ lines|length }} takes)</h1>
<p>Read each text calmly, at about 150 words a minute; say numbers digit by digit, in the
groups shown. Save each take under its file name (WAV, MP3 or M4A).</p>
<table><tr><th>#</th><th>file</th><th>text</th><th>about</th><th>why</th></tr>
{% for line in lines %}<tr><td>{{ loop.index }}</td><td><code>{{ line.file }}</code></td>
<td class="text" dir="auto">{{ line.text }}</td><td>{{ '%.0f'|format(line.seconds) }} s</td>
<td>{{ line.why }}</td></tr>
{% endfor %}</table></body></html>
""")


def as_html(lines: list[Line], lang: str, name: str) -> str:
    return HTML.render(lines=lines, lang=lang, name=name)


# -- importing takes -------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _run(command: list[str]) -> str:
    """A run of ffmpeg or ffprobe, killed after TOOL_SECONDS: its standard output."""
    if shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed: apt-get install ffmpeg")
    return subprocess.run(command, check=True, capture_output=True,
                          timeout=TOOL_SECONDS).stdout.decode(errors="replace")


def _ffmpeg(source: Path, target: Path, filters: str) -> None:
    # -t: never more than MAX_SECONDS decoded, whatever the file's headers claim.
    _run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-t", str(MAX_SECONDS + 1), "-i",
          str(source), "-af", filters, "-ar", str(RATE), "-ac", "1", "-c:a", "pcm_s16le",
          str(target)])


def _seconds(source: Path) -> float:
    """How long the take plays, from its headers (ffprobe decodes none of it); ValueError
    when they do not say."""
    return float(_run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                       "csv=p=0", str(source)]).strip())


def _not_a_take(path: Path) -> str | None:
    """What makes the file no take, before anything reads it: a named pipe would hang
    ffmpeg, and a huge file costs its memory."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in KINDS if test(info.st_mode)), "not a file")
        return f"{kind}, not a regular file: put the recording itself in the folder"
    if info.st_size > MAX_BYTES:
        return (f"{info.st_size / 1e6:.0f} MB, over the {MAX_BYTES / 1e6:.0f} MB a take may "
                f"be: export the one text as WAV or MP3, at most {MAX_SECONDS} s long")
    return None


def _measure(path: Path) -> tuple[float, int]:
    """Seconds and loudest sample of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        samples = array("h", wav.readframes(wav.getnframes()))
        seconds = wav.getnframes() / float(wav.getframerate())
    return seconds, max((abs(s) for s in samples), default=0)


def convert(source: Path, target: Path, expected: float) -> str | None:
    """The take trimmed and levelled into target; or what is wrong with it."""
    try:
        return _convert(source, target, expected)
    except subprocess.CalledProcessError as exc:
        return f"ffmpeg cannot read it ({exc.stderr.decode(errors='replace').strip()[:200]})"
    except subprocess.TimeoutExpired as exc:
        return (f"{Path(exc.cmd[0]).name} took over {TOOL_SECONDS} s on it: is it a recording? "
                "export it again as WAV or MP3")


def _convert(source: Path, target: Path, expected: float) -> str | None:
    try:
        length = _seconds(source)
    except ValueError:
        return "ffprobe cannot tell how long it plays: export it again as WAV or MP3"
    if length > MAX_SECONDS:
        return (f"{length:.0f} s long, over the {MAX_SECONDS} s a take may be (no prompt may "
                f"take over {PROMPT_MAX} s): cut it to the one text")
    trimmed = target.with_suffix(".trimmed.wav")
    _ffmpeg(source, trimmed, f"{DOWNMIX},{TRIM},areverse,{TRIM},areverse")
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
        problem = _not_a_take(path)
        if problem:
            problems.append(f"{path.name}: {problem}")
        elif uid not in wanted:
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
