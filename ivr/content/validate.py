"""Checks between the parts of menus.yaml: targets, reachability, keys, placeholders."""

from __future__ import annotations

import re
from collections import deque

from ivr.content import model as m
from ivr.content.problems import Collector, suggest
from ivr.content.prompts import PROMPTS


def cross_check(menus: m.Menus, out: Collector) -> None:
    """The content's own checks; ivr.lines runs the voice's and the SMS line's after."""
    for check in (_settings, _prompts, _interpreters, _contacts, _nodes, _placeholders,
                  _reachable):
        check(menus, out)
    _review(menus, out)


def _review(menus: m.Menus, out: Collector) -> None:
    for lang, language in menus.languages.items():
        if not language.reviewed:
            out.warn(f"language '{lang}'", "not yet reviewed by a native speaker "
                     "(reviewed: false)", lang)


def _settings(menus: m.Menus, out: Collector) -> None:
    s, where = menus.settings, "settings"
    langs = tuple(menus.languages)
    for field, lang in [("default_language", s.default_language)] + [
            ("greeting_languages", g) for g in s.greeting_languages]:
        if lang not in menus.languages:
            out.error(where, f"field '{field}': unknown language '{lang}'{suggest(lang, langs)}")
    for field, node_id, kind in [("main_node", s.main_node, m.MENU),
                                 ("fallback_node", s.fallback_node, m.FORWARD),
                                 ("other_contacts_node", s.other_contacts_node, m.MENU)]:
        node = menus.nodes.get(node_id)
        if node is None:
            out.error(where, f"field '{field}': unknown node '{node_id}'"
                      f"{suggest(node_id, menus.nodes)}")
        elif node.kind != kind:
            out.error(where, f"field '{field}': node '{node_id}' must be a {kind} node")
    _always_offered(menus, out)
    for action in m.GLOBAL_ACTIONS:
        if not any(g.action == action for g in s.global_keys):
            out.error(where, f"global_keys: no key for '{action}'; every menu needs one")
    global_keys = {g.key for g in s.global_keys}
    for field, key in (("retry_key", s.retry_key), ("other_key", s.other_key),
                       ("text_confirm_key", s.text_confirm_key), ("connect_key", s.connect_key)):
        if key in global_keys:
            out.error(where, f"field '{field}': '{key}' is already a global key")
    if s.retry_key == s.other_key:
        out.error(where, "fields 'retry_key' and 'other_key' must differ")


def _always_offered(menus: m.Menus, out: Collector) -> None:
    """The menu after a failed or closed forward must offer the police forward and the
    anonymous line: they are what is always open."""
    s = menus.settings
    other = menus.nodes.get(s.other_contacts_node)
    if other is None:
        return
    offered = {menus.nodes[o.target].contact for o in other.options
               if o.target in menus.nodes and menus.nodes[o.target].kind == m.FORWARD}
    fallback = menus.nodes.get(s.fallback_node)
    needed = ([fallback.contact] if fallback and fallback.contact else []) + [
        c.id for c in menus.contacts.values() if c.anonymous]
    for contact in needed:
        if contact not in offered:
            out.error(f"node '{other.id}'", f"must offer a forward to '{contact}': after a "
                      "failed or closed forward, the police and the anonymous line are "
                      "always offered")


def _missing_prompts(menus: m.Menus, out: Collector) -> None:
    interpreters = [c.id for c in menus.contacts.values() if c.interpreter]
    for pid, spec in PROMPTS.items():
        if pid in menus.prompts or (spec.interpreter and not interpreters):
            continue
        why = (f": contact '{interpreters[0]}' arranges an interpreter, and a caller of "
               f"every language but '{menus.settings.default_language}' must hear how to "
               "ask for one" if spec.interpreter else "")
        out.error("prompts", f"prompt '{pid}' is missing{why}")


