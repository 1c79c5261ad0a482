"""HQ ingest: kiosks POST batches of session records with their per-kiosk token.

Idempotent by session id (an upsert with last-write-wins), so a kiosk that retries after a
lost answer creates no duplicate. A kiosk token may only write records that carry its own
kiosk id. Each record is accepted or rejected on its own; the answer lists both, so the
kiosk removes exactly what HQ stored.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request
from pydantic import ValidationError

from kiosk.store.records import SessionRecord
from kiosk.web.auth import require_token

log = logging.getLogger(__name__)

bp = Blueprint("hq", __name__, url_prefix="/hq")

MAX_BATCH = 1000


@bp.post("/api/v1/sessions")
@require_token("kiosk")
def ingest() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("sessions"), list):
        abort(400)
    items = body["sessions"]
    if len(items) > MAX_BATCH:
        abort(413)
    kiosk_id = g.token["kiosk_id"]
    retailer_id = g.token["retailer_id"]
    good: list[SessionRecord] = []
    rejected: dict[str, str] = {}
    for i, item in enumerate(items):
        sid = item.get("session_id") if isinstance(item, dict) else None
        key = sid if isinstance(sid, str) and len(sid) <= 64 else f"#{i}"
        try:
            rec = SessionRecord.model_validate(item)
        except (ValidationError, ValueError, TypeError) as exc:
            errs = exc.errors() if isinstance(exc, ValidationError) else []
            where = ".".join(str(p) for p in errs[0]["loc"]) if errs else ""
            rejected[key] = f"invalid record {where}".strip()[:120]
            continue
        if rec.kiosk_id != kiosk_id or (retailer_id and rec.retailer_id != retailer_id):
            rejected[key] = "record belongs to another kiosk or retailer"
            continue
        good.append(rec)
    svc = current_app.extensions["kiosk"]
    svc.store.save_sessions(good, received=True)
    if rejected:
        log.warning("ingest from %s: %d accepted, %d rejected", kiosk_id, len(good), len(rejected))
    return jsonify(accepted=[r.session_id for r in good], rejected=rejected)
