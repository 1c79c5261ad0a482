"""Pictures of what was measured, drawn on the camera's own image (`kiosk analyze --overlay`).

Standing: each foot's outline, the heel stop, the length line (heel to the longest toe,
along the foot's axis) and the width line, with their figures. Treadmill: one mid-stance
frame with the legs' outlines and, per foot, the heel-counter and lower-shank bisectors
whose difference is the rearfoot angle. Staff and developers see why a figure is what it
is; the shopper screens draw their own, simpler pictures.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.capture.frame import Frame, Intrinsics
from kiosk.vision.floor import FloorPlane
from kiosk.vision.gait import Belt, frame_roi, leg_mask, measure_frame, split_legs
from kiosk.vision.standing import StandingResult

# RGB; the shopper's left foot is drawn in the same colours as on the results screen
SIDE_RGB = {"left": (40, 110, 230), "right": (230, 90, 40)}
STOP_RGB = (250, 210, 30)
LINE_RGB = (20, 160, 60)
TEXT_RGB = (255, 255, 255)


def base_image(frame: Frame) -> np.ndarray:
    """The frame's colour image, or its depth shaded in grey where there is no colour."""
    if frame.color is not None:
        return np.array(frame.color, copy=True)
    d = frame.depth_m
    valid = d > 0
    grey = np.zeros(d.shape, np.uint8)
    if valid.any():
        lo, hi = np.percentile(d[valid], (1, 99))
        grey[valid] = np.clip(255 * (1 - (d[valid] - lo) / max(hi - lo, 1e-6)), 40, 255)
    return np.repeat(grey[..., None], 3, axis=2)


def _to_pixels(floor: FloorPlane, intr: Intrinsics, pts_floor: np.ndarray) -> np.ndarray:
    cam = floor.to_camera(np.asarray(pts_floor, float).reshape(-1, 3))
    return np.rint(intr.project(cam)).astype(int)


def _label(img: np.ndarray, text: str, at: tuple[int, int], rgb: tuple,
           left_of: bool = False) -> None:
    (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    org = (int(at[0]) - w - 6, int(at[1]) + 16) if left_of else (int(at[0]) + 6, int(at[1]) + 16)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, rgb, 1, cv2.LINE_AA)


def standing_overlay(frame: Frame, result: StandingResult) -> np.ndarray:
    """`frame` with the standing measurement of `result` drawn on it (RGB, HxWx3)."""
    img = base_image(frame)
    intr, floor = frame.intrinsics, result.floor
    stop = result.stop
    n = np.asarray(stop["normal_xy"], float)
    along = np.array([-n[1], n[0]])
    p = np.asarray(stop["point_xy"], float)
    half = stop["span_m"] / 2
    ends = [np.r_[p + along * half, 0.0], np.r_[p - along * half, 0.0]]
    tops = [e + np.r_[0.0, 0.0, stop["height_m"]] for e in ends]
    a, b = _to_pixels(floor, intr, np.array(ends))
    c, d = _to_pixels(floor, intr, np.array(tops))
    cv2.polylines(img, [np.array([a, b, d, c])], True, STOP_RGB, 2, cv2.LINE_AA)
    _label(img, "heel stop", tuple(c), STOP_RGB)
    for side, mask in result.foot_masks.items():
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(img, contours, -1, SIDE_RGB[side], 2, cv2.LINE_AA)
        foot = result.feet[side]
        lines = foot.details.get("lines")
        if not lines:
            continue
        heel, tip = _to_pixels(floor, intr, np.array([[*lines["heel_xy_m"], 0.0],
                                                      [*lines["tip_xy_m"], 0.0]]))
        cv2.arrowedLine(img, tuple(heel), tuple(tip), LINE_RGB, 2, cv2.LINE_AA, tipLength=0.05)
        w0, w1 = _to_pixels(floor, intr, np.array([[*lines["width_from_xy_m"], 0.0],
                                                   [*lines["width_to_xy_m"], 0.0]]))
        cv2.line(img, tuple(w0), tuple(w1), LINE_RGB, 2, cv2.LINE_AA)
        # the shopper's left foot is on the image's right: its label goes to the right
        _label(img, f"{side}: {foot.length_mm:.0f} x {foot.width_mm:.0f} mm", tuple(tip),
               SIDE_RGB[side], left_of=side == "right")
    return _zoom(img, [m for m in result.foot_masks.values()], [a, b, c, d])


ZOOM_MARGIN_PX = 60


def _zoom(img: np.ndarray, masks: list[np.ndarray], points: list[np.ndarray]) -> np.ndarray:
    """The part of the picture around the feet (and heel stop), enlarged to the frame's
    width: the feet fill a small part of a D4xx frame."""
    ys, xs = [], []
    for m in masks:
        r, c = np.nonzero(m)
        ys += [r.min(), r.max()] if len(r) else []
        xs += [c.min(), c.max()] if len(c) else []
    for p in points:
        xs.append(int(p[0]))
        ys.append(int(p[1]))
    if not xs:
        return img
    h, w = img.shape[:2]
    x0, x1 = max(min(xs) - ZOOM_MARGIN_PX, 0), min(max(xs) + ZOOM_MARGIN_PX, w)
    y0, y1 = max(min(ys) - ZOOM_MARGIN_PX, 0), min(max(ys) + ZOOM_MARGIN_PX, h)
    crop = img[y0:y1, x0:x1]
    scale = min(w / max(crop.shape[1], 1), h / max(crop.shape[0], 1), 3.0)
    if scale <= 1.0:
        return img
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)


def gait_overlay(frame: Frame, belt: Belt) -> np.ndarray:
    """One treadmill frame with the legs outlined and each measured foot's heel-counter and
    lower-shank bisectors (the rearfoot angle is the angle between them)."""
    img = base_image(frame)
    roi = frame_roi(frame.depth_m, belt)
    if roi is None:
        return img
    P = belt.points(frame.depth_m, *roi)
    fg = leg_mask(P, frame.depth_m[roi], belt)
    contours, _ = cv2.findContours(fg.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE, offset=(roi[1].start, roi[0].start))
    cv2.drawContours(img, contours, -1, (200, 200, 200), 1, cv2.LINE_AA)
    split = split_legs(P, fg)
    if split is None:
        return img
    debug: dict = {}
    row = measure_frame(P, fg, split, debug=debug, pixel_scale=belt.pixel_scale)
    for side in ("left", "right"):
        lines = debug.get(f"{side}_bisectors")
        if lines is None:
            continue
        for part, (mask, slope) in lines.items():
            pts = P[mask]
            if len(pts) < 5:
                continue
            c = pts.mean(axis=0)
            z0, z1 = np.percentile(pts[:, 2], (2, 98))
            ends = np.array([[c[0] + slope * (z - c[2]), c[1], z] for z in (z0, z1)])
            a, b = _to_pixels(belt.floor, frame.intrinsics, ends)
            rgb = SIDE_RGB[side] if part == "heel" else LINE_RGB
            cv2.line(img, tuple(a), tuple(b), rgb, 2, cv2.LINE_AA)
        angle = row[side][2]
        if np.isfinite(angle):
            heel_px = _to_pixels(belt.floor, frame.intrinsics, P[lines["heel"][0]].mean(axis=0))
            _label(img, f"{side}: {angle:+.1f} deg", tuple(heel_px[0]), SIDE_RGB[side])
    return img


def write_png(path: str, image_rgb: np.ndarray) -> None:
    """Save an RGB picture as PNG (OpenCV writes BGR)."""
    if not cv2.imwrite(str(path), cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"{path}: could not write the picture")
