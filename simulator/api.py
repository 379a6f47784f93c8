"""The simulator's JSON, as pure functions: what the browser may ask, and the line's
answers turned into what the page shows. The webhooks themselves decide everything."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qsl

import phonenumbers

from ivr.content import model as m
from ivr.twiml.events import DIAL_STATUSES
from ivr.voice.simulate import Step, example_number
from ivr.web.texting import Text
from sms.segments import count

WITHHELD = "withheld"
# Only the line's own voice URLs: /voice, /voice/language?miss=1, /voice/nl/main/input?miss=0
VOICE_PATH_RE = re.compile(r"/voice(/[A-Za-z0-9_-]{1,40}){0,3}")
# ...and only the query the line itself writes: the views read request.values, where a
# query field would stand in for a form field (Digits, To) that the caller cannot set.
QUERY = {"miss": re.compile(r"[0-9]{1,2}"), "page": re.compile(r"2"),
         "part": re.compile(r"[0-9]{1,2}"), "from": re.compile(r"[0-9]{1,2}")}
KEY_RE = re.compile(r"[0-9*#]")
MAX_SMS = 1600  # Twilio refuses longer messages


class BadRequest(ValueError):
    """What the page asked for is not something a caller could do."""


def caller(region: str) -> str:
    """An example mobile number of the region, from phonenumbers' metadata (no real
    person's), or Twilio's word for a withheld number."""
    if region == WITHHELD:
        return "anonymous"
    number = example_number(phonenumbers.PhoneNumberType.MOBILE, region)
    if number is None:
        raise BadRequest(f"no example mobile number for region '{region}'")
    return number


def region_of(data: Mapping[str, Any]) -> str:
    region = str(data.get("country") or "NL")
    if region != WITHHELD and region not in phonenumbers.SUPPORTED_REGIONS:
        raise BadRequest(f"unknown country '{region}': use a region code such as NL or PL")
    return region


def voice_request(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The URL to call and the form fields Twilio would post with it."""
    path = str(data.get("path") or "/voice")
    route, _, query = path.partition("?")
    fields = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    names = [name for name, _ in fields]
    if not VOICE_PATH_RE.fullmatch(route) or len(set(names)) != len(names) or not all(
            name in QUERY and QUERY[name].fullmatch(value) for name, value in fields):
        raise BadRequest(f"'{path[:80]}' is not one of the line's voice URLs")
    params: dict[str, str] = {}
    if data.get("digits") is not None:
        digits = str(data["digits"])
        if not KEY_RE.fullmatch(digits):
            raise BadRequest("digits: one key, 0-9, * or #")
        params["Digits"] = digits
    if data.get("dial_status") is not None:
        status = str(data["dial_status"])
        if status not in DIAL_STATUSES:
            raise BadRequest(f"dial_status: one of {', '.join(DIAL_STATUSES)}")
        params["DialCallStatus"] = status
    return path, params


def sms_body(data: Mapping[str, Any]) -> str:
    body = str(data.get("body") or "")
    if not body.strip() or len(body) > MAX_SMS:
        raise BadRequest(f"body: a text of 1 to {MAX_SMS} characters")
    return body


def cost(text: str) -> dict[str, Any]:
    counted = count(text)
    return {"encoding": counted.encoding, "segments": counted.segments, "units": counted.units,
            "characters": len(text)}


def step(result: Step, outbox: list[Text]) -> dict:
    """A voice answer for the page: the events in order and what the call waits for."""
    data = asdict(result)  # the events too, each with its kind
    data["texts"] = [{"to": t.to, "sender": t.sender, "body": t.body, **cost(t.body)}
                     for t in outbox]
    return data


def reply(text: str | None, cookie: str | None) -> dict:
    """An SMS answer: the reply and what it costs; no reply for STOP and the like."""
    return {"reply": text, "cookie": cookie, **(cost(text) if text is not None else {})}


def setup(menus: m.Menus) -> dict:
    """What the page needs before a call: the countries to call from, the ends of a
    forward, and the word for a withheld number."""
    regions = sorted({"NL", *(c for lang in menus.languages.values() for c in lang.countries)})
    countries = [{"code": r, "name": _region_label(menus, r), "number": caller(r)}
                 for r in regions]
    return {"countries": countries, "dial_statuses": list(DIAL_STATUSES), "withheld": WITHHELD}


def _region_label(menus: m.Menus, region: str) -> str:
    """'PL +48, Polski': the region, its country code and the languages its callers are
    offered first. Not the country's name: phonenumbers' geocoder, which has the names,
    costs 100 MB of memory and half a second of start-up in every worker."""
    code = phonenumbers.country_code_for_region(region)
    names = [lang.name for lang in menus.languages.values() if region in lang.countries]
    return f"{region} +{code}" + (f", {' / '.join(names)}" if names else "")
