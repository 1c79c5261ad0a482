"""One runner for every learned model: ONNX Runtime, loaded once, checked, warmed up.

A model file `models/NAME.onnx` has a card `models/NAME.json` beside it (how it was made,
its held-out metrics, its sha256). The runner checks the file against the card's sha256,
reads the input contract (size, layout, dtype, channels, labels, preprocessing) from the
ONNX metadata the exporter wrote, and runs on one thread unless told otherwise. Anything
wrong with a model file is a `ModelError` naming the file. No torch here, ever.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def default_models_dir() -> Path:
    """models/ beside the package, or $KIOSK_MODELS_DIR (an installed kiosk's own copy)."""
    return Path(os.environ.get("KIOSK_MODELS_DIR") or MODELS_DIR)
CONTRACT_KEY = "kiosk.contract"
WARMUP_RUNS = 2


@dataclass(frozen=True)
class ModelContract:
    """What a model expects and returns, as written into the ONNX metadata by the exporter."""

    task: str
    input_name: str
    input_shape: tuple  # (C, H, W) or (F,) without the batch axis
    layout: str  # "NCHW" or "NF"
    dtype: str
    channels: tuple = ()
    labels: tuple = ()
    outputs: tuple = ()
    preprocess: dict = field(default_factory=dict)

    @staticmethod
    def from_metadata(meta: dict, path: Path) -> ModelContract:
        raw = meta.get(CONTRACT_KEY)
        if raw is None:
            raise ModelError(f"{path}: no input contract in the ONNX metadata ({CONTRACT_KEY})")
        try:
            d = json.loads(raw)
            return ModelContract(
                task=d["task"],
                input_name=d["input"]["name"],
                input_shape=tuple(d["input"]["shape"]),
                layout=d["input"]["layout"],
                dtype=d["input"]["dtype"],
                channels=tuple(d["input"].get("channels", ())),
                labels=tuple(d.get("labels", ())),
                outputs=tuple(d.get("outputs", ())),
                preprocess=dict(d.get("preprocess", {})),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ModelError(f"{path}: unreadable input contract in the metadata ({e})") from None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def read_card(model_path: Path) -> dict:
    path = card_path(model_path)
    if not path.is_file():
        raise ModelError(f"{path}: model card missing (every model ships with its card)")
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: unreadable model card ({e})") from None


class OnnxModel:
    """An ONNX Runtime session with its contract; `run` times every call."""

    def __init__(self, path: str | Path, threads: int = 1, task: str | None = None,
                 check_card: bool = True) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: model file missing (run `kiosk train` or restore "
                             "models/ from the repository)")
        self.card = read_card(self.path) if check_card else {}
        if check_card:
            digest = file_sha256(self.path)
            if digest != self.card.get("sha256"):
                raise ModelError(f"{self.path}: sha256 {digest[:12]}… does not match its card "
                                 f"({str(self.card.get('sha256'))[:12]}…): corrupt or replaced")
        # Loaded on the first model, not at the top: `kiosk serve` imports this module in
        # gunicorn's master, and ONNX Runtime loaded before the fork aborts the worker at
        # exit (std::system_error); tests/web/test_systemd.py checks the import stays late.
        import onnxruntime as ort  # noqa: PLC0415 - see above

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # no arena: activations at full resolution are freed after each run instead of
        # being kept for the next (the kiosk process must stay small; ~0 ms slower here)
        opts.enable_cpu_mem_arena = False
        try:
            self.session = ort.InferenceSession(str(self.path), opts,
                                                providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors for bad files
            raise ModelError(f"{self.path}: ONNX Runtime cannot load it ({e})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        self.contract = ModelContract.from_metadata(meta, self.path)
        if task is not None and self.contract.task != task:
            raise ModelError(f"{self.path}: is a '{self.contract.task}' model, expected '{task}'")
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != self.contract.input_name:
            raise ModelError(f"{self.path}: graph input does not match its contract")
        declared = tuple(inputs[0].shape[1:])
        # a symbolic (named) axis takes any size: segmentation models run on windows
        self.dynamic_axes = tuple(k for k, d in enumerate(declared) if not isinstance(d, int))
        want = self.contract.input_shape
        if len(declared) != len(want) or any(
                d != c for k, (d, c) in enumerate(zip(declared, want, strict=True))
                if k not in self.dynamic_axes):
            raise ModelError(f"{self.path}: graph input shape {declared} does not match the "
                             f"contract {self.contract.input_shape}")
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.last_ms = 0.0
        self._lock = threading.Lock()
        warmup_input = np.zeros((1, *self.contract.input_shape), np.float32)
        for _ in range(WARMUP_RUNS):
            self.run(warmup_input)
        log.info("loaded %s (%s, input %s, %d thread%s)", self.path.name, self.contract.task,
                 self.contract.input_shape, threads, "" if threads == 1 else "s")

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Run a batch (N, *input_shape) float32; returns the outputs by name."""
        want = self.contract.input_shape
        if (x.ndim != len(want) + 1 or x.dtype != np.float32
                or any(a != b for k, (a, b) in enumerate(zip(x.shape[1:], want, strict=True))
                       if k not in self.dynamic_axes)):
            raise ModelError(f"{self.path}: input {x.shape} {x.dtype} does not match the "
                             f"contract {self.contract.input_shape} float32")
        t = time.perf_counter()
        with self._lock:  # one session, many callers (web threads): keep runs serial
            out = self.session.run(self.output_names, {self.contract.input_name: x})
        self.last_ms = (time.perf_counter() - t) * 1e3
        return dict(zip(self.output_names, out, strict=True))


_CACHE: dict[tuple, OnnxModel] = {}
_CACHE_LOCK = threading.Lock()


def load_model(name: str, models_dir: str | Path | None = None, threads: int = 1,
               task: str | None = None) -> OnnxModel:
    """The model `models_dir/name.onnx`, loaded once per process (and per thread count)."""
    path = Path(models_dir or default_models_dir()) / f"{name}.onnx"
    key = (str(path.resolve()), threads)
    with _CACHE_LOCK:
        model = _CACHE.get(key)
        if model is None:
            model = OnnxModel(path, threads=threads, task=task)
            _CACHE[key] = model
        return model


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
