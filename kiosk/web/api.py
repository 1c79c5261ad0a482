"""The JSON API: the shopper pages' capture jobs, and the retailers' read-only API.

Shopper endpoints act on the visit in the signed session cookie (CSRF header required);
retailer endpoints take a per-retailer read-only bearer token and see only that retailer.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from flask import Blueprint, Response, abort, g, jsonify, request, session

from kiosk.capture.frame import Frame
from kiosk.capture.heel_strip import ContactLog, step_back_code
from kiosk.errors import CameraUnavailable, StepBack, TooFewSteps
from kiosk.i18n import error_message, guidance
from kiosk.store import stats, utcnow
from kiosk.web.auth import require_token
from kiosk.web.jobs import Job
from kiosk.web.queries import parse_filter, parse_grain
from kiosk.web.services import Services, lang, services
from kiosk.web.stations import load_station_calibration
from kiosk.web.visits import current_record, finish_walk, save

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _visit() -> Any:
    rec = current_record()
    if rec is None or not rec.consent:
        abort(409)
    return rec


@bp.post("/shopper/standing")
def start_standing() -> Any:
    svc = services()
    if svc.cameras is None:
        abort(404)
    rec = _visit()
    job = svc.jobs.start(Job("standing", rec.session_id), lambda j: run_standing(svc, j))
    return jsonify(job.public()), 202


@bp.post("/shopper/walk")
def start_walk() -> Any:
    svc = services()
    if svc.cameras is None:
        abort(404)
    rec = _visit()
    if rec.standing is None:
        abort(409)
    job = svc.jobs.start(Job("walk", rec.session_id), lambda j: run_walk(svc, j))
    return jsonify(job.public()), 202


@bp.get("/shopper/jobs/<job_id>")
def job_status(job_id: str) -> Any:
    svc = services()
    job = svc.jobs.get(job_id) if svc.jobs is not None else None
    if job is None or job.session_id != session.get("sid"):
        abort(404)
    body = job.public()
    if job.phase == "error":
        body["message"] = error_message(job.error_kind, lang())
    if svc.cameras is not None:
        station = "standing" if job.kind == "standing" else "gait"
        body["camera"] = svc.cameras[station].public_state()[0]
        body["guidance"] = guidance(_station_guidance(svc, station), lang())
    return jsonify(body)


@bp.get("/shopper/camera/<station>")
def camera_state(station: str) -> Any:
    """A station's state for the shopper screens; asking also keeps the camera warm."""
    svc = services()
    if svc.cameras is None or station not in svc.cameras.stations:
        abort(404)
    cam = svc.cameras[station]
    cam.touch()
    return jsonify(
        state=cam.public_state()[0],
        preparing=round(cam.preparing(), 3),
        guidance=guidance(_station_guidance(svc, station), lang()),
    )


def _station_guidance(svc: Services, station: str) -> str | None:
    if station == "standing":
        return standing_guidance(svc)
    return svc.extra.get(f"guidance_{station}")


def _calibration(svc: Services, station: str) -> Any:
    return load_station_calibration(svc, station)


STANDING_COLOR_EVERY = 5  # keep the colour image of every 5th standing frame


def standing_guidance(svc: Services) -> str | None:
    """The standing preview's guidance code. Where the heels are concerned the heel
    strip's word wins over the outline's (it knows; the camera infers); anything else
    the camera sees (no feet yet, one foot) comes first, so an empty mat never reads
    "step back"."""
    camera = svc.extra.get("guidance_standing")
    strip = svc.cameras.heel_strip
    state = strip.state() if strip is not None else None
    if state is None or (camera is not None and not camera.startswith("step_back")):
        return camera
    return step_back_code(*state)


