"""Learned segmentation of feet, shoes and shanks, with its pre- and postprocessing.

Input channels (the model's contract lists them): height above the floor, lateral floor
coordinate, depth, depth validity, and colour (zeros when the camera gives none; the
models are trained with colour missing or dark). Floor coordinates come from the capture's
floor plane, so the models see the station, not the camera pose; the treadmill's lateral
coordinate is measured from the belt's centre line (kiosk.vision.gait.Belt.centred). The
standing model runs once per capture on the fused depth at full resolution; the treadmill
model runs on every frame's heel windows at half resolution, as seen and mirrored.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

import numpy as np

from kiosk.capture.frame import Intrinsics
from kiosk.errors import ModelError
from kiosk.vision.floor import FloorPlane
from kiosk.vision.models import OnnxModel, load_model

log = logging.getLogger(__name__)

CHANNELS = ("height_m*4", "height_m*25 (-1..3)", "floor_x_m*4", "depth_m-1", "valid", "red",
            "green", "blue")
LATERAL_CHANNEL = 2
HEIGHT_SCALE = 4.0
FINE_HEIGHT_SCALE = 25.0
HEIGHT_CLIP_M = (-0.3, 1.2)
LATERAL_CLIP_M = 1.0
LATERAL_SCALE = 4.0
STANDING_MODEL = "standing_seg"
GAIT_MODEL = "gait_seg"
# The treadmill model reads every heel window as seen and mirrored (Segmenter): held-out
# shoe IoU +0.4-0.6 points for a second pass of ~1 ms per frame (docs/ACCURACY.md). The
# standing model runs once per capture and is well past its targets without it.
GAIT_MIRROR_AVERAGE = True


@functools.lru_cache(maxsize=8)
def strided_rays(intr: Intrinsics, stride: int) -> np.ndarray:
    """Camera rays (x/z, y/z, 1) of every `stride`-th pixel, starting at stride // 2."""
    xn, yn = intr.pixel_grid()
    o = stride // 2
    xn, yn = xn[o::stride, o::stride], yn[o::stride, o::stride]
    rays = np.stack([xn, yn, np.ones_like(xn)], axis=-1).astype(np.float32)
    rays.setflags(write=False)
    return rays


def floor_points(depth_m: np.ndarray, rays: np.ndarray, floor: FloorPlane) -> np.ndarray:
    """Floor-frame points (H, W, 3) of a depth image given its camera rays."""
    R = floor.rotation().astype(np.float32)
    origin = floor.origin().astype(np.float32)
    pc = rays * depth_m[..., None]
    return (pc - origin) @ R.T


def seg_features(depth_m: np.ndarray, color: np.ndarray | None, rays: np.ndarray,
                 floor: FloorPlane) -> np.ndarray:
    """The (C, H, W) float32 input of a segmentation model (CHANNELS order)."""
    H, W = depth_m.shape
    valid = depth_m > 0
    P = floor_points(depth_m, rays, floor)
    out = np.zeros((len(CHANNELS), H, W), np.float32)
    z = np.where(valid, P[..., 2], 0.0)
    out[0] = np.clip(z, *HEIGHT_CLIP_M) * HEIGHT_SCALE
    # feet and shoes live in the first centimetres: a finer copy of the same height
    out[1] = np.clip(z * FINE_HEIGHT_SCALE, -1.0, 3.0)
    out[LATERAL_CHANNEL] = np.where(valid, np.clip(P[..., 0], -LATERAL_CLIP_M, LATERAL_CLIP_M),
                                    0.0) * LATERAL_SCALE
    out[3] = np.where(valid, depth_m - 1.0, 0.0)
    out[4] = valid
    if color is not None:
        out[5:8] = np.moveaxis(color, -1, 0) * np.float32(1 / 255)
    return out


@dataclass
class Segmentation:
    labels: np.ndarray  # (H, W) uint8 class ids at the model's output resolution
    stride: int  # output pixel (i, j) is frame pixel (r0 + i*stride + stride//2, c0 + ...)
    classes: tuple
    confidence: float  # mean max-softmax over the non-background pixels
    timings_ms: dict
    origin: tuple = (0, 0)  # (r0, c0): the frame pixel where the window starts

    def mask(self, name: str) -> np.ndarray:
        return self.labels == self.classes.index(name)

    def full_frame(self, shape: tuple) -> np.ndarray:
        """Labels on the frame's (strided) grid, background outside the window."""
        s, (r0, c0) = self.stride, self.origin
        o = s // 2
        out = np.zeros((len(range(o, shape[0], s)), len(range(o, shape[1], s))), np.uint8)
        i0, j0 = r0 // s, c0 // s
        h = min(self.labels.shape[0], out.shape[0] - i0)
        w = min(self.labels.shape[1], out.shape[1] - j0)
        out[i0:i0 + h, j0:j0 + w] = self.labels[:h, :w]
        return out


WINDOW_MULTIPLE = 8  # model-resolution window sides are multiples of this (the body's
# three downsamplings after the 2x2 packing are exact for 16; 8 leaves one rounding)
WINDOW_ALIGN = 16
WINDOW_CONTEXT = 8  # model pixels read around a region of interest: labels near a window's
# edge lack the context the net sees in a whole frame. With the context and the alignment,
# a window's labels over its region equal the whole frame's (> 99.9 %; was 97.9 % with
# tight, stride-aligned windows; tests/models/test_windows.py)


