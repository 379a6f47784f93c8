"""The production server, started as the Procfile starts it, logs no caller's number: not
in the app's lines, not in gunicorn's access log."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from .conftest import CALLER, ROOT

FORMS = [CALLER, "0612345678", "31612345678", "612345678"]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(base: str, path: str, token: str, **params: str) -> int:
    signature = RequestValidator(token).compute_signature(base + path, params)
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this venv")
def test_gunicorn_logs_hold_no_number(tmp_path):
    port, token = _free_port(), "test-token"
    env = {**os.environ, "TWILIO_AUTH_TOKEN": token, "SECRET_KEY": secrets.token_hex(32),
           "PORT": str(port)}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                                   f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        statuses = [
            _post(base, "/voice", token, From=CALLER, Caller=CALLER, To="+3197010000000"),
            _post(base, "/voice/nl/main/input?miss=0", token, Digits="8", From=CALLER),
            _post(base, "/voice/nl/call_police/dialed", token, DialCallStatus="busy",
                  From=CALLER),
            _post(base, "/sms", token, Body="mijn nummer is 0612345678, HULP", From=CALLER),
            _post(base, "/sms", token, Body="HULP", From="0612345678")]
        assert statuses == [200] * 5
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert '"logger": "gunicorn.access"' in text and '"channel": "sms"' in text
    for form in FORMS:
        assert form not in text
