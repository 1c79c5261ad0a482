"""Triangle meshes of the mesh scene family, built from real third-party data.

- Feet: the FIND foot template (Boyne, Charles & Cipolla, BMVC 2022; MIT), learned from
  scans of real feet, scaled per shopper to a real ANSUR II subject's foot length and
  breadth, its dorsum deformed to an arch height index drawn from the published spread,
  its toes set down on the floor as a weight-bearing foot's are, in a (forward, medial, up)
  frame that serves either side.
- Legs: the MakeHuman body (CC0), its lower-leg fat and muscle targets blended per
  shopper, scaled to the subject's stature and posed about the skeleton's hip joints.
- Clothing, shoes, mats, heel stops and treadmills: simple meshes built here.

Nothing here is imported by the kiosk at run time; the data are read from the real-data
folder (`KIOSK_REALDATA`, by default `shared/realdata` beside the repository).
Mesh frames: world (floor) frame, z up, metres.
"""

from __future__ import annotations

import csv
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.errors import InputError

REALDATA_ENV = "KIOSK_REALDATA"
MAKEHUMAN_UNIT_M = 0.1  # base.obj is in decimetres
MAKEHUMAN_STATURE_M = 1.6945  # base.obj's height (its y extent) in metres
# a weight-bearing foot's toes rest on the floor; the template's (scanned unloaded) do not
TOE_CONTACT_M = 0.002
# the heel (pternion) lies below the lateral malleolus: ANSUR II lateral malleolus height
# is 0.25-0.28 x foot length (means 70/271 mm men, 63/246 mm women)
HEEL_REGION_RATIO = 0.25


def realdata_dir() -> Path:
    env = os.environ.get(REALDATA_ENV)
    path = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
    if not (path / "foot_scans" / "find_template" / "template.obj").is_file():
        raise InputError(f"the mesh scene family needs the real-data folder ({path}); "
                         f"set {REALDATA_ENV} to where it is")
    return path


@dataclass
class Mesh:
    """Triangles with a colour and a class id per face."""

    vertices: np.ndarray  # (N, 3)
    faces: np.ndarray  # (M, 3) int
    face_rgb: np.ndarray  # (M, 3) float 0..255
    face_cls: np.ndarray  # (M,) uint8

    @staticmethod
    def concat(items: list[Mesh]) -> Mesh:
        offs = np.cumsum([0] + [len(m.vertices) for m in items[:-1]])
        return Mesh(np.concatenate([m.vertices for m in items]),
                    np.concatenate([m.faces + o for m, o in zip(items, offs, strict=True)]),
                    np.concatenate([m.face_rgb for m in items]),
                    np.concatenate([m.face_cls for m in items]))

    @staticmethod
    def plain(vertices: np.ndarray, faces: np.ndarray, rgb, cls: int) -> Mesh:
        n = len(faces)
        return Mesh(np.asarray(vertices, float), np.asarray(faces, np.int64),
                    np.tile(np.asarray(rgb, float), (n, 1)), np.full(n, cls, np.uint8))

    def face_centers(self) -> np.ndarray:
        return self.vertices[self.faces].mean(axis=1)


