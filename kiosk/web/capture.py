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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import Config
from kiosk.errors import CameraUnavailable, KioskError

log = logging.getLogger(__name__)

STATIONS = ("standing", "gait")


class Analysis:
    """The pipeline entry points, imported when first used.

    The learned models are loaded on first use; if a model file is missing or corrupt the
    kiosk keeps measuring with geometry alone (which meets the measuring targets on its
    own), logs the file's name once and shows it on /healthz and the staff page.
    """

    def __init__(self) -> None:
        self.models_error: str | None = None

    def models(self) -> Any:
        from kiosk.errors import ModelError
        from kiosk.vision.learned import kiosk_models

        try:
            models = kiosk_models()
        except ModelError as exc:
            if self.models_error != str(exc):
                log.error("measuring with geometry only: %s", exc)
            self.models_error = str(exc)
            return None
        self.models_error = None
        return models

    def analyze_standing(self, frames: Iterable, calibration: Any = None, **kw: Any) -> dict:
        from kiosk.pipeline import analyze_standing

        kw.setdefault("models", self.models())
        return analyze_standing(frames, calibration=calibration, **kw)

    def analyze_gait(self, frames: Iterable, calibration: Any = None, **kw: Any) -> dict:
        """`frames` may be a generator still being filled: the pipeline reads it once."""
        from kiosk.pipeline import analyze_gait

        kw.setdefault("models", self.models())
        return analyze_gait(frames, calibration=calibration, **kw)

    def preview(self, frame: Any, calibration: Any = None) -> tuple[Any, str | None]:
        from kiosk.pipeline import preview

        return preview(frame, calibration=calibration)


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


def default_camera_factory(config: Config) -> Callable[[str], Any]:
    kept: dict[str, Any] = {}
    lock = threading.Lock()

    def factory(station: str) -> Any:
        if config.capture.source == "simulated":
            from kiosk.capture.simulated import SimulatedCamera

            with lock:
                sim = kept.get(station)
            if sim is None:
                sim = SimulatedCamera(
                    station=station, seed=config.capture.simulated_seed, realtime=True
                )
                with lock:
                    kept[station] = sim
            return KeptSource(sim)
        from kiosk.capture.realsense import open_camera  # the lead's live-camera source

        serial = (
            config.capture.standing_serial if station == "standing" else config.capture.gait_serial
        )
        return open_camera(serial=serial, station=station)

    factory.expected_open_s = (  # type: ignore[attr-defined]
        {"standing": DEFAULT_OPEN_S["simulated"], "gait": DEFAULT_OPEN_S["simulated-gait"]}
        if config.capture.source == "simulated"
        else {"standing": DEFAULT_OPEN_S["realsense"], "gait": DEFAULT_OPEN_S["realsense"]}
    )
    return factory


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
    ) -> list:
        """Every frame for `duration_s` seconds; CameraUnavailable if frames stop coming.

        `on_frame` sees each frame as it arrives (from the reader thread: keep it quick),
        so analysis can run during the capture; with `keep=False` nothing is kept and the
        result is empty (the caller streams).
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

    def status(self) -> dict[str, Any]:
        info = self.info
        return {
            "state": self.state,
            "error": self.error,
            "preparing": round(self.preparing(), 3),
            "fps": round(self.fps, 1),
            "frames": self.frames_total,
            "dropped": self.dropped,
            "fill_rate": None if self.fill_rate is None else round(self.fill_rate, 3),
            "name": getattr(info, "name", None),
            "firmware": (getattr(info, "firmware", None) if info is not None else None),
        }


class CameraHub:
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

    def pause_except(self, name: str) -> None:
        """Stop the other stations' readers (they restart when next wanted): a walk needs
        the CPU for its own analysis, not for a mat camera nobody looks at."""
        for n, s in self.stations.items():
            if n != name:
                s.stop()


@dataclass
class Job:
    kind: str  # "standing" | "walk" | "board"
    session_id: str
    # wall-clock time each phase began (the browser benchmark lines them up with the page)
    marks: dict[str, float] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # queued | preparing | countdown | capturing | analysing | done | error
    phase: str = "queued"
    progress: float = 0.0
    preparing: float = 0.0  # the camera's start-up, 0..1, while phase == "preparing"
    countdown: int = 0
    steps: int = 0
    remaining_s: float = 0.0
    error_kind: str | None = None
    error_message: str | None = None
    result: Any = None
    cancelled: bool = False

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "phase" and getattr(self, "phase", None) != value:
            self.__dict__.setdefault("marks", {})[value] = round(time.time(), 3)
        super().__setattr__(name, value)

    def public(self) -> dict[str, Any]:
        return {
            "marks": dict(self.marks),
            "id": self.id,
            "kind": self.kind,
            "phase": self.phase,
            "progress": round(self.progress, 3),
            "preparing": round(self.preparing, 3),
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

    def analysing(self) -> bool:
        """A capture is being measured: previews step aside so it gets the CPU."""
        with self._lock:
            return any(j.phase == "analysing" and not j.cancelled for j in self._jobs.values())


class PreviewOverlay:
    """The pipeline's preview overlay for one station, computed in its own thread.

    The pipeline outlines the feet in a few hundred milliseconds per frame; the MJPEG
    stream must keep the camera's rate (≥ 15 fps). So the stream sends every frame with
    the newest outline painted on, while this thread redraws the outline as fast as the
    pipeline manages, and steps aside while a capture is being measured.
    """

    def __init__(
        self,
        analysis: Any,
        busy: Callable[[], bool] = lambda: False,
        min_interval_s: float = 0.2,
        idle_stop_s: float = 5.0,
    ) -> None:
        self._analysis = analysis
        self._busy = busy
        self._min_interval_s = min_interval_s
        self._idle_stop_s = idle_stop_s
        self._lock = threading.Lock()
        self._frame: Any = None
        self._offered = 0.0
        self._thread: threading.Thread | None = None
        self._mask: Any = None  # HxW bool: pixels the pipeline drew
        self._pixels: Any = None  # their colours
        self.guidance: str | None = None
        self.updates = 0

    def offer(self, frame: Any) -> None:
        """The newest frame (the thread picks it up when it is free)."""
        with self._lock:
            self._frame, self._offered = frame, time.monotonic()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="preview", daemon=True)
                self._thread.start()

    def draw(self, frame: Any) -> Any:
        """`frame`'s colour image with the newest outline on it."""
        import numpy as np

        image = frame.color
        with self._lock:
            mask, pixels = self._mask, self._pixels
        if image is None or mask is None or mask.shape != image.shape[:2]:
            return image
        out = np.array(image, copy=True)
        out[mask] = pixels
        return out

    def _run(self) -> None:
        import numpy as np

        seen = None
        while True:
            with self._lock:
                frame, offered = self._frame, self._offered
            if time.monotonic() - offered > self._idle_stop_s:
                return
            if frame is seen or frame is None or frame.color is None or self._busy():
                time.sleep(0.05)
                continue
            seen = frame
            t0 = time.monotonic()
            try:
                image, guidance = self._analysis.preview(frame)
            except KioskError as exc:
                log.debug("preview: %s", exc)
                continue
            mask = np.any(np.asarray(image) != frame.color, axis=2)
            with self._lock:
                self._mask, self._pixels = mask, np.asarray(image)[mask]
                self.guidance = guidance
                self.updates += 1
            # at most half the time drawing: the camera and the stream need the CPU too
            took = time.monotonic() - t0
            time.sleep(max(self._min_interval_s - took, took))
