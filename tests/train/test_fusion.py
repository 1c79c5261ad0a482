"""Fusion calibration: the model's bias comes off, its sigmas are rescaled, and a figure is
taken from whichever of geometry, the model or the two fused erred least on the calibration
scenes."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("torch") is None:  # looked up, not imported (see test_export)
    pytest.skip("the train extra is not installed", allow_module_level=True)


def _pairs(rng, n, geo_sd, model_bias, model_sd, stated_sd):
    g = rng.normal(0, geo_sd, n)
    m = rng.normal(model_bias, model_sd, n)
    return list(g), [(a, b, stated_sd) for a, b in zip(g, m, strict=True)]


def test_a_biased_but_precise_model_is_debiased_and_fused():
    from kiosk.train.fusion import _fusion_entry

    rng = np.random.default_rng(0)
    geo, pairs = _pairs(rng, 400, 2.0, 3.0, 0.5, 0.1)  # states 0.1, is 0.5: scale 5
    e = _fusion_entry({"width_mm": geo}, {"width_mm": pairs}, "test")
    assert e["model_bias"]["width_mm"] == pytest.approx(3.0, abs=0.15)
    assert e["model_sigma_scale"]["width_mm"] == pytest.approx(5.0, rel=0.15)
    assert e["geometry_sigma"]["width_mm"] == pytest.approx(2.0, rel=0.15)
    assert e["use"]["width_mm"] == "fused"


def test_a_model_worse_than_geometry_is_not_fused():
    from kiosk.train.fusion import _fusion_entry

    rng = np.random.default_rng(1)
    geo, pairs = _pairs(rng, 400, 0.5, 0.0, 3.0, 0.3)  # claims 0.3, is 3: not to be trusted
    e = _fusion_entry({"length_mm": geo}, {"length_mm": pairs}, "test")
    assert e["use"]["length_mm"] == "geometry"


def test_no_model_estimates_means_geometry_alone():
    from kiosk.train.fusion import _fusion_entry

    e = _fusion_entry({"arch_height_mm": [0.5, -0.5]}, {"arch_height_mm": []}, "test")
    assert e["use"]["arch_height_mm"] == "geometry" and e["model_bias"]["arch_height_mm"] == 0.0


def test_the_kiosk_takes_the_bias_off_and_scales_the_sigma():
    from kiosk.vision.estimators import Estimate
    from kiosk.vision.learned import LearnedModels

    lm = LearnedModels(None, None, None, None, model_sigma_scale={"width_mm": 2.0},
                       model_bias={"width_mm": 1.5})
    e = lm.calibrated("width_mm", Estimate(100.0, 0.5))
    assert (e.value, e.sigma) == (98.5, 1.0)


def test_a_clear_geometry_bias_is_measured_and_a_noisy_one_is_not():
    from kiosk.train.fusion import _fusion_entry

    rng = np.random.default_rng(2)
    high = list(rng.normal(1.1, 0.6, 48))  # the arch's parabola reads ~1 mm high
    e = _fusion_entry({"arch_height_mm": high}, {"arch_height_mm": []}, "test")
    assert e["geometry_bias"]["arch_height_mm"] == pytest.approx(1.1, abs=0.25)
    assert e["geometry_sigma"]["arch_height_mm"] == pytest.approx(0.6, rel=0.25)
    unbiased = list(rng.normal(0.0, 2.0, 48))
    e = _fusion_entry({"width_mm": unbiased}, {"width_mm": []}, "test")
    assert e["geometry_bias"]["width_mm"] == 0.0


def test_the_kiosk_takes_geometry_bias_off_before_fusing():
    from kiosk.vision.estimators import Estimate
    from kiosk.vision.learned import LearnedModels

    lm = LearnedModels(None, None, None, None, geometry_sigma={"arch_height_mm": 1.0},
                       geometry_bias={"arch_height_mm": 1.0}, use={})
    assert lm.fuse("arch_height_mm", None, 20.0).value == pytest.approx(19.0)
    # equal sigmas: the mean of the model and de-biased geometry
    assert lm.fuse("arch_height_mm", Estimate(21.0, 1.0), 20.0).value == pytest.approx(20.0)
    lm.use["arch_height_mm"] = "geometry"
    assert lm.fuse("arch_height_mm", Estimate(25.0, 0.1), 20.0).value == pytest.approx(19.0)
    lm.use["arch_height_mm"] = "model"
    assert lm.fuse("arch_height_mm", Estimate(25.0, 0.1), 20.0).value == pytest.approx(25.0)
    # a source without a value falls back on the other
    assert lm.fuse("arch_height_mm", None, 20.0).value == pytest.approx(19.0)


def test_a_model_that_fusing_only_pulls_off_is_used_alone():
    from kiosk.train.fusion import _fusion_entry

    rng = np.random.default_rng(3)
    # both read the same masks, so their errors go together; geometry is now and then far
    # off on top (a trouser hem read as the heel): fusing only adds geometry's share of that
    m = rng.normal(0, 0.6, 400)
    geo = list(m + rng.normal(0, 0.5, 400) + np.where(rng.random(400) < 0.3, 8.0, 0.0))
    pairs = [(g, b, 0.6) for g, b in zip(geo, m, strict=True)]
    e = _fusion_entry({"rearfoot_deg": geo}, {"rearfoot_deg": pairs}, "test")
    assert e["use"]["rearfoot_deg"] == "model"


def test_calibrating_fusion_needs_all_four_models(tmp_path):
    from kiosk.errors import InputError
    from kiosk.train.run import run_train

    with pytest.raises(InputError, match="lacks some of standing_seg"):
        run_train("fusion", tmp_path)
