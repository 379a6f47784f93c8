"""The immutable menu model that menus.yaml is loaded into.

Everything a caller hears and every number the line dials lives in these objects;
the code only decides which of them to use. Each field of the file is defined here once
(pydantic dataclasses: its kind from fields.py, its default, its description), and the
loader, the messages and menus.schema.json all come from that definition. They are plain
frozen dataclasses to the code that reads them: the same attributes, equality and hashing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, TypeVar

import phonenumbers
from phonenumbers import shortnumberinfo
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import SkipJsonSchema

from ivr.content import fields as f
from ivr.content.hours import DAYS, Opening, parse_range
from ivr.content.problems import suggest
from ivr.content.voices import voice_problem

# A placeholder in a text: {police} for a contact's number, {title} and {key} in prompts.
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")

# Texts keyed by language code.
Texts = Mapping[str, str]
# SMS keywords keyed by language code, as written in menus.yaml.
Keywords = Mapping[str, tuple[str, ...]]

EMPTY: Mapping = f.EMPTY
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


def _options(value: Any, info: ValidationInfo) -> tuple[Option, ...]:
    """{"1": victim, ...}: each key a key of the phone, taken once, in the phone's order."""
    if isinstance(value, tuple) or value is None:
        return value or ()
    if not isinstance(value, Mapping):
        return f.check(info, value, [f.Issue("must map keys to node ids, e.g. \"1\": what",
                                             f.Form.PLAIN)], ())
    options: list[Option] = []
    issues = []
    for raw_key, target in value.items():
        key = str(raw_key) if raw_key is not None else ""
        if len(key) != 1 or key not in f.KEYS:
            issues.append(f.Issue(f"field 'key': '{key}' is not a key; use one of 0-9, * or #",
                                  f.Form.NONE, at=f" option '{raw_key}'"))
        if any(o.key == key for o in options):
            issues.append(f.Issue("the same key is given twice", f.Form.NONE,
                                  at=f" option '{key}'"))
        options.append(Option(key, str(target)))
    order = sorted(options, key=lambda o: f.KEYS.index(o.key) if o.key in f.KEYS else 99)
    return f.check(info, tuple(order), issues)


def _hours(value: Any, info: ValidationInfo) -> tuple[Opening, ...]:
    """{mon: ["09:00-17:00"], ...} in Europe/Amsterdam; none: always open."""
    if isinstance(value, tuple) or value is None:
        return value or ()
    if not isinstance(value, Mapping) or not value:
        return f.check(info, value, [f.Issue("must map days (mon ... sun) to times such as "
                                             "[\"09:00-17:00\"]", f.Form.PLAIN)], ())
    result, issues = [], []
    for day, ranges in value.items():
        if day not in DAYS:
            issues.append(f.Issue(f"unknown day '{day}'{suggest(day, DAYS)}", f.Form.IN))
            continue
        for text in ranges if isinstance(ranges, list) else [ranges]:
            opening = parse_range(DAYS.index(day), str(text))
            if opening is None:
                issues.append(f.Issue(f"'{text}' must look like \"09:00-17:00\", the start "
                                      "before the end", f.Form.IN, at=f" {day}"))
            else:
                result.append(opening)
    return f.check(info, tuple(sorted(result, key=lambda o: (o.day, o.start))), issues)


# Each field once: its kind (fields.py), its default, its description. Field order is the
# order problems are reported in; a field read with another's value comes after it.
FILE = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)


@dataclass(frozen=True, kw_only=True, config=FILE)
class Language:
    code: Annotated[str, Field(description="the code the texts use"), f.pattern(
        f.LANG[1:-1], lambda _: "must be a two- or three-letter code such as 'nl'", f.Form.PLAIN,
        shape=f.Shape("must be a two- or three-letter code such as 'nl'", empty=""))]
    name: Annotated[f.Text, Field(description="the language's name in itself")]
    say_language: Annotated[f.SayLanguage, Field(
        description="Twilio's language of <Say>, such as nl-NL")]
    # None: Twilio has no voice for the language, and recordings speak every prompt.
    voice: Annotated[f.Voice, Field(
        description="Twilio's voice (such as Polly.Lotte); none: every prompt is a recording")
    ] = None
    key: Annotated[f.LanguageKey, Field(
        description="0-8 on the language menu, or 9 and a digit on its second page")]
    countries: Annotated[f.Countries, Field(
        description="callers from these countries hear this language offered first")] = ()
    reviewed: Annotated[bool, f.flag(), Field(
        description="true once a native speaker checked every text")] = False
    sms_plain: Annotated[bool, f.flag(), Field(
        description="texts in plain letters (é -> e): 153 characters a segment")] = False
    # Its name in the default language (Roemeens), said to a contact to ask for an interpreter
    default_name: Annotated[f.OptionalText, Field(
        description="its name in the default language, as a caller says it to ask a contact "
        "for an interpreter (Roemeens: tolk Roemeens); needed when a contact has "
        "'interpreter'")] = None

    # Problems of these fields are the language's own: it is left out, the line goes on.
    OWN: ClassVar = ("voice", "default_name")

    @field_validator("voice")
    @classmethod
    def _speaks(cls, voice: str | None, info: ValidationInfo) -> str | None:
        say_language = info.data.get("say_language")
        problem = voice_problem(voice, say_language) if voice and say_language else None
        return f.check(info, voice, [f.Issue(problem)] if problem else [])


