"""The treadmill segmentation reads each frame as seen and mirrored: the average must treat
a mirrored frame exactly as the mirror image of the frame (sides swapped)."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.sim.scenes import gait_scene, random_profile, render_gait_frame
from kiosk.train.data import belt_frame_from_camera
from kiosk.vision.segmentation import (
    GAIT_MODEL,
    LATERAL_CHANNEL,
    Segmenter,
    mirrored_classes,
    seg_features,
    strided_rays,
)


def test_mirrored_classes_swap_the_sides_only():
    gait = ("background", "left_shoe", "right_shoe", "left_shank", "right_shank")
    assert mirrored_classes(gait).tolist() == [0, 2, 1, 4, 3]
    standing = ("background", "left_foot", "right_foot", "left_shank", "right_shank")
    assert mirrored_classes(standing).tolist() == [0, 2, 1, 4, 3]
    with pytest.raises(ValueError):
        mirrored_classes(("background", "left_shoe"))


def _mirror(x: np.ndarray) -> np.ndarray:
    m = x[:, :, ::-1].copy()
    m[LATERAL_CHANNEL] *= -1
    return m


@pytest.fixture(scope="module")
def features():
    scene = gait_scene(random_profile(424_243, "gait"), duration_s=0.2)
    _, d, c, _ = render_gait_frame(scene, 3, np.random.default_rng(2))
    f = Frame(3, 0.1, scene.camera.intrinsics, d, c)
    return seg_features(f.depth_m[1::2, 1::2], f.color[1::2, 1::2],
                        strided_rays(f.intrinsics, 2), belt_frame_from_camera(scene.camera))


@pytest.mark.slow
def test_a_mirrored_frame_gets_the_mirror_image_of_the_labels(features):
    seg = Segmenter.load(GAIT_MODEL, mirror_average=True)
    a = seg.logits(features)
    b = seg.logits(_mirror(features))
    np.testing.assert_allclose(b, a[seg.mirror, :, ::-1], atol=1e-4)
    # one pass alone is not symmetric: the average is what makes it so
    plain = Segmenter.load(GAIT_MODEL)
    a, b = plain.logits(features), plain.logits(_mirror(features))
    assert np.abs(b - a[seg.mirror, :, ::-1]).max() > 1e-2
