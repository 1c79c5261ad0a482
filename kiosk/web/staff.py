"""The staff area (PIN): camera health, calibration wizard, re-measure check, catalogue
and rules, QA mode. Locked after repeated wrong PINs."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from kiosk.advice import rules as rules_mod
from kiosk.advice.catalogue import CatalogueStore
from kiosk.calibration import (
    SCALE_TOLERANCE_MM,
    CalibrationError,
    calibrate_station,
    remeasure_check,
    save_calibration,
)
from kiosk.config import read_secret
from kiosk.errors import CameraUnavailable, CatalogueError
from kiosk.vision.board import write_board_files
from kiosk.web.advice import catalogue_dir, rules_dir
from kiosk.web.auth import (
    STAFF_ROLES,
    authenticate,
    change_own_secret,
    login_user,
    logout_user,
    require_role,
    safe_next,
)
from kiosk.web.services import Services, services
from kiosk.web.stations import (
    read_station_calibration,
    station_calibration_path,
)
from kiosk.web.visits import qa_until

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff")
staff_only = require_role(STAFF_ROLES, "staff.login")

STAFF_ACCOUNT = "staff"  # the kiosk's shared staff PIN account


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error, minutes = None, 0
    if request.method == "POST":
        acct, why = authenticate(STAFF_ACCOUNT, request.form.get("pin", "")[:64], STAFF_ROLES)
        if acct is not None:
            login_user(acct)
            return redirect(safe_next(request.args.get("next"), url_for("staff.home")))
        # a PIN refused while the account waits out a delay reads as any wrong PIN
        error = "error.rate_limited" if why == "rate" else "staff.bad_pin"
        return render_template("staff_login.html", error=error, minutes=minutes), (
            429 if why == "rate" else 401
        )
    return render_template("staff_login.html", error=error, minutes=minutes)


@bp.route("/pin", methods=["GET", "POST"])
@staff_only
def pin() -> Any:
    """The signed-in staff account's new PIN (admin: password); every session ends."""
    problem, changed = None, False
    if request.method == "POST":
        problem = change_own_secret(STAFF_ROLES)
        changed = problem is None
    return render_template("staff_pin.html", problem=problem, changed=changed), (
        400 if problem else 200
    )


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("shopper.welcome"))


@bp.get("/")
@staff_only
def home() -> Any:
    svc = services()
    until = qa_until(svc)
    return render_template(
        "staff_home.html",
        cameras=svc.cameras.status(),
        heel_strip=svc.cameras.heel_strip.status() if svc.cameras.heel_strip else None,
        outbox=svc.store.outbox_size(),
        qa_until=datetime.fromtimestamp(until).strftime("%Y-%m-%d %H:%M") if until else None,
        qa_hours=int(svc.config.security.qa_mode_max_h),
        calibrations={s: read_station_calibration(svc, s) for s in ("standing", "gait")},
        store_error=svc.extra.get("store_error"),
        qr_link=qr_link_status(svc.config),
        models_error=getattr(svc.analysis, "models_error", None),
    )


QR_LINK_CHECK_TIMEOUT_S = 2.0


def qr_link_status(config: Any) -> tuple[str, str]:
    """(string key, reason) for the staff page: does the QR codes' address answer?
    Checked from the kiosk, which sees the store network much as a phone on it does."""
    base = config.web.public_url
    if not base:
        return "staff.qr_link_off", ""
    via_hq = bool(config.hq.url) and base.startswith(config.hq.url.rstrip("/"))
    if via_hq and not read_secret("KIOSK_HQ_TOKEN", config.hq.token_file or None):
        return "staff.qr_link_bad", "no HQ token: links cannot reach HQ"
    url = base.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(url, timeout=QR_LINK_CHECK_TIMEOUT_S):
            return "staff.qr_link_ok", ""
    except urllib.error.HTTPError as exc:
        return "staff.qr_link_bad", f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return "staff.qr_link_bad", str(getattr(exc, "reason", exc))[:120]


@bp.post("/qa")
@staff_only
def qa() -> Any:
    svc = services()
    if request.form.get("action") == "on":
        until = time.time() + svc.config.security.qa_mode_max_h * 3600
        svc.store.set_state("qa_mode_until", until)
        log.warning("QA mode on until %s", datetime.fromtimestamp(until).isoformat())
    else:
        svc.store.set_state("qa_mode_until", None)
        log.info("QA mode off")
    return redirect(url_for("staff.home"))


# --- calibration wizard --------------------------------------------------------------

CALIBRATION_CAPTURE_S = 1.0  # ~15 frames: enough to median-fuse the floor's depth


def _capture(svc: Services, station: str, seconds: float = CALIBRATION_CAPTURE_S) -> list:
    try:
        return svc.cameras[station].record(seconds)
    except CameraUnavailable as exc:
        log.info("calibration capture on %s: %s", station, exc)
        return []


@bp.route("/calibrate/<station>", methods=["GET", "POST"])
@staff_only
def calibrate(station: str) -> Any:
    svc = services()
    if station not in ("standing", "gait"):
        abort(404)
    result, saved, code = None, None, 200
    if request.method == "POST":
        result = calibrate_station(
            _capture(svc, station),
            station,
            kiosk_id=svc.config.kiosk.kiosk_id,
            camera_serial=_camera_serial(svc, station),
        )
        if result.ok and result.calibration is not None:
            try:
                saved = save_calibration(result.calibration, station_calibration_path(svc, station))
            except CalibrationError as exc:
                result = result.model_copy(update={"ok": False, "reason": str(exc)})
                code = 500
    previous, previous_error = read_station_calibration(svc, station)
    return render_template(
        "staff_calibrate.html",
        station=station,
        result=result,
        saved=saved,
        previous=previous,
        previous_error=previous_error,
    ), code


def _camera_serial(svc: Services, station: str) -> str | None:
    cfg = svc.config.capture
    serial = (cfg.standing_camera if station == "standing" else cfg.gait_camera).serial
    return serial or svc.cameras[station].serial


@bp.get("/board.<fmt>")
@staff_only
def board_file(fmt: str) -> Any:
    if fmt not in ("png", "pdf"):
        abort(404)
    d = Path(services().config.data_dir) / "board"
    png, pdf = write_board_files(d)
    return send_file(png if fmt == "png" else pdf, as_attachment=True)


@bp.route("/remeasure", methods=["GET", "POST"])
@staff_only
def remeasure() -> Any:
    svc = services()
    result = None
    if request.method == "POST":
        cal, _ = read_station_calibration(svc, "standing")
        result = remeasure_check(_capture(svc, "standing"), cal)
    return render_template("staff_remeasure.html", result=result, tolerance=SCALE_TOLERANCE_MM)


# --- catalogue and rules -------------------------------------------------------------


@bp.route("/catalogue", methods=["GET", "POST"])
@staff_only
def catalogue() -> Any:
    svc = services()
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
    svc = services()
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
