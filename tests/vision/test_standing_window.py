"""The standing analysis reads the capture at full resolution only in the station's window:
nothing it measures may lie outside it, and inside it the fused depth is the whole
capture's. Analytic scenes at 848x480 and 640x480, a few frames each."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.vision.floor import fit_floor
from kiosk.vision.standing import (
    FLOOR_STRIDE,
    MAX_BODY_HEIGHT_M,
    analyze_standing_frames,
    fuse_depth,
    station_area,
    station_window,
)


@functools.cache
def _frames(seed: int, width: int) -> list[Frame]:
    p = random_profile(seed, "standing")
    if width != p.width_px:
        p = dataclasses.replace(p, width_px=width, fx_px=p.fx_px * width / p.width_px)
    scene = standing_scene(p)
    _, fr = render_standing_frames(scene, 6, np.random.default_rng(seed))
    return [Frame(i, i / 15, scene.camera.intrinsics, d, c) for i, (d, c) in enumerate(fr)]


@pytest.mark.parametrize(("seed", "width"), [
    (10_001, 848), pytest.param(10_002, 640, marks=pytest.mark.slow)])
def test_the_window_holds_everything_the_analysis_reads(seed: int, width: int) -> None:
    frames = _frames(seed, width)
    intr = frames[0].intrinsics
    whole = fuse_depth(frames)
    floor = fit_floor(whole, intr, np.random.default_rng(0), topmost=False)
    P = floor.to_floor(intr.deproject(whole))
    needed = station_area(P, whole > 0, intr, floor) & (P[..., 2] < MAX_BODY_HEIGHT_M)

    sampled = whole[::FLOOR_STRIDE, ::FLOOR_STRIDE]
    rows, cols = station_window(sampled, intr, floor)
    inside = np.zeros(needed.shape, bool)
    inside[rows, cols] = True
    assert needed.any()
    assert not (needed & ~inside).any()  # no station pixel below the body limit is left out
    assert inside.mean() < 0.8  # and the window is not the whole frame

    res = analyze_standing_frames(frames, check_heels=False)
    assert res.window == (rows, cols)
    assert np.array_equal(res.fused_depth[rows, cols], whole[rows, cols])
    assert not res.fused_depth[~inside].any()
    for mask in res.foot_masks.values():
        assert mask.shape == whole.shape and mask.any() and not (mask & ~inside).any()


def test_a_cropped_frame_sees_the_same_points() -> None:
    frame = _frames(10_001, 848)[0]
    rows, cols = slice(40, 300), slice(100, 612)
    crop = frame.cropped(rows, cols)
    assert crop.depth_m.shape == (260, 512) and crop.intrinsics.width == 512
    assert np.shares_memory(crop.depth_m, frame.depth_m)  # a view, not a copy
    full = frame.intrinsics.deproject(frame.depth_m)[rows, cols]
    assert np.allclose(crop.intrinsics.deproject(crop.depth_m), full, atol=1e-6)
