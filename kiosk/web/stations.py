"""Each station's calibration file as the web app reads it: the staff wizard shows it and
the shopper's measurements use it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.calibration import (
    CalibrationError,
    calibration_path,
    load_calibration,
    pipeline_calibration,
)
from kiosk.web.services import Services

log = logging.getLogger(__name__)


def station_calibration_path(svc: Services, station: str) -> Path:
    return calibration_path(svc.config.calibration_dir, svc.config.kiosk.kiosk_id, station)


def read_station_calibration(svc: Services, station: str) -> tuple[Any, str | None]:
    """(Calibration or None, the reason it could not be read) for the staff pages."""
    path = station_calibration_path(svc, station)
    if not path.is_file():
        return None, None
    try:
        return load_calibration(path), None
    except CalibrationError as exc:
        return None, str(exc)


def load_station_calibration(svc: Services, station: str) -> dict | None:
    """The station's calibration as the pipeline takes it, None if none yet.

    A broken file is logged and ignored here (the shopper still gets measured; staff see
    the reason on their home page) rather than stopping the kiosk.
    """
    cal, why = read_station_calibration(svc, station)
    if why:
        log.warning("calibration for %s ignored: %s", station, why)
    return pipeline_calibration(cal)
