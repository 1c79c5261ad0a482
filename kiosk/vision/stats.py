"""Order statistics for the per-frame hot paths.

`np.percentile` costs tens of microseconds of Python per call whatever the array's size,
and the treadmill analysis takes dozens of them per frame on a few hundred points each.
`percentile` gives the same numbers as NumPy's default ("linear") method, bit for bit:
its interpolation formula, in the precision NumPy uses (a scalar `q` interpolates in the
array's own precision, a sequence of them in float64).
"""

from __future__ import annotations

import numpy as np


def percentile(a: np.ndarray, q: float | tuple[float, ...]) -> np.floating | np.ndarray:
    """`np.percentile(a, q)` of a 1-D, non-empty, NaN-free float array (a NumPy scalar of
    the same type for a scalar `q`, as NumPy returns)."""
    n = len(a)
    if np.ndim(q) == 0:
        virtual = float(np.true_divide(q, 100)) * (n - 1)
        lo = int(np.floor(virtual))
        hi = min(lo + 1, n - 1)
        part = np.partition(a, (lo, hi))
        x0, x1 = part[lo], part[hi]
        t = virtual - lo
        diff = x1 - x0
        return x1 - diff * (1 - t) if t >= 0.5 else x0 + diff * t  # NumPy's _lerp
    virtual = np.true_divide(np.asarray(q, dtype=np.float64), 100) * (n - 1)
    lo = np.floor(virtual).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(a, np.unique(np.concatenate([lo, hi])))
    x0, x1 = part[lo], part[hi]
    t = virtual - lo
    diff = x1 - x0
    return np.where(t >= 0.5, x1 - diff * (1 - t), x0 + diff * t)


def median(a: np.ndarray) -> np.floating:
    """`np.median(a)` of a 1-D, non-empty, NaN-free float array (same value and type)."""
    n = len(a)
    k = n // 2
    if n % 2:
        return np.partition(a, k)[k]
    part = np.partition(a, (k - 1, k))
    return (part[k - 1] + part[k]) / 2  # np.mean's sum and division, in a's precision
