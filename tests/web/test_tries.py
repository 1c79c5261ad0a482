"""Before/after walks on a real app and database: pick a product from the catalogue, the
walk job stores the second walk as a try, and the comparison, the QR summary and the
dashboard show it."""

from __future__ import annotations

import copy
import re

import pytest
from test_results_screen import _gait, seed_visit
from webutil import csrf_of, login

from kiosk.store import stats
from kiosk.web.visits import finish_walk


@pytest.fixture
def visit(kiosk_app):
    client = kiosk_app.test_client()
    sid = seed_visit(kiosk_app, sex="male")
    with client.session_transaction() as s:
        s["sid"] = sid
    return client, sid


def _after_walk() -> dict:
    """The second walk: the right heel tilts 6° less and is classed again."""
    g = _gait()
    right = g["feet"]["right"]
    right["peak_eversion_deg"] = 3.0
    right["rearfoot_curve_deg"] = [round(v / 3, 2) for v in right["rearfoot_curve_deg"]]
    right["rolling"] = "neutral"
    g["feet"]["left"]["rolling"] = "neutral"
    return g


def _walk_in(app, sid: str, report: dict):
    """What the treadmill job does when the walk ends (kiosk.web.api.run_walk)."""
    svc = app.extensions["kiosk"]
    with app.app_context():
        return finish_walk(svc, svc.store.get_session(sid), copy.deepcopy(report))


def test_a_try_walk_is_stored_beside_the_first_walk_and_compared(kiosk_app, visit):
    client, sid = visit
    html = client.get("/results").get_data(as_text=True)
    assert 'id="try-walk"' in html and 'id="see-compare"' not in html
    pick = client.get("/try").get_data(as_text=True)
    rec = kiosk_app.extensions["kiosk"].store.get_session(sid)
    first_sku = rec.recommendations[0].product_id
    # the visit's suggestions come first, then the rest of the catalogue
    assert pick.index(f'value="{first_sku}"') < pick.index('id="catalogue"')
    tok = csrf_of(client)
    r = client.post("/try", data={"csrf_token": tok, "sku": first_sku})
    assert r.status_code == 302 and r.headers["Location"].endswith("/try/walk")
    walk = client.get("/try/walk").get_data(as_text=True)
    assert rec.recommendations[0].name in walk and 'data-next="/compare"' in walk

    before = rec.gait
    rec = _walk_in(kiosk_app, sid, _after_walk())
    assert rec.gait == before  # the first walk stays the visit's walk
    assert [t.product_id for t in rec.tries] == [first_sku]
    assert rec.tries[0].gait["feet"]["right"]["peak_eversion_deg"] == 3.0

    cmp = client.get("/compare").get_data(as_text=True)
    right = re.search(r'<tr data-side="right">(.*?)</tr>', cmp, re.S).group(1)
    assert "9.0°" in right and "3.0°" in right and "-6.0°" in right
    assert 'id="chart-0-right"' in cmp and 'id="data-0-left"' in cmp
    assert "6.0° less inward tilt" in cmp
    # a walk without a pick is the visit's walk again, not a try
    rec = _walk_in(kiosk_app, sid, _gait())
    assert len(rec.tries) == 1


def test_the_qr_summary_lists_the_tries(kiosk_app, visit):
    client, sid = visit
    # a QR code is offered only where the kiosk knows the address a phone can open
    cfg = kiosk_app.config["KIOSK"].with_overrides(web={"public_url": "http://kiosk.test"})
    kiosk_app.config["KIOSK"] = kiosk_app.extensions["kiosk"].config = cfg
    rec = kiosk_app.extensions["kiosk"].store.get_session(sid)
    tok = csrf_of(client)
    client.post("/try", data={"csrf_token": tok, "sku": rec.recommendations[0].product_id})
    _walk_in(kiosk_app, sid, _after_walk())
    client.post("/qr", data={"csrf_token": tok})
    with client.session_transaction() as s:
        link = s["qr_link"]  # what the QR code on the results screen encodes
    summary = client.get(f"/s/{link}").get_data(as_text=True)
    assert 'id="summary-tries"' in summary and rec.recommendations[0].name in summary
    assert "3.0°" in summary and "9.0°" in summary


def test_a_product_not_in_the_catalogue_cannot_be_tried(visit):
    client, _ = visit
    tok = csrf_of(client)
    assert client.post("/try", data={"csrf_token": tok, "sku": "NOPE"}).status_code == 400
    assert client.get("/try/walk").status_code == 302  # nothing picked: back to the list
    assert client.get("/compare").status_code == 302  # nothing tried: back to the results


@pytest.mark.slow
def test_the_dashboard_counts_tries_and_class_changes(kiosk_app, visit):
    client, sid = visit
    svc = kiosk_app.extensions["kiosk"]
    rec = svc.store.get_session(sid)
    tok = csrf_of(client)
    sku = rec.recommendations[0].product_id
    for report in (_after_walk(), _gait()):
        client.post("/try", data={"csrf_token": tok, "sku": sku})
        _walk_in(kiosk_app, sid, report)
    rec = svc.store.get_session(sid)
    assert len(rec.tries) == 2 and rec.gait["feet"]["right"]["rolling"] == "neutral"
    f = stats.Filter(retailer_id="r1")
    (row,) = stats.tries(svc.store, f)
    assert row["product_id"] == sku and row["tries"] == 2
    # the seeded first walk and both tries are all "neutral": no class changed
    assert (row["same"], row["changed"], row["unknown"]) == (2, 0, 0)
    retail = kiosk_app.test_client()
    login(retail, "retailer")
    page = retail.get("/retail/?from=2000-01-01").get_data(as_text=True)
    assert 'id="chart-tries"' in page
