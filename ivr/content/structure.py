"""The shape of menus.yaml, written once: every section and object with its fields, each
field's JSON Schema and whether it is required. The loader refuses any field not named
here (with a did-you-mean), and menus.schema.json is made from it (ivr.content.schema),
so the editor's completion, check-jsonschema and the loader know the same fields.

What a value must be beyond its JSON type (a valid phone number, a target that exists, a
key not taken twice) is checked by the loader and the validator, with the node and field
in the message; the schema gives an editor the types, the choices and the descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.content import model as m
from ivr.content.hours import DAYS

LANG = "^[a-z]{2,3}$"  # a language code of the file, such as nl
ID = "^[a-z][a-z0-9_]*$"
KEY: dict[str, Any] = {"description": "one key of the phone: 0-9, * or # (quote * and #)",
                       "anyOf": [{"type": "string", "pattern": r"^[0-9*#]$"},
                                 {"type": "integer", "minimum": 0, "maximum": 9}]}
TEXTS: dict[str, Any] = {
    "description": "a text in every language of the file, such as {nl: ..., en: ...}",
    "type": "object", "patternProperties": {LANG: {"type": "string"}},
    "additionalProperties": False}
WORDS: dict[str, Any] = {
    "description": "words in every language of the file, such as {nl: [HULP], en: [HELP]}",
    "type": "object", "additionalProperties": False,
    "patternProperties": {LANG: {"anyOf": [
        {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1},
        {"type": "string"}]}}}
NODE_ID: dict[str, Any] = {"type": "string", "pattern": ID}
BOOL: dict[str, Any] = {"type": "boolean"}


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in fields)


SETTINGS = (
    Field("default_language", {"type": "string", "pattern": LANG},
          "the language the line cannot do without", True),
    Field("main_node", NODE_ID, "the main menu", True),
    Field("fallback_node", NODE_ID, "the forward offered after the misses run out or an "
          "error: never dialled unasked", True),
    Field("other_contacts_node", NODE_ID, "the menu of every contact (a person)", True),
    Field("retry_key", KEY, "after a failed forward: try again", True),
    Field("other_key", KEY, "after a failed forward: another contact", True),
    Field("text_confirm_key", KEY, "confirms sending the numbers by text (default 1)"),
    Field("connect_key", KEY, "puts the caller through to the fallback (default 1)"),
    Field("greeting_languages", {"type": "array", "items": {"type": "string", "pattern": LANG}},
          "the languages of the greeting; the caller's country's takes the last place"),
    Field("global_keys", {"type": "array", "items": {"$ref": "#/$defs/global_key"}},
          "keys that work in every menu", True),
    Field("max_misses", {"type": "integer", "minimum": 1, "maximum": 9},
          "silences or wrong keys in a row before the numbers are said (default 3)"),
    Field("input_timeout", {"type": "integer", "minimum": 1, "maximum": 30},
          "seconds Twilio waits for a key (default 6)"),
    Field("dial_timeout", {"type": "integer", "minimum": 5, "maximum": 120},
          "seconds a forward rings (default 30)"),
)
GLOBAL_KEY = (
    Field("key", KEY, "the key", True),
    Field("action", {"enum": list(m.GLOBAL_ACTIONS)}, "what it does", True),
    Field("announce", {"enum": list(m.ANNOUNCE)},
          "where it is said: first (once), every (each menu) or main (the main menu)"),
)
LANGUAGE = (
    Field("code", {"type": "string", "pattern": LANG}, "the code the texts use", True),
    Field("name", {"type": "string"}, "the language's name in itself", True),
    Field("default_name", {"type": "string", "minLength": 1},
          "its name in the default language, as a caller says it to ask a contact for an "
          "interpreter (Roemeens: tolk Roemeens); needed when a contact has 'interpreter'"),
    Field("say_language", {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Z]{2})?$"},
          "Twilio's language of <Say>, such as nl-NL", True),
    Field("voice", {"type": ["string", "null"]},
          "Twilio's voice (such as Polly.Lotte); none: every prompt is a recording"),
    Field("key", {"anyOf": [{"type": "string", "pattern": "^([0-8]|9[0-9])$"},
                            {"type": "integer", "minimum": 0, "maximum": 8},
                            {"type": "integer", "minimum": 90, "maximum": 99}]},
          "0-8 on the language menu, or 9 and a digit on its second page", True),
    Field("countries", {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
          "callers from these countries hear this language offered first"),
    Field("reviewed", BOOL, "true once a native speaker checked every text"),
    Field("sms_plain", BOOL, "texts in plain letters (é -> e): 153 characters a segment"),
)
CONTACT = (
    Field("id", NODE_ID, "the contact's id, as texts name it: {police}", True),
    Field("number", {"type": ["string", "integer"]},
          "E.164 (+31...), or the emergency number", True),
    Field("spoken", {"type": ["string", "integer"]},
          "the number's digits in the groups they are said in", True),
    Field("display", {"type": ["string", "integer"]}, "the number as texts show it", True),
    Field("name", TEXTS, "the contact's name", True),
    Field("caller_id", {"enum": list(m.CALLER_ID_POLICIES)},
          "whose number the contact sees: the line's or the caller's (default line)"),
    Field("anonymous", BOOL, "an anonymous line: never the caller's number"),
    Field("emergency", BOOL, "the emergency number: said, never dialled"),
    Field("hours", {"type": "object", "additionalProperties": False, "properties": {
        day: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        for day in DAYS}}, "opening hours in Europe/Amsterdam, such as mon: [\"09:00-17:00\"]; "
          "none: always open"),
    Field("repeat", BOOL, "say the number twice (default true)"),
    Field("interpreter", {"type": "string", "minLength": 1},
          "it answers in the default language and arranges an interpreter: the word a "
          "caller says to get one, before their language's default_name (tolk)"),
)
SMS_KEYWORDS = ("more", "language")
SMS = (
    Field("topics", {"type": "array", "items": NODE_ID, "minItems": 1},
          "the nodes the index lists, in order", True),
    Field("keywords", {"type": "object", "additionalProperties": False, "properties": {
        name: WORDS for name in SMS_KEYWORDS}, "required": list(SMS_KEYWORDS)},
          "the words for the next page (more) and for the list of languages (language)",
          True),
    Field("max_segments", {"type": "integer", "minimum": 1, "maximum": 3},
          "segments a reply may take (default 3)"),
    Field("lock_screen_words", WORDS,
          "words a locked phone must not show in a text's first 60 characters", True),
    Field("language_letters", WORDS, "letters that show a text is in this language rather "
          "than another of its alphabet (uk: [ї, є, ґ])"),
    Field("language_words", WORDS, "common words that show a text is in this language; "
          "a word of two languages shows neither"),
    Field("alphabet_fallback", {"type": "array", "items": {"type": "string", "pattern": LANG}},
          "the language a text in its alphabet gets when neither letters nor words show "
          "which of that alphabet's languages it is, such as [ru]"),
)
NODE = (
    Field("kind", {"enum": list(m.NODE_KINDS)}, "menu (default), page, forward or text"),
    Field("title", TEXTS, "what the option leading here says", True),
    Field("say", TEXTS, "what the line says here", True),
    Field("sms", TEXTS, "the text of this topic by SMS"),
    Field("keywords", WORDS, "the SMS words that ask for this topic"),
)
# Fields a node has besides NODE's, by its kind.
NODE_OWN = {
    m.MENU: (Field("options", {"type": "object", "additionalProperties": NODE_ID,
                               "propertyNames": {"pattern": r"^[0-9*#]$"}},
                   "keys to node ids, such as \"1\": victim"),),
    m.PAGE: (Field("options", {"type": "object", "additionalProperties": NODE_ID,
                               "propertyNames": {"pattern": r"^[0-9*#]$"}},
                   "keys to node ids"),
             Field("back", NODE_ID, "the menu or page this page belongs to", True)),
    m.FORWARD: (Field("contact", NODE_ID, "the contact this forward dials", True),),
    m.TEXT: (Field("numbers", {"type": "array", "items": NODE_ID, "minItems": 1},
                   "the contacts texted, and said when no text can be sent", True),),
}
SECTIONS = ("settings", "languages", "contacts", "prompts", "nodes", "sms")


def node_fields(kind: str) -> tuple[Field, ...]:
    return NODE + NODE_OWN.get(kind, ())
