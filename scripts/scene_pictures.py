"""Pictures of sample simulated scenes for docs/screens/scenes/: colour and depth side by
side, one PNG per scene, from both scene families (the mesh family needs the sim extra).

    PYTHONPATH=. python scripts/scene_pictures.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from kiosk.sim.mesh_gait import mesh_gait_scene, random_mesh_walker, render_mesh_gait_frame
from kiosk.sim.mesh_scenes import mesh_standing_scene, random_mesh_shopper, render_mesh_standing
from kiosk.sim.modes import DepthMode
from kiosk.sim.scenes import (
    gait_scene,
    random_profile,
    render_gait_frame,
    render_standing_frames,
    standing_scene,
)

DEPTH_RANGE_M = (0.3, 1.8)


def side_by_side(depth_m: np.ndarray, color_rgb: np.ndarray) -> np.ndarray:
    lo, hi = DEPTH_RANGE_M
    d = np.clip((depth_m - lo) / (hi - lo), 0, 1)
    vis = cv2.applyColorMap((255 - d * 255).astype(np.uint8), cv2.COLORMAP_TURBO)
    vis[depth_m == 0] = 0
    return np.hstack([color_rgb[:, :, ::-1], vis])


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    scene = standing_scene(random_profile(1))
    clean, [(d, _)] = render_standing_frames(scene, 1, rng)
    cv2.imwrite(str(out / "analytic-standing-seed1.png"), side_by_side(d, clean.color))
    g = gait_scene(random_profile(2, "gait"), duration_s=1.0)
    clean, d, _, _ = render_gait_frame(g, 10, rng)
    cv2.imwrite(str(out / "analytic-gait-seed2.png"), side_by_side(d, clean.color))
    samples = [(5, DepthMode("D435", 848, 480, 15), None), (3, DepthMode("D455", 848, 480, 30),
                                                            None),
               (8, DepthMode("D415", 640, 480, 15), None),
               (900_004, DepthMode("D435", 1280, 720, 30), "child"),
               (900_009, DepthMode("D455", 848, 480, 15), "wide_trousers")]
    for seed, mode, unusual in samples:
        p = random_mesh_shopper(seed, mode, unusual=unusual)
        clean, [(d, _)] = render_mesh_standing(mesh_standing_scene(p), 1, rng)
        name = f"mesh-standing-seed{seed}-{mode.camera}-{mode.width}x{mode.height}"
        cv2.imwrite(str(out / f"{name}{'-' + unusual if unusual else ''}.png"),
                    side_by_side(d, clean.color))
    for seed, mode, k in ((1, DepthMode("D435", 848, 480, 30), 8),
                          (6, DepthMode("D455", 1280, 720, 30), 5),
                          (950_002, DepthMode("D415", 640, 480, 60), 12)):
        p = random_mesh_walker(seed, mode)
        clean, d, _, _ = render_mesh_gait_frame(mesh_gait_scene(p, 1.0), k, rng)
        name = f"mesh-gait-seed{seed}-{mode.camera}-{mode.width}x{mode.height}-{p.shoe}.png"
        cv2.imwrite(str(out / name), side_by_side(d, clean.color))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screens/scenes"))
