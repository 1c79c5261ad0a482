"""Standing station, geometric core: heel stop, feet, and length / width / arch height.

The capture's frames are fused (per-pixel median), the mat plane and the heel stop's face
are found, each foot is the connected region rising from the mat in front of the stop,
and its figures follow DESIGN.md section 3 in the floor frame. The backs of the heels are
hidden from a camera in front, so length runs from the stop's face; a heel short of the
stop is detected from where the shank stands, never measured.

Heel contact: a camera in front sees neither the backs of the heels nor the mat behind
them (the shins hide both), so the pternion's place is never seen. Where a shank stands
over its foot is anatomy, and its spread between people (about ±10 mm at the front of the
shank) is as large as the 15 mm gap to be caught; so the check assumes no proportion of
any body. It compares the two feet of one shopper, whose anatomy is the same on both
sides: a heel short of the stop moves that shank forward against the other one's
(`HEEL_ASYMMETRY_TOLERANCE_M`). Both heels short by the same amount look the same as both
touching; only a shank standing in front of its foot's midpoint (never anatomical) is
caught then. docs/METHOD.md says what the station adds for that case.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from kiosk.capture.frame import Frame, Intrinsics
from kiosk.errors import InputError, NoFeetFound, NoPlaneFound, StepBack
from kiosk.measures import arch_height_index
from kiosk.vision.floor import FloorPlane, fit_floor, principal_axes, refine_plane

log = logging.getLogger(__name__)

# Geometry constants (documented in docs/METHOD.md)
FOOT_MIN_HEIGHT_M = 0.004  # a pixel belongs to a foot above this height over the mat
MAX_BODY_HEIGHT_M = 0.6
STOP_BAND_M = (0.02, 0.12)  # heights at which the stop's face is searched
STOP_INLIER_M = 0.006
STOP_MIN_RISE_M = 0.02  # a face's points span this much height (the stop's flat top: none)
STOP_BEHIND_M = 0.02  # a face this far behind the one found replaces it
STOP_SEARCH_BEHIND = 3
NO_MAT_MESSAGE = "no mat or heel stop in view: is the camera aimed at the mat?"
# Areas as the camera sees them (each pixel's footprint across its ray, (Z/fx)(Z/fy)), not
# pixel counts: a foot 1.5 m from a D455 covers a quarter of the pixels it covers at 0.75 m.
# Two adult feet's lowest 3 cm show 0.023-0.026 m² at 0.7-1.4 m (kiosk.sim scenes 10000-3);
# a 150 mm child's foot about a third of an adult's.
MIN_FOOT_AREA_M2 = 0.008  # a leg-with-foot region smaller than this is not one
MIN_GROUNDED_AREA_M2 = 0.0027  # each foot's lowest 3 cm show at least this much
MIN_SPLIT_BAND_AREA_M2 = 0.0005  # leg surface in a height band to look for the gap there
OPENING_ITERATIONS = 2  # 3x3 openings against mat speckle, at REFERENCE_FX_PX
# Heel contact (see the module docstring). A heel short of the stop moves its shank forward
# by the gap; the other foot's shank is the reference. Half the 15 mm the kiosk must catch:
# a touching pair differs by the left/right difference in anatomy (a shank stands over the
# hindfoot, ≤ 0.5 × the feet's length difference: ≤ 2 mm for the 4 mm one shopper in five
# has) and the fused depth's noise at the shank's front (1-3 mm at 0.6-1.2 m).
HEEL_ASYMMETRY_TOLERANCE_M = 0.0075
# A shank whose axis stands in front of its foot's midpoint is not standing at the stop:
# the ankle is over the talus in the rear half of every foot (anatomical certainty, no
# proportion of a body model).
SHANK_MAX_RATIO = 0.5
# Plausibility of a measured foot (beyond these, clothing lies over it). Foot breadth /
# length in ANSUR II (6 068 adults): 0.312-0.456; children's feet are relatively broader,
# so 10 % beyond the broadest adult. AHI standing 0.340 ± 0.031 (Butler et al. 2008):
# mean + 4 SD, fewer than 1 healthy foot in 15 000 above.
FOOT_BREADTH_RATIO_MAX = 0.50
AHI_MAX = 0.464
HEEL_RADIUS_RATIO = 0.36  # heel radius / foot breadth (ANSUR II heel/foot breadth 0.71-0.73)
SHANK_BAND_M = (0.10, 0.20)
# Wider than any ankle: ANSUR II's ankle circumference (the narrowest above the malleoli,
# 10-15 cm up) reaches 293 mm (4 082 men; women 275 mm): 93 mm across as a circle, 105 mm
# side to side as a 1.3:1 ellipse; +20 % for a swollen ankle. Anything wider in that band
# is clothing (a trouser leg, a skirt's hem).
ANKLE_BAND_M = (0.10, 0.14)
ANKLE_MAX_WIDTH_M = 0.13
ARCH_SLICE_M = 0.003
LIFTED_FOOT_M = 0.03  # a side whose lowest visible point is this far above the mat is lifted
GROUNDED_M = 0.03  # a foot on the mat shows pixels this low (its lowest 3 cm)
FEET_BAND_M = 0.02  # the feet are split on their lowest 2 cm (trouser hems hang higher)
MIN_SPLIT_GAP_M = 0.01  # two feet (or legs) stand at least this far apart in x
OVERLAP_BAND_M = 0.025  # feet meet at the split line this low (toes, forefoot edges) above
# the foot threshold; trouser hems hang higher
OVERLAP_HALF_WIDTH_M = 0.005
OVERLAP_MIN_AREA_M2 = 0.00016  # touching feet show ten times this, feet apart none
# Moving during capture: the above-mat region of the capture's first and last thirds,
# fused apart. A still shopper's two regions differ only at noisy outline pixels (a few %
# of the region); a foot or leg moved by 1 cm or more changes a band of its outline's
# width all round, tens of % at the kiosk's 1-2.5 mm pixels.
MOVING_MIN_FRAMES = 6
MOVING_STRIDE = 2
MOVING_REGION_CHANGE = 0.15
LEG_RING_HEIGHTS_M = (0.10, 0.13, 0.16, 0.19)  # leg sections whose centres are pooled
STATION_RADIUS_M = 0.6
# The capture is fused first at every FLOOR_STRIDE-th pixel (the floor fit reads no more),
# then at full resolution only in the window holding the station below MAX_BODY_HEIGHT_M
# (nothing above it, or beyond the station, is read): WINDOW_MARGIN_PX around the sampled
# box covers the pixels between samples; windows start on WINDOW_ALIGN_PX so the still
# check's and the floor's sampling grids keep their phase.
FLOOR_STRIDE = 4
WINDOW_MARGIN_PX = 8
WINDOW_ALIGN_PX = 4
SPLIT_BANDS_M = ((0.07, 0.10), (0.10, 0.14), (0.14, 0.20), (0.20, 0.30))
# The mat's surface (settle_on_mat): looked for in front of the stop, between the heels'
# row and well short of the toes' far end, within a mat's thickness of the first plane.
MAT_AHEAD_M = (0.02, 0.40)
MAT_SEARCH_M = 0.012
MAT_BIN_M = 0.001
MAT_LEVEL_TOL_M = 0.003  # ≈ 2 × the fused depth noise at 1.2 m
RANSAC_BLOCK = 32  # candidate lines scored at once (32 × 6000 distances stay in the cache)
FUSE_ROWS = 16  # image rows sorted at a time when fusing frames (fits the CPU cache)


@dataclass
class FootMeasurement:
    side: str
    length_mm: float
    width_mm: float
    arch_height_mm: float
    arch_height_index: float
    confidence: float
    heel_gap_mm: float
    axis_deg: float
    toe_tip_xy_m: tuple
    details: dict = field(default_factory=dict)


@dataclass
class StandingResult:
    feet: dict[str, FootMeasurement]
    floor: FloorPlane
    stop: dict
    fused_depth: np.ndarray
    foot_masks: dict[str, np.ndarray]
    timings_ms: dict
    # the frame window analysed at full resolution (fused_depth is 0 outside it)
    window: tuple[slice, slice] = (slice(None), slice(None))


def _height_threshold(P: np.ndarray, valid: np.ndarray, n_frames: int) -> float:
    """Foot threshold above the mat: 3.5 × the fused depth noise at the mat, at least 4 mm.

    The mat's own height spread (robust SD of heights near zero) is the noise measured in
    this capture, so the threshold follows the camera's distance and model.
    """
    z = P[..., 2][valid]
    near = z[np.abs(z) < 0.02]
    if len(near) < 1000:
        return FOOT_MIN_HEIGHT_M
    mad = float(np.median(np.abs(near - np.median(near))))
    return max(FOOT_MIN_HEIGHT_M, 3.5 * 1.4826 * mad)


def fuse_depth(frames: list[Frame]) -> np.ndarray:
    """Per-pixel median of the valid depth over the frames (0 where mostly invalid).

    Invalid pixels sort last as +inf, so each pixel's median is read at its own count of
    valid samples. Sorting a few rows at a time keeps the work in cache: 30 frames at
    848x480 take tens of milliseconds where `np.nanmedian` took a second.
    """
    return _fuse([f.depth_m for f in frames])


def _fuse(depths: list[np.ndarray]) -> np.ndarray:
    n = len(depths)
    h, w = depths[0].shape
    min_valid = max(1, n // 3)
    out = np.empty((h, w), np.float32)
    for r in range(0, h, FUSE_ROWS):
        block = np.stack([d[r:r + FUSE_ROWS] for d in depths]).reshape(n, -1)
        block = np.where(block > 0, block, np.float32(np.inf)).astype(np.float32, copy=False)
        block.sort(axis=0)
        count = np.isfinite(block).sum(axis=0)
        cols = np.arange(block.shape[1])
        lo, hi = np.maximum(count - 1, 0) // 2, count // 2
        med = 0.5 * (block[lo, cols] + block[np.minimum(hi, n - 1), cols])
        med[count < min_valid] = 0
        out[r:r + FUSE_ROWS] = med.reshape(-1, w)
    return out


def _line_ransac(xy: np.ndarray, rng: np.random.Generator, tol: float, iters: int = 400):
    """The x-y line with the most points within `tol`: `iters` lines through random pairs.

    The pairs are drawn one at a time, as a loop scoring each would draw them, so the
    choice does not depend on how the scoring is batched; the candidates are then scored
    in blocks of lines at once (the first of equally good lines wins).
    """
    pairs = np.array([rng.choice(len(xy), 2, replace=False) for _ in range(iters)])
    d = xy[pairs[:, 1]] - xy[pairs[:, 0]]
    nrm = np.hypot(d[:, 0], d[:, 1])
    keep = nrm >= 0.05
    if not keep.any():
        return None, 0
    normals = np.column_stack([-d[keep, 1], d[keep, 0]]) / nrm[keep, None]
    offsets = np.einsum("ij,ij->i", normals, xy[pairs[keep, 0]])
    xy_t = np.ascontiguousarray(xy.T)
    counts = np.empty(len(normals), np.int64)
    for s in range(0, len(normals), RANSAC_BLOCK):
        block = slice(s, s + RANSAC_BLOCK)
        dist = normals[block] @ xy_t
        dist -= offsets[block, None]
        counts[block] = np.count_nonzero(np.abs(dist, out=dist) < tol, axis=1)
    k = int(np.argmax(counts))
    if counts[k] <= 0:
        return None, 0
    return (normals[k], float(offsets[k])), int(counts[k])


def _vertical_face(xy: np.ndarray, zs: np.ndarray, rng: np.random.Generator) -> dict | None:
    """The best vertical face among band points (x-y line, refined), or None."""
    if len(xy) < 300:
        return None
    sub = xy[rng.choice(len(xy), min(len(xy), 6000), replace=False)]
    best, _count = _line_ransac(sub, rng, STOP_INLIER_M)
    if best is None:
        return None
    n, c = best
    inl = np.abs(xy @ n - c) < STOP_INLIER_M
    pts = xy[inl]
    # refine by total least squares
    m, vt = principal_axes(pts)
    direction = vt[0]
    n = np.array([-direction[1], direction[0]])
    # the normal points from the stop toward the camera (floor origin side)
    if n @ (np.zeros(2) - m) < 0:
        n = -n
    span = float(np.ptp(pts @ direction))
    heights = zs[inl]
    if span < 0.25 or np.ptp(np.percentile(heights, [10, 90])) < STOP_MIN_RISE_M:
        return None
    return {"normal_xy": n, "point_xy": m, "span_m": span,
            "height_m": float(np.percentile(heights, 98)), "inliers": int(inl.sum())}


def find_heel_stop(P: np.ndarray, valid: np.ndarray, rng: np.random.Generator) -> dict:
    """The stop's face: a vertical plane rising from the mat, found as a line in x-y.

    `valid` should already be limited to the station's area (see `station_area`), so a
    wall or furniture farther away cannot pass for the stop. Wide trousers' fronts can
    form a vertical face too, in front of the stop: the stop is the farthest such face
    (behind it lies only its own flat top).
    """
    z = P[..., 2]
    band = valid & (z > STOP_BAND_M[0]) & (z < STOP_BAND_M[1])
    xy, zs = P[band][:, :2], z[band]
    face = _vertical_face(xy, zs, rng)
    if face is None:
        raise NoFeetFound(NO_MAT_MESSAGE, "no_mat")
    for _ in range(STOP_SEARCH_BEHIND):
        behind = (xy - face["point_xy"]) @ face["normal_xy"] < -STOP_BEHIND_M
        farther = _vertical_face(xy[behind], zs[behind], rng)
        if farther is None:
            break
        face = farther
    return face


def _circle_fit(xy: np.ndarray) -> tuple[np.ndarray, float]:
    A = np.column_stack([2 * xy, np.ones(len(xy))])
    b = (xy**2).sum(axis=1)
    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
    c = sol[:2]
    r = float(np.sqrt(max(sol[2] + c @ c, 0.0)))
    return c, r


def _leg_center(xy: np.ndarray, d: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Centre of the leg's cross-section from its silhouette: the medio-lateral middle, and
    along the foot the centre of the circle through the visible front of the section (a
    round section's centre: a shape, no proportion of a body)."""
    if len(xy) < 30:
        return fallback
    across = np.array([-d[1], d[0]])
    t = (xy - fallback) @ across
    t_hi, t_lo = np.percentile(t, 99), np.percentile(t, 1)
    c, _ = _circle_fit(xy)
    return fallback + across * (t_hi + t_lo) / 2 + d * float((c - fallback) @ d)


