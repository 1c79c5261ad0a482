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
from datetime import date, timedelta
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
    """Sessions reaching each stage, with the share of those started and the drop-off from
    the stage before (count and share of that stage's sessions)."""
    counts = _counts(store, f, "funnel")
    started = counts.get("started", 0)
    out, prev = [], None
    for st in FUNNEL:
        n = counts.get(st, 0)
        drop = None if prev is None else prev - n
        out.append(
            {
                "stage": st,
                "sessions": n,
                "share_of_started": _share(n, started),
                "drop_off": drop,
                "drop_off_share": None if prev is None else _share(drop, prev),
            }
        )
        prev = n
    return out


def _share(n: int, total: int) -> float:
    """n / total rounded to 4 places; 0.0 for an empty total (nothing to divide)."""
    return round(n / total, 4) if total else 0.0


GRAINS = ("day", "week", "month")


def _period(d: date, grain: str) -> date:
    if grain == "week":  # ISO weeks, Monday first
        return d - timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    return d


def sessions_over_time(store: Store, f: Filter, grain: str = "day") -> list[dict]:
    """Sessions started per day, week (from Monday) or month, every period of the filter's
    range listed (zero where nobody came), labelled by its first day."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    per: dict[date, int] = {}
    days = [(date.fromisoformat(r["day"]), r["sessions"]) for r in sessions_per_day(store, f)]
    for d, n in days:
        p = _period(d, grain)
        per[p] = per.get(p, 0) + n
    lo = f.date_from or (days[0][0] if days else None)
    hi = f.date_to or (days[-1][0] if days else None)
    if lo is not None and hi is not None:
        d = _period(lo, grain)
        while d <= hi:
            per.setdefault(d, 0)
            d = _period(
                d + timedelta(days=32 if grain == "month" else 7 if grain == "week" else 1), grain
            )
    return [{"period": p.isoformat(), "sessions": n} for p, n in sorted(per.items())]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hour_by_weekday(store: Store, f: Filter) -> list[dict]:
    """Sessions per (weekday, hour of day), all 7 x 24 cells; weekday 0 = Monday. Hours are
    the kiosk's recorded start hour (UTC, as stored)."""
    dc = schema.daily_counts
    q = (
        select(dc.c.day, dc.c.key, func.sum(dc.c.sessions))
        .where(dc.c.metric == "hour", f.where(dc))
        .group_by(dc.c.day, dc.c.key)
    )
    cells = [[0] * 24 for _ in WEEKDAYS]
    with store.engine.connect() as conn:
        for d, h, n in conn.execute(q):
            cells[d.weekday()][int(h)] += int(n)
    return [{"weekday": w, "hour": h, "sessions": cells[w][h]} for w in range(7) for h in range(24)]


def stock_table(store: Store, f: Filter) -> list[dict]:
    """What to stock: sessions per (sex as chosen, EU size, width letter) with each cell's
    share of every sized session in the range. The screen's table and its CSV are this."""
    rows = size_curve(store, f)
    total = sum(r["sessions"] for r in rows)
    return [{**r, "share": _share(r["sessions"], total)} for r in rows]


STOCK_COLUMNS = ("sex", "size_eu", "width", "sessions", "share")


def stock_csv(store: Store, f: Filter) -> str:
    """The what-to-stock table as CSV, the same rows and numbers as on screen."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(STOCK_COLUMNS)
    for r in stock_table(store, f):
        w.writerow(
            [
                _csv_cell(r["sex"]),
                f"{r['size_eu']:g}",
                _csv_cell(r["width"]),
                r["sessions"],
                f"{r['share']:.4f}",
            ]
        )
    return buf.getvalue()


def store_comparison(store: Store, f: Filter) -> list[dict]:
    """Per store: sessions reaching each funnel stage and the share that reached results."""
    dc = schema.daily_counts
    q = (
        select(dc.c.store_id, dc.c.key, func.sum(dc.c.sessions))
        .where(dc.c.metric == "funnel", f.where(dc))
        .group_by(dc.c.store_id, dc.c.key)
    )
    per: dict[str, dict[str, int]] = {}
    with store.engine.connect() as conn:
        for sid, stage, n in conn.execute(q):
            per.setdefault(sid, {})[stage] = int(n)
    names = {s["store_id"]: s["name"] for s in store.list_stores(f.retailer_id)}
    out = []
    for sid in sorted(per):
        stages = {st: per[sid].get(st, 0) for st in FUNNEL}
        out.append(
            {
                "store_id": sid,
                "name": names.get(sid, sid),
                **stages,
                "results_share": _share(stages["results"], stages["started"]),
            }
        )
    return out


def out_of_stock_by_size(store: Store, f: Filter) -> list[dict]:
    """Sessions shown an out-of-stock suggestion, by kind and the shopper's EU size."""
    out = []
    for key, n in _counts(store, f, "oos_size").items():
        kind, eu = key.split("|")
        out.append({"kind": kind, "size_eu": float(eu), "sessions": n})
    return sorted(out, key=lambda r: (r["size_eu"], r["kind"]))


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


def tries(store: Store, f: Filter) -> list[dict]:
    """Before/after walks per product: how many, and how many changed the rolling class
    (worse foot) from the first walk's; `unknown` where either walk has no class."""
    per: dict[str, dict[str, int]] = {}
    for key, n in _counts(store, f, "tries").items():
        outcome, product_id = key.split("|", 1)
        per.setdefault(product_id, {o: 0 for o in rollup.TRY_OUTCOMES})[outcome] += n
    names = {r["product_id"]: r["name"] for r in recommendation_mix(store, f, limit=1000)}
    out = [
        {"product_id": p, "name": names.get(p, p), "tries": sum(c.values()), **c}
        for p, c in per.items()
    ]
    return sorted(out, key=lambda r: (-r["tries"], r["product_id"]))


def dashboard(store: Store, f: Filter, grain: str = "day") -> dict[str, Any]:
    """Everything the dashboard page and the JSON API show (docs/API.md)."""
    stock = stock_table(store, f)
    return {
        "grain": grain,
        "per_day": sessions_per_day(store, f),
        "over_time": sessions_over_time(store, f, grain),
        "per_hour": sessions_per_hour(store, f),
        "hour_weekday": hour_by_weekday(store, f),
        "funnel": funnel(store, f),
        "size_curve": [{k: v for k, v in r.items() if k != "share"} for r in stock],
        "stock": stock,
        "mix": class_mix(store, f),
        "recommendations": recommendation_mix(store, f),
        "out_of_stock": out_of_stock(store, f),
        "out_of_stock_by_size": out_of_stock_by_size(store, f),
        "stores": store_comparison(store, f),
        "tries": tries(store, f),
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
