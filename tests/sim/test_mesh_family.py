"""The mesh scene family: real-shaped scenes written as real RealSense recordings, read
back through pyrealsense2, with truth measured on the meshes; and the evaluation paths
that score them (in process and from a folder of recordings)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from kiosk.cli import main
from kiosk.errors import InputError
from kiosk.sim.kinematics import rearfoot_curve
from kiosk.sim.modes import DepthMode, all_modes

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
pytestmark = pytest.mark.skipif(not (REALDATA / "foot_scans").is_dir(),
                                reason="../shared/realdata is not beside this checkout")
# Looked up, not imported: trimesh costs every test worker seconds at collection.
if importlib.util.find_spec("trimesh") is None:
    pytest.skip("the mesh family needs the sim extra", allow_module_level=True)

from kiosk.capture.realsense import RecordingSource  # noqa: E402
from kiosk.evaluate_mesh import (  # noqa: E402
    INDEPENDENT_SEED0,
    evaluate_independent,
    evaluate_recordings,
    format_recording_tables,
    independent_unusual,
    score_gait,
    score_standing,
)
from kiosk.sim.mesh_scenes import mesh_standing_scene, random_mesh_shopper  # noqa: E402
from kiosk.sim.record import (  # noqa: E402
    mesh_standing_frames,
    simulate_mesh_standing,
    truth_path,
)


def test_depth_modes_follow_the_d4xx_limits():
    assert DepthMode("D435", 848, 480, 90).fx_px == pytest.approx(447.0, abs=2)
    assert DepthMode("D415", 1280, 720, 30).fx_px > 1.4 * DepthMode("D455", 1280, 720, 30).fx_px
    with pytest.raises(InputError, match="30 fps at most"):
        DepthMode("D435", 1280, 720, 60)
    with pytest.raises(InputError, match="resolution"):
        DepthMode("D435", 1024, 768, 30)
    cams = {(m.camera, m.width, m.fps, m.color) for m in all_modes("gait")}
    assert ("D455", 640, 90, False) in cams and ("D415", 1280, 30, True) in cams
    assert not any(m.width == 1280 and m.fps > 30 for m in all_modes("gait"))


@pytest.mark.slow
def test_mesh_truth_is_measured_on_the_placed_foot():
    p = random_mesh_shopper(5, DepthMode("D435", 640, 480, 15), heel_gap_m=0.02)
    t = mesh_standing_scene(p).truth
    for k, side in enumerate(("left", "right")):
        foot = t["feet"][side]
        # the template is scaled to the ANSUR II subject's length and breadth
        assert foot["length_mm"] == pytest.approx(p.length_mm[k], abs=0.05)
        assert foot["width_mm"] == pytest.approx(p.width_mm[k], abs=0.05)
        # the dorsum is deformed to the drawn arch height index (truth is still measured)
        assert foot["arch_height_index"] == pytest.approx(p.ahi[k], abs=0.01)
        # the pternion sits 20 mm short of the heel stop's face (y = 0)
        assert foot["pternion_xy_m"][1] == pytest.approx(-0.02, abs=0.0015)
        assert foot["pternion_xy_m"][0] * (1 if side == "left" else -1) > 0
    assert t["subject"]["ansur2_id"] == p.subject_id


@pytest.mark.slow
@pytest.mark.parametrize("mode", [DepthMode("D415", 640, 480, 15, True),
                                  DepthMode("D435", 848, 480, 30, False),
                                  DepthMode("D455", 1280, 720, 30, True)],
                         ids=lambda m: m.label.replace(" ", "-"))
def test_mesh_recording_plays_back_through_pyrealsense2(tmp_path, mode):
    p = random_mesh_shopper(11, mode)
    rec = tmp_path / "mesh.db3"
    truth = simulate_mesh_standing(rec, p, n_frames=3)
    _, frames = mesh_standing_frames(p, 3)
    with RecordingSource(rec) as src:
        got = list(src.frames())
        assert src.info.has_color == mode.color
    assert len(got) == 3
    assert (got[0].intrinsics.width, got[0].intrinsics.height) == (mode.width, mode.height)
    assert got[0].intrinsics.fx == pytest.approx(mode.fx_px * p.fx_scale, rel=1e-4)
    for f, (d, c) in zip(got, frames, strict=True):
        np.testing.assert_allclose(f.depth_m, d, atol=1e-6)
        if mode.color:
            np.testing.assert_array_equal(f.color, c)
        else:
            assert f.color is None
    assert json.loads(truth_path(rec).read_text())["feet"] == truth["feet"]
    assert truth["mode"]["width"] == mode.width and truth["family"] == "mesh"
    valid = got[0].depth_m > 0
    assert 0.5 < valid.mean() < 1.0  # a scene, with the D4xx's invalid pixels


@pytest.mark.slow
def test_eval_recordings_equals_eval_on_the_same_scenes(tmp_path):
    seed, n = INDEPENDENT_SEED0 + 100, 2
    direct = evaluate_independent(standing=n, seed=seed, models=None, n_frames=4)
    for k in range(n):
        p = random_mesh_shopper(seed + k, unusual=independent_unusual(k))
        simulate_mesh_standing(tmp_path / f"s{k}.db3", p, n_frames=4)
    from_files = evaluate_recordings(tmp_path, geometry_only=True)
    assert len(from_files["rows"]) == n
    for a, b in zip(direct["rows"], from_files["rows"], strict=True):
        assert a.get("failure") == b.get("failure")
        assert a["mode"] == b["mode"]
        for side, errs in (a.get("errors") or {}).items():
            for name, v in errs.items():
                assert b["errors"][side][name] == pytest.approx(v, abs=1e-9)
    # a hand-measured truth file (Brannock length and width only) is scored on those alone
    t = json.loads(truth_path(tmp_path / "s0.db3").read_text())
    hand = {"station": "standing", "feet": {s: {"length_mm": t["feet"][s]["length_mm"],
                                                "width_mm": t["feet"][s]["width_mm"]}
                                            for s in ("left", "right")}}
    report = {"feet": {s: {k: t["feet"][s][k] + 1.0 for k in
                           ("length_mm", "width_mm", "arch_height_mm", "arch_height_index")}
                       for s in ("left", "right")}}
    assert score_standing(report, hand) == {s: {"length_mm": 1.0, "width_mm": 1.0}
                                            for s in ("left", "right")}


def test_eval_recordings_says_clearly_when_there_is_nothing_to_score(tmp_path):
    with pytest.raises(InputError, match="no recordings"):
        evaluate_recordings(tmp_path)
    assert main(["eval", "--recordings", str(tmp_path / "missing")]) == InputError.exit_code


def test_the_mesh_family_refuses_the_analytic_board(tmp_path, capsys):
    rc = main(["simulate", "standing", "--family", "mesh", "--board",
               "--out", str(tmp_path / "b.db3")])
    assert rc == InputError.exit_code
    assert "--family analytic" in capsys.readouterr().err


@pytest.mark.slow
def test_mesh_walk_plays_back_with_truth_per_frame(tmp_path):
    rec = tmp_path / "walk.db3"
    rc = main(["simulate", "gait", "--family", "mesh", "--seed", "4", "--camera", "D455",
               "--resolution", "640x480", "--fps", "60", "--duration-s", "0.1",
               "--out", str(rec)])
    assert rc == 0
    truth = json.loads(truth_path(rec).read_text())
    with RecordingSource(rec) as src:
        got = list(src.frames())
        assert src.info.fps == 60
    assert len(got) == len(truth["frames"]) == 6
    assert got[0].depth_m.shape == (480, 640)
    p = truth["profile"]
    for f in truth["frames"]:
        for k, side in enumerate(("left", "right")):
            t = f[side]
            # the rearfoot angle is measured on the meshes: heel counter against the shank
            assert t["rearfoot_deg"] == pytest.approx(t["heel_deg"] - t["shank_deg"], abs=1e-3)
            if t["contact"]:  # in stance it follows the drawn eversion curve
                drawn = rearfoot_curve(np.array([t["phase"]]), p["peak_eversion_deg"][k],
                                       np.asarray(p["curve_weights"]), p["gait"])[0]
                assert t["rearfoot_deg"] == pytest.approx(drawn, abs=3.0)


@pytest.mark.slow
def test_analytic_family_renders_in_another_mode():
    from kiosk.sim.scenes import apply_mode, random_profile, standing_scene

    p = apply_mode(random_profile(3), DepthMode("D415", 1280, 720, 30, False))
    intr = standing_scene(p).camera.intrinsics
    assert (intr.width, intr.height) == (1280, 720)
    assert intr.fx == pytest.approx(DepthMode("D415", 1280, 720, 30).fx_px, rel=0.05)
    base = standing_scene(random_profile(3)).camera.intrinsics
    assert (base.width, base.fx) == (848, random_profile(3).fx_px)  # the default is unchanged
    assert dataclasses.replace(p).color is False


@pytest.mark.slow
def test_analytic_depth_only_recording_in_another_mode_plays_back(tmp_path):
    from kiosk.sim.record import simulate_standing
    from kiosk.sim.scenes import apply_mode, random_profile

    p = apply_mode(random_profile(4), DepthMode("D455", 640, 480, 30, False))
    truth = simulate_standing(tmp_path / "a.db3", p, n_frames=2)
    with RecordingSource(tmp_path / "a.db3") as src:
        got = list(src.frames())
        assert not src.info.has_color and src.info.fps == 30
    assert len(got) == 2 and got[0].color is None
    assert got[0].depth_m.shape == (480, 640)
    assert truth["mode"] == {"camera": "D455", "width": 640, "height": 480, "fps": 30.0,
                             "color": False}


def test_independent_seeds_are_read_by_nothing_else():
    from kiosk.evaluate_mesh import GAIT_SEED_OFFSET
    from kiosk.train.data import TRAIN_SEED0, VAL_SEED0
    from kiosk.train.fusion import CALIBRATION_SEED0

    # every other range starts below these and spans at most 100 000 seeds (station offset
    # 50 000 plus the scenes drawn)
    for start in (10_000, 60_000, CALIBRATION_SEED0, TRAIN_SEED0, VAL_SEED0):
        assert start + 100_000 <= INDEPENDENT_SEED0
    assert GAIT_SEED_OFFSET >= 50_000
    kinds = [independent_unusual(k) for k in range(60)]
    assert kinds.count(None) == 48 and {"child", "large", "flat", "high", "swollen",
                                        "wide_trousers"} <= set(kinds)


def test_gait_scores_count_each_foots_heel_strikes_against_the_truth():
    truth = {"cadence_spm": 110.0,
             "feet": {"left": {"steps": 4, "peak_eversion_deg": 5.0},
                      "right": {"steps": 4, "peak_eversion_deg": None}}}
    report = {"cadence_spm": 111.0,
              "feet": {"left": {"steps": 4, "peak_eversion_deg": 6.0},
                       "right": {"steps": 6, "peak_eversion_deg": 2.0}}}
    errs = score_gait(report, truth)
    assert errs == {"left": {"peak_eversion_deg": 1.0, "heel_strikes": 0},
                    "right": {"heel_strikes": 2}, "walk": {"cadence_spm": 1.0}}
    text = format_recording_tables({"source": "walks", "rows": [
        {"name": "w.db3", "station": "gait", "mode": "D435 848x480 15 fps", "unusual": None,
         "errors": errs}]})
    assert "heel strikes within ±1 of truth: 1 of 2 feet (50.0 %)" in text
