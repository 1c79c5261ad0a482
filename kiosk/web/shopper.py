"""The shopper flow: welcome → privacy and consent → standing → walk → results → QR.

No login and no identity: the visit is an anonymous session record, saved (and queued for
HQ) at every stage so the funnel is counted even when a shopper walks away. Captures run
as background jobs (kiosk.web.jobs); these views only render and record.
"""

from __future__ import annotations

import functools
import io
import logging
import time
from datetime import timedelta
from typing import Any

import cv2
import segno
from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from kiosk import __version__
from kiosk.advice.answers import answers_from_form
from kiosk.advice.present import default_chart, stance_chart
from kiosk.errors import ConfigError
from kiosk.security import StreamSlots, new_token
from kiosk.store import SessionRecord, new_record, utcnow
from kiosk.store.db import StoreUnavailable
from kiosk.store.jobs import send_soon
from kiosk.web.advice import plan_for
from kiosk.web.jobs import PreviewOverlay
from kiosk.web.services import Services, services
from kiosk.web.visits import (
    current_record,
    finish_results,
    qa_until,
    require_record,
    save,
    summary_url,
)

log = logging.getLogger(__name__)

bp = Blueprint("shopper", __name__)

SEXES = ("female", "male")
# A preview whose camera sends nothing this long ends: a stream that never writes would
# never notice its viewer has gone, and would hold a server thread for nothing.
PREVIEW_NO_FRAME_END_S = 10.0


@bp.get("/")
def welcome() -> Any:
    svc = services()
    rec = current_record()
    if rec is not None and rec.ended_at is None:
        save(svc, rec, ended_at=utcnow())  # the idle timeout brought us back: close it
    session.pop("sid", None)
    return render_template("welcome.html")


@bp.post("/lang")
def set_lang() -> Any:
    value = request.form.get("lang", "")
    if value in services().config.kiosk.languages:
        session["lang"] = value
    return redirect(url_for("shopper.welcome"))


@bp.post("/start")
def start() -> Any:
    svc = services()
    cfg = svc.config
    lang = session.get("lang") or cfg.kiosk.default_language
    rec = new_record(
        kiosk_id=cfg.kiosk.kiosk_id,
        store_id=cfg.kiosk.store_id,
        retailer_id=cfg.kiosk.retailer_id,
        lang=lang,
        app_version=__version__,
        model_versions=svc.analysis.model_versions(),
    )
    save(svc, rec)
    session["sid"] = rec.session_id
    return redirect(url_for("shopper.privacy"))


@bp.get("/privacy")
def privacy() -> Any:
    require_record()
    svc = services()
    return render_template(
        "privacy.html",
        qa=qa_until(svc) is not None,
        days=svc.config.store.retention_days,
        hours=int(svc.config.store.qa_recording_retention_h),
    )


@bp.post("/consent")
def consent() -> Any:
    svc = services()
    rec = require_record()
    if request.form.get("choice") != "agree":
        save(svc, rec, ended_at=utcnow())
        session.pop("sid", None)
        return redirect(url_for("shopper.welcome"))
    sex = request.form.get("sex")
    save(
        svc,
        rec,
        consent=True,
        consent_at=utcnow(),
        qa=qa_until(svc) is not None,
        sex=sex if sex in SEXES else None,
    )
    # Start both cameras now: the treadmill's may take a while to come up (the simulator
    # pre-renders strides), and the shopper spends that time on the mat.
    for station in ("standing", "gait"):
        svc.cameras[station].touch()
    return redirect(url_for("shopper.questions"))


@bp.get("/questions")
def questions() -> Any:
    rec = require_record("questions")
    return render_template("questions.html", answers=rec.answers)


@bp.post("/questions")
def answer_questions() -> Any:
    """The optional questionnaire: its codes stored with the visit, or nothing if skipped."""
    svc = services()
    rec = require_record("questions")
    if request.form.get("choice") == "skip":
        answers = None
    else:
        answers = answers_from_form(request.form.to_dict(flat=False))
        answers = None if answers.is_empty() else answers
    save(svc, rec, answers=answers)
    return redirect(url_for("shopper.standing"))


@bp.get("/standing")
def standing() -> Any:
    require_record("standing")
    return render_template("standing.html")


@bp.get("/walk")
def walk() -> Any:
    rec = require_record("walk")
    if rec.standing is None:
        return redirect(url_for("shopper.standing"))
    return render_template("walk.html")


@bp.post("/walk/skip")
def skip_walk() -> Any:
    svc = services()
    rec = require_record("walk")
    rec = finish_results(svc, rec)
    return redirect(url_for("shopper.results"))


def size_chart(svc: Services, rec: SessionRecord) -> str:
    """The size chart the shopper picked on the results screen, else the store's default."""
    chosen = session.get("chart")
    if session.get("chart_sid") == rec.session_id and chosen in svc.config.kiosk.size_systems:
        return chosen
    return default_chart(svc.config.kiosk.size_systems, rec.lang)


