"""The hot paths' order statistics give NumPy's numbers exactly (value and type)."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.vision.stats import median, percentile


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percentile_and_median_are_numpys(dtype) -> None:
    rng = np.random.default_rng(0)
    for _ in range(2000):
        a = rng.normal(size=int(rng.integers(1, 300))).astype(dtype)
        if rng.random() < 0.3:
            a = np.round(a, 1)  # ties
        q = float(rng.choice([0.2, 0.5, 2, 3, 5, 50, 95, 97, 99.8, rng.uniform(0, 100)]))
        ours, theirs = percentile(a, q), np.percentile(a, q)
        assert ours == theirs and type(ours) is type(theirs)
        assert np.array_equal(percentile(a, (3, 97)), np.percentile(a, (3, 97)))
        ours, theirs = median(a), np.median(a)
        assert ours == theirs and type(ours) is type(theirs)
