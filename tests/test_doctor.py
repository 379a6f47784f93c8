"""`flask twilio doctor` and `flask twilio setup` against a fake of Twilio's REST API over
real loopback HTTP: a misconfigured number is reported, setup sets what the line sets
itself, and doctor then passes; setup never touches dialing permissions or a Messaging
Service, and changes nothing when answered no."""

from __future__ import annotations

import re
import shlex

import pytest

from app import create_app

from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi
from .helpers import LINE, MENUS_PATH, ROOT

SECOND_LINE = "+3197010000001"  # the line's number for Polish posters
PUBLIC = "https://line.example.org"
VOICE_BIN = "https://handler.twilio.com/twiml/EH" + "1" * 32  # the line-fallback Bin
SMS_BIN = "https://handler.twilio.com/twiml/EH" + "2" * 32  # the line-sms-fallback Bin
FIRST, SECOND = "number 1 (***********00)", "number 2 (***********01)"
NUMBER_PAGE = "console: Phone Numbers → Manage → Active numbers → the number"
GEO_PAGE = "console: Voice → Settings → Geo permissions → Netherlands"
BINS = ('make the TwiML Bins as docs/operations.md says ("Configuring the Twilio number", '
        "step 2)")
RIGHT = {"voice_url": f"{PUBLIC}/voice", "sms_url": f"{PUBLIC}/sms",
         "status_callback": f"{PUBLIC}/voice/status", "voice_fallback_url": VOICE_BIN,
         "sms_fallback_url": SMS_BIN}  # all with POST, as a new number has
ALL_RIGHT = [
    f"  ok   voice webhook: POST {PUBLIC}/voice",
    f"  ok   voice fallback URL: POST {VOICE_BIN}",
    f"  ok   call status callback: POST {PUBLIC}/voice/status",
    f"  ok   SMS webhook: POST {PUBLIC}/sms",
    f"  ok   SMS fallback URL: POST {SMS_BIN}",
]
DIALING_RIGHT = ["account: voice dialing permissions, Netherlands",
                 "  ok   calls to low-risk numbers allowed",
                 "  ok   calls to high-risk special services (free-phone and shared-cost "
                 "numbers) allowed"]
SETUP_NEVER = ("setup: dialing permissions and Messaging Services are never changed here: "
               "`flask --app app twilio doctor` checks them and says how to fix them")


@pytest.fixture
def fake():
    with FakeTwilioApi() as api:
        api.account.set_dialing("NL", low_risk=True, high_risk_special=True)
        yield api


def line_app(fake: FakeTwilioApi, **config):
    return create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                       "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_BASE_URL": fake.url,
                       "LINE_NUMBERS": f"{LINE}, {SECOND_LINE}=pl",
                       "PUBLIC_BASE_URL": PUBLIC, **config})


def twilio(app, *args: str, answer: str | None = None):
    return app.test_cli_runner().invoke(args=["twilio", *args], input=answer)


def fix(setting: str, now: str, want: str, console: str) -> str:
    return (f"  FIX  {setting} is {now}, must be POST {want}: run `flask --app app twilio "
            f"setup`, or {NUMBER_PAGE} → {console}")


def not_set(setting: str, without: str, option: str, console: str) -> str:
    return (f"  FIX  {setting} not set: when the line is down or slow, {without}; {BINS}, "
            f"then run `flask --app app twilio setup {option} URL`, or {NUMBER_PAGE} → "
            f"{console}")


VOICE_FALLBACK_NOT_SET = not_set("voice fallback URL", "callers hear Twilio's own error message",
                                 "--voice-fallback-url",
                                 'Voice Configuration, "Primary handler fails"')
SMS_FALLBACK_NOT_SET = not_set("SMS fallback URL", "texters get no answer",
                               "--sms-fallback-url",
                               'Messaging Configuration, "Primary handler fails"')


