"""What the SMS line answers, as plain text. Pure functions: no request, no app.

The conversation's state (language, topic, page, whether the index was sent) lives in
Twilio's SMS cookie, never on the server; these functions take it and give it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ivr import model as m
from ivr.validate import PLACEHOLDER_RE

from .keywords import (
    CARRIER_WORDS,
    LANGUAGE_CODE,
    LANGUAGES,
    MORE,
    TOPIC,
    KeywordIndex,
    Match,
    normalize,
)
from .segments import count

MAX_BODY = 1600  # Twilio's limit for an incoming and an outgoing message
INDEX = ":index"  # the topic of the state while the pages of a long index are read
SENTENCE_END = re.compile(r"((?<=[.!?:])\s+|\n+)")  # a sentence or a line ends


@dataclass(frozen=True)
class State:
    lang: str | None = None  # the language the sender last used
    topic: str | None = None  # the topic whose pages are being read
    page: int = 0
    index: bool = False  # the numbered index was sent, so "2" means topic 2
    # What the last message asked for (a topic id, index, choice, languages, opt-out): for
    # the metrics, never kept in the cookie.
    asked: str = ""


@dataclass(frozen=True)
class Incoming:
    body: str = ""  # a picture without text arrives with an empty body
    whatsapp: bool = False  # WhatsApp has no segments and no STOP handling
    region: str | None = None  # the country of the sender's number; never the number


def render(menus: m.Menus, text: str, **values: str) -> str:
    """A text for reading: contacts as their written number, values filled in."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        contact = menus.contacts.get(name)
        return contact.display if contact else match.group(0)

    return PLACEHOLDER_RE.sub(fill, text)


def pages(menus: m.Menus, node_id: str, lang: str, whole: bool = False) -> list[str]:
    """A topic's text in pages that each fit the segment budget; cut once, at its first
    use, not at every message: counting segments is most of an answer's time."""
    return list(menus.cached(("sms pages", node_id, lang, whole), lambda: tuple(
        cut(menus, render(menus, menus.nodes[node_id].sms[lang]), lang, whole))))


def cut(menus: m.Menus, text: str, lang: str, whole: bool = False) -> list[str]:
    """The text whole when it fits; otherwise cut at sentence and line ends into pages
    that each fit the segment budget, every page but the last ending with how to ask for
    the next (in `lang`)."""
    budget = menus.sms.max_segments
    if whole or count(text).segments <= budget:
        return [text]
    footer = render(menus, menus.prompt("sms_more", lang), keyword=menus.sms.more[lang][0])
    # Sentences with the white space after each, so that line breaks survive the cut.
    parts = SENTENCE_END.split(text)
    sentences = [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
                 for i in range(0, len(parts), 2)]
    result: list[str] = []
    current = ""
    for sentence in sentences:
        if current and count(f"{current}{sentence}".rstrip() + f"\n{footer}").segments > budget:
            result.append(current.rstrip())
            current = ""
        current += sentence
    result.append(current.rstrip())
    return [f"{page}\n{footer}" for page in result[:-1]] + [result[-1]]


def index_pages(menus: m.Menus, langs: tuple[str, ...], whole: bool = False) -> list[str]:
    return list(menus.cached(("sms index", langs, whole), lambda: tuple(
        cut(menus, index(menus, langs), langs[0], whole))))


def index(menus: m.Menus, langs: tuple[str, ...]) -> str:
    """The numbered list of topics with their keywords, in one or more languages, ending
    with the safety tip."""
    lines = [render(menus, menus.prompt("sms_index", lang)) for lang in langs]
    for number, node_id in enumerate(menus.sms.topics, 1):
        words = dict.fromkeys(menus.nodes[node_id].keywords[lang][0] for lang in langs)
        lines.append(f"{number} {' / '.join(words)}")
    lines.extend(render(menus, menus.prompt("sms_index_language", lang),
                        keyword=menus.sms.language[lang][0]) for lang in langs)
    lines.extend(render(menus, menus.prompt("sms_safety_tip", lang)) for lang in langs)
    return "\n".join(lines)


def language_list(menus: m.Menus, langs: tuple[str, ...]) -> str:
    lines = [render(menus, menus.prompt("sms_languages", lang)) for lang in langs]
    lines.extend(f"{code.upper()} {language.name}" for code, language in menus.languages.items())
    return "\n".join(lines)


def first_languages(menus: m.Menus, region: str | None = None) -> tuple[str, ...]:
    """The languages of a first reply: the likely language of the sender's country and
    Dutch, or, from an unknown country, the greeting languages (Dutch and English)."""
    greeting = menus.settings.greeting_languages or (menus.settings.default_language,)
    likely = menus.language_for_region(region)
    if likely is None:
        return greeting
    if likely in greeting:  # from an English-speaking country: English first
        return (likely, *(lang for lang in greeting if lang != likely))
    return (likely, menus.settings.default_language)


# -- answering a message -------------------------------------------------------------------


