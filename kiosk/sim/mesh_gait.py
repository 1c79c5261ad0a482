"""Treadmill scenes of the mesh family: a MakeHuman lower body walking or running on a belt,
in shoes built from the shopper's FIND foot, seen from behind by any D4xx mode.

The legs move by the real joint angles: hip and knee flexion and ankle dorsiflexion are
the means over all runners' strides in `../shared/realdata/running_kinematics/` (Fukuchi
et al., CC BY 4.0; the sagittal `*_Z` columns, signs as the data give them: hip flexion =
-Hip_Z, knee flexion = Knee_Z, dorsiflexion = -Ankle_Z), with the shopper's rearfoot
eversion curve (kiosk.sim.kinematics, from the same data's frontal ankle angle) about the
foot's long axis. Walking uses the running curves time-warped to a 62 % stance and scaled
by 0.7, as kiosk.sim.kinematics does (no walking data in the set). The pelvis rides at
the height that keeps the stance shoe's sole on the belt.

Truth per frame is measured on the posed meshes: the shank axis runs from the posed knee
joint to the ankle joint; the heel bisector is the shoe mesh's heel counter's axis of
symmetry (midpoints of the counter's sections at several heights, a fitted line); their
angle in the frontal plane is the rearfoot angle (+ = eversion).
"""

from __future__ import annotations

import dataclasses
import functools
import glob
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.capture.frame import Intrinsics
from kiosk.errors import InputError
from kiosk.measures import arch_height_for_ahi
from kiosk.sim import kinematics, meshes
from kiosk.sim.mesh_scenes import (
    AHI_MEAN,
    AHI_RANGE,
    AHI_SD,
    SKIN_RGB,
    TOE_OUT_MEAN_DEG,
    TOE_OUT_SD_DEG,
    box,
    grid,
    mesh_noise,
    tube,
)
from kiosk.sim.modes import DepthMode, draw_mode
from kiosk.sim.raycast import raycast
from kiosk.sim.render import SimCamera, apply_color_noise, apply_d4xx_noise
from kiosk.sim.scenes import (
    GAIT_CLASSES,
    GAIT_DISTANCE_M,
    GAIT_HEIGHT_M,
    _camera_truth,
)

MESH_GAIT_VERSION = "mesh-gait-1"
SHOES = ("running", "minimal", "high_top", "flare", "worn_heel")
# heel sole thickness and heel-to-toe drop (m) per kind: running shoes 25-35 mm / 8-12 mm
# (manufacturers' published stack heights), minimal shoes 6-10 mm with no drop
SHOE_SOLE_M = {"running": (0.025, 0.035), "minimal": (0.006, 0.010), "high_top": (0.018, 0.025),
               "flare": (0.028, 0.036), "worn_heel": (0.022, 0.030)}
SHOE_DROP_M = {"running": 0.010, "minimal": 0.0, "high_top": 0.006, "flare": 0.010,
               "worn_heel": 0.008}
UPPER_THICKNESS_M = 0.004
COLLAR_LOW_RATIO = 0.27  # collar height of a low shoe over foot length (~70 mm at 265 mm)
COLLAR_HIGH_RATIO = 0.55
WALKING_SCALE = kinematics.WALKING_SCALE
LEGWEAR = ("shorts", "leggings", "trousers", "wide")


@functools.lru_cache(maxsize=1)
def sagittal_curves() -> dict:
    """Mean hip flexion, knee flexion and ankle dorsiflexion (deg) over the running stride
    (101 samples, 0 = foot strike), over every runner and stride in the data set."""
    folder = meshes.realdata_dir() / "running_kinematics"
    sums = {"hip": [], "knee": [], "ankle": []}
    for path in sorted(glob.glob(str(folder / "*angs.txt"))):
        with open(path) as fh:
            header = fh.readline().rstrip("\n").split("\t")
        data = np.loadtxt(path, skiprows=1)
        for key, col, sign in (("hip", "Hip_Z_", -1.0), ("knee", "Knee_Z_", 1.0),
                               ("ankle", "Ankle_Z_", -1.0)):
            cols = [i for i, h in enumerate(header) if h.startswith(col)]
            sums[key].append(sign * data[:, cols].mean(axis=1))
    if not sums["hip"]:
        raise InputError(f"{folder}: no running kinematics (*angs.txt) found")
    return {k: np.mean(v, axis=0) for k, v in sums.items()}


