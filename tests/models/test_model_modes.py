"""The segmentation models read every D4xx mode: a frame at another resolution and focal
length is brought to the trained pixel scale and its labels come back on its own grid.

The same capture is shown to the model at 848x480 and resized (nearest pixel, as a camera
at another mode would sample the same scene) to 1.5x (1272x720, a 1280x720 mode's focal
length) and 0.75x (636x360, below a 640x480 mode's); the labels must agree pixel for pixel
where both frames see the same point.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Intrinsics
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.vision.floor import fit_floor


def _resize(img: np.ndarray, factor: float, shape: tuple[int, int]) -> tuple:
    """Nearest-pixel resize: each new pixel's source pixel (rows, cols) and the image."""
    rows = np.clip(np.rint((np.arange(shape[0]) + 0.5) / factor - 0.5).astype(int), 0,
                   img.shape[0] - 1)
    cols = np.clip(np.rint((np.arange(shape[1]) + 0.5) / factor - 0.5).astype(int), 0,
                   img.shape[1] - 1)
    return rows, cols, img[np.ix_(rows, cols)]


@pytest.fixture(scope="module")
def capture():
    scene = standing_scene(random_profile(7))
    _, frames = render_standing_frames(scene, 1, np.random.default_rng(3))
    depth, color = frames[0]
    intr = scene.camera.intrinsics
    floor = fit_floor(depth, intr, np.random.default_rng(0), topmost=False)
    return depth, color, intr, floor


@pytest.fixture(scope="module")
def models():
    from kiosk.vision.learned import LearnedModels

    return LearnedModels.load()


def test_the_trained_mode_is_read_as_it_is_and_others_are_resized(models):
    seg = models.standing_seg
    assert seg.focal_px == (415.0, 445.0)  # from the card's training_frames
    assert seg.scale_for(Intrinsics(848, 480, 430.0, 430.0, 424.0, 240.0)) == 1.0
    assert seg.scale_for(Intrinsics(1280, 720, 645.0, 645.0, 640.0, 360.0)) == \
        pytest.approx(445 * 1.05 / 645)
    assert seg.scale_for(Intrinsics(640, 480, 325.0, 325.0, 320.0, 240.0)) == \
        pytest.approx(415 * 0.95 / 325)


@pytest.mark.slow
@pytest.mark.parametrize(("factor", "min_iou"), [(1.5, 0.97), (0.75, 0.85)])
def test_a_resized_capture_gets_the_same_feet_as_the_trained_mode(capture, models, factor,
                                                                  min_iou):
    depth, color, intr, floor = capture
    seg = models.standing_seg
    native = seg(depth, color, intr, floor)
    other = intr.scaled(factor)
    rows, cols, d2 = _resize(depth, factor, (other.height, other.width))
    c2 = color[np.ix_(rows, cols)]
    resized = seg(d2, c2, other, floor)
    assert resized.labels.shape == d2.shape  # labels on the frame's own grid
    want = native.labels[np.ix_(rows, cols)]  # the label of each pixel's source point
    valid = d2 > 0
    for name in ("left_foot", "right_foot", "left_shank", "right_shank"):
        k = seg.classes.index(name)
        a, b = (want == k) & valid, (resized.labels == k) & valid
        assert a.sum() > 200, name
        iou = (a & b).sum() / (a | b).sum()
        assert iou >= min_iou, (name, round(float(iou), 3))


@pytest.mark.slow
def test_a_resized_treadmill_window_comes_back_in_frame_pixels(capture, models):
    """A windowed model's labels for a region of a resized frame sit where that region is."""
    depth, _, intr, floor = capture
    seg = models.gait_seg
    other = intr.scaled(1.5)
    _, _, d2 = _resize(depth, 1.5, (other.height, other.width))
    roi = (slice(300, 500), slice(400, 700))
    out = seg(d2, None, other, floor, roi)
    s = out.stride
    r0, c0 = out.origin
    assert r0 % s == 0 and c0 % s == 0
    assert r0 <= roi[0].start and c0 <= roi[1].start
    assert r0 + out.labels.shape[0] * s >= roi[0].stop
    assert c0 + out.labels.shape[1] * s >= roi[1].stop
    placed = out.full_frame(d2.shape)
    assert placed.shape == (len(range(s // 2, d2.shape[0], s)), len(range(s // 2, d2.shape[1], s)))
