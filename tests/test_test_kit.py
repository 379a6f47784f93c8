"""The tests' own kit: a test that starts a server says so with its mark, which make quick
leaves out; a missing Debian package skips a test on a developer's machine, fails it in CI,
and the run ends saying which tests it skipped for which package."""

from __future__ import annotations

import pytest
from hypothesis import settings
from pytest import CollectReport, TestReport

from .helpers import ROOT, examples, need, skipped_for_packages, system_packages
from .servers import redis_server


def test_a_test_that_starts_a_server_without_the_mark_fails():
    with pytest.raises(pytest.fail.Exception) as failed, redis_server():
        pass
    assert failed.value.msg == ("this test starts redis-server: mark it @pytest.mark.servers, "
                                "so that make quick leaves it out")


@pytest.fixture
def no_packages(monkeypatch, tmp_path):
    """A machine where no command of system-packages.txt is installed."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("REQUIRE_SYSTEM_PACKAGES", raising=False)
    return monkeypatch


def test_a_missing_package_skips_the_test_and_names_the_package(no_packages):
    with pytest.raises(pytest.skip.Exception) as skipped:
        need("msgfmt")
    assert skipped.value.msg == ("needs the Debian package gettext (msgfmt): apt-get install "
                                 "gettext")


@pytest.mark.parametrize("variable", ["CI", "REQUIRE_SYSTEM_PACKAGES"])
def test_in_ci_a_missing_package_fails_the_test(no_packages, variable):
    no_packages.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        need("redis-server")
    assert failed.value.msg == ("needs the Debian package redis-server (redis-server): "
                                "apt-get install redis-server")


def test_the_packages_the_issue_names_are_listed_with_their_commands():
    assert system_packages() == {
        "/usr/bin/chromium": "chromium", "redis-server": "redis-server", "msgfmt": "gettext",
        "ffmpeg": "ffmpeg", "espeak-ng": "espeak-ng", "sox": "sox", "dot": "graphviz"}


def _skipped(nodeid: str, reason: str) -> TestReport:
    return TestReport(nodeid, ("tests/x.py", 1, nodeid), {}, "skipped",
                      ("tests/x.py", 1, f"Skipped: {reason}"), "setup")


def test_the_run_ends_with_the_tests_skipped_for_each_package():
    chromium = "needs the Debian package chromium (/usr/bin/chromium): apt-get install chromium"
    redis = "needs the Debian package redis-server (redis-server): apt-get install redis-server"
    reports: list[TestReport | CollectReport] = [
        *(_skipped(f"tests/test_browser.py::test_{n}", chromium) for n in range(10)),
        _skipped("tests/test_caps.py::test_a[redis]", redis),
        _skipped("tests/test_caps.py::test_b", redis),
        _skipped("tests/test_tools.py::test_c", "not on this platform"),
        CollectReport("tests/test_old.py", "skipped",
                      ("tests/test_old.py", 1, f"Skipped: {redis}"), [])]
    assert skipped_for_packages(reports) == [
        "chromium: 10 skipped, in tests/test_browser.py (10)",
        "redis-server: 3 skipped, in tests/test_caps.py (2), tests/test_old.py (1)",
        "apt-get install chromium redis-server"]
    assert skipped_for_packages(reports[-2:-1]) == []  # skipped for another reason


@pytest.mark.parametrize(("profile", "count"), [("default", 300), ("ci", 300), ("quick", 30)])
def test_the_quick_profile_runs_a_tenth_of_the_examples(profile, count):
    chosen = settings.get_current_profile_name()
    settings.load_profile(profile)
    try:
        assert examples(300) == count
    finally:
        settings.load_profile(chosen)


def test_ci_installs_the_packages_of_the_list_and_no_others():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "done < <(grep -v -e '^#' -e '^\\s*$' system-packages.txt)" in run
    assert [line.strip() for line in run.splitlines() if "apt-get install" in line] == [
        'DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null']
