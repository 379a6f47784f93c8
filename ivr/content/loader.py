"""Turning the parsed menus.yaml into the immutable model, noting every problem on the way
(ivr.lines adds the voice's and the SMS line's checks, and loads a line).

Field-level problems (a missing translation, a bad key, an invalid number) are found
here; problems between parts of the file (targets, reachability) in validate.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import phonenumbers
from phonenumbers import shortnumberinfo

from ivr.content import model as m
from ivr.content import structure
from ivr.content.hours import DAYS, Opening, parse_range
from ivr.content.problems import Collector, suggest
from ivr.content.recordings import read_recordings
from ivr.content.validate import cross_check
from ivr.content.voices import voice_problem
from ivr.content.yamlfile import duplicates, read_yaml

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_CODE_RE = re.compile(r"^[a-z]{2,3}$")
SAY_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
KEYS = "0123456789*#"
SECTIONS = structure.SECTIONS
# The most characters one text may have: the longest shipped text has 429, and a text
# is said in one go (25 s at most, by the time model). Counted in characters as well as in
# words, so that a text without spaces cannot grow an answer past Twilio's 64 kB.
MAX_TEXT = 1_000
# An SMS topic may be longer, read in pages; on WhatsApp it goes whole, in one message,
# and Twilio sends at most 1,600 characters in one.
MAX_SMS_TEXT = 1_600


def default_language(path: str | Path) -> str | None:
    """The language the line cannot do without, as the file names it."""
    raw, _ = read_yaml(Path(path))
    settings = raw.get("settings") if isinstance(raw, dict) else None
    return str(settings.get("default_language")) if isinstance(settings, dict) else None


def read_file(path: str | Path, audio_dir: str | Path | None = None,
              dropped: frozenset[str] = frozenset()) -> tuple[m.Menus | None, Collector]:
    """The model as the file builds it (None when it cannot be built), with its recordings,
    and every problem of the content's own: of its fields and between its parts. The
    voice's and the SMS line's checks follow in ivr.lines."""
    path = Path(path)
    out = Collector(path.name, dropped)
    raw, error = read_yaml(path)
    if error:
        out.error("", error)
        return None, out
    menus = build(raw, out)
    if menus is not None:
        folder = Path(audio_dir) if audio_dir else path.parent / "audio"
        menus = replace(menus, recordings=read_recordings(folder, tuple(menus.languages)))
        # Even with field errors, so that one run lists every problem in the file.
        cross_check(menus, out)
    return menus, out


def build(raw: Any, out: Collector) -> m.Menus | None:
    if not isinstance(raw, dict):
        out.error("", f"expected sections {', '.join(SECTIONS)} at the top of the file")
        return None
    _no_duplicates(out, "top level", raw)
    for key in raw:
        if key not in SECTIONS:
            out.error("top level", f"unknown section '{key}'{suggest(key, SECTIONS)}")
    languages = _languages(raw.get("languages"), out)
    codes = tuple(languages)
    contacts = _contacts(raw.get("contacts"), codes, out)
    prompts = _prompts(raw.get("prompts"), codes, out)
    nodes = _nodes(raw.get("nodes"), codes, out)
    settings = _settings(raw.get("settings"), out)
    sms = _sms(raw.get("sms"), codes, out)
    if settings is None or not languages:
        return None
    return m.Menus(
        settings=settings,
        languages=MappingProxyType(languages),
        contacts=MappingProxyType(contacts),
        nodes=MappingProxyType(nodes),
        prompts=MappingProxyType(prompts),
        sms=sms,
        source=out.source,
    )


# -- small readers ---------------------------------------------------------------------


def _no_duplicates(out: Collector, where: str, mapping: Any, what: str = "key") -> None:
    for key, line in duplicates(mapping):
        out.error(where, f"{what} '{key}' is given twice (again on line {line})")


def _mapping(out: Collector, where: str, value: Any, what: str) -> dict:
    if value is None:
        out.error(where, f"'{what}' is missing")
        return {}
    if not isinstance(value, dict):
        out.error(where, f"'{what}' must be a mapping of names to values")
        return {}
    _no_duplicates(out, where, value)
    return value


def _text(out: Collector, where: str, data: dict, field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        out.error(where, f"field '{field}' is missing or empty")
        return ""
    if not _sayable(out, f"{where} field '{field}'", value):
        return ""
    return value.strip()


def _sayable(out: Collector, where: str, text: str, lang: str | None = None,
             most: int = MAX_TEXT) -> bool:
    """Whether a text can be said and sent: not too long, and no character that is not
    text (an import can bring any); if not, the problem is noted with its place."""
    if len(text) > most:
        out.error(where, f"{len(text):,} characters; at most {most:,} in one text: "
                  "shorten it, or split it into a page and a 'more' option", lang)
        return False
    bad = next((c for c in text if _not_text(c)), None)
    if bad is not None:
        out.error(where, f"contains U+{ord(bad):04X}, {_not_text(bad)} that cannot be said or "
                  "sent: remove it", lang)
        return False
    return True


def _not_text(char: str) -> str | None:
    """What the character is when it is no text (a control character other than a line
    break or a tab, a noncharacter, half a surrogate pair), else None."""
    code = ord(char)
    if char in "\n\t":
        return None
    category = unicodedata.category(char)
    if category == "Cc":
        return "a control character"
    if category == "Cs":
        return "half of a surrogate pair"
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return "a noncharacter"
    return None


def _optional_text(out: Collector, where: str, data: dict, field: str,
                   lang: str | None = None) -> str | None:
    """A field that may be left out, but not left empty (`lang`: the language it is of)."""
    if field not in data:
        return None
    value = data[field]
    if not isinstance(value, str) or not value.strip():
        out.error(where, f"field '{field}' is empty; give it a text or leave it out", lang)
        return None
    if not _sayable(out, f"{where} field '{field}'", value, lang):
        return None
    return value.strip()


def _key(out: Collector, where: str, value: Any, field: str = "key") -> str:
    key = str(value) if value is not None else ""
    if len(key) != 1 or key not in KEYS:
        out.error(where, f"field '{field}': '{key}' is not a key; use one of 0-9, * or #")
    return key


def _int(out: Collector, where: str, data: dict, field: str, default: int, lo: int, hi: int) -> int:
    value = data.get(field, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        out.error(where, f"field '{field}': '{value}' must be a whole number from {lo} to {hi}")
        return default
    return value


def _bool(out: Collector, where: str, data: dict, field: str, default: bool = False) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        # 'anonymous: "true"' must not quietly read as false and pass the caller's number on.
        out.error(where, f"field '{field}': '{value}' must be true or false, without quotes")
        return True if field == "anonymous" else bool(value)
    return value


def _unknown_fields(out: Collector, where: str, data: dict, allowed: tuple[str, ...]) -> None:
    for field in data:
        if field not in allowed:
            out.error(where, f"unknown field '{field}'{suggest(field, allowed)}")


def texts(out: Collector, where: str, data: dict, field: str, langs: tuple[str, ...]) -> m.Texts:
    """A text in every language, e.g. {nl: ..., en: ...}."""
    value = data.get(field)
    if not isinstance(value, dict):
        out.error(where, f"field '{field}' must give a text for each language ({', '.join(langs)})")
        return MappingProxyType({})
    _no_duplicates(out, f"{where} field '{field}'", value, "language")
    for lang in value:
        if lang not in langs and lang not in out.dropped:
            out.error(f"{where} field '{field}'",
                      f"unknown language '{lang}'{suggest(lang, langs)}")
    result = {}
    for lang in langs:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            out.error(f"{where} field '{field}'", f"missing translation for '{lang}'", lang)
        elif _sayable(out, f"{_field(where, field)} ({lang})", text, lang,
                      MAX_SMS_TEXT if field == "sms" else MAX_TEXT):
            result[lang] = fold(text)
    return MappingProxyType(result)


def _field(where: str, field: str) -> str:
    """A text's place: node 'signals' field 'say'; a prompt is its own field."""
    return where if where == f"prompt '{field}'" else f"{where} field '{field}'"


