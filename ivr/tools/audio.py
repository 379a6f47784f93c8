"""Making placeholder recordings with an offline engine (flask audio render): espeak-ng,
then sox to the 8 kHz WAV a phone line plays; ivr.content.recordings reads them."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ivr.content.recordings import MANIFEST, entries_of, read_manifest, recording_path

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
    entries = manifest[lang] = entries_of(manifest, lang)
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
