"""Camera I/O and capture jobs, outside the request handlers.

`CameraHub` runs one reader thread per station that keeps the newest frame (dropping and
counting the rest, as Frigate does) and, while a capture records, every frame. A camera
that fails or is unplugged is a state (`unavailable`) the UI shows; the thread reopens it
on its own. `Jobs` runs one capture-and-analyse job at a time (there is one shopper) and
reports its phase and progress to the polling page. The analysis itself is
`kiosk.pipeline`; this module only orchestrates.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import Config
from kiosk.errors import CameraUnavailable, KioskError

log = logging.getLogger(__name__)

STATIONS = ("standing", "gait")


class Analysis:
    """The pipeline entry points, imported when first used."""

    def analyze_standing(self, frames: list, calibration: Any = None) -> dict:
        from kiosk.pipeline import analyze_standing

        return analyze_standing(frames, calibration=calibration)

    def analyze_gait(self, frames: list, calibration: Any = None) -> dict:
        from kiosk.pipeline import analyze_gait

        return analyze_gait(frames, calibration=calibration)

    def preview(self, frame: Any, calibration: Any = None) -> tuple[Any, str | None]:
        from kiosk.pipeline import preview

        return preview(frame, calibration=calibration)


def default_camera_factory(config: Config) -> Callable[[str], Any]:
    def factory(station: str) -> Any:
        if config.capture.source == "simulated":
            from kiosk.capture.simulated import SimulatedCamera

            return SimulatedCamera(
                station=station, seed=config.capture.simulated_seed, realtime=True
            )
        from kiosk.capture.realsense import open_camera  # the lead's live-camera source

        serial = (
            config.capture.standing_serial if station == "standing" else config.capture.gait_serial
        )
        return open_camera(serial=serial, station=station)

    return factory


class Station:
    """One camera: a reader thread, the newest frame, health figures, recording."""

    def __init__(
        self, name: str, factory: Callable[[str], Any], reconnect_s: float, idle_stop_s: float
    ) -> None:
        self.name = name
        self._factory = factory
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
        self.frames_total = 0
        self.dropped = 0
        self.fps = 0.0
        self.fill_rate: float | None = None
        self._consumed_seq = 0
        self._recording: list | None = None
        self._last_use = time.monotonic()

    def touch(self) -> None:
        """Mark the camera as wanted; start the reader if it is not running."""
        self._last_use = time.monotonic()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self.state = "starting"
                self._thread = threading.Thread(
                    target=self._run, name=f"camera-{self.name}", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        t = self._thread
        if t is not None:
            t.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            if time.monotonic() - self._last_use > self._idle_stop_s:
                break
            try:
                source = self._factory(self.name)
            except (KioskError, OSError, RuntimeError) as exc:
                self._fail(exc)
                self._stop.wait(self._reconnect_s)
                continue
            try:
                self.info = getattr(source, "info", None)
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

    def _read(self, source: Any) -> None:
        t_window, n_window = time.monotonic(), 0
        for frame in source:
            with self._lock:
                if self.latest is not None and self._consumed_seq < self.latest_seq:
                    self.dropped += 1
                self.latest = frame
                self.latest_seq += 1
                self.frames_total += 1
                if self._recording is not None:
                    self._recording.append(frame)
                if self.state != "ok":
                    log.info("camera %s: delivering frames", self.name)
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

    def record(
        self,
        duration_s: float,
        on_progress: Callable[[float, list], None] | None = None,
        stall_s: float = 2.0,
        startup_s: float = 20.0,
    ) -> list:
        """Every frame for `duration_s` seconds; CameraUnavailable if frames stop coming."""
        self.touch()
        # a camera still starting (the simulator pre-renders the treadmill) gets time to
        # deliver its first frame before the recording window opens
        first, _ = self.wait_frame(
            self.latest_seq - 1 if self.latest_seq else 0, timeout_s=startup_s
        )
        if first is None:
            raise CameraUnavailable("the camera delivered no frames")
        frames: list = []
        with self._lock:
            self._recording = frames
        start = time.monotonic()
        last_count, last_change = 0, start
        try:
            while (now := time.monotonic()) - start < duration_s:
                self._last_use = now
                time.sleep(0.05)
                if len(frames) != last_count:
                    last_count, last_change = len(frames), now
                elif now - last_change > stall_s:
                    raise CameraUnavailable("the camera stopped delivering frames")
                if on_progress is not None:
                    on_progress(min(1.0, (now - start) / duration_s), frames)
        finally:
            with self._lock:
                self._recording = None
        if not frames:
            raise CameraUnavailable("the camera delivered no frames")
        return list(frames)

    def status(self) -> dict[str, Any]:
        info = self.info
        return {
            "state": self.state,
            "error": self.error,
            "fps": round(self.fps, 1),
            "frames": self.frames_total,
            "dropped": self.dropped,
            "fill_rate": None if self.fill_rate is None else round(self.fill_rate, 3),
            "name": getattr(info, "name", None),
            "firmware": (getattr(info, "firmware", None) if info is not None else None),
        }


class CameraHub:
    def __init__(self, config: Config, factory: Callable[[str], Any] | None = None) -> None:
        factory = factory or default_camera_factory(config)
        self.stations = {
            s: Station(
                s, factory, config.capture.reconnect_interval_s, config.capture.camera_idle_stop_s
            )
            for s in STATIONS
        }

    def __getitem__(self, name: str) -> Station:
        return self.stations[name]

    def status(self) -> dict[str, dict]:
        return {n: s.status() for n, s in self.stations.items()}

    def stop(self) -> None:
        for s in self.stations.values():
            s.stop()


@dataclass
class Job:
    kind: str  # "standing" | "walk" | "board"
    session_id: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    phase: str = "queued"  # queued | countdown | capturing | analysing | done | error
    progress: float = 0.0
    countdown: int = 0
    steps: int = 0
    remaining_s: float = 0.0
    error_kind: str | None = None
    error_message: str | None = None
    result: Any = None
    cancelled: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "phase": self.phase,
            "progress": round(self.progress, 3),
            "countdown": self.countdown,
            "steps": self.steps,
            "remaining_s": round(self.remaining_s, 1),
            "error": self.error_kind,
        }


class Jobs:
    """At most one running job; a new one cancels the old (a new shopper took over)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(self, job: Job, work: Callable[[Job], Any]) -> Job:
        with self._lock:
            for old in self._jobs.values():
                old.cancelled = True
            self._jobs = {job.id: job}

        def run() -> None:
            try:
                job.result = work(job)
                if not job.cancelled:
                    job.phase, job.progress = "done", 1.0
            except KioskError as exc:
                job.error_kind, job.error_message = type(exc).__name__, str(exc)
                job.phase = "error"
                log.info("%s job ended: %s: %s", job.kind, job.error_kind, exc)
            except Exception:
                log.exception("%s job failed", job.kind)
                job.error_kind, job.phase = "generic", "error"

        threading.Thread(target=run, name=f"job-{job.kind}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)
