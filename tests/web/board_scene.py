"""A simulated standing station with the printed ChArUco board on the mat, as a camera.

The simulator's board sheet (`kiosk.sim.board`) on an empty mat, rendered through its
camera and D4xx noise model and served as a live camera. Used by the calibration
wizard's browser test (in the gunicorn process) and its unit tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import CameraUnavailable
from kiosk.sim.board import with_board
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene


def board_standing_scene(
    seed: int = 7,
    with_feet: bool = False,
    camera_height_m: float = 0.65,
    camera_pitch_deg: float = 62.0,
):
    """The standing station of `random_profile(seed)` with the board flat on the mat.

    The camera hangs low and steep (inside the station's 0.6-1.2 m, 45-75° range) so the
    40 mm squares span ~20 px of the simulator's 848x480 image, as a real 1280x720
    colour stream shows them from higher up.
    """
    profile = random_profile(seed, "standing")
    profile.camera_height_m, profile.camera_pitch_deg = camera_height_m, camera_pitch_deg
    return with_board(standing_scene(profile), keep_shopper=with_feet)


class BoardCamera(FrameSource):
    """The board scene as a live camera: one clean render, fresh sensor noise per frame."""

    def __init__(self, seed: int = 7, fps: float = 15.0, realtime: bool = True) -> None:
        self.scene = board_standing_scene(seed)
        self._rng = np.random.default_rng(seed + 5)
        self._clean, _ = render_standing_frames(self.scene, 0, self._rng)
        self.fps, self.realtime = fps, realtime
        self._closed = False
        self.info = SourceInfo("simulator", "simulated standing with board", fps, True, True)

    def frames(self) -> Iterator[Frame]:
        k, t0 = 0, time.monotonic()
        intr = self.scene.camera.intrinsics
        while not self._closed:
            _, [(d, c)] = render_standing_frames(self.scene, 1, self._rng, clean=self._clean)
            if self.realtime:
                time.sleep(max(0.0, t0 + k / self.fps - time.monotonic()))
            yield Frame(k, k / self.fps, intr, d, c)
            k += 1

    def close(self) -> None:
        self._closed = True


def camera_factory(station: str) -> FrameSource:
    """For the browser tests' calibration kiosk: the board on the standing mat, and no
    treadmill camera plugged in (the wizard must fail clearly there)."""
    if station == "standing":
        return BoardCamera()
    raise CameraUnavailable("no treadmill camera in this scene")