def fold(text: str) -> str:
    """A text as the line uses it: spaces folded, line breaks kept (an SMS text may list
    numbers line by line). Translations compare and hash texts in this form too."""
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line)


def keywords(out: Collector, where: str, data: dict, field: str,
             langs: tuple[str, ...]) -> m.Keywords:
    """SMS keywords in every language, e.g. {nl: [HULP], en: [HELP]}."""
    value = data.get(field)
    if not isinstance(value, dict):
        out.error(where, f"field '{field}' must give a list of words for each language")
        return m.EMPTY
    _no_duplicates(out, f"{where} field '{field}'", value, "language")
    result = {}
    for lang in value:
        if lang not in langs and lang not in out.dropped:
            out.error(f"{where} field '{field}'",
                      f"unknown language '{lang}'{suggest(lang, langs)}")
    for lang in langs:
        words = value.get(lang)
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list) or not words or not all(
                isinstance(w, str | int) and str(w).strip() for w in words):
            out.error(f"{where} field '{field}'", f"missing keywords for '{lang}'", lang)
            continue
        if all(_sayable(out, f"{_field(where, field)} ({lang})", str(w), lang) for w in words):
            result[lang] = tuple(str(w).strip() for w in words)
    return MappingProxyType(result)


def _sms(value: Any, langs: tuple[str, ...], out: Collector) -> m.SmsSettings:
    where = "sms"
    data = _mapping(out, where, value, "sms")
    _unknown_fields(out, where, data, structure.names(structure.SMS))
    topics = data.get("topics")
    if not isinstance(topics, list) or not topics:
        out.error(where, "field 'topics' must list the node ids of the SMS topics, in order")
        topics = []
    words = _mapping(out, where, data.get("keywords", {}), "keywords")
    _unknown_fields(out, f"{where} keywords", words, structure.SMS_KEYWORDS)
    return m.SmsSettings(
        topics=tuple(str(t) for t in topics),
        more=keywords(out, f"{where} keywords", words, "more", langs),
        language=keywords(out, f"{where} keywords", words, "language", langs),
        # Never above 3: a longer reply is split by the network and may arrive in pieces.
        max_segments=_int(out, where, data, "max_segments", 3, 1, 3),
        # What a locked phone must not show, in every language: required, so that a new
        # language cannot skip it.
        lock_screen_words=keywords(out, where, data, "lock_screen_words", langs),
        # Optional, and for some languages only: Arabic is the one language of its alphabet.
        language_letters=_some_words(out, where, data, "language_letters", langs),
        language_words=_some_words(out, where, data, "language_words", langs),
        alphabet_fallback=_codes(out, where, data, "alphabet_fallback", langs),
    )


