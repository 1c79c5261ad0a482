"""The dashboard's daily rollups always equal what the sessions themselves say: after
repeated, out-of-order and batched versions of visits, after purges, and after a
migration from a database that had no rollups."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import delete, select

from kiosk.store import Store, schema
from kiosk.store import stats as st
from kiosk.store.demo import demo_record, demo_records
from kiosk.store.records import flatten

END = datetime(2026, 3, 31, 20)


@pytest.fixture
def store(db_url: str):
    s = Store(db_url)
    yield s
    s.close()


def _expected(recs, f: st.Filter) -> dict:
    """The dashboard computed in Python from the newest version of each visit."""
    newest = {}
    for r in recs:
        if r.session_id not in newest or r.updated_at >= newest[r.session_id].updated_at:
            newest[r.session_id] = r
    rows = [flatten(r) for r in newest.values()]
    rows = [
        r
        for r in rows
        if (f.retailer_id is None or r["retailer_id"] == f.retailer_id)
        and (not f.store_ids or r["store_id"] in f.store_ids)
        and (f.date_from is None or r["day"] >= f.date_from)
        and (f.date_to is None or r["day"] <= f.date_to)
    ]
    funnel = Counter({"started": len(rows)})
    for r in rows:
        for stage in st.FUNNEL[1:]:
            funnel[stage] += r[f"{stage}_at"] is not None
    sizes = Counter(
        (r["sex"] or "unspecified", r["width_letter"] or "?", float(r["size_eu"]))
        for r in rows
        if r["size_eu"] is not None
    )
    ids = {r["session_id"] for r in rows}
    recs_n: Counter = Counter()
    for sid in ids:
        for x in newest[sid].recommendations:
            recs_n[x.product_id] += 1
    return {
        "per_day": Counter(r["day"].isoformat() for r in rows),
        "per_hour": Counter(r["hour"] for r in rows),
        "funnel": funnel,
        "sizes": sizes,
        "arch": Counter(r["arch_type"] for r in rows if r["arch_type"]),
        "rolling": Counter(r["rolling"] for r in rows if r["rolling"]),
        "recs": recs_n,
    }


def _shown(store: Store, f: st.Filter) -> dict:
    d = st.dashboard(store, f)
    return {
        "per_day": Counter({x["day"]: x["sessions"] for x in d["per_day"]}),
        "per_hour": Counter({x["hour"]: x["sessions"] for x in d["per_hour"] if x["sessions"]}),
        "funnel": Counter({x["stage"]: x["sessions"] for x in d["funnel"] if x["sessions"]}),
        "sizes": Counter(
            {(x["sex"], x["width"], x["size_eu"]): x["sessions"] for x in d["size_curve"]}
        ),
        "arch": Counter({x["class"]: x["sessions"] for x in d["mix"]["arch"]}),
        "rolling": Counter({x["class"]: x["sessions"] for x in d["mix"]["rolling"]}),
        "recs": Counter({x["product_id"]: x["recommended"] for x in d["recommendations"]}),
    }


def _versions(rng, n: int):
    """Each visit as it is saved stage by stage: the kiosk sends every version."""
    out = []
    stages = ["started", "consent", "standing", "walk", "results", "qr"]
    stores = ["demo-shibuya", "demo-umeda", "demo-soho"]
    for k in range(n):
        t = END - timedelta(days=int(rng.integers(0, 20)), hours=int(rng.integers(0, 8)))
        last = int(rng.integers(0, len(stages)))
        store_id = stores[k % len(stores)]
        first = None
        for i, stage in enumerate(stages[: last + 1]):
            v = demo_record(np.random.default_rng(k), started_at=t, stage=stage, store_id=store_id)
            first = first or v
            out.append(
                v.model_copy(
                    update={"session_id": first.session_id, "updated_at": t + timedelta(minutes=i)}
                )
            )
    return out


FILTERS = [
    st.Filter(),
    st.Filter(retailer_id="demo-retailer", store_ids=("demo-umeda",)),
    st.Filter(date_from=(END - timedelta(days=6)).date(), date_to=END.date()),
]


@pytest.mark.slow
def test_rollups_match_the_sessions_after_out_of_order_batched_versions(store):
    rng = np.random.default_rng(4)
    versions = _versions(rng, 60)
    order = rng.permutation(len(versions))
    shuffled = [versions[i] for i in order]
    for i in range(0, len(shuffled), 37):  # batches that split and repeat visits
        store.save_sessions(shuffled[i : i + 37], received=True)
    store.save_sessions(shuffled[:50], received=True)  # a retry of old batches
    for f in FILTERS:
        assert _shown(store, f) == _expected(versions, f), f


def test_rollups_follow_a_purge(store):
    old = demo_records(30, seed=5, days=10, end=END - timedelta(days=400))
    new = demo_records(30, seed=6, days=10, end=END)
    store.save_sessions(old + new)
    store.purge(END, retention_days=365)
    assert _shown(store, st.Filter()) == _expected(new, st.Filter())


def test_a_version_that_moves_a_visit_to_another_store_is_ignored(store):
    rec = demo_records(1, seed=7, end=END)[0]
    store.save_session(rec)
    moved = rec.model_copy(
        update={"store_id": "elsewhere", "updated_at": rec.updated_at + timedelta(hours=1)}
    )
    assert store.save_session(moved) is False
    assert _shown(store, st.Filter()) == _expected([rec], st.Filter())


def test_migration_builds_rollups_for_a_database_that_had_none(db_url):
    store = Store(db_url)
    recs = demo_records(40, seed=8, end=END)
    store.save_sessions(recs)
    with store.engine.begin() as conn:  # as a version-1 database left them
        conn.execute(delete(schema.daily_counts))
        conn.execute(delete(schema.daily_recommendations))
        conn.execute(delete(schema.schema_version).where(schema.schema_version.c.version >= 2))
    store.close()
    reopened = Store(db_url)
    try:
        with reopened.engine.connect() as conn:
            versions = [v for (v,) in conn.execute(select(schema.schema_version.c.version))]
        assert max(versions) >= 2
        assert _shown(reopened, st.Filter()) == _expected(recs, st.Filter())
    finally:
        reopened.close()
