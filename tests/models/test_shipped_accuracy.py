"""The shipped models still do their job on freshly seeded scenes (seeds no run has used).

A small set, so the bounds carry a margin over the issue's targets (docs/ACCURACY.md has
the full held-out and out-of-distribution figures from `kiosk eval`).
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.capture.frame import Frame
from kiosk.sim.scenes import (
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)

FRESH_SEED = 990_000
# Bounds: the targets where the shipped models meet them on `kiosk eval`, otherwise
# the measured held-out figure plus a margin for a 3-scene set (docs/ACCURACY.md).
MIN_STANDING_IOU = 0.95  # the target (held-out: feet 0.98, shanks 0.99)
# treadmill, model resolution, belt frame, mirror-averaged: shanks meet the 0.95 target
# (0.98 held-out), shoes are at it (0.95 held-out, 0.95-0.96 on this set): the bound keeps
# them from sliding back, with a margin for two short walks
MIN_GAIT_IOU = {"left_shoe": 0.92, "right_shoe": 0.92, "left_shank": 0.95,
                "right_shank": 0.95}
STANDING_MAE_MM = np.array([1.5, 2.0, 1.5])  # length, width, arch height (fused)
NO_WORSE_THAN_GEOMETRY_MM = 0.5  # fused vs geometry alone, per figure, 6 feet
REARFOOT_FRAME_MAE_DEG = 4.0  # per stance frame, model alone: 2.4 measured (peaks: ACCURACY.md)


@pytest.fixture(scope="module")
def models():
    from kiosk.vision.learned import LearnedModels

    return LearnedModels.load()


def _iou(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray, k: int) -> float:
    p, t = pred[valid] == k, truth[valid] == k
    return float((p & t).sum() / max((p | t).sum(), 1))


@pytest.mark.slow
def test_standing_models_on_fresh_scenes(models):
    from kiosk.vision.learned import standing_with_models
    from kiosk.vision.standing import analyze_standing_frames

    errs = {"geometry": [], "fused": []}
    ious = []
    for s in range(FRESH_SEED, FRESH_SEED + 3):
        scene = standing_scene(random_profile(s, "standing"))
        clean, fr = render_standing_frames(scene, 8, np.random.default_rng(s))
        intr = scene.camera.intrinsics
        res = analyze_standing_frames([Frame(i, i / 15, intr, d, c)
                                       for i, (d, c) in enumerate(fr)], check_heels=False)
        out = standing_with_models(res, fr[4][1], intr, models)
        seg = out["segmentation"]
        labels = seg.full_frame(clean.cls.shape)  # the window's labels placed in the frame
        ious.append([_iou(labels, clean.cls, res.fused_depth > 0, k) for k in range(1, 5)])
        for side, f in out["feet"].items():
            t = scene.truth["feet"][side]
            assert f["model"] is not None, f"seed {s} {side}: no model estimate"
            for method in errs:
                errs[method].append([f[method][k] - t[k]
                                     for k in ("length_mm", "width_mm", "arch_height_mm")])
    iou = np.mean(ious, axis=0)
    assert iou.min() >= MIN_STANDING_IOU, iou
    mae = {m: np.abs(np.array(e)).mean(axis=0) for m, e in errs.items()}
    assert (mae["fused"] <= STANDING_MAE_MM).all(), mae
    assert (mae["fused"] <= mae["geometry"] + NO_WORSE_THAN_GEOMETRY_MM).all(), mae


@pytest.mark.slow
def test_treadmill_models_on_fresh_frames(models):
    from kiosk.train.data import belt_frame_from_camera, floor_from_camera
    from kiosk.vision.learned import rearfoot_frame

    errs = []
    inter, union = np.zeros(5), np.zeros(5)
    for s in range(FRESH_SEED, FRESH_SEED + 2):
        scene = gait_scene(random_profile(s, "gait"), duration_s=2.0)
        rng = np.random.default_rng(s)
        floor = floor_from_camera(scene.camera)
        belt = belt_frame_from_camera(scene.camera)
        for k in range(0, scene.n_frames, 4):
            out, d, c, truth = render_gait_frame(scene, k, rng)
            est, t = rearfoot_frame(Frame(k, k / 30, scene.camera.intrinsics, d, c), floor,
                                    models, belt)
            seg = t["seg"]
            o = seg.stride // 2
            valid = d[o::seg.stride, o::seg.stride] > 0
            cls = out.cls[o::seg.stride, o::seg.stride]
            for j in range(5):
                p, q = seg.labels[valid] == j, cls[valid] == j
                inter[j] += (p & q).sum()
                union[j] += (p | q).sum()
            for side in ("left", "right"):
                if truth[side]["contact"] and est[side] is not None:
                    errs.append(est[side].value - truth[side]["rearfoot_deg"])
    assert len(errs) >= 8
    assert np.mean(np.abs(errs)) <= REARFOOT_FRAME_MAE_DEG, errs
    iou = dict(zip(models.gait_seg.classes, inter / np.maximum(union, 1), strict=True))
    assert all(iou[k] >= v for k, v in MIN_GAIT_IOU.items()), iou
