"""Depth + colour rendering of simulated scenes, and the Intel D4xx noise model.

Flat scenery (mat, floor, heel stop, treadmill) is ray-cast analytically per pixel; feet,
shoes and legs are dense surface samples splatted into a z-buffer. The noise model follows
Intel's D4xx figures (REFERENCE.md "Depth sensor limits"): RMS depth error
Z² × subpixel / (f × baseline), stereo-occlusion shadows to the left of near objects,
flying and dropped pixels at depth edges, quantisation to the depth unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from kiosk.capture.frame import Intrinsics
from kiosk.sim.shapes import Surface


@dataclass(frozen=True)
class SimCamera:
    """A pinhole camera in the world (floor) frame: z up, metres."""

    intrinsics: Intrinsics
    R_wc: np.ndarray  # world -> camera rotation (rows: camera x, y, z axes in world)
    center: np.ndarray  # camera centre in the world

    @staticmethod
    def looking_at(
        intrinsics: Intrinsics, center: np.ndarray, target: np.ndarray, roll_rad: float = 0.0
    ) -> SimCamera:
        f = target - center
        f = f / np.linalg.norm(f)
        r = np.cross(f, [0.0, 0.0, 1.0])
        r /= np.linalg.norm(r)
        d = np.cross(f, r)
        c, s = np.cos(roll_rad), np.sin(roll_rad)
        r, d = c * r + s * d, -s * r + c * d
        return SimCamera(intrinsics, np.stack([r, d, f]), np.asarray(center, float))

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        return (pts - self.center) @ self.R_wc.T


@dataclass(frozen=True)
class Quad:
    """A bounded plane: origin + a*U + b*V for a in [0, ua], b in [0, vb]."""

    origin: np.ndarray
    U: np.ndarray  # unit vector
    V: np.ndarray  # unit vector
    ua: float
    vb: float
    color: tuple[int, int, int]
    cls: int = 0
    pattern: object = None  # optional callable (a, b) -> rgb float array, e.g. a board


@dataclass(frozen=True)
class Cone:
    """A tapered elliptic tube, open at both ends, rendered exactly by ray casting.

    In its local frame (axis +z from z0 to z1) the section is (x / (k·r))² + (y / r)² = 1
    with r growing linearly from r0 to r1; local -> world is p_w = R @ p_l + origin.
    `bands` gives (z_local upper limit, material id) from the bottom up.
    """

    origin: np.ndarray
    R: np.ndarray
    z0: float
    z1: float
    r0: float
    r1: float
    k: float
    bands: tuple
    cls: int


def _cone_hits(cone: Cone, center: np.ndarray, rays_w: np.ndarray):
    """Nearest positive hit parameter t (inf where none), local z and local normal."""
    o = cone.R.T @ (center - cone.origin)
    d = rays_w @ cone.R  # world -> local for directions
    g = (cone.r1 - cone.r0) / (cone.z1 - cone.z0)
    c0 = cone.r0 - g * cone.z0  # r(z) = c0 + g z
    ik2 = 1.0 / cone.k**2
    A = d[:, 0] ** 2 * ik2 + d[:, 1] ** 2 - (g * d[:, 2]) ** 2
    rz = c0 + g * o[2]
    B = 2 * (o[0] * d[:, 0] * ik2 + o[1] * d[:, 1] - rz * g * d[:, 2])
    C = o[0] ** 2 * ik2 + o[1] ** 2 - rz**2
    disc = B * B - 4 * A * C
    ok = (disc >= 0) & (np.abs(A) > 1e-12)
    sq = np.sqrt(np.where(ok, disc, 0.0))
    safeA = np.where(ok, 2 * A, 1.0)
    roots = []
    for sgn in (-1.0, 1.0):
        ti = (-B + sgn * sq) / safeA
        z = o[2] + ti * d[:, 2]
        valid = ok & (ti > 1e-4) & (z >= cone.z0) & (z <= cone.z1)
        roots.append(np.where(valid, ti, np.inf))
    t = np.minimum(roots[0], roots[1])
    hit = np.isfinite(t)
    p = o + t[hit, None] * d[hit]
    r = c0 + g * p[:, 2]
    n = np.stack([2 * p[:, 0] * ik2, 2 * p[:, 1], -2 * r * g], axis=1)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    return t, hit, p[:, 2], n @ cone.R.T


def _cone_pixels(cone: Cone, cam: SimCamera) -> np.ndarray:
    """Flat indices of the pixels inside the cone's projected bounding box."""
    intr = cam.intrinsics
    W, H = intr.width, intr.height
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = []
    for z, r in ((cone.z0, cone.r0), (cone.z1, cone.r1)):
        ring.append(np.stack([r * np.cos(ang), r * np.sin(ang), np.full_like(ang, z)], axis=1))
    pts = np.concatenate(ring) @ cone.R.T + cone.origin
    pc = cam.to_camera(pts)
    if (pc[:, 2] <= 0.05).any():
        return np.arange(W * H)
    uv = intr.project(pc)
    u0, v0 = np.floor(uv.min(axis=0)).astype(int) - 2
    u1, v1 = np.ceil(uv.max(axis=0)).astype(int) + 2
    u0, u1 = max(u0, 0), min(u1, W - 1)
    v0, v1 = max(v0, 0), min(v1, H - 1)
    if u1 < u0 or v1 < v0:
        return np.zeros(0, np.int64)
    uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1))
    return (vv * W + uu).ravel()


