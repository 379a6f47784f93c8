"""What the SMS line answers, as plain text. Pure functions: no request, no app.

The conversation's state (language, topic, page, whether the index was sent) lives in
Twilio's SMS cookie, never on the server; these functions take it and give it back, with
the events the reply stands for (ivr.twiml.events), decided here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from twilio.twiml.messaging_response import MessagingResponse

from ivr.content import model as m
from ivr.content.model import PLACEHOLDER_RE
from ivr.twiml import events as ev
from ivr.twiml.events import Event
from sms.guess import written_in
from sms.keywords import (
    CARRIER_WORDS,
    LANGUAGE_CODE,
    LANGUAGES,
    MORE,
    TOPIC,
    KeywordIndex,
    Match,
    advertised,
    normalize,
)
from sms.segments import count, plain_letters

MAX_BODY = 1600  # Twilio's limit for an incoming and an outgoing message
INDEX = ":index"  # the topic of the state while the pages of a long index are read
# Where a long text may be cut into pages: where a sentence or a line ends. Never after a
# colon, so that "Politie: {police}" stays together once the number is written in.
SENTENCE_END = re.compile(r"((?<=[.!?])\s+|\n+)")
# Where a sentence too long for a page of its own is cut: after a comma, else between
# words; never before a number ("CoMensha, {comensha}"), after a colon, or inside one.
FINER = (re.compile(r"((?<=[,;])\s+(?!\d))"), re.compile(r"((?<![:\d])\s+(?!\d))"))
LANGUAGE_LIST = ":languages"  # the topic of the state while the language list is read
MAX_CHOICES = 3  # a message that could mean more topics gets the index


@dataclass(frozen=True)
class State:
    lang: str | None = None  # the language the sender last used
    topic: str | None = None  # the topic whose pages are being read
    page: int = 0
    index: bool = False  # the numbered index was sent, so "2" means topic 2


class Reply(NamedTuple):
    """The reply to a text (None: no reply at all), the conversation's new state, and what
    the reply stands for."""

    text: str | None
    state: State
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Incoming:
    body: str = ""  # a picture without text arrives with an empty body
    whatsapp: bool = False  # WhatsApp has no segments and no STOP handling
    region: str | None = None  # the country of the sender's number; never the number
    # The language of the line's number the text was sent to (LINE_NUMBERS), if it has one.
    line_language: str | None = None


def render(menus: m.Menus, text: str, **values: str) -> str:
    """A text for reading: contacts as their written number, values filled in."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        contact = menus.contacts.get(name)
        return contact.display if contact else match.group(0)

    return PLACEHOLDER_RE.sub(fill, text)


def text_for(menus: m.Menus, lang: str, text: str, **values: str) -> str:
    """render() for a language: in plain letters where menus.yaml says the language is
    texted so (sms_plain), which fits 153 characters a segment instead of 67."""
    rendered = render(menus, text, **values)
    return plain_letters(rendered) if menus.languages[lang].sms_plain else rendered


def header(menus: m.Menus, lang: str) -> str:
    """The first line of every text the line sends: 112 and the tip to delete the
    conversation. A locked phone shows a text's first characters to whoever holds it, so
    this line names nothing of the subject (the validator checks every text's first 60)."""
    return text_for(menus, lang, menus.prompt("sms_header", lang))


def body(menus: m.Menus, node_id: str, lang: str) -> str:
    """A topic's text, without the header."""
    return text_for(menus, lang, menus.nodes[node_id].sms[lang])


def numbers_text(menus: m.Menus, node: m.Node, lang: str) -> str:
    """The numbers a caller asked for by text, under the header like every text."""
    return f"{header(menus, lang)}\n{text_for(menus, lang, node.sms[lang])}"


def pages(menus: m.Menus, node_id: str, lang: str, whole: bool = False) -> list[str]:
    """A topic's text in pages that each fit the segment budget; cut once, at its first
    use, not at every message: counting segments is most of an answer's time."""
    return list(menus.cached(("sms pages", node_id, lang, whole), lambda: tuple(
        cut(menus, body(menus, node_id, lang), lang, whole))))


