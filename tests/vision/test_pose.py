"""The pose stage's edges: regions of interest, nobody in view, and a cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.capture.frame import Frame, Intrinsics, Roi
from kiosk.errors import InputError, KioskError
from kiosk.vision.pose import NoPersonFound, PeopleFinder, PoseEstimator
from kiosk.vision.video_gait import analyze_gait_video, pose_alignment


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0,0.5,1,0.5", Roi(0, 0.5, 1, 0.5)), (" 0.1, 0.2 ,0.3,0.4 ", Roi(0.1, 0.2, 0.3, 0.4))],
)
def test_roi_parses_fractions(text: str, expected: Roi) -> None:
    assert Roi.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0,0.5,1", "four fractions"),
        ("0,0.5,1,0.5,1", "four fractions"),
        ("a,b,c,d", "numbers"),
        ("", "four fractions"),
        ("-0.1,0,0.5,0.5", ">= 0"),
        ("0,0,0,0.5", "> 0"),
        ("0.6,0,0.5,0.5", "inside the frame"),
        ("0,0.5,1,0.6", "inside the frame"),
        ("nan,0,0.5,0.5", "finite"),
        ("0,0,inf,0.5", "finite"),
    ],
)
def test_bad_roi_is_an_input_error_with_a_one_line_reason(text: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        Roi.parse(text)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_roi_maps_to_pixel_bounds_inside_the_frame() -> None:
    assert Roi(0, 0.5, 1, 0.5).pixels(1768, 994) == (0, 497, 1768, 994)
    x0, y0, x1, y1 = Roi(0.999, 0.999, 0.001, 0.001).pixels(640, 480)
    assert x1 > x0 and y1 > y0 and x1 <= 640 and y1 <= 480


@pytest.mark.slow  # a fresh interpreter: seconds of imports
def test_importing_the_pose_modules_does_not_load_mediapipe() -> None:
    # mediapipe (~1 s, and glog must be set up first) loads on the first pose estimate;
    # OpenCV is a plain top-level import like the rest of the package's dependencies
    code = (
        "import sys, kiosk.vision.pose, kiosk.vision.video_gait, kiosk.capture.video;"
        "print('mediapipe' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


def _legs_only_frames(n: int = 12) -> list[np.ndarray]:
    """A treadmill camera's view without a body: belt, two shod lower legs, plain walls."""
    frames = []
    for k in range(n):
        img = np.full((480, 640, 3), (200, 205, 210), np.uint8)
        img[300:] = (60, 60, 65)  # belt
        for x in (250 + 10 * np.sin(k / 2), 390 - 10 * np.sin(k / 2)):
            x = int(x)
            cv2.rectangle(img, (x - 22, 120), (x + 22, 380), (225, 190, 170), -1)  # shank
            cv2.rectangle(img, (x - 35, 370), (x + 40, 420), (30, 30, 140), -1)  # shoe
        frames.append(img)
    return frames


@pytest.mark.slow
def test_legs_only_footage_reports_no_person_cleanly() -> None:
    with PoseEstimator() as estimator:
        assert all(estimator.process(f) is None for f in _legs_only_frames())
    with PeopleFinder() as finder:
        assert all(finder.process(f) == [] for f in _legs_only_frames())
    frames = [
        Frame(k, k / 30, Intrinsics(640, 480, 600, 600, 319.5, 239.5), color=img)
        for k, img in enumerate(_legs_only_frames())
    ]
    assert pose_alignment(frames) == {"person_found": False, "reason": "no person found"}


# kiosk.sim's flying-pixel noise warns on NaN depth (its owner knows); not the pose stage's.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.slow
def test_simulated_treadmill_footage_shows_legs_only_and_reports_no_person() -> None:
    from kiosk.capture.simulated import SimulatedCamera

    # 5 fps keeps the simulator's pre-rendered strides short; the pose stage sees each
    # frame independently of the rate.
    with SimulatedCamera("gait", seed=3, fps=5.0, max_frames=8) as camera:
        block = pose_alignment(camera.frames())
    assert block == {"person_found": False, "reason": "no person found"}


@pytest.mark.slow
def test_depth_only_frames_report_no_person_without_loading_colour() -> None:
    intr = Intrinsics(64, 48, 60, 60, 31.5, 23.5)
    frames = [Frame(k, k / 30, intr, depth_m=np.ones((48, 64), np.float32)) for k in range(3)]
    assert pose_alignment(frames) == {"person_found": False, "reason": "no colour frames"}


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.mark.slow
def test_video_without_a_person_raises_no_person_found(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "empty_lawn.mp4", _legs_only_frames(20))
    with pytest.raises(NoPersonFound) as err:
        analyze_gait_video(video)
    assert isinstance(err.value, KioskError)
    assert "no person" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("payload", [b"", b"\x00" * 4096, b"not a video at all" * 100])
def test_corrupt_video_raises_input_error(tmp_path: Path, payload: bytes) -> None:
    video = tmp_path / "broken.mp4"
    video.write_bytes(payload)
    with pytest.raises(InputError) as err:
        analyze_gait_video(video)
    assert "broken.mp4" in str(err.value) and "\n" not in str(err.value)


def test_bad_roi_and_view_are_rejected_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="four fractions"):
        analyze_gait_video(tmp_path / "whatever.mp4", roi="0,0,1")
    with pytest.raises(InputError, match="view"):
        analyze_gait_video(tmp_path / "whatever.mp4", view="top")
