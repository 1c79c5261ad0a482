"""Every figure the retailer dashboard charts, checked against SQL on the sessions
themselves: 10 000 visits over 3 stores and four months, on SQLite and PostgreSQL.

The dashboard reads the daily rollups; these queries read the raw sessions and
recommendations, so a rollup that drifted from the visits would show here.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from kiosk.store import Store
from kiosk.store import stats as st
from kiosk.store.demo import DEMO_RETAILER, DEMO_STORES, demo_records
from kiosk.store.records import rolling_of

pytestmark = pytest.mark.slow

N_SESSIONS = 10_000
END = datetime(2026, 3, 31, 20)
DAYS = 120


@pytest.fixture(scope="module")
def records():
    # a second retailer's visits share the database and must never leak into the figures
    other = demo_records(300, seed=12, days=DAYS, end=END, retailer_id="other-retailer")
    return demo_records(N_SESSIONS, seed=11, days=DAYS, end=END), other


@pytest.fixture
def seeded(db_url, records):
    store = Store(db_url)
    mine, other = records
    for sid, name in DEMO_STORES:
        store.upsert_store(sid, DEMO_RETAILER, name)
    store.save_sessions(mine)
    store.save_sessions(other)
    yield store
    store.close()


FILTER = st.Filter(
    retailer_id=DEMO_RETAILER, date_from=date(2025, 12, 1), date_to=date(2026, 3, 31)
)
WHERE = "retailer_id = :rid AND day >= :lo AND day <= :hi"


def _sql(store: Store, sql: str, **kw) -> list[tuple]:
    params = {"rid": DEMO_RETAILER, "lo": FILTER.date_from, "hi": FILTER.date_to, **kw}
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _n(store: Store, where: str, **kw) -> int:
    return _sql(store, f"SELECT count(*) FROM sessions WHERE {WHERE} AND {where}", **kw)[0][0]


def test_the_seed_spans_three_stores_and_the_whole_range(seeded):
    rows = _sql(seeded, f"SELECT store_id, count(*) FROM sessions WHERE {WHERE} GROUP BY store_id")
    assert len(rows) == 3 and sum(n for _, n in rows) <= N_SESSIONS
    assert sum(n for _, n in rows) > 0.95 * N_SESSIONS


@pytest.mark.parametrize("grain", st.GRAINS)
def test_sessions_over_time_match_sql_for_every_period(seeded, grain):
    periods = st.sessions_over_time(seeded, FILTER, grain)
    starts = [date.fromisoformat(p["period"]) for p in periods]
    assert starts == sorted(starts) and starts[0] <= FILTER.date_from
    for i, p in enumerate(periods):
        end = starts[i + 1] if i + 1 < len(starts) else FILTER.date_to + timedelta(days=1)
        assert p["sessions"] == _n(seeded, "day >= :a AND day < :b", a=starts[i], b=end), p
    assert sum(p["sessions"] for p in periods) == _n(seeded, "1 = 1")


def test_hour_by_weekday_heat_map_matches_sql(seeded):
    dow = (
        "CAST(strftime('%w', day) AS INTEGER)"
        if seeded.engine.dialect.name == "sqlite"
        else "CAST(extract(dow FROM day) AS INTEGER)"
    )
    sql = f"SELECT {dow}, hour, count(*) FROM sessions WHERE {WHERE} GROUP BY 1, 2"
    want = {((d + 6) % 7, h): n for d, h, n in _sql(seeded, sql)}  # SQL's Sunday is 0
    cells = st.hour_by_weekday(seeded, FILTER)
    assert len(cells) == 7 * 24
    got = {(c["weekday"], c["hour"]): c["sessions"] for c in cells if c["sessions"]}
    assert got == want


def test_funnel_and_drop_off_match_sql(seeded):
    funnel = st.funnel(seeded, FILTER)
    prev = None
    for step in funnel:
        where = "1 = 1" if step["stage"] == "started" else f"{step['stage']}_at IS NOT NULL"
        n = _n(seeded, where)
        assert step["sessions"] == n
        if prev is not None:
            assert step["drop_off"] == prev - n
            assert step["drop_off_share"] == pytest.approx((prev - n) / prev, abs=1e-4)
        prev = n


def test_what_to_stock_table_and_its_csv_match_sql(seeded):
    sql = (
        "SELECT coalesce(sex, 'unspecified'), size_eu, coalesce(width_letter, '?'), count(*) "
        f"FROM sessions WHERE {WHERE} AND size_eu IS NOT NULL GROUP BY 1, 2, 3"
    )
    want = {(s, float(eu), w): n for s, eu, w, n in _sql(seeded, sql)}
    total = sum(want.values())
    table = st.stock_table(seeded, FILTER)
    assert {(r["sex"], r["size_eu"], r["width"]): r["sessions"] for r in table} == want
    for r in table:
        assert r["share"] == pytest.approx(r["sessions"] / total, abs=1e-4)
    lines = st.stock_csv(seeded, FILTER).strip().splitlines()
    assert lines[0] == ",".join(st.STOCK_COLUMNS) and len(lines) == len(table) + 1
    for line, r in zip(lines[1:], table, strict=True):
        sex, eu, width, n, share = line.split(",")
        assert (sex, float(eu), width, int(n)) == (
            r["sex"],
            r["size_eu"],
            r["width"],
            r["sessions"],
        )
        assert float(share) == pytest.approx(r["share"], abs=1e-4)


def test_class_and_recommendation_mix_match_sql(seeded):
    mix = st.class_mix(seeded, FILTER)
    for name, col in (("arch", "arch_type"), ("rolling", "rolling")):
        sql = f"SELECT {col}, count(*) FROM sessions WHERE {WHERE} AND {col} IS NOT NULL GROUP BY 1"
        assert {r["class"]: r["sessions"] for r in mix[name]} == dict(_sql(seeded, sql))
    sql = (
        "SELECT product_id, count(*), sum(CASE WHEN in_stock THEN 0 ELSE 1 END) "
        f"FROM session_recommendations WHERE {WHERE} GROUP BY product_id"
    )
    want = {p: (n, o) for p, n, o in _sql(seeded, sql)}
    got = {
        r["product_id"]: (r["recommended"], r["out_of_stock"])
        for r in st.recommendation_mix(seeded, FILTER)
    }
    assert got == want


def test_store_comparison_matches_sql(seeded):
    rows = st.store_comparison(seeded, FILTER)
    assert [r["store_id"] for r in rows] == sorted(s for s, _ in DEMO_STORES)
    assert {r["name"] for r in rows} == {n for _, n in DEMO_STORES}
    for r in rows:
        assert r["started"] == _n(seeded, "store_id = :s", s=r["store_id"])
        assert r["results"] == _n(
            seeded, "store_id = :s AND results_at IS NOT NULL", s=r["store_id"]
        )
        assert r["qr"] == _n(seeded, "store_id = :s AND qr_at IS NOT NULL", s=r["store_id"])


def test_out_of_stock_by_size_matches_sql(seeded):
    sql = (
        "SELECT r.kind, s.size_eu, count(DISTINCT s.session_id) FROM sessions s "
        "JOIN session_recommendations r ON r.session_id = s.session_id "
        "WHERE s.retailer_id = :rid AND s.day >= :lo AND s.day <= :hi "
        "AND NOT r.in_stock AND s.size_eu IS NOT NULL GROUP BY 1, 2"
    )
    want = {(k, float(eu)): n for k, eu, n in _sql(seeded, sql)}
    assert want, "the demo visits include out-of-stock suggestions"
    got = {
        (r["kind"], r["size_eu"]): r["sessions"] for r in st.out_of_stock_by_size(seeded, FILTER)
    }
    assert got == want


def test_one_store_filter_narrows_every_figure(seeded):
    one = st.Filter(
        retailer_id=DEMO_RETAILER,
        store_ids=("demo-umeda",),
        date_from=FILTER.date_from,
        date_to=FILTER.date_to,
    )
    d = st.dashboard(seeded, one, "month")
    n = _n(seeded, "store_id = 'demo-umeda'")
    assert d["funnel"][0]["sessions"] == n == sum(p["sessions"] for p in d["over_time"])
    assert sum(c["sessions"] for c in d["hour_weekday"]) == n
    assert [r["store_id"] for r in d["stores"]] == ["demo-umeda"]


def test_tries_by_product_match_the_stored_walks(seeded):
    rows = _sql(seeded, f"SELECT rolling, tries FROM sessions WHERE {WHERE} AND tries IS NOT NULL")
    want: dict[str, dict[str, int]] = {}
    for before, tries_json in rows:
        for t in json.loads(tries_json):
            after = rolling_of(t["gait"])
            outcome = (
                "unknown" if None in (before, after) else "same" if before == after else "changed"
            )
            c = want.setdefault(t["product_id"], {"changed": 0, "same": 0, "unknown": 0})
            c[outcome] += 1
    got = {
        r["product_id"]: {k: r[k] for k in ("changed", "same", "unknown")}
        for r in st.tries(seeded, FILTER)
    }
    assert got == want
    assert (
        sum(c["changed"] for c in want.values()) > 0 and sum(c["same"] for c in want.values()) > 0
    )
