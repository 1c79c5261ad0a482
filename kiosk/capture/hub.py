"""The camera hub: one reader thread per station, outside any request handler.

Each `Station` keeps the newest frame (dropping and counting the rest, as Frigate does)
and, while a capture records, hands every frame to it. A camera that fails, is unplugged
or was never connected is a state (`unavailable`) the UI shows, found within a second by
a cheap presence probe; the thread reopens the camera on its own when it returns. The web
layer asks the hub for frames and states; it never opens a camera itself.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.capture.heel_strip import HeelStrip
from kiosk.capture.realsense import CameraSettings, LiveCamera, camera_absent
from kiosk.capture.simulated import SimulatedCamera, prepared_recording
from kiosk.config import CameraConfig, Config
from kiosk.errors import CameraUnavailable, KioskError

log = logging.getLogger(__name__)

STATIONS = ("standing", "gait")


class CameraFactory(Protocol):
    """Opens a station's camera; `probe` says cheaply why it cannot (None: it can)."""

    expected_open_s: dict[str, float]

    def __call__(self, station: str) -> Any: ...

    def probe(self, station: str) -> str | None: ...


# How long opening a station's camera takes before its first frame, until it has been
# measured once (then the measured time, kept in the database, is used). The simulated
# treadmill pre-renders whole strides; a RealSense starts in a second or two.
DEFAULT_OPEN_S = {"realsense": 3.0, "simulated": 2.0, "simulated-gait": 30.0}


class KeptSource:
    """A source that outlives its readers: closing ends this iteration only.

    The simulator pre-renders the treadmill once (tens of seconds); an idle stop of the
    reader thread must not throw that work away.
    """

    def __init__(self, source: Any) -> None:
        self._source = source
        self.info = getattr(source, "info", None)
        self._closed = False

    def __iter__(self) -> Iterator[Any]:
        for frame in self._source.frames():
            if self._closed:
                return
            yield frame

    def close(self) -> None:
        self._closed = True


def camera_settings(cam: CameraConfig) -> CameraSettings:
    """The live source's settings from a station's configuration."""
    return CameraSettings(
        serial=cam.serial,
        width=cam.width,
        height=cam.height,
        fps=cam.fps,
        color=cam.color,
        visual_preset=cam.visual_preset,
        spatial_filter=cam.spatial_filter,
        temporal_filter=cam.temporal_filter,
        hole_filling=cam.hole_filling,
        replay_file=cam.replay_file or None,
    )


@dataclass
class RealSenseFactory:
    """The configured D4xx of each station (or its replayed recording)."""

    config: Config
    expected_open_s: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(STATIONS, DEFAULT_OPEN_S["realsense"])
    )
    open_at_start = True  # staff see a missing camera on /healthz at once

    def settings(self, station: str) -> CameraSettings:
        c = self.config.capture
        return camera_settings(c.standing_camera if station == "standing" else c.gait_camera)

    def __call__(self, station: str) -> Any:
        return LiveCamera(self.settings(station))

    def probe(self, station: str) -> str | None:
        return camera_absent(self.settings(station))


@dataclass
class SimulatedFactory:
    """Simulated cameras in this process (tests): the mat rendered live, the treadmill
    rendered over whole strides when first opened, then looped."""

    config: Config
    expected_open_s: dict[str, float] = field(
        default_factory=lambda: {
            "standing": DEFAULT_OPEN_S["simulated"],
            "gait": DEFAULT_OPEN_S["simulated-gait"],
        }
    )
    _kept: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    open_at_start = False  # rendering an empty mat for nobody would only cost CPU

    def __call__(self, station: str) -> Any:
        with self._lock:
            sim = self._kept.get(station)
            if sim is None:
                sim = self._kept[station] = SimulatedCamera(
                    station=station, seed=self.config.capture.simulated_seed, realtime=True
                )
        return KeptSource(sim)

    def probe(self, station: str) -> str | None:
        return None


