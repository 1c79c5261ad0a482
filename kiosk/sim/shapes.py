"""Surfaces of feet, shoes and legs as dense point samples with normals and material ids.

A foot (or shoe) is a generalised cylinder around its long axis: along the axis `s` (0 at the
pternion, L at the tip of the longest toe) the outline gives a medial and a lateral
half-width, and the dorsal profile gives the height; each cross-section is a superellipse.
Coordinates are in the object's frame: u along the axis (toward the toes), v toward the
medial side, w up, metres, the plantar surface on w = 0. Sampling is by arc length so that
steep walls (toe tips, heel counter) are as densely covered as the top, which the splat
renderer needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

# material ids, shared with the renderer's colour table and the truth masks
MAT_SKIN, MAT_SOCK, MAT_SHOE, MAT_SOLE, MAT_TROUSER = 1, 2, 3, 4, 5

# cross-section squareness: 2 = ellipse, larger = boxier (feet are boxy near the floor)
FOOT_SECTION_EXPONENT = 2.6
SHOE_SECTION_EXPONENT = 3.2


@dataclass
class Surface:
    """Points (N,3), outward normals (N,3), per-point material id and part id."""

    points: np.ndarray
    normals: np.ndarray
    material: np.ndarray
    part: np.ndarray  # e.g. 0 = foot/shoe, 1 = shank, 2 = trouser, 3 = heel counter

    @staticmethod
    def concat(items: list[Surface]) -> Surface:
        return Surface(
            np.concatenate([s.points for s in items]),
            np.concatenate([s.normals for s in items]),
            np.concatenate([s.material for s in items]),
            np.concatenate([s.part for s in items]),
        )

    def transformed(self, R: np.ndarray, t: np.ndarray) -> Surface:
        return Surface(self.points @ R.T + t, self.normals @ R.T, self.material, self.part)


@dataclass(frozen=True)
class FootShape:
    """Shape parameters of one foot, in metres unless named otherwise."""

    length_m: float
    breadth_m: float
    ball_ratio: float  # heel to first metatarsal head / length (ANSUR II: 0.74 ± 0.015)
    heel_breadth_m: float
    arch_height_m: float  # dorsal height at 50 % of length
    toe_shape: str = "egyptian"  # egyptian | greek | square
    toe_height_m: float = 0.022
    instep_peak_ratio: float = 0.33  # where the dorsum peaks below the ankle
    ankle_ratio: float = 0.2  # shank axis position from the pternion / length

    @property
    def first_toe_tip_v(self) -> float:
        """Medial offset (v) of the longest toe's tip."""
        return {"egyptian": 0.22, "greek": 0.10, "square": 0.14}[self.toe_shape] * self.breadth_m


def _outline(shape: FootShape, s: np.ndarray, margin_m: float = 0.0) -> tuple:
    """Medial and lateral half-widths (>= 0) at axis positions s (0..L)."""
    L, W = shape.length_m, shape.breadth_m
    rh = shape.heel_breadth_m / 2
    sb = shape.ball_ratio * L
    # Lateral (fifth metatarsal head) sits ~10 % of L behind the medial ball. The ball's
    # medial and lateral extents are what a caliper grips: they sum to the breadth W.
    med_ball, lat_ball = 0.5 * W, 0.5 * W
    tip_v = shape.first_toe_tip_v
    toe_len = L - sb
    if shape.toe_shape == "square":
        med_pts = [(0, 0), (rh * 0.5, rh * 0.85), (rh, rh), (0.45 * L, 0.40 * W),
                   (sb, med_ball), (sb + 0.55 * toe_len, med_ball * 0.92),
                   (L - 0.06 * toe_len, tip_v + 0.012), (L, tip_v)]
        lat_pts = [(0, 0), (rh * 0.5, rh * 0.85), (rh, rh), (0.45 * L, 0.46 * W),
                   (sb - 0.1 * L, lat_ball), (sb + 0.25 * toe_len, lat_ball * 0.9),
                   (L - 0.18 * toe_len, lat_ball * 0.45), (L, -tip_v)]
    else:
        med_pts = [(0, 0), (rh * 0.5, rh * 0.85), (rh, rh), (0.45 * L, 0.40 * W),
                   (sb, med_ball), (sb + 0.5 * toe_len, med_ball * 0.9),
                   (L - 0.09 * toe_len, tip_v + 0.014), (L, tip_v)]
        lat_pts = [(0, 0), (rh * 0.5, rh * 0.85), (rh, rh), (0.45 * L, 0.46 * W),
                   (sb - 0.1 * L, lat_ball), (sb + 0.3 * toe_len, lat_ball * 0.82),
                   (L - 0.4 * toe_len, lat_ball * 0.35), (L - 0.15 * toe_len, -tip_v * 0.2),
                   (L, -tip_v)]
    med = PchipInterpolator(*np.array(med_pts).T)(s)
    lat = PchipInterpolator(*np.array(lat_pts).T)(s)
    # the heel is a circle of radius rh
    heel = s < rh
    circ = np.sqrt(np.clip(rh**2 - (rh - s[heel]) ** 2, 0, None))
    med[heel] = circ
    lat[heel] = circ
    return med + margin_m, lat + margin_m


