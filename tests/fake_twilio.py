"""A small fake of Twilio's REST API for calls and messages, over real HTTP on a loopback
port, in a thread of its own: lists filtered by To, From and ParentCallSid in pages
(next_page_uri with a PageToken, as Twilio's), DELETEs recorded, and scripted answers
(error 20009, 429, 500) for the next requests. The line reaches it through
TWILIO_API_BASE_URL."""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
API = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
LIST_RE = re.compile(rf"{API}/(Calls|Messages)\.json")
ONE_RE = re.compile(rf"{API}/(Calls|Messages)/([A-Z]{{2}}[0-9a-f]{{32}})\.json")
FILTERS = {"To": "to", "From": "from", "ParentCallSid": "parent_call_sid"}
KEYS = {"Calls": "calls", "Messages": "messages"}

# Twilio's JSON error bodies (https://www.twilio.com/docs/usage/twilios-response).
# The HTTP status of 20009 is not documented; 400 is Twilio's for a request its resource's
# state does not allow (https://www.twilio.com/docs/api/errors/400). The purge goes by the code.
ERRORS = {
    20001: (400, "Invalid parameter"),
    20009: (400, "Cannot delete this resource before it is complete"),
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
}
BY_STATUS = {429: 20429, 500: 20500}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    forwarded_host: str | None


