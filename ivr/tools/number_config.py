"""How the line's Twilio numbers and account must be set, and how they are: the checks of
`flask twilio doctor` and the changes of `flask twilio setup`.

Read through twilio's Client: each number of LINE_NUMBERS as an IncomingPhoneNumber
(https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource), the
Messaging Services that hold it (https://www.twilio.com/docs/messaging/services/api), and
the account's voice dialing permissions for the Netherlands
(https://www.twilio.com/docs/voice/api/dialingpermissions-country-resource).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

# The status and Twilio's code of a failed request, a list's page's included.
from ivr.voice.urls import RULES
from ivr.web.privacy import mask_number
from ivr.web.rest_client import error_code, error_status

OK, FIX, NOTE = "ok", "FIX", "note"
POST = "POST"
SETUP = "flask --app app twilio setup"
NUMBER_PAGE = "console: Phone Numbers → Manage → Active numbers → the number"
FALLBACK_DOCS = ('make the TwiML Bins as docs/operations.md says ("Configuring the Twilio '
                 'number", step 2)')
# The line's own routes: ivr/web/voice_webhook.py, ivr/web/sms_webhook.py; the call status
# callback is the usage report's.
VOICE, SMS, CALL_STATUS = RULES["incoming"], "/sms", "/voice/status"
COUNTRY = "NL"  # the forwards go to Dutch numbers


@dataclass(frozen=True)
class Finding:
    level: str  # OK, FIX (exit status 1) or NOTE
    text: str

    def line(self) -> str:
        return f"  {self.level:<4} {self.text}"


@dataclass(frozen=True)
class Setting:
    """A URL of an IncomingPhoneNumber and its method, as the console labels it."""

    name: str
    url_field: str
    method_field: str
    console: str
    option: str | None = None  # setup's option giving it, for a fallback
    without: str = ""  # what a fallback not set costs

    def current(self, number: Any) -> tuple[str, str]:
        return (getattr(number, self.url_field) or "",
                (getattr(number, self.method_field) or "").upper())


SETTINGS = (
    Setting("voice webhook", "voice_url", "voice_method",
            'Voice Configuration, "A call comes in"'),
    Setting("voice fallback URL", "voice_fallback_url", "voice_fallback_method",
            'Voice Configuration, "Primary handler fails"', "--voice-fallback-url",
            "callers hear Twilio's own error message"),
    Setting("call status callback", "status_callback", "status_callback_method",
            'Voice Configuration, "Call status changes"'),
    Setting("SMS webhook", "sms_url", "sms_method",
            'Messaging Configuration, "A message comes in"'),
    Setting("SMS fallback URL", "sms_fallback_url", "sms_fallback_method",
            'Messaging Configuration, "Primary handler fails"', "--sms-fallback-url",
            "texters get no answer"),
)


def wanted_urls(public_base_url: str, voice_fallback: str | None = None,
                sms_fallback: str | None = None) -> dict[str, str | None]:
    """The URL each setting must have (all with POST); None for a fallback not given."""
    base = public_base_url.rstrip("/")
    return {"voice webhook": base + VOICE, "voice fallback URL": voice_fallback,
            "call status callback": base + CALL_STATUS, "SMS webhook": base + SMS,
            "SMS fallback URL": sms_fallback}


def fallback_problem(url: str, public_base_url: str) -> str | None:
    """Why a fallback URL given to setup or doctor cannot be one, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url}: not a URL: give the TwiML Bin's whole URL, https:// and all"
    if parts.hostname == urlsplit(public_base_url).hostname:
        return (f"{url}: on the line's own host: Twilio fetches the fallback when the line "
                f"is down, so it must be elsewhere; {FALLBACK_DOCS}")
    return None


def label(place: int, number: str) -> str:
    """A number of LINE_NUMBERS as the output names it: by its place, masked as the logs
    mask any number."""
    return f"number {place} ({mask_number(number)})"


