"""The camera hub on the simulated camera: frames flow, an unplugged camera is a state the
app reports, and it recovers by itself when the camera returns, with no restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.capture.hub import Station
from kiosk.errors import CameraUnavailable

pytest.importorskip("kiosk.capture.simulated")


def _wait(pred, timeout_s=10.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_unplugged_camera_shows_unavailable_and_recovers_without_restart(kiosk_app):
    from kiosk.capture.simulated import SimulatedCamera

    unplugged = threading.Event()

    def factory(station):
        if unplugged.is_set():
            raise CameraUnavailable("camera not connected")
        return SimulatedCamera(station=station, seed=3, realtime=True, unplugged=unplugged)

    st = Station("standing", factory, reconnect_s=0.1, idle_stop_s=30)
    try:
        st.touch()
        assert _wait(lambda: st.state == "ok")
        # frames flow (how many a second depends on the machine's load: not asserted)
        frames = st.record(1.0)
        assert frames and all(f.depth_m is not None for f in frames)
        unplugged.set()
        assert _wait(lambda: st.state == "unavailable")
        with pytest.raises(CameraUnavailable):
            st.record(0.3, stall_s=0.2)
        unplugged.clear()
        assert _wait(lambda: st.state == "ok")
        assert st.record(1.0)
    finally:
        st.stop()


def test_healthz_reports_database_and_camera_states(kiosk_app):
    r = kiosk_app.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.json["database"] == "ok"
    assert set(r.json["cameras"]) == {"standing", "gait"}


@pytest.mark.slow
def test_missing_model_file_leaves_the_kiosk_measuring_with_geometry(kiosk_app, tmp_path,
                                                                      monkeypatch):
    """A deleted model must not stop a store fitting shoes: the kiosk measures with
    geometry alone and names the file on /healthz and the staff page."""
    import shutil

    from kiosk.capture.frame import Frame
    from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
    from kiosk.vision.learned import kiosk_models

    models = tmp_path / "models"
    shutil.copytree(Path(__file__).resolve().parents[2] / "models", models)
    (models / "foot_arch.onnx").unlink()
    monkeypatch.setenv("KIOSK_MODELS_DIR", str(models))
    kiosk_models.cache_clear()
    try:
        analysis = kiosk_app.extensions["kiosk"].analysis
        scene = standing_scene(random_profile(3))
        _, fr = render_standing_frames(scene, 10, np.random.default_rng(3))
        frames = [Frame(i, i / 15, scene.camera.intrinsics, d, c)
                  for i, (d, c) in enumerate(fr)]
        report = analysis.analyze_standing(frames, recommendations=False)
        assert report.versions["method"] == "geometry"
        assert report.feet["left"].length_mm > 150
        body = kiosk_app.test_client().get("/healthz").json
        assert "foot_arch.onnx" in body["models"]
        assert body["models"].startswith("geometry only")
    finally:
        kiosk_models.cache_clear()


def test_a_visit_records_the_app_and_each_model_it_measures_with(kiosk_app):
    from webutil import csrf_of

    client = kiosk_app.test_client()
    tok = csrf_of(client)
    assert client.post("/start", data={"csrf_token": tok}).status_code == 302
    with client.session_transaction() as s:
        sid = s["sid"]
    rec = kiosk_app.extensions["kiosk"].store.get_session(sid)
    assert rec.app_version
    versions = rec.model_versions
    assert versions["method"] == "geometry+models"
    for name in ("standing_seg", "gait_seg", "foot_arch", "rearfoot"):
        assert len(versions[name]) == 12 and int(versions[name], 16) >= 0  # sha256 prefix
