"""Treadmill station, geometric core: rearfoot angle per frame, heel strikes, peak eversion.

Seen from behind, the legs are split at a line between the two shanks, region by region
(a leg in front of the other is its own region, kept whole on its side). Per frame
and foot: the heel's lowest point and its position along the belt; the heel counter's
bisector (midpoints of its silhouette slices, fitted by a line) and the lower shank's
bisector, both in the frontal plane of the floor frame. Rearfoot angle = heel bisector
minus shank bisector, + = eversion (DESIGN.md §3). Heel strikes are the starts of
ground contact; the peak eversion of each stance is averaged per foot.
"""

from __future__ import annotations

import itertools
import logging
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage, stats

from kiosk.capture.frame import Frame
from kiosk.errors import CameraPlacement, InputError, NoFeetFound, NoPlaneFound, TooFewSteps
from kiosk.vision.floor import FloorPlane, fit_floor, principal_axes
from kiosk.vision.stats import median, percentile

log = logging.getLogger(__name__)

FG_MIN_HEIGHT_M = 0.008
FG_MAX_HEIGHT_M = 0.5
# Heel counter and lower-shank bands, above the heel's lowest point: typical running and
# walking shoes have 20-35 mm heel soles and 65-85 mm collars.
COUNTER_BAND_M = (0.020, 0.050)
SHANK_BAND_M = (0.11, 0.22)
REAR_DEPTH_M = 0.02  # rear part of the shoe whose lowest point is the heel's
HEEL_REAR_M = 0.05  # the counter's sections are read over the shoe's rear 5 cm ...
HEEL_ARC_M = 0.025  # ... each from the points within 2.5 cm of its back (a heel is 6-7 cm
# wide: deeper chords are visible on both sides from 10-15° off the shoe's axis, and the
# deeper the chord, the less a millimetre of depth noise moves its ends)
# Where the shoe ends: the leg's back steps forward by COLLAR_STEP_M between 1 cm slices
# (a collar's padding and counter stand 1-4 cm behind the Achilles tendon), above
# COLLAR_MIN_M (the counter itself curves forward below); the shank band starts
# SHANK_ABOVE_SHOE_M above it
COLLAR_SLICE_M = 0.01
COLLAR_STEP_M = 0.012
COLLAR_MIN_M = 0.05
SHANK_ABOVE_SHOE_M = 0.01
CONTACT_HEIGHT_M = 0.02  # heel within this of the belt = in contact
MIN_STEPS = 2  # per foot: fewer means the walk is shorter than two strides
SLICE_M = 0.004
FLOOR_FRAMES = 15
BELT_COLUMNS = (0.4, 0.6)
EDGE_INSET_PX = 2  # in pixels at every mode: flying pixels are a stereo matcher's, 1-2 px wide
MIN_BELT_PIXELS = 200  # belt pixels in the picture's middle columns (at 848x480, scaled)
# edge rows are samples of a line's direction, not a size: they stay rows in every mode
MIN_EDGE_ROWS = 20  # image rows on a belt edge line to trust its direction
EDGE_JUMP_M = 0.015  # sideways jump between an edge's successive rows: a new piece
MIN_EDGE_PIECE_ROWS = 10  # a piece of edge this short (rows) ...
MIN_EDGE_PIECE_M = 0.05  # ... or along the belt, gives no direction
MIN_CONTACT_S = 0.12  # heel contact in running lasts ≈ 0.2 s; shorter runs are noise
# a heel height dip this short (s) is the toe of a steeply pitched shoe at toe-off, not
# the heel: 1-2 frames at 30 fps; filtered in time, so a 15 fps run's 3-frame contacts stay
DIP_S = 0.15
MIN_PEAK_SAMPLES = 6  # measured frames for a stance's own quadratic peak
# Where the camera may hang (DESIGN.md §2 mounts it 0.2-0.5 m above the belt, 0.7-1.2 m
# behind the heels; the OOD split's walks reach 0.56 m and 1.3 m and are measured). Beyond
# these the heel counter is seen from too steeply above, or is too few pixels across
# (6-7 cm at 1.6 m: 15 pixels at 640x480), to find its axis.
CAMERA_MAX_HEIGHT_M = 0.75
CAMERA_MAX_DISTANCE_M = 1.6
# treadmill belts are 0.4-0.65 m wide (makers' data sheets); a "belt" wider than this is the
# room's floor, taken for the belt by a camera so far back that the belt is a sliver
BELT_MAX_WIDTH_M = 0.8
# a leg is "seen" in a frame where its foot was measured; a walk where one side is seen in
# fewer than ONE_LEG_SHARE of the frames the other side is seen in shows one leg only
ONE_LEG_SHARE = 0.1
GAIT_MOUNT_HEIGHT_M = (0.2, 0.5)  # DESIGN.md §2, what the messages ask staff to set
GAIT_MOUNT_DISTANCE_M = (0.7, 1.2)
NO_BELT_MESSAGE = "no treadmill belt in view: is the camera aimed at the heels on the belt?"
# Region of interest: the measurement reads the legs up to SHANK_BAND_M above a heel that
# may be 8 cm off the belt, and splits the legs at 0.15-0.35 m; found on a coarse grid.
ROI_TOP_M = 0.40
# Foot lanes (the split's fallback): shoes are below LANE_TOP_M; two lanes are two humps
# whose means are at least a shoe's half-width apart, each with a fifth of the points.
LANE_TOP_M = 0.12
LANE_MIN_SEPARATION_M = 0.07
LANE_MIN_SHARE = 0.2
# Legs as regions: neighbouring pixels further apart than LEG_DEPTH_CUT_M along the belt lie
# on different legs, one in front of the other (a pixel 1-2 m away spans 2-8 mm of a surface
# even where the camera grazes a leg's side; legs in front of each other are 10-60 cm apart).
# A region is split at the legs' split only where it holds two legs side by side: at least
# LEG_MIXED_SHARE of it, and of its part above LEG_UPPER_M (at least LEG_UPPER_PIXELS), on
# each side. A heel swung across the split in push-off reaches no higher than its collar
# (8-18 cm), and the leg's shank leans back to its own side above; such a region is one
# leg, and goes whole to its side.
LEG_DEPTH_CUT_M = 0.03
LEG_MIXED_SHARE = 0.25
LEG_UPPER_M = 0.25
LEG_UPPER_PIXELS = 100
# Pixel counts and margins below are at REFERENCE_FX_PX (848x480); other modes scale
# them by Intrinsics.pixel_scale (lengths) or its square (counts), so they stay metric.
ROI_STRIDE = 4
ROI_MARGIN_PX = 8
MIN_LEG_PIXELS = 200  # a leg's pixels in a frame to measure its foot
MIN_SHOE_PIXELS = 30
# The learned models read less: per foot, the rear of the shoe and the shank up to the
# rearfoot estimator's raster top (0.24 m above the heel's lowest point), only while the
# heel is low enough to measure.
MODEL_TOP_M = 0.26
MODEL_REAR_M = 0.10
_K3 = np.ones((3, 3), np.uint8)
# A shoe and the leg above it can show a seam of missing depth between them (a trouser hem's
# shadow, the collar's edge at 90 fps): pieces this close (pixels at REFERENCE_FX_PX) are
# one leg when deciding what reaches up out of the shoes; straight above a shoe, where a bare
# ankle meets the collar, the seam can span 3 cm of height (12 rows at 1.2 m in a mode whose
# scale is 1.4), so pieces this far apart in a column are one leg too
LEG_SEAM_PX = 6
LEG_SEAM_TALL_PX = 16


