"""Fusion calibration: the model's bias comes off, its sigmas are rescaled, and a figure is
fused only where fusing beat geometry alone on the calibration scenes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="the train extra is not installed")


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
    assert e["fuse"]["width_mm"] is True


def test_a_model_worse_than_geometry_is_not_fused():
    from kiosk.train.fusion import _fusion_entry

    rng = np.random.default_rng(1)
    geo, pairs = _pairs(rng, 400, 0.5, 0.0, 3.0, 0.3)  # claims 0.3, is 3: not to be trusted
    e = _fusion_entry({"length_mm": geo}, {"length_mm": pairs}, "test")
    assert e["fuse"]["length_mm"] is False


def test_no_model_estimates_means_geometry_alone():
    from kiosk.train.fusion import _fusion_entry

    e = _fusion_entry({"arch_height_mm": [0.5, -0.5]}, {"arch_height_mm": []}, "test")
    assert e["fuse"]["arch_height_mm"] is False and e["model_bias"]["arch_height_mm"] == 0.0


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
                       geometry_bias={"arch_height_mm": 1.0}, fuse_figures={})
    assert lm.fuse("arch_height_mm", None, 20.0).value == pytest.approx(19.0)
    # equal sigmas: the mean of the model and de-biased geometry
    assert lm.fuse("arch_height_mm", Estimate(21.0, 1.0), 20.0).value == pytest.approx(20.0)
    lm.fuse_figures["arch_height_mm"] = False
    assert lm.fuse("arch_height_mm", Estimate(25.0, 0.1), 20.0).value == pytest.approx(19.0)


def test_calibrating_fusion_needs_all_four_models(tmp_path):
    from kiosk.errors import InputError
    from kiosk.train.run import run_train

    with pytest.raises(InputError, match="lacks some of standing_seg"):
        run_train("fusion", tmp_path)
