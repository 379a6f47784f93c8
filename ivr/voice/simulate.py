"""The caller's side of a TwiML answer: what is said or played, in which language, where
a key or a time-out leads, and where a forward goes. Pure: ivr.voice.timing times calls
with it, and ivr.web.phone and the browser simulator show calls through it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers

from ivr.content import model as m
from ivr.voice.speech import REPEAT_PAUSE, plain
from ivr.voice.utterances import every

# What the caller ID of a forward is, in words (the call map says it too).
CALLER_ID = {m.CALLER_ID_LINE: "caller ID: line's own number",
             m.CALLER_ID_CALLER: "caller ID: the caller's number"}


def example_number(kind: int, region: str = "NL") -> str | None:
    """An example number of the region from phonenumbers' own metadata: no real
    person's. None where the metadata has no example of that kind."""
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


SIMULATED_LINE = str(example_number(phonenumbers.PhoneNumberType.FIXED_LINE))  # the line
SIMULATED_CALLER = str(example_number(phonenumbers.PhoneNumberType.MOBILE))


def path_of(url: str) -> str:
    """A TwiML URL as the path and query the line is called at next."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def spoken(say: ET.Element) -> str:
    """A <Say> as a person hears it: digit groups apart, a long pause as a comma."""
    words = [say.text or ""]
    for child in say:
        if child.tag == "say-as":
            words.append(f" {child.text} ")
        elif child.tag == "break" and child.get("time", "") >= REPEAT_PAUSE:
            words.append(",")
        words.append(child.tail or "")
    text = " ".join("".join(words).split())
    return re.sub(r"\s+([.,:;?!])", r"\1", text)


# -- what a caller meets, read from the line's TwiML ---------------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    lang: str  # the language code of menus.yaml ("" when unknown)
    language: str  # Twilio's language attribute, such as nl-NL or arb
    voice: str
    kind: str = "say"


@dataclass(frozen=True)
class Play:
    text: str  # what the recording says
    lang: str
    language: str
    url: str
    uid: str
    kind: str = "play"


@dataclass(frozen=True)
class Forward:
    contact: str  # its id in menus.yaml, "?" when the number is not one of them
    name: str  # its name in the call's language
    number: str
    display: str
    caller_id: str  # whose number the contact sees: CALLER_ID_LINE or CALLER_ID_CALLER
    anonymous: bool
    lang: str = ""  # the language of `name`
    kind: str = "forward"


@dataclass(frozen=True)
class Hangup:
    kind: str = "hangup"


Event = Say | Play | Forward | Hangup


@dataclass(frozen=True)
class Step:
    """One TwiML answer: what is heard, then what the call waits for."""

    events: tuple[Event, ...]
    heard_in_gather: int = 0  # how many of the events a key press may cut short
    gather: str | None = None  # where a key goes once every prompt has been heard
    # An answer in parts (voice._parts: a key that dials has a <Gather> of its own): the
    # index of the event each part starts at, and where a key pressed during it goes.
    parts: tuple[tuple[int, str], ...] = ()
    timeout: int = 0
    on_timeout: str | None = None  # where the call goes when no key comes
    # How many of the last events come after the <Gather>: heard only when no key comes
    # (the goodbye and the hang-up after the last chance's offer), skipped after a key.
    heard_on_timeout: int = 0
    dial: str | None = None  # where the outcome of the forward goes
    redirect: str | None = None  # where the call goes next without waiting


def _language(menus: m.Menus, say_language: str) -> str:
    return next((lang.code for lang in menus.languages.values()
                 if lang.say_language == say_language), "")


def _say(menus: m.Menus, element: ET.Element, lang: str) -> Say:
    return Say(spoken(element), _language(menus, element.get("language", "")),
               element.get("language", ""), element.get("voice", ""))


def _play(menus: m.Menus, element: ET.Element, lang: str) -> Play:
    url = element.text or ""
    lang, name = urlsplit(url).path.rsplit("/", 2)[-2:]
    uid = name.removesuffix(".wav")
    utterance = every(menus, lang).get(uid) if lang in menus.languages else None
    text = plain(menus, lang, utterance) if utterance else "?"
    language = menus.languages[lang].say_language if lang in menus.languages else ""
    return Play(text, lang if lang in menus.languages else "", language, url, uid)


def _dial(menus: m.Menus, element: ET.Element, lang: str) -> Forward:
    # <Dial><Number>+31...</Number></Dial>, or the number as the text of <Dial> itself.
    number = element.findtext("Number") or (element.text or "").strip()
    contact = next((c for c in menus.contacts.values() if c.number == number), None)
    policy = m.CALLER_ID_LINE if element.get("callerId") else m.CALLER_ID_CALLER
    if contact is None:
        return Forward("?", "?", number, number, policy, False)
    lang = lang if lang in contact.names else menus.settings.default_language
    return Forward(contact.id, contact.names.get(lang, ""), number, contact.display, policy,
                   contact.anonymous, lang)


READERS: dict[str, Callable[[m.Menus, ET.Element, str], Event]] = {
    "Say": _say, "Play": _play, "Dial": _dial, "Hangup": lambda *_: Hangup()}


def _call_language(root: ET.Element) -> str:
    """The language of the call, from the first URL that names one (/voice/pl/...)."""
    for element in root.iter():
        url = element.get("action") or (element.text if element.tag == "Redirect" else "")
        parts = urlsplit(url or "").path.split("/")
        if len(parts) > 3 and parts[1] == "voice":
            return parts[2]
    return ""


def read(menus: m.Menus, root: ET.Element) -> Step:
    """The caller's side of one TwiML answer, verb by verb in the order Twilio runs them."""
    lang = _call_language(root)
    events: list[Event] = []
    step: dict = {}
    for element in root:
        verbs = [*element] if element.tag == "Gather" else [element]
        heard = [READERS[v.tag](menus, v, lang) for v in verbs if v.tag in READERS]
        events += heard
        if element.tag == "Gather":
            path = path_of(element.get("action", ""))
            parts = step.get("parts", ())
            step.update(gather=path, timeout=int(element.get("timeout", "5")),
                        heard_in_gather=step.get("heard_in_gather", 0) + len(heard),
                        parts=(*parts, (len(events) - len(heard), path)))
            continue
        if "gather" in step:
            step["heard_on_timeout"] = step.get("heard_on_timeout", 0) + len(heard)
        if element.tag == "Dial" and element.get("action"):
            # With an action, Twilio asks it what comes next; the verbs after <Dial> run
            # only without one.
            step.update(dial=path_of(element.get("action", "")))
            break
        elif element.tag == "Redirect":
            key = "on_timeout" if "gather" in step else "redirect"
            step[key] = path_of(element.text or "")
            break
    return Step(tuple(events), **step)


def describe(event: Event) -> str:
    """One line of a terminal transcript."""
    if isinstance(event, Say):
        return f"says ({event.language}, {event.voice}): {event.text}"
    if isinstance(event, Play):
        return f"plays recording {event.lang}/{event.uid}.wav: {event.text}"
    if isinstance(event, Forward):
        return f"→ forward to {event.contact} {event.number}, {CALLER_ID[event.caller_id]}"
    return "the line hangs up"


def language_keys(menus: m.Menus, lang: str) -> list[str]:
    """The keys that choose a language at the start of a call: '3', or '9' then '1'."""
    return list(menus.languages[lang].key)
