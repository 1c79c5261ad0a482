"""Gait maths on landmarks of a walker whose events we know exactly.

A kinematic walker (stance from heel strike at +0.38 m to toe-off at -0.40 m relative to
the hip, a lifted swing) is projected through a pinhole camera beside, in front of or
behind a treadmill, giving MediaPipe-shaped landmark arrays without running the model.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.errors import KioskError, TooFewSteps
from kiosk.vision.pose import LANDMARK_INDEX, NoPersonFound
from kiosk.vision.video_gait import (
    PoseTrack,
    cadence_spm,
    classify_view,
    detect_events,
    fix_leg_swaps,
    gait_from_track,
    gait_report_from_track,
    knee_fppa_deg,
    longest_person_track,
    person_segments,
    smooth_landmarks,
)

FPS = 30.0
CADENCE_SPM = 110.0
STANCE_SHARE = 0.62
STRIDE_S = 120.0 / CADENCE_SPM
HIP_HEIGHT_M = 0.9
HS_AHEAD_M, TO_BEHIND_M = 0.38, 0.40
FOCAL_PX, IMAGE = 900.0, (1280, 720)


def _foot(phase: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heel position along the walk (relative to the hip) and height, for gait phase 0..1."""
    along = np.empty_like(phase)
    height = np.zeros_like(phase)
    stance = phase < STANCE_SHARE
    s = phase[stance] / STANCE_SHARE
    along[stance] = HS_AHEAD_M - s * (HS_AHEAD_M + TO_BEHIND_M)
    w = (phase[~stance] - STANCE_SHARE) / (1 - STANCE_SHARE)
    along[~stance] = -TO_BEHIND_M + (HS_AHEAD_M + TO_BEHIND_M) * (1 - np.cos(np.pi * w)) / 2
    height[~stance] = 0.12 * np.sin(np.pi * w) ** 0.7  # heel lift, highest early in swing
    return along, height


