"""The live D4xx path without hardware: a recording replayed as a real-time device, and a
kiosk with no camera at all, which must say so within seconds and recover when one comes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from kiosk.capture.hub import CameraHub, RealSenseFactory
from kiosk.capture.realsense import CameraSettings, LiveCamera, RecordingSource, camera_absent
from kiosk.config import Config
from kiosk.errors import CameraUnavailable
from kiosk.sim.record import simulate_standing
from kiosk.sim.scenes import random_profile

REPLAY_FRAMES = 8
REPLAY_FPS = 15.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("live") / "standing.db3"
    simulate_standing(out, random_profile(5, heel_gap_m=0.0), n_frames=REPLAY_FRAMES,
                      fps=REPLAY_FPS)
    return out


def _wait(pred, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_replayed_recording_streams_through_the_live_camera_in_real_time(recording):
    with RecordingSource(recording) as rec:
        written = [f.depth_m for f in rec.frames()]
    settings = CameraSettings(replay_file=str(recording), spatial_filter=False,
                              temporal_filter=False)
    with LiveCamera(settings) as cam:
        assert cam.info.kind == "camera" and cam.info.has_depth and cam.info.has_color
        t0 = time.monotonic()
        frames = []
        for f in cam.frames():
            frames.append(f)
            if len(frames) == 2 * REPLAY_FRAMES:  # it loops, as a camera never ends
                break
        took = time.monotonic() - t0
    # real time: 16 frames at 15 fps take about a second, not the milliseconds of a read
    assert took > 0.5 * (len(frames) - 1) / REPLAY_FPS
    assert frames[0].intrinsics.width == written[0].shape[1]
    # the live path (no filters) hands over the recorded depth unchanged
    first = frames[0].depth_m
    assert any(np.array_equal(first, d) for d in written)


@pytest.mark.slow
def test_live_camera_filters_apply_on_the_replayed_device(recording):
    with LiveCamera(CameraSettings(replay_file=str(recording), hole_filling=True)) as cam:
        frame = next(iter(cam.frames()))
    with RecordingSource(recording) as rec:
        raw = next(iter(rec.frames())).depth_m
    # hole filling leaves no invalid pixel where the raw frame had some
    assert (raw == 0).sum() > 0
    assert (frame.depth_m == 0).sum() < (raw == 0).sum()


def test_no_camera_connected_is_said_plainly_and_fast():
    t0 = time.monotonic()
    reason = camera_absent(CameraSettings())
    assert reason == "no RealSense camera is connected"
    with pytest.raises(CameraUnavailable, match="no RealSense camera"):
        LiveCamera(CameraSettings(serial="123456789"))
    # pipeline.start() alone would wait 15 s to fail
    assert time.monotonic() - t0 < 2.0


@pytest.mark.slow
def test_station_without_its_camera_is_unavailable_then_recovers_when_it_appears(
    recording, tmp_path
):
    replay = tmp_path / "camera.db3"  # the "device": absent until the file appears
    cfg = Config.model_validate({
        "data_dir": str(tmp_path),
        "capture": {"source": "realsense", "reconnect_interval_s": 0.2,
                    "gait_camera": {"replay_file": str(replay)}},
    })
    hub = CameraHub(cfg, RealSenseFactory(cfg))
    try:
        # stopped and never touched: the presence probe already knows
        assert hub.status()["gait"]["state"] == "unavailable"
        assert "missing" in hub.status()["gait"]["error"]
        hub.start()
        assert _wait(lambda: hub["gait"].state == "unavailable", 5.0)
        shutil.copy(recording, replay)
        assert _wait(lambda: hub["gait"].state == "ok", 10.0), hub.status()["gait"]
        frame, _ = hub["gait"].wait_frame(0, timeout_s=5.0)
        assert frame is not None and frame.depth_m is not None
    finally:
        hub.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_kiosk_serve_without_a_camera_reports_both_stations_unavailable(tmp_path):
    """`kiosk serve` as installed (source = "realsense") on a machine with no D4xx."""
    port = _free_port()
    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'version = 1\ndata_dir = "{tmp_path}"\n[web]\nport = {port}\n'
        '[capture]\nsource = "realsense"\n'
    )
    log = tmp_path / "serve.log"
    env = dict(os.environ, KIOSK_CONFIG=str(conf))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "-v", "serve"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60  # Python and the models' imports come first
        first = body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as r:
                    body = json.loads(r.read())
                first = first or time.monotonic()
                if set(body["cameras"].values()) == {"unavailable"}:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert first is not None, log.read_text()[-2000:]
        assert set(body["cameras"].values()) == {"unavailable"}, body
        assert time.monotonic() - first < 5.0
        text = log.read_text()
        assert "Traceback" not in text
        assert "no RealSense camera is connected" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
