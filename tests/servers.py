"""Real servers for the tests, on free loopback ports only: Debian's redis-server, and the
line under the Procfile's gunicorn command (bench/servers.py). Each stops with its test.

A test that starts one is marked `servers` (pytest.mark.servers), which `make quick`
leaves out: starting one in a test without the mark fails it (conftest.py tells which
test is running)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import servers

# Re-exported for tests that import them from here; new tests import them from bench.servers.
from bench.servers import GUNICORN, free_port, post, wait_for  # noqa: F401

from .helpers import need

# Whether the running test is marked `servers`: set by conftest.py before its fixtures.
marked = False


def starting(what: str) -> None:
    """Fails a test that starts `what` without the `servers` mark."""
    if not marked:
        pytest.fail(f"this test starts {what}: mark it @pytest.mark.servers, so that make "
                    "quick leaves it out", pytrace=False)


class Redis:
    """Debian's redis-server on a free loopback port, without persistence."""

    def __init__(self) -> None:
        starting("redis-server")
        self.program = need("redis-server")
        self.port = servers.free_port()
        self.uri = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.wait_for(self._pong, "redis-server")

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
    """The line on the Procfile's command (bench.servers.gunicorn): its base URL."""
    starting("gunicorn")
    with servers.gunicorn(log, env, *args, app=app) as base:
        yield base
