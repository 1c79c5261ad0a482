"""Each reason the standing station refuses a capture, produced by a scene made for it, and
the heel check's two sides: touching heels are measured, one heel short is sent back.

Scenes are the analytic family at 640x480 with a few frames (a few seconds each); the
"no mat in view" reason is checked on the real D435 office recording (tests/spine).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.errors import NoFeetFound, StepBack
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.vision.standing import analyze_standing_frames

SEED = 10_003  # a held-out shopper whose capture the kiosk measures when nothing is wrong
N_FRAMES = 6
RIGHT_FOOT, RIGHT_SHANK = 2, 4  # kiosk.sim.scenes.STANDING_CLASSES


def _profile(**changes):
    p = random_profile(SEED, "standing")
    return dataclasses.replace(p, width_px=640, height_px=480, fx_px=p.fx_px * 640 / 848,
                               **changes)


def _frames(scene, n: int = N_FRAMES, seed: int = 0) -> list[Frame]:
    _, fr = render_standing_frames(scene, n, np.random.default_rng(seed))
    return [Frame(i, i / 15, scene.camera.intrinsics, d, None) for i, (d, _) in enumerate(fr)]


def _refusal(frames: list[Frame]) -> str:
    with pytest.raises((NoFeetFound, StepBack)) as e:
        analyze_standing_frames(frames)
    return e.value.code


def test_touching_heels_are_measured():
    res = analyze_standing_frames(_frames(standing_scene(_profile())))
    assert set(res.feet) == {"left", "right"}
    assert all(f.heel_gap_mm < 7.5 for f in res.feet.values())


def test_one_heel_short_of_the_stop_is_sent_back():
    scene = standing_scene(_profile(heel_gap_m=(0.015, 0.0)))
    assert _refusal(_frames(scene)) == "step_back_left"


def test_only_one_foot_on_the_mat():
    scene = standing_scene(_profile())
    scene.bodies = [b for b in scene.bodies if b[2] != RIGHT_FOOT]
    scene.cones = [c for c in scene.cones if c[0].cls != RIGHT_SHANK]
    assert _refusal(_frames(scene)) == "one_foot"


def test_standing_on_one_leg():
    scene = standing_scene(_profile())
    lift = np.array([0.0, 0.0, 0.08])
    scene.bodies = [(s.transformed(np.eye(3), lift) if c == RIGHT_FOOT else s, pal, c)
                    for s, pal, c in scene.bodies]
    scene.cones = [(dataclasses.replace(c, origin=c.origin + lift)
                    if c.cls == RIGHT_SHANK else c, pal) for c, pal in scene.cones]
    assert _refusal(_frames(scene)) == "one_leg"


def test_someone_elses_foot_on_the_mat():
    scene = standing_scene(_profile())
    beside = np.array([-0.25, 0.10, 0.0])  # a third foot and leg, on the mat beside theirs
    scene.bodies += [(s.transformed(np.eye(3), beside), pal, c)
                     for s, pal, c in scene.bodies if c == RIGHT_FOOT]
    scene.cones += [(dataclasses.replace(c, origin=c.origin + beside), pal)
                    for c, pal in scene.cones if c.cls == RIGHT_SHANK]
    assert _refusal(_frames(scene)) == "other_person"


def test_feet_touching_each_other():
    p = _profile(stance_width_m=0.16)
    toe_in = {"progression_deg": -22.0}
    p = dataclasses.replace(p, left=dataclasses.replace(p.left, **toe_in),
                            right=dataclasses.replace(p.right, **toe_in))
    assert _refusal(_frames(standing_scene(p))) == "feet_overlap"


def test_moving_during_capture():
    still = _frames(standing_scene(_profile()), 3, seed=1)
    moved = _frames(standing_scene(_profile(stance_width_m=_profile().stance_width_m + 0.05)),
                    3, seed=2)
    assert _refusal(still + moved) == "moving"

