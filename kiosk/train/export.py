"""ONNX export with the input contract in the metadata, and the model card beside it."""

from __future__ import annotations

import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from kiosk.vision.models import CONTRACT_KEY, card_path, file_sha256

OPSET = 17


def export_onnx(model: torch.nn.Module, example: tuple, path: Path, contract: dict,
                input_names: list[str], output_names: list[str],
                dynamic_hw: bool = False, check_hw: tuple = ()) -> None:
    """Export with a dynamic batch axis and the contract as metadata (read back by the runner).

    `dynamic_hw` also frees the height and width (axes 2, 3 of every input and output), so
    an image model can run on a region-of-interest crop; each (H, W) in `check_hw` is then
    run through both torch and ONNX Runtime and compared, as the example input is.
    """
    import onnx  # noqa: PLC0415 - the optional `train` extra; the kiosk never exports

    model = model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {0: "batch", 2: "height", 3: "width"} if dynamic_hw else {0: "batch"}
    dyn = {n: dict(axes) for n in input_names + output_names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, str(path), opset_version=OPSET,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=dyn, dynamo=False, do_constant_folding=True)
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    meta = {CONTRACT_KEY: json.dumps(contract, sort_keys=True),
            "task": contract["task"],
            "imgsz": json.dumps(contract["input"]["shape"][1:]),
            "layout": contract["input"]["layout"],
            "dtype": contract["input"]["dtype"],
            "labels": json.dumps(contract.get("labels", []))}
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.producer_name = "footkiosk"
    onnx.save(m, str(path))
    examples = [example] + [tuple(torch.randn(1, x.shape[1], h, w) for x in example)
                            for h, w in check_hw]
    with torch.no_grad():
        for ex in examples:
            check = [(o, np.asarray(t)) for o, t in zip(output_names, _as_tuple(model(*ex)),
                                                        strict=True)]
            _verify(path, ex, input_names, check)


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _verify(path: Path, example: tuple, input_names: list[str], expected: list) -> None:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run([n for n, _ in expected],
                   {n: np.asarray(t) for n, t in zip(input_names, example, strict=True)})
    for (name, want), have in zip(expected, got, strict=True):
        err = float(np.abs(want - have).max())
        if err > 1e-3 * max(1.0, float(np.abs(want).max())):
            raise RuntimeError(f"{path}: ONNX output {name} differs from torch by {err}")


def write_card(path: Path, card: dict) -> dict:
    """JSON card beside the model (read by the runner) and a Markdown rendering of it."""
    card = dict(card)
    card["file"] = path.name
    card["sha256"] = file_sha256(path)
    card["size_bytes"] = path.stat().st_size
    card["environment"] = {"python": sys.version.split()[0], "torch": torch.__version__,
                           "platform": platform.platform(), "opset": OPSET}
    card_path(path).write_text(json.dumps(card, indent=1, sort_keys=False) + "\n")
    md = [f"# Model card: {path.name}", "", card.get("summary", ""), ""]
    for key in ("task", "inputs", "outputs", "preprocessing", "training_frames",
                "training_data", "training",
                "held_out_metrics", "fusion", "command", "wall_time_s", "sha256",
                "size_bytes", "sim", "environment"):
        if key in card:
            v = card[key]
            text = v if isinstance(v, str) else "```\n" + json.dumps(v, indent=1) + "\n```"
            md += [f"## {key}", "", text, ""]
    path.with_suffix(".md").write_text("\n".join(md))
    return card
