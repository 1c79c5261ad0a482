"""The optional questionnaire after consent (answered or skipped, English and Japanese),
stored with the visit, and the plan it shapes on the results screen and the QR summary —
through the real Flask app and a real SQLite database."""

from __future__ import annotations

import re

import numpy as np
import pytest
from webutil import add_accounts, csrf_of, login, make_config

from kiosk.advice.answers import Answers
from kiosk.store import Store, utcnow
from kiosk.store.demo import demo_record
from kiosk.web.app import create_app
from kiosk.web.visits import save
from tests.web.field import unplugged


@pytest.fixture
def shop(tmp_path):
    cfg = make_config(tmp_path, web={"public_url": "http://kiosk.example"})
    store = Store(cfg.database_url)
    add_accounts(store)
    app = create_app(cfg, store=store, camera_factory=unplugged)
    yield app, store
    app.extensions["kiosk"].cameras.stop()
    store.close()


def _to_questions(c, lang: str) -> str:
    tok = csrf_of(c)
    c.post("/lang", data={"csrf_token": tok, "lang": lang})
    c.post("/start", data={"csrf_token": tok})
    r = c.post("/consent", data={"csrf_token": tok, "choice": "agree"})
    assert r.headers["Location"].endswith("/questions")
    return tok


def _measured(app, store, c, tok: str, ahi: float = 0.25):
    """What the standing capture job stores (kiosk.web.api), then the walk skipped."""
    with c.session_transaction() as s:
        sid = s["sid"]
    measured = demo_record(np.random.default_rng(1), started_at=utcnow())
    standing = measured.standing
    for foot in standing["feet"].values():
        foot["arch_height_index"], foot["arch_type"] = ahi, "low"
    save(app.extensions["kiosk"], store.get_session(sid), standing=standing, standing_at=utcnow())
    assert c.post("/walk/skip", data={"csrf_token": tok}).status_code == 302
    return sid


def _plan_ids(html: str) -> list[str]:
    plan = html[html.index('id="plan"') :]
    return re.findall(r'class="plan-item [a-z]+" data-id="([a-z_-]+)"', plan)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_answered_questionnaire_is_stored_and_shapes_the_plan(shop, lang):
    app, store = shop
    c = app.test_client()
    tok = _to_questions(c, lang)
    page = c.get("/questions").get_data(as_text=True)
    assert ("Does anything ache?" if lang == "en" else "痛むところはありますか?") in page
    r = c.post(
        "/questions",
        data={"csrf_token": tok, "choice": "answer", "aches": ["heels", "feet"],
              "activity": "running", "shoe_km": "800_plus", "heels_at_work": "no",
              "hours_on_feet": "gt8"},
    )  # fmt: skip
    assert r.headers["Location"].endswith("/standing")
    sid = _measured(app, store, c, tok)
    rec = store.get_session(sid)
    assert rec.answers == Answers(
        aches=("feet", "heels"), activity="running", shoe_km="800_plus",
        heels_at_work=False, hours_on_feet="gt8",
    )  # fmt: skip
    html = c.get("/results").get_data(as_text=True)
    ids = _plan_ids(html)
    assert ids[0] == "clinician"  # something aches: the clinician first
    assert store.get_session(sid).plan_shown == ids  # what the dashboard counts
    assert "plantar_fascia_stretch" in ids and "running_shoe_age" in ids
    assert "short_foot" not in ids  # an aching foot: left out, and said so
    assert 'class="left-out" data-id="short_foot"' in html
    assert ("podiatrist" if lang == "en" else "足の専門家") in html
    assert "DiGiovanni et al. 2003" in html and "<svg" in html[html.index('id="plan"') :]
    # the QR summary shows the same plan
    c.post("/qr", data={"csrf_token": tok})
    with c.session_transaction() as s:
        link = s["qr_link"]
    summary = app.test_client().get(f"/s/{link}").get_data(as_text=True)
    assert _plan_ids(summary)[0] == "clinician"
    assert "plantar_fascia_stretch" in _plan_ids(summary)
    # the retailer's dashboard counts the advice shown
    retail = app.test_client()
    login(retail, "retailer")
    dash = retail.get("/retail/").get_data(as_text=True)
    table = dash[dash.index('id="plan-mix"') :]
    assert "Plantar fascia stretch" in table.split("</table>")[0]  # in the retailer's language


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_skipped_questionnaire_stores_nothing_and_the_plan_still_explains(shop, lang):
    app, store = shop
    c = app.test_client()
    tok = _to_questions(c, lang)
    r = c.post("/questions", data={"csrf_token": tok, "choice": "skip", "aches": "knees"})
    assert r.headers["Location"].endswith("/standing")
    sid = _measured(app, store, c, tok, ahi=0.25)
    assert store.get_session(sid).answers is None
    ids = _plan_ids(c.get("/results").get_data(as_text=True))
    assert "clinician" not in ids
    assert ids[:2] == ["chain_inward", "short_foot"]  # the low arch measured
    # an empty submission counts as skipped
    c2 = app.test_client()
    tok2 = _to_questions(c2, lang)
    c2.post("/questions", data={"csrf_token": tok2, "choice": "answer"})
    with c2.session_transaction() as s:
        assert store.get_session(s["sid"]).answers is None


def test_questions_need_consent(shop):
    app, _ = shop
    c = app.test_client()
    tok = csrf_of(c)
    c.post("/start", data={"csrf_token": tok})
    assert c.get("/questions").headers["Location"].endswith("/privacy")
    r = c.post("/questions", data={"csrf_token": tok, "aches": "feet"})
    assert r.headers["Location"].endswith("/privacy")
