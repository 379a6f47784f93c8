"""Numbers by text: a warning, a confirmation, then an SMS through Twilio's REST API, to a
mobile number in an allowed country only, within limits, and never an error for the
caller. A fake http_client stands in for Twilio: nothing touches the network."""

from __future__ import annotations

import pytest

from app import StartRefused, create_app
from ivr.web.capstore import SQLiteStorage
from ivr.web.state import line_state

from .helpers import (
    LINE,
    MENUS_PATH,
    METRICS_TOKEN,
    TOKEN,
    FakeTwilio,
    Twilio,
    confirm_text,
    lock_screen_words_in,
    metric_value,
    shipped_menus,
    texting_line,
)

MENUS = shipped_menus()
MOBILE = "+31612345678"


@pytest.mark.parametrize("lang", list(MENUS.languages))
def test_the_caller_is_warned_first_and_nothing_is_sent_without_confirming(lang):
    _, fake, twilio = texting_line()
    offer = twilio.post(f"/voice/{lang}/report/input?miss=0", Digits="3", From=MOBILE)
    assert MENUS.nodes["text_report"].say[lang].split()[0] in offer.spoken()
    assert offer.first("Gather").get("action") == f"/voice/{lang}/text_report/input?miss=0"
    for digits in ("", "9", "0", "*"):
        twilio.post(f"/voice/{lang}/text_report/input?miss=0", Digits=digits, From=MOBILE)
    assert fake.sent == []


def test_after_confirming_the_numbers_are_sent_from_the_lines_own_number():
    _, fake, twilio = texting_line()
    answer = confirm_text(twilio)
    assert len(fake.sent) == 1
    request = fake.sent[0]
    assert request["method"] == "POST" and request["uri"].endswith("/Messages.json")
    assert request["data"]["To"] == MOBILE and request["data"]["From"] == LINE
    assert "0900-8844" in request["data"]["Body"] and "0800-7000" in request["data"]["Body"]
    assert MENUS.prompt("text_sent", "nl") in answer.spoken()
    assert answer.first("Gather").get("action") == "/voice/nl/main/input?miss=0"


@pytest.mark.parametrize(("caller", "why"), [
    ("+31201234567", "a landline"),
    ("+48601234567", "a mobile outside the allow-list"),
    ("anonymous", "a withheld number"),
    ("+319007464466", "a premium-rate number"),
])
def test_only_mobiles_in_allowed_countries_get_a_text(caller, why):
    _, fake, twilio = texting_line()
    answer = confirm_text(twilio, caller=caller)
    assert fake.sent == [], why
    assert MENUS.prompt("text_not_sent", "nl") in answer.spoken()
    assert answer.times_spoken(MENUS.contacts["police"]) == 1  # once: see test_voice_paths
    assert answer.times_spoken(MENUS.contacts["anonymous"]) == 1


def test_a_text_not_sent_gives_the_numbers_once_where_a_key_is_heard_then_the_last_chance():
    """Not the numbers twice outside a <Gather> and the whole main menu (over a minute for
    a caller who has gone quiet): the numbers once, the key for the main menu, any key
    heard; silence, as anywhere, leads to the last chance."""
    _, fake, twilio = texting_line()
    answer = confirm_text(twilio, node="text_help", caller="+31201234567")  # a landline
    assert fake.sent == []
    assert [child.tag for child in answer.root] == ["Gather", "Redirect"]
    gather = answer.first("Gather")
    assert gather.get("action") == "/voice/nl/main/input?miss=0"
    main_menu = MENUS.prompt("global_main_menu", "nl")
    assert f"{main_menu}: druk op 0." in answer.spoken()
    assert twilio.follow(answer, "0").first("Gather").get("action") == (
        "/voice/nl/main/input?miss=0")
    last = twilio.follow(answer)
    assert MENUS.prompt("too_many_misses", "nl").split("{")[0] in last.spoken()
    assert last.first("Dial") is None and last.root[-1].tag == "Hangup"


@pytest.mark.slow
def test_three_a_day_per_number():
    _, fake, twilio = texting_line()
    answers = [confirm_text(twilio) for _ in range(4)]
    assert len(fake.sent) == 3
    assert MENUS.prompt("text_not_sent", "nl") in answers[3].spoken()
    confirm_text(twilio, caller="+31687654321")  # another number still gets one
    assert len(fake.sent) == 4


def test_an_hourly_cap_for_all_numbers():
    _, fake, twilio = texting_line(SMS_OVERALL="2 per hour")
    for caller in ("+31611111111", "+31622222222", "+31633333333"):
        confirm_text(twilio, caller=caller)
    assert len(fake.sent) == 2


def test_the_limiter_never_stores_the_number():
    app, _, twilio = texting_line()
    confirm_text(twilio)
    storage = line_state(app).texts.limiter.storage
    assert isinstance(storage, SQLiteStorage)
    with storage._connection() as conn:
        keys = " ".join(key for (key,) in conn.execute("SELECT key FROM entries"))
    assert "text-number" in keys
    assert "612345678" not in keys


