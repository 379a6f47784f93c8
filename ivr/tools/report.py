"""The report of `flask menus check`: every problem, and per language how complete it is.

Built from the same checks that run at start-up; this module only gathers and words them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from ivr.content import catalogue
from ivr.content import model as m
from ivr.content.problems import ERROR, Problem
from ivr.content.yamlfile import read_yaml
from ivr.lines import start
from ivr.voice import timing
from ivr.voice.speech import text_hash
from ivr.voice.utterances import every
from sms.checks import LOCK_SCREEN, replies
from sms.segments import count


@dataclass
class LanguageReport:
    code: str
    name: str
    complete: bool
    errors: int
    reviewed: bool
    voice: str | None
    recordings: dict[str, int] = field(default_factory=dict)  # present, missing, stale
    longest_prompt: str = ""
    longest_seconds: float = 0.0
    # Seconds of listening to each forward, for a caller from the language's country.
    forwards: dict[str, float] = field(default_factory=dict)
    # The same for a caller of a number whose language is this one (LINE_NUMBERS).
    own_number_forwards: dict[str, float] = field(default_factory=dict)
    # The most a caller who goes quiet hears from their last key to the hang-up, and the
    # longest speech outside a <Gather>.
    quiet_seconds: float = 0.0
    outside_seconds: float = 0.0
    sms: list[dict] = field(default_factory=list)  # reply, preview, encoding, units, segments
    # sms_plain languages: the same replies as written, with their diacritics.
    sms_as_written: list[dict] = field(default_factory=list)
    # From menus.sources.json (none for the source language, or without that file).
    texts: int = 0
    texts_reviewed: int = 0
    stale_texts: list[str] = field(default_factory=list)  # Dutch changed since translated


@dataclass
class Report:
    file: str
    ok: bool
    starts: bool  # whether the line would start with this file (perhaps without a language)
    errors: list[dict]
    warnings: list[dict]
    languages: list[LanguageReport]
    first_contact_sms: list[dict] = field(default_factory=list)  # index for a new sender
    # For a caller with a Dutch mobile number: seconds before the first language is
    # offered, and until the last one has been.
    greeting_seconds: float = 0.0
    languages_offered_seconds: float = 0.0
    # A caller who goes quiet at the choice of language, and from the call's start.
    language_menu_quiet_seconds: float = 0.0
    call_start_quiet_seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _problem(problem: Problem) -> dict:
    return {"where": problem.where, "message": problem.message, "language": problem.lang,
            "text": str(problem)}


def build_report(path: str | Path, audio_dir: str | Path | None) -> Report:
    # Every round start-up runs: a check that runs only once an incomplete language is
    # left out (the SMS keywords, say) can stop the start as well.
    found = start(path, audio_dir)
    menus, problems = found.menus, found.problems
    errors = [p for p in problems if p.severity == ERROR]
    languages = _languages(menus, errors) if menus else []
    _sources(path, languages)
    # The time goals: broken ones fail make check; the line still starts (a long prompt
    # is worse than none only for the caller who waits, and the tests hold the goals).
    errors += timing.problems(menus, Path(path).name) if menus else []
    first, last = timing.greeting(menus, timing.HOME) if menus else (0.0, 0.0)
    quiet, from_start = timing.quiet(menus, timing.HOME) if menus else ({}, 0.0)
    return Report(str(path), ok=not errors, starts=menus is not None,
                  errors=[_problem(p) for p in errors],
                  warnings=[_problem(p) for p in problems if p.severity != ERROR],
                  languages=languages, first_contact_sms=_sms(menus, None) if menus else [],
                  greeting_seconds=round(first, 1), languages_offered_seconds=round(last, 1),
                  language_menu_quiet_seconds=quiet.get(timing.LANGUAGE_MENU,
                                                        timing.Quiet()).seconds,
                  call_start_quiet_seconds=from_start)


def _sms(menus: m.Menus, lang: str | None) -> list[dict]:
    """The cost of each SMS reply of a language (None: the first replies to a new sender),
    with what a locked phone shows of it."""

    result = []
    for where, text, budget, reply_lang in replies(menus):
        if reply_lang == lang and budget < 10**6:
            cost = count(text)
            result.append({"reply": where, "preview": text[:LOCK_SCREEN].replace("\n", " "),
                           "encoding": cost.encoding, "units": cost.units,
                           "segments": cost.segments})
    return result


def _as_written(menus: m.Menus, lang: str) -> list[dict]:
    """A plain-letter language's replies with their diacritics: the choice's other side."""
    if not menus.languages[lang].sms_plain:
        return []
    written = {code: replace(language, sms_plain=False)
               for code, language in menus.languages.items()}
    return _sms(replace(menus, languages=MappingProxyType(written)), lang)


def _languages(menus: m.Menus, errors: list[Problem]) -> list[LanguageReport]:
    result = []
    quiet = timing.quiet(menus, timing.HOME)[0]
    for code, language in menus.languages.items():
        figures = timing.language_figures(menus, code)
        silent = quiet.get(code, timing.Quiet())
        result.append(LanguageReport(
            code, language.name, complete=True, errors=0, reviewed=language.reviewed,
            voice=language.voice, recordings=_recordings(menus, code),
            longest_prompt=figures.longest_prompt, longest_seconds=figures.longest_seconds,
            forwards=figures.forwards, own_number_forwards=figures.own_number,
            quiet_seconds=silent.seconds, outside_seconds=silent.outside,
            sms=_sms(menus, code),
            sms_as_written=_as_written(menus, code)))
    dropped = sorted({p.lang for p in errors if p.lang and p.lang not in menus.languages})
    for code in dropped:
        result.append(LanguageReport(code, code, complete=False,
                                     errors=sum(p.lang == code for p in errors),
                                     reviewed=False, voice=None))
    return result


def _sources(path: str | Path, languages: list[LanguageReport]) -> None:
    """Each language's reviewed and stale texts, from the lock file beside the menus."""
    raw, error = read_yaml(Path(path))
    try:
        lock = None if error else catalogue.read_lock(path)
    except ValueError:
        return  # check_file has no word on this file: the import and export say what it is
    if lock is None:
        return
    dutch = str(raw["settings"]["default_language"])
    found = dict(catalogue.statuses(raw, lock, dutch))
    for lang in languages:
        status = found.get(lang.code)
        if status:
            lang.texts, lang.texts_reviewed = status.total, status.reviewed
            lang.stale_texts = list(status.stale)


