"""How often the standing station tells a shopper to step back, by heel gap and scene family.

Touching heels, one heel short of the stop and both heels short, on the analytic family
(held-out seeds 10 000+) and the mesh family (independent seeds 900 000+), each capture
measured as the kiosk does (kiosk.vision.standing, 15 fused frames). Prints one table.

    PYTHONPATH=. python scripts/heel_contact_rates.py --scenes 10
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.errors import KioskError, StepBack
from kiosk.evaluate_mesh import INDEPENDENT_SEED0, independent_unusual
from kiosk.sim.mesh_scenes import random_mesh_shopper
from kiosk.sim.record import mesh_standing_frames
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.vision.standing import analyze_standing_frames

N_FRAMES = 15
CONDITIONS = {  # name: (left gap, right gap) in metres
    "touching": (0.0, 0.0),
    "left 15 mm short": (0.015, 0.0),
    "right 20 mm short": (0.0, 0.020),
    "left 30 mm short": (0.030, 0.0),
    "both 15 mm short": (0.015, 0.015),
    "both 30 mm short": (0.030, 0.030),
}


def frames_for(family: str, seed: int, gaps: tuple) -> list[Frame]:
    if family == "mesh":
        p = random_mesh_shopper(seed, unusual=independent_unusual(seed - INDEPENDENT_SEED0),
                                heel_gap_m=gaps)
        scene, fr = mesh_standing_frames(p, N_FRAMES)
    else:
        scene = standing_scene(random_profile(seed, "standing", heel_gap_m=gaps))
        _, fr = render_standing_frames(scene, N_FRAMES, np.random.default_rng(seed))
    return [Frame(i, i / 15, scene.camera.intrinsics, d, None) for i, (d, _) in enumerate(fr)]


def outcome(frames: list[Frame]) -> str:
    try:
        analyze_standing_frames(frames)
    except StepBack:
        return "step back"
    except KioskError as e:
        return e.code
    return "measured"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=10, help="scenes per family and condition")
    args = ap.parse_args()
    first = {"analytic": 10_000, "mesh": INDEPENDENT_SEED0}
    print("| family | heels | scenes | step back | measured | other refusals |")
    print("|---|---|---|---|---|---|")
    for family in ("analytic", "mesh"):
        for name, gaps in CONDITIONS.items():
            got = Counter(outcome(frames_for(family, first[family] + k, gaps))
                          for k in range(args.scenes))
            other = ", ".join(f"{c} {n}" for c, n in got.items()
                              if c not in ("step back", "measured")) or "-"
            print(f"| {family} | {name} | {args.scenes} | {got['step back']} | "
                  f"{got['measured']} | {other} |", flush=True)


if __name__ == "__main__":
    main()
