"""The Intel RealSense D4xx depth modes a store may run, as the simulator renders them.

Sources: Intel RealSense D400 series datasheet (doc. 337029, rev. 016): depth field of view
D415 65° × 40°, D435/D455 87° × 58°; stereo baselines 55 mm (D415), 50 mm (D435), 95 mm
(D455); depth at 1280×720 up to 30 fps, at 848×480 and 640×480 up to 90 fps. The focal
length at 848×480 is 0.6625 × and at 640×480 0.6 × the 1280×720 one, as the factory
calibrations of D435 units report them (`rs-enumerate-devices -c`: 641 / 425 / 385 px).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.errors import InputError

CAMERA_HFOV_DEG = {"D415": 65.0, "D435": 87.0, "D455": 87.0}
CAMERA_BASELINE_M = {"D415": 0.055, "D435": 0.050, "D455": 0.095}
RESOLUTIONS = ((640, 480), (848, 480), (1280, 720))
# focal length at each resolution relative to 1280x720 (see the module docstring)
FOCAL_SCALE = {(1280, 720): 1.0, (848, 480): 0.6625, (640, 480): 0.6}
MAX_FPS = {(1280, 720): 30, (848, 480): 90, (640, 480): 90}
FPS_CHOICES = (15, 30, 60, 90)


@dataclass(frozen=True)
class DepthMode:
    """One camera model at one depth resolution and rate, colour on or off."""

    camera: str = "D435"
    width: int = 848
    height: int = 480
    fps: int = 30
    color: bool = True

    def __post_init__(self) -> None:
        if self.camera not in CAMERA_HFOV_DEG:
            raise InputError(f"camera {self.camera!r}: one of {sorted(CAMERA_HFOV_DEG)}")
        if (self.width, self.height) not in FOCAL_SCALE:
            sizes = ", ".join(f"{w}x{h}" for w, h in RESOLUTIONS)
            raise InputError(f"depth resolution {self.width}x{self.height}: one of {sizes}")
        if self.fps not in FPS_CHOICES:
            raise InputError(f"fps {self.fps}: one of {FPS_CHOICES}")
        if self.fps > MAX_FPS[(self.width, self.height)]:
            raise InputError(f"a D4xx streams {self.width}x{self.height} depth at "
                             f"{MAX_FPS[(self.width, self.height)]} fps at most")

    @property
    def fx_px(self) -> float:
        """Nominal focal length in pixels at this resolution."""
        f720 = 640.0 / math.tan(math.radians(CAMERA_HFOV_DEG[self.camera]) / 2)
        return f720 * FOCAL_SCALE[(self.width, self.height)]

    @property
    def baseline_m(self) -> float:
        return CAMERA_BASELINE_M[self.camera]

    @property
    def label(self) -> str:
        return (f"{self.camera} {self.width}x{self.height} {self.fps} fps"
                f"{'' if self.color else ' depth only'}")

    @staticmethod
    def parse(camera: str | None, resolution: str | None, fps: int | None,
              color: bool = True, default_fps: int = 30) -> DepthMode:
        """A mode from command-line text, e.g. ("D455", "1280x720", 30)."""
        w, h = 848, 480
        if resolution:
            try:
                w, h = (int(v) for v in resolution.lower().split("x"))
            except ValueError:
                raise InputError(f"--resolution must be WIDTHxHEIGHT, got {resolution!r}") from None
        return DepthMode(camera or "D435", w, h, fps or default_fps, color)


def all_modes(station: str) -> list[DepthMode]:
    """Every mode a station may run: standing captures at 15 or 30 fps, treadmills at all."""
    rates = (15, 30) if station == "standing" else FPS_CHOICES
    return [DepthMode(cam, w, h, fps, color)
            for cam in CAMERA_HFOV_DEG for (w, h) in RESOLUTIONS for fps in rates
            if fps <= MAX_FPS[(w, h)] for color in (True, False)]


def draw_mode(rng: np.random.Generator, station: str) -> DepthMode:
    """A mode drawn uniformly over camera, resolution and rate; colour on 4 times in 5."""
    cam = str(rng.choice(sorted(CAMERA_HFOV_DEG)))
    w, h = RESOLUTIONS[int(rng.integers(len(RESOLUTIONS)))]
    rates = [f for f in ((15, 30) if station == "standing" else FPS_CHOICES)
             if f <= MAX_FPS[(w, h)]]
    fps = int(rng.choice(rates))
    return DepthMode(cam, w, h, fps, bool(rng.random() < 0.8))
