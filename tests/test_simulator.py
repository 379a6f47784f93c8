"""The browser simulator's JSON endpoint and its access rules (the page itself is tested
in a real browser by test_browser.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from ivr.voice.answers import fallback, fallback_connect
from ivr.voice.simulate import Forward, Play, Say, read
from simulator import api
from simulator.views import STATIC
from sms.replies import header, pages
from sms.segments import count

from .helpers import (
    MENUS_PATH,
    TOKEN,
    FakeTwilio,
    Twilio,
    basic_auth,
    examples,
    key_to,
    shipped_menus,
)

MENUS = shipped_menus()
PASSWORD = "correct horse battery staple"
NL_MOBILE = api.caller("NL")


def make(**config):
    return create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN, **config})


@pytest.fixture(scope="module")
def dev():
    """As under `make run`: Flask's debug flag, no password; signatures checked anyway."""
    return make(DEBUG=True)


def voice(client, **payload):
    response = client.post("/simulator/api/voice", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# -- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/simulator", "/simulator/", "/simulator/api/setup",
                                 "/simulator/static/simulator.js"])
@pytest.mark.slow
def test_off_in_production_without_a_password(url):
    app = make(DEBUG=False, SIMULATOR_PASSWORD=None)
    assert app.test_client().get(url).status_code == 404
    assert app.test_client().post("/simulator/api/voice", json={}).status_code == 404


def test_with_a_password_it_asks_for_it_and_lets_in_only_with_it():
    client = make(DEBUG=False, SIMULATOR_PASSWORD=PASSWORD).test_client()
    refused = client.get("/simulator/")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic ")
    assert client.get("/simulator/", headers=basic_auth("trainer", "wrong")).status_code == 401
    assert client.post("/simulator/api/voice", json={},
                       headers=basic_auth("trainer", PASSWORD[:-1])).status_code == 401
    assert client.get("/simulator/", headers=basic_auth("trainer", PASSWORD)).status_code == 200
    answer = client.post("/simulator/api/voice", json={"path": "/voice"},
                         headers=basic_auth("anyone", PASSWORD))
    assert answer.status_code == 200 and answer.get_json()["gather"]


