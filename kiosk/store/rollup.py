"""Daily rollups of the sessions table, for dashboards that stay fast over years of data.

A group is one (retailer, store, day). Whenever sessions change, the store recomputes
their groups from the sessions table inside the same transaction: recomputing (rather
than adding and subtracting) makes repeated and out-of-order versions of a visit, and
purges, come out right by construction. On PostgreSQL, concurrent ingest workers take a
transaction-scoped advisory lock per group, in a fixed order, so two batches that touch
the same group recompute one after the other and the second sees the first's rows.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, case, delete, func, select, text, tuple_

from kiosk.store import bulk, schema
from kiosk.store.records import rolling_of

log = logging.getLogger(__name__)

Group = tuple[str, str, date]  # retailer_id, store_id, day

FUNNEL = ("started", "consent", "standing", "walk", "results", "qr")
_IN_CHUNK = 200  # groups per IN list (SQLite caps bound parameters)


def size_key(sex: str | None, width: str | None, size_eu: float) -> str:
    return f"{sex or 'unspecified'}|{width or '?'}|{float(size_eu):g}"


def oos_key(kind: str, size_eu: float) -> str:
    return f"{kind}|{float(size_eu):g}"


TRY_OUTCOMES = ("changed", "same", "unknown")


def tries_key(product_id: str, before: str | None, after: str | None) -> str:
    """ "<outcome>|<product_id>": whether a walk in the product changed the rolling class."""
    if before is None or after is None:
        outcome = "unknown"
    else:
        outcome = "changed" if before != after else "same"
    return f"{outcome}|{product_id}"


def groups_of(rows: Iterable[dict]) -> set[Group]:
    return {(r["retailer_id"], r["store_id"], r["day"]) for r in rows}


def refresh(conn: Connection, groups: Iterable[Group]) -> None:
    """Recompute the rollup rows of `groups` from the sessions table."""
    groups = sorted(set(groups))
    if not groups:
        return
    if conn.dialect.name == "postgresql":
        for g in groups:  # sorted: two workers never wait on each other in a circle
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                {"k": f"rollup|{g[0]}|{g[1]}|{g[2]}"},
            )
    for i in range(0, len(groups), _IN_CHUNK):
        _refresh_chunk(conn, groups[i : i + _IN_CHUNK])


def _refresh_chunk(conn: Connection, groups: list[Group]) -> None:
    s, r = schema.sessions, schema.recommendations
    dc, dr = schema.daily_counts, schema.daily_recommendations
    in_groups = tuple_(s.c.retailer_id, s.c.store_id, s.c.day).in_(groups)
    conn.execute(delete(dc).where(tuple_(dc.c.retailer_id, dc.c.store_id, dc.c.day).in_(groups)))
    conn.execute(delete(dr).where(tuple_(dr.c.retailer_id, dr.c.store_id, dr.c.day).in_(groups)))
    # one pass over the groups' sessions, grouped by every dimension the dashboard shows
    dims = (
        s.c.retailer_id,
        s.c.store_id,
        s.c.day,
        s.c.hour,
        s.c.sex,
        s.c.width_letter,
        s.c.size_eu,
        s.c.arch_type,
        s.c.rolling,
        *(case((getattr(s.c, f"{st}_at").is_(None), 0), else_=1).label(st) for st in FUNNEL[1:]),
    )
    counts: Counter = Counter()
    for row in conn.execute(select(*dims, func.count()).where(in_groups).group_by(*dims)):
        (rid, sid, day, hour, sex, width, size_eu, arch, rolling, *stages, n) = row
        g = (rid, sid, day)
        counts[(*g, "hour", str(hour))] += n
        counts[(*g, "funnel", "started")] += n
        for stage, reached in zip(FUNNEL[1:], stages, strict=True):
            if reached:
                counts[(*g, "funnel", stage)] += n
        if size_eu is not None:
            counts[(*g, "size", size_key(sex, width, size_eu))] += n
        if arch is not None:
            counts[(*g, "arch", arch)] += n
        if rolling is not None:
            counts[(*g, "rolling", rolling)] += n
    # shoppers shown a suggestion that was out of stock, by the kind and their EU size:
    # what a buyer should have had on the shelf
    oos_q = (
        select(
            s.c.retailer_id,
            s.c.store_id,
            s.c.day,
            r.c.kind,
            s.c.size_eu,
            func.count(func.distinct(s.c.session_id)),
        )
        .select_from(s.join(r, r.c.session_id == s.c.session_id))
        .where(in_groups, r.c.in_stock.is_(False), s.c.size_eu.is_not(None))
        .group_by(s.c.retailer_id, s.c.store_id, s.c.day, r.c.kind, s.c.size_eu)
    )
    for rid, sid, day, kind, size_eu, n in conn.execute(oos_q):
        counts[(rid, sid, day, "oos_size", oos_key(kind, size_eu))] += n
    # before/after walks: per product, whether the walk in it changed the rolling class
    tries_q = select(s.c.retailer_id, s.c.store_id, s.c.day, s.c.rolling, s.c.tries).where(
        in_groups, s.c.tries.is_not(None)
    )
    for rid, sid, day, rolling, tries_json in conn.execute(tries_q):
        for t in json.loads(tries_json):
            after = rolling_of(t.get("gait"))
            counts[(rid, sid, day, "tries", tries_key(t["product_id"], rolling, after))] += 1
    # the personal plan's items, one count per session that was shown each
    shown = select(s.c.retailer_id, s.c.store_id, s.c.day, s.c.plan_shown).where(
        in_groups, s.c.plan_shown.is_not(None)
    )
    for rid, sid, day, ids in conn.execute(shown):
        for item in set(json.loads(ids)):
            counts[(rid, sid, day, "plan", item[:48])] += 1
    bulk.insert_rows(
        conn,
        dc,
        [
            {
                "retailer_id": rid,
                "store_id": sid,
                "day": day,
                "metric": m,
                "key": k,
                "sessions": n,
            }
            for (rid, sid, day, m, k), n in counts.items()
        ],
    )
    rec_in = tuple_(r.c.retailer_id, r.c.store_id, r.c.day).in_(groups)
    oos = func.sum(case((r.c.in_stock.is_(False), 1), else_=0))
    q = (
        select(
            r.c.retailer_id,
            r.c.store_id,
            r.c.day,
            r.c.product_id,
            func.max(r.c.name),
            func.max(r.c.kind),
            func.count(),
            oos,
        )
        .where(rec_in)
        .group_by(r.c.retailer_id, r.c.store_id, r.c.day, r.c.product_id)
    )
    recs = [
        {
            "retailer_id": rid,
            "store_id": sid,
            "day": day,
            "product_id": p,
            "name": nm,
            "kind": kd,
            "recommended": int(c),
            "out_of_stock": int(o or 0),
        }
        for rid, sid, day, p, nm, kd, c, o in conn.execute(q)
    ]
    bulk.insert_rows(conn, dr, recs)


def rebuild(conn: Connection) -> int:
    """Recompute every group (after a migration, or to repair); returns how many."""
    s = schema.sessions
    groups = [
        tuple(g) for g in conn.execute(select(s.c.retailer_id, s.c.store_id, s.c.day).distinct())
    ]
    conn.execute(delete(schema.daily_counts))
    conn.execute(delete(schema.daily_recommendations))
    for i in range(0, len(groups), _IN_CHUNK):
        _refresh_chunk(conn, groups[i : i + _IN_CHUNK])
    log.info("rollup rebuilt: %d groups", len(groups))
    return len(groups)
