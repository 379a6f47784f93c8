"""The usage report's page in a real browser (Debian's Chromium, driven by Playwright, as
tests/test_browser.py drives the simulator): its charts drawn, small counts in words,
nothing fetched but the page, on screen and printed."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from ivr.web.state import line_state

from .helpers import MENUS_PATH, METRICS_TOKEN, TOKEN, need
from .servers import starting
from .test_browser import ARGS, ARTIFACTS, CHROMIUM
from .usage_rows import two_weeks

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def report_page():
    """The report of two_weeks() at GET /report on a real port, opened with the token;
    every request the page makes and every console error, for the tests to check."""
    starting("Chromium")
    chromium = need(str(CHROMIUM))
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "METRICS_TOKEN": METRICS_TOKEN})
    line_state(app).usage = two_weeks()  # type: ignore[assignment]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900},
                                      extra_http_headers={
                                          "Authorization": f"Bearer {METRICS_TOKEN}"})
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/report?since=2026-03-02&until=2026-03-15")
        yield page, base, requests, errors
        browser.close()
    server.shutdown()
    thread.join()


def test_nothing_is_fetched_but_the_page_and_nothing_fails(report_page):
    page, base, requests, errors = report_page
    assert requests == [f"{base}/report?since=2026-03-02&until=2026-03-15"]
    assert errors == []  # a Content-Security-Policy refusal would be one
    assert page.locator("script").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "usage-report.png", full_page=True)


def test_each_chart_has_its_bars_and_labels(report_page):
    page: Page = report_page[0]
    expect(page.locator("section h2")).to_have_count(8)
    # Calls a day: a line for each of nl, pl and ro, with the days as labels; Polish's
    # and Romanian's break where a count is hidden (5 March).
    calls = page.locator("#calls svg")
    for serie, pieces in enumerate((1, 2, 2)):
        expect(calls.locator(f".series.serie-{serie} path.line.nofill")).to_have_count(pieces)
    expect(calls.locator(".legend text")).to_have_text(["nl", "pl", "ro"])
    expect(calls.locator(".axis.x text").first).to_have_text("2026-03-02")
    # Main-menu choices: what and help, each a bar of nl, pl and ro stacked, and a grey
    # piece of what is hidden: help's 70 in Polish beside its 2 in Romanian.
    choices = page.locator("#choices svg")
    expect(choices.locator("rect.rect")).to_have_count(2 * 4)
    expect(choices.locator(".legend text")).to_have_text(["nl", "pl", "ro", "not shown"])
    expect(choices.locator(".series.serie-3 desc.value")).to_have_text(
        ["", "72 not shown or fewer than 5"])
    expect(choices.locator(".axis.y text")).to_have_text(["what", "help"])
    # The funnel: nl, pl, ro and all, five steps each.
    expect(page.locator("#funnel svg rect.rect")).to_have_count(5 * 5)
    expect(page.locator("#funnel svg .legend text")).to_have_text(
        ["greeting", "language chosen", "topic heard", "contact offered", "put through"])
    # Where calls ended (2 nodes) and how long (2 lengths).
    ended = page.locator("#ended svg")
    expect(ended).to_have_count(2)
    expect(ended.nth(0).locator("rect.rect")).to_have_count(2)
    expect(ended.nth(1).locator(".axis.x text")).to_have_text(["0-30s", "60-120s"])
    expect(page.locator("#forwards svg rect.rect")).to_have_count(2 * 4)
    expect(page.locator("#texts svg rect.rect")).to_have_count(2 * 3)
    # The hour of the week: 7 days of 24 hours.
    expect(page.locator("#hours svg g.cell")).to_have_count(168)


def test_small_counts_say_fewer_than_5(report_page):
    page: Page = report_page[0]
    # Romanian's 2 calls on 5 March, in the table and in the line's gap.
    row = page.locator("#calls tr", has=page.locator("th", has_text="2026-03-05"))
    expect(row.locator("td")).to_have_text(["12", "not shown", "fewer than 5", "20"])
    # A hidden bar is one of no length, its value in words: CoMensha's busy and closed,
    # and its hidden piece (its total, 4).
    comensha = page.locator("#forwards svg .series desc.value",
                            has_text="fewer than 5")
    expect(comensha).to_have_count(3)
    cell = page.locator("#hours svg g.cell title", has_text="Sun 03:00")
    expect(cell).to_have_text("Sun 03:00: fewer than 5")
    sunday = page.locator("#hours svg g.cell", has=page.locator("title", has_text="Sun 03:00"))
    expect(sunday.locator("text")).to_have_text("<5")
    expect(page.locator("#hours svg g.cell title", has_text="Fri 09:00")).to_have_text(
        "Fri 09:00: 187")


def test_printed_the_charts_fit_the_page(report_page):
    page: Page = report_page[0]
    page.emulate_media(media="print")
    try:
        width = page.evaluate("document.documentElement.clientWidth")
        for box in (svg.bounding_box() for svg in page.locator("section svg").all()):
            assert box is not None and 0 < box["width"] <= width and box["height"] > 50
        assert page.pdf(format="A4")[:4] == b"%PDF"
    finally:
        page.emulate_media(media="screen")