@dataclass
class RenderOutput:
    depth_m: np.ndarray  # clean depth (0 = nothing)
    color: np.ndarray  # HxWx3 uint8
    cls: np.ndarray  # HxW uint8 class id
    extra: dict = field(default_factory=dict)


def _shade(base: np.ndarray, normals: np.ndarray, light: np.ndarray, ambient: float):
    lam = np.clip(normals @ light, 0.0, 1.0)
    return base * (ambient + (1 - ambient) * lam)[:, None]


def render(
    cam: SimCamera,
    quads: list[Quad],
    surfaces: list[tuple[Surface, np.ndarray, int]],
    light_dir: np.ndarray,
    cones: list[tuple[Cone, np.ndarray]] = (),
    ambient: float = 0.45,
    brightness: float = 1.0,
    max_depth_m: float = 8.0,
) -> RenderOutput:
    """Render quads and splatted surfaces.

    surfaces: (surface in world frame, material colour table (K,3) float 0..255, class id).
    """
    intr = cam.intrinsics
    H, W = intr.height, intr.width
    xn, yn = intr.pixel_grid()
    rays_c = np.stack([xn, yn, np.ones_like(xn)], axis=-1).reshape(-1, 3)
    rays_w = rays_c @ cam.R_wc  # camera -> world (R^T applied row-wise)
    depth = np.full(H * W, np.inf, np.float64)
    color = np.zeros((H * W, 3), np.float64)
    cls = np.zeros(H * W, np.uint8)
    light = light_dir / np.linalg.norm(light_dir)
    for q in quads:
        n = np.cross(q.U, q.V)
        denom = rays_w @ n
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ((q.origin - cam.center) @ n) / denom
        P = cam.center + t[:, None] * rays_w
        rel = P - q.origin
        a = rel @ q.U
        b = rel @ q.V
        hit = (t > 0) & (a >= 0) & (a <= q.ua) & (b >= 0) & (b <= q.vb) & (t < depth)
        depth[hit] = t[hit]
        if q.pattern is not None:
            base = q.pattern(a[hit], b[hit])
        else:
            base = np.broadcast_to(np.asarray(q.color, float), (int(hit.sum()), 3))
        nn = n if n @ (cam.center - q.origin) > 0 else -n
        lam = ambient + (1 - ambient) * max(float(nn @ light), 0.0)
        color[hit] = base * lam
        cls[hit] = q.cls
    for cone, palette in cones:
        sub = _cone_pixels(cone, cam)
        t, hit, zl, nrm = _cone_hits(cone, cam.center, rays_w[sub])
        idx = sub[hit]
        t = t[hit]
        closer = t < depth[idx]
        idx, zl, nrm = idx[closer], zl[closer], nrm[closer]
        depth[idx] = t[closer]
        mat = np.full(len(idx), cone.bands[-1][1], np.int64)
        for limit, m in reversed(cone.bands):
            mat[zl <= limit] = m
        color[idx] = _shade(palette[mat], nrm, light, ambient)
        cls[idx] = cone.cls
    for surf, palette, class_id in surfaces:
        view = cam.center - surf.points
        front = np.einsum("ij,ij->i", surf.normals, view) > 0
        pts = surf.points[front]
        pc = cam.to_camera(pts)
        z = pc[:, 2]
        ok = z > 0.05
        pc, z = pc[ok], z[ok]
        u = np.rint(pc[:, 0] / z * intr.fx + intr.ppx).astype(np.int64)
        v = np.rint(pc[:, 1] / z * intr.fy + intr.ppy).astype(np.int64)
        inb = (u >= 0) & (u < W) & (v >= 0) & (v < H)
        idx = v[inb] * W + u[inb]
        zz = z[inb]
        np.minimum.at(depth, idx, zz)
        win = zz <= depth[idx]
        sel = np.flatnonzero(front)[ok][inb][win]
        base = palette[surf.material[sel]]
        color[idx[win]] = _shade(base, surf.normals[sel], light, ambient)
        cls[idx[win]] = class_id if np.isscalar(class_id) else class_id[surf.part[sel]]
    depth[~np.isfinite(depth) | (depth > max_depth_m)] = 0.0
    col = np.clip(color * brightness, 0, 255).reshape(H, W, 3).astype(np.uint8)
    return RenderOutput(depth.reshape(H, W).astype(np.float32), col, cls.reshape(H, W))


