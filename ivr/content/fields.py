"""The kinds of value menus.yaml holds (a text in every language, a key, a whole number
in a range...), each with its JSON Schema, how it is read and what is said when it is
wrong. The model (model.py) gives each field one of these, once.

A value is read with a `Reading` as pydantic's validation context: the file's languages,
the ones left out, and whether problems are raised (the first pass, which reports them)
or passed over with a stand-in value (the second, which builds a model all the same, so
that the checks between sections report theirs in the same run). Without a context (a
dataclasses.replace of a loaded object) a value is checked but never compared with the
file's languages.

A problem is a pydantic error of type `menus`, its context holding the message and how
the field's name goes into it (see Form); loader.py turns its location into the place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError, ValidationInfo
from pydantic_core import (
    CoreSchema,
    InitErrorDetails,
    PydanticCustomError,
    PydanticUseDefault,
    core_schema,
)

from ivr.content.problems import suggest

LANG = "^[a-z]{2,3}$"  # a language code of the file, such as nl
ID = "^[a-z][a-z0-9_]*$"
ID_RE = re.compile(ID)
KEYS = "0123456789*#"
# The most characters one text may have: the longest shipped text has 429, and a text
# is said in one go (25 s at most, by the time model). Counted in characters as well as in
# words, so that a text without spaces cannot grow an answer past Twilio's 64 kB.
MAX_TEXT = 1_000
# An SMS topic may be longer, read in pages; on WhatsApp it goes whole, in one message,
# and Twilio sends at most 1,600 characters in one.
MAX_SMS_TEXT = 1_600
EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True)
class Reading:
    """The validation context of menus.yaml's fields."""

    langs: tuple[str, ...]  # the file's languages, those left out excepted
    dropped: frozenset[str] = frozenset()  # languages left out because they are incomplete
    lenient: bool = False  # pass problems over with a stand-in (they were reported)


class Form(StrEnum):
    """How a message names its field: node 'x': field 'key': '#' is not a key (COLON);
    node 'x': field 'say' must give... (PLAIN); node 'x' field 'say': missing... (IN);
    node 'x' field 'say' (nl): 1,200 characters... (TEXT: a prompt is its own field);
    node 'x': a page needs 'back' (NONE); 'settings global_keys' must be... (SECTION)."""

    COLON = "colon"
    PLAIN = "plain"
    IN = "in"
    TEXT = "text"
    NONE = "none"
    SECTION = "section"


@dataclass(frozen=True)
class Issue:
    message: str
    form: Form = Form.COLON
    lang: str | None = None  # the problem is that language's own
    at: str = ""  # a place inside the field: " (nl)", " mon", " option '1'"
    loc: tuple[str | int, ...] = ()  # below the field being read (list checks)


@dataclass(frozen=True)
class Shape:
    """What is said when a field is left out (`wrong`: when it is not even of the right
    type, if that is said otherwise), and what stands in for it in the second pass."""

    message: str
    form: Form = Form.PLAIN
    empty: Any = None
    wrong: str | None = None


@dataclass(frozen=True)
class Read:
    """A field's kind, as Annotated metadata: how a value is read (`read`), its JSON
    Schema, and what is said when it is left out."""

    read: Callable[[Any, ValidationInfo], Any]
    schema: dict[str, Any]
    shape: Shape | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        return core_schema.with_info_plain_validator_function(self.read)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> dict[str, Any]:
        return dict(self.schema)


def reading(info: ValidationInfo) -> Reading | None:
    context = info.context
    return context if isinstance(context, Reading) else None


def lenient(info: ValidationInfo) -> bool:
    found = reading(info)
    return found is not None and found.lenient


def check(info: ValidationInfo, value: Any, problems: list[Issue], fallback: Any = None,
          also: ValidationError | None = None) -> Any:
    """value when there are no problems; else the problems raised (with the errors of
    `also`), or in the second pass the fallback (PydanticUseDefault: the field's default)."""
    if not problems and also is None:
        return value
    if problems and also is None and lenient(info):
        if fallback is PydanticUseDefault:
            raise PydanticUseDefault()
        return value if fallback is None else fallback
    details = [InitErrorDetails(type=PydanticCustomError("menus", "{message}", {
        "message": p.message, "form": p.form.value, "lang": p.lang, "at": p.at}),
        loc=p.loc, input=value) for p in ([] if lenient(info) else problems)]
    for error in also.errors() if also else []:  # pydantic's own, as they were
        detail = InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
        if error["type"] == "menus":
            detail["type"] = PydanticCustomError("menus", "{message}", error.get("ctx"))
        elif "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    raise ValidationError.from_exception_data("menus.yaml", details)


