"""`kiosk eval --split independent` and `kiosk eval --recordings DIR`.

Both measure captures the way a shopper meets the kiosk (kiosk.pipeline, heel check and
learned models included) and score the report against truth. The independent split
renders mesh-family scenes (kiosk.sim.mesh_scenes) from seeds that no training,
calibration or tuning reads, across every D4xx mode, with one scene in five a deliberately
unusual shopper. `--recordings` scores any folder of recordings with a `REC.truth.json`
beside each (as `kiosk simulate` writes; a hand-measured file may give only length and
width); the same scenes give the same figures either way.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from kiosk.capture.files import open_file_source
from kiosk.capture.frame import Frame
from kiosk.capture.source import RECORDING_SUFFIXES
from kiosk.errors import InputError, KioskError
from kiosk.pipeline import analyze_gait, analyze_standing
from kiosk.progress import progress
from kiosk.sim.mesh_gait import mesh_gait_truth, random_mesh_walker
from kiosk.sim.mesh_scenes import UNUSUAL_KINDS, random_mesh_shopper
from kiosk.sim.record import STANDING_FRAMES, mesh_gait_frames, mesh_standing_frames, truth_path

log = logging.getLogger(__name__)

# Seed ranges read elsewhere: kiosk eval 10 000+ (standing) and 60 000+ (gait),
# fusion calibration 20 000+ and 70 000+ (kiosk/train/fusion.py), training 200 000+ and
# 250 000+, validation 300 000+ and 350 000+, mesh-family training 500 000+ and 550 000+ and
# validation 600 000+ and 650 000+ (kiosk/train/data.py). Nothing reads these:
INDEPENDENT_SEED0 = 900_000
GAIT_SEED_OFFSET = 50_000  # walks: 950 000+
UNUSUAL_EVERY = 5  # one scene in five is an unusual shopper
STANDING_FIGURES = ("length_mm", "width_mm", "arch_height_mm", "arch_height_index")


def independent_unusual(k: int) -> str | None:
    """Which unusual shopper (if any) the split's k-th scene is."""
    if k % UNUSUAL_EVERY != UNUSUAL_EVERY - 1:
        return None
    return UNUSUAL_KINDS[(k // UNUSUAL_EVERY) % len(UNUSUAL_KINDS)]


def _failure_reason(e: KioskError) -> str:
    """The refusal's stable code (kiosk.errors.CODES): what the shopper was told."""
    return e.code


def score_standing(report: dict, truth: dict) -> dict:
    """Measured minus true, per foot and figure, for the figures the truth gives."""
    errs = {}
    for side in ("left", "right"):
        t = truth["feet"].get(side) or {}
        m = report["feet"][side]
        errs[side] = {k: float(m[k]) - float(t[k]) for k in STANDING_FIGURES
                      if t.get(k) is not None and m.get(k) is not None}
    return errs


def score_gait(report: dict, truth: dict) -> dict:
    errs = {}
    for side in ("left", "right"):
        t = truth["feet"].get(side) or {}
        m = report["feet"][side]
        if t.get("peak_eversion_deg") is not None and m.get("peak_eversion_deg") is not None:
            errs[side] = {"peak_eversion_deg": m["peak_eversion_deg"] - t["peak_eversion_deg"]}
        if t.get("steps") is not None:  # heel strikes counted against the truth's
            errs.setdefault(side, {})["heel_strikes"] = m["steps"] - t["steps"]
    if truth.get("cadence_spm") is not None and report.get("cadence_spm") is not None:
        errs["walk"] = {"cadence_spm": report["cadence_spm"] - truth["cadence_spm"]}
    return errs


def _measure(station: str, frames, fps: float, models) -> dict:
    if station == "standing":
        return analyze_standing(frames, recommendations=False, models=models).to_dict()
    return analyze_gait(frames, fps=fps, recommendations=False, pose=False,
                        models=models).to_dict()


def _row(name: str, mode: str, unusual, frames, fps: float, station: str, truth: dict,
         models) -> dict:
    row = {"name": name, "station": station, "mode": mode, "unusual": unusual}
    try:
        report = _measure(station, frames, fps, models)
    except KioskError as e:
        row.update(failure=_failure_reason(e), message=str(e))
        return row
    score = score_standing if station == "standing" else score_gait
    row["errors"] = score(report, truth)
    return row


def evaluate_independent(standing: int = 40, seed: int = INDEPENDENT_SEED0,
                         models="auto", n_frames: int = STANDING_FRAMES, gait: int = 0,
                         gait_duration_s: float = 3.0) -> dict:
    """The independent split's standing scenes and walks, measured in process."""
    rows = []
    for k in progress(range(standing), desc="standing scenes", unit="scene"):
        p = random_mesh_shopper(seed + k, unusual=independent_unusual(k))
        scene, frames = mesh_standing_frames(p, n_frames)
        fr = [Frame(i, i / p.fps, scene.camera.intrinsics, d, c if p.color else None)
              for i, (d, c) in enumerate(frames)]
        rows.append(_row(f"seed {seed + k}", p.mode.label, independent_unusual(k), fr, p.fps,
                         "standing", scene.truth, models))
        log.info("independent %d/%d: %s", k + 1, standing, rows[-1].get("failure", "measured"))
    for k in progress(range(gait), desc="treadmill walks", unit="walk"):
        s = seed + GAIT_SEED_OFFSET + k
        p = random_mesh_walker(s)
        scene, frames, per_frame = mesh_gait_frames(p, gait_duration_s)
        fr = [Frame(i, i / p.fps, scene.camera.intrinsics, d, c if p.color else None)
              for i, (d, c) in enumerate(frames)]
        rows.append(_row(f"seed {s}", p.mode.label, None, fr, p.fps, "gait",
                         mesh_gait_truth(scene, per_frame), models))
        log.info("independent walk %d/%d: %s", k + 1, gait, rows[-1].get("failure", "measured"))
    walks = f", walks {seed + GAIT_SEED_OFFSET}-{seed + GAIT_SEED_OFFSET + gait - 1}" \
        if gait else ""
    return {"source": f"independent split, mesh family, standing seeds {seed}-"
                      f"{seed + standing - 1}{walks}", "rows": rows}


def evaluate_recordings(folder: str | Path, geometry_only: bool = False) -> dict:
    """Every recording in `folder` with a truth file beside it, measured and scored."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    recs = sorted(p for p in folder.iterdir() if p.suffix.lower() in RECORDING_SUFFIXES)
    recs = [p for p in recs if truth_path(p).is_file()]
    if not recs:
        raise InputError(f"{folder}: no recordings with a .truth.json beside them")
    models = None if geometry_only else "auto"
    rows = []
    for rec in progress(recs, desc="recordings", unit="recording"):
        try:
            truth = json.loads(truth_path(rec).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{truth_path(rec)}: cannot read ({e})") from None
        if not isinstance(truth.get("feet"), dict):
            raise InputError(f"{truth_path(rec)}: no \"feet\" block")
        station = truth.get("station", "standing")
        mode = truth.get("mode") or {}
        label = (f"{mode.get('camera', '?')} {mode.get('width', '?')}x{mode.get('height', '?')} "
                 f"{mode.get('fps', '?')} fps{'' if mode.get('color', True) else ' depth only'}"
                 if mode else "unknown mode")
        unusual = (truth.get("profile") or {}).get("extras", {}).get("unusual")
        with open_file_source(rec) as src:
            frames = list(src.frames())
            fps = src.info.fps
        rows.append(_row(rec.name, label, unusual, frames, fps, station, truth, models))
    return {"source": f"recordings in {folder}", "rows": rows}


def _figure_table(rows: list[dict]) -> list[str]:
    errs: dict = {}
    for r in rows:
        for side_errs in (r.get("errors") or {}).values():
            for k, v in side_errs.items():
                errs.setdefault(f"{r['station']}: {k}", []).append(v)
    lines = ["| figure | MAE | p95 abs | bias | max abs | n |", "|---|---|---|---|---|---|"]
    for name, e in errs.items():
        a = np.abs(e)
        lines.append(f"| {name} | {a.mean():.3g} | {np.percentile(a, 95):.3g} | "
                     f"{np.mean(e):+.3g} | {a.max():.3g} | {len(a)} |")
    return lines


def format_recording_tables(results: dict) -> str:
    rows = results["rows"]
    failed = [r for r in rows if "failure" in r]
    lines = [results["source"], "", *_figure_table(rows), ""]
    strikes = [e["heel_strikes"] for r in rows for side, e in (r.get("errors") or {}).items()
               if side != "walk" and "heel_strikes" in e]
    if strikes:
        ok = sum(abs(e) <= 1 for e in strikes)
        lines += [f"heel strikes within ±1 of truth: {ok} of {len(strikes)} feet "
                  f"({100 * ok / len(strikes):.1f} %)", ""]
    lines += [f"{len(rows)} captures, {len(rows) - len(failed)} measured, "
              f"{len(failed)} refused", ""]
    if failed:
        lines += ["| refused because (code) | captures | example |", "|---|---|---|"]
        by = Counter(r["failure"] for r in failed)
        for reason, n in by.most_common():
            ex = next(r for r in failed if r["failure"] == reason)
            lines.append(f"| {reason} | {n} | {ex['name']}: {ex['message']} |")
        lines.append("")
    modes: dict = {}
    for r in rows:
        m = modes.setdefault(r["mode"], [0, 0])
        m[0] += 1
        m[1] += "failure" not in r
    lines += ["| mode | captures | measured |", "|---|---|---|"]
    lines += [f"| {m} | {n} | {ok} |" for m, (n, ok) in sorted(modes.items())]
    unusual = Counter(r["unusual"] for r in rows if r.get("unusual"))
    if unusual:
        ok = Counter(r["unusual"] for r in rows if r.get("unusual") and "failure" not in r)
        lines += ["", "| unusual shopper | captures | measured |", "|---|---|---|"]
        lines += [f"| {u} | {n} | {ok.get(u, 0)} |" for u, n in sorted(unusual.items())]
    return "\n".join(lines)