@dataclass(frozen=True, kw_only=True, config=FILE)
class Contact:
    id: Annotated[str, Field(description="the contact's id, as texts name it: {police}"),
                  f.pattern(f.ID[1:-1], lambda _: "must be lower-case letters, digits, _",
                             f.Form.PLAIN, f.NODE_ID,
                             f.Shape("must be lower-case letters, digits, _", empty=""))]
    emergency: Annotated[bool, f.flag(), Field(
        description="the emergency number: said, never dialled")] = False
    number: Annotated[f.Scalar, Field(
        description="E.164 (+31...), or the emergency number")]  # E.164, or 112 itself
    spoken: Annotated[tuple[str, ...], f.field(lambda v, _: tuple(
        v if isinstance(v, tuple) else str(v if v is not None else "").split()), f.SCALAR),
        Field(description="the number's digits in the groups they are said in")]
    # As written for people, with the dash and spaces a phone makes tappable; sent in texts
    # as it is written.
    display: Annotated[f.Scalar, Field(description="the number as texts show it")]
    names: Annotated[f.Texts, Field(alias="name", description="the contact's name")]
    caller_id: Annotated[str, f.choice(CALLER_ID_POLICIES, lambda name: (
        f"'{name}' must be 'line' (the dialled party sees the line's number) or 'caller' (it "
        "sees the caller's number)"), default=CALLER_ID_LINE), Field(
        description="whose number the contact sees: the line's or the caller's (default "
        "line)")] = CALLER_ID_LINE
    # 'anonymous: "true"' must not quietly read as false and pass the caller's number on.
    anonymous: Annotated[bool, f.flag(unsure=True), Field(
        description="an anonymous line: never the caller's number")] = False
    hours: Annotated[tuple[Opening, ...], f.field(_hours, {
        "type": "object", "additionalProperties": False, "properties": {
            day: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
            for day in DAYS}}), Field(
        description="opening hours in Europe/Amsterdam, such as mon: [\"09:00-17:00\"]; "
        "none: always open")] = ()
    repeat: Annotated[bool, f.flag(), Field(
        description="say the number twice (default true)")] = True  # 112 is said once
    # It answers in the default language and arranges an interpreter: the word that asks
    # for one (tolk), said with the caller's language's default_name. None: no interpreter.
    interpreter: Annotated[f.OptionalText, Field(
        description="it answers in the default language and arranges an interpreter: the "
        "word a caller says to get one, before their language's default_name (tolk)")] = None

    @field_validator("number")
    @classmethod
    def _number(cls, number: str, info: ValidationInfo) -> str:
        return f.check(info, number, number_problems(number, info.data.get("emergency", False)))

    @field_validator("spoken")
    @classmethod
    def _spoken(cls, spoken: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        number = info.data.get("number", "")
        digits = national_digits(number, info.data.get("emergency", False))
        wrong = digits and "".join(spoken) != digits
        return f.check(info, spoken, [f.Issue(
            f"'{' '.join(spoken)}' does not say the number {number}; write its digits {digits} "
            "in groups split by spaces")] if wrong else [])

    @field_validator("display")
    @classmethod
    def _display(cls, display: str, info: ValidationInfo) -> str:
        number = info.data.get("number", "")
        digits = national_digits(number, info.data.get("emergency", False))
        why = f.unsayable(display)
        issues = [f.Issue(why, f.Form.TEXT)] if why else []
        if digits and re.sub(r"\D", "", display) != digits:
            issues.append(f.Issue(f"'{display}' does not show the number {number}"))
        return f.check(info, display, issues)


def number_problems(number: str, emergency: bool) -> list[f.Issue]:
    if emergency:
        return [] if shortnumberinfo.is_emergency_number(number, "NL") else [
            f.Issue(f"'{number}' is not an emergency number in NL")]
    if not number.startswith("+"):
        return [f.Issue(f"'{number}' must be in E.164 form: +, the country code, then the "
                        "number without its leading 0")]
    return [] if national_digits(number, emergency) else [
        f.Issue(f"'{number}' is not a valid phone number")]


def national_digits(number: str, emergency: bool) -> str:
    """The digits a caller dials in the Netherlands; '' for a number that is not valid."""
    if emergency:
        return number if shortnumberinfo.is_emergency_number(number, "NL") else ""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ""
    if not number.startswith("+") or not phonenumbers.is_valid_number(parsed):
        return ""
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national)