# -- reading the account ------------------------------------------------------------------

class AccountError(Exception):
    """Twilio could not be read; the message says why and holds no number."""


T = TypeVar("T")


def ask(what: str, request: Callable[[], T]) -> T:
    """The answer of one request to Twilio, or AccountError naming `what` it was for."""
    try:
        return request()
    except TwilioException as exc:
        status = error_status(exc)
        if status is None:
            raise AccountError(f"could not {what} ({type(exc).__name__})") from None
        hint = ": check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" if status in (401, 403) else ""
        raise AccountError(f"Twilio refused to {what} (HTTP {status}, error "
                           f"{error_code(exc)}){hint}") from None
    except requests.RequestException as exc:
        raise AccountError(f"could not {what}: {type(exc).__name__} (is "
                           "TWILIO_API_BASE_URL right, if set?)") from None


def find_number(client: Client, number: str) -> Any | None:
    """The account's IncomingPhoneNumber of `number`, or None. Twilio's PhoneNumber filter
    is a pattern that a part of a number matches too: only the same number counts."""
    found = ask("list the account's phone numbers",
                lambda: client.incoming_phone_numbers.list(phone_number=number))
    return next((n for n in found if n.phone_number == number), None)


def services_of_numbers(client: Client) -> list[tuple[Any, frozenset[str]]]:
    """Each Messaging Service of the account, with the numbers in its sender pool."""
    services = ask("list the Messaging Services", client.messaging.v1.services.list)
    return [(service, frozenset(
        n.phone_number for n in ask("list a Messaging Service's numbers",
                                    client.messaging.v1.services(service.sid)
                                    .phone_numbers.list)))
            for service in services]


# -- the checks ---------------------------------------------------------------------------

def number_findings(number: Any, wanted: Mapping[str, str | None],
                    public_base_url: str) -> list[Finding]:
    """Each URL and method of the number, then whatever overrides them."""
    found = [_setting(s, number, wanted[s.name], public_base_url) for s in SETTINGS]
    return found + _overrides(number)


def _setting(setting: Setting, number: Any, want: str | None, public_base_url: str) -> Finding:
    url, method = setting.current(number)
    now = f"{method or '(no method)'} {url}" if url else "not set"
    fix = (f"run `{SETUP}{f' {setting.option} URL' if setting.option else ''}`, or "
           f"{NUMBER_PAGE} → {setting.console}")
    if want is None:  # a fallback not given: any Bin will do, but not the line itself
        if not url:
            return Finding(FIX, f"{setting.name} not set: when the line is down or slow, "
                                f"{setting.without}; {FALLBACK_DOCS}, then {fix}")
        if problem := fallback_problem(url, public_base_url):
            return Finding(FIX, f"{setting.name} {problem}, then {fix}")
        want = url
    if (url, method) == (want, POST):
        return Finding(OK, f"{setting.name}: {now}")
    return Finding(FIX, f"{setting.name} is {now}, must be {POST} {want}: {fix}")


def _overrides(number: Any) -> list[Finding]:
    """A TwiML App or a SIP trunk on the number takes its calls or texts instead of its
    URLs (the IncomingPhoneNumber resource's voice_application_sid, trunk_sid and
    sms_application_sid). Setup leaves them: taking a number off a trunk is the console's."""
    found = []
    if number.trunk_sid:
        found.append(Finding(FIX, "calls go to a SIP trunk, not to the voice webhook: "
                                  "console: Elastic SIP Trunking → Trunks → the trunk → "
                                  "Numbers, remove the number"))
    elif number.voice_application_sid:
        found.append(Finding(FIX, f"calls go to a TwiML App, not to the voice webhook: "
                                  f"{NUMBER_PAGE} → Voice Configuration, \"Configure with\": "
                                  "Webhook instead of the TwiML App"))
    if number.sms_application_sid:
        found.append(Finding(FIX, f"texts go to a TwiML App, not to the SMS webhook: "
                                  f"{NUMBER_PAGE} → Messaging Configuration: Webhook "
                                  "instead of the TwiML App"))
    return found


