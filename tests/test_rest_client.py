"""TWILIO_API_BASE_URL: every REST call the line makes goes to it (here a fake of Twilio's
API over real loopback HTTP), and it is refused unless https or loopback; the client
retries a 429, and a server error only where doing it twice does no harm."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app import StartRefused, create_app
from ivr.web.rest_client import ApiHttpClient

from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi
from .helpers import CALLER, LINE, MENUS_PATH, ROOT, Twilio, confirm_text


@pytest.fixture
def fake():
    with FakeTwilioApi() as api:
        yield api


def no_wait(waits: list[float]):
    return waits.append


REFUSED_BASE = ("the account's credentials go with every request: give an https:// URL, "
                "or http:// only to this machine (127.0.0.1, [::1] or localhost)")
ONLY_HOST = ("give only the scheme, host and port: each request keeps its own path "
             "(/2010-04-01/... for api.twilio.com)")


@pytest.mark.parametrize(("url", "problem"), [
    ("http://api.example.org", REFUSED_BASE),
    ("http://10.0.0.1:8080", REFUSED_BASE),
    ("ftp://127.0.0.1", REFUSED_BASE),
    ("api.example.org", REFUSED_BASE),
    ("https://proxy.example.org/twilio", ONLY_HOST),
    ("http://127.0.0.1:8080/?x=1", ONLY_HOST),
])
def test_a_base_url_neither_https_nor_loopback_is_refused(url, problem):
    with pytest.raises(StartRefused) as refused:
        create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_API_BASE_URL": url})
    assert refused.value.message == f"TWILIO_API_BASE_URL={url}: {problem}"


@pytest.mark.parametrize("url", ["https://proxy.example.org", "https://proxy.example.org:8443/",
                                 "http://127.0.0.1:8080", "http://[::1]:8080",
                                 "http://localhost:8080", "http://127.0.0.2"])
def test_https_and_loopback_base_urls_are_taken(url):
    create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_API_BASE_URL": url})


def test_the_purge_command_refuses_a_plain_http_base_url_in_one_json_line():
    env = {"PATH": "/usr/bin:/bin", "TWILIO_API_BASE_URL": "http://api.example.org",
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "LINE_NUMBERS": LINE}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "twilio", "purge"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert [json.loads(line)["message"] for line in done.stderr.splitlines()] == [
        f"Refusing to start: TWILIO_API_BASE_URL=http://api.example.org: {REFUSED_BASE}"]


def test_numbers_by_text_go_to_the_base_url(fake):
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                      "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_BASE_URL": fake.url,
                      "SMS_ALLOWED_COUNTRIES": "NL"})
    twilio = Twilio(app.test_client(), token=AUTH_TOKEN)

    confirm_text(twilio)

    [sent] = [r for r in fake.requests if r.method == "POST"]
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent.forwarded_host == "api.twilio.com"
    assert (sent.form["To"], sent.form["From"]) == (CALLER, LINE)


def test_a_failed_post_is_never_sent_twice_but_a_429_is_retried(fake):
    waits: list[float] = []
    client = ApiHttpClient(fake.url, retries=3, sleep=no_wait(waits))
    auth = (ACCOUNT_SID, AUTH_TOKEN)
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    text = {"To": CALLER, "From": LINE, "Body": "Politie"}
    fake.list_answers = [500]
    assert client.request("GET", url, auth=auth).status_code == 200
    fake.list_answers = [500]
    assert client.request("POST", url, data=text, auth=auth).status_code == 500
    fake.list_answers = [429]
    assert client.request("POST", url, data=text, auth=auth).status_code == 201
    assert waits == [1, 1]
    assert [r.method for r in fake.requests] == ["GET", "GET", "POST", "POST", "POST"]
