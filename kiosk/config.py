"""The one configuration model: what a kiosk or an HQ server needs, validated at start.

Read from a versioned TOML file; unknown keys are errors (with the nearest valid key
suggested); units are in the names. Secrets never live in the file itself: they come from
files named here or from environment variables (see `Secrets`).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.errors import ConfigError

CONFIG_VERSION = 1


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskIdentity(_Section):
    kiosk_id: str = Field("kiosk-1", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    store_id: str = Field("store-1", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    retailer_id: str = Field(
        "retailer-1", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"
    )
    languages: tuple[str, ...] = Field(("en", "ja"), min_length=1)
    default_language: str = "en"
    size_systems: tuple[str, ...] = ("eu", "uk", "us", "jp_cm")


class WebConfig(_Section):
    # The kiosk app is for the screen in front of it: localhost only unless told otherwise.
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    max_request_bytes: int = Field(
        1_048_576, ge=1024, description="Larger request bodies are rejected with 413."
    )
    max_upload_bytes: int = Field(
        8_388_608, ge=1024, description="Limit for staff catalogue uploads (multipart)."
    )
    idle_timeout_s: float = Field(90.0, gt=0, description="Shopper screens go back to welcome.")
    staff_session_timeout_s: float = Field(900.0, gt=0)
    retail_session_timeout_s: float = Field(3600.0, gt=0)
    session_max_age_s: float = Field(
        43_200.0, gt=0, description="A sign-in ends this long after it began, however used."
    )
    summary_link_ttl_s: float = Field(
        86_400.0, gt=0, description="How long a QR summary link stays valid."
    )
    public_url: str = Field(
        "",
        max_length=200,
        pattern=r"^(https?://[A-Za-z0-9.\[\]:-]+(/[A-Za-z0-9._~/-]*)?)?$",
        description=(
            "Base URL a shopper's phone opens from the QR code: HQ (https://hq.example.com,"
            " which gets each link with the synced record) or this kiosk on the store network"
            " (http://192.168.1.20:8080, with web.host on that address). Never the request's"
            " Host header. Empty: no QR code is offered."
        ),
    )
    secure_cookies: bool = Field(False, description="Set on HQ behind HTTPS.")
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=4,
        description=(
            "Reverse proxies in front of this server (HQ behind its TLS proxy: 1). Their"
            " X-Forwarded-For/-Proto headers name the client, so per-client login limits"
            " count each client, not the proxy; with 0 the headers are ignored."
        ),
    )
    preview_fps: float = Field(15.0, gt=0, le=60)
    # Each preview holds a server thread while it streams (the kiosk runs 32, see
    # kiosk.web.gunicorn_conf): a few streams cover the screen and a staff check.
    preview_streams_max: int = Field(
        6, ge=1, le=16, description="Camera previews streaming at once, all clients."
    )
    preview_streams_per_client: int = Field(
        3, ge=1, le=16, description="Camera previews streaming at once to one address."
    )


class CameraConfig(_Section):
    """One station's RealSense D4xx: which device, which mode, which on-camera settings."""

    serial: str | None = Field(None, description="The device's serial; empty takes any D4xx.")
    width: int = Field(848, description="Depth/colour mode width (640, 848 or 1280).")
    height: int = Field(480, description="Depth/colour mode height (480 or 720).")
    fps: int = Field(30, description="Frames per second (15, 30, 60 or 90).")
    color: bool = Field(True, description="Stream colour too (preview, pose, calibration).")
    visual_preset: Literal["high_accuracy", "high_density", "default"] | None = "high_accuracy"
    spatial_filter: bool = True
    temporal_filter: bool = True
    hole_filling: bool = False
    replay_file: str = Field(
        "",
        description="Play this RealSense recording in real time, looped, as if it were the "
        "camera (QA and tests): the live code path without the hardware.",
    )

    @model_validator(mode="after")
    def _mode(self) -> CameraConfig:
        if (self.width, self.height) not in D4XX_MODES:
            modes = ", ".join(f"{w}x{h}" for w, h in D4XX_MODES)
            raise ValueError(f"{self.width}x{self.height} is not a D4xx depth mode ({modes})")
        if self.fps not in D4XX_FPS:
            raise ValueError(f"{self.fps} fps is not a D4xx rate ({D4XX_FPS})")
        return self


# Depth modes and rates of the D415/D435/D455 that the kiosk runs (Intel RealSense D400
# series datasheet, rev. 017, tables 4-3/4-4).
D4XX_MODES = ((640, 480), (848, 480), (1280, 720))
D4XX_FPS = (15, 30, 60, 90)


class HeelStripConfig(_Section):
    """The heel stop's contact strip (kiosk.capture.heel_strip; docs/HEEL_STRIP.md)."""

    device: str = Field(
        "",
        max_length=200,
        pattern=r"^(/dev/[A-Za-z0-9_./-]+)?$",
        description="Its serial port, best by a stable name (/dev/serial/by-id/...); "
        "empty: the station has no strip and the camera alone checks the heels.",
    )
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    wait_s: float = Field(
        15.0, gt=0, le=120,
        description="How long the capture waits for both heels to press the strip.",
    )