def respond(menus: m.Menus, keywords: KeywordIndex, message: Incoming,
            state: State) -> tuple[str | None, State]:
    """The reply (None: no reply at all) and the conversation's new state."""
    text = normalize(message.body)
    if text.upper() in CARRIER_WORDS and not message.whatsapp:
        # STOP and the like: Twilio acts on them, the app keeps quiet.
        return None, replace(state, asked="opt-out")
    if not text or len(message.body) >= MAX_BODY:
        return send_index(menus, state, message)  # empty, a picture, only emoji, too long
    if text.isdigit() and text.isascii():
        return _numbered(menus, int(text), state, message)
    matches = keywords.find(text)
    if len(matches) > 1:
        # 'meer info' asks for INFO: MEER only means 'next page' on its own.
        matches = [x for x in matches if x.meaning.kind != MORE]
    topics = [x for x in matches if x.meaning.kind == TOPIC]
    if len(matches) > 1 and len(topics) == len(matches):
        return which(menus, topics, state)  # two topics: ask, do not guess
    if len(matches) != 1:
        return send_index(menus, state, message)  # nothing matched, or no clear meaning
    match = matches[0]
    lang = state.lang if state.lang in match.langs else match.langs[0]
    return MEANINGS[match.meaning.kind](menus, match, lang, state, message)


def which(menus: m.Menus, topics: list[Match], state: State) -> tuple[str, State]:
    """'anoniem melden' could be MELDEN or ANONIEM: the matching topics, numbered, in the
    language of the words that matched."""
    shared = [lang for lang in menus.languages if all(lang in x.langs for x in topics)]
    if state.lang in shared or not shared:
        lang = state.lang or menus.settings.default_language
    else:
        lang = shared[0]
    wanted = {x.meaning.target for x in topics}
    return choice(menus, lang, wanted), State(lang=lang, index=True, asked="choice")


def choice(menus: m.Menus, lang: str, wanted: set[str]) -> str:
    lines = [render(menus, menus.prompt("sms_which", lang))]
    lines.extend(f"{number} {menus.nodes[node_id].keywords[lang][0]}"
                 for number, node_id in enumerate(menus.sms.topics, 1) if node_id in wanted)
    lines.append(render(menus, menus.prompt("sms_safety_tip", lang)))
    return "\n".join(lines)


def send_index(menus: m.Menus, state: State, message: Incoming,
               page: int = 0) -> tuple[str, State]:
    """The index, in the sender's language or the first-reply languages; a long one comes
    in pages read with MORE, like a long topic."""
    langs = (state.lang,) if state.lang else first_languages(menus, message.region)
    all_pages = index_pages(menus, langs, whole=message.whatsapp)
    page = min(page, len(all_pages) - 1)
    more = page + 1 < len(all_pages)
    return all_pages[page], State(lang=state.lang, topic=INDEX if more else None, page=page,
                                  index=True, asked="index")


def _numbered(menus: m.Menus, number: int, state: State,
              message: Incoming) -> tuple[str, State]:
    """'2' after the index: the second topic, in the sender's language."""
    if not state.index or not 1 <= number <= len(menus.sms.topics):
        return send_index(menus, state, message)
    node_id = menus.sms.topics[number - 1]
    if state.lang is None:
        return _in_first_languages(menus, node_id, state, message)
    return _topic_page(menus, node_id, state.lang, 0, state, message)


def _in_first_languages(menus: m.Menus, node_id: str, state: State,
                        message: Incoming) -> tuple[str, State]:
    """'2' after the index in Dutch and English: the sender's language is still unknown,
    so the topic in both when it fits, without choosing a language for them."""
    langs = first_languages(menus, message.region)
    both, fits = menus.cached(("sms both", node_id, langs), lambda: _both(menus, node_id, langs))
    if message.whatsapp or fits:
        return both, replace(state, topic=None, asked=node_id)
    return _topic_page(menus, node_id, langs[0], 0, state, message)


def _both(menus: m.Menus, node_id: str, langs: tuple[str, ...]) -> tuple[str, bool]:
    """The topic in each language, one after the other, and whether that fits."""
    both = "\n\n".join(pages(menus, node_id, lang, whole=True)[0] for lang in langs)
    return both, count(both).segments <= menus.sms.max_segments


def _topic_page(menus: m.Menus, node_id: str, lang: str, page: int, state: State,
                message: Incoming) -> tuple[str, State]:
    all_pages = pages(menus, node_id, lang, whole=message.whatsapp)
    if page >= len(all_pages):  # a cookie from before the text changed
        return send_index(menus, replace(state, topic=None), message)
    more = page + 1 < len(all_pages)
    new = State(lang=lang, topic=node_id if more else None, page=page, index=state.index,
                asked=node_id)
    return all_pages[page], new


def _topic(menus: m.Menus, match: Match, lang: str, state: State,
           message: Incoming) -> tuple[str, State]:
    return _topic_page(menus, match.meaning.target, lang, 0, state, message)


def _more(menus: m.Menus, match: Match, lang: str, state: State,
          message: Incoming) -> tuple[str, State]:
    if state.topic == INDEX:
        return send_index(menus, state, message, state.page + 1)
    if state.topic is None or state.lang is None:
        return send_index(menus, replace(state, lang=lang), message)
    return _topic_page(menus, state.topic, state.lang, state.page + 1, state, message)


def _languages(menus: m.Menus, match: Match, lang: str, state: State,
               message: Incoming) -> tuple[str, State]:
    return language_list(menus, (lang,)), State(lang=lang, index=state.index, asked="languages")


def _language_code(menus: m.Menus, match: Match, lang: str, state: State,
                   message: Incoming) -> tuple[str, State]:
    return send_index(menus, State(lang=match.meaning.target), message)


MEANINGS = {TOPIC: _topic, MORE: _more, LANGUAGES: _languages, LANGUAGE_CODE: _language_code}
