"""Body landmarks from colour frames with MediaPipe Pose (the full model bundled in the wheel).

One `PoseEstimator` per video or camera: it loads the model once, tracks one person from
frame to frame, optionally inside a staff-set region of interest, and returns landmarks
in full-frame pixels. Finding nobody is a normal answer (`None`), not an error.
`PeopleFinder` runs several of them to find everyone in view.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from kiosk.capture.frame import Roi
from kiosk.capture.video import VideoSource
from kiosk.errors import InputError, ModelError, NoFeetFound

log = logging.getLogger(__name__)

# MediaPipe's 33 pose landmarks, in the model's output order.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
    "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb",
    "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# model_complexity=1 is pose_landmark_full.tflite, which ships inside mediapipe 0.10.14;
# complexity 0 and 2 are not bundled and the library would try to download them.
MODEL_COMPLEXITY = 1
# MediaPipe's own defaults; a detection below this is "no person".
MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5
# People looked for in one frame: the shopper and a couple of passers-by. Each one costs a
# landmark pass (or a detector pass when there is nobody more to find).
MAX_PEOPLE = 3
# Around each person found, this share of their box's width and height is hidden as well
# before the next search, so that an arm or a foot just outside the landmarks is not
# found again as "another person".
PERSON_MASK_MARGIN_SHARE = 0.15


class NoPersonFound(NoFeetFound):
    """No person is visible (camera too close, legs only, empty scene)."""


@dataclass(frozen=True)
class PoseLandmarks:
    """One person's landmarks in full-frame pixels.

    xy_px: 33x2 float (x right, y down), in the order of `LANDMARK_NAMES`; points may lie
    outside the frame where the model extrapolates a hidden limb.
    visibility: 33 floats in [0, 1], the model's belief that each point is visible.
    """

    xy_px: np.ndarray
    visibility: np.ndarray

    def point(self, name: str) -> np.ndarray:
        return self.xy_px[LANDMARK_INDEX[name]]

    def vis(self, name: str) -> float:
        return float(self.visibility[LANDMARK_INDEX[name]])

    def box_px(self, width: int, height: int, margin_share: float = 0.0) -> tuple[int, ...]:
        """(x0, y0, x1, y1) around all 33 landmarks, grown by margin_share, inside the frame."""
        lo = np.nanmin(self.xy_px, axis=0)
        hi = np.nanmax(self.xy_px, axis=0)
        pad = (hi - lo) * margin_share
        x0, y0 = np.floor(lo - pad)
        x1, y1 = np.ceil(hi + pad)
        return (
            int(np.clip(x0, 0, width)),
            int(np.clip(y0, 0, height)),
            int(np.clip(x1, 0, width)),
            int(np.clip(y1, 0, height)),
        )


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence TFLite's C++ start-up banner, which bypasses Python logging and glog levels."""
    try:
        fd = os.dup(2)
    except OSError:  # no usable stderr (daemon): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(fd, 2)
    finally:
        os.close(fd)


def _load_pose_module() -> Any:
    # glog reads its level when the native library starts: keep INFO/WARNING lines out of
    # the kiosk's stderr unless the operator asked for them.
    os.environ.setdefault("GLOG_minloglevel", "2")
    # mediapipe 0.10.14 calls a protobuf API deprecated in protobuf 4 on every frame; the
    # warning is theirs to fix and would otherwise reach the kiosk's stderr.
    warnings.filterwarnings(
        "ignore",
        message=r"SymbolDatabase\.GetPrototype\(\) is deprecated",
        category=UserWarning,
    )
    # Loaded here, not at the top: glog must be configured before the native library
    # starts, and the import costs ~1 s that only the pose path (webcam gait) needs.
    try:
        from absl import logging as absl_logging  # noqa: PLC0415 - see above

        absl_logging.set_verbosity(absl_logging.ERROR)
        from mediapipe.python.solutions import pose as mp_pose  # noqa: PLC0415 - see above
    except ImportError as exc:  # pragma: no cover - mediapipe is a hard dependency
        raise ModelError(f"MediaPipe is not installed ({exc})") from exc
    return mp_pose


