"""The voice line's URLs, defined once: the webhooks are routed by these rules
(ivr/web/voice_webhook.py) and the answers' URLs are built from them with werkzeug's URL map. All
call state travels in them: language, node, misses and the part of an answer.

They are relative: Twilio resolves them against the URL it just called, so they keep
the public host and scheme that the signature was computed over.
"""

from __future__ import annotations

import functools

from werkzeug.routing import Map, MapAdapter, Rule

# endpoint -> rule; the views' endpoints have these names too.
RULES = {
    "incoming": "/voice",
    "language_input": "/voice/language",
    "show_node": "/voice/<lang>/<node_id>",
    "node_input": "/voice/<lang>/<node_id>/input",
    "dialed": "/voice/<lang>/<node_id>/dialed",
    "connect_input": "/voice/<lang>/<node_id>/connect",
    "failed_input": "/voice/<lang>/<node_id>/failed",
    "status": "/voice/status",  # Twilio's status callback: where a call ended
}
# Built without a server name: MapAdapter.build gives the path and query only.
_BUILD: MapAdapter = Map([Rule(rule, endpoint=name) for name, rule in RULES.items()],
                         merge_slashes=False).bind("")


# Each URL built once: building takes werkzeug some 15,000 instructions, and an answer
# holds a few (make bench-instructions). The values are the menus' own ids and small
# numbers (views turn anything else away first); the cache is bounded all the same.
cached = functools.lru_cache(maxsize=4096)


def _url(endpoint: str, **values: str | int) -> str:
    return _BUILD.build(endpoint, values)


@cached
def language_choice(miss: int = 0, second_page: bool = False) -> str:
    return _url("language_input", miss=miss, **({"page": 2} if second_page else {}))


@cached
def node_input(lang: str, node_id: str, miss: int = 0, part: int = 0, start: int = 0) -> str:
    """`part`: which <Gather> of an answer the key was pressed in; `start`: the part the
    answer began with (see answers._parts)."""
    return _url("node_input", lang=lang, node_id=node_id, miss=miss, **_parts(part, start))


@cached
def dialed(lang: str, node_id: str) -> str:
    return _url("dialed", lang=lang, node_id=node_id)


@cached
def failed_input(lang: str, node_id: str, miss: int = 0, part: int = 0, start: int = 0) -> str:
    return _url("failed_input", lang=lang, node_id=node_id, miss=miss, **_parts(part, start))


def _parts(part: int, start: int) -> dict[str, int]:
    return ({"part": part} if part else {}) | ({"from": start} if start else {})


@cached
def connect(lang: str, node_id: str, part: int = 0, start: int = 0) -> str:
    """After silence, the miss limit or an error: the key that puts the caller through to
    node_id, offered after the numbers (their own part)."""
    return _url("connect_input", lang=lang, node_id=node_id, **_parts(part, start))
