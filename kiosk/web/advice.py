"""The web's door to kiosk.advice: the store's active catalogue and rules, the
recommendations they give for a visit, turned into the session record's compact form, and
the visit's personal plan (exercises, habits, clinician pointer) in the page's language."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.advice import present, rules
from kiosk.advice.catalogue import CatalogueStore
from kiosk.advice.plan import plan
from kiosk.advice.recommend import recommend
from kiosk.store.records import Recommendation, SessionRecord
from kiosk.web.services import Services

log = logging.getLogger(__name__)


def catalogue_dir(svc: Services) -> Path:
    return Path(svc.config.data_dir) / "catalogue"


def rules_dir(svc: Services) -> Path:
    return Path(svc.config.data_dir) / "rules"


def active_catalogue(svc: Services) -> Any:
    return CatalogueStore(catalogue_dir(svc)).load_or_sample()


def active_rules(svc: Services) -> Any:
    return rules.RulesStore(rules_dir(svc)).load_or_default()


def recommend_products(
    svc: Services, rec: SessionRecord, chart: str | None = None
) -> list[Recommendation]:
    """Recommendations for the visit's reports in its language, one per product, with the
    size to ask for in `chart` (default: the store's chart for the visit's language).

    kiosk.advice returns in-stock `items` that fit, and per kind the `nearest` models
    when nothing fits in stock: those are stored with in_stock=False, which is what the
    dashboard's "recommended but out of stock" counts. A model's men's and women's rows
    become one item (kiosk.advice.present).
    """
    chart = chart or present.default_chart(svc.config.kiosk.size_systems, rec.lang)
    out = recommend(
        rec.standing,
        rec.gait,
        active_catalogue(svc),
        active_rules(svc),
        rec.lang,
        rec.sex,
        answers=rec.answers,
    )
    items = present.product_items(out, rec.standing, chart, rec.lang, rec.sex)
    return [
        Recommendation(
            product_id=str(item["sku"])[:64],
            kind=str(item["kind"])[:16],
            name=item["name"][:200],
            in_stock=item["in_stock"],
            reason=item["reason"][:2000] if item["reason"] else None,
        )
        for item in items[:50]
    ]


def plan_for(svc: Services, rec: SessionRecord, lang: str) -> dict[str, Any]:
    """The visit's plan in `lang` under the store's active rules (parts it switched off,
    items it added)."""
    return plan(rec.standing, rec.gait, active_rules(svc), lang, rec.sex, rec.answers)
