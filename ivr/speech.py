"""Utterances made into TwiML: <Say> with numbers spoken slowly and twice, or <Play> of
a recording where one exists for the utterance's current text."""

from __future__ import annotations

import hashlib

from twilio.twiml.voice_response import Play, Say

from . import model as m
from .serialise import Rendered
from .utterances import Utterance
from .validate import PLACEHOLDER_RE

GROUP_PAUSE = "400ms"  # between digit groups, as a person reads a number out
REPEAT_PAUSE = "700ms"  # before the number is said again


def speak(menus: m.Menus, lang: str, utterance: Utterance) -> Rendered:
    """A <Play> of the utterance's recording when it fits, else a <Say> in the voice:
    made and serialised at its first use, then taken from the menus' cache.

    An utterance's id stands for its text and values in a language (a recording is made
    for each id, and plays in place of the text), so the id is the key.
    """
    return menus.cached(("speak", lang, utterance.uid),
                        lambda: Rendered(_speak(menus, lang, utterance)))


def _speak(menus: m.Menus, lang: str, utterance: Utterance) -> Say | Play:
    # Which recordings play was decided at start-up (audio.playable): one made from the
    # current text, or an older one where no voice could say the new text (the validator
    # allows that only where the text holds no number).
    version = menus.playable.get(lang, {}).get(utterance.uid)
    if version:
        # The file's hash in the URL: a new recording is a new URL, so no cache between
        # here and the caller can play the old one (the file is cached for a year).
        base = menus.audio_base_url.rstrip("/")
        return Play(f"{base}/{lang}/{utterance.uid}.wav?v={version}")
    return say(menus, lang, utterance)


def say(menus: m.Menus, lang: str, utterance: Utterance) -> Say:
    """A <Say> in the language's voice; `{name}` is filled from values or the contacts."""
    language = menus.languages[lang]
    element = Say(voice=language.voice, language=language.say_language)
    buffer = ""
    for index, part in enumerate(PLACEHOLDER_RE.split(utterance.text)):
        if index % 2 == 0:
            buffer += part
            continue
        value = utterance.values.get(part, menus.contacts.get(part))
        if isinstance(value, m.Contact):
            _flush(element, buffer)
            buffer = ""
            _number(element, value, menus.prompt("repeat_number", lang))
        else:
            buffer += str(value or "")
    _flush(element, buffer)
    return element


def _flush(element: Say, text: str) -> None:
    # twilio's TwiML keeps text after a child as that child's tail; two strings in a
    # row would overwrite each other, so text is gathered first and nested once.
    if text:
        element.nest(text)


def _number(element: Say, contact: m.Contact, repeat: str) -> None:
    """The number in digit groups, then once more, so a caller can write it down."""
    _groups(element, contact.spoken)
    element.break_(time=REPEAT_PAUSE)
    element.nest(f" {repeat} ")
    _groups(element, contact.spoken)


def _groups(element: Say, groups: tuple[str, ...]) -> None:
    # A voice may read 8844 as "eight thousand ..."; say-as digits reads 8 8 4 4.
    for index, group in enumerate(groups):
        if index:
            element.break_(time=GROUP_PAUSE)
        element.say_as(group, interpret_as="digits")


def plain(menus: m.Menus, lang: str, utterance: Utterance) -> str:
    """The utterance as plain text for an offline speech engine: each number digit by
    digit, in groups, twice, as <Say> speaks it."""
    repeat = menus.prompt("repeat_number", lang)

    def fill(part: str) -> str:
        value = utterance.values.get(part, menus.contacts.get(part))
        if isinstance(value, m.Contact):
            digits = ", ".join(" ".join(group) for group in value.spoken)
            return f"{digits}. {repeat} {digits}"
        return str(value or "")

    parts = PLACEHOLDER_RE.split(utterance.text)
    return "".join(fill(p) if i % 2 else p for i, p in enumerate(parts))


def text_hash(menus: m.Menus, lang: str, utterance: Utterance) -> str:
    """What a recording was made from: it is stale when this changes."""
    return hashlib.sha256(plain(menus, lang, utterance).encode()).hexdigest()[:16]
