"""The call flow as a picture: Mermaid for Markdown, DOT for Graphviz (SVG)."""

from __future__ import annotations

from . import model as m

CALLER_ID = {m.CALLER_ID_LINE: "caller ID: line's own number",
             m.CALLER_ID_CALLER: "caller ID: the caller's number"}


def _forward_label(menus: m.Menus, node: m.Node, lang: str) -> str:
    contact = menus.contacts[node.contact or ""]
    policy = CALLER_ID[m.CALLER_ID_LINE if contact.anonymous else contact.caller_id]
    return f"{node.title[lang]}<br/>→ {contact.id} {contact.number}<br/>{policy}"


def _id(node_id: str) -> str:
    # Prefixed, so that a node called 'end' or 'graph' is no keyword of Mermaid or DOT.
    return f"n_{node_id}"


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(menus: m.Menus, lang: str) -> str:
    """flowchart TD; menus as boxes, forwards as hexagons with number and caller ID."""
    lines = ["flowchart TD"]
    for node in menus.nodes.values():
        if node.kind == m.FORWARD:
            label = _quote(_forward_label(menus, node, lang))
            lines.append(f'    {_id(node.id)}{{{{"{label}"}}}}')
        else:
            lines.append(f'    {_id(node.id)}["{_quote(node.title[lang])}"]')
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'    {_id(node.id)} -- "{option.key}" --> {_id(option.target)}')
    fallback, other = menus.settings.fallback_node, menus.settings.other_contacts_node
    lines.append(f"    x_misses([{menus.settings.max_misses} misses in a row]) -.-> "
                 f"{_id(fallback)}")
    lines.append("    x_failed([forward failed]) -. "
                 f'"{menus.settings.other_key}" .-> {_id(other)}')
    lines.append(f'    x_globals[/"{_quote(_globals(menus))}"/]')
    lines.append("    classDef forward fill:#fde2e2,stroke:#b42318")
    forwards = [_id(n.id) for n in menus.nodes.values() if n.kind == m.FORWARD]
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
            lines.append(f'  {_id(node.id)} [shape=hexagon, style=filled, fillcolor="#fde2e2", '
                         f'label="{label}"];')
        else:
            lines.append(f'  {_id(node.id)} [label="{_dot_quote(node.title[lang])}"];')
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'  {_id(node.id)} -> {_id(option.target)} [label="{option.key}"];')
    settings = menus.settings
    lines.append(f'  x_misses [shape=oval, label="{settings.max_misses} misses in a row"];')
    lines.append(f"  x_misses -> {_id(settings.fallback_node)} [style=dashed];")
    lines.append('  x_failed [shape=oval, label="forward failed"];')
    lines.append(f'  x_failed -> {_id(settings.other_contacts_node)} [style=dashed, '
                 f'label="{settings.other_key}"];')
    lines.append(f'  x_globals [shape=note, label="{_dot_quote(_globals(menus))}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _globals(menus: m.Menus) -> str:
    keys = ", ".join(f"{g.key} {g.action.replace('_', ' ')}" for g in menus.settings.global_keys)
    return f"in every menu: {keys}"


def _dot_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
