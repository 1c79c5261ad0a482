"""Simulated training data under heavy domain randomisation, cached by seed.

Each standing sample is one scene (a fused depth image, a colour frame, the class mask and
the truth); each gait sample is one scene with a few frames drawn at random phases. The
profile ranges are widened (`spread` drawn per scene), the noise level is redrawn, and in
some scenes a second person's foot stands at the edge of the view (class background).

Samples come from either scene family (DESIGN.md §6): `analytic` (kiosk.sim.scenes) or
`mesh` (kiosk.sim.mesh_scenes, kiosk.sim.mesh_gait: ANSUR II shoppers in every D4xx mode,
clothing and shoes; needs the `sim` extra). A DatasetSpec's `mesh_share` says how many of
its scenes are mesh scenes; both families write the same sample format with the same class
ids, and their seeds never meet the independent split's (kiosk.evaluate_mesh, 900 000+).
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

import kiosk.sim.scenes as scenes_mod
from kiosk.capture.frame import Frame, Intrinsics
from kiosk.errors import InputError
from kiosk.progress import progress
from kiosk.sim import meshes
from kiosk.sim.mesh_gait import mesh_gait_scene, random_mesh_walker, render_mesh_gait_frame
from kiosk.sim.mesh_scenes import (
    MESH_SIM_VERSION,
    UNUSUAL_KINDS,
    mesh_standing_scene,
    random_mesh_shopper,
    render_mesh_standing,
    tube,
)
from kiosk.sim.render import Cone, SimCamera
from kiosk.sim.scenes import (
    SIM_VERSION,
    FootProfile,
    _foot_shape,
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.sim.shapes import MAT_SKIN, MAT_SOCK, MAT_TROUSER, foot_surface, rotation
from kiosk.vision.floor import FloorPlane
from kiosk.vision.standing import fuse_depth

log = logging.getLogger(__name__)

DATASET_ROOT = Path("var/datasets")
TRAIN_SEED0 = 200_000  # far from kiosk eval's seeds (10 000 + and 60 000 +)
VAL_SEED0 = 300_000
# mesh family: far from the independent split (900 000 + standing, 950 000 + walks) that
# nothing but kiosk eval --split independent may read
MESH_TRAIN_SEED0 = 500_000
MESH_VAL_SEED0 = 600_000
GAIT_SEED_OFFSET = 50_000  # each split's walks: its standing seeds + 50 000
FAMILIES = ("analytic", "mesh")
SPREAD_RANGE = (1.0, 1.6)
NOISE_SCALE_RANGE = (0.6, 2.2)
SECOND_FOOT_SHARE = 0.3
STANDING_FUSE_FRAMES = (1, 3, 5, 9)
GAIT_FRAMES_PER_SCENE = 8
BRIGHTNESS_RANGE = (0.25, 1.3)
HEEL_GAP_SHARE, HEEL_GAP_RANGE_M = 0.15, (0.0, 0.03)  # scenes whose heels miss the stop
# mesh family: the rare but valid shoppers kiosk.sim.mesh_scenes.random_mesh_shopper makes,
# in a quarter of the standing scenes (the independent split has one in five)
MESH_UNUSUAL_SHARE = 0.25
GAIT_SAMPLE_DURATION_S = 4.0


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


def _second_foot_place(rng: np.random.Generator, station: str) -> tuple[np.ndarray, np.ndarray]:
    """Where another shopper's foot stands: beside the mat, or on the floor beside the belt
    (its position and rotation in the world)."""
    side = rng.choice([-1.0, 1.0])
    if station == "standing":
        pos = np.array([side * rng.uniform(0.28, 0.42), rng.uniform(-0.45, -0.05), 0.0])
    else:
        pos = np.array([side * rng.uniform(0.32, 0.5), rng.uniform(-0.2, 0.5), -0.2])
    return pos, rotation(yaw_rad=float(rng.uniform(-np.pi, np.pi)))


def _second_foot(rng: np.random.Generator, station: str) -> tuple[list, list]:
    """Another shopper's foot and shank at the edge of the station (class background)."""
    L = float(rng.uniform(0.22, 0.30))
    fp = FootProfile(length_mm=L * 1000, width_mm=L * 380, ball_ratio=0.73,
                     heel_breadth_mm=L * 270, ahi=float(rng.uniform(0.26, 0.36)))
    shape = _foot_shape(fp)
    pos, R = _second_foot_place(rng, station)
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
    w, h, fx, fy, ppx, ppy = d["intrinsics"]
    return SimCamera(Intrinsics(int(w), int(h), fx, fy, ppx, ppy), np.array(d["R_wc"]),
                     np.array(d["center"]))


