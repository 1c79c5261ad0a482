"""Model-based measurements next to the geometric ones, and their fusion.

Standing: the standing segmentation runs once on the capture's fused depth; each foot's
segmented points become a height map in the heel stop's frame for the foot estimator;
length, width and arch height are fused with geometry by inverse variance. Treadmill: per
frame, the treadmill segmentation finds each shoe and shank, the rearfoot estimator gives
that frame's angle, and per-frame angles are fused with geometry's before the peak of each
stance (stance windows come from the geometric heel strikes and toe-offs).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from kiosk.capture.frame import Frame, Intrinsics
from kiosk.errors import ModelError
from kiosk.measures import arch_height_index
from kiosk.vision.estimators import (
    FOOT_OUTPUTS,
    Estimate,
    FootEstimator,
    RearfootEstimator,
    foot_raster,
    fuse,
    rear_raster,
)
from kiosk.vision.floor import FloorPlane
from kiosk.vision.gait import stance_peaks
from kiosk.vision.models import default_models_dir
from kiosk.vision.segmentation import (
    GAIT_MIRROR_AVERAGE,
    GAIT_MODEL,
    STANDING_MODEL,
    Segmentation,
    Segmenter,
    floor_points,
    strided_rays,
)

log = logging.getLogger(__name__)

# Used when a card carries no measured geometry spread (one SD, from docs/ACCURACY.md).
DEFAULT_GEOMETRY_SIGMA = {"length_mm": 1.5, "width_mm": 2.5, "arch_height_mm": 1.8,
                          "rearfoot_deg": 4.0}


@dataclass
class LearnedModels:
    standing_seg: Segmenter
    gait_seg: Segmenter
    foot: FootEstimator
    rearfoot: RearfootEstimator
    geometry_sigma: dict = field(default_factory=lambda: dict(DEFAULT_GEOMETRY_SIGMA))
    model_sigma_scale: dict = field(default_factory=dict)  # calibrated on held-out scenes
    use: dict = field(default_factory=dict)  # figure -> geometry | model | fused (default)
    model_bias: dict = field(default_factory=dict)  # figure -> median error on calibration
    geometry_bias: dict = field(default_factory=dict)  # the same for geometry

    @classmethod
    def load(cls, models_dir=None, threads: int = 1) -> LearnedModels:
        d = models_dir or default_models_dir()
        foot = FootEstimator.load(d, threads)
        rear = RearfootEstimator.load(d, threads)
        sigma, scale, use, bias, gbias = dict(DEFAULT_GEOMETRY_SIGMA), {}, {}, {}, {}
        for m in (foot.model, rear.model):
            fusion = m.card.get("fusion", {})
            sigma.update(fusion.get("geometry_sigma", {}))
            scale.update(fusion.get("model_sigma_scale", {}))
            use.update(fusion.get("use", {}))
            bias.update(fusion.get("model_bias", {}))
            gbias.update(fusion.get("geometry_bias", {}))
        return cls(Segmenter.load(STANDING_MODEL, d, threads),
                   Segmenter.load(GAIT_MODEL, d, threads, mirror_average=GAIT_MIRROR_AVERAGE),
                   foot, rear, sigma, scale, use, bias, gbias)

    def versions(self) -> dict:
        """Model name -> the first 12 hex digits of its file's sha256 (for reports)."""
        out = {}
        for m in (self.standing_seg.model, self.gait_seg.model, self.foot.model,
                  self.rearfoot.model):
            out[m.path.stem] = str(m.card.get("sha256", ""))[:12]
        return out

    def fuse(self, name: str, est: Estimate | None, geometry: float | None) -> Estimate | None:
        """The figure from the source calibration chose (`use`): model and geometry fused,
        geometry's calibrated bias taken off, or either alone (each falls back on the other
        where it has no value)."""
        source = self.use.get(name, "fused")
        if source == "geometry" and geometry is not None:
            est = None
        elif source == "model" and est is not None and np.isfinite(est.value):
            geometry = None
        if geometry is not None:
            geometry -= self.geometry_bias.get(name, 0.0)
        return fuse(est, geometry, self.geometry_sigma[name])

    def fused_series(self, estimates: list[Estimate | None], geometry: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame rearfoot angles: the model's, and model and geometry fused."""
        model = np.array([np.nan if e is None else e.value for e in estimates])
        fused = np.array([_fused_value(self, e, g) for e, g in zip(estimates, geometry,
                                                                   strict=True)])
        return model, fused

    def rearfoot_windows(self, frame: Frame, windows: dict[str, tuple[slice, slice]],
                         floor: FloorPlane, belt_frame: FloorPlane | None = None
                         ) -> dict[str, Estimate | None]:
        """The treadmill analysis's per-frame hook (`kiosk.vision.gait` calls it through the
        models it is given, so gait never imports this module): see `rearfoot_windows`."""
        return rearfoot_windows(frame, windows, floor, self, belt_frame)

    def calibrated(self, name: str, est: Estimate | None) -> Estimate | None:
        if est is None:
            return None
        return Estimate(est.value - self.model_bias.get(name, 0.0),
                        est.sigma * self.model_sigma_scale.get(name, 1.0))


@functools.lru_cache(maxsize=1)
def kiosk_models() -> LearnedModels:
    """The shipped models, loaded once per process (ModelError names a bad file)."""
    return LearnedModels.load()


def _figures(length: float, width: float, arch: float) -> dict:
    return {"length_mm": length, "width_mm": width, "arch_height_mm": arch,
            "arch_height_index": arch_height_index(arch, length)}


def standing_with_models(result, color: np.ndarray | None, intr: Intrinsics,
                         models: LearnedModels, seg: Segmentation | None = None) -> dict:
    """Geometry, model and fused figures per foot from a geometric StandingResult
    (`seg`: the standing segmentation of its fused depth, when already made)."""
    t0 = time.perf_counter()
    if seg is None:
        seg = models.standing_seg(result.fused_depth, color, intr, result.floor, result.window)
    window = result.window
    depth = result.fused_depth[window]
    P = floor_points(depth, strided_rays(intr, 1)[window], result.floor)
    valid = depth > 0
    rasters, sides = [], []
    labels = seg.full_frame(result.fused_depth.shape)[window]  # a stride-1 model's labels
    for side in ("left", "right"):
        foot = (labels == seg.classes.index(f"{side}_foot")) & valid
        leg = (foot | (labels == seg.classes.index(f"{side}_shank"))) & valid
        try:
            rasters.append(foot_raster(P[leg], foot[leg], result.stop["normal_xy"],
                                       result.stop["point_xy"], side))
            sides.append(side)
        except ModelError as e:
            log.info("%s foot: no model estimate (%s)", side, e)
    t1 = time.perf_counter()
    estimates = {}
    if rasters:
        for side, est in zip(sides, models.foot(np.stack(rasters)), strict=True):
            estimates[side] = {k: models.calibrated(k, e) for k, e in est.items()}
    t2 = time.perf_counter()
    feet = {}
    for side, m in result.feet.items():
        geo = _figures(m.length_mm, m.width_mm, m.arch_height_mm)
        est = estimates.get(side)
        out = {"geometry": geo, "model": None, "fused": dict(geo), "sigma": {}}
        if est is not None:
            out["model"] = _figures(*(est[k].value for k in FOOT_OUTPUTS))
            fused = {k: models.fuse(k, est[k], geo[k]) for k in FOOT_OUTPUTS}
            out["fused"] = _figures(*(fused[k].value for k in FOOT_OUTPUTS))
            out["sigma"] = {k: {"model": est[k].sigma, "fused": fused[k].sigma}
                            for k in FOOT_OUTPUTS}
        feet[side] = out
    return {"feet": feet, "segmentation": seg,
            "timings_ms": {"segmentation": (t1 - t0) * 1e3, "estimator": (t2 - t1) * 1e3}}


def _side_points(seg: Segmentation, depth: np.ndarray, intr: Intrinsics, floor: FloorPlane,
                 cls_id: int) -> np.ndarray:
    """Full-resolution floor points of one class (labels are upsampled inside its box)."""
    m = seg.labels == cls_id
    if m.sum() < 10:
        return np.zeros((0, 3), np.float32)
    s = seg.stride
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    r0, r1 = seg.origin[0] + rows[0] * s, seg.origin[0] + (rows[-1] + 1) * s
    c0, c1 = seg.origin[1] + cols[0] * s, seg.origin[1] + (cols[-1] + 1) * s
    sub = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    full = np.repeat(np.repeat(sub, s, 0), s, 1)
    d = depth[r0:r1, c0:c1]
    full = full[: d.shape[0], : d.shape[1]] & (d > 0)
    rays = strided_rays(intr, 1)[r0:r1, c0:c1]
    return floor_points(d, rays, floor)[full]


def _rear_estimates(frame: Frame, segs: dict[str, Segmentation], floor: FloorPlane,
                    models: LearnedModels) -> dict[str, Estimate | None]:
    """Each foot's rearfoot angle from its segmentation: both feet's rasters, one run."""
    rasters, sides = [], []
    for side, seg in segs.items():
        shoe_c, shank_c = (1, 3) if side == "left" else (2, 4)
        r = rear_raster(_side_points(seg, frame.depth_m, frame.intrinsics, floor, shoe_c),
                        _side_points(seg, frame.depth_m, frame.intrinsics, floor, shank_c),
                        side)
        if r is not None:
            rasters.append(r)
            sides.append(side)
    out: dict[str, Estimate | None] = {"left": None, "right": None}
    if rasters:
        out.update((side, models.calibrated("rearfoot_deg", e))
                   for side, e in zip(sides, models.rearfoot(np.stack(rasters)), strict=True))
    return out


def rearfoot_frame(frame: Frame, floor: FloorPlane, models: LearnedModels,
                   belt_frame: FloorPlane | None = None
                   ) -> tuple[dict[str, Estimate | None], dict]:
    """The model's rearfoot angle of each foot in one whole treadmill frame; the
    segmentation reads lateral positions in `belt_frame` (x = 0 on the belt's centre line,
    GaitResult.belt_frame), the estimator its rasters in `floor`."""
    t0 = time.perf_counter()
    seg = models.gait_seg(frame.depth_m, frame.color, frame.intrinsics, belt_frame or floor)
    t1 = time.perf_counter()
    out = _rear_estimates(frame, {"left": seg, "right": seg}, floor, models)
    t2 = time.perf_counter()
    return out, {"segmentation": (t1 - t0) * 1e3, "estimator": (t2 - t1) * 1e3,
                 "total": (t2 - t0) * 1e3, "seg": seg}


def rearfoot_windows(frame: Frame, windows: dict[str, tuple[slice, slice]],
                     floor: FloorPlane, models: LearnedModels,
                     belt_frame: FloorPlane | None = None) -> dict[str, Estimate | None]:
    """Per-frame hook of the treadmill analysis: each foot's heel window (found by the
    geometry) segmented on its own, both feet's rasters through the estimator at once.
    A model made for whole frames segments the frame once instead. `belt_frame` as in
    rearfoot_frame."""
    if not windows:
        return {"left": None, "right": None}
    seg = models.gait_seg
    seg_floor = belt_frame or floor
    if seg.windowed:
        segs = {side: seg(frame.depth_m, frame.color, frame.intrinsics, seg_floor, w)
                for side, w in windows.items()}
    else:
        whole = seg(frame.depth_m, frame.color, frame.intrinsics, seg_floor)
        segs = dict.fromkeys(windows, whole)
    return _rear_estimates(frame, segs, floor, models)


def gait_figures(result) -> dict:
    """Per foot: peak eversion from geometry's, the model's and the fused per-frame angles
    (a GaitResult analysed with the models), all over the same stances (strike to heel-off)."""
    feet = {}
    for side, tr in result.feet.items():
        series = {"geometry": tr.geometry_angle_deg, "model": tr.model_angle_deg,
                  "fused": tr.angle_deg}
        out = {}
        for name, angles in series.items():
            peaks = [] if angles is None else stance_peaks(angles, tr.heel_strikes, tr.heel_offs)
            out[name] = float(np.mean(peaks)) if peaks else None
        feet[side] = out
    return feet


def _fused_value(models: LearnedModels, est: Estimate | None, geometry: float) -> float:
    f = models.fuse("rearfoot_deg", est, geometry if np.isfinite(geometry) else None)
    return np.nan if f is None else f.value
