"""`kiosk simulate`: render a shopper's scene and write it as a real RealSense recording.

Beside REC goes REC.truth.json: the profile, the ground truth computed from the rendered
surfaces, and per-frame truth (gait events, rearfoot angles).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kiosk.capture.realsense import RecordingWriter
from kiosk.sim.scenes import (
    ShopperProfile,
    gait_scene,
    gait_truth,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)

log = logging.getLogger(__name__)

STANDING_FPS = 15.0
STANDING_FRAMES = 30  # 2 s, as the kiosk captures
GAIT_FPS = 30.0
GAIT_DURATION_S = 6.0
DEFAULT_MODE = (848, 480)  # (width, height): the D4xx depth mode scenes are rendered at


def truth_path(rec: str | Path) -> Path:
    return Path(str(rec) + ".truth.json")


def write_truth(rec: Path, truth: dict) -> None:
    truth_path(rec).write_text(json.dumps(truth, indent=1))


def simulate_standing(out: str | Path, profile: ShopperProfile, n_frames: int = STANDING_FRAMES,
                      fps: float = STANDING_FPS, board: bool = False,
                      mode: tuple[int, int] = DEFAULT_MODE) -> dict:
    """Write a standing capture; with `board`, the empty mat with the calibration board.
    `mode` is the camera's (width, height) in pixels, a D4xx depth mode."""
    out = Path(out)
    scene = standing_scene(profile, *mode)
    if board:
        from kiosk.sim.board import with_board

        scene = with_board(scene)
    rng = np.random.default_rng(profile.seed + 11)
    _, frames = render_standing_frames(scene, n_frames, rng)
    with RecordingWriter(out, scene.camera.intrinsics, fps) as w:
        for k, (d, c) in enumerate(frames):
            w.write(k, k / fps, d, c)
    truth = dict(scene.truth, profile=profile.to_dict(), fps=fps, n_frames=n_frames)
    write_truth(out, truth)
    return truth


def simulate_gait(out: str | Path, profile: ShopperProfile,
                  duration_s: float = GAIT_DURATION_S, fps: float = GAIT_FPS,
                  mode: tuple[int, int] = DEFAULT_MODE) -> dict:
    """Write a treadmill walk; `mode` as in simulate_standing."""
    out = Path(out)
    scene = gait_scene(profile, duration_s=duration_s, fps=fps, width=mode[0], height=mode[1])
    rng = np.random.default_rng(profile.seed + 13)
    per_frame = []
    with RecordingWriter(out, scene.camera.intrinsics, fps) as w:
        for k in range(scene.n_frames):
            _, d, c, tr = render_gait_frame(scene, k, rng)
            w.write(k, k / fps, d, c)
            per_frame.append(tr)
    truth = dict(gait_truth(scene, per_frame), profile=profile.to_dict(), frames=per_frame)
    write_truth(out, truth)
    return truth


def profile_for(station: str, seed: int | None, profile_file: str | None) -> ShopperProfile:
    if profile_file:
        return ShopperProfile.load(profile_file)
    return random_profile(0 if seed is None else seed, station)
