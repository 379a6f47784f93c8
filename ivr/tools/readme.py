"""The README's table of languages, from menus.yaml: cog writes it between its markers in
README.md (make map, make content), and a test fails when the README lags the content, as
it does for the call-flow map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr.content import catalogue as cat
from ivr.content.recordings import entries_of, read_manifest
from ivr.content.yamlfile import read_yaml

HEADER = ("| code | language | key | voice | offered first to numbers from "
          "| texts reviewed by a native speaker |\n|---|---|---|---|---|---|\n")


def language_table(path: str | Path = "menus.yaml") -> str:
    """Every language of the file, in its order: the keys that choose it, its voice, the
    countries it is offered first to, and how many of its texts a reviewer has passed."""
    path = Path(path)
    raw, problem = read_yaml(path)
    if problem:
        raise ValueError(f"{path}: {problem}")
    dutch = raw["settings"]["default_language"]
    lock = cat.read_lock(path) or {"languages": {}, "sources": {}}
    manifest = read_manifest(path.parent / "audio")
    rows = []
    for language in raw["languages"]:
        code = language["code"]
        if code == dutch:
            reviewed = "the source"
        else:
            status = cat.status(raw, lock, code, dutch)
            reviewed = f"{status.reviewed}/{status.total}"
        rows.append(f"| {code} | {language['name']} | {' '.join(str(language['key']))} | "
                    f"{_voice(language, manifest)} | {', '.join(language.get('countries') or [])}"
                    f" | {reviewed} |\n")
    return HEADER + "".join(rows)


def _voice(language: dict[str, Any], manifest: dict) -> str:
    code = language["code"]
    if language.get("voice"):
        return f"{language['voice']} ({language['say_language']})"
    synthetic = any(isinstance(entry, dict) and entry.get("synthetic")
                    for entry in entries_of(manifest, code).values())
    return f"none: recordings in `audio/{code}/`" + (" (synthetic placeholders)"
                                                    if synthetic else "")