def cut(menus: m.Menus, text: str, lang: str, whole: bool = False) -> list[str]:
    """The text under the header; when it does not fit, cut at sentence and line ends into
    pages that each fit the segment budget, each under the header too (a later page shows
    on a locked phone as well), every page but the last ending with how to ask for the
    next (in `lang`)."""
    head = header(menus, lang)
    budget = menus.sms.max_segments
    if whole or count(f"{head}\n{text}").segments <= budget:
        return [f"{head}\n{text}"]
    footer = text_for(menus, lang, menus.prompt("sms_more", lang),
                      keyword=shown_keyword(menus, lang, menus.sms.more[lang]))
    sentences = _fitting(_split(text, SENTENCE_END), head, footer, budget, FINER)
    result: list[str] = []
    current = ""
    for sentence in sentences:
        candidate = f"{head}\n{current}{sentence}".rstrip() + f"\n{footer}"
        if current and count(candidate).segments > budget:
            result.append(current.rstrip())
            current = ""
        current += sentence
    result.append(current.rstrip())
    return [f"{head}\n{page}\n{footer}" for page in result[:-1]] + [f"{head}\n{result[-1]}"]


def _split(text: str, where: re.Pattern[str]) -> list[str]:
    """The pieces of the text with the white space after each, so that line breaks survive
    the cut."""
    parts = where.split(text)
    return [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
            for i in range(0, len(parts), 2)]


def _fitting(pieces: list[str], head: str, footer: str, budget: int,
             finer: tuple[re.Pattern[str], ...]) -> list[str]:
    """The pieces, each one that cannot fill a page of its own cut finer."""
    result: list[str] = []
    for piece in pieces:
        alone = count(f"{head}\n{piece}".rstrip() + f"\n{footer}").segments <= budget
        smaller = _split(piece, finer[0]) if finer and not alone else [piece]
        if len(smaller) > 1 or (finer and not alone):
            result.extend(_fitting(smaller, head, footer, budget, finer[1:]))
        else:
            result.append(piece)
    return result


def index_pages(menus: m.Menus, langs: tuple[str, ...], whole: bool = False) -> list[str]:
    return list(menus.cached(("sms index", langs, whole), lambda: tuple(
        cut(menus, index(menus, langs), langs[0], whole))))


def index(menus: m.Menus, langs: tuple[str, ...]) -> str:
    """The numbers to call (sms_first, in the first language), then the numbered list of
    topics with their keywords, in one or more languages (the header, which cut() adds,
    carries 112 and the safety tip). Every index is a first reply: whoever gets it has a
    person's number before any list."""
    lines = [text_for(menus, langs[0], menus.prompt("sms_first", langs[0]))]
    lines += [text_for(menus, lang, menus.prompt("sms_index", lang)) for lang in langs]
    for number, node_id in enumerate(menus.sms.topics, 1):
        words = dict.fromkeys(shown_keyword(menus, lang, menus.nodes[node_id].keywords[lang])
                              for lang in langs)
        lines.append(" ".join([str(number), " / ".join(w for w in words if w)]).rstrip())
    lines.extend(text_for(menus, lang, menus.prompt("sms_index_language", lang),
                          keyword=shown_keyword(menus, lang, menus.sms.language[lang]))
                 for lang in langs)
    return "\n".join(lines)


def shown_keyword(menus: m.Menus, lang: str, words: tuple[str, ...]) -> str:
    """The keyword a reply offers: the first Twilio leaves to the line ('' when Twilio
    takes them all: the validator refuses that)."""
    word = advertised(words)
    return text_for(menus, lang, word) if word else ""


def language_pages(menus: m.Menus, lang: str, whole: bool = False) -> list[str]:
    """The codes that choose a language, with each language's own name, in pages (whole
    on WhatsApp, which has no segments)."""
    def make() -> tuple[str, ...]:
        lines = [text_for(menus, lang, menus.prompt("sms_languages", lang))]
        lines += [f"{code.upper()} {language.name}"
                  for code, language in menus.languages.items()]
        return tuple(cut(menus, "\n".join(lines), lang, whole))

    return list(menus.cached(("sms languages", lang, whole), make))


def sms_fallback(menus: m.Menus) -> MessagingResponse:
    """The reply for Twilio's messaging fallback URL, used when the app is down: the first
    page of the index for a new sender (Dutch and English, 112 and the safety tip)."""
    response = MessagingResponse()
    response.message(index_pages(menus, first_languages(menus))[0])
    return response


