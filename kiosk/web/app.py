"""The Flask application factory: one app for the kiosk screen, or for HQ with `hq=True`.

The factory wires the blueprints to the store, the cameras and the analysis through one
`Services` object (`app.extensions["kiosk"]`), sets the security policy (headers, request
size, CSRF, cookies) and maps every error to a friendly page or a JSON body without a
stack trace. Nothing starts until a request needs it: cameras open lazily.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from kiosk import __version__, i18n
from kiosk.capture.hub import CameraHub
from kiosk.config import Config
from kiosk.security import RateLimiter, load_secret_key
from kiosk.store import Store
from kiosk.store.db import StoreUnavailable
from kiosk.web import api, hq_ingest, retail, shopper, staff, summary, tries
from kiosk.web.auth import check_csrf, csrf_token
from kiosk.web.jobs import Analysis, Jobs
from kiosk.web.services import EXTENSION_KEY, Services, lang, services
from kiosk.web.visits import flush_unsaved

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)


# Deeper JSON than any request of ours needs: a report is 4 levels deep, a batch of
# sessions 6. Deeper input is refused before anything walks it recursively.
MAX_JSON_DEPTH = 20


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v)
    return deepest


class BoundedJSON(DefaultJSONProvider):
    """Request JSON that nests too deeply is a bad request (a ValueError here becomes 400),
    never a RecursionError and a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def create_app(
    config: Config | None = None,
    *,
    store: Store | None = None,
    hq: bool = False,
    demo: bool = False,
    camera_factory: Any = None,
    analysis: Any = None,
) -> Flask:
    """The web app. `store` defaults to the configured database; `camera_factory(station)`
    returns a FrameSource (default: the configured camera or the simulator)."""
    config = config or Config()
    app = Flask(__name__)
    app.json = BoundedJSON(app)
    app.config.update(
        KIOSK=config,
        # the demo signs cookies with a per-process key; a kiosk keeps its key in a file
        SECRET_KEY=load_secret_key(None if demo else (config.security.secret_key_file or None)),
        MAX_CONTENT_LENGTH=max(config.web.max_request_bytes, config.web.max_upload_bytes),
        MAX_FORM_MEMORY_SIZE=config.web.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.web.secure_cookies,
        SESSION_COOKIE_NAME="kiosk_session",
        JSON_SORT_KEYS=False,
    )
    if config.web.trusted_proxies:
        n = config.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    if store is None:
        store = Store(config.database_url)
    svc = Services(
        config=config,
        store=store,
        hq=hq,
        demo=demo,
        login_limiter=RateLimiter(config.security.login_rate_per_min, 60.0),
    )
    app.extensions[EXTENSION_KEY] = svc

    if not hq:
        svc.analysis = analysis or Analysis()
        svc.cameras = CameraHub(
            config,
            camera_factory,
            open_times_s=_learned_open_times(store),
            on_opened=lambda station, s: _remember_open_time(store, station, s),
        )
        svc.jobs = Jobs()

    app.register_blueprint(api.bp)
    app.register_blueprint(retail.bp)
    app.register_blueprint(summary.bp)
    if hq:
        app.register_blueprint(hq_ingest.bp)
    else:
        app.register_blueprint(shopper.bp)
        app.register_blueprint(tries.bp)
        app.register_blueprint(staff.bp)

    _install_policy(app)
    app.add_url_rule("/healthz", "healthz", _healthz)
    return app


OPEN_TIMES_KEY = "camera_open_s"


def _learned_open_times(store: Store) -> dict[str, float]:
    """How long each camera took to start last time (the walk screen's progress bar)."""
    try:
        value = store.get_state(OPEN_TIMES_KEY, {})
    except (StoreUnavailable, SQLAlchemyError):
        return {}
    return value if isinstance(value, dict) else {}


def _remember_open_time(store: Store, station: str, seconds: float) -> None:
    try:
        times = _learned_open_times(store)
        times[station] = round(seconds, 2)
        store.set_state(OPEN_TIMES_KEY, times)
    except (StoreUnavailable, SQLAlchemyError) as exc:  # a full disk must not stop the camera
        log.warning("camera start time not saved: %s", exc)