def joint_angles(phase: float, gait: str) -> tuple[float, float, float]:
    """(hip flexion, knee flexion, dorsiflexion) in degrees at a gait-cycle phase."""
    c = sagittal_curves()
    ph = phase % 1.0
    scale = 1.0
    if gait == "walking":
        s, r = kinematics.WALKING_STANCE, kinematics.RUNNING_STANCE
        ph = ph / s * r if ph < s else r + (ph - s) / (1 - s) * (1 - r)
        scale = WALKING_SCALE
    x = np.linspace(0.0, 1.0, len(c["hip"]))
    out = []
    for k in ("hip", "knee", "ankle"):
        curve = c[k]
        mean = curve.mean() if k != "knee" else 0.0
        out.append(float(mean + scale * (np.interp(ph, x, curve) - mean)))
    return out[0], out[1], out[2]


@dataclass
class MeshWalker:
    """One mesh-family treadmill scene, JSON-serialisable (a `--profile` file)."""

    seed: int
    subject_id: str
    sex: str
    stature_mm: float
    lateral_malleolus_height_mm: float
    length_mm: tuple
    width_mm: tuple
    ahi: tuple
    toe_out_deg: tuple
    peak_eversion_deg: tuple
    curve_weights: tuple = (0.0, 0.0)
    calf_fat: float = 0.0
    calf_muscle: float = 0.0
    gait: str = "walking"
    cadence_spm: float = 110.0
    speed_mps: float = 1.3
    stance_fraction: float = 0.62
    step_width_m: float = 0.10
    shoe: str = "running"
    shoe_rgb: tuple = (60, 60, 200)
    sole_rgb: tuple = (235, 235, 225)
    sole_heel_m: float = 0.03
    skin_rgb: tuple = (205, 160, 130)
    sock_rgb: tuple = (235, 235, 235)
    legwear: str = "shorts"
    legwear_rgb: tuple = (40, 50, 80)
    hem_m: float = 0.5
    ease_m: float = 0.02
    belt_rgb: tuple = (45, 45, 48)
    belt_texture: str = "plain"
    rails: bool = True
    hood: bool = True
    wall: bool = True
    floor_rgb: tuple = (160, 150, 140)
    camera: str = "D435"
    width_px: int = 848
    height_px: int = 480
    fps: float = 30.0
    color: bool = True
    fx_scale: float = 1.0
    camera_height_m: float = 0.35
    camera_distance_m: float = 0.9
    camera_yaw_deg: float = 0.0
    camera_roll_deg: float = 0.0
    camera_offset_x_m: float = 0.0
    light_dir: tuple = (0.3, -0.5, 1.0)
    brightness: float = 1.0
    noise_scale: float = 1.0
    extras: dict = field(default_factory=dict)

    @property
    def mode(self) -> DepthMode:
        return DepthMode(self.camera, self.width_px, self.height_px, int(self.fps), self.color)

    def to_dict(self) -> dict:
        return dict(dataclasses.asdict(self), family="mesh", station="gait")

    @staticmethod
    def from_dict(d: dict) -> MeshWalker:
        d = {k: v for k, v in d.items() if k not in ("family", "station")}
        unknown = set(d) - {f.name for f in dataclasses.fields(MeshWalker)}
        if unknown:
            raise InputError(f"profile: unknown keys {sorted(unknown)}")
        try:
            return MeshWalker(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in d.items()})
        except TypeError as e:
            raise InputError(f"profile: {e}") from None

    @staticmethod
    def load(path: str | Path) -> MeshWalker:
        try:
            return MeshWalker.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{path}: cannot read profile ({e})") from None


