"""Sending a caller the numbers by SMS, safely: only after they confirm, only to a mobile
number in an allowed country, at most a few a day per number and a few an hour in all,
counted on a keyed hash of the number; a failure is never the caller's problem."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from limits import RateLimitItem
from limits.strategies import RateLimiter
from twilio.rest import Client

from ivr.twiml.events import CAPPED, FAILED, REFUSED_TEXT, SENT, SIMULATED
from ivr.web import counters

log = logging.getLogger("ivr.texting")

# Where the browser simulator asks for texts to be kept instead of sent: a key of the WSGI
# environ, which no HTTP client can set (headers arrive as HTTP_*).
OUTBOX = "ivr.simulator.outbox"


@dataclass(frozen=True)
class Text:
    to: str
    sender: str
    body: str


@dataclass
class TextSender:
    limiter: RateLimiter  # limits' moving window, over SQLite (ivr.web.capstore) or Redis
    secret: bytes
    allowed_countries: frozenset[str]
    per_number: RateLimitItem  # e.g. 3 per day
    overall: RateLimitItem  # e.g. 60 per hour
    client: Callable[[], Client | None]  # None: no REST credentials, nothing is sent

    def send(self, to: str, line: str | None, body: str, outbox: list[Text] | None = None) -> str:
        """SENT, or why not: REFUSED_TEXT (not a number it may text), CAPPED or FAILED (see
        events.TEXT_OUTCOMES); why not is logged too, without the number.

        With an `outbox` (the simulator) the text that passes the number checks is put
        there instead, and SIMULATED returned: no cap is counted, no REST call made."""
        number, reason = self._mobile(to, line)
        outcome = REFUSED_TEXT
        if reason is None and outbox is not None:
            outbox.append(Text(number, line or "", body))
            return SIMULATED
        if reason is None:
            reason, outcome = self._limits(number)
        if reason is None:
            reason, outcome = self._create(number, line or "", body), FAILED
        if reason is None:
            counters.TEXTS_SENT.inc()
            return SENT
        log.warning("numbers by text not sent: %s", reason)
        return outcome

    def _mobile(self, to: str, line: str | None) -> tuple[str, str | None]:
        """Against SMS pumping: a real mobile number in a country on the allow-list, in
        E.164, so that one phone is one count however its number was written."""
        if line is None:
            return "", "the line's own number is unknown"
        try:
            number = phonenumbers.parse(to)
        except phonenumbers.NumberParseException:
            return "", "not a phone number"
        if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
            return "", "not a mobile number"
        if phonenumbers.region_code_for_number(number) not in self.allowed_countries:
            return "", "a country not on the allow-list"
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None

    def _limits(self, number: str) -> tuple[str | None, str]:
        """Both caps, each counted in one atomic step of the storage (limits' moving window:
        a Lua script in Redis, a transaction in SQLite), so that concurrent confirms can
        never send more than a cap. The number's own cap is taken first: one
        number confirming again and again then cannot use up the hourly cap of everyone.
        The hourly cap is looked at first too, so that when it is spent a caller's own
        count is left alone."""
        # Counted on a keyed hash: the limiter's storage (maybe Redis) never sees a number.
        key = hmac.new(self.secret, number.encode(), hashlib.sha256).hexdigest()[:32]
        try:
            strategy = self.limiter
            if not strategy.test(self.overall, "text-all"):
                return self._refused("text overall", "the hourly cap")
            if not strategy.hit(self.per_number, "text-number", key):
                return self._refused("text per number", "the cap per number")
            if not strategy.hit(self.overall, "text-all"):  # spent meanwhile
                return self._refused("text overall", "the hourly cap")
        except Exception as exc:  # the storage is down: no text, the numbers are spoken
            return f"the rate-limit storage failed ({type(exc).__name__})", FAILED
        return None, SENT

    @staticmethod
    def _refused(what: str, reason: str) -> tuple[str, str]:
        counters.count(counters.RATE_LIMITED, what)
        return reason, CAPPED

    def _create(self, to: str, line: str, body: str) -> str | None:
        client = self.client()
        if client is None:
            return "no TWILIO_ACCOUNT_SID"
        try:
            client.messages.create(to=to, from_=line, body=body)
        except Exception as exc:  # any failure of the API: the caller hears the numbers
            return f"the Twilio API failed ({type(exc).__name__})"
        return None
