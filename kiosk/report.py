"""The versioned report: its schema name, a JSON Schema for it, and validation.

DESIGN.md section 7 is the contract: names and meanings here change only with a new
schema version. Fields may be added.
"""

from __future__ import annotations

from typing import Any

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
    import jsonschema

    jsonschema.validate(report, REPORT_JSON_SCHEMA)
