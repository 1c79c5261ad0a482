"""Run the app under gunicorn in this process: `kiosk serve` (also the systemd units' command)
and `kiosk demo`, with the demo's data and accounts."""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from kiosk.config import Config, load_config
from kiosk.errors import ConfigError
from kiosk.security import hash_secret
from kiosk.store import Store
from kiosk.store.demo import DEMO_RETAILER, DEMO_STORES, seed_demo_database
from kiosk.web import gunicorn_conf
from kiosk.web.app import create_app
from kiosk.web.services import EXTENSION_KEY

log = logging.getLogger(__name__)

DEMO_STAFF_PIN = "1234"
DEMO_RETAIL_USER, DEMO_RETAIL_PASSWORD = "demo", "demo-password"
DEMO_ADMIN_USER, DEMO_ADMIN_PASSWORD = "admin", "demo-admin-password"
# Every account `kiosk demo` makes (and prints): (username, role, PIN/password, retailer).
# Nothing else in the product makes an account: see `kiosk users`.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("staff", "staff", DEMO_STAFF_PIN, None),
    (DEMO_RETAIL_USER, "retailer", DEMO_RETAIL_PASSWORD, DEMO_RETAILER),
    (DEMO_ADMIN_USER, "admin", DEMO_ADMIN_PASSWORD, None),
)


def demo_config(data_dir: str | Path | None = None) -> Any:
    """A config for `kiosk demo`: simulated cameras, SQLite in a temp dir, demo ids."""
    d = Path(data_dir or tempfile.mkdtemp(prefix="kiosk-demo-"))
    return Config.model_validate(
        {
            "data_dir": str(d),
            "calibration_dir": str(d / "calibration"),
            "kiosk": {
                "kiosk_id": f"{DEMO_STORES[0][0]}-k1",
                "store_id": DEMO_STORES[0][0],
                "retailer_id": DEMO_RETAILER,
            },
            "capture": {"source": "prepared", "walk_duration_s": 8.0},
        }
    )


def prepare_demo(config: Any, seed: int = 0) -> Any:
    """The demo database: seeded sessions and demo accounts (PIN/password in the docs)."""
    store = Store(config.database_url)
    if store.count_sessions() == 0:
        seed_demo_database(store, seed)
    for user, role, secret, rid in DEMO_ACCOUNTS:
        if store.get_account(user) is None:
            store.add_account(user, role, hash_secret(secret), retailer_id=rid)
    return store


def load_factory(spec: str) -> Callable[[str], Any]:
    """`module:function` -> the function (a camera factory for tests and benchmarks)."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ConfigError(f"camera factory must be 'module:function', not {spec!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"camera factory {spec!r} not found ({exc})") from None


# glibc malloc: a fixed mmap threshold returns every large array (a frame is ~1-3 MB) to
# the system when freed; left dynamic, glibc raises the threshold after the first frees
# and later frames stay in the heap, so the process only grows (mallopt(3)). Fewer arenas
# for the same reason: each of gunicorn's threads would otherwise get its own heap.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD_BYTES = 256 * 1024
MALLOC_ARENAS = 2


def tune_malloc() -> bool:
    """Apply the malloc settings above (glibc only; elsewhere nothing to do)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok &= libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES) == 1
    ok &= libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS) == 1
    return bool(ok)


def serve(
    host: str | None = None,
    port: int | None = None,
    hq: bool = False,
    demo: bool = False,
    config: Any = None,
    camera_factory: Callable[[str], Any] | str | None = None,
    access_log: bool = False,
) -> None:
    """Serve the app under gunicorn with `gunicorn_conf.settings()`: the kiosk in one worker
    process that owns the cameras, threads for the MJPEG streams; HQ in several workers.

    The address is `host`/`port`, else $KIOSK_BIND (the systemd units set it), else the
    config's web.host/web.port. `camera_factory` replaces the configured cameras (tests,
    bench).
    """
    if not tune_malloc():
        log.info("malloc settings not applied (not glibc)")
    if isinstance(camera_factory, str):
        camera_factory = load_factory(camera_factory)
    if demo:
        config = config or demo_config()
        store = prepare_demo(config)
        accounts = ", ".join(f"{role} {user} / {secret}" for user, role, secret, _ in DEMO_ACCOUNTS)
        log.info("demo accounts: %s; data in %s", accounts, config.data_dir)
    else:
        config = config or load_config()
        store = None
    env_bind = os.environ.get("KIOSK_BIND") if host is None and port is None else None
    bind = env_bind or f"{host or config.web.host}:{port or config.web.port}"
    if demo and not config.web.public_url:
        # the demo's phone is the same machine: its QR codes open the demo itself
        config = config.with_overrides(web={"public_url": f"http://{bind}"})
    options = gunicorn_conf.settings(bind, hq=hq, access_log=access_log)
    # made here, so a bad setup stops `kiosk serve` with its message before any worker
    app = create_app(config, store=store, hq=hq, demo=demo, camera_factory=camera_factory)

    class _App(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # in each worker process: database connections are not shared across the fork
            # (SQLAlchemy's pattern for forked children), and the camera threads start
            # here because threads do not survive it
            svc = app.extensions[EXTENSION_KEY]
            svc.store.engine.dispose(close=False)
            if svc.cameras is not None:
                svc.cameras.start()
            return app

    _App().run()