def measure_foot(side: str, pts: np.ndarray, stop: dict) -> FootMeasurement:
    """Figures of one foot from its floor-frame points (foot and lower leg). A foot that
    cannot be measured under a hem wider than any ankle is refused for the clothing."""
    try:
        return _measure_foot(side, pts, stop)
    except NoFeetFound as e:
        hem_m = _leg_band_width_m(pts) if e.code == "foot_hidden" else 0.0
        if hem_m > ANKLE_MAX_WIDTH_M:
            raise NoFeetFound(f"{e}: a hem {hem_m * 1000:.0f} mm wide hangs over it",
                              "clothing_over_feet") from None
        raise


def _leg_band_width_m(pts: np.ndarray) -> float:
    """Side-to-side width of what stands in the ankle band (robust to outline noise)."""
    z = pts[:, 2]
    band = pts[(z > ANKLE_BAND_M[0]) & (z < ANKLE_BAND_M[1])]
    if len(band) < 50:
        return 0.0
    lo, hi = np.percentile(band[:, 0], [2, 98])
    return float(hi - lo)


def _measure_foot(side: str, pts: np.ndarray, stop: dict) -> FootMeasurement:
    n_stop, p_stop = stop["normal_xy"], stop["point_xy"]
    z = pts[:, 2]
    shank = pts[(z > SHANK_BAND_M[0]) & (z < SHANK_BAND_M[1])]
    if len(shank) < 50:
        # the foot is there (segment_feet found it) but nothing of its leg 10-20 cm up: a
        # hem or a skirt hangs over it
        raise NoFeetFound(f"{side} leg not visible above the foot: clothing over it?",
                          "clothing_over_feet")
    ankle, leg_r = _circle_fit(shank[:, :2])
    low = pts[z < 0.09]
    rings = [pts[(z > lo) & (z < lo + 0.03)][:, :2] for lo in LEG_RING_HEIGHTS_M]
    if len(low) < 200:
        raise NoFeetFound(f"{side} foot not found", "one_foot")
    xy = low[:, :2]
    # initial axis: from the ankle toward the farthest low point
    d = xy[np.argmax(((xy - ankle) ** 2).sum(axis=1))] - ankle
    d /= np.linalg.norm(d)
    for _ in range(4):
        s = (xy - ankle) @ d
        across = np.array([-d[1], d[0]])
        t = (xy - ankle) @ across
        fore = s > 0.35 * s.max()
        tmax, tmin = np.percentile(t[fore], 99.8), np.percentile(t[fore], 0.2)
        s_mid = np.median(s[fore & ((t > tmax - 0.004) | (t < tmin + 0.004))])
        mid = ankle + d * s_mid + across * (tmax + tmin) / 2
        d = (mid - ankle) / np.linalg.norm(mid - ankle)
        centres = [_leg_center(r, d, ankle) for r in rings if len(r) >= 30]
        if centres:
            ankle = np.median(np.stack(centres), axis=0)
    s = (xy - ankle) @ d
    across = np.array([-d[1], d[0]])
    t = (xy - ankle) @ across
    toe = float(np.percentile(s, 99.9))
    tip = ankle + d * toe
    # stop line along the axis: ankle + d * s_stop lies on the stop
    cos_t = float(d @ n_stop)
    if cos_t < 0.5:
        raise NoFeetFound(f"{side} foot is not pointing away from the heel stop",
                          "foot_hidden")
    s_stop = float((p_stop - ankle) @ n_stop / (d @ n_stop))
    width_est = float(np.percentile(t, 99.8) - np.percentile(t, 0.2))
    heel_r = HEEL_RADIUS_RATIO * width_est
    length = toe - s_stop - heel_r * (1.0 / cos_t - 1.0)
    # breadth over the forefoot (front half)
    fore = s > s_stop + 0.5 * length
    t_hi, t_lo = np.percentile(t[fore], 99.9), np.percentile(t[fore], 0.1)
    width = float(t_hi - t_lo)
    s_wide = float(np.median(s[fore & ((t > t_hi - 0.004) | (t < t_lo + 0.004))]))
    # dorsal height at 50 % of length: parabola through the top of the cross-section
    s50 = s_stop + 0.5 * length + heel_r * (1.0 / cos_t - 1.0)
    sl = np.abs(s - s50) < ARCH_SLICE_M
    zs, ts = low[sl, 2], t[sl]
    if len(zs) < 20:
        raise NoFeetFound(f"{side} foot's instep is hidden", "foot_hidden")
    top = zs > 0.75 * zs.max()
    coef = np.polyfit(ts[top], zs[top], 2) if top.sum() >= 6 else None
    if coef is not None and coef[0] < 0:
        arch = float(coef[2] - coef[1] ** 2 / (4 * coef[0]))
        arch = min(arch, float(zs.max()))
    else:
        arch = float(np.percentile(zs, 95))
    # heel evidence: how far the shank's front and its axis stand from the stop
    dist = (shank[:, :2] - p_stop) @ n_stop
    shank_front = float(np.percentile(dist, 99))
    shank_axis = float(-s_stop * cos_t)  # the leg centre's distance from the stop
    # clothing over the foot (a wide trouser's hem) is measured as foot: figures beyond
    # every published foot say so
    if width > FOOT_BREADTH_RATIO_MAX * length:
        raise NoFeetFound(f"{side} foot looks {width * 1000:.0f} mm wide: clothing over it?",
                          "clothing_over_feet")
    if arch_height_index(arch, length) > AHI_MAX:
        raise NoFeetFound(f"{side} foot's instep is covered", "clothing_over_feet")
    axis_deg = float(np.degrees(np.arctan2(d[0], -d[1])))
    confidence = float(np.clip(min(len(low) / 2000, 1.0) * min(sl.sum() / 30, 1.0), 0.05, 1.0))
    return FootMeasurement(
        side=side,
        length_mm=length * 1000,
        width_mm=width * 1000,
        arch_height_mm=arch * 1000,
        arch_height_index=arch_height_index(arch, length),
        confidence=confidence,
        heel_gap_mm=0.0,  # set against the other foot (check_heel_contact)
        axis_deg=axis_deg,
        toe_tip_xy_m=(float(tip[0]), float(tip[1])),
        details={"ankle_xy_m": ankle.tolist(), "leg_radius_m": leg_r,
                 "shank_front_m": shank_front, "shank_axis_m": shank_axis,
                 # the measured lines on the mat, for pictures (kiosk.vision.overlay)
                 "lines": {"heel_xy_m": (tip - d * length).tolist(), "tip_xy_m": tip.tolist(),
                           "width_from_xy_m": (ankle + d * s_wide + across * t_lo).tolist(),
                           "width_to_xy_m": (ankle + d * s_wide + across * t_hi).tolist()}},
    )