def run_standing(svc: Services, job: Job) -> None:
    cfg = svc.config.capture
    cam = svc.cameras["standing"]
    cam.touch()
    strip = svc.cameras.heel_strip
    if strip is not None:
        # with a strip, the capture starts only while both heels press it; the shopper
        # reads which heel to move meanwhile (standing_guidance)
        strip.start()
        job.phase = "heels"
        code = strip.wait_pressed(cfg.heel_strip.wait_s, cancelled=lambda: job.cancelled)
        if job.cancelled:
            return
        if code is not None:
            raise StepBack("a heel did not reach the heel stop's strip", code=code)
    job.phase = "countdown"
    n = round(cfg.standing_countdown_s)
    for k in range(n, 0, -1):
        job.countdown = k
        time.sleep(cfg.standing_countdown_s / max(n, 1))
        if job.cancelled:
            return
    job.phase, job.countdown = "capturing", 0

    def progress(p: float, _frames: list) -> None:
        job.progress = 0.8 * p

    contact = ContactLog()
    # every frame's depth is fused; colour is read once (the models' input), so most
    # frames give theirs up at once instead of holding 1.2 MB each until analysed
    frames = cam.record(
        cfg.standing_capture_s, progress, thin=STANDING_COLOR_EVERY,
        on_frame=(lambda _f: contact.add(strip.state())) if strip is not None else None,
    )
    if (code := contact.verdict()) is not None:
        raise StepBack("a heel left the heel stop's strip during the capture", code=code)
    job.phase, job.progress = "analysing", 0.85
    rec = _record_of(svc, job)
    report = svc.analysis.analyze_standing(
        frames, calibration=_calibration(svc, "standing"), **_advice_kw(rec)
    )
    if job.cancelled:
        return
    rec = _record_of(svc, job)
    if rec is None:
        return
    if rec.qa:
        keep_qa_recording(svc, job.session_id, frames)
    save(svc, rec, standing=report.to_dict(), standing_at=utcnow())


WALK_PREPARE_TIMEOUT_S = 180.0  # the simulated treadmill pre-renders for tens of seconds
# The live step counter: the cadence of the newest few seconds times the time walked.
# Measuring a window costs as much CPU as the walk's own analysis of those frames, so it
# is refreshed rarely, and never while that analysis is behind.
STEP_WINDOW_S = 3.0
STEP_EVERY_S = 10.0
STEP_MAX_BACKLOG = 15  # frames waiting for the walk's analysis


def run_walk(svc: Services, job: Job) -> None:
    """Record the walk while the pipeline measures it, frame by frame, in a second thread;
    when the walk ends only the last frames and the aggregation are left to do."""
    cfg = svc.config.capture
    cam = svc.cameras["gait"]
    calibration = _calibration(svc, "gait")
    kw = _advice_kw(_record_of(svc, job))

    def preparing(p: float) -> None:
        job.preparing = p
        if job.cancelled:
            raise CameraUnavailable("cancelled")

    job.phase = "preparing"
    cam.wait_ready(WALK_PREPARE_TIMEOUT_S, preparing)
    if job.cancelled:
        return
    job.phase, job.preparing = "capturing", 1.0

    frames_q: queue.SimpleQueue = queue.SimpleQueue()
    # the step counter's window: depth only, in millimetres (a quarter of a full frame)
    recent: collections.deque = collections.deque(maxlen=int(STEP_WINDOW_S * 30))
    outcome: dict[str, Any] = {}

    def stream() -> Any:
        while (frame := frames_q.get()) is not None:
            yield frame

    def analyse() -> None:
        try:
            outcome["report"] = svc.analysis.analyze_gait(stream(), calibration=calibration, **kw)
        except Exception as exc:  # re-raised in the job thread, which reports it
            outcome["error"] = exc
        finally:
            outcome["done"] = True

    def on_frame(frame: Any) -> None:
        if "done" not in outcome:  # the analysis stopped early: stop feeding it
            frames_q.put(frame)
        if frame.depth_m is not None:
            recent.append((frame.number, frame.timestamp_s, frame.intrinsics,
                           np.rint(frame.depth_m * 1000).astype(np.uint16)))

    started = time.monotonic()
    cadence: dict[str, float] = {}

    def progress(p: float, _frames: list) -> None:
        job.progress = 0.9 * p
        job.remaining_s = cfg.walk_duration_s * (1 - p)
        if "error" in outcome:  # e.g. no belt in view: say so now, not after the walk
            raise outcome["error"]
        if job.cancelled:
            raise CameraUnavailable("cancelled")
        now = time.monotonic()
        if cadence:
            job.steps = round(cadence["spm"] * (now - started) / 60)
        due = now - cadence.get("at", started) >= (STEP_EVERY_S if cadence else STEP_WINDOW_S)
        if due and len(recent) > 30 and frames_q.qsize() <= STEP_MAX_BACKLOG:
            try:
                window = svc.analysis.analyze_gait(
                    (Frame(n, t, i, d.astype(np.float32) / 1000) for n, t, i, d in list(recent)),
                    recommendations=False, pose=False)
                cadence.update(spm=window.cadence_spm or 0.0, at=now)
            except TooFewSteps:
                cadence["at"] = now

    worker = threading.Thread(target=analyse, name="walk-analysis", daemon=True)
    worker.start()
    svc.cameras.pause_except("gait")  # the mat's camera is not needed while walking
    try:
        cam.record(cfg.walk_duration_s, progress, on_frame=on_frame, keep=False)
    finally:
        frames_q.put(None)
        job.phase, job.progress, job.remaining_s = "analysing", 0.92, 0.0
        worker.join()
        job.marks["analysed"] = round(time.time(), 3)
    if "error" in outcome:
        raise outcome["error"]
    report = outcome["report"]
    job.steps = report.steps
    if job.cancelled:
        return
    rec = _record_of(svc, job)
    if rec is None:
        return
    # the first walk, or a before/after try (kiosk.web.tries)
    finish_walk(svc, rec, report.to_dict())
    job.marks["saved"] = round(time.time(), 3)


