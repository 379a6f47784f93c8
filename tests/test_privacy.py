"""No caller's number in any log line; nothing about a caller kept."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.voice import answers as voice
from ivr.web.logs import WEBHOOK_FIELDS, JsonFormatter
from ivr.web.privacy import HAS_NUMBER, NUMBER_RE, mask_number

from .helpers import CALLER, LINE, key_to, shipped_menus

MENUS = shipped_menus()

FORMS = [CALLER, "0612345678", "31612345678", "612345678", "+31 6 1234 5678", "06-12345678"]


def _walk_a_whole_call(twilio) -> None:
    """Dutch, a page, silence on it, # for a person, then the anonymous line."""
    main, contacts = MENUS.settings.main_node, MENUS.settings.other_contacts_node
    answer = twilio.post("/voice", From=CALLER, Caller=CALLER)
    for key in [MENUS.languages["nl"].key, key_to(main, "report"), "", "#",
                key_to(contacts, "call_anonymous")]:
        answer = twilio.follow(answer, key or None, From=CALLER, Caller=CALLER)
    assert answer.first("Dial") is not None  # the walk reached the forward
    twilio.post("/voice/nl/call_anonymous/dialed", DialCallStatus="busy", From=CALLER)
    for body in ("Ik ben Anna, mijn nummer is 0612345678", "HULP", "2", "MEER"):
        twilio.post("/sms", Body=body, From=CALLER)


def test_a_whole_call_and_sms_session_log_no_form_of_the_callers_number(twilio, caplog):
    caplog.set_level(logging.DEBUG)
    _walk_a_whole_call(twilio)
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    logged = "\n".join(lines)
    # The requests were logged, as JSON lines with what happened...
    entries = [json.loads(line) for line in lines if '"webhook"' in line]
    assert {e["channel"] for e in entries} == {"voice", "sms"}
    dialed = next(e for e in entries if e["path"] == "/voice/nl/call_anonymous/dialed")
    assert dialed["outcome"] == "forward busy" and dialed["node"] == "call_anonymous"
    assert all(len(e["request_id"]) == 12 and e["duration_ms"] >= 0 for e in entries)
    # ...and without the caller, or what they wrote.
    for form in FORMS:
        assert form not in logged
    assert "Anna" not in logged


def test_no_twiml_ever_holds_the_callers_number(twilio):
    answer = twilio.post("/voice/en/call_police", From=CALLER)
    assert "612345678" not in answer.body


def test_the_key_after_the_last_chance_forwards_with_the_line_s_number(twilio):
    fallback = MENUS.settings.fallback_node
    last = twilio.post(f"/voice/nl/main/input?miss={MENUS.settings.max_misses - 1}",
                       From=CALLER)
    assert last.first("Dial") is None and "612345678" not in last.body
    answer = twilio.follow(last, MENUS.settings.connect_key, From=CALLER)
    assert answer.first("Gather") is None
    dial = answer.first("Dial")
    assert dial is not None and dial.get("callerId") == LINE
    assert dial.findtext("Number") == MENUS.contacts[MENUS.nodes[fallback].contact].number
    assert "612345678" not in answer.body


@pytest.mark.parametrize("form", FORMS)
def test_mask_keeps_only_the_last_two_digits(form):
    masked = mask_number(f"call from {form} ended")
    assert "78 ended" in masked
    assert "1234" not in masked


def test_short_numbers_are_left_alone():
    assert mask_number("GET /voice/nl/main/input?miss=2 200 3.1ms") == (
        "GET /voice/nl/main/input?miss=2 200 3.1ms")


def test_numbers_are_masked_for_every_handler_whatever_logged_them(app):
    """Masked when the record is made: a handler someone else added sees no number."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    try:
        logger.warning("a library logged %s", CALLER)
        try:
            raise ValueError(f"bad caller {CALLER}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "a library logged *********78" in output
    assert "ValueError: bad caller" in output
    for form in FORMS:
        assert form not in output


def test_the_voice_module_gets_only_the_lines_number():
    """The pure functions get a Call with the line's number only, never the caller's."""
    assert vars(voice.Call.from_to("+3197010000000")) == {"line_number": "+3197010000000",
                                                          "region": None, "now": None,
                                                          "language": None}
    assert voice.Call.from_to("+٣١٩٧٠١٠٠٠٠٠٠٠").line_number is None  # non-ASCII digits


@pytest.mark.parametrize(("number", "region"), [
    ("+48601234567", "PL"), ("+31612345678", "NL"), ("whatsapp:+40712345678", "RO"),
    ("anonymous", None), ("", None), ("+999", None), (None, None)])
def test_only_the_country_of_the_callers_number_is_kept(number, region):
    from ivr.web.voice_webhook import caller_region

    assert caller_region(number) == region


def test_an_anonymous_contact_hides_the_caller_whatever_its_caller_id(menus):
    """Defence in depth: the validator refuses caller_id: caller for an anonymous contact,
    and the forward itself would still use the line's number."""
    import dataclasses

    contacts = dict(menus.contacts)
    contacts["anonymous"] = dataclasses.replace(contacts["anonymous"], caller_id="caller")
    changed = dataclasses.replace(menus, contacts=contacts)
    answer = str(voice.show_node(changed, "nl", "call_anonymous",
                                 voice.Call("+3197010000000")).twiml)
    assert 'callerId="+3197010000000"' in answer
    answer = str(voice.show_node(changed, "nl", "call_anonymous", voice.Call(None)).twiml)
    assert "<Dial" not in answer


