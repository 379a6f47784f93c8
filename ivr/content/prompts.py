"""The system prompts the code needs from menus.yaml, and the placeholders each may use.

Any text may also name a contact, `{police}`, to have that contact's number spoken.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromptSpec:
    allowed: frozenset[str] = frozenset()  # placeholders besides contact ids
    required: frozenset[str] = frozenset()  # placeholders the text must use
    needs_number: bool = False  # it must speak at least one contact's number
    needs_emergency: bool = False  # it must speak the emergency number
    # Needed only where a contact arranges an interpreter (contacts: interpreter), and never
    # said in the default language, which such a contact answers in.
    interpreter: bool = False
    # Its numbers are said once, not twice: said to a caller who has gone quiet, who may
    # have been walked in on, so that the line is soon quiet too.
    numbers_once: bool = False


def _spec(allowed: str = "", required: str = "", needs_number: bool = False,
          needs_emergency: bool = False, numbers_once: bool = False) -> PromptSpec:
    return PromptSpec(frozenset(allowed.split()), frozenset(required.split()),
                      needs_number=needs_number, needs_emergency=needs_emergency,
                      numbers_once=numbers_once)


PROMPTS: dict[str, PromptSpec] = {
    "greeting": _spec(needs_emergency=True),  # "in acute danger, hang up and call 112"
    "language_offer": _spec("key", "key"),
    "option": _spec("title key", "title key"),
    "no_input": _spec(),
    "invalid_key": _spec(),
    # After silence, too many wrong keys and an error: 112 and the police number, then the
    # anonymous line's, each said once, then the offer of one key to be put through, then
    # goodbye.
    "too_many_misses": _spec(needs_number=True, needs_emergency=True, numbers_once=True),
    "anonymous_number": _spec(needs_number=True, numbers_once=True),
    "error": _spec(),  # the apology; the numbers follow
    "goodbye": _spec(),
    # The fallback TwiML (app down): any key is put through, as a TwiML Bin cannot tell keys
    # apart.
    "fallback_connect": _spec("name"),
    "caller_id_shared": _spec("name", "name"),
    # Before the forward to a contact that arranges an interpreter, in every language but
    # the default: "They speak Dutch; for an interpreter, say: tolk {language}".
    "interpreter": PromptSpec(frozenset({"name", "language"}), frozenset({"language"}),
                              interpreter=True),
    "dial_failed": _spec("name number", "number"),
    "dial_retry": _spec(),
    "after_call": _spec("name number"),
    "repeat_number": _spec(),
    "key_then": _spec("first second", "first second"),  # "press 9, then 1"
    "key_star": _spec(),
    "key_hash": _spec(),
    "global_repeat": _spec(),
    "global_main_menu": _spec(),
    "global_language": _spec(),
    "global_contacts": _spec(),
    # Outside a contact's opening hours: "CoMensha is closed now. Open again: Monday, 09:00."
    "closed": _spec("name day time", "day time"),
    # Numbers by text: the option to confirm, the outcome, and each number if not sent.
    "text_confirm": _spec(),
    "text_sent": _spec(),
    "text_not_sent": _spec(),
    # Said once: with the keys after them, the caller is not kept listening.
    "text_number": _spec("name number", "number", numbers_once=True),
    **{f"day_{day}": _spec() for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    # The SMS line: written for reading, numbers as a phone makes them tappable.
    # The first line of every text the line sends: 112 and the tip to delete the
    # conversation, naming nothing of the subject (a locked phone shows it).
    "sms_header": _spec(needs_emergency=True),
    # After the header in every index, the first reply to any text: people to call (the
    # validator requires the fallback forward's contact, the police, among them).
    "sms_first": _spec(needs_number=True),
    "sms_index": _spec(),
    "sms_index_language": _spec("keyword", "keyword"),
    "sms_more": _spec("keyword", "keyword"),
    "sms_languages": _spec(),
    "sms_which": _spec(),
}

# How a key is spoken: digits as themselves, * and # by name, from these prompts.
KEY_NAME_PROMPTS = {"*": "key_star", "#": "key_hash"}
