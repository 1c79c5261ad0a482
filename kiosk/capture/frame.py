"""The frame every source yields, the pinhole camera model that goes with it, and a region
of a frame as fractions (`Roi`: the one parser of `X,Y,W,H`, for the CLI and calibration)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from kiosk.errors import InputError

# The D4xx depth focal length at 848x480 (87° across: 424 px nominal; factory calibrations
# 420-435 px). Thresholds counted in pixels were set at this scale; `pixel_scale` carries
# them to other modes (640x480, 1280x720) and focal lengths.
REFERENCE_FX_PX = 430.0


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels (librealsense convention: x right, y down, z forward)."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float

    def scaled(self, factor: float) -> Intrinsics:
        """Intrinsics of the same camera at `factor` times the resolution."""
        return Intrinsics(
            width=round(self.width * factor),
            height=round(self.height * factor),
            fx=self.fx * factor,
            fy=self.fy * factor,
            ppx=(self.ppx + 0.5) * factor - 0.5,
            ppy=(self.ppy + 0.5) * factor - 0.5,
        )

    def cropped(self, rows: slice, cols: slice) -> Intrinsics:
        """Intrinsics of the window `rows` x `cols` of this image (the same camera)."""
        r0, r1, _ = rows.indices(self.height)
        c0, c1, _ = cols.indices(self.width)
        return Intrinsics(width=c1 - c0, height=r1 - r0, fx=self.fx, fy=self.fy,
                          ppx=self.ppx - c0, ppy=self.ppy - r0)

    def pixel_scale(self) -> float:
        """Pixels across a given object here per pixel at REFERENCE_FX_PX (same distance):
        lengths in pixels scale by this, pixel counts (areas) by its square."""
        return self.fx / REFERENCE_FX_PX

    def pixel_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Normalised ray coordinates (x/z, y/z) for every pixel, each HxW float32."""
        u = (np.arange(self.width, dtype=np.float32) - self.ppx) / self.fx
        v = (np.arange(self.height, dtype=np.float32) - self.ppy) / self.fy
        return np.meshgrid(u, v)

    def deproject(self, depth_m: np.ndarray) -> np.ndarray:
        """HxWx3 camera-frame points in metres from a depth image (0 stays 0)."""
        xn, yn = self.pixel_grid()
        return np.stack([xn * depth_m, yn * depth_m, depth_m], axis=-1)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Nx2 pixel coordinates of Nx3 camera-frame points (z > 0)."""
        z = points[:, 2]
        return np.stack(
            [points[:, 0] / z * self.fx + self.ppx, points[:, 1] / z * self.fy + self.ppy],
            axis=1,
        )


@dataclass
class Frame:
    """One synchronised capture.

    depth_m: HxW float32 metres, 0 where the camera has no depth (None for RGB-only video).
    color: HxWx3 uint8 RGB aligned to depth, or None where the source has no colour.
    """

    number: int
    timestamp_s: float
    intrinsics: Intrinsics
    depth_m: np.ndarray | None = None
    color: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def cropped(self, rows: slice, cols: slice) -> Frame:
        """The window `rows` x `cols` of this frame (views of its images, not copies), with
        the intrinsics of that window."""
        return replace(self, intrinsics=self.intrinsics.cropped(rows, cols),
                       depth_m=None if self.depth_m is None else self.depth_m[rows, cols],
                       color=None if self.color is None else self.color[rows, cols])

    @property
    def has_depth(self) -> bool:
        return self.depth_m is not None


@dataclass(frozen=True)
class Roi:
    """A region of interest as fractions of the frame: left, top, width, height in [0, 1]."""

    x: float
    y: float
    w: float
    h: float

    def __post_init__(self) -> None:
        values = (self.x, self.y, self.w, self.h)
        if not all(np.isfinite(v) for v in values):
            raise InputError(f"region of interest {values}: values must be finite numbers")
        if self.x < 0 or self.y < 0 or self.w <= 0 or self.h <= 0:
            raise InputError(
                f"region of interest {values}: x and y must be >= 0, width and height > 0"
            )
        if self.x + self.w > 1 + 1e-9 or self.y + self.h > 1 + 1e-9:
            raise InputError(
                f"region of interest {values}: must lie inside the frame (x+w and y+h <= 1)"
            )

    @classmethod
    def parse(cls, text: str) -> Roi:
        """Parse the command line's `X,Y,W,H` (fractions of the frame, e.g. `0,0.5,1,0.5`)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise InputError(f"--roi '{text}': expected four fractions X,Y,W,H (e.g. 0,0.5,1,0.5)")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise InputError(f"--roi '{text}': X,Y,W,H must be numbers between 0 and 1") from None
        return cls(*values)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) pixel bounds of the region in a width x height frame."""
        x0 = min(round(self.x * width), width - 1)
        y0 = min(round(self.y * height), height - 1)
        x1 = max(x0 + 1, min(width, round((self.x + self.w) * width)))
        y1 = max(y0 + 1, min(height, round((self.y + self.h) * height)))
        return x0, y0, x1, y1
