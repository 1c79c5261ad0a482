"""Train the standing and treadmill segmentation models (PyTorch, CPU, seeded)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F  # noqa: N812 (the usual spelling)

from kiosk.capture.frame import Intrinsics
from kiosk.progress import progress
from kiosk.sim.scenes import FX_PX_RANGE, GAIT_CLASSES, STANDING_CLASSES
from kiosk.train.data import (
    DATASET_ROOT,
    DatasetSpec,
    belt_frame_from_camera,
    camera_from_dict,
    ensure_samples,
    floor_from_camera,
    load_sample,
    mirrored_floor,
    perturbed_belt,
    perturbed_floor,
    seed_card,
    sim_fingerprint,
)
from kiosk.train.export import export_onnx, write_card
from kiosk.train.nets import SegNet
from kiosk.vision.segmentation import (
    CHANNELS,
    FOCAL_TOLERANCE,
    WINDOW_ALIGN,
    seg_features,
    strided_rays,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegConfig:
    station: str
    n_train: int
    n_val: int
    epochs: int
    batch: int = 8
    lr: float = 3e-3
    widths: tuple = (8, 16, 24, 32)
    pack: int = 2  # space-to-depth factor: the U-Net body runs on a grid `pack` x coarser
    refine: int = 0  # channels of the full-resolution refinement head (0: none)
    stride: int = 1  # frame pixels per model input pixel
    crop: tuple | None = None  # (H, W) training crop at model resolution
    frames_per_scene: int = 1
    seed: int = 0
    # extra cross-entropy weight on pixels within 1 px of a class change: most errors of the
    # under-trained models were there (shank above the collar, sole at the floor, L/R)
    boundary_weight: float = 0.0
    feet_crop: float = 0.5  # share of training crops centred on a foot or shoe

    @property
    def classes(self) -> tuple:
        return STANDING_CLASSES if self.station == "standing" else GAIT_CLASSES


CONFIGS = {
    ("standing", False): SegConfig("standing", 256, 24, 300, batch=12, lr=4e-3,
                                   crop=(160, 288), widths=(10, 20, 28, 40),
                                   boundary_weight=2.0, feet_crop=0.6),
    ("standing", True): SegConfig("standing", 2, 1, 1, batch=2, crop=(64, 96)),
    # refine=8: a 3x3 head at the model's resolution on the logits and the input features
    # places the one-pixel boundaries (sole at the belt, collar): held-out shoe IoU
    # 0.92 -> 0.95 for ~0.3 ms per heel window (docs/ACCURACY.md)
    ("gait", False): SegConfig("gait", 120, 16, 160, batch=16, lr=4e-3, stride=2,
                               frames_per_scene=8, crop=(96, 192), widths=(10, 20, 28, 40),
                               boundary_weight=2.0, feet_crop=0.6, refine=8),
    ("gait", True): SegConfig("gait", 2, 1, 1, batch=2, stride=2, frames_per_scene=2,
                              crop=(64, 96), boundary_weight=2.0, refine=8),
}


# The frames the nets learn at: the analytic family's (random_profile: 848x480, focal
# length in FX_PX_RANGE). Frames of other modes are resized to this pixel scale, in
# training as the Segmenter does at run time.
TRAINING_FRAME = (480, 848)  # (H, W)


def resample_index(intr: Intrinsics, stride: int
                   ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
    """For a frame whose focal length is outside the trained range: the frame rows and
    columns (nearest pixel) the Segmenter reads for it, resized to that range and padded to
    whole net cells (WINDOW_ALIGN model pixels), each with whether it lies inside the frame
    (outside: no depth). None: the frame is read as it is."""
    lo, hi = FX_PX_RANGE
    target = float(np.clip(intr.fx, lo * (1 - FOCAL_TOLERANCE), hi * (1 + FOCAL_TOLERANCE)))
    k = target / intr.fx
    if k == 1.0:
        return None
    a = WINDOW_ALIGN * stride
    out = []
    for n in (intr.height, intr.width):  # Segmenter._resampled's mapping
        v = np.arange(-(-round(n * k) // a) * a, dtype=np.float64)
        idx = np.rint((v + 0.5) / k - 0.5).astype(np.intp)
        out.append((np.clip(idx, 0, n - 1), (idx >= 0) & (idx < n)))
    return out[0], out[1]


def rays_at(intr: Intrinsics, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Camera rays (x/z, y/z, 1) of the frame pixels rows x cols (as strided_rays)."""
    u = (cols.astype(np.float32) - intr.ppx) / intr.fx
    v = (rows.astype(np.float32) - intr.ppy) / intr.fy
    xn, yn = np.meshgrid(u, v)
    return np.stack([xn, yn, np.ones_like(xn)], axis=-1).astype(np.float32)


