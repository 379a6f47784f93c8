"""How hard a secret (SECRET_KEY, SIMULATOR_PASSWORD, METRICS_TOKEN) is to guess, in bits:
log2 of the guesses zxcvbn (Dropbox's estimator) says a guesser needs, who tries repeats,
sequences, keyboard patterns, dates, leaked passwords, words and these settings' own names
first. So the Procfile command refuses `aaaaaaaaaaaaaaaa` (8 bits), `passwordpassword` (3)
or `0123456789abcdef0123456789abcdef` (15) as it refuses a short secret.

What zxcvbn cannot explain it rates at 10 guesses a character (3.3 bits) whatever the
alphabet, so random strings rate far below their real entropy, and the thresholds in
gunicorn.conf.py (80 bits for SECRET_KEY, 36 for the passwords) are on zxcvbn's scale.
Measured (lowest to highest, how many; READ characters; the first 2,000 of each without
OWN_WORDS as user_inputs, the rest with):
    secrets.token_urlsafe(32), 43 characters, what the refusals advise   136 to 143   4,000
    secrets.token_hex(32), 64 characters, Flask's advice                 196 to 213   4,000
    secrets.token_hex(16), 32 characters, the shortest SECRET_KEY         91 to 106   5,000
    32 random url-safe characters                                        100 to 106   2,000
    secrets.token_urlsafe(16), 22 characters                              67 to 73    4,000
    16 random url-safe characters, the shortest passwords                 45 to 53    6,000
    secrets.token_hex(8), 16 characters                                   40 to 53   10,000
None is refused where its length is allowed; at 120 and 64 bits (the figures of real
entropy) every random SECRET_KEY of 32 characters and password of 16 would be.
"""

from __future__ import annotations

import math

from zxcvbn import zxcvbn

# zxcvbn refuses (ValueError) a password longer than its max_length, 72 by default, and
# takes time that grows with the square of the length (0.03 s for 25 characters, 0.3 s for
# 72, 2 s for 200 on a small machine), at each start. Its first 72 characters are worth up
# to 239 bits, far over any threshold: a longer secret is judged by its beginning.
READ = 72
# Words a guesser of this line's secrets tries early (zxcvbn's user_inputs).
OWN_WORDS = ("secret", "key", "simulator", "password", "metrics", "token", "twilio")
HOW_TO_MAKE = "python -c \"import secrets; print(secrets.token_urlsafe(32))\""


def bits(secret: str) -> float:
    """log2 of the guesses zxcvbn estimates for the secret's first READ characters."""
    guesses_log10: float = zxcvbn(secret[:READ], user_inputs=list(OWN_WORDS))["guesses_log10"]
    return guesses_log10 * math.log2(10)


def weakness(name: str, secret: str, needed: float) -> str | None:
    """Why the setting `name` is too easy to guess, in one line with how to make a good one;
    None: strong enough."""
    found = bits(secret)
    if found >= needed:
        return None
    return (f"{name} is too easy to guess: about {found:.0f} bits, {needed:.0f} needed "
            "(zxcvbn's estimate: repeats, sequences such as abc or 123, keyboard rows, "
            f"dates and common words count for little). Make a random one: {HOW_TO_MAKE}")