def random_mesh_walker(seed: int, mode: DepthMode | None = None) -> MeshWalker:
    """A real ANSUR II participant walking or running on the treadmill, from `seed`."""
    rng = np.random.default_rng(seed)
    subjects = meshes.ansur_subjects()
    sub = subjects[int(rng.integers(len(subjects)))]
    mode = mode or draw_mode(rng, "gait")
    ahi = float(np.clip(rng.normal(AHI_MEAN, AHI_SD), *AHI_RANGE))
    base_ev = float(np.clip(rng.normal(7.0, 5.0), -5.0, 20.0))
    running = rng.random() < 0.4
    shoe = str(rng.choice(SHOES))
    lo, hi = SHOE_SOLE_M[shoe]

    def rgb(a: int, b: int) -> tuple:
        return tuple(int(c) for c in rng.integers(a, b, 3))

    legwear = str(rng.choice(LEGWEAR, p=[0.35, 0.25, 0.3, 0.1]))
    hem = {"shorts": rng.uniform(0.45, 0.6), "leggings": rng.uniform(0.08, 0.2),
           "trousers": rng.uniform(0.12, 0.2), "wide": rng.uniform(0.06, 0.1)}[legwear]
    ease = {"shorts": 0.03, "leggings": 0.0, "trousers": rng.uniform(0.015, 0.035),
            "wide": rng.uniform(0.03, 0.05)}[legwear]
    cam_h = float(rng.uniform(*GAIT_HEIGHT_M))
    return MeshWalker(
        seed=seed, subject_id=sub.subject_id, sex=sub.sex, stature_mm=sub.stature_mm,
        lateral_malleolus_height_mm=sub.lateral_malleolus_height_mm,
        length_mm=(sub.foot_length_mm,) * 2, width_mm=(sub.foot_breadth_mm,) * 2,
        ahi=(ahi, ahi),
        toe_out_deg=tuple(float(np.clip(rng.normal(TOE_OUT_MEAN_DEG, TOE_OUT_SD_DEG), -5, 25))
                          for _ in "lr"),
        peak_eversion_deg=tuple(float(np.clip(base_ev + rng.normal(0, 1.5), -5, 20))
                                for _ in "lr"),
        curve_weights=tuple(float(x) for x in kinematics.sample_curve_shape(rng)),
        calf_fat=float(np.clip((sub.calf_circumference_mm - 370.0) / 60.0, -1, 1)),
        calf_muscle=float(rng.uniform(-0.5, 0.8)),
        gait="running" if running else "walking",
        cadence_spm=float(rng.uniform(150, 175) if running else rng.uniform(95, 125)),
        speed_mps=float(rng.uniform(2.0, 3.0) if running else rng.uniform(1.0, 1.6)),
        stance_fraction=(kinematics.RUNNING_STANCE if running else kinematics.WALKING_STANCE)
        + float(rng.normal(0, 0.015)),
        step_width_m=float(rng.uniform(0.06, 0.16)),
        shoe=shoe, shoe_rgb=rgb(20, 235), sole_rgb=rgb(20, 245),
        sole_heel_m=float(rng.uniform(lo, hi)),
        skin_rgb=SKIN_RGB[int(rng.integers(len(SKIN_RGB)))], sock_rgb=rgb(20, 240),
        legwear=legwear, legwear_rgb=rgb(15, 220), hem_m=float(hem), ease_m=float(ease),
        belt_rgb=rgb(20, 90), belt_texture=str(rng.choice(["plain", "ribs"])),
        rails=bool(rng.random() < 0.7), hood=bool(rng.random() < 0.6),
        wall=bool(rng.random() < 0.5), floor_rgb=rgb(60, 220),
        camera=mode.camera, width_px=mode.width, height_px=mode.height, fps=float(mode.fps),
        color=mode.color, fx_scale=float(rng.uniform(0.975, 1.025)),
        camera_height_m=cam_h, camera_distance_m=float(rng.uniform(*GAIT_DISTANCE_M)),
        camera_yaw_deg=float(rng.uniform(-4, 4)), camera_roll_deg=float(rng.uniform(-3, 3)),
        camera_offset_x_m=float(rng.uniform(-0.05, 0.05)),
        light_dir=(float(rng.uniform(-0.6, 0.6)), float(rng.uniform(-0.8, 0.2)), 1.0),
        brightness=float(rng.uniform(0.7, 1.2)), noise_scale=float(rng.uniform(0.9, 1.3)),
    )