def _randomise(seed: int, station: str) -> tuple:
    rng = np.random.default_rng([seed, 7])
    spread = float(rng.uniform(*SPREAD_RANGE))
    p = random_profile(seed, station, spread=spread)
    p.noise_scale = float(rng.uniform(*NOISE_SCALE_RANGE))
    p.brightness = float(rng.uniform(*BRIGHTNESS_RANGE))
    return p, rng, spread


def _fused_arrays(clean, frames: list, intr) -> dict:
    """A standing sample's images: the frames' fused depth (mm), the last colour frame and
    the clean render's class mask."""
    fused = fuse_depth([Frame(i, 0.0, intr, d, c) for i, (d, c) in enumerate(frames)])
    return {"depth_mm": np.rint(fused * 1000).astype(np.uint16), "color": frames[-1][1],
            "cls": clean.cls}


def _stacked_arrays(rendered: list[tuple]) -> tuple[dict, list]:
    """A treadmill sample's images from (clean render, depth, colour, truth) per frame, and
    the frames' truth."""
    return {"depth_mm": np.stack([np.rint(d * 1000).astype(np.uint16) for _, d, _, _ in rendered]),
            "color": np.stack([c for _, _, c, _ in rendered]),
            "cls": np.stack([out.cls for out, _, _, _ in rendered])}, [t for *_, t in rendered]


def make_standing_sample(seed: int) -> dict:
    """One randomised standing scene: fused depth (mm), colour, class mask, truth."""
    p, rng, spread = _randomise(seed, "standing")
    heel_gap = float(rng.uniform(*HEEL_GAP_RANGE_M)) if rng.random() < HEEL_GAP_SHARE else 0.0
    p.heel_gap_m = heel_gap
    scene = standing_scene(p)
    second = rng.random() < SECOND_FOOT_SHARE
    if second:
        bodies, cones = _second_foot(rng, "standing")
        scene.bodies.extend(bodies)
        scene.cones.extend(cones)
    n = int(rng.choice(STANDING_FUSE_FRAMES))
    clean, frames = render_standing_frames(scene, n, rng)
    return {
        **_fused_arrays(clean, frames, scene.camera.intrinsics),
        "meta": json.dumps({"seed": seed, "spread": spread, "fused_frames": n,
                            "second_foot": bool(second), "heel_gap_m": heel_gap,
                            "camera": _camera_dict(scene.camera), "truth": scene.truth,
                            "sim": sim_fingerprint()}),
    }


def make_gait_sample(seed: int, n_frames: int = GAIT_FRAMES_PER_SCENE) -> dict:
    """A randomised treadmill scene, `n_frames` frames at random times (depth, colour, mask)."""
    p, rng, spread = _randomise(seed, "gait")
    scene = gait_scene(p, duration_s=GAIT_SAMPLE_DURATION_S)
    second = rng.random() < SECOND_FOOT_SHARE * 0.5
    extra_bodies, extra_cones = _second_foot(rng, "gait") if second else ([], [])
    ks = np.sort(rng.choice(scene.n_frames, n_frames, replace=False))
    arrays, truth = _stacked_arrays([_render_gait_with(scene, int(k), rng, extra_bodies,
                                                      extra_cones) for k in ks])
    return {
        **arrays,
        "meta": json.dumps({"seed": seed, "spread": spread, "frames": ks.tolist(),
                            "second_foot": bool(second), "camera": _camera_dict(scene.camera),
                            "frame_truth": truth, "gait": p.gait,
                            "sim": sim_fingerprint()}),
    }


def _render_gait_with(scene, k, rng, extra_bodies, extra_cones):
    """render_gait_frame with extra background bodies (the second person's foot)."""
    if not extra_bodies:
        return render_gait_frame(scene, k, rng)
    real_render = scenes_mod.render

    def render_with_extra(cam, quads, bodies, light, cones=(), **kw):
        return real_render(cam, quads, list(bodies) + extra_bodies, light,
                           cones=list(cones) + extra_cones, **kw)

    scenes_mod.render = render_with_extra
    try:
        return render_gait_frame(scene, k, rng)
    finally:
        scenes_mod.render = real_render


# ------------------------------------------------------------------ mesh family


def ankle_as_shank(mesh: meshes.Mesh, malleolus_height_m: float) -> None:
    """Give the foot mesh's faces above the ankle their side's shank class, in place.

    The two families must label alike. The FIND foot of the mesh family carries its shin
    stump (to ~0.6 x foot length above the floor) and would label the ankle and lower shin
    as foot; the analytic family's foot class ends where its leg tube leaves the dorsum, a
    centimetre or so above the arch height. The anatomical border between them is the ankle:
    foot faces whose centre is above the shopper's lateral malleolus height (ANSUR II, the
    scene's subject) become shank (1 -> 3, 2 -> 4).
    """
    foot = (mesh.face_cls == 1) | (mesh.face_cls == 2)
    above = foot & (mesh.face_centers()[:, 2] > malleolus_height_m)
    mesh.face_cls[above] += 2


