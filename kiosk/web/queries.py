"""The retail figures' query parameters (dates, stores, grain) and whose figures a user
may see: read the same way by the retail pages and the JSON API.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, request, session

from kiosk.store import stats, utcnow
from kiosk.web.auth import current_role


def parse_filter(args: Any, retailer_id: str | None) -> stats.Filter:
    """A Filter from query args; bad dates fall back to the last 30 days."""

    def d(name: str) -> date | None:
        v = args.get(name, "")
        try:
            return date.fromisoformat(v) if v else None
        except ValueError:
            abort(400)

    today = utcnow().date()
    date_to = d("to") or today
    date_from = d("from") or (date_to - timedelta(days=29))
    store_ids = tuple(s for s in args.getlist("store") if s)[:50]
    return stats.Filter(
        retailer_id=retailer_id, store_ids=store_ids, date_from=date_from, date_to=date_to
    )


def scope() -> str | None:
    """The retailer id the signed-in user may see (None = all, admin only)."""
    if current_role() == "admin":
        return request.args.get("retailer") or None
    rid = session.get("retailer_id")
    if not rid:
        abort(403)
    return rid


def parse_grain(args: Any) -> str:
    """The sessions-over-time grain from query args: day (default), week or month."""
    grain = args.get("grain") or "day"
    if grain not in stats.GRAINS:
        abort(400)
    return grain
