"""Recorded prompts: audio/<lang>/<utterance id>.wav, and the manifest that records which
text each was made from, so that a changed text shows its recording as stale.

audio/manifest.json:  {"uk": {"node.what": {"text": "<hash>", "synthetic": true}}}
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from .model import Recording

MANIFEST = "manifest.json"
UID_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")


def recording_path(folder: Path, lang: str, uid: str) -> Path:
    return folder / lang / f"{uid}.wav"


def read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _entries(manifest: dict, lang: str) -> dict:
    entries = manifest.get(lang)
    return entries if isinstance(entries, dict) else {}


def read_recordings(folder: Path, langs: tuple[str, ...]) -> Mapping[str, Mapping[str, Recording]]:
    """language -> utterance id -> its recording, for every recording in the manifest
    whose file is there. Read once, at start-up: never on the request path."""
    manifest = read_manifest(folder)
    result = {}
    for lang in langs:
        found = {}
        for uid, entry in _entries(manifest, lang).items():
            path = recording_path(folder, lang, str(uid))
            if isinstance(entry, dict) and UID_RE.fullmatch(str(uid)) and path.is_file():
                version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                found[str(uid)] = Recording(str(entry.get("text", "")), version,
                                            duration(path))
        if found:
            result[lang] = MappingProxyType(found)
    return MappingProxyType(result)


def duration(path: Path) -> float:
    """Seconds a WAV file plays (0 when it cannot be read: the check then counts none)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return 0.0


def playable(menus) -> Mapping[str, Mapping[str, str]]:
    """The recordings that play instead of <Say>: made from the current text, or, where the
    language has no voice to say the new text, any recording of the utterance."""
    from .speech import text_hash  # speech and utterances build on the model, as this does
    from .utterances import every

    result = {}
    for lang, recordings in menus.recordings.items():
        language = menus.languages.get(lang)
        if language is None:
            continue
        utterances = every(menus, lang)
        result[lang] = MappingProxyType({
            uid: recording.version for uid, recording in recordings.items()
            if uid in utterances and (language.voice is None or recording.text == text_hash(
                menus, lang, utterances[uid]))})
    return MappingProxyType(result)


# -- making placeholder recordings with an offline engine ----------------------------------

Engine = Callable[[str, str, Path], None]  # (language code, text, wav file to write)
# espeak-ng's words a minute: the pace make check assumes for every voice is 150, and
# espeak-ng's own pauses between sentences and digit groups come on top.
ESPEAK_WPM = 160


def espeak_ng(lang: str, text: str, target: Path) -> None:
    """espeak-ng speaks the text; sox makes it the 8 kHz mono WAV a phone line plays."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed: apt-get install espeak-ng sox")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", lang, "-s", str(ESPEAK_WPM), "-w", str(raw), text],
                       check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(target)],
                       check=True, capture_output=True)


def render(folder: Path, lang: str, wanted: Mapping[str, tuple[str, str]], engine: Engine,
           engine_name: str) -> tuple[list[str], list[str]]:
    """Make the missing and stale recordings of `wanted` (uid -> (plain text, hash)).

    Returns the ids made and the ids kept. A recording made by a person (synthetic:
    false) is never replaced, only reported stale by `flask menus check`.
    """
    manifest = read_manifest(folder)
    entries = manifest[lang] = _entries(manifest, lang)
    made, kept = [], []
    (folder / lang).mkdir(parents=True, exist_ok=True)
    for uid, (text, digest) in sorted(wanted.items()):
        found = entries.get(uid)
        entry = found if isinstance(found, dict) else {}
        path = recording_path(folder, lang, uid)
        fresh = entry.get("text") == digest and path.is_file()
        if fresh or (entry and entry.get("synthetic") is False and path.is_file()):
            kept.append(uid)
            continue
        engine(lang, text, path)
        entries[uid] = {"text": digest, "synthetic": True, "engine": engine_name}
        made.append(uid)
    for uid in sorted(set(entries) - set(wanted)):  # a prompt that is no longer said
        entry = entries[uid]
        if not isinstance(entry, dict) or entry.get("synthetic") is not False:
            recording_path(folder, lang, uid).unlink(missing_ok=True)
            del entries[uid]
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True,
                                              ensure_ascii=False) + "\n", encoding="utf-8")
    return made, kept
