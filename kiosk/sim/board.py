"""The printed ChArUco calibration board, lying on the simulated mat.

Staff calibrate a station by laying the printed board (`calibration/`) on the mat; the
simulator textures an A4 sheet with the real board image so the wizard, `kiosk
calibrate` and their tests see what a camera would.
"""

from __future__ import annotations

import numpy as np

from kiosk.capture import board as bd
from kiosk.sim.render import Quad

PX_PER_MM = 4.0
A4_M = (0.297, 0.210)
SHEET_CENTRE_Y_M = -0.16  # in front of the heel stop, where the feet go


def board_pattern(paper_w_m: float, paper_h_m: float):
    """(a, b) metres on the sheet -> RGB 0..255: the board centred on white paper."""
    img = bd.board_image(PX_PER_MM).astype(np.float64)
    bw, bh = bd.SQUARES_X * bd.SQUARE_M, bd.SQUARES_Y * bd.SQUARE_M
    ox, oy = (paper_w_m - bw) / 2, (paper_h_m - bh) / 2

    def pattern(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        u = a - ox
        v = (paper_h_m - b) - oy  # image rows run towards the camera
        inside = (u >= 0) & (u < bw) & (v >= 0) & (v < bh)
        col = np.clip((u * 1000 * PX_PER_MM).astype(np.int64), 0, img.shape[1] - 1)
        row = np.clip((v * 1000 * PX_PER_MM).astype(np.int64), 0, img.shape[0] - 1)
        grey = np.where(inside, img[row, col], 245.0)
        return np.repeat(grey[:, None], 3, axis=1)

    return pattern


def board_sheet(centre_y_m: float = SHEET_CENTRE_Y_M) -> Quad:
    """An A4 sheet with the board, flat on the mat (0.6 mm above it: paper on a mat)."""
    ex, ey = np.eye(3)[0], np.eye(3)[1]
    w, h = A4_M
    return Quad(np.array([-w / 2, centre_y_m - h / 2, 0.0006]), ex, ey, w, h,
                (245, 245, 245), pattern=board_pattern(w, h))


def with_board(scene, keep_shopper: bool = False):
    """The standing scene with the board on the mat (and, by default, nobody on it)."""
    if not keep_shopper:
        scene.bodies = []
        scene.cones = []
    scene.quads = [*scene.quads, board_sheet()]
    return scene
