"""Keeping callers' numbers out of the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from typing import Any

# Seven or more digits, possibly with +, spaces, dots or dashes between them: any form a
# phone number takes in a log line (+31 6 1234 5678, 0612345678, 31612345678).
NUMBER_RE = re.compile(r"\+?\d(?:[\s.\-/]?\d){6,}")
# Whether a text holds one: the same digits without the optional + in front, which changes
# what is masked but not whether anything is. Beginning with a digit, it lets the regular
# expression engine skip to the first digit in C: searching a log line's fields, which
# nearly always hold none, cost a third of what NUMBER_RE's search did.
HAS_NUMBER = re.compile(r"\d(?:[\s.\-/]?\d){6}")


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_number(text: str) -> str:
    """Every phone-number-like run of digits with all but the last two digits hidden."""
    return NUMBER_RE.sub(_mask, text)


def mask_fields(fields: dict[str, Any], unmasked: Collection[str] = ()) -> dict[str, Any]:
    """The fields, every string among them masked but those named `unmasked`; in place.
    One search over all of them first, which nearly always finds nothing: a fifth of the
    cost of masking each. NUL, no separator of NUMBER_RE, keeps their digits apart."""
    values = [value for name, value in fields.items()
              if isinstance(value, str) and name not in unmasked]
    if HAS_NUMBER.search("\0".join(values)):
        for name, value in fields.items():
            if isinstance(value, str) and name not in unmasked:
                fields[name] = mask_number(value)
    return fields


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with numbers masked in its message, traceback and stack."""
    message = record.getMessage()
    if HAS_NUMBER.search(message):
        record.msg, record.args = mask_number(message), ()
    # A traceback is formatted later, by each handler; format it now, masked, so that an
    # exception message holding a number does not leak through it.
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_number(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_number(record.stack_info)
    return record


def install_number_masking() -> None:
    """Mask every log record when it is made, so that no handler, ours or a library's or a
    platform agent's, ever sees a caller's number. Installing twice does nothing."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_numbers", False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(factory(*args, **kwargs))

    masking_factory.masks_numbers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
