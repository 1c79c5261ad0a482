"""The `kiosk` command line (DESIGN.md §7). Errors meant for a person exit non-zero with one
line on stderr; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

from kiosk.errors import InputError, KioskError


def _print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=1, default=float))
        return
    print(f"{report['kind']} report ({report['schema']})")
    for side in ("left", "right"):
        foot = report["feet"][side]
        figures = ", ".join(f"{k}={v}" for k, v in foot.items()
                            if not isinstance(v, (list, dict)))
        print(f"  {side:5s}: {figures}")
    if report["kind"] == "standing":
        s = report["size"]
        print(f"  size: EU {s['eu']}, UK {s['uk']}, US men {s['us_men']}, "
              f"US women {s['us_women']}, JP {s['jp_cm']} cm, Mondopoint {s['mondopoint']}, "
              f"width {s['width']}")
    else:
        print(f"  cadence: {report['cadence_spm']} steps/min")
    for item in report.get("recommendations", [])[:5]:
        print(f"  - {item.get('brand', '')} {item.get('model', item.get('name', ''))}")


def _parse_roi(text: str | None):
    if text is None:
        return None
    try:
        x, y, w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--roi must be X,Y,W,H fractions of the frame, got {text!r}") from None
    if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 - x + 1e-9 and 0 < h <= 1 - y + 1e-9):
        raise InputError(f"--roi {text!r} is outside the frame (fractions 0..1)")
    return (x, y, w, h)


def _load_calibration(path: str | None) -> dict | None:
    if not path:
        return None
    from kiosk.calibration import load_calibration, pipeline_calibration

    return pipeline_calibration(load_calibration(path))


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate a station from a recording of the printed board (as the staff wizard does)."""
    from kiosk.calibration import calibrate_station, save_calibration
    from kiosk.capture.source import open_file_source

    with open_file_source(args.input) as src:
        frames = list(src.frames())
    result = calibrate_station(frames, args.station, kiosk_id=args.kiosk_id)
    for name, ok in result.checks.items():
        print(f"  {name}: {'pass' if ok else 'FAIL'}")
    if not result.ok or result.calibration is None:
        raise InputError(f"calibration failed: {result.reason or 'a check did not pass'}")
    path = save_calibration(result.calibration, args.out)
    print(f"calibration passed; wrote {path}")
    return 0


def _kiosk_models():
    from kiosk.errors import ModelError
    from kiosk.vision.learned import kiosk_models

    try:
        return kiosk_models()
    except ModelError as e:
        raise ModelError(f"{e} (--geometry-only measures without the models)") from None


