"""`kiosk eval`: accuracy of the measuring core on seeded simulated scenes, as tables.

Scenes are rendered in process (the same frames a recording would hold) from seeds that
training never uses; the `ood` split widens every profile range (camera poses at and
beyond the station limits, extreme feet, other colours and noise).
"""

from __future__ import annotations

import logging

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.errors import KioskError
from kiosk.sim.scenes import (
    gait_scene,
    gait_truth,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.vision.gait import analyze_gait_frames
from kiosk.vision.standing import analyze_standing_frames

log = logging.getLogger(__name__)
STANDING_FRAMES = 15


def _spread(split: str) -> float:
    return 1.0 if split == "held_out" else 1.4


def eval_standing(n: int, seed: int, split: str) -> dict:
    errs = {"length_mm": [], "width_mm": [], "arch_height_mm": [], "arch_height_index": []}
    failures = []
    for k in range(n):
        s = seed + k
        p = random_profile(s, "standing", spread=_spread(split))
        scene = standing_scene(p)
        _, fr = render_standing_frames(scene, STANDING_FRAMES, np.random.default_rng(s))
        frames = [Frame(i, i / 15, scene.camera.intrinsics, d, c) for i, (d, c) in enumerate(fr)]
        try:
            res = analyze_standing_frames(frames, check_heels=False)
        except KioskError as e:
            failures.append({"seed": s, "error": str(e)})
            continue
        for side, m in res.feet.items():
            t = scene.truth["feet"][side]
            errs["length_mm"].append(m.length_mm - t["length_mm"])
            errs["width_mm"].append(m.width_mm - t["width_mm"])
            errs["arch_height_mm"].append(m.arch_height_mm - t["arch_height_mm"])
            errs["arch_height_index"].append(m.arch_height_index - t["arch_height_index"])
    return {"scenes": n, "failures": failures, "errors": errs}


def eval_gait(n: int, seed: int, split: str, duration_s: float) -> dict:
    peak_err, step_ok, cad_err, failures = [], [], [], []
    for k in range(n):
        s = seed + k
        p = random_profile(s, "gait", spread=_spread(split))
        scene = gait_scene(p, duration_s=duration_s)
        rng = np.random.default_rng(s)
        frames, per = [], []
        for i in range(scene.n_frames):
            _, d, c, tr = render_gait_frame(scene, i, rng)
            frames.append(Frame(i, i / scene.fps, scene.camera.intrinsics, d, c))
            per.append(tr)
        truth = gait_truth(scene, per)
        try:
            res = analyze_gait_frames(frames, fps=scene.fps)
        except KioskError as e:
            failures.append({"seed": s, "error": str(e)})
            continue
        for side, tr in res.feet.items():
            t = truth["feet"][side]
            step_ok.append(abs(len(tr.heel_strikes) - t["steps"]) <= 1)
            if tr.step_peaks_deg and t["peak_eversion_deg"] is not None:
                peak_err.append(float(np.mean(tr.step_peaks_deg)) - t["peak_eversion_deg"])
        if res.cadence_spm:
            cad_err.append(res.cadence_spm - truth["cadence_spm"])
    return {"scenes": n, "failures": failures,
            "errors": {"peak_eversion_deg": peak_err, "cadence_spm": cad_err},
            "steps_within_1": float(np.mean(step_ok)) if step_ok else None}


def evaluate(standing: int = 40, gait: int = 12, seed: int = 10_000, split: str = "held_out",
             gait_duration_s: float = 6.0) -> dict:
    out = {"split": split, "seed": seed}
    if standing:
        out["standing"] = eval_standing(standing, seed, split)
    if gait:
        out["gait"] = eval_gait(gait, seed + 50_000, split, gait_duration_s)
    return out


def _row(name: str, e: list[float]) -> str:
    if not e:
        return f"| {name} | – | – | – | – | 0 |"
    a = np.abs(np.asarray(e))
    return (f"| {name} | {a.mean():.3g} | {np.percentile(a, 95):.3g} | {np.mean(e):+.3g} | "
            f"{a.max():.3g} | {len(a)} |")


def format_tables(results: dict) -> str:
    lines = [f"split: {results['split']}, first seed {results['seed']}", "",
             "| figure (geometry) | MAE | p95 abs | bias | max abs | n |",
             "|---|---|---|---|---|---|"]
    for station in ("standing", "gait"):
        r = results.get(station)
        if not r:
            continue
        for name, e in r["errors"].items():
            lines.append(_row(f"{station}: {name}", e))
    lines.append("")
    for station in ("standing", "gait"):
        r = results.get(station)
        if r:
            lines.append(f"{station}: {r['scenes']} scenes, {len(r['failures'])} failures"
                         + (f", steps within ±1: {r['steps_within_1']:.0%}"
                            if station == "gait" and r.get("steps_within_1") is not None else ""))
            for f in r["failures"][:5]:
                lines.append(f"  seed {f['seed']}: {f['error']}")
    return "\n".join(lines)