def test_a_misconfigured_number_is_reported_set_up_and_then_passes(fake):
    first = fake.account.add_number(LINE, voice_url="https://old.example.org/voice",
                                    voice_method="GET",
                                    sms_url="https://demo.twilio.com/welcome/sms/reply")
    second = fake.account.add_number(SECOND_LINE, voice_url=f"{PUBLIC}/voice",
                                     sms_url=f"{PUBLIC}/sms")
    # The Messaging Service of docs' opt-out settings, leaving texts to the number.
    fake.account.add_service("line opt-out", [second], defers=True)
    app = line_app(fake)

    before = twilio(app, "doctor")

    assert before.exit_code == 1
    status_not_set = fix("call status callback", "not set", f"{PUBLIC}/voice/status",
                         'Voice Configuration, "Call status changes"')
    assert before.output.splitlines() == [
        *DIALING_RIGHT,
        FIRST,
        fix("voice webhook", "GET https://old.example.org/voice", f"{PUBLIC}/voice",
            'Voice Configuration, "A call comes in"'),
        VOICE_FALLBACK_NOT_SET,
        status_not_set,
        fix("SMS webhook", "POST https://demo.twilio.com/welcome/sms/reply", f"{PUBLIC}/sms",
            'Messaging Configuration, "A message comes in"'),
        SMS_FALLBACK_NOT_SET,
        '  note in no Messaging Service: Twilio answers HELP and INFO itself (README, "SMS: '
        "Twilio's own HELP and INFO replies\")",
        SECOND,
        f"  ok   voice webhook: POST {PUBLIC}/voice",
        VOICE_FALLBACK_NOT_SET,
        status_not_set,
        f"  ok   SMS webhook: POST {PUBLIC}/sms",
        SMS_FALLBACK_NOT_SET,
        "  ok   Messaging Service 'line opt-out': leaves incoming texts to the SMS webhook",
        "doctor: 8 to fix (FIX above)"]

    done = twilio(app, "setup", "--yes", "--voice-fallback-url", VOICE_BIN,
                  "--sms-fallback-url", SMS_BIN)

    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "setup: these settings change at Twilio:",
        f"  {FIRST}: voice webhook: GET https://old.example.org/voice → POST {PUBLIC}/voice",
        f"  {FIRST}: voice fallback URL: not set → POST {VOICE_BIN}",
        f"  {FIRST}: call status callback: not set → POST {PUBLIC}/voice/status",
        f"  {FIRST}: SMS webhook: POST https://demo.twilio.com/welcome/sms/reply → POST "
        f"{PUBLIC}/sms",
        f"  {FIRST}: SMS fallback URL: not set → POST {SMS_BIN}",
        f"  {SECOND}: voice fallback URL: not set → POST {VOICE_BIN}",
        f"  {SECOND}: call status callback: not set → POST {PUBLIC}/voice/status",
        f"  {SECOND}: SMS fallback URL: not set → POST {SMS_BIN}",
        "setup: 8 setting(s) changed",
        SETUP_NEVER]
    # One update a number, with Twilio's parameter names.
    assert [sid for sid, _ in fake.account.updates] == [first, second]
    assert fake.account.updates[1][1] == {
        "VoiceFallbackUrl": VOICE_BIN, "VoiceFallbackMethod": "POST",
        "StatusCallback": f"{PUBLIC}/voice/status", "StatusCallbackMethod": "POST",
        "SmsFallbackUrl": SMS_BIN, "SmsFallbackMethod": "POST"}

    after = twilio(app, "doctor")

    assert after.exit_code == 0, after.output
    assert after.output.splitlines() == [
        *DIALING_RIGHT, FIRST, *ALL_RIGHT,
        '  note in no Messaging Service: Twilio answers HELP and INFO itself (README, "SMS: '
        "Twilio's own HELP and INFO replies\")",
        SECOND, *ALL_RIGHT,
        "  ok   Messaging Service 'line opt-out': leaves incoming texts to the SMS webhook",
        "doctor: every number is ready"]
    assert {r.forwarded_host for r in fake.requests} == {
        "api.twilio.com", "messaging.twilio.com", "voice.twilio.com"}
    said = before.output + done.output + after.output
    assert LINE not in said and SECOND_LINE not in said

    again = twilio(app, "setup", "--yes")

    assert again.exit_code == 0
    assert again.output.splitlines()[0] == ("setup: every setting it sets is right already; "
                                            "nothing to change")
    assert len(fake.account.updates) == 2


def test_setup_answered_no_changes_nothing(fake):
    sid = fake.account.add_number(LINE, voice_url="https://old.example.org/voice")
    fake.account.add_number(SECOND_LINE, **RIGHT)
    before = dict(fake.account.numbers[sid])

    done = twilio(line_app(fake), "setup", answer="n\n")

    assert done.exit_code == 0
    assert done.output.splitlines()[:5] == [
        "setup: these settings change at Twilio:",
        f"  {FIRST}: voice webhook: POST https://old.example.org/voice → POST {PUBLIC}/voice",
        f"  {FIRST}: call status callback: not set → POST {PUBLIC}/voice/status",
        f"  {FIRST}: SMS webhook: not set → POST {PUBLIC}/sms",
        "Change them? [y/N]: n"]
    assert "setup: nothing changed" in done.output
    assert fake.account.updates == [] and fake.account.numbers[sid] == before
    assert not [r for r in fake.requests if r.method == "POST"]