def read_obj(path: Path, group: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and triangulated faces of an OBJ file (optionally one group's faces)."""
    verts, faces = [], []
    current = None
    with open(path) as fh:
        for line in fh:
            if line.startswith("v "):
                verts.append(line.split()[1:4])
            elif line.startswith("g "):
                current = line.split()[1]
            elif line.startswith("f ") and (group is None or current == group):
                idx = [int(t.split("/")[0]) - 1 for t in line.split()[1:]]
                faces += [(idx[0], idx[k], idx[k + 1]) for k in range(1, len(idx) - 1)]
    return np.asarray(verts, float), np.asarray(faces, np.int64)


# ------------------------------------------------------------------ feet


@dataclass(frozen=True)
class FootTemplate:
    """The FIND template in the foot frame: u from the heel toward the toes, v medial,
    w up, the plantar surface on w = 0, toes down on the floor; metres."""

    vertices: np.ndarray
    faces: np.ndarray


@functools.lru_cache(maxsize=1)
def foot_template() -> FootTemplate:
    v, f = read_obj(realdata_dir() / "foot_scans" / "find_template" / "template.obj")
    # the template is a left foot: x forward, y to its left (lateral), z up
    loc = np.stack([v[:, 0] - v[:, 0].min(), -v[:, 1], v[:, 2] - v[:, 2].min()], axis=1)
    f = f[:, ::-1]  # the v flip mirrors; keep the faces' winding outward
    return FootTemplate(_toes_down(loc), f)


def _toes_down(v: np.ndarray) -> np.ndarray:
    """Bend the toes about the ball until their pulps touch the floor."""
    L = np.ptp(v[:, 0])
    ball = 0.68 * L  # metatarsophalangeal joints (ANSUR II ball-of-foot length / length ≈ 0.74
    # for the first head; the joint line runs obliquely back to ~0.63 laterally)
    toes = v[:, 0] > 0.8 * L
    for deg in np.arange(0.0, 30.0, 0.25):
        out = _bend(v, ball, np.radians(deg))
        if out[toes, 2].min() <= TOE_CONTACT_M:
            return out
    return out


def _bend(v: np.ndarray, u0: float, angle: float) -> np.ndarray:
    """Rotate the part ahead of u0 down by `angle` about the transverse axis at (u0, w=0.02),
    blended over 2 cm so the surface stays smooth."""
    w = np.clip((v[:, 0] - (u0 - 0.01)) / 0.02, 0.0, 1.0)
    a = angle * w
    du, dw = v[:, 0] - u0, v[:, 2] - 0.02
    c, s = np.cos(a), np.sin(a)
    out = v.copy()
    out[:, 0] = u0 + c * du + s * dw
    out[:, 2] = np.maximum(0.02 - s * du + c * dw, 0.0)
    return out


def foot_section_top(vertices: np.ndarray, faces: np.ndarray, u: float) -> float:
    """Highest point (w) where the plane u = const cuts the surface (exact, per triangle)."""
    tri = vertices[faces]
    best = -np.inf
    for a, b in ((0, 1), (1, 2), (2, 0)):
        pa, pb = tri[:, a], tri[:, b]
        da, db = pa[:, 0] - u, pb[:, 0] - u
        cross = (da * db) <= 0
        denom = np.where(np.abs(da - db) > 1e-12, da - db, 1.0)
        t = np.where(cross, da / denom, 0.0)
        w = pa[:, 2] + t * (pb[:, 2] - pa[:, 2])
        if cross.any():
            best = max(best, float(w[cross].max()))
    return best


def shopper_foot(length_m: float, breadth_m: float, arch_height_m: float) -> np.ndarray:
    """The template's vertices scaled to a length and (forefoot) breadth, and its dorsum
    (ahead of the ankle, below the shin) raised or lowered to the arch height at 50 %."""
    t = foot_template()
    v = t.vertices.copy()
    # foot length runs from the heel (below the malleoli), not from the calf above it
    heel_u = v[v[:, 2] < HEEL_REGION_RATIO * np.ptp(v[:, 0]), 0].min()
    v[:, 0] -= heel_u
    L0 = v[:, 0].max()
    fore = v[:, 0] > 0.5 * L0
    B0 = np.ptp(v[fore, 1])
    v[:, 0] *= length_m / L0
    v[:, 1] *= breadth_m / B0
    v[:, 2] *= length_m / L0  # heights with the length, then the dorsum alone
    h0 = foot_section_top(v, t.faces, 0.5 * length_m)
    k = arch_height_m / h0
    f = v[:, 0] / length_m
    along = np.clip((f - 0.22) / 0.18, 0.0, 1.0)  # from the ankle's front to the midfoot
    along = along * along * (3 - 2 * along)
    below_shin = np.clip((0.6 * length_m - v[:, 2]) / (0.15 * length_m), 0.0, 1.0)
    v[:, 2] *= 1.0 + (k - 1.0) * along * below_shin
    return v


# ------------------------------------------------------------------ people


@dataclass(frozen=True)
class Subject:
    """One real ANSUR II participant's measurements used by the mesh family (mm, kg)."""

    subject_id: str
    sex: str
    stature_mm: float
    foot_length_mm: float
    foot_breadth_mm: float
    lateral_malleolus_height_mm: float
    calf_circumference_mm: float
    weight_kg: float


@functools.lru_cache(maxsize=1)
def ansur_subjects() -> tuple[Subject, ...]:
    out = []
    for sex, name in (("male", "MALE"), ("female", "FEMALE")):
        path = realdata_dir() / "ansur2" / f"ANSUR_II_{name}_Public.csv"
        with open(path, encoding="latin-1") as fh:
            for row in csv.DictReader(fh):
                sid = row.get("subjectid") or row.get("SubjectId") or ""
                out.append(Subject(sid, sex, float(row["stature"]), float(row["footlength"]),
                                   float(row["footbreadthhorizontal"]),
                                   float(row["lateralmalleolusheight"]),
                                   float(row["calfcircumference"]),
                                   float(row["weightkg"]) / 10.0))
    return tuple(out)


@dataclass(frozen=True)
class Body:
    vertices: np.ndarray  # MakeHuman frame: x to the body's left, y up, z forward; metres
    faces: np.ndarray  # the skin (group `body`)
    joints: dict  # joint name -> position
    weights: dict  # bone name -> (vertex indices, weights)


def _read_target(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = np.loadtxt(path, comments="#")
    return data[:, 0].astype(np.int64), data[:, 1:4] * MAKEHUMAN_UNIT_M


@functools.lru_cache(maxsize=1)
def makehuman_body() -> Body:
    root = realdata_dir() / "human_body" / "makehuman"
    v, f = read_obj(root / "base.obj", group="body")
    v = v * MAKEHUMAN_UNIT_M
    skel = json.loads((root / "rigs" / "default.mhskel").read_text())
    joints = {k: v[idx].mean(axis=0) for k, idx in skel["joints"].items()}
    w = json.loads((root / "rigs" / "default_weights.mhw").read_text())["weights"]
    weights = {b: (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs]))
               for b, pairs in w.items()}
    return Body(v, f, joints, weights)


@functools.lru_cache(maxsize=16)
def _leg_target(name: str) -> tuple[np.ndarray, np.ndarray]:
    return _read_target(realdata_dir() / "human_body" / "makehuman" / "targets" / "armslegs"
                        / f"{name}.target")


@functools.lru_cache(maxsize=4)
def blended_body(fat: float, muscle: float) -> np.ndarray:
    """MakeHuman vertices with both lower legs' fat and muscle targets (weights -1..1);
    read-only (cached)."""
    body = makehuman_body()
    v = body.vertices.copy()
    for side in ("l", "r"):
        for kind, wgt in (("fat", fat), ("muscle", muscle)):
            if abs(wgt) < 1e-6:
                continue
            idx, d = _leg_target(f"{side}-lowerleg-{kind}-{'incr' if wgt > 0 else 'decr'}")
            v[idx] += abs(wgt) * d
    v.flags.writeable = False
    return v


def bone_weight(body: Body, bones: tuple[str, ...]) -> np.ndarray:
    """Summed skinning weight of the given bones per vertex (read-only, cached)."""
    return _bone_weight(bones)


@functools.lru_cache(maxsize=64)
def _bone_weight(bones: tuple[str, ...]) -> np.ndarray:
    body = makehuman_body()
    w = np.zeros(len(body.vertices))
    for b in bones:
        idx, wt = body.weights.get(b, (np.zeros(0, np.int64), np.zeros(0)))
        np.add.at(w, idx, wt)
    w.flags.writeable = False
    return w


def rotation_about(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


FOOT_BONES = ("foot", *[f"toe{i}-{j}" for i in range(1, 6) for j in range(1, 4)])
LEG_BONES = ("upperleg01", "upperleg02", "lowerleg01", "lowerleg02", *FOOT_BONES)
ARM_BONES = ("clavicle", "shoulder01", "upperarm01", "upperarm02", "lowerarm01",
             "lowerarm02", "wrist", *[f"finger{i}-{j}" for i in range(1, 6) for j in range(1, 4)],
             *[f"metacarpal{i}" for i in range(1, 5)])
WAIST_RATIO = 0.62  # the body is kept below 0.62 x stature (about the waist)
# MakeHuman vertices weighted at least this much to the foot's bones are dropped: the FIND
# foot (or a shoe) replaces the MakeHuman one, and the leg ends inside its shin stump
FOOT_WEIGHT_CUT = 0.5
ARM_WEIGHT_CUT = 0.3


@dataclass
class LowerBody:
    """The posed MakeHuman body below the waist, without feet or arms, in the world frame."""

    vertices: np.ndarray
    faces: np.ndarray
    side: np.ndarray  # per vertex: +1 mostly the left leg's, -1 the right's, 0 the pelvis
    joints: dict  # "hip.left", "knee.left", "ankle.left", ... -> world position


def to_world(v: np.ndarray, facing: float, floor_y: float, scale: float) -> np.ndarray:
    """MakeHuman frame -> world: the body faces -y (facing -1, standing) or +y (treadmill)."""
    return np.column_stack([-facing * v[:, 0], facing * v[:, 2], v[:, 1] - floor_y]) * scale


def lower_body(stature_mm: float, calf_fat: float, calf_muscle: float, poses: dict,
               facing: float) -> LowerBody:
    """Pose the body: `poses[side] = (hip, knee, ankle)` rotations in the MakeHuman frame."""
    body = makehuman_body()
    v = blended_body(calf_fat, calf_muscle)
    floor_y = v[:, 1].min()
    scale = stature_mm / 1000.0 / MAKEHUMAN_STATURE_M
    posed = v
    joints = {}
    for side, s in (("left", "L"), ("right", "R")):
        hip, knee, ankle = poses[side]
        before = {k: body.joints[f"{b}.{s}____head"] for k, b in
                  (("hip", "upperleg01"), ("knee", "lowerleg01"), ("ankle", "foot"))}
        posed, jp = _pose_leg(body, posed, s, hip, knee, ankle, before)
        for k, pos in jp.items():
            joints[f"{k}.{side}"] = to_world(pos[None], facing, floor_y, scale)[0]
    feet = bone_weight(body, tuple(f"{b}.{s}" for s in "LR" for b in FOOT_BONES))
    arms = bone_weight(body, tuple(f"{b}.{s}" for s in "LR" for b in ARM_BONES))
    keep = ((v[:, 1] - floor_y) < WAIST_RATIO * (v[:, 1].max() - floor_y)) \
        & (feet < FOOT_WEIGHT_CUT) & (arms < ARM_WEIGHT_CUT)
    faces = body.faces[keep[body.faces].all(axis=1)]
    used, inv = np.unique(faces, return_inverse=True)
    wl = bone_weight(body, tuple(f"{b}.L" for b in LEG_BONES))[used]
    wr = bone_weight(body, tuple(f"{b}.R" for b in LEG_BONES))[used]
    side = np.where(wl > 0.5, 1, np.where(wr > 0.5, -1, 0)).astype(np.int8)
    return LowerBody(to_world(posed[used], facing, floor_y, scale), inv.reshape(-1, 3), side,
                     joints)


def _pose_leg(body: Body, v: np.ndarray, s: str, hip: np.ndarray, knee: np.ndarray,
              ankle: np.ndarray, rest: dict) -> tuple[np.ndarray, dict]:
    """Linear-blend skinning of one leg's chain (rotations about the hip, knee and ankle
    joints, each in its parent's posed frame); returns all vertices and the posed joints."""
    R1 = hip
    t1 = rest["hip"] - R1 @ rest["hip"]
    R2 = R1 @ knee
    k_new = R1 @ rest["knee"] + t1
    t2 = k_new - R2 @ rest["knee"]
    R3 = R2 @ ankle
    a_new = R2 @ rest["ankle"] + t2
    t3 = a_new - R3 @ rest["ankle"]
    segs = ((("upperleg01", "upperleg02"), R1, t1), (("lowerleg01", "lowerleg02"), R2, t2),
            (FOOT_BONES, R3, t3))
    out = np.zeros_like(v)
    total = np.zeros(len(v))
    for bones, R, t in segs:
        w = bone_weight(body, tuple(f"{b}.{s}" for b in bones))
        out += w[:, None] * (v @ R.T + t)
        total += w
    rest_w = 1.0 - np.clip(total, 0.0, 1.0)
    return out + rest_w[:, None] * v, {"hip": rest["hip"], "knee": k_new, "ankle": a_new}
