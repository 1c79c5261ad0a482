"""One interface for every frame source (`kiosk.capture.files` picks one from a path).

A source is a context manager and an iterator of `Frame`s. Recordings and video files end;
a live camera and the simulator run until closed. `info` says what the source is.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.capture.frame import Frame

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
