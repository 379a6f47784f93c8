"""The simulator's routes: its page, and a JSON endpoint that calls the line's own
webhooks through the app, signed as Twilio signs them. Thin: the menu logic stays in the
webhooks, the shaping of answers in simulator.api."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from ivr.content.model import Menus
from ivr.voice.simulate import read
from ivr.web.phone import NoTwiML, Phone
from ivr.web.state import line_state
from ivr.web.texting import OUTBOX, Text
from simulator import access, api

STATIC = Path(__file__).resolve().parent / "static"
bp = Blueprint("simulator", __name__, url_prefix="/simulator", static_folder=STATIC,
               static_url_path="/static")


def menus() -> Menus:
    return line_state().menus


@bp.before_request
def check_access() -> Response | None:
    return access.refuse(current_app._get_current_object(), request)  # type: ignore[attr-defined]


@bp.after_request
def headers(response: Response) -> Response:
    return access.secure(response, access.content_security_policy(menus().audio_base_url))


@bp.errorhandler(api.BadRequest)
def bad_request(exc: api.BadRequest) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 400


@bp.errorhandler(NoTwiML)
def no_twiml(exc: NoTwiML) -> tuple[Response, int]:
    # A signature the line refused (PUBLIC_BASE_URL other than this host) and the like.
    return jsonify(error=f"the line did not answer with TwiML: {exc}"), 502


@bp.get("/")
def page() -> Response:
    return send_from_directory(STATIC, "index.html")


@bp.get("/api/setup")
def setup() -> Response:
    return jsonify(api.setup(menus()))


def _json() -> dict:
    # JSON only: a form posted from another site cannot send it without CORS' consent.
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # '[' x 60,000: too deep for json, which silent=True lets through
        data = None
    if not isinstance(data, dict):
        raise api.BadRequest("send a JSON object with Content-Type: application/json")
    return data


@bp.post("/api/voice")
def voice() -> Response:
    data = _json()
    path, params = api.voice_request(data)
    phone = Phone(current_app._get_current_object(), api.caller(api.region_of(data)))  # type: ignore[attr-defined]
    outbox: list[Text] = []  # numbers by text land here: the REST API is never called
    root = phone.post(path, environ={OUTBOX: outbox}, **params)
    return jsonify(api.step(read(menus(), root), outbox))


@bp.post("/api/sms")
def sms() -> Response:
    data = _json()
    body = api.sms_body(data)
    phone = Phone(current_app._get_current_object(), api.caller(api.region_of(data)))  # type: ignore[attr-defined]
    name = current_app.config["SESSION_COOKIE_NAME"]
    # The page keeps the cookie Twilio would keep between one message and the next.
    if isinstance(data.get("cookie"), str) and data["cookie"]:
        phone.client.set_cookie(name, data["cookie"])
    root = phone.post("/sms", Body=body)
    cookie = phone.client.get_cookie(name)
    return jsonify(api.reply(root.findtext("Message"), cookie.value if cookie else None))
