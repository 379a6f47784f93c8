"""Recorded prompts as the content knows them: audio/<lang>/<utterance id>.wav, and the
manifest that records which text each was made from, so that a changed text shows its
recording as stale.

audio/manifest.json:  {"uk": {"node.what": {"text": "<hash>", "synthetic": true}}}
"""

from __future__ import annotations

import hashlib
import json
import re
import wave
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from ivr.content.model import Recording

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


def entries_of(manifest: dict, lang: str) -> dict:
    entries = manifest.get(lang)
    return entries if isinstance(entries, dict) else {}


def read_recordings(folder: Path, langs: tuple[str, ...]) -> Mapping[str, Mapping[str, Recording]]:
    """language -> utterance id -> its recording, for every recording in the manifest
    whose file is there. Read once, at start-up: never on the request path."""
    manifest = read_manifest(folder)
    result = {}
    for lang in langs:
        found = {}
        for uid, entry in entries_of(manifest, lang).items():
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
