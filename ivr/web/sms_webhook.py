"""The SMS webhook: a thin view that reads the message and the cookie, calls replies and
returns its answer (the lifecycle records its events).

The conversation's state is kept in a signed cookie (ivr.web.sms_cookie), which Twilio sends back
with the sender's next message for four hours; nothing is kept on the server.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from flask import Blueprint, Request, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.wrappers import Response as BaseResponse

from ivr.content.model import Menus
from ivr.twiml.events import Answer
from ivr.twiml.serialise import document
from ivr.web.lifecycle import Channel, caller_region, install, unrouted
from ivr.web.lifecycle import respond as answer_with
from ivr.web.sms_cookie import StateCookie
from ivr.web.state import line_state
from sms.replies import INDEX, LANGUAGE_LIST, Incoming, State, error_reply, respond

log = logging.getLogger("sms")
bp = Blueprint("sms", __name__)
STATE_KEY = "sms"
# A page number no topic reaches (a topic is a few pages at most); past it, the index.
MAX_PAGE = 50


@functools.lru_cache(maxsize=512)
def _document(text: str | None) -> str:
    """The TwiML for a reply, made once per text: replies are the menus' own pages, a
    few hundred at most (a bounded cache all the same)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return document(response)


def load_state(menus: Menus, data: object) -> State:
    """The state from the cookie, forgetting whatever no longer fits the menus. Only this
    line's key signs the cookie, but every field's type and range is checked anyway: a
    wrong one is forgotten, never an exception."""
    fields = data.get(STATE_KEY) if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return State()
    lang, topic, page = fields.get("lang"), fields.get("topic"), fields.get("page")
    lang = lang if isinstance(lang, str) and lang in menus.languages else None
    known = isinstance(topic, str) and (topic in menus.sms.topics or topic in (INDEX,
                                                                              LANGUAGE_LIST))
    # An int, not a bool (a subclass of int), not a float.
    if not (isinstance(page, int) and not isinstance(page, bool) and 0 <= page < MAX_PAGE):
        page = 0
    # A topic's pages need the language they are read in; the index's pages do not.
    topic = topic if known and (lang or topic == INDEX) else None
    return State(lang=lang, topic=topic, page=page,
                 index=fields.get("index") is True)


def state_cookie(state: State) -> dict[str, object]:
    return {STATE_KEY: {"lang": state.lang, "topic": state.topic, "page": state.page,
                        "index": state.index}}


def _kept(state: State) -> tuple[str | None, str | None, int, bool]:
    """What of the state the cookie keeps."""
    return state.lang, state.topic, state.page, state.index


@functools.lru_cache(maxsize=1024, typed=True)
def _payload(lang: str | None, topic: str | None, page: int, index: bool) -> bytes:
    """The cookie's payload for a state, made once per state: the states are the menus'
    own languages, topics and pages (load_state and respond make no other). typed: a page
    1 and an index True are never taken for each other."""
    return StateCookie.payload(state_cookie(State(lang=lang, topic=topic, page=page,
                                                  index=index)))


def _incoming(req: Request, line_languages: Mapping[str, str]) -> Incoming:
    values = req.values
    sender = values.get("From", "")
    # The line's number the text was sent to, and its language if it has one.
    line = values.get("To", "").removeprefix("whatsapp:").strip()
    return Incoming(body=values.get("Body", ""), whatsapp=sender.startswith("whatsapp:"),
                    region=caller_region(sender), line_language=line_languages.get(line))


@bp.route("/sms", methods=["GET", "POST"])
def incoming() -> Response:
    # The request and the app looked up once: each read through flask.request or
    # current_app looks them up again.
    req = request._get_current_object()  # type: ignore[attr-defined]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shared = line_state(app)
    known, cookies = shared.menus, shared.sms_cookie
    name = app.config["SESSION_COOKIE_NAME"]
    # No Cookie header (a first message): nothing to parse.
    sent = req.cookies.get(name) if "HTTP_COOKIE" in req.environ else None
    state = load_state(known, cookies.loads(sent))
    # The message itself is never logged: it may say who the sender is (nor is it in the
    # reply's events).
    text, new, events = respond(known, shared.keywords, _incoming(req, shared.line_languages),
                                state)
    response = answer_with(CHANNEL, Answer(_document(text), events))
    # Written only when it changed: no signing and no header otherwise.
    if _kept(new) != _kept(state):
        response.headers.add("Set-Cookie", cookies.header(name, _payload(*_kept(new))))
    return response


def on_error(exc: Exception) -> Answer[str]:
    """The index, in Dutch and English, made at start-up."""
    return line_state().sms_last_resort


def last_resort(known: Menus) -> Answer[str]:
    """The answer to an exception, written at start-up: nothing left to go wrong."""
    reply = error_reply(known)
    return Answer(_document(reply.text), reply.events)


CHANNEL = Channel("sms", log, lambda entry: None, on_error,
                  "sms webhook failed at %s; the sender got the index")
install(bp, CHANNEL)


def unknown() -> BaseResponse:
    """Any other URL or method under /sms: answered as /sms is."""
    return unrouted(CHANNEL, incoming)