def cmd_analyze(args: argparse.Namespace) -> int:
    from kiosk.capture.source import VIDEO_SUFFIXES, open_file_source
    from kiosk.pipeline import analyze_gait, analyze_standing

    path = Path(args.input)
    roi = _parse_roi(args.roi)
    calibration = _load_calibration(args.calibration)
    if args.station == "gait" and path.suffix.lower() in VIDEO_SUFFIXES:
        from kiosk.vision.video_gait import analyze_gait_video

        if not path.exists():
            raise InputError(f"{path}: no such file")
        report = analyze_gait_video(path, roi=args.roi)
        _print_report(report, args.json)
        return 0
    if roi is not None:
        raise InputError("--roi applies to video input; depth stations use the calibration")
    with open_file_source(path) as src:
        if not src.info.has_depth:
            raise InputError(f"{path}: the recording has no depth stream")
        models = None if args.geometry_only else _kiosk_models()
        if args.station == "standing":
            report = analyze_standing(src.frames(), calibration, sex=args.sex, models=models)
        else:
            report = analyze_gait(src.frames(), calibration, sex=args.sex, models=models)
    _print_report(report, args.json)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from kiosk.sim.modes import DepthMode
    from kiosk.sim.record import (
        profile_for,
        simulate_gait,
        simulate_mesh_gait,
        simulate_mesh_standing,
        simulate_standing,
    )

    mode = None
    if args.camera or args.resolution or args.fps or args.no_color:
        mode = DepthMode.parse(args.camera, args.resolution, args.fps, not args.no_color,
                               default_fps=15 if args.station == "standing" else 30)
    profile = profile_for(args.station, args.seed, args.profile, args.family, mode)
    if args.family == "mesh":
        if args.board:
            raise InputError("--board draws the analytic station; use --family analytic")
        out = Path(args.out)
        if out.suffix.lower() not in (".db3", ".bag"):
            raise InputError("--out must end in .db3 (librealsense 2.59 writes .db3)")
        if args.station == "gait":
            kw = {"duration_s": args.duration_s} if args.duration_s else {}
            simulate_mesh_gait(out, profile, **kw)
        else:
            if args.heel_gap_mm is not None:
                profile.heel_gap_m = args.heel_gap_mm / 1000
            simulate_mesh_standing(out, profile)
        print(f"wrote {out} and {out}.truth.json")
        return 0
    if args.heel_gap_mm is not None:
        profile.heel_gap_m = args.heel_gap_mm / 1000
    if args.board and not args.profile:
        # the board's 40 mm squares need ~20 px to be found in an 848x480 colour image:
        # a low, steep camera (inside the station's range) as in docs/METHOD.md
        profile.camera_height_m, profile.camera_pitch_deg = 0.65, 62.0
    out = Path(args.out)
    if out.suffix.lower() not in (".db3", ".bag"):
        raise InputError("--out must end in .db3 (librealsense 2.59 writes .db3)")
    if args.station == "standing":
        simulate_standing(out, profile, board=args.board)
    else:
        kw = {"duration_s": args.duration_s} if args.duration_s else {}
        simulate_gait(out, profile, **kw)
    print(f"wrote {out} and {out}.truth.json")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kiosk.evaluate import evaluate, format_tables
    from kiosk.evaluate_mesh import (
        INDEPENDENT_SEED0,
        evaluate_independent,
        evaluate_recordings,
        format_recording_tables,
    )

    if args.recordings:
        results = evaluate_recordings(args.recordings, geometry_only=args.geometry_only)
        print(format_recording_tables(results))
    elif args.split == "independent":
        results = evaluate_independent(
            standing=args.standing, seed=INDEPENDENT_SEED0 if args.seed is None else args.seed,
            gait=args.gait, gait_duration_s=args.gait_duration_s,
            models=None if args.geometry_only else "auto")
        print(format_recording_tables(results))
    else:
        results = evaluate(standing=args.standing, gait=args.gait,
                           seed=10_000 if args.seed is None else args.seed,
                           split=args.split, gait_duration_s=args.gait_duration_s)
        print(format_tables(results))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from kiosk.bench import run_bench

    print(run_bench(quick=args.quick))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from kiosk.train.run import run_train

    for card in run_train(args.target, out=args.out, tiny=args.tiny, threads=args.threads,
                          station=args.station, epochs=args.epochs):
        print(f"wrote {Path(args.out) / card['file']} ({card['size_bytes'] / 1e6:.2f} MB, "
              f"{card['wall_time_s']} s)")
    if args.target == "fusion":
        print(f"fusion weights written into the estimators' cards in {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.web.server import serve

    print(f"kiosk demo on http://127.0.0.1:{args.port}  (staff PIN 1234; "
          "retailer demo / demo-password)", flush=True)
    serve(host="127.0.0.1", port=args.port, demo=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kiosk.web.server import serve

    serve(host=args.host, port=args.port, hq=args.hq)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Foot measurement and gait kiosk")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="the full kiosk on the simulated camera")
    d.add_argument("--port", type=int, default=8080)
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("serve", help="production server (camera from config)")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--hq", action="store_true", help="run as a retailer's HQ (ingest)")
    s.set_defaults(func=cmd_serve)

    m = sub.add_parser("simulate", help="write a simulated RealSense recording + truth")
    m.add_argument("station", choices=["standing", "gait"])
    m.add_argument("--out", required=True)
    g = m.add_mutually_exclusive_group()
    g.add_argument("--seed", type=int)
    g.add_argument("--profile")
    m.add_argument("--heel-gap-mm", type=float, default=None,
                   help="standing: heels this far short of the heel stop")
    m.add_argument("--duration-s", type=float, default=None, help="gait: seconds of walking")
    m.add_argument("--board", action="store_true",
                   help="standing: the empty mat with the printed calibration board")
    m.add_argument("--family", choices=["analytic", "mesh"], default="analytic",
                   help="scene family: analytic shapes, or real-shaped meshes (sim extra)")
    m.add_argument("--camera", choices=["D415", "D435", "D455"], default=None)
    m.add_argument("--resolution", default=None, help="depth mode: 640x480, 848x480, 1280x720")
    m.add_argument("--fps", type=int, default=None, help="15, 30, 60 or 90")
    m.add_argument("--no-color", action="store_true", help="a depth-only recording")
    m.set_defaults(func=cmd_simulate)

    a = sub.add_parser("analyze", help="measure a recording (or, for gait, a video)")
    a.add_argument("station", choices=["standing", "gait"])
    a.add_argument("input")
    a.add_argument("--calibration")
    a.add_argument("--roi", help="X,Y,W,H fractions of the frame (video)")
    a.add_argument("--sex", choices=["male", "female"], default=None)
    a.add_argument("--json", action="store_true")
    a.add_argument("--geometry-only", action="store_true",
                   help="measure without the learned models in models/")
    a.set_defaults(func=cmd_analyze)

    c = sub.add_parser("calibrate", help="calibrate a station from a recording of the board")
    c.add_argument("station", choices=["standing", "gait"])
    c.add_argument("input", help="recording (.bag/.db3) of the printed board on the mat/belt")
    c.add_argument("--out", required=True, help="calibration file to write (JSON)")
    c.add_argument("--kiosk-id", default="kiosk-1")
    c.set_defaults(func=cmd_calibrate)

    e = sub.add_parser("eval", help="accuracy on seeded simulated scenes (tables)")
    e.add_argument("--standing", type=int, default=40)
    e.add_argument("--gait", type=int, default=12)
    e.add_argument("--seed", type=int, default=None,
                   help="first seed (held_out/ood: 10000; independent: its own range)")
    e.add_argument("--split", choices=["held_out", "ood", "independent"], default="held_out",
                   help="independent: mesh-family scenes from seeds nothing else reads")
    e.add_argument("--recordings", metavar="DIR",
                   help="score the recordings in DIR against the *.truth.json beside them")
    e.add_argument("--geometry-only", action="store_true",
                   help="--recordings / --split independent: measure without the models")
    e.add_argument("--gait-duration-s", type=float, default=6.0)
    e.add_argument("--json-out")
    e.set_defaults(func=cmd_eval)

    b = sub.add_parser("bench", help="speed of every stage (tables)")
    b.add_argument("--quick", action="store_true")
    b.set_defaults(func=cmd_bench)

    t = sub.add_parser("train", help="train the learned models (needs the train extra)")
    t.add_argument("target", choices=["seg", "arch", "rearfoot", "all", "fusion"],
                   help="fusion: only re-measure the fusion weights of the models in --out")
    t.add_argument("--tiny", action="store_true", help="a few steps on a few scenes (CI)")
    t.add_argument("--out", default="models")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--station", choices=["standing", "gait"], default=None,
                   help="seg only: train just this station's model")
    t.add_argument("--epochs", type=int, default=None,
                   help="seg: epochs instead of the configured number")
    t.set_defaults(func=cmd_train)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        warnings.filterwarnings("ignore", category=RuntimeWarning)
    t0 = time.perf_counter()
    try:
        return args.func(args)
    except KioskError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        logging.getLogger(__name__).debug("done in %.2f s", time.perf_counter() - t0)


if __name__ == "__main__":
    sys.exit(main())
