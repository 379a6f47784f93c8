"""The SMS webhook: a thin view that reads the message and the cookie and calls replies.

The conversation's state is kept in Flask's signed session cookie, which Twilio sends
back with the sender's next message for four hours; nothing is kept on the server.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, session
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from ivr import logs, metrics
from ivr.model import Menus
from ivr.serialise import document
from ivr.signature import guard, refuse_unsigned
from ivr.views import caller_region

from .replies import INDEX, LANGUAGE_LIST, Incoming, State, respond

log = logging.getLogger("sms")
bp = Blueprint("sms", __name__)
STATE_KEY = "sms"


def menus() -> Menus:
    return current_app.extensions["menus"]


def twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(document(response), status=200, mimetype="text/xml")


def load_state(menus: Menus, data: object) -> State:
    """The state from the cookie, forgetting whatever no longer fits the menus."""
    if not isinstance(data, dict):
        return State()
    lang = data.get("lang") if data.get("lang") in menus.languages else None
    topic = data.get("topic") if data.get("topic") in (
        *menus.sms.topics, INDEX, LANGUAGE_LIST) else None
    page = data.get("page") if isinstance(data.get("page"), int) else 0
    # A topic's pages need the language they are read in; the index's pages do not.
    return State(lang=lang, topic=topic if lang or topic == INDEX else None, page=page,
                 index=data.get("index") is True)


def save_state(state: State) -> None:
    session.permanent = True  # an expiry in the cookie; Twilio keeps it four hours at most
    session[STATE_KEY] = {"lang": state.lang, "topic": state.topic, "page": state.page,
                          "index": state.index}


def _incoming() -> Incoming:
    values = request.values
    sender = values.get("From", "")
    return Incoming(body=values.get("Body", ""), whatsapp=sender.startswith("whatsapp:"),
                    region=caller_region(sender))


guard(bp, "sms", log)


@bp.route("/sms", methods=["GET", "POST"])
def incoming() -> Response:
    known = menus()
    state = load_state(known, session.get(STATE_KEY))
    text, new = respond(known, current_app.extensions["keywords"], _incoming(), state)
    save_state(new)
    # The message itself is never logged: it may say who the sender is.
    logs.note(outcome="no reply" if text is None else "reply", language=new.lang,
              node=new.topic)
    metrics.count(metrics.TEXTS, new.asked or "other", new.lang or "unknown")
    return twiml(text)


@bp.errorhandler(Exception)
def on_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.code == 413:
        return exc.get_response()
    log.exception("sms webhook failed; the sender got the index")
    logs.note(outcome="error")
    metrics.count(metrics.ERRORS, "sms")
    return twiml(current_app.extensions["sms_last_resort"])


def unknown() -> Response:
    """Any other URL or method under /sms: answered as /sms is."""
    refused = refuse_unsigned()
    if refused is not None:
        return refused
    try:
        return incoming()
    except Exception as exc:
        # The app-wide 404/405 handler runs outside the blueprint, whose error handler
        # Flask therefore does not call: call it here.
        return on_error(exc)