def _some_words(out: Collector, where: str, data: dict, field: str,
                langs: tuple[str, ...]) -> m.Keywords:
    """Words for some of the languages; none at all when the field is absent."""
    value = data.get(field)
    if value is None:
        return m.EMPTY
    present = tuple(lang for lang in langs if isinstance(value, dict) and lang in value)
    return keywords(out, where, data, field, present)


def _codes(out: Collector, where: str, data: dict, field: str,
           langs: tuple[str, ...]) -> tuple[str, ...]:
    value = data.get(field, [])
    if not isinstance(value, list):
        out.error(where, f"field '{field}' must be a list of language codes, such as [ru]")
        return ()
    for lang in value:
        if str(lang) not in langs and str(lang) not in out.dropped:
            out.error(f"{where} field '{field}'",
                      f"unknown language '{lang}'{suggest(str(lang), langs)}")
    return tuple(str(lang) for lang in value if str(lang) in langs)


def _list_of_mappings(out: Collector, section: str, value: Any) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        out.error(section, f"'{section}' must be a list of entries, each starting with '- id:'")
        return []
    return value


# -- sections ----------------------------------------------------------------------------


LANGUAGE_KEY_RE = re.compile(r"[0-8]|9[0-9]")
REGION_RE = re.compile(r"[A-Z]{2}")