def _mesh_second_foot(rng: np.random.Generator, station: str) -> list[meshes.Mesh]:
    """Another shopper's FIND foot and lower leg at the edge of the station (class
    background), as _second_foot does for the analytic family."""
    L = float(rng.uniform(0.22, 0.30))
    local = meshes.shopper_foot(L, L * 0.38, float(rng.uniform(0.26, 0.36)) * 0.73 * L)
    pos, R = _second_foot_place(rng, station)
    world = local @ R.T + pos
    sock = tuple(int(c) for c in rng.integers(20, 235, 3))
    foot = meshes.Mesh.plain(world, meshes.foot_template().faces, sock, 0)
    top = world[world[:, 2] > world[:, 2].max() - 0.02].mean(axis=0)
    zs = np.arange(top[2] - 0.02, pos[2] + 0.6, 0.05)
    centers = np.column_stack([np.full_like(zs, top[0]), np.full_like(zs, top[1]), zs])
    r = np.linspace(0.035, 0.055, len(zs))
    leg_rgb = tuple(int(c) for c in rng.integers(20, 220, 3))
    return [foot, tube(centers, r, r * 0.9, leg_rgb, 0)]


def make_mesh_standing_sample(seed: int) -> dict:
    """One randomised mesh-family standing scene, in make_standing_sample's format: any
    D4xx mode, clothing, socks or bare feet, mat and stop as random_mesh_shopper draws
    them, with unusual shoppers, heels short of the stop, noise, light and a second
    person's foot on top."""
    rng = np.random.default_rng([seed, 7])
    unusual = str(rng.choice(UNUSUAL_KINDS)) if rng.random() < MESH_UNUSUAL_SHARE else None
    heel_gap = float(rng.uniform(*HEEL_GAP_RANGE_M)) if rng.random() < HEEL_GAP_SHARE else 0.0
    p = random_mesh_shopper(seed, unusual=unusual, heel_gap_m=heel_gap)
    p.noise_scale = float(rng.uniform(*NOISE_SCALE_RANGE))
    p.brightness = float(rng.uniform(*BRIGHTNESS_RANGE))
    scene = mesh_standing_scene(p)
    ankle_as_shank(scene.mesh, p.lateral_malleolus_height_mm / 1000)
    second = rng.random() < SECOND_FOOT_SHARE
    if second:
        scene.mesh = meshes.Mesh.concat([scene.mesh, *_mesh_second_foot(rng, "standing")])
    n = int(rng.choice(STANDING_FUSE_FRAMES))
    clean, frames = render_mesh_standing(scene, n, rng)
    return {
        **_fused_arrays(clean, frames, scene.camera.intrinsics),
        "meta": json.dumps({"seed": seed, "family": "mesh", "fused_frames": n,
                            "second_foot": bool(second), "heel_gap_m": heel_gap,
                            "unusual": unusual, "mode": p.mode.label,
                            "camera": _camera_dict(scene.camera), "truth": scene.truth,
                            "profile": p.to_dict(), "sim": sim_fingerprint()}),
    }


def make_mesh_gait_sample(seed: int, n_frames: int = GAIT_FRAMES_PER_SCENE) -> dict:
    """A randomised mesh-family treadmill walk or run, `n_frames` frames at random times,
    in make_gait_sample's format: any D4xx mode, shoe, legwear and treadmill as
    random_mesh_walker draws them, with noise, light and a second person's foot on top."""
    rng = np.random.default_rng([seed, 7])
    p = random_mesh_walker(seed)
    p.noise_scale = float(rng.uniform(*NOISE_SCALE_RANGE))
    p.brightness = float(rng.uniform(*BRIGHTNESS_RANGE))
    scene = mesh_gait_scene(p, duration_s=GAIT_SAMPLE_DURATION_S)
    second = rng.random() < SECOND_FOOT_SHARE * 0.5
    if second:  # the station's meshes are drawn in every frame
        scene.station = [*scene.station, *_mesh_second_foot(rng, "gait")]
    ks = np.sort(rng.choice(scene.n_frames, n_frames, replace=False))
    arrays, truth = _stacked_arrays([render_mesh_gait_frame(scene, int(k), rng) for k in ks])
    return {
        **arrays,
        "meta": json.dumps({"seed": seed, "family": "mesh", "frames": ks.tolist(),
                            "second_foot": bool(second), "mode": p.mode.label,
                            "camera": _camera_dict(scene.camera), "frame_truth": truth,
                            "gait": p.gait, "shoe": p.shoe, "legwear": p.legwear,
                            "profile": p.to_dict(), "sim": sim_fingerprint()}),
    }


