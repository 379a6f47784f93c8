"""The app factory for the human-trafficking information line.

`app` at the bottom is what `flask --app app` and gunicorn (`app:app`) load.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import voice
from ivr.cli import menus_cli
from ivr.loader import load_menus
from ivr.privacy import install_number_masking
from ivr.problems import MenuError
from ivr.views import bp as voice_bp

HERE = Path(__file__).resolve().parent


def _from_environment() -> dict[str, Any]:
    env = os.environ
    return {
        "MENUS_PATH": env.get("MENUS_PATH", str(HERE / "menus.yaml")),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or None,
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "1") or 0),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The line, configured from the environment and then `config`.

    A menus.yaml with errors stops the start with every problem listed.
    """
    app = Flask(__name__)
    app.config.update(_from_environment())
    app.config.update(config or {})
    _logging(app.config["LOG_LEVEL"])
    _check_public_base_url(app.config["PUBLIC_BASE_URL"])
    try:
        menus, warnings = load_menus(app.config["MENUS_PATH"])
    except MenuError as exc:
        raise SystemExit(str(exc)) from None
    for warning in warnings:
        app.logger.warning("%s", warning)
    app.extensions["menus"] = menus
    # Built once, so that the error path of the error path has nothing left to fail.
    app.extensions["last_resort_twiml"] = str(voice.last_resort(menus))
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    # A 3xx makes Twilio drop the pressed key (twilio-facts.md): answer '/voice//nl' and
    # '/voice/nl/' where they are, instead of redirecting to a tidier URL.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.register_blueprint(voice_bp)
    app.cli.add_command(menus_cli)
    if not app.config["TWILIO_AUTH_TOKEN"]:
        app.logger.warning("TWILIO_AUTH_TOKEN is not set: Twilio signatures are NOT checked")
    return app


def _check_public_base_url(url: str | None) -> None:
    # The line's URLs are relative to the host ("/voice/nl/main"); a path in the base URL
    # would be signed over but lost in every next request.
    if url and urlsplit(url).path.strip("/"):
        raise SystemExit(f"PUBLIC_BASE_URL={url}: give only the scheme and host, such as "
                         "https://line.example.org; the line must be served at the root")


def _logging(level: str) -> None:
    """Log lines to stderr, with any phone number masked, whoever logged it and wherever
    it is written: masked when the record is made, before any handler sees it."""
    install_number_masking()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


app = create_app()
