"""The walker's figures on real footage do not depend on the region of interest.

Sports2D demo clip, frames 45-190 (`demo_trim_path`): a woman walks right to left across
the lawn while a man jumps and stands on a box above her. Heel strikes by eye (see
test_pose_demo.py), renumbered from frame 45: left 33, 70, 106, 143 and right 15, 52, 89,
125 -- 8 strikes, 7 steps in 128 frames, about 98 steps/min.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.capture.frame import Roi
from kiosk.report import validate_report
from kiosk.vision.pose import PeopleFinder
from kiosk.vision.video_gait import PeopleTracks, gait_report_from_people, track_people

EYE_HEEL_STRIKES = {"left": [33, 70, 106, 143], "right": [15, 52, 89, 125]}
EYE_TOTAL = 8
# By eye the frame of contact is uncertain by a frame or two (see test_pose_demo.py).
TIMING_TOLERANCE_FRAMES = 3
# The regions staff might draw around the lawn; the first keeps the man's feet as well.
REGIONS = [None, "0,0.4,1,0.6", "0,0.45,1,0.55", "0,0.5,1,0.5"]
CADENCE_BAND_SPM = (95.0, 104.0)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_people(demo_trim_path: Path) -> PeopleTracks:
    from kiosk.capture.video import VideoSource

    with VideoSource(demo_trim_path) as source, PeopleFinder() as finder:
        return track_people(source.frames(), finder)


@pytest.fixture(scope="module")
def reports(demo_people: PeopleTracks) -> dict[str | None, dict[str, Any]]:
    return {
        roi: gait_report_from_people(
            demo_people, roi=None if roi is None else Roi.parse(roi), source={"name": "demo"}
        ).to_dict()
        for roi in REGIONS
    }


def test_both_people_are_seen(demo_people: PeopleTracks) -> None:
    assert demo_people.most_in_one_frame >= 2
    assert len(demo_people.people) >= 2


@pytest.mark.parametrize("roi", REGIONS)
def test_every_region_gives_the_walkers_heel_strikes_and_cadence(
    reports: dict[str | None, dict[str, Any]], roi: str | None
) -> None:
    report = reports[roi]
    validate_report(report)
    pose = report["pose"]
    strikes = pose["heel_strikes"]
    total = len(strikes["left"]) + len(strikes["right"])
    assert abs(total - EYE_TOTAL) <= 1, f"{roi}: {strikes}, by eye {EYE_HEEL_STRIKES}"
    lo, hi = CADENCE_BAND_SPM
    assert lo <= report["cadence_spm"] <= hi, f"{roi}: {report['cadence_spm']} steps/min"
    for side, expected in EYE_HEEL_STRIKES.items():
        for found in strikes[side]:
            assert any(abs(found - f) <= TIMING_TOLERANCE_FRAMES for f in expected), (
                f"{roi}: {side} strike at {found} is not one seen by eye ({expected})"
            )
    assert pose["view"] == "side" and pose["view_from"] == "landmarks"
    assert pose["people_seen"] >= 2


@pytest.mark.parametrize("roi", REGIONS)
def test_the_person_selected_is_the_walker_on_the_lawn(
    reports: dict[str | None, dict[str, Any]], demo_people: PeopleTracks, roi: str | None
) -> None:
    pose = reports[roi]["pose"]
    chosen = demo_people.people[pose["person_selected"]]
    height = demo_people.image_size[1]
    hips_y = (chosen.xy_px[chosen.found, 23, 1] + chosen.xy_px[chosen.found, 24, 1]) / 2
    assert hips_y.min() > 0.6 * height  # the man on the box has his hips above 0.35
    summary = {p["id"]: p for p in pose["people"]}
    others = [p for k, p in summary.items() if k != pose["person_selected"]]
    assert all(
        p["walking_strides"] < summary[pose["person_selected"]]["walking_strides"] for p in others
    )


def test_the_figures_are_identical_whatever_the_region(
    reports: dict[str | None, dict[str, Any]],
) -> None:
    first = reports[None]
    for roi in REGIONS[1:]:
        assert reports[roi]["pose"]["heel_strikes"] == first["pose"]["heel_strikes"]
        assert reports[roi]["cadence_spm"] == first["cadence_spm"]


def test_kiosk_analyze_without_a_region_gives_the_walkers_figures(
    demo_trim_path: Path, reports: dict[str | None, dict[str, Any]]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "analyze", "gait", str(demo_trim_path), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["pose"]["heel_strikes"] == reports[None]["pose"]["heel_strikes"]
    assert report["cadence_spm"] == reports[None]["cadence_spm"]
    assert report["pose"]["person_selected"] == reports[None]["pose"]["person_selected"]