def _dorsal_profile(shape: FootShape, s: np.ndarray) -> np.ndarray:
    """Dorsal (top) height along the axis; equals arch_height_m at s = L/2 exactly."""
    L, A = shape.length_m, shape.arch_height_m
    pts = [
        (0.0, 0.004),
        (0.015, 0.045),
        (shape.instep_peak_ratio * L, A * 1.18),
        (0.5 * L, A),
        (shape.ball_ratio * L, shape.toe_height_m * 1.55),
        (0.88 * L, shape.toe_height_m),
        (L - 0.006, shape.toe_height_m * 0.75),
        (L, shape.toe_height_m * 0.45),
    ]
    return PchipInterpolator(*np.array(pts).T)(s)


def _arc_resample(curves: np.ndarray, s: np.ndarray, step_m: float) -> np.ndarray:
    """Positions along s spaced `step_m` apart in the arc length of the given curves."""
    d = np.sqrt(np.diff(s) ** 2 + (np.diff(curves, axis=1) ** 2).sum(axis=0))
    arc = np.concatenate([[0.0], np.cumsum(d)])
    n = max(int(arc[-1] / step_m) + 1, 2)
    return np.interp(np.linspace(0, arc[-1], n), arc, s)


def _superellipse_section(
    v_med: np.ndarray, v_lat: np.ndarray, h: np.ndarray, p: float, n_theta: int, base: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cross-section points (v, w) and 2D normals for each station.

    The section spans v from -v_lat (lateral edge) to +v_med (medial edge); near the toe
    tip both edges lie on the medial side, so the section is centred between them.
    """
    theta = np.linspace(0.0, np.pi, n_theta)
    c, sn = np.cos(theta), np.sin(theta)
    e = 2.0 / p
    cx = np.sign(c) * np.abs(c) ** e
    sy = np.abs(sn) ** e
    center = (v_med - v_lat)[:, None] / 2
    half = np.maximum((v_med + v_lat) / 2, 1e-5)[:, None]
    v = center + cx[None, :] * half
    hh = np.maximum(h - base, 1e-5)[:, None]
    w = base + sy[None, :] * hh
    # normal of the superellipse |x/a|^p + |y/b|^p = 1: its gradient direction
    x = v - center
    gv = np.sign(x) * np.abs(x / half) ** (p - 1) / half
    gw = np.abs((w - base) / hh) ** (p - 1) / hh
    norm = np.sqrt(gv**2 + gw**2) + 1e-12
    return v, w, gv / norm, gw / norm


def foot_surface(shape: FootShape, step_m: float = 0.0008) -> Surface:
    """The visible (dorsal and side) surface of a bare or socked foot."""
    L = shape.length_m
    s_dense = np.linspace(0.0, L, 2000)
    med, lat = _outline(shape, s_dense)
    h = _dorsal_profile(shape, s_dense)
    s = _arc_resample(np.stack([med, lat, h]), s_dense, step_m)
    med, lat = _outline(shape, s)
    h = _dorsal_profile(shape, s)
    perim = np.max(med + lat + 2 * h)
    n_theta = int(np.clip(perim / step_m, 24, 600))
    v, w, nv, nw = _superellipse_section(med, lat, h, FOOT_SECTION_EXPONENT, n_theta, 0.0)
    u = np.broadcast_to(s[:, None], v.shape)
    # axial normal component from the change of the section along s (finite difference)
    dh = np.gradient(h, s)
    dmed = np.gradient(med, s)
    dlat = np.gradient(lat, s)
    dhalf = np.where(nv >= 0, dmed[:, None], dlat[:, None])
    nu = -(nw * dh[:, None] * np.clip(w / np.maximum(h[:, None], 1e-5), 0, 1)
           + np.abs(nv) * dhalf)
    pts = np.stack([u, v, w], axis=-1).reshape(-1, 3)
    nrm = np.stack([nu, nv, nw], axis=-1).reshape(-1, 3)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-12
    n = len(pts)
    return Surface(pts, nrm, np.full(n, MAT_SOCK, np.uint8), np.zeros(n, np.uint8))


@dataclass(frozen=True)
class ShoeShape:
    """A shoe built around a foot: outline margin, sole, collar and heel counter."""

    foot: FootShape
    margin_m: float = 0.006
    sole_m: float = 0.028  # heel sole height incl. midsole (drop included)
    collar_m: float = 0.075  # top of the heel counter above the sole bottom
    toe_extra_m: float = 0.012  # toe box beyond the longest toe


def shoe_surface(shoe: ShoeShape, step_m: float = 0.0012) -> Surface:
    """Upper + sole surface of a shoe; the rear 35 mm is tagged as heel counter (part 3).

    The shoe's frame: u from the back of the heel counter, v medial, w up from the sole's
    bottom. The counter is symmetric about v = 0, so its axis of symmetry is the w axis.
    """
    f = shoe.foot
    L = f.length_m + shoe.margin_m + shoe.toe_extra_m
    base_shape = FootShape(
        length_m=L,
        breadth_m=f.breadth_m + 2 * shoe.margin_m,
        ball_ratio=(f.ball_ratio * f.length_m + shoe.margin_m) / L,
        heel_breadth_m=f.heel_breadth_m + 2 * shoe.margin_m,
        arch_height_m=f.arch_height_m + shoe.sole_m * 0.8,
        toe_shape="square" if f.toe_shape == "square" else "egyptian",
        toe_height_m=f.toe_height_m + 0.018,
    )
    s_dense = np.linspace(0.0, L, 2000)
    med, lat = _outline(base_shape, s_dense)
    # the heel counter is symmetric: use the mean half-width behind 40 mm
    rear = s_dense < 0.04
    sym = 0.5 * (med + lat)
    med = np.where(rear, sym, med)
    lat = np.where(rear, sym, lat)
    top = _dorsal_profile(base_shape, s_dense) + shoe.sole_m * 0.5
    top = np.where(s_dense < 0.05, np.maximum(top, shoe.collar_m), top)
    s = _arc_resample(np.stack([med, lat, top]), s_dense, step_m)
    med = np.interp(s, s_dense, med)
    lat = np.interp(s, s_dense, lat)
    top = np.interp(s, s_dense, top)
    perim = np.max(med + lat + 2 * top)
    n_theta = int(np.clip(perim / step_m, 24, 500))
    v, w, nv, nw = _superellipse_section(med, lat, top, SHOE_SECTION_EXPONENT, n_theta, 0.0)
    u = np.broadcast_to(s[:, None], v.shape)
    pts = np.stack([u, v, w], axis=-1).reshape(-1, 3)
    nrm = np.stack([np.zeros_like(nv), nv, nw], axis=-1).reshape(-1, 3)
    # the rear face: normals point backwards where the outline closes
    back = pts[:, 0] < 0.015
    nrm[back, 0] -= (0.015 - pts[back, 0]) / 0.015
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-12
    mat = np.where(pts[:, 2] < shoe.sole_m, MAT_SOLE, MAT_SHOE).astype(np.uint8)
    part = np.where(pts[:, 0] < 0.035, 3, 0).astype(np.uint8)
    # the collar opening is not closed: drop points on the flat top inside the counter
    keep = ~((pts[:, 0] < 0.05) & (pts[:, 2] > shoe.collar_m - 0.002) & (np.abs(nw) > 0.9)
             .reshape(-1))
    return Surface(pts[keep], nrm[keep], mat[keep], part[keep])


def tapered_cylinder(
    z0: float,
    z1: float,
    r0: tuple[float, float],
    r1: tuple[float, float],
    step_m: float,
    material: int,
    part: int,
) -> Surface:
    """Elliptic tapered cylinder along +z (radii (x, y) at z0 and z1), open at both ends."""
    circ = np.pi * (max(r0) + max(r1))
    n_t = int(np.clip(circ / step_m, 24, 800))
    n_z = max(int((z1 - z0) / step_m), 2)
    t = np.linspace(0, 2 * np.pi, n_t, endpoint=False)
    z = np.linspace(z0, z1, n_z)
    a = np.interp(z, [z0, z1], [r0[0], r1[0]])[:, None]
    b = np.interp(z, [z0, z1], [r0[1], r1[1]])[:, None]
    x = a * np.cos(t)[None, :]
    y = b * np.sin(t)[None, :]
    zz = np.broadcast_to(z[:, None], x.shape)
    nx = np.cos(t)[None, :] / a
    ny = np.sin(t)[None, :] / b
    pts = np.stack([x, y, zz], axis=-1).reshape(-1, 3)
    nrm = np.stack([nx, ny, np.zeros_like(nx)], axis=-1).reshape(-1, 3)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    n = len(pts)
    return Surface(pts, nrm, np.full(n, material, np.uint8), np.full(n, part, np.uint8))


def rotation(yaw_rad: float = 0.0, pitch_rad: float = 0.0, roll_rad: float = 0.0) -> np.ndarray:
    """R = Rz(yaw) @ Ry... in the object frame convention: roll about the object's u axis
    (x), pitch about its v axis (y, positive lifts the toes), yaw about world z."""
    cr, sr = np.cos(roll_rad), np.sin(roll_rad)
    cp, sp = np.cos(pitch_rad), np.sin(pitch_rad)
    cy, sy = np.cos(yaw_rad), np.sin(yaw_rad)
    Rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    Ry = np.array([[cp, 0, -sp], [0, 1, 0], [sp, 0, cp]])
    Rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return Rz @ Ry @ Rx
