"""The simulator page in a real browser: Debian's Chromium driven by Playwright.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it, from
system-packages.txt). Without it the tests are skipped on a developer's machine, and fail
in CI.
Screenshots go to tests/artifacts/, which git ignores.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from ivr.voice.simulate import Event, Play, Say, read
from simulator import api
from sms.replies import header, pages
from sms.segments import count

from .helpers import MENUS_PATH, TOKEN, Twilio, key_to, need, shipped_menus
from .servers import starting

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MENUS = shipped_menus()
# As the machine's notes say: no sandbox as root, and no background connections, which
# this machine's closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def line():
    """The app on a real port, in development mode, with signatures checked."""
    starting("the line on a port of its own")
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN, "DEBUG": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    starting("Chromium")
    chromium = need(str(CHROMIUM))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def opened(browser, line):
    """Opens the simulator in a new browser context, with `before` run first (a stub of
    the browser's speech, Playwright's clock); fails the test on any console error."""
    contexts, errors = [], []

    def open_page(before=lambda page: None, **options) -> Page:
        context = browser.new_context(**{"viewport": {"width": 1100, "height": 900},
                                         **options})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        before(page)
        page.goto(line[1] + "/simulator")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == []  # a script blocked by the CSP, or one that failed, shows here


@pytest.fixture
def page(opened) -> Page:
    return opened()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def said(event: Event) -> str:
    """What a spoken or played event says."""
    assert isinstance(event, Say | Play), event
    return event.text


def first_text(app, path: str, **params: str) -> str:
    """What the line says first at `path`, asked directly as Twilio would."""
    return said(read(MENUS, Twilio(app.test_client()).post(path, **params).root).events[0])


KEY_NAMES = {"*": "star", "#": "hash"}


def press(page: Page, key: str) -> None:
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    page.get_by_role("button", name=f"key {KEY_NAMES.get(key, key)}", exact=True).click()


def press_nothing(page: Page) -> None:
    """The time-out button, once the line waits for a key; returns when it was taken."""
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    timeouts = page.locator("#transcript li.caller", has_text="You press nothing")
    before = timeouts.count()
    page.get_by_role("button", name="Press nothing (time-out)").click()
    expect(timeouts).to_have_count(before + 1)


def test_a_dutch_call_clicked_through_to_the_police_forward(page: Page, line):
    page.get_by_label("Speak the prompts aloud").uncheck()
    page.get_by_role("button", name="Call the line").click()
    press(page, MENUS.languages["nl"].key)
    expect(page.locator("#transcript")).to_contain_text(first_text(line[0], "/voice/nl/main"))
    press(page, "#")  # a person: the contacts, one key away from every menu
    contacts = MENUS.settings.other_contacts_node
    expect(page.locator("#transcript")).to_contain_text(
        first_text(line[0], f"/voice/nl/{contacts}"))
    press(page, key_to(contacts, "call_police"))
    forward = page.locator("#forward")
    expect(forward).to_be_visible()
    police = MENUS.contacts["police"]
    expect(page.locator("#forward-contact")).to_have_text(f"{police.names['nl']} (police)")
    expect(page.locator("#forward-number")).to_have_text(f"{police.display} ({police.number})")
    expect(page.locator("#forward-caller-id")).to_contain_text("line's own number")
    shot(page, "dutch-call-police-forward")
    page.get_by_role("button", name="Busy").click()
    expect(forward).to_be_hidden()
    expect(page.locator("#keypad")).to_have_class("keypad listening")  # the menu after it
    page.get_by_role("button", name="Hang up").click()
    expect(page.locator("#status")).to_contain_text("You hung up")


def test_a_polish_call_chosen_by_the_caller_s_country(page: Page, line):
    page.get_by_label("Caller's number from").select_option("PL")
    page.get_by_role("button", name="Call the line").click()
    first = page.locator("#transcript li.said").first
    expect(first).to_have_attribute("lang", "pl")  # the greeting in Polish first
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    page.locator("body").press(MENUS.languages["pl"].key)  # typed on the keyboard
    main = first_text(line[0], "/voice/pl/main")
    expect(page.locator("#transcript li[lang=pl]", has_text=main)).to_be_visible()
    shot(page, "polish-call-by-country")


def test_an_sms_keyword_with_its_segment_count(page: Page):
    box = page.get_by_label("Your message to the line")
    box.fill("POLITIE")
    box.press("1")  # a digit typed in the message box is text, not a key of the phone
    expect(box).to_have_value("POLITIE1")
    box.fill("POLITIE")
    page.get_by_role("button", name="Send").click()
    reply = page.locator("#conversation li.reply")
    expected = pages(MENUS, "call_police", "nl")[0]
    expect(reply).to_contain_text(header(MENUS, "nl"))  # 112 and the tip, first
    expect(reply).to_contain_text(MENUS.contacts["police"].display)
    segments = count(expected).segments
    parts = "1 segment" if segments == 1 else f"{segments} segments"
    expect(reply.locator(".meta")).to_have_text(f"GSM-7, {parts}, {len(expected)} characters")
    shot(page, "sms-keyword")


def test_numbers_by_text_are_shown_as_not_sent(page: Page, line):
    page.get_by_label("Speak the prompts aloud").uncheck()
    page.get_by_role("button", name="Call the line").click()
    main = MENUS.settings.main_node
    for key in (MENUS.languages["nl"].key, key_to(main, "report"), key_to("report", "text_report"),
                MENUS.settings.text_confirm_key):
        press(page, key)
    expect(page.locator("#conversation li.outbox")).to_contain_text("0900")
    expect(page.locator("#transcript")).to_contain_text("not sent: this is the simulator")


@pytest.mark.parametrize("then", ["silence", "the offered key"])
def test_silence_in_a_menu_ends_in_the_numbers_and_an_offer_never_a_forward(
        page: Page, line, then):
    page.get_by_label("Speak the prompts aloud").uncheck()
    page.get_by_role("button", name="Call the line").click()
    press(page, MENUS.languages["nl"].key)
    press_nothing(page)  # silence: the numbers at once
    transcript = page.locator("#transcript")
    last = read(MENUS, Twilio(line[0].test_client()).post(
        f"/voice/nl/{MENUS.settings.main_node}/input?miss={MENUS.settings.max_misses - 1}").root)
    offer = said(last.events[len(last.events) - last.heard_on_timeout - 1])
    expect(transcript).to_contain_text(said(last.events[0]))  # 112 and the police number
    expect(transcript).to_contain_text(offer)  # "the police: press 1"
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    goodbye = MENUS.prompt("goodbye", "nl")
    expect(transcript).not_to_contain_text(goodbye)  # not before the time-out
    expect(page.locator("#forward")).to_be_hidden()  # nothing dialled unasked
    if then == "silence":
        press_nothing(page)
        expect(transcript).to_contain_text(goodbye)
        expect(transcript.locator("li.note").last).to_have_text("The line hangs up.")
        expect(page.locator("#status")).to_have_text("Call ended.")
        expect(page.locator("#forward")).to_be_hidden()
        expect(page.get_by_role("button", name="Call the line")).to_be_enabled()
        shot(page, "silence-last-chance-hangs-up")
    else:
        press(page, MENUS.settings.connect_key)
        expect(page.locator("#forward")).to_be_visible()
        police = MENUS.contacts[MENUS.nodes[MENUS.settings.fallback_node].contact]
        expect(page.locator("#forward-number")).to_have_text(f"{police.display} ({police.number})")
        expect(transcript).not_to_contain_text(goodbye)


def test_usable_on_a_phone_s_screen(opened):
    page = opened(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    # One column, nothing wider than the screen, keys a finger can hit.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    key = page.get_by_role("button", name="key 5", exact=True).bounding_box()
    assert key is not None and key["width"] >= 44 and key["height"] >= 44
    page.get_by_role("button", name="Call the line").tap()
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    shot(page, "phone-screen")


# A stand-in for the browser's speech (headless Chromium has no voices): it records what
# is said in which language, and ends each utterance at once, or when cancelled if held.
SPEECH = """
(() => {
  const voices = %s.map((lang) => ({ lang, name: "test " + lang, voiceURI: lang,
                                      localService: true, default: false }));
  window.__spoken = []; window.__cancels = 0; window.__hold = false;
  let pending = [];
  const synth = {
    getVoices: () => voices,
    speak(u) {
      window.__spoken.push({ lang: u.lang, text: u.text, voice: u.voice && u.voice.name });
      if (window.__hold) pending.push(u);
      else Promise.resolve().then(() => u.onend && u.onend());
    },
    cancel() {
      window.__cancels++;
      const stopped = pending; pending = [];
      for (const u of stopped) if (u.onerror) u.onerror();
    },
    addEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth });
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();
"""


def speech(page: Page) -> None:
    tags = sorted({lang.say_language for lang in MENUS.languages.values()} | {"ar"})
    page.add_init_script(SPEECH % json.dumps(tags))


def test_each_prompt_is_spoken_in_its_own_language_and_silence_is_a_time_out(opened, line):
    def before(page: Page) -> None:
        speech(page)
        page.clock.install()

    page = opened(before)
    page.get_by_label("Caller's number from").select_option("PL")
    page.get_by_role("button", name="Call the line").click()
    expect(page.locator("#status")).to_contain_text("Waiting 6 s for a key")
    spoken = page.evaluate("window.__spoken")
    step = read(MENUS, Twilio(line[0].test_client()).post("/voice", From=api.caller("PL")).root)
    said = [e for e in step.events if isinstance(e, Say)]
    assert spoken[0]["lang"] == "pl-PL" and spoken[0]["voice"] == "test pl-PL"
    assert said[0].text.startswith(spoken[0]["text"])
    # Each voice in its language; Twilio's 'arb' is no browser tag: Arabic is 'ar'.
    expected = {e.language if re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", e.language) else e.lang
                for e in said}
    assert {s["lang"] for s in spoken} == expected
    assert "ar" in expected
    page.clock.run_for(7000)
    expect(page.locator("#transcript")).to_contain_text("You press nothing for 6 s")


def test_a_key_cuts_the_prompt_short(opened, line):
    page = opened(speech)
    page.evaluate("window.__hold = true")
    page.get_by_role("button", name="Call the line").click()
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    assert len(page.evaluate("window.__spoken")) == 1  # the greeting's first sentence
    cancels = page.evaluate("window.__cancels")
    page.keyboard.press(MENUS.languages["nl"].key)
    expect(page.locator("#transcript")).to_contain_text(f"You press {MENUS.languages['nl'].key}")
    assert page.evaluate("window.__cancels") > cancels
    # The Dutch main menu is spoken next, not the rest of the greeting.
    expect(page.locator("#transcript li.said[lang=nl]").last).to_contain_text(
        first_text(line[0], "/voice/nl/main"))
    assert all(s["lang"] == "nl-NL" for s in page.evaluate("window.__spoken")[1:])


def test_a_recording_plays_from_the_line(page: Page):
    uk = next(lang for lang in MENUS.languages.values() if lang.code == "uk")
    page.get_by_label("Caller's number from").select_option(uk.countries[0])
    with page.expect_response(lambda r: "/audio/uk/" in r.url) as played:
        page.get_by_role("button", name="Call the line").click()
    assert played.value.status in (200, 206)
    expect(page.locator("#transcript li.said[lang=uk]").first).to_be_visible()
