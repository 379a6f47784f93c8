"""Serving the recorded prompts to Twilio's <Play>, or pointing it at AUDIO_BASE_URL."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_from_directory

from ivr.content.recordings import UID_RE
from ivr.web.state import line_state

bp = Blueprint("audio", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.route("/audio/<lang>/<name>")
def recording(lang: str, name: str) -> Response:
    """A WAV file from audio/<lang>/, and nothing else: not signed, because Twilio does not
    sign media fetches; a recorded prompt is public information anyway."""
    menus = line_state().menus
    uid = name.removesuffix(".wav")
    known = menus.recordings.get(lang, {}).get(uid)
    if known is None or not name.endswith(".wav") or not UID_RE.fullmatch(uid):
        abort(404)
    # send_from_directory refuses any path outside the folder. Each recording's URL holds
    # its file's hash (?v=...), so the file may be cached for a year (Twilio caches what
    # ETag allows: https://www.twilio.com/docs/voice/twiml/play): a new recording is a
    # new URL.
    response = send_from_directory(current_app.config["AUDIO_DIR"] / lang, name,
                                   mimetype="audio/wav", etag=known.version,
                                   max_age=ONE_YEAR)
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
