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
# With the limiter counting in memory, one worker process counts exactly (more threads
# instead); with Redis (RATELIMIT_STORAGE_URI) workers and instances share the counts.
_memory = not os.environ.get("RATELIMIT_STORAGE_URI", "").strip()
workers = int(os.environ.get("WEB_CONCURRENCY", "1" if _memory else "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8" if _memory else "4"))
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
