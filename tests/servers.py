"""Real servers for the tests, on free loopback ports only: Debian's redis-server, and the
line under the Procfile's gunicorn command. Each stops with its test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from .conftest import ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(ready, what: str, seconds: float = 60) -> None:
    """Polls `ready()` until it is true; a start, not a test of speed, so a long limit."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start within {seconds} s")


def required(program: str, variable: str) -> str:
    """The program's path. Missing: skipped on a developer's machine, a failure in CI
    (CI=true) or with `variable`=1, where .ci/run installs it."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI") == "true" or os.environ.get(variable) == "1":
            pytest.fail(f"{program} is required here (CI or {variable}=1) but not installed")
        pytest.skip(f"{program} is not installed (apt-get install {program})")
    return path


class Redis:
    """Debian's redis-server on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self.program = required("redis-server", "REQUIRE_REDIS")
        self.port = free_port()
        self.uri = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._pong, "redis-server")

    def _pong(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    server = Redis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def gunicorn(log: Path, env: dict[str, str], *args: str,
             app: str = "app:create_app()") -> Iterator[str]:
    """The Procfile's command (gunicorn with gunicorn.conf.py) on a free loopback port;
    yields its base URL, and stops it after. Everything it writes goes to `log`."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this venv")
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
    signature = RequestValidator(token).compute_signature(base + path, params)
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
