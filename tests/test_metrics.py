"""Metrics of use, without personal data, behind a bearer token."""

from __future__ import annotations

import re

import pytest

from app import create_app

from .helpers import MENUS_PATH, METRICS_TOKEN, TOKEN, Twilio, metric_value


@pytest.fixture(scope="module")
def metered():
    return create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                       "METRICS_TOKEN": METRICS_TOKEN})


def scrape(app) -> str:
    response = app.test_client().get("/metrics",
                                     headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_metrics_are_off_without_a_token(app):
    assert app.test_client().get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", "metrics-secret", "Basic xyz"])
def test_metrics_need_the_bearer_token(metered, header):
    headers = {"Authorization": header} if header else {}
    assert metered.test_client().get("/metrics", headers=headers).status_code == 401


def test_a_call_and_a_text_are_counted_without_personal_data(metered):
    before = scrape(metered)
    twilio = Twilio(metered.test_client())
    answer = twilio.post("/voice", From="+48601234567")
    answer = twilio.follow(answer, "3")  # Polish
    answer = twilio.follow(answer, "#")  # a person: the contacts, one key from every menu
    twilio.follow(answer, "1")  # the police
    twilio.post("/voice/pl/call_police/dialed", DialCallStatus="busy")
    twilio.post("/sms", Body="Ik ben Anna uit Rotterdam, POLITIE", From="+31612345678")
    twilio.post("/sms", Body="STOP", From="+31612345678")
    after = scrape(metered)

    def grew(name, **labels):
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert grew("line_calls_total") == 1
    assert grew("line_languages_chosen_total", language="pl") == 1
    assert grew("line_node_visits_total", node="contacts", language="pl") >= 1
    assert grew("line_forwards_total", contact="police", status="busy") == 1
    assert grew("line_texts_total", asked="call_police", language="nl") == 1
    assert grew("line_texts_total", asked="opt-out", language="nl") == 1
    # No label holds a number or free text.
    for line in after.splitlines():
        if not line.startswith("#"):
            labels = line.split("{", 1)[1].split("}", 1)[0] if "{" in line else ""
            assert not re.search(r"\d{5,}", labels), line
            assert "Anna" not in labels and "Rotterdam" not in labels
