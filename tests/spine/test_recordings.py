"""Recordings: what the simulator writes is what playback reads, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.files import open_file_source
from kiosk.capture.realsense import RecordingWriter
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene


@pytest.mark.slow
def test_playback_returns_the_written_depth_pixel_for_pixel(tmp_path):
    p = random_profile(5)
    scene = standing_scene(p)
    _, frames = render_standing_frames(scene, 4, np.random.default_rng(0))
    rec = tmp_path / "r.db3"
    with RecordingWriter(rec, scene.camera.intrinsics, 15) as w:
        for k, (d, c) in enumerate(frames):
            w.write(k, k / 15, d, c)
    with open_file_source(rec) as src:
        got = list(src)
    assert len(got) == len(frames)
    for f, (d, c) in zip(got, frames, strict=True):
        written = np.rint(d / 0.001).astype(np.uint16)
        read = np.rint(f.depth_m / 0.001).astype(np.uint16)
        assert np.array_equal(read, written)
        assert np.array_equal(f.color, c)
    assert abs(got[0].intrinsics.fx - scene.camera.intrinsics.fx) < 1e-3


@pytest.mark.slow
def test_simulated_recording_carries_truth_from_the_rendered_surfaces(standing_rec, truth):
    t = truth(standing_rec)
    for side in ("left", "right"):
        foot = t["feet"][side]
        assert 190 < foot["length_mm"] < 320
        assert 0.2 < foot["arch_height_index"] < 0.45
        # truth is measured on the surface, so it differs from the profile's nominal input
        assert foot["length_mm"] != t["profile"][side]["length_mm"]


def _depth_frame_numbers_in_file(path) -> list[int]:
    """Every depth frame the file holds, read sensor by sensor (no pipeline, no syncing)."""
    import pyrealsense2 as rs

    dev = rs.context().load_device(str(path))
    playback = dev.as_playback()
    playback.set_real_time(False)
    playback.pause()
    queue = rs.frame_queue(1000)
    sensors = dev.query_sensors()
    for s in sensors:
        s.open(s.get_stream_profiles())
        s.start(queue)
    playback.resume()
    numbers = []
    while True:
        ok, f = queue.try_wait_for_frame(1000)
        if not ok:
            break
        if f.get_profile().stream_type() == rs.stream.depth:
            numbers.append(f.get_frame_number())
    for s in sensors:
        s.stop()
        s.close()
    return numbers


@pytest.mark.slow
def test_playback_of_the_real_d435_recording_yields_every_depth_frame_it_holds(real_d435_bag):
    held = _depth_frame_numbers_in_file(real_d435_bag)
    assert held  # the fixture holds depth
    with open_file_source(real_d435_bag) as src:
        got = [f.number for f in src if f.depth_m is not None]
    assert got == held
