"""How many SMS segments a text costs, with the encoding a phone network really uses.

GSM-7 fits 160 characters in one message and 153 in each part of a longer one; the
characters of its extension table count twice and are never split across parts. One
character outside GSM-7 makes the whole message UCS-2: 70 UTF-16 units, or 67 per part.
(Twilio's Messaging docs, https://www.twilio.com/docs/messaging; Twilio's own
calculator is the npm package sms-segments-calculator.)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True)
class Count:
    encoding: str
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    def __str__(self) -> str:
        return f"{self.encoding}, {self.units} units, {self.segments} segment(s)"


def encoding(text: str) -> str:
    ok = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)
    return GSM7 if ok else UCS2


def _units(text: str, enc: str) -> list[int]:
    """The cost of each character: 1 or 2 (GSM-7 escapes, UTF-16 surrogate pairs)."""
    if enc == GSM7:
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Count:
    enc = encoding(text)
    units = _units(text, enc)
    total = sum(units)
    single, part = (160, 153) if enc == GSM7 else (70, 67)
    if total <= single:
        return Count(enc, total, 1 if total else 0)
    segments, used = 1, 0
    for cost in units:  # a two-unit character never straddles two parts
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return Count(enc, total, segments)


# Letters whose stroke or shape survives Unicode decomposition, and the punctuation that
# phones type straight: how texts in Polish, Romanian or Hungarian are often written.
PLAIN = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "\u2018": "'",
                       "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"',
                       "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...",
                       "\u00a0": " "})


def plain_letters(text: str) -> str:
    """The text in GSM-7 where a letter only differs by its accent: 'Poliția' becomes
    'Politia', 'ą' 'a'; letters GSM-7 has (é, ö, ü) stay. A language chooses this in
    menus.yaml (sms_plain): 153 characters a segment instead of 67."""
    result = []
    for char in text.translate(PLAIN):
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            result.append(char)
            continue
        bare = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        result.append(bare if bare and encoding(bare) == GSM7 else char)
    return "".join(result)