# ------------------------------------------------------------------ shoes


def vertex_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    out = np.zeros_like(v)
    for k in range(3):
        np.add.at(out, f[:, k], n)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-15)


@dataclass
class Shoe:
    """A shoe in the foot frame (u forward, v medial, w up; sole on w = 0)."""

    vertices: np.ndarray
    faces: np.ndarray
    sole: np.ndarray  # per face: part of the sole
    heel_axis: np.ndarray  # the heel counter's symmetry axis (unit, v-w plane)
    ankle: np.ndarray  # the ankle joint centre


def build_shoe(p: MeshWalker, k: int) -> Shoe:
    L = p.length_mm[k] / 1000
    foot = meshes.shopper_foot(L, p.width_mm[k] / 1000, arch_height_for_ahi(p.ahi[k], L))
    faces = meshes.foot_template().faces
    n = vertex_normals(foot, faces)
    v = foot + UPPER_THICKNESS_M * n
    u = foot[:, 0] / L
    heel, fore = p.sole_heel_m, p.sole_heel_m - SHOE_DROP_M[p.shoe]
    th = heel + (fore - heel) * np.clip((u - 0.25) / 0.5, 0.0, 1.0)
    bottom = foot[:, 2] < 0.006
    v[:, 2] = np.where(bottom, 0.0, v[:, 2] + th)
    if p.shoe == "flare":  # the heel's sole flares out by 15 % at the bottom
        rear = bottom & (u < 0.25)
        vc = np.median(v[u < 0.25, 1])
        v[rear, 1] = vc + (v[rear, 1] - vc) * 1.15
    if p.shoe == "worn_heel":  # the lateral rear corner worn down by up to 6 mm
        lateral = -v[:, 1]
        worn = bottom & (u < 0.2) & (lateral > 0)
        v[worn, 2] += 0.006 * (1 - u[worn] / 0.2) * np.clip(lateral[worn] / 0.03, 0, 1)
    collar = (COLLAR_HIGH_RATIO if p.shoe == "high_top" else COLLAR_LOW_RATIO) * L
    keep = (foot[faces, 2].max(axis=1) < collar) | (u[faces].min(axis=1) > 0.45)
    faces = faces[keep]
    centers = v[faces].mean(axis=1)
    sole = centers[:, 2] < th[faces].mean(axis=1) + 0.003
    # heel counter: sections of the rear 10 % between the sole and the collar
    zs = np.linspace(heel + 0.01, heel + collar - 0.012, 6)
    mids = []
    for z in zs:
        sel = (np.abs(v[:, 2] - z) < 0.003) & (u < 0.10)
        if sel.sum() >= 4:
            mids.append((v[sel, 1].min() + v[sel, 1].max()) / 2)
        else:
            mids.append(np.nan)
    ok = np.isfinite(mids)
    slope = np.polyfit(zs[ok], np.asarray(mids)[ok], 1)[0]
    axis = np.array([0.0, slope, 1.0]) / np.hypot(slope, 1.0)
    lmh = p.lateral_malleolus_height_mm / 1000
    ring = foot[np.abs(foot[:, 2] - lmh) < 0.004]
    ankle = np.array([ring[:, 0].mean(), ring[:, 1].mean(), lmh + heel])
    return Shoe(v, faces, sole, axis, ankle)


# ------------------------------------------------------------------ the walk


@dataclass
class MeshGaitScene:
    profile: MeshWalker
    camera: SimCamera
    station: list
    shoes: dict
    fps: float
    n_frames: int
    truth: dict