def _language_key(out: Collector, where: str, value: Any) -> str:
    key = str(value) if value is not None else ""
    if not LANGUAGE_KEY_RE.fullmatch(key):
        out.error(where, f"field 'key': '{key}' must be one digit 0-8, or 9 and a digit for the "
                  "second page, such as \"91\"")
    return key


def _countries(out: Collector, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
            isinstance(v, str) and REGION_RE.fullmatch(v) for v in value):
        out.error(where, "field 'countries' must be a list of two-letter country codes, "
                  "such as [PL]")
        return ()
    return tuple(value)


def _languages(value: Any, out: Collector) -> dict[str, m.Language]:
    result: dict[str, m.Language] = {}
    keys: dict[str, str] = {}
    countries: dict[str, str] = {}
    fields = structure.names(structure.LANGUAGE)
    for data in _list_of_mappings(out, "languages", value):
        code = str(data.get("code", ""))
        if code in out.dropped:
            continue
        where = f"language '{code}'"
        _no_duplicates(out, where, data, "field")
        _unknown_fields(out, where, data, fields)
        if not LANG_CODE_RE.fullmatch(code):
            out.error(where, "field 'code' must be a two- or three-letter code such as 'nl'")
            continue
        if code in result:
            out.error(where, "is listed twice")
        say_language = _text(out, where, data, "say_language")
        if say_language and not SAY_LANGUAGE_RE.fullmatch(say_language):
            out.error(where, f"field 'say_language': '{say_language}' must look like 'nl-NL'")
        # No voice: Twilio has none for the language, and recordings speak every prompt.
        voice = str(data["voice"]).strip() if data.get("voice") else None
        problem = voice_problem(voice, say_language) if voice and say_language else None
        if problem:
            out.error(where, f"field 'voice': {problem}", code)
        key = _language_key(out, where, data.get("key"))
        if key in keys:
            out.error(where, f"field 'key': '{key}' already chooses language '{keys[key]}'")
        keys[key] = code
        regions = _countries(out, where, data.get("countries"))
        for region in regions:
            if region in countries:
                out.error(where, f"field 'countries': {region} is already given to language "
                          f"'{countries[region]}'")
            countries[region] = code
        result[code] = m.Language(code, _text(out, where, data, "name"), say_language, voice,
                                  key, regions, _bool(out, where, data, "reviewed"),
                                  _bool(out, where, data, "sms_plain"),
                                  _optional_text(out, where, data, "default_name", code))
    if value is not None and not result:
        out.error("languages", "at least one language is needed")
    return result


def _contact_number(out: Collector, where: str, data: dict, emergency: bool) -> tuple[str, bool]:
    """The number, and whether it is valid (only then are 'spoken' and 'display' compared)."""
    number = str(data.get("number", "")).strip()
    if emergency:
        valid = shortnumberinfo.is_emergency_number(number, "NL")
        if not valid:
            out.error(where, f"field 'number': '{number}' is not an emergency number in NL")
        return number, valid
    if not number.startswith("+"):
        out.error(where, f"field 'number': '{number}' must be in E.164 form: +, the country "
                  "code, then the number without its leading 0")
        return number, False
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        out.error(where, f"field 'number': '{number}' is not a valid phone number")
    return number, valid


def _national_digits(number: str, emergency: bool) -> str:
    if emergency:
        return number
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ""
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national)