class SegItems:
    """Raw frames in memory; features are made per draw (augmentations act on depth).
    Frames of another pixel scale (the mesh family's modes) are resized to the trained one
    by nearest pixel, each kept pixel with its own camera ray, as the kiosk reads them."""

    def __init__(self, cfg: SegConfig, paths: list[Path]) -> None:
        self.cfg = cfg
        # (depth_m, color, cls, camera, (rows, cols) of the frame or None) at model resolution
        self.items = []
        s, o = cfg.stride, cfg.stride // 2
        for p in paths:
            smp = load_sample(p)
            cam = camera_from_dict(smp["meta"]["camera"])
            d, c, k = smp["depth_mm"], smp["color"], smp["cls"]
            if d.ndim == 2:
                d, c, k = d[None], c[None], k[None]
            src = resample_index(cam.intrinsics, s)
            idx, inside = None, True
            if src is None:
                rows = cols = slice(o, None, s)
            else:
                (rows, r_in), (cols, c_in) = ((i[o::s], m[o::s]) for i, m in src)
                idx, inside = (rows, cols), r_in[:, None] & c_in[None, :]
            for i in range(min(len(d), cfg.frames_per_scene)):
                self.items.append((d[i][rows][:, cols].astype(np.float32) / 1000 * inside,
                                   c[i][rows][:, cols], k[i][rows][:, cols] * inside, cam,
                                   idx))

    def __len__(self) -> int:
        return len(self.items)

    def draw(self, i: int, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
        depth, color, cls, cam, idx = self.items[i]
        # the treadmill's lateral channel is measured from the belt's centre line, as the
        # kiosk measures it (GaitResult.belt_frame); the mat's from the point below the camera
        gait = self.cfg.station == "gait"
        floor = belt_frame_from_camera(cam) if gait else floor_from_camera(cam)
        rays = strided_rays(cam.intrinsics, self.cfg.stride) if idx is None \
            else rays_at(cam.intrinsics, *idx)
        if rng is None:
            return seg_features(depth, color, rays, floor), cls.astype(np.int64)
        depth, color, cls = depth.copy(), color.astype(np.float32), cls.astype(np.int64)
        floor = perturbed_floor(floor, rng)
        if gait:
            floor = perturbed_belt(floor, rng)
        H, W = depth.shape
        if rng.random() < 0.5:  # mirror: the shopper's sides swap, so do the classes
            depth, color, cls = depth[:, ::-1].copy(), color[:, ::-1].copy(), cls[:, ::-1]
            cls = np.array([0, 2, 1, 4, 3])[cls]
            floor = mirrored_floor(floor)
        if self.cfg.crop is not None:  # crop first: features only where they are used
            ch, cw = min(self.cfg.crop[0], H), min(self.cfg.crop[1], W)
            # the feet (shoes) are small: centre many of the crops on them
            fg = np.argwhere((cls == 1) | (cls == 2)) if rng.random() < self.cfg.feet_crop else \
                np.argwhere(cls > 0)
            if len(fg) and rng.random() < 0.9:
                cy, cx = fg[rng.integers(len(fg))]
            else:
                cy, cx = rng.integers(H), rng.integers(W)
            y0 = int(np.clip(cy - ch // 2 + rng.integers(-ch // 4, ch // 4 + 1), 0, H - ch))
            x0 = int(np.clip(cx - cw // 2 + rng.integers(-cw // 4, cw // 4 + 1), 0, W - cw))
            win = (slice(y0, y0 + ch), slice(x0, x0 + cw))
            depth, color, cls, rays = depth[win].copy(), color[win], cls[win], rays[win]
            H, W = ch, cw
        if rng.random() < 0.25:  # an object nearer the camera hides part of the scene
            cy, cx = rng.uniform(0, H), rng.uniform(0, W)
            ry, rx = rng.uniform(0.05, 0.2) * H, rng.uniform(0.03, 0.15) * W
            yy, xx = np.ogrid[:H, :W]
            occ = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
            depth[occ] = np.where(depth[occ] > 0, depth[occ] * rng.uniform(0.5, 0.85), 0)
            color[occ] = rng.uniform(0, 255, 3)
            cls[occ] = 0
        extra = rng.uniform(0, 2.5) if rng.random() < 0.4 else 0.0  # more depth noise
        if extra:
            depth += np.where(depth > 0, rng.normal(0, 1, depth.shape) * extra * 0.001
                              * depth**2, 0).astype(np.float32)
        if rng.random() < 0.3:
            depth[rng.random(depth.shape) < rng.uniform(0, 0.06)] = 0
        u = rng.random()
        if u < 0.2:
            color = None
        elif u < 0.4:
            color *= rng.uniform(0.03, 0.4)
        else:
            color *= rng.uniform(0.75, 1.25)
        if color is not None:
            color = np.clip(color + rng.normal(0, 4, color.shape), 0, 255)
        x = seg_features(depth, None if color is None else color.astype(np.float32), rays, floor)
        return x, cls


def boundary_mask(target: torch.Tensor, n_cls: int) -> torch.Tensor:
    """(N, H, W) True where a pixel's 3x3 neighbourhood holds more than one class."""
    onehot = F.one_hot(target, n_cls).permute(0, 3, 1, 2).float()
    return F.max_pool2d(onehot, 3, 1, 1).sum(1) > 1


# Cross-entropy weights per class (background, feet/shoes, shanks): the feet are small.
CLASS_WEIGHTS = (1.0, 4.0, 4.0, 1.5, 1.5)


def correct_class_prior(net: SegNet, weights: tuple = CLASS_WEIGHTS) -> None:
    """Undo the class weights' pull on the decision boundaries, in the head's bias.

    A net trained with weighted cross-entropy learns p(c|x) scaled by w_c, so every
    boundary moves toward the up-weighted classes (the first models labelled shank above
    the shoe collar as shoe). Taking log w_c off each class's logits gives back p(c|x):
    the weights still help the small classes learn, without biasing the answer.
    """
    shift = torch.log(torch.tensor(weights, dtype=torch.float32))
    if net.refine is None:  # the head's channels are (class, packed pixel)
        shift = shift.repeat_interleave(net.pack * net.pack)
    with torch.no_grad():
        net.out_conv.bias -= shift


def _loss(logits: torch.Tensor, target: torch.Tensor, n_cls: int,
          boundary_weight: float = 0.0) -> torch.Tensor:
    weight = torch.tensor(CLASS_WEIGHTS)
    if boundary_weight:
        # weighted mean as F.cross_entropy takes it, each pixel also x (1 + bw at edges)
        pix = weight[target] * (1 + boundary_weight * boundary_mask(target, n_cls).float())
        ce = (F.cross_entropy(logits, target, reduction="none") * pix).sum() / pix.sum()
    else:
        ce = F.cross_entropy(logits, target, weight=weight)
    prob = logits.softmax(1)
    onehot = F.one_hot(target, n_cls).permute(0, 3, 1, 2).float()
    inter = (prob * onehot).sum((0, 2, 3))[1:]
    union = (prob + onehot).sum((0, 2, 3))[1:]
    dice = 1 - ((2 * inter + 1) / (union + 1)).mean()
    return ce + 0.5 * dice


def iou_per_class(pred: np.ndarray, truth: np.ndarray, n_cls: int,
                  valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Intersections and unions per class (sum them over images before dividing)."""
    if valid is not None:
        pred, truth = pred[valid], truth[valid]
    inter = np.array([np.sum((pred == k) & (truth == k)) for k in range(n_cls)], float)
    union = np.array([np.sum((pred == k) | (truth == k)) for k in range(n_cls)], float)
    return inter, union


def evaluate_seg(net: SegNet, items: SegItems) -> dict:
    net.eval()
    n_cls = len(items.cfg.classes)
    inter, union = np.zeros(n_cls), np.zeros(n_cls)
    with torch.no_grad():
        for i in range(len(items)):
            x, y = items.draw(i, None)
            pred = net(torch.from_numpy(x)[None]).argmax(1)[0].numpy()
            a, b = iou_per_class(pred, y, n_cls, valid=x[3] > 0)
            inter += a
            union += b
    iou = inter / np.maximum(union, 1)
    return {name: round(float(v), 4) for name, v in zip(items.cfg.classes, iou, strict=True)}


def train_seg(station: str, out_dir: Path, tiny: bool = False, threads: int = 2,
              command: str = "", data_root: Path = DATASET_ROOT,
              epochs: int | None = None, mesh_share: float = 0.0) -> dict:
    """Train, export (dynamic batch, height and width) and write the card; `epochs`
    overrides the configuration's; `mesh_share` of the scenes come from the mesh family."""
    cfg = CONFIGS[(station, tiny)]
    if epochs is not None:
        cfg = replace(cfg, epochs=epochs)
    t_start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(cfg.seed)
    spec = {"frames": cfg.frames_per_scene, "mesh_share": mesh_share}
    train_spec = DatasetSpec(station, "train", cfg.n_train, **spec)
    val_spec = DatasetSpec(station, "val", cfg.n_val, **spec)
    train = SegItems(cfg, ensure_samples(train_spec, data_root))
    val = SegItems(cfg, ensure_samples(val_spec, data_root))
    c_in, n_cls = len(CHANNELS), len(cfg.classes)
    net = SegNet(c_in, n_cls, cfg.widths, cfg.pack, cfg.refine)
    name = "standing_seg" if station == "standing" else "gait_seg"
    steps_per_epoch = max(1, len(train) // cfg.batch)
    total = steps_per_epoch * cfg.epochs
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=total, pct_start=0.15)
    step = 0
    for epoch in progress(range(cfg.epochs), desc=f"{name} epochs", unit="epoch"):
        t_epoch = time.perf_counter()
        net.train()
        order = rng.permutation(len(train))
        losses = []
        for b in range(steps_per_epoch):
            idx = order[b * cfg.batch:(b + 1) * cfg.batch]
            xs, ys = zip(*(train.draw(int(i), rng) for i in idx), strict=True)
            x = torch.from_numpy(np.stack(xs))
            y = torch.from_numpy(np.stack(ys))
            loss = _loss(net(x), y, n_cls, cfg.boundary_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
        log.info("%s seg epoch %d/%d loss %.4f (%.1f s)", station, epoch + 1, cfg.epochs,
                 float(np.mean(losses)), time.perf_counter() - t_epoch)
        if not tiny and (epoch + 1) % 10 == 0:  # a long run that is stopped keeps its weights
            out_dir.mkdir(parents=True, exist_ok=True)
            torch.save(net.state_dict(), out_dir / f"{name}.ckpt.pt")
    correct_class_prior(net)
    metrics = evaluate_seg(net, val)
    log.info("%s seg val IoU %s", station, metrics)
    H, W = TRAINING_FRAME[0] // cfg.stride, TRAINING_FRAME[1] // cfg.stride
    path = out_dir / f"{name}.onnx"
    contract = {
        "task": "segmentation",
        "input": {"name": "features", "shape": [None, c_in, H, W], "layout": "NCHW",
                  "dtype": "float32", "channels": list(CHANNELS)},
        "labels": list(cfg.classes),
        "outputs": ["logits"],
        # pack: window sides must be multiples of it
        "preprocess": {"stride": cfg.stride, "frame": [W * cfg.stride, H * cfg.stride],
                       "pack": cfg.pack},
        # shape is the full frame; any (H, W) divisible by pack runs too (a window)
        "dynamic_hw": True,
    }
    contract["input"]["shape"] = [c_in, H, W]
    net.eval()
    export_onnx(net, (torch.zeros(1, c_in, H, W),), path, contract, ["features"], ["logits"],
                dynamic_hw=True, check_hw=((120, 200), (96, 160)))
    (out_dir / f"{name}.ckpt.pt").unlink(missing_ok=True)  # exported: models/ keeps no ckpt
    card = {
        "summary": f"Per-pixel classes of the {station} station from depth, height above the "
                   "floor and (optional) colour.",
        "task": "segmentation",
        "inputs": {"features": f"float32 (N, {c_in}, {H}, {W}), NCHW; any H, W divisible "
                               f"by {cfg.pack} (a window) runs too",
                   "channels": list(CHANNELS)},
        "outputs": {"logits": f"float32 (N, {n_cls}, {H}, {W}); argmax = class id",
                    "labels": list(cfg.classes)},
        "preprocessing": ((f"every {cfg.stride}. pixel of the {W * cfg.stride}x"
                           f"{H * cfg.stride} frame (offset {cfg.stride // 2})"
                           if cfg.stride > 1 else f"every pixel of the {W}x{H} frame")
                          + f" (stride {cfg.stride}); "
                          + ("belt frame from the walk's belt fit (Belt.centred: lateral "
                             "from the belt's centre line)" if station == "gait" else
                             "floor frame from the capture's plane fit")
                          + "; colour /255, zeros when missing; "
                          "kiosk.vision.segmentation.seg_features"),
        # the pixel scale the net learnt: other modes are resized to it (Segmenter)
        "training_frames": {"width": W * cfg.stride, "height": H * cfg.stride,
                            "fx_px": list(FX_PX_RANGE),
                            "source": "kiosk.sim.scenes.random_profile (fx_px uniform "
                                      f"{FX_PX_RANGE[0]:.0f}-{FX_PX_RANGE[1]:.0f} at 848x480) "
                                      "for every analytic train and val seed; other modes and "
                                      "focal lengths (the mesh family's) are resized to this "
                                      "pixel scale, in training (SegItems) as at run time "
                                      "(kiosk.vision.segmentation.Segmenter)"},
        "training_data": {"simulator": "kiosk.sim", **seed_card(train_spec, val_spec),
                          "frames_per_scene": cfg.frames_per_scene,
                          "randomisation": "spread 1.0-1.6, noise scale 0.6-2.2, brightness "
                                           "0.25-1.3, second person's foot (30 %), mirror, "
                                           "occluder (25 %), extra depth noise and dropout, "
                                           "colour missing (20 %) or dark (20 %), "
                                           "plane fit error (tilt 0.6°, 2 mm)"
                                           + (", belt fit error (yaw 0.5°, centre line "
                                              "1 cm)" if station == "gait" else "")},
        "training": {"epochs": cfg.epochs, "batch": cfg.batch, "lr": cfg.lr,
                     "widths": list(cfg.widths), "pack": cfg.pack, "refine": cfg.refine,
                     "stride": cfg.stride, "crop": cfg.crop,
                     "seed": cfg.seed, "threads": threads, "tiny": tiny,
                     "boundary_weight": cfg.boundary_weight, "feet_crop": cfg.feet_crop,
                     "loss": "cross-entropy (feet/shoes x4, shanks x1.5, class edges "
                             f"x{1 + cfg.boundary_weight:g}) + 0.5 soft Dice",
                     "class_prior_correction": "log(class weight) taken off the logits "
                                               "after training (correct_class_prior)"},
        "held_out_metrics": {"val_iou_valid_depth": metrics},
        "sim": sim_fingerprint(),
        "command": command,
        "wall_time_s": round(time.perf_counter() - t_start, 1),
    }
    return write_card(path, card)

