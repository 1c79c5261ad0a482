"""Recordings: what the simulator writes is what playback reads, pixel for pixel."""

from __future__ import annotations

import numpy as np

from kiosk.capture.realsense import RecordingWriter
from kiosk.capture.source import open_file_source
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene


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


def test_simulated_recording_carries_truth_from_the_rendered_surfaces(standing_rec, truth):
    t = truth(standing_rec)
    for side in ("left", "right"):
        foot = t["feet"][side]
        assert 190 < foot["length_mm"] < 320
        assert 0.2 < foot["arch_height_index"] < 0.45
        # truth is measured on the surface, so it differs from the profile's nominal input
        assert foot["length_mm"] != t["profile"][side]["length_mm"]