def test_in_development_without_a_password_only_this_machine_gets_in(dev):
    client = dev.test_client()
    assert client.get("/simulator/").status_code == 200
    assert client.get("http://127.0.0.1:5000/simulator/").status_code == 200
    elsewhere = client.get("/simulator/", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 403
    assert "SIMULATOR_PASSWORD" in elsewhere.get_data(as_text=True)
    # A tunnel to `make run` connects from this machine, but for a public host.
    tunnel = client.get("/simulator/", headers={"Host": "abc123.ngrok.app"})
    assert tunnel.status_code == 403
    forwarded = client.get("/simulator/", headers={"X-Forwarded-Host": "abc123.ngrok.app"})
    assert forwarded.status_code == 403


@pytest.mark.parametrize("proxies", [1, 0])
def test_in_development_forwarded_headers_never_make_a_request_local(proxies):
    # The socket's peer and Host decide, not what ProxyFix takes from X-Forwarded-*: from
    # afar, claiming to be this machine; and through a tunnel, claiming to be localhost.
    client = make(DEBUG=True, TRUSTED_PROXIES=proxies).test_client()
    forged = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "localhost"}
    afar = client.get("/simulator/", headers=forged, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert afar.status_code == 403
    tunnel = client.get("/simulator/", headers={"Host": "abc123.ngrok.app",
                                                "X-Forwarded-Host": "localhost"})
    assert tunnel.status_code == 403
    assert client.get("/simulator/", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    assert client.get("/simulator/").status_code == 200


@pytest.mark.parametrize("host", ["rebind.example.org", "rebind.example.org:5000",
                                  "127.0.0.1.nip.io", "localhost.example.org"])
def test_in_development_a_page_of_another_site_on_this_machine_is_refused(dev, host):
    # DNS rebinding: a page of another site whose name now resolves to 127.0.0.1 reaches
    # the simulator from the machine's own browser, with its own name as Host.
    refused = dev.test_client().get("/simulator/", headers={"Host": host})
    assert refused.status_code == 403
    for local in ("localhost:5000", "127.0.0.1:5000", "[::1]:5000"):
        assert dev.test_client().get("/simulator/", headers={"Host": local}).status_code == 200


@pytest.mark.parametrize("url", ["/simulator/", "/simulator/static/simulator.js",
                                 "/simulator/static/simulator.css", "/simulator/api/setup"])
def test_every_answer_carries_a_strict_content_security_policy(dev, url):
    response = dev.test_client().get(url)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_recordings_from_a_cdn_may_play_and_nothing_else_from_it():
    app = make(DEBUG=True, AUDIO_BASE_URL="https://cdn.example.org/line-audio")
    csp = app.test_client().get("/simulator/").headers["Content-Security-Policy"]
    assert "media-src 'self' https://cdn.example.org;" in csp
    assert csp.count("cdn.example.org") == 1


class _Inline(HTMLParser):
    """Finds what a strict CSP would block: inline script, style and event handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.found += [f"{tag} {n}" for n in names if n == "style" or n.startswith("on")]
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("script text")


def test_the_page_has_no_inline_script_or_style():
    parser = _Inline()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert parser.found == []


def test_every_control_of_the_page_has_a_label():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    controls = re.findall(r"<(?:select|textarea|input)[^>]*\bid=\"([^\"]+)\"", html)
    assert {"country", "sms-body"} <= set(controls), controls  # the patterns still match
    for control in controls:
        assert f'for="{control}"' in html, control
    buttons = re.findall(r"<button[^>]*data-key=\"([^\"]+)\"[^>]*>", html)
    assert sorted(buttons) == sorted("0123456789*#"), buttons  # the whole keypad
    for button in buttons:
        assert re.search(rf'data-key="{re.escape(button)}" aria-label="key ', html), button


# -- the JSON endpoint drives the real webhooks --------------------------------------------


def test_a_call_is_the_line_s_own_answer_signed_as_twilio_signs_it(dev):
    step = voice(dev.test_client(), path="/voice", country="NL")
    twilio = Twilio(dev.test_client())
    direct = read(MENUS, twilio.post("/voice", From=NL_MOBILE).root)
    said = [e for e in direct.events if isinstance(e, Say | Play)]
    assert said == list(direct.events)  # the greeting: nothing but speech
    assert [e["text"] for e in step["events"]] == [e.text for e in said]
    assert step["gather"] == direct.gather and step["on_timeout"] == direct.on_timeout
    assert step["heard_in_gather"] == len(step["events"])  # the greeting can be cut short


def test_a_dutch_call_clicked_through_to_the_police_forward(dev):
    client = dev.test_client()
    step = voice(client, path="/voice")
    # Dutch, then # for a person (the contacts, from every menu), then the police.
    police_key = key_to(MENUS.settings.other_contacts_node, "call_police")
    for key in (MENUS.languages["nl"].key, "#", police_key):
        step = voice(client, path=step["gather"], digits=key)
    forward = step["events"][-1]
    police = MENUS.contacts["police"]
    assert forward == {"kind": "forward", "contact": "police", "name": police.names["nl"],
                       "number": police.number, "display": police.display,
                       "caller_id": "line", "anonymous": False, "lang": "nl"}
    assert step["dial"] == "/voice/nl/call_police/dialed" and step["gather"] is None
    failed = voice(client, path=step["dial"], dial_status="busy")
    assert police.display.replace("-", "") not in "".join(e["text"] for e in failed["events"])
    assert failed["gather"]  # a menu after the failed forward


def test_silence_ends_in_the_numbers_and_a_hang_up_never_in_a_forward(dev):
    client = dev.test_client()
    step = voice(client, path="/voice/nl/main")
    assert step["on_timeout"], step
    step = voice(client, path=step["on_timeout"])  # silence: the numbers at once
    kinds = [e["kind"] for e in step["events"]]
    assert "forward" not in kinds and step["dial"] is None
    fallback_node = MENUS.settings.fallback_node
    assert step["gather"] == f"/voice/nl/{fallback_node}/connect?part=1"  # the offer's part
    assert step["on_timeout"] is None  # silence: goodbye and the hang-up, nothing more
    assert step["heard_on_timeout"] == 2 and kinds[-1] == "hangup"
    assert step["events"][-2]["text"] == MENUS.prompt("goodbye", "nl")
    offer = step["events"][len(kinds) - step["heard_on_timeout"] - step["heard_in_gather"]:]
    assert MENUS.settings.connect_key in offer[0]["text"]  # the key, offered in the Gather
    said = " ".join(e.get("text", "") for e in step["events"])
    assert MENUS.contacts["emergency"].display in said
    # Only the key offered puts the caller through.
    through = voice(client, path=step["gather"], digits=MENUS.settings.connect_key)
    assert through["events"][-1]["kind"] == "forward"
    assert through["events"][-1]["contact"] == MENUS.nodes[fallback_node].contact


def test_the_anonymous_line_shows_the_line_s_number_as_caller_id(dev):
    contacts = voice(dev.test_client(), path="/voice/nl/contacts")
    step = voice(dev.test_client(), path=contacts["gather"], digits="2")
    forward = step["events"][-1]
    assert forward["kind"] == "forward" and forward["anonymous"] is True
    assert forward["caller_id"] == "line"


@pytest.mark.parametrize("lang", [lang for lang in MENUS.languages.values() if lang.countries],
                         ids=lambda lang: lang.code)
def test_the_caller_s_country_puts_its_language_first(dev, lang):
    region = lang.countries[0]
    step = voice(dev.test_client(), path="/voice", country=region)
    greeting = list(MENUS.settings.greeting_languages)
    # The greeting keeps its length: the likely language takes the place of the last.
    expected = list(dict.fromkeys([lang.code, *greeting]))[:len(greeting)]
    assert [e["lang"] for e in step["events"][:len(greeting)]] == expected
    offers = step["events"][len(greeting):]
    assert offers[0]["lang"] == lang.code


def test_a_withheld_number_hears_the_usual_order(dev):
    step = voice(dev.test_client(), path="/voice", country=api.WITHHELD)
    langs = [e["lang"] for e in step["events"]][len(MENUS.settings.greeting_languages):]
    assert langs[:2] == ["nl", "en"]


def test_numbers_by_text_are_shown_never_sent_and_never_counted():
    fake = FakeTwilio()
    app = make(DEBUG=True, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_HTTP_CLIENT=fake,
               SMS_PER_NUMBER="1 per day", SMS_OVERALL="1 per hour")
    client = app.test_client()
    for _ in range(3):  # more than either cap: the simulator counts nothing
        step = voice(client, path="/voice/nl/text_report/input?miss=0",
                     digits=MENUS.settings.text_confirm_key)
        assert [t["to"] for t in step["texts"]] == [NL_MOBILE]
        said = " ".join(e["text"] for e in step["events"])
        assert MENUS.prompt("text_sent", "nl") in said
    text = step["texts"][0]
    assert "0900" in text["body"] and text["segments"] >= 1 and text["encoding"] == "GSM-7"
    assert fake.sent == []
    # The real line still has its whole cap: the simulator used none of it.
    real = Twilio(app.test_client()).post("/voice/nl/text_report/input?miss=0",
                                          Digits=MENUS.settings.text_confirm_key,
                                          From=NL_MOBILE)
    assert MENUS.prompt("text_sent", "nl") in real.spoken()
    assert len(fake.sent) == 1


def test_a_number_the_line_would_not_text_is_not_shown_as_sent(dev):
    step = voice(dev.test_client(), path="/voice/nl/text_report/input?miss=0",
                 digits=MENUS.settings.text_confirm_key, country="PL")
    assert step["texts"] == []
    assert MENUS.prompt("text_not_sent", "nl") in " ".join(e["text"] for e in step["events"])


def test_an_answer_that_is_not_twiml_is_a_reason_not_a_crash():
    # Under SERVER_NAME the app is called at that host, while the simulator signs for
    # http://localhost: the line refuses the signature, as it must.
    app = make(DEBUG=False, SIMULATOR_PASSWORD=PASSWORD, SERVER_NAME="line.example.org")
    answer = app.test_client().post("/simulator/api/voice", json={"path": "/voice"},
                                    headers=basic_auth("trainer", PASSWORD))
    assert answer.status_code == 502
    assert "answered 403" in answer.get_json()["error"]


def test_the_verbs_after_a_dial_without_action_are_heard():
    # The second fallback document dials the police and, if that ends, says the numbers.
    step = read(MENUS, ET.fromstring(fallback_connect(MENUS, "+3197010000000").to_xml()))
    kinds = [event.kind for event in step.events]
    assert step.dial is None
    assert kinds.index("forward") < len(kinds) - 1 and kinds[-1] == "hangup"
    forward = step.events[kinds.index("forward")]
    assert isinstance(forward, Forward) and forward.contact == "police"


def test_the_fallback_document_offers_a_key_and_dials_nothing():
    url = "https://example.org/voice-connect.xml"
    step = read(MENUS, ET.fromstring(fallback(MENUS, url).to_xml()))
    kinds = [event.kind for event in step.events]
    assert "forward" not in kinds and step.dial is None
    assert step.gather == "/voice-connect.xml" and step.on_timeout is None
    assert kinds[-1] == "hangup" and step.heard_on_timeout >= 2  # goodbye, then hang up


def test_a_text_gets_the_line_s_reply_with_its_cost(dev):
    answer = dev.test_client().post("/simulator/api/sms", json={"body": "POLITIE"})
    data = answer.get_json()
    assert data["reply"] == pages(MENUS, "call_police", "nl")[0]
    assert data["reply"].startswith(header(MENUS, "nl") + "\n")
    assert MENUS.contacts["police"].display in data["reply"]
    assert (data["encoding"], data["segments"]) == ("GSM-7", count(data["reply"]).segments)
    assert data["characters"] == len(data["reply"])


def test_the_conversation_goes_on_with_the_cookie_the_page_keeps(dev):
    client = dev.test_client()
    first = client.post("/simulator/api/sms", json={"body": "hallo"}).get_json()
    on = client.post("/simulator/api/sms", json={"body": "5", "cookie": first["cookie"]})
    fresh = dev.test_client().post("/simulator/api/sms", json={"body": "5"})
    assert on.get_json()["reply"] != fresh.get_json()["reply"]
    assert fresh.get_json()["reply"] == first["reply"]  # without the cookie: the index again


def test_stop_gets_no_reply(dev):
    data = dev.test_client().post("/simulator/api/sms", json={"body": "STOP"}).get_json()
    assert data["reply"] is None and "segments" not in data


@pytest.mark.parametrize("payload, error", [
    ({"path": "/sms"}, "not one of the line's voice URLs"),
    ({"path": "https://example.org/voice"}, "not one of the line's voice URLs"),
    ({"path": "/voice/../metrics"}, "not one of the line's voice URLs"),
    ({"path": "/voice/nl/main/input?miss=0&Digits=81"}, "not one of the line's voice URLs"),
    ({"path": "/voice/nl/contacts/input?miss=0&To=x"}, "not one of the line's voice URLs"),
    ({"path": "/voice/language?miss=0&miss=1&page=2"}, "not one of the line's voice URLs"),
    ({"path": "/voice/language?page=3"}, "not one of the line's voice URLs"),
    ({"path": "/voice/nl/contacts/input?miss=0&part=1&part=2"},
     "not one of the line's voice URLs"),
    ({"path": "/voice", "digits": "12"}, "digits: one key"),
    ({"path": "/voice", "digits": "+31612345678"}, "digits: one key"),
    ({"path": "/voice", "dial_status": "ringing"}, "dial_status: one of"),
    ({"path": "/voice", "country": "XX"}, "unknown country 'XX'"),
])
def test_what_a_caller_could_not_do_is_refused(dev, payload, error):
    answer = dev.test_client().post("/simulator/api/voice", json=payload)
    assert answer.status_code == 400
    assert error in answer.get_json()["error"]


def test_only_json_is_taken(dev):
    # A form posted from another site cannot set this content type without CORS.
    answer = dev.test_client().post("/simulator/api/voice", data={"path": "/voice"})
    assert answer.status_code == 400
    assert "application/json" in answer.get_json()["error"]


@pytest.mark.parametrize("url", ["/simulator/api/voice", "/simulator/api/sms"])
@pytest.mark.parametrize("body", ["[" * 60_000, '{"a":' * 12_000, "[1," * 20_000])
def test_a_deeply_nested_body_is_a_400_not_a_500(dev, url, body):
    answer = dev.test_client().post(url, data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "JSON object" in answer.get_json()["error"]


@pytest.mark.parametrize("body", ["", "   ", "x" * 1601])
def test_an_empty_or_too_long_text_is_refused(dev, body):
    answer = dev.test_client().post("/simulator/api/sms", json={"body": body})
    assert answer.status_code == 400


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
FIELDS = st.fixed_dictionaries({}, optional={
    "path": st.one_of(st.sampled_from(["/voice", "/voice/nl/main/input?miss=0",
                                       "/voice/language?miss=9", "/voice/xx/yy/dialed"]),
                      st.text(max_size=40)),
    "digits": st.one_of(st.sampled_from(list("0123456789*#")), JSON),
    "dial_status": st.one_of(st.sampled_from(["busy", "completed", "failed"]), JSON),
    "country": st.one_of(st.sampled_from(["NL", "PL", "withheld", "nl"]), JSON),
    "body": JSON, "cookie": JSON})


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=FIELDS | JSON)
def test_whatever_the_page_sends_the_answer_is_a_step_or_a_reason(dev, payload):
    client = dev.test_client()
    for url in ("/simulator/api/voice", "/simulator/api/sms"):
        answer = client.post(url, json=payload)
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:300]
        data = answer.get_json()
        assert ("error" in data) if answer.status_code == 400 else ("error" not in data)