@dataclass
class FootTrack:
    side: str
    heel_z: np.ndarray  # per frame, m (nan = foot not seen)
    heel_y: np.ndarray
    angle_deg: np.ndarray  # rearfoot angle per frame (nan = not measurable)
    heel_strikes: list[int] = field(default_factory=list)
    toe_offs: list[int] = field(default_factory=list)
    # end of each heel contact (the heel lifts): a stance's peak eversion is read from
    # strike to heel-off; after it the shoe pitches onto its toe and its counter is no
    # longer upright in view (and eversion is past its peak, which comes at mid-stance)
    heel_offs: list[int] = field(default_factory=list)
    step_peaks_deg: list[float] = field(default_factory=list)
    # with the learned models: angle_deg is the fused angle, these its two sources
    geometry_angle_deg: np.ndarray | None = None
    model_angle_deg: np.ndarray | None = None
    model_sigma_deg: np.ndarray | None = None


@dataclass
class GaitResult:
    feet: dict[str, FootTrack]
    fps: float
    n_frames: int
    cadence_spm: float | None
    floor: FloorPlane
    timings_ms: dict
    belt_frame: FloorPlane | None = None  # y along the belt, x = 0 on its centre line
    belt: Belt | None = None  # the belt as fitted (to redraw a frame's measurement)
    times_s: np.ndarray | None = None  # each frame's time from the first (frame_times)


