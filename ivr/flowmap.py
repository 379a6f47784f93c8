"""The call flow as a picture: Mermaid for Markdown, DOT for Graphviz (SVG)."""

from __future__ import annotations

from . import model as m

CALLER_ID = {m.CALLER_ID_LINE: "caller ID: line's own number",
             m.CALLER_ID_CALLER: "caller ID: the caller's number"}


def _forward_label(menus: m.Menus, node: m.Node, lang: str) -> str:
    contact = menus.contacts[node.contact or ""]
    policy = CALLER_ID[m.CALLER_ID_LINE if contact.anonymous else contact.caller_id]
    return f"{node.title[lang]}<br/>→ {contact.id} {contact.number}<br/>{policy}"


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(menus: m.Menus, lang: str) -> str:
    """flowchart TD; menus as boxes, forwards as hexagons with number and caller ID."""
    lines = ["flowchart TD"]
    for node in menus.nodes.values():
        if node.kind == m.FORWARD:
            lines.append(f'    {node.id}{{{{"{_quote(_forward_label(menus, node, lang))}"}}}}')
        else:
            lines.append(f'    {node.id}["{_quote(node.title[lang])}"]')
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'    {node.id} -- "{option.key}" --> {option.target}')
    fallback, other = menus.settings.fallback_node, menus.settings.other_contacts_node
    lines.append(f"    misses([{menus.settings.max_misses} misses in a row]) -.-> {fallback}")
    lines.append("    failed([forward failed]) -. "
                 f'"{menus.settings.other_key}" .-> {other}')
    keys = ", ".join(f"{g.key} {g.action.replace('_', ' ')}" for g in menus.settings.global_keys)
    lines.append(f'    globals[/"in every menu: {keys}"/]')
    lines.append("    classDef forward fill:#fde2e2,stroke:#b42318")
    forwards = [n.id for n in menus.nodes.values() if n.kind == m.FORWARD]
    if forwards:
        lines.append(f"    class {','.join(forwards)} forward")
    return "\n".join(lines) + "\n"


def dot(menus: m.Menus, lang: str) -> str:
    """The same flow for Graphviz: `dot -Tsvg`."""
    lines = ["digraph line {", "  rankdir=TB;", '  node [shape=box, fontname="sans-serif"];']
    for node in menus.nodes.values():
        if node.kind == m.FORWARD:
            parts = _forward_label(menus, node, lang).split("<br/>")
            label = "\\n".join(_dot_quote(part) for part in parts)  # DOT's line break
            lines.append(f'  {node.id} [shape=hexagon, style=filled, fillcolor="#fde2e2", '
                         f'label="{label}"];')
        else:
            lines.append(f'  {node.id} [label="{_dot_quote(node.title[lang])}"];')
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'  {node.id} -> {option.target} [label="{option.key}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