def walker_landmarks(
    view: str, duration_s: float = 6.0, valgus_m: float = 0.0, right_hip_drop_m: float = 0.0
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """(T, 33, 3) world landmarks (x along the walk, y to the walker's left, z up) and truth."""
    t = np.arange(round(duration_s * FPS)) / FPS
    lm = np.zeros((len(t), 33, 3))
    truth: dict[str, list[float]] = {}
    for side, lateral, offset in (("left", 0.1, 0.0), ("right", -0.1, 0.5)):
        phase = ((t / STRIDE_S) - offset) % 1.0
        along, lift = _foot(phase)
        drop = right_hip_drop_m if side == "right" else 0.0
        hip = np.stack([np.zeros_like(t), np.full_like(t, lateral), HIP_HEIGHT_M - drop + 0 * t], 1)
        heel = np.stack([along, np.full_like(t, lateral), lift], 1)
        toe = heel + np.array([0.22, 0.0, 0.0])
        ankle = heel + np.array([0.05, 0.0, 0.08])
        knee = (hip + ankle) / 2 + np.array([0.03, -np.sign(lateral) * valgus_m, 0.0])
        for part, p in (("hip", hip), ("knee", knee), ("ankle", ankle), ("heel", heel),
                        ("foot_index", toe)):  # fmt: skip
            lm[:, LANDMARK_INDEX[f"{side}_{part}"]] = p
        lm[:, LANDMARK_INDEX[f"{side}_shoulder"]] = [0.0, 2 * lateral * 0.95, 1.45]
        lm[:, LANDMARK_INDEX[f"{side}_ear"]] = [0.0, lateral * 0.7, 1.62]
        first = (offset * STRIDE_S) % STRIDE_S
        truth[f"{side}_hs"] = list(np.arange(first, duration_s, STRIDE_S))
        truth[f"{side}_to"] = list(np.arange(first + STANCE_SHARE * STRIDE_S, duration_s, STRIDE_S))
    lm[:, LANDMARK_INDEX["nose"]] = [0.1, 0.0, 1.6]
    return lm, truth


def project(world: np.ndarray, view: str) -> np.ndarray:
    """Pixels seen by a camera 1.0 m high and 4 m away, beside / in front of / behind."""
    x, y, z = world[..., 0], world[..., 1], world[..., 2]
    if view == "side":  # camera on the walker's right, walker faces image right
        right, depth = x, 4.0 + y
    elif view == "front":  # camera ahead, facing the walker: their left is image right
        right, depth = y, 4.0 - x
    else:  # rear: camera behind, looking along the walk
        right, depth = -y, 4.0 + x
    u = IMAGE[0] / 2 + FOCAL_PX * right / depth
    v = IMAGE[1] / 2 + FOCAL_PX * (1.0 - z) / depth
    return np.stack([u, v], -1)


def make_track(xy: np.ndarray, vis: float = 0.95) -> PoseTrack:
    n = len(xy)
    return PoseTrack(
        t_s=np.arange(n) / FPS,
        frame_numbers=np.arange(n),
        xy_px=xy.astype(float),
        visibility=np.full((n, 33), vis),
        image_size=IMAGE,
    )


def _matched(found_s: list[float], truth_s: list[float], tol_s: float) -> int:
    return sum(any(abs(f - t) <= tol_s for f in found_s) for t in truth_s)


@pytest.mark.parametrize("view", ["side", "front"])
def test_heel_strikes_and_toe_offs_are_found_at_the_true_times(view: str) -> None:
    world, truth = walker_landmarks(view)
    xy = project(world, view)
    track = make_track(xy)
    smooth = smooth_landmarks(track.xy_px, track.visibility, FPS)
    events = detect_events(smooth, FPS, view)
    for side in ("left", "right"):
        hs = [i / FPS for i in events.heel_strikes[side]]
        to = [i / FPS for i in events.toe_offs[side]]
        inner_hs = [t for t in truth[f"{side}_hs"] if 0.2 < t < 5.8]
        inner_to = [t for t in truth[f"{side}_to"] if 0.2 < t < 5.8]
        assert _matched(hs, inner_hs, 2.5 / FPS) == len(inner_hs)
        assert _matched(to, inner_to, 4.5 / FPS) >= len(inner_to) - 1
    assert cadence_spm(events, track.t_s) == pytest.approx(CADENCE_SPM, rel=0.05)


def test_rear_view_estimates_heel_strikes_from_toe_offs_and_says_so() -> None:
    world, truth = walker_landmarks("rear")
    block, events = gait_from_track(make_track(project(world, "rear")), view="rear")
    assert block["heel_strikes_estimated"] is True
    assert block["stance_time_s"] == {"left": None, "right": None}
    for side in ("left", "right"):
        to = [i / FPS for i in events.toe_offs[side]]
        inner = [t for t in truth[f"{side}_to"] if 0.2 < t < 5.8]
        assert _matched(to, inner, 3.5 / FPS) >= len(inner) - 1
        hs = [i / FPS for i in events.heel_strikes[side]]
        assert _matched(hs, truth[f"{side}_hs"], 4.5 / FPS) >= len(hs) - 1


@pytest.mark.parametrize("view", ["side", "front", "rear"])
def test_view_is_recognised_from_the_landmarks(view: str) -> None:
    world, _ = walker_landmarks(view)
    xy = project(world, view)
    vis = np.full(xy.shape[:2], 0.95)
    if view == "rear":
        vis[:, LANDMARK_INDEX["nose"]] = 0.1  # the face is hidden from behind
    assert classify_view(xy, vis) == view


@pytest.mark.parametrize("view", ["front", "rear"])
def test_knee_fppa_is_positive_for_knees_that_cave_in_and_negative_for_bow_legs(
    view: str,
) -> None:
    for valgus_m, sign in ((0.04, 1), (-0.04, -1)):
        world, _ = walker_landmarks(view, valgus_m=valgus_m)
        xy = project(world, view)
        for side in ("left", "right"):
            fppa = knee_fppa_deg(xy, side)
            assert np.all(np.sign(fppa) == sign)
            assert 3.0 < np.median(np.abs(fppa)) < 20.0


def test_front_view_report_carries_knee_alignment_and_pelvic_drop_per_side() -> None:
    world, _ = walker_landmarks("front", valgus_m=0.04, right_hip_drop_m=0.03)
    block, _ = gait_from_track(make_track(project(world, "front")))
    assert block["view"] == "front" and block["frontal_plane_reliable"] is True
    assert block["knee_fppa_midstance_deg"]["left"] > 3.0
    assert block["knee_fppa_midstance_deg"]["right"] > 3.0
    # The walker's right hip sits 3 cm low throughout: no stance-dependent drop.
    assert abs(block["pelvic_drop_deg"]["left"]) < 1.0
    assert abs(block["pelvic_drop_deg"]["right"]) < 1.0
    assert block["stance_time_s"]["left"] == pytest.approx(STANCE_SHARE * STRIDE_S, abs=0.1)
    assert abs(block["stance_symmetry_index_pct"]) < 8.0


def test_a_bystander_after_a_gap_is_cut_away_and_the_longest_track_kept() -> None:
    world, _ = walker_landmarks("side", duration_s=4.0)
    xy = project(world, "side")
    bystander = xy[:30] + np.array([600.0, 0.0])
    gap = np.full((10, 33, 2), np.nan)
    track = make_track(np.concatenate([xy, gap, bystander]))
    track.visibility[len(xy) : len(xy) + 10] = 0.0
    assert len(person_segments(track)) == 2
    kept = longest_person_track(track)
    assert kept is not None and len(kept.t_s) == len(xy)
    # A jump with no gap (the tracker hopping to someone else) also splits the track.
    jumped = make_track(np.concatenate([xy, bystander]))
    assert len(person_segments(jumped)) == 2


def test_leg_swaps_from_the_model_are_undone() -> None:
    world, _ = walker_landmarks("side")
    xy = project(world, "side")
    swapped = xy.copy()
    left = [LANDMARK_INDEX[f"left_{p}"] for p in ("hip", "knee", "ankle", "heel", "foot_index")]
    right = [LANDMARK_INDEX[f"right_{p}"] for p in ("hip", "knee", "ankle", "heel", "foot_index")]
    # Around the left heel strike at 1.09 s the feet are ~0.6 m apart, as in a real mislabel;
    # while the legs cross, either labelling is as good and nothing can be undone.
    frames = slice(31, 35)
    swapped[frames, left + right] = xy[frames, right + left]
    fixed, _, swaps = fix_leg_swaps(swapped, np.ones(xy.shape[:2]))
    assert swaps >= 1
    np.testing.assert_allclose(fixed, xy)


def test_one_glitching_heel_landmark_does_not_flip_the_legs_for_a_stride() -> None:
    # While the legs cross, the model's heel landmark jumps onto the other heel for a
    # frame; the labels around it must stay the model's.
    world, _ = walker_landmarks("side")
    xy = project(world, "side")
    heel_gap = np.abs(
        xy[:, LANDMARK_INDEX["left_heel"], 0] - xy[:, LANDMARK_INDEX["right_heel"], 0]
    )
    crossing = int(np.argmin(heel_gap[20:60])) + 20
    glitched = xy.copy()
    glitched[crossing, LANDMARK_INDEX["left_heel"]] = xy[crossing, LANDMARK_INDEX["right_heel"]]
    fixed, _, swaps = fix_leg_swaps(glitched, np.ones(xy.shape[:2]))
    assert swaps <= 1
    outside = np.ones(len(xy), bool)
    outside[crossing - 1 : crossing + 2] = False
    np.testing.assert_allclose(fixed[outside], xy[outside])


@pytest.mark.parametrize(
    ("view", "unavailable"),
    [
        ("side", {"knee_fppa_midstance_deg", "pelvic_drop_deg"}),
        ("front", set()),
        ("rear", {"stance_time_s", "stance_symmetry_index_pct"}),
    ],
)
def test_each_view_is_reported_with_its_evidence_and_what_it_cannot_give(
    view: str, unavailable: set[str]
) -> None:
    world, _ = walker_landmarks(view)
    track = make_track(project(world, view))
    if view == "rear":
        track.visibility[:, LANDMARK_INDEX["nose"]] = 0.1
    block, _ = gait_from_track(track)
    assert block["view"] == view and block["view_from"] == "landmarks"
    assert set(block["unavailable"]) == unavailable
    for name in unavailable:
        value = block[name]
        assert value is None or all(v is None for v in value.values())
        assert block["unavailable"][name].startswith(f"{view} view")
    ratio = block["view_evidence"]["shoulder_width_ratio"]
    assert (ratio < 0.35) if view == "side" else (ratio > 0.35)
    given, _ = gait_from_track(track, view="side")
    assert given["view"] == "side" and given["view_from"] == "given"


def test_a_short_walk_raises_too_few_steps_with_a_one_line_message() -> None:
    world, _ = walker_landmarks("side", duration_s=1.5)
    with pytest.raises(TooFewSteps) as err:
        gait_report_from_track(make_track(project(world, "side")), source={"name": "clip.mp4"})
    assert "\n" not in str(err.value) and "clip.mp4" in str(err.value)


def test_an_empty_track_raises_no_person_found_which_is_a_kiosk_error() -> None:
    track = make_track(np.full((40, 33, 2), np.nan), vis=0.0)
    with pytest.raises(NoPersonFound) as err:
        gait_report_from_track(track)
    assert isinstance(err.value, KioskError)
    block, _ = gait_from_track(track)
    assert block == {"person_found": False, "reason": "no person found"}


def test_depth_events_set_midstance_for_fusion() -> None:
    world, truth = walker_landmarks("rear", valgus_m=0.04)
    events = {
        side: {"heel_strikes_s": truth[f"{side}_hs"], "toe_offs_s": truth[f"{side}_to"]}
        for side in ("left", "right")
    }
    block, _ = gait_from_track(make_track(project(world, "rear")), view="rear", events_s=events)
    assert block["events_from"] == "depth"
    assert block["heel_strikes_estimated"] is False
    assert block["stance_time_s"]["right"] == pytest.approx(STANCE_SHARE * STRIDE_S, abs=0.05)
    assert block["knee_fppa_midstance_deg"]["left"] > 3.0
