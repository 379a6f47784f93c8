"""Every webhook checks X-Twilio-Signature when TWILIO_AUTH_TOKEN is set."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder

from app import create_app
from ivr.web.signature import is_valid, signed_url

from .helpers import MENUS_PATH, TOKEN, Twilio, shipped_menus

URLS = ["/voice", "/voice/language?miss=0", "/voice/nl/main", "/voice/nl/main/input?miss=0",
        "/voice/nl/call_police/dialed", "/voice/nl/call_police/failed?miss=0", "/voice/x/y/z"]


def test_known_answer_vector_from_twilio_python():
    # The known-answer vector of the twilio libraries' own tests (Caller and From
    # +14158675309; a copy with +12349013030 does not match).
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert is_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid("12345", url, {**params, "Digits": "1235"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")



@pytest.mark.parametrize(("signed", "checked"), [
    ("https://line.example.org:443/voice?miss=0", "https://line.example.org/voice?miss=0"),
    ("https://line.example.org/voice?miss=0", "https://line.example.org:443/voice?miss=0"),
])
def test_the_url_with_or_without_its_default_port_is_accepted(signed, checked):
    # The line checks the URL as requested first, then twilio's validate() decides: Twilio
    # may have signed it with the default port or without.
    params = {"Digits": "1", "CallSid": "CA1"}
    signature = RequestValidator("12345").compute_signature(signed, params)
    assert is_valid("12345", checked, params, signature)
    assert not is_valid("12345", checked, {**params, "Digits": "2"}, signature)


@pytest.mark.parametrize("signature", ["é" * 28, "RSOYDt4T1cUTdK1PDd93/VVr8B8\u2028", " "])
def test_a_signature_that_is_no_hmac_is_refused_without_an_error(signature):
    assert not is_valid("12345", "https://line.example.org/voice", {"Digits": "1"}, signature)

@pytest.mark.parametrize("url", URLS)
def test_unsigned_requests_are_refused(twilio, url):
    assert twilio.post_unsigned(url).status == 403


@pytest.mark.parametrize("url", URLS)
def test_wrongly_signed_requests_are_refused(app, url):
    assert Twilio(app.test_client(), token="not-the-token").post(url).status == 403


@pytest.mark.parametrize("url", URLS)
def test_signed_requests_are_answered(twilio, url):
    assert twilio.post(url).status == 200


def test_a_parameter_changed_after_signing_is_refused(app):
    client = app.test_client()
    params = {"To": "+3197010000000", "Digits": "1"}
    url = "/voice/nl/main/input?miss=0"
    signature = RequestValidator(TOKEN).compute_signature("http://localhost" + url, params)
    response = client.post(url, data={**params, "Digits": "2"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_behind_a_proxy_the_public_url_is_checked(app):
    """Twilio signed https://line.example.org/...; the app sees http://localhost/..."""
    client = app.test_client()
    params = {"To": "+3197010000000"}
    signature = RequestValidator(TOKEN).compute_signature("https://line.example.org/voice", params)
    headers = {"X-Twilio-Signature": signature}
    assert client.post("/voice", data=params, headers=headers).status_code == 403
    forwarded = {**headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "line.example.org"}
    assert client.post("/voice", data=params, headers=forwarded).status_code == 200


def test_public_base_url_replaces_scheme_and_host():
    app = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH),
                      "PUBLIC_BASE_URL": "https://line.example.org/"})
    answer = Twilio(app.test_client(), base="https://line.example.org").post(
        "/voice/nl/main/input?miss=1", Digits="2")
    assert answer.status == 200
    target = shipped_menus().nodes["main"].target_for("2")
    assert answer.one("Gather").get("action") == f"/voice/nl/{target}/input?miss=0"
    assert Twilio(app.test_client()).post("/voice").status == 403


