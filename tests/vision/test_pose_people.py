"""Choosing whom to analyse when several people are in view (landmark-level scenes).

People are the kinematic walker of test_pose_gait_synthetic projected beside a treadmill
or walking across the picture, a bystander standing still, and one jumping on the spot.
Each frame's people come in a shuffled order, as the finder's models swap whom they follow.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Roi
from kiosk.errors import TooFewSteps
from kiosk.vision.pose import NoPersonFound
from kiosk.vision.video_gait import (
    PeopleTracks,
    antiphase_strides,
    gait_report_from_people,
    link_people,
    select_walker,
)
from tests.vision.test_pose_gait_synthetic import CADENCE_SPM, FPS, IMAGE, project, walker_landmarks

DURATION_S = 6.0
N = round(DURATION_S * FPS)


def _walker(shift_px: tuple[float, float] = (0.0, 0.0), scale: float = 1.0) -> np.ndarray:
    world, _ = walker_landmarks("side", duration_s=DURATION_S)
    xy = project(world, "side")
    centre = np.array(IMAGE) / 2
    return (xy - centre) * scale + centre + np.array(shift_px)


def _standing(shift_px: tuple[float, float]) -> np.ndarray:
    """Someone standing still: the walker's first frame, held, with 1 px of jitter."""
    xy = np.repeat(_walker(shift_px)[:1], N, axis=0)
    return xy + np.random.default_rng(1).normal(0.0, 1.0, xy.shape)


def _jumping(shift_px: tuple[float, float]) -> np.ndarray:
    """Someone jumping on the spot at 2 Hz: both feet lift and land together."""
    xy = _standing(shift_px)
    t = np.arange(N) / FPS
    lift_px = 40.0 * np.abs(np.sin(np.pi * 2.0 * t))
    feet = [25, 26, 27, 28, 29, 30, 31, 32]  # knees, ankles, heels, toes
    xy[:, feet, 1] -= lift_px[:, None] * np.array([0.5, 0.5, 1, 1, 1, 1, 1, 1])
    xy[:, :25, 1] -= lift_px[:, None]
    return xy


def _scene(*people: np.ndarray, seed: int = 0) -> PeopleTracks:
    rng = np.random.default_rng(seed)
    detections = []
    for i in range(N):
        frame = [(p[i], np.full(33, 0.95)) for p in people if np.isfinite(p[i]).all()]
        rng.shuffle(frame)
        detections.append(frame)
    t_s = np.arange(N) / FPS
    tracks = link_people(t_s, np.arange(N), detections, IMAGE)
    return PeopleTracks(tracks, N, IMAGE, 0, max(len(d) for d in detections))


def test_people_are_followed_apart_although_their_order_changes_every_frame() -> None:
    scene = _scene(_walker(), _standing((450.0, 0.0)), _standing((-450.0, -20.0)))
    assert len(scene.people) == 3
    assert scene.most_in_one_frame == 3
    for track in scene.people:
        assert track.found.all() and len(track.t_s) == N
        hips_x = track.xy_px[:, 23, 0]
        assert np.ptp(hips_x) < 50.0  # nobody's track jumps to someone else


def test_the_walker_is_chosen_over_a_bystander_standing_still() -> None:
    walker = _walker((-200.0, 0.0))
    scene = _scene(_standing((350.0, -10.0)), walker)  # the bystander appears first
    report = gait_report_from_people(scene)
    pose = report.pose
    assert pose["people_seen"] == 2
    chosen = pose["person_selected"]
    assert abs(np.nanmedian(scene.people[chosen].xy_px[:, 23, 0]) - walker[0, 23, 0]) < 5.0
    strides = {p["id"]: p["walking_strides"] for p in pose["people"]}
    assert strides[chosen] >= 6 and strides[1 - chosen] == 0
    assert report.cadence_spm == pytest.approx(CADENCE_SPM, rel=0.05)


def test_someone_jumping_on_the_spot_scores_no_walking_strides() -> None:
    # Periodic ankle motion alone is not walking: both feet land together.
    scene = _scene(_jumping((350.0, 0.0)), _walker((-250.0, 0.0)))
    chosen, candidates = select_walker(scene)
    jumper = next(c for c in candidates if c is not chosen)
    assert chosen is not None and chosen.walking_strides >= 6
    assert jumper.walking_strides == 0
    assert abs(np.nanmedian(jumper.track.xy_px[:, 23, 0]) - (IMAGE[0] / 2 + 350.0)) < 60.0


def test_of_two_walkers_the_longer_seen_is_chosen_and_a_region_can_pick_the_other() -> None:
    near = _walker((-250.0, 60.0), scale=1.2)
    far = _walker((300.0, -90.0), scale=0.7)
    far[: N // 2] = np.nan  # the far walker comes into view halfway through
    scene = _scene(far, near)
    chosen, candidates = select_walker(scene)
    assert chosen is not None and len(candidates) == 2
    assert chosen.duration_s > 5.0 and chosen.leg_length_px > max(
        c.leg_length_px for c in candidates if c is not chosen
    )
    # A region around the far walker's feet (image right, higher up) selects them instead.
    feet_y = float(np.nanmedian(far[:, 29, 1])) / IMAGE[1]
    roi = Roi(0.6, feet_y - 0.05, 0.4, 0.1)
    picked, _ = select_walker(scene, roi=roi)
    assert picked is not None and picked is not chosen
    assert picked.share_in_region is not None and picked.share_in_region > 0.9


def test_two_walkers_alike_the_nearer_one_is_chosen() -> None:
    scene = _scene(_walker((300.0, -90.0), scale=0.7), _walker((-250.0, 60.0), scale=1.2))
    chosen, candidates = select_walker(scene)
    assert chosen is not None
    assert chosen.leg_length_px == max(c.leg_length_px for c in candidates)
    assert {c.walking_strides for c in candidates} == {chosen.walking_strides}


def test_a_region_with_nobody_inside_raises_no_person_found_naming_the_people_seen() -> None:
    scene = _scene(_walker(), _standing((450.0, 0.0)))
    with pytest.raises(NoPersonFound) as err:
        gait_report_from_people(scene, roi=Roi(0.0, 0.0, 1.0, 0.1), source={"name": "c.mp4"})
    assert "2 people seen" in str(err.value) and "\n" not in str(err.value)


def test_a_bystander_alone_gives_too_few_steps_not_a_made_up_cadence() -> None:
    with pytest.raises(TooFewSteps):
        gait_report_from_people(_scene(_standing((0.0, 0.0))))


def test_antiphase_strides_count_only_alternating_feet() -> None:
    scene = _scene(_walker())
    chosen, _ = select_walker(scene)
    assert chosen is not None
    assert antiphase_strides(chosen.events) == chosen.walking_strides >= 6
