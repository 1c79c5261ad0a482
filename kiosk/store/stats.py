"""Dashboard queries: usage, funnel, size curve, class mixes, recommendation mix.

Each takes a `Filter` (retailer scope, stores, date range) and returns plain lists/dicts
that the HTML dashboard, the CSV export and the JSON API all share. The figures come from
the daily rollups (`kiosk.store.rollup`), so a year's dashboard reads a few thousand rows
per retailer instead of every session; the CSV export reads the sessions themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select, true

from kiosk.store import rollup, schema
from kiosk.store.db import Store


@dataclass(frozen=True)
class Filter:
    retailer_id: str | None = None  # None: every retailer (admin only)
    store_ids: tuple[str, ...] = field(default_factory=tuple)
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def where(self, t: Any) -> Any:
        conds = []
        if self.retailer_id is not None:
            conds.append(t.c.retailer_id == self.retailer_id)
        if self.store_ids:
            conds.append(t.c.store_id.in_(self.store_ids))
        if self.date_from is not None:
            conds.append(t.c.day >= self.date_from)
        if self.date_to is not None:
            conds.append(t.c.day <= self.date_to)
        return and_(true(), *conds)


def _counts(store: Store, f: Filter, metric: str) -> dict[str, int]:
    dc = schema.daily_counts
    q = (
        select(dc.c.key, func.sum(dc.c.sessions))
        .where(dc.c.metric == metric, f.where(dc))
        .group_by(dc.c.key)
    )
    with store.engine.connect() as conn:
        return {k: int(n) for k, n in conn.execute(q)}


def sessions_per_day(store: Store, f: Filter) -> list[dict]:
    dc = schema.daily_counts
    q = (
        select(dc.c.day, func.sum(dc.c.sessions))
        .where(dc.c.metric == "funnel", dc.c.key == "started", f.where(dc))
        .group_by(dc.c.day)
        .order_by(dc.c.day)
    )
    with store.engine.connect() as conn:
        return [{"day": d.isoformat(), "sessions": int(n)} for d, n in conn.execute(q)]


def sessions_per_hour(store: Store, f: Filter) -> list[dict]:
    counts = _counts(store, f, "hour")
    return [{"hour": h, "sessions": counts.get(str(h), 0)} for h in range(24)]


FUNNEL = rollup.FUNNEL  # started -> consent -> standing -> walk -> results -> qr


def funnel(store: Store, f: Filter) -> list[dict]:
    counts = _counts(store, f, "funnel")
    return [{"stage": st, "sessions": counts.get(st, 0)} for st in FUNNEL]


def size_curve(store: Store, f: Filter) -> list[dict]:
    """Sessions per EU size, split by sex (as chosen on screen) and width letter."""
    out = []
    for key, n in _counts(store, f, "size").items():
        sex, width, eu = key.split("|")
        out.append({"sex": sex, "width": width, "size_eu": float(eu), "sessions": n})
    return sorted(out, key=lambda r: (r["size_eu"], r["sex"], r["width"]))


def class_mix(store: Store, f: Filter) -> dict[str, list[dict]]:
    """Arch types and rolling classes (the foot that matters more for advice)."""
    return {
        name: [{"class": c, "sessions": n} for c, n in sorted(_counts(store, f, name).items())]
        for name in ("arch", "rolling")
    }


def plan_mix(store: Store, f: Filter) -> list[dict]:
    """How many sessions were shown each item of the personal plan, most shown first."""
    counts = _counts(store, f, "plan")
    return [
        {"item": k, "sessions": n}
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def recommendation_mix(store: Store, f: Filter, limit: int = 50) -> list[dict]:
    """How often each product was recommended, and how often while out of stock."""
    dr = schema.daily_recommendations
    total = func.sum(dr.c.recommended)
    q = (
        select(
            dr.c.product_id,
            func.max(dr.c.name),
            func.max(dr.c.kind),
            total,
            func.sum(dr.c.out_of_stock),
        )
        .where(f.where(dr))
        .group_by(dr.c.product_id)
        .order_by(total.desc(), dr.c.product_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [
            {
                "product_id": p,
                "name": n,
                "kind": k,
                "recommended": int(c),
                "out_of_stock": int(o or 0),
            }
            for p, n, k, c, o in conn.execute(q)
        ]


def out_of_stock(store: Store, f: Filter, limit: int = 50) -> list[dict]:
    return [r for r in recommendation_mix(store, f, limit=1000) if r["out_of_stock"]][:limit]


def dashboard(store: Store, f: Filter) -> dict[str, Any]:
    """Everything the dashboard page and the JSON API show."""
    return {
        "per_day": sessions_per_day(store, f),
        "per_hour": sessions_per_hour(store, f),
        "funnel": funnel(store, f),
        "size_curve": size_curve(store, f),
        "mix": class_mix(store, f),
        "recommendations": recommendation_mix(store, f),
        "out_of_stock": out_of_stock(store, f),
        "plan": plan_mix(store, f),
    }


EXPORT_COLUMNS = (
    "session_id",
    "kiosk_id",
    "store_id",
    "started_at",
    "consent_at",
    "standing_at",
    "walk_at",
    "results_at",
    "qr_at",
    "lang",
    "sex",
    "length_left_mm",
    "length_right_mm",
    "width_left_mm",
    "width_right_mm",
    "arch_height_left_mm",
    "arch_height_right_mm",
    "arch_type_left",
    "arch_type_right",
    "eversion_left_deg",
    "eversion_right_deg",
    "rolling_left",
    "rolling_right",
    "cadence_spm",
    "size_eu",
    "size_uk",
    "size_us_men",
    "size_us_women",
    "size_jp_cm",
    "mondopoint",
    "width_letter",
    "app_version",
)


def _csv_cell(v: Any) -> Any:
    # Spreadsheet formula injection: a cell starting with = + - @ is run by Excel.
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def export_csv(store: Store, f: Filter, chunk: int = 5000) -> Iterator[str]:
    """The filtered sessions as CSV, streamed in chunks."""
    s = schema.sessions
    cols = [s.c[c] for c in EXPORT_COLUMNS]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_COLUMNS)
    yield buf.getvalue()
    q = select(*cols).where(f.where(s)).order_by(s.c.started_at)
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(q)
        while rows := result.fetchmany(chunk):
            buf = io.StringIO()
            w = csv.writer(buf)
            for row in rows:
                w.writerow([_csv_cell(v) for v in row])
            yield buf.getvalue()
