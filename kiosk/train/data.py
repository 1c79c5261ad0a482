"""Simulated training data under heavy domain randomisation, cached by seed.

Each standing sample is one scene (a fused depth image, a colour frame, the class mask and
the truth); each gait sample is one scene with a few frames drawn at random phases. The
profile ranges are widened (`spread` drawn per scene), the noise level is redrawn, and in
some scenes a second person's foot stands at the edge of the view (class background).
Generation only needs numpy and the simulator; the same seed always gives the same file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kiosk.progress import progress
from kiosk.sim.render import Cone, SimCamera
from kiosk.sim.scenes import (
    SIM_VERSION,
    _foot_shape,
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.sim.shapes import MAT_SKIN, MAT_SOCK, MAT_TROUSER, foot_surface, rotation
from kiosk.vision.floor import FloorPlane

log = logging.getLogger(__name__)

DATASET_ROOT = Path("var/datasets")
TRAIN_SEED0 = 200_000  # far from kiosk eval's seeds (10 000 + and 60 000 +)
VAL_SEED0 = 300_000
SPREAD_RANGE = (1.0, 1.6)
NOISE_SCALE_RANGE = (0.6, 2.2)
SECOND_FOOT_SHARE = 0.3
STANDING_FUSE_FRAMES = (1, 3, 5, 9)
GAIT_FRAMES_PER_SCENE = 8


def sim_fingerprint() -> str:
    """SIM_VERSION plus a hash of the simulator's source: data from another sim differ."""
    src = Path(__file__).resolve().parent.parent / "sim"
    h = hashlib.sha256()
    for f in sorted(src.glob("*.py")):
        h.update(f.read_bytes())
    return f"{SIM_VERSION}+{h.hexdigest()[:12]}"


def floor_from_camera(cam: SimCamera) -> FloorPlane:
    """The floor plane (world z = 0) as the kiosk's plane fit would report it."""
    n_cam = cam.R_wc @ np.array([0.0, 0.0, 1.0])
    d = float(cam.center[2])
    return FloorPlane(n_cam, d, 0.0, 1.0)


def belt_frame_from_camera(cam: SimCamera) -> FloorPlane:
    """The treadmill's belt frame as the kiosk's belt fit reports it (Belt.centred): the
    simulator's belt runs along world y with its centre line on world x = 0."""
    floor = floor_from_camera(cam)
    R = floor.rotation()
    ex, ey = cam.R_wc @ np.array([1.0, 0.0, 0.0]), cam.R_wc @ np.array([0.0, 1.0, 0.0])
    heading = np.array([[R[0] @ ex, R[1] @ ex], [R[0] @ ey, R[1] @ ey]])
    # the turned frame's origin is still below the camera: the centre line is at -camera x
    return floor.turned(heading, -float(cam.center[0]))


