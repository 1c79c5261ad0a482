"""The versioned report: its schema name, the typed result the analysis returns
(`StandingReport`, `GaitReport`, with `to_dict()` / `to_json()`), a JSON Schema for the
wire form, and validation.

DESIGN.md section 7 is the contract: names and meanings here change only with a new
schema version. Fields may be added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonschema

SCHEMA = "kiosk.report/1"

_NUM_OR_NULL = {"type": ["number", "null"]}

_STANDING_FOOT = {
    "type": "object",
    "required": [
        "length_mm",
        "width_mm",
        "arch_height_mm",
        "arch_height_index",
        "arch_type",
        "confidence",
    ],
    "properties": {
        "length_mm": _NUM_OR_NULL,
        "width_mm": _NUM_OR_NULL,
        "arch_height_mm": _NUM_OR_NULL,
        "arch_height_index": _NUM_OR_NULL,
        "arch_type": {"type": ["string", "null"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
}
_GAIT_FOOT = {
    "type": "object",
    "required": ["peak_eversion_deg", "rolling", "steps", "confidence"],
    "properties": {
        "peak_eversion_deg": _NUM_OR_NULL,
        "rolling": {"type": ["string", "null"]},
        "steps": {"type": "integer", "minimum": 0},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


def _feet(foot_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["left", "right"],
        "properties": {"left": foot_schema, "right": foot_schema},
    }


REPORT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA,
    "type": "object",
    "required": ["schema", "kind", "feet", "recommendations"],
    "properties": {
        "schema": {"const": SCHEMA},
        "kind": {"enum": ["standing", "gait"]},
        "recommendations": {"type": "array"},
    },
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "standing"}}},
            "then": {
                "required": ["size"],
                "properties": {
                    "feet": _feet(_STANDING_FOOT),
                    "size": {
                        "type": "object",
                        "required": [
                            "eu",
                            "uk",
                            "us_men",
                            "us_women",
                            "jp_cm",
                            "mondopoint",
                            "width",
                        ],
                    },
                },
            },
        },
        {
            "if": {"properties": {"kind": {"const": "gait"}}},
            "then": {
                "required": ["cadence_spm"],
                "properties": {"feet": _feet(_GAIT_FOOT), "cadence_spm": _NUM_OR_NULL},
            },
        },
    ],
}


def validate_report(report: dict) -> None:
    """Raise jsonschema.ValidationError when `report` breaks the contract (tests, ingest)."""
    jsonschema.validate(report, REPORT_JSON_SCHEMA)


# --- the typed result ----------------------------------------------------------------------
# What `kiosk.pipeline` (and webcam-only gait, `kiosk.vision.video_gait`) return, the CLI
# prints and the web stores. Figures are already rounded as the report states them; the
# wire form (`to_dict`) keeps DESIGN.md's names, and a field that a kind of report does not
# carry (a webcam's step times, a depth walk's `source`) is left out, never sent as null.
# Blocks whose shape belongs to another module stay plain data: `size`
# (kiosk.advice.sizes.pair_sizes), the class objects (kiosk.advice.classes), `pose`
# (kiosk.vision.video_gait) and the recommendations (kiosk.advice.recommend).


def _json_text(data: dict[str, Any], indent: int | None) -> str:
    # numpy scalars that reach a block of plain data are written as numbers
    return json.dumps(data, indent=indent, default=float)


@dataclass
class StandingFoot:
    """One foot standing on the mat (DESIGN.md section 3 for each definition)."""

    length_mm: float | None
    width_mm: float | None
    arch_height_mm: float | None
    arch_height_index: float | None
    confidence: float  # 0..1
    heel_gap_mm: float | None = None  # the visible heel's distance from the heel stop
    axis_deg: float | None = None  # the foot's long axis on the floor
    arch_type: str | None = None  # low | normal | high (the label of `arch_class`)
    arch_class: dict[str, Any] | None = None  # kiosk.advice.classes.arch_class

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "length_mm": self.length_mm,
            "width_mm": self.width_mm,
            "arch_height_mm": self.arch_height_mm,
            "arch_height_index": self.arch_height_index,
            "arch_type": self.arch_type,
            "confidence": self.confidence,
            "heel_gap_mm": self.heel_gap_mm,
            "axis_deg": self.axis_deg,
        }
        if self.arch_class is not None:
            out["arch_class"] = self.arch_class
        return out


@dataclass
class StepTimes:
    """A depth walk's steps for one foot: each stance's peak eversion, the heel strikes and
    toe-offs (seconds from the first frame), and the mean curve over the gait cycle."""

    peaks_deg: list[float]
    heel_strikes_s: list[float]
    toe_offs_s: list[float]
    rearfoot_curve_deg: list[float] | None  # 101 samples, heel strike to heel strike


@dataclass
class GaitFoot:
    """One foot's rolling over a walk. `steps` counts its heel strikes."""

    peak_eversion_deg: float | None
    steps: int
    confidence: float  # 0..1
    rolling: str | None = None  # underpronation | neutral | overpronation
    rolling_class: dict[str, Any] | None = None  # kiosk.advice.classes.rolling_class
    step_times: StepTimes | None = None  # depth walks
    unavailable: str | None = None  # why the depth figures are missing (webcam-only gait)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "peak_eversion_deg": self.peak_eversion_deg,
            "rolling": self.rolling,
        }
        if self.unavailable is not None:
            out["unavailable"] = self.unavailable
        out["steps"] = self.steps
        out["confidence"] = self.confidence
        if self.step_times is not None:
            out["step_peaks_deg"] = self.step_times.peaks_deg
            out["heel_strikes_s"] = self.step_times.heel_strikes_s
            out["toe_offs_s"] = self.step_times.toe_offs_s
            out["rearfoot_curve_deg"] = self.step_times.rearfoot_curve_deg
        if self.rolling_class is not None:
            out["rolling_class"] = self.rolling_class
        return out