@dataclass
class PreparedFactory:
    """The demo's cameras: each station's simulated footage, rendered once in another
    process into a real recording, replayed through the live camera's own code."""

    config: Config
    expected_open_s: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(STATIONS, DEFAULT_OPEN_S["simulated-gait"])
    )
    open_at_start = False

    def prepare(self) -> None:
        """Start rendering both stations' footage now (unless cached), so no shopper
        waits for it and no capture competes with it."""
        for station in STATIONS:
            prepared_recording(station, self.config.capture.simulated_seed, wait=False)

    def __call__(self, station: str) -> Any:
        path = prepared_recording(station, self.config.capture.simulated_seed, wait=True)
        # the simulator's noise model is what the footage carries: no on-host filters,
        # which would cost each frame ~30 ms here
        return LiveCamera(CameraSettings(replay_file=str(path), spatial_filter=False,
                                         temporal_filter=False))

    def probe(self, station: str) -> str | None:
        return None


def default_camera_factory(config: Config) -> CameraFactory:
    return {
        "simulated": SimulatedFactory,
        "prepared": PreparedFactory,
        "realsense": RealSenseFactory,
    }[config.capture.source](config)


PROBE_EVERY_S = 1.0


class Station:
    """One camera: a reader thread, the newest frame, health figures, recording."""

    def __init__(
        self,
        name: str,
        factory: Callable[[str], Any],
        reconnect_s: float,
        idle_stop_s: float,
        expected_open_s: float = DEFAULT_OPEN_S["realsense"],
        on_opened: Callable[[str, float], None] | None = None,
        probe: Callable[[str], str | None] | None = None,
    ) -> None:
        self.name = name
        self._factory = factory
        self._probe = probe
        self._probed: tuple[float, str | None] = (-1e9, None)
        self._reconnect_s = reconnect_s
        self._idle_stop_s = idle_stop_s
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.latest: Any = None
        self.latest_seq = 0
        self.state = "stopped"  # stopped | starting | ok | unavailable
        self.error: str | None = None
        self.info: Any = None
        self.serial: str | None = None
        self.firmware: str | None = None
        self.frames_total = 0
        self.dropped = 0
        self.fps = 0.0
        self.fill_rate: float | None = None
        self.expected_open_s = expected_open_s
        self._on_opened = on_opened
        self._learned = False  # only a cold start says how long opening takes
        self._opening_since: float | None = None
        self._consumed_seq = 0
        self._taps: list[Callable[[Any], None]] = []
        self._last_use = time.monotonic()

    def touch(self) -> None:
        """Mark the camera as wanted; start the reader if it is not running."""
        self._last_use = time.monotonic()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self.state = "starting"
                self._opening_since = time.monotonic()
                self._thread = threading.Thread(
                    target=self._run, name=f"camera-{self.name}", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        t = self._thread
        if t is not None:
            t.join(timeout=5)

    def preparing(self) -> float:
        """How far the camera is from its first frame, 0..1 (1 = delivering frames).

        Estimated from the time opening took last time: a camera cannot say how far along
        it is, and a bar that stops at 95 % is more honest than one that never moves.
        """
        if self.state == "ok":
            return 1.0
        since = self._opening_since
        if since is None or self.state != "starting":
            return 0.0
        return min(0.95, (time.monotonic() - since) / max(self.expected_open_s, 0.1))

    def _run(self) -> None:
        while not self._stop.is_set():
            if time.monotonic() - self._last_use > self._idle_stop_s:
                break
            with self._lock:
                if self.state != "ok":
                    self._opening_since = self._opening_since or time.monotonic()
            try:
                source = self._factory(self.name)
            except (KioskError, OSError, RuntimeError) as exc:
                self._fail(exc)
                self._stop.wait(self._reconnect_s)
                continue
            try:
                self.info = getattr(source, "info", None)
                self.serial = getattr(source, "serial", None)
                self.firmware = getattr(source, "firmware", None)
                self._read(source)
            except (KioskError, OSError, RuntimeError, StopIteration) as exc:
                self._fail(exc)
            finally:
                try:
                    source.close()
                except (KioskError, OSError, RuntimeError) as exc:
                    log.warning("camera %s: close failed: %s", self.name, exc)
            if not self._stop.is_set() and self.state != "stopped":
                self._stop.wait(self._reconnect_s)
        with self._lock:
            self.state = "stopped"
            self._lock.notify_all()

    def _opened(self) -> None:
        since, self._opening_since = self._opening_since, None
        if since is None:
            return
        took = time.monotonic() - since
        log.info("camera %s: first frame after %.1f s", self.name, took)
        if self._learned:
            return
        self._learned = True
        self.expected_open_s = took
        if self._on_opened is not None:
            self._on_opened(self.name, took)

    def _read(self, source: Any) -> None:
        t_window, n_window = time.monotonic(), 0
        for frame in source:
            with self._lock:
                if self.latest is not None and self._consumed_seq < self.latest_seq:
                    self.dropped += 1
                self.latest = frame
                self.latest_seq += 1
                self.frames_total += 1
                for tap in self._taps:
                    tap(frame)
                if self.state != "ok":
                    log.info("camera %s: delivering frames", self.name)
                    self._opened()
                self.state, self.error = "ok", None
                self._lock.notify_all()
            n_window += 1
            now = time.monotonic()
            if now - t_window >= 1.0:
                self.fps = n_window / (now - t_window)
                t_window, n_window = now, 0
                if getattr(frame, "depth_m", None) is not None:
                    self.fill_rate = float((frame.depth_m > 0).mean())
            if self._stop.is_set() or now - self._last_use > self._idle_stop_s:
                with self._lock:
                    self.state = "stopped"
                return
        raise CameraUnavailable("the camera stopped delivering frames")

    def _fail(self, exc: Exception) -> None:
        with self._lock:
            if self.state != "unavailable":
                log.warning("camera %s unavailable: %s", self.name, exc)
            self.state, self.error = "unavailable", str(exc)
            self._lock.notify_all()

    def wait_frame(self, after_seq: int, timeout_s: float) -> tuple[Any, int]:
        """The newest frame newer than `after_seq` (blocks up to `timeout_s`)."""
        self.touch()
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while self.latest_seq <= after_seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, after_seq
                self._lock.wait(left)
            self._consumed_seq = self.latest_seq
            return self.latest, self.latest_seq

    def wait_ready(
        self, timeout_s: float, on_progress: Callable[[float], None] | None = None
    ) -> None:
        """Block until the camera delivers frames (CameraUnavailable after `timeout_s`)."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.touch()
            if self.state == "ok":
                return
            if time.monotonic() > deadline:
                raise CameraUnavailable(self.error or "the camera did not start")
            if on_progress is not None:
                on_progress(self.preparing())
            with self._lock:
                self._lock.wait(0.2)

    def record(
        self,
        duration_s: float,
        on_progress: Callable[[float, list], None] | None = None,
        stall_s: float = 2.0,
        startup_s: float = 20.0,
        on_frame: Callable[[Any], None] | None = None,
        keep: bool = True,
        thin: int = 1,
    ) -> list:
        """Every frame for `duration_s` seconds; CameraUnavailable if frames stop coming.

        `on_frame` sees each frame as it arrives (from the reader thread: keep it quick),
        so analysis can run during the capture; with `keep=False` nothing is kept and the
        result is empty (the caller streams). With `thin` > 1 only every `thin`-th kept
        frame keeps its colour image (the others keep depth only).
        """
        self.touch()
        # a camera still starting (the simulator pre-renders the treadmill) gets time to
        # deliver its first frame before the recording window opens
        first, _ = self.wait_frame(
            self.latest_seq - 1 if self.latest_seq else 0, timeout_s=startup_s
        )
        if first is None:
            raise CameraUnavailable("the camera delivered no frames")
        frames: list = []
        count = [0]

        def tap(frame: Any) -> None:
            count[0] += 1
            if keep:
                if thin > 1 and count[0] % thin and getattr(frame, "color", None) is not None:
                    frame = dataclasses.replace(frame, color=None)
                frames.append(frame)
            if on_frame is not None:
                on_frame(frame)

        with self._lock:
            self._taps.append(tap)
        start = time.monotonic()
        last_count, last_change = 0, start
        try:
            while (now := time.monotonic()) - start < duration_s:
                self._last_use = now
                time.sleep(0.05)
                if count[0] != last_count:
                    last_count, last_change = count[0], now
                elif now - last_change > stall_s:
                    raise CameraUnavailable("the camera stopped delivering frames")
                if on_progress is not None:
                    on_progress(min(1.0, (now - start) / duration_s), frames)
        finally:
            with self._lock:
                self._taps.remove(tap)
        if not count[0]:
            raise CameraUnavailable("the camera delivered no frames")
        return list(frames)

    def absent(self) -> str | None:
        """Why the camera cannot be opened now (None: it can, or it is running).

        A stopped station is not reading, so only this probe (a device query, about a
        millisecond; cached for PROBE_EVERY_S) tells an unplugged camera from an idle one.
        """
        if self._probe is None or self.state in ("ok", "starting"):
            return None
        at, reason = self._probed
        now = time.monotonic()
        if now - at >= PROBE_EVERY_S:
            try:
                reason = self._probe(self.name)
            except (KioskError, OSError, RuntimeError) as exc:
                reason = str(exc)
            self._probed = (now, reason)
        return reason

    def public_state(self) -> tuple[str, str | None]:
        """The state and reason as health pages and shopper screens should see them."""
        state, error = self.state, self.error
        if state == "stopped":
            reason = self.absent()
            if reason is not None:
                return "unavailable", reason
        return state, error

    def status(self) -> dict[str, Any]:
        info = self.info
        state, error = self.public_state()
        return {
            "state": state,
            "error": error,
            "preparing": round(self.preparing(), 3),
            "fps": round(self.fps, 1),
            "frames": self.frames_total,
            "dropped": self.dropped,
            "fill_rate": None if self.fill_rate is None else round(self.fill_rate, 3),
            "name": getattr(info, "name", None),
            "serial": self.serial,
            "firmware": self.firmware,
        }


class CameraHub:
    """Both stations' cameras, opened through one factory."""

    def __init__(
        self,
        config: Config,
        factory: Callable[[str], Any] | None = None,
        open_times_s: dict[str, float] | None = None,
        on_opened: Callable[[str, float], None] | None = None,
    ) -> None:
        factory = factory or default_camera_factory(config)
        defaults = getattr(factory, "expected_open_s", {})
        learned = open_times_s or {}
        self.stations = {
            s: Station(
                s,
                factory,
                config.capture.reconnect_interval_s,
                config.capture.camera_idle_stop_s,
                expected_open_s=float(
                    learned.get(s) or defaults.get(s) or DEFAULT_OPEN_S["realsense"]
                ),
                on_opened=on_opened,
                probe=getattr(factory, "probe", None),
            )
            for s in STATIONS
        }
        self.factory = factory
        strip = config.capture.heel_strip
        # the standing station's heel-contact strip, when it has one
        self.heel_strip = (
            HeelStrip(strip.device, strip.baud, config.capture.reconnect_interval_s)
            if strip.device else None
        )

    def start(self) -> None:
        """Open every station's camera now (a server starting), so health pages and staff
        see at once whether the cameras are there; idle readers stop on their own."""
        if self.heel_strip is not None:
            self.heel_strip.start()
        prepare = getattr(self.factory, "prepare", None)
        if prepare is not None:
            prepare()
        if getattr(self.factory, "open_at_start", False):
            for s in self.stations.values():
                s.touch()

    def __getitem__(self, name: str) -> Station:
        return self.stations[name]

    def status(self) -> dict[str, dict]:
        return {n: s.status() for n, s in self.stations.items()}

    def stop(self) -> None:
        for s in self.stations.values():
            s.stop()
        if self.heel_strip is not None:
            self.heel_strip.stop()

    def pause_except(self, name: str) -> None:
        """Stop the other stations' readers (they restart when next wanted): a walk needs
        the CPU for its own analysis, not for a mat camera nobody looks at."""
        for n, s in self.stations.items():
            if n != name:
                s.stop()


