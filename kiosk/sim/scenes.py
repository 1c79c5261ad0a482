"""Standing and treadmill scenes from a shopper profile, with ground truth.

World (floor) frame: z up, metres, x to the camera's right. Standing station: the heel
stop's face is the plane y = 0, the shopper faces the camera (toes toward -y), so the
shopper's left foot is at +x. Treadmill: the shopper walks toward +y, away from the camera
behind them; the belt moves toward -y; the shopper's left is at -x.

Ground truth follows DESIGN.md section 3 and is computed from the rendered surfaces:
foot length and breadth are the extents of the foot surface along and across its axis,
arch height is the surface's dorsal height at 50 % of that length, the rearfoot angle is
the angle between the heel counter's symmetry axis and the shank axis in the frontal plane.
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
from kiosk.sim import kinematics
from kiosk.sim.anthropometry import sample_foot_dimensions
from kiosk.sim.modes import CAMERA_BASELINE_M, DepthMode
from kiosk.sim.render import (
    Cone,
    D4xxNoise,
    Quad,
    RenderOutput,
    SimCamera,
    apply_color_noise,
    apply_d4xx_noise,
    render,
)
from kiosk.sim.shapes import (
    MAT_SHOE,
    MAT_SKIN,
    MAT_SOCK,
    MAT_SOLE,
    MAT_TROUSER,
    FootShape,
    ShoeShape,
    Surface,
    foot_surface,
    rotation,
    shoe_surface,
)

SIM_VERSION = "1"

# class ids in the truth masks
STANDING_CLASSES = ("background", "left_foot", "right_foot", "left_shank", "right_shank")
GAIT_CLASSES = ("background", "left_shoe", "right_shoe", "left_shank", "right_shank")

# Station ranges (DESIGN.md section 2)
STANDING_HEIGHT_M = (0.6, 1.2)
STANDING_PITCH_DEG = (45.0, 75.0)
GAIT_HEIGHT_M = (0.2, 0.5)
GAIT_DISTANCE_M = (0.7, 1.2)
AHI_MEAN, AHI_SD = 0.316, 0.027  # inferred norm (REFERENCE.md, Williams & McClay cut-offs)
NOMINAL_FX_PX = 430.0  # the middle of random_profile's D435 848x480 focal lengths


FX_PX_RANGE = (415.0, 445.0)  # depth focal length at 848x480: D435 and D455 factory units

@dataclass
class FootProfile:
    length_mm: float
    width_mm: float
    ball_ratio: float
    heel_breadth_mm: float
    ahi: float
    toe_shape: str = "egyptian"
    progression_deg: float = 7.0  # toe-out
    peak_eversion_deg: float = 8.0
    ankle_ratio: float = 0.2  # shank axis from the pternion / length


@dataclass
class ShopperProfile:
    """Everything that makes one simulated shopper and station; JSON-serialisable."""

    seed: int
    sex: str
    left: FootProfile
    right: FootProfile
    stance_width_m: float = 0.2
    # standing: distance of the heels from the stop (0 = touching); a (left, right) pair
    # sets each heel's own
    heel_gap_m: float | tuple = 0.0
    barefoot: bool = False
    sock_rgb: tuple = (235, 235, 235)
    skin_rgb: tuple = (205, 160, 130)
    trouser_rgb: tuple = (40, 50, 80)
    trouser_hem_m: float = 0.16
    shoe_rgb: tuple = (60, 60, 200)
    sole_rgb: tuple = (235, 235, 225)
    mat_rgb: tuple = (70, 70, 75)
    floor_rgb: tuple = (160, 150, 140)
    camera_model: str = "D435"
    camera_height_m: float = 0.9
    camera_pitch_deg: float = 60.0
    camera_distance_m: float = 0.9  # gait: horizontal distance behind the heels
    camera_yaw_deg: float = 0.0
    camera_roll_deg: float = 0.0
    camera_offset_x_m: float = 0.0
    fx_px: float = 430.0  # focal length at width_px x height_px
    width_px: int = 848
    height_px: int = 480
    fps: float | None = None  # None: the station's default rate
    color: bool = True  # False: a depth-only recording
    light_dir: tuple = (0.3, -0.5, 1.0)
    brightness: float = 1.0
    noise_scale: float = 1.0
    gait: str = "walking"
    cadence_spm: float = 110.0
    speed_mps: float = 1.3
    stance_fraction: float = 0.62
    curve_weights: tuple = (0.0, 0.0)
    shank_tilt_deg: float = 3.0  # frontal-plane shank tilt, + = top toward the midline
    shoes: bool = True  # gait scenes: in shoes (DESIGN.md)
    extras: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict) -> ShopperProfile:
        known = {f.name for f in dataclasses.fields(ShopperProfile)}
        unknown = set(d) - known
        if unknown:
            raise InputError(f"profile: unknown keys {sorted(unknown)}")
        try:
            d = dict(d)
            for side in ("left", "right"):
                d[side] = FootProfile(**d[side])
            for k, v in list(d.items()):
                if isinstance(v, list):
                    d[k] = tuple(v)
            return ShopperProfile(**d)
        except (TypeError, KeyError) as e:
            raise InputError(f"profile: {e}") from None

    @staticmethod
    def load(path: str | Path) -> ShopperProfile:
        try:
            return ShopperProfile.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{path}: cannot read profile ({e})") from None


def random_profile(seed: int, station: str = "standing", spread: float = 1.0,
                   heel_gap_m: float | tuple | None = None) -> ShopperProfile:
    """A plausible shopper and camera pose; `spread` > 1 widens every range (training/OOD)."""
    rng = np.random.default_rng(seed)
    dims = sample_foot_dimensions(rng, spread=spread)

    def u(lo, hi):
        mid, half = (lo + hi) / 2, (hi - lo) / 2 * spread
        return float(rng.uniform(mid - half, mid + half))

    toe = str(rng.choice(["egyptian", "greek", "square"], p=[0.6, 0.25, 0.15]))
    ahi = float(np.clip(rng.normal(AHI_MEAN, AHI_SD * 1.3 * spread), 0.22, 0.42))
    base_ev = float(np.clip(rng.normal(7.0, 5.0 * spread), -5.0, 20.0))

    def foot(scale: float, ahi_off: float, ev_off: float) -> FootProfile:
        return FootProfile(
            length_mm=dims.length_mm * scale,
            width_mm=dims.breadth_mm * (1 + (scale - 1) * 0.5),
            ball_ratio=dims.ball_length_mm / dims.length_mm,
            heel_breadth_mm=dims.heel_breadth_mm,
            ahi=float(np.clip(ahi + ahi_off, 0.22, 0.42)),
            toe_shape=toe,
            progression_deg=u(0.0, 14.0),
            peak_eversion_deg=float(np.clip(base_ev + ev_off, -5.0, 20.0)),
            ankle_ratio=float(np.clip(rng.normal(0.2, 0.012), 0.16, 0.24)),
        )

    # about one shopper in five has feet half a size (4.2 mm) or more apart
    diff = rng.normal(0, 0.0125)
    left = foot(1 + diff / 2, rng.normal(0, 0.008), rng.normal(0, 1.5))
    right = foot(1 - diff / 2, rng.normal(0, 0.008), rng.normal(0, 1.5))
    gait = "walking" if rng.random() < 0.6 else "running"
    if gait == "walking":
        cadence, speed, stance = u(95, 125), u(1.0, 1.6), kinematics.WALKING_STANCE
    else:
        cadence, speed, stance = u(150, 175), u(2.0, 3.0), kinematics.RUNNING_STANCE
    barefoot = bool(rng.random() < 0.3)
    sock = tuple(int(c) for c in rng.choice(
        [[235, 235, 235], [30, 30, 35], [120, 120, 125], [150, 40, 40], [40, 60, 140]]))
    skin = tuple(int(c) for c in rng.choice(
        [[225, 190, 165], [205, 160, 130], [160, 115, 85], [110, 75, 55], [80, 55, 40]]))
    if station == "standing":
        cam_h, pitch, dist = u(*STANDING_HEIGHT_M), u(*STANDING_PITCH_DEG), 0.0
    else:
        cam_h, dist = u(*GAIT_HEIGHT_M), u(*GAIT_DISTANCE_M)
        pitch = float(np.degrees(np.arctan2(cam_h - 0.06, dist)))
    return ShopperProfile(
        seed=seed,
        sex=dims.sex,
        left=left,
        right=right,
        stance_width_m=u(0.12, 0.28),
        heel_gap_m=0.0 if heel_gap_m is None else heel_gap_m,
        barefoot=barefoot,
        sock_rgb=skin if barefoot else sock,
        skin_rgb=skin,
        trouser_rgb=tuple(int(c) for c in rng.integers(20, 200, 3)),
        trouser_hem_m=u(0.12, 0.45),
        shoe_rgb=tuple(int(c) for c in rng.integers(20, 230, 3)),
        sole_rgb=tuple(int(c) for c in rng.choice([[235, 235, 225], [40, 40, 40], [200, 80, 40]])),
        mat_rgb=tuple(int(c) for c in rng.integers(40, 110, 3)),
        floor_rgb=tuple(int(c) for c in rng.integers(100, 200, 3)),
        camera_model=str(rng.choice(["D435", "D455"])),
        camera_height_m=cam_h,
        camera_pitch_deg=pitch,
        camera_distance_m=dist,
        camera_yaw_deg=u(-4, 4),
        camera_roll_deg=u(-3, 3),
        camera_offset_x_m=u(-0.05, 0.05),
        fx_px=u(*FX_PX_RANGE),
        light_dir=(u(-0.6, 0.6), u(-0.8, 0.2), 1.0),
        brightness=u(0.7, 1.2),
        noise_scale=u(0.9, 1.2),
        gait=gait,
        cadence_spm=cadence,
        speed_mps=speed,
        stance_fraction=stance + float(rng.normal(0, 0.015)),
        curve_weights=tuple(float(x) for x in kinematics.sample_curve_shape(rng, spread)),
        shank_tilt_deg=u(-2, 7),
    )


def apply_mode(p: ShopperProfile, mode: DepthMode) -> ShopperProfile:
    """The profile seen through another D4xx mode; the unit's own focal-length deviation
    (the profile's fx against the D435 848x480 nominal) is kept."""
    unit = p.fx_px / NOMINAL_FX_PX
    return dataclasses.replace(p, camera_model=mode.camera, width_px=mode.width,
                               height_px=mode.height, fx_px=mode.fx_px * unit,
                               fps=float(mode.fps), color=mode.color)


def _noise_model(p: ShopperProfile, depth_unit_m: float = 0.001) -> D4xxNoise:
    baseline = CAMERA_BASELINE_M[p.camera_model]
    return D4xxNoise(
        baseline_m=baseline,
        depth_unit_m=depth_unit_m,
        min_depth_m=p.fx_px * baseline / 126.0,
        scale=p.noise_scale,
    )


def _palette(p: ShopperProfile) -> np.ndarray:
    pal = np.zeros((8, 3))
    pal[MAT_SKIN] = p.skin_rgb
    pal[MAT_SOCK] = p.sock_rgb
    pal[MAT_SHOE] = p.shoe_rgb
    pal[MAT_SOLE] = p.sole_rgb
    pal[MAT_TROUSER] = p.trouser_rgb
    return pal


def _foot_shape(fp: FootProfile) -> FootShape:
    L = fp.length_mm / 1000
    return FootShape(
        length_m=L,
        breadth_m=fp.width_mm / 1000,
        ball_ratio=fp.ball_ratio,
        heel_breadth_m=fp.heel_breadth_mm / 1000,
        arch_height_m=arch_height_for_ahi(fp.ahi, L),
        toe_shape=fp.toe_shape,
        ankle_ratio=fp.ankle_ratio,
    )


def _mirror(side: str) -> np.ndarray:
    return np.diag([1.0, -1.0, 1.0]) if side == "left" else np.eye(3)


@dataclass
class StandingScene:
    profile: ShopperProfile
    camera: SimCamera
    quads: list
    bodies: list  # (surface, palette, class)
    cones: list  # (Cone, palette)
    truth: dict
    stop_height_m: float


def _leg_cones(shape: FootShape, p: ShopperProfile, shank_class: int, R: np.ndarray,
               origin: np.ndarray, bottom_m: float, top_m: float) -> list[Cone]:
    """Shank (sock below 12 cm, then skin) and trouser tubes; local x = AP, y = ML, z up."""
    W = shape.breadth_m
    r_ml0 = 0.37 * W  # bimalleolar breadth ≈ 0.73 × foot breadth (ANSUR II means)
    k = 0.33 / 0.37  # antero-posterior / medio-lateral radius
    hem = max(p.trouser_hem_m, bottom_m + 0.05)
    sock = MAT_SKIN if p.barefoot else MAT_SOCK

    def r_at(z: float) -> float:  # grows ~22 % from the ankle to mid-calf (0.45 m)
        return r_ml0 * (1 + 0.22 * max(z, 0.0) / 0.45)

    cones = [Cone(origin, R, bottom_m, hem, r_at(bottom_m), r_at(hem), k,
                  ((0.12, sock), (10.0, MAT_SKIN)), shank_class)]
    if hem < top_m:
        cones.append(Cone(origin, R, hem, top_m, r_at(hem) * 1.6 + 0.01, r_at(top_m) * 1.45 + 0.01,
                          k, ((10.0, MAT_TROUSER),), shank_class))
    return cones


def standing_scene(p: ShopperProfile, width: int | None = None,
                   height: int | None = None) -> StandingScene:
    """Build the standing station with the shopper's feet against (or short of) the stop."""
    width, height = width or p.width_px, height or p.height_px
    rng = np.random.default_rng(p.seed + 1)
    stop_h = float(rng.uniform(0.06, 0.10))
    stop_depth = 0.05
    R_base = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    bodies = []
    cones: list[Cone] = []
    truth_feet = {}
    mean_len = (p.left.length_mm + p.right.length_mm) / 2000
    for side, fp, foot_cls, shank_cls, x_sign in (
        ("left", p.left, 1, 3, +1.0),
        ("right", p.right, 2, 4, -1.0),
    ):
        shape = _foot_shape(fp)
        M = _mirror(side)
        yaw = np.radians(fp.progression_deg) * x_sign
        R = rotation(yaw_rad=yaw) @ R_base @ M
        foot = foot_surface(shape)
        # place: heel centre at x = ±stance/2, rearmost foot point at y = -gap
        heel_center_local = np.array([shape.heel_breadth_m / 2, 0.0, 0.0])
        t = np.array([x_sign * p.stance_width_m / 2, 0.0, 0.0]) - R @ heel_center_local
        world_foot = foot.transformed(R, t)
        shift_y = -side_gap_m(p.heel_gap_m, side) - world_foot.points[:, 1].max()
        t = t + np.array([0.0, shift_y, 0.0])
        world_foot = foot.transformed(R, t)
        bodies.append((world_foot, foot_cls))
        ankle = R @ np.array([shape.ankle_ratio * shape.length_m, 0.0, 0.0]) + t
        cones += _leg_cones(shape, p, shank_cls, R, ankle, 0.03, 1.1)
        truth_feet[side] = foot_truth(foot, shape, R, t)
        truth_feet[side]["heel_gap_mm"] = side_gap_m(p.heel_gap_m, side) * 1000
    # camera in front of the toes, aimed at the middle of the feet
    target = np.array([0.0, -mean_len * 0.55, 0.02])
    horiz = (p.camera_height_m - target[2]) / np.tan(np.radians(p.camera_pitch_deg))
    yaw = np.radians(p.camera_yaw_deg)
    center = np.array([p.camera_offset_x_m + np.sin(yaw) * horiz,
                       target[1] - np.cos(yaw) * horiz, p.camera_height_m])
    aim = target + np.array([p.camera_offset_x_m, 0.0, 0.0])
    fx = p.fx_px * width / p.width_px
    intr = Intrinsics(width, height, fx, fx, (width - 1) / 2 + 2.0,
                      (height - 1) / 2 - 1.5)
    cam = SimCamera.looking_at(intr, center, aim, np.radians(p.camera_roll_deg))
    ex, ey, ez = np.eye(3)
    quads = [
        Quad(np.array([-3.0, -4.0, 0.0]), ex, ey, 6.0, 6.0, p.floor_rgb),
        Quad(np.array([-0.4, -0.5, 0.0002]), ex, ey, 0.8, 0.5, p.mat_rgb),
        # heel stop: face (y = 0, facing the camera), top, and back
        Quad(np.array([-0.35, 0.0, 0.0]), ex, ez, 0.7, stop_h, (200, 200, 195)),
        Quad(np.array([-0.35, 0.0, stop_h]), ex, ey, 0.7, stop_depth, (185, 185, 180)),
        Quad(np.array([-3.0, 1.5, 0.0]), ex, ez, 6.0, 2.5, (190, 190, 200)),
    ]
    palette = _palette(p)
    body_list = [(s, palette, c) for s, c in bodies]
    truth = {
        "sim_version": SIM_VERSION,
        "station": "standing",
        "classes": list(STANDING_CLASSES),
        "feet": truth_feet,
        "heel_stop": {"face_y_m": 0.0, "height_m": stop_h},
        "camera": _camera_truth(cam),
    }
    return StandingScene(p, cam, quads, body_list, [(c, palette) for c in cones], truth, stop_h)


def side_gap_m(heel_gap_m: float | tuple, side: str) -> float:
    """One heel's gap from the stop: the profile's single gap, or its (left, right) pair."""
    if isinstance(heel_gap_m, (tuple, list)):
        return float(heel_gap_m[0 if side == "left" else 1])
    return float(heel_gap_m)


def _camera_truth(cam: SimCamera) -> dict:
    i = cam.intrinsics
    return {
        "center_m": cam.center.tolist(),
        "R_world_to_camera": cam.R_wc.tolist(),
        "intrinsics": {"width": i.width, "height": i.height, "fx": i.fx, "fy": i.fy,
                       "ppx": i.ppx, "ppy": i.ppy},
    }


def foot_truth(local: Surface, shape: FootShape, R: np.ndarray, t: np.ndarray) -> dict:
    """Length, breadth and dorsal arch height from the placed foot surface (DESIGN.md §3).

    The long axis is the foot model's axis, carried into the world by the placement; the
    extents along it come from the surface itself.
    """
    world = local.transformed(R, t)
    axis = R @ np.array([1.0, 0.0, 0.0])
    axis[2] = 0.0
    axis /= np.linalg.norm(axis)
    across = np.array([-axis[1], axis[0], 0.0])
    proj = world.points[:, :2] @ axis[:2]
    lat = world.points[:, :2] @ across[:2]
    heel = proj.min()
    length = proj.max() - heel
    forefoot = proj > heel + 0.5 * length
    breadth = lat[forefoot].max() - lat[forefoot].min()
    mid = np.abs(proj - (heel + 0.5 * length)) < 0.0006
    arch = world.points[mid, 2].max()
    tip = world.points[np.argmax(proj), :2]
    pternion = world.points[np.argmin(proj), :2]
    return {
        "length_mm": round(float(length * 1000), 3),
        "width_mm": round(float(breadth * 1000), 3),
        "arch_height_mm": round(float(arch * 1000), 3),
        "arch_height_index": round(float(arch_height_index(arch, length)), 5),
        "axis_xy": axis[:2].round(6).tolist(),
        "toe_tip_xy_m": tip.round(5).tolist(),
        "pternion_xy_m": pternion.round(5).tolist(),
    }


def render_standing_frames(
    scene: StandingScene, n_frames: int, rng: np.random.Generator,
    depth_unit_m: float = 0.001, clean: RenderOutput | None = None,
) -> tuple[RenderOutput, list[tuple[np.ndarray, np.ndarray]]]:
    """The clean render and n noisy (depth, colour) frames of the still shopper."""
    p = scene.profile
    if clean is None:
        clean = render(scene.camera, scene.quads, scene.bodies, np.asarray(p.light_dir, float),
                       cones=scene.cones, brightness=p.brightness)
    noise = _noise_model(p, depth_unit_m)
    frames = []
    for _ in range(n_frames):
        d = apply_d4xx_noise(clean.depth_m, scene.camera.intrinsics, noise, rng)
        c = apply_color_noise(clean.color, rng)
        frames.append((d, c))
    return clean, frames


# ---------------------------------------------------------------- treadmill


@dataclass
class GaitScene:
    profile: ShopperProfile
    camera: SimCamera
    quads: list
    fps: float
    n_frames: int
    foot_local: dict  # side -> (shoe surface, leg surfaces, FootShape, ShoeShape)


def gait_scene(p: ShopperProfile, duration_s: float = 6.0, fps: float = 30.0,
               width: int | None = None, height: int | None = None) -> GaitScene:
    width, height = width or p.width_px, height or p.height_px
    target = np.array([0.0, 0.0, 0.06])
    yaw = np.radians(p.camera_yaw_deg)
    d = p.camera_distance_m
    center = np.array([p.camera_offset_x_m - np.sin(yaw) * d, -np.cos(yaw) * d,
                       p.camera_height_m])
    fx = p.fx_px * width / p.width_px
    intr = Intrinsics(width, height, fx, fx, (width - 1) / 2 + 1.5, (height - 1) / 2 - 1.0)
    cam = SimCamera.looking_at(intr, center, target + np.array([p.camera_offset_x_m, 0, 0]),
                               np.radians(p.camera_roll_deg))
    ex, ey, ez = np.eye(3)
    belt_w = 0.5
    quads = [
        Quad(np.array([-3.0, -4.0, -0.2]), ex, ey, 6.0, 8.0, p.floor_rgb),
        Quad(np.array([-belt_w / 2, -0.8, 0.0]), ex, ey, belt_w, 2.3, (45, 45, 48)),
        Quad(np.array([-belt_w / 2 - 0.1, -0.8, 0.02]), ex, ey, 0.1, 2.3, (150, 150, 155)),
        Quad(np.array([belt_w / 2, -0.8, 0.02]), ex, ey, 0.1, 2.3, (150, 150, 155)),
        Quad(np.array([-3.0, 2.5, -0.2]), ex, ez, 6.0, 2.5, (190, 190, 200)),
    ]
    feet = {}
    for side, fp in (("left", p.left), ("right", p.right)):
        shape = _foot_shape(fp)
        shoe = ShoeShape(shape)
        feet[side] = (shoe_surface(shoe), shape, shoe)
    return GaitScene(p, cam, quads, fps, round(duration_s * fps), feet)


def _gait_pose(p: ShopperProfile, side: str, phase: float, shoe: ShoeShape):
    """Shoe rotation/translation, shank direction and nominal rearfoot angle at a phase."""
    beta = p.stance_fraction
    T = 120.0 / p.cadence_spm
    V = p.speed_mps
    running = p.gait == "running"
    x_sign = -1.0 if side == "left" else 1.0
    fp = p.left if side == "left" else p.right
    L = shoe.foot.length_m + shoe.margin_m + shoe.toe_extra_m
    u_ball = shoe.foot.ball_ratio * shoe.foot.length_m + shoe.margin_m
    stance_len = V * beta * T
    y_hs = stance_len / 2  # heel position at heel strike (mid-stance at y = 0)
    hs_pitch = np.radians(10.0 if running else 16.0)
    to_pitch = np.radians(-28.0 if running else -38.0)
    if phase < beta:
        f = phase / beta
        y_heel = y_hs - V * phase * T
        if f < 0.18:  # loading: toes come down, heel is the pivot
            pitch = hs_pitch * (1 - f / 0.18) ** 2
            pivot_local, pivot_world_y, pivot_z = np.array([0.02, 0, 0]), y_heel, 0.0
        elif f < 0.7:
            pitch = 0.0
            pivot_local, pivot_world_y, pivot_z = np.array([0.02, 0, 0]), y_heel, 0.0
        else:  # heel off: pivot about the ball, which moves with the belt
            pitch = to_pitch * ((f - 0.7) / 0.3) ** 1.5
            pivot_local = np.array([u_ball, 0, 0])
            pivot_world_y = y_heel + (u_ball - 0.02)
            pivot_z = 0.0
        contact = True
    else:
        f = (phase - beta) / (1 - beta)
        s = f * f * (3 - 2 * f)
        y_to = y_hs - V * beta * T
        pivot_world_y = y_to + (y_hs - y_to) * s + (u_ball - 0.02) * (1 - s) * 0.0
        lift = (0.22 if running else 0.12) * np.sin(np.pi * f) ** 1.3
        pitch = to_pitch + (hs_pitch - to_pitch) * s
        pivot_local, pivot_z = np.array([0.02, 0, 0]), lift
        contact = False
    ev = float(kinematics.rearfoot_curve(np.array([phase]), fp.peak_eversion_deg,
                                         np.asarray(p.curve_weights), p.gait)[0])
    tilt = np.radians(p.shank_tilt_deg)
    roll = np.radians(ev) + tilt  # heel axis tilt from vertical, toward the midline
    # local (u fwd, v medial, w up) -> world: u -> +y, v -> -x for right (+x for left)
    R_base = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    M = _mirror(side)
    yaw = np.radians(fp.progression_deg) * (-x_sign)
    # in the mirrored (left) model, +v is lateral: the roll sign flips with the side
    roll_local = -roll if side == "right" else roll
    R = rotation(yaw_rad=yaw) @ R_base @ rotation(pitch_rad=pitch, roll_rad=roll_local) @ M
    x0 = x_sign * p.stance_width_m / 2
    t = np.array([x0, pivot_world_y, pivot_z]) - R @ pivot_local
    # the sole never goes below the belt
    # shank: through the ankle joint, sagittal lean, frontal tilt toward the midline
    lean = np.radians(12.0 * np.cos(2 * np.pi * phase) - (8.0 if running else 4.0))
    medial_x = -x_sign
    dvec = np.array([medial_x * np.tan(tilt), np.tan(lean), 1.0])
    dvec /= np.linalg.norm(dvec)
    joint_local = np.array([shoe.foot.ankle_ratio * shoe.foot.length_m + shoe.margin_m, 0.0,
                            shoe.sole_m + 0.055])
    joint = R @ joint_local + t
    return R, t, dvec, joint, contact, ev, L


def _frontal_angle_toward(vec: np.ndarray, medial_x: float) -> float:
    """Angle (deg) of a direction from vertical in the x-z plane, + toward the midline."""
    return float(np.degrees(np.arctan2(medial_x * vec[0], vec[2])))


def render_gait_frame(scene: GaitScene, k: int, rng: np.random.Generator | None,
                      depth_unit_m: float = 0.001,
                      sides: tuple[str, ...] = ("left", "right")):
    """Render frame k; returns (clean RenderOutput, noisy depth, noisy colour, truth dict).

    `sides` names the legs drawn (the refusal tests leave one or both out); truth is
    given for both."""
    p = scene.profile
    t_s = k / scene.fps
    T = 120.0 / p.cadence_spm
    palette = _palette(p)
    bodies = []
    cones: list = []
    frame_truth = {}
    for side, offset, shoe_cls, shank_cls in (("left", 0.0, 1, 3), ("right", 0.5, 2, 4)):
        shoe_surf, shape, shoe = scene.foot_local[side]
        phase = (t_s / T + offset + 0.13) % 1.0
        R, t, dvec, joint, contact, _ev_nominal, _ = _gait_pose(p, side, phase, shoe)
        world_shoe = shoe_surf.transformed(R, t)
        if side in sides:
            bodies.append((world_shoe, palette, shoe_cls))
        # leg: a tube along dvec from inside the shoe upward (local x = AP, y = ML)
        Z = dvec
        X = np.cross([0.0, 1.0, 0.0], Z)
        X /= np.linalg.norm(X)
        Y = np.cross(Z, X)
        Rl = np.stack([Y, X, Z], axis=1)
        if side in sides:
            cones += [(c, palette)
                      for c in _leg_cones(shape, p, shank_cls, Rl, joint, -0.04, 0.9)]
        medial_x = 1.0 if side == "left" else -1.0
        heel_axis = R @ np.array([0.0, 0.0, 1.0])
        heel_deg = _frontal_angle_toward(heel_axis, medial_x)
        shank_deg = _frontal_angle_toward(dvec, medial_x)
        rear = heel_deg - shank_deg
        frame_truth[side] = {
            "heel_deg": round(heel_deg, 4),
            "shank_deg": round(shank_deg, 4),
            "phase": round(phase, 5),
            "contact": bool(contact),
            "rearfoot_deg": round(rear, 4),
            "heel_xyz_m": (R @ np.array([0.0, 0.0, 0.02]) + t).round(5).tolist(),
        }
    out = render(scene.camera, scene.quads, bodies, np.asarray(p.light_dir, float),
                 cones=cones, brightness=p.brightness)
    if rng is None:
        return out, None, None, frame_truth
    noise = _noise_model(p, depth_unit_m)
    d = apply_d4xx_noise(out.depth_m, scene.camera.intrinsics, noise, rng)
    c = apply_color_noise(out.color, rng)
    return out, d, c, frame_truth


def gait_truth(scene: GaitScene, per_frame: list[dict]) -> dict:
    """Heel strikes, toe-offs, per-step peak eversion and cadence from the frames' truth."""
    p = scene.profile
    feet = {}
    for side in ("left", "right"):
        contact = np.array([f[side]["contact"] for f in per_frame])
        angle = np.array([f[side]["rearfoot_deg"] for f in per_frame])
        hs = [k for k in range(1, len(contact)) if contact[k] and not contact[k - 1]]
        to = [k for k in range(1, len(contact)) if not contact[k] and contact[k - 1]]
        peaks = []
        for h in hs:
            ends = [t for t in to if t > h]
            if ends:
                peaks.append(float(angle[h:ends[0]].max()))
        feet[side] = {
            "heel_strikes": hs,
            "toe_offs": to,
            "steps": len(hs),
            "step_peaks_deg": [round(x, 3) for x in peaks],
            "peak_eversion_deg": round(float(np.mean(peaks)), 3) if peaks else None,
        }
    return {
        "sim_version": SIM_VERSION,
        "station": "gait",
        "classes": list(GAIT_CLASSES),
        "gait": p.gait,
        "cadence_spm": p.cadence_spm,
        "speed_mps": p.speed_mps,
        "fps": scene.fps,
        "n_frames": scene.n_frames,
        "feet": feet,
        "camera": _camera_truth(scene.camera),
    }
