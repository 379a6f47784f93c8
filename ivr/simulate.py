"""A call and a text conversation in the terminal, through the real webhooks.

Every request goes through the app as Twilio's would: POSTed form fields, signed with the
auth token when one is set; so the simulator drives the same code that serves real calls.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from flask import Flask
from twilio.request_validator import RequestValidator

from . import model as m
from .flowmap import CALLER_ID
from .speech import REPEAT_PAUSE, plain
from .utterances import every


def example_number(kind: int) -> str:
    """An example Dutch number from phonenumbers' own metadata: no real person's."""
    number = phonenumbers.example_number_for_type("NL", kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


SIMULATED_LINE = example_number(phonenumbers.PhoneNumberType.FIXED_LINE)  # the line
SIMULATED_CALLER = example_number(phonenumbers.PhoneNumberType.MOBILE)


@dataclass
class Phone:
    app: Flask
    caller: str
    line: str = SIMULATED_LINE

    def __post_init__(self) -> None:
        self.client = self.app.test_client()  # keeps the SMS cookie, as Twilio does

    def post(self, url: str, **params: str) -> ET.Element:
        params = {"From": self.caller, "To": self.line, **params}
        headers = {}
        token = self.app.config.get("TWILIO_AUTH_TOKEN")
        if token:
            base = self.app.config.get("PUBLIC_BASE_URL") or "http://localhost"
            signature = RequestValidator(token).compute_signature(base.rstrip("/") + url, params)
            headers["X-Twilio-Signature"] = signature
        response = self.client.post(url, data=params, headers=headers)
        return ET.fromstring(response.get_data(as_text=True))


def _path(url: str) -> str:
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


def describe(menus: m.Menus, element: ET.Element) -> str | None:
    """One line for a verb the caller hears; None for verbs that only steer."""
    if element.tag == "Say":
        return f"says ({element.get('language')}, {element.get('voice')}): {spoken(element)}"
    if element.tag == "Play":
        url = element.text or ""
        lang, name = urlsplit(url).path.rsplit("/", 2)[-2:]
        uid = name.removesuffix(".wav")
        utterance = every(menus, lang).get(uid) if lang in menus.languages else None
        text = plain(menus, lang, utterance) if utterance else "?"
        return f"plays recording {lang}/{uid}.wav: {text}"
    if element.tag == "Dial":
        number = element.findtext("Number") or ""
        contact = next((c for c in menus.contacts.values() if c.number == number), None)
        caller_id = element.get("callerId")
        policy = CALLER_ID[m.CALLER_ID_LINE] if caller_id else CALLER_ID[m.CALLER_ID_CALLER]
        name = contact.id if contact else "?"
        return f"→ forward to {name} {number}, {policy}"
    if element.tag == "Hangup":
        return "the line hangs up"
    return None


def call(app: Flask, caller: str, keys: Iterator[str | None], echo: Callable[[str], None],
         dial_status: str | None = None, max_steps: int = 60) -> None:
    """A call from `caller`: each key pressed in turn ('' is a time-out, None: hang up)."""
    menus = app.extensions["menus"]
    phone = Phone(app, caller)
    echo(f"call from {caller} to the line")
    root = phone.post("/voice")
    for _ in range(max_steps):
        for element in root:
            for verb in ([*element] if element.tag == "Gather" else [element]):
                line = describe(menus, verb)
                if line:
                    echo(f"  {line}")
        gather, dial = root.find("Gather"), root.find("Dial")
        if gather is not None:
            key = next(keys, None)
            if key is None:
                echo("  (the caller hangs up)")
                return
            if key == "":
                echo(f"  waits {gather.get('timeout')} s for a key: none (time-out)")
                root = phone.post(_path(root.findtext("Redirect") or ""))
            else:
                echo(f"  waits for a key: {key}")
                root = phone.post(_path(gather.get("action", "")), Digits=key)
        elif dial is not None and dial_status:
            echo(f"  (the forward ends: {dial_status})")
            root = phone.post(_path(dial.get("action", "")), DialCallStatus=dial_status)
            dial_status = None
        else:
            return
    echo("  (stopped after too many steps)")


def language_keys(menus: m.Menus, lang: str) -> list[str]:
    """The keys that choose a language at the start of a call: '3', or '9' then '1'."""
    return list(menus.languages[lang].key)
