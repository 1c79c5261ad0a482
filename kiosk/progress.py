"""Progress bars for the long commands (`kiosk eval`, `train`, `simulate`, `bench`).

On a terminal a bar on stderr shows how far a loop is and an estimate of the time left
(tqdm); when stdout or stderr is not a terminal (piped, redirected, a service's journal)
or CI is set, nothing is drawn, so tables and logs stay clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

# the values of CI that mean "running under CI" (as tests/conftest.py reads it)
CI_TRUE = ("1", "true", "yes")


def progress_enabled() -> bool:
    """True when both stdout and stderr are terminals and CI is not set."""
    if os.environ.get("CI", "").lower() in CI_TRUE:
        return False
    return all(s is not None and s.isatty() for s in (sys.stdout, sys.stderr))


def progress(iterable: Iterable[T], desc: str, total: int | None = None,
             unit: str = "it") -> Iterable[T]:
    """`iterable` as it is, with a bar while it is consumed when progress_enabled()."""
    if not progress_enabled():
        return iterable
    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True)