def _recordings(menus: m.Menus, lang: str) -> dict[str, int]:
    recorded = menus.recordings.get(lang, {})
    counts = {"present": 0, "missing": 0, "stale": 0}
    for uid, utterance in every(menus, lang).items():
        have = recorded.get(uid)
        if have is None:
            counts["missing"] += 1
        elif have.text != text_hash(menus, lang, utterance):
            counts["stale"] += 1
        else:
            counts["present"] += 1
    return counts


def render_text(report: Report, verbose: bool = False) -> list[str]:
    """The report for people: problems first, then a line a language."""
    lines = []
    if report.errors:
        lines.append(f"Errors ({len(report.errors)}): these must be fixed")
        lines.extend(f"  {e['text']}" for e in report.errors)
    if report.warnings:
        lines.append(f"Warnings ({len(report.warnings)})")
        lines.extend(f"  {w['text']}" for w in report.warnings)
    if report.languages:
        lines.append(f"Time to act, for a caller with a Dutch mobile number: the greeting "
                     f"{report.greeting_seconds:.1f} s before the first language (at most "
                     f"{timing.GREETING_MAX} s), every language offered after "
                     f"{report.languages_offered_seconds:.1f} s (at most "
                     f"{timing.LANGUAGES_MAX} s)")
        lines.append(f"A caller who goes quiet at the choice of language hears "
                     f"{report.language_menu_quiet_seconds:.1f} s before the hang-up (at most "
                     f"{timing.QUIET_MAX} s); from the call's start, before any key, "
                     f"{report.call_start_quiet_seconds:.1f} s")
        lines.append("Languages")
    for lang in report.languages:
        lines.append("  " + _language_line(lang))
        if lang.stale_texts:
            lines.append(f"      stale texts, their Dutch changed since translated "
                         f"({len(lang.stale_texts)}): {', '.join(lang.stale_texts)}")
        if lang.forwards:
            lines.append("      to be put through (s of listening): " + ", ".join(
                f"{node} {seconds:.1f}" for node, seconds in lang.forwards.items()))
        if lang.own_number_forwards:
            lines.append(f"      from a number of its own (at most "
                         f"{timing.OWN_NUMBER_FIRST_MAX} s to the first, "
                         f"{timing.FORWARD_MAX} s to each): " + ", ".join(
                             f"{node} {seconds:.1f}"
                             for node, seconds in lang.own_number_forwards.items()))
        if lang.complete:
            lines.append(f"      a caller who goes quiet hears at most {lang.quiet_seconds:.1f} "
                         f"s from their last key to the hang-up (at most {timing.QUIET_MAX} "
                         f"s); speech outside a key's reach at most {lang.outside_seconds:.1f} "
                         f"s (at most {timing.OUTSIDE_MAX} s)")
        if verbose:
            lines.extend(_sms_lines(lang.sms))
            if lang.sms_as_written:
                lines.append("    the same as written, with diacritics (sms_plain: false):")
                lines.extend(_sms_lines(lang.sms_as_written))
    if verbose and report.first_contact_sms:
        lines.append("  first replies to a new sender:")
        lines.extend(_sms_lines(report.first_contact_sms))
    return lines


def _sms_lines(replies: list[dict]) -> list[str]:
    return [f"      {s['reply']}: {s['encoding']}, {s['units']} units, {s['segments']} "
            f"segment(s); lock screen: \"{s['preview']}\"" for s in replies]


def _review(lang: LanguageReport) -> str:
    if not lang.texts:  # the source language, or no menus.sources.json
        return "reviewed" if lang.reviewed else "NOT reviewed"
    return (f"reviewed {lang.texts_reviewed}/{lang.texts}, {len(lang.stale_texts)} stale "
            "text(s)")


def _language_line(lang: LanguageReport) -> str:
    if not lang.complete:
        return f"{lang.code}: INCOMPLETE, {lang.errors} error(s): not offered until fixed"
    rec = lang.recordings
    most = max((s["segments"] for s in lang.sms), default=0)
    if lang.voice:
        audio = (f"voice {lang.voice}, {rec['present']} recording(s), {rec['stale']} stale")
    else:
        audio = (f"no voice: recordings {rec['present']} present, {rec['missing']} missing, "
                 f"{rec['stale']} stale")
    return (f"{lang.code} {lang.name}: complete, {_review(lang)}; {audio}; longest prompt: "
            f"{lang.longest_prompt} {lang.longest_seconds:.1f} s "
            f"(at most {timing.PROMPT_MAX} s); {len(lang.sms)} SMS replies, at most {most} "
            "segment(s)")
