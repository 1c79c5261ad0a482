"""Foot-size distributions for simulated shoppers, derived from ANSUR II.

Source: 2012 US Army Anthropometric Survey (ANSUR II) public release, 4,082 men and
1,986 women (Gordon et al. 2014, NATICK/TR-15/007). The means, SDs and correlations below
were computed from `../shared/realdata/ansur2/ANSUR_II_{MALE,FEMALE}_Public.csv`
(columns footlength, footbreadthhorizontal, balloffootlength, heelbreadth); the data
files themselves are not shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# order: foot length, foot breadth (horizontal), ball-of-foot length, heel breadth; mm
_MEAN = {
    "male": np.array([271.2, 101.9, 200.9, 72.5]),
    "female": np.array([246.3, 92.7, 182.1, 67.2]),
}
_SD = {
    "male": np.array([13.1, 5.2, 10.5, 5.5]),
    "female": np.array([12.4, 4.8, 9.6, 5.2]),
}
_CORR = {
    "male": np.array(
        [
            [1.000, 0.589, 0.925, 0.483],
            [0.589, 1.000, 0.538, 0.521],
            [0.925, 0.538, 1.000, 0.497],
            [0.483, 0.521, 0.497, 1.000],
        ]
    ),
    "female": np.array(
        [
            [1.000, 0.555, 0.940, 0.514],
            [0.555, 1.000, 0.522, 0.542],
            [0.940, 0.522, 1.000, 0.518],
            [0.514, 0.542, 0.518, 1.000],
        ]
    ),
}
# Observed ANSUR II ranges (mm), used as plausibility bounds for measured figures.
LENGTH_RANGE_MM = {"male": (216.0, 323.0), "female": (198.0, 286.0)}
BREADTH_RANGE_MM = {"male": (79.0, 126.0), "female": (77.0, 108.0)}

# The simulator's and kiosk's supported envelope (DESIGN.md / issue 2): beyond ANSUR's
# adult range at both ends, so children's and very large feet are exercised too.
SIM_LENGTH_RANGE_MM = (200.0, 310.0)
SIM_WIDTH_RANGE_MM = (80.0, 120.0)


@dataclass(frozen=True)
class FootDimensions:
    sex: str
    length_mm: float
    breadth_mm: float
    ball_length_mm: float
    heel_breadth_mm: float


def sample_foot_dimensions(
    rng: np.random.Generator, sex: str | None = None, spread: float = 1.0
) -> FootDimensions:
    """Correlated foot dimensions for one shopper.

    `spread` > 1 widens the distribution (domain randomisation beyond the population);
    results are clipped to the simulator's envelope.
    """
    if sex is None:
        sex = "male" if rng.random() < 0.5 else "female"
    cov = np.outer(_SD[sex], _SD[sex]) * _CORR[sex] * spread**2
    x = rng.multivariate_normal(_MEAN[sex], cov)
    length = float(np.clip(x[0], *SIM_LENGTH_RANGE_MM))
    # keep the ratios consistent when clipping moved the length
    scale = length / x[0]
    breadth = float(np.clip(x[1] * scale**0.5, *SIM_WIDTH_RANGE_MM))
    ball = float(np.clip(x[2] * scale, 0.70 * length, 0.78 * length))
    heel = float(np.clip(x[3] * scale**0.5, 0.6 * breadth, 0.8 * breadth))
    return FootDimensions(sex, length, breadth, ball, heel)
