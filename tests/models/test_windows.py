"""The treadmill segmentation reads windows: the kiosk segments each foot's heel region,
not the whole frame, and must get the same labels there as from the whole frame."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.sim.scenes import gait_scene, random_profile, render_gait_frame
from kiosk.vision.gait import fit_belt, frame_roi


@pytest.fixture(scope="module")
def walk():
    scene = gait_scene(random_profile(424_242, "gait"), duration_s=0.7)
    rng = np.random.default_rng(1)
    frames = []
    for k in range(scene.n_frames):
        _, d, c, _ = render_gait_frame(scene, k, rng)
        frames.append(Frame(k, k / scene.fps, scene.camera.intrinsics, d, c))
    return frames


@pytest.fixture(scope="module")
def seg():
    from kiosk.vision.learned import LearnedModels

    return LearnedModels.load().gait_seg


def test_windows_are_aligned_sized_and_inside_the_frame(seg):
    assert seg.windowed, "the shipped treadmill model should take any window size"
    s = seg.stride
    for rows, cols in [((0, 10), (0, 10)), ((100, 333), (17, 601)), ((470, 480), (840, 848)),
                       ((0, 480), (0, 848))]:
        r, c = seg.window((slice(*rows), slice(*cols)), (480, 848))
        for sl, want, n in ((r, rows, 480), (c, cols, 848)):
            assert sl.start % s == 0 and 0 <= sl.start and sl.stop <= n
            assert (sl.stop - sl.start) % (8 * s) == 0
            assert sl.start <= want[0] or sl.stop - sl.start >= n - n % (8 * s)
            assert sl.stop >= min(want[1], n - n % (8 * s))


@pytest.mark.slow
def test_a_window_gets_the_whole_frames_labels_inside_it(walk, seg):
    belt = fit_belt(walk[:15], np.random.default_rng(0))
    agree, n = 0, 0
    for f in walk[::4]:
        roi = frame_roi(f.depth_m, belt)
        if roi is None:
            continue
        full = seg(f.depth_m, f.color, f.intrinsics, belt.centred)
        win = seg(f.depth_m, f.color, f.intrinsics, belt.centred, roi)
        placed = win.full_frame(f.depth_m.shape)
        i0, h = win.origin[0] // win.stride, win.labels.shape[0]
        s = win.stride
        inner = (slice(roi[0].start // s, roi[0].stop // s),  # the region asked for
                 slice(roi[1].start // s, roi[1].stop // s))
        a, b = full.labels[inner], placed[inner]
        agree += int((a == b).sum())
        n += a.size
        assert (placed[:i0] == 0).all() and (placed[i0 + h:] == 0).all()
    assert n > 0
    assert agree / n > 0.98
