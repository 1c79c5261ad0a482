"""The analysis pipeline: frames in, `kiosk.report/1` out, every stage timed.

The CLI, the web app and the tests call these functions; none of them computes a
measurement itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

import cv2
import numpy as np

from kiosk import __version__
from kiosk.advice.catalogue import load_sample_catalogue
from kiosk.advice.classes import arch_class, gait_for_cadence, rolling_class
from kiosk.advice.recommend import recommend
from kiosk.advice.rules import load_rules
from kiosk.advice.sizes import pair_sizes
from kiosk.capture.frame import Frame
from kiosk.errors import InputError, KioskError
from kiosk.report import (
    FloorFigures,
    GaitFoot,
    GaitReport,
    StandingFoot,
    StandingReport,
    StepTimes,
)
from kiosk.vision.gait import analyze_gait_frames, require_steps
from kiosk.vision.learned import kiosk_models, standing_with_models
from kiosk.vision.pose import PoseEstimator
from kiosk.vision.standing import analyze_standing_frames
from kiosk.vision.video_gait import gait_from_track, no_person_block, track_pose

log = logging.getLogger(__name__)

STANDING_MAX_FRAMES = 60  # ~2 s at 30 fps


def _round(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _models(models):
    """"auto": the shipped models (loaded once; a missing or corrupt file raises ModelError
    naming it), None: geometry only, or a LearnedModels."""
    if models == "auto":
        return kiosk_models()
    return models


def _method(models) -> dict:
    if models is None:
        return {"method": "geometry"}
    return {"method": "geometry+models", "models": models.versions()}


def _recommend(standing: dict | None, gait: dict | None, lang: str, sex: str | None) -> list:
    out = recommend(standing, gait, load_sample_catalogue(), load_rules(), lang=lang, sex=sex)
    return out.get("items", []) if isinstance(out, dict) else list(out)


def _middle_color(frames: list[Frame]) -> np.ndarray | None:
    """The colour image nearest the capture's middle (a capture may thin colour out)."""
    mid = len(frames) // 2
    nearest = sorted(range(len(frames)), key=lambda k: abs(k - mid))
    return next((frames[k].color for k in nearest if frames[k].color is not None), None)


def analyze_standing(frames: Iterable[Frame], calibration: dict | None = None,
                     sex: str | None = None, lang: str = "en",
                     recommendations: bool = True, models="auto") -> StandingReport:
    """Standing report from a capture's frames (fused), with sizes and classes.

    With the learned models (`models`, see `_models`), each figure is geometry and the
    foot estimator fused by inverse variance where that was shown to help (the models'
    cards say which); otherwise geometry's.
    """
    models = _models(models)
    frames = list(islice(frames, STANDING_MAX_FRAMES))
    color = _middle_color(frames)
    pending: dict[str, Future] = {}
    pool = ThreadPoolExecutor(1, thread_name_prefix="standing-seg") if models else None

    def segment_beside(fused: np.ndarray, floor, window: tuple[slice, slice]) -> None:
        # the learned segmentation needs only the fused depth and the floor: it runs on
        # a second core while the geometry finds the stop and measures the feet
        pending["seg"] = pool.submit(models.standing_seg, fused, color,
                                     frames[0].intrinsics, floor, window)

    try:
        result = analyze_standing_frames(frames, on_floor=segment_beside if pool else None)
        figures = {side: {"length_mm": m.length_mm, "width_mm": m.width_mm,
                          "arch_height_mm": m.arch_height_mm,
                          "arch_height_index": m.arch_height_index}
                   for side, m in result.feet.items()}
        timings = dict(result.timings_ms)
        if models is not None:
            t = time.perf_counter()
            seg = pending["seg"].result()
            waited_ms = (time.perf_counter() - t) * 1e3
            lm = standing_with_models(result, color, frames[0].intrinsics, models, seg=seg)
            for side, out in lm["feet"].items():
                figures[side] = out["fused"]
            timings.update({f"models_{k}": v for k, v in lm["timings_ms"].items()})
            timings["models_segmentation"] = sum(seg.timings_ms.values())
            timings["models_segmentation_wait"] = waited_ms
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    feet = {}
    for side, m in result.feet.items():
        fig = figures[side]
        foot = StandingFoot(
            length_mm=_round(fig["length_mm"]),
            width_mm=_round(fig["width_mm"]),
            arch_height_mm=_round(fig["arch_height_mm"]),
            arch_height_index=_round(fig["arch_height_index"], 3),
            confidence=round(float(m.confidence), 2),
            heel_gap_mm=_round(m.heel_gap_mm),
            axis_deg=_round(m.axis_deg),
        )
        foot.arch_class = arch_class(foot.arch_height_index, foot.confidence)
        foot.arch_type = foot.arch_class["label"]
        feet[side] = foot
    report = StandingReport(
        feet=feet,
        size=pair_sizes(feet["left"].to_dict(), feet["right"].to_dict(), sex),
        floor=FloorFigures(
            camera_height_m=round(result.floor.camera_height_m, 3),
            camera_pitch_deg=round(result.floor.pitch_deg, 1),
            plane_rms_mm=round(result.floor.rms_mm, 2),
        ),
        heel_stop_height_m=round(result.stop["height_m"], 3),
        frames=len(frames),
        timings_ms={k: round(v, 1) for k, v in timings.items()},
        versions={"app": __version__, **_method(models)},
    )
    if calibration:
        report.calibration_check = check_calibration(result.floor, calibration)
    if recommendations:
        report.recommendations = _recommend(report.to_dict(), None, lang, sex)
    return report


