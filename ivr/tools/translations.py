"""PO files for translators (gettext, with polib): export one language from menus.yaml,
and import a translator's or reviewer's file back into it.

The import writes menus.yaml with ruamel.yaml's round trip, so the file keeps its
comments, order and layout and only the imported texts change; it validates the result
with the start-up validator first and writes nothing when anything is wrong.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import polib
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
)

from ivr.content import catalogue as cat
from ivr.content import model as m
from ivr.content.model import PLACEHOLDER_RE
from ivr.content.problems import ERROR, Problem, suggest
from ivr.content.yamlfile import read_yaml
from ivr.lines import start
from ivr.tools.po_notes import Notes, text_ids
from ivr.voice import timing
from ivr.voice.checks import mended_by_recording

REVIEWER = "X-Reviewer"  # a reviewer's file names them here; a translator's leaves it empty
# The most an export can weigh, per text: its id, its Dutch (and the old Dutch of a stale
# one), a translation many times its Dutch in bytes (a script of two or three bytes a
# letter, a language that says it longer: the time goals and SMS segments keep a text
# near its Dutch), and its notes and marks (about 450 bytes at most today).
TRANSLATION_TIMES = 8
ENTRY_BYTES = 2048
HEADER_BYTES = 4096
WIDTH = 92  # the column menus.yaml's folded texts are wrapped at
BRACE = "python-brace-format"  # lets msgfmt -c and Poedit check the {placeholders}


class Refused(Exception):
    """The PO file cannot be imported; carries every problem, each already worded."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def round_trip() -> YAML:
    """ruamel.yaml set to write menus.yaml back exactly as it is written by hand."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line: folded texts keep their own breaks
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar(
        "tag:yaml.org,2002:null", "null"))  # the file writes `voice: null`, not `voice:`
    return yaml


# -- export --------------------------------------------------------------------------------


def export(menus_path: Path, menus: m.Menus, lang: str, reviewer: str = "") -> polib.POFile:
    """One entry per translatable text: msgctxt its id, msgid the Dutch, msgstr the
    translation; fuzzy (with the old Dutch as #| msgid) where the Dutch changed since.

    A reviewer's file names them in its header and each text carries a note for their
    review; every text they have not passed yet is fuzzy too: the reviewer clears that
    mark on each text they have read (Poedit does so when they change it), and only
    those count as reviewed on import: a name in the header alone reviews nothing."""
    raw, error = read_yaml(menus_path)
    if error:
        raise Refused([f"{menus_path}: {error}"])
    dutch = menus.settings.default_language
    lock = cat.read_lock(menus_path)
    notes = Notes(menus, lang)
    po = polib.POFile(wrapwidth=0)  # no re-wrapping: msgstr lines stay as the texts are
    po.header = (f"The information line on human trafficking, menus.yaml: Dutch to {lang}.\n"
                 "Translate each msgstr; keep every {placeholder} as it is. In a reviewer's\n"
                 "file (exported with their name) clear \"Needs work\" on each text that is right.")
    po.metadata = header(lang)
    po.metadata[REVIEWER] = reviewer
    for slot in cat.slots(raw):
        source = cat.text(raw, slot, dutch)
        if not source:
            continue
        comment = notes(slot, source)
        entry = polib.POEntry(msgctxt=slot.tid, msgid=source, msgstr=cat.text(raw, slot, lang),
                              comment=f"{comment}\n{review_note(reviewer)}" if reviewer
                              else comment)
        if PLACEHOLDER_RE.search(source) and not slot.words:
            entry.flags.append(BRACE)
        _mark(entry, lock, lang, slot.tid, reviewer)
        po.append(entry)
    return po


def _mark(entry: polib.POEntry, lock: dict | None, lang: str, tid: str, reviewer: str) -> None:
    """Fuzzy where the Dutch changed since (with the old Dutch), or, in a reviewer's
    file, where the text is not reviewed yet (without a lock file, none is)."""
    if not entry.msgstr:
        return
    known = cat.entry(lock, lang, tid) if lock is not None else {}
    if lock is not None and known.get("source") != cat.source_hash(entry.msgid):
        entry.flags.insert(0, "fuzzy")
        entry.previous_msgid = lock["sources"].get(known.get("source"))
    elif reviewer and known.get("reviewed") is not True:
        entry.flags.insert(0, "fuzzy")


def review_note(reviewer: str) -> str:
    """The note on each text of a reviewer's export. With the entry's fuzzy mark (gettext's
    "not yet right") it tells the import whether the reviewer passed the text: a
    translator's file, with a reviewer's name written into its header, has neither."""
    return f"For review by {reviewer}: clear \"Needs work\" (fuzzy) once the text is right."


def header(lang: str) -> dict[str, str]:
    return {
        "Project-Id-Version": "menus.yaml",
        "Report-Msgid-Bugs-To": "",
        "PO-Revision-Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000"),
        "Last-Translator": "",
        "Language-Team": "",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        REVIEWER: "",
    }


# -- import --------------------------------------------------------------------------------


@dataclass
class Imported:
    lang: str
    reviewer: str  # the reviewer the file's header names; '' in a translator's file
    changed: list[str] = field(default_factory=list)  # text ids whose text changed
    reviewed: list[str] = field(default_factory=list)  # text ids marked reviewed
    skipped: list[str] = field(default_factory=list)  # why an entry was left alone
    wrote: list[str] = field(default_factory=list)  # the files written


def import_po(menus_path: Path, audio_dir: Path | None, po_path: Path) -> Imported:
    """Write a PO file's translations into menus.yaml and the lock file; raises Refused,
    writing nothing, when the file or the resulting menus has any problem."""
    source_text = menus_path.read_text(encoding="utf-8")
    yaml = round_trip()
    try:
        doc = yaml.load(source_text)
    except YAMLError as exc:
        raise Refused([f"{menus_path}: cannot be read ({exc}); run make check and fix it "
                       "first"]) from None
    dutch = str(doc["settings"]["default_language"])
    po = _read_po(po_path, size_limit(doc, dutch))
    lang = _language(po, doc, dutch, po_path)
    lock = cat.read_lock(menus_path) or {"languages": {}, "sources": {}}
    result = Imported(lang, po.metadata.get(REVIEWER, "").strip())
    problems, lines = _apply(po, po_path, doc, lock, dutch, result)
    flag = _sync_reviewed(doc, lock, lang, dutch)
    new_text = _dump(yaml, doc) if result.changed or flag else source_text
    if new_text != source_text:
        # With the entries' own problems: every problem at once, not one kind a try.
        problems += _validate(menus_path, audio_dir, new_text, (lang, dutch), lines,
                              result.changed)
    if problems:
        raise Refused(problems)
    if new_text != source_text:
        cat.write_atomically(menus_path, new_text)
        result.wrote.append(str(menus_path))
    lock_text = cat.dump_lock(lock)
    lock_file = cat.lock_path(menus_path)
    if not lock_file.exists() or lock_file.read_text(encoding="utf-8") != lock_text:
        cat.write_atomically(lock_file, lock_text)
        result.wrote.append(str(lock_file))
    return result


def _sync_reviewed(doc: Any, lock: dict, lang: str, dutch: str) -> bool:
    """The language's `reviewed:` in menus.yaml: true exactly when every one of its texts
    is reviewed and none is stale. Whether it changed."""
    status = cat.status(doc, lock, lang, dutch)
    want = status.reviewed == status.total and not status.stale
    language = next(entry for entry in doc["languages"] if str(entry["code"]) == lang)
    if language.get("reviewed") is want:
        return False
    language["reviewed"] = want
    return True


def size_limit(doc: Any, dutch: str) -> int:
    """The most bytes an export of this menus file can be, with every text translated."""
    return HEADER_BYTES + sum(
        len(slot.tid) + ENTRY_BYTES + len(cat.text(doc, slot, dutch).encode()) * (
            2 + TRANSLATION_TIMES) for slot in cat.slots(doc))


def _read_po(po_path: Path, limit: int) -> polib.POFile:
    """The PO file, read only when it is a file no larger than an export can be (a pipe
    or a device would never end, and polib holds all of a file in memory)."""
    if not po_path.is_file():
        raise Refused([f"{po_path}: not a regular file; give the PO file itself"])
    size = po_path.stat().st_size
    if size > limit:
        raise Refused([f"{po_path}: {size} bytes, far more than an export of this menus.yaml "
                       f"can be (at most {limit} bytes with every text translated); import "
                       "the file flask translations export made, with its translations"])
    try:
        return polib.pofile(str(po_path), wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise Refused([f"{po_path}: not a PO file that can be read ({exc}); export it "
                       "again with flask translations export"]) from None


def _language(po: polib.POFile, doc: Any, dutch: str, po_path: Path) -> str:
    lang = po.metadata.get("Language", "").strip().replace("-", "_").split("_")[0].lower()
    codes = [str(language["code"]) for language in doc["languages"]]
    if lang == dutch:
        raise Refused([f"{po_path}: header 'Language: {lang}' is the source language; "
                       "Dutch is edited in menus.yaml itself"])
    if lang not in codes:
        raise Refused([f"{po_path}: header 'Language: {lang}' is not a language of "
                       f"menus.yaml{suggest(lang, codes)}; set it to one of "
                       f"{', '.join(c for c in codes if c != dutch)}"])
    return lang


def _apply(po: polib.POFile, po_path: Path, doc: Any, lock: dict, dutch: str,
           result: Imported) -> tuple[list[str], dict[str, int]]:
    """Set each entry's text in the document and its source in the lock; the entries'
    problems, and the PO line of each text id, for naming problems."""
    by_id = {slot.tid: slot for slot in cat.slots(doc)}
    problems: list[str] = []
    lines: dict[str, int] = {}
    # An obsolete entry (#~) is no text of the file any more, for gettext as for us.
    current = [entry for entry in po if not entry.obsolete]
    for entry in current:
        where = f"{po_path.name} line {entry.linenum}: {entry.msgctxt}"
        slot = by_id.get(entry.msgctxt or "")
        if slot is not None and slot.tid in lines:
            problems.append(f"{where}: given again (first at line {lines[slot.tid]}); keep "
                            "one entry for each text, or export the file again")
            continue
        if slot is None:
            problems.append(f"{where}: not a text of menus.yaml"
                            f"{suggest(entry.msgctxt or '', list(by_id))}; export the file again")
            continue
        lines[slot.tid] = entry.linenum or 0
        problem = _entry(entry, slot, doc, lock, dutch, result)
        if problem:
            problems.append(f"{where}: {problem}")
    if result.reviewer and not any(_for_review(entry, result.reviewer) for entry in current):
        problems.append(f"{po_path}: its header names a reviewer ({REVIEWER}: "
                        f"{result.reviewer}), but none of its texts was exported for their "
                        "review, so none can count as reviewed; make their file with flask "
                        f"translations export --lang {result.lang} --reviewer "
                        f"\"{result.reviewer}\"")
    return problems, lines


def _for_review(entry: polib.POEntry, reviewer: str) -> bool:
    """Whether the entry came from an export for this reviewer (it carries their note)."""
    note = review_note(reviewer)
    return any(line.strip() == note for line in (entry.comment or "").splitlines())


def _entry(entry: polib.POEntry, slot: cat.Slot, doc: Any, lock: dict, dutch: str,
           result: Imported) -> str | None:
    """One entry into the document and lock; a problem, if it has one."""
    source = cat.text(doc, slot, dutch)
    if entry.fuzzy or not entry.msgstr.strip():
        result.skipped.append(f"{slot.tid}: {'fuzzy' if entry.fuzzy else 'not translated'}")
        return None
    if cat.fold(entry.msgid) != source:
        result.skipped.append(f"{slot.tid}: its Dutch changed since the file was exported")
        return None
    new = cat.fold(entry.msgstr)
    if slot.words:
        new = cat.SEPARATOR.join(cat.split_words(new))
    else:
        # An extra placeholder is the validator's to judge (a language may name the
        # contact where Dutch does not); a dropped one loses a number or a key.
        lost = set(PLACEHOLDER_RE.findall(source)) - set(PLACEHOLDER_RE.findall(new))
        if lost:
            return "; ".join(f"placeholder {{{name}}} of the Dutch text is missing: keep it "
                             "as it is" for name in sorted(lost))
    _record(slot, source, new, doc, lock, result, bool(result.reviewer) and
            _for_review(entry, result.reviewer))
    return None


def _record(slot: cat.Slot, source: str, new: str, doc: Any, lock: dict,
            result: Imported, passed: bool) -> None:
    """The text into the document, and its source into the lock: reviewed when a reviewer
    passed it (no longer fuzzy in their export), or when it was and stays as it is."""
    old = cat.text(doc, slot, result.lang)
    texts = lock["languages"].setdefault(result.lang, {})
    known = texts.get(slot.tid, {})
    digest = cat.source_hash(source)
    if new != old:
        _set(cast(CommentedMap, cat.texts_of(doc, slot)), result.lang, new, slot.words)
        result.changed.append(slot.tid)
    was_reviewed = known.get("reviewed") is True and known.get("source") == digest
    reviewed = passed or (was_reviewed and new == old)
    if reviewed and not was_reviewed:
        result.reviewed.append(slot.tid)
    entry = {"reviewed": reviewed, "source": digest}
    if known != entry:
        texts[slot.tid] = entry
        lock["sources"][digest] = source


# -- writing menus.yaml ----------------------------------------------------------------------


def _set(mapping: CommentedMap, lang: str, new: str, words: bool) -> None:
    """Put a text in place in the style of the one it replaces."""
    old = mapping.get(lang)
    if words:
        seq = CommentedSeq(DoubleQuotedScalarString(w) for w in cat.split_words(new))
        if not isinstance(old, CommentedSeq) or old.fa.flow_style():
            seq.fa.set_flow_style()
        mapping[lang] = seq
    elif "\n" in new:
        mapping[lang] = LiteralScalarString(new)
    elif isinstance(old, FoldedScalarString) or _column(mapping) + len(lang) + 2 + len(new) > WIDTH:
        mapping[lang] = _folded(new, _column(mapping) + 2)
    else:
        mapping[lang] = new


def _column(mapping: CommentedMap) -> int:
    """The column of the mapping's keys (the languages)."""
    first = next(iter(mapping), None)
    try:
        return mapping.lc.key(first)[1]
    except (KeyError, TypeError, AttributeError):
        return 6


def _folded(text: str, indent: int) -> FoldedScalarString:
    """A `>-` text broken at spaces before column WIDTH, as the file's texts are."""
    lines = textwrap.wrap(text, WIDTH - indent, break_long_words=False,
                          break_on_hyphens=False)
    folded = FoldedScalarString(" ".join(lines))
    positions, at = [], 0
    for line in lines[:-1]:
        at += len(line)
        positions.append(at)
        at += 1
    folded.fold_pos = positions
    return folded


def _dump(yaml: YAML, doc: Any) -> str:
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


# -- validating the would-be file ------------------------------------------------------------

ORIGINS = (
    (re.compile(r"^node '([^']+)' field '(title|say|sms|keywords)'"), "nodes.{0}.{1}"),
    (re.compile(r"^node '([^']+)' field 'sms'"), "nodes.{0}.sms"),
    (re.compile(r"^prompt '([^']+)'"), "prompts.{0}"),
    (re.compile(r"^contact '([^']+)' field 'name'"), "contacts.{0}.name"),
    (re.compile(r"^sms keywords field '([^']+)'"), "sms.keywords.{0}"),
    (re.compile(r"^sms field 'lock_screen_words'"), "sms.lock_screen_words"),
)


def _validate(menus_path: Path, audio_dir: Path | None, new_text: str, langs: tuple[str, str],
              lines: dict[str, int], changed: list[str]) -> list[str]:
    """Start-up's own checks (ivr.lines.start, every round of them) and the time goals, on
    the file as it is and as it would be: the problems the would-be file has and this one
    has not, of the imported language or of the whole line, each named by text id and PO
    line; and when the would-be file would not start, everything that stops it."""
    lang, dutch = langs
    audio = audio_dir or menus_path.parent / "audio"
    _, before = _problems(menus_path, audio)
    handle, temp = tempfile.mkstemp(dir=menus_path.parent, suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new_text)
        menus, after = _problems(Path(temp), audio)
    finally:
        os.unlink(temp)
    known = {(p.where, p.message) for p in before}
    stops = menus is None
    named = []
    for problem in after:
        stopping = stops and problem.lang in (None, dutch)
        if (problem.where, problem.message) in known:
            if stopping:
                named.append(f"{problem.where}: {problem.message} (in {menus_path.name} "
                             "already; the line does not start until it is fixed: make check)")
        elif stopping or (problem.lang in (lang, None) and not mended_by_recording(problem)):
            named.append(_name(menus, problem, lines, changed))
    return named


def _problems(path: Path, audio_dir: Path) -> tuple[m.Menus | None, list[Problem]]:
    """The errors start-up and make check find: with the recordings, as start-up checks
    them (a changed text that leaves a language without a recording of it only takes
    that language off the line until flask audio render or a person mends it; the
    import says so); the model, or None when the line would not start with this file."""
    found = start(path, audio_dir)
    problems = list(found.problems)
    if found.menus is not None:
        problems += timing.problems(found.menus, path.name)
    return found.menus, [p for p in problems if p.severity == ERROR]


def _name(menus: m.Menus | None, problem: Problem, lines: dict[str, int],
          changed: list[str]) -> str:
    tid = _origin(menus, problem)
    named = f"{tid} (PO line {lines[tid]})" if tid in lines else problem.where
    if tid in changed or not changed:
        return f"{named}: {problem.message}"
    # A reply made of several texts (an index page, a keyword that means two things):
    # the texts this file changed are the ones to look at.
    suspects = ", ".join(f"{t} (PO line {lines[t]})" for t in changed if t in lines)
    return f"{named}: {problem.message}; after this file's changes to {suspects}"


def _origin(menus: m.Menus | None, problem: Problem) -> str | None:
    for pattern, form in ORIGINS:
        found = pattern.match(problem.where)
        if found:
            return form.format(*found.groups())
    uid = re.match(r"^utterance '([^']+)'", problem.where)
    if uid and menus is not None:
        return next(iter(text_ids(menus, uid.group(1))), None)
    return None