@dataclasses.dataclass(frozen=True)
class Option:
    key: str
    target: str  # a node id


# The fields a node has besides the common ones, by its kind, and what a kind needs.
NODE_OWN = {MENU: ("options",), PAGE: ("options", "back"), FORWARD: ("contact",),
            TEXT: ("numbers",)}
NODE_NEEDS = {PAGE: (("back",), "a page needs 'back': the menu it belongs to"),
              FORWARD: (("contact",), "a forward node needs a 'contact'"),
              TEXT: (("sms", "numbers"), "a text node needs an 'sms' text and 'numbers': the "
                     "contacts to speak when the message cannot be sent")}


@dataclass(frozen=True, kw_only=True, config=FILE)
class Node:
    # Its key in nodes, set once the nodes are read (kind_problems refuses it in the file).
    id: SkipJsonSchema[str] = ""
    kind: Annotated[str, f.choice(NODE_KINDS, lambda kind: (
        f"'{kind}' is not a node kind{suggest(kind, NODE_KINDS)}"), default=MENU), Field(
        description="menu (default), page, forward or text")] = MENU
    title: Annotated[f.Texts, Field(description="what the option leading here says")]
    say: Annotated[f.Texts, Field(description="what the line says here")]
    options: Annotated[tuple[Option, ...], f.field(_options, {
        "type": "object", "additionalProperties": f.NODE_ID,
        "propertyNames": {"pattern": r"^[0-9*#]$"}}), Field(
        description="menus and pages: keys to node ids, such as \"1\": victim")] = ()
    contact: Annotated[f.OptionalNodeId, Field(
        description="forwards: the contact this forward dials")] = None
    sms: Annotated[f.SmsTexts, Field(
        description="the text of this topic by SMS")] = Field(default_factory=lambda: EMPTY)
    keywords: Annotated[f.Keywords, Field(
        description="the SMS words that ask for this topic")] = Field(
        default_factory=lambda: EMPTY)
    # text nodes: contacts spoken when the SMS cannot be sent
    numbers: Annotated[tuple[str, ...], f.strings("", items=f.NODE_ID, listed=True), Field(
        description="text nodes: the contacts texted, and said when no text can be sent")
    ] = ()
    # pages: the menu a page belongs to (the map, reachability)
    back: Annotated[f.OptionalNodeId, Field(
        description="pages: the menu or page this page belongs to")] = None

    def target_for(self, key: str) -> str | None:
        return next((o.target for o in self.options if o.key == key), None)

    @model_validator(mode="wrap")
    @classmethod
    def _kind(cls, data: Any, handler: ModelWrapValidatorHandler[Node],
              info: ValidationInfo) -> Node:
        """The fields of its kind only, and those its kind needs."""
        issues = kind_problems(data) if isinstance(data, Mapping) else []
        try:
            node = handler(data)
        except ValidationError as error:
            f.check(info, data, issues, also=error)
            raise
        return f.check(info, node, issues)


def kind_problems(data: Mapping) -> list[f.Issue]:
    kind = str(data.get("kind", MENU))
    if kind not in NODE_KINDS:
        return [f.Issue("unknown field 'id'", f.Form.NONE)] if "id" in data else []
    own = NODE_OWN.get(kind, ())
    allowed = [n for n in f.names(Node) if n != "id"
               and not any(n in fields for fields in NODE_OWN.values())] + list(own)
    issues = [f.Issue(f"unknown field '{name}'{suggest(name, allowed)}", f.Form.NONE)
              for name in data if name not in allowed and name in f.names(Node)]
    needs, says = NODE_NEEDS.get(kind, ((), ""))
    if any(not data.get(name) for name in needs):
        issues.append(f.Issue(says, f.Form.NONE))
    return issues