def station_area(P: np.ndarray, valid: np.ndarray, intr: Intrinsics,
                 floor: FloorPlane) -> np.ndarray:
    """Pixels within STATION_RADIUS_M of where the optical axis meets the mat.

    The standing camera is aimed at the mat (DESIGN.md §2); walls and shelves beyond are
    not the station. A staff calibration's region of interest replaces this default.
    """
    ray = np.array([0.0, 0.0, 1.0])
    t = -floor.d / (floor.normal @ ray)
    if not np.isfinite(t) or t <= 0:
        raise InputError("the camera does not look down at the floor")
    aim = floor.to_floor(ray * t)[:2]
    return valid & (((P[..., :2] - aim) ** 2).sum(axis=-1) < STATION_RADIUS_M**2)


def station_window(sampled: np.ndarray, intr: Intrinsics, floor: FloorPlane,
                   stride: int = FLOOR_STRIDE) -> tuple[slice, slice]:
    """The frame window (rows, cols) holding the station below MAX_BODY_HEIGHT_M, from the
    depth fused at every `stride`-th pixel (`sampled`); the whole frame when it holds none."""
    xn, yn = intr.pixel_grid()
    P = floor.to_floor(np.stack([xn[::stride, ::stride] * sampled,
                                 yn[::stride, ::stride] * sampled, sampled], axis=-1))
    need = station_area(P, sampled > 0, intr, floor) & (P[..., 2] < MAX_BODY_HEIGHT_M)
    rows, cols = np.flatnonzero(need.any(axis=1)), np.flatnonzero(need.any(axis=0))
    if not len(rows):
        return slice(0, intr.height), slice(0, intr.width)
    out = []
    for idx, n in ((rows, intr.height), (cols, intr.width)):
        lo = max(int(idx[0]) * stride - WINDOW_MARGIN_PX, 0)
        hi = min(int(idx[-1]) * stride + WINDOW_MARGIN_PX + 1, n)
        out.append(slice(lo - lo % WINDOW_ALIGN_PX, hi))
    return out[0], out[1]