def field(read: Callable[[Any, ValidationInfo], Any], schema: dict[str, Any],
          shape: Shape | None = None) -> Read:
    return Read(read, schema, shape)


# -- texts ------------------------------------------------------------------------------


def not_text(char: str) -> str | None:
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


def unsayable(text: str, most: int = MAX_TEXT) -> str | None:
    """Why a text cannot be said and sent (too long, a character that is no text: an
    import can bring any), or None."""
    if len(text) > most:
        return (f"{len(text):,} characters; at most {most:,} in one text: shorten it, or split "
                "it into a page and a 'more' option")
    bad = next((c for c in text if not_text(c)), None)
    if bad is not None:
        return f"contains U+{ord(bad):04X}, {not_text(bad)} that cannot be said or sent: remove it"
    return None


def fold(text: str) -> str:
    """A text as the line uses it: spaces folded, line breaks kept (an SMS text may list
    numbers line by line). Translations compare and hash texts in this form too."""
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line)


def _text(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        return check(info, value, [Issue("is missing or empty", Form.PLAIN)], "")
    why = unsayable(value)
    return check(info, value.strip(), [Issue(why, Form.TEXT)] if why else [], "")


def _optional_text(value: Any, info: ValidationInfo) -> str | None:
    """A field that may be left out, but not left empty."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        return check(info, None, [Issue("is empty; give it a text or leave it out",
                                          Form.PLAIN)])
    why = unsayable(value)
    return check(info, value.strip(), [Issue(why, Form.TEXT)] if why else [], None)


def _known(value: Mapping, info: ValidationInfo) -> list[Issue]:
    """A language of a field that the file has not."""
    found = reading(info)
    if found is None:
        return []
    return [Issue(f"unknown language '{lang}'{suggest(lang, found.langs)}", Form.IN)
            for lang in value if lang not in found.langs and lang not in found.dropped]


def _texts(most: int) -> Callable[[Any, ValidationInfo], Mapping[str, str]]:
    def read(value: Any, info: ValidationInfo) -> Mapping[str, str]:
        """A text in every language, e.g. {nl: ..., en: ...}."""
        found = reading(info)
        langs = found.langs if found else tuple(value) if isinstance(value, Mapping) else ()
        if not isinstance(value, Mapping):
            return check(info, value, [Issue(
                f"must give a text for each language ({', '.join(langs)})", Form.PLAIN)], EMPTY)
        problems, result = _known(value, info), {}
        for lang in langs:
            text = value.get(lang)
            why = unsayable(text, most) if isinstance(text, str) and text.strip() else None
            if not isinstance(text, str) or not text.strip():
                problems.append(Issue(f"missing translation for '{lang}'", Form.IN, lang))
            elif why:
                problems.append(Issue(why, Form.TEXT, lang, f" ({lang})"))
            else:
                result[lang] = fold(text)
        return check(info, MappingProxyType(result), problems)
    return read


def _words(value: Any, info: ValidationInfo, langs: tuple[str, ...]) -> Mapping[str, tuple]:
    problems, result = _known(value, info), {}
    for lang in langs:
        words = value.get(lang)
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list | tuple) or not words or not all(
                isinstance(w, str | int) and str(w).strip() for w in words):
            problems.append(Issue(f"missing keywords for '{lang}'", Form.IN, lang))
            continue
        why = next((w for w in map(unsayable, map(str, words)) if w), None)
        if why:
            problems.append(Issue(why, Form.TEXT, lang, f" ({lang})"))
        else:
            result[lang] = tuple(str(w).strip() for w in words)
    return check(info, MappingProxyType(result), problems)


def _keywords(value: Any, info: ValidationInfo) -> Mapping[str, tuple[str, ...]]:
    """SMS keywords in every language, e.g. {nl: [HULP], en: [HELP]}."""
    if not isinstance(value, Mapping):
        return check(info, value, [Issue("must give a list of words for each language",
                                           Form.PLAIN)], EMPTY)
    found = reading(info)
    return _words(value, info, found.langs if found else tuple(value))


def _some_words(value: Any, info: ValidationInfo) -> Mapping[str, tuple[str, ...]]:
    """Words for some of the languages."""
    if not isinstance(value, Mapping):
        return _keywords(value, info)
    found = reading(info)
    return _words(value, info, tuple(lang for lang in (found.langs if found else value)
                                     if lang in value))


# -- keys, numbers, choices ---------------------------------------------------------------


def _key(value: Any, info: ValidationInfo) -> str:
    key = str(value) if value is not None else ""
    bad = len(key) != 1 or key not in KEYS
    return check(info, key, [Issue(f"'{key}' is not a key; use one of 0-9, * or #")] if bad
                 else [], key)


LANGUAGE_KEY_RE = re.compile(r"[0-8]|9[0-9]")


def _language_key(value: Any, info: ValidationInfo) -> str:
    key = str(value) if value is not None else ""
    bad = not LANGUAGE_KEY_RE.fullmatch(key)
    return check(info, key, [Issue(f"'{key}' must be one digit 0-8, or 9 and a digit for "
                                     "the second page, such as \"91\"")] if bad else [], key)


def whole(lo: int, hi: int) -> Read:
    def read(value: Any, info: ValidationInfo) -> int:
        bad = not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi
        return check(info, value, [Issue(f"'{value}' must be a whole number from {lo} to "
                                           f"{hi}")] if bad else [], PydanticUseDefault)
    return field(read, {"type": "integer", "minimum": lo, "maximum": hi})


def flag(unsure: bool | None = None) -> Read:
    """true or false; `unsure`: what a quoted value stands for in the second pass."""
    def read(value: Any, info: ValidationInfo) -> bool:
        if isinstance(value, bool):
            return value
        return check(info, value, [Issue(f"'{value}' must be true or false, without quotes")],
                     bool(value) if unsure is None else unsure)
    return field(read, {"type": "boolean"})


def choice(names: tuple[str, ...], says: Callable[[str], str], form: Form = Form.COLON,
           default: str | None = None) -> Read:
    """One of `names`; `says`: the message for another value."""
    def read(value: Any, info: ValidationInfo) -> str:
        name = str(value if value is not None else default)
        return check(info, name, [Issue(says(name), form)] if name not in names else [], name)
    return field(read, {"enum": list(names)})


def pattern(regex: str, says: Callable[[str], str], form: Form = Form.COLON,
            schema: dict[str, Any] | None = None, shape: Shape | None = None) -> Read:
    """A string (a number in YAML is read as its digits) that matches `regex`."""
    compiled = re.compile(regex)

    def read(value: Any, info: ValidationInfo) -> str:
        text = str(value if value is not None else "")
        bad = not compiled.fullmatch(text)
        return check(info, text, [Issue(says(text), form)] if bad else [], text)
    return field(read, schema or {"type": "string", "pattern": f"^{regex}$"}, shape)


def _scalar(value: Any, info: ValidationInfo) -> str:
    return str(value if value is not None else "").strip()


def _optional_id(value: Any, info: ValidationInfo) -> str | None:
    return str(value) if value else None


def _voice(value: Any, info: ValidationInfo) -> str | None:
    return str(value).strip() if value else None


def _say_language(value: Any, info: ValidationInfo) -> str:
    text = _text(value, info)
    bad = text and not re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", text)
    return check(info, text, [Issue(f"'{text}' must look like 'nl-NL'")] if bad else [], text)


def strings(says: str, required: bool = False, known: bool = False,
            items: dict[str, Any] | None = None, form: Form = Form.PLAIN,
            listed: bool = False) -> Read:
    """A list of names (node ids, language codes); `known`: each a language of the file,
    the file's others left out; `required`: at least one; `listed`: at least one when
    given (the node says when it needs them)."""
    def read(value: Any, info: ValidationInfo) -> tuple[str, ...]:
        if value is None and not required:
            return ()
        if not isinstance(value, list | tuple) or (required and not value):
            return check(info, value, [Issue(says, form)], ())
        names = tuple(str(v) for v in value)
        found = reading(info)
        if not known or found is None:
            return tuple(n for n in names if not found or n not in found.dropped)
        problems = _known(dict.fromkeys(names), info)
        return check(info, tuple(n for n in names if n in found.langs), problems)
    schema: dict[str, Any] = {"type": "array", "items": items or {"type": "string"}}
    return field(read, schema | ({"minItems": 1} if required or listed else {}))


def _countries(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    if value is None:
        return ()
    bad = not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and re.fullmatch("[A-Z]{2}", v) for v in value)
    return check(info, () if bad else tuple(value), [Issue(
        "must be a list of two-letter country codes, such as [PL]", Form.PLAIN)] if bad
        else [])


# -- the kinds, as fields use them ------------------------------------------------------

KEY_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string", "pattern": r"^[0-9*#]$"},
              {"type": "integer", "minimum": 0, "maximum": 9}]}
TEXTS_SCHEMA: dict[str, Any] = {
    "type": "object", "patternProperties": {LANG: {"type": "string"}},
    "additionalProperties": False}
WORDS_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "patternProperties": {LANG: {"anyOf": [
        {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1},
        {"type": "string"}]}}}
NODE_ID: dict[str, Any] = {"type": "string", "pattern": ID}
SCALAR: dict[str, Any] = {"type": ["string", "integer"]}

Text = Annotated[str, field(_text, {"type": "string"}, Shape("is missing or empty", empty=""))]
OptionalText = Annotated[str | None, field(_optional_text, {"type": "string", "minLength": 1})]
Texts = Annotated[Mapping[str, str], field(_texts(MAX_TEXT), TEXTS_SCHEMA, Shape(
    "must give a text for each language ({langs})", empty={}))]
SmsTexts = Annotated[Mapping[str, str], field(_texts(MAX_SMS_TEXT), TEXTS_SCHEMA)]
Keywords = Annotated[Mapping[str, tuple[str, ...]], field(_keywords, WORDS_SCHEMA, Shape(
    "must give a list of words for each language", empty={}))]
SomeWords = Annotated[Mapping[str, tuple[str, ...]], field(_some_words, WORDS_SCHEMA)]
Key = Annotated[str, field(_key, KEY_SCHEMA, Shape(
    "'' is not a key; use one of 0-9, * or #", Form.COLON, ""))]
LanguageKey = Annotated[str, field(_language_key, {"anyOf": [
    {"type": "string", "pattern": "^([0-8]|9[0-9])$"},
    {"type": "integer", "minimum": 0, "maximum": 8},
    {"type": "integer", "minimum": 90, "maximum": 99}]}, Shape(
    "'' must be one digit 0-8, or 9 and a digit for the second page, such as \"91\"",
    Form.COLON, ""))]
NodeId = Annotated[str, field(_text, NODE_ID, Shape("is missing or empty", empty=""))]
OptionalNodeId = Annotated[str | None, field(_optional_id, NODE_ID)]
Scalar = Annotated[str, field(_scalar, SCALAR, Shape("is missing or empty", empty=""))]
Voice = Annotated[str | None, field(_voice, {"type": ["string", "null"]})]
SayLanguage = Annotated[str, field(_say_language, {
    "type": "string", "pattern": "^[a-z]{2,3}(-[A-Z]{2})?$"}, Shape("is missing or empty",
                                                                 empty=""))]
Countries = Annotated[tuple[str, ...], field(_countries, {
    "type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}})]


def entries(what: str) -> Shape:
    """A list of entries left out or not a list."""
    return Shape(f"'{what}' must be a list of entries, each starting with '- id:'",
                 Form.SECTION, [])


def names(kind: Any) -> dict[str, Any]:
    """The fields of a model class, by name (pydantic's FieldInfo)."""
    return getattr(kind, "__pydantic_fields__", {})


def distinct(items: Iterable[Any], name: Callable[[Any], str]) -> list[tuple[int, str]]:
    """(index, name) of each item whose name an earlier one has."""
    seen: set[str] = set()
    twice = []
    for index, item in enumerate(items):
        if name(item) in seen:
            twice.append((index, name(item)))
        seen.add(name(item))
    return twice
