"""What the benchmarks send: one signed, Twilio-shaped POST for each webhook measured.
Shared by bench/run.py (wrk) and bench/instructions.py (valgrind)."""

from __future__ import annotations

import re
import sys

CALL = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "0" * 32, "From": "+31612345678",
        "To": "+31101234567", "CallStatus": "in-progress", "Direction": "inbound",
        "ApiVersion": "2010-04-01"}
ROUTES = {
    "incoming call": ("/voice", {}),
    "menu key": ("/voice/nl/main/input?miss=0", {"Digits": "2"}),
    # part=1: the key pressed after its offer was heard (voice._parts); without it the line
    # answers with the offer first and never dials.
    "forward": ("/voice/nl/contacts/input?miss=0&part=1", {"Digits": "1"}),
    "dial failure": ("/voice/nl/call_police/dialed", {"DialCallStatus": "busy",
                                                      "DialCallDuration": "0"}),
    "sms keyword": ("/sms", {"Body": "POLITIE", "MessageSid": "SM" + "0" * 32,
                             "NumMedia": "0"}),
}


def found(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """The first match, or an error naming what was not found in the tool's output."""
    match = re.search(pattern, text, flags)
    if match is None:
        sys.exit(f"not found in the output: {pattern!r}\n{text[-2000:]}")
    return match
