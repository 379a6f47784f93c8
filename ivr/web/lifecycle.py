"""The request lifecycle of every webhook, voice and SMS, routed or not: the
log line's entry and clock, the signature check, the answer as TwiML with its events handed
to every reader of them (`record`), the error path, and the one log line after. The views
only read the request and call the pure renderers; everything around that happens here,
once.

A URL that matches no route (/voice//nl, a PUT) reaches the app's 404 and 405 handler,
outside any blueprint, so Flask runs no blueprint hook for it: `unrouted` runs the same
steps for it, log line included.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask import Blueprint, Request, Response, current_app
from flask import request as current_request
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, UNKNOWN_REGION
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ivr.content.model import Menus
from ivr.twiml.events import Answer, Event
from ivr.twiml.serialise import TWIML_TYPE, document
from ivr.voice.answers import E164_RE
from ivr.web import counters, logs
from ivr.web.forms import refuse_crowded_form
from ivr.web.signature import refuse_unsigned
from ivr.web.state import line_state


@dataclass(frozen=True)
class Channel:
    """A webhook channel: its name in the log line and counters, its logger, what it notes
    of a request before the view runs (node, language), and its answer to an exception,
    which must itself be an answer Twilio can use (with an ERROR event)."""

    name: str
    logger: logging.Logger
    about: Callable[[logs.Entry], None]
    on_error: Callable[[Exception], Answer[Any]]
    failure: str  # the log message of an exception, with %s for the path


def install(bp: Blueprint, channel: Channel) -> None:
    """Every routed webhook of a blueprint goes through begin, the view, and finish."""
    bp.before_request(lambda: begin(channel))
    bp.after_request(lambda response: finish(channel, response))
    bp.register_error_handler(Exception, lambda exc: failed(channel, exc))


def begin(channel: Channel) -> Response | None:
    """The request's log entry, then the form's size and the signature check: a 413 or a
    403 ends the request here. The form's fields are counted before the signature is
    computed over them."""
    channel.about(logs.begin())
    req, config = request(), current_app._get_current_object().config  # type: ignore[attr-defined]
    limit_request(req, config)
    refused = refuse_crowded_form(req) or refuse_unsigned(req, config)
    if refused is not None:
        logs.note(outcome="refused")
    return refused


def limit_request(req: Request, config: Mapping[str, Any]) -> None:
    """The app's limits on the body, set on the request itself (Flask 3.1's per-request
    limits), with the same values: Flask reads each limit from current_app.config at every
    read unless the request has its own, and reading a form read them ten times, 5% of a
    forward's instructions (make bench-instructions)."""
    req.max_content_length = config["MAX_CONTENT_LENGTH"]
    req.max_form_memory_size = config["MAX_FORM_MEMORY_SIZE"]
    req.max_form_parts = config["MAX_FORM_PARTS"]


def finish(channel: Channel, response: BaseResponse) -> BaseResponse:
    logs.log_request(channel.logger, channel.name, response.status_code)
    return response


def failed(channel: Channel, exc: Exception) -> BaseResponse:
    """An exception in a webhook: a body too large keeps its 413; anything else is logged,
    counted, and answered with the channel's own answer to an error."""
    if isinstance(exc, HTTPException) and exc.code == 413:
        return exc.get_response()
    # The caller's answer matters more than its log line and its count.
    with contextlib.suppress(Exception):
        channel.logger.exception(channel.failure, request().path)
    answer = channel.on_error(exc)
    with contextlib.suppress(Exception):
        record(channel.name, answer.events)
    return twiml_response(answer)


def unrouted(channel: Channel, answer: Callable[[], BaseResponse]) -> BaseResponse:
    """A URL under the channel that matches no route: the same steps as a routed one."""
    try:
        response = begin(channel) or answer()
    except Exception as exc:
        response = failed(channel, exc)
    return finish(channel, response)


# -- what every webhook reads --------------------------------------------------------------


def menus() -> Menus:
    return line_state().menus


def request() -> Request:
    """The request itself, looked up once: each attribute read through flask.request looks
    the request up again (about 1 us each; a menu key read a dozen)."""
    return current_request._get_current_object()  # type: ignore[attr-defined]


def caller_region(number: str | None) -> str | None:
    """The country of the caller's number (PL for +48...), to offer their language first.

    Only the country is kept; the number itself goes no further than this function.
    """
    number = (number or "").removeprefix("whatsapp:").strip()
    if not number.startswith("+"):
        return None  # 'anonymous', 'restricted' and the like: a withheld number
    if E164_RE.fullmatch(number):
        # A country code that only one country uses (+31, +48) says it without parsing
        # the whole number, which took most of this function's 40 us.
        for length in (1, 2, 3):  # country codes are prefix-free
            regions = COUNTRY_CODE_TO_REGION_CODE.get(int(number[1:1 + length]), ())
            if len(regions) == 1 and regions[0] != UNKNOWN_REGION:
                return regions[0]
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or None
    except phonenumbers.NumberParseException:
        return None


# -- the answer ----------------------------------------------------------------------------


def respond(channel: Channel, answer: Answer[Any]) -> Response:
    """A renderer's answer as the webhook's response, its events recorded first."""
    record(channel.name, answer.events)
    return twiml_response(answer)


def record(channel: str, events: tuple[Event, ...]) -> None:
    """What happened, as the renderer decided it, to every reader of it: the log line's
    outcome, the Prometheus counters and the usage counts. Nothing else works it out
    again."""
    logs.note_events(events)
    counters.record(channel, events)
    usage = line_state().usage
    if usage is not None:  # the line reached (To), and where a call is (its CallSid)
        req = request()
        # Twilio's parameters: the form of a POST, the query of a GET (as the signature
        # reads them); not request.values, which combines both at every look-up.
        params = req.form if req.method == "POST" else req.args
        usage.count(events, channel, params.get("To"),
                    params.get("CallSid") if channel == "voice" else None)


def twiml_response(answer: Answer[Any]) -> Response:
    twiml = answer.twiml
    text = twiml if isinstance(twiml, str) else document(twiml)
    return Response(text, status=200, content_type=TWIML_TYPE)
