"""`kiosk train all --tiny` runs end to end (data, training, export, cards) so it cannot rot."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

# Looked up, not imported: torch costs every test worker seconds at collection, and only
# the tests that use it import it.
if importlib.util.find_spec("torch") is None:
    pytest.skip("PyTorch is not installed: pip install -e '.[test]' (pins torch==2.13.0)",
                allow_module_level=True)


@pytest.mark.slow
def test_tiny_training_writes_models_the_runner_loads(tmp_path):
    from kiosk.train.run import run_train
    from kiosk.vision.learned import LearnedModels
    from kiosk.vision.models import CONTRACT_KEY, OnnxModel, file_sha256

    out = tmp_path / "models"
    cards = run_train("all", out, tiny=True, threads=1, data_root=tmp_path / "data")
    assert [c["file"] for c in cards] == ["standing_seg.onnx", "gait_seg.onnx",
                                          "foot_arch.onnx", "rearfoot.onnx"]
    for card in cards:
        path = out / card["file"]
        on_disk = json.loads(path.with_suffix(".json").read_text())
        assert on_disk["sha256"] == file_sha256(path)
        assert on_disk["command"].startswith("kiosk train ")
        assert on_disk["held_out_metrics"]
        assert path.with_suffix(".md").is_file()
        model = OnnxModel(path)
        batch = np.zeros((3, *model.contract.input_shape), np.float32)
        outputs = model.run(batch)  # dynamic batch axis
        assert all(len(v) == 3 for v in outputs.values())
        if card["task"] == "segmentation":  # and any even crop, for a region of interest
            pre = model.contract.preprocess  # the contract still names the whole frame
            assert model.contract.input_shape[1:] == (pre["frame"][1] // pre["stride"],
                                                      pre["frame"][0] // pre["stride"])
            assert json.loads(model.session.get_modelmeta().custom_metadata_map[
                CONTRACT_KEY])["dynamic_hw"] is True
            crop = np.zeros((1, model.contract.input_shape[0], 32, 48), np.float32)
            (logits,) = model.session.run(["logits"], {"features": crop})
            assert logits.shape == (1, len(card["outputs"]["labels"]), 32, 48)
    models = LearnedModels.load(out)
    assert models.gait_seg.classes[1] == "left_shoe"
    # the rearfoot estimator learnt from the masks of the treadmill model trained before it
    masks = cards[3]["training_data"]["segmentation_masks"]
    assert masks["sha256"] == cards[1]["sha256"] == file_sha256(out / "gait_seg.onnx")


@pytest.mark.slow
def test_training_data_are_deterministic_by_seed():
    from kiosk.train.data import make_gait_sample

    a, b = make_gait_sample(123, n_frames=1), make_gait_sample(123, n_frames=1)
    assert np.array_equal(a["depth_mm"], b["depth_mm"])
    assert np.array_equal(a["cls"], b["cls"])
    assert a["meta"] == b["meta"]
