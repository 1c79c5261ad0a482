"""`kiosk train seg|arch|rearfoot|all [--tiny] [--out models/] [--mesh-share F]`: train,
export, write cards.

`kiosk train seg --station gait --epochs N` trains one segmentation model for N epochs;
`--mesh-share 0.5` draws half of every data set's scenes from the mesh family (the `sim`
extra), the rest from the analytic one; `kiosk train fusion` only re-measures the fusion
weights of the four models in --out.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from kiosk.errors import InputError
from kiosk.train.data import DATASET_ROOT
from kiosk.train.fusion import calibrate_gait, calibrate_standing, write_fusion
from kiosk.vision.estimators import FOOT_MODEL, REARFOOT_MODEL
from kiosk.vision.segmentation import GAIT_MODEL, STANDING_MODEL

log = logging.getLogger(__name__)

TARGETS = ("seg", "arch", "rearfoot", "all", "fusion")
STATIONS = ("standing", "gait")


def run_train(target: str, out: str | Path = "models", tiny: bool = False, threads: int = 2,
              data_root: str | Path = DATASET_ROOT, station: str | None = None,
              epochs: int | None = None, mesh_share: float = 0.0) -> list[dict]:
    """Train the named models; returns their cards.

    `station` limits `seg` to one of the two segmentation models, `epochs` overrides the
    configured epochs of the segmentation models and `mesh_share` is the share of every
    data set's scenes drawn from the mesh family.
    """
    if target == "fusion":  # ONNX Runtime and the simulator only: no torch needed
        if tiny or station or epochs or mesh_share:
            raise InputError("kiosk train fusion takes only --out")
        _calibrate(target, Path(out))
        return []
    try:
        import torch  # noqa: F401, PLC0415 - the optional `train` extra
    except ImportError:
        raise InputError("kiosk train needs PyTorch: pip install -e '.[train]'") from None
    # these two import torch at their top: only reachable once torch is known to be there
    from kiosk.train.regress import train_regressor  # noqa: PLC0415 - needs torch (train extra)
    from kiosk.train.seg import train_seg  # noqa: PLC0415 - needs torch (train extra)

    if target not in TARGETS:
        raise InputError(f"unknown training target {target!r} (one of {', '.join(TARGETS)})")
    if station is not None and (station not in STATIONS or target != "seg"):
        raise InputError(f"--station {station} needs target seg and one of {', '.join(STATIONS)}")
    if epochs is not None and (epochs < 1 or target not in ("seg", "all")):
        raise InputError("--epochs needs a positive number and target seg or all")
    if not 0.0 <= mesh_share <= 1.0:
        raise InputError(f"--mesh-share {mesh_share}: a fraction from 0 to 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(data_root)
    flags = (" --tiny" if tiny else "") + (f" --mesh-share {mesh_share:g}" if mesh_share
                                           else "") + f" --out {out}"
    seg_flags = (f" --station {station}" if station else "") + \
        (f" --epochs {epochs}" if epochs else "") + f" --threads {threads}" + flags
    cards = []
    t0 = time.perf_counter()
    if target in ("seg", "all"):
        for st in (station,) if station else STATIONS:
            cards.append(train_seg(st, out, tiny, threads, f"kiosk train seg{seg_flags}", root,
                                   epochs=epochs, mesh_share=mesh_share))
    if target in ("arch", "all"):
        cards.append(train_regressor("foot", out, tiny, threads, f"kiosk train arch{flags}",
                                     root, mesh_share))
    if target in ("rearfoot", "all"):
        cards.append(train_regressor("rearfoot", out, tiny, threads,
                                     f"kiosk train rearfoot{flags}", root, mesh_share))
    if not tiny:
        _calibrate(target, out)
    log.info("kiosk train %s: %.0f s", target, time.perf_counter() - t0)
    return cards


# Fusion calibration scenes per family. Mesh-family shoppers and walks can be added; on the
# independent split they did not pay (docs/ACCURACY.md, "Independent split"): 40 + 40
# standing shoppers took length from 1.66 to 1.70 mm, 8 + 8 walks eversion 3.58 -> 3.53°.
CALIBRATION_SCENES = {"standing": 16, "standing_mesh": 0, "gait": 8, "gait_mesh": 0}


def _calibrate(target: str, out: Path) -> None:
    """Fusion weights into the estimators' cards, once all four models are in `out`."""
    names = (STANDING_MODEL, GAIT_MODEL, FOOT_MODEL, REARFOOT_MODEL)
    if not all((out / f"{n}.onnx").is_file() for n in names):
        msg = f"fusion weights not calibrated: {out} lacks some of {', '.join(names)}"
        if target == "fusion":
            raise InputError(msg)
        log.warning(msg)
        return
    if target in ("seg", "arch", "all", "fusion"):
        write_fusion(out / f"{FOOT_MODEL}.onnx",
                     calibrate_standing(out, CALIBRATION_SCENES["standing"],
                                        CALIBRATION_SCENES["standing_mesh"]))
    if target in ("seg", "rearfoot", "all", "fusion"):
        write_fusion(out / f"{REARFOOT_MODEL}.onnx",
                     calibrate_gait(out, CALIBRATION_SCENES["gait"],
                                    n_mesh=CALIBRATION_SCENES["gait_mesh"]))
