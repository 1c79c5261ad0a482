"""Capture jobs and the live preview, outside the request handlers.

`Jobs` runs one capture-and-analyse job at a time (there is one shopper) and reports its
phase and progress to the polling page; `PreviewOverlay` outlines the feet on the camera
stream in its own thread. Cameras belong to `kiosk.capture.hub`; the analysis itself is
`kiosk.pipeline`; this module only orchestrates.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kiosk import pipeline
from kiosk.errors import KioskError, ModelError
from kiosk.report import GaitReport, StandingReport
from kiosk.vision.learned import kiosk_models

log = logging.getLogger(__name__)


class Analysis:
    """The pipeline entry points as the web app uses them.

    The learned models are loaded on first use; if a model file is missing or corrupt the
    kiosk keeps measuring with geometry alone (which meets the measuring targets on its
    own), logs the file's name once and shows it on /healthz and the staff page.
    """

    def __init__(self) -> None:
        self.models_error: str | None = None

    def models(self) -> Any:
        try:
            models = kiosk_models()
        except ModelError as exc:
            if self.models_error != str(exc):
                log.error("measuring with geometry only: %s", exc)
            self.models_error = str(exc)
            return None
        self.models_error = None
        return models

    def model_versions(self) -> dict[str, str]:
        """What this visit will measure with: each model's sha256 prefix (from its card,
        checked when loaded), or `{"method": "geometry"}` when the models are out."""
        models = self.models()
        if models is None:
            return {"method": "geometry"}
        return {"method": "geometry+models", **models.versions()}

    def analyze_standing(self, frames: Iterable, calibration: Any = None,
                         **kw: Any) -> StandingReport:
        kw.setdefault("models", self.models())
        return pipeline.analyze_standing(frames, calibration=calibration, **kw)

    def analyze_gait(self, frames: Iterable, calibration: Any = None, **kw: Any) -> GaitReport:
        """`frames` may be a generator still being filled: the pipeline reads it once."""
        kw.setdefault("models", self.models())
        return pipeline.analyze_gait(frames, calibration=calibration, **kw)

    def preview_outline(self, frame: Any) -> tuple[pipeline.PreviewOutline | None, str | None]:
        return pipeline.preview_outline(frame)


@dataclass
class Job:
    kind: str  # "standing" | "walk" | "board"
    session_id: str
    # wall-clock time each phase began (the browser benchmark lines them up with the page)
    marks: dict[str, float] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # queued | preparing | heels | countdown | capturing | analysing | done | error
    # (heels: waiting for both heels to press the heel stop's strip)
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
                job.error_kind, job.error_message = exc.code, str(exc)
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
        self._outline: pipeline.PreviewOutline | None = None
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

        with self._lock:
            outline = self._outline
        if frame.color is None or outline is None:
            return frame.color
        return outline.draw(frame.color)

    def _run(self) -> None:

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
                outline, guidance = self._analysis.preview_outline(frame)
            except KioskError as exc:
                log.debug("preview: %s", exc)
                continue
            with self._lock:
                self._outline = outline
                self.guidance = guidance
                self.updates += 1
            # at most half the time drawing: the camera and the stream need the CPU too
            took = time.monotonic() - t0
            time.sleep(max(self._min_interval_s - took, took))
