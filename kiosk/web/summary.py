"""The printable summary a shopper's phone opens from the QR code: `/s/<link>`.

Served by the kiosk (on the store network) and by HQ (from the synced record) alike. The
link is a random token whose SHA-256 alone is stored, with an expiry; nothing in the URL
identifies the shopper. Its base URL is `web.public_url`, never the request's Host header,
so a forged Host cannot put another site into the code.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, abort, render_template

from kiosk.store.records import utcnow
from kiosk.web.advice import plan_for
from kiosk.web.services import services

bp = Blueprint("summary", __name__)

MAX_LINK_CHARS = 100  # new_token() makes 43; anything much longer is not ours


@bp.get("/s/<link>")
def show(link: str) -> Any:
    store = services().store
    if len(link) > MAX_LINK_CHARS:
        abort(404)
    sid = store.resolve_summary_link(link, utcnow())
    if sid is None:
        abort(410)
    rec = store.get_session(sid)
    if rec is None:
        abort(410)
    svc = services()
    return render_template("summary.html", rec=rec, plan_for=functools.partial(plan_for, svc, rec))
