"""`kiosk bench`: how long every stage takes, as tables (never asserted in tests).

One package for every benchmark the docs quote: the measuring core and models, and the
sections `kiosk bench` runs, here; the web (a real gunicorn and Chromium) in `web`, the
store and HQ (a real PostgreSQL) in `store`, advice and catalogue imports in `advice`.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from kiosk.bench.advice import catalogue_import_benchmark, plan_mix, recommendation_mix
from kiosk.bench.store import bench_dashboard, bench_ingest
from kiosk.bench.web import bench_dashboard_paint, bench_first_visit, bench_visits
from kiosk.capture.frame import Frame
from kiosk.errors import InputError
from kiosk.evaluate import load_models
from kiosk.pipeline import analyze_standing
from kiosk.progress import progress
from kiosk.sim.mesh_gait import mesh_gait_scene, random_mesh_walker, render_mesh_gait_frame
from kiosk.sim.mesh_scenes import mesh_standing_scene, random_mesh_shopper, render_mesh_standing
from kiosk.sim.modes import DepthMode
from kiosk.sim.scenes import (
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)
from kiosk.store.pgserver import PostgresServer, pg_bindir
from kiosk.vision.gait import analyze_gait_frames
from kiosk.vision.learned import standing_with_models
from kiosk.vision.pose import pose_benchmark
from kiosk.vision.standing import analyze_standing_frames


def _fmt(rows: list[tuple[str, float, str]]) -> str:
    out = ["| stage | median ms | note |", "|---|---|---|"]
    out += [f"| {name} | {ms:.1f} | {note} |" for name, ms, note in rows]
    return "\n".join(out)


BENCH_STANDING_SEED = 7  # the demo's shopper: heels against the stop, both feet found


def bench_standing(repeats: int = 5) -> list[tuple[str, float, str]]:
    """A whole standing capture as the kiosk analyses it: 30 frames at 848x480 fused,
    geometry, the learned models (when shipped) and sizes, in one warm process."""
    p = random_profile(BENCH_STANDING_SEED, heel_gap_m=0.0)
    scene = standing_scene(p)
    _, fr = render_standing_frames(scene, 30, np.random.default_rng(0))
    frames = [Frame(i, i / 15, scene.camera.intrinsics, d, c) for i, (d, c) in enumerate(fr)]
    models = load_models()
    analyze_standing(frames, recommendations=False, models=models)  # warm-up
    timings, totals = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        report = analyze_standing(frames, recommendations=False, models=models)
        totals.append((time.perf_counter() - t) * 1e3)
        timings.append(report.timings_ms)
    w, h = scene.camera.intrinsics.width, scene.camera.intrinsics.height
    rows = [(f"standing: {k}", float(np.median([t[k] for t in timings])),
             f"30 frames {w}x{h}") for k in timings[0]]
    what = "geometry + models" if models is not None else "geometry only (no models found)"
    rows.append(("standing: whole capture analysis", float(np.median(totals)),
                 f"30 frames fused, {what}, sizes; median of {repeats}, "
                 f"max {max(totals):.0f} ms"))
    return rows


def bench_gait(n_frames: int = 90) -> list[tuple[str, float, str]]:
    p = random_profile(2, "gait")
    scene = gait_scene(p, duration_s=n_frames / 30)
    rng = np.random.default_rng(0)
    frames = []
    t = time.perf_counter()
    for i in range(scene.n_frames):
        _, d, c, _ = render_gait_frame(scene, i, rng)
        frames.append(Frame(i, i / 30, scene.camera.intrinsics, d, c))
    render_ms = (time.perf_counter() - t) * 1e3 / scene.n_frames
    res = analyze_gait_frames(frames, fps=30)
    return [("gait: per frame (848x480)", res.timings_ms["per_frame"], "geometry, one thread"),
            ("gait: belt plane", res.timings_ms["floor"], "once per walk"),
            ("simulator: render one gait frame", render_ms, "not part of the kiosk")]


def bench_models(n_frames: int = 60) -> list[tuple[str, float, str]]:
    """The learned models at 848x480 on one thread, and the treadmill frame with them."""
    models = load_models()
    if models is None:
        return [("models", float("nan"), "not found in models/")]
    scene = gait_scene(random_profile(2, "gait"), duration_s=n_frames / 30)
    rng = np.random.default_rng(0)
    frames = []
    for i in range(scene.n_frames):
        _, d, c, _ = render_gait_frame(scene, i, rng)
        frames.append(Frame(i, i / 30, scene.camera.intrinsics, d, c))
    geo = analyze_gait_frames(frames, fps=30)
    res = analyze_gait_frames(frames, fps=30, models=models)
    w, h = scene.camera.intrinsics.width, scene.camera.intrinsics.height
    tm = res.timings_ms
    rows = [("treadmill per frame, geometry only", geo.timings_ms["per_frame"],
             f"{w}x{h}, the legs' lowest 40 cm at full resolution"),
            ("treadmill models per frame", tm["models_per_frame"],
             "each foot's heel window segmented, both feet's rasters estimated"),
            (f"treadmill per frame, geometry + models ({w}x{h})", tm["per_frame"],
             f"median, one thread; p95 {tm['per_frame_p95']:.1f} ms; "
             f"{1e3 / tm['per_frame']:.0f} frames/s")]
    sp = random_profile(1)
    sscene = standing_scene(sp)
    _, fr = render_standing_frames(sscene, 15, np.random.default_rng(0))
    sframes = [Frame(i, i / 15, sscene.camera.intrinsics, d, c) for i, (d, c) in enumerate(fr)]
    sres = analyze_standing_frames(sframes, check_heels=False)
    st = [standing_with_models(sres, fr[7][1], sscene.camera.intrinsics, models)["timings_ms"]
          for _ in range(3)]
    rows += [("standing models: segmentation of the fused depth (848x480)",
              float(np.median([x["segmentation"] for x in st])), "once per capture"),
             ("standing models: foot estimator", float(np.median([x["estimator"] for x in st])),
              "both feet, once per capture")]
    return rows


def bench_mesh_scenes(repeats: int = 2) -> list[tuple[str, float, str]]:
    """The mesh scene family's cost (the sim extra's ray caster); not part of the kiosk."""
    random_mesh_shopper(0)
    mesh_standing_scene(random_mesh_shopper(0))  # the real-data meshes load once, untimed
    rows = []
    for w, h in ((848, 480), (1280, 720)):
        build, cast, noise = [], [], []
        for k in range(repeats):
            p = random_mesh_shopper(k, DepthMode("D435", w, h, 15))
            t0 = time.perf_counter()
            scene = mesh_standing_scene(p)
            t1 = time.perf_counter()
            clean, _ = render_mesh_standing(scene, 0, np.random.default_rng(k))
            t2 = time.perf_counter()
            render_mesh_standing(scene, 30, np.random.default_rng(k), clean=clean)
            t3 = time.perf_counter()
            build.append(t1 - t0)
            cast.append(t2 - t1)
            noise.append(t3 - t2)
        rows += [(f"mesh scene: build the shopper ({w}x{h})", 1e3 * float(np.median(build)),
                  "pose, skin, clothing, truth"),
                 (f"mesh scene: ray cast one view ({w}x{h})", 1e3 * float(np.median(cast)),
                  f"{len(scene.mesh.faces)} triangles, Embree"),
                 (f"mesh scene: 30 noisy frames ({w}x{h})", 1e3 * float(np.median(noise)),
                  "D4xx noise model"),
                 (f"mesh scene: whole standing scene ({w}x{h})",
                  1e3 * float(np.median(build) + np.median(cast) + np.median(noise)),
                  "30-frame capture, not part of the kiosk")]
    for w, h in ((848, 480), (1280, 720)):
        scene = mesh_gait_scene(random_mesh_walker(1, DepthMode("D435", w, h, 30)), 1.0)
        rng = np.random.default_rng(0)
        render_mesh_gait_frame(scene, 0, rng)  # the shoes and the body's caches, untimed
        times = []
        for k in range(1, 1 + 3 * repeats):
            t0 = time.perf_counter()
            render_mesh_gait_frame(scene, k, rng)
            times.append(time.perf_counter() - t0)
        rows.append((f"mesh scene: one treadmill frame ({w}x{h})",
                     1e3 * float(np.median(times)), "pose, skin, ray cast, noise"))
    return rows


def _section_core(quick: bool, visits: int) -> str:
    return _fmt(bench_standing(3 if quick else 9) + bench_gait(30 if quick else 90))


def _section_models(quick: bool, visits: int) -> str:
    return _fmt(bench_models(20 if quick else 60))


def _section_pose(quick: bool, visits: int) -> str:
    return _dict_rows(pose_benchmark(n_frames=20 if quick else 100))


def _section_advice(quick: bool, visits: int) -> str:
    return "\n\n".join([
        _dict_rows(catalogue_import_benchmark(rows=2000 if quick else 10_000,
                                              repeats=1 if quick else 3)),
        _dict_rows(recommendation_mix(n=100 if quick else 1000)),
        _dict_rows(plan_mix(n=100 if quick else 1000))])


def _section_web(quick: bool, visits: int) -> str:
    """The demo under gunicorn on loopback: the first shopper after a cold start, then
    `visits` shoppers in a row with the web worker's memory."""
    return "\n\n".join([_dict_rows([bench_first_visit(cold=True)]),
                         _dict_rows(bench_visits(visits))])


