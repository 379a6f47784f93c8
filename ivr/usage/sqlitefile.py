"""An SQLite file that gunicorn's workers share: made whole beside its place and renamed
into it, so that no process ever opens it half made; and its identity, to see that it was
deleted or replaced since a process opened it. Used by the usage counts and the caps."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from urllib.parse import quote


def identity(path: str) -> tuple[int, int] | None:
    """The file's (device, inode): another one when it was replaced; None: there is none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def make(path: str, schema: str, prefix: str, leftovers: Iterable[str]) -> None:
    """The file with its tables (`schema`), made beside it (mkstemp: 0600) and renamed into
    place. `leftovers`: the journal or log of a file that is gone, removed first, since
    SQLite would take it for the new file's and play it back into it."""
    handle, made = tempfile.mkstemp(prefix=prefix, suffix=".sqlite", dir=os.path.dirname(path))
    os.close(handle)
    try:
        conn = sqlite3.connect(made)
        try:
            conn.executescript(schema)
        finally:
            conn.close()
        for left in leftovers:
            with contextlib.suppress(FileNotFoundError):
                os.remove(left)
        os.replace(made, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(made)
        raise


def connect(path: str, timeout: float) -> sqlite3.Connection:
    """The file opened for this process: mode=rw, never made here (SQLite would make it
    empty, 0644, without its tables); autocommit, each store begins its own transactions;
    usable from the worker's other threads (each store serialises its use with a lock)."""
    return sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=timeout,
                           isolation_level=None, check_same_thread=False)