# A single preview frame is ~3x noisier than the fused 2 s capture (whose own check, at
# HEEL_ASYMMETRY_TOLERANCE_M, decides "step back"), so the live hint waits for a clear gap.
PREVIEW_GAP_GUIDANCE_MM = 30.0
POSE_STRIDE = 4  # every 4th colour frame goes to the pose stage (≈ 11 ms each)


def analyze_gait(frames: Iterable[Frame], calibration: dict | None = None,
                 sex: str | None = None, lang: str = "en", recommendations: bool = True,
                 fps: float | None = None, pose: bool = True,
                 models="auto") -> GaitReport:
    """Gait report from a treadmill walk's depth frames (and its colour, for the body chain).

    With `pose`, MediaPipe looks at every POSE_STRIDE-th colour frame; where it sees the
    whole body the report's `pose` block holds knee and hip alignment at the depth
    pipeline's mid-stances, and where it sees legs only it says so (depth figures are
    never held up by it).
    """
    models = _models(models)
    body = _PoseWorker() if pose else None

    def tee(it: Iterable[Frame]):
        for k, f in enumerate(it):
            if body is not None and f.color is not None and k % POSE_STRIDE == 0:
                body.put(Frame(f.number, f.timestamp_s, f.intrinsics, None, f.color))
            yield f

    try:
        result = analyze_gait_frames(tee(frames), fps=fps, models=models)
    finally:
        track = body.finish() if body is not None else None
    require_steps(result)
    feet = {}
    for side, tr in result.feet.items():
        peaks = tr.step_peaks_deg
        measured = np.isfinite(tr.angle_deg).mean() if len(tr.angle_deg) else 0.0
        spread = float(np.std(peaks)) if len(peaks) > 1 else 10.0
        conf = float(np.clip(measured * min(len(peaks) / 6, 1.0) * np.exp(-spread / 8), 0, 1))
        feet[side] = GaitFoot(
            peak_eversion_deg=_round(float(np.mean(peaks))) if peaks else None,
            steps=len(tr.heel_strikes),
            confidence=round(conf, 2),
            step_times=StepTimes(
                peaks_deg=[round(p, 1) for p in peaks],
                heel_strikes_s=[round(float(result.times_s[k]), 3) for k in tr.heel_strikes],
                toe_offs_s=[round(float(result.times_s[k]), 3) for k in tr.toe_offs],
                rearfoot_curve_deg=_cycle_curve(tr, result.fps),
            ),
        )
    report = GaitReport(
        feet=feet,
        cadence_spm=_round(result.cadence_spm),
        frames=result.n_frames,
        fps=round(result.fps, 2),
        floor=FloorFigures(
            camera_height_m=round(result.floor.camera_height_m, 3),
            camera_pitch_deg=round(result.floor.pitch_deg, 1),
        ),
        timings_ms={k: round(v, 2) for k, v in result.timings_ms.items()},
        versions={"app": __version__, **_method(models)},
    )
    if body is not None:
        report.pose = body.alignment(track, feet)
    classify_gait(report)
    if calibration:
        report.calibration_check = check_calibration(result.floor, calibration)
    if recommendations:
        report.recommendations = _recommend(None, report.to_dict(), lang, sex)
    return report


def classify_gait(report: GaitReport) -> GaitReport:
    """Walking or running from the cadence, and each foot's rolling class at those cut-offs
    (kiosk.advice.classes); in place, returned."""
    report.gait = report.gait or gait_for_cadence(report.cadence_spm)
    for foot in report.feet.values():
        foot.rolling_class = rolling_class(foot.peak_eversion_deg, report.gait, foot.confidence)
        foot.rolling = foot.rolling_class["label"]
    return report


POSE_QUEUE_FRAMES = 16  # colour frames waiting for MediaPipe; more are dropped, not kept


