"""The `kiosk` command line (DESIGN.md §7). Errors meant for a person exit non-zero with one
line on stderr; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import time
import warnings
from itertools import islice
from pathlib import Path

import numpy as np

from kiosk.bench.run import SECTIONS as BENCH_SECTIONS
from kiosk.bench.run import run_bench
from kiosk.calibration import (
    calibrate_station,
    load_calibration,
    pipeline_calibration,
    save_calibration,
)
from kiosk.capture.files import open_file_source
from kiosk.capture.frame import Roi
from kiosk.capture.heel_strip import BAUD_RATES, HeelStrip
from kiosk.capture.source import VIDEO_SUFFIXES
from kiosk.config import load_config
from kiosk.errors import CameraUnavailable, InputError, KioskError, ModelError
from kiosk.evaluate import evaluate, format_tables
from kiosk.evaluate_mesh import (
    INDEPENDENT_SEED0,
    evaluate_independent,
    evaluate_recordings,
    format_recording_tables,
)
from kiosk.i18n import t
from kiosk.pipeline import STANDING_MAX_FRAMES, analyze_gait, analyze_standing
from kiosk.report import SCHEMA, GaitReport, Report, StandingReport
from kiosk.sim.modes import DepthMode
from kiosk.sim.record import (
    profile_for,
    simulate_gait,
    simulate_mesh_gait,
    simulate_mesh_standing,
    simulate_standing,
)
from kiosk.store import Store
from kiosk.store import accounts as acc
from kiosk.store.jobs import purge, sync
from kiosk.train.data import DATASET_ROOT, FAMILIES, DatasetSpec, ensure_samples_for
from kiosk.train.run import run_train
from kiosk.vision.gait import FLOOR_FRAMES, fit_belt
from kiosk.vision.learned import kiosk_models
from kiosk.vision.overlay import gait_overlay, standing_overlay, write_png
from kiosk.vision.standing import analyze_standing_frames
from kiosk.vision.video_gait import analyze_gait_video
from kiosk.web.server import DEMO_ACCOUNTS, demo_config, serve


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        print(report.to_json(indent=1))
        return
    print(f"{report.kind} report ({SCHEMA})")
    for side in ("left", "right"):
        foot = report.feet[side].to_dict()
        figures = ", ".join(f"{k}={v}" for k, v in foot.items()
                            if not isinstance(v, (list, dict)))
        print(f"  {side:5s}: {figures}")
    if isinstance(report, StandingReport):
        s = report.size
        print(f"  size: EU {s['eu']}, UK {s['uk']}, US men {s['us_men']}, "
              f"US women {s['us_women']}, JP {s['jp_cm']} cm, Mondopoint {s['mondopoint']}, "
              f"width {s['width']}")
    else:
        print(f"  cadence: {report.cadence_spm} steps/min")
    for item in report.recommendations[:5]:
        print(f"  - {item.get('brand', '')} {item.get('model', item.get('name', ''))}")


def _load_calibration(path: str | None) -> dict | None:
    if not path:
        return None
    return pipeline_calibration(load_calibration(path))


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate a station from a recording of the printed board (as the staff wizard does)."""
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
    try:
        return kiosk_models()
    except ModelError as e:
        raise ModelError(f"{e} (--geometry-only measures without the models)") from None


MID_STANCE_AFTER_STRIKE_S = 0.12  # about a third into a walking stance (~0.6 s)


