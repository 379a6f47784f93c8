"""Everything the voice line can say, each with a stable id.

The voice webhooks say utterances built here, and `every()` lists them all for a
language, so that recordings can be made for each one and checked against its text:
the id names the recording file, audio/<lang>/<id>.wav.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from ivr.content import model as m
from ivr.content.hours import DAYS, Opening
from ivr.content.model import PLACEHOLDER_RE
from ivr.content.prompts import KEY_NAME_PROMPTS, PROMPTS

Value = str | m.Contact
KEY_SLUGS = {"*": "star", "#": "hash"}  # file names and URLs without * and #


@dataclass(frozen=True)
class Utterance:
    uid: str  # e.g. node.signals, option.report.3, prompt.dial_failed.police
    text: str  # with {placeholders}
    values: Mapping[str, Value] = field(default_factory=dict)
    offers: str | None = None  # the key it offers: "Signs: press 2" offers 2
    numbers_once: bool = False  # its numbers said once, not twice (see prompts.PromptSpec)

    @property
    def key_outside_id(self) -> bool:
        """Whether it offers a key its id does not end in: the language offer ("for
        Ukrainian, press 7"), whose id stays when the key changes, so that a stale take of
        it may say an old key. A choice's id ends in its key ('option.report.3')."""
        slug = KEY_SLUGS.get(self.offers or "", self.offers)
        return self.offers is not None and self.uid.rpartition(".")[2] != slug


def key_name(menus: m.Menus, lang: str, key: str) -> str:
    """How a key is spoken: '1', or the language's word for * and #."""
    prompt_id = KEY_NAME_PROMPTS.get(key)
    return menus.prompt(prompt_id, lang) if prompt_id else key


def prompt(menus: m.Menus, lang: str, prompt_id: str, about: str = "",
           **values: Value) -> Utterance:
    """A system prompt; `about` tells apart its versions for each contact."""
    uid = f"prompt.{prompt_id}" + (f".{about}" if about else "")
    return Utterance(uid, menus.prompt(prompt_id, lang), values,
                     numbers_once=PROMPTS[prompt_id].numbers_once)


def node_text(node: m.Node, lang: str) -> Utterance:
    return Utterance(f"node.{node.id}", node.say[lang])


def option(menus: m.Menus, lang: str, uid: str, title: str, key: str) -> Utterance:
    """'Signs of human trafficking: press 2.' from the language's option template."""
    return Utterance(f"{uid}.{KEY_SLUGS.get(key, key)}", menus.prompt("option", lang),
                     {"title": title, "key": key_name(menus, lang, key)}, key)


def renumbered(utterance: Utterance, recorded: Collection[str],
               current: Collection[str]) -> str | None:
    """The recording of the same choice under the key it had before its menu was
    renumbered: 'option.report.3' for 'option.report.4'. A choice's id ends in its key,
    since its recording says the key, so the old one can never stand in for the new."""
    if utterance.offers is None or utterance.key_outside_id:
        return None
    prefix = utterance.uid.rpartition(".")[0]
    return next((uid for uid in sorted(recorded)
                 if uid.rpartition(".")[0] == prefix and uid not in current), None)


def node_option(menus: m.Menus, lang: str, opt: m.Option) -> Utterance:
    return option(menus, lang, f"option.{opt.target}", menus.nodes[opt.target].title[lang],
                  opt.key)


def global_option(menus: m.Menus, lang: str, global_key: m.GlobalKey) -> Utterance:
    title = menus.prompt(f"global_{global_key.action}", lang)
    return option(menus, lang, f"global.{global_key.action}", title, global_key.key)


def retry_option(menus: m.Menus, lang: str) -> Utterance:
    return option(menus, lang, "failed.retry", menus.prompt("dial_retry", lang),
                  menus.settings.retry_key)


def other_option(menus: m.Menus, lang: str) -> Utterance:
    other = menus.settings.other_contacts_node
    return option(menus, lang, f"failed.{other}", menus.nodes[other].title[lang],
                  menus.settings.other_key)


def language_offer(menus: m.Menus, language: m.Language, second_page: bool) -> Utterance:
    """'For English, press 2.'; a second-page language: '9, then 1', or on that page '1'."""
    lang = language.code
    if len(language.key) == 1:
        key = key_name(menus, lang, language.key)
    elif second_page:
        key = language.key[1]
    else:
        digits = {"first": language.key[0], "second": language.key[1]}
        key = PLACEHOLDER_RE.sub(lambda found: digits.get(found.group(1), ""),
                                 menus.prompt("key_then", lang))
    about = "second_page" if second_page else ""
    offer = prompt(menus, lang, "language_offer", about, key=key)
    # On the first page a second-page language offers 9, which opens the second page.
    return replace(offer, offers=language.key[1] if second_page else language.key[0])


def connect_option(menus: m.Menus, lang: str) -> Utterance:
    """'The police: press 1.', after too many misses or an error: the only way such a
    caller is put through, and only when they press it."""
    target = menus.settings.fallback_node
    return option(menus, lang, f"connect.{target}", menus.nodes[target].title[lang],
                  menus.settings.connect_key)


def contact_prompt(menus: m.Menus, lang: str, prompt_id: str, contact: m.Contact) -> Utterance:
    return prompt(menus, lang, prompt_id, contact.id, name=contact.names[lang], number=contact)


def interpreter(menus: m.Menus, lang: str, contact: m.Contact) -> Utterance | None:
    """Before the forward to a contact that arranges an interpreter, in every language but
    the default, which the contact answers in: "They speak Dutch; for an interpreter,
    say: tolk Roemeens". None where nothing of the kind is said."""
    if not contact.interpreter or lang == menus.settings.default_language:
        return None
    return prompt(menus, lang, "interpreter", contact.id, name=contact.names[lang],
                  language=menus.languages[lang].default_name or "")


def closed(menus: m.Menus, lang: str, contact: m.Contact, opening: Opening) -> Utterance:
    """'CoMensha is closed now. Open again: Monday, 09:00.' One id for each opening time,
    so that a language without a voice can have each recorded."""
    return prompt(menus, lang, "closed", f"{contact.id}.{opening.slug}",
                  name=contact.names[lang], day=menus.prompt(f"day_{DAYS[opening.day]}", lang),
                  time=opening.time)


def text_confirm_option(menus: m.Menus, lang: str) -> Utterance:
    return option(menus, lang, "text.confirm", menus.prompt("text_confirm", lang),
                  menus.settings.text_confirm_key)


def text_number(menus: m.Menus, lang: str, contact: m.Contact) -> Utterance:
    return contact_prompt(menus, lang, "text_number", contact)


def every(menus: m.Menus, lang: str) -> dict[str, Utterance]:
    """Every utterance of the voice line in one language, by id."""
    language = menus.languages[lang]
    items = [prompt(menus, lang, pid) for pid in (
        "greeting", "no_input", "invalid_key", "too_many_misses", "anonymous_number", "error",
        "goodbye")]
    items.append(connect_option(menus, lang))
    items.append(language_offer(menus, language, second_page=False))
    if len(language.key) == 2:
        items.append(language_offer(menus, language, second_page=True))
    items.extend(global_option(menus, lang, g) for g in menus.settings.global_keys)
    for node in menus.nodes.values():
        items.append(node_text(node, lang))
        items.extend(node_option(menus, lang, opt) for opt in node.options)
        contact = menus.contacts.get(node.contact or "") if node.kind == m.FORWARD else None
        if contact is not None:
            items.extend(contact_prompt(menus, lang, pid, contact)
                         for pid in ("caller_id_shared", "after_call", "dial_failed"))
            ask = interpreter(menus, lang, contact)
            items.extend([ask] if ask else [])
            items.extend(closed(menus, lang, contact, o) for o in contact.hours)
    items.extend((retry_option(menus, lang), other_option(menus, lang)))
    texts = [n for n in menus.nodes.values() if n.kind == m.TEXT]
    if texts:
        items += [text_confirm_option(menus, lang), prompt(menus, lang, "text_sent"),
                  prompt(menus, lang, "text_not_sent")]
        items += [text_number(menus, lang, menus.contacts[c]) for node in texts
                  for c in node.numbers if c in menus.contacts]
    return {u.uid: u for u in items}
