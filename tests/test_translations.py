"""PO export and import: round trips byte for byte, msgfmt -c on every export,
broken files refused with menus.yaml untouched, stale sources and reviews tracked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from ivr.content import catalogue as cat
from ivr.content.problems import MenuError
from ivr.content.yamlfile import read_yaml
from ivr.lines import load_menus
from ivr.tools import translations as tr
from ivr.tools.report import build_report, render_text

from .helpers import MENUS_PATH, ROOT, need, shipped_menus

LANGS = [code for code in shipped_menus().languages if code != "nl"]


def lock_of(line) -> dict:
    """The line's lock file, which these tests expect to exist."""
    lock = cat.read_lock(line)
    assert lock is not None, f"no lock file beside {line}"
    return lock


@pytest.fixture
def line(tmp_path: Path) -> Path:
    """A copy of menus.yaml and its lock file, which imports may write."""
    shutil.copy(MENUS_PATH, tmp_path / "menus.yaml")
    shutil.copy(ROOT / cat.LOCK_NAME, tmp_path / cat.LOCK_NAME)
    return tmp_path / "menus.yaml"


def export(path: Path, lang: str, target: Path) -> polib.POFile:
    menus, _ = load_menus(path, ROOT / "audio")
    po = tr.export(path, menus, lang)
    po.save(str(target))
    return polib.pofile(str(target))


def import_(path: Path, po: Path) -> tr.Imported:
    return tr.import_po(path, ROOT / "audio", po)


def edited(path: Path, lang: str, target: Path, **changes: str) -> Path:
    """An export of `lang` with some texts changed: msgctxt (dots as __) -> new msgstr."""
    po = export(path, lang, target)
    for entry in po:
        new = changes.get(entry.msgctxt.replace(".", "__"))
        if new is not None:
            entry.msgstr = new
    po.save(str(target))
    return target


def test_the_lock_file_knows_every_translation_of_the_shipped_file():
    raw, _ = read_yaml(MENUS_PATH)
    lock = cat.read_lock(MENUS_PATH)
    assert lock is not None
    for lang in LANGS:
        status = cat.status(raw, lock, lang, "nl")
        assert status.stale == (), lang
        assert status.total == len(cat.slots(raw)) > 150


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.slow
def test_export_then_import_changes_nothing_byte_for_byte(line: Path, tmp_path: Path, lang):
    before = line.read_bytes(), (tmp_path / cat.LOCK_NAME).read_bytes()
    export(line, lang, tmp_path / f"{lang}.po")
    done = import_(line, tmp_path / f"{lang}.po")
    assert done.changed == [] and done.wrote == []
    assert (line.read_bytes(), (tmp_path / cat.LOCK_NAME).read_bytes()) == before


@pytest.mark.parametrize("lang", LANGS)
def test_every_export_passes_msgfmt_check(tmp_path: Path, lang):
    need("msgfmt")
    menus = shipped_menus()
    tr.export(MENUS_PATH, menus, lang).save(str(tmp_path / "x.po"))
    run = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(tmp_path / "x.po")],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr


@pytest.mark.slow  # a whole line exported, and msgfmt run
def test_msgfmt_check_catches_a_dropped_placeholder(tmp_path: Path):
    """The python-brace-format flag: Poedit and msgfmt -c see a lost {police} too."""
    need("msgfmt")
    po = edited(MENUS_PATH, "en", tmp_path / "en.po", nodes__victim__say="Call the police.")
    run = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True,
                         text=True)
    assert run.returncode != 0 and "police" in run.stderr


@pytest.mark.slow
def test_an_edit_changes_only_its_lines_and_keeps_the_layout(line: Path, tmp_path: Path):
    before = line.read_text(encoding="utf-8").splitlines()
    po = edited(line, "en", tmp_path / "en.po", contacts__police__name="the Dutch police",
                nodes__help__keywords="HELP, SOS, SUPPORT")
    done = import_(line, po)
    assert sorted(done.changed) == ["contacts.police.name", "nodes.help.keywords"]
    after = line.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("      en: the police", "      en: the Dutch police"),
                       ('      en: ["HELP", "SOS"]', '      en: ["HELP", "SOS", "SUPPORT"]')]
    menus, _ = load_menus(line, ROOT / "audio")
    assert menus.contacts["police"].names["en"] == "the Dutch police"