def belt_edges(P: np.ndarray, on_belt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floor points of the belt's left and right edges, one per image row where seen.

    Per row, the longest run of belt pixels (specks of flying pixels between a rail and
    the floor also lie near the belt plane); its ends are edges unless the picture's border
    cuts it, or a leg does (a run much narrower, in metres, than the belt's usual width).
    """
    W = on_belt.shape[1]
    n, labels, cc, _ = cv2.connectedComponentsWithStats(on_belt.view(np.uint8), connectivity=4)
    if n <= 1:
        return np.zeros((0, 3)), np.zeros((0, 3))
    on_belt = labels == 1 + int(np.argmax(cc[1:, cv2.CC_STAT_AREA]))
    runs = []
    for r in np.flatnonzero(on_belt.sum(axis=1) >= 10):
        d = np.diff(np.concatenate([[0], on_belt[r].view(np.int8), [0]]))
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
        k = int(np.argmax(ends - starts))
        runs.append((r, starts[k], ends[k]))
    if not runs:
        return np.zeros((0, 3)), np.zeros((0, 3))
    rr, lo, hi = (np.array(v) for v in zip(*runs, strict=True))
    width = P[rr, hi, 0] - P[rr, lo, 0]
    full = width > 0.8 * np.median(width)
    # beyond each end: not belt for a few pixels (a rail, a gap, the floor), not the border
    step = np.arange(1, 4)
    out_lo = on_belt[rr[:, None], np.clip(lo[:, None] - step, 0, W - 1)].any(axis=1)
    out_hi = on_belt[rr[:, None], np.clip(hi[:, None] + step, 0, W - 1)].any(axis=1)
    left = full & (lo > 4) & ~out_lo
    right = full & (hi < W - 5) & ~out_hi
    return P[rr[left], lo[left]], P[rr[right], hi[right]]


def _edge_axis(edges: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Unit (x, y) direction of the belt from its edge lines.

    The pixels of the visible belt are no guide to its axis: nearby rows hold most of them
    and the picture's borders cut the belt at a slant, so their principal axis can be
    15-20° off. The edges are straight and parallel to the belt's travel. An edge's run of
    points may jump sideways where a leg or a shoe hides the true edge for some rows (the
    run then ends at the shoe); one line through both pieces would be many degrees off, so
    each piece between jumps gets its own line, and the pieces vote by their rows.
    """
    slopes, weights = [], []
    for e in edges:
        for piece in _edge_pieces(e):
            # Theil-Sen: single rows where a shadow or flying pixels move the end are
            # outliers, some far along the belt (high leverage for least squares)
            a = stats.theilslopes(piece[:, 0], piece[:, 1])[0]
            if abs(a) > 1.0:
                continue
            slopes.append(a)
            weights.append(len(piece))
    if not slopes or sum(weights) < MIN_EDGE_ROWS:
        return None
    a = _weighted_median(np.array(slopes), np.array(weights, float))
    return np.array([a, 1.0]) / np.hypot(a, 1.0)


def _edge_pieces(e: np.ndarray) -> list[np.ndarray]:
    """An edge's points (in row order) split where they jump sideways; pieces too short
    to give a direction left out."""
    if len(e) < MIN_EDGE_ROWS:
        return []
    cut = np.flatnonzero(np.abs(np.diff(e[:, 0])) > EDGE_JUMP_M) + 1
    return [p for p in np.split(e, cut)
            if len(p) >= MIN_EDGE_PIECE_ROWS and np.ptp(p[:, 1]) >= MIN_EDGE_PIECE_M]


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v)
    c = np.cumsum(w[order])
    return float(v[order][np.searchsorted(c, 0.5 * c[-1])])


def _belt_extent(x: np.ndarray, center: float, bin_m: float = 0.01) -> tuple[float, float]:
    """x-range of the belt: contiguous occupied bins around the centre, 1 cm in."""
    edges = np.arange(center - 1.0, center + 1.0, bin_m)
    hist, _ = np.histogram(x, edges)
    occupied = hist >= max(3, 0.2 * np.median(hist[hist > 0]))
    c = int((center - edges[0]) / bin_m)
    lo = c
    while lo > 0 and occupied[lo - 1]:
        lo -= 1
    hi = c
    while hi < len(occupied) - 1 and occupied[hi + 1]:
        hi += 1
    return float(edges[lo] + bin_m), float(edges[hi + 1] - bin_m)


def _robust_slope(z: np.ndarray, x: np.ndarray) -> tuple[float, float] | None:
    """Slope dx/dz of a line fitted to (z, x), refitted without >2.5 sigma outliers."""
    if len(z) < 4 or np.ptp(z) < 0.01:
        return None
    a, b = np.polyfit(z, x, 1)
    r = x - (a * z + b)
    s = 1.4826 * median(np.abs(r)) + 1e-4
    keep = np.abs(r) < 2.5 * s
    if keep.sum() >= 4 and np.ptp(z[keep]) >= 0.01:
        a, b = np.polyfit(z[keep], x[keep], 1)
    return float(a), float(np.std(r[keep]) if keep.any() else s)


def _edge_points(P: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floor-frame points of the leftmost and rightmost mask pixel of every solid row.

    Rows at the ends of a height band, or with stray flying pixels, are not solid: their
    span is much wider than their pixel count, or they hold too few pixels. Those rows
    are skipped rather than allowed to pull the edge lines.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) == 0:
        return np.zeros((0, 3)), np.zeros((0, 3))
    m = mask[rows]
    W = mask.shape[1]
    lo = np.argmax(m, axis=1)
    hi = W - 1 - np.argmax(m[:, ::-1], axis=1)
    count = m.sum(axis=1)
    solid = (count >= 0.6 * np.median(count)) & (hi - lo + 1 <= 1.25 * count + 1)
    rows, lo, hi = rows[solid], lo[solid], hi[solid]
    # step EDGE_INSET_PX inside: the outermost pixels of a D4xx silhouette are often flying
    # (depth between object and background, so their x is off); the same inset on both
    # sides leaves the axis of symmetry where it was
    wide = hi - lo >= 2 * EDGE_INSET_PX + 2
    rows, lo, hi = rows[wide], lo[wide] + EDGE_INSET_PX, hi[wide] - EDGE_INSET_PX
    return P[rows, lo], P[rows, hi]


def _bisector(P: np.ndarray, mask: np.ndarray, min_rows: int = 5):
    """Slope dx/dz of the axis of symmetry of a silhouette (mask pixels, floor points).

    The mask is closed first: a D4xx drops pixels along depth edges, and the notches would
    pull single rows' edges inward. A line is fitted to each side's edge (robustly, so
    flying pixels do not steer it); the axis takes their mean slope.
    """
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) < min_rows:
        return None
    # close inside the mask's own box (with a margin, so the border does not erode it)
    r0, c0 = max(rows[0] - 2, 0), max(cols[0] - 2, 0)
    win = (slice(r0, rows[-1] + 3), slice(c0, cols[-1] + 3))
    core = cv2.morphologyEx(mask[win].astype(np.uint8), cv2.MORPH_CLOSE, _K3) > 0
    left, right = _edge_points(P[win], core)
    if len(left) < min_rows:
        return None
    a = _robust_slope(left[:, 2], left[:, 0])
    b = _robust_slope(right[:, 2], right[:, 0])
    if a is None or b is None:
        return None
    return (a[0] + b[0]) / 2, len(left)


def _heel_axis(P: np.ndarray, counter: np.ndarray, along: np.ndarray):
    """Slope dx/dz of the heel counter's axis of symmetry (DESIGN.md §3), or None.

    Each thin horizontal slice of the counter seen from behind is a U around the heel;
    the U's points within HEEL_ARC_M of its back (along the shoe's axis) span a chord
    whose middle lies on the axis of symmetry whatever the camera sees of the shoe's
    sides. A line through the slices' middles gives the axis. (The silhouette of a band
    cut at a fixed depth along the shoe is not symmetric: the cut itself shows as an
    edge wherever the camera looks along the shoe's side, and read 5-15° off.)
    """
    ij = np.flatnonzero(counter.ravel())
    if len(ij) < 20:
        return None
    p = P.reshape(-1, 3)[ij]
    v = along.ravel()[ij]
    z0 = p[:, 2].min()
    k = ((p[:, 2] - z0) / SLICE_M).astype(int)
    zs, xs, used = [], [], []
    for sl in range(k.max() + 1):
        m = np.flatnonzero(k == sl)
        if len(m) < 8:
            continue
        back = m[v[m] < percentile(v[m], 2) + HEEL_ARC_M]
        if len(back) < 6:
            continue
        # the chord's middle, in x: the slice's points lie on one section, so their x is
        # its lateral position (the shoe's toe-out turns the chord by a few degrees only)
        lo, hi = percentile(p[back, 0], (3, 97))
        zs.append(float(median(p[back, 2])))
        xs.append((lo + hi) / 2)
        used.append(back)
    if len(zs) < 4:
        return None
    fit = _robust_slope(np.array(zs), np.array(xs))
    if fit is None:
        return None
    mask = np.zeros(counter.size, bool)
    mask[ij[np.concatenate(used)]] = True
    return fit[0], len(zs), mask.reshape(counter.shape)


