"""GET /report: the usage report as HTML, for a bearer of the /metrics token; and the
report in any form for `flask report` (ivr.tools.usage_cli)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Flask, Response, abort, current_app, request

from ivr.usage import exports, figures, page
from ivr.usage.disclosure import MINIMUM_SHOWN
from ivr.web.metrics import refusal
from ivr.web.state import line_state

bp = Blueprint("usage_report", __name__)

FORMATS = {"html": (page.html, "text/html"), "json": (exports.as_json, "application/json"),
           "csv": (exports.as_csv, "text/csv")}
DEFAULT_DAYS = 365  # without --since: the year to --until


class NoUsageStore(LookupError):
    pass


def report(app: Flask, since: date | None, until: date | None, form: str) -> tuple[str, str]:
    """The report of the days from `since` to `until` (both included; by default the year
    to today) in `form`, and its media type."""
    store: figures.UsageStore | None = line_state(app).usage
    if store is None:
        raise NoUsageStore("the app keeps no usage counts")
    until = until or app.config["CLOCK"]().date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise ValueError(f"since {since} is after until {until}: swap them")
    made = figures.build(store.read(since, until), store.hours(), since, until,
                         line_state(app).menus.settings.main_node,
                         int(app.config.get("USAGE_MIN_SHOWN") or MINIMUM_SHOWN))
    render, mimetype = FORMATS[form]
    return render(made), mimetype


@bp.route("/report")
def report_page() -> Response:
    """The HTML report, behind the metrics token (404 without one, like /metrics)."""
    refused = refusal()
    if refused is not None:
        return refused
    try:
        since, until = (date.fromisoformat(request.args[name]) if request.args.get(name)
                        else None for name in ("since", "until"))
        text, mimetype = report(current_app._get_current_object(),  # type: ignore[attr-defined]
                                since, until, "html")
    except NoUsageStore:
        abort(404)
    except ValueError as exc:
        return Response(f"{exc}; give days as YYYY-MM-DD\n", status=400, mimetype="text/plain")
    # The counts are nobody's business but the operators': not kept by any cache.
    return Response(text, mimetype=mimetype, headers={
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"})
