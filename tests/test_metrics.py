"""Metrics of use, without personal data, behind a bearer token."""

from __future__ import annotations

import re

import pytest

from app import create_app
from ivr.web.state import line_state

from .helpers import (
    MENUS_PATH,
    METRICS_TOKEN,
    TOKEN,
    Twilio,
    confirm_text,
    key_to,
    metric_value,
    texting_line,
)


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


def test_a_node_is_counted_where_it_is_reached_not_where_its_key_was_pressed(metered):
    before = scrape(metered)
    twilio = Twilio(metered.test_client())
    twilio.post("/voice/ro/main/input?miss=0", Digits=key_to("main", "help"))
    twilio.post("/voice/ro/main/input?miss=0", Digits="x")  # a wrong key: main's keys again
    after = scrape(metered)
    grew = {node: metric_value(after, "line_node_visits_total", node=node, language="ro")
            - metric_value(before, "line_node_visits_total", node=node, language="ro")
            for node in ("main", "help")}
    assert grew == {"main": 0, "help": 1}


def test_the_miss_limit_closed_contacts_and_texts_not_sent_are_counted(metered, tmp_path):
    before = scrape(metered)
    twilio = Twilio(metered.test_client())
    limit = line_state(metered).menus.settings.max_misses
    twilio.post(f"/voice/pl/main/input?miss={limit - 1}", Digits="x")
    twilio.post(f"/voice/language?miss={limit - 1}", Digits="")
    app, _, texting = texting_line(METRICS_TOKEN=METRICS_TOKEN)
    texts_before = scrape(app)
    confirm_text(texting, caller="+31201234567")  # a landline: refused
    after = scrape(metered)

    def grew(name, **labels):
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert grew("line_miss_limits_total", language="pl") == 1
    assert grew("line_miss_limits_total", language="unknown") == 1
    assert metric_value(scrape(app), "line_texts_not_sent_total", reason="refused") - \
        metric_value(texts_before, "line_texts_not_sent_total", reason="refused") == 1
