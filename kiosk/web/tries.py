"""Before/after walks: from the results, the shopper (or staff) picks a product from the
store's catalogue, walks again in it, and sees both walks side by side.

The pick is kept in the store's state (not in memory) until the walk job takes it, so the
walk lands in the visit's `tries` whichever worker runs it; the first walk stays the
visit's `gait`. The comparison's words and numbers come from kiosk.advice.compare.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from kiosk.advice.compare import compare_gait
from kiosk.advice.present import compare_charts
from kiosk.store import SessionRecord
from kiosk.store.records import MAX_TRIES
from kiosk.web.services import services
from kiosk.web.visits import (
    catalogue_products,
    pending_try_key,
    product_label,
    require_record,
)

log = logging.getLogger(__name__)

bp = Blueprint("tries", __name__)


def _can_try(rec: SessionRecord) -> bool:
    return rec.gait is not None and len(rec.tries) < MAX_TRIES


@bp.get("/try")
def pick() -> Any:
    """The catalogue to walk in: the visit's suggestions first, then every other model."""
    svc = services()
    rec = require_record("results")
    if rec.gait is None:
        return redirect(url_for("shopper.results"))
    products = catalogue_products(svc)
    suggested = [products[r.product_id] for r in rec.recommendations if r.product_id in products]
    seen = {(p.brand, p.model, p.gender) for p in suggested}
    others = []
    for p in products.values():
        if (p.brand, p.model, p.gender) not in seen:
            seen.add((p.brand, p.model, p.gender))
            others.append(p)
    others.sort(key=lambda p: (p.kind, product_label(p), p.gender))
    return render_template(
        "try_pick.html",
        rec=rec,
        suggested=suggested,
        others=others,
        label=product_label,
        can_try=_can_try(rec),
    )


@bp.post("/try")
def choose() -> Any:
    svc = services()
    rec = require_record("results")
    sku = request.form.get("sku", "")
    if sku not in catalogue_products(svc) or not _can_try(rec):
        abort(400)
    svc.store.set_state(pending_try_key(rec.session_id), sku)
    return redirect(url_for("tries.walk"))


@bp.get("/try/walk")
def walk() -> Any:
    svc = services()
    rec = require_record("walk")
    sku = svc.store.get_state(pending_try_key(rec.session_id))
    product = catalogue_products(svc).get(sku) if sku else None
    if product is None or rec.gait is None:
        return redirect(url_for("tries.pick"))
    return render_template(
        "walk.html", next_url=url_for("tries.compare"), try_name=product_label(product)
    )


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
