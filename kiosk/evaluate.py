"""`kiosk eval`: accuracy of the measuring core on seeded simulated scenes, as tables.

Scenes are rendered in process (the same frames a recording would hold) from seeds that
training never uses; the `ood` split widens every profile range (camera poses at and
beyond the station limits, extreme feet, other colours and noise). Where the learned
models are present (models/), each figure is reported three ways: geometry only, model
only and fused, with the segmentation's IoU per class and the class agreement.
"""

from __future__ import annotations

import logging

import numpy as np

from kiosk.advice.classes import arch_class, rolling_class
from kiosk.capture.frame import Frame
from kiosk.errors import KioskError, ModelError
from kiosk.progress import progress
from kiosk.sim.scenes import (
    gait_scene,
    gait_truth,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.vision.gait import analyze_gait_frames
from kiosk.vision.learned import LearnedModels, gait_figures, standing_with_models
from kiosk.vision.standing import analyze_standing_frames

log = logging.getLogger(__name__)
STANDING_FRAMES = 15
STANDING_FIGURES = ("length_mm", "width_mm", "arch_height_mm", "arch_height_index")


def load_models(models_dir=None):
    """The learned models, or None (with the reason logged) when they are not there."""
    try:
        return LearnedModels.load(models_dir)
    except ModelError as e:
        log.warning("evaluating geometry only: %s", e)
        return None


def _iou_add(acc: dict, pred: np.ndarray, truth: np.ndarray, valid: np.ndarray,
             classes: tuple) -> None:
    p, t = pred[valid], truth[valid]
    for k, name in enumerate(classes):
        a, b = acc.setdefault(name, [0, 0])
        acc[name] = [a + int(np.sum((p == k) & (t == k))), b + int(np.sum((p == k) | (t == k)))]


def _strided(a: np.ndarray, stride: int) -> np.ndarray:
    o = stride // 2
    return a[o::stride, o::stride]


def _agreement(agree: dict, agree_clear: dict) -> dict:
    """Class agreement per method, over all feet and over the non-borderline ones."""
    def share(d: dict) -> dict:
        return {m: float(np.mean(v)) if v else None for m, v in d.items()}

    return {"class_agreement": share(agree), "class_agreement_clear": share(agree_clear),
            "class_n": {"all": len(agree["fused"]), "clear": len(agree_clear["fused"])}}


def _spread(split: str) -> float:
    return 1.0 if split == "held_out" else 1.4


def eval_standing(n: int, seed: int, split: str, models=None) -> dict:
    errs = {"length_mm": [], "width_mm": [], "arch_height_mm": [], "arch_height_index": []}
    by_method = {m: {k: [] for k in STANDING_FIGURES} for m in ("model", "fused")}
    agree = {"geometry": [], "model": [], "fused": []}
    # feet whose true value is not within the measurement's borderline band of a cut-off
    agree_clear = {"geometry": [], "model": [], "fused": []}
    iou: dict = {}
    failures = []
    for k in progress(range(n), desc="standing scenes", unit="scene"):
        s = seed + k
        p = random_profile(s, "standing", spread=_spread(split))
        scene = standing_scene(p)
        clean, fr = render_standing_frames(scene, STANDING_FRAMES, np.random.default_rng(s))
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
        if models is None:
            continue
        lm = standing_with_models(res, frames[len(frames) // 2].color, scene.camera.intrinsics,
                                  models)
        seg = lm["segmentation"]
        _iou_add(iou, seg.full_frame(clean.cls.shape), _strided(clean.cls, seg.stride),
                 _strided(res.fused_depth, seg.stride) > 0, seg.classes)
        for side, out in lm["feet"].items():
            t = scene.truth["feet"][side]
            truth_cls = arch_class(t["arch_height_index"])
            for method in ("geometry", "model", "fused"):
                fig = out[method]
                if fig is None:
                    continue
                same = arch_class(fig["arch_height_index"])["label"] == truth_cls["label"]
                agree[method].append(same)
                if not truth_cls["borderline"]:
                    agree_clear[method].append(same)
                if method != "geometry":
                    for name in STANDING_FIGURES:
                        by_method[method][name].append(fig[name] - t[name])
    out = {"scenes": n, "failures": failures, "errors": errs}
    if models is not None:
        out.update(model_errors=by_method["model"], fused_errors=by_method["fused"],
                   iou={c: v[0] / max(v[1], 1) for c, v in iou.items()},
                   **_agreement(agree, agree_clear))
    return out


def eval_gait(n: int, seed: int, split: str, duration_s: float, models=None) -> dict:
    peak_err, step_ok, cad_err, failures = [], [], [], []
    by_method: dict = {"model": {"peak_eversion_deg": []}, "fused": {"peak_eversion_deg": []}}
    agree = {"geometry": [], "model": [], "fused": []}
    # feet whose true value is not within the measurement's borderline band of a cut-off
    agree_clear = {"geometry": [], "model": [], "fused": []}
    iou: dict = {}
    frame_ms = []
    for k in progress(range(n), desc="treadmill walks", unit="walk"):
        s = seed + k
        p = random_profile(s, "gait", spread=_spread(split))
        scene = gait_scene(p, duration_s=duration_s)
        rng = np.random.default_rng(s)
        frames, per, masks = [], [], []
        for i in range(scene.n_frames):
            out, d, c, tr = render_gait_frame(scene, i, rng)
            frames.append(Frame(i, i / scene.fps, scene.camera.intrinsics, d, c))
            per.append(tr)
            masks.append(out.cls)
        truth = gait_truth(scene, per)
        try:
            res = analyze_gait_frames(frames, fps=scene.fps, models=models)
        except KioskError as e:
            failures.append({"seed": s, "error": str(e)})
            continue
        figures = None
        if models is not None:
            figures = gait_figures(res)
            frame_ms.append(res.timings_ms["per_frame"])
        for side, tr in res.feet.items():
            t = truth["feet"][side]
            step_ok.append(abs(len(tr.heel_strikes) - t["steps"]) <= 1)
            if t["peak_eversion_deg"] is None:
                continue
            if figures is None:
                if tr.step_peaks_deg:
                    peak_err.append(float(np.mean(tr.step_peaks_deg)) - t["peak_eversion_deg"])
            elif figures[side]["geometry"] is not None:
                peak_err.append(figures[side]["geometry"] - t["peak_eversion_deg"])
        if res.cadence_spm:
            cad_err.append(res.cadence_spm - truth["cadence_spm"])
        if models is None:
            continue
        for f, m in zip(frames[::10], masks[::10], strict=True):
            seg = models.gait_seg(f.depth_m, f.color, f.intrinsics, res.belt_frame)
            _iou_add(iou, seg.labels, _strided(m, seg.stride),
                     _strided(f.depth_m, seg.stride) > 0, seg.classes)
        for side, out in figures.items():
            t = truth["feet"][side]["peak_eversion_deg"]
            if t is None:
                continue
            truth_cls = rolling_class(t, p.gait)
            for method in ("geometry", "model", "fused"):
                if out[method] is None:
                    continue
                same = rolling_class(out[method], p.gait)["label"] == truth_cls["label"]
                agree[method].append(same)
                if not truth_cls["borderline"]:
                    agree_clear[method].append(same)
                if method != "geometry":
                    by_method[method]["peak_eversion_deg"].append(out[method] - t)
    result = {"scenes": n, "failures": failures,
              "errors": {"peak_eversion_deg": peak_err, "cadence_spm": cad_err},
              "steps_within_1": float(np.mean(step_ok)) if step_ok else None}
    if models is not None:
        result.update(model_errors=by_method["model"], fused_errors=by_method["fused"],
                      iou={c: v[0] / max(v[1], 1) for c, v in iou.items()},
                      **_agreement(agree, agree_clear),
                      frame_ms_with_models=float(np.median(frame_ms)) if frame_ms else None)
    return result


def evaluate(standing: int = 40, gait: int = 12, seed: int = 10_000, split: str = "held_out",
             gait_duration_s: float = 6.0, models="auto") -> dict:
    """`models`: "auto" (use models/ when it holds the models), None (geometry only), or a
    LearnedModels."""
    if models == "auto":
        models = load_models()
    out = {"split": split, "seed": seed}
    if standing:
        out["standing"] = eval_standing(standing, seed, split, models)
    if gait:
        out["gait"] = eval_gait(gait, seed + 50_000, split, gait_duration_s, models)
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
    if any("model_errors" in (results.get(st) or {}) for st in ("standing", "gait")):
        lines += _model_tables(results)
    for station in ("standing", "gait"):
        r = results.get(station)
        if r:
            lines.append(f"{station}: {r['scenes']} scenes, {len(r['failures'])} failures"
                         + (f", steps within ±1: {r['steps_within_1']:.0%}"
                            if station == "gait" and r.get("steps_within_1") is not None else ""))
            for f in r["failures"][:5]:
                lines.append(f"  seed {f['seed']}: {f['error']}")
    return "\n".join(lines)


def _mae(e: list[float]) -> str:
    return f"{np.mean(np.abs(e)):.3g}" if e else "–"


def _model_tables(results: dict) -> list[str]:
    lines = ["| figure | geometry MAE | model MAE | fused MAE | fused p95 abs | fused bias | n |",
             "|---|---|---|---|---|---|---|"]
    for station in ("standing", "gait"):
        r = results.get(station)
        if not r or "model_errors" not in r:
            continue
        for name, fused in r["fused_errors"].items():
            geo, model = r["errors"][name], r["model_errors"][name]
            p95 = f"{np.percentile(np.abs(fused), 95):.3g}" if fused else "–"
            bias = f"{np.mean(fused):+.3g}" if fused else "–"
            lines.append(f"| {station}: {name} | {_mae(geo)} | {_mae(model)} | {_mae(fused)} | "
                         f"{p95} | {bias} | {len(fused)} |")
    lines += ["", "| segmentation IoU (valid depth, model resolution) | IoU |", "|---|---|"]
    for station in ("standing", "gait"):
        r = results.get(station)
        for cls, v in ((r or {}).get("iou") or {}).items():
            lines.append(f"| {station}: {cls} | {v:.3f} |")
    lines += ["", "| class agreement | geometry | model | fused | feet |", "|---|---|---|---|---|"]
    for station, what in (("standing", "arch type"), ("gait", "rolling")):
        r = results.get(station) or {}
        for key, note, n_key in (("class_agreement", "", "all"),
                                 ("class_agreement_clear", ", truth not borderline", "clear")):
            a = r.get(key)
            if a:
                cells = " | ".join("–" if a[m] is None else f"{a[m]:.0%}"
                                   for m in ("geometry", "model", "fused"))
                lines.append(f"| {station}: {what}{note} | {cells} | "
                             f"{r.get('class_n', {}).get(n_key, '')} |")
    ms = (results.get("gait") or {}).get("frame_ms_with_models")
    if ms is not None:
        lines += ["", f"treadmill analysis with the models: {ms:.1f} ms per frame (median of "
                  "walks' means, one thread, while rendering; `kiosk bench` times it alone)"]
    lines.append("")
    return lines
