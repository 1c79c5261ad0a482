"""Before/after walks: rearfoot figures side by side, changes within the band called the same."""

from __future__ import annotations

import pytest

from kiosk.advice.compare import compare_gait
from kiosk.advice.thresholds import EVERSION_BORDERLINE_DEG


def walk(left: float | None, right: float | None, cadence: float = 110.0) -> dict:
    def foot(v):
        return {"peak_eversion_deg": v, "rolling": None, "steps": 12, "confidence": 0.9}

    return {"schema": "kiosk.report/1", "kind": "gait",
            "feet": {"left": foot(left), "right": foot(right)}, "cadence_spm": cadence,
            "recommendations": []}  # fmt: skip


def test_each_foot_shows_before_after_and_change():
    out = compare_gait(walk(13.0, 8.0), walk(9.5, 8.0 + EVERSION_BORDERLINE_DEG + 1.0))
    left, right = out["feet"]["left"], out["feet"]["right"]
    assert (left["before"], left["after"], left["change_deg"]) == (13.0, 9.5, -3.5)
    assert left["verdict"] == "less"
    assert left["before_class"]["label"] == "overpronation"
    assert left["after_class"]["label"] == "neutral"
    assert right["verdict"] == "more"
    assert out["lines"][0] == "left: 13.0° before, 9.5° after (3.5° less inward tilt)."


def test_changes_within_the_borderline_band_are_about_the_same():
    out = compare_gait(walk(10.0, 10.0), walk(10.0 - EVERSION_BORDERLINE_DEG, 11.0))
    assert out["feet"]["left"]["verdict"] == "same"
    assert out["feet"]["right"]["verdict"] == "same"
    assert "about the same" in out["lines"][1]
    assert out["band_deg"] == pytest.approx(EVERSION_BORDERLINE_DEG)


def test_a_foot_missing_in_either_walk_is_said_not_guessed():
    out = compare_gait(walk(10.0, None), walk(9.0, 7.0))
    assert out["feet"]["right"]["change_deg"] is None
    assert out["lines"][1] == "right: not measured in both walks."


def test_each_walk_is_classed_with_its_own_gait_and_japanese_text():
    out = compare_gait(walk(15.0, 15.0, cadence=110), walk(15.0, 15.0, cadence=170), lang="ja",
                       product="Aerolo Keel")  # fmt: skip
    assert out["feet"]["left"]["before_class"]["gait"] == "walking"
    assert out["feet"]["left"]["after_class"]["gait"] == "running"
    assert out["title"] == "最初の歩行とAerolo Keelでの歩行"
    assert out["lines"][0].startswith("左:前 15.0°、後 15.0°")