@pytest.mark.parametrize("config", [{"status": 500}, {"TWILIO_ACCOUNT_SID": None}])
def test_when_twilio_fails_the_caller_hears_the_numbers_instead(config, caplog):
    _, _, twilio = texting_line(**config)
    answer = confirm_text(twilio, node="text_help")
    assert answer.status == 200
    assert MENUS.prompt("text_not_sent", "nl") in answer.spoken()
    for name in MENUS.nodes["text_help"].numbers:
        assert answer.times_spoken(MENUS.contacts[name]) == 1
    assert "voice webhook failed" not in caplog.text
    assert "612345678" not in caplog.text


def test_the_rest_request_is_well_formed_for_twilio():
    """One POST to the account's Messages resource with the form fields Twilio requires:
    To the caller, From the line's own number, the Body as made; nothing else, and the
    caller's number nowhere in the message."""
    from sms.replies import header, render

    caller = "+31687654321"
    _, fake, twilio = texting_line()
    confirm_text(twilio, caller=caller, lang="en")
    [request] = fake.sent
    assert request["method"] == "POST"
    assert request["uri"] == ("https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32
                              + "/Messages.json")
    body = header(MENUS, "en") + "\n" + render(MENUS, MENUS.nodes["text_report"].sms["en"])
    assert request["data"] == {"To": caller, "From": LINE, "Body": body}
    assert "687654321" not in request["data"]["Body"]


@pytest.mark.parametrize("lang", list(MENUS.languages))
@pytest.mark.parametrize("node", [n.id for n in MENUS.nodes.values() if n.kind == "text"])
@pytest.mark.slow
def test_the_numbers_texted_start_with_the_header_that_names_nothing(lang, node):
    """A locked phone shows the first characters: 112 and the tip to delete the chat,
    never a word such as police or trafficking in any language."""
    from sms.replies import header, numbers_text

    _, fake, twilio = texting_line()
    confirm_text(twilio, node=node, lang=lang)
    body = fake.sent[0]["data"]["Body"]
    assert body == numbers_text(MENUS, MENUS.nodes[node], lang)
    first, rest = body.split("\n", 1)
    assert first == header(MENUS, lang)
    assert MENUS.contacts["emergency"].display in first
    assert lock_screen_words_in(body) == []
    for name in MENUS.nodes[node].numbers:  # every number the text promises is in it
        assert MENUS.contacts[name].display in rest, name


def test_one_phone_is_one_count_however_its_number_is_written():
    _, fake, twilio = texting_line()
    for caller in ("+31612345678", "+31 6 12345678", "+31-6-1234-5678", "+31612345678",
                   "+31 612 345 678"):
        confirm_text(twilio, caller=caller)
    assert len(fake.sent) == 3
    assert {request["data"]["To"] for request in fake.sent} == {"+31612345678"}


def test_the_warning_is_heard_before_any_key_can_send():
    _, _, twilio = texting_line()
    offer = twilio.post("/voice/nl/text_report")
    assert offer.root[0].tag == "Say"  # the warning, outside the Gather
    assert MENUS.nodes["text_report"].say["nl"].split()[0] in "".join(offer.root[0].itertext())
    offers = ["".join(child.itertext()) for child in offer.first("Gather")]
    # Send? Then a person (#), then the main menu (0): nothing else that could send.
    assert len(offers) == 3
    assert offers[0].startswith(MENUS.prompt("text_confirm", "nl"))
    assert offers[1].startswith(MENUS.prompt("global_contacts", "nl"))
    assert offers[2].startswith(MENUS.prompt("global_main_menu", "nl"))


class BrokenStorage:
    def __getattr__(self, name):
        raise ConnectionError("the storage is down")


def test_when_the_limit_storage_fails_the_numbers_are_spoken(monkeypatch):
    app, fake, twilio = texting_line()
    monkeypatch.setattr(line_state(app).texts, "limiter", BrokenStorage())
    answer = confirm_text(twilio)
    assert answer.status == 200 and fake.sent == []
    assert MENUS.prompt("text_not_sent", "nl") in answer.spoken()


class SlowTwilio(FakeTwilio):
    def request(self, *args, **kwargs):
        raise TimeoutError("read timed out")


def test_a_slow_twilio_api_is_a_failure_not_a_hang():
    fake = SlowTwilio()
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_HTTP_CLIENT": fake})
    answer = confirm_text(Twilio(app.test_client()))
    assert answer.status == 200
    assert MENUS.prompt("text_not_sent", "nl") in answer.spoken()


def test_a_limit_that_is_not_a_limit_stops_the_start():
    with pytest.raises(StartRefused) as stopped:
        texting_line(SMS_PER_NUMBER="3/dag")
    assert "SMS_PER_NUMBER='3/dag' is not a limit" in stopped.value.message


def test_texts_sent_and_refused_are_counted():
    app, _, twilio = texting_line(METRICS_TOKEN=METRICS_TOKEN)

    def scrape():
        return app.test_client().get("/metrics", headers={
            "Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(as_text=True)

    before = scrape()
    for _ in range(4):
        confirm_text(twilio)
    after = scrape()
    def grew(name, **labels):
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    assert grew("line_texts_sent_total") == 3
    assert grew("line_rate_limited_total", what="text per number") == 1
