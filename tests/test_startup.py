"""Production refuses to start unsigned; gunicorn serves the app factory, and importing
the app module builds nothing."""

from __future__ import annotations

import dataclasses
import json
import runpy
import subprocess
import sys
import time
import types
import typing
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import StartRefused
from ivr.web import state
from ivr.web.state import line_state

from .helpers import ROOT

CONF = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


GOOD_KEY = "9f2c1e7a5b3d8c0f4e6a2b9d1c7e5f3a"


SAFE = {"TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": GOOD_KEY}


@pytest.mark.parametrize(("env", "refusal"), [
    ({"SECRET_KEY": GOOD_KEY}, "TWILIO_AUTH_TOKEN is not set"),
    ({"TWILIO_AUTH_TOKEN": "x"}, "SECRET_KEY is missing or shorter than 32 characters"),
    ({"TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "dev"}, "SECRET_KEY is missing"),
    ({"TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "a" * 40}, "SECRET_KEY is too easy to guess"),
    ({**SAFE, "SIMULATOR_PASSWORD": "a"}, "SIMULATOR_PASSWORD is shorter than 16"),
    ({**SAFE, "METRICS_TOKEN": "b" * 15}, "METRICS_TOKEN is shorter than 16"),
    ({**SAFE, "RATELIMIT_STORAGE_URI": "memory://"}, "counts the caps on texts per worker"),
])
def test_gunicorn_refuses_an_unsafe_start_with_one_line(monkeypatch, caplog, env, refusal):
    assert refusal in CONF["refusal"](env)
    assert "\n" not in CONF["refusal"](env)
    for name in ("TWILIO_AUTH_TOKEN", "IVR_ALLOW_UNSIGNED", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        CONF["on_starting"](server=None)
    assert stopped.value.code == 1
    # A log record, so a JSON line like every other.
    assert "Refusing to start: " in caplog.text and refusal in caplog.text


@pytest.mark.parametrize("env", [SAFE, {**SAFE, "SIMULATOR_PASSWORD": "correct horse battery",
                                        "METRICS_TOKEN": "Zq3vL9xK2mWp7RtB"},
                                 {**SAFE, "RATELIMIT_STORAGE_URI": "redis://r:6379"},
                                 {"IVR_ALLOW_UNSIGNED": "1", "SIMULATOR_PASSWORD": "a"}])
def test_gunicorn_starts_when_safe_or_explicitly_local(env):
    assert CONF["refusal"](env) is None


HOW_TO_MAKE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
COUNTED = ("needed (zxcvbn's estimate: repeats, sequences such as abc or 123, keyboard "
           "rows, dates and common words count for little). Make a random one: " + HOW_TO_MAKE)
PAGE_OFF = ", or unset it to turn that page off."
EVERY_INSTANCE = " (the same on every instance)."


@pytest.mark.parametrize(("env", "refusal"), [
    ({**SAFE, "METRICS_TOKEN": "a" * 16},
     f"METRICS_TOKEN is too easy to guess: about 8 bits, 36 {COUNTED}{PAGE_OFF}"),
    ({**SAFE, "SIMULATOR_PASSWORD": "passwordpassword"},
     f"SIMULATOR_PASSWORD is too easy to guess: about 3 bits, 36 {COUNTED}{PAGE_OFF}"),
    # A season, a year and a symbol: common words and a date, which zxcvbn knows.
    ({**SAFE, "SIMULATOR_PASSWORD": "Summer2024!Summer"},
     f"SIMULATOR_PASSWORD is too easy to guess: about 33 bits, 36 {COUNTED}{PAGE_OFF}"),
    ({**SAFE, "SECRET_KEY": "0123456789abcdef0123456789abcdef"},
     f"SECRET_KEY is too easy to guess: about 15 bits, 80 {COUNTED}{EVERY_INSTANCE}"),
    ({**SAFE, "SECRET_KEY": "0123456789abcdefghijklmnopqrstuv"},
     f"SECRET_KEY is too easy to guess: about 14 bits, 80 {COUNTED}{EVERY_INSTANCE}"),
    ({**SAFE, "SECRET_KEY": "01234567890123456789012345678901"},
     f"SECRET_KEY is too easy to guess: about 14 bits, 80 {COUNTED}{EVERY_INSTANCE}"),
    ({**SAFE, "METRICS_TOKEN": "qwertyuiopqwertyuiop"},
     f"METRICS_TOKEN is too easy to guess: about 6 bits, 36 {COUNTED}{PAGE_OFF}"),
])
def test_gunicorn_refuses_secrets_that_are_long_but_easy_to_guess(env, refusal):
    assert CONF["refusal"](env) == refusal


def test_what_the_refusals_advise_and_random_secrets_of_the_least_length_are_never_refused():
    # zxcvbn takes about 0.05 s a secret: a few dozen here, 2,000 of each in
    # ivr/web/strength.py's figures.
    import secrets

    for _ in range(25):
        env = {**SAFE, "SECRET_KEY": secrets.token_urlsafe(32),
               "SIMULATOR_PASSWORD": secrets.token_urlsafe(32),
               "METRICS_TOKEN": secrets.token_urlsafe(32)}
        assert CONF["refusal"](env) is None
        env = {**SAFE, "SECRET_KEY": secrets.token_hex(16),
               "SIMULATOR_PASSWORD": secrets.token_urlsafe(12),
               "METRICS_TOKEN": secrets.token_hex(8)}
        assert CONF["refusal"](env) is None


def test_a_long_secret_is_judged_by_its_beginning():
    from ivr.web.strength import READ, bits

    assert bits("a" * 10_000) == bits("a" * READ)


def test_gunicorn_loads_the_app_once_and_logs_only_through_the_json_formatter():
    from ivr.web.logs import GunicornLogger, JsonFormatter

    assert CONF["preload_app"] is True
    assert CONF["errorlog"] is None and CONF["accesslog"] is None  # no plain-text handler
    assert CONF["logger_class"] == f"{GunicornLogger.__module__}.{GunicornLogger.__name__}"
    formatter = CONF["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == f"{JsonFormatter.__module__}.{JsonFormatter.__name__}"
    assert CONF["logconfig_dict"]["root"]["handlers"] == ["json"]


def test_procfile_runs_gunicorn_on_port():
    procfile = (ROOT / "Procfile").read_text()
    assert procfile.startswith("web: gunicorn ")
    assert "0.0.0.0:$PORT" in procfile and "'app:create_app()'" in procfile


@pytest.mark.slow
def test_config_is_read_in_the_factory(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://line.example.org")
    app = create_app()
    assert app.config["TWILIO_AUTH_TOKEN"] == "from-env"
    assert app.config["PUBLIC_BASE_URL"] == "https://line.example.org"
    assert create_app({"TWILIO_AUTH_TOKEN": "given"}).config["TWILIO_AUTH_TOKEN"] == "given"


def test_unsigned_request_to_an_unrouted_voice_url_is_refused(twilio):
    assert twilio.post_unsigned("/voice//nl").status == 403
    assert twilio.post("/voice//nl").status == 200


def test_other_unknown_urls_stay_plain_404(app):
    assert app.test_client().get("/nothing-here").status_code == 404


def test_a_public_base_url_with_a_path_is_refused():
    from app import create_app

    with pytest.raises(StartRefused) as stopped:
        create_app({"PUBLIC_BASE_URL": "https://example.org/line"})
    assert "give only the scheme and host" in stopped.value.message


@pytest.mark.slow
def test_the_app_leaves_phonenumbers_heavy_data_unloaded(tmp_path):
    # phonenumbers' geocoder and carrier data cost about 100 MB in every worker and half
    # a second of start-up: the line, the simulator included, needs neither.
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, app; app.create_app(); print(sorted(m for m in "
         "sys.modules "
         "if m.startswith(('phonenumbers.geodata', 'phonenumbers.carrierdata', "
         "'phonenumbers.tzdata'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "ERROR",
             "INSTANCE_PATH": str(tmp_path)}).stdout.strip()
    assert loaded == "[]"


def test_a_kept_alive_connection_waits_its_turn_a_bounded_time():
    # post_request waits until the gevent worker's loop is idle; a loop that is never idle
    # (here two greenlets passing a byte back and forth, as a flood would keep it) must not
    # hold the connection longer than IDLE_WAIT.
    import gevent
    from gevent import socket as gsocket

    def echo(sock: gsocket.socket) -> None:
        while True:
            sock.sendall(sock.recv(1))

    a, b = gsocket.socketpair()
    busy = [gevent.spawn(echo, a), gevent.spawn(echo, b)]
    a.sendall(b"x")
    worker, resp = SimpleNamespace(alive=True), SimpleNamespace(should_close=lambda: False)
    started = time.monotonic()
    CONF["post_request"](worker, None, {}, resp)
    waited = time.monotonic() - started
    gevent.killall(busy)
    a.close()
    b.close()
    assert CONF["IDLE_WAIT"] * 0.8 <= waited < CONF["IDLE_WAIT"] + 1


def test_importing_the_app_module_builds_nothing():
    # No app, no menus read at import: a menus file that does not exist stops only
    # create_app(), with the refusal, never the import.
    import subprocess
    import sys

    code = ("import app\n"
            "try:\n    app.create_app()\nexcept app.StartRefused as refused:\n"
            "    print('refused:', refused.message.split(chr(10))[0])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "CRITICAL",
                                          "MENUS_PATH": "/nonexistent/menus.yaml"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused: fix menus.yaml"), done.stdout
    assert not hasattr(__import__("app"), "app")


# -- a store or folder that cannot be used: one line saying what to fix -------------------


@pytest.mark.parametrize(("config", "refusal"), [
    ({"RATELIMIT_STORAGE_URI": "sqlite:////proc/x/caps.sqlite"},
     "RATELIMIT_STORAGE_URI='sqlite:////proc/x/caps.sqlite': cannot make or open "
     "/proc/x/caps.sqlite ([Errno 2] No such file or directory: '/proc/x'): the folder must "
     "be one this user can write."),
    ({"RATELIMIT_STORAGE_URI": "sqlite:///relative.sqlite"},
     "RATELIMIT_STORAGE_URI='sqlite:///relative.sqlite': not an absolute path; give one with "
     "four slashes, such as sqlite:////var/lib/line/caps.sqlite."),
    ({"RATELIMIT_STORAGE_URI": "sqlite:////"},
     "RATELIMIT_STORAGE_URI='sqlite:////': give a file, such as "
     "sqlite:////var/lib/line/caps.sqlite."),
    ({"INSTANCE_PATH": "/proc/x"},
     "INSTANCE_PATH='/proc/x': cannot make or open /proc/x/caps.sqlite ([Errno 2] No such "
     "file or directory: '/proc/x'): the folder must be one this user can write. Set "
     "INSTANCE_PATH to such a folder, or RATELIMIT_STORAGE_URI."),
])
@pytest.mark.slow
def test_a_store_that_cannot_be_used_is_refused_with_what_to_fix(config, refusal):
    from app import create_app

    with pytest.raises(StartRefused) as stopped:
        create_app({"MENUS_PATH": str(ROOT / "menus.yaml"), **config})
    assert stopped.value.code == 1 and stopped.value.message == refusal
    assert not (ROOT / "relative.sqlite").exists() and not Path("/relative.sqlite").exists()


def _json_lines_only(stderr: str) -> list[str]:
    """The messages of a refused start, each line of stderr a JSON object."""
    return [json.loads(line)["message"] for line in stderr.splitlines()]


@pytest.mark.slow
def test_the_procfile_command_refuses_an_unusable_store_in_one_json_line(tmp_path):
    from bench.servers import GUNICORN

    env = {"PATH": "/usr/bin:/bin", "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": GOOD_KEY,
           "RATELIMIT_STORAGE_URI": "sqlite:////proc/x/caps.sqlite"}
    done = subprocess.run([str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                           "127.0.0.1:0", "app:create_app()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    refusals = [m for m in _json_lines_only(done.stderr) if m.startswith("Refusing")]
    assert refusals == ["Refusing to start: RATELIMIT_STORAGE_URI='sqlite:////proc/x/caps."
                        "sqlite': cannot make or open /proc/x/caps.sqlite ([Errno 2] No such "
                        "file or directory: '/proc/x'): the folder must be one this user can "
                        "write."]


@pytest.mark.slow
def test_a_temporary_folder_that_cannot_be_written_is_one_json_line(tmp_path):
    # tempfile's folder made unusable in the process itself (as a read-only /tmp would; the
    # tests may run as root, who can write anywhere a mode allows): the caps' store does
    # not need it, and the workers' metrics folder is refused in one line.
    unusable = "import tempfile; tempfile.tempdir = '/proc/x'\n"
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path), "LOG_LEVEL": "ERROR"}
    started = subprocess.run([sys.executable, "-c", unusable + "import app; app.create_app()"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    conf = unusable + "import runpy; runpy.run_path('gunicorn.conf.py')"
    done = subprocess.run([sys.executable, "-c", conf], cwd=ROOT, capture_output=True,
                          text=True, env={**env, "METRICS_TOKEN": "Zq3vL9xK2mWp7RtB"})
    assert done.returncode == 1
    assert _json_lines_only(done.stderr) == [
        "Refusing to start: no folder for the workers' counters of /metrics could be made in "
        "/proc/x (No such file or directory). Set TMPDIR, or PROMETHEUS_MULTIPROC_DIR, to a "
        "folder this user can write."]


def test_what_the_line_keeps_is_one_typed_object_under_one_key(app):
    shared = line_state(app)
    assert list(app.extensions) == [state.KEY] and isinstance(shared, state.Line)
    hints = typing.get_type_hints(state.Line)
    for field in dataclasses.fields(state.Line):
        hint = hints[field.name]
        # X | None: one of its members; Mapping[str, str]: a Mapping.
        expected = (typing.get_args(hint) if isinstance(hint, types.UnionType)
                    else typing.get_origin(hint) or hint)
        assert isinstance(getattr(shared, field.name), expected), field.name


def test_the_app_loaded_in_the_master_is_out_of_the_workers_collections(app):
    """pre_fork freezes what the master loaded (gc.freeze): a worker's full collection no
    longer walks the menus and their answers (about 60 ms, a spike in p99), nor writes to
    the pages it shares with the master."""
    import gc

    known = line_state(app).menus
    assert any(found is known for found in gc.get_objects())  # collected until frozen
    try:
        CONF["pre_fork"](SimpleNamespace(), SimpleNamespace())
        assert not any(found is known for found in gc.get_objects())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the other tests' objects collected again
