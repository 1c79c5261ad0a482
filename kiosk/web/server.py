"""Run the app under gunicorn in this process (`kiosk serve`, `kiosk demo`)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEMO_STAFF_PIN = "1234"
DEMO_RETAIL_USER, DEMO_RETAIL_PASSWORD = "demo", "demo-password"


def demo_config(data_dir: str | Path | None = None) -> Any:
    """A config for `kiosk demo`: simulated cameras, SQLite in a temp dir, demo ids."""
    from kiosk.config import Config
    from kiosk.store.demo import DEMO_RETAILER, DEMO_STORES

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
            "capture": {"source": "simulated", "walk_duration_s": 8.0},
        }
    )


def prepare_demo(config: Any, seed: int = 0) -> Any:
    """The demo database: seeded sessions and demo accounts (PIN/password in the docs)."""
    from kiosk.security import hash_secret
    from kiosk.store import Store
    from kiosk.store.demo import DEMO_RETAILER, seed_demo_database

    store = Store(config.database_url)
    if store.count_sessions() == 0:
        seed_demo_database(store, seed)
    for user, role, secret, rid in (
        ("staff", "staff", DEMO_STAFF_PIN, None),
        (DEMO_RETAIL_USER, "retailer", DEMO_RETAIL_PASSWORD, DEMO_RETAILER),
        ("admin", "admin", DEMO_RETAIL_PASSWORD, None),
    ):
        if store.get_account(user) is None:
            store.add_account(user, role, hash_secret(secret), retailer_id=rid)
    return store


def serve(
    host: str | None = None,
    port: int | None = None,
    hq: bool = False,
    demo: bool = False,
    config: Any = None,
) -> None:
    from gunicorn.app.base import BaseApplication

    from kiosk.config import load_config
    from kiosk.web.app import create_app

    if demo:
        config = config or demo_config()
        store = prepare_demo(config)
        log.info(
            "demo: staff PIN %s, retailer %s / %s, data in %s",
            DEMO_STAFF_PIN,
            DEMO_RETAIL_USER,
            DEMO_RETAIL_PASSWORD,
            config.data_dir,
        )
    else:
        config = config or load_config()
        store = None
    app = create_app(config, store=store, hq=hq, demo=demo)
    bind = f"{host or config.web.host}:{port or config.web.port}"

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", 16)
            self.cfg.set("timeout", 60)

        def load(self) -> Any:
            return app

    _App().run()
