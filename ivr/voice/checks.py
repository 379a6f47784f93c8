"""The voice's checks of a menus file: what is played must say what the file says now."""

from __future__ import annotations

from ivr.content import model as m
from ivr.content.problems import Collector, Problem
from ivr.voice.speech import text_hash
from ivr.voice.utterances import every

NO_VOICE = "Twilio has no voice for it"


def mended_by_recording(problem: Problem) -> bool:
    """Whether recording the language's prompts again (flask audio render) mends it."""
    return problem.message.startswith(NO_VOICE)


def check_recordings(menus: m.Menus, out: Collector) -> None:
    """Each language's recordings against the texts they should say: stale ones are
    warned of; a language without a Twilio voice needs one of every current text."""
    for lang, language in menus.languages.items():
        recorded = menus.recordings.get(lang, {})
        missing = []
        for uid, utterance in every(menus, lang).items():
            have = recorded.get(uid)
            if have is None:
                missing.append(uid)
            elif have.text != text_hash(menus, lang, utterance):
                numbers = any(name in menus.contacts for name in
                              m.PLACEHOLDER_RE.findall(utterance.text))
                if language.voice is None and (numbers or utterance.key_outside_id):
                    # Played anyway where there is no voice: never with an old number, nor
                    # an old key ("press 7" once 7 chooses another language).
                    missing.append(uid)
                    continue
                out.warn(f"language '{lang}' recording '{uid}'", "stale: its text changed "
                         "since it was recorded; record it again, or run flask audio render "
                         f"--lang {lang}", lang)
        if language.voice is None and missing:
            out.error(f"language '{lang}'", f"{NO_VOICE}, and {len(missing)} "
                      f"prompt(s) have no recording of their current text, such as "
                      f"'{missing[0]}'; record them, or run flask audio render --lang {lang}",
                      lang)
