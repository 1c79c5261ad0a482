"""Recordings written once per test session through pyrealsense2 (software_device +
recorder) and read back through the same playback code a camera's recording uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.sim.record import simulate_gait, simulate_standing
from kiosk.sim.scenes import random_profile

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def real_d435_bag() -> Path:
    """The real D435 recording in ../shared/realdata (an office, no feet)."""
    bag = REALDATA / "realsense" / "d435_office_640x480.bag"
    if not bag.exists():
        pytest.skip("../shared/realdata is not beside this checkout")
    return bag


@pytest.fixture(scope="session")
def standing_rec(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rec") / "standing.db3"
    simulate_standing(out, random_profile(7), n_frames=10)
    return out


@pytest.fixture(scope="session")
def gait_rec(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rec") / "gait.db3"
    simulate_gait(out, random_profile(3, "gait"), duration_s=3.5)
    return out


@pytest.fixture(scope="session")
def truth():
    def load(rec: Path) -> dict:
        return json.loads(Path(str(rec) + ".truth.json").read_text())

    return load
