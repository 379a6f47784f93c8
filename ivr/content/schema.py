"""menus.schema.json, made from the model (ivr/content/model.py) by pydantic: the JSON
Schema (draft 2020-12) that editors use to complete and underline menus.yaml while it is
written, and that CI checks every menus file against with check-jsonschema. `make schema`
writes it; tests/test_schema.py fails when the file in the repository is not what this
makes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from ivr.content import model as m

FILE = "menus.schema.json"


def _tidy(schema: Any) -> Any:
    """Without pydantic's titles (the field's name again) and its empty defaults (a list
    for a field written as a mapping); a mapping of ids to values as editors read it."""
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tidy = {key: _tidy(value) for key, value in schema.items()
            if not (key == "title" and isinstance(value, str))
            and not (key == "default" and value in ([], {}, None, ""))}
    patterns = tidy.get("patternProperties", {})
    if len(patterns) == 1 and "additionalProperties" not in tidy:
        (pattern, value), = patterns.items()
        del tidy["patternProperties"]
        tidy |= {"propertyNames": {"pattern": pattern}, "additionalProperties": value}
    return tidy


def _node(node: dict[str, Any]) -> dict[str, Any]:
    """By its kind, which fields of their own a node must and must not have."""
    own = {name for names in m.NODE_OWN.values() for name in names}
    rules = []
    for kind in m.NODE_KINDS:
        needs = list(m.NODE_NEEDS.get(kind, ((), ""))[0])
        then = {"properties": {name: False for name in sorted(own)
                               if name not in m.NODE_OWN.get(kind, ())},
                "required": [name for name in ("sms", *sorted(own)) if name in needs]}
        chosen: dict[str, Any] = {"properties": {"kind": {"const": kind}}, "required": ["kind"]}
        if kind == m.MENU:  # a node without kind is a menu
            chosen = {"anyOf": [chosen, {"not": {"required": ["kind"]}}]}
        rules.append({"if": chosen, "then": then})
    return node | {"allOf": rules}


def json_schema() -> dict[str, Any]:
    schema = _tidy(TypeAdapter(m.MenusFile).json_schema())
    schema["$defs"]["Node"] = _node(schema["$defs"]["Node"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "menus.yaml: the content of a telephone and SMS information line",
        "description": "Made by make schema from ivr/content/model.py; do not edit.",
        **{key: value for key, value in schema.items() if key != "description"},
    }


def text() -> str:
    return json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(text(), end="")
