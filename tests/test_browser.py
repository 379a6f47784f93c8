"""The simulator page in a real browser: Debian's Chromium driven by Playwright.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Without it the
tests are skipped on a developer's machine, and fail where REQUIRE_BROWSER=1 (CI).
Screenshots go to tests/artifacts/, which git ignores.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from ivr.simulate import read

from .conftest import MENUS_PATH, TOKEN, Twilio, shipped_menus

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MENUS = shipped_menus()
# As the machine's notes say: no sandbox as root, and no background connections, which
# this machine's closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    reason = "no /usr/bin/chromium: apt-get install chromium"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def line():
    """The app on a real port, in development mode, with signatures checked."""
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN, "DEBUG": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, line):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(line[1] + "/simulator")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()
    assert errors == []  # a script blocked by the CSP, or one that failed, shows here


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def first_text(app, path: str, **params: str) -> str:
    """What the line says first at `path`, asked directly as Twilio would."""
    return read(MENUS, Twilio(app.test_client()).post(path, **params).root).events[0].text


def press(page: Page, key: str) -> None:
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    page.get_by_role("button", name=f"key {key}", exact=True).click()


def test_a_dutch_call_clicked_through_to_the_police_forward(page: Page, line):
    page.get_by_label("Speak the prompts aloud").uncheck()
    page.get_by_role("button", name="Call the line").click()
    press(page, MENUS.languages["nl"].key)
    expect(page.locator("#transcript")).to_contain_text(first_text(line[0], "/voice/nl/main"))
    press(page, "8")
    press(page, "1")
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
    expect(reply).to_contain_text("0900-8844")
    expect(reply.locator(".meta")).to_have_text(re.compile(r"GSM-7, 1 segment, \d+ characters"))
    shot(page, "sms-keyword")


def test_numbers_by_text_are_shown_as_not_sent(page: Page, line):
    page.get_by_label("Speak the prompts aloud").uncheck()
    page.get_by_role("button", name="Call the line").click()
    for key in (MENUS.languages["nl"].key, "3", "3", MENUS.settings.text_confirm_key):
        press(page, key)
    expect(page.locator("#conversation li.outbox")).to_contain_text("0900")
    expect(page.locator("#transcript")).to_contain_text("not sent: this is the simulator")


def test_usable_on_a_phone_s_screen(browser, line):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(line[1] + "/simulator")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    # One column, nothing wider than the screen, keys a finger can hit.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    key = page.get_by_role("button", name="key 5", exact=True).bounding_box()
    assert key is not None and key["width"] >= 44 and key["height"] >= 44
    page.get_by_role("button", name="Call the line").tap()
    expect(page.locator("#keypad")).to_have_class("keypad listening")
    shot(page, "phone-screen")
    context.close()