def _contact(data: dict, langs: tuple[str, ...], out: Collector) -> m.Contact:
    cid = str(data.get("id", ""))
    where = f"contact '{cid}'"
    fields = structure.names(structure.CONTACT)
    _no_duplicates(out, where, data, "field")
    _unknown_fields(out, where, data, fields)
    emergency = _bool(out, where, data, "emergency")
    number, valid = _contact_number(out, where, data, emergency)
    spoken = tuple(str(data.get("spoken", "")).split())
    digits = _national_digits(number, emergency) if valid else ""
    if digits and "".join(spoken) != digits:
        out.error(where, f"field 'spoken': '{' '.join(spoken)}' does not say the number "
                  f"{number}; write its digits {digits} in groups split by spaces")
    display = str(data.get("display", "")).strip()
    _sayable(out, f"{where} field 'display'", display)  # sent in texts as it is written
    if digits and re.sub(r"\D", "", display) != digits:
        out.error(where, f"field 'display': '{display}' does not show the number {number}")
    caller_id = str(data.get("caller_id", m.CALLER_ID_LINE))
    if caller_id not in m.CALLER_ID_POLICIES:
        out.error(where, f"field 'caller_id': '{caller_id}' must be 'line' (the dialled party "
                  "sees the line's number) or 'caller' (it sees the caller's number)")
    return m.Contact(cid, number, spoken, display, texts(out, where, data, "name", langs),
                     caller_id, _bool(out, where, data, "anonymous"), emergency,
                     _hours(out, where, data.get("hours")),
                     _bool(out, where, data, "repeat", default=True),
                     _optional_text(out, where, data, "interpreter"))


