"""The standing geometry on the mesh family's 6 mm thick mat: heights are measured above the
mat's own surface (a plane fit straddling the mat and the room floor read arch heights
+2-4 mm high), a pair of touching heels is measured, not sent back, feet at the far end of
the camera's range are found, and trousers over the feet are named as the reason."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.errors import NoFeetFound
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


@pytest.mark.slow
def test_feet_far_from_the_camera_are_found():
    """The far corner of DESIGN.md's range (1.2 m high, 45° down: feet ~1.7 m away) shows a
    foot in a quarter of the pixels it fills at 0.85 m: foot sizes are areas, not counts."""
    p = random_mesh_shopper(500_010, DepthMode("D455", 848, 480, 15))
    p = dataclasses.replace(p, camera_height_m=1.2, camera_pitch_deg=45.0, clothing="rolled")
    scene, fr = mesh_standing_frames(p, 8)
    frames = [Frame(i, i / 15, scene.camera.intrinsics, d, None) for i, (d, _) in enumerate(fr)]
    res = analyze_standing_frames(frames)
    for side, m in res.feet.items():
        assert abs(m.width_mm - scene.truth["feet"][side]["width_mm"]) < 5.0, side


@pytest.mark.slow
def test_trousers_over_the_feet_are_named_as_the_reason():
    p = random_mesh_shopper(500_004, DepthMode("D435", 848, 480, 15), unusual="wide_trousers")
    scene, fr = mesh_standing_frames(p, 8)
    frames = [Frame(i, i / 15, scene.camera.intrinsics, d, None) for i, (d, _) in enumerate(fr)]
    with pytest.raises(NoFeetFound) as e:
        analyze_standing_frames(frames)
    assert e.value.code == "clothing_over_feet"
