"""The SMS conversation's state cookie: Flask's signed session, made cheaper.

Twilio keeps the cookie for the conversation and sends it back with the sender's next
message; the state in it is a few ids (language, topic, page). Signed as Flask signs it
(itsdangerous, HMAC-SHA1 with SECRET_KEY), so cookies made before and after these changes
read the same; only work that never changes the result is skipped (issue 8).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.url_safe import URLSafeSerializerMixin

SMS = "/sms"


class PlainJson:
    """The session's JSON without Flask's tags for tuples, bytes and dates, which the SMS
    state (strings, numbers, booleans) never holds: the same text, four times faster."""

    @staticmethod
    def dumps(value: Any) -> str:
        # As Flask writes it: compact, sorted keys, ASCII; so the cookies stay the same.
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return json.loads(text)


class KeyOnceSigner(TimestampSigner):
    """itsdangerous' signer, deriving its key from the secret once instead of at every
    signature (an HMAC of the salt: the same bytes each time)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        if secret not in self._derived:
            self._derived[secret] = super().derive_key(secret)
        return self._derived[secret]


class StateSerializer(URLSafeTimedSerializer):
    """The serializer Flask makes for its session, with two shortcuts:

    - one signer, made once, instead of a new one for every cookie;
    - no zlib: itsdangerous compresses every payload and keeps the result only when it is
      shorter, which some sixty bytes of state never are (5 us thrown away each time).
      Compressed cookies, should there be any, still load.
    """

    signer = KeyOnceSigner

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[Any, TimestampSigner] = {}

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt not in self._signers:
            self._signers[salt] = super().make_signer(salt)  # type: ignore[assignment]
        return self._signers[salt]

    def dump_payload(self, obj: Any) -> bytes:
        # URLSafeSerializerMixin.dump_payload without its try at compressing: the JSON
        # from the serializer below it (TimedSerializer's), in base64.
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, for the SMS line only, with its serializer made once
    for the keys instead of at every request."""

    serializer = PlainJson()  # type: ignore[assignment]

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Only the SMS line keeps state in a cookie; a voice request gets Flask's empty
        # read-only session at once (reading the cookie took 7 us of every request).
        if request.path != SMS and not request.path.startswith(SMS + "/"):
            return None
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        # As Flask's own: the fallbacks first, the current key last (itsdangerous signs
        # with the last and accepts any).
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        if keys not in self._serializers:
            self._serializers[keys] = StateSerializer(
                list(keys), salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation,
                               "digest_method": self.digest_method})
        return self._serializers[keys]
