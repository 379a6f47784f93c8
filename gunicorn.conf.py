"""gunicorn settings for the Procfile. gunicorn also reads this file by itself when
started from this folder, so a bare `gunicorn app:app` gets the same checks."""

import logging
import os
import sys
import tempfile

# /metrics adds up the counters of all workers in files here; set before the app (and
# prometheus_client) is loaded, so that every worker counts into it.
if os.environ.get("METRICS_TOKEN") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="line-metrics-")

# Load the app (and validate menus.yaml) once in the master: a broken file stops the
# start with its problems listed, instead of workers failing one after another.
preload_app = True
# Two worker processes, two threads each (issue 8, docs/benchmarks.md): one process uses
# one core (Python's lock, the GIL); two use both cores of a small instance.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 20  # Twilio gives up after 15 s
# No control socket (gunicornc): nothing uses it, and two instances on one machine would
# share its default path in the home folder.
control_socket_disable = True

# Every line is one JSON object (issue 14.4): gunicorn's own lines, its access log (one
# a request: method, path without its query, status, time; never the client's address,
# headers or form) and the app's, all through python-json-logger's formatter
# (ivr.logs.JsonFormatter) on stderr. gunicorn's plain-text handlers are left out
# (errorlog and accesslog None) so that nothing is written twice.
errorlog = None
accesslog = None
logger_class = "ivr.logs.GunicornLogger"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ivr.logs.JsonFormatter"}},
    "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                          "stream": "ext://sys.stderr"}},
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["json"]},
    "loggers": {name: {"level": "INFO", "handlers": [], "propagate": True}
                for name in ("gunicorn.error", "gunicorn.access")},
}
# Python's warnings (a library's DeprecationWarning) as log records too, not plain text.
logging.captureWarnings(True)

MIN_SECRET_LENGTH = 32
MIN_PASSWORD_LENGTH = 16  # SIMULATOR_PASSWORD and METRICS_TOKEN (issue 14.5)


def child_exit(server, worker):
    # The counters of a worker that ended stay counted; its live gauges are dropped.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def refusal(env) -> str | None:
    """Why a production start with this environment is not safe, in one line; None: safe.
    IVR_ALLOW_UNSIGNED=1 (make run, a local test) allows all of it."""
    if env.get("IVR_ALLOW_UNSIGNED") == "1":
        return None
    if not env.get("TWILIO_AUTH_TOKEN"):
        return ("TWILIO_AUTH_TOKEN is not set, so anyone could call the webhooks. Set "
                "TWILIO_AUTH_TOKEN (Twilio console, Account Info), or IVR_ALLOW_UNSIGNED=1 "
                "for a local test only.")
    secret = env.get("SECRET_KEY", "")
    if len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10:
        return (f"SECRET_KEY is missing, shorter than {MIN_SECRET_LENGTH} characters or not "
                "random, so SMS cookies could be forged or lost between instances. Set "
                "SECRET_KEY to a long random string, the same on every instance: python3 -c "
                "'import secrets; print(secrets.token_hex(32))'.")
    for name in ("SIMULATOR_PASSWORD", "METRICS_TOKEN"):
        if env.get(name) and len(env[name]) < MIN_PASSWORD_LENGTH:
            return (f"{name} is shorter than {MIN_PASSWORD_LENGTH} characters, so it could "
                    "be guessed. Set a long random one: python3 -c 'import secrets; "
                    "print(secrets.token_urlsafe(24))', or unset it to turn that page off.")
    if env.get("RATELIMIT_STORAGE_URI", "").startswith("memory"):
        return ("RATELIMIT_STORAGE_URI=memory:// counts the caps on texts per worker, anew "
                "after each restart. Leave it unset (a file shared by the workers) or set "
                "redis://host:6379.")
    return None


def on_starting(server):
    """Refuse a production start that is not safe, with one line (JSON) saying what to set."""
    why = refusal(os.environ)
    if why:
        # A log record, so that this line too is JSON; exit status 1.
        logging.getLogger("gunicorn.error").critical("Refusing to start: %s", why)
        sys.exit(1)
