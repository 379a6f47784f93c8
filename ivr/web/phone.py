"""A simulated phone: calls and texts the app through its own webhooks, as Twilio would,
POSTed form fields signed with the auth token when one is set; so `flask call`, `flask
text` and the browser simulator drive the same code that serves real calls."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask

from ivr.voice.simulate import SIMULATED_LINE, Hangup, describe, read
from ivr.web.signature import sign
from ivr.web.state import line_state


class NoTwiML(RuntimeError):
    """The line answered something Twilio could not use (a 403 for a bad signature)."""


@dataclass
class Phone:
    app: Flask
    caller: str
    line: str = SIMULATED_LINE

    def __post_init__(self) -> None:
        self.client = self.app.test_client()  # keeps the SMS cookie, as Twilio does

    def post(self, url: str, environ: dict | None = None, **params: str) -> ET.Element:
        """POST as Twilio does. `environ` goes to the request's WSGI environ, where no
        HTTP client can write (the browser simulator's outbox of numbers by text)."""
        params = {"From": self.caller, "To": self.line, **params}
        headers = {}
        token = self.app.config.get("TWILIO_AUTH_TOKEN")
        if token:
            base = self.app.config.get("PUBLIC_BASE_URL") or "http://localhost"
            headers["X-Twilio-Signature"] = sign(token, base.rstrip("/") + url, params)
        extra = {"environ_base": environ} if environ else {}
        response = self.client.post(url, data=params, headers=headers, **extra)
        body = response.get_data(as_text=True)
        try:
            if response.status_code == 200:
                return ET.fromstring(body)
        except ET.ParseError:
            pass
        raise NoTwiML(f"{url} answered {response.status_code} without TwiML: {body[:120]!r}")


def call(app: Flask, caller: str, keys: Iterator[str | None], echo: Callable[[str], None],
         dial_status: str | None = None, max_steps: int = 60,
         line: str = SIMULATED_LINE) -> None:
    """A call from `caller` to the line's number `line`: each key pressed in turn ('' is a
    time-out, None: hang up)."""
    menus = line_state(app).menus
    phone = Phone(app, caller, line)
    echo(f"call from {caller} to the line")
    step = read(menus, phone.post("/voice"))
    for _ in range(max_steps):
        # The verbs after a <Gather> run only when no key comes.
        later = step.heard_on_timeout if step.gather is not None else 0
        for event in step.events[:len(step.events) - later]:
            echo(f"  {describe(event)}")
        if step.gather is not None:
            gather, key = step.gather, next(keys, None)
            if key is None:
                echo("  (the caller hangs up)")
                return
            if key == "":
                echo(f"  waits {step.timeout} s for a key: none (time-out)")
                after = step.events[len(step.events) - later:]
                for event in after:
                    echo(f"  {describe(event)}")
                if step.on_timeout is None:
                    if not any(isinstance(event, Hangup) for event in after):
                        echo("  (nothing follows: the call ends)")
                    return
                step = read(menus, phone.post(step.on_timeout))
            else:
                echo(f"  waits for a key: {key}")
                step = read(menus, phone.post(gather, Digits=key))
        elif step.dial is not None and dial_status:
            echo(f"  (the forward ends: {dial_status})")
            step = read(menus, phone.post(step.dial, DialCallStatus=dial_status))
            dial_status = None
        else:
            return
    echo("  (stopped after too many steps)")
