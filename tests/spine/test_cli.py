"""The command-line contract (DESIGN.md §7): reports, exit codes and one-line reasons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.report import validate_report


def run_kiosk(*args: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore", **env_extra)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def assert_clean_failure(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0].lower(), lines[0]


def assert_storable(report: dict) -> None:
    """The kiosk may store this report: it passes the stored form's closed schema (the
    kiosk stores recommendations beside the report, not in it)."""
    import jsonschema

    from kiosk.report import STORED_REPORT_JSON_SCHEMA

    jsonschema.validate({**report, "recommendations": []}, STORED_REPORT_JSON_SCHEMA)


@pytest.mark.slow
def test_standing_recording_gives_a_schema_valid_report_close_to_truth(standing_rec, truth):
    r = run_kiosk("analyze", "standing", str(standing_rec), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    validate_report(report)
    assert_storable(report)
    t = truth(standing_rec)
    for side in ("left", "right"):
        assert abs(report["feet"][side]["length_mm"] - t["feet"][side]["length_mm"]) < 4
        assert abs(report["feet"][side]["arch_height_mm"] - t["feet"][side]["arch_height_mm"]) < 4
    assert report["size"]["eu"] > 30
    # the shipped models took part, and the report says which files
    assert report["versions"]["method"] == "geometry+models"
    assert set(report["versions"]["models"]) == {"standing_seg", "gait_seg", "foot_arch",
                                                 "rearfoot"}


@pytest.mark.slow
def test_analyze_prints_the_pipelines_typed_report_as_it_is(standing_rec):
    from itertools import islice

    from kiosk.capture.files import open_file_source
    from kiosk.pipeline import STANDING_MAX_FRAMES, analyze_standing
    from kiosk.report import StandingReport

    with open_file_source(standing_rec) as src:
        report = analyze_standing(list(islice(src.frames(), STANDING_MAX_FRAMES)))
    assert isinstance(report, StandingReport)
    r = run_kiosk("analyze", "standing", str(standing_rec), "--json")
    assert r.returncode == 0, r.stderr
    printed, wire = json.loads(r.stdout), report.to_dict()
    assert set(printed.pop("timings_ms")) == set(wire.pop("timings_ms"))
    assert json.dumps(printed) == json.dumps(wire)  # the same fields, values and order


@pytest.mark.slow
def test_corrupt_model_stops_analysis_naming_the_file_unless_geometry_only(tmp_path,
                                                                           standing_rec):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(Path(__file__).resolve().parents[2] / "models", models)
    onnx = models / "standing_seg.onnx"
    onnx.write_bytes(onnx.read_bytes()[: onnx.stat().st_size // 2])
    r = run_kiosk("analyze", "standing", str(standing_rec), "--json",
                  KIOSK_MODELS_DIR=str(models))
    assert_clean_failure(r, "standing_seg.onnx", "--geometry-only")
    r = run_kiosk("analyze", "standing", str(standing_rec), "--json", "--geometry-only",
                  KIOSK_MODELS_DIR=str(models))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["versions"]["method"] == "geometry"


@pytest.mark.slow
def test_gait_recording_gives_a_schema_valid_report(gait_rec, truth):
    r = run_kiosk("analyze", "gait", str(gait_rec), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    validate_report(report)
    assert_storable(report)
    t = truth(gait_rec)
    for side in ("left", "right"):
        assert abs(report["feet"][side]["steps"] - t["feet"][side]["steps"]) <= 1
    assert report["versions"]["method"] == "geometry+models"


@pytest.mark.slow
def test_simulate_cli_writes_recording_and_truth(tmp_path):
    out = tmp_path / "s.db3"
    r = run_kiosk("simulate", "standing", "--out", str(out), "--seed", "11")
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0
    assert json.loads(Path(str(out) + ".truth.json").read_text())["station"] == "standing"


@pytest.mark.slow
def test_missing_file_is_a_one_line_error(tmp_path):
    assert_clean_failure(run_kiosk("analyze", "standing", str(tmp_path / "nope.db3")),
                         "no such file")


@pytest.mark.slow
def test_text_file_named_bag_is_rejected(tmp_path):
    p = tmp_path / "notes.bag"
    p.write_text("this is not a recording\n")
    assert_clean_failure(run_kiosk("analyze", "standing", str(p)), "recording")


@pytest.mark.slow
def test_truncated_db3_is_rejected(tmp_path, standing_rec):
    p = tmp_path / "cut.db3"
    p.write_bytes(standing_rec.read_bytes()[:20000])
    assert_clean_failure(run_kiosk("analyze", "standing", str(p)))


@pytest.mark.slow
def test_recording_without_depth_stream_is_rejected(tmp_path):
    import numpy as np

    from kiosk.capture.frame import Intrinsics
    from kiosk.capture.realsense import RecordingWriter

    intr = Intrinsics(64, 48, 50.0, 50.0, 32.0, 24.0)
    p = tmp_path / "colour_only.db3"
    with RecordingWriter(p, intr, 15, depth=False) as w:
        for k in range(3):
            w.write(k, k / 15, None, np.zeros((48, 64, 3), np.uint8))
    assert_clean_failure(run_kiosk("analyze", "standing", str(p)), "depth")


@pytest.mark.slow
def test_a_heel_short_of_the_stop_asks_the_shopper_to_step_back(tmp_path):
    from kiosk.sim.scenes import random_profile

    profile = tmp_path / "gap.json"
    # the right heel 25 mm short, the left against the stop (the kiosk compares the two)
    profile.write_text(json.dumps(random_profile(7, heel_gap_m=(0.0, 0.025)).to_dict()))
    out = tmp_path / "gap.db3"
    r = run_kiosk("simulate", "standing", "--out", str(out), "--profile", str(profile))
    assert r.returncode == 0, r.stderr
    assert_clean_failure(run_kiosk("analyze", "standing", str(out)), "step back", "right")


@pytest.mark.slow
def test_gait_shorter_than_two_strides_is_rejected(tmp_path):
    out = tmp_path / "short.db3"
    r = run_kiosk("simulate", "gait", "--out", str(out), "--seed", "3", "--duration-s", "0.8")
    assert r.returncode == 0, r.stderr
    assert_clean_failure(run_kiosk("analyze", "gait", str(out)))


@pytest.mark.slow
def test_corrupt_video_is_rejected(tmp_path):
    p = tmp_path / "walk.mp4"
    p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    assert_clean_failure(run_kiosk("analyze", "gait", str(p)))


@pytest.mark.slow
def test_real_d435_office_recording_is_refused_as_no_mat_in_view(real_d435_bag):
    from kiosk.errors import NoFeetFound

    r = run_kiosk("analyze", "standing", str(real_d435_bag))
    assert_clean_failure(r, "no mat or heel stop in view")
    assert r.returncode == NoFeetFound.exit_code


def test_real_d435_office_recording_raises_the_no_mat_code(real_d435_bag):
    from kiosk.capture.files import open_file_source
    from kiosk.errors import NoFeetFound
    from kiosk.vision.standing import analyze_standing_frames

    with open_file_source(real_d435_bag) as src:
        frames = [f for f in src if f.depth_m is not None][:30]
    assert frames
    with pytest.raises(NoFeetFound) as e:
        analyze_standing_frames(frames)
    assert e.value.code == "no_mat"


@pytest.mark.slow
def test_empty_mat_says_no_feet(tmp_path):
    import numpy as np

    from kiosk.capture.frame import Frame
    from kiosk.errors import NoFeetFound
    from kiosk.sim.render import render
    from kiosk.sim.scenes import random_profile, standing_scene
    from kiosk.vision.standing import analyze_standing_frames

    scene = standing_scene(random_profile(4))
    out = render(scene.camera, scene.quads, [], np.array([0.3, -0.5, 1.0]))
    frames = [Frame(0, 0.0, scene.camera.intrinsics, out.depth_m, out.color)] * 3
    with pytest.raises(NoFeetFound):
        analyze_standing_frames(frames)


@pytest.mark.slow
def test_calibrate_from_a_board_recording_then_check_captures_against_it(tmp_path):
    board = tmp_path / "board.db3"
    assert run_kiosk("simulate", "standing", "--board", "--seed", "7", "--out",
                     str(board)).returncode == 0
    cal = tmp_path / "cal.json"
    r = run_kiosk("calibrate", "standing", str(board), "--out", str(cal))
    assert r.returncode == 0, r.stderr
    saved = json.loads(cal.read_text())
    assert abs(saved["camera_height_m"] - 0.65) < 0.01
    assert abs(saved["board"]["square_measured_mm"] - 40.0) < 1.0


@pytest.mark.slow
def test_calibrate_without_a_board_fails_with_a_reason(standing_rec, tmp_path):
    r = run_kiosk("calibrate", "standing", str(standing_rec), "--out", str(tmp_path / "c.json"))
    assert_clean_failure(r, "board")
    assert not (tmp_path / "c.json").exists()


def _picture(path: Path):
    import cv2

    img = cv2.imread(str(path))
    assert img is not None, f"{path} is not a picture"
    return img


@pytest.mark.slow
def test_standing_overlay_draws_the_measured_lines_on_the_capture(standing_rec, tmp_path):
    out = tmp_path / "standing.png"
    r = run_kiosk("analyze", "standing", str(standing_rec), "--geometry-only",
                  "--overlay", str(out))
    assert r.returncode == 0, r.stderr
    img = _picture(out)
    # the length/width lines' green and both feet's outline colours are there
    b, g, rr = img[..., 0].astype(int), img[..., 1].astype(int), img[..., 2].astype(int)
    assert ((g > 140) & (rr < 60) & (b < 90)).sum() > 50  # length and width lines
    assert ((b > 200) & (rr < 80)).sum() > 50  # the left foot's outline
    assert ((rr > 200) & (b < 80) & (g < 120)).sum() > 50  # the right foot's outline


@pytest.mark.slow
def test_gait_overlay_draws_bisectors_on_a_mid_stance_frame(gait_rec, tmp_path):
    out = tmp_path / "gait.png"
    r = run_kiosk("analyze", "gait", str(gait_rec), "--geometry-only", "--overlay", str(out))
    assert r.returncode == 0, r.stderr
    img = _picture(out)
    g, rr = img[..., 1].astype(int), img[..., 2].astype(int)
    assert ((g > 140) & (rr < 60)).sum() > 20  # shank bisectors


def test_every_cli_option_has_help_text():
    import argparse

    from kiosk.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f"{name} {a.option_strings or a.dest}"
               for name, sp in subs.choices.items() for a in sp._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert not missing, missing