def test_a_number_not_on_the_account_is_reported_and_the_others_set(fake):
    # Twilio's PhoneNumber filter matches a part of a number: a longer one is not the line's.
    fake.account.add_number(SECOND_LINE + "9", **RIGHT)
    sid = fake.account.add_number(LINE)
    app = line_app(fake)

    doctor = twilio(app, "doctor")

    assert doctor.exit_code == 1
    assert doctor.output.splitlines()[-3:] == [
        SECOND,
        "  FIX  not a number of this account (TWILIO_ACCOUNT_SID): buy or port it (console: "
        "Phone Numbers → Manage → Buy a number), or take it out of LINE_NUMBERS",
        "doctor: 6 to fix (FIX above)"]

    setup = twilio(app, "setup", "--yes", "--voice-fallback-url", VOICE_BIN,
                   "--sms-fallback-url", SMS_BIN)

    assert setup.exit_code == 1
    assert setup.output.splitlines()[-1] == (
        f"Error: not numbers of this account, nothing set: {SECOND}")
    assert [s for s, _ in fake.account.updates] == [sid]


def test_dialing_permissions_off_are_reported_and_setup_leaves_them(fake):
    fake.account.set_dialing("NL", low_risk=False, high_risk_special=False,
                             high_risk_tollfraud=True)
    fake.account.add_number(LINE, **RIGHT)
    fake.account.add_number(SECOND_LINE, **RIGHT)
    app = line_app(fake)
    expected = [
        "account: voice dialing permissions, Netherlands",
        "  FIX  calls to low-risk numbers not allowed: the line's forwards to them fail; "
        f"{GEO_PAGE}: allow low-risk numbers (setup never changes this)",
        "  FIX  calls to high-risk special services (free-phone and shared-cost numbers) not "
        f"allowed: the line's forwards to them fail; {GEO_PAGE}: allow high-risk special "
        "services (free-phone and shared-cost numbers) (setup never changes this)",
        "  note calls to high-risk toll fraud ranges allowed: the line never needs them; "
        f"{GEO_PAGE}: turn them off"]

    before = twilio(app, "doctor")
    setup = twilio(app, "setup", "--yes")
    after = twilio(app, "doctor")

    assert before.exit_code == 1 and after.exit_code == 1
    assert before.output.splitlines()[:4] == expected == after.output.splitlines()[:4]
    assert before.output.splitlines()[-1] == "doctor: 2 to fix (FIX above)"
    assert setup.exit_code == 0 and SETUP_NEVER in setup.output
    assert fake.account.countries["NL"]["high_risk_special_numbers_enabled"] is False
    assert not [r for r in fake.requests if r.method != "GET"]


def test_dialing_permissions_twilio_does_not_show_are_a_fix(fake):
    del fake.account.countries["NL"]
    fake.account.add_number(LINE, **RIGHT)
    fake.account.add_number(SECOND_LINE, **RIGHT)

    done = twilio(line_app(fake), "doctor")

    assert done.exit_code == 1
    assert done.output.splitlines()[:2] == [
        "account: voice dialing permissions, Netherlands",
        "  FIX  Twilio refused to read the voice dialing permissions (HTTP 404, error "
        f"20404); check them in the {GEO_PAGE}"]


def test_a_messaging_service_that_takes_the_texts_elsewhere_is_reported(fake):
    first = fake.account.add_number(LINE, **RIGHT)
    second = fake.account.add_number(SECOND_LINE, **RIGHT)
    fake.account.add_service("marketing", [first], defers=False,
                             inbound_request_url="https://crm.example.org/inbound")
    fake.account.add_service("alerts", [first], defers=False)
    fake.account.add_service("line", [second], defers=False,
                             inbound_request_url=f"{PUBLIC}/sms")

    done = twilio(line_app(fake), "doctor")

    assert done.exit_code == 1
    where = ("not to the SMS webhook: console: Messaging → Services → the service → "
             "Integration → Incoming Messages: let the sender's webhook handle them (setup "
             "never changes a Messaging Service)")
    assert [line for line in done.output.splitlines() if "Messaging Service" in line] == [
        "  FIX  Messaging Service 'marketing' takes the texts to this number to "
        f"https://crm.example.org/inbound, {where}",
        "  FIX  Messaging Service 'alerts' takes the texts to this number to nowhere (it "
        f"drops them), {where}",
        f"  ok   Messaging Service 'line': sends incoming texts to POST {PUBLIC}/sms"]