def settle_on_mat(floor: FloorPlane, cam_pts: np.ndarray, P: np.ndarray, valid: np.ndarray,
                  stop: dict) -> FloorPlane:
    """The mat's own surface as the floor the feet stand on.

    The first plane fit takes inliers within INLIER_MM (6 mm) of a plane, so where a mat
    lies on the room floor (a few mm thick) the plane can sit between the two and every
    height reads high by up to the mat's thickness. The mat is what lies in front of the
    stop (DESIGN.md §2): its points' height mode there, refit with a tight tolerance.
    """
    ahead = (P[..., :2] - stop["point_xy"]) @ stop["normal_xy"]
    along = (P[..., :2] - stop["point_xy"]) @ np.array([-stop["normal_xy"][1],
                                                         stop["normal_xy"][0]])
    mat = valid & (ahead > MAT_AHEAD_M[0]) & (ahead < MAT_AHEAD_M[1]) \
        & (np.abs(along) < 0.5 * stop["span_m"])
    z = P[..., 2]
    near = mat & (np.abs(z) < MAT_SEARCH_M)
    if near.sum() < 1000:
        return floor
    bins = np.arange(-MAT_SEARCH_M, MAT_SEARCH_M + 1e-9, MAT_BIN_M)
    hist, edges = np.histogram(z[near], bins)
    k = int(np.argmax(hist))
    level = (edges[k] + edges[k + 1]) / 2
    pts = cam_pts[near & (np.abs(z - level) < MAT_LEVEL_TOL_M)]
    if len(pts) < 500:
        return floor
    n, d = refine_plane(pts, floor.normal, floor.d - level, MAT_LEVEL_TOL_M)
    resid = pts @ n + d
    return FloorPlane(n, d, float(np.sqrt(np.mean(resid**2)) * 1000), floor.inlier_share)


