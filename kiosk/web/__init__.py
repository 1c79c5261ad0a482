"""The touchscreen web app (kiosk mode) and the HQ server (hq mode)."""

from __future__ import annotations

from typing import Any

from kiosk.store.demo import seed_demo_database as _seed
from kiosk.web.app import create_app as _create
from kiosk.web.server import serve as _serve


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See kiosk.web.app.create_app."""
    return _create(*args, **kwargs)


def serve(
    host: str | None = None,
    port: int | None = None,
    hq: bool = False,
    demo: bool = False,
    config: Any = None,
) -> None:
    """Run the app in this process (see kiosk.web.server.serve)."""
    _serve(host=host, port=port, hq=hq, demo=demo, config=config)


def seed_demo_database(store: Any, seed: int = 0) -> int:
    """See kiosk.store.demo.seed_demo_database."""
    return _seed(store, seed)