@pytest.mark.slow
def test_a_long_text_is_folded_as_the_file_folds_them(line: Path, tmp_path: Path):
    text = ("Are you a victim of human trafficking, and do you want to report it? Call the "
            "police on {police}, and ask for a detective who knows human trafficking.")
    import_(line, edited(line, "en", tmp_path / "en.po", nodes__victim__say=text))
    lines = line.read_text(encoding="utf-8").splitlines()
    start = lines.index("      en: >-", lines.index("  victim:"))
    assert all(len(x) <= tr.WIDTH for x in lines[start:start + 3])
    assert load_menus(line, ROOT / "audio")[0].nodes["victim"].say["en"] == text


def _refused(line: Path, po: Path) -> list[str]:
    before = line.read_bytes(), sorted(p.name for p in line.parent.iterdir())
    with pytest.raises(tr.Refused) as refused:
        import_(line, po)
    assert (line.read_bytes(), sorted(p.name for p in line.parent.iterdir())) == before
    return refused.value.problems


@pytest.mark.slow
def test_a_dropped_placeholder_is_refused_by_msgctxt_and_line(line: Path, tmp_path: Path):
    po = edited(line, "en", tmp_path / "en.po", nodes__victim__say="Call the police.")
    [problem] = _refused(line, po)
    entry = next(e for e in polib.pofile(str(po)) if e.msgctxt == "nodes.victim.say")
    assert f"line {entry.linenum}: nodes.victim.say" in problem and "{police}" in problem


@pytest.mark.slow
def test_an_unknown_msgctxt_is_refused(line: Path, tmp_path: Path):
    po = export(line, "pl", tmp_path / "pl.po")
    po[3].msgctxt = "nodes.victum.say"
    po.save(str(tmp_path / "pl.po"))
    [problem] = _refused(line, tmp_path / "pl.po")
    assert "nodes.victum.say: not a text of menus.yaml" in problem


# Each a whole line exported, imported and checked again: make quick runs the first.
@pytest.mark.parametrize("header", ["xx", pytest.param("nl", marks=pytest.mark.slow),
                                    pytest.param("", marks=pytest.mark.slow)])
def test_a_wrong_language_header_is_refused(line: Path, tmp_path: Path, header):
    po = export(line, "pl", tmp_path / "pl.po")
    po.metadata["Language"] = header
    po.save(str(tmp_path / "pl.po"))
    [problem] = _refused(line, tmp_path / "pl.po")
    assert f"'Language: {header}'" in problem


@pytest.mark.slow
def test_the_validator_refuses_an_sms_over_its_segments(line: Path, tmp_path: Path):
    """The numbers sent to a caller are one message, never cut into pages."""
    raw, _ = read_yaml(line)
    text = raw["nodes"]["text_report"]["sms"]["en"].strip()
    po = edited(line, "en", tmp_path / "en.po", nodes__text_report__sms="Help. " * 90 + text)
    problems = _refused(line, po)
    assert problems and all(p.startswith("nodes.text_report.sms (PO line ") for p in problems)
    assert "segments" in problems[0]


@pytest.mark.slow
def test_the_validator_refuses_a_lock_screen_word_up_front(line: Path, tmp_path: Path):
    """A word every English text shows on a locked phone: the header's."""
    raw, _ = read_yaml(line)
    words = raw["prompts"]["sms_header"]["en"].split()
    word = max((w.strip(".,:!?").lower() for w in words[:5] if w.strip(".,:!?").isalpha()),
               key=len)
    po = edited(line, "en", tmp_path / "en.po", sms__lock_screen_words=f"report, {word}")
    problems = _refused(line, po)
    assert problems and all("locked phone" in p for p in problems), problems
    assert all("changes to sms.lock_screen_words (PO line " in p for p in problems), problems[:2]


def passed_by(path: Path, lang: str, reviewer: str, target: Path) -> polib.POFile:
    """A reviewer's export of `lang` with every text passed: no mark "Needs work" left."""
    menus, _ = load_menus(path, ROOT / "audio")
    po = tr.export(path, menus, lang, reviewer)
    for entry in po.fuzzy_entries():
        entry.flags.remove("fuzzy")
    po.save(str(target))
    return po