def pixel_areas(cam_pts: np.ndarray, intr: Intrinsics) -> np.ndarray:
    """Each pixel's area across its ray at the depth it sees, m² (0 where no depth)."""
    z = cam_pts[..., 2]
    return (z / intr.fx) * (z / intr.fy)


def segment_feet(P: np.ndarray, valid: np.ndarray, stop: dict, pixel_area_m2: np.ndarray,
                 left_is_positive_x: bool = True,
                 min_height_m: float = FOOT_MIN_HEIGHT_M,
                 pixel_scale: float = 1.0) -> dict[str, np.ndarray]:
    """Pixel masks of the two legs-with-feet standing in front of the stop.

    Legs are split at the midpoint between the two shanks' x, not by connectivity: feet
    set close together, or wide trousers, touch in the image. `pixel_area_m2`
    (pixel_areas) is each pixel's area as the camera sees it; `pixel_scale`
    (Intrinsics.pixel_scale) carries pixel-sized operations to the camera's mode.
    """
    area = pixel_area_m2  # m² per pixel

    def area_of(mask: np.ndarray) -> float:
        return float(area[mask].sum())

    z = P[..., 2]
    in_front = (P[..., :2] - stop["point_xy"]) @ stop["normal_xy"] > 0.004
    body = valid & (z > min_height_m) & (z < MAX_BODY_HEIGHT_M) & in_front
    # opening removes the speckle of noisy mat pixels that touch a foot's outline
    body = ndimage.binary_opening(body, structure=np.ones((3, 3)),
                                  iterations=max(1, round(OPENING_ITERATIONS * pixel_scale)))
    labels, n = ndimage.label(body)
    if n == 0:
        raise NoFeetFound("no feet found on the mat")
    sizes = ndimage.sum(np.where(body, area, 0.0), labels, index=np.arange(1, n + 1))
    keep = np.zeros(n + 1, bool)
    keep[1:] = sizes >= MIN_FOOT_AREA_M2
    body = keep[labels]
    grounded = body & (z < min_height_m + GROUNDED_M)
    if area_of(grounded) < MIN_GROUNDED_AREA_M2:  # not even one foot (two: checked below)
        raise NoFeetFound("no feet found on the mat")
    # a foot's lowest 3 cm are one region in the image; a third region of a foot's size is
    # another person's foot on the mat (theirs would be split into the shopper's)
    parts, n_parts = ndimage.label(grounded)
    part_areas = ndimage.sum(np.where(grounded, area, 0.0), parts, index=np.arange(1, n_parts + 1))
    if np.count_nonzero(np.asarray(part_areas) >= MIN_GROUNDED_AREA_M2) > 2:
        raise NoFeetFound("more than two feet on the mat: is someone else standing on it?",
                          "other_person")
    # the feet are what we measure: split between them where they stand apart on the mat;
    # where they do not (touching, or hidden by hems), between the legs, at the height
    # with the widest gap (wide trousers may touch at one height and not at another)
    def widest_gap(lo_z: float, hi_z: float) -> tuple[float, float] | None:
        band = body & (z > lo_z) & (z < hi_z)
        x = np.sort(P[..., 0][band])
        if area_of(band) < MIN_SPLIT_BAND_AREA_M2 or len(x) < 20:
            return None
        gaps = np.diff(x)
        lo, hi = int(0.1 * len(x)), int(0.9 * len(x))
        k = lo + int(np.argmax(gaps[lo:hi]))
        return float(gaps[k]), float((x[k] + x[k + 1]) / 2)

    feet_gap = widest_gap(min_height_m, min_height_m + FEET_BAND_M)
    if feet_gap is not None and feet_gap[0] >= MIN_SPLIT_GAP_M:
        split = feet_gap[1]
    else:
        legs = [g for g in (widest_gap(*band) for band in SPLIT_BANDS_M) if g is not None]
        if not legs:
            raise NoFeetFound("no legs above the feet: please stand on the mat", "no_legs")
        gap, split = max(legs)
        if gap < MIN_SPLIT_GAP_M:
            raise NoFeetFound("only one foot found: please stand with both feet on the mat",
                              "one_foot")
        # legs apart, feet not: feet that touch or cross meet at the split line just
        # above the mat (under any hem)
        low = body & (z < min_height_m + OVERLAP_BAND_M)
        meet = low & (np.abs(P[..., 0] - split) < OVERLAP_HALF_WIDTH_M)
        if area_of(meet) >= OVERLAP_MIN_AREA_M2:
            raise NoFeetFound("the feet touch: please stand with the feet a little apart",
                              "feet_overlap")
    pos = body & (P[..., 0] > split)
    neg = body & (P[..., 0] <= split)
    for m in (pos, neg):
        if area_of(m & grounded) >= MIN_GROUNDED_AREA_M2:
            continue
        # a lifted foot and its leg, all above the mat (a few stray mat pixels aside)
        if area_of(m) >= MIN_GROUNDED_AREA_M2 \
                and np.percentile(z[m], 2) > min_height_m + LIFTED_FOOT_M:
            raise NoFeetFound("one foot is off the mat: please stand on both feet", "one_leg")
        raise NoFeetFound("only one foot found: please stand with both feet on the mat",
                          "one_foot")
    return {"left": pos, "right": neg} if left_is_positive_x else {"left": neg, "right": pos}


