"""Per-station calibration: the versioned file staff write with the wizard, and how it is made.

A calibration records where the station's camera hangs over the mat or belt (height and
pitch from the depth floor fit, cross-checked against the printed ChArUco board's pose),
the board's depth-scale check and, for the treadmill, the region of interest. The web
wizard, the re-measure check and `kiosk calibrate` all go through `calibrate_station`,
`save_calibration` and `load_calibration`; the analysis pipeline takes
`pipeline_calibration(cal)` (a dict with `camera_height_m` / `camera_pitch_deg`).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk import __version__
from kiosk.capture.frame import Frame
from kiosk.errors import ConfigError, InputError
from kiosk.pipeline import check_calibration
from kiosk.vision import board as bd
from kiosk.vision.floor import fit_floor
from kiosk.vision.gait import BELT_COLUMNS

log = logging.getLogger(__name__)

CALIBRATION_SCHEMA = "kiosk.calibration/1"
STATIONS = ("standing", "gait")

# Pass/fail limits the wizard shows beside the numbers.
SCALE_TOLERANCE_MM = 1.0  # ±1 mm on a 40 mm printed square = 2.5 % depth-scale error
MAX_REPROJECTION_PX = 2.0  # a sharp, flat print reprojects well under a pixel
MAX_FLOOR_RMS_MM = 8.0  # D4xx plane noise at 1.2 m is ≈ 5 mm RMS (docs/METHOD.md)
# Board lying on the mat vs the depth floor fit: the board's own thickness and the D4xx
# depth bias at 1 m stay well inside these.
BOARD_FLOOR_HEIGHT_TOL_M = 0.02
BOARD_FLOOR_PITCH_TOL_DEG = 3.0
ROI_MARGIN = 0.5  # the treadmill ROI: the board's image box grown by half its size per side
FUSE_FRAMES = 15  # frames whose depth is median-fused for the floor fit


class CalibrationError(ConfigError):
    """A calibration file that is missing, unreadable or invalid, or a failed wizard step."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FloorPlaneFit(_Model):
    """The mat/belt plane n·p + d = 0 in the camera frame (metres), n pointing up."""

    normal: tuple[float, float, float]
    d_m: float = Field(gt=0, description="Camera centre's distance to the plane.")
    rms_mm: float = Field(ge=0)
    inlier_share: float = Field(ge=0, le=1)


class BoardCheck(_Model):
    """The printed board as the camera saw it: pose quality and the depth-scale check."""

    corners: int = Field(ge=0)
    reprojection_px: float = Field(ge=0)
    camera_height_m: float | None = Field(None, description="From the board pose.")
    camera_pitch_deg: float | None = Field(None, description="From the board pose.")
    square_measured_mm: float | None = None
    square_expected_mm: float = Field(gt=0)
    scale_error_mm: float | None = None
    tolerance_mm: float = Field(SCALE_TOLERANCE_MM, gt=0)
    ok: bool


class RegionOfInterest(_Model):
    """A rectangle as fractions of the frame (the CLI's `--roi X,Y,W,H`)."""

    x: float = Field(ge=0, lt=1)
    y: float = Field(ge=0, lt=1)
    w: float = Field(gt=0, le=1)
    h: float = Field(gt=0, le=1)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)


class Calibration(_Model):
    """One station's calibration file (`kiosk.calibration/1`)."""

    schema_: Literal["kiosk.calibration/1"] = Field(CALIBRATION_SCHEMA, alias="schema")
    station: Literal["standing", "gait"]
    kiosk_id: str = Field(min_length=1, max_length=64)
    camera_serial: str | None = Field(None, max_length=64)
    camera_height_m: float = Field(gt=0.05, lt=3.0, description="Above the mat/belt plane.")
    camera_pitch_deg: float = Field(ge=0, le=90, description="Below the horizon; 90 = down.")
    floor: FloorPlaneFit
    board: BoardCheck
    roi: RegionOfInterest | None = Field(None, description="Treadmill only.")
    created_at: datetime
    app_version: str = Field(min_length=1, max_length=32)


class CalibrationResult(_Model):
    """What the wizard shows: the calibration (saved only when `ok`) and each check."""

    calibration: Calibration | None
    ok: bool
    checks: dict[str, bool]
    reason: str | None = None


