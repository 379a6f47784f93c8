"""TwiML written as text, fast, and byte for byte as twilio's builders write it.

twilio's `str(response)` turns every verb into an ElementTree element and serialises the
tree: most of a webhook's time went there (make bench-instructions). Here an
utterance's <Say> or <Play> is serialised once, by twilio itself, and kept (`Rendered`);
the few verbs around it (<Response>, <Gather>, <Redirect>, <Dial>) are written directly,
the way twilio's `TwiML.xml()` and ElementTree's serialiser would write them.
tests/test_serialise.py compares the two on every path of a call.
"""

from __future__ import annotations

import json
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# The Content-Type of an answer: what Response(mimetype="text/xml") makes of it, given
# whole so that werkzeug does not work it out again for every answer.
TWIML_TYPE = "text/xml; charset=utf-8"
# What ElementTree's serialiser escapes in an attribute's value besides &, < and > (which
# `escape` always does): the quote around it, and the three whitespace characters that an
# XML parser would otherwise normalise to spaces (https://www.w3.org/TR/xml/#AVNormalize).
# The standard library's public escape, so that no private name of ElementTree is used;
# the answers of the webhooks measured call it never (their verbs are all `Rendered`),
# an SMS text once for its cached document. tests/test_serialise.py compares the result
# with twilio's own str() on every path, and on any text.
ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


class Rendered(TwiML):
    """A finished element, serialised once: the same verb for twilio's builders (`xml()`
    gives the original's element), and its text for `document()`. Never changed after it
    is made, so requests on every thread can share it."""

    def __init__(self, element: TwiML, offers: str | None = None, seconds: float = 0.0) -> None:
        super().__init__()
        self.name = element.name
        self.element = element
        self.text = element.to_xml(xml_declaration=False)
        # The key this utterance offers ("Signs: press 2" offers 2), and how long it is
        # heard: what ivr.voice.timing reads to time a call and to check that every key that
        # leads to a <Dial> was offered first.
        self.offers = offers
        self.seconds = seconds

    def xml(self) -> Element:
        return self.element.xml()


def document(response: TwiML) -> str:
    """What str(response) gives: the XML declaration and the element."""
    verbs = response.verbs
    if verbs and not (response.attrs or response.value) and all(
            isinstance(verb, Rendered) for verb in verbs):
        # Most answers: only finished verbs in a bare <Response>, which element_text
        # would write just so, less its general walk.
        name = response.name
        return f"{DECLARATION}<{name}>{''.join([verb.text for verb in verbs])}</{name}>"
    return DECLARATION + element_text(response)


def element_text(element: TwiML) -> str:
    if isinstance(element, Rendered):
        return element.text
    name = element.name
    attrs = element.attrs
    attributes = "".join(f' {key}="{escape(_attribute(attrs[key]), ATTRIBUTE_ENTITIES)}"'
                         for key in sorted(attrs))
    value = element.value
    text = (json.dumps(value) if isinstance(value, dict) else value) if value else None
    # As TwiML.xml(): a string verb is the text of the element when it comes first, else
    # the tail of the verb before it, replacing any earlier one.
    children: list[list[str]] = []
    for verb in element.verbs:
        if not isinstance(verb, str):
            children.append([element_text(verb), ""])
        elif children:
            children[-1][1] = verb
        else:
            text = verb
    if not (text or children):
        return f"<{name}{attributes} />"
    inner = "".join(child + (escape(tail) if tail else "") for child, tail in children)
    return f"<{name}{attributes}>{escape(text) if text else ''}{inner}</{name}>"


def _attribute(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
