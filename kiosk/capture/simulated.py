"""The in-process simulated camera: the demo's and the tests' camera without hardware.

Standing frames are the shopper's scene with fresh sensor noise each frame; the treadmill
is pre-rendered over whole strides once and looped, so the preview keeps up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import CameraUnavailable
from kiosk.sim.scenes import (
    ShopperProfile,
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)


class SimulatedCamera(FrameSource):
    """Frames of a simulated shopper at the standing mat or on the treadmill.

    `realtime` paces frames at the camera rate; `unplugged` (an Event) makes the camera
    behave as if its cable were pulled, for fault tests and the demo.
    """

    def __init__(self, station: str = "standing", seed: int = 0,
                 profile: ShopperProfile | None = None, realtime: bool = False,
                 fps: float | None = None, max_frames: int | None = None,
                 unplugged: threading.Event | None = None):
        if station not in ("standing", "gait"):
            raise ValueError(f"unknown station {station!r}")
        self.station = station
        self.profile = profile or random_profile(seed, station)
        self.realtime = realtime
        self.max_frames = max_frames
        self.unplugged = unplugged or threading.Event()
        self.fps = fps or (15.0 if station == "standing" else 30.0)
        self._rng = np.random.default_rng(self.profile.seed + 101)
        self._closed = False
        if station == "standing":
            self._scene = standing_scene(self.profile)
            self._clean, _ = render_standing_frames(self._scene, 0, self._rng)
            self.intrinsics = self._scene.camera.intrinsics
            self.truth = self._scene.truth
        else:
            T = 120.0 / self.profile.cadence_spm
            strides = max(2, int(np.ceil(4.0 / T)))
            n = round(strides * T * self.fps)
            self._scene = gait_scene(self.profile, duration_s=n / self.fps, fps=self.fps)
            self._loop = []
            for k in range(self._scene.n_frames):
                _, d, c, tr = render_gait_frame(self._scene, k, self._rng)
                self._loop.append((d, c, tr))
            self.intrinsics = self._scene.camera.intrinsics
            self.truth = None
        self.info = SourceInfo("simulator", f"simulated {station}", self.fps, True, True)

    def frames(self) -> Iterator[Frame]:
        k = 0
        t0 = time.monotonic()
        while not self._closed and (self.max_frames is None or k < self.max_frames):
            if self.unplugged.is_set():
                raise CameraUnavailable("the camera is unplugged")
            if self.station == "standing":
                _, [(d, c)] = render_standing_frames(self._scene, 1, self._rng, clean=self._clean)
                meta = {}
            else:
                d, c, tr = self._loop[k % len(self._loop)]
                meta = {"truth": tr}
            if self.realtime:
                delay = t0 + k / self.fps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(k, k / self.fps, self.intrinsics, d, c, meta)
            k += 1

    def close(self) -> None:
        self._closed = True
