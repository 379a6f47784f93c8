"""The production server, started as the Procfile starts it: every line it writes is one
JSON object whatever the request, and no line holds a caller's number: not
the app's, not gunicorn's own, not its access log."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess

import pytest

from bench.servers import GUNICORN, post

from .helpers import CALLER, FIXTURES, ROOT
from .servers import gunicorn

pytestmark = pytest.mark.servers

FORMS = [CALLER, "0612345678", "31612345678", "612345678"]
# Request lines an attacker might send: a newline, a NUL, a number, non-ASCII, quotes,
# a Host that breaks IDNA, and no HTTP at all.
RAW = [b"POST /voice/x%0Ay HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
       b"POST /voice/x%00y HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
       b"POST /sms/0612345678 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
       b'GET /voice/%22%7D%0A%7B%22x HTTP/1.1\r\nHost: a\r\n\r\n',
       "GET /voice/été HTTP/1.1\r\nHost: a\r\n\r\n".encode(),
       b"POST /voice HTTP/1.1\r\nHost: xn--\r\nContent-Length: 0\r\n\r\n",
       b"NOT HTTP\x00 at all\r\n\r\n"]


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        return sock.recv(200)


def test_every_line_is_one_json_object_and_none_holds_a_number(tmp_path):
    token, log = "test-token", tmp_path / "gunicorn.log"
    env = {"TWILIO_AUTH_TOKEN": token, "SECRET_KEY": secrets.token_hex(32), "LOG_LEVEL": "DEBUG"}
    with gunicorn(log, env) as base:
        port = int(base.rsplit(":", 1)[1])
        statuses = [
            post(base, "/voice", token, From=CALLER, Caller=CALLER, To="+3197010000000")[0],
            post(base, "/voice/nl/main/input?miss=0", token, Digits="8", From=CALLER)[0],
            post(base, "/voice/nl/call_police/dialed", token, DialCallStatus="busy",
                 From=CALLER)[0],
            post(base, "/sms", token, Body="mijn nummer is 0612345678, HULP", From=CALLER)[0],
            post(base, "/sms", token, Body="HULP", From="0612345678")[0]]
        assert statuses == [200] * 5
        answers = [_raw(port, request) for request in RAW]
    assert all(answer.split(b" ")[1] in (b"400", b"403", b"404") for answer in answers)
    lines = log.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # each line, whole, one object
    assert all(isinstance(entry, dict) and entry["level"] for entry in entries)
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert len(access) >= 5 + 6 and {"method", "path", "status", "duration_ms"} <= set(access[0])
    assert any(e["path"] == "/voice/x\ny" for e in access)  # escaped, not a line break
    webhooks = [e for e in entries if e.get("message") == "webhook"]
    assert {e["channel"] for e in webhooks} == {"voice", "sms"}
    assert all("*" not in e["request_id"] for e in webhooks)  # ids are not numbers
    text = "\n".join(lines)
    for form in FORMS:
        assert form not in text


def test_a_refused_start_writes_json_lines_only(tmp_path):
    # A menus.yaml with four problems under the Procfile's command: one JSON line saying
    # what to fix, then one a problem; no plain-text SystemExit message after them.
    env = {**os.environ, "TWILIO_AUTH_TOKEN": "t" * 32, "SECRET_KEY": secrets.token_hex(32),
           "MENUS_PATH": str(FIXTURES / "broken" / "many_problems.yaml")}
    done = subprocess.run([str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                           "127.0.0.1:0", "app:create_app()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    entries = [json.loads(line) for line in done.stderr.splitlines() + done.stdout.splitlines()]
    refusals = [e["message"] for e in entries if e["message"].startswith("Refusing to start")]
    assert refusals[0] == ("Refusing to start: fix many_problems.yaml (make check lists the "
                           "problems).")
    assert any("unknown target 'reprot' (did you mean 'report'?)" in m for m in refusals)
    assert len(refusals) == 1 + 1 + 4  # what to fix, the count, each problem
