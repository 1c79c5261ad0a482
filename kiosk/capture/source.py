"""One interface for every frame source, and the one place that picks a source from a path.

A source is a context manager and an iterator of `Frame`s. Recordings and video files end;
a live camera and the simulator run until closed. `info` says what the source is.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.capture.frame import Frame
from kiosk.errors import InputError

RECORDING_SUFFIXES = (".bag", ".db3")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "camera" | "recording" | "simulator" | "video"
    name: str
    fps: float
    has_depth: bool
    has_color: bool


class FrameSource(abc.ABC):
    """Yields frames in order; closing releases the device or file."""

    info: SourceInfo

    @abc.abstractmethod
    def frames(self) -> Iterator[Frame]:
        """Frames in capture order."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device or file."""

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_file_source(path: str | Path) -> FrameSource:
    """A recording (.bag/.db3) or a video file, chosen by suffix; clear errors otherwise."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a file")
    suffix = p.suffix.lower()
    if suffix in RECORDING_SUFFIXES:
        from kiosk.capture.realsense import RecordingSource

        return RecordingSource(p)
    if suffix in VIDEO_SUFFIXES:
        from kiosk.capture.video import VideoSource

        return VideoSource(p)
    raise InputError(
        f"{p}: unknown file type '{suffix}' (expected a RealSense recording "
        f"{'/'.join(RECORDING_SUFFIXES)} or a video {'/'.join(VIDEO_SUFFIXES)})"
    )
