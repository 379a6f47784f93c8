"""gunicorn settings for the Procfile. gunicorn also reads this file by itself when
started from this folder, so a bare `gunicorn app:app` gets the same checks."""

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
# Two worker processes, two threads each (issue 8, docs/benchmarks.md). A webhook is a
# fraction of a millisecond of Python, and threads of one process take turns on Python's
# lock (the GIL): one process with eight threads used one core and queued requests behind
# each other, with a long tail. Two processes use both cores of a small instance: about
# twice the requests a second, a far shorter tail. Two threads each, not one, so that a
# slow Twilio API (numbers by text, up to 5 s) does not hold a whole process; not eight,
# which only queue for the GIL. (A shorter GIL switch interval did not measurably help:
# requests are shorter than its 5 ms and give the lock up at their socket I/O anyway.)
# The caps on numbers by text are counted where every process sees every count: an
# SQLite file made before the fork (ivr/capstore.py), or Redis (RATELIMIT_STORAGE_URI).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 20  # Twilio gives up after 15 s
# The access log holds the method, the path without its query, the status and the time:
# never the form (where Twilio puts the caller's number), headers or the client's address.
accesslog = "-"
access_log_format = '{"logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", ' \
                    '"status": "%(s)s", "duration_ms": "%(M)s"}'


MIN_SECRET_LENGTH = 32


def child_exit(server, worker):
    # The counters of a worker that ended stay counted; its live gauges are dropped.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server):
    """Refuse a production start that is not safe, with one line saying what to set."""
    local = os.environ.get("IVR_ALLOW_UNSIGNED") == "1"
    if not os.environ.get("TWILIO_AUTH_TOKEN") and not local:
        sys.exit("Refusing to start: TWILIO_AUTH_TOKEN is not set, so anyone could call the "
                 "webhooks. Set TWILIO_AUTH_TOKEN (Twilio console, Account Info), or "
                 "IVR_ALLOW_UNSIGNED=1 for a local test only.")
    secret = os.environ.get("SECRET_KEY", "")
    weak = len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10
    if weak and not local:
        sys.exit(f"Refusing to start: SECRET_KEY is missing, shorter than {MIN_SECRET_LENGTH} "
                 "characters or not random, so SMS cookies could be forged or lost between "
                 "instances. Set "
                 "SECRET_KEY to a long random string, the same on every instance: python3 -c "
                 "'import secrets; print(secrets.token_hex(32))'.")
