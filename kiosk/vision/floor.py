"""Floor (mat or belt) plane by robust fit, and the floor frame every measurement uses.

Floor frame: origin below the camera on the plane, z up (toward the camera), y the
camera's viewing direction projected on the plane, x = y × z (the camera's right). A
station can turn and shift that frame in the plane (`FloorPlane.turned`): the treadmill's
belt frame has y along the belt and x = 0 on its centre line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from kiosk.capture.frame import Intrinsics
from kiosk.errors import InputError, NoPlaneFound

log = logging.getLogger(__name__)

RANSAC_ITERATIONS = 300
RANSAC_SCORE_POINTS = 4000  # candidates are scored on this many points (±1.6 % at 1 SD)
INLIER_MM = 6.0  # D4xx RMS error at 1.2 m is ≈ 5 mm (REFERENCE.md)
LEVEL_BIN_MM = 8.0
MIN_LEVEL_SHARE = 0.06  # a parallel plane (belt above floor) needs this share of points


@dataclass(frozen=True)
class FloorPlane:
    """Plane n·p + d = 0 in camera coordinates, n pointing toward the camera (up)."""

    normal: np.ndarray
    d: float
    rms_mm: float
    inlier_share: float
    # a station's frame: the in-plane turn (rows: its x and y in the default frame's x, y)
    # and where on its x axis (through the point below the camera) it puts x = 0
    # (None and 0: the default frame)
    heading: np.ndarray | None = None
    lateral_m: float = 0.0

    def turned(self, heading: np.ndarray, lateral_m: float = 0.0) -> FloorPlane:
        """The same plane with its frame turned in the plane by `heading` (2x2, rows: new x,
        y in the default frame's x, y) and x = 0 where the turned x was `lateral_m`."""
        return replace(self, heading=np.asarray(heading, float), lateral_m=float(lateral_m))

    @property
    def camera_height_m(self) -> float:
        return float(self.d)

    @property
    def pitch_deg(self) -> float:
        """Camera pitch below the horizon (0 = level, 90 = straight down)."""
        # the optical axis is camera +z; its angle below the plane
        return float(np.degrees(np.arcsin(np.clip(-self.normal[2], -1, 1))))

    def rotation(self) -> np.ndarray:
        """Rows: floor x, y, z axes expressed in camera coordinates."""
        z = self.normal
        fwd = np.array([0.0, 0.0, 1.0]) - z * z[2]
        if np.linalg.norm(fwd) < 1e-6:
            fwd = np.array([0.0, 1.0, 0.0]) - z * z[1]
        y = fwd / np.linalg.norm(fwd)
        x = np.cross(y, z)
        if self.heading is not None:
            x, y = self.heading @ np.stack([x, y])
        return np.stack([x, y, z])

    def origin(self) -> np.ndarray:
        """The floor frame's origin in camera coordinates."""
        return -self.d * self.normal + self.lateral_m * self.rotation()[0]

    def to_floor(self, pts_cam: np.ndarray) -> np.ndarray:
        """Camera-frame points (..., 3) to floor-frame points."""
        return (pts_cam - self.origin()) @ self.rotation().T

    def to_camera(self, pts_floor: np.ndarray) -> np.ndarray:
        return pts_floor @ self.rotation() + self.origin()


def _candidate_planes(pts: np.ndarray, rng: np.random.Generator, k: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """`k` planes through random point triples, all at once: unit normals (kx3) turned
    so they face up (camera y points down), and offsets (k)."""
    tri = pts[rng.integers(0, len(pts), size=(k, 3))]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(n, axis=1)
    ok = norm > 1e-9
    n, tri = n[ok] / norm[ok, None], tri[ok]
    n[n[:, 1] > 0] *= -1
    return n, -np.einsum("ij,ij->i", n, tri[:, 0])


def fit_floor(depth_m: np.ndarray, intr: Intrinsics, rng: np.random.Generator | None = None,
              stride: int = 4, topmost: bool = True,
              column_band: tuple[float, float] | None = None,
              sampled: bool = False) -> FloorPlane:
    """Dominant upward-facing plane; with `topmost`, the highest well-populated parallel
    level (a treadmill belt above the room floor, a mat above its surroundings).

    The plane is fitted to every `stride`-th pixel; with `sampled`, `depth_m` holds only
    those (`depth[::stride, ::stride]`, as the standing station fuses them first)."""
    rng = rng or np.random.default_rng(0)
    d = depth_m if sampled else depth_m[::stride, ::stride]
    xn, yn = intr.pixel_grid()
    xn, yn = xn[::stride, ::stride], yn[::stride, ::stride]
    valid = d > 0
    if column_band is not None:
        cols = np.zeros(d.shape[1], bool)
        cols[int(column_band[0] * d.shape[1]):int(column_band[1] * d.shape[1])] = True
        valid &= cols[None, :]
    pts = np.stack([xn[valid] * d[valid], yn[valid] * d[valid], d[valid]], axis=1)
    if len(pts) < 500:
        raise InputError("too few depth pixels to find the floor (is the lens covered?)")
    tol = INLIER_MM / 1000
    normals, offsets = _candidate_planes(pts, rng, RANSAC_ITERATIONS)
    # floors face up: the normal must point against camera y (down) reasonably
    up = -normals[:, 1] >= 0.2
    normals, offsets = normals[up], offsets[up]
    # score every candidate on one random sample of the points (the refit uses them all)
    sample = pts[rng.choice(len(pts), min(len(pts), RANSAC_SCORE_POINTS), replace=False)]
    counts = (np.abs(sample @ normals.T + offsets) < tol).sum(axis=0) if len(normals) else []
    if not len(counts) or counts.max() < 0.1 * len(sample):
        raise NoPlaneFound("no floor plane found in the depth image")
    best = int(np.argmax(counts))
    n, dd = refine_plane(pts, normals[best], float(offsets[best]), tol)
    if topmost:
        n, dd = _topmost_level(pts, n, dd, tol)
    resid = pts @ n + dd
    inl = np.abs(resid) < tol
    return FloorPlane(n, dd, float(np.sqrt(np.mean(resid[inl] ** 2)) * 1000),
                      float(inl.mean()))


def principal_axes(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroid and principal directions (rows, largest spread first) of NxD points.

    The eigenvectors of the DxD scatter matrix: the same directions as an SVD of the
    centred points, without the NxN work (signs are arbitrary, as with the SVD).
    """
    c = pts.mean(axis=0)
    q = (pts - c).astype(np.float64)
    _, vecs = np.linalg.eigh(q.T @ q)
    return c, vecs[:, ::-1].T


def refine_plane(pts: np.ndarray, n: np.ndarray, d: float, tol: float
                 ) -> tuple[np.ndarray, float]:
    """The plane (n, d) refit three times to the points within `tol` of it."""
    for _ in range(3):
        inl = pts[np.abs(pts @ n + d) < tol]
        c, vt = principal_axes(inl)
        n2 = vt[2] if vt[2] @ n > 0 else -vt[2]
        n, d = n2, float(-n2 @ c)
    return n, d


def _topmost_level(pts: np.ndarray, n: np.ndarray, d: float, tol: float):
    """Move to the highest parallel plane holding MIN_LEVEL_SHARE of the points."""
    h = pts @ n + d  # height above the fitted plane
    bins = np.arange(-0.05, 0.6, LEVEL_BIN_MM / 1000)
    hist, edges = np.histogram(h, bins)
    share = hist / len(h)
    cands = np.flatnonzero(share >= MIN_LEVEL_SHARE)
    if len(cands) == 0:
        return n, d
    top = cands.max()
    level = (edges[top] + edges[top + 1]) / 2
    if level < 0.03:
        return n, d
    near = np.abs(h - level) < 2 * tol
    log.debug("floor: using the level %.0f mm above the dominant plane", level * 1000)
    return refine_plane(pts, n, d - float(np.median(h[near])), tol)