@pytest.mark.slow
def test_a_reviewers_file_marks_its_texts_reviewed(line: Path, tmp_path: Path):
    po = passed_by(line, "ro", "Ana Pop", tmp_path / "ro.po")
    raw, _ = read_yaml(line)
    assert cat.status(raw, lock_of(line), "ro", "nl").reviewed == 0
    done = import_(line, tmp_path / "ro.po")
    assert done.changed == [] and len(done.reviewed) == len(po)
    status = cat.status(raw, lock_of(line), "ro", "nl")
    assert status.reviewed == status.total
    # A translator's later change to a text takes its review away again.
    import_(line, edited(line, "ro", tmp_path / "ro2.po", contacts__iom__name="O.I.M."))
    assert cat.status(raw, lock_of(line), "ro", "nl").reviewed == status.total - 1


@pytest.mark.slow
def test_a_reviewers_export_asks_for_each_text_to_be_passed(line: Path, tmp_path: Path):
    menus, _ = load_menus(line, ROOT / "audio")
    po = tr.export(line, menus, "bg", reviewer="Ivan Petrov")
    assert po.metadata[tr.REVIEWER] == "Ivan Petrov"
    assert len(po.fuzzy_entries()) == len(po)  # none reviewed yet
    po.save(str(tmp_path / "bg.po"))
    before = line.read_bytes()
    assert import_(line, tmp_path / "bg.po").reviewed == []  # untouched: nothing passed
    assert line.read_bytes() == before
    passed = next(e for e in po if e.msgctxt == "prompts.goodbye")
    passed.flags.remove("fuzzy")
    po.save(str(tmp_path / "bg.po"))
    assert import_(line, tmp_path / "bg.po").reviewed == ["prompts.goodbye"]
    again = tr.export(line, menus, "bg", reviewer="Ivan Petrov")
    assert len(again.fuzzy_entries()) == len(again) - 1


@pytest.mark.slow
def test_a_changed_dutch_text_is_stale_and_exported_fuzzy(line: Path, tmp_path: Path):
    text = line.read_text(encoding="utf-8")
    line.write_text(text.replace("      nl: de politie\n", "      nl: de Nederlandse politie\n"),
                    encoding="utf-8")
    raw, _ = read_yaml(line)
    assert cat.status(raw, lock_of(line), "fr", "nl").stale == ("contacts.police.name",)
    po = export(line, "fr", tmp_path / "fr.po")
    entry = next(e for e in po if e.msgctxt == "contacts.police.name")
    assert entry.fuzzy and entry.previous_msgid == "de politie"
    assert entry.msgid == "de Nederlandse politie" and entry.msgstr == "la police"
    # Imported as it is, a fuzzy entry stays stale; once unmarked, it is current again.
    import_(line, tmp_path / "fr.po")
    assert cat.status(raw, lock_of(line), "fr", "nl").stale == ("contacts.police.name",)
    entry.flags.remove("fuzzy")
    po.save(str(tmp_path / "fr.po"))
    import_(line, tmp_path / "fr.po")
    assert cat.status(raw, lock_of(line), "fr", "nl").stale == ()


@pytest.mark.slow
def test_make_check_lists_stale_texts_and_reviews_per_language(line: Path):
    text = line.read_text(encoding="utf-8")
    line.write_text(text.replace("      nl: de politie\n", "      nl: de Nederlandse politie\n"),
                    encoding="utf-8")
    report = build_report(line, ROOT / "audio")
    total = len(cat.slots(read_yaml(line)[0]))
    for lang in report.languages:
        if lang.code != "nl":
            assert (lang.texts, lang.texts_reviewed) == (total, 0)
            assert lang.stale_texts == ["contacts.police.name"]
    shown = "\n".join(render_text(report))
    assert f"es Español: complete, reviewed 0/{total}, 1 stale text(s);" in shown
    assert "stale texts, their Dutch changed since translated (1): contacts.police.name" in shown


