"""Arch and rolling classes: labels with their numbers, cut-offs, sources and borderline band."""

from __future__ import annotations

import copy

import pytest

from kiosk.advice.classes import (
    arch_class,
    classify_gait_report,
    classify_standing_report,
    gait_of,
    rolling_class,
)
from kiosk.advice.thresholds import (
    ARCH_AHI,
    MIN_CONFIDENCE_FOR_CLEAR_CLASS,
    ROLLING_EVERSION,
    RUNNING_CADENCE_MIN_SPM,
    SOURCES,
    source_citation,
    thresholds_table,
)
from kiosk.report import validate_report


@pytest.mark.parametrize(
    ("ahi", "label"),
    [(ARCH_AHI.low_max, "low"), (ARCH_AHI.low_max + 0.001, "normal"),
     (ARCH_AHI.high_min - 0.001, "normal"), (ARCH_AHI.high_min, "high"), (0.20, "low"),
     (0.42, "high")],
)  # fmt: skip
def test_arch_label_follows_the_cut_offs_inclusively(ahi, label):
    assert arch_class(ahi, 0.9)["label"] == label


def test_arch_class_carries_number_thresholds_and_source_key():
    c = arch_class(0.30, 0.9)
    assert c["value"] == pytest.approx(0.30)
    assert c["thresholds"] == {"low_max": 0.275, "high_min": 0.356}
    assert c["source"] == "williams2001" and c["source"] in SOURCES
    assert c["borderline_source"] in SOURCES
    assert c["confidence"] == pytest.approx(0.9)


def test_value_near_a_cut_off_is_borderline_and_names_the_other_class():
    band = ARCH_AHI.borderline
    c = arch_class(ARCH_AHI.low_max + band * 0.5, 0.95)
    assert c["label"] == "normal" and c["borderline"] and c["near"] == "low"
    assert not c["clear"]
    far = arch_class(ARCH_AHI.low_max + band * 1.5, 0.95)
    assert not far["borderline"] and far["near"] is None and far["clear"]


def test_low_confidence_is_never_a_clear_call():
    c = arch_class(0.22, MIN_CONFIDENCE_FOR_CLEAR_CLASS - 0.01)
    assert c["label"] == "low" and not c["borderline"] and not c["clear"]
    assert arch_class(0.22, MIN_CONFIDENCE_FOR_CLEAR_CLASS)["clear"]


def test_missing_value_gives_no_label():
    assert arch_class(None, 0.9)["label"] is None
    assert rolling_class(float("nan"), "walking", 0.9)["label"] is None


def test_running_threshold_is_higher_than_walking_so_the_same_angle_can_differ():
    walk, run = ROLLING_EVERSION["walking"], ROLLING_EVERSION["running"]
    assert run.high_min > walk.high_min
    angle = (walk.high_min + run.high_min) / 2
    assert rolling_class(angle, "walking", 0.9)["label"] == "overpronation"
    assert rolling_class(angle, "running", 0.9)["label"] == "neutral"
    assert rolling_class(-3.0, "walking", 0.9)["label"] == "underpronation"


def test_rolling_class_reports_its_gait_and_source_and_rejects_unknown_gait():
    c = rolling_class(12.0, "running", 0.8)
    assert c["gait"] == "running" and c["source"] == "lee2012"
    assert c["unit"] == "deg"
    with pytest.raises(ValueError):
        rolling_class(5.0, "hopping", 0.9)


def test_gait_is_taken_from_the_report_or_else_from_cadence():
    assert gait_of({"gait": "running", "cadence_spm": 100}) == "running"
    assert gait_of({"cadence_spm": RUNNING_CADENCE_MIN_SPM + 1}) == "running"
    assert gait_of({"cadence_spm": 112}) == "walking"
    assert gait_of({}) == "walking"


def _standing() -> dict:
    foot = {"length_mm": 262.1, "width_mm": 101.3, "arch_height_mm": 50.0,
            "arch_height_index": 0.262, "arch_type": "normal", "confidence": 0.93}  # fmt: skip
    return {"schema": "kiosk.report/1", "kind": "standing",
            "feet": {"left": dict(foot), "right": {**foot, "arch_height_index": 0.33}},
            "size": {"eu": 41, "uk": 8, "us_men": 9, "us_women": 10.5, "jp_cm": 26.0,
                     "mondopoint": 260, "width": "D"},
            "recommendations": []}  # fmt: skip


def test_standing_report_gains_class_objects_and_keeps_plain_labels_in_agreement():
    report = classify_standing_report(_standing())
    validate_report(report)
    left = report["feet"]["left"]
    assert left["arch_type"] == "low" == left["arch_class"]["label"]
    assert left["arch_class"]["value"] == pytest.approx(0.262)
    assert report["feet"]["right"]["arch_type"] == "normal"


def test_gait_report_gains_rolling_class_objects_and_validates():
    foot = {"peak_eversion_deg": 13.0, "rolling": None, "steps": 14, "confidence": 0.88}
    report = {"schema": "kiosk.report/1", "kind": "gait",
              "feet": {"left": dict(foot), "right": {**foot, "peak_eversion_deg": 4.0}},
              "cadence_spm": 112.0, "recommendations": []}  # fmt: skip
    before = copy.deepcopy(report)
    classify_gait_report(report)
    validate_report(report)
    assert report["gait"] == "walking"
    assert report["feet"]["left"]["rolling"] == "overpronation"
    assert report["feet"]["left"]["rolling_class"]["thresholds"]["high_min"] == pytest.approx(
        ROLLING_EVERSION["walking"].high_min
    )
    assert report["feet"]["right"]["rolling"] == "neutral"
    assert (
        before["feet"]["left"]["peak_eversion_deg"] == report["feet"]["left"]["peak_eversion_deg"]
    )


def test_every_threshold_row_names_a_known_source():
    rows = thresholds_table()
    assert {r["class"] for r in rows} == {"arch", "rolling"}
    for r in rows:
        assert r["low_max"] < r["high_min"]
        assert source_citation(r["source"])
        assert source_citation(r["borderline_source"])