def cmd_analyze(args: argparse.Namespace) -> int:
    path = Path(args.input)
    roi = Roi.parse(args.roi) if args.roi is not None else None
    calibration = _load_calibration(args.calibration)
    if args.station == "gait" and path.suffix.lower() in VIDEO_SUFFIXES:
        if not path.exists():
            raise InputError(f"{path}: no such file")
        report = analyze_gait_video(path, roi=roi)
        _print_report(report, args.json)
        return 0
    if roi is not None:
        raise InputError("--roi applies to video input; depth stations use the calibration")
    with open_file_source(path) as src:
        if not src.info.has_depth:
            raise InputError(f"{path}: the recording has no depth stream")
        models = None if args.geometry_only else _kiosk_models()
        if args.station == "standing":
            frames = list(islice(src.frames(), STANDING_MAX_FRAMES))
            report = analyze_standing(frames, calibration, sex=args.sex, models=models)
        else:
            report = analyze_gait(src.frames(), calibration, sex=args.sex, models=models)
    if args.overlay:
        if args.station == "standing":
            image = standing_overlay(frames[len(frames) // 2], analyze_standing_frames(frames))
        else:
            image = _gait_overlay(path, report)
        write_png(args.overlay, image)
    _print_report(report, args.json)
    return 0


def _gait_overlay(path: Path, report: GaitReport):
    """The walk's first measured mid-stance, re-read from the recording and drawn."""
    peaks = [(t, side) for side, f in report.feet.items() if f.step_times is not None
             for t in f.step_times.heel_strikes_s[:1]]
    if not peaks or report.fps is None:
        raise InputError("no step to draw: the walk has no measured stance")
    t_strike, _ = min(peaks)
    want = round((t_strike + MID_STANCE_AFTER_STRIKE_S) * report.fps)
    with open_file_source(path) as src:
        frames = list(islice(src.frames(), max(want + 1, FLOOR_FRAMES)))
    belt = fit_belt(frames[:FLOOR_FRAMES], np.random.default_rng(0))
    return gait_overlay(frames[min(want, len(frames) - 1)], belt)


def cmd_simulate(args: argparse.Namespace) -> int:
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
    print(run_bench(quick=args.quick, only=args.only, visits=args.visits))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    for card in run_train(args.target, out=args.out, tiny=args.tiny, threads=args.threads,
                          station=args.station, epochs=args.epochs,
                          mesh_share=args.mesh_share):
        print(f"wrote {Path(args.out) / card['file']} ({card['size_bytes'] / 1e6:.2f} MB, "
              f"{card['wall_time_s']} s)")
    if args.target == "fusion":
        print(f"fusion weights written into the estimators' cards in {args.out}")
    return 0


def demo_banner(port: int) -> str:
    """What `kiosk demo` prints first: its address and every account it makes."""
    lines = [f"kiosk demo on http://127.0.0.1:{port}; its accounts (demo only):"]
    for user, role, secret, retailer in DEMO_ACCOUNTS:
        where = f" (sees {retailer})" if retailer else ""
        lines.append(f"  {role:9s} {user} / {secret}{where}")
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    print(demo_banner(args.port), flush=True)
    config = demo_config(args.data_dir)
    if args.config_json:
        try:
            overrides = json.loads(args.config_json)
        except json.JSONDecodeError as exc:
            raise InputError(f"--config-json is not JSON ({exc})") from None
        if not isinstance(overrides, dict):
            raise InputError("--config-json must be a JSON object of config sections")
        config = config.with_overrides(**overrides)
    serve(host="127.0.0.1", port=args.port, demo=True, config=config,
          camera_factory=args.camera_factory, access_log=args.access_log)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Forward the queued session records to HQ (the sync timer); 1 when some are left."""
    left = sync(load_config(args.config), args.max_seconds)
    print(f"sync: {left} record(s) left in the outbox" if left else "sync: outbox empty")
    return 1 if left else 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Apply the retention period (the purge timer)."""
    removed = purge(load_config(args.config))
    print("purge: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
    return 0


def cmd_dataset(args: argparse.Namespace) -> int:
    """Generate (or find cached) training samples; --start/--step split a run in parallel."""
    mesh = args.family == "mesh"
    spec = DatasetSpec(args.station, args.split, args.n, mesh_share=1.0 if mesh else 0.0)
    seeds = list(spec.mesh_seeds if mesh else spec.seeds)[args.start :: args.step]
    ensure_samples_for(args.station, seeds, Path(args.root), family=args.family)
    print(f"{len(seeds)} {args.family} {args.station} {args.split} sample(s) in {args.root}")
    return 0


def _read_secret(args: argparse.Namespace, what: str) -> str:
    """The new PIN/password: twice at a prompt, or one line on stdin (--secret-stdin)."""
    if args.secret_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"new {what}: ")
    if getpass.getpass(f"new {what}, again: ") != first:
        raise InputError("the two entries differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    """Accounts on this kiosk or HQ (the configured database): add, passwd, disable, list."""
    store = Store(load_config(args.config).database_url)
    try:
        if args.action == "list":
            for a in store.list_accounts():
                state = "disabled" if a["disabled"] else "active"
                print(f"{a['username']:24s} {a['role']:9s} {a['retailer_id'] or '-':16s} {state}")
            return 0
        what = "PIN" if args.action == "add" and args.role == "staff" else "password"
        if args.action == "passwd":
            found = store.get_account(args.username)
            what = "PIN" if found is not None and found["role"] == "staff" else "password"
        if args.action == "add":
            acc.add_account(store, args.username, args.role, _read_secret(args, what),
                            args.retailer)
            print(f"added {args.role} account {args.username}")
        elif args.action == "passwd":
            acc.change_secret(store, args.username, _read_secret(args, what))
            print(f"new {what} set for {args.username}; its sessions have ended")
        else:
            acc.set_disabled(store, args.username, not args.enable)
            print(f"{args.username} {'enabled' if args.enable else 'disabled'}")
    except acc.AccountProblem as exc:
        raise InputError(t(exc.code, "en")) from None
    finally:
        store.close()
    return 0


def cmd_heel_strip(args: argparse.Namespace) -> int:
    """Watch the heel stop's contact strip (installing or checking one): every change of
    its switches for `--seconds`; 3 when it never answered."""
    configured = load_config(args.config).capture.heel_strip
    device = args.device or configured.device
    baud = args.baud or configured.baud
    if not device:
        raise InputError("no heel strip: give --device or set capture.heel_strip.device")
    strip = HeelStrip(device, baud, reconnect_s=0.5)
    strip.start()
    last: object = "nothing yet"
    answered, end = False, time.monotonic() + args.seconds
    time.sleep(0.2)  # the first line, or the first try to open the port
    try:
        while time.monotonic() < end:
            state = strip.state()
            if state != last:
                if state is None:
                    print(f"heel strip: not answering ({strip.status()['error'] or 'silent'})")
                else:
                    answered = True
                    print("heel strip: left heel {}, right heel {}".format(
                        *("pressed" if s else "not pressed" for s in state)))
                last = state
            time.sleep(0.05)
    finally:
        strip.stop()
    if not answered:
        raise CameraUnavailable(f"the heel strip on {device} never answered")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    serve(host=args.host, port=args.port, hq=args.hq, access_log=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Foot measurement and gait kiosk")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="the full kiosk on the simulated camera")
    d.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (8080)")
    d.add_argument("--data-dir", help="keep the demo's database and files here (a temp dir)")
    d.add_argument("--config-json", help="config sections to override, as JSON (tests, bench)")
    d.add_argument("--camera-factory", help="module:function making each station's camera")
    d.add_argument("--access-log", action="store_true", help="log every request")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("serve", help="production server (camera from config)")
    s.add_argument("--host", default=None, help="address to listen on (config web.host)")
    s.add_argument("--port", type=int, default=None, help="port (config web.port)")
    s.add_argument("--hq", action="store_true", help="run as a retailer's HQ (ingest)")
    s.set_defaults(func=cmd_serve)

    y = sub.add_parser("sync", help="forward queued session records to HQ (sync timer)")
    y.add_argument("--config", help="config file (default $KIOSK_CONFIG)")
    y.add_argument("--max-seconds", type=float, default=60.0, help="stop after this long")
    y.set_defaults(func=cmd_sync)

    pu = sub.add_parser("purge", help="delete what the retention period has passed")
    pu.add_argument("--config", help="config file (default $KIOSK_CONFIG)")
    pu.set_defaults(func=cmd_purge)

    u = sub.add_parser("users", help="accounts: add, passwd, disable, list")
    u.add_argument("--config", help="config file (default $KIOSK_CONFIG)")
    usub = u.add_subparsers(dest="action", required=True, help="what to do")
    ua = usub.add_parser("add", help="add an account (asks for its PIN or password)")
    ua.add_argument("username")
    ua.add_argument("--role", choices=["staff", "retailer", "admin"], required=True)
    ua.add_argument("--retailer", help="the retailer id a retailer account sees")
    up = usub.add_parser("passwd", help="set a new PIN or password (ends its sessions)")
    up.add_argument("username")
    for sp in (ua, up):
        sp.add_argument("--secret-stdin", action="store_true",
                        help="read the PIN/password from one line on stdin (scripts)")
    ud = usub.add_parser("disable", help="disable an account (ends its sessions)")
    ud.add_argument("username")
    ud.add_argument("--enable", action="store_true", help="enable it again instead")
    usub.add_parser("list", help="list accounts (never their secrets)")
    u.set_defaults(func=cmd_users)

    m = sub.add_parser("simulate", help="write a simulated RealSense recording + truth")
    m.add_argument("station", choices=["standing", "gait"], help="which station to simulate")
    m.add_argument("--out", required=True, help="recording to write (.db3); truth beside it")
    g = m.add_mutually_exclusive_group()
    g.add_argument("--seed", type=int, help="draw a random shopper and camera from this seed")
    g.add_argument("--profile", help="a shopper profile JSON (as a truth file's 'profile')")
    m.add_argument("--heel-gap-mm", type=float, default=None,
                   help="standing: heels this far short of the heel stop")
    m.add_argument("--duration-s", type=float, default=None, help="gait: seconds of walking")
    m.add_argument("--board", action="store_true",
                   help="standing: the empty mat with the printed calibration board")
    m.add_argument("--family", choices=["analytic", "mesh"], default="analytic",
                   help="scene family: analytic shapes, or real-shaped meshes (sim extra)")
    m.add_argument("--camera", choices=["D415", "D435", "D455"], default=None,
                   help="the camera model whose optics and noise to simulate")
    m.add_argument("--resolution", default=None, help="depth mode: 640x480, 848x480, 1280x720")
    m.add_argument("--fps", type=int, default=None, help="15, 30, 60 or 90")
    m.add_argument("--no-color", action="store_true", help="a depth-only recording")
    m.set_defaults(func=cmd_simulate)

    a = sub.add_parser("analyze", help="measure a recording (or, for gait, a video)")
    a.add_argument("station", choices=["standing", "gait"], help="which station recorded it")
    a.add_argument("input", help="a RealSense recording (.bag/.db3), or for gait a video")
    a.add_argument("--calibration", help="the station's calibration file (kiosk calibrate)")
    a.add_argument("--roi", help="X,Y,W,H fractions of the frame (video)")
    a.add_argument("--sex", choices=["male", "female"], default=None,
                   help="size chart to report the size in (both when not given)")
    a.add_argument("--json", action="store_true", help="print the kiosk.report/1 JSON")
    a.add_argument("--geometry-only", action="store_true",
                   help="measure without the learned models in models/")
    a.add_argument("--overlay", metavar="PNG",
                   help="also write a picture of what was measured (outlines, heel stop, "
                        "length and width lines; heel and shank bisectors on the treadmill)")
    a.set_defaults(func=cmd_analyze)

    c = sub.add_parser("calibrate", help="calibrate a station from a recording of the board")
    c.add_argument("station", choices=["standing", "gait"], help="which station to calibrate")
    c.add_argument("input", help="recording (.bag/.db3) of the printed board on the mat/belt")
    c.add_argument("--out", required=True, help="calibration file to write (JSON)")
    c.add_argument("--kiosk-id", default="kiosk-1", help="the kiosk the file belongs to")
    c.set_defaults(func=cmd_calibrate)

    e = sub.add_parser("eval", help="accuracy on seeded simulated scenes (tables)")
    e.add_argument("--standing", type=int, default=40, help="standing scenes to score")
    e.add_argument("--gait", type=int, default=12, help="treadmill walks to score")
    e.add_argument("--seed", type=int, default=None,
                   help="first seed (held_out/ood: 10000; independent: its own range)")
    e.add_argument("--split", choices=["held_out", "ood", "independent"], default="held_out",
                   help="held_out: the training ranges; ood: every range widened; "
                        "independent: mesh-family scenes from seeds nothing else reads")
    e.add_argument("--recordings", metavar="DIR",
                   help="score the recordings in DIR against the *.truth.json beside them")
    e.add_argument("--geometry-only", action="store_true",
                   help="--recordings / --split independent: measure without the models")
    e.add_argument("--gait-duration-s", type=float, default=6.0, help="seconds per walk")
    e.add_argument("--json-out", help="also write every figure as JSON here")
    e.set_defaults(func=cmd_eval)

    b = sub.add_parser("bench", help="speed of every stage (tables)")
    b.add_argument("--quick", action="store_true", help="fewer repeats (a rough figure)")
    b.add_argument("--only", nargs="+", choices=list(BENCH_SECTIONS),
                   help="run only these sections")
    b.add_argument("--visits", type=int, default=None,
                   help="web: shoppers in a row for the memory figure (100; --quick 10)")
    b.set_defaults(func=cmd_bench)

    t = sub.add_parser("train", help="train the learned models (needs the train extra)")
    t.add_argument("target", choices=["seg", "arch", "rearfoot", "all", "fusion"],
                   help="fusion: only re-measure the fusion weights of the models in --out")
    t.add_argument("--tiny", action="store_true", help="a few steps on a few scenes (CI)")
    t.add_argument("--out", default="models", help="folder for the ONNX files and cards")
    t.add_argument("--threads", type=int, default=2, help="torch threads")
    t.add_argument("--station", choices=["standing", "gait"], default=None,
                   help="seg only: train just this station's model")
    t.add_argument("--epochs", type=int, default=None,
                   help="seg: epochs instead of the configured number")
    t.add_argument("--mesh-share", type=float, default=0.0,
                   help="share of every data set's scenes drawn from the mesh scene family "
                        "(0-1; needs the sim extra); the rest are analytic scenes")
    t.set_defaults(func=cmd_train)

    hs = sub.add_parser("heel-strip", help="watch the heel stop's contact strip (installing)")
    hs.add_argument("--device", help="its serial port (default: capture.heel_strip.device)")
    hs.add_argument("--baud", type=int, choices=sorted(BAUD_RATES), help="line rate")
    hs.add_argument("--config", help="config file (default $KIOSK_CONFIG)")
    hs.add_argument("--seconds", type=float, default=30.0, help="how long to watch (30)")
    hs.set_defaults(func=cmd_heel_strip)

    ds = sub.add_parser("dataset", help="generate simulated training samples (cached by seed)")
    ds.add_argument("station", choices=["standing", "gait"], help="which station's scenes")
    ds.add_argument("split", choices=["train", "val"], help="the training or validation seeds")
    ds.add_argument("n", type=int, help="how many samples the split holds")
    ds.add_argument("--start", type=int, default=0, help="first index (parallel runs)")
    ds.add_argument("--step", type=int, default=1, help="every step-th sample (parallel runs)")
    ds.add_argument("--root", default=str(DATASET_ROOT), help="dataset folder")
    ds.add_argument("--family", choices=FAMILIES, default="analytic",
                    help="scene family (mesh: the first N mesh-family seeds of the split)")
    ds.set_defaults(func=cmd_dataset)
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
