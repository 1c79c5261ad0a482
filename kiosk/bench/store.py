"""Benchmarks for `kiosk bench`: HQ ingest throughput over loopback HTTP and dashboard
query latency over a large session table. Each returns a dict of measured numbers."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kiosk.store import rollup, stats
from kiosk.store.db import Store
from kiosk.store.demo import demo_records

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_hq_process(
    db_url: str, data_dir: Path, port: int, workers: int = 2, timeout_s: float = 30.0
) -> subprocess.Popen:
    """HQ ingest (`kiosk serve --hq`) on 127.0.0.1:`port`, returned once /healthz answers."""
    cfg = data_dir / "hq.toml"
    cfg.write_text(f'version = 1\ndata_dir = "{data_dir}"\n[store]\ndatabase_url = "{db_url}"\n')
    env = {
        **os.environ,
        "KIOSK_CONFIG": str(cfg),
        "KIOSK_BIND": f"127.0.0.1:{port}",
        "KIOSK_WORKERS": str(workers),
        "KIOSK_SECRET_KEY": "b" * 40,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", "--hq"],  # as the HQ unit starts it
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("HQ did not start")


def _start_hq(db_url: str, workers: int) -> tuple[subprocess.Popen, int, Path]:
    d = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    port = _free_port()
    return start_hq_process(db_url, d, port, workers), port, d


def bench_ingest(
    db_url: str, n_sessions: int = 5000, batch: int = 100, clients: int = 4, workers: int = 4
) -> dict[str, Any]:
    """Sessions/s that a gunicorn HQ on `db_url` ingests from `clients` concurrent kiosks."""
    store = Store(db_url)
    tokens = []
    for c in range(clients):
        tok = f"bench-token-{c}-{time.time_ns()}"
        store.add_token(tok, "kiosk", f"bench-{c}", kiosk_id=f"bench-k{c}", retailer_id="bench")
        tokens.append(tok)
    per = n_sessions // clients
    payloads = []
    for c in range(clients):
        recs = demo_records(per, seed=1000 + c, retailer_id="bench")
        recs = [r.model_copy(update={"kiosk_id": f"bench-k{c}"}) for r in recs]
        payloads.append(
            [
                json.dumps({"sessions": [r.payload() for r in recs[i : i + batch]]}).encode()
                for i in range(0, len(recs), batch)
            ]
        )
    proc, port, _ = _start_hq(db_url, workers)
    url = f"http://127.0.0.1:{port}/hq/api/v1/sessions"
    errors = []

    def run(c: int) -> None:
        for body in payloads[c]:
            req = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens[c]}",
                },
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                ans = json.loads(r.read())
                if ans["rejected"]:
                    errors.append(ans["rejected"])

    try:
        t0 = time.perf_counter()
        threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt = time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        store.close()
    total = per * clients
    return {
        "sessions": total,
        "seconds": round(dt, 3),
        "sessions_per_s": round(total / dt, 1),
        "batch": batch,
        "clients": clients,
        "workers": workers,
        "rejected": len(errors),
    }


_FILL_PG = """
INSERT INTO sessions (session_id, kiosk_id, store_id, retailer_id, started_at, updated_at,
  day, hour, consent_at, standing_at, walk_at, results_at, qr_at, consent, qa, lang, sex,
  app_version, model_versions, length_left_mm, length_right_mm, width_left_mm,
  width_right_mm, arch_type, rolling, size_eu, width_letter)
SELECT md5('s' || g)::uuid::text, 'k' || (g % 40), 's' || (g % 40), 'r' || (g % 4), t, t,
  t::date, extract(hour from t)::smallint,
  CASE WHEN g % 10 > 0 THEN t END, CASE WHEN g % 10 > 1 THEN t END,
  CASE WHEN g % 10 > 2 THEN t END, CASE WHEN g % 10 > 3 THEN t END,
  CASE WHEN g % 10 > 6 THEN t END, g % 10 > 0, false, 'en',
  CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END, '0.1.0', '{}',
  240 + (g % 60), 240 + (g % 60), 90 + (g % 20), 90 + (g % 20),
  (ARRAY['low','normal','high'])[1 + g % 3], (ARRAY['neutral','overpronation',
  'underpronation'])[1 + g % 3], 36 + (g % 12), (ARRAY['B','D','2E'])[1 + g % 3]