class PoseEstimator:
    """MediaPipe Pose, loaded once, tracking one person across consecutive frames.

    roi: optional region of interest (fractions); only that part of each frame is seen by
    the model, and landmarks come back in full-frame pixels all the same.
    Feed frames in time order; call `reset()` before an unrelated clip.
    """

    def __init__(
        self,
        roi: Roi | None = None,
        min_detection_confidence: float = MIN_DETECTION_CONFIDENCE,
        min_tracking_confidence: float = MIN_TRACKING_CONFIDENCE,
    ) -> None:
        self.roi = roi
        self._min_detection_confidence = min_detection_confidence
        self._min_tracking_confidence = min_tracking_confidence
        self._pose: Any = None
        self._open()

    def _open(self) -> None:
        mp_pose = _load_pose_module()
        t0 = time.perf_counter()
        with _quiet_native_stderr():
            try:
                self._pose = mp_pose.Pose(
                    static_image_mode=False,
                    model_complexity=MODEL_COMPLEXITY,
                    smooth_landmarks=True,
                    enable_segmentation=False,
                    min_detection_confidence=self._min_detection_confidence,
                    min_tracking_confidence=self._min_tracking_confidence,
                )
                # The first inference builds the TFLite interpreter; do it here, quietly.
                self._pose.process(np.zeros((64, 64, 3), np.uint8))
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"MediaPipe pose model failed to load: {exc}") from exc
        log.info(
            "loaded MediaPipe pose (model_complexity=%d) in %.0f ms",
            MODEL_COMPLEXITY,
            (time.perf_counter() - t0) * 1e3,
        )

    def reset(self) -> None:
        """Forget the tracked person (start of an unrelated clip)."""
        self.close()
        self._open()

    def process(self, rgb: np.ndarray) -> PoseLandmarks | None:
        """Landmarks of the person in one HxWx3 uint8 RGB frame, or None when nobody is found."""
        if self._pose is None:
            raise RuntimeError("PoseEstimator is closed")
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an HxWx3 uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        height, width = rgb.shape[:2]
        x0, y0, x1, y1 = (
            (0, 0, width, height) if self.roi is None else self.roi.pixels(width, height)
        )
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        result = self._pose.process(crop)
        if result.pose_landmarks is None:
            return None
        lm = result.pose_landmarks.landmark
        norm = np.array([(p.x, p.y) for p in lm], dtype=np.float64)
        xy = norm * np.array([x1 - x0, y1 - y0]) + np.array([x0, y0])
        vis = np.clip(np.array([p.visibility for p in lm], dtype=np.float64), 0.0, 1.0)
        return PoseLandmarks(xy_px=xy, visibility=vis)

    def close(self) -> None:
        if self._pose is not None:
            self._pose.close()
            self._pose = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class PeopleFinder:
    """Everyone in view (up to `max_people`), each frame: find one, hide them, look again.

    MediaPipe's pose solution follows one person per image. Here the first model sees the
    whole frame; each person it finds is painted out (with a margin) before the next model
    looks, so the second finds a second person, and so on. Each model keeps tracking from
    frame to frame as `PoseEstimator` does, but which model follows whom may change: people
    are told apart over time by `kiosk.vision.video_gait.link_people`, not here.
    """

    def __init__(self, max_people: int = MAX_PEOPLE) -> None:
        if max_people < 1:
            raise ValueError("max_people must be at least 1")
        self._estimators: list[PoseEstimator] = []
        try:
            for _ in range(max_people):
                self._estimators.append(PoseEstimator())
        except BaseException:
            self.close()
            raise

    def process(self, rgb: np.ndarray) -> list[PoseLandmarks]:
        """Landmarks of each person in one HxWx3 uint8 RGB frame (possibly none)."""
        height, width = rgb.shape[:2]
        people: list[PoseLandmarks] = []
        boxes: list[tuple[int, ...]] = []
        image = rgb
        for k, estimator in enumerate(self._estimators):
            person = estimator.process(image)
            if person is not None and not _inside_any(_hip_centre_px(person), boxes):
                people.append(person)
                boxes.append(person.box_px(width, height))
                if k + 1 < len(self._estimators):
                    if image is rgb:
                        image = rgb.copy()
                    x0, y0, x1, y1 = person.box_px(width, height, PERSON_MASK_MARGIN_SHARE)
                    image[y0:y1, x0:x1] = 0
        return people

    def close(self) -> None:
        for estimator in self._estimators:
            estimator.close()

    def __enter__(self) -> PeopleFinder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _hip_centre_px(person: PoseLandmarks) -> np.ndarray:
    return (person.point("left_hip") + person.point("right_hip")) / 2.0


