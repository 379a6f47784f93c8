"""Utterances made into TwiML: <Say> with numbers spoken slowly and twice, or <Play> of
a recording where one exists for the utterance's current text."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from types import MappingProxyType

from twilio.twiml.voice_response import Play, Say

from ivr.content import model as m
from ivr.content.model import PLACEHOLDER_RE
from ivr.twiml.serialise import Rendered
from ivr.voice.utterances import Utterance, every

GROUP_PAUSE = "400ms"  # between digit groups, as a person reads a number out
REPEAT_PAUSE = "700ms"  # before the number is said again
WORDS_PER_SECOND = 150 / 60  # the pace a caller in distress can follow (README, Time to act)


def speak(menus: m.Menus, lang: str, utterance: Utterance) -> Rendered:
    """A <Play> of the utterance's recording when it fits, else a <Say> in the voice:
    made and serialised at its first use, then taken from the menus' cache, with the key
    it offers and how long it is heard.

    An utterance's id stands for its text and values in a language (a recording is made
    for each id, and plays in place of the text), and an option's id ends in its key, so
    the id is the key.
    """
    def make() -> Rendered:
        element = _speak(menus, lang, utterance)
        return Rendered(element, utterance.offers,
                        heard_seconds(menus, lang, utterance, element))

    return menus.cached(("speak", lang, utterance.uid), make)


def heard_seconds(menus: m.Menus, lang: str, utterance: Utterance, element: Say | Play) -> float:
    """How long a caller listens to it: a recording by its length, a <Say> by the model
    of the README's Time to act (150 words a minute, each digit a word, SSML pauses
    added)."""
    if isinstance(element, Play):
        recording = menus.recordings.get(lang, {}).get(utterance.uid)
        return recording.seconds if recording else 0.0
    return say_seconds(element.to_xml(xml_declaration=False))


def say_seconds(xml: str) -> float:
    """The model's seconds for a serialised <Say>: words at 150 a minute, every character
    of a <say-as interpret-as="digits"> one word, and each <break>'s time."""
    root = ET.fromstring(xml)
    words = _words(root.text)
    seconds = 0.0
    for child in root:
        if child.tag == "say-as":
            words += len("".join((child.text or "").split()))
        elif child.tag == "break":
            seconds += _break_seconds(child.get("time", ""))
        else:
            words += _words(" ".join(child.itertext()))
        words += _words(child.tail)
    return seconds + words / WORDS_PER_SECOND


def _words(text: str | None) -> int:
    """Spoken words: a lone colon or dash ("Français : 9") is not one."""
    return sum(1 for token in (text or "").split() if any(c.isalnum() for c in token))


def _break_seconds(time: str) -> float:
    if time.endswith("ms"):
        return float(time[:-2]) / 1000
    return float(time.removesuffix("s") or 0)


def _speak(menus: m.Menus, lang: str, utterance: Utterance) -> Say | Play:
    # Which recordings play was decided at start-up (playable, below): one made from the
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
            _number(element, value, menus.prompt("repeat_number", lang),
                    value.repeat and not utterance.numbers_once)
        else:
            buffer += str(value or "")
    _flush(element, buffer)
    return element


def _flush(element: Say, text: str) -> None:
    # twilio's TwiML keeps text after a child as that child's tail; two strings in a
    # row would overwrite each other, so text is gathered first and nested once.
    if text:
        element.nest(text)


def _number(element: Say, contact: m.Contact, repeat: str, twice: bool) -> None:
    """The number in digit groups, then once more, so a caller can write it down (112,
    known by heart, once: the contact's `repeat`; and every number, once, where the
    utterance says its numbers once)."""
    _groups(element, contact.spoken)
    if not twice:
        return
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
            twice = value.repeat and not utterance.numbers_once
            return f"{digits}. {repeat} {digits}" if twice else digits
        return str(value or "")

    parts = PLACEHOLDER_RE.split(utterance.text)
    return "".join(fill(p) if i % 2 else p for i, p in enumerate(parts))


def text_hash(menus: m.Menus, lang: str, utterance: Utterance) -> str:
    """What a recording was made from: it is stale when this changes."""
    return hashlib.sha256(plain(menus, lang, utterance).encode()).hexdigest()[:16]


def playable(menus: m.Menus) -> Mapping[str, Mapping[str, str]]:
    """The recordings that play instead of <Say>: made from the current text, or, where the
    language has no voice to say the new text, any recording of the utterance."""
    result = {}
    for lang, recordings in menus.recordings.items():
        language = menus.languages.get(lang)
        if language is None:
            continue
        utterances = every(menus, lang)
        result[lang] = MappingProxyType({
            uid: recording.version for uid, recording in recordings.items()
            if uid in utterances and (language.voice is None or recording.text == text_hash(
                menus, lang, utterances[uid]))})
    return MappingProxyType(result)
