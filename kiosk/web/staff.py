"""The staff area (PIN): camera health, calibration wizard, re-measure check, catalogue
and rules, QA mode. Locked after repeated wrong PINs."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from kiosk.errors import CatalogueError
from kiosk.store import utcnow
from kiosk.web.auth import STAFF_ROLES, login_user, logout_user, require_role
from kiosk.web.retail import _safe_next, authenticate

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff")
staff_only = require_role(STAFF_ROLES, "staff.login")

STAFF_ACCOUNT = "staff"  # the kiosk's shared staff PIN account
REMEASURE_TOLERANCE_MM = 1.0  # ±1 mm on a 40 mm square = 2.5 % scale error


def _svc() -> Any:
    return current_app.extensions["kiosk"]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error, minutes = None, 0
    if request.method == "POST":
        acct, why = authenticate(STAFF_ACCOUNT, request.form.get("pin", "")[:64], STAFF_ROLES)
        if acct is not None:
            login_user(acct)
            return redirect(_safe_next(request.args.get("next"), url_for("staff.home")))
        sec = _svc().config.security
        minutes = max(1, round(sec.pin_lockout_s / 60))
        error = {"locked": "staff.locked", "rate": "error.rate_limited"}.get(why, "staff.bad_pin")
        acct_row = _svc().store.get_account(STAFF_ACCOUNT)
        if acct_row and acct_row["locked_until"] and acct_row["locked_until"] > utcnow():
            error = "staff.locked"
        return render_template("staff_login.html", error=error, minutes=minutes), (
            429 if error != "staff.bad_pin" else 401
        )
    return render_template("staff_login.html", error=error, minutes=minutes)


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("shopper.welcome"))


@bp.get("/")
@staff_only
def home() -> Any:
    svc = _svc()
    from kiosk.web.shopper import qa_until

    until = qa_until(svc)
    return render_template(
        "staff_home.html",
        cameras=svc.cameras.status(),
        outbox=svc.store.outbox_size(),
        qa_until=datetime.fromtimestamp(until).strftime("%Y-%m-%d %H:%M") if until else None,
        qa_hours=int(svc.config.security.qa_mode_max_h),
        calibrations={s: read_wizard_result(svc, s) for s in ("standing", "gait")},
        store_error=svc.extra.get("store_error"),
    )


@bp.post("/qa")
@staff_only
def qa() -> Any:
    svc = _svc()
    if request.form.get("action") == "on":
        until = time.time() + svc.config.security.qa_mode_max_h * 3600
        svc.store.set_state("qa_mode_until", until)
        log.warning("QA mode on until %s", datetime.fromtimestamp(until).isoformat())
    else:
        svc.store.set_state("qa_mode_until", None)
        log.info("QA mode off")
    return redirect(url_for("staff.home"))


# --- calibration wizard --------------------------------------------------------------


def wizard_path(svc: Any, station: str) -> Path:
    return Path(svc.config.calibration_dir) / f"{svc.config.kiosk.kiosk_id}-{station}-board.json"


def read_wizard_result(svc: Any, station: str) -> dict | None:
    p = wizard_path(svc, station)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def load_station_calibration(svc: Any, station: str) -> Any:
    """The station's calibration for the pipeline (kiosk.calibration), None if none yet."""
    try:
        from kiosk.calibration import load_calibration
    except ImportError:
        return None
    path = Path(svc.config.calibration_dir) / f"{svc.config.kiosk.kiosk_id}-{station}.json"
    if not path.is_file():
        return None
    return load_calibration(path)


def _latest_frame(svc: Any, station: str) -> Any:
    cam = svc.cameras[station]
    frame, _ = cam.wait_frame(0 if cam.latest is None else cam.latest_seq - 1, timeout_s=5.0)
    return frame


