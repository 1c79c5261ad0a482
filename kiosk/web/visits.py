"""The shopper's visit across requests: the session record, saving it (also when the disk
is full), the results and the walks in shoes.

The shopper, tries and API blueprints all work on the visit; they share it through this
module and never import one another.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import abort, redirect, session, url_for

from kiosk.store import SessionRecord, utcnow
from kiosk.store.db import StoreUnavailable
from kiosk.store.records import MAX_TRIES, Recommendation, WalkTry
from kiosk.web.advice import active_catalogue, plan_for, recommend_products
from kiosk.web.services import Services, services

log = logging.getLogger(__name__)


def current_record() -> SessionRecord | None:
    sid = session.get("sid")
    if not sid:
        return None
    # a copy the database could not take is newer than any row it holds
    unsaved = session_fallback()
    if unsaved is not None:
        return unsaved
    try:
        return services().store.get_session(sid)
    except StoreUnavailable:
        return None


def session_fallback() -> SessionRecord | None:
    """The record kept in memory when the database could not be written."""
    rec = services().extra.get("unsaved", {}).get(session.get("sid"))
    return rec


def save(svc: Services, rec: SessionRecord, **changes: Any) -> SessionRecord:
    """Apply `changes` and save; a full disk keeps the flow going on an in-memory copy."""
    rec = rec.model_copy(update={**changes, "updated_at": max(utcnow(), rec.updated_at)})
    rec = SessionRecord.model_validate(rec.model_dump(by_alias=True))
    unsaved = svc.extra.setdefault("unsaved", {})
    unsaved[rec.session_id] = rec
    flush_unsaved(svc)
    return rec


def flush_unsaved(svc: Services) -> str | None:
    """Write the visits held in memory since the disk filled (oldest first); None once
    all are stored, else the reason. Staff and /healthz see the reason meanwhile."""
    unsaved: dict[str, SessionRecord] = svc.extra.setdefault("unsaved", {})
    for sid, rec in sorted(unsaved.items(), key=lambda kv: kv[1].updated_at):
        try:
            svc.store.save_session(rec, enqueue=True)
        except StoreUnavailable as exc:
            log.error("session %s not saved: %s", sid, exc)
            svc.extra["store_error"] = str(exc)
            return str(exc)
        if unsaved.get(sid) is rec:
            unsaved.pop(sid, None)
    if svc.extra.pop("store_error", None):
        log.warning("the database takes writes again; held visits saved")
    return None


def qa_until(svc: Services) -> float | None:
    until = svc.store.get_state("qa_mode_until")
    return until if until and until > time.time() else None


def require_record(stage: str | None = None) -> SessionRecord:
    rec = current_record()
    if rec is None:
        abort(redirect(url_for("shopper.welcome")))
    if stage in ("questions", "standing", "walk", "results") and not rec.consent:
        abort(redirect(url_for("shopper.privacy")))
    return rec


def finish_results(svc: Services, rec: SessionRecord, chart: str | None = None) -> SessionRecord:
    """Recommendations for the reports so far, and the results stage recorded."""
    recs = recommend(svc, rec, chart)
    shown = plan_for(svc, rec, rec.lang)["shown"] if rec.standing is not None else []
    return save(
        svc, rec, recommendations=recs, plan_shown=shown, results_at=rec.results_at or utcnow()
    )


def recommend(svc: Services, rec: SessionRecord, chart: str | None = None) -> list[Recommendation]:
    if rec.standing is None:
        return []
    return recommend_products(svc, rec, chart)


def pending_try_key(session_id: str) -> str:
    return f"try:{session_id}"


def catalogue_products(svc: Services) -> dict[str, Any]:
    return {p.sku: p for p in active_catalogue(svc).products}


def product_label(p: Any) -> str:
    return " ".join(str(x) for x in (p.brand, p.model) if x) or p.sku


def finish_walk(svc: Services, rec: SessionRecord, report: dict) -> SessionRecord:
    """Store a finished walk: a try in the product the shopper picked, else the visit's
    first walk (then the results are recommended afresh)."""
    sku = svc.store.get_state(pending_try_key(rec.session_id))
    product = catalogue_products(svc).get(sku) if sku else None
    if product is None:
        rec = save(svc, rec, gait=report, walk_at=utcnow())
        return finish_results(svc, rec)
    svc.store.set_state(pending_try_key(rec.session_id), None)
    walk = WalkTry(
        product_id=product.sku[:64],
        kind=product.kind[:16],
        name=product_label(product)[:200],
        walked_at=utcnow(),
        gait=report,
    )
    return save(svc, rec, tries=[*rec.tries, walk][-MAX_TRIES:])


def summary_url(public_url: str, link: str) -> str:
    """The URL in the QR code for `link` (public_url must be set)."""
    return public_url.rstrip("/") + "/s/" + link
