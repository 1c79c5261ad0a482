"""Plain video files (a store's webcam, a phone clip) as a colour-only frame source.

OpenCV decodes; frames come out RGB with timestamps from the file's frame rate. A video
carries no calibration, so the intrinsics are a pinhole guess from a nominal field of
view, and every frame's meta says so.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2

from kiosk.capture.frame import Frame, Intrinsics
from kiosk.capture.source import FrameSource, SourceInfo
from kiosk.errors import InputError

log = logging.getLogger(__name__)

# A typical webcam / phone main camera sees about 70° across; nothing in a video file says
# better. Only pose-based figures (angles in the image, timing) use video, so this guess
# never enters a length.
NOMINAL_HFOV_DEG = 70.0
# Frame rates outside this band are a broken header, not a camera.
MIN_FPS, MAX_FPS = 1.0, 1000.0


def nominal_intrinsics(width: int, height: int, hfov_deg: float = NOMINAL_HFOV_DEG) -> Intrinsics:
    """Square-pixel pinhole intrinsics for a width x height image seeing `hfov_deg` across."""
    fx = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
    return Intrinsics(
        width=width, height=height, fx=fx, fy=fx, ppx=(width - 1) / 2.0, ppy=(height - 1) / 2.0
    )


def _open_capture(path: Path) -> Any:
    # FFmpeg writes its complaints ("moov atom not found") straight to stderr; the
    # InputError below already tells the user, so keep FFmpeg quiet unless an operator
    # sets OPENCV_FFMPEG_LOGLEVEL to debug a file.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise InputError(f"{path}: cannot open as a video (unreadable or corrupt file)")
    return capture


class VideoSource(FrameSource):
    """Frames of a video file, RGB, numbered from 0, timestamps = number / fps."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        capture = _open_capture(self.path)
        try:
            fps = float(capture.get(cv2.CAP_PROP_FPS))
            ok, first = capture.read()
            self.frame_count_hint = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            capture.release()
        if not ok or first is None or first.ndim != 3:
            raise InputError(f"{self.path}: the video has no readable frames")
        if not (math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
            raise InputError(f"{self.path}: the video has no usable frame rate ({fps:g} fps)")
        height, width = first.shape[:2]
        self.fps = fps
        self.intrinsics = nominal_intrinsics(width, height)
        self.info = SourceInfo(
            kind="video", name=self.path.name, fps=fps, has_depth=False, has_color=True
        )
        log.info(
            "video %s: %dx%d at %.2f fps, about %d frames",
            self.path.name,
            width,
            height,
            fps,
            self.frame_count_hint,
        )

    def frames(self) -> Iterator[Frame]:
        capture = _open_capture(self.path)
        meta = {
            "source": "video",
            "intrinsics_approximate": True,
            "nominal_hfov_deg": NOMINAL_HFOV_DEG,
        }
        number = 0
        try:
            while True:
                ok, bgr = capture.read()
                if not ok or bgr is None:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                if rgb.shape[:2] != (self.intrinsics.height, self.intrinsics.width):
                    raise InputError(
                        f"{self.path}: frame {number} changes size to {rgb.shape[1]}x{rgb.shape[0]}"
                    )
                yield Frame(
                    number=number,
                    timestamp_s=number / self.fps,
                    intrinsics=self.intrinsics,
                    color=rgb,
                    meta=dict(meta),
                )
                number += 1
        finally:
            capture.release()
        if 0 < number < self.frame_count_hint - 1:
            log.warning(
                "video %s ended after %d of %d frames (truncated or damaged file)",
                self.path.name,
                number,
                self.frame_count_hint,
            )
