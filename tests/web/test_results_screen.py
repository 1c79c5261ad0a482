"""The shopper's results screen on a real app and database: one suggestion per product in
the chart the shopper picked, and the heel chart's data cut to stance."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from webutil import csrf_of

from kiosk.store import new_record, utcnow
from kiosk.web.visits import finish_results

LENGTH_MM = 267.4  # stocked in the sample catalogue's men's and women's rows alike


def _standing() -> dict:
    foot = {
        "length_mm": LENGTH_MM,
        "width_mm": 98.0,
        "arch_height_mm": 64.0,
        "arch_height_index": 0.33,
        "arch_type": "normal",
        "confidence": 0.9,
    }
    size = {"eu": 42, "uk": 8, "us_men": 9, "us_women": 10.5, "jp_cm": 26.5, "mondopoint": 265}
    return {
        "schema": "kiosk.report/1",
        "kind": "standing",
        "feet": {"left": dict(foot), "right": dict(foot)},
        "size": {**size, "width": "D"},
        "recommendations": [],
    }


def _foot_gait(peak_deg: float, toe_off_s: float) -> dict:
    curve = [round(peak_deg * max(0.0, min(1.0, i / 30)), 2) for i in range(101)]
    return {
        "peak_eversion_deg": peak_deg,
        "rolling": "neutral",
        "steps": 3,
        "confidence": 0.9,
        "rearfoot_curve_deg": curve,
        "heel_strikes_s": [0.0, 1.1, 2.2, 3.3],
        "toe_offs_s": [toe_off_s + k * 1.1 for k in range(3)],
    }


# strides of 1.1 s; the left foot leaves the ground at 58 % of them, the right at 60 %
TOE_OFF_PCT = {"left": 58.0, "right": 60.0}


def _gait() -> dict:
    return {
        "schema": "kiosk.report/1",
        "kind": "gait",
        "feet": {"left": _foot_gait(7.0, 0.638), "right": _foot_gait(9.0, 0.66)},
        "cadence_spm": 109.0,
        "recommendations": [],
    }


def seed_visit(app, sex: str | None = None, lang: str = "en") -> str:
    """A measured visit at the results stage, recommended from the sample catalogue."""
    svc = app.extensions["kiosk"]
    cfg = svc.config.kiosk
    now = utcnow()
    rec = new_record(
        kiosk_id=cfg.kiosk_id,
        store_id=cfg.store_id,
        retailer_id=cfg.retailer_id,
        lang=lang,
        app_version="0.1.0",
        model_versions={},
    )
    rec = rec.model_copy(
        update={
            "consent": True,
            "consent_at": now,
            "sex": sex,
            "standing": _standing(),
            "standing_at": now + timedelta(seconds=20),
            "gait": _gait(),
            "walk_at": now + timedelta(seconds=60),
            "updated_at": now + timedelta(seconds=60),
        }
    )
    with app.app_context():
        finish_results(svc, rec)
    return rec.session_id


def _items(page: str) -> list[str]:
    block = page[page.index('id="recommendations"') :]
    block = block[: block.index("</ol>")]
    return [html.unescape(re.sub(r"<[^>]+>", " ", li)) for li in block.split("<li>")[1:]]


@pytest.fixture
def visit(kiosk_app):
    client = kiosk_app.test_client()
    sid = seed_visit(kiosk_app, sex=None)
    with client.session_transaction() as s:
        s["sid"] = sid
    return client, sid


def test_results_list_each_product_once_with_one_size_line(kiosk_app, visit):
    client, sid = visit
    html = client.get("/results").get_data(as_text=True)
    items = _items(html)
    rec = kiosk_app.extensions["kiosk"].store.get_session(sid)
    names = [r.name for r in rec.recommendations]
    assert items and len(items) == len(names) == len(set(names))
    for text in items:
        assert text.count("Ask for") <= 1
    # sex not given, US chart differs by sex: the shoes offer both, each named once
    assert any("US men's" in t and "US women's" in t for t in items) or any(
        "(men's)" in t and "(women's)" in t for t in items
    )


def test_choosing_a_chart_asks_for_every_product_in_it(kiosk_app, visit):
    client, sid = visit
    tok = csrf_of(client)
    r = client.post("/results/chart", data={"csrf_token": tok, "chart": "jp_cm"})
    assert r.status_code == 302
    html = client.get("/results").get_data(as_text=True)
    assert 'value="jp_cm" aria-pressed="true"' in html
    for text in _items(html):
        assert "JP (cm) 26.5" in text
        assert "US " not in text and "EU " not in text
    rec = kiosk_app.extensions["kiosk"].store.get_session(sid)
    assert all("JP (cm) 26.5" in (r.reason or "") for r in rec.recommendations)
    # a chart the store does not show is refused without losing the visit
    r = client.post("/results/chart", data={"csrf_token": tok, "chart": "martian"})
    assert r.status_code == 302
    assert 'value="jp_cm" aria-pressed="true"' in client.get("/results").get_data(as_text=True)


def test_heel_chart_data_covers_stance_only_with_toe_off_measured(visit):
    client, _ = visit
    html = client.get("/results").get_data(as_text=True)
    m = re.search(r'id="rearfoot-data">(.*?)</script>', html, re.S)
    data = json.loads(m.group(1))
    for side in ("left", "right"):
        foot = data["feet"][side]
        pct = TOE_OFF_PCT[side]
        assert foot["toe_off_measured"] and foot["toe_off_pct"] == pytest.approx(pct, abs=0.1)
        last = round(pct)
        assert foot["curve"][last] is not None and foot["curve"][last + 1] is None
    assert data["normal_band_deg"][0] < data["normal_band_deg"][1]