@pytest.mark.slow
def test_the_last_review_sets_the_language_reviewed_in_menus_yaml(line: Path, tmp_path: Path):
    passed_by(line, "hu", "Kovács Anna", tmp_path / "hu.po")
    before = line.read_text(encoding="utf-8").splitlines()
    import_(line, tmp_path / "hu.po")
    after = line.read_text(encoding="utf-8").splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ("    reviewed: false", "    reviewed: true")]
    assert load_menus(line, ROOT / "audio")[0].languages["hu"].reviewed


def test_the_readme_shows_each_languages_reviewed_texts():
    raw, _ = read_yaml(MENUS_PATH)
    lock = cat.read_lock(MENUS_PATH)
    assert lock is not None
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for lang in LANGS:
        status = cat.status(raw, lock, lang, "nl")
        row = next(r for r in readme.splitlines() if r.startswith(f"| {lang} |"))
        assert row.endswith(f"| {status.reviewed}/{status.total} |"), (
            f"README's language table: give {lang} {status.reviewed}/{status.total}")


def test_the_notes_say_where_a_text_goes_its_limits_and_its_placeholders():
    po = tr.export(MENUS_PATH, shipped_menus(), "uk")
    notes = {entry.msgctxt: entry.comment for entry in po}
    police = shipped_menus().contacts["police"]
    said = notes["nodes.victim.say"]
    assert "Heard on the phone (voice), e.g. as node.victim" in said and "at most 25 s" in said
    assert f"{{police}} becomes the number of the police, spoken in digit groups " \
           f"({' '.join(police.spoken)}), twice" in said
    written = notes["nodes.text_report.sms"]
    assert "one text message (SMS) sent to a caller, never split" in written
    assert f"{{police}} becomes the number of the police, written {police.display}" in written
    assert "MORE keyword" in notes["nodes.help.sms"]
    assert "separated by a comma" in notes["nodes.help.keywords"]
    assert "locked phone" in notes["sms.lock_screen_words"]
    entry = next(e for e in po if e.msgctxt == "nodes.help.keywords")
    assert entry.msgstr == ", ".join(read_yaml(MENUS_PATH)[0]["nodes"]["help"]["keywords"]["uk"])


@pytest.mark.slow
def test_a_keyword_that_means_two_things_is_refused(line: Path, tmp_path: Path):
    raw, _ = read_yaml(line)
    taken = raw["nodes"]["report"]["keywords"]["en"][0]
    po = edited(line, "en", tmp_path / "en.po", nodes__help__keywords=f"HELP, SOS, {taken}")
    problems = _refused(line, po)
    assert any(f"sms keyword '{taken}': means two things" in p and
               "changes to nodes.help.keywords (PO line " in p for p in problems), problems


# -- the import runs start-up's checks, every round of them -------------------------------

CLASH = ("sms keyword 'POMOC': means two things: topic 'help' (pl) and topic 'report' (pl); "
         "give each its own word")


def without_a_hungarian_text(line: Path) -> Path:
    """The line while Hungarian is being added: one of its texts still missing."""
    text = line.read_text(encoding="utf-8")
    assert "      hu: a rendőrség\n" in text
    line.write_text(text.replace("      hu: a rendőrség\n", "", 1), encoding="utf-8")
    return line


def po_line(po: Path, tid: str) -> int:
    return next(e.linenum or 0 for e in polib.pofile(str(po)) if e.msgctxt == tid)


@pytest.mark.slow
def test_an_import_is_checked_as_start_up_checks_it_while_a_language_is_incomplete(
        line: Path, tmp_path: Path):
    """Hungarian is left out at start-up, and then the SMS keywords are checked: Polish
    giving POMOC to two topics would stop the line, so nothing is written."""
    without_a_hungarian_text(line)
    po = edited(line, "pl", tmp_path / "pl.po", nodes__report__keywords="POMOC, ZGŁOŚ")
    assert _refused(line, po) == [
        f"{CLASH}; after this file's changes to nodes.report.keywords (PO line "
        f"{po_line(po, 'nodes.report.keywords')})"]


