"""The versioned report: its schema name, a JSON Schema for it, and validation.

DESIGN.md section 7 is the contract: names and meanings here change only with a new
schema version. Fields may be added.
"""

from __future__ import annotations

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
