"""How hard a secret (SECRET_KEY, SIMULATOR_PASSWORD, METRICS_TOKEN) is to guess: a
simple estimate in bits, so that the Procfile command refuses `aaaaaaaaaaaaaaaa`,
`passwordpassword` or `0123456789abcdef...` as it refuses a short one.

The secret is read from left to right, one symbol at a time. A symbol is one character, or
a whole piece that a guesser would try early: a character repeated (`aaaa`), a sequence
(`abcd`, `9876`, a keyboard row such as `qwerty`), a common password or word of this line
(`password`, `metrics`), or a piece of three characters or more already seen earlier
(`passwordpassword`, `abcabcabc`). Each symbol is worth log2 of the alphabet the secret
draws from (lower case 26, upper case 26, digits 10, other characters 33): a random
hexadecimal string of 32 characters is about 165 bits, `secrets.token_urlsafe(32)` about
260, `aaaaaaaaaaaaaaaa` 4.7. An estimate that errs on the generous side for words of a
natural language, which zxcvbn knows and this does not; what it is for is the secrets
people type when they are in a hurry.
"""

from __future__ import annotations

import math

MIN_PIECE = 3  # a run, sequence or repeat shorter than this is counted character by character
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop",
                 "qwertzuiop")
# The passwords that lists of leaked ones begin with, and this line's own words.
COMMON = ("password", "passw0rd", "letmein", "welcome", "admin", "secret", "changeme",
          "iloveyou", "monkey", "dragon", "master", "login", "trustno1", "football",
          "sunshine", "shadow", "superman", "princess", "default", "example", "test",
          "token", "metrics", "simulator", "twilio", "line")
OTHER = 33  # printable ASCII that is neither a letter nor a digit
READ = 256  # characters estimated; a longer secret is judged by its beginning
HOW_TO_MAKE = "python -c \"import secrets; print(secrets.token_urlsafe(32))\""


def bits(secret: str) -> float:
    """The estimated number of bits a guesser must get through (see the module's text)."""
    text = secret[:READ]
    return symbols(text) * math.log2(_alphabet(text)) if text else 0.0


def symbols(text: str) -> int:
    low = text.lower()
    count, at = 0, 0
    while at < len(text):
        piece = max(_run(low, at), _sequence(low, at), _common(low, at), _seen(low, at))
        at += piece if piece >= MIN_PIECE else 1
        count += 1
    return count


def _alphabet(text: str) -> int:
    """How many characters a guesser tries at each place: the classes the secret uses."""
    return (26 * any(c.islower() for c in text) + 26 * any(c.isupper() for c in text)
            + 10 * any(c.isdigit() for c in text)
            + OTHER * any(not c.isalnum() for c in text)) or 1


def _run(text: str, at: int) -> int:
    end = at
    while end < len(text) and text[end] == text[at]:
        end += 1
    return end - at


def _sequence(text: str, at: int) -> int:
    """The longest piece from `at` whose characters follow each other: in the character
    table (abc, 321) or along a keyboard row (qwe, lkj), either way."""
    best = 1
    for step in (1, -1):
        end = at + 1
        while end < len(text) and ord(text[end]) - ord(text[end - 1]) == step:
            end += 1
        best = max(best, end - at)
    for row in KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            length = 0
            while at + length < len(text) and text[at:at + length + 1] in line:
                length += 1
            best = max(best, length)
    return best


def _common(text: str, at: int) -> int:
    return max((len(word) for word in COMMON if text.startswith(word, at)), default=0)


def _seen(text: str, at: int) -> int:
    """The longest piece from `at` that began earlier too (it may overlap `at`: abcabcabc)."""
    length = MIN_PIECE
    while at + length <= len(text) and text.find(text[at:at + length], 0, at + length - 1) >= 0:
        length += 1
    return length - 1 if length > MIN_PIECE else 0


def weakness(name: str, secret: str, needed: float) -> str | None:
    """Why the setting `name` is too easy to guess, in one line with how to make a good one;
    None: strong enough."""
    found = bits(secret)
    if found >= needed:
        return None
    return (f"{name} is too easy to guess: about {found:.0f} bits, {needed:.0f} needed "
            "(repeated characters, sequences such as abc or 123, common words and pieces "
            f"seen before count once). Make a random one: {HOW_TO_MAKE}")