def _shoe_top(P: np.ndarray, leg: np.ndarray, heel_z: float) -> float:
    """Height above the heel's lowest point where the shoe ends (0 where not found).

    A collar stands proud of the leg: going up, the leg's back steps forward by a
    centimetre or more where the shoe ends (the Achilles tendon sits in front of the heel
    counter's back; a high-top's collar reaches 15-18 cm). Trousers over the shoe show no
    such step; the shank band then starts where SHANK_BAND_M puts it.
    """
    Z, Y = P[..., 2][leg] - heel_z, P[..., 1][leg]
    k = np.floor(Z / COLLAR_SLICE_M).astype(int)
    ok = (k >= 0) & (k * COLLAR_SLICE_M < SHANK_BAND_M[1])
    k, Y = k[ok], Y[ok]
    n = np.bincount(k, minlength=1)
    rear = np.full(len(n), np.nan)
    for sl in np.flatnonzero(n >= 10):
        rear[sl] = percentile(Y[k == sl], 3)
    top = 0.0
    for sl in range(1, len(rear) - 1):
        z_top = (sl + 1) * COLLAR_SLICE_M
        if z_top < COLLAR_MIN_M:
            continue
        above = rear[sl + 1:sl + 3]
        if not np.isfinite(rear[sl]) or not np.isfinite(above).any():
            continue
        if np.nanmin(above) - rear[sl] > COLLAR_STEP_M:
            top = z_top
    return top


def split_legs(P: np.ndarray, fg: np.ndarray) -> float | None:
    """x where the two legs separate (the widest gap between the shanks' x)."""
    z = P[..., 2]
    legs = fg & (z > 0.15) & (z < 0.35)
    x = np.sort(P[..., 0][legs])
    if len(x) < 100:
        return None
    lo, hi = int(0.1 * len(x)), int(0.9 * len(x))
    gaps = np.diff(x[lo:hi])
    if len(gaps) == 0:
        return None
    k = int(np.argmax(gaps))
    if gaps[k] < 0.01:
        return None
    return float((x[lo + k] + x[lo + k + 1]) / 2)


class FootLanes:
    """Where the two feet walk, from the shoes' x over the last seconds: the fallback split
    when the legs show no gap (wide trousers touching, one leg behind the other).

    Feet keep to their lanes on a belt, so the shoe-level points of the last ~1.5 s form two
    humps; Otsu's threshold between them is the split, trusted when the humps' means are
    LANE_MIN_SEPARATION_M apart and each holds a fair share of the points.
    """

    BIN_M = 0.01
    DECAY = 0.985  # per frame: half-life ≈ 1.5 s at 30 fps

    def __init__(self, x_lo: float, x_hi: float) -> None:
        self.x0 = x_lo
        self.hist = np.zeros(max(int(np.ceil((x_hi - x_lo) / self.BIN_M)), 1))

    def add(self, P: np.ndarray, fg: np.ndarray) -> None:
        x = P[..., 0][fg & (P[..., 2] < LANE_TOP_M)]
        k = np.clip(((x - self.x0) / self.BIN_M).astype(int), 0, len(self.hist) - 1)
        self.hist *= self.DECAY
        self.hist += np.bincount(k, minlength=len(self.hist))

    def split(self) -> float | None:
        h = self.hist
        total = h.sum()
        if total <= 0:
            return None
        c = np.arange(len(h)) + 0.5
        w0 = np.cumsum(h)[:-1]
        m0 = np.cumsum(h * c)[:-1]
        w1, m1 = total - w0, (h * c).sum() - m0
        ok = (w0 > LANE_MIN_SHARE * total) & (w1 > LANE_MIN_SHARE * total)
        if not ok.any():
            return None
        mu0, mu1 = m0 / np.maximum(w0, 1e-9), m1 / np.maximum(w1, 1e-9)
        between = np.where(ok, w0 * w1 * (mu1 - mu0) ** 2, -1.0)
        k = int(np.argmax(between))
        if (mu1[k] - mu0[k]) * self.BIN_M < LANE_MIN_SEPARATION_M:
            return None
        return float(self.x0 + (k + 1) * self.BIN_M)


def _along_shoe(P: np.ndarray, shoe: np.ndarray, y_rear: float) -> np.ndarray:
    """Distance of every pixel's point in front of the shoe's back, along the shoe's axis.

    The axis is the principal direction of the shoe's rear 15 cm seen from above; the
    distance is 0 at the shoe's rearmost points.
    """
    pts = P[shoe & (P[..., 1] < y_rear + 0.15)][:, :2]
    if len(pts) < 30:
        return P[..., 1] - y_rear
    _, vt = principal_axes(pts)
    ax = vt[0] if vt[0][1] > 0 else -vt[0]
    if ax[1] < 0.9:  # more than ~25° off the belt: not a shoe's axis, keep the belt's
        return P[..., 1] - y_rear
    along = P[..., 0] * ax[0] + P[..., 1] * ax[1]
    return along - percentile(along[shoe], 2)


