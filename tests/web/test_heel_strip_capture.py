"""A standing capture at a station with a heel-contact strip (a real pty as its port)."""

from __future__ import annotations

import pytest
from board_scene import camera_factory
from webutil import add_accounts, csrf_of, login, make_config

from kiosk.store import Store
from tests.capture.test_heel_strip import Board, wait_for


@pytest.fixture
def station(tmp_path):
    from kiosk.web.app import create_app

    board = Board().start()
    cfg = make_config(
        tmp_path,
        capture={"standing_capture_s": 1.0,
                 "heel_strip": {"device": board.path, "wait_s": 0.6}},
    )
    store = Store(cfg.database_url)
    add_accounts(store)
    # the standing camera: the board scene's quick frames (what they show does not matter:
    # the strip's verdict comes before any analysis)
    app = create_app(cfg, store=store, camera_factory=camera_factory)
    app.extensions["kiosk"].cameras.start()
    yield app, board
    app.extensions["kiosk"].cameras.stop()
    board.unplug()
    store.close()


def _start_capture(client) -> tuple[str, str]:
    tok = csrf_of(client)
    assert client.post("/start", data={"csrf_token": tok}).status_code == 302
    assert client.post("/consent", data={"csrf_token": tok, "choice": "agree"}).status_code == 302
    r = client.post("/api/v1/shopper/standing", headers={"X-CSRF-Token": tok})
    assert r.status_code == 202
    return tok, r.json["id"]


def _job(client, job_id: str) -> dict:
    return client.get(f"/api/v1/shopper/jobs/{job_id}").json


def test_the_capture_waits_for_both_heels_and_names_the_one_that_never_came(station):
    app, board = station
    board.state = b"HEEL 1 0"
    strip = app.extensions["kiosk"].cameras.heel_strip
    assert wait_for(lambda: strip.state() == (True, False))
    with app.test_client() as c:
        _, job_id = _start_capture(c)
        assert wait_for(lambda: _job(c, job_id)["phase"] == "heels")
        # meanwhile the screen says which foot to move
        state = c.get("/api/v1/shopper/camera/standing").json
        assert "right foot back" in state["guidance"]
        # what the camera sees first comes first: an empty mat never reads "step back"
        app.extensions["kiosk"].extra["guidance_standing"] = "no_feet"
        assert "can't see your feet" in c.get("/api/v1/shopper/camera/standing").json["guidance"]
        app.extensions["kiosk"].extra["guidance_standing"] = "step_back_left"  # camera guessed
        assert "right foot back" in c.get("/api/v1/shopper/camera/standing").json["guidance"]
        assert wait_for(lambda: _job(c, job_id)["phase"] == "error")
        body = _job(c, job_id)
        assert body["error"] == "step_back_right"
        assert "right foot back" in body["message"]
        assert "capturing" not in body["marks"]  # nothing was recorded
        staff = app.extensions["kiosk"].cameras.heel_strip.status()
        assert staff == {**staff, "state": "ok", "left": True, "right": False}


def test_a_heel_leaving_the_strip_during_the_capture_sends_the_shopper_back(station):
    app, board = station
    strip = app.extensions["kiosk"].cameras.heel_strip
    assert wait_for(lambda: strip.state() == (True, True))
    with app.test_client() as c:
        _, job_id = _start_capture(c)
        assert wait_for(lambda: _job(c, job_id)["phase"] == "capturing", timeout_s=60.0)
        board.state = b"HEEL 0 1"
        assert wait_for(lambda: _job(c, job_id)["phase"] in ("error", "done"), timeout_s=60.0)
        body = _job(c, job_id)
        assert body["error"] == "step_back_left"
        assert "analysing" not in body["marks"]


def test_health_and_staff_page_show_the_strip(station):
    app, board = station
    board.state = b"HEEL 0 1"
    strip = app.extensions["kiosk"].cameras.heel_strip
    assert wait_for(lambda: strip.state() == (False, True))
    with app.test_client() as c:
        assert c.get("/healthz").json["heel_strip"] == "ok"
        login(c, "staff")
        html = c.get("/staff/").get_data(as_text=True)
        assert "Heel strip" in html and "left heel not pressed, right heel pressed" in html
        board.unplug()
        assert wait_for(lambda: strip.state() is None)
        assert c.get("/healthz").json["heel_strip"] == "unavailable"
        html = c.get("/staff/").get_data(as_text=True)
        assert "the camera alone checks the heels" in html
