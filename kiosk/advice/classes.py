"""Arch type and rolling class from the measured numbers, with the numbers kept beside them.

Each class is a dict carrying the label, the value it came from, the cut-offs, the source
key of those cut-offs, whether the value sits in the borderline band, whether the call
is "clear" (not borderline and confident enough), and the measurement's confidence.
"""

from __future__ import annotations

import math

from kiosk.advice.thresholds import (
    ARCH_AHI,
    MIN_CONFIDENCE_FOR_CLEAR_CLASS,
    ROLLING_EVERSION,
    RUNNING_CADENCE_MIN_SPM,
    ClassBands,
)

GAITS = tuple(ROLLING_EVERSION)


def _classify(bands: ClassBands, value: float | None, confidence: float | None) -> dict:
    conf = None if confidence is None else float(confidence)
    result = {
        "label": None,
        "value": None,
        "quantity": bands.quantity,
        "unit": bands.unit,
        "thresholds": {"low_max": bands.low_max, "high_min": bands.high_min},
        "borderline_band": bands.borderline,
        "source": bands.source,
        "borderline_source": bands.borderline_source,
        "borderline": False,
        "near": None,
        "clear": False,
        "confidence": conf,
    }
    if value is None or not math.isfinite(float(value)):
        return result
    v = float(value)
    low, mid, high = bands.labels
    label = low if v <= bands.low_max else high if v >= bands.high_min else mid
    # the cut-off nearest the value, and the class across it
    if abs(v - bands.low_max) <= abs(v - bands.high_min):
        cut, other = bands.low_max, (mid if label == low else low)
    else:
        cut, other = bands.high_min, (mid if label == high else high)
    borderline = abs(v - cut) <= bands.borderline
    confident = conf is None or conf >= MIN_CONFIDENCE_FOR_CLEAR_CLASS
    result.update(
        label=label,
        value=round(v, 4),
        borderline=borderline,
        near=other if borderline else None,
        clear=(not borderline) and confident,
    )
    return result


def arch_class(ahi: float | None, confidence: float | None = None) -> dict:
    """Arch type (low / normal / high) from the Arch Height Index (Williams 2001 cut-offs)."""
    return _classify(ARCH_AHI, ahi, confidence)


def rolling_class(
    peak_eversion_deg: float | None, gait: str = "walking", confidence: float | None = None
) -> dict:
    """Rolling class (underpronation / neutral / overpronation) from peak rearfoot eversion.

    `gait` is "walking" or "running": the cut-offs differ because runners evert more.
    """
    if gait not in ROLLING_EVERSION:
        raise ValueError(f"gait must be one of {', '.join(GAITS)}, got {gait!r}")
    out = _classify(ROLLING_EVERSION[gait], peak_eversion_deg, confidence)
    out["gait"] = gait
    return out


def gait_of(report: dict) -> str:
    """Walking or running for a gait report: its own `gait` field, else from its cadence."""
    for key in ("gait", "mode", "activity"):
        value = report.get(key)
        if value in ROLLING_EVERSION:
            return value
    return gait_for_cadence(report.get("cadence_spm"))


def gait_for_cadence(cadence_spm: float | None) -> str:
    """Running at or above RUNNING_CADENCE_MIN_SPM steps per minute, else walking."""
    if cadence_spm is not None and float(cadence_spm) >= RUNNING_CADENCE_MIN_SPM:
        return "running"
    return "walking"


def classify_standing_report(report: dict) -> dict:
    """Add `arch_class` objects beside each foot's `arch_type` label (in place, returned).

    The plain `arch_type` string stays as DESIGN.md defines it; its value is the class
    label so that the two never disagree.
    """
    for side in ("left", "right"):
        foot = report.get("feet", {}).get(side)
        if foot is None:
            continue
        cls = arch_class(foot.get("arch_height_index"), foot.get("confidence"))
        foot["arch_class"] = cls
        foot["arch_type"] = cls["label"]
    return report


def classify_gait_report(report: dict, gait: str | None = None) -> dict:
    """Add `rolling_class` objects beside each foot's `rolling` label (in place, returned)."""
    gait = gait or gait_of(report)
    report["gait"] = gait
    for side in ("left", "right"):
        foot = report.get("feet", {}).get(side)
        if foot is None:
            continue
        cls = rolling_class(foot.get("peak_eversion_deg"), gait, foot.get("confidence"))
        foot["rolling_class"] = cls
        foot["rolling"] = cls["label"]
    return report