def _section_store(quick: bool, visits: int) -> str:
    """HQ on a throwaway PostgreSQL: ingest from 4 kiosks, then the retailer dashboard over
    a year of sessions (1 M; --quick 100 k): its queries, and its first paint in Chromium
    (Playwright, the test extra) under gunicorn on loopback."""
    bindir = pg_bindir()
    if bindir is None:
        return "(not measured: PostgreSQL server binaries not installed)"
    n = 100_000 if quick else 1_000_000
    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-pg-"))
    pg = PostgresServer(bindir, root)
    pg.start()
    try:
        out = [_dict_rows([bench_ingest(pg.create_database(), n_sessions=1000 if quick else 4000,
                                        batch=100, clients=4, workers=3)])]
        db = pg.create_database()
        try:
            out.append(_dict_rows(bench_dashboard_paint(db, n_sessions=n)))
        except ImportError as e:
            out.append(f"(first paint not measured: {e}; pip install -e '.[test]')")
        out.append(_dict_rows([bench_dashboard(db, n_sessions=n)]))
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    return "\n\n".join(out)


def _section_sim(quick: bool, visits: int) -> str:
    try:
        return _fmt(bench_mesh_scenes(1 if quick else 2))
    except InputError as e:  # no sim extra or no real-data folder: say so, keep the rest
        return f"(not measured: {e})"


SECTIONS = {
    "core": ("Measuring core", _section_core),
    "models": ("Learned models", _section_models),
    "pose": ("Pose (MediaPipe)", _section_pose),
    "advice": ("Advice", _section_advice),
    "web": ("Web app (demo on loopback)", _section_web),
    "store": ("HQ store and retailer dashboard (PostgreSQL)", _section_store),
    "sim": ("Simulator, mesh family (sim extra; not part of the kiosk)", _section_sim),
}


def run_bench(quick: bool = False, only: list[str] | None = None,
              visits: int | None = None) -> str:
    """Every section's table (or those in `only`), with when and where it ran."""
    visits = visits or (10 if quick else 100)
    parts = [f"`kiosk bench{' --quick' if quick else ''}` on {platform.node()} "
             f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}), "
             f"{time.strftime('%Y-%m-%d %H:%M')}"]
    for key in progress(only or list(SECTIONS), desc="kiosk bench", unit="section"):
        title, fn = SECTIONS[key]
        parts += ["", f"## {title}", fn(quick, visits)]
    return "\n".join(parts)


def _dict_rows(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    keys = list(rows[0].keys())
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    return "\n".join(out)
