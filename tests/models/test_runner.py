"""The ONNX runner: contract from metadata, sha256 against the card, clear errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import ModelError
from kiosk.vision.models import CONTRACT_KEY, OnnxModel, file_sha256

# Looked up, not imported: onnx costs every test worker seconds at collection.
if importlib.util.find_spec("onnx") is None:
    pytest.skip("onnx builds the test model (test extra)", allow_module_level=True)

CONTRACT = {"task": "segmentation",
            "input": {"name": "features", "shape": [2, 4, 6], "layout": "NCHW",
                      "dtype": "float32", "channels": ["a", "b"]},
            "labels": ["background", "foot"], "outputs": ["logits"],
            "preprocess": {"stride": 1}}


def _identity_model(path: Path, contract: dict | None = CONTRACT) -> Path:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 2, 4, 6])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2, 4, 6])
    graph = helper.make_graph([helper.make_node("Identity", ["features"], ["logits"])],
                              "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if contract is not None:
        p = model.metadata_props.add()
        p.key, p.value = CONTRACT_KEY, json.dumps(contract)
    onnx.save(model, str(path))
    path.with_suffix(".json").write_text(json.dumps({"sha256": file_sha256(path)}))
    return path


def test_contract_is_read_from_the_onnx_metadata(tmp_path):
    m = OnnxModel(_identity_model(tmp_path / "m.onnx"))
    assert m.contract.input_shape == (2, 4, 6)
    assert m.contract.labels == ("background", "foot")
    assert m.contract.layout == "NCHW"
    x = np.arange(48, dtype=np.float32).reshape(1, 2, 4, 6)
    assert np.array_equal(m.run(x)["logits"], x)
    assert m.session.get_session_options().intra_op_num_threads == 1


def test_missing_model_file_names_the_file(tmp_path):
    with pytest.raises(ModelError, match=r"nothere\.onnx.*missing"):
        OnnxModel(tmp_path / "nothere.onnx")


def test_corrupt_model_file_names_the_file(tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x08\x07not an onnx graph" * 10)
    path.with_suffix(".json").write_text(json.dumps({"sha256": file_sha256(path)}))
    with pytest.raises(ModelError, match=r"broken\.onnx.*cannot load"):
        OnnxModel(path)


def test_model_that_does_not_match_its_card_is_refused(tmp_path):
    path = _identity_model(tmp_path / "m.onnx")
    with open(path, "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelError, match=r"m\.onnx: sha256 .* does not match its card"):
        OnnxModel(path)


def test_model_without_card_is_refused(tmp_path):
    path = _identity_model(tmp_path / "m.onnx")
    path.with_suffix(".json").unlink()
    with pytest.raises(ModelError, match=r"m\.json: model card missing"):
        OnnxModel(path)


def test_model_without_contract_is_refused(tmp_path):
    path = _identity_model(tmp_path / "m.onnx", contract=None)
    with pytest.raises(ModelError, match=r"m\.onnx: no input contract"):
        OnnxModel(path)


def test_wrong_input_shape_is_refused(tmp_path):
    m = OnnxModel(_identity_model(tmp_path / "m.onnx"))
    with pytest.raises(ModelError, match="does not match the contract"):
        m.run(np.zeros((1, 2, 4, 5), np.float32))


@pytest.mark.slow
def test_run_time_path_loads_the_shipped_models_without_torch():
    code = (
        "import sys\n"
        "from kiosk.vision.learned import LearnedModels\n"
        "m = LearnedModels.load()\n"
        "assert m.standing_seg.model.contract.labels[0] == 'background'\n"
        "bad = [k for k in sys.modules if k == 'torch' or k.startswith('torch.')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


def test_shipped_models_are_small_and_match_their_cards():
    models = Path(__file__).resolve().parents[2] / "models"
    files = sorted(models.glob("*.onnx"))
    assert {f.stem for f in files} >= {"standing_seg", "gait_seg", "foot_arch", "rearfoot"}
    for f in files:
        card = json.loads(f.with_suffix(".json").read_text())
        assert f.stat().st_size <= 10 * 1024 * 1024, f
        assert card["sha256"] == file_sha256(f), f
        assert card["command"].startswith("kiosk train"), f
        assert card["held_out_metrics"], f


def test_shipped_rearfoot_estimator_learnt_from_the_shipped_segmentation():
    # it learns from the treadmill model's own masks: a retrained segmentation model ships
    # with a rearfoot estimator retrained on it, or the kiosk feeds it masks it never saw
    models = Path(__file__).resolve().parents[2] / "models"
    rear = json.loads((models / "rearfoot.json").read_text())
    masks = rear["training_data"]["segmentation_masks"]
    assert masks["model"] == "gait_seg.onnx"
    assert masks["sha256"] == file_sha256(models / "gait_seg.onnx")
