"""Learned estimators that refine geometry, with their rasters and the fusion rule.

- Foot estimator (standing): the foot's height map in the heel stop's frame (2.5 mm cells,
  s from the stop's face toward the toes, t across, mirrored so the lateral side is +t)
  -> foot length, width and dorsal arch height, each with a standard deviation.
- Rearfoot estimator (treadmill): the heel counter and lower shank seen in the frontal
  plane of the floor frame (2.5 mm cells, mirrored so the medial side is +x) -> the
  rearfoot angle of that frame, with a standard deviation.
Fusion weighs model and geometry by their inverse variances; the geometry's variance per
figure is measured on held-out scenes and written into the model card's `fusion` entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kiosk.errors import ModelError
from kiosk.vision.models import OnnxModel, load_model

FOOT_MODEL = "foot_arch"
REARFOOT_MODEL = "rearfoot"
CELL_M = 0.0025
FOOT_GRID = (144, 64)  # s: 0..0.36 m from the stop, t: ±0.08 m
FOOT_MAX_Z_M = 0.14
FOOT_CHANNELS = ("max_height_m*10", "foot_occupancy", "density")
FOOT_OUTPUTS = ("length_mm", "width_mm", "arch_height_mm")
FOOT_NORM = {"length_mm": (260.0, 20.0), "width_mm": (100.0, 8.0),
             "arch_height_mm": (60.0, 10.0)}
REAR_GRID = (96, 64)  # z: 0..0.24 m above the heel's lowest point, x: ±0.08 m
REAR_CHANNELS = ("counter_occupancy", "shank_occupancy", "counter_depth")
REAR_COUNTER_DEPTH_M = 0.035
REAR_NORM = (5.0, 10.0)  # degrees: (value - mean) / scale


def _rasterise(i: np.ndarray, j: np.ndarray, shape: tuple, values: np.ndarray | None,
               reduce: str) -> np.ndarray:
    H, W = shape
    ok = (i >= 0) & (i < H) & (j >= 0) & (j < W)
    flat = i[ok] * W + j[ok]
    out = np.zeros(H * W, np.float32)
    if reduce == "count":
        out += np.bincount(flat, minlength=H * W).astype(np.float32)
    elif reduce == "max":
        np.maximum.at(out, flat, values[ok].astype(np.float32))
    else:  # mean
        s = np.bincount(flat, weights=values[ok], minlength=H * W)
        c = np.bincount(flat, minlength=H * W)
        out = (s / np.maximum(c, 1)).astype(np.float32)
    return out.reshape(H, W)


def foot_raster(P: np.ndarray, is_foot: np.ndarray, stop_normal_xy, stop_point_xy,
                side: str) -> np.ndarray:
    """(3, 144, 64) height map of one foot (+ lower leg) from its floor-frame points."""
    n = np.asarray(stop_normal_xy, float)
    b = np.array([-n[1], n[0]])
    rel = P[:, :2] - np.asarray(stop_point_xy, float)
    s, t = rel @ n, rel @ b
    z = P[:, 2]
    foot = is_foot & (z < FOOT_MAX_Z_M)
    if foot.sum() < 50:
        raise ModelError("foot estimator: too few foot points")
    t0 = float(np.median(t[foot]))
    t = t - t0
    if side == "right":  # the standing camera faces the shopper: right foot mirrored
        t = -t
    low = z < FOOT_MAX_Z_M
    i = np.floor(s / CELL_M).astype(np.int64)
    j = np.floor((t + FOOT_GRID[1] * CELL_M / 2) / CELL_M).astype(np.int64)
    out = np.zeros((3, *FOOT_GRID), np.float32)
    out[0] = _rasterise(i[low], j[low], FOOT_GRID, np.clip(z[low], 0, None) * 10, "max")
    out[1] = _rasterise(i[foot], j[foot], FOOT_GRID, None, "count") > 0
    out[2] = np.minimum(_rasterise(i[low], j[low], FOOT_GRID, None, "count") / 4.0, 1.0)
    return out


def rear_raster(P_shoe: np.ndarray, P_shank: np.ndarray, side: str) -> np.ndarray | None:
    """(3, 96, 64) frontal-plane view of the heel counter and lower shank (None if unseen)."""
    if len(P_shoe) < 40 or len(P_shank) < 40:
        return None
    sign = 1.0 if side == "left" else -1.0  # medial = +x after mirroring (left is at -x)
    y_rear = np.percentile(P_shoe[:, 1], 1)
    z0 = np.percentile(P_shoe[:, 2], 1)
    counter = P_shoe[P_shoe[:, 1] < y_rear + REAR_COUNTER_DEPTH_M]
    if len(counter) < 20:
        return None
    x0 = float(np.median(counter[:, 0]))

    def ij(pts):
        i = np.floor((pts[:, 2] - z0) / CELL_M).astype(np.int64)
        j = np.floor(((pts[:, 0] - x0) * sign + REAR_GRID[1] * CELL_M / 2) / CELL_M)
        return i, j.astype(np.int64)

    out = np.zeros((3, *REAR_GRID), np.float32)
    i, j = ij(counter)
    out[0] = _rasterise(i, j, REAR_GRID, None, "count") > 0
    out[2] = _rasterise(i, j, REAR_GRID, (counter[:, 1] - y_rear) * 20, "mean")
    i, j = ij(P_shank)
    out[1] = _rasterise(i, j, REAR_GRID, None, "count") > 0
    return out


@dataclass
class Estimate:
    value: float
    sigma: float  # one standard deviation, same unit


class _Regressor:
    def __init__(self, model: OnnxModel, task: str, grid: tuple, channels: tuple) -> None:
        c = model.contract
        if c.task != task or tuple(c.input_shape) != (len(channels), *grid):
            raise ModelError(f"{model.path}: not a {task} model for this kiosk's rasters")
        self.model = model
        self.last_ms = 0.0

    def _run(self, rasters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = time.perf_counter()
        out = self.model.run(rasters.astype(np.float32))
        self.last_ms = (time.perf_counter() - t) * 1e3
        return out["mean"], out["log_var"]


class FootEstimator(_Regressor):
    def __init__(self, model: OnnxModel) -> None:
        super().__init__(model, "foot_estimator", FOOT_GRID, FOOT_CHANNELS)

    @classmethod
    def load(cls, models_dir=None, threads: int = 1) -> FootEstimator:
        return cls(load_model(FOOT_MODEL, models_dir, threads=threads, task="foot_estimator"))

    def __call__(self, rasters: np.ndarray) -> list[dict[str, Estimate]]:
        mean, log_var = self._run(rasters)
        out = []
        for m, lv in zip(mean, log_var, strict=True):
            est = {}
            for k, name in enumerate(FOOT_OUTPUTS):
                mu, sc = FOOT_NORM[name]
                est[name] = Estimate(float(mu + sc * m[k]), float(sc * np.exp(0.5 * lv[k])))
            out.append(est)
        return out


class RearfootEstimator(_Regressor):
    def __init__(self, model: OnnxModel) -> None:
        super().__init__(model, "rearfoot_estimator", REAR_GRID, REAR_CHANNELS)

    @classmethod
    def load(cls, models_dir=None, threads: int = 1) -> RearfootEstimator:
        return cls(load_model(REARFOOT_MODEL, models_dir, threads=threads,
                              task="rearfoot_estimator"))

    def __call__(self, rasters: np.ndarray) -> list[Estimate]:
        mean, log_var = self._run(rasters)
        mu, sc = REAR_NORM
        return [Estimate(float(mu + sc * m[0]), float(sc * np.exp(0.5 * lv[0])))
                for m, lv in zip(mean, log_var, strict=True)]


def fuse(model: Estimate | None, geometry: float | None, geometry_sigma: float) -> Estimate | None:
    """Inverse-variance weighted mean of a model estimate and a geometric measurement."""
    if geometry is None or not np.isfinite(geometry):
        return model
    if model is None or not np.isfinite(model.value):
        return Estimate(float(geometry), geometry_sigma)
    wm, wg = 1.0 / model.sigma**2, 1.0 / geometry_sigma**2
    value = (wm * model.value + wg * geometry) / (wm + wg)
    return Estimate(float(value), float((wm + wg) ** -0.5))