def leg_sides(P: np.ndarray, fg: np.ndarray, split: float,
              pixel_scale: float = 1.0) -> np.ndarray:
    """Pixels of the shopper's left leg (the rest of `fg` is the right's).

    Cut where neighbouring pixels jump along the belt (one leg in front of the other), the
    legs fall into regions, and each region goes whole to the side of `split` that holds
    most of it: a foot in push-off, nearer the camera, whose heel swings across the split
    stays with its own leg instead of joining the other foot's. Only a region holding both
    legs side by side at one depth (LEG_MIXED_SHARE, LEG_UPPER_M) is split at `split`.
    `pixel_scale` (Intrinsics.pixel_scale) carries the pixel counts to the camera's mode.
    """
    X, Y, Z = P[..., 0], P[..., 1], P[..., 2]
    by_x = fg & (X < split)
    keep = fg.copy()
    for a, b in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                 ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
        jump = fg[a] & fg[b] & (np.abs(Y[a] - Y[b]) > LEG_DEPTH_CUT_M)
        # the farther pixel of each pair leaves the regions (the occluded leg's edge; it
        # keeps its side by x), so no 4-connected path crosses a jump
        far_a = jump & (Y[a] > Y[b])
        keep[a] &= ~far_a
        keep[b] &= ~(jump & ~far_a)
    n, labels = cv2.connectedComponents(keep.view(np.uint8), connectivity=4)
    if n <= 2:
        return by_x
    lab, bx = labels[fg], by_x[fg]
    up = Z[fg] > LEG_UPPER_M
    total = np.bincount(lab, minlength=n).astype(float)
    n_left = np.bincount(lab, weights=bx, minlength=n)
    up_left = np.bincount(lab, weights=up & bx, minlength=n)
    up_right = np.bincount(lab, weights=up & ~bx, minlength=n)
    is_left = n_left > total / 2
    lesser = np.minimum(n_left, total - n_left) / np.maximum(total, 1)
    lesser_up = np.where(is_left, up_right, up_left)
    two_legs = ((lesser >= LEG_MIXED_SHARE) & (lesser_up >= LEG_UPPER_PIXELS * pixel_scale**2)
                & (lesser_up >= LEG_MIXED_SHARE * (up_left + up_right)))
    whole = ~two_legs
    whole[0] = False  # the dropped edge pixels: by x
    left = by_x.copy()
    left[fg] = np.where(whole[lab], is_left[lab], bx)
    return left


def measure_frame(P: np.ndarray, fg: np.ndarray, split: float,
                  debug: dict | None = None, windows: dict | None = None,
                  pixel_scale: float = 1.0) -> dict:
    """Per foot: heel height, heel position along the belt, rearfoot angle (or nan).

    With `windows`, each foot low enough to measure also gets the (rows, cols) box of its
    heel and lower shank, the part the learned models read. `pixel_scale`
    (Intrinsics.pixel_scale) carries the pixel counts to the camera's mode.
    """
    area = pixel_scale**2
    out = {}
    Y, Z = P[..., 1], P[..., 2]
    left = leg_sides(P, fg, split, pixel_scale)
    for side, sel in (("left", left), ("right", ~left)):
        leg = fg & sel
        if leg.sum() < MIN_LEG_PIXELS * area:
            out[side] = (np.nan, np.nan, np.nan)
            continue
        z_min = float(percentile(Z[leg], 0.5))
        shoe = leg & (Z < z_min + 0.10)
        if shoe.sum() < MIN_SHOE_PIXELS * area:
            out[side] = (np.nan, np.nan, np.nan)
            continue
        y_rear = float(percentile(Y[shoe], 2))
        rear = shoe & (Y < y_rear + REAR_DEPTH_M)
        heel_z = float(percentile(Z[rear], 3))
        angle = np.nan
        if heel_z < 0.08:
            # cut the counter square to the shoe's own axis: a toed-out shoe cut square to
            # the belt gives a lopsided slice whose middle drifts with height
            along = _along_shoe(P, shoe, y_rear)
            counter = (shoe & (along < HEEL_REAR_M) & (Z > heel_z + COUNTER_BAND_M[0])
                       & (Z < heel_z + COUNTER_BAND_M[1]))
            lo = max(SHANK_BAND_M[0], _shoe_top(P, leg, heel_z) + SHANK_ABOVE_SHOE_M)
            hi = min(lo + SHANK_BAND_M[1] - SHANK_BAND_M[0], ROI_TOP_M - heel_z)
            shank = leg & (Z > heel_z + lo) & (Z < heel_z + hi)
            if windows is not None:
                windows[side] = _box(leg & (Z < heel_z + MODEL_TOP_M)
                                     & (Y < y_rear + MODEL_REAR_M), pixel_scale)
            hb = _heel_axis(P, counter, along)
            sb = _bisector(P, shank)
            if hb is not None and sb is not None:
                medial = 1.0 if side == "left" else -1.0  # shopper's left is at -x
                heel_ang = np.degrees(np.arctan(hb[0])) * medial
                shank_ang = np.degrees(np.arctan(sb[0])) * medial
                angle = heel_ang - shank_ang
                if debug is not None:
                    debug[side] = (heel_ang, shank_ang)
                    debug[f"{side}_bisectors"] = {"heel": (hb[2], hb[0]),
                                                  "shank": (shank, sb[0])}
        out[side] = (heel_z, y_rear, float(angle))
    return out


def _box(mask: np.ndarray, pixel_scale: float = 1.0) -> tuple[slice, slice] | None:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) < 2 or len(cols) < 2:
        return None
    m = round(ROI_MARGIN_PX * pixel_scale)
    return (slice(max(rows[0] - m, 0), rows[-1] + 1 + m),
            slice(max(cols[0] - m, 0), cols[-1] + 1 + m))


def stance_peak(angles: np.ndarray, t: np.ndarray | None = None) -> float | None:
    """Peak of a stance's rearfoot angle, from a smooth fit rather than the noisiest frame.

    Per-frame angles from a heel a few dozen pixels wide scatter by several degrees; the
    eversion curve over stance is smooth (rise, peak, return), so a quadratic fitted
    robustly over the stance gives the peak with the scatter averaged out. `t` (default:
    frame numbers) places the samples; pooled stances pass their share of stance.
    """
    t = np.arange(len(angles), dtype=float) if t is None else np.asarray(t, float)
    ok = np.isfinite(angles)
    t, a = t[ok], np.asarray(angles, float)[ok]
    if len(t) < MIN_PEAK_SAMPLES:
        return None
    keep = np.ones(len(t), bool)
    for _ in range(2):
        if len(np.unique(t[keep])) < 3:  # pooled stances' shares can coincide: no curve
            return None
        coef = np.polyfit(t[keep], a[keep], 2)
        r = a - np.polyval(coef, t)
        s = 1.4826 * np.median(np.abs(r[keep])) + 1e-6
        keep = np.abs(r) < 2.5 * s
        if keep.sum() < MIN_PEAK_SAMPLES:
            return None
    grid = np.linspace(t.min(), t.max(), 50)
    return float(np.polyval(coef, grid).max())