def test_the_quick_country_is_the_one_phonenumbers_finds():
    """caller_region skips parsing where the country code names one country: for every
    country's example numbers, the answer is the one a full parse gives."""
    import phonenumbers

    from ivr.web.voice_webhook import caller_region

    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            parsed = phonenumbers.region_code_for_number(phonenumbers.parse(number))
            assert caller_region(number) == parsed, number


def test_every_field_of_a_log_line_is_masked_not_only_the_path():
    """node, language and outcome are the line's own words today; masked all the same, so
    that a later caller of logs.note() cannot put a number in a log line."""
    record = logging.LogRecord("ivr.voice", logging.INFO, __file__, 0, "webhook", (), None)
    record.__dict__.update(path="/voice/nl/main", node="0612345678", outcome=f"text {CALLER}",
                           language="nl", status=200, request_id="098e1234567a")
    line = json.loads(JsonFormatter().format(record))
    # The random request id is no number (masked, it read '098e******23' in a line of ten).
    assert line["request_id"] == "098e1234567a"
    assert line["node"] == "********78" and line["outcome"] == "text *********78"
    assert line["path"] == "/voice/nl/main" and line["status"] == 200


def test_a_field_orjson_refuses_still_gives_one_masked_json_line():
    """orjson writes the lines; what it refuses (a lone surrogate from a file name, an
    integer over 64 bits) goes through the standard library's encoder instead: still one
    JSON object, still masked, never a logging error on stderr."""
    record = logging.LogRecord("ivr.voice", logging.WARNING, __file__, 0,
                               "no file \udc80 for %s", (CALLER,), None)
    record.__dict__.update(big=2**70, node="0612345678")
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["big"] == 2**70 and entry["node"] == "********78"
    assert entry["message"] == "no file \udc80 for *********78"
    assert CALLER not in line and "0612345678" not in line


def test_log_lines_are_written_by_orjson_compact():
    """The usual line is orjson's (compact, no spaces): the serialiser this formatter was
    chosen for (speed), not a silent fall-back to the slower one."""
    record = logging.LogRecord("ivr.voice", logging.INFO, __file__, 0, "webhook", (), None)
    record.__dict__.update(channel="voice", status=200, outcome="forward busy")
    line = JsonFormatter().format(record)
    assert line.startswith('{"time":"') and '"channel":"voice","status":200,' in line


class Seen(logging.Handler):
    """A handler someone else added: it keeps the records it is given, as they are."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_no_handler_sees_a_number_in_a_webhook_line(twilio) -> None:
    """The webhook's own line is made as every record is: by the installed record factory
    (a platform agent's, or the one that masks numbers), its fields masked before any
    handler sees them, not only by the line's JSON formatter."""
    handler = Seen()
    made_by = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = made_by(*args, **kwargs)
        vars(record)["made_by_factory"] = True
        return record

    logger = logging.getLogger("sms")
    level = logger.level
    logging.setLogRecordFactory(factory)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        twilio.post("/sms/0612345678", Body="HULP")  # any path under /sms: a webhook
    finally:
        logging.setLogRecordFactory(made_by)
        logger.removeHandler(handler)
        logger.setLevel(level)
    [record] = [r for r in handler.records if r.getMessage() == "webhook"]
    assert vars(record).get("made_by_factory") is True
    assert vars(record)["path"] == "/sms/********78"
    assert vars(record)["channel"] == "sms"
    # Masked once, when made: the JSON line says so, and no more.
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/sms/********78" and WEBHOOK_FIELDS not in line


def test_a_webhook_line_is_the_line_python_json_logger_makes_of_its_record(twilio) -> None:
    """The webhook's line leaves out python-json-logger's search of the record's every
    attribute (JsonFormatter.add_fields): it is still the same line, field for field and
    in the same order, as the library's own add_fields makes of the same record."""
    handler, logger = Seen(), logging.getLogger("ivr.voice")
    logger.addHandler(handler)
    try:
        twilio.post("/voice/nl/call_police/dialed", DialCallStatus="busy", From=CALLER)
    finally:
        logger.removeHandler(handler)
    [record] = [r for r in handler.records if r.getMessage() == "webhook"]
    assert vars(record)[WEBHOOK_FIELDS]["outcome"] == "forward busy"
    as_any = logging.makeLogRecord({k: v for k, v in vars(record).items()
                                    if k != WEBHOOK_FIELDS})
    line, library = JsonFormatter().format(record), JsonFormatter().format(as_any)
    assert line == library
    assert list(json.loads(line))[:6] == ["time", "level", "logger", "message", "request_id",
                                          "channel"]


@given(st.text(st.sampled_from("0123456789+ .-/\0a٣") | st.characters(), max_size=40))
def test_the_quick_check_finds_a_number_where_masking_would(text):
    """HAS_NUMBER decides whether a log line's fields are masked at all: it finds a number
    exactly where NUMBER_RE would mask one."""
    assert bool(HAS_NUMBER.search(text)) == bool(NUMBER_RE.search(text))
    assert (mask_number(text) != text) == bool(HAS_NUMBER.search(text))