def service_findings(services: Iterable[tuple[Any, frozenset[str]]], number: str,
                     sms_url: str) -> list[Finding]:
    """A Messaging Service whose sender pool holds the number takes its incoming texts to
    its own inbound_request_url unless use_inbound_webhook_on_number leaves them to the
    number's webhook (https://www.twilio.com/docs/messaging/services/api)."""
    found = []
    for service, numbers in services:
        if number not in numbers:
            continue
        name = f"Messaging Service '{service.friendly_name}'"
        if service.use_inbound_webhook_on_number:
            found.append(Finding(OK, f"{name}: leaves incoming texts to the SMS webhook"))
        elif (service.inbound_request_url, (service.inbound_method or "").upper()) == (
                sms_url, POST):
            found.append(Finding(OK, f"{name}: sends incoming texts to {POST} {sms_url}"))
        else:
            where = service.inbound_request_url or "nowhere (it drops them)"
            found.append(Finding(FIX, f"{name} takes the texts to this number to {where}, "
                                      "not to the SMS webhook: console: Messaging → Services "
                                      "→ the service → Integration → Incoming Messages: let "
                                      "the sender's webhook handle them (setup never changes "
                                      "a Messaging Service)"))
    if not found:
        found.append(Finding(NOTE, "in no Messaging Service: Twilio answers HELP and INFO "
                                   "itself (README, \"SMS: Twilio's own HELP and INFO "
                                   "replies\")"))
    return found


GEO_PAGE = "console: Voice → Settings → Geo permissions → Netherlands"


def dialing_findings(client: Client) -> list[Finding]:
    """The account's voice dialing permissions for the Netherlands: the forwards need its
    low-risk numbers and its high-risk special services, where Dutch free-phone and
    shared-cost numbers are; never its toll-fraud ranges. Setup never changes them: they
    decide what calls may cost."""
    try:
        country = ask("read the voice dialing permissions",
                      client.voice.v1.dialing_permissions.countries(COUNTRY).fetch)
    except AccountError as exc:
        return [Finding(FIX, f"{exc}; check them in the {GEO_PAGE}")]
    found = []
    for enabled, what in ((country.low_risk_numbers_enabled, "low-risk numbers"),
                          (country.high_risk_special_numbers_enabled,
                           "high-risk special services (free-phone and shared-cost numbers)")):
        found.append(Finding(OK, f"calls to {what} allowed") if enabled else Finding(
            FIX, f"calls to {what} not allowed: the line's forwards to them fail; "
                 f"{GEO_PAGE}: allow {what} (setup never changes this)"))
    if country.high_risk_tollfraud_numbers_enabled:
        found.append(Finding(NOTE, "calls to high-risk toll fraud ranges allowed: the line "
                                   f"never needs them; {GEO_PAGE}: turn them off"))
    return found


# -- setup's changes ----------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    setting: Setting
    old: tuple[str, str]  # url, method
    new: str  # the url, with POST

    def describe(self) -> str:
        url, method = self.old
        return f"{self.setting.name}: {f'{method} {url}' if url else 'not set'} → {POST} {self.new}"


def changes(number: Any, wanted: Mapping[str, str | None]) -> list[Change]:
    """What setup changes on the number: each setting given that is not as wanted."""
    return [Change(s, s.current(number), want) for s in SETTINGS
            if (want := wanted[s.name]) is not None and s.current(number) != (want, POST)]


def apply(number: Any, found: Iterable[Change]) -> None:
    """One update of the number with every change (IncomingPhoneNumber's Update)."""
    params = {}
    for change in found:
        params[change.setting.url_field] = change.new
        params[change.setting.method_field] = POST
    ask("update a phone number", lambda: number.update(**params))
