"""What an answer stands for: the events a pure renderer returns with its TwiML.

What happened in a request is decided once, where the answer is made (as goflow's actions
log their events as they run). The log line, the Prometheus counters and the usage counts
read these events; nothing else works it out again from the verbs.

An event holds ids from menus.yaml and words Twilio defines, never a number, a message,
a SID or free text from a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from twilio.twiml import TwiML

# The kinds of event. Each names the fields it fills; the others stay None.
CALL = "call"  # a call answered (its greeting): language (a poster number's), else None
LANGUAGE = "language"  # a language chosen by a key: language
NODE = "node"  # a node reached, its text said: language, node
CHOICE = "choice"  # a key chosen in a menu: language, node (the menu), outcome (the target
# node, or the global key's action: repeat, main_menu, language, contacts)
OFFERED = "forward offered"  # the key to a forward offered: language, node, contact; once
# for each forward an answer offers (a menu's options, the last chance, try again)
FORWARD = "forward"  # put through, a <Dial> in the answer: language, node, contact
CLOSED = "closed"  # a forward chosen while its contact is closed: language, node, contact
DIALLED = "forward ended"  # a <Dial> ended: language, node, contact, outcome (DialCallStatus)
MISS_LIMIT = "miss limit"  # the wrong keys or silences ran out: language and node (when
# known: not in the choice of language)
TEXT = "text"  # the numbers by text: language, node, outcome (TEXT_OUTCOMES)
SMS_TOPIC = "sms topic"  # a text answered with a topic: language, node (the topic),
# outcome "more" for a page after the first
SMS_OTHER = "sms other"  # a text answered otherwise: language, outcome (index, languages,
# choice)
SMS_SILENT = "sms silent"  # a text given no reply (a STOP word Twilio answers itself):
# language, outcome "opt-out"
ERROR = "error"  # an exception, answered with the apology or the index: language
REFUSED = "refused"  # a request refused before any answer (signature, size)
ENDED = "call ended"  # the status callback: language, node (the last), outcome (a bucket)

# The DialCallStatus words a forward ends with
# (https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values); any other value
# is "other", so that no free text from a request reaches an event.
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
# What became of the numbers by text: sent, or put in the simulator's outbox instead;
# refused (not a mobile number of an allowed country, or the line's number unknown),
# capped (a rate limit), failed (the rate-limit storage or Twilio's API).
SENT, SIMULATED, REFUSED_TEXT, CAPPED, FAILED = "sent", "simulated", "refused", "capped", \
    "failed"
TEXT_OUTCOMES = (SENT, SIMULATED, REFUSED_TEXT, CAPPED, FAILED)


def dial_status(status: str) -> str:
    """A DialCallStatus as an event's outcome: Twilio's word, or "other"."""
    return status if status in DIAL_STATUSES else "other"


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    language: str | None = None
    node: str | None = None
    contact: str | None = None
    outcome: str | None = None


T = TypeVar("T", bound=TwiML | str)


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """An answer and what it stands for: TwiML (a builder, or a document already written)
    and its events, in the order they happened."""

    twiml: T
    events: tuple[Event, ...] = ()
