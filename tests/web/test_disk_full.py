"""A full disk: the shopper still gets their results (told plainly they are not stored),
/healthz and staff say so, and the kiosk saves the held visits once there is room again,
without a restart."""

from __future__ import annotations

import numpy as np
import pytest
from webutil import add_accounts, csrf_of, login, make_config

from kiosk.store import Store, utcnow
from kiosk.store.demo import demo_record
from kiosk.web.app import create_app
from kiosk.web.visits import save
from tests.web.field import FullDisk, unplugged


@pytest.mark.slow
def test_a_full_disk_still_gives_the_shopper_results_and_recovers_without_restart(tmp_path):
    cfg = make_config(tmp_path, web={"public_url": "http://kiosk.example"})
    store = Store(cfg.database_url)
    add_accounts(store)
    app = create_app(cfg, store=store, camera_factory=unplugged)
    svc = app.extensions["kiosk"]
    c = app.test_client()
    tok = csrf_of(c)
    with FullDisk(store):
        assert c.get("/").status_code == 200
        r = c.post("/start", data={"csrf_token": tok})
        assert r.headers["Location"].endswith("/privacy")
        assert c.get("/privacy").status_code == 200  # not sent back to the welcome screen
        r = c.post("/consent", data={"csrf_token": tok, "choice": "agree", "sex": "male"})
        assert r.headers["Location"].endswith("/questions")
        r = c.post("/questions", data={"csrf_token": tok, "choice": "skip"})
        assert r.headers["Location"].endswith("/standing")
        assert c.get("/standing").status_code == 200
        with c.session_transaction() as s:
            sid = s["sid"]
        # what the standing capture job does with its report (kiosk.web.api)
        measured = demo_record(np.random.default_rng(1), started_at=utcnow())
        rec = svc.extra["unsaved"].get(sid) or store.get_session(sid)
        save(svc, rec, standing=measured.standing, standing_at=utcnow())
        assert c.post("/walk/skip", data={"csrf_token": tok}).status_code == 302
        page = c.get("/results")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "could not be saved" in html
        assert f"{round(measured.standing['feet']['left']['length_mm'])}" in html
        assert 'id="make-qr"' not in html  # a link needs the visit stored
        health = c.get("/healthz")
        assert health.status_code == 200  # alive: the watchdog must not restart it
        assert health.json["status"] == "degraded" and "disk is full" in health.json["storage"]
        staff = app.test_client()
        login(staff, "staff")
        assert "disk is full" in staff.get("/staff/").get_data(as_text=True)
        assert store.get_session(sid) is None
    # room again: the next health check stores the held visit
    assert c.get("/healthz").json["status"] == "ok"
    kept = store.get_session(sid)
    assert kept is not None and kept.standing == measured.standing and kept.consent
    assert svc.extra["unsaved"] == {} and "store_error" not in svc.extra
    svc.cameras.stop()