class CaptureConfig(_Section):
    # realsense: the D4xx of each station; prepared: the demo's simulated footage replayed
    # through the live camera code; simulated: rendered in the kiosk's process (tests)
    source: Literal["simulated", "prepared", "realsense"] = "simulated"
    standing_camera: CameraConfig = CameraConfig(fps=15)
    gait_camera: CameraConfig = CameraConfig(fps=30)
    standing_capture_s: float = Field(2.0, gt=0, le=10)
    standing_countdown_s: float = Field(3.0, ge=0, le=10)
    walk_duration_s: float = Field(20.0, gt=0, le=120)
    reconnect_interval_s: float = Field(1.0, gt=0)
    camera_idle_stop_s: float = Field(30.0, gt=0, description="Stop an unused camera thread.")
    simulated_seed: int = 7
    heel_strip: HeelStripConfig = HeelStripConfig()


class StoreConfig(_Section):
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means <data_dir>/kiosk.sqlite3 (SQLite, WAL)."
    )
    retention_days: int = Field(365, ge=1, description="Session records older are purged.")
    qa_recording_retention_h: float = Field(72.0, gt=0)


class HQConfig(_Section):
    url: str = Field("", description="HQ base URL; empty means this kiosk does not forward.")
    token_file: str = Field("", description="File holding this kiosk's HQ token.")
    timeout_s: float = Field(10.0, gt=0)
    batch_size: int = Field(100, ge=1, le=1000)
    backoff_initial_s: float = Field(1.0, gt=0)
    backoff_max_s: float = Field(300.0, gt=0)


class SecurityConfig(_Section):
    secret_key_file: str = Field("", description="Flask session key; generated if missing.")
    pin_max_attempts: int = Field(
        5, ge=1, description="Wrong PINs/passwords on one account before delays begin."
    )
    login_first_delay_s: float = Field(
        30.0, gt=0, description="The first delay; each further wrong try doubles it."
    )
    pin_lockout_s: float = Field(300.0, gt=0, description="The longest delay between tries.")
    login_rate_per_min: int = Field(10, ge=1, description="Login attempts per client/minute.")
    qa_mode_max_h: float = Field(24.0, gt=0, description="Longest a QA mode may be switched on.")


class Config(_Section):
    """Everything configurable; `version` must match CONFIG_VERSION."""

    version: int = CONFIG_VERSION
    data_dir: str = Field("var", description="Database, secrets, QA recordings, calibration.")
    calibration_dir: str = "calibration"
    kiosk: KioskIdentity = KioskIdentity()
    web: WebConfig = WebConfig()
    capture: CaptureConfig = CaptureConfig()
    store: StoreConfig = StoreConfig()
    hq: HQConfig = HQConfig()
    security: SecurityConfig = SecurityConfig()

    @model_validator(mode="after")
    def _check(self) -> Config:
        if self.version != CONFIG_VERSION:
            raise ValueError(
                f"config version {self.version} is not supported "
                f"(this kiosk reads version {CONFIG_VERSION})"
            )
        if self.kiosk.default_language not in self.kiosk.languages:
            raise ValueError("kiosk.default_language must be one of kiosk.languages")
        return self

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def database_url(self) -> str:
        if self.store.database_url:
            return self.store.database_url
        return f"sqlite:///{(self.data_path / 'kiosk.sqlite3').resolve()}"

    def with_overrides(self, **sections: dict[str, Any]) -> Config:
        """A copy with some keys replaced (validated like a file): `with_overrides(web={...})`."""
        data = self.model_dump()
        for name, values in sections.items():
            if isinstance(values, dict) and isinstance(data.get(name), dict):
                data[name].update(values)
            else:
                data[name] = values
        return Config.model_validate(data)


def _suggest(loc: tuple, model: type[BaseModel]) -> str:
    fields: Any = model.model_fields
    for part in loc[:-1]:
        field = fields.get(part) if isinstance(part, str) else None
        if field is None or not isinstance(field.annotation, type):
            return ""
        fields = field.annotation.model_fields
    close = difflib.get_close_matches(str(loc[-1]), list(fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate `data`; a ConfigError names the first bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "config"
        hint = _suggest(tuple(err["loc"]), Config) if err["type"] == "extra_forbidden" else ""
        raise ConfigError(f"config key '{key}': {err['msg']}{hint}") from None


def load_config(path: str | Path | None = None) -> Config:
    """The config from `path` (TOML), or from $KIOSK_CONFIG, or the defaults."""
    path = path or os.environ.get("KIOSK_CONFIG")
    if not path:
        return Config()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    return config_from_dict(data)


def read_secret(env_name: str, file_path: str | Path | None) -> str | None:
    """A secret from the environment variable or, failing that, from a file; None if neither.

    Files are how systemd `LoadCredential=` and container secrets hand secrets over.
    """
    value = os.environ.get(env_name)
    if value:
        return value.strip()
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    candidates = []
    if file_path:
        candidates.append(Path(file_path))
    if cred_dir:
        candidates.append(Path(cred_dir) / env_name.lower())
    for c in candidates:
        if c.is_file():
            return c.read_text(encoding="utf-8").strip() or None
    return None