def _cfg() -> Config:
    return services().config


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hq/")) or request.path == "/healthz"


def _install_policy(app: Flask) -> None:
    @app.before_request
    def _limits_and_csrf() -> Any:
        max_body = app.config["KIOSK"].web.max_request_bytes
        if request.path.startswith("/staff/catalogue"):
            max_body = app.config["KIOSK"].web.max_upload_bytes
        if request.content_length is not None and request.content_length > max_body:
            abort(413)
        if request.content_length is None and "chunked" in request.headers.get(
            "Transfer-Encoding", ""
        ).lower():
            # a body of no announced length: read it now, at most max_body bytes (werkzeug
            # stops there without a word), and refuse it if it reached the limit
            request.max_content_length = max_body
            if len(request.get_data(cache=True)) >= max_body:
                abort(413)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            view = app.view_functions.get(request.endpoint or "")
            if view is not None and not getattr(view, "csrf_exempt", False):
                check_csrf()
        return None

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        lg = lang()
        return {
            "t": lambda key, **kw: i18n.t(key, lg, **kw),
            "lang": lg,
            "languages": {k: i18n.LANGUAGES.get(k, k) for k in _cfg().kiosk.languages},
            "csrf_token": csrf_token,
            "js_strings": i18n.js_strings(lg),
            "config": _cfg(),
            "app_version": __version__,
        }

    @app.after_request
    def _headers(resp: Any) -> Any:
        h = resp.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if app.config["KIOSK"].web.secure_cookies:
            h["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        h.pop("Server", None)
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        key = {
            400: "error.csrf" if exc.description == "csrf" else "error.generic",
            401: "error.forbidden",
            403: "error.forbidden",
            404: "error.not_found",
            410: "error.expired",
            413: "error.too_large",
            429: "error.rate_limited",
        }.get(code, "error.generic")
        if _wants_json():
            return jsonify(error=exc.name.lower().replace(" ", "_"), status=code), code
        return render_template("error.html", message=i18n.t(key, lang()), code=code), code

    @app.errorhandler(StoreUnavailable)
    def _store_down(exc: StoreUnavailable) -> Any:
        log.error("store unavailable: %s", exc)
        if _wants_json():
            return jsonify(error="store_unavailable", status=503), 503
        return render_template(
            "error.html", message=i18n.t("error.StoreUnavailable", lang()), code=503
        ), 503

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Any:
        # A bug: log the traceback for us, show the person nothing technical.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error="internal_error", status=500), 500
        return render_template(
            "error.html", message=i18n.t("error.generic", lang()), code=500
        ), 500


def _healthz() -> Any:
    """Liveness and readiness: the database answers; camera states for the kiosk."""
    svc = services()
    body: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "mode": "hq" if svc.hq else "kiosk",
    }
    code = 200
    try:
        svc.store.ping()
        body["database"] = "ok"
    except StoreUnavailable as exc:
        body["database"] = str(exc)
        body["status"] = "degraded"
        code = 503
    if svc.extra.get("store_error"):
        # the shopper flow keeps going on copies in memory; a write here is how the kiosk
        # notices the disk has room again, without a restart
        error = flush_unsaved(svc)
        if error:
            body["status"] = "degraded"
            held = len(svc.extra.get("unsaved", {}))
            body["storage"] = f"not saving visits ({held} held in memory): {error}"
    if svc.cameras is not None:
        body["cameras"] = {n: s["state"] for n, s in svc.cameras.status().items()}
        if svc.cameras.heel_strip is not None:
            body["heel_strip"] = svc.cameras.heel_strip.status()["state"]
        models_error = getattr(svc.analysis, "models_error", None)
        body["models"] = "geometry only: " + models_error if models_error else "ok"
        body["outbox"] = svc.store.outbox_size()
    return jsonify(body), code