def _treadmill(p: MeshWalker) -> list[meshes.Mesh]:
    ex, ey, ez = np.eye(3)
    belt_w = 0.5
    base = np.asarray(p.belt_rgb, float)

    def belt(i: int, j: int):
        return base * (1.25 if p.belt_texture == "ribs" and j % 3 == 0 else 1.0)

    parts = [
        grid([-3, -4, -0.2], ex, ey, 6, 8, 8.0, lambda i, j: p.floor_rgb),
        grid([-belt_w / 2, -0.8, 0.0], ex, ey, belt_w, 2.3, 0.02, belt),
        box([-belt_w / 2 - 0.1, -0.8, -0.2], [-belt_w / 2, 1.5, 0.02], (150, 150, 155)),
        box([belt_w / 2, -0.8, -0.2], [belt_w / 2 + 0.1, 1.5, 0.02], (150, 150, 155)),
    ]
    if p.hood:
        parts.append(box([-0.4, 1.5, -0.2], [0.4, 1.9, 0.15], (60, 60, 65)))
    if p.rails:
        for x in (-0.38, 0.38):
            parts.append(box([x - 0.02, 1.4, 0.0], [x + 0.02, 1.45, 1.0], (170, 170, 175)))
            parts.append(box([x - 0.02, 0.2, 0.95], [x + 0.02, 1.45, 1.0], (170, 170, 175)))
    if p.wall:
        parts.append(grid([-3, 2.6, -0.2], ex, ez, 6, 2.5, 6.0, lambda i, j: (190, 190, 200)))
    return parts


def _camera(p: MeshWalker) -> SimCamera:
    mode = p.mode
    target = np.array([0.0, 0.0, 0.06])
    yaw = np.radians(p.camera_yaw_deg)
    d = p.camera_distance_m
    center = np.array([p.camera_offset_x_m - np.sin(yaw) * d, -np.cos(yaw) * d,
                       p.camera_height_m])
    fx = mode.fx_px * p.fx_scale
    W, H = mode.width, mode.height
    intr = Intrinsics(W, H, fx, fx, (W - 1) / 2 + 1.0, (H - 1) / 2 - 1.5)
    return SimCamera.looking_at(intr, center, target + np.array([p.camera_offset_x_m, 0, 0]),
                                np.radians(p.camera_roll_deg))


def mesh_gait_scene(p: MeshWalker, duration_s: float = 6.0) -> MeshGaitScene:
    shoes = {side: build_shoe(p, k) for k, side in enumerate(("left", "right"))}
    cam = _camera(p)
    n = round(duration_s * p.fps)
    truth = {"sim_version": MESH_GAIT_VERSION, "family": "mesh", "station": "gait",
             "classes": list(GAIT_CLASSES), "gait": p.gait, "cadence_spm": p.cadence_spm,
             "speed_mps": p.speed_mps, "fps": p.fps, "n_frames": n,
             "camera": _camera_truth(cam), "mode": dataclasses.asdict(p.mode),
             "subject": {"ansur2_id": p.subject_id, "sex": p.sex}, "shoe": p.shoe}
    return MeshGaitScene(p, cam, _treadmill(p), shoes, p.fps, n, truth)


