"""Turning the parsed menus.yaml into the immutable model, noting every problem on the way
(ivr.lines adds the voice's and the SMS line's checks, and loads a line).

The fields are read by pydantic from their one definition (model.py); here its errors
become the messages an editor reads, each at its place: file, node, field. Problems
between parts of the file (targets, reachability) are found in validate.py.
"""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ivr.content import fields as f
from ivr.content import model as m
from ivr.content.fields import KEYS, fold  # noqa: F401  (where the line reads them)
from ivr.content.problems import Collector, suggest
from ivr.content.recordings import read_recordings
from ivr.content.validate import cross_check
from ivr.content.yamlfile import duplicates, read_yaml

FILE = TypeAdapter(m.MenusFile)
SECTIONS = tuple(f.names(m.MenusFile))
EXTRA = ("unexpected_keyword_argument", "extra_forbidden")
ENTRY = {"languages": ("language", "code"), "contacts": ("contact", "id"),
         "prompts": ("prompt", None), "nodes": ("node", None)}


def default_language(path: str | Path) -> str | None:
    """The language the line cannot do without, as the file names it."""
    raw, _ = read_yaml(Path(path))
    settings = raw.get("settings") if isinstance(raw, dict) else None
    return str(settings.get("default_language")) if isinstance(settings, dict) else None


def read_file(path: str | Path, audio_dir: str | Path | None = None,
              dropped: frozenset[str] = frozenset()) -> tuple[m.Menus | None, Collector]:
    """The model as the file builds it (None when it cannot be built), with its recordings,
    and every problem of the content's own: of its fields and between its parts. The
    voice's and the SMS line's checks follow in ivr.lines."""
    path = Path(path)
    out = Collector(path.name, dropped)
    raw, error = read_yaml(path)
    if error:
        out.error("", error)
        return None, out
    menus = build(raw, out)
    if menus is not None:
        folder = Path(audio_dir) if audio_dir else path.parent / "audio"
        menus = replace(menus, recordings=read_recordings(folder, tuple(menus.languages)))
        # Even with field errors, so that one run lists every problem in the file.
        cross_check(menus, out)
    return menus, out


def build(raw: Any, out: Collector) -> m.Menus | None:
    if not isinstance(raw, dict):
        out.error("", f"expected sections {', '.join(SECTIONS)} at the top of the file")
        return None
    _duplicates(raw, raw, (), out)
    raw = _without(raw, out.dropped)
    reading = f.Reading(_codes(raw), out.dropped)
    menus: m.MenusFile | None
    try:
        menus = FILE.validate_python(raw, context=reading)
    except ValidationError as error:
        for problem in error.errors():
            _note(problem, raw, reading, out)
        menus = _despite_problems(raw, replace(reading, lenient=True))
    if menus is None or not menus.languages:
        return None
    return m.Menus(
        settings=_inline(menus.settings),
        languages=MappingProxyType({lang.code: _inline(lang) for lang in menus.languages}),
        contacts=MappingProxyType({c.id: _inline(c) for c in menus.contacts}),
        nodes=MappingProxyType({node_id: _inline(n) for node_id, n in menus.nodes.items()}),
        prompts=menus.prompts,
        sms=_inline(menus.sms),
        source=out.source,
    )


def _inline(value: Any) -> Any:
    """The object made again attribute by attribute, unvalidated: pydantic-core gives an
    object its __dict__ whole, which costs every later attribute read some 15% more
    instructions (CPython's inline attribute values are lost); the webhooks read these on
    every request. Equal to the one read, of the same class."""
    if isinstance(value, tuple):
        return tuple(_inline(item) for item in value)
    if not f.names(type(value)):
        return value
    made = object.__new__(type(value))
    for name, item in vars(value).items():
        object.__setattr__(made, name, _inline(item))
    return made


def _without(raw: dict, dropped: frozenset[str]) -> dict:
    """The file without the languages left out (their texts are passed over as read)."""
    languages = raw.get("languages")
    if not dropped or not isinstance(languages, list):
        return raw
    kept = [lang for lang in languages
            if not (isinstance(lang, dict) and str(lang.get("code")) in dropped)]
    return {**raw, "languages": kept}


