"""Before/after walks: from the results, the shopper (or staff) picks a product from the
store's catalogue, walks again in it, and sees both walks side by side.

The pick is kept in the store's state (not in memory) until the walk job takes it, so the
walk lands in the visit's `tries` whichever worker runs it; the first walk stays the
visit's `gait`. The comparison's words and numbers come from kiosk.advice.compare.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from kiosk.advice.compare import compare_gait
from kiosk.advice.present import compare_charts
from kiosk.store import SessionRecord, utcnow
from kiosk.store.records import MAX_TRIES, WalkTry
from kiosk.web.advice import active_catalogue
from kiosk.web.shopper import finish_results, require_record, save

log = logging.getLogger(__name__)

bp = Blueprint("tries", __name__)


def _svc() -> Any:
    return current_app.extensions["kiosk"]


def _pending_key(session_id: str) -> str:
    return f"try:{session_id}"


def _products(svc: Any) -> dict[str, Any]:
    return {p.sku: p for p in active_catalogue(svc).products}


def _label(p: Any) -> str:
    return " ".join(str(x) for x in (p.brand, p.model) if x) or p.sku


def finish_walk(svc: Any, rec: SessionRecord, report: dict) -> SessionRecord:
    """Store a finished walk: a try in the product the shopper picked, else the visit's
    first walk (then the results are recommended afresh)."""
    sku = svc.store.get_state(_pending_key(rec.session_id))
    product = _products(svc).get(sku) if sku else None
    if product is None:
        rec = save(svc, rec, gait=report, walk_at=utcnow())
        return finish_results(svc, rec)
    svc.store.set_state(_pending_key(rec.session_id), None)
    walk = WalkTry(
        product_id=product.sku[:64],
        kind=product.kind[:16],
        name=_label(product)[:200],
        walked_at=utcnow(),
        gait=report,
    )
    return save(svc, rec, tries=[*rec.tries, walk][-MAX_TRIES:])


def _can_try(rec: SessionRecord) -> bool:
    return rec.gait is not None and len(rec.tries) < MAX_TRIES


@bp.get("/try")
def pick() -> Any:
    """The catalogue to walk in: the visit's suggestions first, then every other model."""
    svc = _svc()
    rec = require_record("results")
    if rec.gait is None:
        return redirect(url_for("shopper.results"))
    products = _products(svc)
    suggested = [products[r.product_id] for r in rec.recommendations if r.product_id in products]
    seen = {(p.brand, p.model, p.gender) for p in suggested}
    others = []
    for p in products.values():
        if (p.brand, p.model, p.gender) not in seen:
            seen.add((p.brand, p.model, p.gender))
            others.append(p)
    others.sort(key=lambda p: (p.kind, _label(p), p.gender))
    return render_template(
        "try_pick.html",
        rec=rec,
        suggested=suggested,
        others=others,
        label=_label,
        can_try=_can_try(rec),
    )


@bp.post("/try")
def choose() -> Any:
    svc = _svc()
    rec = require_record("results")
    sku = request.form.get("sku", "")
    if sku not in _products(svc) or not _can_try(rec):
        abort(400)
    svc.store.set_state(_pending_key(rec.session_id), sku)
    return redirect(url_for("tries.walk"))


@bp.get("/try/walk")
def walk() -> Any:
    svc = _svc()
    rec = require_record("walk")
    sku = svc.store.get_state(_pending_key(rec.session_id))
    product = _products(svc).get(sku) if sku else None
    if product is None or rec.gait is None:
        return redirect(url_for("tries.pick"))
    return render_template("walk.html", next_url=url_for("tries.compare"), try_name=_label(product))


@bp.get("/compare")
def compare() -> Any:
    """Every try beside the first walk: peak eversion per foot, rolling classes, curves."""
    rec = require_record("results")
    if rec.gait is None or not rec.tries:
        return redirect(url_for("shopper.results"))
    items = [
        {
            "try": t,
            "cmp": compare_gait(rec.gait, t.gait, rec.lang, product=t.name),
            "charts": compare_charts(rec.gait, t.gait),
        }
        for t in reversed(rec.tries)  # the newest first
    ]
    return render_template("compare.html", rec=rec, items=items, can_try=_can_try(rec))