# local foot frame -> MakeHuman frame (u -> +z, w -> +y, v medial -> -s x), s = +1 left
def _foot_to_mh(side: str) -> np.ndarray:
    s = 1.0 if side == "left" else -1.0
    return np.array([[0.0, -s, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


_MH_TO_WORLD = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])  # facing +y


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction a onto direction b."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis = np.cross(a, b)
    if np.linalg.norm(axis) < 1e-12:
        return np.eye(3)
    return meshes.rotation_about(axis, float(np.arccos(np.clip(a @ b, -1.0, 1.0))))


def _frontal_angle_toward(vec: np.ndarray, medial_x: float) -> float:
    return float(np.degrees(np.arctan2(medial_x * vec[0], vec[2])))


def _pose(scene: MeshGaitScene, t_s: float):
    """The posed body, both shoes in the world and each foot's truth at time t."""
    p = scene.profile
    T = 120.0 / p.cadence_spm
    body = meshes.makehuman_body()
    scale = p.stature_mm / 1000.0 / meshes.MAKEHUMAN_STATURE_M
    poses, phases, chain = {}, {}, {}
    for k, (side, s, sign, offset) in enumerate((("left", "L", 1.0, 0.0),
                                                  ("right", "R", -1.0, 0.5))):
        phase = (t_s / T + offset + 0.13) % 1.0
        hip_f, knee_f, dorsi = joint_angles(phase, p.gait)
        ev = float(kinematics.rearfoot_curve(np.array([phase]), p.peak_eversion_deg[k],
                                             np.asarray(p.curve_weights), p.gait)[0])
        J = body.joints
        hip, ankle = J[f"upperleg01.{s}____head"], J[f"foot.{s}____head"]
        # abduct so the ankle sits at ±step width / 2 (MakeHuman x = -world x)
        target_x = sign * p.step_width_m / 2 / scale
        add = np.arcsin(np.clip((ankle[0] - target_x) / np.linalg.norm(ankle - hip), -1, 1))
        yaw = meshes.rotation_about(np.array([0.0, 1.0, 0.0]), np.radians(p.toe_out_deg[k])
                                    * sign)
        R_hip = yaw @ meshes.rotation_about(np.array([0.0, 0.0, 1.0]), -add) \
            @ meshes.rotation_about(np.array([1.0, 0.0, 0.0]), -np.radians(hip_f))
        R_knee = meshes.rotation_about(np.array([1.0, 0.0, 0.0]), np.radians(knee_f))
        R_ankle = meshes.rotation_about(np.array([0.0, 0.0, 1.0]), sign * np.radians(ev)) \
            @ meshes.rotation_about(np.array([1.0, 0.0, 0.0]), -np.radians(dorsi))
        poses[side] = (R_hip, R_knee, R_ankle)
        # neutral: the heel counter's axis along the shank's rest axis (the A-posed
        # MakeHuman shank leans ~9°; its own foot would stand flat under it)
        knee = J[f"lowerleg01.{s}____head"]
        chain[side] = R_hip @ R_knee @ R_ankle @ _align(
            _foot_to_mh(side) @ scene.shoes[side].heel_axis, knee - ankle)
        phases[side] = phase
    lb = meshes.lower_body(p.stature_mm, p.calf_fat, p.calf_muscle, poses, facing=1.0)
    shoes, truth = {}, {}
    for side in ("left", "right"):
        shoe = scene.shoes[side]
        R = _MH_TO_WORLD @ chain[side] @ _foot_to_mh(side)
        # R mirrors the (right-foot) shoe model into a left shoe for the left foot
        axis = shoe.heel_axis
        world = (shoe.vertices - shoe.ankle) @ R.T + lb.joints[f"ankle.{side}"]
        shoes[side] = world
        medial_x = 1.0 if side == "left" else -1.0
        shank = lb.joints[f"knee.{side}"] - lb.joints[f"ankle.{side}"]
        heel_deg = _frontal_angle_toward(R @ axis, medial_x)
        shank_deg = _frontal_angle_toward(shank, medial_x)
        truth[side] = {"phase": round(phases[side], 5),
                       "contact": bool(phases[side] < p.stance_fraction),
                       "heel_deg": round(heel_deg, 4), "shank_deg": round(shank_deg, 4),
                       "rearfoot_deg": round(heel_deg - shank_deg, 4)}
    return lb, shoes, truth


def _ground(shoes: dict, truth: dict) -> float:
    """The pelvis height correction that keeps a stance shoe's sole on the belt."""
    stance = [s for s in ("left", "right") if truth[s]["contact"]]
    if stance:
        return -min(shoes[s][:, 2].min() for s in stance)
    # running flight: both feet up; the lower one clears the belt by the swing's lift
    return -min(sh[:, 2].min() for sh in shoes.values()) + 0.03


def render_mesh_gait_frame(scene: MeshGaitScene, k: int, rng: np.random.Generator | None):
    """Frame k: (clean RenderOutput, noisy depth, noisy colour, truth)."""
    p = scene.profile
    lb, shoes, truth = _pose(scene, k / scene.fps)
    dz = np.array([0.0, 0.0, _ground(shoes, truth)])
    skin = np.asarray(p.skin_rgb, float)
    v = lb.vertices + dz
    leg_cls = np.where(lb.side == 1, 3, np.where(lb.side == -1, 4, 0))
    fc = leg_cls[lb.faces].max(axis=1).astype(np.uint8)
    body = meshes.Mesh(v, lb.faces, np.tile(skin, (len(lb.faces), 1)), fc)
    z = body.face_centers()[:, 2]
    body.face_rgb[z < 0.15 * p.stature_mm / 1700] = p.sock_rgb
    parts = [*scene.station, body]
    if p.legwear in ("leggings", "shorts"):
        body.face_rgb[z >= p.hem_m] = p.legwear_rgb
    for side, cls in (("left", 1), ("right", 2)):
        shoe = scene.shoes[side]
        faces = shoe.faces[:, ::-1] if side == "left" else shoe.faces
        m = meshes.Mesh.plain(shoes[side] + dz, faces, p.shoe_rgb, cls)
        m.face_rgb[shoe.sole] = p.sole_rgb
        parts.append(m)
        truth[side]["heel_xyz_m"] = (shoes[side] + dz)[np.argmin(shoes[side][:, 1])].round(5) \
            .tolist()
    if p.legwear in ("trousers", "wide"):
        for sign, cls in ((1, 3), (-1, 4)):
            leg = v[lb.side == sign]
            parts.append(_legwear_tube(leg, p, cls))
    out = raycast(scene.camera, meshes.Mesh.concat(parts), np.asarray(p.light_dir, float),
                  brightness=p.brightness)
    if rng is None:
        return out, None, None, truth
    d = apply_d4xx_noise(out.depth_m, scene.camera.intrinsics, mesh_noise(p), rng)
    c = apply_color_noise(out.color, rng)
    return out, d, c, truth


def _legwear_tube(leg: np.ndarray, p: MeshWalker, cls: int) -> meshes.Mesh:
    """Trousers around a walking leg: rings follow the leg's sections up to the crotch."""
    lo, hi = leg[:, 2].min() + 0.03, leg[:, 2].max() - 0.03
    zs = np.arange(p.hem_m, hi, 0.02)
    centers, rx, ry = [], [], []
    for z in zs:
        dz = np.abs(leg[:, 2] - max(z, lo))
        sl = leg[np.argsort(dz)[:60]]
        flare = p.ease_m * (1.0 + (0.6 if p.legwear == "wide" else 0.0)
                            * max(0.0, 0.4 - z) / 0.4)
        centers.append([sl[:, 0].mean(), sl[:, 1].mean(), z])
        rx.append(np.ptp(sl[:, 0]) / 2 + flare)
        ry.append(np.ptp(sl[:, 1]) / 2 + flare)
    return tube(np.asarray(centers), np.asarray(rx), np.asarray(ry), p.legwear_rgb, cls)


def mesh_gait_truth(scene: MeshGaitScene, per_frame: list[dict]) -> dict:
    """Heel strikes, toe-offs and per-step peak eversion from the frames' truth."""
    feet = {}
    for side in ("left", "right"):
        contact = np.array([f[side]["contact"] for f in per_frame])
        angle = np.array([f[side]["rearfoot_deg"] for f in per_frame])
        hs = [k for k in range(1, len(contact)) if contact[k] and not contact[k - 1]]
        to = [k for k in range(1, len(contact)) if not contact[k] and contact[k - 1]]
        peaks = [float(angle[h:next(t for t in to if t > h)].max()) for h in hs
                 if any(t > h for t in to)]
        feet[side] = {"heel_strikes": hs, "toe_offs": to, "steps": len(hs),
                      "step_peaks_deg": [round(x, 3) for x in peaks],
                      "peak_eversion_deg": round(float(np.mean(peaks)), 3) if peaks else None}
    return dict(scene.truth, feet=feet)
