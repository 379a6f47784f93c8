"""Wrong guesses of the simulator's password and the metrics token are throttled: 10 a
minute per client; past 100 a minute in all, the clients that guessed wrong; past 1,000,
everyone. Counted in the caps' store."""

from __future__ import annotations

import pytest

from app import create_app
from ivr.web.state import line_state

from .helpers import MENUS_PATH, TOKEN, basic_auth

PASSWORD = "correct horse battery staple"
METRICS = "a-metrics-token-long-enough"


def make(**config):
    return create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                       "SIMULATOR_PASSWORD": PASSWORD, "METRICS_TOKEN": METRICS, **config})


def simulator(client, password: str, address: str = "198.51.100.7") -> int:
    headers = {**basic_auth("trainer", password), "X-Forwarded-For": address}
    return client.get("/simulator/", headers=headers).status_code


def metrics(client, token: str, address: str = "198.51.100.7") -> int:
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}
    return client.get("/metrics", headers=headers).status_code


@pytest.mark.parametrize(("ask", "right"), [(simulator, PASSWORD), (metrics, METRICS)])
@pytest.mark.slow
def test_after_ten_wrong_guesses_a_client_waits_a_minute(ask, right):
    client = make().test_client()
    assert ask(client, right) == 200
    assert [ask(client, f"guess-{i}") for i in range(10)] == [401] * 10
    throttled = client.get("/metrics" if ask is metrics else "/simulator/", headers={
        "X-Forwarded-For": "198.51.100.7", **({"Authorization": f"Bearer {right}"}
                                              if ask is metrics else basic_auth("t", right))})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "60"
    assert ask(client, right, address="203.0.113.9") == 200  # another client is let in


def test_the_browser_asking_for_the_password_is_no_guess():
    client = make().test_client()
    for _ in range(20):
        assert client.get("/simulator/").status_code == 401  # no Authorization header
    assert simulator(client, PASSWORD) == 200


@pytest.mark.slow
def test_wrong_guesses_from_elsewhere_never_lock_out_the_right_token():
    # 120 wrong tokens from 120 addresses: the owner, who guessed nothing wrong, is let
    # in; past 100 in all, a client that guessed wrong waits, even with the right token.
    client = make().test_client()
    statuses = [metrics(client, "wrong", address=f"192.0.2.{i}") for i in range(120)]
    assert statuses == [401] * 120
    assert metrics(client, METRICS, address="203.0.113.50") == 200
    assert simulator(client, PASSWORD, address="203.0.113.50") == 200
    assert metrics(client, METRICS, address="192.0.2.5") == 429


@pytest.mark.slow
def test_a_flood_from_forged_addresses_is_bounded_for_everyone():
    # Addresses that change with every guess, as X-Forwarded-For forged where no proxy is in
    # front of a line told to trust one: past 1,000 in a minute, everyone waits.
    client = make().test_client()
    statuses = [metrics(client, "wrong", address=f"10.{i // 250}.{i % 250}.1")
                for i in range(1001)]
    assert statuses.count(401) == 100 + 900 and statuses[-1] == 429
    assert metrics(client, METRICS, address="203.0.113.50") == 429


def test_without_a_trusted_proxy_a_forged_forwarded_for_is_no_new_client():
    client = make(TRUSTED_PROXIES=0).test_client()
    statuses = [metrics(client, "wrong", address=f"192.0.2.{i}") for i in range(11)]
    assert statuses == [401] * 10 + [429]
    assert metrics(client, METRICS, address="192.0.2.200") == 429


@pytest.mark.parametrize("proxies", [1, 2])
@pytest.mark.slow
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(proxies):
    # What the client wrote itself into X-Forwarded-For, left of what the proxies
    # appended, changes nothing.
    client = make(TRUSTED_PROXIES=proxies).test_client()
    proxied = ", 10.0.0.2" * (proxies - 1)
    statuses = [metrics(client, "wrong", address=f"192.0.2.{i}, 198.51.100.7{proxied}")
                for i in range(11)]
    assert statuses == [401] * 10 + [429]
    assert metrics(client, METRICS, address=f"198.51.100.8{proxied}") == 200


def test_when_the_store_fails_the_pages_refuse(monkeypatch):
    app = make()

    class Broken:
        def __getattr__(self, name):
            raise ConnectionError("the store is down")

    monkeypatch.setattr(line_state(app), "limiter", Broken())
    assert metrics(app.test_client(), METRICS) == 429
    assert simulator(app.test_client(), PASSWORD) == 429