class _PoseWorker:
    """MediaPipe on a second thread while the depth analysis runs, so the body chain is
    ready when the walk ends instead of being computed after it. When MediaPipe falls
    behind, frames are dropped (and counted): the depth figures never wait for it."""

    def __init__(self) -> None:
        self._q: queue.Queue = queue.Queue(maxsize=POSE_QUEUE_FRAMES)
        self.dropped = 0
        self._track = None
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="pose", daemon=True)
        self._thread.start()

    def _frames(self):
        while (f := self._q.get()) is not None:
            yield f
        self._eof = True

    def _run(self) -> None:
        self._eof = False
        try:
            estimator = PoseEstimator(None)
            try:
                self._track = track_pose(self._frames(), estimator)
            finally:
                estimator.close()
        except Exception as e:  # the pose stage must never sink the depth figures
            log.warning("pose stage failed: %s", e)
            self._error = f"pose stage failed: {e}"
        finally:
            while not self._eof and self._q.get() is not None:
                pass  # keep taking frames so the depth analysis never blocks on put()

    def put(self, frame: Frame) -> None:
        try:
            self._q.put_nowait(frame)
        except queue.Full:
            self.dropped += 1

    def finish(self):
        self._q.put(None)
        if self.dropped:
            log.info("pose stage: %d colour frames dropped (MediaPipe behind)", self.dropped)
        self._thread.join()
        return self._track

    def alignment(self, track, feet: dict[str, GaitFoot]) -> dict:
        if track is None or not track.found.any():
            return no_person_block(self._error or "no person found")
        events = {side: {"heel_strikes_s": f.step_times.heel_strikes_s,
                         "toe_offs_s": f.step_times.toe_offs_s}
                  for side, f in feet.items() if f.step_times is not None}
        block, _ = gait_from_track(track, view="rear", events_s=events)
        return block


def _cycle_curve(tr, fps: float, samples: int = 101) -> list | None:
    """Mean rearfoot angle over the gait cycle (heel strike to heel strike), 101 samples."""
    curves = []
    for a, b in zip(tr.heel_strikes, tr.heel_strikes[1:], strict=False):
        seg = tr.angle_deg[a:b]
        ok = np.isfinite(seg)
        if ok.sum() < 5:
            continue
        x = np.linspace(0, 1, len(seg))
        curves.append(np.interp(np.linspace(0, 1, samples), x[ok], seg[ok]))
    if not curves:
        return None
    return [round(float(v), 2) for v in np.mean(curves, axis=0)]


def check_calibration(floor, calibration: dict, height_tol_m: float = 0.03,
                      pitch_tol_deg: float = 3.0) -> dict:
    """Does this capture's floor agree with the staff calibration of the station?"""
    try:
        h = float(calibration["camera_height_m"])
        p = float(calibration["camera_pitch_deg"])
    except (KeyError, TypeError, ValueError):
        raise InputError("calibration file lacks camera_height_m / camera_pitch_deg") from None
    dh = floor.camera_height_m - h
    dp = floor.pitch_deg - p
    return {
        "height_error_m": round(dh, 3),
        "pitch_error_deg": round(dp, 2),
        "ok": abs(dh) <= height_tol_m and abs(dp) <= pitch_tol_deg,
    }


@dataclass(frozen=True)
class PreviewOutline:
    """What the live preview paints over a colour frame: the feet's outlines as a layer."""

    mask: np.ndarray  # HxW bool: the outline's pixels
    pixels: np.ndarray  # (mask.sum(), 3) uint8: their colours

    def draw(self, image: np.ndarray) -> np.ndarray:
        """`image` (HxWx3) with the outline on it; unchanged if its size differs."""
        if image.shape[:2] != self.mask.shape:
            return image
        out = np.array(image, copy=True)
        out[self.mask] = self.pixels
        return out


PREVIEW_COLOURS = {"left": (60, 200, 255), "right": (255, 170, 40)}


def preview_outline(frame: Frame) -> tuple[PreviewOutline | None, str | None]:
    """The feet outlined as a layer for the live preview, and a guidance code for the
    shopper (or None; codes as kiosk.errors.CODES: the web translates them)."""
    try:
        res = analyze_standing_frames([frame], check_heels=False)
    except KioskError as e:
        return None, e.code
    guidance = None
    h, w = frame.intrinsics.height, frame.intrinsics.width
    layer = np.zeros((h, w, 3), np.uint8)  # the outline colours are never black
    for side, mask in res.foot_masks.items():
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(layer, contours, -1, PREVIEW_COLOURS[side], 3)
        gap = res.feet[side].heel_gap_mm
        if gap is not None and gap > PREVIEW_GAP_GUIDANCE_MM:
            guidance = "step_back_both" if guidance else f"step_back_{side}"
    mask = layer.any(axis=2)
    return PreviewOutline(mask, layer[mask]), guidance
