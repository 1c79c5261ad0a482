"""The printable ChArUco board: files written, and detection recovers a known camera pose."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.capture.frame import Intrinsics
from kiosk.vision import board as bd


def test_board_files_are_a_png_and_an_a4_pdf(tmp_path):
    png, pdf = bd.write_board_files(tmp_path)
    img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (2000, 2800)  # 200 x 280 mm at 10 px/mm
    assert pdf.read_bytes().startswith(b"%PDF-1.4") and b"/MediaBox [0 0 841.890 595.276]" in (
        pdf.read_bytes()
    )


def test_detection_of_a_fronto_parallel_board_gives_distance_and_square_size():
    px_per_mm, f = 2.0, 600.0
    img = bd.board_image(px_per_mm)
    page = np.full((img.shape[0] + 200, img.shape[1] + 200), 255, np.uint8)
    page[100:-100, 100:-100] = img
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    intr = Intrinsics(rgb.shape[1], rgb.shape[0], f, f, rgb.shape[1] / 2, rgb.shape[0] / 2)
    det = bd.detect_board(rgb, intr)
    assert det is not None and det.n_corners == 24
    z = f / px_per_mm / 1000  # the distance at which 1 mm images to px_per_mm pixels
    assert abs(det.camera_height_m() - z) < 1e-3
    assert abs(det.camera_pitch_deg() - 90.0) < 0.5
    depth = np.full(rgb.shape[:2], z, np.float32)
    assert abs(bd.measured_square_mm(det, depth, intr) - 40.0) < 0.5
    assert bd.detect_board(np.full_like(rgb, 255), intr) is None
