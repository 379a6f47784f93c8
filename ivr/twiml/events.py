"""What an answer stands for: the events a pure renderer returns with its TwiML.

What happened in a request is decided once, where the answer is made (as goflow's actions
log their events as they run). The log line, the Prometheus counters and the usage counts
read these events; nothing else works it out again from the verbs.

An event holds ids from menus.yaml and words Twilio defines, never a number, a message,
a SID or free text from a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml import TwiML

# The kinds of event. Each names the fields it fills; the others stay None.
CALL = "call"  # a call answered (its greeting)
LANGUAGE = "language"  # a language chosen by a key: language
NODE = "node"  # a node reached, its text said: language, node
CHOICE = "choice"  # a key chosen in a menu: language, node (the menu), outcome (the target)
OFFERED = "forward offered"  # a forward offered: language, node, contact
FORWARD = "forward"  # put through, a <Dial> in the answer: language, node, contact
CLOSED = "closed"  # a forward chosen while its contact is closed: language, node, contact
DIALLED = "forward ended"  # a <Dial> ended: language, node, contact, outcome (DialCallStatus)
MISS_LIMIT = "miss limit"  # the wrong keys or silences ran out: language (when known), node
TEXT = "text"  # the numbers by text: language, node, outcome (sent, refused, capped...)
SMS_TOPIC = "sms topic"  # a text answered with a topic: language, node (the topic)
SMS_OTHER = "sms other"  # a text answered otherwise: language, outcome (index, languages...)
SMS_SILENT = "sms silent"  # a text given no reply (a STOP word Twilio answers itself)
ERROR = "error"  # an exception, answered with the apology or the index
REFUSED = "refused"  # a request refused before any answer (signature, size)
ENDED = "call ended"  # the status callback: language, node (the last), outcome (a bucket)


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    language: str | None = None
    node: str | None = None
    contact: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer and what it stands for: TwiML (a builder, or a document already written)
    and its events, in the order they happened."""

    twiml: TwiML | str
    events: tuple[Event, ...] = ()