def _prompts(menus: m.Menus, out: Collector) -> None:
    _missing_prompts(menus, out)
    for pid, texts in menus.prompts.items():
        spec = PROMPTS.get(pid)
        if spec is None:
            out.error(f"prompt '{pid}'", f"unknown prompt{suggest(pid, PROMPTS)}")
            continue
        for lang, text in texts.items():
            used = set(m.PLACEHOLDER_RE.findall(text))
            for name in sorted(spec.required - used):
                out.error(f"prompt '{pid}' ({lang})", f"must use the placeholder '{{{name}}}'",
                          lang)
            if spec.needs_number and not used & set(menus.contacts):
                out.error(f"prompt '{pid}' ({lang})", "must give a number to call, such as "
                          "{police}: a caller may hear nothing after it", lang)
            emergency = {c.id for c in menus.contacts.values() if c.emergency}
            if spec.needs_emergency and not used & emergency:
                out.error(f"prompt '{pid}' ({lang})", "must name the emergency number, such as "
                          "{emergency}: callers in acute danger must hear to hang up and dial "
                          "it", lang)


def _interpreters(menus: m.Menus, out: Collector) -> None:
    """Where a contact arranges an interpreter, each language's sentence before its forward
    has the word the contact listens for, and each language but the default its name in
    the default language, which the caller says with that word."""
    contacts = [c for c in menus.contacts.values() if c.interpreter]
    if not contacts:
        return
    default = menus.settings.default_language
    texts = menus.prompts.get("interpreter", {})
    for lang, language in menus.languages.items():
        if lang != default and not language.default_name:
            out.error(f"language '{lang}'", f"field 'default_name' is missing: the language's "
                      f"name in '{default}', which a caller says to ask contact "
                      f"'{contacts[0].id}' for an interpreter ('{contacts[0].interpreter} "
                      "...')", lang)
        text = texts.get(lang)
        for contact in contacts:
            word = re.escape(contact.interpreter or "")
            if text is not None and not re.search(rf"(?<!\w){word}(?!\w)", text, re.I):
                out.error(f"prompt 'interpreter' ({lang})", f"must contain the word "
                          f"'{contact.interpreter}': a caller says it to contact "
                          f"'{contact.id}' to get an interpreter", lang)


def _contacts(menus: m.Menus, out: Collector) -> None:
    fallback = menus.nodes.get(menus.settings.fallback_node)
    for contact in menus.contacts.values():
        if contact.anonymous and contact.caller_id != m.CALLER_ID_LINE:
            out.error(f"contact '{contact.id}'", "field 'caller_id': an anonymous line must never "
                      "receive the caller's number; set caller_id: line")
        always = contact.anonymous or (fallback is not None and fallback.contact == contact.id)
        if contact.hours and always:
            out.error(f"contact '{contact.id}'", "field 'hours': the police forward and the "
                      "anonymous line are always offered; remove its hours")


def _nodes(menus: m.Menus, out: Collector) -> None:
    global_keys = {g.key: g.action for g in menus.settings.global_keys}
    for node in menus.nodes.values():
        where = f"node '{node.id}'"
        if node.kind == m.FORWARD:
            _forward(menus, node, out)
            continue
        if node.kind == m.TEXT:
            for name in node.numbers:
                if name not in menus.contacts:
                    out.error(f"{where} field 'numbers'", f"unknown contact '{name}'"
                              f"{suggest(name, menus.contacts)}")
            continue
        if node.kind == m.PAGE:
            _back(menus, node, out)
        elif not node.options:
            out.error(where, "a menu with no way out: give it at least one option")
        for option in node.options:
            at = f"{where} option '{option.key}'"
            if option.key in global_keys:
                out.error(at, f"key '{option.key}' is the global key for "
                          f"'{global_keys[option.key]}'; choose another key")
            if option.target not in menus.nodes:
                out.error(at, f"unknown target '{option.target}'"
                          f"{suggest(option.target, menus.nodes)}")


