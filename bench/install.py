"""`make run` on a fresh clone, as a new operator meets it: the seconds from the command to
the first answer of /healthz (making .venv included) and the size of .venv; then what
`make test`'s development tools add to it. Writes its section of docs/benchmarks.md.

Needs the network (or a pip cache) and port 5000 free; a benchmark, never run by CI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## A fresh clone: `make run`"
HEALTH = "http://127.0.0.1:5000/healthz"


def megabytes(folder: Path) -> int:
    done = subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def first_start(clone: Path) -> float:
    """Seconds from `make run` to /healthz answering 200; the server is stopped after."""
    started = time.monotonic()
    server = subprocess.Popen(["make", "run"], cwd=clone, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while server.poll() is None:
            try:
                with urllib.request.urlopen(HEALTH, timeout=1) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.5)  # not up yet: a benchmark may wait
        raise SystemExit(f"make run stopped with status {server.returncode}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def section(seconds: float, lean: int, full: int, tools_seconds: float) -> str:
    return "\n".join([
        HEADING, "",
        "Written by `python3 -m bench.install`, which clones the repository's "
        "HEAD into a temporary folder and runs `make run` there, as a new operator does. "
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python "
        f"{sys.version.split()[0]}, on the machine of the figures above, with an empty pip "
        "cache (every package from the package index).", "",
        "| | seconds | .venv MB |", "|---|---|---|",
        f"| `make run`: making .venv with requirements.txt, to the first answer of "
        f"/healthz | {seconds:.0f} | {lean} |",
        f"| then `make test`'s development tools added (requirements-dev.txt) | "
        f"{tools_seconds:.0f} | {full} |", "",
        "The development tools (pytest, hypothesis, Playwright, mypy, ruff and the rest) "
        "are not needed to serve the line; `make run` leaves them out. The seconds are mostly "
        "downloads and depend on the network and on what else the machine runs; the sizes "
        "do not.", ""])


def kept() -> str:
    """This section as docs/benchmarks.md has it ('' if none), for `make bench` to keep."""
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    return HEADING + current.split(HEADING, 1)[1] if HEADING in current else ""


def write(text: str) -> None:
    """Replace this section of docs/benchmarks.md, or add it at the end."""
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    before = current.split(HEADING)[0].rstrip("\n")
    DOC.write_text((before + "\n\n" if before else "") + text, encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "line"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        os.environ["PIP_NO_CACHE_DIR"] = "1"  # every package from the index, as on a new machine
        seconds = first_start(clone)
        lean = megabytes(clone / ".venv")
        started = time.monotonic()
        subprocess.run(["make", ".venv/.installed"], cwd=clone, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tools_seconds = time.monotonic() - started
        full = megabytes(clone / ".venv")
    write(section(seconds, lean, full, tools_seconds))
    print(f"make run: {seconds:.0f} s to /healthz, .venv {lean} MB; with the tools {full} MB")


if __name__ == "__main__":
    main()