def stance_peaks(angles: np.ndarray, strikes: list[int], ends: list[int]) -> list[float]:
    """Peak angle of each stance (heel strike to its end: the next heel-off).

    A stance of fewer than MIN_PEAK_SAMPLES measured frames (a run's 0.2 s contact at
    15 fps is 3 frames) gives no curve of its own; those stances are pooled on their share
    of stance (0-1) into one curve, whose peak stands for each of them.
    """
    peaks, pooled_t, pooled_a, n_short = [], [], [], 0
    for s in strikes:
        after = [t for t in ends if t > s]
        if not after:
            continue
        a = angles[s:after[0]]
        p = stance_peak(a)
        if p is not None:
            peaks.append(p)
        elif np.isfinite(a).any() and len(a) > 1:
            pooled_t.append(np.arange(len(a)) / (len(a) - 1))
            pooled_a.append(a)
            n_short += 1
    if n_short >= 2:
        p = stance_peak(np.concatenate(pooled_a), np.concatenate(pooled_t))
        if p is not None:
            peaks += [p] * n_short
    return peaks


def _events(track: FootTrack, fps: float) -> None:
    """Heel strikes = starts of contact runs; toe-off = when the foot starts moving forward."""
    z = track.heel_z.copy()
    n = len(z)
    ok = np.isfinite(z)
    if ok.sum() < 3:
        return
    z[~ok] = np.interp(np.flatnonzero(~ok), np.flatnonzero(ok), z[ok])
    # a 5-frame median removes the one- or two-frame dips at toe-off, when the lowest
    # part of a steeply pitched shoe is its toe, not its heel
    z = ndimage.median_filter(z, size=2 * round(DIP_S / 2 * fps) + 1, mode="nearest")
    # the lowest heel height over the walk is the contact height; allow a margin above it
    contact = z < np.nanpercentile(z, 5) + CONTACT_HEIGHT_M
    min_run = max(2, round(MIN_CONTACT_S * fps))
    starts = []
    k = 0
    while k < n:
        if contact[k]:
            j = k
            while j < n and contact[j]:
                j += 1
            # a run that started before the recording did is not a heel strike
            if j - k >= min_run and k > 0:
                starts.append((k, j))
            k = j
        else:
            k += 1
    y = track.heel_y.copy()
    oky = np.isfinite(y)
    if oky.sum() >= 3:
        y[~oky] = np.interp(np.flatnonzero(~oky), np.flatnonzero(oky), y[oky])
    vy = np.gradient(ndimage.uniform_filter1d(y, 3)) * fps
    for s, e in starts:
        track.heel_strikes.append(s)
        track.heel_offs.append(e)
        # toe-off: first frame after the heel rises where the foot moves forward
        to = next((k for k in range(e, n) if vy[k] > 0.2), None)
        if to is not None:
            track.toe_offs.append(to)
    track.step_peaks_deg += stance_peaks(track.angle_deg, track.heel_strikes, track.heel_offs)


@dataclass
class Belt:
    """The belt's floor frame (turned so y runs along the belt) as per-pixel linear maps.

    A camera pixel with depth d lies at floor-frame point d * A[:, i, j] + b, so a frame's
    points cost three multiply-adds per pixel, and only inside the region of interest.
    """

    floor: FloorPlane
    A: np.ndarray  # (3, H, W) float32
    b: np.ndarray  # (3,) float32
    x_lo: float
    x_hi: float
    y_hi: float
    fg_min: float
    # the same frame with x = 0 on the belt's centre line: the treadmill segmentation reads
    # lateral positions there, so which leg is which does not depend on where the camera
    # stands (a camera 5-7 cm off centre swapped whole legs where one fills the view)
    centred: FloorPlane
    pixel_scale: float = 1.0  # the camera's Intrinsics.pixel_scale

    def points(self, depth_m: np.ndarray, rows: slice = slice(None), cols: slice = slice(None),
               step: int = 1) -> np.ndarray:
        """Floor-frame points (h, w, 3) of a depth image's window (every `step`-th pixel)."""
        r = slice(rows.start, rows.stop, step)
        c = slice(cols.start, cols.stop, step)
        d = depth_m[r, c]
        return np.stack([d * self.A[k, r, c] + self.b[k] for k in range(3)], axis=-1)

    def foreground(self, P: np.ndarray, depth_m: np.ndarray) -> np.ndarray:
        """Pixels above the belt's noise, over the belt, below FG_MAX_HEIGHT_M."""
        X, Y, Z = P[..., 0], P[..., 1], P[..., 2]
        return ((depth_m > 0) & (Z > self.fg_min) & (Z < FG_MAX_HEIGHT_M) & (X > self.x_lo)
                & (X < self.x_hi) & (Y < self.y_hi))


