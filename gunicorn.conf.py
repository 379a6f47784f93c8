"""gunicorn settings for the Procfile. gunicorn also reads this file by itself when
started from this folder, so a bare `gunicorn app:app` gets the same checks."""

import os
import sys

# Load the app (and validate menus.yaml) once in the master: a broken file stops the
# start with its problems listed, instead of workers failing one after another.
preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 20  # Twilio gives up after 15 s
accesslog = None  # no access log: request lines are logged by the app, without numbers


def on_starting(server):
    if not os.environ.get("TWILIO_AUTH_TOKEN") and os.environ.get("IVR_ALLOW_UNSIGNED") != "1":
        sys.exit("Refusing to start: TWILIO_AUTH_TOKEN is not set, so anyone could call the "
                 "webhooks. Set TWILIO_AUTH_TOKEN (Twilio console, Account Info), or "
                 "IVR_ALLOW_UNSIGNED=1 for a local test only.")
