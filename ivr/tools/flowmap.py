"""The call flow as a picture: Mermaid for Markdown, DOT for Graphviz (SVG).

Solid arrows are keys the caller presses; the dotted one is what happens without a key
(silence anywhere, wrong keys and errors lead to the numbers and an offer). Nothing
dotted ends in a forward: a <Dial> only ever answers a key.
"""

from __future__ import annotations

from pathlib import Path

from ivr.content import model as m
from ivr.lines import load_menus
from ivr.voice.simulate import CALLER_ID


def _forward_label(menus: m.Menus, node: m.Node, lang: str) -> str:
    contact = menus.contacts[node.contact or ""]
    policy = CALLER_ID[m.CALLER_ID_LINE if contact.anonymous else contact.caller_id]
    return f"{node.title[lang]}<br/>→ {contact.id} {contact.number}<br/>{policy}"


def _id(node_id: str) -> str:
    # Prefixed, so that a node called 'end' or 'graph' is no keyword of Mermaid or DOT.
    return f"n_{node_id}"


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def _global_key(menus: m.Menus, action: str) -> str | None:
    return next((g.key for g in menus.settings.global_keys if g.action == action), None)


def _misses(menus: m.Menus) -> str:
    return f"silence, {menus.settings.max_misses} wrong keys in a row, or an error"


def _offer(menus: m.Menus) -> str:
    """What a caller hears at the miss limit or after an error: no <Dial> without a key."""
    return ("112 and the numbers once, then the offer to be put through (silence: goodbye, "
            "hang up)")


def mermaid(menus: m.Menus, lang: str) -> str:
    """flowchart TD; menus as boxes, pages as rounded boxes, forwards as hexagons with
    number and caller ID."""
    settings = menus.settings
    lines = ["flowchart TD"]
    for node in menus.nodes.values():
        title = _quote(node.title[lang])
        if node.kind == m.FORWARD:
            label = _quote(_forward_label(menus, node, lang))
            lines.append(f'    {_id(node.id)}{{{{"{label}"}}}}')
        elif node.kind == m.PAGE:
            lines.append(f'    {_id(node.id)}("{title}")')
        else:
            lines.append(f'    {_id(node.id)}["{title}"]')
    lines.append(f'    x_start(["call: 112, the choice of language"]) --> '
                 f"{_id(settings.main_node)}")
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'    {_id(node.id)} -- "{option.key}" --> {_id(option.target)}')
    contacts = _global_key(menus, m.CONTACTS)
    if contacts:
        lines.append(f'    x_contacts(["every menu, and the choice of language"]) -- "{contacts}" '
                     f"--> {_id(settings.other_contacts_node)}")
    lines.append(f'    x_misses(["{_misses(menus)}"]) -.-> x_offer["{_offer(menus)}"]')
    lines.append(f'    x_offer -- "{settings.connect_key}" --> {_id(settings.fallback_node)}')
    lines.append("    x_failed([forward failed]) -. "
                 f'"{settings.other_key}" .-> {_id(settings.other_contacts_node)}')
    lines.append(f'    x_globals[/"{_quote(_globals(menus))}"/]')
    lines.append("    classDef forward fill:#fde2e2,stroke:#b42318")
    forwards = [_id(n.id) for n in menus.nodes.values() if n.kind == m.FORWARD]
    if forwards:
        lines.append(f"    class {','.join(forwards)} forward")
    return "\n".join(lines) + "\n"


def dot(menus: m.Menus, lang: str) -> str:
    """The same flow for Graphviz: `dot -Tsvg`."""
    settings = menus.settings
    lines = ["digraph line {", "  rankdir=TB;", '  node [shape=box, fontname="sans-serif"];']
    for node in menus.nodes.values():
        if node.kind == m.FORWARD:
            parts = _forward_label(menus, node, lang).split("<br/>")
            label = "\\n".join(_dot_quote(part) for part in parts)  # DOT's line break
            lines.append(f'  {_id(node.id)} [shape=hexagon, style=filled, fillcolor="#fde2e2", '
                         f'label="{label}"];')
        elif node.kind == m.PAGE:
            lines.append(f'  {_id(node.id)} [style=rounded, '
                         f'label="{_dot_quote(node.title[lang])}"];')
        else:
            lines.append(f'  {_id(node.id)} [label="{_dot_quote(node.title[lang])}"];')
    lines.append('  x_start [shape=oval, label="call: 112, the choice of language"];')
    lines.append(f"  x_start -> {_id(settings.main_node)};")
    for node in menus.nodes.values():
        for option in node.options:
            lines.append(f'  {_id(node.id)} -> {_id(option.target)} [label="{option.key}"];')
    contacts = _global_key(menus, m.CONTACTS)
    if contacts:
        lines.append('  x_contacts [shape=oval, label="every menu, and the choice of language"];')
        lines.append(f'  x_contacts -> {_id(settings.other_contacts_node)} '
                     f'[label="{_dot_quote(contacts)}"];')
    lines.append(f'  x_misses [shape=oval, label="{_misses(menus)}"];')
    lines.append(f'  x_offer [label="{_dot_quote(_offer(menus))}"];')
    lines.append("  x_misses -> x_offer [style=dashed];")
    lines.append(f'  x_offer -> {_id(settings.fallback_node)} [label="{settings.connect_key}"];')
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


def readme_chart(path: str | Path = "menus.yaml") -> str:
    """The README's map (make map runs cog over README.md): the call flow of the line's
    own menus, in its default language, as a Mermaid block."""
    menus, _ = load_menus(path)
    return f"```mermaid\n{mermaid(menus, menus.settings.default_language)}```\n"
