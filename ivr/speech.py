"""Text from menus.yaml made into <Say> elements, numbers spoken slowly and twice."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.twiml.voice_response import Say

from . import model as m
from .prompts import KEY_NAME_PROMPTS
from .validate import PLACEHOLDER_RE

GROUP_PAUSE = "400ms"  # between digit groups, as a person reads a number out
REPEAT_PAUSE = "700ms"  # before the number is said again

Value = str | m.Contact


def say(menus: m.Menus, lang: str, text: str, values: Mapping[str, Value] | None = None) -> Say:
    """A <Say> in the language's voice; `{name}` is filled from values or the contacts."""
    language = menus.languages[lang]
    element = Say(voice=language.voice, language=language.say_language)
    values = values or {}
    buffer = ""
    parts = PLACEHOLDER_RE.split(text)
    for index, part in enumerate(parts):
        if index % 2 == 0:
            buffer += part
            continue
        value = values.get(part, menus.contacts.get(part))
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


def key_name(menus: m.Menus, lang: str, key: str) -> str:
    """How a key is spoken: '1', or the language's word for * and #."""
    prompt = KEY_NAME_PROMPTS.get(key)
    return menus.prompt(prompt, lang) if prompt else key


def prompt(menus: m.Menus, lang: str, prompt_id: str, **values: Value) -> Say:
    return say(menus, lang, menus.prompt(prompt_id, lang), values)


def option(menus: m.Menus, lang: str, title: str, key: str) -> Say:
    """'Signs of human trafficking: press 2.' from the language's option template."""
    return prompt(menus, lang, "option", title=title, key=key_name(menus, lang, key))
