"""gunicorn settings for the Procfile. gunicorn also reads this file by itself when
started from this folder, so a bare `gunicorn 'app:create_app()'` gets the same checks."""

import gc
import logging
import os
import resource
import sys
import tempfile

# Slow clients: gevent's workers, each holding many connections as cheap
# greenlets, so that connections that trickle headers, trickle a body or sit idle take no
# thread that a webhook needs. Measured with bench/slowclients.py (a signed POST /voice
# every 0.25 s for 20 s on this 2-core machine, no proxy in front):
#   50 of each kind (150):  gthread 2x2 threads: no answer at all (10 s timeouts);
#                           gthread 2x100 threads: max 0.04 s;  gevent 2x1000: max 0.02 s
#   300 of each kind (900): gthread 2x100 threads: no answer at all;  gevent: max 0.01 s
# gthread holds a thread per connection that is sending, so any number of threads is a
# number of tricklers away from a stop; gevent's bound is worker_connections. Patched
# here, before the app is preloaded, so that everything it imports (twilio's requests,
# redis) cooperates; a Twilio API call taking its 5 s then holds no worker either. Only
# when gunicorn itself loads this file (as `__config__`), not when a test reads it.
# What it costs: see post_request, which keeps the tail of the answers' times near the
# sync workers' (docs/benchmarks.md).
WORKER_CLASS = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
if __name__ == "__config__" and WORKER_CLASS == "gevent":
    from gevent import monkey

    monkey.patch_all()

# /metrics adds up the counters of all workers in files here; set before the app (and
# prometheus_client) is loaded, so that every worker counts into it.
def stop(why: str) -> None:
    """Refuse to start with one JSON line saying what to fix (a log record), exit status 1;
    also while this file is read, before gunicorn has set up its logging."""
    if not logging.getLogger().handlers:
        from ivr.web.logs import JsonFormatter

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logging.getLogger().addHandler(handler)
    logging.getLogger("gunicorn.error").critical("Refusing to start: %s", why)
    sys.exit(1)


if os.environ.get("METRICS_TOKEN") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    try:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="line-metrics-")
    except OSError as exc:
        stop(f"no folder for the workers' counters of /metrics could be made in "
             f"{tempfile.gettempdir()} ({exc.strerror}). Set TMPDIR, or "
             "PROMETHEUS_MULTIPROC_DIR, to a folder this user can write.")

# Load the app (and validate menus.yaml) once in the master: a broken file stops the
# start with its problems listed, instead of workers failing one after another.
preload_app = True
# Two worker processes (docs/benchmarks.md): a webhook is a fraction of a
# millisecond of Python, and one process uses one core (Python's lock, the GIL); two use
# both cores of a small instance. Within each, gevent serves up to worker_connections
# connections at once; past that, new connections wait in the kernel's backlog. Either
# worker alone holds more than the slow clients measured (bench/slowclients.py bodies):
# 2,200 connections trickling a body took about 8 KB of memory each (18 MB in all), and
# while they trickled a signed webhook was answered in 0.05 s (before, with 1,000 a
# worker and no deadline on bodies: no answer at all). Each connection is a file
# descriptor of its worker: the limit of open files (RLIMIT_NOFILE, which the workers
# inherit) is raised here up to its hard limit, and worker_connections kept below it with
# room for the worker's own files (log, caps store, metrics); with a soft limit of 1024
# accepting would stop at about a thousand.
WORKER_CONNECTIONS = 4000
OWN_FILES = 100  # a worker's files besides its connections, with a margin


