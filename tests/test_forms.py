"""A form with more fields than Twilio ever sends is refused with a short 413 before it
is parsed or its signature computed; every form Twilio sends, the largest included, is
answered."""

from __future__ import annotations

import logging

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.formparser import FormDataParser

from app import create_app
from ivr.web.signature import sign

from .helpers import LINE, MENUS_PATH, TOKEN, Twilio

# The largest forms Twilio sends. An SMS with its ten media (the most a message carries:
# https://www.twilio.com/docs/messaging/api/media-resource) and every parameter of the
# incoming message webhook, WhatsApp's included
# (https://www.twilio.com/docs/messaging/guides/webhook-request).
SMS_FIELDS = [
    "MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "MessagingServiceSid", "From",
    "To", "Body", "NumMedia", "NumSegments", "SmsStatus", "ApiVersion", "ReferralNumMedia",
    *(f"{side}{part}" for side in ("From", "To") for part in ("City", "State", "Zip", "Country")),
    *(f"Media{kind}{n}" for kind in ("ContentType", "Url") for n in range(10)),
    "ProfileName", "WaId", "Forwarded", "FrequentlyForwarded", "ButtonText", "ButtonPayload",
    "Latitude", "Longitude", "Address", "Label", "OriginalRepliedMessageSender",
    "OriginalRepliedMessageSid", "MessageType", "ChannelMetadata", "ReferralBody",
    "ReferralHeadline", "ReferralSourceId", "ReferralSourceType", "ReferralSourceUrl",
    "ReferralMediaId", "ReferralMediaContentType", "ReferralMediaUrl", "ReferralCtwaClid",
    "AddOns",
]
# A call's: the incoming call's parameters, the older Caller/Called ones with their places,
# and what <Gather> and <Dial> add to their action's request.
VOICE_FIELDS = [
    "CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction",
    "ForwardedFrom", "CallerName", "ParentCallSid", "CallToken", "StirVerstat",
    "StirPassportToken", "AddOns", "Caller", "Called",
    *(f"{side}{part}" for side in ("From", "To", "Caller", "Called")
      for part in ("City", "State", "Zip", "Country")),
    "Digits", "FinishedOnKey", "SpeechResult", "Confidence", "DialCallStatus", "DialCallSid",
    "DialCallDuration", "DialBridged", "msg",
]
CROWD = "&".join(["a="] * 10_000).encode()  # 10,000 empty fields: 30 KB
URLS = ["/voice", "/voice/nl/main/input?miss=0", "/sms", "/voice/xx"]  # the last unrouted
REFUSAL = "Too many form fields: at most 200\n"


@pytest.fixture
def work(monkeypatch):
    """Counts what a request costs: the forms parsed and the HMACs computed."""
    counts = {"parsed": 0, "hashed": 0}

    def counted(name, original):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(FormDataParser, "_parse_urlencoded",
                        counted("parsed", FormDataParser._parse_urlencoded))
    monkeypatch.setattr(RequestValidator, "compute_signature",
                        counted("hashed", RequestValidator.compute_signature))
    return counts


def values(names: list[str]) -> dict[str, str]:
    sample = {"From": "+31612345678", "To": LINE, "Body": "HELP", "NumMedia": "10",
              "Digits": "1"}
    return {name: sample.get(name, f"{name.lower()}-value") for name in names}


def test_the_bound_leaves_twilios_largest_forms_a_wide_margin(app):
    assert app.config["MAX_FORM_PARTS"] == 200
    assert 2 * len(SMS_FIELDS) <= 200 and 2 * len(VOICE_FIELDS) <= 200


@pytest.mark.parametrize(("url", "names"), [("/sms", SMS_FIELDS), ("/voice", VOICE_FIELDS),
                                            ("/voice/nl/main/input?miss=0", VOICE_FIELDS)])
def test_twilios_largest_forms_are_answered_with_twiml(twilio, url, names):
    answer = twilio.post(url, **values(names))
    assert answer.status == 200, answer.body
    assert answer.root.tag == "Response"


@pytest.mark.parametrize("url", URLS)
def test_a_crowded_unsigned_form_is_refused_before_parsing_or_hashing(app, work, url):
    response = app.test_client().post(url, data=CROWD,
                                      content_type="application/x-www-form-urlencoded",
                                      headers={"X-Twilio-Signature": "anything"})
    assert (response.status_code, response.get_data(as_text=True)) == (413, REFUSAL)
    assert response.mimetype == "text/plain"
    assert work == {"parsed": 0, "hashed": 0}


def test_a_crowded_form_is_refused_without_a_token_too(work):
    unsigned = create_app({"TWILIO_AUTH_TOKEN": None, "MENUS_PATH": str(MENUS_PATH)})
    response = unsigned.test_client().post("/voice", data=CROWD,
                                           content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.get_data(as_text=True)) == (413, REFUSAL)
    assert work["parsed"] == 0


def test_a_refused_crowded_form_logs_a_refusal(app, caplog):
    caplog.set_level(logging.DEBUG)
    app.test_client().post("/sms", data=CROWD, content_type="application/x-www-form-urlencoded")
    assert [getattr(r, "outcome", None) for r in caplog.records
            if r.getMessage() == "webhook"] == ["refused"]


def test_the_bound_counts_fields_exactly(twilio):
    # Twilio's test client adds CallSid, From and To to these.
    at_most = {f"X{n}": "" for n in range(197)}
    answer = twilio.post("/voice", **at_most)
    assert answer.status == 200 and answer.root.tag == "Response"
    # One more, even signed: Twilio never sends it, so it is not a Twilio request.
    assert twilio.post("/voice", **at_most, Y="").status == 413


def test_a_crowded_multipart_form_is_refused_unhashed(app, work):
    # Werkzeug applies MAX_FORM_PARTS to a multipart form itself, while parsing it.
    parts = {f"X{n}": "" for n in range(201)}
    response = app.test_client().post("/voice", data=parts,
                                      content_type="multipart/form-data",
                                      headers={"X-Twilio-Signature": "anything"})
    assert response.status_code == 413
    assert work["hashed"] == 0


def test_a_body_over_the_length_limit_is_still_413(twilio):
    assert twilio.post("/sms", Body="x" * (70 * 1024)).status == 413


def test_the_signature_still_covers_every_field(app):
    # The form counted first is the same form the signature is checked over.
    params = values(SMS_FIELDS)
    signature = sign(TOKEN, "http://localhost/sms", params)
    changed = {**params, "MediaUrl9": "https://example.org/other"}
    assert Twilio(app.test_client()).post("/sms", **params).status == 200
    client = app.test_client()
    assert client.post("/sms", data=changed,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
