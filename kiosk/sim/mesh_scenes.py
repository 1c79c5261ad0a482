"""The mesh scene family: standing scenes built from real-shaped meshes, with truth.

A shopper is a real ANSUR II participant (foot length and breadth, stature, calf girth),
with FIND-template feet deformed to an arch height index drawn from the published spread,
MakeHuman lower legs posed about the skeleton's hips (feet apart, toes out), socks or bare
skin, trousers (straight, rolled, wide to the floor), leggings or a skirt, on a textured
mat against a square or rounded heel stop, seen by any D4xx mode from inside DESIGN.md's
ranges. This family shares no body model with the analytic one (kiosk.sim.scenes).

Truth follows DESIGN.md §3 and is measured on the placed foot mesh: length from the
pternion (the rearmost point of the heel below the lateral malleolus) to the farthest toe
point along the foot's long axis (the template's heel-to-toe axis, carried by the
placement) projected on the floor; width the largest breadth across that axis ahead of
mid-foot; arch height the highest point of the surface's section at 50 % of the length;
AHI = arch height / truncated length (kiosk.measures).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.capture.frame import Intrinsics
from kiosk.errors import InputError
from kiosk.measures import arch_height_for_ahi, arch_height_index
from kiosk.progress import progress
from kiosk.sim import meshes
from kiosk.sim.modes import DepthMode, draw_mode
from kiosk.sim.raycast import raycast
from kiosk.sim.render import (
    D4xxNoise,
    RenderOutput,
    SimCamera,
    apply_color_noise,
    apply_d4xx_noise,
)
from kiosk.sim.scenes import (
    STANDING_CLASSES,
    STANDING_HEIGHT_M,
    STANDING_PITCH_DEG,
    _camera_truth,
    side_gap_m,
)

MESH_SIM_VERSION = "mesh-2"
# Arch height index, standing: 0.340 ± 0.031 (Butler RJ et al., Foot Ankle Int 2008;
# 29(4):421-4, healthy adults, AHI at 50 % of foot length over truncated length).
AHI_MEAN, AHI_SD = 0.340, 0.031
AHI_RANGE = (0.24, 0.42)  # very flat to very high arches, the independent split's tails
# Foot progression (toe-out) angle while standing: 7 ± 6° (Seber S et al., Gait & Posture).
TOE_OUT_MEAN_DEG, TOE_OUT_SD_DEG = 7.0, 6.0
CLOTHING = ("bare", "straight", "rolled", "wide", "leggings", "skirt")
STOP_HEIGHT_M = (0.06, 0.10)  # DESIGN.md §2
STOP_SHAPES = ("square", "rounded")
MAT_TEXTURES = ("plain", "stripes", "checks")
# MakeHuman vertices weighted at least this much to the foot's bones are dropped: the FIND
# foot replaces the MakeHuman one, and the leg ends inside the FIND foot's shin stump
FOOT_WEIGHT_CUT = 0.5
SKIN_RGB = ((225, 190, 165), (205, 160, 130), (160, 115, 85), (110, 75, 55), (80, 55, 40))


@dataclass
class MeshShopper:
    """One mesh-family standing scene, JSON-serialisable (a `--profile` file)."""

    seed: int
    subject_id: str
    sex: str
    stature_mm: float
    lateral_malleolus_height_mm: float
    length_mm: tuple  # (left, right)
    width_mm: tuple
    ahi: tuple  # target arch height index per foot; truth is measured on the mesh
    toe_out_deg: tuple
    calf_fat: float = 0.0  # MakeHuman lower-leg targets, -1..1
    calf_muscle: float = 0.0
    stance_width_m: float = 0.2
    heel_gap_m: float | tuple = 0.0  # or a (left, right) pair
    barefoot: bool = False
    skin_rgb: tuple = (205, 160, 130)
    sock_rgb: tuple = (235, 235, 235)
    sock_height_m: float = 0.12
    clothing: str = "straight"
    clothing_rgb: tuple = (40, 50, 80)
    hem_m: float = 0.16
    ease_m: float = 0.03
    mat_rgb: tuple = (70, 70, 75)
    mat_texture: str = "plain"
    stop_height_m: float = 0.08
    stop_shape: str = "square"
    stop_rgb: tuple = (200, 200, 195)
    floor_rgb: tuple = (160, 150, 140)
    camera: str = "D435"
    width_px: int = 848
    height_px: int = 480
    fps: float = 15.0
    color: bool = True
    fx_scale: float = 1.0  # this unit's focal length over the nominal one
    camera_height_m: float = 0.9
    camera_pitch_deg: float = 60.0
    camera_yaw_deg: float = 0.0
    camera_roll_deg: float = 0.0
    camera_offset_x_m: float = 0.0
    light_dir: tuple = (0.3, -0.5, 1.0)
    brightness: float = 1.0
    noise_scale: float = 1.0
    extras: dict = field(default_factory=dict)

    family = "mesh"

    @property
    def mode(self) -> DepthMode:
        return DepthMode(self.camera, self.width_px, self.height_px, int(self.fps), self.color)

    def to_dict(self) -> dict:
        return dict(dataclasses.asdict(self), family="mesh")

    @staticmethod
    def from_dict(d: dict) -> MeshShopper:
        d = {k: v for k, v in d.items() if k != "family"}
        known = {f.name for f in dataclasses.fields(MeshShopper)}
        unknown = set(d) - known
        if unknown:
            raise InputError(f"profile: unknown keys {sorted(unknown)}")
        try:
            return MeshShopper(**{k: tuple(v) if isinstance(v, list) else v
                                  for k, v in d.items()})
        except TypeError as e:
            raise InputError(f"profile: {e}") from None

    @staticmethod
    def load(path: str | Path) -> MeshShopper:
        try:
            return MeshShopper.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{path}: cannot read profile ({e})") from None


# The deliberately rare but valid shoppers random_mesh_shopper can draw (its `unusual`).
UNUSUAL_KINDS = ("child", "large", "flat", "high", "swollen", "wide_trousers")


def random_mesh_shopper(seed: int, mode: DepthMode | None = None, unusual: str | None = None,
                        heel_gap_m: float | tuple | None = None) -> MeshShopper:
    """A real ANSUR II participant at the standing station, drawn from `seed`.

    `unusual` picks a deliberately rare but valid shopper: "child" (feet from 150 mm),
    "large" (feet to 320 mm), "flat", "high" (arches), "swollen" (ankles), "wide_trousers".
    """
    rng = np.random.default_rng(seed)
    subjects = meshes.ansur_subjects()
    sub = subjects[int(rng.integers(len(subjects)))]
    length, breadth, stature = sub.foot_length_mm, sub.foot_breadth_mm, sub.stature_mm
    if unusual == "child":
        k = float(rng.uniform(150.0, 200.0)) / length
        length, breadth, stature = length * k, breadth * k ** 0.85, stature * k ** 0.9
    elif unusual == "large":
        k = float(rng.uniform(305.0, 320.0)) / length
        length, breadth, stature = length * k, breadth * k ** 0.8, stature * k ** 0.6
    ahi = float(np.clip(rng.normal(AHI_MEAN, AHI_SD), *AHI_RANGE))
    if unusual == "flat":
        ahi = float(rng.uniform(AHI_RANGE[0], AHI_RANGE[0] + 0.02))
    elif unusual == "high":
        ahi = float(rng.uniform(AHI_RANGE[1] - 0.02, AHI_RANGE[1]))
    diff = rng.normal(0, 0.0125)  # left/right length difference, as in the analytic family
    toe = [float(np.clip(rng.normal(TOE_OUT_MEAN_DEG, TOE_OUT_SD_DEG), -5, 25)) for _ in "lr"]
    mode = mode or draw_mode(rng, "standing")
    barefoot = bool(rng.random() < 0.3)
    clothing = str(rng.choice(CLOTHING, p=[0.15, 0.35, 0.15, 0.1, 0.15, 0.1]))
    if unusual == "wide_trousers":
        clothing = "wide"
    hem = {"bare": 0.0, "straight": rng.uniform(0.10, 0.18), "rolled": rng.uniform(0.22, 0.4),
           "wide": rng.uniform(0.03, 0.06), "leggings": rng.uniform(0.06, 0.14),
           "skirt": rng.uniform(0.35, 0.6)}[clothing]
    ease = {"bare": 0.0, "straight": rng.uniform(0.015, 0.04), "rolled": rng.uniform(0.02, 0.05),
            "wide": rng.uniform(0.03, 0.06), "leggings": 0.0,
            "skirt": rng.uniform(0.1, 0.2)}[clothing]
    calf_fat = float(np.clip((sub.calf_circumference_mm - 370.0) / 60.0, -1, 1))
    if unusual == "swollen":
        calf_fat = 1.0

    def rgb(lo: int, hi: int) -> tuple:
        return tuple(int(c) for c in rng.integers(lo, hi, 3))

    skin = SKIN_RGB[int(rng.integers(len(SKIN_RGB)))]
    return MeshShopper(
        seed=seed, subject_id=sub.subject_id, sex=sub.sex, stature_mm=stature,
        lateral_malleolus_height_mm=sub.lateral_malleolus_height_mm * length
        / sub.foot_length_mm,
        length_mm=(length * (1 + diff / 2), length * (1 - diff / 2)),
        width_mm=(breadth * (1 + diff / 4), breadth * (1 - diff / 4)),
        ahi=(float(np.clip(ahi + rng.normal(0, 0.008), *AHI_RANGE)),
             float(np.clip(ahi + rng.normal(0, 0.008), *AHI_RANGE))),
        toe_out_deg=tuple(toe),
        calf_fat=calf_fat, calf_muscle=float(rng.uniform(-0.5, 0.8)),
        stance_width_m=float(rng.uniform(0.12, 0.30)),
        heel_gap_m=0.0 if heel_gap_m is None else heel_gap_m,
        barefoot=barefoot, skin_rgb=skin, sock_rgb=rgb(20, 240),
        sock_height_m=float(rng.choice([0.05, 0.12, 0.2, 0.35])),
        clothing=clothing, clothing_rgb=rgb(15, 220), hem_m=float(hem), ease_m=float(ease),
        mat_rgb=rgb(30, 200), mat_texture=str(rng.choice(MAT_TEXTURES)),
        stop_height_m=float(rng.uniform(*STOP_HEIGHT_M)),
        stop_shape=str(rng.choice(STOP_SHAPES)), stop_rgb=rgb(20, 250),
        floor_rgb=rgb(60, 220),
        camera=mode.camera, width_px=mode.width, height_px=mode.height, fps=float(mode.fps),
        color=mode.color, fx_scale=float(rng.uniform(0.975, 1.025)),
        camera_height_m=float(rng.uniform(*STANDING_HEIGHT_M)),
        camera_pitch_deg=float(rng.uniform(*STANDING_PITCH_DEG)),
        camera_yaw_deg=float(rng.uniform(-5, 5)), camera_roll_deg=float(rng.uniform(-3, 3)),
        camera_offset_x_m=float(rng.uniform(-0.05, 0.05)),
        light_dir=(float(rng.uniform(-0.6, 0.6)), float(rng.uniform(-0.8, 0.2)), 1.0),
        brightness=float(rng.uniform(0.7, 1.2)), noise_scale=float(rng.uniform(0.9, 1.3)),
        extras={"unusual": unusual} if unusual else {},
    )


# ------------------------------------------------------------------ station meshes


def grid(origin, U, V, ua: float, vb: float, cell_m: float, rgb_fn, cls: int = 0) -> meshes.Mesh:
    """A flat rectangle of square cells; rgb_fn(i, j) gives each cell's colour."""
    U, V, origin = (np.asarray(x, float) for x in (U, V, origin))
    nu, nv = max(1, round(ua / cell_m)), max(1, round(vb / cell_m))
    a = np.linspace(0, ua, nu + 1)
    b = np.linspace(0, vb, nv + 1)
    A, B = np.meshgrid(a, b, indexing="ij")
    verts = origin + A.reshape(-1, 1) * U + B.reshape(-1, 1) * V
    faces, cols = [], []
    for i in range(nu):
        for j in range(nv):
            p0, p1, p2, p3 = i * (nv + 1) + j, (i + 1) * (nv + 1) + j, \
                (i + 1) * (nv + 1) + j + 1, i * (nv + 1) + j + 1
            faces += [(p0, p1, p2), (p0, p2, p3)]
            c = rgb_fn(i, j)
            cols += [c, c]
    n = len(faces)
    return meshes.Mesh(verts, np.asarray(faces), np.asarray(cols, float), np.full(n, cls, np.uint8))


