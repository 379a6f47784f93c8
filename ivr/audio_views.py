"""Serving the recorded prompts to Twilio's <Play>, or pointing it at AUDIO_BASE_URL."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_from_directory

from .audio import UID_RE

bp = Blueprint("audio", __name__)
ONE_DAY = 24 * 3600


@bp.route("/audio/<lang>/<name>")
def recording(lang: str, name: str) -> Response:
    """A WAV file from audio/<lang>/, and nothing else: not signed, because Twilio does not
    sign media fetches; a recorded prompt is public information anyway."""
    menus = current_app.extensions["menus"]
    uid = name.removesuffix(".wav")
    if lang not in menus.languages or not name.endswith(".wav") or not UID_RE.fullmatch(uid):
        abort(404)
    # send_from_directory refuses any path outside the folder; ETag and Last-Modified
    # let Twilio cache the file (twilio-facts.md, <Play>).
    response = send_from_directory(current_app.config["AUDIO_DIR"] / lang, name,
                                   mimetype="audio/wav", max_age=ONE_DAY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
