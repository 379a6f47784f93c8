"""/metrics: the counters of ivr.web.counters in Prometheus' format, for a bearer of
METRICS_TOKEN, added up over all gunicorn workers (see gunicorn.conf.py)."""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from ivr.web import guesses

bp = Blueprint("metrics", __name__)


def refusal() -> Response | None:
    """None for a bearer of METRICS_TOKEN, else the answer: 404 when it is unset, 429 for
    a client that guessed too often, 401. /metrics and /report share the token and the
    count of wrong guesses."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    throttled = guesses.throttled(app, request, "metrics")
    if throttled is not None:
        return throttled
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        guesses.failed(app, request, "metrics")
        return Response("Unauthorized\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return None


@bp.route("/metrics")
def metrics() -> Response:
    """Prometheus format, for a bearer of METRICS_TOKEN; off (404) when it is unset."""
    refused = refusal()
    if refused is not None:
        return refused
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