@dataclass
class FakeTwilioApi:
    page_size: int = 2  # the most a page holds, whatever PageSize asks: lists take pages
    ignore_filters: bool = False  # as a proxy that dropped the query might
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by SID
    kinds: dict[str, str] = field(default_factory=dict)  # SID: Calls or Messages
    requests: list[Request] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # The answers of the next DELETEs of a SID (a Twilio error code, or an HTTP status),
    # and of the next requests to a list (an HTTP status); then the normal ones.
    scripted: dict[str, list[int]] = field(default_factory=dict)
    list_answers: list[int] = field(default_factory=list)
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # The account's numbers, Messaging Services and dialing permissions (the end of this file).
    account: FakeAccount = field(default_factory=lambda: FakeAccount())

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._answer(self, "GET")

            def do_POST(self) -> None:
                fake._answer(self, "POST")

            def do_DELETE(self) -> None:
                fake._answer(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the tests' output stays clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for serve_forever to look at its flag, every poll_interval
        # (half a second by default): each test would wait that long at its end.
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> FakeTwilioApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    # -- records ---------------------------------------------------------------------------

    def add_call(self, to: str, from_: str, status: str, minutes_ago: float,
                 parent: str | None = None) -> str:
        return self._add("Calls", "CA", {"to": to, "from": from_, "status": status,
                                         "parent_call_sid": parent}, minutes_ago)

    def add_message(self, to: str, from_: str, body: str, status: str,
                    minutes_ago: float) -> str:
        return self._add("Messages", "SM", {"to": to, "from": from_, "body": body,
                                            "status": status}, minutes_ago)

    def _add(self, kind: str, prefix: str, fields: dict[str, Any], minutes_ago: float) -> str:
        sid = f"{prefix}{next(self._sids):032x}"
        when = format_datetime(datetime.now(UTC) - timedelta(minutes=minutes_ago), usegmt=True)
        self.records[sid] = {"sid": sid, "account_sid": ACCOUNT_SID, "date_created": when,
                             "date_updated": when, "uri": f"{API}/{kind}/{sid}.json", **fields}
        self.kinds[sid] = kind
        return sid

    # -- HTTP ------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append(Request(method, parts.path, query, form,
                                     handler.headers.get("X-Forwarded-Host")))
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if handler.headers.get("Authorization") != f"Basic {expected}":
            status, body = self._error(20003)
        else:
            status, body = self._route(method, parts.path, query, form)
        data = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str, query: dict[str, str],
               form: dict[str, str]) -> tuple[int, Any]:
        if (configured := self.account.route(method, path, query, form)) is not None:
            return configured
        listed, one = LIST_RE.fullmatch(path), ONE_RE.fullmatch(path)
        if listed and self.list_answers:
            return self._error(BY_STATUS[self.list_answers.pop(0)])
        if listed and method == "GET":
            return 200, self._page(listed[1], path, query)
        if listed and method == "POST" and listed[1] == "Messages":
            sid = self.add_message(form["To"], form["From"], form["Body"], "queued", 0)
            return 201, self.records[sid]
        if one and method == "DELETE":
            return self._delete(one[1], one[2])
        return self._error(20404)

    def _page(self, kind: str, path: str, query: dict[str, str]) -> dict[str, Any]:
        wanted = {FILTERS[k]: v for k, v in query.items() if k in FILTERS}
        rows = sorted((r for sid, r in self.records.items() if self.kinds[sid] == kind
                       and (self.ignore_filters or all(r.get(k) == v
                                                       for k, v in wanted.items()))),
                      key=lambda r: r["sid"])
        size = min(int(query.get("PageSize", 50)), self.page_size)
        after = query.get("PageToken", "PA")[2:]
        rows = [r for r in rows if r["sid"] > after]
        page, rest = rows[:size], rows[size:]
        number = int(query.get("Page", 0))
        base = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
        following = {**base, "Page": number + 1, "PageToken": "PA" + page[-1]["sid"]} \
            if rest else None
        next_uri = f"{path}?{urlencode(following)}" if following else None
        return {KEYS[kind]: page, "page": number, "page_size": size,
                "first_page_uri": f"{path}?{urlencode(base)}", "next_page_uri": next_uri,
                "previous_page_uri": None, "start": 0, "end": len(page),
                "uri": f"{path}?{urlencode(query)}"}

    def _delete(self, kind: str, sid: str) -> tuple[int, Any]:
        script = self.scripted.get(sid)
        if script:
            answer = script.pop(0)
            return self._error(BY_STATUS.get(answer, answer))
        if self.kinds.get(sid) != kind:
            return self._error(20404)
        del self.records[sid]
        self.deleted.append(sid)
        return 204, None

    @staticmethod
    def _error(code: int) -> tuple[int, Any]:
        status, message = ERRORS[code]
        return status, {"code": code, "message": message, "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}


# -- the account's configuration: numbers, Messaging Services, dialing permissions ---------
# What `flask twilio doctor` reads and `setup` changes. The fields are Twilio's
# (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource,
# https://www.twilio.com/docs/messaging/services/api,
# https://www.twilio.com/docs/voice/api/dialingpermissions-country-resource).

NUMBERS_RE = re.compile(rf"{API}/IncomingPhoneNumbers\.json")
NUMBER_RE = re.compile(rf"{API}/IncomingPhoneNumbers/(PN[0-9a-f]{{32}})\.json")
SERVICE_NUMBERS_RE = re.compile(r"/v1/Services/(MG[0-9a-f]{32})/PhoneNumbers")
COUNTRY_RE = re.compile(r"/v1/DialingPermissions/Countries/([A-Z]{2})")
# Every URL and method of a number, as a new number has them.
NUMBER_FIELDS = ("voice_url", "voice_method", "voice_fallback_url", "voice_fallback_method",
                 "status_callback", "status_callback_method", "sms_url", "sms_method",
                 "sms_fallback_url", "sms_fallback_method", "voice_application_sid",
                 "sms_application_sid", "trunk_sid")


@dataclass
class FakeAccount:
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by PN SID
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # by MG SID
    service_numbers: dict[str, list[str]] = field(default_factory=dict)  # MG SID: PN SIDs
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)  # by ISO code
    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # PN SID, form
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_number(self, phone_number: str, **fields: str | None) -> str:
        sid = f"PN{next(self._sids):032x}"
        blank = {name: ("POST" if name.endswith("method") else None) for name in NUMBER_FIELDS}
        self.numbers[sid] = {"sid": sid, "account_sid": ACCOUNT_SID,
                             "phone_number": phone_number, **blank, **fields}
        return sid

    def add_service(self, name: str, numbers: list[str], defers: bool,
                    inbound_request_url: str | None = None) -> str:
        sid = f"MG{next(self._sids):032x}"
        self.services[sid] = {"sid": sid, "account_sid": ACCOUNT_SID, "friendly_name": name,
                              "use_inbound_webhook_on_number": defers,
                              "inbound_request_url": inbound_request_url,
                              "inbound_method": "POST"}
        self.service_numbers[sid] = numbers
        return sid

    def set_dialing(self, iso_code: str, low_risk: bool, high_risk_special: bool,
                    high_risk_tollfraud: bool = False) -> None:
        self.countries[iso_code] = {"iso_code": iso_code, "low_risk_numbers_enabled": low_risk,
                                    "high_risk_special_numbers_enabled": high_risk_special,
                                    "high_risk_tollfraud_numbers_enabled": high_risk_tollfraud}

    def route(self, method: str, path: str, query: dict[str, str],
              form: dict[str, str]) -> tuple[int, Any] | None:
        """The answer to a request about the account's configuration; None for any other."""
        one = NUMBER_RE.fullmatch(path)
        if NUMBERS_RE.fullmatch(path) and method == "GET":
            # Twilio matches PhoneNumber as a pattern: a part of a number finds it too.
            wanted = query.get("PhoneNumber", "")
            rows = [n for n in self.numbers.values() if wanted in n["phone_number"]]
            return 200, {"incoming_phone_numbers": rows, "next_page_uri": None, "page": 0,
                         "page_size": 50, "uri": path}
        if one and method == "POST":
            return self._update(one[1], form)
        if path == "/v1/Services" and method == "GET":
            return 200, _v1_page("services", list(self.services.values()), path)
        if (numbers := SERVICE_NUMBERS_RE.fullmatch(path)) and method == "GET":
            rows = [{"sid": sid, "service_sid": numbers[1], "account_sid": ACCOUNT_SID,
                     "phone_number": self.numbers[sid]["phone_number"]}
                    for sid in self.service_numbers.get(numbers[1], [])]
            return 200, _v1_page("phone_numbers", rows, path)
        if (country := COUNTRY_RE.fullmatch(path)) and method == "GET":
            found = self.countries.get(country[1])
            return (200, found) if found else FakeTwilioApi._error(20404)
        return None

    def _update(self, sid: str, form: dict[str, str]) -> tuple[int, Any]:
        if sid not in self.numbers:
            return FakeTwilioApi._error(20404)
        changes = {re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): value
                   for key, value in form.items()}
        unknown = sorted(set(changes) - set(NUMBER_FIELDS))
        if unknown:  # a misspelt parameter: Twilio's 400 (https://www.twilio.com/docs/api/errors/400)
            return 400, {"code": 20001, "message": f"Unknown parameters {unknown}",
                         "status": 400}
        self.updates.append((sid, dict(form)))
        self.numbers[sid].update(changes)
        return 200, self.numbers[sid]


def _v1_page(key: str, rows: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """One page of a v1 list, the only one (twilio.base.page reads meta.key)."""
    return {key: rows, "meta": {"key": key, "page": 0, "page_size": 50, "first_page_url": path,
                                "previous_page_url": None, "next_page_url": None,
                                "url": path}}
