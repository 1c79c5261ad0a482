"""Rearfoot-angle curves over the gait cycle, shaped by real treadmill running data.

Source: Fukuchi RK et al., BMC-RIC running biomechanics data set (46 runners on a
treadmill, marker-based 3D joint angles, CC BY 4.0; `../shared/realdata/running_kinematics/`).
For each runner we averaged the frontal-plane ankle angle (`Ankle_Y_*`, the marker proxy
for rearfoot eversion) over strides, subtracted its stance peak, and took the mean and the
first two principal components across runners at every 4 % of the stride. Only those
derived figures are here. Walking curves are the running shape time-warped to a 62 %
stance and scaled by 0.7 (our assumption: no walking data in the set; walking eversion
excursion is smaller than running's).
"""

from __future__ import annotations

import numpy as np

_PHASE = np.linspace(0.0, 1.0, 26)
# stance-peak-relative curve (degrees), mean over 46 runners
_MEAN = np.array([
    -10.56, -7.79, -3.6, -1.25, -0.43, -0.72, -1.94, -4.42, -7.8, -10.52, -11.19, -10.01,
    -8.51, -7.76, -7.4, -6.9, -6.64, -6.64, -6.53, -6.34, -6.2, -6.63, -8.27, -10.61,
    -11.85, -10.85,
])
_PC_SD = np.array([12.17, 4.91])
_PC = np.array([
    [-0.189, -0.103, -0.035, 0.003, 0.008, -0.023, -0.06, -0.119, -0.177, -0.159, -0.147,
     -0.198, -0.238, -0.243, -0.24, -0.237, -0.255, -0.277, -0.266, -0.253, -0.245, -0.232,
     -0.225, -0.227, -0.233, -0.201],
    [-0.372, -0.268, -0.054, -0.041, -0.017, 0.006, 0.003, 0.003, 0.018, 0.036, 0.044,
     0.137, 0.23, 0.277, 0.293, 0.245, 0.176, 0.111, 0.075, 0.048, -0.016, -0.07, -0.193,
     -0.321, -0.385, -0.377],
])
RUNNING_STANCE = 0.38  # the data's curves return from eversion at ~38-40 % of the stride
WALKING_STANCE = 0.62  # typical walking stance share of the gait cycle
WALKING_SCALE = 0.7


def sample_curve_shape(rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
    """Principal-component weights for one shopper's curve shape."""
    return rng.standard_normal(2) * spread


def rearfoot_curve(
    phase: np.ndarray, peak_eversion_deg: float, weights: np.ndarray, gait: str
) -> np.ndarray:
    """Rearfoot angle (deg, + = eversion) at gait-cycle phases (0 = heel strike).

    The curve's maximum during stance equals `peak_eversion_deg`.
    """
    rel = _MEAN + (_PC_SD * weights) @ _PC
    rel = rel - rel[: int(RUNNING_STANCE * 25) + 1].max()
    phase = np.mod(phase, 1.0)
    if gait == "walking":
        # time-warp the running stance/swing onto walking's
        warped = np.where(
            phase < WALKING_STANCE,
            phase / WALKING_STANCE * RUNNING_STANCE,
            RUNNING_STANCE + (phase - WALKING_STANCE) / (1 - WALKING_STANCE) * (1 - RUNNING_STANCE),
        )
        return peak_eversion_deg + WALKING_SCALE * np.interp(warped, _PHASE, rel)
    return peak_eversion_deg + np.interp(phase, _PHASE, rel)
