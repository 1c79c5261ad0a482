"""The standing geometry on the mesh family's 6 mm thick mat: heights are measured above the
mat's own surface (a plane fit straddling the mat and the room floor read arch heights
+2-4 mm high), and a pair of touching heels is measured, not sent back."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.sim.mesh_scenes import random_mesh_shopper
from kiosk.sim.modes import DepthMode
from kiosk.sim.record import mesh_standing_frames
from kiosk.vision.standing import analyze_standing_frames

SEED = 500_001  # a development seed: not the independent split's (900 000+)


@pytest.mark.slow
def test_mesh_feet_on_a_thick_mat_are_measured_above_the_mat():
    p = random_mesh_shopper(SEED, DepthMode("D435", 848, 480, 15))
    scene, fr = mesh_standing_frames(p, 10)
    frames = [Frame(i, i / 15, scene.camera.intrinsics, d, None) for i, (d, _) in enumerate(fr)]
    res = analyze_standing_frames(frames)
    for side, m in res.feet.items():
        t = scene.truth["feet"][side]
        assert abs(m.arch_height_mm - t["arch_height_mm"]) < 2.5, side
        assert abs(m.length_mm - t["length_mm"]) < 3.0, side
        assert abs(m.width_mm - t["width_mm"]) < 3.0, side
    # the mat's surface, not the room floor 6 mm below it, is height zero
    mat_world = np.array([[0.0, -0.3, 0.0], [0.2, -0.3, 0.0], [-0.2, -0.3, 0.0]])
    cam = scene.camera
    z = res.floor.to_floor(cam.to_camera(mat_world))[:, 2]
    assert np.all(np.abs(z) < 0.0015), z
