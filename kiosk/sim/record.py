"""`kiosk simulate`: render a shopper's scene and write it as a real RealSense recording.

Beside REC goes REC.truth.json: the profile, the ground truth computed from the rendered
surfaces, and per-frame truth (gait events, rearfoot angles).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np

from kiosk.capture.realsense import RecordingWriter
from kiosk.progress import progress
from kiosk.sim.board import with_board
from kiosk.sim.mesh_gait import (
    MeshWalker,
    mesh_gait_scene,
    mesh_gait_truth,
    random_mesh_walker,
    render_mesh_gait_frame,
)
from kiosk.sim.mesh_scenes import (
    MeshShopper,
    mesh_standing_scene,
    random_mesh_shopper,
    render_mesh_standing,
)
from kiosk.sim.modes import DepthMode
from kiosk.sim.scenes import (
    ShopperProfile,
    apply_mode,
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


def truth_path(rec: str | Path) -> Path:
    return Path(str(rec) + ".truth.json")


def write_truth(rec: Path, truth: dict) -> None:
    truth_path(rec).write_text(json.dumps(truth, indent=1))


def simulate_standing(out: str | Path, profile: ShopperProfile, n_frames: int = STANDING_FRAMES,
                      fps: float | None = None, board: bool = False,
                      mode: tuple[int, int] | None = None) -> dict:
    """Write a standing capture; with `board`, the empty mat with the calibration board.
    `mode`: the camera's (width, height) if not the profile's own D4xx mode."""
    out = Path(out)
    fps = fps or profile.fps or STANDING_FPS
    scene = standing_scene(profile, *(mode or (None, None)))
    if board:
        scene = with_board(scene)
    rng = np.random.default_rng(profile.seed + 11)
    _, frames = render_standing_frames(scene, n_frames, rng)
    with RecordingWriter(out, scene.camera.intrinsics, fps, color=profile.color) as w:
        for k, (d, c) in enumerate(frames):
            w.write(k, k / fps, d, c if profile.color else None)
    truth = dict(scene.truth, profile=profile.to_dict(), fps=fps, n_frames=n_frames,
                 mode=_mode_truth(profile, scene.camera.intrinsics, fps))
    write_truth(out, truth)
    return truth


def _mode_truth(profile: ShopperProfile, intr, fps: float) -> dict:
    return {"camera": profile.camera_model, "width": intr.width, "height": intr.height,
            "fps": fps, "color": profile.color}


def simulate_gait(out: str | Path, profile: ShopperProfile,
                  duration_s: float = GAIT_DURATION_S, fps: float | None = None,
                  mode: tuple[int, int] | None = None) -> dict:
    """Write a treadmill walk; `mode` as in simulate_standing."""
    out = Path(out)
    fps = fps or profile.fps or GAIT_FPS
    width, height = mode or (None, None)
    scene = gait_scene(profile, duration_s=duration_s, fps=fps, width=width, height=height)
    rng = np.random.default_rng(profile.seed + 13)
    per_frame = []
    with RecordingWriter(out, scene.camera.intrinsics, fps, color=profile.color) as w:
        for k in progress(range(scene.n_frames), desc="rendering the walk", unit="frame"):
            _, d, c, tr = render_gait_frame(scene, k, rng)
            w.write(k, k / fps, d, c if profile.color else None)
            per_frame.append(tr)
    truth = dict(gait_truth(scene, per_frame), profile=profile.to_dict(), frames=per_frame,
                 mode=_mode_truth(profile, scene.camera.intrinsics, fps))
    write_truth(out, truth)
    return truth


def mesh_standing_frames(profile: MeshShopper, n_frames: int = STANDING_FRAMES):
    """The scene and its noisy (depth, colour) frames, as a recording of it holds them."""
    scene = mesh_standing_scene(profile)
    rng = np.random.default_rng(profile.seed + 11)
    _, frames = render_mesh_standing(scene, n_frames, rng)
    return scene, frames


def simulate_mesh_standing(out: str | Path, profile: MeshShopper,
                           n_frames: int = STANDING_FRAMES) -> dict:
    """Write a mesh-family standing capture in the profile's D4xx mode."""
    out = Path(out)
    scene, frames = mesh_standing_frames(profile, n_frames)
    fps = profile.fps
    with RecordingWriter(out, scene.camera.intrinsics, fps, color=profile.color) as w:
        for k, (d, c) in enumerate(frames):
            w.write(k, k / fps, d, c if profile.color else None)
    truth = dict(scene.truth, profile=profile.to_dict(), fps=fps, n_frames=n_frames)
    write_truth(out, truth)
    return truth


def mesh_gait_frames(profile: MeshWalker, duration_s: float = GAIT_DURATION_S):
    """The scene, its noisy (depth, colour) frames and per-frame truth, as recorded."""
    scene = mesh_gait_scene(profile, duration_s=duration_s)
    rng = np.random.default_rng(profile.seed + 13)
    frames, per_frame = [], []
    for k in progress(range(scene.n_frames), desc="rendering the walk", unit="frame"):
        _, d, c, tr = render_mesh_gait_frame(scene, k, rng)
        frames.append((d, c))
        per_frame.append(tr)
    return scene, frames, per_frame


def simulate_mesh_gait(out: str | Path, profile: MeshWalker,
                       duration_s: float = GAIT_DURATION_S) -> dict:
    """Write a mesh-family treadmill walk in the profile's D4xx mode."""
    out = Path(out)
    scene, frames, per_frame = mesh_gait_frames(profile, duration_s)
    fps = profile.fps
    with RecordingWriter(out, scene.camera.intrinsics, fps, color=profile.color) as w:
        for k, (d, c) in enumerate(frames):
            w.write(k, k / fps, d, c if profile.color else None)
    truth = dict(mesh_gait_truth(scene, per_frame), profile=profile.to_dict(), frames=per_frame)
    write_truth(out, truth)
    return truth


def profile_for(station: str, seed: int | None, profile_file: str | None,
                family: str = "analytic", mode: DepthMode | None = None
                ) -> ShopperProfile | MeshShopper | MeshWalker:
    """The shopper to simulate: from a profile file, or drawn from the seed (in `mode`)."""
    seed = 0 if seed is None else seed
    if family == "mesh":
        if station == "gait":
            p = MeshWalker.load(profile_file) if profile_file else random_mesh_walker(seed, mode)
        else:
            p = (MeshShopper.load(profile_file) if profile_file
                 else random_mesh_shopper(seed, mode))
        if mode is not None and profile_file:
            p = dataclasses.replace(p, camera=mode.camera, width_px=mode.width,
                                    height_px=mode.height, fps=float(mode.fps), color=mode.color)
        return p
    p = ShopperProfile.load(profile_file) if profile_file else random_profile(seed, station)
    return apply_mode(p, mode) if mode is not None else p