@dataclass
class FloorFigures:
    """Where the camera was, from this capture's floor (or belt) plane."""

    camera_height_m: float
    camera_pitch_deg: float
    plane_rms_mm: float | None = None  # standing captures

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "camera_height_m": self.camera_height_m,
            "camera_pitch_deg": self.camera_pitch_deg,
        }
        if self.plane_rms_mm is not None:
            out["plane_rms_mm"] = self.plane_rms_mm
        return out


@dataclass
class StandingReport:
    """A standing capture's report: both feet, the sizes, and how it was measured."""

    feet: dict[str, StandingFoot]  # "left", "right": the shopper's own sides
    size: dict[str, Any]  # kiosk.advice.sizes.pair_sizes
    floor: FloorFigures
    heel_stop_height_m: float
    frames: int
    timings_ms: dict[str, float] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    calibration_check: dict[str, Any] | None = None

    kind = "standing"

    def to_dict(self) -> dict[str, Any]:
        """The `kiosk.report/1` wire form (DESIGN.md section 7)."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "kind": self.kind,
            "feet": {side: foot.to_dict() for side, foot in self.feet.items()},
            "size": self.size,
            "floor": self.floor.to_dict(),
            "heel_stop": {"height_m": self.heel_stop_height_m},
            "frames": self.frames,
            "timings_ms": self.timings_ms,
            "versions": self.versions,
            "recommendations": self.recommendations,
        }
        if self.calibration_check is not None:
            out["calibration_check"] = self.calibration_check
        return out

    def to_json(self, indent: int | None = None) -> str:
        return _json_text(self.to_dict(), indent)


@dataclass
class GaitReport:
    """A walk's report: each foot's rolling, the cadence, and (from the colour stream) the
    knee and hip alignment. A depth walk carries its frames, floor, timings and versions; a
    webcam-only walk its `source` and no depth figures."""

    feet: dict[str, GaitFoot]  # "left", "right": the shopper's own sides
    cadence_spm: float | None  # both feet's steps per minute
    frames: int | None = None
    fps: float | None = None
    floor: FloorFigures | None = None
    timings_ms: dict[str, float] | None = None
    versions: dict[str, Any] | None = None
    source: dict[str, Any] | None = None  # the video a webcam-only walk came from
    pose: dict[str, Any] | None = None  # kiosk.vision.video_gait
    gait: str | None = None  # walking | running: which rolling cut-offs apply
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    calibration_check: dict[str, Any] | None = None

    kind = "gait"

    @property
    def steps(self) -> int:
        """Heel strikes of both feet."""
        return sum(foot.steps for foot in self.feet.values())

    def to_dict(self) -> dict[str, Any]:
        """The `kiosk.report/1` wire form (DESIGN.md section 7)."""
        out: dict[str, Any] = {"schema": SCHEMA, "kind": self.kind}
        if self.source is not None:
            out["source"] = self.source
        out["feet"] = {side: foot.to_dict() for side, foot in self.feet.items()}
        out["cadence_spm"] = self.cadence_spm
        optional = {
            "frames": self.frames,
            "fps": self.fps,
            "floor": None if self.floor is None else self.floor.to_dict(),
            "timings_ms": self.timings_ms,
            "versions": self.versions,
        }
        out.update((k, v) for k, v in optional.items() if v is not None)
        # A webcam-only walk's figures all come from its pose block, which has always come
        # before its recommendations; a depth walk's pose block is an addition after them.
        blocks: list[tuple[str, Any]] = [("recommendations", self.recommendations)]
        blocks.insert(0 if self.source is not None else 1, ("pose", self.pose))
        blocks += [("gait", self.gait), ("calibration_check", self.calibration_check)]
        out.update((k, v) for k, v in blocks if v is not None)
        return out

    def to_json(self, indent: int | None = None) -> str:
        return _json_text(self.to_dict(), indent)


Report = StandingReport | GaitReport


# --- the stored form ---------------------------------------------------------------------
# What a session record may carry of a report (kiosk.session/1): the contract above, closed
# at every depth. The contract lets fields be added; a stored record does not: a field the
# kiosk does not know could carry an image or an identity, so the kiosk refuses to store it
# and HQ refuses to ingest it. Product recommendations are stored beside the report (as
# the record's own `recommendations`), so a stored report's list is empty. The `pose` and
# `source` blocks and size notes hold data only: numbers, flags and short labels.

_LABEL = {"type": ["string", "null"], "maxLength": 48}
_NUM = {"type": "number"}
_NUMS = {"type": "array", "maxItems": 2000, "items": {"type": ["number", "null"]}}
_DATA_REF = {"$ref": "#/$defs/data"}


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _numbers_by_name(max_properties: int = 64) -> dict[str, Any]:
    """A map of short names to numbers (timings per stage, thresholds)."""
    return {
        "type": "object",
        "maxProperties": max_properties,
        "propertyNames": {"pattern": "^[a-z0-9_]{1,48}$"},
        "additionalProperties": {"type": ["number", "null"]},
    }


_CLASS = _closed(
    {
        "label": _LABEL,
        "value": _NUM_OR_NULL,
        "quantity": _LABEL,
        "unit": _LABEL,
        "thresholds": _closed({"low_max": _NUM_OR_NULL, "high_min": _NUM_OR_NULL}),
        "borderline_band": _NUM_OR_NULL,
        "source": _LABEL,
        "borderline_source": _LABEL,
        "borderline": {"type": "boolean"},
        "near": _LABEL,
        "clear": {"type": "boolean"},
        "confidence": _NUM_OR_NULL,
        "gait": _LABEL,
    }
)
_STORED_STANDING_FOOT = _closed(
    {
        **_STANDING_FOOT["properties"],
        "heel_gap_mm": _NUM_OR_NULL,
        "axis_deg": _NUM_OR_NULL,
        "arch_class": _CLASS,
    },
    tuple(_STANDING_FOOT["required"]),
)
_STORED_GAIT_FOOT = _closed(
    {
        **_GAIT_FOOT["properties"],
        "step_peaks_deg": _NUMS,
        "heel_strikes_s": _NUMS,
        "toe_offs_s": _NUMS,
        "rearfoot_curve_deg": {"anyOf": [_NUMS, {"type": "null"}]},
        "rolling_class": _CLASS,
        "unavailable": {"type": ["string", "null"], "maxLength": 200},
    },
    tuple(_GAIT_FOOT["required"]),
)
_SIZE_VALUE = {"type": ["number", "string", "null"], "maxLength": 16}
_FOOT_SIZE = {
    "uk": _SIZE_VALUE,
    "us_men": _SIZE_VALUE,
    "us_women": _SIZE_VALUE,
    "us_women_standard": _SIZE_VALUE,
    "eu": _SIZE_VALUE,
    "jp_cm": _SIZE_VALUE,
    "mondopoint": _SIZE_VALUE,
    "exact": _numbers_by_name(),
    "length_mm": _NUM_OR_NULL,
    "width_mm": _NUM_OR_NULL,
    "sex_scale": _LABEL,
    "jis_girth_estimated_mm": _NUM_OR_NULL,
    "jis_girth_uncertainty_mm": _NUM_OR_NULL,
    "mondopoint_label": _LABEL,
    "width": _LABEL,
    "width_us_men": _LABEL,
    "width_us_women": _LABEL,
    "width_jis": _LABEL,
}
_SIZE = _closed(
    {
        **_FOOT_SIZE,
        "decided_by": _LABEL,
        "per_foot": _closed({"left": _closed(_FOOT_SIZE), "right": _closed(_FOOT_SIZE)}),
        "length_difference_mm": _NUM_OR_NULL,
        "notes": {"type": "array", "maxItems": 16, "items": _DATA_REF},
        "allowance": _DATA_REF,
    },
    ("eu", "uk", "us_men", "us_women", "jp_cm", "mondopoint", "width"),
)
_FLOOR = _closed(
    {
        "camera_height_m": _NUM_OR_NULL,
        "camera_pitch_deg": _NUM_OR_NULL,
        "plane_rms_mm": _NUM_OR_NULL,
    }
)
_VERSIONS = _closed(
    {
        "app": _LABEL,
        "method": _LABEL,
        "models": {
            "type": "object",
            "maxProperties": 32,
            "propertyNames": {"pattern": "^[a-z0-9_]{1,48}$"},
            "additionalProperties": {"type": "string", "maxLength": 64},
        },
    }
)
_CALIBRATION_CHECK = _closed(
    {"height_error_m": _NUM_OR_NULL, "pitch_error_deg": _NUM_OR_NULL, "ok": {"type": "boolean"}}
)
_COMMON = {
    "schema": {"const": SCHEMA},
    "recommendations": {"type": "array", "maxItems": 0},
    "frames": {"type": "integer", "minimum": 0},
    "floor": _FLOOR,
    "timings_ms": _numbers_by_name(),
    "versions": _VERSIONS,
    "calibration_check": _CALIBRATION_CHECK,
}

STORED_REPORT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA + " (stored)",
    "$defs": {
        # data only, at any depth: numbers, flags, short labels, bounded lists and maps
        "data": {
            "anyOf": [
                {"type": ["number", "boolean", "null"]},
                {"type": "string", "maxLength": 500},
                {"type": "array", "maxItems": 2000, "items": _DATA_REF},
                {
                    "type": "object",
                    "maxProperties": 64,
                    "propertyNames": {"pattern": "^[a-z0-9_]{1,48}$"},
                    "additionalProperties": _DATA_REF,
                },
            ]
        }
    },
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"enum": ["standing", "gait"]}},
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "standing"}}},
            "then": _closed(
                {
                    **_COMMON,
                    "kind": {"const": "standing"},
                    "feet": _closed(
                        {"left": _STORED_STANDING_FOOT, "right": _STORED_STANDING_FOOT},
                        ("left", "right"),
                    ),
                    "size": _SIZE,
                    "heel_stop": _closed({"height_m": _NUM_OR_NULL}),
                },
                ("schema", "kind", "feet", "size", "recommendations"),
            ),
        },
        {
            "if": {"properties": {"kind": {"const": "gait"}}},
            "then": _closed(
                {
                    **_COMMON,
                    "kind": {"const": "gait"},
                    "feet": _closed(
                        {"left": _STORED_GAIT_FOOT, "right": _STORED_GAIT_FOOT}, ("left", "right")
                    ),
                    "cadence_spm": _NUM_OR_NULL,
                    "fps": _NUM_OR_NULL,
                    "gait": _LABEL,
                    "pose": _DATA_REF,
                    "source": _DATA_REF,
                },
                ("schema", "kind", "feet", "cadence_spm", "recommendations"),
            ),
        },
    ],
}