@pytest.mark.slow
def test_an_import_reports_every_problem_at_once(line: Path, tmp_path: Path):
    """An entry's own problem and what the checks of the whole file find, together."""
    without_a_hungarian_text(line)
    po = edited(line, "pl", tmp_path / "pl.po", nodes__report__keywords="POMOC, ZGŁOŚ",
                nodes__victim__say="Zadzwoń na policję.")
    assert _refused(line, po) == [
        f"pl.po line {po_line(po, 'nodes.victim.say')}: nodes.victim.say: placeholder "
        "{police} of the Dutch text is missing: keep it as it is",
        f"{CLASH}; after this file's changes to nodes.report.keywords (PO line "
        f"{po_line(po, 'nodes.report.keywords')})"]


@pytest.mark.slow
def test_an_import_writes_nothing_into_a_file_the_line_would_not_start_with(
        line: Path, tmp_path: Path):
    """A problem the file had before the import still stops the line after it."""
    po = edited(line, "pl", tmp_path / "pl.po", nodes__report__keywords="ZGŁOŚ, RAPORT")
    text = line.read_text(encoding="utf-8")
    line.write_text(text.replace('      en: ["REPORT"]\n', '      en: ["REPORT", "HELP"]\n', 1),
                    encoding="utf-8")
    assert _refused(line, po) == [
        "sms keyword 'HELP': means two things: topic 'help' (en) and topic 'report' (en); "
        "give each its own word (in menus.yaml already; the line does not start until it is "
        "fixed: make check)"]


@pytest.mark.slow
def test_an_import_may_leave_a_language_waiting_for_its_recordings(line: Path, tmp_path: Path):
    """Ukrainian is played from recordings: a new text of it takes it off the line until
    they are made again, as start-up says; the import is not refused for that."""
    po = edited(line, "uk", tmp_path / "uk.po",
                nodes__victim__say="Телефонуйте в поліцію: {police}.")
    assert import_(line, po).changed == ["nodes.victim.say"]
    menus, warnings = load_menus(line, ROOT / "audio")
    assert "uk" not in menus.languages
    assert "menus.yaml: language 'uk': warning: is not offered: 1 problem(s); run flask menus " \
           "check" in [str(w) for w in warnings]


@pytest.mark.slow  # a whole line checked again
def test_make_check_shows_what_stops_the_start_after_an_incomplete_language(line: Path):
    """The keyword clash is found only once Hungarian is left out; make check lists it
    beside the missing text, and start-up refuses for it."""
    without_a_hungarian_text(line)
    text = line.read_text(encoding="utf-8")
    line.write_text(text.replace('      pl: ["ZGŁOŚ", "ZGŁOSZENIE"]\n',
                                 '      pl: ["POMOC", "ZGŁOŚ"]\n', 1), encoding="utf-8")
    report = build_report(line, ROOT / "audio")
    assert not report.starts
    assert [e["text"] for e in report.errors] == [
        "menus.yaml: contact 'police' field 'name': missing translation for 'hu'",
        f"menus.yaml: {CLASH}"]
    assert render_text(report)[:3] == ["Errors (2): these must be fixed",
                                       "  menus.yaml: contact 'police' field 'name': missing "
                                       "translation for 'hu'", f"  menus.yaml: {CLASH}"]
    with pytest.raises(MenuError) as refused:
        load_menus(line, ROOT / "audio")
    assert f"menus.yaml: {CLASH}" in str(refused.value).splitlines()


# -- what the import trusts of a PO file ----------------------------------------------------


@pytest.mark.slow
def test_a_reviewers_name_in_a_translators_file_reviews_nothing(line: Path, tmp_path: Path):
    """Only the texts a reviewer's export marked, and the reviewer unmarked, count."""
    po = export(line, "ro", tmp_path / "ro.po")
    po.metadata[tr.REVIEWER] = "Ana Pop"
    po.save(str(tmp_path / "ro.po"))
    lock = (tmp_path / cat.LOCK_NAME).read_bytes()
    assert _refused(line, tmp_path / "ro.po") == [
        f"{tmp_path / 'ro.po'}: its header names a reviewer (X-Reviewer: Ana Pop), but none "
        "of its texts was exported for their review, so none can count as reviewed; make "
        'their file with flask translations export --lang ro --reviewer "Ana Pop"']
    assert (tmp_path / cat.LOCK_NAME).read_bytes() == lock


