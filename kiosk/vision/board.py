"""The ChArUco calibration board in the kiosk's eyes: its printable files and detection.

The board itself (`kiosk.capture.board`) is 7 × 5 squares of 40 mm. Detected in a colour
frame it gives the camera's pose over the mat (height and pitch from the board plane) and,
with depth, a scale check: the measured square size against the printed 40 mm.
"""

from __future__ import annotations

import logging
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.capture.board import (
    SQUARE_M,
    SQUARES_X,
    SQUARES_Y,
    board,
    board_image,
)
from kiosk.capture.frame import Intrinsics

log = logging.getLogger(__name__)

MIN_CORNERS = 6  # fewer inner corners do not fix a pose reliably
A4_LANDSCAPE_MM = (297.0, 210.0)


def _pdf(img: np.ndarray, width_mm: float, height_mm: float) -> bytes:
    """A one-page A4-landscape PDF with `img` centred at exactly width × height mm."""
    pt = 72 / 25.4
    page_w, page_h = A4_LANDSCAPE_MM[0] * pt, A4_LANDSCAPE_MM[1] * pt
    w, h = width_mm * pt, height_mm * pt
    x, y = (page_w - w) / 2, (page_h - h) / 2
    data = zlib.compress(np.ascontiguousarray(img, dtype=np.uint8).tobytes())
    content = f"q {w:.3f} 0 0 {h:.3f} {x:.3f} {y:.3f} cm /Im0 Do Q".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w:.3f} {page_h:.3f}] "
            "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        (
            f"<< /Type /XObject /Subtype /Image /Width {img.shape[1]} /Height {img.shape[0]} "
            f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode "
            f"/Length {len(data)} >>\nstream\n"
        ).encode()
        + data
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def write_board_files(directory: str | Path) -> tuple[Path, Path]:
    """`charuco_board.png` (10 px/mm) and `charuco_board.pdf` (A4, print at 100 %)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    img = board_image(10.0)
    png = d / "charuco_board.png"
    cv2.imwrite(str(png), img)
    pdf = d / "charuco_board.pdf"
    pdf.write_bytes(_pdf(img, SQUARES_X * SQUARE_M * 1000, SQUARES_Y * SQUARE_M * 1000))
    return png, pdf


@dataclass(frozen=True)
class BoardDetection:
    corner_ids: np.ndarray  # N inner-corner ids
    corners_px: np.ndarray  # Nx2 pixel positions
    rvec: np.ndarray  # board → camera rotation (Rodrigues)
    tvec: np.ndarray  # board origin in camera frame, metres
    reprojection_px: float

    @property
    def n_corners(self) -> int:
        return len(self.corner_ids)

    def plane(self) -> tuple[np.ndarray, float]:
        """The board plane in the camera frame: unit normal n (towards the camera), d with
        n·x + d = 0."""
        R, _ = cv2.Rodrigues(self.rvec)
        n = R[:, 2]
        t = self.tvec.reshape(3)
        if n @ t > 0:
            n = -n
        return n, float(-(n @ t))

    def camera_height_m(self) -> float:
        """Distance from the camera centre to the board (mat) plane."""
        _, d = self.plane()
        return abs(d)

    def camera_pitch_deg(self) -> float:
        """Angle of the optical axis below the plane's horizon (90 = looking straight down)."""
        n, _ = self.plane()
        return math.degrees(math.asin(min(1.0, abs(float(n[2])))))


def detect_board(color_rgb: np.ndarray, intr: Intrinsics) -> BoardDetection | None:
    """The board's corners and pose in a colour frame, or None when not enough is seen."""
    b = board()
    gray = cv2.cvtColor(color_rgb, cv2.COLOR_RGB2GRAY)
    corners, ids, _, _ = cv2.aruco.CharucoDetector(b).detectBoard(gray)
    if ids is None or len(ids) < MIN_CORNERS:
        return None
    obj = b.getChessboardCorners()[ids.reshape(-1)].astype(np.float64)
    img = corners.reshape(-1, 2).astype(np.float64)
    K = np.array([[intr.fx, 0, intr.ppx], [0, intr.fy, intr.ppy], [0, 0, 1]], np.float64)
    ok, rvec, tvec = cv2.solvePnP(obj, img, K, None, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return None
    proj, _ = cv2.projectPoints(obj, rvec, tvec, K, None)
    err = float(np.sqrt(np.mean(np.sum((proj.reshape(-1, 2) - img) ** 2, axis=1))))
    return BoardDetection(ids.reshape(-1), img, rvec, tvec, err)


def measured_square_mm(det: BoardDetection, depth_m: np.ndarray, intr: Intrinsics) -> float | None:
    """The board's square size measured from depth (mean over neighbouring corner pairs).

    Independent of the colour pose: this is the re-measure check of the depth scale.
    """
    pts = {}
    h, w = depth_m.shape
    for cid, (u, v) in zip(det.corner_ids, det.corners_px, strict=True):
        x, y = round(u), round(v)
        if not (2 <= x < w - 2 and 2 <= y < h - 2):
            continue
        patch = depth_m[y - 2 : y + 3, x - 2 : x + 3]
        valid = patch[patch > 0]
        if valid.size < 5:
            continue
        z = float(np.median(valid))
        pts[int(cid)] = np.array([(u - intr.ppx) / intr.fx * z, (v - intr.ppy) / intr.fy * z, z])
    nx = SQUARES_X - 1  # inner corners per row
    dists = []
    for cid, p in pts.items():
        for nb in (cid + 1, cid + nx):
            if nb in pts and (nb != cid + 1 or (cid % nx) != nx - 1):
                dists.append(float(np.linalg.norm(pts[nb] - p)))
    if len(dists) < 4:
        return None
    return float(np.median(dists)) * 1000.0