def _back(menus: m.Menus, node: m.Node, out: Collector) -> None:
    """A page belongs to a menu or a page ('back'): never to a forward or a text, which
    are reached only by a key."""
    where = f"node '{node.id}' field 'back'"
    if node.back is None:
        return  # the loader has said that a page needs one
    target = menus.nodes.get(node.back)
    if target is None:
        out.error(where, f"unknown node '{node.back}'{suggest(node.back, menus.nodes)}")
    elif target.kind in (m.FORWARD, m.TEXT):
        out.error(where, f"'{target.id}' is a {target.kind} node: a page belongs to a menu "
                  "or a page")


def _forward(menus: m.Menus, node: m.Node, out: Collector) -> None:
    where = f"node '{node.id}' field 'contact'"
    contact = menus.contacts.get(node.contact or "")
    if contact is None:
        out.error(where, f"unknown contact '{node.contact}'"
                         f"{suggest(node.contact or '', menus.contacts)}")
    elif contact.emergency:
        out.error(where, f"'{contact.id}' is an emergency number, which Twilio cannot connect "
                  "in the Netherlands; tell callers to dial it themselves")


def _placeholders(menus: m.Menus, out: Collector) -> None:
    contacts = set(menus.contacts)
    items: list[tuple[str, m.Texts, frozenset[str]]] = []
    for pid, prompt_texts in menus.prompts.items():
        spec = PROMPTS.get(pid)
        items.append((f"prompt '{pid}'", prompt_texts, spec.allowed if spec else frozenset()))
    for node in menus.nodes.values():
        items.append((f"node '{node.id}' field 'say'", node.say, frozenset()))
        items.append((f"node '{node.id}' field 'sms'", node.sms, frozenset()))
        items.append((f"node '{node.id}' field 'title'", node.title, frozenset()))
    for contact in menus.contacts.values():
        items.append((f"contact '{contact.id}' field 'name'", contact.names, frozenset()))
    for where, texts, extra in items:
        # Numbers belong in titles and names nowhere: those are spoken inside other prompts.
        allowed = extra | (contacts if "'title'" not in where and "'name'" not in where else set())
        for lang, text in texts.items():
            _check_text(out, f"{where} ({lang})", text, allowed, lang)


def _check_text(out: Collector, where: str, text: str, allowed: set[str] | frozenset[str],
                lang: str) -> None:
    for name in m.PLACEHOLDER_RE.findall(text):
        if name not in allowed:
            out.error(where, f"unknown placeholder '{{{name}}}'{suggest(name, allowed)}", lang)
    if m.PLACEHOLDER_RE.sub("", text).count("{") or m.PLACEHOLDER_RE.sub("", text).count("}"):
        out.error(where, "unbalanced '{' or '}'", lang)
    if re.search(r"\d{3,}", m.PLACEHOLDER_RE.sub("", text)):
        out.error(where, "write phone numbers as a contact placeholder such as {police}, "
                  "so that they are spoken digit by digit and checked", lang)


def _edges(menus: m.Menus, node: m.Node) -> list[str]:
    if node.kind == m.FORWARD:
        return [menus.settings.other_contacts_node]  # offered when the forward fails
    if node.kind == m.TEXT:
        return [menus.settings.main_node]  # where the caller goes after the message
    return [o.target for o in node.options] + ([node.back] if node.back else [])


def _reachable(menus: m.Menus, out: Collector) -> None:
    s = menus.settings
    seen = _walk(menus, [s.main_node, s.fallback_node, s.other_contacts_node])
    for node_id in menus.nodes:
        if node_id not in seen:
            out.error(f"node '{node_id}'", "nothing leads to this node; add it as an option "
                      "of a menu or remove it")
    if any(g.action == m.MAIN_MENU for g in s.global_keys):
        return  # the main-menu key is a way out of every menu
    for node_id in menus.nodes:
        if s.main_node not in _walk(menus, [node_id]):
            out.error(f"node '{node_id}'", "a menu with no way out: the main menu cannot be "
                      "reached from it")


def _walk(menus: m.Menus, start: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = deque(n for n in start if n in menus.nodes)
    while todo:
        node_id = todo.popleft()
        if node_id in seen:
            continue
        seen.add(node_id)
        todo.extend(t for t in _edges(menus, menus.nodes[node_id]) if t in menus.nodes)
    return seen
