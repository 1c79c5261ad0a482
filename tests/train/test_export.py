"""The segmentation export runs on any even crop (the kiosk's region of interest) exactly
as torch does, and the contract still names the full frame."""

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
def test_seg_export_runs_crops_of_any_even_size_like_torch(tmp_path):
    import onnxruntime as ort
    import torch

    from kiosk.train.export import export_onnx
    from kiosk.train.nets import SegNet
    from kiosk.vision.models import CONTRACT_KEY

    torch.manual_seed(0)
    net = SegNet(8, 5, (8, 16, 24, 32), 2)
    net.train()
    for _ in range(2):  # batch-norm statistics other than the identity
        net(torch.randn(2, 8, 48, 64))
    net.eval()
    contract = {"task": "segmentation", "dynamic_hw": True,
                "input": {"name": "features", "shape": [8, 64, 96], "layout": "NCHW",
                          "dtype": "float32"}}
    path = tmp_path / "seg.onnx"
    export_onnx(net, (torch.zeros(1, 8, 64, 96),), path, contract, ["features"], ["logits"],
                dynamic_hw=True, check_hw=((40, 72),))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert sess.get_inputs()[0].shape[2:] == ["height", "width"]
    meta = json.loads(sess.get_modelmeta().custom_metadata_map[CONTRACT_KEY])
    assert meta["input"]["shape"] == [8, 64, 96] and meta["dynamic_hw"] is True
    for h, w in ((120, 200), (96, 160), (30, 50)):
        x = torch.randn(2, 8, h, w)
        with torch.no_grad():
            want = net(x).numpy()
        (got,) = sess.run(["logits"], {"features": x.numpy()})
        assert got.shape == (2, 5, h, w)
        assert np.abs(got - want).max() < 1e-4


def test_default_export_keeps_height_and_width_fixed(tmp_path):
    import onnxruntime as ort
    import torch

    from kiosk.train.export import export_onnx
    from kiosk.train.nets import SegNet

    net = SegNet(8, 5, (8, 16, 24, 32), 2).eval()
    contract = {"task": "segmentation",
                "input": {"name": "features", "shape": [8, 32, 48], "layout": "NCHW",
                          "dtype": "float32"}}
    path = tmp_path / "seg.onnx"
    export_onnx(net, (torch.zeros(1, 8, 32, 48),), path, contract, ["features"], ["logits"])
    shape = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]) \
        .get_inputs()[0].shape
    assert shape[1:] == [8, 32, 48]
