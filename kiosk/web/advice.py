"""The web's door to kiosk.advice: the store's active catalogue and rules, and the
recommendations they give for a visit, turned into the session record's compact form."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.store.records import Recommendation, SessionRecord

log = logging.getLogger(__name__)


def catalogue_dir(svc: Any) -> Path:
    return Path(svc.config.data_dir) / "catalogue"


def rules_dir(svc: Any) -> Path:
    return Path(svc.config.data_dir) / "rules"


def active_catalogue(svc: Any) -> Any:
    from kiosk.advice.catalogue import CatalogueStore

    return CatalogueStore(catalogue_dir(svc)).load_or_sample()


def active_rules(svc: Any) -> Any:
    from kiosk.advice import rules

    return rules.RulesStore(rules_dir(svc)).load_or_default()


def _first(d: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        v = d.get(n) if isinstance(d, dict) else getattr(d, n, None)
        if v is not None:
            return v
    return default


def recommend_products(svc: Any, rec: SessionRecord) -> list[Recommendation]:
    """Recommendations for the visit's reports in its language, as stored records."""
    from kiosk.advice.recommend import recommend

    out = recommend(
        rec.standing, rec.gait, active_catalogue(svc), active_rules(svc), rec.lang, rec.sex
    )
    items = _first(out, "recommendations", default=out) if isinstance(out, dict) else out
    recs = []
    for item in list(items or [])[:50]:
        pid = str(_first(item, "product_id", "sku", "id", default=""))[:64]
        name = str(_first(item, "name", "title", default=pid))[:200]
        if not pid or not name:
            continue
        recs.append(
            Recommendation(
                product_id=pid,
                name=name,
                kind=str(_first(item, "kind", "category", default="shoe"))[:16],
                in_stock=bool(_first(item, "in_stock", default=True)),
                reason=(
                    str(_first(item, "reason", "explanation", "why"))[:2000]
                    if _first(item, "reason", "explanation", "why") is not None
                    else None
                ),
            )
        )
    return recs
