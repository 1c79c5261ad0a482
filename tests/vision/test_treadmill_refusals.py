"""Treadmill refusals: each walk the camera cannot measure is refused with its own stable
code (kiosk.errors.CODES), each from a scene made to show it; and the pieces of the
rearfoot angle and the gait events that decide a measured walk's figures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.errors import CameraPlacement, NoFeetFound, NoPlaneFound, TooFewSteps
from kiosk.pipeline import analyze_gait
from kiosk.sim.render import SimCamera
from kiosk.sim.scenes import gait_scene, gait_truth, random_profile, render_gait_frame
from kiosk.vision.gait import (
    CAMERA_MAX_DISTANCE_M,
    CAMERA_MAX_HEIGHT_M,
    FLOOR_FRAMES,
    _heel_axis,
    analyze_gait_frames,
    stance_peaks,
)

WALKER = 60000  # held-out walker: 848x480, 30 fps, walking at 101 steps/min


def _walk(duration_s: float, sides=("left", "right"), fps: float = 30.0, **camera):
    """A short analytic walk at 640x480 (a D4xx mode), with the profile's camera moved."""
    p = dataclasses.replace(random_profile(WALKER, "gait"), **camera)
    scene = gait_scene(p, duration_s=duration_s, fps=fps, width=640, height=480)
    rng = np.random.default_rng(WALKER)
    frames, per = [], []
    for i in range(scene.n_frames):
        _, d, c, tr = render_gait_frame(scene, i, rng, sides=sides)
        frames.append(Frame(i, i / scene.fps, scene.camera.intrinsics, d, c))
        per.append(tr)
    return scene, frames, per


@pytest.mark.slow
def test_a_camera_knocked_upward_is_refused_as_no_belt():
    p = random_profile(WALKER, "gait")
    scene = gait_scene(p, duration_s=FLOOR_FRAMES / 30.0, width=640, height=480)
    # the same camera knocked to look nearly straight up, nobody on the belt: nothing
    # within its range but specks (a wall or ceiling in range would be a plane, refused
    # as too high above it)
    cam = scene.camera
    scene.camera = SimCamera.looking_at(cam.intrinsics, cam.center,
                                        cam.center + np.array([0.0, 0.2, 2.0]))
    rng = np.random.default_rng(0)
    frames = [Frame(i, i / 30.0, cam.intrinsics,
                    render_gait_frame(scene, i, rng, sides=())[1], None)
              for i in range(scene.n_frames)]
    with pytest.raises(NoPlaneFound) as e:
        analyze_gait_frames(frames)
    assert e.value.code == "no_belt"


@pytest.mark.slow
def test_an_empty_belt_is_refused_as_nobody_walking():
    _, frames, _ = _walk(1.0, sides=())
    with pytest.raises(NoFeetFound) as e:
        analyze_gait_frames(frames)
    assert e.value.code == "no_feet_treadmill"


@pytest.mark.slow
def test_one_leg_in_view_is_refused_as_one_leg():
    _, frames, _ = _walk(2.5, sides=("right",))
    with pytest.raises(NoFeetFound) as e:
        analyze_gait_frames(frames)
    assert e.value.code == "one_leg_treadmill"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("duration_s", "placement", "code", "advice"),
    [
        (FLOOR_FRAMES / 30.0, {"camera_height_m": CAMERA_MAX_HEIGHT_M + 0.2},
         "camera_too_high", "0.2-0.5 m"),
        # so far back that the room's floor around the belt fills the picture's middle
        (1.0, {"camera_distance_m": CAMERA_MAX_DISTANCE_M + 0.4}, "camera_too_far", "0.7-1.2 m"),
    ],
    ids=["too-high", "too-far"],
)
def test_a_badly_placed_camera_is_refused_and_told_where_to_go(duration_s, placement, code,
                                                                advice):
    _, frames, _ = _walk(duration_s, **placement)
    with pytest.raises(CameraPlacement) as e:
        analyze_gait_frames(frames)
    assert e.value.code == code
    assert advice in str(e.value)


@pytest.mark.slow
def test_a_walk_of_one_stride_is_refused_as_too_short():
    _, frames, _ = _walk(1.0)
    with pytest.raises(TooFewSteps) as e:
        analyze_gait(frames, recommendations=False, pose=False, models=None)
    assert e.value.code == "too_few_steps"


@pytest.mark.slow
def test_a_run_at_15_fps_counts_every_step():
    # 60001 runs at 170 steps/min: a contact lasts 3 frames at 15 fps, which a 5-frame
    # filter of heel height erased (cadence read half)
    p = random_profile(60001, "gait")
    scene = gait_scene(p, duration_s=3.0, fps=15.0)
    rng = np.random.default_rng(60001)
    frames, per = [], []
    for i in range(scene.n_frames):
        _, d, c, tr = render_gait_frame(scene, i, rng)
        frames.append(Frame(i, i / 15.0, scene.camera.intrinsics, d, c))
        per.append(tr)
    truth = gait_truth(scene, per)
    res = analyze_gait_frames(frames)
    assert res.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.05)
    for side, tr in res.feet.items():
        assert abs(len(tr.heel_strikes) - truth["feet"][side]["steps"]) <= 1
        assert tr.step_peaks_deg  # 3-frame stances pooled into one curve


def _heel_cloud(tilt_deg: float, view_deg: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points of a heel counter (a U of radius 35 mm, 2-5 cm up), its axis tilted by
    `tilt_deg` in the frontal plane, as a camera `view_deg` off the shoe's axis sees it:
    the side turned to the camera is seen far forward, the other only to its tangent."""
    a = np.radians(np.linspace(-90, 90, 90))  # around the U, 0 = the back
    z = np.linspace(0.02, 0.05, 30)
    A, Zg = np.meshgrid(a, z)
    u, v = 0.035 * np.sin(A), 0.035 * (1 - np.cos(A))
    seen = A < np.radians(90 - view_deg) if view_deg > 0 else np.ones_like(A, bool)
    t = np.radians(tilt_deg)
    x = u + Zg * np.tan(t)
    P = np.stack([x, v, Zg], -1) + rng.normal(0, 0.0015, (*A.shape, 3)) * [0.1, 1, 0.1]
    return P, seen


@pytest.mark.parametrize("view_deg", [0.0, 15.0])
def test_the_heel_axis_is_the_counters_symmetry_axis_however_much_side_is_seen(view_deg):
    rng = np.random.default_rng(3)
    for tilt in (-6.0, 0.0, 9.0):
        P, seen = _heel_cloud(tilt, view_deg, rng)
        # the side toward the camera shows its whole length: the rear 5 cm cut ends it
        slope, _, used = _heel_axis(P, seen, P[..., 1])
        assert np.degrees(np.arctan(slope)) == pytest.approx(tilt, abs=1.0)
        assert used.any()


def test_short_stances_are_pooled_into_one_peak():
    t = np.arange(40)
    curve = 8.0 - 30.0 * ((t % 10) / 3.0 - 0.5) ** 2  # 4-frame stances peaking at 8°
    angles = np.where(t % 10 < 4, curve, np.nan)
    strikes, ends = [0, 10, 20, 30], [4, 14, 24, 34]
    peaks = stance_peaks(angles, strikes, ends)
    assert len(peaks) == 4 and peaks[0] == pytest.approx(8.0, abs=0.3)
