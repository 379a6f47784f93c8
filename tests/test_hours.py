"""Opening hours as data: a weekly schedule in Europe/Amsterdam, closed on Dutch holidays,
with the clock injected so that the tests fix it."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from app import create_app
from ivr.content.hours import AMSTERDAM, Opening, is_open, next_opening
from ivr.lines import check_file

from .helpers import LINE, MENUS_PATH, ROOT, TOKEN, Twilio, shipped_menus

MENUS_TITLES = {node: shipped_menus().nodes[node].title["nl"]
                for node in ("call_police", "call_anonymous")}
CLOSED_COUNT = "line_closed_contacts_total"
OFFICE = tuple(Opening(day, 9 * 60, 17 * 60) for day in range(5))  # Mon-Fri 09:00-17:00


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


@pytest.mark.parametrize(("now", "open_"), [
    ("2026-11-30 10:00", True),  # a Monday morning
    ("2026-11-30 08:59", False),
    ("2026-11-30 17:00", False),  # the end is not included
    ("2026-11-28 12:00", False),  # a Saturday
    ("2026-12-25 12:00", False),  # Christmas Day, a Friday: a Dutch public holiday
    ("2026-04-27 12:00", False),  # King's Day, a Monday
    ("2026-04-28 12:00", True),
])
def test_is_open(now, open_):
    assert is_open(OFFICE, at(now)) is open_


def test_no_hours_or_no_clock_is_always_open():
    assert is_open((), at("2026-12-25 03:00"))
    assert is_open(OFFICE, None)


def test_the_time_zone_is_amsterdam_whatever_the_clock_says():
    # 08:30 UTC in winter is 09:30 in Amsterdam (CET); in summer 10:30 (CEST).
    assert is_open(OFFICE, datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    assert not is_open(OFFICE, datetime(2026, 11, 30, 7, 30, tzinfo=UTC))
    assert is_open(OFFICE, datetime(2026, 6, 1, 7, 30, tzinfo=UTC))


@pytest.mark.parametrize(("now", "day", "time"), [
    ("2026-11-27 18:00", 0, "09:00"),  # Friday evening: Monday
    ("2026-11-30 07:00", 0, "09:00"),  # Monday early: the same morning
    ("2026-12-24 18:00", 0, "09:00"),  # before Christmas: past the holiday, Monday 28th
])
def test_next_opening(now, day, time):
    opening = next_opening(OFFICE, at(now))
    assert opening is not None and (opening.day, opening.time) == (day, time)


@pytest.fixture
def office_hours(tmp_path):
    """The shipped menus with office hours for CoMensha (the shipped file has none)."""
    source = MENUS_PATH.read_text()
    marker = '    spoken: "033 448 11 86"\n'
    hours = "".join(f'      {d}: ["09:00-17:00"]\n' for d in ("mon", "tue", "wed", "thu", "fri"))
    (tmp_path / "menus.yaml").write_text(source.replace(marker, marker + "    hours:\n" + hours))
    shutil.copytree(ROOT / "audio", tmp_path / "audio")
    return tmp_path / "menus.yaml"


def _app(path, now: str):
    return create_app({"MENUS_PATH": str(path), "TWILIO_AUTH_TOKEN": TOKEN,
                       "CLOCK": lambda: at(now)})


def forward(path, now: str, lang: str, node_id: str):
    """The answer to a caller who chose the forward in the contacts menu, as offered: a
    forward is only ever reached by its key."""
    twilio = Twilio(_app(path, now).test_client())
    contacts = twilio.post(f"/voice/{lang}/contacts")
    key = next(o.key for o in shipped_menus().nodes["contacts"].options if o.target == node_id)
    return twilio.follow(contacts, key)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.slow
def test_outside_hours_the_caller_hears_when_it_opens_and_gets_the_contacts(office_hours, lang):
    answer = forward(office_hours, "2026-11-28 12:00", lang, "call_comensha")
    assert answer.first("Dial") is None
    spoken = answer.spoken()
    assert {"nl": "CoMensha is nu gesloten. Weer open: maandag, 09:00 uur.",
            "en": "CoMensha is closed now. Open again: Monday, 09:00."}[lang] in spoken
    assert answer.first("Gather").get("action") == f"/voice/{lang}/contacts/input?miss=0"


def test_within_hours_the_forward_goes_through(office_hours):
    answer = forward(office_hours, "2026-11-30 10:00", "nl", "call_comensha")
    assert answer.first("Dial").find("Number").text == "+31334481186"
    assert answer.first("Dial").get("callerId") == LINE


@pytest.mark.slow  # a whole line checked again
def test_the_police_and_the_anonymous_line_are_always_offered(office_hours):
    answer = forward(office_hours, "2026-12-25 03:00", "nl", "call_police")
    assert answer.first("Dial").find("Number").text == "+319008844"


def test_hours_on_the_police_are_refused(tmp_path):
    source = MENUS_PATH.read_text()
    marker = '    spoken: "0900 88 44"\n'
    path = tmp_path / "menus.yaml"
    path.write_text(source.replace(marker, marker + '    hours: {mon: ["09:00-17:00"]}\n'))
    problems = [str(p) for p in check_file(path)[1]]
    assert ("menus.yaml: contact 'police': field 'hours': the police forward and the anonymous "
            "line are always offered; remove its hours") in problems


@pytest.mark.parametrize(("hours", "message"), [
    ('{mon: ["9-17"]}', "contact 'comensha' field 'hours' mon: '9-17' must look like "
                        "\"09:00-17:00\", the start before the end"),
    ('{mon: ["17:00-09:00"]}', "contact 'comensha' field 'hours' mon: '17:00-09:00' must look "
                               "like \"09:00-17:00\", the start before the end"),
    ('{mnd: ["09:00-17:00"]}', "contact 'comensha' field 'hours': unknown day 'mnd' "
                               "(did you mean 'mon'?)"),
])
def test_broken_hours_are_named(tmp_path, hours, message):
    source = MENUS_PATH.read_text()
    marker = '    spoken: "033 448 11 86"\n'
    path = tmp_path / "menus.yaml"
    path.write_text(source.replace(marker, marker + f"    hours: {hours}\n"))
    assert f"menus.yaml: {message}" in [str(p) for p in check_file(path)[1]]


@pytest.mark.slow  # a whole line checked again
def test_the_closed_answer_offers_the_police_and_the_anonymous_line(office_hours):
    answer = forward(office_hours, "2026-12-25 03:00", "nl", "call_comensha")
    spoken = answer.spoken()
    for node in ("call_police", "call_anonymous"):
        assert MENUS_TITLES[node] in spoken


def test_a_contacts_menu_without_the_police_is_refused(tmp_path):
    source = MENUS_PATH.read_text()
    path = tmp_path / "menus.yaml"
    path.write_text(source.replace('      "2": call_anonymous\n      "3": call_comensha\n',
                                   '      "3": call_comensha\n', 1))
    problems = [str(p) for p in check_file(path)[1]]
    assert ("menus.yaml: node 'contacts': must offer a forward to 'anonymous': after a failed "
            "or closed forward, the police and the anonymous line are always offered") in problems


@pytest.mark.parametrize("early", [False, True])
@pytest.mark.slow
def test_a_closed_contact_is_an_event_in_the_log(office_hours, caplog, early):
    """Only when its key was pressed after its offer: before, the offer comes first."""
    twilio = Twilio(_app(office_hours, "2026-11-28 12:00").test_client())
    contacts = twilio.post("/voice/nl/contacts")
    key = next(o.key for o in shipped_menus().nodes["contacts"].options
               if o.target == "call_comensha")
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    closed_before = REGISTRY.get_sample_value(CLOSED_COUNT, {"contact": "comensha"}) or 0
    if early:
        answer = twilio.post("/voice/nl/contacts/input?miss=0", Digits=key)
    else:
        answer = twilio.follow(contacts, key)
    assert answer.first("Dial") is None
    outcomes = [(r.levelname, r.outcome) for r in caplog.records if r.getMessage() == "webhook"]
    assert outcomes == ([("DEBUG", "menu")] if early else [("INFO", "closed")])
    closed = REGISTRY.get_sample_value(CLOSED_COUNT, {"contact": "comensha"}) or 0
    assert closed - closed_before == (0 if early else 1)
