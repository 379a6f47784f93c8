"""The system prompts the code needs from menus.yaml, and the placeholders each may use.

Any text may also name a contact, `{police}`, to have that contact's number spoken.
"""

# prompt id -> placeholders (besides contact ids) that the prompt may use
REQUIRED_PROMPTS: dict[str, frozenset[str]] = {
    "greeting": frozenset(),
    "language_offer": frozenset({"key"}),
    "option": frozenset({"title", "key"}),
    "no_input": frozenset(),
    "invalid_key": frozenset(),
    "too_many_misses": frozenset(),
    "error": frozenset(),
    "caller_id_shared": frozenset({"name"}),
    "dial_failed": frozenset({"name", "number"}),
    "dial_retry": frozenset(),
    "after_call": frozenset(),
    "goodbye": frozenset(),
    "repeat_number": frozenset(),
    "key_star": frozenset(),
    "key_hash": frozenset(),
    "global_repeat": frozenset(),
    "global_main_menu": frozenset(),
    "global_language": frozenset(),
}

# How a key is spoken: digits as themselves, * and # by name, from these prompts.
KEY_NAME_PROMPTS = {"*": "key_star", "#": "key_hash"}

# The prompt that titles each global key's action in the option list.
GLOBAL_TITLE_PROMPTS = {
    "repeat": "global_repeat",
    "main_menu": "global_main_menu",
    "language": "global_language",
}
