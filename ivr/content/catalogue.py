"""Every translatable text of menus.yaml by a stable id, and which Dutch text each
translation was made from (menus.sources.json, beside menus.yaml).

The ids are the texts' paths in the file: prompts.greeting, nodes.victim.say,
nodes.help.keywords, contacts.police.name, sms.keywords.more, sms.lock_screen_words.
They are the PO files' msgctxt, so they must not change while translators hold a file.

The lock file keeps menus.yaml's hand-written layout free of hashes:

    {"languages": {"en": {"nodes.victim.say": {"source": "<hash>", "reviewed": false}}},
     "sources": {"<hash>": "<the Dutch text it was made from>"}}

The Dutch texts themselves are kept so that an export can show a translator the old
source beside the new one (a PO file's `#| msgid`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.content.loader import fold

LOCK_NAME = "menus.sources.json"
SEPARATOR = ", "  # between the words of a keyword list in a PO file


@dataclass(frozen=True)
class Slot:
    tid: str  # the stable id, e.g. nodes.victim.say
    path: tuple[str | int, ...]  # the keys down to its {language: text} mapping
    words: bool = False  # a list of words (SMS keywords), written "A, B" in a PO file


def slots(raw: Mapping) -> list[Slot]:
    """Every translatable text, in the order of the file."""
    found = []
    for index, contact in enumerate(raw.get("contacts") or []):
        found.append(Slot(f"contacts.{contact.get('id')}.name", ("contacts", index, "name")))
    for pid in raw.get("prompts") or {}:
        found.append(Slot(f"prompts.{pid}", ("prompts", pid)))
    for nid, node in (raw.get("nodes") or {}).items():
        for field in ("title", "say", "sms", "keywords"):
            if isinstance(node, Mapping) and field in node:
                found.append(Slot(f"nodes.{nid}.{field}", ("nodes", nid, field),
                                  field == "keywords"))
    sms = raw.get("sms") or {}
    for word in (sms.get("keywords") or {}):
        found.append(Slot(f"sms.keywords.{word}", ("sms", "keywords", word), True))
    if "lock_screen_words" in sms:
        found.append(Slot("sms.lock_screen_words", ("sms", "lock_screen_words"), True))
    return found


def texts_of(raw: Any, slot: Slot) -> Mapping:
    """The {language: text} mapping of a slot ({} where the file has none)."""
    value = raw
    for key in slot.path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return {}
    return value if isinstance(value, Mapping) else {}


def text(raw: Any, slot: Slot, lang: str) -> str:
    """A slot's text in a language as a translator sees it ('' when there is none)."""
    value = texts_of(raw, slot).get(lang)
    if slot.words:
        words = [value] if isinstance(value, str | int) else value
        if not isinstance(words, list):
            return ""
        return SEPARATOR.join(str(w).strip() for w in words)
    return fold(value) if isinstance(value, str) else ""


def split_words(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def source_hash(dutch: str) -> str:
    return hashlib.sha256(dutch.encode()).hexdigest()[:12]


# -- the lock file ------------------------------------------------------------------------


def lock_path(menus_path: str | Path) -> Path:
    return Path(menus_path).parent / LOCK_NAME


def read_lock(menus_path: str | Path) -> dict | None:
    """The lock file, or None where there is none (then nothing is known about sources)."""
    path = lock_path(menus_path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc}); restore it from git, or make "
                         "it anew with flask translations baseline") from None
    data.setdefault("languages", {})
    data.setdefault("sources", {})
    return data


def entry(lock: Mapping, lang: str, tid: str) -> Mapping:
    found = lock.get("languages", {}).get(lang, {}).get(tid)
    return found if isinstance(found, Mapping) else {}


def dump_lock(lock: Mapping) -> str:
    """JSON with one line a text, so that a change shows as one line in a diff."""
    used = {e.get("source") for texts in lock["languages"].values() for e in texts.values()}
    sources = {h: t for h, t in sorted(lock["sources"].items()) if h in used}  # no orphans
    langs = []
    for lang, texts in sorted(lock["languages"].items()):
        rows = [f"   {json.dumps(tid)}: {json.dumps(e, sort_keys=True)}"
                for tid, e in sorted(texts.items())]
        langs.append(f"  {json.dumps(lang)}: {{\n" + ",\n".join(rows) + "\n  }")
    rows = [f"  {json.dumps(h)}: {json.dumps(t, ensure_ascii=False)}" for h, t in sources.items()]
    return ('{\n "languages": {\n' + ",\n".join(langs) + '\n },\n "sources": {\n'
            + ",\n".join(rows) + "\n }\n}\n")


def write_atomically(path: Path, content: str) -> None:
    """A temporary file in the same folder, then a rename: never half a file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(content)
        # mkstemp makes it private; the file keeps the mode it had, or a new one 0644.
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def baseline(raw: Mapping, langs: list[str], dutch: str, lock: dict | None = None) -> dict:
    """Every present translation of `langs` counted as made from today's Dutch, not
    reviewed: the starting point for a file translated before sources were tracked."""
    lock = lock or {"languages": {}, "sources": {}}
    for lang in langs:
        texts = lock["languages"].setdefault(lang, {})
        for slot in slots(raw):
            source = text(raw, slot, dutch)
            if source and text(raw, slot, lang):
                texts[slot.tid] = {"source": source_hash(source), "reviewed": False}
                lock["sources"][source_hash(source)] = source
    return lock


# -- what make check says ------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    total: int  # texts with a Dutch source
    reviewed: int
    stale: tuple[str, ...]  # ids whose Dutch changed since translated (or never tracked)


def status(raw: Mapping, lock: Mapping, lang: str, dutch: str) -> Status:
    reviewed, stale, total = 0, [], 0
    for slot in slots(raw):
        source = text(raw, slot, dutch)
        if not source:
            continue
        total += 1
        known = entry(lock, lang, slot.tid)
        if known.get("source") != source_hash(source):
            stale.append(slot.tid)
        elif known.get("reviewed") is True:
            reviewed += 1
    return Status(total, reviewed, tuple(stale))


def statuses(raw: Mapping, lock: Mapping | None, dutch: str) -> Iterator[tuple[str, Status]]:
    if lock is None:
        return
    for language in raw.get("languages") or []:
        code = str(language.get("code"))
        if code != dutch:
            yield code, status(raw, lock, code, dutch)
