"""`make bench-instructions`: what one webhook request costs, in CPU instructions.

wrk's requests a second swing by 10-20% from run to run on a small shared machine; the
instructions one request executes do not (to a fraction of a percent). Each app answers
the benchmark's five requests in-process, through its WSGI callable, under valgrind's
callgrind, which counts only the measured loop. The line runs as in production (INFO,
one JSON log line a request), again at WARNING to show what that line costs, and again
without usage counts to show theirs (at most 5%), their writes included.

Needs valgrind (apt-get install valgrind; make bench-instructions installs it) and takes a
few minutes. A measurement, not a test: nothing fails on a figure.
"""

from __future__ import annotations

import functools
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.requests import CALL, ROUTES, found

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "0" * 32  # in-process only: never a real token
WARM_UP, COUNTED = 30, 100
APPS = {"floor": "bench.reference:floor", "secure": "bench.reference:secure",
        "line": "app:create_app()", "line, no log line": "app:create_app()",
        "line, no usage counts": "app:create_app()"}
UNCOUNTED = "line, no usage counts"


def _counting(app_name: str, wsgi: object) -> None:
    """Usage counts written only when the measured loop says (no writer thread every
    second, which callgrind would not count): each route's 100 answers in one write, as
    a worker answering 100 requests a second writes them."""
    from ivr.web import usage_counts
    from ivr.web.state import line_state

    usage_counts.FLUSH_SECONDS = 10.0**9
    if app_name == UNCOUNTED:
        line_state(wsgi).usage = None  # type: ignore[arg-type]


def child(app_name: str) -> None:
    """In the process valgrind watches: answer each route COUNTED times, each inside its
    own functools.reduce, the function callgrind counts in and dumps after."""
    from werkzeug.test import EnvironBuilder

    from ivr.web.signature import sign
    from ivr.web.usage_counts import flush_all

    module, _, name = APPS[app_name].partition(":")
    found = getattr(__import__(module, fromlist=[name.removesuffix("()")]),
                    name.removesuffix("()"))
    made = found() if name.endswith("()") else found  # a factory, as gunicorn
    if app_name.startswith("line"):
        _counting(app_name, made)
    wsgi = made.wsgi_app
    statuses: list[str] = []
    for path, params in ROUTES.values():
        form = {**CALL, **params} if path.startswith("/voice") else {
            **{k: v for k, v in CALL.items() if k in ("AccountSid", "From", "To")}, **params}
        signature = sign(TOKEN, "http://localhost" + path, form)
        environ = EnvironBuilder(path=path, method="POST", data=form,
                                 headers=[("X-Twilio-Signature", signature)]).get_environ()
        body = environ["wsgi.input"].read()
        environ["RAW_URI"] = path  # as gunicorn sets it

        def answer(_: object = None, index: object = None) -> None:
            request = {**environ, "wsgi.input": io.BytesIO(body)}  # noqa: B023
            b"".join(wsgi(request, lambda status, headers, info=None: statuses.append(status)))
            if index == COUNTED - 1 and app_name.startswith("line"):
                flush_all()  # the usage counts of the loop's answers, written at once

        for _ in range(WARM_UP):
            answer()
        if app_name.startswith("line"):
            flush_all()  # the warm-up's counts, written before the measured loop
        functools.reduce(answer, range(COUNTED), None)
    if not all(status.startswith("200") for status in statuses):
        sys.exit(f"{app_name}: not all answers were 200: {set(statuses)}")


def count(app_name: str) -> dict[str, int]:
    """Instructions per request for each route, from one process under callgrind: one
    profile is dumped after each counted loop (the last ones; the import may add some)."""
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "k" * 64,
           "LOG_LEVEL": "WARNING" if app_name.endswith("no log line") else "INFO"}
    env.pop("PUBLIC_BASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=functools_reduce", "--dump-after=functools_reduce",
             f"--callgrind-out-file={tmp}/cg.out", sys.executable, "-m", "bench.instructions",
             "--child", app_name], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=900)
        if done.returncode:
            sys.exit(done.stderr[-2000:])
        dumps = sorted(Path(tmp).glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
        totals = [int(found(r"^totals: (\d+)", d.read_text(), re.M).group(1))
                  for d in dumps[-len(ROUTES):]]
    return {route: total // COUNTED for route, total in zip(ROUTES, totals, strict=True)}


def measure() -> dict[str, dict[str, int]]:
    """route -> app -> instructions per request."""
    counts = {app_name: count(app_name) for app_name in APPS}
    return {route: {app_name: counts[app_name][route] for app_name in APPS}
            for route in counts["line"]}


def table(measured: dict[str, dict[str, int]]) -> list[str]:
    lines = ["| route | " + " | ".join(f"{a} M" for a in APPS)
             + " | line / secure | no log line / secure | usage counts |",
             "|---|" + "---|" * (len(APPS) + 3)]
    for route, counts in measured.items():
        cells = " | ".join(f"{counts[a] / 1e6:.2f}" for a in APPS)
        lines.append(f"| {route} | {cells} | {counts['line'] / counts['secure']:.3f}x | "
                     f"{counts['line, no log line'] / counts['secure']:.3f}x | "
                     f"{counts['line'] / counts[UNCOUNTED] - 1:+.1%} |")
    return lines


def main() -> None:
    print("\n".join(table(measure())))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
