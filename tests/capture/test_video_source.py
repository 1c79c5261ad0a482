"""Plain video files as a frame source: RGB frames, file-rate timestamps, clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.capture.files import open_file_source
from kiosk.capture.video import NOMINAL_HFOV_DEG, VideoSource
from kiosk.errors import InputError


def _write_video(path: Path, n: int, fps: float = 25.0, size: tuple[int, int] = (160, 120)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for k in range(n):
        bgr = np.zeros((size[1], size[0], 3), np.uint8)
        bgr[..., 2] = 220  # red in OpenCV's BGR order
        bgr[: 10 + 5 * k, :, 1] = 120  # a band that grows, so frames differ
        writer.write(bgr)
    writer.release()
    return path


def test_video_frames_are_rgb_numbered_and_timed_from_the_file_rate(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "walk.mp4", n=12, fps=25.0)
    with open_file_source(video) as source:
        assert isinstance(source, VideoSource)
        assert source.info.kind == "video" and source.info.fps == pytest.approx(25.0)
        assert source.info.has_color and not source.info.has_depth
        frames = list(source.frames())
    assert [f.number for f in frames] == list(range(12))
    assert [f.timestamp_s for f in frames] == pytest.approx([k / 25.0 for k in range(12)])
    first = frames[0]
    assert first.depth_m is None and first.color.shape == (120, 160, 3)
    assert first.color.dtype == np.uint8
    red, blue = first.color[-1, -1, 0], first.color[-1, -1, 2]
    assert red > 180 and blue < 60  # converted to RGB


def test_video_intrinsics_are_a_nominal_guess_and_say_so(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "walk.mp4", n=3)
    with VideoSource(video) as source:
        frame = next(iter(source.frames()))
    intr = frame.intrinsics
    assert (intr.width, intr.height) == (160, 120)
    hfov = math.degrees(2 * math.atan(intr.width / 2 / intr.fx))
    assert hfov == pytest.approx(NOMINAL_HFOV_DEG)
    assert frame.meta["intrinsics_approximate"] is True


def test_video_can_be_read_twice(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "walk.mp4", n=5)
    source = VideoSource(video)
    assert len(list(source.frames())) == len(list(source.frames())) == 5


@pytest.mark.parametrize(
    "payload", [b"", b"\x00" * 2048, b"RIFF....AVI garbage" * 50], ids=["empty", "zeros", "junk"]
)
def test_corrupt_or_empty_video_is_an_input_error(tmp_path: Path, payload: bytes) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(payload)
    with pytest.raises(InputError) as err:
        open_file_source(video)
    assert "clip.mp4" in str(err.value) and "\n" not in str(err.value)


def test_truncated_video_is_an_input_error(tmp_path: Path) -> None:
    good = _write_video(tmp_path / "good.mp4", n=20)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[:200])  # header only, no frames
    with pytest.raises(InputError):
        VideoSource(cut)


def test_missing_video_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        VideoSource(tmp_path / "nothing.mp4")