def _codes(raw: dict) -> tuple[str, ...]:
    """The file's languages: each code once, as the texts are checked against them."""
    languages = raw.get("languages")
    codes = (str(lang.get("code")) for lang in languages or () if isinstance(lang, dict))
    return tuple(dict.fromkeys(c for c in codes if re.fullmatch(f.LANG, c)))


def _despite_problems(raw: dict, reading: f.Reading) -> m.MenusFile | None:
    """The model all the same (problems reported, stand-ins taking their place), so that
    the checks between sections can be run: None when its very shape is wrong."""
    raw = copy.deepcopy(raw)
    for _ in range(5):
        try:
            return FILE.validate_python(raw, context=reading)
        except ValidationError as error:
            for problem in error.errors():
                loc = _loc(problem)
                *path, last = loc or ("",)
                parent: Any = raw
                for step in path:
                    parent = parent[step]
                if problem["type"] in EXTRA and isinstance(parent, dict):
                    del parent[last]
                elif problem["type"] == "missing" and isinstance(parent, dict):
                    parent[last] = copy.copy(_empty(loc))
                else:
                    return None
    return None


# -- the messages ------------------------------------------------------------------------


def _note(problem: Any, raw: dict, reading: f.Reading, out: Collector) -> None:
    """One of pydantic's errors, as a problem at its place in today's words."""
    loc = _loc(problem)
    kind, name = problem["type"], str(loc[-1]) if loc else ""
    form, lang, at = f.Form.PLAIN, None, ""
    if kind == "menus":
        ctx = problem["ctx"]
        message, form, lang, at = ctx["message"], f.Form(ctx["form"]), ctx["lang"], ctx["at"]
    elif kind in EXTRA:
        known = SECTIONS if len(loc) == 1 else _names(loc[:-1])
        message = (f"unknown {'section' if len(loc) == 1 else 'field'} '{name}'"
                   f"{suggest(name, known)}")
        form = f.Form.NONE
        loc = loc[:-1]
    else:
        shape = _shape(loc)
        message = ("is missing" if kind == "missing" else problem["msg"]) if shape is None \
            else shape.wrong if shape.wrong and kind != "missing" else shape.message
        message = message.replace("{langs}", ", ".join(reading.langs))
        form = shape.form if shape else f.Form.PLAIN
    if loc[:1] == ("languages",) and len(loc) == 3 and loc[2] in m.Language.OWN:
        lang = _entry_name(raw, loc)
    out.error(_where(loc, raw, form, at) or ("top level" if kind in EXTRA else ""),
              _worded(message, form, name), lang)


def _worded(message: str, form: f.Form, name: str) -> str:
    if form is f.Form.COLON:
        return f"field '{name}': {message}"
    if form is f.Form.PLAIN:
        return f"field '{name}' {message}"
    return message


def _where(loc: tuple, raw: dict, form: f.Form, at: str) -> str:
    if form is f.Form.NONE:
        return _place(loc, raw) + at
    if form is f.Form.SECTION:
        return " ".join(filter(None, (_place(loc[:-1], raw), str(loc[-1]))))
    prompt = loc[:1] == ("prompts",) and len(loc) == 2  # a prompt is its own field
    base = _place(loc if prompt else loc[:-1], raw)
    if form is f.Form.IN or (form is f.Form.TEXT and not prompt):
        base += f" field '{loc[-1]}'"
    return base + (at if form in (f.Form.IN, f.Form.TEXT) else "")


def _place(loc: tuple, raw: dict) -> str:
    """node 'signals', language 'nl', settings global key 'repeat', sms keywords..."""
    if not loc:
        return ""
    section, rest = loc[0], loc[1:]
    if section == "settings" and rest[:1] == ("global_keys",) and len(rest) > 1:
        return f"settings global key '{_entry_name(raw, loc)}'"
    if section == "sms" and rest[:1] == ("keywords",):
        return "sms keywords"
    if section in ENTRY and rest:
        return f"{ENTRY[section][0]} '{_entry_name(raw, loc)}'"
    return str(section)


