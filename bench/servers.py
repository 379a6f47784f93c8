"""The line as a real server, for the benchmarks and the tests alike: the Procfile's
gunicorn command on a free loopback port, waited for, stopped after, and signed POSTs to
it as Twilio sends them."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from ivr.web.signature import sign

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(ready: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Polls `ready()` until it is true; a start, not a test of speed, so a long limit."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start within {seconds} s")


@contextlib.contextmanager
def gunicorn(log: Path, env: dict[str, str], *args: str,
             app: str = "app:create_app()") -> Iterator[str]:
    """The Procfile's command (gunicorn with gunicorn.conf.py) on a free loopback port;
    yields its base URL, and stops it after. Everything it writes goes to `log`."""
    if not GUNICORN.exists():
        raise FileNotFoundError(f"{GUNICORN} is missing: gunicorn is in requirements.txt")
    port = free_port()
    full = {**os.environ, "PORT": str(port), **env}
    with log.open("w") as out:
        server = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                                   f"127.0.0.1:{port}", *args, app], cwd=ROOT, env=full,
                                  stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(server, base), "gunicorn")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _up(server: subprocess.Popen, base: str) -> bool:
    if server.poll() is not None:
        raise AssertionError(f"gunicorn stopped at its start ({server.returncode})")
    return urllib.request.urlopen(base + "/healthz", timeout=1).status == 200


def post(base: str, path: str, token: str, timeout: float = 5, **params: str) -> tuple[int, str]:
    """A signed POST, as Twilio sends it: (status, body)."""
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": sign(token, base + path,
                                                                         params)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
