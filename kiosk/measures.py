"""Definitions of the measurements that every layer shares (DESIGN.md section 3).

The vision code measures with them, the simulator writes its ground truth with them, and
the advice reads the results by them; one definition each, so the three cannot drift.
"""

from __future__ import annotations

# The truncated foot length (heel to the first metatarsal head, a bony landmark a depth
# camera cannot see) as a share of foot length: the standard approximation, used always.
# Source: DESIGN.md section 3; McPoil et al. 2008 support estimating the truncated length
# from total foot length.
TRUNCATED_LENGTH_RATIO = 0.73


def arch_height_index(arch_height: float, foot_length: float) -> float:
    """Arch Height Index: dorsal height at 50 % of foot length / truncated foot length
    (both lengths in the same unit)."""
    return arch_height / (TRUNCATED_LENGTH_RATIO * foot_length)


def arch_height_for_ahi(ahi: float, foot_length: float) -> float:
    """The arch height, in `foot_length`'s unit, that gives `ahi` (a simulated foot's)."""
    return ahi * TRUNCATED_LENGTH_RATIO * foot_length
