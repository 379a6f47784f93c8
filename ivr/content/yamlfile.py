"""Reading menus.yaml, keeping what plain PyYAML throws away: keys written twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlMap(dict):
    """A mapping from the file that remembers keys it saw twice, with their line."""

    duplicates: list[tuple[Any, int]]


# libyaml's parser when PyYAML has it (its wheels do): ten times faster on a file of
# eleven languages; the safe constructor is the same.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        # PyYAML keeps the last of two equal keys without a word; a menu with key
        # '1' twice must fail instead of silently losing an option.
        if key in result:
            result.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# The most a menus file may hold: ten times the shipped one, in eleven languages (about
# 200 kB). Read no further: a larger file is not a menus file, and PyYAML would hold it all.
MAX_BYTES = 2_000_000


def read_yaml(path: Path) -> tuple[Any, str | None]:
    """The parsed file, or None and a message saying what is wrong and where."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc}); set MENUS_PATH or pass FILE"
    if len(data) > MAX_BYTES:
        return None, (f"the file is over {MAX_BYTES:,} bytes, ten times what a line in eleven "
                      "languages needs: is it the menus file? Look for a text pasted many times")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text; save it as UTF-8"
    try:
        return yaml.load(text, Loader=_Loader), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        # An unquoted * starts a YAML alias and an unquoted # a comment.
        quoting = "alias" in str(problem) or "alphabetic or numeric" in str(problem)
        hint = "; write the keys * and # in quotes: \"*\", \"#\"" if quoting else ""
        return None, f"{place}not valid YAML: {problem}{hint}"


def duplicates(mapping: Any) -> list[tuple[Any, int]]:
    return list(getattr(mapping, "duplicates", []))
