"""The simulated camera: the demo's and the tests' camera without hardware.

Standing frames are the shopper's scene with fresh sensor noise each frame. The treadmill
is rendered over whole strides once and looped. Tests use `SimulatedCamera` in their own
process; the demo's cameras are `prepared_recording`s: rendered once in a low-priority
child process into real recordings kept in the user's cache, and replayed by the live
camera's own code, so rendering never competes with a shopper's capture and the web
process holds no simulator.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import CameraUnavailable
from kiosk.sim import scenes as sim_scenes
from kiosk.sim.record import simulate_gait, simulate_standing
from kiosk.sim.scenes import (
    ShopperProfile,
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)

log = logging.getLogger(__name__)

# The treadmill loop: whole strides lasting at least this long; three strides of a jog
# (a frame takes the analytic renderer ~0.3-0.8 s, so each second of loop costs ~15 s)
LOOP_MIN_S = 2.0
GAIT_LOOP_FPS = 30


def loop_duration_s(profile: ShopperProfile) -> float:
    """Whole strides lasting at least LOOP_MIN_S, so the looped walk has no seam."""
    stride_s = 120.0 / profile.cadence_spm
    return max(2, int(np.ceil(LOOP_MIN_S / stride_s))) * stride_s


@functools.lru_cache(maxsize=1)
def _sim_fingerprint() -> str:
    """Changes whenever the simulator's code does (the cache key of prepared footage).
    Read once per process: the code a process runs does not change under it."""
    h = hashlib.sha256(repr((LOOP_MIN_S, GAIT_LOOP_FPS, STANDING_LOOP_FRAMES,
                             STANDING_LOOP_FPS)).encode())
    for f in sorted(Path(sim_scenes.__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def cache_dir() -> Path:
    """Where prepared simulated footage is kept between demo runs."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "footkiosk"


_preparing: dict[Path, Any] = {}
_preparing_lock = threading.Lock()
PREPARE_TIMEOUT_S = 600.0


STANDING_LOOP_FRAMES = 30  # 2 s at 15 fps, fresh sensor noise in every frame
STANDING_LOOP_FPS = 15


def _render_loop(station: str, seed: int, path: str) -> None:
    """In the child process: render the loop at low priority, then publish it atomically."""
    os.nice(10)
    profile = random_profile(seed, station)
    tmp = Path(path).with_name(f".{Path(path).stem}-{os.getpid()}.db3")
    if station == "gait":
        simulate_gait(tmp, profile, duration_s=loop_duration_s(profile), fps=GAIT_LOOP_FPS)
    else:
        simulate_standing(tmp, profile, n_frames=STANDING_LOOP_FRAMES, fps=STANDING_LOOP_FPS)
    Path(str(tmp) + ".truth.json").unlink(missing_ok=True)
    os.replace(tmp, path)


def prepared_recording(station: str, seed: int, directory: Path | None = None,
                       wait: bool = True) -> Path:
    """Shopper `seed` at `station` as a real recording that loops seamlessly, rendered once
    and kept in `directory` (default: the user's cache).

    The first call starts the rendering in a low-priority child process; with `wait`,
    blocks until the file is there (CameraUnavailable if rendering failed).
    """
    directory = Path(directory) if directory is not None else cache_dir()
    path = directory / f"demo-{station}-{seed}-{_sim_fingerprint()}.db3"
    if path.is_file():
        return path
    with _preparing_lock:
        proc = _preparing.get(path)
        if proc is None or (proc.exitcode is not None and not path.is_file()):
            directory.mkdir(parents=True, exist_ok=True)
            for stale in directory.glob(f".{path.stem}-*.db3*"):  # a render cut short
                if time.time() - stale.stat().st_mtime > PREPARE_TIMEOUT_S:
                    stale.unlink(missing_ok=True)
            log.info("preparing the simulated %s footage in another process: %s", station, path)
            proc = multiprocessing.get_context("spawn").Process(
                target=_render_loop, args=(station, seed, str(path)), name=f"sim-{station}",
                daemon=True,
            )
            proc.start()
            _preparing[path] = proc
    if not wait:
        return path
    proc.join(PREPARE_TIMEOUT_S)
    if not path.is_file():
        why = "took too long" if proc.exitcode is None else f"failed (exit {proc.exitcode})"
        raise CameraUnavailable(f"the simulated {station} camera could not be prepared: {why}")
    return path


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
            n = round(loop_duration_s(self.profile) * self.fps)
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