def _advice_kw(rec: Any) -> dict[str, Any]:
    """The shopper's size chart and language for the report; the web recommends from the
    store's own catalogue afterwards (kiosk.web.advice), so the pipeline need not."""
    kw: dict[str, Any] = {"recommendations": False}
    if rec is not None:
        kw.update(sex=rec.sex, lang=rec.lang)
    return kw


def _record_of(svc: Services, job: Job) -> Any:
    # a copy held in memory (the disk was full) is newer than the stored row
    return svc.extra.get("unsaved", {}).get(job.session_id) or svc.store.get_session(job.session_id)


def keep_qa_recording(svc: Services, session_id: str, frames: list) -> None:
    """QA mode only: the capture's frames, kept until the QA retention expires."""
    qa_dir = Path(svc.config.data_dir) / "qa"
    qa_dir.mkdir(parents=True, exist_ok=True)
    path = qa_dir / f"{session_id}.npz"
    depth = (
        np.stack([f.depth_m for f in frames if f.depth_m is not None])
        if any(f.depth_m is not None for f in frames)
        else np.zeros((0,))
    )
    np.savez_compressed(path, depth_m=depth)
    svc.store.add_qa_recording(
        session_id, str(path), utcnow() + timedelta(hours=svc.config.store.qa_recording_retention_h)
    )


# --- retailer read-only API ---------------------------------------------------------


@bp.get("/retail/dashboard")
@require_token("retailer")
def retail_dashboard() -> Any:
    f = parse_filter(request.args, g.token["retailer_id"])
    return jsonify(
        filter={
            "from": f.date_from.isoformat(),
            "to": f.date_to.isoformat(),
            "stores": list(f.store_ids),
        },
        **stats.dashboard(services().store, f, parse_grain(request.args)),
    )


@bp.get("/retail/stock.csv")
@require_token("retailer")
def retail_stock_csv() -> Any:
    f = parse_filter(request.args, g.token["retailer_id"])
    return Response(stats.stock_csv(services().store, f), mimetype="text/csv")


@bp.get("/retail/sessions.csv")
@require_token("retailer")
def retail_csv() -> Any:
    f = parse_filter(request.args, g.token["retailer_id"])
    return Response(stats.export_csv(services().store, f), mimetype="text/csv")
