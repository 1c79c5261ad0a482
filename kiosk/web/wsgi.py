"""WSGI entry for gunicorn: `gunicorn 'kiosk.web.wsgi:application()'` (the systemd unit).

Reads the config from $KIOSK_CONFIG and the mode from $KIOSK_MODE (`kiosk` or `hq`).
A factory call, not a module-level app, so importing this module starts nothing; gunicorn
calls it in the worker, where the kiosk's camera threads then start (threads do not
survive gunicorn's fork) and malloc is set up as `kiosk serve` sets it.
"""

from __future__ import annotations

import os
from typing import Any

from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.web.app import create_app
from kiosk.web.server import tune_malloc
from kiosk.web.services import EXTENSION_KEY


def application() -> Any:
    mode = os.environ.get("KIOSK_MODE", "kiosk")
    if mode not in ("kiosk", "hq"):
        raise ConfigError(f"KIOSK_MODE must be 'kiosk' or 'hq', not {mode!r}")
    tune_malloc()
    app = create_app(load_config(), hq=mode == "hq")
    cameras = app.extensions[EXTENSION_KEY].cameras
    if cameras is not None:
        cameras.start()
    return app