FROM (SELECT g, timestamp '2025-01-01' + (g % 365) * interval '1 day'
             + (10 + g % 11) * interval '1 hour' AS t
      FROM generate_series(1, :n) AS g) AS x
"""
_FILL_RECS_PG = """
INSERT INTO session_recommendations (session_id, rank, product_id, kind, name, in_stock,
  retailer_id, store_id, day)
SELECT session_id, r, 'p' || ((hashtext(session_id) & 1023) % 60 + r), 'shoe',
  'Product ' || ((hashtext(session_id) & 1023) % 60 + r), (hashtext(session_id) & 7) > 0,
  retailer_id, store_id, day
FROM sessions, generate_series(0, 1) AS r WHERE results_at IS NOT NULL
"""


def fill_benchmark_sessions(store: Store, n_sessions: int) -> float | None:
    """Fill a PostgreSQL store with `n_sessions` synthetic sessions over 2025 (4 retailers,
    40 stores) unless it has them already, rebuild the rollups and analyse the tables.
    Returns the rollup rebuild's seconds, or None when nothing was filled."""
    if store.dialect != "postgresql":
        raise ValueError("the dashboard benchmark runs on PostgreSQL (HQ)")
    rebuild_s = None
    with store.engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM sessions")).scalar()
        if have < n_sessions:
            t0 = time.perf_counter()
            conn.execute(text("TRUNCATE sessions CASCADE"))
            conn.execute(text(_FILL_PG), {"n": n_sessions})
            conn.execute(text(_FILL_RECS_PG))
            log.info("filled %d sessions in %.1f s", n_sessions, time.perf_counter() - t0)
            # rows written behind the store's back: build their daily rollups as a
            # migration would (ingest keeps them current from then on)
            t0 = time.perf_counter()
            rollup.rebuild(conn)
            rebuild_s = time.perf_counter() - t0
            log.info("rollups rebuilt in %.1f s", rebuild_s)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in (
            "sessions",
            "session_recommendations",
            "daily_counts",
            "daily_recommendations",
        ):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return rebuild_s


def bench_dashboard(db_url: str, n_sessions: int = 1_000_000, repeats: int = 3) -> dict:
    """Latency (ms, best of `repeats`) of each dashboard query over `n_sessions` sessions
    spread over a year, 4 retailers, 40 stores; one retailer, one month, as a user asks."""
    store = Store(db_url)
    rebuild_s = fill_benchmark_sessions(store, n_sessions)
    filters = {
        "one_retailer_month": stats.Filter(
            retailer_id="r1", date_from=date(2025, 6, 1), date_to=date(2025, 6, 30)
        ),
        "one_retailer_year": stats.Filter(
            retailer_id="r1", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)
        ),
        "one_store_month": stats.Filter(
            retailer_id="r1",
            store_ids=("s1",),
            date_from=date(2025, 6, 1),
            date_to=date(2025, 6, 30),
        ),
    }
    queries = {
        "per_day": stats.sessions_per_day,
        "per_hour": stats.sessions_per_hour,
        "funnel": stats.funnel,
        "size_curve": stats.size_curve,
        "class_mix": stats.class_mix,
        "recommendation_mix": stats.recommendation_mix,
        "over_time_week": lambda st, f: stats.sessions_over_time(st, f, "week"),
        "hour_weekday": stats.hour_by_weekday,
        "stock": stats.stock_table,
        "stores": stats.store_comparison,
        "oos_by_size": stats.out_of_stock_by_size,
        "dashboard_total": stats.dashboard,
    }
    out: dict[str, Any] = {"sessions": n_sessions}
    if rebuild_s is not None:
        out["rollup_rebuild_s"] = round(rebuild_s, 1)
    for fname, f in filters.items():
        for qname, q in queries.items():
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                q(store, f)
                best = min(best, time.perf_counter() - t0)
            out[f"{fname}.{qname}_ms"] = round(best * 1000, 1)
    store.close()
    return out