def _inside_any(point: np.ndarray, boxes: list[tuple[int, ...]]) -> bool:
    """True when `point` lies in one of the boxes: the same person seen around a mask."""
    x, y = point
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)


def pose_benchmark(
    frames: Iterable[np.ndarray] | None = None,
    n_frames: int = 100,
    video: str | Path | None = None,
    size: tuple[int, int] = (640, 480),
    single_core: bool = True,
    people: bool = False,
) -> list[dict[str, Any]]:
    """Time the pose stage per frame at `size` (default 640x480) for `kiosk bench`.

    frames: RGB frames to time (resized to `size`); else the first `n_frames` of `video`;
    else a synthetic person-free scene (the detector then runs on every frame, the slower
    path). With single_core the work is pinned to one CPU, as the budget is per core.
    Returns one row per timed run: stage, resolution, frames, ms per frame (mean, median,
    p95), and the share of frames with a person found. With `people`, times
    `PeopleFinder.process` (everyone in view, as webcam gait does) instead of one person.
    """
    if frames is None and video is not None:
        with VideoSource(video) as source:
            frames = [f.color for f in _take(source.frames(), n_frames) if f.color is not None]
    if frames is None:
        rng = np.random.default_rng(0)
        frames = [
            rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8) for _ in range(n_frames)
        ]
    resized = [
        cv2.resize(f, size, interpolation=cv2.INTER_AREA) if f.shape[1::-1] != size else f
        for f in _take(iter(frames), n_frames)
    ]
    if not resized:
        raise InputError("pose benchmark: no frames to time")

    saved_affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if single_core and saved_affinity:
        # Threads MediaPipe starts from here on inherit this one-CPU mask.
        os.sched_setaffinity(0, {min(saved_affinity)})
    try:
        with PeopleFinder() if people else PoseEstimator() as model:
            times_ms = []
            found = 0
            for rgb in resized:
                t0 = time.perf_counter()
                result = model.process(rgb)
                found += bool(result) if people else result is not None
                times_ms.append((time.perf_counter() - t0) * 1e3)
    finally:
        if single_core and saved_affinity:
            os.sched_setaffinity(0, saved_affinity)
    t = np.array(times_ms)
    return [
        {
            "stage": "pose_people" if people else "pose",
            "resolution": f"{size[0]}x{size[1]}",
            "frames": len(resized),
            "cpus": 1 if single_core and saved_affinity else len(saved_affinity or ()) or None,
            "ms_per_frame_mean": round(float(t.mean()), 2),
            "ms_per_frame_median": round(float(np.median(t)), 2),
            "ms_per_frame_p95": round(float(np.percentile(t, 95)), 2),
            "person_found_share": round(found / len(resized), 3),
        }
    ]


def _take(it: Iterator[Any], n: int) -> Iterator[Any]:
    for i, item in enumerate(it):
        if i >= n:
            return
        yield item
