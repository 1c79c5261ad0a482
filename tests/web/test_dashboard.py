"""The retailer dashboard page, its CSV and the JSON API serve the same figures."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from webutil import login

from kiosk.store.demo import demo_records

END = datetime(2026, 3, 31, 20)
QUERY = "from=2026-01-01&to=2026-03-31"
TOKEN = {"Authorization": "Bearer retail-token-1"}


@pytest.fixture
def client(hq_app):
    store = hq_app.extensions["kiosk"].store
    stores = (("s1", "Shibuya"), ("s2", "Umeda"), ("s3", "SoHo"))
    for sid, name in stores:
        store.upsert_store(sid, "r1", name)
    store.save_sessions(
        demo_records(400, seed=3, days=60, end=END, retailer_id="r1", stores=stores)
    )
    # another retailer's visits, which neither the page nor the API may count
    store.save_sessions(demo_records(50, seed=4, days=60, end=END, retailer_id="r2"))
    c = hq_app.test_client()
    login(c, "retailer")
    return c


def _page_data(page: str) -> dict:
    m = re.search(r'id="dashboard-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))  # tojson escapes <, >, & and ' as \u00XX: plain JSON


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.slow
def test_the_page_charts_exactly_what_the_api_serves(client, grain):
    page = client.get(f"/retail/?{QUERY}&grain={grain}").get_data(as_text=True)
    api = client.get(f"/api/v1/retail/dashboard?{QUERY}&grain={grain}", headers=TOKEN).get_json()
    shown = _page_data(page)
    api.pop("filter")
    assert shown == api
    assert api["grain"] == grain and api["funnel"][0]["sessions"] == 400
    assert {s["store_id"] for s in api["stores"]} == {"s1", "s2", "s3"}
    assert client.get(f"/retail/?{QUERY}&grain=year").status_code == 400


@pytest.mark.slow
def test_the_stock_table_on_screen_matches_its_csv_and_the_api_csv(client):
    page = client.get(f"/retail/?{QUERY}").get_data(as_text=True)
    cells = re.findall(r'data-n="(\d+)" data-share="([0-9.]+)"', page)
    web_csv = client.get(f"/retail/stock.csv?{QUERY}")
    assert web_csv.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(web_csv.get_data(as_text=True))))
    api_csv = client.get(f"/api/v1/retail/stock.csv?{QUERY}", headers=TOKEN)
    assert api_csv.get_data(as_text=True) == web_csv.get_data(as_text=True)
    assert sorted((int(n), s) for n, s in cells) == sorted(
        (int(r["sessions"]), r["share"]) for r in rows
    )
    total = sum(int(r["sessions"]) for r in rows)
    assert f'<td class="num total">{total}</td>' in page
    assert abs(sum(float(r["share"]) for r in rows) - 1.0) < 0.01


@pytest.mark.slow
def test_an_empty_range_shows_empty_states_not_charts(client):
    page = client.get("/retail/?from=2001-01-01&to=2001-01-31").get_data(as_text=True)
    for chart in ("chart-time", "chart-heat", "chart-funnel", "chart-sizes", "chart-oos"):
        assert f'id="{chart}-empty"' in page and f'id="{chart}"' not in page
    assert 'id="stock-table-empty"' in page
