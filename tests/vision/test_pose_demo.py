"""The real MediaPipe model on real footage: the walker in the Sports2D demo clip.

Ground truth was counted by eye, frame by frame, from zoomed crops of her feet with a
pixel ruler drawn on the lawn: a heel strike is the first frame in which the landing
heel stops moving over the ground. She walks right to left across frames ~36-200.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.capture.frame import Roi
from kiosk.report import validate_report
from kiosk.vision.pose import PoseEstimator

# every test here reads the MediaPipe report of the whole demo clip (a minute of CPU)
pytestmark = pytest.mark.slow

# Heel strikes by eye. She is tracked from frame 47 (she steps out from behind the tree at
# the right edge) until she leaves at the left edge around frame 200. One more strike, her
# left foot at frame 40, happens while she is still half hidden and is outside the range.
EYE_RANGE = (47, 200)
EYE_HEEL_STRIKES = {"left": [78, 115, 151, 188], "right": [60, 97, 134, 170]}
EYE_TOTAL = sum(len(v) for v in EYE_HEEL_STRIKES.values())  # 8
# By eye the frame of contact is uncertain by a frame or two (the heel settles over 2-3
# frames at 30 fps); MediaPipe's own smoothing adds a frame of lag.
TIMING_TOLERANCE_FRAMES = 3
# Adult walking cadence: roughly 80-130 steps per minute (slow to brisk).
WALKING_CADENCE_SPM = (80.0, 130.0)


def _strikes_in_range(report: dict[str, Any], side: str) -> list[int]:
    lo, hi = EYE_RANGE
    return [f for f in report["pose"]["heel_strikes"][side] if lo <= f <= hi]


def test_demo_heel_strike_count_matches_eye_count(demo_gait_report: dict[str, Any]) -> None:
    found = {side: _strikes_in_range(demo_gait_report, side) for side in ("left", "right")}
    total = sum(len(v) for v in found.values())
    assert abs(total - EYE_TOTAL) <= 1, f"detected {found}, by eye {EYE_HEEL_STRIKES}"
    for side in ("left", "right"):
        assert abs(len(found[side]) - len(EYE_HEEL_STRIKES[side])) <= 1


def test_demo_heel_strikes_fall_on_the_frames_seen_by_eye(
    demo_gait_report: dict[str, Any],
) -> None:
    for side, expected in EYE_HEEL_STRIKES.items():
        found = _strikes_in_range(demo_gait_report, side)
        matched = [f for f in expected if any(abs(f - d) <= TIMING_TOLERANCE_FRAMES for d in found)]
        assert len(matched) >= len(expected) - 1, f"{side}: detected {found}, by eye {expected}"


def test_demo_cadence_is_a_walking_cadence(demo_gait_report: dict[str, Any]) -> None:
    lo, hi = WALKING_CADENCE_SPM
    assert lo <= demo_gait_report["cadence_spm"] <= hi
    # By eye: 8 strikes from frame 60 to 188 -> 7 steps in 128 frames at 30 fps = 98 spm.
    assert demo_gait_report["cadence_spm"] == pytest.approx(98.4, abs=5.0)


def test_demo_report_follows_the_gait_schema_with_depth_fields_unavailable(
    demo_gait_report: dict[str, Any],
) -> None:
    validate_report(demo_gait_report)
    for side in ("left", "right"):
        foot = demo_gait_report["feet"][side]
        assert foot["peak_eversion_deg"] is None and foot["rolling"] is None
        assert "depth camera" in foot["unavailable"]
        assert foot["steps"] == len(demo_gait_report["pose"]["heel_strikes"][side])
        assert 0.5 < foot["confidence"] <= 1.0
    pose = demo_gait_report["pose"]
    assert pose["person_found"] is True
    assert pose["view"] == "side"
    # A side view cannot show the knee's frontal-plane angle or pelvic drop: flagged, not faked.
    assert pose["frontal_plane_reliable"] is False
    assert pose["knee_fppa_midstance_deg"] == {"left": None, "right": None}
    # Walking stance is about 60-65 % of a ~1.2 s stride; her two sides agree.
    for side in ("left", "right"):
        assert 0.55 <= pose["stance_time_s"][side] <= 0.95
    assert abs(pose["stance_symmetry_index_pct"]) < 10.0


def test_demo_track_is_the_walker_not_the_man_who_jumps_down_later(
    demo_gait_report: dict[str, Any],
) -> None:
    # After she leaves (frame ~200) the man comes down onto the lawn inside the region;
    # the person selected is the one who walks, and her track ends when she leaves.
    track = demo_gait_report["pose"]["track"]
    assert 40 <= track["start_frame"] <= 60
    assert 190 <= track["end_frame"] <= 201


def _frames(path: Path, numbers: range) -> list[np.ndarray]:
    from kiosk.capture.video import VideoSource

    out = []
    with VideoSource(path) as source:
        for frame in source.frames():
            if frame.number in numbers:
                out.append(frame.color)
            if frame.number >= numbers[-1]:
                break
    return out


def test_roi_keeps_the_walker_and_leaves_out_the_man_on_the_box(
    demo_video_path: Path, walker_roi: str
) -> None:
    # From frame 30 (only the man in view) to 100 (the walker mid-lawn), as a kiosk sees it.
    frames = _frames(demo_video_path, range(30, 101))
    height = frames[0].shape[0]
    with PoseEstimator() as whole, PoseEstimator(Roi.parse(walker_roi)) as walker_only:
        seen_whole = [whole.process(f) for f in frames][-10:]
        seen_roi = [walker_only.process(f) for f in frames][-10:]
    # Without the region the tracker stays on the man on the box (hips in the upper half);
    # with it, it follows the walker, and landmarks come back in full-frame pixels.
    assert all(p is not None and p.point("left_hip")[1] < 0.5 * height for p in seen_whole)
    for pose in seen_roi:
        assert pose is not None
        hip = (pose.point("left_hip") + pose.point("right_hip")) / 2
        assert 0.6 * height < hip[1] < 0.85 * height
        assert 900 < hip[0] < 1250  # she crosses x ~1000-1150 px in frames 90-100
        assert pose.vis("left_heel") > 0.5
