"""Slow clients against the Procfile's command: connections that trickle a
request's headers, trickle its body, or sit idle, while a signed webhook is timed.

`python -m bench.slowclients` measures the worker settings compared in gunicorn.conf.py
(not a test: about two minutes). tests/test_slow_clients.py uses the same attack, smaller
and bounded, on the settings the Procfile runs.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HEADERS = b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
BODY_HEAD = (b"POST /sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
             b"application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nBody=")


class SlowClients:
    """`each` connections of every kind, one byte on each trickling one every `interval`
    seconds, from one thread; closed when stopped."""

    def __init__(self, port: int, each: int, interval: float = 2.0) -> None:
        self.port, self.each, self.interval = port, each, interval
        self.socks: list[tuple[socket.socket, bytes | None]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def _open(self, first: bytes, then: bytes | None) -> None:
        with contextlib.suppress(OSError):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            if first:
                sock.sendall(first)
            self.socks.append((sock, then))

    def __enter__(self) -> SlowClients:
        for _ in range(self.each):
            self._open(HEADERS + b"X-Slow: ", b"a")  # a header that never ends
            self._open(BODY_HEAD, b"a")  # a body that never ends
            self._open(b"", None)  # idle: sends nothing at all
        self.thread.start()
        return self

    def _trickle(self) -> None:
        while not self.stopped.wait(self.interval):
            for sock, then in self.socks:
                if then is not None:
                    with contextlib.suppress(OSError):
                        sock.send(then)

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for sock, _ in self.socks:
            sock.close()


def timed_posts(base: str, token: str, seconds: float, gap: float = 0.25) -> list[float]:
    """Signed POST /voice again and again for `seconds`: each answer's time, in seconds
    (a request with no answer within 10 s counts as 10)."""
    from tests.servers import post

    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status, body = post(base, "/voice", token, timeout=10, To="+3197010000000")
            assert status == 200 and "<Response>" in body, (status, body[:200])
        except OSError:
            pass  # no answer: counted as 10 s below
        times.append(min(time.monotonic() - started, 10.0))
        time.sleep(gap)
    return times


@contextlib.contextmanager
def line(log: Path, worker_class: str = "gevent",
         *args: str) -> Iterator[tuple[str, int, str]]:
    """The line on the Procfile's command with a worker class and extra gunicorn `args`:
    (base, port, token). The class goes through the environment, as gunicorn.conf.py
    patches for gevent only when it is chosen."""
    from tests.servers import gunicorn

    token = "bench-token"
    env = {"TWILIO_AUTH_TOKEN": token, "SECRET_KEY": secrets.token_hex(32),
           "GUNICORN_WORKER_CLASS": worker_class}
    with gunicorn(log, env, *args) as base:
        yield base, int(base.rsplit(":", 1)[1]), token


SETTINGS = {
    "gthread, 2 workers x 2 threads (before)": ("gthread", "--threads", "2"),
    "gthread, 2 workers x 100 threads": ("gthread", "--threads", "100"),
    "gevent, 2 workers x 1000 connections (now)": ("gevent",),
}


def main() -> None:
    each = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in SETTINGS.items():
            with line(Path(tmp) / "log", *args) as (base, port, token):
                quiet = timed_posts(base, token, 3)
                with SlowClients(port, each):
                    attacked = timed_posts(base, token, 20)
            print(f"{name}: quiet median {statistics.median(quiet) * 1000:.0f} ms; "
                  f"with {each}x3 slow clients median {statistics.median(attacked):.2f} s, "
                  f"max {max(attacked):.2f} s, over 2 s: "
                  f"{sum(t > 2 for t in attacked)}/{len(attacked)}", flush=True)


if __name__ == "__main__":
    main()
