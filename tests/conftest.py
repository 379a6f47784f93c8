"""The fixtures, and the settings of a test run. What the tests share besides fixtures
is in tests/helpers.py."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import settings as hypothesis_settings

import app as line_module
from app import create_app

from . import menus_once, servers

# Re-exported for tests that import them from here (need as need_tool, its name before);
# new tests import them from tests.helpers.
from .helpers import (  # noqa: F401
    BROKEN,
    CALLER,
    FIXTURES,
    LINE,
    LINES,
    LOCK_SCREEN,
    MENUS_PATH,
    METRICS_TOKEN,
    ROOT,
    SLOW,
    TOKEN,
    Answer,
    FakeTwilio,
    Twilio,
    basic_auth,
    broken_params,
    confirm_text,
    key_to,
    line_app,
    line_menus,
    lock_screen_words_in,
    metric_value,
    need,
    path_of,
    played_text,
    printed,
    printed_once,
    shipped_menus,
    skipped_for_packages,
    texting_line,
)
from .helpers import need as need_tool  # noqa: F401


def pytest_configure(config):
    """The apps the tests make keep their caps' store in a folder of the tests, never in
    the checkout's instance/: those made while the test modules are imported in one ...
    The apps load each menus file once per content (tests/menus_once.py)."""
    config.instance_folder = tempfile.TemporaryDirectory(prefix="line-tests-")
    os.environ["INSTANCE_PATH"] = config.instance_folder.name
    config.load_menus = line_module.load_menus
    line_module.load_menus = menus_once.load_menus


def pytest_unconfigure(config):
    config.instance_folder.cleanup()
    line_module.load_menus = config.load_menus


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the test's fixtures: whether it may start a server (tests/servers.py)."""
    servers.marked = item.get_closest_marker("servers") is not None


def pytest_terminal_summary(terminalreporter):
    """Which tests were skipped for lack of a Debian package, and how to install it."""
    lines = skipped_for_packages(terminalreporter.stats.get("skipped", []))
    if lines:
        terminalreporter.section("skipped for lack of a Debian package (system-packages.txt)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _instance_folder_of_the_test(monkeypatch, tmp_path_factory):
    """... and each test's in one of its own: no test finds the texts of another counted."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))


@pytest.fixture(scope="session")
def menus():
    return shipped_menus()


@pytest.fixture(scope="session")
def app():
    """One app for the tests that only send requests: it holds no state between them (the
    SMS cookie lives in each test client)."""
    return create_app({"TWILIO_AUTH_TOKEN": TOKEN, "MENUS_PATH": str(MENUS_PATH),
                       "PUBLIC_BASE_URL": None, "TESTING": True})


@pytest.fixture
def twilio(app) -> Twilio:
    return Twilio(app.test_client())


# Property tests (hypothesis) draw the same examples on every CI run, so that a failure
# seen in CI reproduces on a developer's machine; locally they keep exploring. make quick
# chooses the profile "quick" (--hypothesis-profile): a tenth of the examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("quick", max_examples=10)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