@pytest.mark.slow  # a whole line exported, imported and checked again
def test_a_reviewers_note_on_some_texts_reviews_only_those(line: Path, tmp_path: Path):
    """A text of a reviewer's file without its note (pasted from a translator's file)
    is no text the reviewer was asked to pass."""
    po = passed_by(line, "ro", "Ana Pop", tmp_path / "ro.po")
    pasted = next(e for e in po if e.msgctxt == "prompts.goodbye")
    pasted.comment = pasted.comment.replace(tr.review_note("Ana Pop"), "")
    po.save(str(tmp_path / "ro.po"))
    done = import_(line, tmp_path / "ro.po")
    assert "prompts.goodbye" not in done.reviewed and len(done.reviewed) == len(po) - 1


@pytest.mark.slow  # a whole line loaded again
def test_a_reviewers_export_without_a_lock_file_asks_for_every_text(line: Path):
    """Nothing is known to be reviewed: every translated text is marked "Needs work"."""
    (line.parent / cat.LOCK_NAME).unlink()
    menus, _ = load_menus(line, ROOT / "audio")
    po = tr.export(line, menus, "fr", reviewer="Claire Martin")
    assert len(po.fuzzy_entries()) == len(po)
    assert all(e.comment.endswith("\n" + tr.review_note("Claire Martin")) for e in po)


@pytest.mark.slow
def test_a_repeated_msgctxt_is_refused_with_both_lines(line: Path, tmp_path: Path):
    po = export(line, "pl", tmp_path / "pl.po")
    first = next(e for e in po if e.msgctxt == "contacts.police.name")
    po.append(polib.POEntry(msgctxt=first.msgctxt, msgid=first.msgid, msgstr="policja"))
    po.save(str(tmp_path / "pl.po"))
    lines = [e.linenum for e in polib.pofile(str(tmp_path / "pl.po"))
             if e.msgctxt == "contacts.police.name"]
    assert _refused(line, tmp_path / "pl.po") == [
        f"pl.po line {lines[1]}: contacts.police.name: given again (first at line "
        f"{lines[0]}); keep one entry for each text, or export the file again"]


@pytest.mark.slow
def test_an_obsolete_entry_is_not_imported(line: Path, tmp_path: Path):
    """gettext's #~ entries are texts no longer in the file: not translations of it."""
    po = export(line, "pl", tmp_path / "pl.po")
    po.append(polib.POEntry(msgctxt="contacts.police.name", msgid="de politie",
                            msgstr="policja holenderska", obsolete=True))
    po.save(str(tmp_path / "pl.po"))
    before = line.read_bytes()
    assert import_(line, tmp_path / "pl.po").changed == []
    assert line.read_bytes() == before


@pytest.mark.slow
def test_a_file_far_larger_than_any_export_is_refused_unread(line: Path, tmp_path: Path):
    """The bound lies between four and ten times the largest export of the line."""
    exports = [len(str(export(line, lang, tmp_path / f"{lang}.po")).encode()) for lang in LANGS]
    big = tmp_path / "pl.po"
    text = big.read_text(encoding="utf-8")
    big.write_text(text + "#" * (10 * max(exports) - len(text.encode())) + "\n",
                   encoding="utf-8")
    [problem] = _refused(line, big)
    limit = tr.size_limit(read_yaml(line)[0], "nl")
    assert 4 * max(exports) < limit < 10 * max(exports)
    assert problem == (
        f"{big}: {10 * max(exports) + 1} bytes, far more than an export of this menus.yaml "
        f"can be (at most {limit} bytes with every text translated); import the file flask "
        "translations export made, with its translations")
    big.write_text(text + "#" * (limit - len(text.encode()) - 1) + "\n", encoding="utf-8")
    assert import_(line, big).changed == []  # at the bound: read


@pytest.mark.slow
def test_a_pipe_is_refused_unread(line: Path, tmp_path: Path):
    """A FIFO given as the file would block the import for ever: the command as an
    operator runs it, with a deadline."""
    fifo = tmp_path / "pl.po"
    os.mkfifo(fifo)
    env = {**os.environ, "MENUS_PATH": str(line), "AUDIO_DIR": str(ROOT / "audio")}
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app",
                           "translations", "import", str(fifo)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.endswith(f"Error: {fifo} not imported, menus.yaml untouched:\n  {fifo}: "
                                "not a regular file; give the PO file itself\n"), done.stderr