@pytest.mark.parametrize(("environ", "expected_path"), [
    ({"RAW_URI": "/voice?x=1", "QUERY_STRING": "x=1"}, "/voice?x=1"),
    ({"REQUEST_URI": "/voice/a%C3%BC%2Fb", "PATH_INFO": "/voice/aü/b"}, "/voice/a%C3%BC%2Fb"),
    ({"PATH_INFO": "/voice/nl/main/input", "QUERY_STRING": "miss=0"},
     "/voice/nl/main/input?miss=0"),
])
def test_signed_url_keeps_the_raw_path_and_query(environ, expected_path):
    def host() -> str:
        return "http://10.0.0.5:8000/"

    assert signed_url(environ, host, "https://line.example.org/") == (
        "https://line.example.org" + expected_path)
    assert signed_url(environ, host, None) == "http://10.0.0.5:8000" + expected_path


def test_without_a_token_requests_are_not_checked_and_a_warning_is_logged(caplog):
    app = create_app({"TWILIO_AUTH_TOKEN": None, "MENUS_PATH": str(MENUS_PATH)})
    assert "signatures are NOT checked" in caplog.text
    assert app.test_client().post("/voice").status_code == 200


BAD_HOSTS = [{"HTTP_HOST": "xn--"}, {"HTTP_X_FORWARDED_HOST": "xn--"},
             {"HTTP_X_FORWARDED_HOST": "xn--zz"}, {"HTTP_X_FORWARDED_HOST": "a.xn--.b"}]


def _raw_post(app, url: str, environ: dict[str, str], headers: dict[str, str] | None = None):
    """POST straight to the WSGI app: werkzeug's test client itself cannot build a request
    with such a Host."""
    built = EnvironBuilder(path=url, method="POST", data={"To": "+3197010000000"},
                           headers=list((headers or {}).items())).get_environ()
    built.update(environ)
    status: list[str] = []
    body = b"".join(app.wsgi_app(built, lambda s, h, e=None: status.append(s)))
    return int(status[0].split()[0]), body.decode()


@pytest.mark.parametrize("environ", BAD_HOSTS)
@pytest.mark.parametrize("url", ["/voice", "/voice/zz", "/sms", "/sms/zz", "/voice/nl/main"])
def test_a_host_that_breaks_the_check_is_refused_not_answered(app, caplog, environ, url):
    """Issue 14: host_url raised UnicodeError outside any try, and the error handler then
    answered the unsigned request with TwiML (or a 500 with a traceback)."""
    assert _raw_post(app, url, environ)[0] == 403
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text


@pytest.mark.parametrize("environ", BAD_HOSTS)
def test_with_public_base_url_the_host_header_is_not_read(environ):
    app = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH),
                      "PUBLIC_BASE_URL": "https://line.example.org"})
    signature = RequestValidator(TOKEN).compute_signature("https://line.example.org/voice",
                                                          {"To": "+3197010000000"})
    status, body = _raw_post(app, "/voice", environ, {"X-Twilio-Signature": signature})
    assert status == 200 and "<Gather" in body


def test_a_json_body_is_checked_against_its_hash_too():
    # A body passed as text is left to validate(), which also checks bodySHA256: an empty
    # body, signed over the URL alone, does not match the hash in that URL.
    url = "https://line.example.org/voice?bodySHA256=" + "0" * 64
    signature = RequestValidator("12345").compute_signature(url, {})
    assert not is_valid("12345", url, "", signature)


def test_during_a_rotation_the_token_before_is_accepted_too(monkeypatch):
    """TWILIO_AUTH_TOKEN_FALLBACKS (comma-separated, from the environment): requests Twilio
    signs with the old primary token until the new one is promoted are answered, as are
    those signed with the new one; any other token is still refused."""
    old, new = "o" * 32, "n" * 32
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", new)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN_FALLBACKS", f" {old} ,")
    app = create_app({"MENUS_PATH": str(MENUS_PATH)})
    for token, status in ((old, 200), (new, 200), (TOKEN, 403)):
        assert Twilio(app.test_client(), token).post("/voice").status == status
