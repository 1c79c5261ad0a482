"""The printed ChArUco calibration board: 7 × 5 squares of 40 mm (markers 30 mm,
DICT_5X5_100), 280 × 200 mm, which fits A4 landscape printed at 100 %.

Its specification and image live in the capture layer so that the simulator can lay it on
the mat and `kiosk.vision.board` can find it in a frame, neither importing the other.
"""

from __future__ import annotations

import cv2
import numpy as np

SQUARES_X, SQUARES_Y = 7, 5
SQUARE_M = 0.040
MARKER_M = 0.030
DICTIONARY = "DICT_5X5_100"


def board():  # -> cv2.aruco.CharucoBoard
    d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICTIONARY))
    return cv2.aruco.CharucoBoard((SQUARES_X, SQUARES_Y), SQUARE_M, MARKER_M, d)


def board_image(px_per_mm: float = 10.0) -> np.ndarray:
    """The board as a greyscale image at `px_per_mm` (no margin: the squares fill it)."""
    w = round(SQUARES_X * SQUARE_M * 1000 * px_per_mm)
    h = round(SQUARES_Y * SQUARE_M * 1000 * px_per_mm)
    return board().generateImage((w, h), marginSize=0, borderBits=1)