def box(lo, hi, rgb, cls: int = 0) -> meshes.Mesh:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    c = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], float)
    v = lo + c * (hi - lo)
    f = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
         (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]
    return meshes.Mesh.plain(v, np.asarray(f), rgb, cls)


def tube(centers: np.ndarray, rx: np.ndarray, ry: np.ndarray, rgb, cls: int,
         n_around: int = 32) -> meshes.Mesh:
    """An open tube through rings (centre (K,3), radii along world x and y per ring)."""
    ang = np.linspace(0, 2 * np.pi, n_around, endpoint=False)
    ring = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    verts = []
    for c, a, b in zip(centers, rx, ry, strict=True):
        verts.append(np.column_stack([c[0] + a * ring[:, 0], c[1] + b * ring[:, 1],
                                      np.full(n_around, c[2])]))
    verts = np.concatenate(verts)
    faces = []
    for k in range(len(centers) - 1):
        for i in range(n_around):
            a0, a1 = k * n_around + i, k * n_around + (i + 1) % n_around
            b0, b1 = a0 + n_around, a1 + n_around
            faces += [(a0, a1, b1), (a0, b1, b0)]
    return meshes.Mesh.plain(verts, np.asarray(faces), rgb, cls)


def _station(p: MeshShopper, rng: np.random.Generator) -> list[meshes.Mesh]:
    base = np.asarray(p.mat_rgb, float)

    def mat_rgb(i: int, j: int):
        if p.mat_texture == "stripes":
            shade = 1.18 if (j // 2) % 2 else 0.85
        elif p.mat_texture == "checks":
            shade = 1.15 if (i + j) % 2 else 0.87
        else:
            shade = 1.0
        return np.clip(base * shade + rng.normal(0, 3, 3), 0, 255)

    ex, ey, ez = np.eye(3)
    floor_z = -0.006  # the mat is 6 mm thick; the floor frame is on the mat
    h, d = p.stop_height_m, 0.05
    parts = [
        grid([-3, -4, floor_z], ex, ey, 6, 5.5, 6.0, lambda i, j: p.floor_rgb),
        grid([-0.4, -0.55, 0.0], ex, ey, 0.8, 0.55, 0.02, mat_rgb),
        grid([-3, 1.5, floor_z], ex, ez, 6, 2.5, 6.0, lambda i, j: (190, 190, 200)),
    ]
    if p.stop_shape == "rounded":
        r = d / 2
        parts.append(box([-0.35, 0.0, 0.0], [0.35, d, h - r], p.stop_rgb))
        ang = np.linspace(0, np.pi, 12)
        # a half cylinder along x on top of the block
        k = len(ang)
        verts = np.concatenate([np.column_stack([np.full(k, x), d / 2 - r * np.cos(ang),
                                                 h - r + r * np.sin(ang)]) for x in (-0.35, 0.35)])
        faces = [(i, i + 1, k + i + 1) for i in range(k - 1)] + \
                [(i, k + i + 1, k + i) for i in range(k - 1)]
        parts.append(meshes.Mesh.plain(verts, np.asarray(faces), p.stop_rgb, 0))
    else:
        parts.append(box([-0.35, 0.0, 0.0], [0.35, d, h], p.stop_rgb))
    return parts


# ------------------------------------------------------------------ the shopper


@dataclass
class PlacedFoot:
    vertices: np.ndarray  # world
    faces: np.ndarray
    axis: np.ndarray  # unit, horizontal, heel -> toes


def _foot_rotation(side: str, toe_out_deg: float) -> np.ndarray:
    """Foot frame (u forward, v medial, w up) -> world; the shopper faces -y."""
    x_sign = 1.0 if side == "left" else -1.0
    # u -> -y; medial v -> toward the midline (-x for the left foot, +x for the right)
    R0 = np.array([[0.0, -x_sign, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    yaw = np.radians(toe_out_deg) * x_sign  # toes turn outward, away from the midline
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ R0


def solve_hip(hip: np.ndarray, ankle: np.ndarray, target: np.ndarray, yaw: np.ndarray,
              limit_deg: float = 30.0) -> np.ndarray:
    """The hip rotation (toe-out yaw, then ab/adduction and flexion, MakeHuman frame) that
    brings the straight leg's ankle joint nearest the target (x, z) over the foot."""
    grid = np.radians(np.arange(-limit_deg, limit_deg + 1e-9, 0.5))
    A, F = np.meshgrid(grid, grid, indexing="ij")
    d = ankle - hip
    best, R_best = np.inf, np.eye(3)
    # two passes: a coarse grid, then a fine one around its best
    for _ in range(2):
        ca, sa, cf, sf = np.cos(A), np.sin(A), np.cos(F), np.sin(F)
        # Rz(a) @ Rx(f) applied to d, then the yaw
        x1 = d[0]
        y1 = cf * d[1] - sf * d[2]
        z1 = sf * d[1] + cf * d[2]
        x2 = ca * x1 - sa * y1
        y2 = sa * x1 + ca * y1
        pts = np.stack([x2, y2, z1], axis=-1) @ yaw.T + hip
        err = np.hypot(pts[..., 0] - target[0], pts[..., 2] - target[1])
        i = np.unravel_index(np.argmin(err), err.shape)
        if err[i] < best:
            best = err[i]
            R_best = yaw @ meshes.rotation_about(np.array([0.0, 0.0, 1.0]), A[i]) \
                @ meshes.rotation_about(np.array([1.0, 0.0, 0.0]), F[i])
        fine = np.radians(np.arange(-0.5, 0.5001, 0.05))
        A, F = np.meshgrid(A[i] + fine, F[i] + fine, indexing="ij")
    return R_best


def _slice(v: np.ndarray, z: float, tol: float = 0.006) -> np.ndarray:
    """Vertices within tol of height z (at least the 40 nearest in height)."""
    dz = np.abs(v[:, 2] - z)
    sel = dz < tol
    return v[sel] if sel.sum() >= 40 else v[np.argsort(dz)[:40]]


def _placed_foot(p: MeshShopper, k: int, side: str) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """The shopper's foot mesh in the world, heel at ±stance/2 against the heel stop (or
    short of it): vertices, faces and the rotation from the foot frame."""
    tmpl = meshes.foot_template()
    L = p.length_mm[k] / 1000
    local = meshes.shopper_foot(L, p.width_mm[k] / 1000, arch_height_for_ahi(p.ahi[k], L))
    # the template's frame is (forward, medial, up), the same for either foot:
    # _foot_rotation turns medial toward the midline, so no side is mirrored here
    faces = tmpl.faces
    R = _foot_rotation(side, p.toe_out_deg[k])
    x_sign = 1.0 if side == "left" else -1.0
    world = local @ R.T + np.array([x_sign * p.stance_width_m / 2, 0.0, 0.0])
    # the heel against the stop (y = 0), or short of it by the gap
    world[:, 1] -= side_gap_m(p.heel_gap_m, side) + world[world[:, 2] < p.stop_height_m, 1].max()
    return world, faces, R


def fit_leg_to_foot(v: np.ndarray, on_leg: np.ndarray, foot: np.ndarray, knee_z: float
                    ) -> np.ndarray:
    """Match the leg's section to the foot mesh's shin stump where they overlap: scale it
    across and move it over the stump there, fading to nothing at the knee."""
    lv = v[on_leg]
    join_z = (lv[:, 2].min() + foot[:, 2].max()) / 2
    fs, ls = _slice(foot, join_z), _slice(lv, join_z)
    f_c, l_c = fs.mean(axis=0), ls.mean(axis=0)
    k = np.array([np.ptp(fs[:, 0]) / max(np.ptp(ls[:, 0]), 1e-3),
                  np.ptp(fs[:, 1]) / max(np.ptp(ls[:, 1]), 1e-3), 1.0])
    fade = np.clip((knee_z - v[:, 2]) / max(knee_z - join_z, 1e-3), 0.0, 1.0)[:, None]
    fade = fade * on_leg[:, None]
    scaled = l_c + (v - l_c) * k
    moved = scaled + np.array([f_c[0] - l_c[0], f_c[1] - l_c[1], 0.0])
    out = v + fade * (moved - v)
    # inside the stump the leg never reaches behind the foot's own back (the heel and the
    # Achilles tendon): that surface is what touches the heel stop
    zb = np.arange(0.0, foot[:, 2].max() + 0.01, 0.01)
    idx = np.digitize(foot[:, 2], zb)
    rear = np.array([foot[idx == i + 1, 1].max() if (idx == i + 1).any() else np.inf
                     for i in range(len(zb))])
    low = on_leg & (out[:, 2] < zb[-1])
    lim = np.interp(out[low, 2], zb + 0.005, rear) - 0.001
    out[low, 1] = np.minimum(out[low, 1], lim)
    return out


def build_standing(p: MeshShopper) -> tuple[list[meshes.Mesh], dict, dict]:
    """The shopper's meshes (feet, lower body, clothing), the truth per foot, and the
    placed feet."""
    body = meshes.makehuman_body()
    scale = p.stature_mm / 1000.0 / meshes.MAKEHUMAN_STATURE_M
    floor_y = meshes.blended_body(p.calf_fat, p.calf_muscle)[:, 1].min()
    feet = {side: _placed_foot(p, k, side) for k, side in enumerate(("left", "right"))}
    poses = {}
    for k, (side, s, sign) in enumerate((("left", "L", 1.0), ("right", "R", -1.0))):
        J = body.joints
        hip, ankle = J[f"upperleg01.{s}____head"], J[f"foot.{s}____head"]
        fv = feet[side][0]
        stump = _slice(fv, (ankle[1] - floor_y) * scale).mean(axis=0)
        target = np.array([stump[0] / scale, -stump[1] / scale])  # world -> MakeHuman x, z
        yaw = meshes.rotation_about(np.array([0.0, 1.0, 0.0]), np.radians(p.toe_out_deg[k])
                                    * sign)
        poses[side] = (solve_hip(hip, ankle, target, yaw), np.eye(3), np.eye(3))
    lb = meshes.lower_body(p.stature_mm, p.calf_fat, p.calf_muscle, poses, facing=-1.0)
    v = lb.vertices
    for side, sign in (("left", 1), ("right", -1)):
        v = fit_leg_to_foot(v, lb.side == sign, feet[side][0], lb.joints[f"knee.{side}"][2])
    skin = np.asarray(p.skin_rgb, float)
    sock = skin if p.barefoot else np.asarray(p.sock_rgb, float)
    leg_cls = np.where(lb.side == 1, 3, np.where(lb.side == -1, 4, 0))
    face_cls = leg_cls[lb.faces].max(axis=1).astype(np.uint8)
    body_mesh = meshes.Mesh(v, lb.faces, np.tile(skin, (len(lb.faces), 1)), face_cls)
    parts, placed, truth = [], {}, {}
    for side, foot_cls in (("left", 1), ("right", 2)):
        fv, faces, R = feet[side]
        placed[side] = PlacedFoot(fv, faces, R @ np.array([1.0, 0.0, 0.0]))
        parts.append(meshes.Mesh.plain(fv, faces, sock, foot_cls))
        truth[side] = foot_truth(placed[side], p.lateral_malleolus_height_mm / 1000)
        truth[side]["heel_gap_mm"] = side_gap_m(p.heel_gap_m, side) * 1000
    parts.append(body_mesh)
    for m in parts:
        z = m.face_centers()[:, 2]
        m.face_rgb[z < p.sock_height_m] = sock
        if p.clothing == "leggings":
            m.face_rgb[z >= max(p.hem_m, p.sock_height_m)] = p.clothing_rgb
    crotch = float(v[lb.side == 0][:, 2].min()) if (lb.side == 0).any() else 0.7
    if p.clothing in ("straight", "rolled", "wide"):
        for sign, cls in ((1, 3), (-1, 4)):
            parts.append(_trouser(v[lb.side == sign], p, cls, crotch))
        parts.append(_waist(v, p, crotch))
    elif p.clothing == "skirt":
        parts.append(_skirt(v, p))
    return parts, truth, placed


def _trouser(leg: np.ndarray, p: MeshShopper, cls: int, crotch_m: float) -> meshes.Mesh:
    bottom, top = leg[:, 2].min() + 0.03, min(leg[:, 2].max() - 0.02, crotch_m + 0.02)
    zs = np.arange(max(p.hem_m, 0.0), top, 0.02)
    centers, rx, ry = [], [], []
    for z in zs:
        sl = _slice(leg, float(np.clip(z, bottom, top)), 0.012)
        c = sl.mean(axis=0)
        flare = p.ease_m * (1.0 + (1.0 if p.clothing == "wide" else 0.0)
                            * max(0.0, 0.4 - z) / 0.4)
        centers.append([c[0], c[1], z])
        rx.append(np.ptp(sl[:, 0]) / 2 + flare)
        ry.append(np.ptp(sl[:, 1]) / 2 + flare)
    return tube(np.asarray(centers), np.asarray(rx), np.asarray(ry), p.clothing_rgb, cls)


def _waist(v: np.ndarray, p: MeshShopper, crotch_m: float) -> meshes.Mesh:
    """The trousers' seat: one tube around the pelvis from the crotch to the waist cut."""
    zs = np.arange(crotch_m - 0.03, v[:, 2].max() - 0.01, 0.02)
    centers, rx, ry = [], [], []
    for z in zs:
        sl = _slice(v, z, 0.012)
        centers.append([sl[:, 0].mean(), sl[:, 1].mean(), z])
        rx.append(np.ptp(sl[:, 0]) / 2 + min(p.ease_m, 0.03))
        ry.append(np.ptp(sl[:, 1]) / 2 + min(p.ease_m, 0.03))
    return tube(np.asarray(centers), np.asarray(rx), np.asarray(ry), p.clothing_rgb, 0)


def _skirt(v: np.ndarray, p: MeshShopper) -> meshes.Mesh:
    """An A-line skirt from the waist cut to the hem around both legs."""
    top = v[:, 2].max() - 0.01
    hips = _slice(v, top - 0.06, 0.015)
    c = hips.mean(axis=0)
    w, d = np.ptp(hips[:, 0]) / 2 + 0.015, np.ptp(hips[:, 1]) / 2 + 0.015
    zs = np.arange(p.hem_m, top, 0.02)
    grow = 1 + p.ease_m * 4.0 * (top - zs) / max(top - p.hem_m, 0.1)
    centers = np.column_stack([np.full_like(zs, c[0]), np.full_like(zs, c[1]), zs])
    return tube(centers, w * grow, d * grow, p.clothing_rgb, 0)


def foot_truth(foot: PlacedFoot, malleolus_height_m: float) -> dict:
    """DESIGN.md §3 figures measured on the placed foot mesh (see the module docstring)."""
    v = foot.vertices
    axis = foot.axis.copy()
    axis[2] = 0.0
    axis /= np.linalg.norm(axis)
    across = np.array([-axis[1], axis[0], 0.0])
    proj = v[:, :2] @ axis[:2]
    lat = v[:, :2] @ across[:2]
    heel_region = v[:, 2] < malleolus_height_m
    heel = proj[heel_region].min()
    length = proj.max() - heel
    fore = proj > heel + 0.5 * length
    breadth = np.ptp(lat[fore])
    local = np.column_stack([proj, lat, v[:, 2]])
    arch = meshes.foot_section_top(local, foot.faces, heel + 0.5 * length)
    pternion = v[heel_region][np.argmin(proj[heel_region]), :2]
    return {
        "length_mm": round(float(length * 1000), 3),
        "width_mm": round(float(breadth * 1000), 3),
        "arch_height_mm": round(float(arch * 1000), 3),
        "arch_height_index": round(float(arch_height_index(arch, length)), 5),
        "axis_xy": axis[:2].round(6).tolist(),
        "toe_tip_xy_m": v[np.argmax(proj), :2].round(5).tolist(),
        "pternion_xy_m": pternion.round(5).tolist(),
    }


@dataclass
class MeshStandingScene:
    profile: MeshShopper
    camera: SimCamera
    mesh: meshes.Mesh
    truth: dict
    noise: D4xxNoise


def standing_camera(p: MeshShopper) -> SimCamera:
    mode = p.mode
    mean_len = (p.length_mm[0] + p.length_mm[1]) / 2000
    target = np.array([0.0, -mean_len * 0.55, 0.02])
    horiz = (p.camera_height_m - target[2]) / np.tan(np.radians(p.camera_pitch_deg))
    yaw = np.radians(p.camera_yaw_deg)
    center = np.array([p.camera_offset_x_m + np.sin(yaw) * horiz,
                       target[1] - np.cos(yaw) * horiz, p.camera_height_m])
    aim = target + np.array([p.camera_offset_x_m, 0.0, 0.0])
    fx = mode.fx_px * p.fx_scale
    W, H = mode.width, mode.height
    intr = Intrinsics(W, H, fx, fx, (W - 1) / 2 + 1.5, (H - 1) / 2 - 1.0)
    return SimCamera.looking_at(intr, center, aim, np.radians(p.camera_roll_deg))


def mesh_noise(p: MeshShopper, depth_unit_m: float = 0.001) -> D4xxNoise:
    fx = p.mode.fx_px * p.fx_scale
    return D4xxNoise(baseline_m=p.mode.baseline_m, depth_unit_m=depth_unit_m,
                     min_depth_m=fx * p.mode.baseline_m / 126.0, scale=p.noise_scale)


def mesh_standing_scene(p: MeshShopper) -> MeshStandingScene:
    rng = np.random.default_rng(p.seed + 1)
    people, feet_truth, _ = build_standing(p)
    mesh = meshes.Mesh.concat(_station(p, rng) + people)
    cam = standing_camera(p)
    truth = {
        "sim_version": MESH_SIM_VERSION,
        "family": "mesh",
        "station": "standing",
        "classes": list(STANDING_CLASSES),
        "feet": feet_truth,
        "heel_stop": {"face_y_m": 0.0, "height_m": p.stop_height_m, "shape": p.stop_shape},
        "camera": _camera_truth(cam),
        "mode": dataclasses.asdict(p.mode),
        "subject": {"ansur2_id": p.subject_id, "sex": p.sex},
    }
    return MeshStandingScene(p, cam, mesh, truth, mesh_noise(p))


def render_mesh_standing(scene: MeshStandingScene, n_frames: int, rng: np.random.Generator,
                         clean: RenderOutput | None = None):
    """The clean render and n noisy (depth, colour) frames of the still shopper."""
    p = scene.profile
    if clean is None:
        clean = raycast(scene.camera, scene.mesh, np.asarray(p.light_dir, float),
                        brightness=p.brightness)
    frames = []
    for _ in progress(range(n_frames), desc="noisy frames", unit="frame"):
        d = apply_d4xx_noise(clean.depth_m, scene.camera.intrinsics, scene.noise, rng)
        c = apply_color_noise(clean.color, rng)
        frames.append((d, c))
    return clean, frames