# ------------------------------------------------------------------ data sets


@dataclass
class DatasetSpec:
    """`n` scenes of one station and split; `mesh_share` of them from the mesh family (the
    first round(n x share) mesh seeds), the rest the first analytic seeds, so a data set
    with a share reuses every cached sample of a smaller or analytic one."""

    station: str  # standing | gait
    split: str  # train | val
    n: int
    frames: int = GAIT_FRAMES_PER_SCENE  # gait: frames drawn per scene
    mesh_share: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.mesh_share <= 1.0:
            raise InputError(f"mesh share {self.mesh_share}: a fraction from 0 to 1")

    @property
    def n_mesh(self) -> int:
        return round(self.n * self.mesh_share)

    @property
    def seeds(self) -> range:
        """The analytic family's seeds."""
        base = TRAIN_SEED0 if self.split == "train" else VAL_SEED0
        base += 0 if self.station == "standing" else GAIT_SEED_OFFSET
        return range(base, base + self.n - self.n_mesh)

    @property
    def mesh_seeds(self) -> range:
        base = MESH_TRAIN_SEED0 if self.split == "train" else MESH_VAL_SEED0
        base += 0 if self.station == "standing" else GAIT_SEED_OFFSET
        return range(base, base + self.n_mesh)


MESH_RANDOMISATION = ("mesh family: ANSUR II shoppers in every D4xx mode (camera, "
                      "resolution, rate, colour on or off), socks or bare feet, trousers, "
                      "leggings or skirts, running, minimal and high-top shoes, textured mats, "
                      "belts, rails and walls (random_mesh_shopper, random_mesh_walker); "
                      "unusual shoppers (25 % of standing scenes), heels short of the stop "
                      "(15 %), noise scale 0.6-2.2, brightness 0.25-1.3, second person's foot "
                      "(30 % standing, 15 % treadmill); foot class above the lateral malleolus "
                      "relabelled shank (ankle_as_shank)")


def _span(r: range) -> str:
    return f"{r.start}-{r.stop - 1}" if len(r) else "none"


def seed_card(train: DatasetSpec, val: DatasetSpec) -> dict:
    """The data sets' seeds per family, for a model card's training_data."""
    out = {"train_seeds": _span(train.seeds), "val_seeds": _span(val.seeds),
           "mesh_share": train.mesh_share}
    if train.mesh_share or val.mesh_share:
        out.update(mesh_train_seeds=_span(train.mesh_seeds), mesh_val_seeds=_span(val.mesh_seeds),
                   mesh_randomisation=MESH_RANDOMISATION)
    return out


def sample_path(root: Path, station: str, seed: int,
                frames: int = GAIT_FRAMES_PER_SCENE, family: str = "analytic") -> Path:
    # named by the family's simulator version; each sample's meta carries the fingerprint
    name = station if station == "standing" or frames == GAIT_FRAMES_PER_SCENE \
        else f"{station}{frames}"
    if family == "mesh":
        return root / f"{name}-{MESH_SIM_VERSION}" / f"{seed}.npz"
    return root / f"{name}-sim{SIM_VERSION}" / f"{seed}.npz"


def ensure_samples(spec: DatasetSpec, root: Path = DATASET_ROOT) -> list[Path]:
    """Generate missing samples of a dataset (deterministic by seed); return their paths,
    the analytic family's first."""
    return (ensure_samples_for(spec.station, list(spec.seeds), root, spec.frames)
            + ensure_samples_for(spec.station, list(spec.mesh_seeds), root, spec.frames,
                                 family="mesh"))


def ensure_samples_for(station: str, seeds: list[int], root: Path,
                       frames: int = GAIT_FRAMES_PER_SCENE,
                       family: str = "analytic") -> list[Path]:
    if family not in FAMILIES:
        raise InputError(f"scene family {family!r}: one of {', '.join(FAMILIES)}")
    makers = {("standing", "analytic"): make_standing_sample,
              ("standing", "mesh"): make_mesh_standing_sample,
              ("gait", "analytic"): lambda s: make_gait_sample(s, frames),
              ("gait", "mesh"): lambda s: make_mesh_gait_sample(s, frames)}
    make = makers[(station, family)]
    paths = []
    for seed in progress(seeds, desc=f"{station} training scenes", unit="scene"):
        path = sample_path(root, station, seed, frames, family)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            sample = make(seed)
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