def test_what_overrides_the_webhooks_is_reported(fake):
    fake.account.add_number(LINE, **RIGHT, voice_application_sid="AP" + "1" * 32,
                            sms_application_sid="AP" + "2" * 32)
    fake.account.add_number(SECOND_LINE, **RIGHT, trunk_sid="TK" + "1" * 32)

    done = twilio(line_app(fake), "doctor")

    assert done.exit_code == 1
    assert [line for line in done.output.splitlines() if " go to " in line] == [
        f"  FIX  calls go to a TwiML App, not to the voice webhook: {NUMBER_PAGE} → Voice "
        'Configuration, "Configure with": Webhook instead of the TwiML App',
        f"  FIX  texts go to a TwiML App, not to the SMS webhook: {NUMBER_PAGE} → Messaging "
        "Configuration: Webhook instead of the TwiML App",
        "  FIX  calls go to a SIP trunk, not to the voice webhook: console: Elastic SIP "
        "Trunking → Trunks → the trunk → Numbers, remove the number"]


def test_a_fallback_on_the_line_itself_is_no_fallback(fake):
    fake.account.add_number(LINE, **{**RIGHT, "voice_fallback_url": f"{PUBLIC}/fallback"})
    fake.account.add_number(SECOND_LINE, **RIGHT)
    app = line_app(fake)

    doctor = twilio(app, "doctor")
    setup = twilio(app, "setup", "--yes", "--voice-fallback-url", f"{PUBLIC}/fallback")

    assert doctor.exit_code == 1
    assert (f"  FIX  voice fallback URL {PUBLIC}/fallback: on the line's own host: Twilio "
            "fetches the fallback when the line is down, so it must be elsewhere; "
            f"{BINS}, then run `flask --app app twilio setup --voice-fallback-url URL`, or "
            f"{NUMBER_PAGE} → Voice Configuration, \"Primary handler fails\"") in doctor.output
    assert setup.exit_code == 2
    assert ("Invalid value for --voice-fallback-url: https://line.example.org/fallback: on "
            "the line's own host") in setup.output
    assert fake.account.updates == []


@pytest.mark.parametrize("command", ["doctor", "setup"])
def test_doctor_and_setup_need_the_account_and_the_public_url(fake, command):
    done = twilio(line_app(fake, PUBLIC_BASE_URL=None), command)

    assert done.exit_code == 1
    assert done.output == (
        "Error: PUBLIC_BASE_URL not set: doctor and setup read the numbers of LINE_NUMBERS "
        "with the account's credentials, and PUBLIC_BASE_URL is where Twilio reaches the "
        "line\n")
    assert fake.requests == []


def test_wrong_credentials_say_what_to_check(fake):
    done = twilio(line_app(fake, TWILIO_ACCOUNT_SID="AC" + "1" * 32), "setup", "--yes")

    assert done.exit_code == 1
    assert done.output == ("Error: Twilio refused to list the account's phone numbers (HTTP "
                           "401, error 20003): check TWILIO_ACCOUNT_SID and "
                           "TWILIO_AUTH_TOKEN\n")


def test_the_going_live_steps_of_the_docs_make_a_number_doctor_passes(fake):
    """A new operator's path: docs/operations.md's "Going live" commands, as written, on
    a number fresh from Twilio, with the Bins' URLs filled in."""
    docs = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Going live"):]
    end = section.find("\n## ")
    section = section if end < 0 else section[:end]
    commands = [" ".join(c.split()) for c in re.findall(r"`(flask --app app twilio [^`]*)`",
                                                        section)]
    assert [c.split()[4] for c in commands] == ["setup", "doctor"]
    fake.account.add_number(LINE, voice_url="https://demo.twilio.com/welcome/voice/")
    fake.account.add_number(SECOND_LINE)
    app = line_app(fake)
    filled = {"<line-fallback URL>": VOICE_BIN, "<line-sms-fallback URL>": SMS_BIN}
    runs = []
    for command in commands:
        for placeholder, url in filled.items():
            command = command.replace(placeholder, url)
        runs.append(twilio(app, *shlex.split(command)[4:], answer="y\n"))

    assert [run.exit_code for run in runs] == [0, 0], runs[-1].output
    ready = runs[-1].output.splitlines()[-1]
    assert ready == "doctor: every number is ready" and f"`{ready}`" in section