def fit_belt(head: list[Frame], rng: np.random.Generator) -> Belt:
    """Belt plane, axis, extent and noise from the first frames of a walk."""
    intr = head[0].intrinsics
    stack = np.stack([f.depth_m for f in head])
    stack[stack == 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        belt_depth = np.nan_to_num(np.nanmedian(stack, axis=0))
    # the camera is aimed at the heels over the belt: the middle columns are belt
    try:
        floor = fit_floor(belt_depth, intr, rng, topmost=False, column_band=BELT_COLUMNS)
    except InputError:  # no plane, or too few depth pixels to look for one
        raise NoPlaneFound(NO_BELT_MESSAGE, "no_belt") from None
    rays = intr.deproject(np.ones((intr.height, intr.width), np.float32))
    Pb = floor.to_floor(rays * belt_depth[..., None])
    on_belt = (belt_depth > 0) & (np.abs(Pb[..., 2]) < 0.006)
    cols = np.zeros(intr.width, bool)
    cols[int(BELT_COLUMNS[0] * intr.width):int(BELT_COLUMNS[1] * intr.width)] = True
    core = Pb[on_belt & cols[None, :]]
    if len(core) < MIN_BELT_PIXELS * intr.pixel_scale() ** 2:
        raise NoPlaneFound(NO_BELT_MESSAGE, "no_belt")
    if floor.camera_height_m > CAMERA_MAX_HEIGHT_M:
        raise CameraPlacement(
            f"the camera is {floor.camera_height_m:.2f} m above the belt: lower it to "
            f"{GAIT_MOUNT_HEIGHT_M[0]:.1f}-{GAIT_MOUNT_HEIGHT_M[1]:.1f} m and aim it at the "
            "heels", "camera_too_high")
    # walking direction = the belt's long axis; turn the floor frame so y runs along it
    edges = belt_edges(Pb, on_belt)
    ax = _edge_axis(edges)
    if ax is None:  # no belt edge in view: the long axis of the belt's pixels
        bxy = Pb[on_belt][:, :2]
        _, vt = principal_axes(bxy)
        ax = vt[0] if vt[0][1] > 0 else -vt[0]
    turn = np.array([[ax[1], -ax[0]], [ax[0], ax[1]]])  # rows: new x, new y
    Pb[..., :2] = Pb[..., :2] @ turn.T
    core = Pb[on_belt & cols[None, :]]
    # the belt's extent: its edges where seen, else grow from the middle while the belt
    # plane continues
    bx = Pb[..., 0][on_belt]
    x_lo, x_hi = _belt_extent(bx, float(np.median(core[:, 0])))
    # (a shoe hiding the edge ends the belt's run early: always on the inner side, so the
    # outermost piece of an edge is the belt's)
    for k, e in enumerate(edges):
        xs = [float(np.median(p[:, :2] @ turn[0])) for p in _edge_pieces(e)]
        if xs:
            x_lo, x_hi = (max(x_lo, min(xs)), x_hi) if k == 0 else (x_lo, min(x_hi, max(xs)))
    if x_hi - x_lo > BELT_MAX_WIDTH_M:
        # the plane is the room's floor: the belt fills too little of the picture's middle
        raise CameraPlacement(
            f"the plane in view is {x_hi - x_lo:.1f} m wide, no treadmill belt: move the "
            f"camera to {GAIT_MOUNT_DISTANCE_M[0]:.1f}-{GAIT_MOUNT_DISTANCE_M[1]:.1f} m behind "
            "the heels, aimed at them", "camera_too_far")
    y_hi = float(np.percentile(Pb[..., 1][on_belt], 99))
    # one frame's belt noise sets the foreground threshold (3.5 robust SDs, >= 8 mm)
    zb = floor.to_floor(rays * head[0].depth_m[..., None])[..., 2][on_belt]
    log.debug("belt axis turned %.1f deg from the camera's",
              float(np.degrees(np.arctan2(ax[0], ax[1]))))
    zb = zb[np.abs(zb) < 0.03]
    mad = float(np.median(np.abs(zb - np.median(zb)))) if len(zb) else 0.0
    fg_min = max(FG_MIN_HEIGHT_M, 3.5 * 1.4826 * mad)
    frame = floor.turned(turn)
    R = frame.rotation()
    A = np.einsum("ij,hwj->ihw", R, rays).astype(np.float32)
    b = (-(R @ frame.origin())).astype(np.float32)
    return Belt(floor, A, b, x_lo + 0.01, x_hi - 0.01, y_hi, fg_min,
                floor.turned(turn, (x_lo + x_hi) / 2), intr.pixel_scale())


def frame_roi(depth_m: np.ndarray, belt: Belt) -> tuple[slice, slice] | None:
    """The window holding the legs' lowest ROI_TOP_M above the belt (None: nobody there).

    Found on every ROI_STRIDE-th pixel; the measurement then reads the window at full
    resolution, so the rest of the frame (the upper legs, the room) costs nothing.
    """
    s = max(1, round(ROI_STRIDE * belt.pixel_scale))
    P = belt.points(depth_m, step=s)
    low = belt.foreground(P, depth_m[::s, ::s]) & (P[..., 2] < ROI_TOP_M)
    rows, cols = np.flatnonzero(low.any(axis=1)), np.flatnonzero(low.any(axis=0))
    if len(rows) < 3 or len(cols) < 3:
        return None
    H, W = depth_m.shape
    m = round(ROI_MARGIN_PX * belt.pixel_scale)
    return (slice(max(rows[0] * s - m, 0), min((rows[-1] + 1) * s + m, H)),
            slice(max(cols[0] * s - m, 0), min((cols[-1] + 1) * s + m, W)))


def leg_mask(P: np.ndarray, depth_m: np.ndarray, belt: Belt) -> np.ndarray:
    """Foreground of the legs: opened, and only regions that reach up out of the shoes
    (which drops rails and speckle)."""
    fg = belt.foreground(P, depth_m).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, _K3)
    k = 2 * round(LEG_SEAM_PX * belt.pixel_scale / 2) + 1
    kt = 2 * round(LEG_SEAM_TALL_PX * belt.pixel_scale / 2) + 1
    joined = (cv2.dilate(fg, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
              | cv2.dilate(fg, np.ones((kt, 1), np.uint8)))
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    if n <= 1:
        return fg.astype(bool)
    tall = np.zeros(n, bool)
    tall[np.unique(labels[(fg > 0) & (P[..., 2] > 0.15)])] = True
    tall[0] = False
    return tall[labels] & (fg > 0)


def analyze_gait_frames(
    frames: Iterable[Frame], fps: float | None = None, rng: np.random.Generator | None = None,
    models=None,
) -> GaitResult:
    """Measure a treadmill walk from depth frames (iterated once, not kept).

    With `models` (kiosk.vision.learned.LearnedModels), each frame's region of interest
    also goes through the treadmill segmentation and rearfoot estimator, and the
    per-frame angle each stance's peak is taken from is the fused one.
    """
    rng = rng or np.random.default_rng(0)
    it = iter(frames)
    head: list[Frame] = []
    for f in it:
        if f.depth_m is None:
            raise InputError("the recording has no depth stream")
        head.append(f)
        if len(head) >= FLOOR_FRAMES:
            break
    if not head:
        raise InputError("the recording has no frames")
    t0 = time.perf_counter()
    belt = fit_belt(head, rng)
    t_floor = (time.perf_counter() - t0) * 1e3
    rows: list[dict] = []
    model_rows: list[dict] = []
    times = []
    split = None
    lanes = FootLanes(belt.x_lo, belt.x_hi)
    shoes_y: list[float] = []  # per frame with shoes on the belt: how far the rearmost is
    n = 0
    nan3 = (np.nan,) * 3
    model_ms = []
    t1 = time.perf_counter()
    frame_ms = []
    for f in itertools.chain(head, it):
        tf = time.perf_counter()
        d = f.depth_m
        if d is None:
            raise InputError("the recording has no depth stream")
        roi = frame_roi(d, belt)
        row = {"left": nan3, "right": nan3}
        windows: dict = {}
        if roi is not None:
            P = belt.points(d, *roi)
            fg = leg_mask(P, d[roi], belt)
            lanes.add(P, fg)
            low = fg & (P[..., 2] < LANE_TOP_M)
            if low.sum() >= MIN_SHOE_PIXELS * belt.pixel_scale**2:
                shoes_y.append(float(percentile(P[..., 1][low], 5)))
            s = split_legs(P, fg)
            if s is None:
                s = lanes.split()
            if s is not None:
                split = s if split is None else 0.8 * split + 0.2 * s
            if split is not None:
                row = measure_frame(P, fg, split, windows=windows,
                                    pixel_scale=belt.pixel_scale)
        rows.append(row)
        if models is not None:
            tm = time.perf_counter()
            # window boxes are in the region's pixels: shift them into the frame's
            boxes = {side: (slice(w[0].start + roi[0].start, w[0].stop + roi[0].start),
                            slice(w[1].start + roi[1].start, w[1].stop + roi[1].start))
                     for side, w in windows.items() if w is not None}
            model_rows.append(models.rearfoot_windows(f, boxes, belt.floor, belt.centred))
            model_ms.append((time.perf_counter() - tm) * 1e3)
        times.append(f.timestamp_s)
        frame_ms.append((time.perf_counter() - tf) * 1e3)
        n += 1
    t_frames = (time.perf_counter() - t1) * 1e3
    if n < 2:
        raise TooFewSteps("the walk is too short to measure")
    if fps is None:
        dt = np.diff(times)
        fps = float(1.0 / np.median(dt)) if len(dt) and np.median(dt) > 0 else 30.0
    feet = {}
    for side in ("left", "right"):
        arr = np.array([r[side] for r in rows], dtype=float)
        tr = FootTrack(side, arr[:, 0], arr[:, 1], arr[:, 2])
        if models is not None:
            tr.geometry_angle_deg = tr.angle_deg
            est = [r[side] for r in model_rows]
            tr.model_angle_deg, tr.angle_deg = models.fused_series(est, tr.geometry_angle_deg)
            tr.model_sigma_deg = np.array([np.nan if e is None else e.sigma for e in est])
        _events(tr, fps)
        feet[side] = tr
    _check_view(feet, shoes_y, n)
    times_s = frame_times(times, fps)
    cadence = None
    intervals = []
    for tr in feet.values():
        if len(tr.heel_strikes) >= 2:
            intervals += list(np.diff(times_s[tr.heel_strikes]))
    if intervals:
        # the median finds the stride; the mean of the intervals near it measures it finer
        # than one frame (at 15 fps a 0.7 s stride is 10 or 11 frames: ±5 %)
        iv = np.asarray(intervals)
        near = iv[np.abs(iv - np.median(iv)) < 0.25 * np.median(iv)]
        # (two intervals far apart leave none near their median: the median is the stride)
        cadence = float(120.0 / (np.mean(near) if len(near) else np.median(iv)))
    # per frame: the median (a frame's own work; waiting for the next frame not counted)
    timings = {"floor": t_floor, "frames": t_frames, "per_frame": float(np.median(frame_ms)),
               "per_frame_p95": float(np.percentile(frame_ms, 95))}
    if model_ms:
        timings["models_per_frame"] = float(np.median(model_ms))
    return GaitResult(feet, fps, n, cadence, belt.floor, timings, belt.centred, belt,
                      times_s)


def _check_view(feet: dict[str, FootTrack], shoes_y: list[float], n_frames: int) -> None:
    """Refuse a walk the camera did not see as it must: nobody on the belt, heels too far
    away, one leg only (the other hidden, or out of the picture)."""
    if len(shoes_y) < ONE_LEG_SHARE * n_frames:
        raise NoFeetFound("no feet found on the treadmill: is someone walking on the belt?",
                          "no_feet_treadmill")
    distance = float(np.median(shoes_y))
    if distance > CAMERA_MAX_DISTANCE_M:
        raise CameraPlacement(
            f"the heels are {distance:.1f} m in front of the camera: move it to "
            f"{GAIT_MOUNT_DISTANCE_M[0]:.1f}-{GAIT_MOUNT_DISTANCE_M[1]:.1f} m behind them, "
            "aimed at the heels", "camera_too_far")
    seen = sorted(int(np.isfinite(tr.heel_z).sum()) for tr in feet.values())
    if seen[0] < ONE_LEG_SHARE * max(seen[1], 1):
        raise NoFeetFound("only one leg seen on the treadmill: is the camera behind the "
                          "middle of the belt, and nothing in front of it?", "one_leg_treadmill")


def frame_times(timestamps_s: list[float], fps: float) -> np.ndarray:
    """Each frame's time from the first (s): the camera's own timestamps, so frames it
    dropped (a busy host, a USB hiccup) do not shorten the walk; frame count / fps where
    the timestamps do not run forward (a source without a clock)."""
    t = np.asarray(timestamps_s, float) - (timestamps_s[0] if timestamps_s else 0.0)
    if len(t) > 1 and np.all(np.diff(t) > 0):
        return t
    return np.arange(len(t)) / fps


def require_steps(result: GaitResult) -> None:
    short = [s for s, tr in result.feet.items() if len(tr.heel_strikes) < MIN_STEPS]
    if short:
        raise TooFewSteps(
            "the walk is shorter than two strides: please walk a little longer "
            f"({', '.join(short)} foot: {min(len(result.feet[s].heel_strikes) for s in short)}"
            " heel strikes)"
        )