def _hours(out: Collector, where: str, value: Any) -> tuple[Opening, ...]:
    """{mon: ["09:00-17:00"], ...} in Europe/Amsterdam; none: always open."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        out.error(where, "field 'hours' must map days (mon ... sun) to times such as "
                  "[\"09:00-17:00\"]")
        return ()
    result = []
    for day, ranges in value.items():
        if day not in DAYS:
            out.error(f"{where} field 'hours'", f"unknown day '{day}'{suggest(day, DAYS)}")
            continue
        for text in ranges if isinstance(ranges, list) else [ranges]:
            opening = parse_range(DAYS.index(day), str(text))
            if opening is None:
                out.error(f"{where} field 'hours' {day}", f"'{text}' must look like "
                          "\"09:00-17:00\", the start before the end")
            else:
                result.append(opening)
    return tuple(sorted(result, key=lambda o: (o.day, o.start)))


def _contacts(value: Any, langs: tuple[str, ...], out: Collector) -> dict[str, m.Contact]:
    result: dict[str, m.Contact] = {}
    for data in _list_of_mappings(out, "contacts", value):
        contact = _contact(data, langs, out)
        if not ID_RE.fullmatch(contact.id):
            out.error(f"contact '{contact.id}'", "field 'id' must be lower-case letters, digits, _")
        elif contact.id in result:
            out.error(f"contact '{contact.id}'", "is listed twice")
        result[contact.id] = contact
    return result


def _prompts(value: Any, langs: tuple[str, ...], out: Collector) -> dict[str, m.Texts]:
    data = _mapping(out, "prompts", value, "prompts")
    return {str(pid): texts(out, f"prompt '{pid}'", data, pid, langs) for pid in data}


def _options(out: Collector, where: str, value: Any) -> tuple[m.Option, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        out.error(where, "field 'options' must map keys to node ids, e.g. \"1\": what")
        return ()
    for key, line in duplicates(value):
        out.error(f"{where} option '{key}'", f"the same key is given twice (again on line {line})")
    options: list[m.Option] = []
    for raw_key, target in value.items():
        key = _key(out, f"{where} option '{raw_key}'", raw_key, "key")
        if any(o.key == key for o in options):
            out.error(f"{where} option '{key}'", "the same key is given twice")
        options.append(m.Option(key, str(target)))
    return tuple(sorted(options, key=lambda o: KEYS.index(o.key) if o.key in KEYS else 99))


def _node(nid: str, data: Any, langs: tuple[str, ...], out: Collector) -> m.Node | None:
    where = f"node '{nid}'"
    if not ID_RE.fullmatch(nid):
        out.error(where, "node ids must be lower-case letters, digits and _")
    if not isinstance(data, dict):
        out.error(where, "must be a mapping with 'kind', 'title', 'say' and 'options' or 'contact'")
        return None
    _no_duplicates(out, where, data, "field")
    kind = str(data.get("kind", m.MENU))
    allowed = structure.names(structure.node_fields(kind))
    if kind not in m.NODE_KINDS:
        out.error(where, f"field 'kind': '{kind}' is not a node kind{suggest(kind, m.NODE_KINDS)}")
    else:
        _unknown_fields(out, where, data, allowed)
    contact = data.get("contact")
    if kind == m.FORWARD and not contact:
        out.error(where, "a forward node needs a 'contact'")
    numbers = data.get("numbers", [])
    if kind == m.TEXT and (not isinstance(numbers, list) or not numbers or "sms" not in data):
        out.error(where, "a text node needs an 'sms' text and 'numbers': the contacts to "
                  "speak when the message cannot be sent")
        numbers = []
    back = data.get("back")
    if kind == m.PAGE and not back:
        out.error(where, "a page needs 'back': the menu it belongs to")
    return m.Node(nid, kind, texts(out, where, data, "title", langs),
                  texts(out, where, data, "say", langs), _options(out, where, data.get("options")),
                  str(contact) if contact else None,
                  texts(out, where, data, "sms", langs) if "sms" in data else m.EMPTY,
                  keywords(out, where, data, "keywords", langs) if "keywords" in data else m.EMPTY,
                  tuple(str(n) for n in numbers) if isinstance(numbers, list) else (),
                  str(back) if back else None)


def _nodes(value: Any, langs: tuple[str, ...], out: Collector) -> dict[str, m.Node]:
    data = _mapping(out, "nodes", value, "nodes")
    nodes = {str(nid): _node(str(nid), node, langs, out) for nid, node in data.items()}
    return {nid: node for nid, node in nodes.items() if node is not None}


def _global_keys(out: Collector, value: Any) -> tuple[m.GlobalKey, ...]:
    result: list[m.GlobalKey] = []
    for data in _list_of_mappings(out, "settings global_keys", value):
        action = str(data.get("action", ""))
        where = f"settings global key '{action}'"
        _unknown_fields(out, where, data, structure.names(structure.GLOBAL_KEY))
        if action not in m.GLOBAL_ACTIONS:
            out.error(where, f"unknown action{suggest(action, m.GLOBAL_ACTIONS)}; "
                      f"use one of {', '.join(m.GLOBAL_ACTIONS)}")
        key = _key(out, where, data.get("key"))
        if any(g.key == key for g in result):
            out.error(where, f"key '{key}' is already a global key")
        announce = str(data.get("announce", m.MAIN))
        if announce not in m.ANNOUNCE:
            out.error(where, f"field 'announce': '{announce}' must be one of "
                      f"{', '.join(m.ANNOUNCE)}")
        result.append(m.GlobalKey(key, action, announce))
    return tuple(result)


def _settings(value: Any, out: Collector) -> m.Settings | None:
    where = "settings"
    data = _mapping(out, where, value, "settings")
    if not data:
        return None
    fields = structure.names(structure.SETTINGS)
    _unknown_fields(out, where, data, fields)
    greeting = data.get("greeting_languages") or []
    if not isinstance(greeting, list):
        out.error(where, "field 'greeting_languages' must be a list of language codes")
        greeting = []
    # An incomplete greeting language (say English) is left out of the greeting too.
    greeting = [g for g in greeting if str(g) not in out.dropped]
    return m.Settings(
        default_language=_text(out, where, data, "default_language"),
        main_node=_text(out, where, data, "main_node"),
        fallback_node=_text(out, where, data, "fallback_node"),
        other_contacts_node=_text(out, where, data, "other_contacts_node"),
        retry_key=_key(out, where, data.get("retry_key"), "retry_key"),
        other_key=_key(out, where, data.get("other_key"), "other_key"),
        text_confirm_key=_key(out, where, data.get("text_confirm_key", "1"), "text_confirm_key"),
        connect_key=_key(out, where, data.get("connect_key", "1"), "connect_key"),
        greeting_languages=tuple(str(g) for g in greeting),
        global_keys=_global_keys(out, data.get("global_keys")),
        max_misses=_int(out, where, data, "max_misses", 3, 1, 9),
        input_timeout=_int(out, where, data, "input_timeout", 6, 1, 30),
        dial_timeout=_int(out, where, data, "dial_timeout", 30, 5, 120),
    )
