"""The voice webhooks: thin views that read the request, call ivr.voice.answers and
return its answer (the lifecycle records its events).

Whatever happens, Twilio gets TwiML back from /voice: an unknown language or node leads
to the language choice or the main menu, and an exception to an apology and a forward.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, Request, Response, current_app
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.wrappers import Response as BaseResponse

from ivr.content.model import FORWARD, TEXT, Menus, Node
from ivr.twiml.events import Answer
from ivr.voice import answers as voice
from ivr.voice import urls
from ivr.web import logs
from ivr.web.lifecycle import Channel, caller_region, install, menus, respond, unrouted
from ivr.web.lifecycle import request as _request
from ivr.web.state import line_state
from ivr.web.texting import OUTBOX
from sms.replies import numbers_text

log = logging.getLogger("ivr.voice")
bp = Blueprint("voice", __name__)
ANY = ["GET", "POST"]
MISS_RE = re.compile(r"[0-9]{1,2}")


def _field(req: Request, name: str) -> str:
    return req.values.get(name, "").strip()


def _count(value: str) -> int:
    """A count in the URL (miss, part, from); anything but one or two ASCII digits is 0:
    str.isdigit() also accepts '²' and '٣', which int() refuses."""
    return int(value) if MISS_RE.fullmatch(value) else 0


def _miss(req: Request, known: Menus) -> int:
    return min(_count(req.args.get("miss", "0")), known.settings.max_misses)


def _parts(req: Request) -> tuple[int, int]:
    """Which <Gather> of an answer a key was pressed in, and which the answer began with
    (see voice._parts); an odd value counts as the first, where a dialling key is not yet
    offered."""
    args = req.args
    return _count(args.get("part", "0")), _count(args.get("from", "0"))


def _call(req: Request) -> voice.Call:
    values, app = req.values, current_app._get_current_object()  # type: ignore[attr-defined]
    return voice.Call.from_to(values.get("To"), caller_region(values.get("From")),
                              app.config["CLOCK"](), line_state(app).line_languages)


def _about(about: logs.Entry) -> None:
    """The language and node of the URL, for the log line: only ones that exist."""
    args, known = _request().view_args or {}, menus()
    if args.get("lang") in known.languages:
        about.language = args["lang"]
        about.node = args.get("node_id") if args.get("node_id") in known.nodes else None


def on_error(exc: Exception) -> Answer[Any]:
    """The apology and the numbers, in the URL's language or the greeting's; if even that
    fails, the fixed answer made at start-up."""
    req, known = _request(), menus()
    lang = (req.view_args or {}).get("lang")
    lang = lang if lang in known.languages else None  # None: in the greeting's languages
    try:
        return voice.error_response(known, lang, _call(req))
    except Exception:  # whatever happened, the caller must still hear something useful
        log.exception("the apology itself failed; answered with the fixed fallback")
        return line_state().last_resort


def last_resort(known: Menus) -> Answer[str]:
    """The apology in the greeting's languages, written at start-up, for when even the
    apology fails: nothing left to go wrong."""
    answer = voice.last_resort(known)
    return Answer(str(answer.twiml), answer.events)


CHANNEL = Channel("voice", log, _about, on_error,
                  "voice webhook failed at %s; the caller got the apology")
install(bp, CHANNEL)


def twiml(answer: Answer[VoiceResponse]) -> Response:
    return respond(CHANNEL, answer)


@bp.route(urls.RULES["incoming"], methods=ANY)
def incoming() -> Response:
    return twiml(voice.incoming(menus(), _call(_request())))


@bp.route(urls.RULES["language_input"], methods=ANY)
def language_input() -> Response:
    known, req = menus(), _request()
    return twiml(voice.language_input(known, _field(req, "Digits"), _miss(req, known),
                                      _call(req), req.args.get("page") == "2"))


def _known(req: Request, known: Menus, lang: str, node_id: str,
           kind: str | None = None) -> Response | None:
    """The way back when the URL names a language or node that does not exist (any more)."""
    if lang not in known.languages:
        return twiml(voice.language_menu(known, _call(req)))
    node = known.nodes.get(node_id)
    if node is None or (kind and node.kind != kind):
        return twiml(voice.show_node(known, lang, known.settings.main_node, _call(req)))
    return None


@bp.route(urls.RULES["show_node"], methods=ANY)
def show_node(lang: str, node_id: str) -> Response:
    known, req = menus(), _request()
    node = known.nodes.get(node_id)
    if node is not None and node.kind == FORWARD:
        # No answer of the line leads here: a forward is only ever reached by a key.
        node_id = known.settings.main_node
    return _known(req, known, lang, node_id) or twiml(
        voice.show_node(known, lang, node_id, _call(req)))


@bp.route(urls.RULES["node_input"], methods=ANY)
def node_input(lang: str, node_id: str) -> Response:
    known, req = menus(), _request()
    node = known.nodes.get(node_id)
    if node is not None and node.kind == FORWARD:
        node_id = ""  # as show_node: no answer gathers keys for a forward; the main menu
    unknown = _known(req, known, lang, node_id)
    if unknown:
        return unknown
    node, digits = known.nodes[node_id], _field(req, "Digits")
    if node.kind == TEXT and digits == known.settings.text_confirm_key:
        return twiml(_send_numbers(req, known, lang, node))
    return twiml(voice.node_input(known, lang, node_id, digits, _miss(req, known), _call(req),
                                  *_parts(req)))


def _send_numbers(req: Request, known: Menus, lang: str,
                  node: Node) -> Answer[VoiceResponse]:
    """The caller confirmed: text them the numbers, from the line's own number; the answer
    says how that went."""
    call = _call(req)
    body = numbers_text(known, node, lang)
    outcome = line_state().texts.send(req.values.get("From", "").strip(), call.line_number,
                                      body, req.environ.get(OUTBOX))
    return voice.text_result(known, lang, node.id, outcome, call)


@bp.route(urls.RULES["dialed"], methods=ANY)
def dialed(lang: str, node_id: str) -> Response:
    known, req = menus(), _request()
    return _known(req, known, lang, node_id, FORWARD) or twiml(
        voice.dial_result(known, lang, node_id, _field(req, "DialCallStatus"), _call(req)))


@bp.route(urls.RULES["connect_input"], methods=ANY)
def connect_input(lang: str, node_id: str) -> Response:
    """The key after the numbers: only the offered key puts the caller through."""
    known, req = menus(), _request()
    if node_id != known.settings.fallback_node:  # the offer is only ever of this forward
        node_id = ""
    return _known(req, known, lang, node_id, FORWARD) or twiml(
        voice.connect_input(known, lang, _field(req, "Digits"), _call(req), *_parts(req)))


@bp.route(urls.RULES["failed_input"], methods=ANY)
def failed_input(lang: str, node_id: str) -> Response:
    known, req = menus(), _request()
    return _known(req, known, lang, node_id, FORWARD) or twiml(
        voice.failed_input(known, lang, node_id, _field(req, "Digits"), _miss(req, known),
                           _call(req), *_parts(req)))


@bp.route(urls.RULES["status"], methods=ANY)
def status() -> Response:
    """Twilio's status callback, set on the number ("Call status changes"): a call that
    ended is counted where the caller was and by how long it lasted. Twilio reads nothing
    of the answer: 204 and no body, as its error 15003 asks
    (https://www.twilio.com/docs/api/errors/15003)."""
    req, usage = _request(), line_state().usage
    if usage is not None:
        usage.call_ended(_field(req, "CallSid"), _field(req, "CallStatus"),
                         _field(req, "CallDuration"), req.values.get("To"))
    return Response(status=204)


def unknown() -> BaseResponse:
    """Any other URL or method under /voice: the main menu of its language, or the
    language choice. Called by the app's 404 and 405 handler (see app.py), because URLs
    such as /voice//nl match no route at all."""
    return unrouted(CHANNEL, _unrouted_answer)


def _unrouted_answer() -> Response:
    known, req = menus(), _request()
    lang = req.path.split("/")[2] if req.path.startswith("/voice/") else ""
    if lang in known.languages:
        return twiml(voice.show_node(known, lang, known.settings.main_node, _call(req)))
    return twiml(voice.language_menu(known, _call(req)))