@dataclass(frozen=True)
class D4xxNoise:
    """Noise parameters of an Intel D4xx depth camera (D435 defaults)."""

    baseline_m: float = 0.050  # D435 50 mm; D455 95 mm
    subpixel: float = 0.08  # Intel's typical subpixel RMS
    depth_unit_m: float = 0.001
    min_depth_m: float = 0.17  # ≈ f·B/126 at 848x480 for a D435
    max_depth_m: float = 6.0
    edge_dropout: float = 0.35  # share of depth-edge pixels returned as 0
    flying_rate: float = 0.25  # share of depth-edge pixels mixing near and far depth
    dropout: float = 0.002  # random invalid pixels elsewhere
    scale: float = 1.0  # multiplies the RMS error (domain randomisation)


def stereo_shadow(depth_m: np.ndarray, fx: float, baseline_m: float) -> np.ndarray:
    """Pixels the right imager cannot see (left of near objects): invalid on a D4xx.

    A left-imager pixel x with disparity d(x) appears at x - d(x) in the right imager; it
    is hidden when some pixel to its right lands further left there.
    """
    H, W = depth_m.shape
    disp = np.where(depth_m > 0, fx * baseline_m / np.maximum(depth_m, 1e-6), 0.0)
    x = np.arange(W, dtype=np.float64)[None, :]
    r = x - disp
    r = np.where(depth_m > 0, r, np.inf)
    # minimum of r over pixels strictly to the right
    rev = np.minimum.accumulate(r[:, ::-1], axis=1)[:, ::-1]
    right_min = np.concatenate([rev[:, 1:], np.full((H, 1), np.inf)], axis=1)
    return (right_min < r - 0.5) & (depth_m > 0)


def apply_d4xx_noise(
    depth_m: np.ndarray, intr: Intrinsics, noise: D4xxNoise, rng: np.random.Generator
) -> np.ndarray:
    """Noisy, quantised depth as the camera would report it (0 = invalid)."""
    z = depth_m.astype(np.float64)
    valid = z > 0
    shadow = stereo_shadow(z, intr.fx, noise.baseline_m)
    # depth edges: neighbours more than 2 cm apart
    zmax = ndimage.maximum_filter(np.where(valid, z, 0), size=3)
    zmin = ndimage.minimum_filter(np.where(valid, z, np.inf), size=3)
    edge = valid & ((zmax - zmin) > 0.02)
    u = rng.random(z.shape)
    flying = edge & (u < noise.flying_rate)
    dropped = edge & (u >= noise.flying_rate) & (u < noise.flying_rate + noise.edge_dropout)
    mix = rng.random(z.shape)
    zmin = np.where(np.isfinite(zmin), zmin, z)
    zf = np.where(flying, zmin + mix * (zmax - zmin), z)
    sigma = zf**2 * noise.subpixel / (intr.fx * noise.baseline_m) * noise.scale
    white = rng.standard_normal(z.shape)
    # D4xx errors are correlated over the stereo matching window; keep unit variance
    corr = ndimage.uniform_filter(white, size=3) * 3.0
    out = zf + sigma * corr
    out[~valid | shadow | dropped] = 0.0
    out[rng.random(z.shape) < noise.dropout] = 0.0
    out[(out < noise.min_depth_m) | (out > noise.max_depth_m)] = 0.0
    q = np.rint(out / noise.depth_unit_m) * noise.depth_unit_m
    return q.astype(np.float32)


def apply_color_noise(
    color: np.ndarray, rng: np.random.Generator, sigma: float = 3.0
) -> np.ndarray:
    noisy = color.astype(np.int16) + rng.normal(0, sigma, color.shape).astype(np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8)
