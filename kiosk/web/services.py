"""What every blueprint shares: the `Services` object and the request's language.

The application factory (`kiosk.web.app`) builds one `Services` per app and stores it in
`app.extensions["kiosk"]`; blueprints reach it through `services()` and never import one
another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, session

from kiosk.capture.hub import CameraHub
from kiosk.config import Config
from kiosk.security import RateLimiter
from kiosk.store import Store
from kiosk.web.jobs import Jobs

EXTENSION_KEY = "kiosk"


@dataclass
class Services:
    """What the blueprints use; tests and `kiosk demo` swap parts of it."""

    config: Config
    store: Store
    hq: bool = False
    demo: bool = False
    cameras: CameraHub | None = None  # kiosk mode only
    jobs: Jobs | None = None
    analysis: Any = None  # kiosk.web.jobs.Analysis, or a test's stand-in
    login_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(10))
    extra: dict[str, Any] = field(default_factory=dict)


def services() -> Services:
    """The current app's services (inside a request or an app context)."""
    return current_app.extensions[EXTENSION_KEY]


def lang() -> str:
    """The shopper's/user's language for this request."""
    cfg = services().config
    value = session.get("lang")
    return value if value in cfg.kiosk.languages else cfg.kiosk.default_language
