"""Train the estimators (foot: length/width/arch height; rearfoot angle) from rasters.

Rasters are built from simulated samples with the truth masks, coarsened and jittered so
that they look like the segmentation model's masks at run time. The rearfoot estimator also
learns from the treadmill segmentation model's own masks (the one in --out, else the shipped
one): its errors at the collar and the sole are not a pixel's jitter, and the estimator
meets exactly those masks at run time. The loss is the Gaussian negative log-likelihood, so
the nets learn a standard deviation with each value.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from kiosk.errors import ModelError
from kiosk.progress import progress
from kiosk.train.data import (
    DATASET_ROOT,
    DatasetSpec,
    belt_frame_from_camera,
    camera_from_dict,
    ensure_samples,
    floor_from_camera,
    load_sample,
    perturbed_belt,
    perturbed_floor,
    seed_card,
    sim_fingerprint,
)
from kiosk.train.export import export_onnx, write_card
from kiosk.train.nets import MapRegressor
from kiosk.vision.estimators import (
    CELL_M,
    FOOT_CHANNELS,
    FOOT_GRID,
    FOOT_MODEL,
    FOOT_NORM,
    FOOT_OUTPUTS,
    REAR_CHANNELS,
    REAR_GRID,
    REAR_NORM,
    REARFOOT_MODEL,
    foot_raster,
    rear_raster,
)
from kiosk.vision.models import default_models_dir
from kiosk.vision.segmentation import (
    GAIT_MIRROR_AVERAGE,
    GAIT_MODEL,
    Segmenter,
    floor_points,
    strided_rays,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegConfig:
    kind: str  # foot | rearfoot
    n_train: int
    n_val: int
    epochs: int
    draws: int = 2  # augmented rasters per sample per side
    batch: int = 32
    lr: float = 2e-3
    seed: int = 0
    frames: int = 8  # gait frames per scene
    # rearfoot: share of training frames whose masks come from the treadmill segmentation
    # model (validation uses its masks throughout, as the kiosk does)
    seg_share: float = 0.0


CONFIGS = {
    ("foot", False): RegConfig("foot", 256, 24, 25, draws=3),
    ("foot", True): RegConfig("foot", 2, 1, 1, draws=1, batch=4),
    ("rearfoot", False): RegConfig("rearfoot", 120, 16, 25, draws=4, seg_share=0.6),
    ("rearfoot", True): RegConfig("rearfoot", 2, 1, 1, draws=1, batch=4, frames=2,
                                  seg_share=0.5),
}


def _coarsen(mask: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """A truth mask as the segmentation would give it: half resolution, a pixel off."""
    m = np.repeat(np.repeat(mask[1::2, 1::2], 2, 0), 2, 1)[: mask.shape[0], : mask.shape[1]]
    if rng is not None:
        u = rng.random()
        if u < 0.25:
            m = ndimage.binary_erosion(m)
        elif u < 0.5:
            m = ndimage.binary_dilation(m) & mask.any()  # dilate
    return m


def _world_to_floor(cam, floor, pts_w: np.ndarray) -> np.ndarray:
    return floor.to_floor(cam.to_camera(pts_w))


def foot_items(path: Path, rng: np.random.Generator | None) -> list[tuple]:
    """(raster, target) per foot of one standing sample."""
    smp = load_sample(path)
    cam = camera_from_dict(smp["meta"]["camera"])
    floor = floor_from_camera(cam)
    if rng is not None:
        floor = perturbed_floor(floor, rng, tilt_deg=0.3, offset_m=0.001)
    depth = smp["depth_mm"].astype(np.float32) / 1000
    P = floor_points(depth, strided_rays(cam.intrinsics, 1), floor)
    o = _world_to_floor(cam, floor, np.array([[0.0, 0.0, 0.0], [0.0, -1.0, 0.0]]))
    n = o[1, :2] - o[0, :2]
    n /= np.linalg.norm(n)
    if rng is not None:
        ang = rng.normal(0, np.radians(0.5))
        n = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) @ n
    stop_p = o[0, :2] + (rng.normal(0, 0.0008) * n if rng is not None else 0)
    cls = smp["cls"]
    out = []
    truth = smp["meta"]["truth"]["feet"]
    if smp["meta"].get("heel_gap_m", 0) > 0:
        return out  # the kiosk asks the shopper to step back: never measured
    for side, fc, sc in (("left", 1, 3), ("right", 2, 4)):
        foot = _coarsen(cls == fc, rng) & (depth > 0)
        leg = _coarsen((cls == fc) | (cls == sc), rng) & (depth > 0)
        try:
            r = foot_raster(P[leg], foot[leg], n, stop_p, side)
        except ModelError:
            continue
        t = np.array([(truth[side][k] - FOOT_NORM[k][0]) / FOOT_NORM[k][1]
                      for k in FOOT_OUTPUTS], np.float32)
        out.append((r, t))
    return out


def _segmented(seg, depth: np.ndarray, color: np.ndarray, cam, floor) -> np.ndarray:
    """The segmentation model's labels of a whole frame, at the frame's resolution (each
    label covers its stride x stride block, as the kiosk reads them)."""
    labels = seg(depth, color, cam.intrinsics, floor).labels
    s = seg.stride
    return np.repeat(np.repeat(labels, s, 0), s, 1)[: depth.shape[0], : depth.shape[1]]


def rear_items(path: Path, rng: np.random.Generator | None, seg=None,
               seg_share: float = 0.0) -> list[tuple]:
    """(raster, target) per frame and foot of one gait sample. With a segmentation model
    `seg`, a `seg_share` of the training frames (all validation frames) take its masks."""
    smp = load_sample(path)
    cam = camera_from_dict(smp["meta"]["camera"])
    floor = floor_from_camera(cam)
    belt = belt_frame_from_camera(cam)
    rays = strided_rays(cam.intrinsics, 1)
    out = []
    for k in range(len(smp["depth_mm"])):
        fl, seg_fl = floor, belt
        if rng is not None:
            fl = perturbed_floor(floor, rng, tilt_deg=0.4, offset_m=0.002)
            # the segmentation reads the same (perturbed) plane in the belt's frame
            seg_fl = perturbed_belt(fl.turned(belt.heading, belt.lateral_m), rng)
        depth = smp["depth_mm"][k].astype(np.float32) / 1000
        P = floor_points(depth, rays, fl)
        valid = depth > 0
        use_seg = seg is not None and (rng is None or rng.random() < seg_share)
        cls = _segmented(seg, depth, smp["color"][k], cam, seg_fl) if use_seg \
            else smp["cls"][k]
        for side, shoe_c, shank_c in (("left", 1, 3), ("right", 2, 4)):
            if use_seg:
                shoe, shank = (cls == shoe_c) & valid, (cls == shank_c) & valid
            else:
                shoe = _coarsen(cls == shoe_c, rng) & valid
                shank = _coarsen(cls == shank_c, rng) & valid
            r = rear_raster(P[shoe], P[shank], side)
            if r is None:
                continue
            truth = smp["meta"]["frame_truth"][k][side]["rearfoot_deg"]
            out.append((r, np.array([(truth - REAR_NORM[0]) / REAR_NORM[1]], np.float32)))
    return out


def _build(cfg: RegConfig, paths: list[Path], rng: np.random.Generator | None,
           draws: int, seg=None) -> tuple[np.ndarray, np.ndarray]:
    def make(p: Path) -> list[tuple]:
        if cfg.kind == "foot":
            return foot_items(p, rng)
        return rear_items(p, rng, seg, cfg.seg_share)

    xs, ys = [], []
    for p in paths:
        for _ in range(draws):
            for x, y in make(p):
                xs.append(x)
                ys.append(y)
    if not xs:
        raise ModelError(f"{cfg.kind}: no rasters from {len(paths)} samples")
    return np.stack(xs), np.stack(ys)


def _nll(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    n = y.shape[1]
    mean, log_var = out[:, :n], out[:, n:].clamp(-9, 5)
    return (0.5 * (log_var + (y - mean) ** 2 / log_var.exp())).mean()


class _Export(torch.nn.Module):
    """The exported graph: raster in, (mean, log_var) out."""

    def __init__(self, net: MapRegressor) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor):
        out = self.net(x, x.new_zeros((x.shape[0], 0)))
        n = self.net.n_out
        return out[:, :n], out[:, n:].clamp(-9, 5)


def train_regressor(kind: str, out_dir: Path, tiny: bool = False, threads: int = 2,
                    command: str = "", data_root: Path = DATASET_ROOT,
                    mesh_share: float = 0.0) -> dict:
    """Train, export and write the card; `mesh_share` of the scenes from the mesh family."""
    cfg = CONFIGS[(kind, tiny)]
    t_start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(cfg.seed)
    station = "standing" if kind == "foot" else "gait"
    train_spec = DatasetSpec(station, "train", cfg.n_train, cfg.frames, mesh_share)
    val_spec = DatasetSpec(station, "val", cfg.n_val, cfg.frames, mesh_share)
    tr_paths = ensure_samples(train_spec, data_root)
    va_paths = ensure_samples(val_spec, data_root)
    seg = _masks_model(out_dir, threads) if cfg.seg_share > 0 else None
    X, Y = _build(cfg, tr_paths, rng, cfg.draws, seg)
    val_masks = "segmentation model's" if seg is not None else "truth, coarsened"
    try:
        Xv, Yv = _build(cfg, va_paths, None, 1, seg)
    except ModelError:  # the model found no shoe (an untrained --tiny one)
        log.warning("%s: the segmentation model finds no shoes in the validation scenes; "
                    "validating on truth masks", kind)
        val_masks = "truth, coarsened (the segmentation model found no shoes)"
        Xv, Yv = _build(cfg, va_paths, None, 1)
    log.info("%s: %d training rasters, %d validation", kind, len(X), len(Xv))
    n_out = Y.shape[1]
    channels = FOOT_CHANNELS if kind == "foot" else REAR_CHANNELS
    grid = FOOT_GRID if kind == "foot" else REAR_GRID
    net = MapRegressor(len(channels), 0, n_out)
    steps = max(1, len(X) // cfg.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=steps * cfg.epochs,
                                                pct_start=0.15)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    Xvt, Yvt = torch.from_numpy(Xv), torch.from_numpy(Yv)
    zero = torch.zeros((cfg.batch, 0))
    for epoch in progress(range(cfg.epochs), desc=f"{kind} estimator epochs", unit="epoch"):
        net.train()
        order = torch.from_numpy(rng.permutation(len(X)))
        losses = []
        for b in range(steps):
            idx = order[b * cfg.batch:(b + 1) * cfg.batch]
            x = Xt[idx]
            if rng.random() < 0.5 and kind == "foot":
                x = x + torch.randn_like(x) * 0.01 * (x[:, 2:3] > 0)
            loss = _nll(net(x, zero[: len(idx)]), Yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        if (epoch + 1) % 5 == 0 or epoch + 1 == cfg.epochs:
            net.eval()
            with torch.no_grad():
                vout = net(Xvt, torch.zeros((len(Xv), 0)))
            # the NLL climbs after ~10 epochs while the MAE still falls: the sigmas shrink
            # to the training scenes' (fusion re-scales them on calibration walks)
            log.info("%s epoch %d/%d loss %.4f, validation %.4f (MAE %.4f, normalised)",
                     kind, epoch + 1, cfg.epochs, float(np.mean(losses)),
                     _nll(vout, Yvt).item(), float((vout[:, :n_out] - Yvt).abs().mean()))
    exp = _Export(net).eval()
    with torch.no_grad():
        mean, log_var = exp(torch.from_numpy(Xv))
    metrics = _metrics(kind, mean.numpy(), log_var.numpy(), Yv)
    log.info("%s validation %s", kind, metrics)
    name = FOOT_MODEL if kind == "foot" else REARFOOT_MODEL
    path = out_dir / f"{name}.onnx"
    task = "foot_estimator" if kind == "foot" else "rearfoot_estimator"
    outputs = list(FOOT_OUTPUTS) if kind == "foot" else ["rearfoot_deg"]
    norm = ({k: list(FOOT_NORM[k]) for k in FOOT_OUTPUTS} if kind == "foot"
            else {"rearfoot_deg": list(REAR_NORM)})
    contract = {"task": task,
                "input": {"name": "raster", "shape": [len(channels), *grid], "layout": "NCHW",
                          "dtype": "float32", "channels": list(channels)},
                "labels": outputs, "outputs": ["mean", "log_var"],
                "preprocess": {"cell_m": CELL_M, "normalisation": norm}}
    export_onnx(exp, (torch.zeros(1, len(channels), *grid),), path, contract, ["raster"],
                ["mean", "log_var"])
    card = {
        "summary": ("Foot length, width and dorsal arch height (50 % L) from the foot's height "
                    "map in the heel stop's frame." if kind == "foot" else
                    "Rearfoot angle of one frame from the heel counter and lower shank in the "
                    "frontal plane."),
        "task": task,
        "inputs": {"raster": f"float32 (N, {len(channels)}, {grid[0]}, {grid[1]})",
                   "channels": list(channels), "cell_m": CELL_M},
        "outputs": {"mean": f"(N, {n_out}) normalised values of {outputs}",
                    "log_var": f"(N, {n_out}) log variance in normalised units",
                    "normalisation": "value = offset + scale * mean; sigma = scale * "
                                     "exp(log_var / 2)", "offset_scale": norm},
        "preprocessing": ("kiosk.vision.estimators.foot_raster on the segmented foot's "
                          "floor-frame points" if kind == "foot" else
                          "kiosk.vision.estimators.rear_raster on the segmented shoe and "
                          "shank points of one frame"),
        "training_data": {"simulator": "kiosk.sim", "station": station,
                          **seed_card(train_spec, val_spec),
                          "rasters": len(X), "draws_per_sample": cfg.draws,
                          "randomisation": "as the segmentation data; truth masks coarsened "
                                           "to half resolution, eroded/dilated; floor plane "
                                           "and heel stop perturbed",
                          **({} if seg is None else {
                              "segmentation_masks": {
                                  "model": seg.model.path.name,
                                  "sha256": seg.model.card.get("sha256"),
                                  "share_of_training_frames": cfg.seg_share,
                                  "as_the_kiosk_runs_it": "belt frame (centre line x = 0, "
                                  "axis and centre jittered 0.5° / 1 cm)" + (
                                      ", mirror-averaged" if seg.mirror_average else "")}}),
                          "validation_masks": val_masks},
        "training": {"epochs": cfg.epochs, "batch": cfg.batch, "lr": cfg.lr, "seed": cfg.seed,
                     "threads": threads, "tiny": tiny, "loss": "Gaussian NLL"},
        "held_out_metrics": {"validation": metrics},
        "sim": sim_fingerprint(),
        "command": command,
        "wall_time_s": round(time.perf_counter() - t_start, 1),
    }
    return write_card(path, card)


def _masks_model(out_dir: Path, threads: int):
    """The treadmill segmentation model whose masks the rearfoot estimator learns from: the
    one in `out_dir` (`kiosk train all` trains it first), else the shipped one; None (truth
    masks only) when neither loads."""
    for d in (out_dir, default_models_dir()):
        if (Path(d) / f"{GAIT_MODEL}.onnx").is_file():
            try:
                seg = Segmenter.load(GAIT_MODEL, d, threads, mirror_average=GAIT_MIRROR_AVERAGE)
            except ModelError as e:
                log.warning("rearfoot: %s; trying the next", e)
                continue
            log.info("rearfoot: masks from %s", seg.model.path)
            return seg
    log.warning("rearfoot: no treadmill segmentation model: truth masks only")
    return None


def _metrics(kind: str, mean: np.ndarray, log_var: np.ndarray, y: np.ndarray) -> dict:
    out = {}
    names = FOOT_OUTPUTS if kind == "foot" else ("rearfoot_deg",)
    for k, name in enumerate(names):
        scale = FOOT_NORM[name][1] if kind == "foot" else REAR_NORM[1]
        err = (mean[:, k] - y[:, k]) * scale
        out[name] = {"mae": round(float(np.abs(err).mean()), 3),
                     "p95": round(float(np.percentile(np.abs(err), 95)), 3),
                     "mean_sigma": round(float((scale * np.exp(0.5 * log_var[:, k])).mean()),
                                         3)}
    return out

