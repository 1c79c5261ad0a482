"""The typed report: its wire form keeps DESIGN.md's names (section 7), passes both JSON
Schemas (the contract, and the closed form a session record stores), and leaves out what a
kind of report does not carry instead of sending it as null."""

from __future__ import annotations

import json

import jsonschema
import pytest

from kiosk.advice.classes import arch_class, rolling_class
from kiosk.advice.sizes import pair_sizes
from kiosk.report import (
    SCHEMA,
    STORED_REPORT_JSON_SCHEMA,
    FloorFigures,
    GaitFoot,
    GaitReport,
    StandingFoot,
    StandingReport,
    StepTimes,
    validate_report,
)

STANDING_FOOT_KEYS = ["length_mm", "width_mm", "arch_height_mm", "arch_height_index",
                      "arch_type", "confidence", "heel_gap_mm", "axis_deg", "arch_class"]


def _stored(report: dict) -> None:
    jsonschema.validate(report, STORED_REPORT_JSON_SCHEMA)


def _standing() -> StandingReport:
    feet = {}
    for side, length in (("left", 262.1), ("right", 260.4)):
        foot = StandingFoot(length_mm=length, width_mm=101.3, arch_height_mm=63.0,
                            arch_height_index=0.331, confidence=0.93, heel_gap_mm=2.1,
                            axis_deg=4.0)
        foot.arch_class = arch_class(foot.arch_height_index, foot.confidence)
        foot.arch_type = foot.arch_class["label"]
        feet[side] = foot
    return StandingReport(
        feet=feet,
        size=pair_sizes(feet["left"].to_dict(), feet["right"].to_dict(), "male"),
        floor=FloorFigures(camera_height_m=0.912, camera_pitch_deg=58.2, plane_rms_mm=1.2),
        heel_stop_height_m=0.081,
        frames=30,
        timings_ms={"fuse": 12.5},
        versions={"app": "0.1.0", "method": "geometry"},
    )


def _depth_foot(peak_deg: float) -> GaitFoot:
    foot = GaitFoot(peak_eversion_deg=peak_deg, steps=3, confidence=0.88,
                    step_times=StepTimes(peaks_deg=[peak_deg] * 3,
                                         heel_strikes_s=[0.1, 1.2, 2.3],
                                         toe_offs_s=[0.8, 1.9, 3.0],
                                         rearfoot_curve_deg=None))
    foot.rolling_class = rolling_class(peak_deg, "walking", foot.confidence)
    foot.rolling = foot.rolling_class["label"]
    return foot


def test_a_standing_report_keeps_the_contract_names_in_order_and_passes_both_schemas():
    report = _standing()
    wire = report.to_dict()
    assert list(wire) == ["schema", "kind", "feet", "size", "floor", "heel_stop", "frames",
                          "timings_ms", "versions", "recommendations"]
    assert wire["schema"] == SCHEMA and wire["kind"] == "standing" == report.kind
    assert list(wire["feet"]["left"]) == STANDING_FOOT_KEYS
    assert wire["feet"]["left"]["arch_type"] == "normal"
    assert wire["heel_stop"] == {"height_m": 0.081}
    validate_report(wire)
    _stored(wire)
    assert json.loads(report.to_json()) == wire


def test_a_calibration_check_is_sent_only_when_there_was_a_calibration():
    report = _standing()
    assert "calibration_check" not in report.to_dict()
    report.calibration_check = {"height_error_m": 0.004, "pitch_error_deg": 0.3, "ok": True}
    assert list(report.to_dict())[-1] == "calibration_check"
    _stored(report.to_dict())


def test_a_depth_walk_carries_its_step_times_and_no_source():
    report = GaitReport(
        feet={"left": _depth_foot(11.8), "right": _depth_foot(6.0)},
        cadence_spm=112.0, frames=90, fps=30.0,
        floor=FloorFigures(camera_height_m=0.35, camera_pitch_deg=20.0),
        timings_ms={"per_frame": 9.1}, versions={"app": "0.1.0", "method": "geometry"},
        pose={"person_found": False, "reason": "no person found"}, gait="walking",
    )
    wire = report.to_dict()
    assert list(wire) == ["schema", "kind", "feet", "cadence_spm", "frames", "fps", "floor",
                          "timings_ms", "versions", "recommendations", "pose", "gait"]
    assert wire["floor"] == {"camera_height_m": 0.35, "camera_pitch_deg": 20.0}
    left = wire["feet"]["left"]
    assert list(left) == ["peak_eversion_deg", "rolling", "steps", "confidence",
                          "step_peaks_deg", "heel_strikes_s", "toe_offs_s",
                          "rearfoot_curve_deg", "rolling_class"]
    assert left["rolling"] == "overpronation" and left["rearfoot_curve_deg"] is None
    assert report.steps == 6
    validate_report(wire)
    _stored(wire)


def test_a_webcam_walk_says_why_depth_figures_are_missing_and_names_its_source():
    foot = GaitFoot(peak_eversion_deg=None, steps=7, confidence=0.7,
                    unavailable="rearfoot eversion needs the depth camera")
    report = GaitReport(feet={"left": foot, "right": foot}, cadence_spm=104.5,
                        source={"kind": "video", "name": "clip.mp4"},
                        pose={"person_found": True, "view": "side"})
    wire = report.to_dict()
    assert list(wire) == ["schema", "kind", "source", "feet", "cadence_spm", "pose",
                          "recommendations"]
    assert list(wire["feet"]["right"]) == ["peak_eversion_deg", "rolling", "unavailable",
                                           "steps", "confidence"]
    validate_report(wire)
    _stored(wire)


def test_the_schemas_refuse_a_wire_form_that_lost_a_contract_field():
    wire = _standing().to_dict()
    del wire["feet"]["right"]["arch_height_index"]
    with pytest.raises(jsonschema.ValidationError):
        validate_report(wire)