def perturbed_floor(floor: FloorPlane, rng: np.random.Generator, tilt_deg: float = 0.6,
                    offset_m: float = 0.002) -> FloorPlane:
    """A plane fit's typical error: a small tilt and height offset (a turned frame keeps
    its turn)."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    ang = np.radians(rng.normal(0, tilt_deg))
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    R = np.eye(3) + np.sin(ang) * K + (1 - np.cos(ang)) * K @ K
    n = R @ floor.normal
    return replace(floor, normal=n / np.linalg.norm(n),
                   d=floor.d + float(rng.normal(0, offset_m)), rms_mm=0.0, inlier_share=1.0)


def perturbed_belt(frame: FloorPlane, rng: np.random.Generator, yaw_deg: float = 0.5,
                   centre_m: float = 0.01) -> FloorPlane:
    """A belt fit's error on top of the plane's: its axis a little turned, its centre line
    a little off (the fit measured within 0.11° and 3 mm on the OOD walks, docs/ACCURACY.md;
    the jitter is wider, for real belts' worn edges and rails)."""
    a = np.radians(rng.normal(0, yaw_deg))
    turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    heading = np.eye(2) if frame.heading is None else frame.heading
    return frame.turned(turn @ heading, frame.lateral_m + float(rng.normal(0, centre_m)))


def mirrored_floor(floor: FloorPlane) -> FloorPlane:
    """The floor frame of the frame mirrored left to right (camera x negated): the shopper's
    sides swap, and so does a turned frame's turn and lateral offset."""
    m = np.array([-1.0, 1.0])
    heading = None if floor.heading is None else floor.heading * np.outer(m, m)
    return replace(floor, normal=floor.normal * np.array([-1.0, 1.0, 1.0]), heading=heading,
                   lateral_m=-floor.lateral_m)


def _second_foot(rng: np.random.Generator, station: str) -> tuple[list, list]:
    """Another shopper's foot and shank at the edge of the station (class background)."""
    from kiosk.sim.scenes import FootProfile

    L = float(rng.uniform(0.22, 0.30))
    fp = FootProfile(length_mm=L * 1000, width_mm=L * 380, ball_ratio=0.73,
                     heel_breadth_mm=L * 270, ahi=float(rng.uniform(0.26, 0.36)))
    shape = _foot_shape(fp)
    side = rng.choice([-1.0, 1.0])
    if station == "standing":
        pos = np.array([side * rng.uniform(0.28, 0.42), rng.uniform(-0.45, -0.05), 0.0])
    else:
        pos = np.array([side * rng.uniform(0.32, 0.5), rng.uniform(-0.2, 0.5), -0.2])
    R = rotation(yaw_rad=float(rng.uniform(-np.pi, np.pi)))
    surf = foot_surface(shape, step_m=0.0012).transformed(R, pos)
    palette = np.zeros((8, 3))
    palette[MAT_SOCK] = rng.integers(20, 235, 3)
    palette[MAT_SKIN] = rng.integers(60, 230, 3)
    palette[MAT_TROUSER] = rng.integers(20, 200, 3)
    ankle = pos + R @ np.array([0.2 * L, 0.0, 0.0])
    cone = Cone(ankle, np.eye(3), 0.03, 0.8, 0.035, 0.06, 0.9,
                ((0.12, MAT_SOCK), (0.3, MAT_SKIN), (10.0, MAT_TROUSER)), 0)
    return [(surf, palette, 0)], [(cone, palette)]


def _camera_dict(cam: SimCamera) -> dict:
    i = cam.intrinsics
    return {"R_wc": cam.R_wc.tolist(), "center": cam.center.tolist(),
            "intrinsics": [i.width, i.height, i.fx, i.fy, i.ppx, i.ppy]}


def camera_from_dict(d: dict) -> SimCamera:
    from kiosk.capture.frame import Intrinsics

    w, h, fx, fy, ppx, ppy = d["intrinsics"]
    return SimCamera(Intrinsics(int(w), int(h), fx, fy, ppx, ppy), np.array(d["R_wc"]),
                     np.array(d["center"]))


def _randomise(seed: int, station: str) -> tuple:
    rng = np.random.default_rng([seed, 7])
    spread = float(rng.uniform(*SPREAD_RANGE))
    p = random_profile(seed, station, spread=spread)
    p.noise_scale = float(rng.uniform(*NOISE_SCALE_RANGE))
    p.brightness = float(rng.uniform(0.25, 1.3))
    return p, rng, spread


def make_standing_sample(seed: int) -> dict:
    """One randomised standing scene: fused depth (mm), colour, class mask, truth."""
    from kiosk.capture.frame import Frame
    from kiosk.vision.standing import fuse_depth

    p, rng, spread = _randomise(seed, "standing")
    heel_gap = float(rng.uniform(0.0, 0.03)) if rng.random() < 0.15 else 0.0
    p.heel_gap_m = heel_gap
    scene = standing_scene(p)
    second = rng.random() < SECOND_FOOT_SHARE
    if second:
        bodies, cones = _second_foot(rng, "standing")
        scene.bodies.extend(bodies)
        scene.cones.extend(cones)
    n = int(rng.choice(STANDING_FUSE_FRAMES))
    clean, frames = render_standing_frames(scene, n, rng)
    intr = scene.camera.intrinsics
    fused = fuse_depth([Frame(i, 0.0, intr, d, c) for i, (d, c) in enumerate(frames)])
    return {
        "depth_mm": np.rint(fused * 1000).astype(np.uint16),
        "color": frames[-1][1],
        "cls": clean.cls,
        "meta": json.dumps({"seed": seed, "spread": spread, "fused_frames": n,
                            "second_foot": bool(second), "heel_gap_m": heel_gap,
                            "camera": _camera_dict(scene.camera), "truth": scene.truth,
                            "sim": sim_fingerprint()}),
    }


def make_gait_sample(seed: int, n_frames: int = GAIT_FRAMES_PER_SCENE) -> dict:
    """A randomised treadmill scene, `n_frames` frames at random times (depth, colour, mask)."""
    p, rng, spread = _randomise(seed, "gait")
    scene = gait_scene(p, duration_s=4.0)
    second = rng.random() < SECOND_FOOT_SHARE * 0.5
    extra_bodies, extra_cones = _second_foot(rng, "gait") if second else ([], [])
    ks = np.sort(rng.choice(scene.n_frames, n_frames, replace=False))
    depth, color, cls, truth = [], [], [], []
    for k in ks:
        out, d, c, tr = _render_gait_with(scene, int(k), rng, extra_bodies, extra_cones)
        depth.append(np.rint(d * 1000).astype(np.uint16))
        color.append(c)
        cls.append(out.cls)
        truth.append(tr)
    return {
        "depth_mm": np.stack(depth),
        "color": np.stack(color),
        "cls": np.stack(cls),
        "meta": json.dumps({"seed": seed, "spread": spread, "frames": ks.tolist(),
                            "second_foot": bool(second), "camera": _camera_dict(scene.camera),
                            "frame_truth": truth, "gait": p.gait,
                            "sim": sim_fingerprint()}),
    }


def _render_gait_with(scene, k, rng, extra_bodies, extra_cones):
    """render_gait_frame with extra background bodies (the second person's foot)."""
    if not extra_bodies:
        return render_gait_frame(scene, k, rng)
    import kiosk.sim.scenes as scenes_mod

    real_render = scenes_mod.render

    def render_with_extra(cam, quads, bodies, light, cones=(), **kw):
        return real_render(cam, quads, list(bodies) + extra_bodies, light,
                           cones=list(cones) + extra_cones, **kw)

    scenes_mod.render = render_with_extra
    try:
        return render_gait_frame(scene, k, rng)
    finally:
        scenes_mod.render = real_render


@dataclass
class DatasetSpec:
    station: str  # standing | gait
    split: str  # train | val
    n: int
    frames: int = GAIT_FRAMES_PER_SCENE  # gait: frames drawn per scene

    @property
    def seeds(self) -> range:
        base = TRAIN_SEED0 if self.split == "train" else VAL_SEED0
        base += 0 if self.station == "standing" else 50_000
        return range(base, base + self.n)


def sample_path(root: Path, station: str, seed: int,
                frames: int = GAIT_FRAMES_PER_SCENE) -> Path:
    # named by SIM_VERSION; each sample's meta carries the full fingerprint
    name = station if station == "standing" or frames == GAIT_FRAMES_PER_SCENE \
        else f"{station}{frames}"
    return root / f"{name}-sim{SIM_VERSION}" / f"{seed}.npz"


def ensure_samples(spec: DatasetSpec, root: Path = DATASET_ROOT) -> list[Path]:
    """Generate missing samples of a dataset (deterministic by seed); return their paths."""
    return ensure_samples_for(spec.station, list(spec.seeds), root, spec.frames)


def ensure_samples_for(station: str, seeds: list[int], root: Path,
                       frames: int = GAIT_FRAMES_PER_SCENE) -> list[Path]:
    paths = []
    for seed in progress(seeds, desc=f"{station} training scenes", unit="scene"):
        path = sample_path(root, station, seed, frames)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            sample = make_standing_sample(seed) if station == "standing" \
                else make_gait_sample(seed, frames)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez_compressed(tmp, **sample)
            tmp.replace(path)
            log.info("generated %s", path)
        paths.append(path)
    return paths


def load_sample(path: Path) -> dict:
    with np.load(path) as z:
        out = {k: z[k] for k in z.files}
    out["meta"] = json.loads(str(out["meta"]))
    return out


def main(argv: list[str] | None = None) -> None:
    """python -m kiosk.train.data standing|gait train|val N [--start K --step S]"""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("station", choices=["standing", "gait"])
    ap.add_argument("split", choices=["train", "val"])
    ap.add_argument("n", type=int)
    ap.add_argument("--start", type=int, default=0, help="first index (parallel runs)")
    ap.add_argument("--step", type=int, default=1)
    ap.add_argument("--root", default=str(DATASET_ROOT))
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    seeds = list(DatasetSpec(a.station, a.split, a.n).seeds)[a.start::a.step]
    ensure_samples_for(a.station, seeds, Path(a.root))


if __name__ == "__main__":
    main()
