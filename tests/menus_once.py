"""A menus file loaded once per test run for the same content: ivr.lines.load_menus
behind a memo, which conftest.py puts where create_app looks for it.

Hundreds of tests make an app of the same menus.yaml; each load checks every answer of
the line (ivr/voice/sizes.py) and takes most of a second. The memo is keyed by all that
the load reads: the menus file's path and bytes, the audio folder's files (names, sizes,
times, inodes, and the manifest's bytes) and the arguments. A file edited, a recording
written or removed, another folder: a key not seen before, loaded again. Only successes
are kept: a file with errors is loaded, and refused, every time. Sharing the model
between apps is safe: it is immutable but for its render cache, which only ever holds
what its renderers would make again (and the load itself fills it, check_sizes)."""

from __future__ import annotations

import os
from pathlib import Path

from ivr.content import model as m
from ivr.content.problems import Problem
from ivr.content.recordings import MANIFEST
from ivr.lines import load_menus as load_every_time

Loaded = tuple[m.Menus, tuple[Problem, ...]]
_loaded: dict[tuple, Loaded] = {}


def audio_files(folder: Path) -> tuple:
    """What the load reads of the audio folder, or would see change: every file's name,
    size, modification time and inode (a file replaced by a rename is a new inode), and
    the manifest's bytes (edited in place, its size and time may not change)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(root, name))
            found.append((os.path.relpath(os.path.join(root, name), folder), stat.st_size,
                          stat.st_mtime_ns, stat.st_ino))
    manifest = folder / MANIFEST
    return tuple(found), manifest.read_bytes() if manifest.is_file() else None


def key_of(path: str | Path, audio_dir: str | Path | None, recordings: bool) -> tuple:
    path = Path(path).resolve()
    # The folder the loader reads when none is given (ivr/content/loader.py).
    folder = Path(audio_dir or path.parent / "audio").resolve()
    return str(path), path.read_bytes(), str(folder), audio_files(folder), recordings


def load_menus(path: str | Path, audio_dir: str | Path | None = None,
               recordings: bool = True) -> tuple[m.Menus, list[Problem]]:
    """What ivr.lines.load_menus returns (MenuError too), loaded once per content."""
    try:
        key = key_of(path, audio_dir, recordings)
    except OSError:  # no such file: the loader says so as it would
        return load_every_time(path, audio_dir, recordings)
    if key not in _loaded:
        menus, warnings = load_every_time(path, audio_dir, recordings)
        _loaded[key] = menus, tuple(warnings)
    menus, kept = _loaded[key]
    return menus, list(kept)
