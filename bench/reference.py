"""The two reference apps of the benchmark, to compare the line against.

floor:  a bare Flask app that answers a constant TwiML document without reading the
        request: the fastest a Flask app answers on this machine.
secure: the same, after reading the form and checking X-Twilio-Signature with twilio's
        RequestValidator: the least any safe Twilio webhook does.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

# A document of the size of a menu of the line (about 1.5 kB).
TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/nl/main/'
         'input?miss=0" finishOnKey="" method="POST" numDigits="1" timeout="6">'
         + '<Say language="nl-NL" voice="Polly.Lotte">' + "x" * 1300 + "</Say>"
         + '</Gather><Redirect method="POST">/voice/nl/main/input?miss=0</Redirect></Response>')

floor = Flask("floor")
secure = Flask("secure")
validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))


@floor.route("/<path:anything>", methods=["GET", "POST"])
def constant(anything: str) -> Response:
    return Response(TWIML, mimetype="text/xml")


@secure.route("/<path:anything>", methods=["GET", "POST"])
def checked(anything: str) -> Response:
    if not validator.validate(request.url, request.form,
                              request.headers.get("X-Twilio-Signature", "")):
        return Response("Forbidden\n", status=403)
    return Response(TWIML, mimetype="text/xml")
