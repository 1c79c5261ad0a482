"""Synthetic, seeded session records for `kiosk demo`, tests and benchmarks.

Foot dimensions come from the simulator's ANSUR II distributions; classes, sizes and
recommendations are drawn to look like a plausible store, not measured. Every record is
a valid `kiosk.session/1` record, so the demo dashboard exercises the real code paths.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta

import numpy as np

from kiosk.advice.sizes import pair_sizes
from kiosk.measures import arch_height_for_ahi
from kiosk.sim.anthropometry import sample_foot_dimensions
from kiosk.store.db import Store
from kiosk.store.records import Recommendation, SessionRecord, WalkTry, utcnow

log = logging.getLogger(__name__)

DEMO_RETAILER = "demo-retailer"
DEMO_STORES = (("demo-shibuya", "Shibuya"), ("demo-umeda", "Umeda"), ("demo-soho", "SoHo"))
DEMO_PRODUCTS = (
    ("shoe-stab-1", "shoe", "StableRun 3", True),
    ("shoe-neutral-1", "shoe", "Daily Cruiser", True),
    ("shoe-cush-1", "shoe", "CloudStep Max", False),
    ("shoe-wide-1", "shoe", "WideFit Trainer", True),
    ("insole-arch-1", "insole", "ArchSupport Pro insole", True),
    ("insole-neutral-1", "insole", "Comfort insole", False),
)
# Hourly visit weights for a shop open 10:00-21:00 (busier at lunch and after work).
_HOUR_WEIGHTS = np.array([0] * 10 + [3, 4, 6, 6, 4, 4, 5, 7, 8, 6, 4] + [0] * 3, float)


def _standing_report(rng: np.random.Generator, sex: str) -> dict:
    dims = sample_foot_dimensions(rng, sex)
    feet = {}
    arch = rng.choice(["low", "normal", "high"], p=[0.25, 0.6, 0.15])
    for side in ("left", "right"):
        length = float(dims.length_mm + rng.normal(0, 2.0))
        width = float(dims.breadth_mm + rng.normal(0, 1.5))
        ahi = {"low": 0.29, "normal": 0.33, "high": 0.37}[str(arch)] + rng.normal(0, 0.008)
        feet[side] = {
            "length_mm": round(length, 1),
            "width_mm": round(width, 1),
            "arch_height_mm": round(arch_height_for_ahi(ahi, length), 1),
            "arch_height_index": round(float(ahi), 3),
            "arch_type": str(arch),
            "confidence": round(float(rng.uniform(0.8, 0.98)), 2),
        }
    return {
        "schema": "kiosk.report/1",
        "kind": "standing",
        "feet": feet,
        # the size tables the analysis uses (kiosk.advice.sizes), so demo figures add up
        "size": pair_sizes(feet["left"], feet["right"], sex),
        "recommendations": [],
    }


def _gait_report(rng: np.random.Generator, shift_deg: float = 0.0) -> dict:
    feet = {}
    base = float(rng.normal(6.0, 4.0)) + shift_deg
    for side in ("left", "right"):
        ev = base + float(rng.normal(0, 1.2))
        rolling = "overpronation" if ev > 10 else ("underpronation" if ev < 2 else "neutral")
        curve = [round(ev * max(0.0, math.sin(math.pi * min(1.0, i / 60))), 2) for i in range(101)]
        feet[side] = {
            "peak_eversion_deg": round(ev, 1),
            "rolling": rolling,
            "steps": int(rng.integers(10, 18)),
            "confidence": round(float(rng.uniform(0.75, 0.95)), 2),
            "rearfoot_curve_deg": curve,
        }
    return {
        "schema": "kiosk.report/1",
        "kind": "gait",
        "feet": feet,
        "cadence_spm": round(float(rng.normal(112, 6)), 1),
        "recommendations": [],
    }


def demo_record(
    rng: np.random.Generator,
    *,
    started_at: datetime,
    kiosk_id: str = "demo-kiosk",
    store_id: str = DEMO_STORES[0][0],
    retailer_id: str = DEMO_RETAILER,
    stage: str = "qr",
) -> SessionRecord:
    """One synthetic visit that got as far as `stage` (a FUNNEL stage name)."""
    order = ["started", "consent", "standing", "walk", "results", "qr"]
    reached = order.index(stage)
    sex = str(rng.choice(["female", "male"]))
    t = started_at
    stamps: dict[str, datetime | None] = {}
    for i, name in enumerate(order[1:], start=1):
        t = t + timedelta(seconds=float(rng.uniform(5, 40)))
        stamps[f"{name}_at"] = t if i <= reached else None
    standing = _standing_report(rng, sex) if reached >= 2 else None
    gait = _gait_report(rng) if reached >= 3 else None
    recs = []
    if reached >= 4:
        for i in rng.choice(len(DEMO_PRODUCTS), size=2, replace=False):
            pid, kind, name, in_stock = DEMO_PRODUCTS[int(i)]
            recs.append(
                Recommendation(
                    product_id=pid, kind=kind, name=name, in_stock=in_stock, reason="demo"
                )
            )
    session_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
    tries = []
    # a quarter of the walkers try a suggestion on the treadmill; drawn from their own
    # generator so the rest of the demo data stays as it was
    trng = np.random.default_rng(uuid.UUID(session_id).int % 2**32)
    if gait is not None and recs and trng.random() < 0.25:
        product = recs[int(trng.integers(0, len(recs)))]
        tries.append(
            WalkTry(
                product_id=product.product_id,
                kind=product.kind,
                name=product.name,
                walked_at=t,
                gait=_gait_report(trng, shift_deg=-2.5 if product.kind == "insole" else -1.5),
            )
        )
    return SessionRecord(
        session_id=session_id,
        kiosk_id=kiosk_id,
        store_id=store_id,
        retailer_id=retailer_id,
        started_at=started_at,
        updated_at=t,
        consent=reached >= 1,
        lang=str(rng.choice(["en", "ja"])),
        sex=sex,
        app_version="0.1.0",
        model_versions={"demo": "1"},
        standing=standing,
        gait=gait,
        recommendations=recs,
        tries=tries,
        ended_at=t,
        **stamps,
    )


def demo_records(
    n: int,
    seed: int = 0,
    *,
    days: int = 30,
    end: datetime | None = None,
    retailer_id: str = DEMO_RETAILER,
    stores: tuple[tuple[str, str], ...] = DEMO_STORES,
) -> list[SessionRecord]:
    rng = np.random.default_rng(seed)
    end = end or utcnow()
    hours = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
    stages = ["started", "consent", "standing", "walk", "results", "qr"]
    stage_p = [0.08, 0.05, 0.07, 0.1, 0.3, 0.4]
    out = []
    for _ in range(n):
        day = end.date() - timedelta(days=int(rng.integers(0, days)))
        hour = int(rng.choice(24, p=hours))
        t = datetime(day.year, day.month, day.day, hour) + timedelta(
            seconds=float(rng.uniform(0, 3500))
        )
        si = int(rng.integers(0, len(stores)))
        out.append(
            demo_record(
                rng,
                started_at=t,
                store_id=stores[si][0],
                kiosk_id=f"{stores[si][0]}-k1",
                retailer_id=retailer_id,
                stage=str(rng.choice(stages, p=stage_p)),
            )
        )
    return out


def seed_demo_database(store: Store, seed: int = 0, n: int = 600) -> int:
    """Fill `store` with `n` demo sessions over the last 30 days and the demo stores.

    Idempotent for a given seed (same session ids). Returns the number of sessions stored.
    """
    for store_id, name in DEMO_STORES:
        store.upsert_store(store_id, DEMO_RETAILER, name)
    recs = demo_records(n, seed)
    store.save_sessions(recs)
    log.info("seeded %d demo sessions", len(recs))
    return len(recs)