@bp.post("/results/chart")
def set_chart() -> Any:
    """The shopper picks the size chart they shop in: the suggestions are asked for in it."""
    svc = services()
    rec = require_record("results")
    chart = request.form.get("chart", "")
    if chart in svc.config.kiosk.size_systems and rec.standing is not None:
        session["chart"], session["chart_sid"] = chart, rec.session_id
        finish_results(svc, rec, chart)
    return redirect(url_for("shopper.results") + "#recommendations")


@bp.get("/results")
def results() -> Any:
    rec = require_record("results")
    if rec.standing is None:
        return redirect(url_for("shopper.standing"))
    svc = services()
    unsaved = svc.extra.get("unsaved", {}).get(rec.session_id) is not None
    qr_svg = None
    link = session.get("qr_link")
    public_url = svc.config.web.public_url
    if link and public_url and session.get("qr_sid") == rec.session_id:
        qr_svg = qr_code_svg(summary_url(public_url, link))
    return render_template(
        "results.html",
        rec=rec,
        chart=size_chart(svc, rec),
        heel_chart=stance_chart(rec.gait),
        qr_svg=qr_svg,
        # a link needs the visit stored: none while the disk is full
        qr_offered=bool(svc.config.web.public_url) and not unsaved,
        hours=int(svc.config.web.summary_link_ttl_s // 3600),
        store_error=unsaved,
        plan_for=functools.partial(plan_for, svc, rec),
    )


def qr_code_svg(url: str) -> str:
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, nl=False
    )
    return buf.getvalue().decode()


@bp.post("/qr")
def make_qr() -> Any:
    svc = services()
    rec = require_record("results")
    if not svc.config.web.public_url:
        abort(404)  # no address a phone could open: the button is not shown
    link = new_token()
    expires = utcnow() + timedelta(seconds=svc.config.web.summary_link_ttl_s)
    try:
        svc.store.add_summary_link(link, rec.session_id, expires)
    except StoreUnavailable:
        abort(503)
    save(svc, rec, qr_at=rec.qr_at or utcnow())
    session["qr_link"], session["qr_sid"] = link, rec.session_id
    try:
        svc.extra["qr_push"] = send_soon(svc.config, svc.store)
    except ConfigError as exc:  # no HQ token: staff see it in camera health
        log.error("QR link not sent to HQ: %s", exc)
    return redirect(url_for("shopper.results") + "#qr")


@bp.post("/finish")
def finish() -> Any:
    svc = services()
    rec = current_record()
    if rec is not None:
        save(svc, rec, ended_at=utcnow())
    for k in ("sid", "qr_link", "qr_sid"):
        session.pop(k, None)
    return redirect(url_for("shopper.welcome"))


def overlay_for(svc: Services, station: str) -> Any:
    """The station's preview overlay worker (one per station, made on first use)."""
    overlays = svc.extra.setdefault("overlays", {})
    if station not in overlays:
        overlays[station] = PreviewOverlay(svc.analysis, busy=svc.jobs.analysing)
    return overlays[station]


@bp.get("/preview/<station>.mjpg")
def preview(station: str) -> Any:
    """MJPEG of the station camera at the camera's rate; on the mat, the pipeline's outline
    of the feet (and its guidance for the page's poll) drawn on by a worker thread."""
    svc = services()
    if station not in svc.cameras.stations:
        abort(404)
    slots = preview_slots(svc)
    client = request.remote_addr or "?"
    if not slots.acquire(client):
        abort(429)  # every other request must still find a free thread
    cam = svc.cameras[station]
    fps = svc.config.web.preview_fps
    # the pipeline has no treadmill preview yet: the walk screen shows the camera as is
    overlay = overlay_for(svc, station) if station == "standing" else None
    max_s = 600.0

    def frames() -> Any:
        seq, t_end = 0, time.monotonic() + max_s
        last_frame = time.monotonic()
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            frame, seq = cam.wait_frame(seq, timeout_s=2.0)
            if frame is None or frame.color is None:
                if t0 - last_frame > PREVIEW_NO_FRAME_END_S:
                    return  # nothing to show: give the thread (and the slot) back
                continue
            last_frame = t0
            image = frame.color
            if overlay is not None:
                overlay.offer(frame)
                image = overlay.draw(frame)
                svc.extra[f"guidance_{station}"] = overlay.guidance
            ok, jpg = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 70])
            if not ok:
                continue
            yield (
                b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                + str(len(jpg)).encode()
                + b"\r\n\r\n"
                + jpg.tobytes()
                + b"\r\n"
            )
            time.sleep(max(0.0, 1.0 / fps - (time.monotonic() - t0)))

    resp = Response(
        frames(),
        mimetype="multipart/x-mixed-replace; boundary=frame",
        headers={"Cache-Control": "no-store"},
    )
    resp.call_on_close(lambda: slots.release(client))
    return resp


def preview_slots(svc: Services) -> StreamSlots:
    slots = svc.extra.get("preview_slots")
    if slots is None:
        web = svc.config.web
        slots = svc.extra.setdefault(
            "preview_slots", StreamSlots(web.preview_streams_max, web.preview_streams_per_client)
        )
    return slots
