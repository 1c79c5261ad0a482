"""Fusion weights: how far geometry and the models are off, measured on calibration scenes.

The calibration scenes are simulator seeds of their own (neither training nor kiosk eval's
held-out seeds); the standing ones come from both scene families, as the estimator's
training data do. Geometry's median error per figure is its bias where clearly not zero
(the arch's parabola through the dorsum's noisy top reads ~1 mm high), and its spread the
RMS of what is left; each model's median error there is its bias (taken off its estimates:
a model that reads every foot 2 mm wide should not pull the fused figure 1 mm wide), and
its own standard deviations are rescaled so that its de-biased, normalised errors have unit
RMS. Each figure then comes from whichever of geometry, the model or the two fused erred
least there (`use`). All go into the model card's
`fusion` entry, which the kiosk reads at load time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.errors import KioskError
from kiosk.progress import progress
from kiosk.sim.mesh_gait import random_mesh_walker
from kiosk.sim.mesh_scenes import random_mesh_shopper
from kiosk.sim.record import mesh_gait_frames, mesh_standing_frames
from kiosk.sim.scenes import (
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.train.data import GAIT_SEED_OFFSET
from kiosk.vision.estimators import FOOT_OUTPUTS
from kiosk.vision.gait import analyze_gait_frames
from kiosk.vision.learned import LearnedModels, standing_with_models
from kiosk.vision.models import card_path, file_sha256
from kiosk.vision.standing import analyze_standing_frames

log = logging.getLogger(__name__)

SOURCES = ("geometry", "model", "fused")  # a figure's source, simplest first
CALIBRATION_SEED0 = 20_000  # kiosk eval uses 10 000 + (standing) and 60 000 + (gait)
# the mesh family's calibration shoppers: neither its training (500 000+, 600 000+) nor
# kiosk eval --split independent (900 000+)
MESH_CALIBRATION_SEED0 = 700_000  # walks, as everywhere: the standing seeds + GAIT_SEED_OFFSET
STANDING_FRAMES = 15


def _rms(x: list[float]) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x else float("nan")


def _standing_captures(n_analytic: int, n_mesh: int):
    """(scene truth, frames) of the calibration shoppers: the analytic family's
    seeds from CALIBRATION_SEED0, then the mesh family's (real ANSUR II feet and FIND
    shapes) from MESH_CALIBRATION_SEED0."""
    for s in progress(range(CALIBRATION_SEED0, CALIBRATION_SEED0 + n_analytic),
                      desc="fusion: standing scenes (analytic)", unit="scene"):
        scene = standing_scene(random_profile(s, "standing"))
        _, fr = render_standing_frames(scene, STANDING_FRAMES, np.random.default_rng(s))
        intr = scene.camera.intrinsics
        yield scene.truth, [Frame(i, i / 15, intr, d, c) for i, (d, c) in enumerate(fr)]
    for s in progress(range(MESH_CALIBRATION_SEED0, MESH_CALIBRATION_SEED0 + n_mesh),
                      desc="fusion: standing scenes (mesh)", unit="scene"):
        p = random_mesh_shopper(s)
        scene, fr = mesh_standing_frames(p, STANDING_FRAMES)
        intr = scene.camera.intrinsics
        yield scene.truth, [Frame(i, i / p.fps, intr, d, c if p.color else None)
                            for i, (d, c) in enumerate(fr)]


def calibrate_standing(models_dir: Path, n: int, n_mesh: int = 0) -> dict:
    """The foot estimator's fusion entry from `n` analytic and `n_mesh` mesh-family
    calibration shoppers (a bias measured on one family alone is that family's)."""
    models = LearnedModels.load(models_dir)
    models.model_sigma_scale, models.model_bias = {}, {}  # raw, not a past calibration
    geo = {k: [] for k in FOOT_OUTPUTS}
    pairs = {k: [] for k in FOOT_OUTPUTS}  # (geometry error, model error, model sigma)
    for truth, frames in _standing_captures(n, n_mesh):
        try:
            res = analyze_standing_frames(frames, check_heels=False)
        except KioskError:
            continue
        out = standing_with_models(res, frames[len(frames) // 2].color, frames[0].intrinsics,
                                   models)
        for side, f in out["feet"].items():
            t = truth["feet"][side]
            for k in FOOT_OUTPUTS:
                geo[k].append(f["geometry"][k] - t[k])
                if f["model"] is not None:
                    pairs[k].append((geo[k][-1], f["model"][k] - t[k],
                                     f["sigma"][k]["model"]))
    a0, m0 = CALIBRATION_SEED0, MESH_CALIBRATION_SEED0
    seeds = [f"standing {a0}-{a0 + n - 1}"] * bool(n) \
        + [f"mesh {m0}-{m0 + n_mesh - 1}"] * bool(n_mesh)
    return _fusion_entry(geo, pairs, ", ".join(seeds))


def _fusion_entry(geo: dict, pairs: dict, seeds: str) -> dict:
    """Geometry's spread, the model's bias and sigma scale, and whether to fuse, per figure
    (`pairs`: (geometry error, model error, model sigma) where both measured)."""
    out: dict = {"geometry_sigma": {}, "geometry_bias": {}, "model_bias": {},
                 "model_sigma_scale": {}, "use": {}, "calibration_seeds": seeds}
    for k in geo:
        gb = _geometry_bias(np.array(geo[k], float))
        out["geometry_bias"][k] = round(gb, 4)
        out["geometry_sigma"][k] = round(_rms(list(np.array(geo[k]) - gb)), 4)
        if not pairs[k]:
            out["model_bias"][k], out["model_sigma_scale"][k], out["use"][k] = 0.0, 1.0, "geometry"
            continue
        g, m, s = (np.array(v) for v in zip(*pairs[k], strict=True))
        g = g - gb
        bias = float(np.median(m))
        scale = max(_rms(list((m - bias) / s)), 0.5)
        out["model_bias"][k] = round(bias, 4)
        out["model_sigma_scale"][k] = round(scale, 4)
        out["use"][k] = _best_source(g, m - bias, s * scale, out["geometry_sigma"][k])
    return out


def _geometry_bias(g: np.ndarray) -> float:
    """Geometry's median error where it is clearly not zero (beyond two standard errors of
    a median, 1.25 sigma / sqrt(n)); else 0: noise is not a bias to correct."""
    if len(g) < 8:
        return 0.0
    b = float(np.median(g))
    se = 1.2533 * 1.4826 * float(np.median(np.abs(g - b))) / np.sqrt(len(g))
    return b if abs(b) > 2 * se else 0.0


def _best_source(g: np.ndarray, m: np.ndarray, sigma: np.ndarray,
                 geometry_sigma: float) -> str:
    """Which of de-biased geometry, the de-biased model or the two fused had the smallest
    mean absolute error on the calibration scenes (ties go to the simpler one): a model
    precise enough that geometry's heavy tails only pull it off is used alone."""
    wm, wg = 1 / sigma**2, 1 / geometry_sigma**2
    fused = (wm * m + wg * g) / (wm + wg)
    errors = {"geometry": np.mean(np.abs(g)), "model": np.mean(np.abs(m)),
              "fused": np.mean(np.abs(fused))}
    return min(SOURCES, key=lambda k: errors[k])


def _walks(n_analytic: int, n_mesh: int, duration_s: float):
    """(frames, per-frame truth, fps) of the calibration walks: the analytic family's from
    CALIBRATION_SEED0 + 50 000, then the mesh family's (MakeHuman legs in shoes, any D4xx
    mode) from MESH_CALIBRATION_SEED0 + 50 000."""
    seed0 = CALIBRATION_SEED0 + GAIT_SEED_OFFSET
    for s in progress(range(seed0, seed0 + n_analytic), desc="fusion: treadmill walks",
                      unit="walk"):
        scene = gait_scene(random_profile(s, "gait"), duration_s=duration_s)
        rng = np.random.default_rng(s)
        frames, truth = [], []
        for i in range(scene.n_frames):
            _, d, c, tr = render_gait_frame(scene, i, rng)
            frames.append(Frame(i, i / scene.fps, scene.camera.intrinsics, d, c))
            truth.append(tr)
        yield frames, truth, scene.fps
    seed0 = MESH_CALIBRATION_SEED0 + GAIT_SEED_OFFSET
    for s in progress(range(seed0, seed0 + n_mesh), desc="fusion: treadmill walks (mesh)",
                      unit="walk"):
        p = random_mesh_walker(s)
        scene, fr, truth = mesh_gait_frames(p, duration_s)
        intr = scene.camera.intrinsics
        yield ([Frame(i, i / p.fps, intr, d, c if p.color else None)
                for i, (d, c) in enumerate(fr)], truth, p.fps)


def calibrate_gait(models_dir: Path, n: int, duration_s: float = 4.0, n_mesh: int = 0) -> dict:
    """The rearfoot model's fusion entry from `n` analytic and `n_mesh` mesh-family
    calibration walks, over their stance frames."""
    models = LearnedModels.load(models_dir)
    models.model_sigma_scale, models.model_bias = {}, {}  # raw, not a past calibration
    geo, pairs = [], []
    for frames, truth, fps in _walks(n, n_mesh, duration_s):
        try:
            # the kiosk's own path: each foot's heel window through the models
            res = analyze_gait_frames(frames, fps=fps, models=models)
        except KioskError:
            continue
        for k in range(len(frames)):
            for side in ("left", "right"):
                if not truth[k][side]["contact"]:
                    continue  # peaks are taken in stance: calibrate there
                t = truth[k][side]["rearfoot_deg"]
                tr = res.feet[side]
                g, m, sd = tr.geometry_angle_deg[k], tr.model_angle_deg[k], tr.model_sigma_deg[k]
                if np.isfinite(g):
                    geo.append(g - t)
                if np.isfinite(m) and np.isfinite(g):
                    pairs.append((g - t, m - t, sd))
    a0, m0 = CALIBRATION_SEED0 + GAIT_SEED_OFFSET, MESH_CALIBRATION_SEED0 + GAIT_SEED_OFFSET
    seeds = [f"gait {a0}-{a0 + n - 1}"] * bool(n) \
        + [f"mesh {m0}-{m0 + n_mesh - 1}"] * bool(n_mesh)
    return _fusion_entry({"rearfoot_deg": geo}, {"rearfoot_deg": pairs},
                         f"{', '.join(seeds)}, {duration_s} s, stance frames")


def write_fusion(model_path: Path, fusion: dict) -> None:
    """Add the fusion entry to a card (the model file, and so its sha256, are unchanged)."""
    path = card_path(model_path)
    card = json.loads(path.read_text())
    assert card["sha256"] == file_sha256(model_path)
    card["fusion"] = fusion
    path.write_text(json.dumps(card, indent=1) + "\n")
    md = model_path.with_suffix(".md")
    if md.exists():
        md.write_text(md.read_text().split("## fusion")[0].rstrip() + "\n\n## fusion\n\n```\n"
                      + json.dumps(fusion, indent=1) + "\n```\n")
