"""Real footage for the pose tests: the Sports2D demo clip, fetched from PyPI and cached.

The clip (BSD-3-Clause, Sports2D project) ships inside the `sports2d` wheel as
Sports2D/Demo/demo.mp4: 1768x994, 30 fps, 230 frames; a man on a box and, from about
frame 40 to 200, a woman walking right to left across the lawn, seen from the side.
It is never committed; the cache is ~/.cache/footkiosk or $KIOSK_TEST_CACHE.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

SPORTS2D_VERSION = "0.8.34"
DEMO_MEMBER = "Sports2D/Demo/demo.mp4"
DEMO_SHA256 = "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"
# Keeps the walker (her head is below 55 % of the frame height, her feet near the bottom)
# and leaves out the man standing on the box (his feet are at about 45 %).
WALKER_ROI = "0,0.5,1,0.5"

# pip's words for "could not reach the index" (offline CI, no DNS, proxy refusing).
_NETWORK_MARKERS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Max retries exceeded",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "Network is unreachable",
    "Connection refused",
)


def _cache_dir() -> Path:
    root = os.environ.get("KIOSK_TEST_CACHE")
    path = Path(root) if root else Path.home() / ".cache" / "footkiosk"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _download_wheel(cache: Path) -> Path:
    wheel = cache / f"sports2d-{SPORTS2D_VERSION}-py3-none-any.whl"
    if wheel.is_file():
        return wheel
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--retries", "1", "--timeout", "20",
        f"sports2d=={SPORTS2D_VERSION}", "-d", str(cache),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0 or not wheel.is_file():
        output = proc.stdout + proc.stderr
        last = output.strip().splitlines()[-1] if output.strip() else "no output"
        markers = [marker for marker in _NETWORK_MARKERS if marker in output]
        if markers:
            pytest.skip(
                f"PyPI unreachable ({markers[0]}), cannot fetch the Sports2D demo video: {last}"
            )
        pytest.fail(f"pip download sports2d=={SPORTS2D_VERSION} failed: {last}")
    return wheel


@pytest.fixture(scope="session")
def demo_video_path() -> Path:
    """Path of the cached Sports2D demo clip, fetched on first use."""
    cache = _cache_dir()
    mp4 = cache / f"sports2d-{SPORTS2D_VERSION}-demo.mp4"
    # One download at a time: test workers (pytest-xdist) and parallel runs share the cache,
    # and pip writes the wheel in place.
    with (cache / ".sports2d.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not mp4.is_file():
            wheel = _download_wheel(cache)
            with zipfile.ZipFile(wheel) as zf:
                data = zf.read(DEMO_MEMBER)
            tmp = mp4.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(mp4)  # atomic: a reader never sees half a file
    digest = hashlib.sha256(mp4.read_bytes()).hexdigest()
    assert digest == DEMO_SHA256, f"{mp4} is not the clip the counts were made on"
    return mp4


@pytest.fixture(scope="session")
def walker_roi() -> str:
    """The staff-style region of interest that keeps the walker in the demo clip."""
    return WALKER_ROI


@pytest.fixture(scope="session")
def demo_gait_report(demo_video_path: Path) -> dict[str, Any]:
    """The webcam-only gait report of the demo clip with the walker's region of interest."""
    from kiosk.vision.video_gait import analyze_gait_video

    return analyze_gait_video(demo_video_path, roi=WALKER_ROI).to_dict()


# The stretch of the demo used for the region-of-interest checks: the walker from just
# after she steps out from behind the tree to just before she leaves at the left edge.
TRIM_FRAMES = (45, 190)  # first and last frame, inclusive


@pytest.fixture(scope="session")
def demo_trim_path(demo_video_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frames 45-190 of the demo clip as a video file of their own (frames renumbered from 0).

    Written losslessly (FFV1 in Matroska), so the decoded pixels are the original's.
    """
    import cv2

    first, last = TRIM_FRAMES
    out = tmp_path_factory.mktemp("demo") / f"demo-{first}-{last}.mkv"
    capture = cv2.VideoCapture(str(demo_video_path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    writer = None
    number = 0
    try:
        while number <= last:
            ok, bgr = capture.read()
            if not ok:
                break
            if number >= first:
                if writer is None:
                    height, width = bgr.shape[:2]
                    fourcc = cv2.VideoWriter_fourcc(*"FFV1")
                    writer = cv2.VideoWriter(str(out), fourcc, fps, (width, height))
                    assert writer.isOpened(), "OpenCV cannot write FFV1 video"
                writer.write(bgr)
            number += 1
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    assert number == last + 1, f"{demo_video_path} ended at frame {number}"
    return out
