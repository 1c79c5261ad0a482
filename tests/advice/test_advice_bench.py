"""The benchmark functions `kiosk bench` prints: the simulated-shopper checks hold."""

from __future__ import annotations

import numpy as np

from kiosk.bench.advice import (
    catalogue_import_benchmark,
    recommendation_mix,
    simulated_shopper,
)
from kiosk.report import validate_report


def _rows(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def test_simulated_shoppers_are_valid_reports_with_feet_that_sometimes_differ():
    rng = np.random.default_rng(1)
    diffs = []
    for _ in range(200):
        standing, gait, sex = simulated_shopper(rng)
        diffs.append(
            abs(standing["feet"]["left"]["length_mm"] - standing["feet"]["right"]["length_mm"])
        )
        assert sex in ("male", "female")
    standing["size"] = {"eu": 0, "uk": 0, "us_men": 0, "us_women": 0, "jp_cm": 0,
                        "mondopoint": 0, "width": "D"}  # fmt: skip
    validate_report(standing)
    validate_report(gait)
    share = np.mean(np.array(diffs) >= 25.4 / 6)
    assert 0.1 < share < 0.3  # "about one shopper in five"


def test_recommendation_mix_lists_are_non_empty_or_explained_and_items_in_stock():
    rows = _rows(recommendation_mix(n=80, seed=3))
    assert rows["simulated shoppers"]["value"] == 80
    assert rows["empty lists, unexplained"]["value"] == 0
    assert rows["items not in stock in shopper's size/width"]["value"] == 0
    assert rows["stability/motion-control shoes without clear over-pronation"]["value"] == 0
    shares = [rows[f"  shoe share {c}"]["value"]
              for c in ("neutral", "cushioned", "stability", "motion_control")]  # fmt: skip
    assert abs(sum(shares) - 1.0) < 1e-6


def test_catalogue_import_benchmark_reports_timed_rows_against_the_limit():
    rows = catalogue_import_benchmark(rows=300, repeats=1)
    csv_row = rows[0]
    assert csv_row["name"].startswith("catalogue import, 300 rows CSV")
    assert csv_row["limit_s"] == 2.0 and csv_row["ok"] is True and csv_row["best_s"] > 0
    assert any("51 MB" in r["name"] for r in rows)
