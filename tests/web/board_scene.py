"""A simulated standing station with the printed ChArUco board on the mat.

The simulator renders shoppers, not calibration boards, so this helper textures a quad
lying on the mat with the real board image (`kiosk.vision.board.board_image`) on an A4
sheet, renders it through the simulator's camera and D4xx noise model, and serves it as a
camera. Used by the calibration wizard's browser test (in the gunicorn process) and its
unit tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import CameraUnavailable
from kiosk.sim.render import Quad
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.vision import board as bd

PX_PER_MM = 4.0
A4_M = (0.297, 0.210)


def board_pattern(paper_w_m: float, paper_h_m: float):
    """(a, b) metres on the sheet -> RGB 0..255: the board centred on white paper."""
    img = bd.board_image(PX_PER_MM).astype(np.float64)
    bw, bh = bd.SQUARES_X * bd.SQUARE_M, bd.SQUARES_Y * bd.SQUARE_M
    ox, oy = (paper_w_m - bw) / 2, (paper_h_m - bh) / 2

    def pattern(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        u = a - ox
        v = (paper_h_m - b) - oy  # image rows run towards the camera
        inside = (u >= 0) & (u < bw) & (v >= 0) & (v < bh)
        col = np.clip((u * 1000 * PX_PER_MM).astype(np.int64), 0, img.shape[1] - 1)
        row = np.clip((v * 1000 * PX_PER_MM).astype(np.int64), 0, img.shape[0] - 1)
        grey = np.where(inside, img[row, col], 245.0)
        return np.repeat(grey[:, None], 3, axis=1)

    return pattern


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
    scene = standing_scene(profile)
    if not with_feet:  # staff calibrate an empty mat
        scene.bodies = []
        scene.cones = []
    ex, ey = np.eye(3)[0], np.eye(3)[1]
    w, h = A4_M
    centre_y = -0.16
    sheet = Quad(
        np.array([-w / 2, centre_y - h / 2, 0.0006]),
        ex,
        ey,
        w,
        h,
        (245, 245, 245),
        pattern=board_pattern(w, h),
    )
    scene.quads = [*scene.quads, sheet]
    return scene


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
