"""The voice URLs are defined once (ivr/voice/urls.py): the webhooks are routed by those
rules, and every URL an answer holds leads to the webhook it was built for."""

from __future__ import annotations

import pytest

from ivr.voice import urls


def test_the_voice_webhooks_are_routed_by_the_url_rules(app):
    routed = {rule.endpoint.removeprefix("voice."): rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("voice.")}
    assert routed == urls.RULES


@pytest.mark.parametrize(("url", "endpoint", "args"), [
    (urls.language_choice(2, second_page=True), "language_input", {}),
    (urls.node_input("nl", "main", 1, part=2, start=1), "node_input",
     {"lang": "nl", "node_id": "main"}),
    (urls.dialed("pl", "call_police"), "dialed", {"lang": "pl", "node_id": "call_police"}),
    (urls.failed_input("nl", "call_police", 0, part=1), "failed_input",
     {"lang": "nl", "node_id": "call_police"}),
    (urls.connect("en", "call_police"), "connect_input", {"lang": "en", "node_id": "call_police"}),
])
def test_each_url_leads_to_its_webhook_with_its_state(app, url, endpoint, args):
    path = url.partition("?")[0]
    matched, values = app.url_map.bind("localhost").match(path, method="POST")
    assert (matched, values) == (f"voice.{endpoint}", args)
    assert url == {
        "language_input": "/voice/language?miss=2&page=2",
        "node_input": "/voice/nl/main/input?miss=1&part=2&from=1",
        "dialed": "/voice/pl/call_police/dialed",
        "failed_input": "/voice/nl/call_police/failed?miss=0&part=1",
        "connect_input": "/voice/en/call_police/connect"}[endpoint]