def _ids(nodes: Mapping[str, Node]) -> Mapping[str, Node]:
    for node_id, node in nodes.items():
        object.__setattr__(node, "id", node_id)  # once, as it is made
    return MappingProxyType(dict(nodes))


NodeKey = Annotated[str, f.pattern(
    f.ID[1:-1], lambda _: "node ids must be lower-case letters, digits and _", f.Form.NONE)]


@dataclass(frozen=True, kw_only=True, config=FILE)
class GlobalKey:
    key: Annotated[f.Key, Field(description="the key")]
    action: Annotated[str, f.choice(GLOBAL_ACTIONS, lambda action: (
        f"unknown action{suggest(action, GLOBAL_ACTIONS)}; use one of "
        f"{', '.join(GLOBAL_ACTIONS)}"), f.Form.NONE), Field(description="what it does"),
        f.Shape(f"unknown action; use one of {', '.join(GLOBAL_ACTIONS)}", f.Form.NONE, "")]
    announce: Annotated[str, f.choice(ANNOUNCE, lambda announce: (
        f"'{announce}' must be one of {', '.join(ANNOUNCE)}"), default=MAIN), Field(
        description="where it is said: first (once), every (each menu) or main (the main "
        "menu)")] = MAIN  # FIRST, EVERY or MAIN: see ANNOUNCE


def _one_action_a_key(keys: tuple[GlobalKey, ...], info: ValidationInfo) -> tuple[GlobalKey, ...]:
    return f.check(info, keys, [f.Issue(f"key '{key}' is already a global key", f.Form.NONE,
                                        loc=(index,))
                                for index, key in f.distinct(keys, lambda g: g.key)])


@dataclass(frozen=True, kw_only=True, config=FILE)
class Settings:
    default_language: Annotated[f.Text, Field(
        description="the language the line cannot do without"), WithJsonSchema(
        {"type": "string", "pattern": f.LANG})]
    main_node: Annotated[f.NodeId, Field(description="the main menu")]
    # a forward node, offered (never dialled unasked) after misses and errors
    fallback_node: Annotated[f.NodeId, Field(
        description="the forward offered after the misses run out or an error: never "
        "dialled unasked")]
    other_contacts_node: Annotated[f.NodeId, Field(
        description="the menu of every contact (a person)")]  # offered when a forward fails
    retry_key: Annotated[f.Key, Field(
        description="after a failed forward: try again")]  # in the menu after it: dial again
    other_key: Annotated[f.Key, Field(
        description="after a failed forward: another contact")]  # other_contacts_node
    global_keys: Annotated[tuple[GlobalKey, ...], AfterValidator(_one_action_a_key), Field(
        description="keys that work in every menu"), f.entries("settings global_keys")]
    text_confirm_key: Annotated[f.Key, Field(
        description="confirms sending the numbers by text (default 1)")] = "1"
    connect_key: Annotated[f.Key, Field(
        description="puts the caller through to the fallback (default 1)")] = "1"
    # An incomplete greeting language (say English) is left out of the greeting too.
    greeting_languages: Annotated[tuple[str, ...], f.strings(
        "must be a list of language codes", items={"type": "string", "pattern": f.LANG}),
        Field(description="the languages of the greeting; the caller's country's takes the "
              "last place")] = ()
    max_misses: Annotated[int, f.whole(1, 9), Field(
        description="silences or wrong keys in a row before the numbers are said "
        "(default 3)")] = 3
    input_timeout: Annotated[int, f.whole(1, 30), Field(
        description="seconds Twilio waits for a key (default 6)")] = 6
    dial_timeout: Annotated[int, f.whole(5, 120), Field(
        description="seconds a forward rings (default 30)")] = 30


@dataclass(frozen=True, kw_only=True, config=FILE)
class SmsKeywords:
    more: Annotated[f.Keywords, Field(description="ask for the next page of a long reply")]
    language: Annotated[f.Keywords, Field(description="ask for the list of languages")]


