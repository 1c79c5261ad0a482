"""Every D4xx depth mode goes through the same analysis (DESIGN.md §6): a standing capture
and a short walk recorded at 640x480 and at 1280x720 are measured as the 848x480 ones in
test_cli.py are, with the same tolerances."""

from __future__ import annotations

import json

import pytest

from kiosk.report import validate_report
from kiosk.sim.record import simulate_gait, simulate_standing
from kiosk.sim.scenes import random_profile
from tests.spine.test_cli import run_kiosk

MODES = [(640, 480), (1280, 720)]
GAIT_DURATION_S = 3.0  # two strides per foot at the profile's cadence, and little more


@pytest.fixture(scope="module", params=MODES, ids=lambda m: f"{m[0]}x{m[1]}")
def standing_mode_rec(request, tmp_path_factory):
    w, h = request.param
    out = tmp_path_factory.mktemp("modes") / f"standing_{w}x{h}.db3"
    truth = simulate_standing(out, random_profile(7), n_frames=10, mode=(w, h))
    return out, truth


@pytest.fixture(scope="module", params=MODES, ids=lambda m: f"{m[0]}x{m[1]}")
def gait_mode_rec(request, tmp_path_factory):
    w, h = request.param
    out = tmp_path_factory.mktemp("modes") / f"gait_{w}x{h}.db3"
    truth = simulate_gait(out, random_profile(3, "gait"), duration_s=GAIT_DURATION_S,
                          mode=(w, h))
    return out, truth


@pytest.mark.slow
def test_standing_capture_at_another_mode_is_measured_close_to_truth(standing_mode_rec):
    rec, t = standing_mode_rec
    assert t["feet"]["left"]["heel_gap_mm"] == 0.0  # heels against the stop
    r = run_kiosk("analyze", "standing", str(rec), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    validate_report(report)
    assert report["versions"]["method"] == "geometry+models"
    for side in ("left", "right"):
        assert abs(report["feet"][side]["length_mm"] - t["feet"][side]["length_mm"]) < 4
        assert abs(report["feet"][side]["arch_height_mm"] - t["feet"][side]["arch_height_mm"]) < 4


@pytest.mark.slow
def test_walk_at_another_mode_counts_the_steps(gait_mode_rec):
    rec, t = gait_mode_rec
    r = run_kiosk("analyze", "gait", str(rec), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    validate_report(report)
    assert report["versions"]["method"] == "geometry+models"
    for side in ("left", "right"):
        assert abs(report["feet"][side]["steps"] - t["feet"][side]["steps"]) <= 1
        assert report["feet"][side]["peak_eversion_deg"] is not None