def calibration_path(calibration_dir: str | Path, kiosk_id: str, station: str) -> Path:
    """Where a station's calibration lives: `<calibration_dir>/<kiosk_id>-<station>.json`."""
    if station not in STATIONS:
        raise CalibrationError(f"unknown station {station!r} (expected standing or gait)")
    return Path(calibration_dir) / f"{kiosk_id}-{station}.json"


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file; CalibrationError with a one-line reason."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalibrationError(f"{p}: no calibration file (run the calibration wizard)") from None
    except OSError as exc:
        raise CalibrationError(f"{p}: cannot read the calibration ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CalibrationError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"{p}: a calibration is a JSON object")
    schema = data.get("schema")
    if schema != CALIBRATION_SCHEMA:
        raise CalibrationError(
            f"{p}: calibration schema {schema!r} is not supported "
            f"(this kiosk reads {CALIBRATION_SCHEMA}); calibrate the station again"
        )
    try:
        return Calibration.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or "calibration"
        raise CalibrationError(f"{p}: calibration key '{key}': {err['msg']}") from None


def save_calibration(cal: Calibration, path: str | Path) -> Path:
    """Write atomically (a kiosk may lose power mid-write); returns the path."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(cal.model_dump_json(by_alias=True, indent=1), encoding="utf-8")
        os.replace(tmp, p)
    except OSError as exc:
        raise CalibrationError(f"{p}: cannot write the calibration ({exc.strerror})") from None
    log.info("calibration for %s written to %s", cal.station, p)
    return p


def pipeline_calibration(cal: Calibration | None) -> dict[str, Any] | None:
    """The dict `kiosk.pipeline.analyze_*(frames, calibration=...)` and
    `kiosk.pipeline.check_calibration(floor, calibration)` read."""
    return None if cal is None else cal.model_dump(mode="json", by_alias=True)


def _fused_depth(frames: Sequence[Frame]) -> np.ndarray:
    stack = np.stack([f.depth_m for f in frames[:FUSE_FRAMES]]).astype(np.float32)
    stack[stack == 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-invalid pixels stay 0
        return np.nan_to_num(np.nanmedian(stack, axis=0))


def fit_station_floor(frames: Sequence[Frame], station: str) -> Any:
    """The mat (standing) or belt (gait) plane, fitted the way the pipeline fits it."""
    depth = _fused_depth(frames)
    intr = frames[0].intrinsics
    if station == "gait":
        return fit_floor(
            depth, intr, np.random.default_rng(0), topmost=False, column_band=BELT_COLUMNS
        )
    return fit_floor(depth, intr, np.random.default_rng(0))


def check_board(frame: Frame) -> tuple[BoardCheck | None, Any, str | None]:
    """The board in one frame: (check, detection, reason when not found)."""
    if frame.color is None:
        return None, None, "the camera gives no colour image"
    det = bd.detect_board(frame.color, frame.intrinsics)
    if det is None:
        return None, None, "board not found: lay it flat in view, fully visible and lit"
    sq = bd.measured_square_mm(det, frame.depth_m, frame.intrinsics) if frame.has_depth else None
    expected = bd.SQUARE_M * 1000
    err = None if sq is None else sq - expected
    check = BoardCheck(
        corners=det.n_corners,
        reprojection_px=round(det.reprojection_px, 3),
        camera_height_m=round(det.camera_height_m(), 4),
        camera_pitch_deg=round(det.camera_pitch_deg(), 2),
        square_measured_mm=None if sq is None else round(sq, 2),
        square_expected_mm=expected,
        scale_error_mm=None if err is None else round(err, 2),
        ok=det.reprojection_px < MAX_REPROJECTION_PX
        and err is not None
        and abs(err) <= SCALE_TOLERANCE_MM,
    )
    return check, det, None


def _roi_from_board(det: Any, frame: Frame) -> RegionOfInterest:
    w, h = frame.intrinsics.width, frame.intrinsics.height
    (x0, y0), (x1, y1) = det.corners_px.min(axis=0), det.corners_px.max(axis=0)
    mx, my = (x1 - x0) * ROI_MARGIN, (y1 - y0) * ROI_MARGIN
    x0, x1 = max(0.0, (x0 - mx) / w), min(1.0, (x1 + mx) / w)
    y0, y1 = max(0.0, (y0 - my) / h), min(1.0, (y1 + my) / h)
    return RegionOfInterest(
        x=round(x0, 4), y=round(y0, 4), w=round(x1 - x0, 4), h=round(y1 - y0, 4)
    )


def calibrate_station(
    frames: Sequence[Frame],
    station: str,
    kiosk_id: str,
    camera_serial: str | None = None,
    now: datetime | None = None,
) -> CalibrationResult:
    """Calibrate a station from a short capture of the printed board on the mat/belt.

    Standing: the board lies flat on the mat, so its pose must agree with the depth floor
    fit. Gait: the board stands where the heels land, facing the camera; it fixes the
    scale check and the region of interest. Pass = every check in `checks` holds.
    """
    if station not in STATIONS:
        raise CalibrationError(f"unknown station {station!r} (expected standing or gait)")
    frames = [f for f in frames if f.depth_m is not None]
    if not frames:
        return CalibrationResult(
            calibration=None, ok=False, checks={}, reason="the camera gives no depth frames"
        )
    last = frames[-1]
    board, det, reason = check_board(last)
    if board is None:
        return CalibrationResult(
            calibration=None, ok=False, checks={"board_found": False}, reason=reason
        )
    try:
        floor = fit_station_floor(frames, station)
    except InputError as exc:
        return CalibrationResult(
            calibration=None,
            ok=False,
            checks={"board_found": True, "floor_found": False},
            reason=str(exc),
        )
    checks = {
        "board_found": True,
        "floor_found": True,
        "reprojection": board.reprojection_px < MAX_REPROJECTION_PX,
        "depth_scale": board.scale_error_mm is not None
        and abs(board.scale_error_mm) <= SCALE_TOLERANCE_MM,
        "floor_flat": floor.rms_mm <= MAX_FLOOR_RMS_MM,
    }
    if station == "standing":
        checks["board_on_floor"] = (
            abs(board.camera_height_m - floor.camera_height_m) <= BOARD_FLOOR_HEIGHT_TOL_M
            and abs(board.camera_pitch_deg - floor.pitch_deg) <= BOARD_FLOOR_PITCH_TOL_DEG
        )
    cal = Calibration(
        station=station,
        kiosk_id=kiosk_id,
        camera_serial=camera_serial,
        camera_height_m=round(floor.camera_height_m, 4),
        camera_pitch_deg=round(floor.pitch_deg, 2),
        floor=FloorPlaneFit(
            normal=tuple(round(float(v), 6) for v in floor.normal),
            d_m=round(float(floor.d), 5),
            rms_mm=round(floor.rms_mm, 2),
            inlier_share=round(min(1.0, floor.inlier_share), 4),
        ),
        board=board,
        roi=_roi_from_board(det, last) if station == "gait" else None,
        created_at=(now or datetime.now(UTC)).replace(microsecond=0),
        app_version=__version__,
    )
    ok = all(checks.values())
    failed = [k for k, v in checks.items() if not v]
    return CalibrationResult(
        calibration=cal, ok=ok, checks=checks, reason=None if ok else "failed: " + ", ".join(failed)
    )


def remeasure_check(frames: Sequence[Frame], cal: Calibration | None) -> dict[str, Any]:
    """The staff re-measure: the board's printed square measured again, and this capture's
    floor against the saved calibration (`kiosk.pipeline.check_calibration`)."""
    frames = [f for f in frames if f.depth_m is not None]
    out: dict[str, Any] = {"ok": False, "tolerance_mm": SCALE_TOLERANCE_MM}
    if not frames:
        out["reason"] = "the camera gives no depth frames"
        return out
    board, _, reason = check_board(frames[-1])
    if board is None:
        out["reason"] = reason
        return out
    out["board"] = board.model_dump()
    out["ok"] = board.ok
    if cal is not None:
        try:
            floor = fit_station_floor(frames, cal.station)
        except InputError as exc:
            out.update(ok=False, reason=str(exc))
            return out
        out["calibration"] = check_calibration(floor, pipeline_calibration(cal))
        out["ok"] = out["ok"] and bool(out["calibration"]["ok"])
    return out
