"""Slow clients against the Procfile's command: connections that trickle a
request's headers, trickle its body, or sit idle, while a signed webhook is timed.

`python -m bench.slowclients` measures the worker settings compared in gunicorn.conf.py
(not a test: about two minutes); `python -m bench.slowclients bodies 2200`, 2,200
connections trickling a body each against the Procfile's settings. tests/test_slow_clients.py
uses the same attacks, bounded, on the settings the Procfile runs.
"""

from __future__ import annotations

import contextlib
import resource
import runpy
import secrets
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.servers import gunicorn, post

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


class TricklingBodies:
    """`count` connections that each send a POST's headers and the start of its body, then
    one byte more every `trickle` seconds of `run`: from one select loop, no thread.
    `answers` holds what each received from the server; `open` those it has not closed."""

    def __init__(self, port: int, count: int, trickle: float = 2.0) -> None:
        self.trickle = trickle
        self.socks: list[socket.socket] = []
        for _ in range(count):
            with contextlib.suppress(OSError):
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                sock.sendall(BODY_HEAD)
                sock.setblocking(False)
                self.socks.append(sock)
        self.answers = {sock: b"" for sock in self.socks}
        self.open = set(self.socks)
        self.waiting = set(self.socks)  # those the server has not answered yet
        self.held: list[int] = []  # how many were waiting at each tick

    def __enter__(self) -> TricklingBodies:
        return self

    def run(self, seconds: float, interval: float, tick: Callable[[], None]) -> None:
        """Trickle until the server has closed every connection, `seconds` at most;
        `tick` is called once an `interval`, the first time at once."""
        deadline = time.monotonic() + seconds
        next_tick = next_byte = time.monotonic()
        with selectors.DefaultSelector() as selector:
            for sock in self.socks:
                selector.register(sock, selectors.EVENT_READ)
            while self.open and time.monotonic() < deadline:
                if time.monotonic() >= next_byte:
                    for sock in self.waiting:
                        with contextlib.suppress(OSError):
                            sock.send(b"a")
                    next_byte = time.monotonic() + self.trickle
                if time.monotonic() >= next_tick:
                    self.held.append(len(self.waiting))
                    tick()
                    next_tick = time.monotonic() + interval
                wait = min(next_tick, next_byte, deadline) - time.monotonic()
                for key, _ in selector.select(timeout=max(wait, 0)):
                    self._receive(selector, key.fileobj)  # type: ignore[arg-type]

    def _receive(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.answers[sock] += data
            self.waiting.discard(sock)
        else:  # closed by the server
            selector.unregister(sock)
            self.open.discard(sock)

    def __exit__(self, *exc: object) -> None:
        for sock in self.socks:
            sock.close()


def timed_post(base: str, token: str, timeout: float = 10) -> float:
    """A signed POST /voice: its answer's time, in seconds (no answer: `timeout`)."""
    started = time.monotonic()
    try:
        status, body = post(base, "/voice", token, timeout=timeout, To="+3197010000000")
        assert status == 200 and "<Response>" in body, (status, body[:200])
    except OSError:
        return timeout  # no answer
    return min(time.monotonic() - started, timeout)


def timed_posts(base: str, token: str, seconds: float, gap: float = 0.25) -> list[float]:
    """Signed POST /voice again and again for `seconds`: each answer's time, in seconds
    (a request with no answer within 10 s counts as 10)."""
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        times.append(timed_post(base, token))
        time.sleep(gap)
    return times


@contextlib.contextmanager
def line(log: Path, worker_class: str = "gevent",
         *args: str) -> Iterator[tuple[str, int, str]]:
    """The line on the Procfile's command with a worker class and extra gunicorn `args`:
    (base, port, token). The class goes through the environment, as gunicorn.conf.py
    patches for gevent only when it is chosen."""
    token = "bench-token"
    env = {"TWILIO_AUTH_TOKEN": token, "SECRET_KEY": secrets.token_hex(32),
           "GUNICORN_WORKER_CLASS": worker_class}
    with gunicorn(log, env, *args) as base:
        yield base, int(base.rsplit(":", 1)[1]), token


SETTINGS = {
    "gthread, 2 workers x 2 threads (before)": ("gthread", "--threads", "2"),
    "gthread, 2 workers x 100 threads": ("gthread", "--threads", "100"),
    "gevent, 2 workers x 4000 connections (now)": ("gevent",),
}
BODY_SECONDS = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))[
    "BODY_SECONDS"]


@contextlib.contextmanager
def open_files(needed: int) -> Iterator[None]:
    """This process's limit of open files raised to its hard limit for a while: a socket
    is a file, and the soft limit is often 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise OSError(f"{needed} open files needed, the hard limit is {hard} (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def bodies(count: int) -> None:
    """`count` connections trickling bodies against the Procfile's settings: the signed
    answers' times, and how soon the line answered the trickles 408 and closed them."""
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, open_files(count + 100), \
            line(Path(tmp) / "log") as (base, port, token):
        started = time.monotonic()
        with TricklingBodies(port, count) as slow:
            opened = time.monotonic()
            slow.run(BODY_SECONDS + 20, 1.0, lambda: times.append(timed_post(base, token)))
            ended = time.monotonic()
            refused = sum(a.startswith(b"HTTP/1.1 408") for a in slow.answers.values())
    each = " ".join(f"{t:.2f}" for t in times)
    print(f"{len(slow.socks)} trickling bodies (opened in {opened - started:.1f} s): signed "
          f"answers max {max(times):.2f} s ({each}); {refused} answered 408, "
          f"{len(slow.open)} still open {ended - opened:.1f} s after", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["bodies"]:
        bodies(int(sys.argv[2]) if len(sys.argv) > 2 else 2200)
        return
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