def open_files(wanted: int) -> int:
    """This process's limit of open files, raised to `wanted` if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = WORKER_CLASS
worker_connections = WORKER_CONNECTIONS
if __name__ == "__config__":
    worker_connections = max(1, min(WORKER_CONNECTIONS,
                                    open_files(WORKER_CONNECTIONS + OWN_FILES) - OWN_FILES))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))  # gthread only
# A request's line and headers must arrive within `keepalive` seconds, and an idle
# connection is closed after it (gevent's worker reads headers under this timeout): a
# header trickler or an idle connection holds a greenlet 5 s at most. Its body must
# arrive within BODY_SECONDS more (post_worker_init), or it is answered 408 and closed.
keepalive = 5
# Twilio posts a few kilobytes at once; a test or a slow network may want longer.
BODY_SECONDS = float(os.environ.get("GUNICORN_BODY_SECONDS", "5"))
timeout = 20  # Twilio gives up after 15 s
# No control socket (gunicornc): nothing uses it, and two instances on one machine would
# share its default path in the home folder.
control_socket_disable = True

# Every line is one JSON object: gunicorn's own lines, its access log (one
# a request: method, path without its query, status, time; never the client's address,
# headers or form) and the app's, all through python-json-logger's formatter
# (ivr.web.logs.JsonFormatter) on stderr. gunicorn's plain-text handlers are left out
# (errorlog and accesslog None) so that nothing is written twice.
errorlog = None
accesslog = None
logger_class = "ivr.web.logs.GunicornLogger"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ivr.web.logs.JsonFormatter"}},
    "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                          "stream": "ext://sys.stderr"}},
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["json"]},
    "loggers": {name: {"level": "INFO", "handlers": [], "propagate": True}
                for name in ("gunicorn.error", "gunicorn.access")},
}
# Python's warnings (a library's DeprecationWarning) as log records too, not plain text.
logging.captureWarnings(True)

MIN_SECRET_LENGTH = 32
MIN_PASSWORD_LENGTH = 16  # SIMULATOR_PASSWORD and METRICS_TOKEN: too long to guess
# Bits on zxcvbn's scale (ivr.web.strength has the figures): a random string of the
# minimum length has more (32 characters: 91 at the least measured; 16: 40), what the
# refusals advise 136 at least; passwordpassword 3, 0123456789abcdef twice 15.
MIN_SECRET_BITS = 80
MIN_PASSWORD_BITS = 36


IDLE_WAIT = 0.05  # seconds: post_request


def post_request(worker, req, environ, resp):
    # After each answer (already written), wait until this worker's event loop has nothing
    # else pending before reading the connection's next request (gevent.idle, a libev idle
    # watcher). gevent reads a request that is already there without yielding, so a busy
    # connection kept the others waiting: p99 1.2 s at saturation without a yield, 0.1-0.3 s
    # with gevent.sleep(0), which resumes it before the loop next polls the other sockets;
    # 16 ms with idle(), the secure minimum on sync workers 14 ms (bench/run.py, 32
    # connections). When the loop is idle anyway, idle() returns at once. Never longer than
    # IDLE_WAIT: a loop kept busy (a flood of new connections) would otherwise never be
    # idle, and a kept-alive connection, as Twilio keeps them, would wait for ever. A
    # connection that closes now, or a worker that stops, has nothing to wait for.
    if WORKER_CLASS == "gevent" and worker.alive and not resp.should_close():
        from gevent import Timeout, idle

        with Timeout(IDLE_WAIT, False):
            idle()


def pre_fork(server, worker):
    # The app loaded in this master (preload_app) is never garbage again: out of the
    # collector's sight before each worker is forked (gc.freeze, as Python's gc docs advise
    # for a server that forks). A worker's full collection otherwise walked the ~110,000
    # objects of the menus and their answers, about 60 ms on this machine, and every request
    # waiting in that worker waited with it: spikes in p99 at 32 connections (make bench)
    # that the reference apps, with a small heap, do not have. It also keeps the collector
    # from writing to the pages the workers share with the master.
    gc.freeze()


def post_worker_init(worker):
    # gunicorn reads a request's body only as the app reads it, with no deadline: a
    # deadline for all of it (ivr.web.bodies), with gevent's timeouts.
    if WORKER_CLASS == "gevent":
        from ivr.web.bodies import BodyDeadline

        limit = getattr(worker.wsgi, "config", {}).get("MAX_CONTENT_LENGTH") or 64 * 1024
        worker.wsgi = BodyDeadline(worker.wsgi, BODY_SECONDS, limit)


def when_ready(server):
    if server.cfg.worker_connections < WORKER_CONNECTIONS:
        logging.getLogger("gunicorn.error").warning(
            "Only %s connections a worker: the limit of open files (ulimit -Hn) allows no "
            "more; raise it to %s for slow clients to leave room for the webhooks",
            server.cfg.worker_connections, WORKER_CONNECTIONS + OWN_FILES)


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
    from ivr.web.strength import HOW_TO_MAKE, weakness

    secret = env.get("SECRET_KEY", "")
    if len(secret) < MIN_SECRET_LENGTH:
        return (f"SECRET_KEY is missing or shorter than {MIN_SECRET_LENGTH} characters, so "
                "SMS cookies could be forged or lost between instances. Set SECRET_KEY to a "
                f"long random string, the same on every instance: {HOW_TO_MAKE}")
    weak = weakness("SECRET_KEY", secret, MIN_SECRET_BITS)
    if weak:
        return f"{weak} (the same on every instance)."
    for name in ("SIMULATOR_PASSWORD", "METRICS_TOKEN"):
        if env.get(name) and len(env[name]) < MIN_PASSWORD_LENGTH:
            return (f"{name} is shorter than {MIN_PASSWORD_LENGTH} characters, so it could "
                    f"be guessed. Set a long random one: {HOW_TO_MAKE}, or unset it to turn "
                    "that page off.")
        weak = weakness(name, env[name], MIN_PASSWORD_BITS) if env.get(name) else None
        if weak:
            return f"{weak}, or unset it to turn that page off."
    if env.get("RATELIMIT_STORAGE_URI", "").startswith("memory"):
        return ("RATELIMIT_STORAGE_URI=memory:// counts the caps on texts per worker, anew "
                "after each restart. Leave it unset (a file shared by the workers) or set "
                "redis://host:6379.")
    return None


def on_starting(server):
    """Refuse a production start that is not safe, with one line (JSON) saying what to set."""
    why = refusal(os.environ)
    if why:
        stop(why)