@dataclass(frozen=True, kw_only=True, config=FILE)
class SmsSettings:
    topics: Annotated[tuple[str, ...], f.strings(
        "must list the node ids of the SMS topics, in order", required=True, items=f.NODE_ID),
        Field(description="the nodes the index lists, in order")]  # numbered in this order
    keywords: Annotated[SmsKeywords, Field(
        description="the words for the next page (more) and for the list of languages "
        "(language)")]
    # What a locked phone must not show, in every language: required, so that a new
    # language cannot skip it. Words and stems, normalized as keywords are.
    lock_screen_words: Annotated[f.Keywords, Field(
        description="words a locked phone must not show in a text's first 60 characters")]
    # Never above 3: a longer reply is split by the network and may arrive in pieces.
    max_segments: Annotated[int, f.whole(1, 3), Field(
        description="segments a reply may take (default 3)")] = 3
    # What shows a text's language, for the first reply to a text that is no keyword:
    # letters that one language of an alphabet uses and its others do not (ї: Ukrainian),
    # and common words of each language, normalized as keywords are. Optional, and for
    # some languages only: Arabic is the one language of its alphabet.
    language_letters: Annotated[f.SomeWords, Field(
        description="letters that show a text is in this language rather than another of its "
        "alphabet (uk: [ї, є, ґ])")] = Field(default_factory=lambda: EMPTY)
    language_words: Annotated[f.SomeWords, Field(
        description="common words that show a text is in this language; a word of two "
        "languages shows neither")] = Field(default_factory=lambda: EMPTY)
    # The language of its alphabet that a text gets when neither shows which it is.
    alphabet_fallback: Annotated[tuple[str, ...], f.strings(
        "must be a list of language codes, such as [ru]", known=True,
        items={"type": "string", "pattern": f.LANG}), Field(
        description="the language a text in its alphabet gets when neither letters nor words "
        "show which of that alphabet's languages it is, such as [ru]")] = ()
    # keywords.more and keywords.language, where the SMS replies read them
    more: SkipJsonSchema[Keywords] = dataclasses.field(init=False)
    language: SkipJsonSchema[Keywords] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "more", self.keywords.more)
        object.__setattr__(self, "language", self.keywords.language)


def _one_each(languages: tuple[Language, ...], info: ValidationInfo) -> tuple[Language, ...]:
    """Each language once, each with its own key and countries."""
    issues = [f.Issue("is listed twice", f.Form.NONE, loc=(index,))
              for index, _ in f.distinct(languages, lambda lang: lang.code)]
    keys: dict[str, str] = {}
    countries: dict[str, str] = {}
    for index, language in enumerate(languages):
        if language.key in keys:
            issues.append(f.Issue(f"'{language.key}' already chooses language "
                                  f"'{keys[language.key]}'", loc=(index, "key")))
        keys.setdefault(language.key, language.code)
        for region in language.countries:
            if region in countries:
                issues.append(f.Issue(f"{region} is already given to language "
                                      f"'{countries[region]}'", loc=(index, "countries")))
            countries.setdefault(region, language.code)
    if not languages:
        issues.append(f.Issue("at least one language is needed", f.Form.SECTION))
    return f.check(info, languages, issues)


def _one_id_each(contacts: tuple[Contact, ...], info: ValidationInfo) -> tuple[Contact, ...]:
    return f.check(info, contacts, [f.Issue("is listed twice", f.Form.NONE, loc=(index,))
                                    for index, _ in f.distinct(contacts, lambda c: c.id)])


def _section(name: str) -> f.Shape:
    return f.Shape(f"'{name}' is missing", f.Form.SECTION,
                   wrong=f"'{name}' must be a mapping of names to values")


@dataclass(frozen=True, kw_only=True, config=FILE)
class MenusFile:
    """menus.yaml: its sections, as the file gives them (Menus: as the line uses them)."""

    settings: Annotated[Settings, _section("settings")]
    languages: Annotated[tuple[Language, ...], AfterValidator(_one_each),
                         Field(json_schema_extra={"minItems": 1}), f.entries("languages")]
    contacts: Annotated[tuple[Contact, ...], AfterValidator(_one_id_each),
                        f.entries("contacts")]
    prompts: Annotated[Mapping[Annotated[str, WithJsonSchema(f.NODE_ID)], f.Texts],
                       AfterValidator(MappingProxyType), _section("prompts")]
    nodes: Annotated[Mapping[NodeKey, Node], AfterValidator(_ids), _section("nodes")]
    sms: Annotated[SmsSettings, _section("sms")]


@dataclasses.dataclass(frozen=True)
class Recording:
    text: str  # the hash of the text it was made from: stale when the text changes
    version: str  # the hash of the file: in its URL, so that no cache plays an old one
    seconds: float = 0.0  # how long it plays: what a caller listens to


@dataclasses.dataclass(frozen=True)
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
