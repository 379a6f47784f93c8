"""The immutable menu model that menus.yaml is loaded into.

Everything a caller hears and every number the line dials lives in these objects;
the code only decides which of them to use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from ivr.content.hours import Opening

# A placeholder in a text: {police} for a contact's number, {title} and {key} in prompts.
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")

# Texts keyed by language code.
Texts = Mapping[str, str]
# SMS keywords keyed by language code, as written in menus.yaml.
Keywords = Mapping[str, tuple[str, ...]]

EMPTY: Mapping = MappingProxyType({})
T = TypeVar("T")

MENU = "menu"  # choices: silence leads to the numbers and the offer of one key
PAGE = "page"  # a text to listen to, with options, and the menu it belongs to
FORWARD = "forward"
TEXT = "text"  # offers to send the caller numbers by SMS, after a warning
NODE_KINDS = (MENU, PAGE, FORWARD, TEXT)

# Caller-ID policies for forwards: by default the dialled party sees the caller's number;
# callerId set to the line's own hides it (https://www.twilio.com/docs/voice/twiml/dial).
CALLER_ID_LINE = "line"  # the dialled party sees the line's own number
CALLER_ID_CALLER = "caller"  # the dialled party sees the caller's number
CALLER_ID_POLICIES = (CALLER_ID_LINE, CALLER_ID_CALLER)

# What a global key does; the keys themselves are chosen in menus.yaml.
REPEAT = "repeat"
MAIN_MENU = "main_menu"
LANGUAGE = "language"
CONTACTS = "contacts"  # a person: the menu of contacts to be put through to
GLOBAL_ACTIONS = (REPEAT, MAIN_MENU, LANGUAGE, CONTACTS)
# When a global key is announced: before a menu's options (and in the choice of
# language), after them in every menu, or in the main menu only.
FIRST, EVERY, MAIN = "first", "every", "main"
ANNOUNCE = (FIRST, EVERY, MAIN)


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself: Polski, Română
    say_language: str  # the <Say language="..."> value, e.g. nl-NL
    voice: str | None  # the <Say voice="...">, e.g. Polly.Lotte; None: recordings only
    key: str  # the keys that choose it: one digit, or 9 and a digit (second page)
    countries: tuple[str, ...] = ()  # regions (phonenumbers) whose callers likely speak it
    reviewed: bool = False  # checked by a native speaker
    sms_plain: bool = False  # texts sent in plain letters (GSM-7), as the language is often texted
    # Its name in the default language (Roemeens), said to a contact to ask for an interpreter
    default_name: str | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    number: str  # E.164, or the short number itself for an emergency number
    spoken: tuple[str, ...]  # digit groups, spoken one group at a time
    display: str  # as written for people, with the dash and spaces a phone makes tappable
    names: Texts
    caller_id: str = CALLER_ID_LINE
    anonymous: bool = False
    emergency: bool = False
    hours: tuple[Opening, ...] = ()  # none: always open
    repeat: bool = True  # spoken twice; 112 is known by heart and said once
    # It answers in the default language and arranges an interpreter: the word that asks
    # for one (tolk), said with the caller's language's default_name. None: no interpreter.
    interpreter: str | None = None


@dataclass(frozen=True)
class Option:
    key: str
    target: str  # a node id


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    title: Texts
    say: Texts
    options: tuple[Option, ...] = ()
    contact: str | None = None  # for forward nodes
    sms: Texts = field(default_factory=lambda: EMPTY)  # the text to read, for SMS topics
    keywords: Keywords = field(default_factory=lambda: EMPTY)  # the words asking for it by SMS
    numbers: tuple[str, ...] = ()  # text nodes: contacts spoken when the SMS cannot be sent
    back: str | None = None  # pages: the menu a page belongs to (the map, reachability)

    def target_for(self, key: str) -> str | None:
        return next((o.target for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class GlobalKey:
    key: str
    action: str
    announce: str  # FIRST, EVERY or MAIN: see ANNOUNCE


@dataclass(frozen=True)
class Settings:
    default_language: str
    main_node: str
    fallback_node: str  # a forward node, offered (never dialled unasked) after misses and errors
    other_contacts_node: str  # offered when a forward fails
    retry_key: str  # in the menu after a failed forward: dial again
    other_key: str  # in the menu after a failed forward: other_contacts_node
    greeting_languages: tuple[str, ...]
    global_keys: tuple[GlobalKey, ...]
    text_confirm_key: str = "1"  # in a text node: yes, send the message
    connect_key: str = "1"  # after misses or an error: put me through to fallback_node
    max_misses: int = 3
    input_timeout: int = 6
    dial_timeout: int = 30


@dataclass(frozen=True)
class SmsSettings:
    topics: tuple[str, ...]  # node ids, numbered in this order in the index
    more: Keywords  # ask for the next page of a long reply
    language: Keywords  # ask for the list of languages
    max_segments: int = 3
    # Words and stems that must not stand in the first 60 characters of a text (a locked
    # phone shows those), per language, normalized as keywords are.
    lock_screen_words: Keywords = field(default_factory=lambda: EMPTY)
    # What shows a text's language, for the first reply to a text that is no keyword:
    # letters that one language of an alphabet uses and its others do not (ї: Ukrainian),
    # and common words of each language, normalized as keywords are.
    language_letters: Keywords = field(default_factory=lambda: EMPTY)
    language_words: Keywords = field(default_factory=lambda: EMPTY)
    # The language of its alphabet that a text gets when neither shows which it is.
    alphabet_fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recording:
    text: str  # the hash of the text it was made from: stale when the text changes
    version: str  # the hash of the file: in its URL, so that no cache plays an old one
    seconds: float = 0.0  # how long it plays: what a caller listens to


@dataclass(frozen=True)
class Menus:
    settings: Settings
    languages: Mapping[str, Language]
    contacts: Mapping[str, Contact]
    nodes: Mapping[str, Node]
    prompts: Mapping[str, Texts]
    sms: SmsSettings
    source: str = "menus.yaml"
    # language -> utterance id -> its recording
    recordings: Mapping[str, Mapping[str, Recording]] = field(default_factory=lambda: EMPTY)
    # language -> utterance id -> file hash, for the recordings that play: decided once, at
    # start-up, so that no request hashes a text
    playable: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: EMPTY)
    audio_base_url: str = "/audio"  # where Twilio fetches recordings (AUDIO_BASE_URL)
    # What requests make from these menus and nothing else (a <Say>, an SMS reply's
    # pages), made once at its first use: a cache, not content (see `cached`). Not an
    # argument, so every replace() starts an empty one.
    cache: dict[tuple, Any] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)

    def cached(self, key: tuple, make: Callable[[], T]) -> T:
        """make(), made once for these menus: `key` must name everything it depends on
        besides the menus, and take its values from the menus or another small, fixed set
        (never straight from a request: see voice._dial). Threads may both make it the first
        time; either result is kept, and both are the same."""
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = make()
            return value

    def prompt(self, prompt_id: str, lang: str) -> str:
        return self.prompts[prompt_id][lang]

    def global_action(self, key: str) -> str | None:
        return next((g.action for g in self.settings.global_keys if g.key == key), None)

    def language_for_key(self, key: str) -> Language | None:
        return next((lang for lang in self.languages.values() if lang.key == key), None)

    def language_for_region(self, region: str | None) -> str | None:
        return next((lang.code for lang in self.languages.values()
                     if region and region in lang.countries), None)
