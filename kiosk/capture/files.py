"""The one place that picks a frame source for a file: a RealSense recording or a video.

It sits above the sources themselves (`realsense`, `video`), which share `source`'s interface.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.capture.realsense import RecordingSource
from kiosk.capture.source import RECORDING_SUFFIXES, VIDEO_SUFFIXES, FrameSource
from kiosk.capture.video import VideoSource
from kiosk.errors import InputError


def open_file_source(path: str | Path) -> FrameSource:
    """A recording (.bag/.db3) or a video file, chosen by suffix; clear errors otherwise."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a file")
    suffix = p.suffix.lower()
    if suffix in RECORDING_SUFFIXES:
        return RecordingSource(p)
    if suffix in VIDEO_SUFFIXES:
        return VideoSource(p)
    raise InputError(
        f"{p}: unknown file type '{suffix}' (expected a RealSense recording "
        f"{'/'.join(RECORDING_SUFFIXES)} or a video {'/'.join(VIDEO_SUFFIXES)})"
    )