def mirrored_classes(classes: tuple) -> np.ndarray:
    """Class id of each class's mirror image (left and right swap; the rest stay)."""
    swap = {"left": "right", "right": "left"}
    out = []
    for name in classes:
        side, _, rest = name.partition("_")
        out.append(classes.index(f"{swap[side]}_{rest}") if side in swap else
                   classes.index(name))
    return np.array(out)


class Segmenter:
    """A segmentation model with its preprocessing (stride, features) and postprocessing.

    With `mirror_average` every frame is read twice in one batch, as seen and mirrored left
    to right (lateral coordinate negated, the sides' classes swapped back), and the two
    logits averaged: the nets were trained on both, and their boundary errors differ.
    """

    def __init__(self, model: OnnxModel, mirror_average: bool = False) -> None:
        if model.contract.task != "segmentation":
            raise ModelError(f"{model.path}: not a segmentation model")
        self.model = model
        self.stride = int(model.contract.preprocess.get("stride", 1))
        self.classes = model.contract.labels
        C, self.height, self.width = model.contract.input_shape
        self.windowed = {1, 2} <= set(model.dynamic_axes)
        self.mirror_average = mirror_average
        if len(CHANNELS) != C:
            raise ModelError(f"{model.path}: expects {C} channels, this kiosk makes "
                             f"{len(CHANNELS)}")
        self.mirror = None  # class ids of the mirror image, when mirror-averaging
        if mirror_average:
            try:
                self.mirror = mirrored_classes(self.classes)
            except ValueError:
                raise ModelError(f"{model.path}: labels {self.classes} have no left/right "
                                 "pairs to mirror") from None

    @classmethod
    def load(cls, name: str, models_dir=None, threads: int = 1,
             mirror_average: bool = False) -> Segmenter:
        return cls(load_model(name, models_dir, threads=threads, task="segmentation"),
                   mirror_average)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """(n_classes, h, w) logits of one (C, h, w) input, mirror-averaged if asked."""
        if not self.mirror_average:
            return self.model.run(x[None])["logits"][0]
        m = x[:, :, ::-1].copy()
        m[LATERAL_CHANNEL] *= -1
        a, b = self.model.run(np.stack([x, m]))["logits"]
        return 0.5 * (a + b[self.mirror, :, ::-1])

    def window(self, roi: tuple[slice, slice] | None, shape: tuple) -> tuple[slice, slice]:
        """The frame window the model reads for a region of interest: WINDOW_CONTEXT model
        pixels around it, starting on the net's own grid (WINDOW_ALIGN: 2x2 packing, three
        halvings) so that it sees the same pixel phases as the whole frame, sides a multiple
        of WINDOW_MULTIPLE model pixels, inside the frame (the whole frame for a model made
        for whole frames)."""
        H, W = shape
        if roi is None or not self.windowed:
            return slice(0, H), slice(0, W)
        s, m, a = self.stride, WINDOW_MULTIPLE * self.stride, WINDOW_ALIGN * self.stride
        c = WINDOW_CONTEXT * s
        out = []
        for sl, n in zip(roi, (H, W), strict=True):
            lo, hi = max(sl.start - c, 0), min(sl.stop + c, n)
            lo -= lo % a
            size = min(-(-(hi - lo) // m) * m, n - n % m)
            start = min(lo, n - size)
            start -= start % s
            out.append(slice(start, start + size))
        return out[0], out[1]

    def __call__(self, depth_m: np.ndarray, color: np.ndarray | None, intr: Intrinsics,
                 floor: FloorPlane, roi: tuple[slice, slice] | None = None) -> Segmentation:
        """Segment a frame, or with `roi` (and a model with free height and width) only the
        window around it."""
        t0 = time.perf_counter()
        s = self.stride
        o = s // 2
        if depth_m.shape != (self.height * s, self.width * s):
            raise ModelError(f"{self.model.path}: made for {self.width * s}x{self.height * s} "
                             f"frames, got {depth_m.shape[1]}x{depth_m.shape[0]}")
        rows, cols = self.window(roi, depth_m.shape)
        win = (slice(rows.start + o, rows.stop, s), slice(cols.start + o, cols.stop, s))
        d = depth_m[win]
        c = None if color is None else color[win]
        rays = strided_rays(intr, s)[rows.start // s:rows.stop // s,
                                     cols.start // s:cols.stop // s]
        x = seg_features(d, c, rays, floor)
        t1 = time.perf_counter()
        logits = self.logits(x)
        t2 = time.perf_counter()
        labels = logits.argmax(axis=0).astype(np.uint8)
        fg = labels > 0
        conf = 1.0
        if fg.any():
            lf = logits[:, fg]
            e = np.exp(lf - lf.max(axis=0))
            conf = float((1.0 / e.sum(axis=0)).mean())
        t3 = time.perf_counter()
        return Segmentation(labels, s, self.classes, conf,
                            {"preprocess": (t1 - t0) * 1e3, "model": (t2 - t1) * 1e3,
                             "postprocess": (t3 - t2) * 1e3}, (rows.start, cols.start))
