"""The report of `flask menus check`: every problem, and per language how complete it is.

Built from the same checks that run at start-up; this module only gathers and words them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import model as m
from .loader import check_file, load_menus
from .problems import ERROR, MenuError, Problem
from .speech import text_hash
from .utterances import every
from .validate import PLACEHOLDER_RE, estimate_seconds


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
    sms: list[dict] = field(default_factory=list)  # reply, encoding, units, segments


@dataclass
class Report:
    file: str
    ok: bool
    starts: bool  # whether the line would start with this file (perhaps without a language)
    errors: list[dict]
    warnings: list[dict]
    languages: list[LanguageReport]
    first_contact_sms: list[dict] = field(default_factory=list)  # index for a new sender

    def as_dict(self) -> dict:
        return asdict(self)


def _problem(problem: Problem) -> dict:
    return {"where": problem.where, "message": problem.message, "language": problem.lang,
            "text": str(problem)}


def build_report(path: str | Path, audio_dir: str | Path | None) -> Report:
    _, problems = check_file(path, audio_dir)
    errors = [p for p in problems if p.severity == ERROR]
    try:
        menus, _ = load_menus(path, audio_dir)
    except MenuError:
        menus = None
    languages = _languages(menus, errors) if menus else []
    return Report(str(path), ok=not errors, starts=menus is not None,
                  errors=[_problem(p) for p in errors],
                  warnings=[_problem(p) for p in problems if p.severity != ERROR],
                  languages=languages, first_contact_sms=_sms(menus, None) if menus else [])


def _sms(menus: m.Menus, lang: str | None) -> list[dict]:
    """The cost of each SMS reply of a language (None: the first replies to a new sender)."""
    from sms.checks import replies
    from sms.segments import count

    result = []
    for where, text, budget, reply_lang in replies(menus):
        if reply_lang == lang and budget < 10**6:
            cost = count(text)
            result.append({"reply": where, "encoding": cost.encoding, "units": cost.units,
                           "segments": cost.segments})
    return result


def _responses(menus: m.Menus, lang: str) -> dict[str, float]:
    """What a caller hears at once, in estimated seconds: each menu with its options, each
    forward, each prompt, and the greeting with the choice of language."""
    from .utterances import global_option, language_offer, node_option, node_text, prompt

    def seconds(utterance) -> float:
        values = {k: v for k, v in utterance.values.items() if isinstance(v, str)}
        text = PLACEHOLDER_RE.sub(lambda f: values.get(f.group(1), f.group(0)), utterance.text)
        return estimate_seconds(text, menus)

    result = {}
    for node in menus.nodes.values():
        parts = [node_text(node, lang)] + [node_option(menus, lang, o) for o in node.options]
        if node.id == menus.settings.main_node:
            parts += [global_option(menus, lang, g) for g in menus.settings.global_keys]
        result[f"node '{node.id}'"] = sum(seconds(u) for u in parts)
    for pid in ("too_many_misses", "error", "goodbye"):
        result[f"prompt '{pid}'"] = seconds(prompt(menus, lang, pid))
    greeting = [prompt(menus, g, "greeting") for g in menus.settings.greeting_languages]
    offers = [language_offer(menus, language, False) for language in menus.languages.values()]
    result["the greeting and choice of language"] = sum(
        seconds(u) for u in greeting + offers)
    return result


def _languages(menus: m.Menus, errors: list[Problem]) -> list[LanguageReport]:
    result = []
    for code, language in menus.languages.items():
        responses = _responses(menus, code)
        longest = max(responses, key=lambda k: responses[k])
        result.append(LanguageReport(
            code, language.name, complete=True, errors=0, reviewed=language.reviewed,
            voice=language.voice, recordings=_recordings(menus, code),
            longest_prompt=longest, longest_seconds=round(responses[longest], 1),
            sms=_sms(menus, code)))
    dropped = sorted({p.lang for p in errors if p.lang and p.lang not in menus.languages})
    for code in dropped:
        result.append(LanguageReport(code, code, complete=False,
                                     errors=sum(p.lang == code for p in errors),
                                     reviewed=False, voice=None))
    return result


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
        lines.append("Languages")
    for lang in report.languages:
        lines.append("  " + _language_line(lang))
        if verbose:
            lines.extend(_sms_lines(lang.sms))
    if verbose and report.first_contact_sms:
        lines.append("  first replies to a new sender:")
        lines.extend(_sms_lines(report.first_contact_sms))
    return lines


def _sms_lines(replies: list[dict]) -> list[str]:
    return [f"      {s['reply']}: {s['encoding']}, {s['units']} units, {s['segments']} "
            "segment(s)" for s in replies]


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
    return (f"{lang.code} {lang.name}: complete, {'reviewed' if lang.reviewed else 'NOT reviewed'}"
            f"; {audio}; longest to hear: {lang.longest_prompt} "
            f"~{lang.longest_seconds:.0f} s; {len(lang.sms)} SMS replies, at most {most} "
            "segment(s)")