def check_still(frames: list[Frame], floor: FloorPlane, region: np.ndarray) -> float:
    """Share of the shopper's above-mat region that differs between the capture's first and
    last thirds (each fused apart); raises NoFeetFound("moving") past MOVING_REGION_CHANGE.

    `floor` gives the heights; `region` limits the comparison to the station. Every
    MOVING_STRIDE-th pixel in each direction is compared: a share needs no more.
    """
    n = len(frames)
    if n < MOVING_MIN_FRAMES:
        return 0.0
    third, s = n // 3, MOVING_STRIDE
    intr = frames[0].intrinsics
    rays = intr.deproject(np.ones((intr.height, intr.width), np.float32))[::s, ::s]
    depths = [_fuse([f.depth_m[::s, ::s] for f in part])
              for part in (frames[:third], frames[-third:])]
    both = region[::s, ::s] & (depths[0] > 0) & (depths[1] > 0)  # holes come and go
    masks = []
    for d in depths:
        P = floor.to_floor(rays * d[..., None])
        z = P[..., 2]
        # each third is noisier than the whole capture: its own mat noise sets its threshold
        above = z > _height_threshold(P, both, len(frames) // 3)
        masks.append(both & above & (z < MAX_BODY_HEIGHT_M))
    union = masks[0] | masks[1]
    if not union.any():
        return 0.0
    change = float((masks[0] ^ masks[1]).sum() / union.sum())
    if change > MOVING_REGION_CHANGE:
        raise NoFeetFound("the shopper moved during the capture: please stand still",
                          "moving")
    return change


def check_heel_contact(feet: dict[str, FootMeasurement], refuse: bool = True) -> list[str]:
    """Set each foot's `heel_gap_mm` (how much farther its shank stands from the stop than
    the other foot's) and, with `refuse`, raise StepBack where a heel is not against the
    stop (see the module docstring: the two feet are each other's reference). Returns the
    sides off the stop."""
    front = {side: f.details["shank_front_m"] for side, f in feet.items()}
    nearest = min(front.values())
    for side, f in feet.items():
        f.heel_gap_mm = (front[side] - nearest) * 1000
    off = [side for side, f in feet.items()
           if f.heel_gap_mm > HEEL_ASYMMETRY_TOLERANCE_M * 1000
           or f.details["shank_axis_m"] > SHANK_MAX_RATIO * f.length_mm / 1000]
    if off and refuse:
        which = " and ".join(off)
        code = f"step_back_{off[0]}" if len(off) == 1 else "step_back_both"
        raise StepBack(f"step back to the heel stop ({which} heel not touching it)", code)
    return off


def analyze_standing_frames(frames: list[Frame], rng: np.random.Generator | None = None,
                            check_heels: bool = True,
                            on_floor: Callable[[np.ndarray, FloorPlane, tuple[slice, slice]],
                                               None] | None = None,
                            ) -> StandingResult:
    """Fuse the frames and measure both feet; raises NoFeetFound / StepBack / InputError.

    `on_floor(fused_depth, floor, window)` is called as soon as the floor is known, so work
    that needs only those (the learned segmentation of the window) can run beside the
    geometric measurement. The floor is fitted to the capture fused at every FLOOR_STRIDE-th
    pixel; the rest is read in the station's window (`station_window`) only.
    """
    if not frames:
        raise InputError("the recording has no frames")
    if frames[0].depth_m is None:
        raise InputError("the recording has no depth stream")
    rng = rng or np.random.default_rng(0)
    t0 = time.perf_counter()
    full: Intrinsics = frames[0].intrinsics
    sampled = _fuse([f.depth_m[::FLOOR_STRIDE, ::FLOOR_STRIDE] for f in frames])
    try:
        floor = fit_floor(sampled, full, rng, stride=FLOOR_STRIDE, topmost=False, sampled=True)
    except NoPlaneFound:
        # no plane under the camera to stand on: it looks at a room, not at the mat
        raise NoFeetFound(NO_MAT_MESSAGE, "no_mat") from None
    window = station_window(sampled, full, floor)
    t1 = time.perf_counter()
    frames = [f.cropped(*window) for f in frames]
    intr = frames[0].intrinsics
    fused_window = fuse_depth(frames)
    t2 = time.perf_counter()
    fused = np.zeros((full.height, full.width), np.float32)
    fused[window] = fused_window
    cam_pts = intr.deproject(fused_window)
    P = floor.to_floor(cam_pts)
    valid = station_area(P, fused_window > 0, intr, floor)
    stop = find_heel_stop(P, valid, rng)
    # the feet are found above the first plane (whose noise sets the foot threshold) and
    # measured above the mat's own surface
    mat = settle_on_mat(floor, cam_pts, P, valid, stop)
    if on_floor is not None:
        on_floor(fused, mat, window)
    t3 = time.perf_counter()
    min_height = _height_threshold(P, valid, len(frames))
    masks = segment_feet(P, valid, stop, pixel_areas(cam_pts, intr), min_height_m=min_height,
                         pixel_scale=intr.pixel_scale())
    check_still(frames, floor, valid)
    t4 = time.perf_counter()
    P_mat = mat.to_floor(cam_pts)
    stop = find_heel_stop(P_mat, valid, rng)  # the same face, in the mat's frame
    feet = {side: measure_foot(side, P_mat[m], stop) for side, m in masks.items()}
    t5 = time.perf_counter()
    check_heel_contact(feet, refuse=check_heels)
    timings = {"floor": (t1 - t0) * 1e3, "fuse": (t2 - t1) * 1e3, "stop": (t3 - t2) * 1e3,
               "segment": (t4 - t3) * 1e3, "measure": (t5 - t4) * 1e3}
    stop_out = {"normal_xy": stop["normal_xy"].tolist(), "point_xy": stop["point_xy"].tolist(),
                "height_m": stop["height_m"], "span_m": stop["span_m"]}
    foot_masks = {}
    for side, m in masks.items():
        foot_masks[side] = np.zeros(fused.shape, bool)
        foot_masks[side][window] = m
    return StandingResult(feet, mat, stop_out, fused, foot_masks, timings, window)
