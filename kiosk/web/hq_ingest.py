"""HQ ingest: kiosks POST batches of session records with their per-kiosk token.

Idempotent by session id (an upsert with last-write-wins), so a kiosk that retries after a
lost answer creates no duplicate. A kiosk token may only write records that carry its own
kiosk id. Each record is accepted or rejected on its own; the answer lists both, so the
kiosk removes exactly what HQ stored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.store.records import SessionRecord, to_naive_utc, utcnow
from kiosk.web.auth import require_token
from kiosk.web.services import services

log = logging.getLogger(__name__)

bp = Blueprint("hq", __name__, url_prefix="/hq")

MAX_BATCH = 1000


class SummaryLinkIn(BaseModel):
    """A QR link a kiosk made, as its hash: HQ can then open the shopper's summary."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(max_length=36)
    link_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    expires_at: datetime


def _links(items: Any, ttl_s: float) -> list[dict]:
    """The well-formed links in the batch, expiries capped at HQ's own TTL."""
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        abort(400)
    latest = utcnow() + timedelta(seconds=ttl_s)
    out = []
    for item in items:
        try:
            link = SummaryLinkIn.model_validate(item)
        except ValidationError:
            continue
        expires = min(to_naive_utc(link.expires_at) or latest, latest)
        out.append({**link.model_dump(), "expires_at": expires})
    return out


@bp.post("/api/v1/sessions")
@require_token("kiosk")
def ingest() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("sessions"), list):
        abort(400)
    items = body["sessions"]
    if len(items) > MAX_BATCH:
        abort(413)
    svc = services()
    links = _links(body.get("summary_links", []), svc.config.web.summary_link_ttl_s)
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
            why = errs[0]["msg"] if errs else ""
            rejected[key] = f"invalid record {where}: {why}"[:200]
            continue
        if rec.kiosk_id != kiosk_id or (retailer_id and rec.retailer_id != retailer_id):
            rejected[key] = "record belongs to another kiosk or retailer"
            continue
        good.append(rec)
    svc.store.save_sessions(good, received=True)
    if links:
        # a link opens only a visit this kiosk sent in this batch and HQ holds as its own
        sent = {r.session_id for r in good}
        held = svc.store.get_sessions([x["session_id"] for x in links if x["session_id"] in sent])
        own = {r.session_id for r in held if r.kiosk_id == kiosk_id}
        svc.store.add_summary_link_hashes([x for x in links if x["session_id"] in own])
    if rejected:
        log.warning("ingest from %s: %d accepted, %d rejected", kiosk_id, len(good), len(rejected))
    return jsonify(accepted=[r.session_id for r in good], rejected=rejected)
