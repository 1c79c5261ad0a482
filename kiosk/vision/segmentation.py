"""Learned segmentation of feet, shoes and shanks, with its pre- and postprocessing.

Input channels (the model's contract lists them): height above the floor, lateral floor
coordinate, depth, depth validity, and colour (zeros when the camera gives none; the
models are trained with colour missing or dark). Floor coordinates come from the capture's
floor plane, so the models see the station, not the camera pose; the treadmill's lateral
coordinate is measured from the belt's centre line (kiosk.vision.gait.Belt.centred). The
standing model runs once per capture on the fused depth at full resolution; the treadmill
model runs on every frame's heel windows at half resolution, as seen and mirrored.
Frames of any D4xx mode (640x480, 848x480, 1280x720, any focal length) are brought to the
pixel scale the model was trained at (its card's `training_frames`), read there, and the
logits interpolated back onto the frame's own grid: the masks are always in frame pixels.
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
FOCAL_TOLERANCE = 0.05  # focal lengths this far outside the trained range are read as they
# are: the training's random spread of the scene (1.0-1.6, the cards) covers more than 5 %
# of apparent size, and resampling a frame by 1-5 % only moves edges by a nearest pixel


def training_focal_range(model: OnnxModel) -> tuple[float, float] | None:
    """The focal lengths (pixels) of the frames a model was trained on, from its card."""
    fx = (model.card.get("training_frames") or {}).get("fx_px")
    if not fx:
        return None
    return float(min(fx)), float(max(fx))


def _interp_axis(n_frame: int, start: int, stride: int, scale: float, v0: int, n_model: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For frame pixels start + stride//2 + stride*i: the model pixel below each (clipped
    so that it and the next exist) and the weight of the next, along one axis."""
    f = np.arange(start + stride // 2, n_frame, stride, dtype=np.float64)
    v = (f + 0.5) * scale - 0.5  # the frame pixel's centre in the resampled frame
    m = (v - v0 - stride // 2) / stride  # ... in model pixels
    if n_model < 2:
        return np.zeros(len(f), np.intp), np.zeros(len(f), np.float32)
    i0 = np.clip(np.floor(m), 0, n_model - 2).astype(np.intp)
    return i0, np.clip(m - i0, 0.0, 1.0).astype(np.float32)


def _bilinear(logits: np.ndarray, rows: tuple, cols: tuple) -> np.ndarray:
    """(C, h, w) logits read at fractional model positions (i0, weight) per axis."""
    (ri, rw), (ci, cw) = rows, cols
    a = logits[:, ri] * (1 - rw)[:, None] + logits[:, ri + 1] * rw[:, None]
    return a[:, :, ci] * (1 - cw) + a[:, :, ci + 1] * cw


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
        self.focal_px = training_focal_range(model)
        frame = model.contract.preprocess.get("frame", (self.width * self.stride,
                                                        self.height * self.stride))
        self.native_shape = (int(frame[1]), int(frame[0]))  # (H, W) of the training frames
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

    def scale_for(self, intr: Intrinsics) -> float:
        """How much a frame with these intrinsics is resized to the trained pixel scale
        (1.0: read as it is). By focal length when the card gives the trained range (a
        D435's 640x480 and 848x480 differ in focal length, not only in width), else by
        width."""
        if self.focal_px is None:
            return self.native_shape[1] / intr.width
        lo, hi = self.focal_px
        target = float(np.clip(intr.fx, lo * (1 - FOCAL_TOLERANCE), hi * (1 + FOCAL_TOLERANCE)))
        return target / intr.fx

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
        k = self.scale_for(intr)
        native = depth_m.shape == (self.height * s, self.width * s)
        if k != 1.0 or not native:
            if not self.windowed:
                raise ModelError(f"{self.model.path}: made for {self.width * s}x"
                                 f"{self.height * s} frames, got {depth_m.shape[1]}x"
                                 f"{depth_m.shape[0]} (and it takes no other size)")
            return self._resampled(depth_m, color, intr, floor, roi, k, t0)
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
        conf = _confidence(logits, labels)
        t3 = time.perf_counter()
        return Segmentation(labels, s, self.classes, conf,
                            {"preprocess": (t1 - t0) * 1e3, "model": (t2 - t1) * 1e3,
                             "postprocess": (t3 - t2) * 1e3}, (rows.start, cols.start))

    def _resampled(self, depth_m: np.ndarray, color: np.ndarray | None, intr: Intrinsics,
                   floor: FloorPlane, roi: tuple[slice, slice] | None, k: float,
                   t0: float) -> Segmentation:
        """Segment a frame resized by `k` to the trained pixel scale, labels on the frame's
        own grid. Depth is sampled at the nearest frame pixel (never blended across a
        depth edge) with that pixel's own camera ray, so every feature stays exact; pixels
        of the resized frame beyond the frame's border are invalid (no depth)."""
        s, o = self.stride, self.stride // 2
        H, W = depth_m.shape
        a = WINDOW_ALIGN * s
        Hv, Wv = -(-round(H * k) // a) * a, -(-round(W * k) // a) * a
        if roi is None:
            roi_v = (slice(0, Hv), slice(0, Wv))
        else:
            roi_v = tuple(slice(int(np.floor(sl.start * k)), int(np.ceil(sl.stop * k)))
                          for sl in roi)
        rows, cols = self.window(roi_v, (Hv, Wv))
        src = []
        for sl, n in ((rows, H), (cols, W)):
            v = np.arange(sl.start + o, sl.stop, s, dtype=np.float64)
            idx = np.rint((v + 0.5) / k - 0.5).astype(np.intp)
            src.append((np.clip(idx, 0, n - 1), (idx >= 0) & (idx < n)))
        (ri, rin), (ci, cin) = src
        d = depth_m[np.ix_(ri, ci)] * (rin[:, None] & cin[None, :])
        c = None if color is None else color[np.ix_(ri, ci)]
        rays = strided_rays(intr, 1)[np.ix_(ri, ci)]
        x = seg_features(d, c, rays, floor)
        t1 = time.perf_counter()
        logits = self.logits(x)
        t2 = time.perf_counter()
        conf = _confidence(logits, logits.argmax(axis=0))
        # the frame's window: the resized window's extent in frame pixels, on the stride
        if roi is None:
            r0, c0, r1, c1 = 0, 0, H, W
        else:
            r0 = max(int(rows.start / k), 0) // s * s
            c0 = max(int(cols.start / k), 0) // s * s
            r1, c1 = min(int(np.ceil(rows.stop / k)), H), min(int(np.ceil(cols.stop / k)), W)
        back_r = _interp_axis(r1, r0, s, k, rows.start, logits.shape[1])
        back_c = _interp_axis(c1, c0, s, k, cols.start, logits.shape[2])
        labels = _bilinear(logits, back_r, back_c).argmax(axis=0).astype(np.uint8)
        t3 = time.perf_counter()
        return Segmentation(labels, s, self.classes, conf,
                            {"preprocess": (t1 - t0) * 1e3, "model": (t2 - t1) * 1e3,
                             "postprocess": (t3 - t2) * 1e3}, (r0, c0))


def _confidence(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean max-softmax over the pixels labelled other than background (1.0 when none)."""
    fg = labels > 0
    if not fg.any():
        return 1.0
    lf = logits[:, fg]
    e = np.exp(lf - lf.max(axis=0))
    return float((1.0 / e.sum(axis=0)).mean())