def check_board(frame: Any) -> dict:
    """Board pose and depth scale for one frame: the numbers the wizard shows."""
    from kiosk.vision import board as bd

    out: dict[str, Any] = {"ok": False, "corners": 0}
    if frame is None or frame.color is None:
        out["reason"] = "no colour frame"
        return out
    det = bd.detect_board(frame.color, frame.intrinsics)
    if det is None:
        out["reason"] = "board not found"
        return out
    out.update(
        corners=det.n_corners,
        reprojection_px=round(det.reprojection_px, 2),
        camera_height_m=round(det.camera_height_m(), 3),
        camera_pitch_deg=round(det.camera_pitch_deg(), 1),
    )
    sq = bd.measured_square_mm(det, frame.depth_m, frame.intrinsics) if frame.has_depth else None
    out["square_mm"] = None if sq is None else round(sq, 2)
    out["square_expected_mm"] = bd.SQUARE_M * 1000
    out["scale_error_mm"] = None if sq is None else round(sq - bd.SQUARE_M * 1000, 2)
    out["ok"] = (
        det.reprojection_px < 2.0
        and sq is not None
        and abs(sq - bd.SQUARE_M * 1000) <= REMEASURE_TOLERANCE_MM
    )
    return out


@bp.route("/calibrate/<station>", methods=["GET", "POST"])
@staff_only
def calibrate(station: str) -> Any:
    svc = _svc()
    if station not in ("standing", "gait"):
        abort(404)
    result = None
    if request.method == "POST":
        result = check_board(_latest_frame(svc, station))
        result.update(
            station=station,
            schema="kiosk.board-check/1",
            measured_at=utcnow().isoformat(timespec="seconds"),
        )
        if result["ok"]:
            p = wizard_path(svc, station)
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
            os.replace(tmp, p)
    return render_template(
        "staff_calibrate.html",
        station=station,
        result=result,
        previous=read_wizard_result(svc, station),
    )


@bp.get("/board.<fmt>")
@staff_only
def board_file(fmt: str) -> Any:
    if fmt not in ("png", "pdf"):
        abort(404)
    from kiosk.vision.board import write_board_files

    d = Path(_svc().config.data_dir) / "board"
    png, pdf = write_board_files(d)
    return send_file(png if fmt == "png" else pdf, as_attachment=True)


@bp.route("/remeasure", methods=["GET", "POST"])
@staff_only
def remeasure() -> Any:
    svc = _svc()
    result = check_board(_latest_frame(svc, "standing")) if request.method == "POST" else None
    return render_template("staff_remeasure.html", result=result, tolerance=REMEASURE_TOLERANCE_MM)


# --- catalogue and rules -------------------------------------------------------------


@bp.route("/catalogue", methods=["GET", "POST"])
@staff_only
def catalogue() -> Any:
    from kiosk.advice.catalogue import CatalogueStore
    from kiosk.web.advice import catalogue_dir

    svc = _svc()
    cs = CatalogueStore(catalogue_dir(svc))
    message, problems = None, []
    code = 200
    if request.method == "POST":
        up = request.files.get("file")
        if up is None or not up.filename:
            abort(400)
        try:
            version = cs.import_bytes(
                up.read(svc.config.web.max_upload_bytes + 1), Path(up.filename).name
            )
            message = f"version {version}"
        except CatalogueError as exc:
            problems = [str(exc)]
            code = 400
    active = cs.active_version()
    n = len(cs.load()) if active else 0
    return render_template(
        "staff_catalogue.html", active=active, n=n, message=message, problems=problems
    ), code


@bp.route("/rules", methods=["GET", "POST"])
@staff_only
def rules() -> Any:
    from kiosk.advice import rules as rules_mod
    from kiosk.web.advice import rules_dir

    svc = _svc()
    rs = rules_mod.RulesStore(rules_dir(svc))
    problems: list[str] = []
    saved = False
    code = 200
    if request.method == "POST":
        text = request.form.get("rules", "")
        try:
            rs.import_bytes(text.encode(), "rules.json")
            saved = True
        except CatalogueError as exc:
            problems = [str(exc)]
            code = 400
    if rs.active_version():
        current = json.dumps(rs.read_payload()[1], indent=1, ensure_ascii=False)
    else:
        current = rules_mod.default_rules_path().read_text(encoding="utf-8")
    return render_template("staff_rules.html", text=current, problems=problems, saved=saved), code
