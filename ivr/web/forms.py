"""A form with more fields than Twilio ever sends is refused before it is parsed or its
signature computed: parsing and hashing cost time in proportion to the fields, and 10,000
empty ones fit in 30 KB, under MAX_CONTENT_LENGTH.

Twilio posts `application/x-www-form-urlencoded`
(https://www.twilio.com/docs/messaging/guides/webhook-request). Flask's MAX_FORM_PARTS
setting bounds the parts of a multipart form, but Werkzeug (3.1) does not apply it to an
urlencoded one, which it parses whole; here it bounds those too, by counting the `&` that
separate the fields in the raw body before anything parses it.
"""

from __future__ import annotations

from flask import Request, Response
from werkzeug.exceptions import RequestEntityTooLarge

URLENCODED = "application/x-www-form-urlencoded"


def refuse_crowded_form(req: Request) -> Response | None:
    """A 413 for a POSTed form with more fields than MAX_FORM_PARTS; None: go on."""
    limit = req.max_form_parts  # the MAX_FORM_PARTS setting
    if req.method != "POST" or limit is None or req.mimetype != URLENCODED:
        return None  # a multipart form: Werkzeug applies the limit while parsing it
    try:
        # Read once and kept: the form is then parsed from this copy.
        separators = req.get_data(cache=True).count(b"&")
    except RequestEntityTooLarge:
        return too_large()
    if separators < limit:  # at most `limit` fields
        return None
    return Response(f"Too many form fields: at most {limit}\n", status=413,
                    mimetype="text/plain")


def too_large() -> Response:
    return Response("Request too large\n", status=413, mimetype="text/plain")
