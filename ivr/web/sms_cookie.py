"""The SMS conversation's state cookie, signed with itsdangerous directly.

Twilio keeps the cookie for the conversation and sends it back with the sender's next
message; the state in it is a few ids (language, topic, page). Flask's session machinery
is not used: it opened and re-signed a cookie at every request, where the line
needs one read per text and a write only when the state changed.

The cookie is what Flask's session cookie was (same name, salt, key derivation, digest and
payload format), so the cookies Twilio holds across a deploy still read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

from itsdangerous import BadData, TimestampSigner
from itsdangerous.encoding import base64_decode, base64_encode, want_bytes
from werkzeug.http import dump_cookie

SALT = "cookie-session"  # Flask's: cookies Flask's session wrote still read


class StateCookie:
    """Signs and reads the state; the last of `keys` signs, any of them reads (rotation)."""

    def __init__(self, keys: Sequence[str | bytes], max_age: int) -> None:
        self.max_age = max_age
        # Flask's key derivation (an HMAC of the salt with the secret), done here once per
        # key instead of by itsdangerous at every signature: the same signing key.
        self._signers = [TimestampSigner(_derived(key), salt=SALT, key_derivation="none",
                                         digest_method=hashlib.sha1) for key in keys]
        self._second, self._headers = -1, dict[tuple[str, bytes], str]()

    def dumps(self, state: dict[str, Any]) -> str:
        return self.sign(self.payload(state))

    @staticmethod
    def payload(state: dict[str, Any]) -> bytes:
        """Compact JSON with sorted keys, in URL-safe base64: the payload Flask wrote."""
        return base64_encode(json.dumps(state, separators=(",", ":"), sort_keys=True))

    def sign(self, payload: bytes) -> str:
        """The cookie's value: the payload, its time and its signature."""
        return self._signers[-1].sign(payload).decode("ascii")

    def header(self, name: str, payload: bytes) -> str:
        """The Set-Cookie header for a payload, as Response.set_cookie(name, value,
        max_age, httponly=True, samesite="Lax") writes it. Its time and its Expires date
        are both to the second, so each state's header is signed and written once a second,
        not once a text: under load, texts in the same state (a first text) came many a
        second, each with an HMAC and a date to format. A second's headers go with it."""
        now = int(time.time())
        if now != self._second:
            self._second, self._headers = now, {}
        headers = self._headers
        header = headers.get((name, payload))
        if header is None:
            header = headers[name, payload] = dump_cookie(
                name, self.sign(payload), max_age=self.max_age, httponly=True, samesite="Lax")
        return header

    def loads(self, value: str | None) -> Any:
        """What the cookie holds, or None when it is missing, forged, expired or not JSON:
        the caller checks every field of it all the same."""
        if not value:
            return None
        for signer in reversed(self._signers):
            try:
                payload = signer.unsign(value, max_age=self.max_age)
            except BadData:
                continue
            return _decode(payload)
        return None


def _derived(key: str | bytes) -> bytes:
    return hmac.new(want_bytes(key), SALT.encode(), hashlib.sha1).digest()


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(base64_decode(payload))
    except (ValueError, BadData, RecursionError):  # signed by us, so never expected
        return None