def first_languages(menus: m.Menus, region: str | None = None,
                    line_language: str | None = None) -> tuple[str, ...]:
    """The languages of a first reply: the likely language of the sender's country and
    Dutch, or, from an unknown country, the greeting languages (Dutch and English). A text
    to a number of the line that has a language is answered in that language alone: its
    sender found the number on a poster in it."""
    if line_language is not None and line_language in menus.languages:
        return (line_language,)
    greeting = menus.settings.greeting_languages or (menus.settings.default_language,)
    likely = menus.language_for_region(region)
    if likely is None:
        return greeting
    if likely in greeting:  # from an English-speaking country: English first
        return (likely, *(lang for lang in greeting if lang != likely))
    return (likely, menus.settings.default_language)


# -- answering a message -------------------------------------------------------------------


def respond(menus: m.Menus, keywords: KeywordIndex, message: Incoming,
            state: State) -> Reply:
    """The reply, the conversation's new state, and the reply's events."""
    text = normalize(message.body)
    if text.upper() in CARRIER_WORDS and not message.whatsapp:
        # STOP and the like: Twilio acts on them, the app keeps quiet.
        return Reply(None, state, _event(menus, ev.SMS_SILENT, state.lang, outcome="opt-out"))
    if not text or len(message.body) >= MAX_BODY:
        return send_index(menus, state, message)  # empty, a picture, only emoji, too long
    if text.isdigit() and text.isascii():
        return _numbered(menus, int(text), state, message)
    matches = keywords.find(text)
    if len(matches) > 1:
        # 'meer info' asks for INFO: MEER only means 'next page' on its own.
        matches = [x for x in matches if x.meaning.kind != MORE]
    topics = [x for x in matches if x.meaning.kind == TOPIC]
    if 1 < len(matches) <= MAX_CHOICES and len(topics) == len(matches):
        return which(menus, topics, state)  # two topics: ask, do not guess
    if len(matches) != 1:
        # Nothing matched, or no clear meaning: the index, with the numbers, in the
        # language the text is written in where it shows one.
        return send_index(menus, _written_in(menus, state, message), message)
    match = matches[0]
    # A word of several languages (SOS, INFO): the sender's, or their number's country's.
    preferred = state.lang or first_languages(menus, message.region, message.line_language)[0]
    lang = preferred if preferred in match.langs else match.langs[0]
    return MEANINGS[match.meaning.kind](menus, match, lang, state, message)


def _written_in(menus: m.Menus, state: State, message: Incoming) -> State:
    """The state with the language the text is written in, when it shows one."""
    lang = written_in(menus, message.body, (state.lang, message.line_language,
                                            menus.language_for_region(message.region)))
    return replace(state, lang=lang) if lang else state


def which(menus: m.Menus, topics: list[Match], state: State) -> Reply:
    """'anoniem melden' could be MELDEN or ANONIEM: the matching topics, numbered, in the
    language of the words that matched."""
    shared = [lang for lang in menus.languages if all(lang in x.langs for x in topics)]
    if state.lang in shared or not shared:
        lang = state.lang or menus.settings.default_language
    else:
        lang = shared[0]
    wanted = {x.meaning.target for x in topics}
    return Reply(choice(menus, lang, wanted), State(lang=lang, index=True),
                 _event(menus, ev.SMS_OTHER, lang, outcome="choice"))


def _language_page(menus: m.Menus, lang: str, page: int, state: State,
                   message: Incoming) -> Reply:
    all_pages = language_pages(menus, lang, whole=message.whatsapp)
    page = min(page, len(all_pages) - 1)
    more = page + 1 < len(all_pages)
    return Reply(all_pages[page], State(lang=lang, topic=LANGUAGE_LIST if more else None,
                                        page=page, index=state.index),
                 _event(menus, ev.SMS_OTHER, lang, outcome="languages"))


def choice(menus: m.Menus, lang: str, wanted: set[str]) -> str:
    lines = [header(menus, lang), text_for(menus, lang, menus.prompt("sms_which", lang))]
    lines.extend(f"{number} {shown_keyword(menus, lang, menus.nodes[node_id].keywords[lang])}"
                 for number, node_id in enumerate(menus.sms.topics, 1) if node_id in wanted)
    return "\n".join(lines)