def _entry_name(raw: dict, loc: tuple) -> str:
    """An entry as the file names it: a node by its key, a language by its code..."""
    if loc[0] == "settings":
        settings = raw.get("settings")
        items, index, key = (settings or {}).get("global_keys"), loc[2], "action"
    else:
        items, index, named = raw.get(loc[0]), loc[1], ENTRY[loc[0]][1]
        if named is None:
            return str(index)
        key = named
    try:
        entry = items[index]  # type: ignore[index]
    except (IndexError, KeyError, TypeError):
        return ""
    return str(entry.get(key, "")) if isinstance(entry, dict) else ""


def _loc(problem: Any) -> tuple:
    """Its place in the file (a key of a mapping is named by the entry it begins)."""
    return tuple(step for step in problem["loc"] if step != "[key]")


# -- the definition, looked up by a place in the file --------------------------------------


def _at(loc: tuple) -> tuple[Any, FieldInfo | None]:
    """The type of the value at `loc`, and the definition of the field it is, if it is one."""
    kind: Any = m.MenusFile
    info = None
    for step in loc:
        fields = f.names(kind) or None
        if fields is not None:
            info = fields.get(step) or next(
                (i for i in fields.values() if i.alias == step), None)
            kind = info.annotation if info else None
        else:  # an item of a list, or a value of a mapping
            args = [a for a in typing.get_args(kind) if a is not Ellipsis]
            kind, info = _bare(args[-1]) if args else None, None
    return kind, info


def _bare(kind: Any) -> Any:
    return typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Annotated else kind


def _names(loc: tuple) -> tuple[str, ...]:
    """The fields of the object at `loc`, as the file writes them."""
    kind, _ = _at(loc)
    args = [a for a in typing.get_args(kind) if a is not Ellipsis]
    kind = _bare(args[-1]) if args else kind  # a list's or a mapping's entries
    fields = f.names(kind)
    return tuple(i.alias or n for n, i in fields.items() if n != "id" or kind is not m.Node)


def _shape(loc: tuple) -> f.Shape | None:
    _, info = _at(loc)
    for meta in info.metadata if info else ():
        if isinstance(meta, f.Shape):
            return meta
        if isinstance(meta, f.Read) and meta.shape:
            return meta.shape
    return None


def _empty(loc: tuple) -> Any:
    """What stands in for a field left out, in the second reading."""
    shape = _shape(loc)
    if shape is not None and shape.empty is not None:
        return shape.empty
    kind, _ = _at(loc)
    origin = typing.get_origin(kind)
    if origin is Mapping or bool(f.names(kind)):
        return {}
    return [] if origin in (tuple, list) else ""


def _duplicates(value: Any, raw: dict, loc: tuple, out: Collector) -> None:
    """Keys given twice, which YAML readers keep the last of without a word."""
    if isinstance(value, Mapping):
        for key, line in duplicates(value):
            out.error(*_twice(loc, raw, key, line))
        for key, item in value.items():
            _duplicates(item, raw, (*loc, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _duplicates(item, raw, (*loc, index), out)


def _twice(loc: tuple, raw: dict, key: Any, line: int) -> tuple[str, str]:
    again = f"is given twice (again on line {line})"
    if not loc:
        return "top level", f"key '{key}' {again}"
    if loc[0] == "nodes" and loc[2:] == ("options",):
        return f"{_place(loc, raw)} option '{key}'", f"the same key {again}"
    if len(loc) == 1 or loc == ("sms", "keywords"):
        return str(loc[0]), f"key '{key}' {again}"
    if len(loc) == 2 and loc[0] in ("languages", "contacts", "nodes"):
        return _place(loc, raw), f"field '{key}' {again}"
    _, info = _at(loc)
    read = next((meta for meta in info.metadata if isinstance(meta, f.Read)), None) \
        if info else None
    texts = loc[0] == "prompts" or (read is not None and read.schema in (
        f.TEXTS_SCHEMA, f.WORDS_SCHEMA))
    return (_where(loc, raw, f.Form.IN, ""),
            f"{'language' if texts else 'key'} '{key}' {again}")
