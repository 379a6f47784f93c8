"""menus.schema.json, made from ivr.content.structure: the JSON Schema (draft 2020-12)
that editors use to complete and underline menus.yaml while it is written, and that CI
checks every menus file against with check-jsonschema. `make schema` writes it;
tests/test_schema.py fails when the file in the repository is not what this makes."""

from __future__ import annotations

import json
from typing import Any

from ivr.content import model as m
from ivr.content import structure as s

FILE = "menus.schema.json"


def _object(fields: tuple[s.Field, ...]) -> dict[str, Any]:
    required = [f.name for f in fields if f.required]
    return {"type": "object", "additionalProperties": False,
            "properties": {f.name: {"description": f.description, **f.schema} for f in fields},
            **({"required": required} if required else {})}


def _node() -> dict[str, Any]:
    """Every field a node may have; by its kind, which of its own it must and must not."""
    own = {f.name: f for fields in s.NODE_OWN.values() for f in fields}
    node = _object(s.NODE + tuple(own.values()))
    node["required"] = [f.name for f in s.NODE if f.required]
    rules = []
    for kind in m.NODE_KINDS:
        mine = s.NODE_OWN.get(kind, ())
        then: dict[str, Any] = {
            "properties": {name: False for name in own if name not in s.names(mine)},
            "required": [f.name for f in mine if f.required] + (["sms"] if kind == m.TEXT
                                                                 else [])}
        chosen: dict[str, Any] = {"properties": {"kind": {"const": kind}}, "required": ["kind"]}
        if kind == m.MENU:  # a node without kind is a menu
            chosen = {"anyOf": [chosen, {"not": {"required": ["kind"]}}]}
        rules.append({"if": chosen, "then": then})
    node["allOf"] = rules
    return node


def json_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "menus.yaml: the content of a telephone and SMS information line",
        "description": "Made by make schema from ivr/content/structure.py; do not edit.",
        "type": "object", "additionalProperties": False, "required": list(s.SECTIONS),
        "properties": {
            "settings": _object(s.SETTINGS),
            "languages": {"type": "array", "minItems": 1, "items": _object(s.LANGUAGE)},
            "contacts": {"type": "array", "items": _object(s.CONTACT)},
            "prompts": {"type": "object", "propertyNames": {"pattern": s.ID},
                        "additionalProperties": s.TEXTS},
            "nodes": {"type": "object", "propertyNames": {"pattern": s.ID},
                      "additionalProperties": {"$ref": "#/$defs/node"}},
            "sms": _object(s.SMS),
        },
        "$defs": {"global_key": _object(s.GLOBAL_KEY), "node": _node()},
    }


def text() -> str:
    return json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(text(), end="")