def send_index(menus: m.Menus, state: State, message: Incoming, page: int = 0) -> Reply:
    """The index, in the sender's language or the first-reply languages; a long one comes
    in pages read with MORE, like a long topic."""
    langs = (state.lang,) if state.lang else first_languages(menus, message.region,
                                                             message.line_language)
    all_pages = index_pages(menus, langs, whole=message.whatsapp)
    page = min(page, len(all_pages) - 1)
    more = page + 1 < len(all_pages)
    return Reply(all_pages[page], State(lang=state.lang, topic=INDEX if more else None,
                                        page=page, index=True),
                 _event(menus, ev.SMS_OTHER, state.lang, outcome="index"))


def error_reply(menus: m.Menus) -> Reply:
    """The answer to an exception: the first page of the index for a new sender (Dutch and
    English, 112 and the safety tip)."""
    return Reply(index_pages(menus, first_languages(menus))[0], State(),
                 _event(menus, ev.ERROR, None))


def _event(menus: m.Menus, kind: str, language: str | None, node: str | None = None,
           outcome: str | None = None) -> tuple[Event, ...]:
    """One event, as the events of a reply, made once for these menus: its fields are the
    menus' ids and fixed words."""
    return menus.cached(("sms event", kind, language, node, outcome),
                        lambda: (Event(kind, language, node, None, outcome),))


def _numbered(menus: m.Menus, number: int, state: State, message: Incoming) -> Reply:
    """'2' after the index: the second topic, in the sender's language."""
    if not state.index or not 1 <= number <= len(menus.sms.topics):
        return send_index(menus, state, message)
    node_id = menus.sms.topics[number - 1]
    if state.lang is None:
        return _in_first_languages(menus, node_id, state, message)
    return _topic_page(menus, node_id, state.lang, 0, state, message)


def _in_first_languages(menus: m.Menus, node_id: str, state: State,
                        message: Incoming) -> Reply:
    """'2' after the index in Dutch and English: the sender's language is still unknown,
    so the topic in both when it fits, without choosing a language for them."""
    langs = first_languages(menus, message.region, message.line_language)
    both, fits = menus.cached(("sms both", node_id, langs), lambda: _both(menus, node_id, langs))
    if message.whatsapp or fits:
        return Reply(both, replace(state, topic=None),
                     _event(menus, ev.SMS_TOPIC, state.lang, node_id))
    return _topic_page(menus, node_id, langs[0], 0, state, message)


def _both(menus: m.Menus, node_id: str, langs: tuple[str, ...]) -> tuple[str, bool]:
    """The topic in each language, one after the other, under one header, and whether
    that fits."""
    # One header, in the first language: a second would cost a UCS-2 page a third of
    # its room.
    both = header(menus, langs[0]) + "\n" + "\n\n".join(body(menus, node_id, lang)
                                                         for lang in langs)
    return both, count(both).segments <= menus.sms.max_segments


def _topic_page(menus: m.Menus, node_id: str, lang: str, page: int, state: State,
                message: Incoming) -> Reply:
    all_pages = pages(menus, node_id, lang, whole=message.whatsapp)
    if page >= len(all_pages):  # a cookie from before the text changed
        return send_index(menus, replace(state, topic=None), message)
    more = page + 1 < len(all_pages)
    new = State(lang=lang, topic=node_id if more else None, page=page, index=state.index)
    return Reply(all_pages[page], new, _event(menus, ev.SMS_TOPIC, lang, node_id,
                                              outcome="more" if page else None))


def _topic(menus: m.Menus, match: Match, lang: str, state: State,
           message: Incoming) -> Reply:
    return _topic_page(menus, match.meaning.target, lang, 0, state, message)


def _more(menus: m.Menus, match: Match, lang: str, state: State,
          message: Incoming) -> Reply:
    if state.topic == INDEX:
        return send_index(menus, state, message, state.page + 1)
    if state.topic == LANGUAGE_LIST:
        return _language_page(menus, state.lang or lang, state.page + 1, state, message)
    if state.topic is None or state.lang is None:
        return send_index(menus, replace(state, lang=lang), message)
    return _topic_page(menus, state.topic, state.lang, state.page + 1, state, message)


def _languages(menus: m.Menus, match: Match, lang: str, state: State,
               message: Incoming) -> Reply:
    return _language_page(menus, lang, 0, state, message)


def _language_code(menus: m.Menus, match: Match, lang: str, state: State,
                   message: Incoming) -> Reply:
    return send_index(menus, State(lang=match.meaning.target), message)


MEANINGS = {TOPIC: _topic, MORE: _more, LANGUAGES: _languages, LANGUAGE_CODE: _language_code}
