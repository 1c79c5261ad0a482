"""WSGI entry for gunicorn: `gunicorn 'kiosk.web.wsgi:application()'`.

Reads the config from $KIOSK_CONFIG and the mode from $KIOSK_MODE (`kiosk` or `hq`).
A factory call, not a module-level app, so importing this module starts nothing.
"""

from __future__ import annotations

import os
from typing import Any


def application() -> Any:
    from kiosk.config import load_config
    from kiosk.web.app import create_app

    mode = os.environ.get("KIOSK_MODE", "kiosk")
    if mode not in ("kiosk", "hq"):
        from kiosk.errors import ConfigError

        raise ConfigError(f"KIOSK_MODE must be 'kiosk' or 'hq', not {mode!r}")
    return create_app(load_config(), hq=mode == "hq")
