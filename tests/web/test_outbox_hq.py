"""HQ down, then up, then down and up again: the kiosk outbox drains to a real gunicorn
HQ on PostgreSQL with zero duplicates and zero losses."""

from __future__ import annotations

import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from kiosk.bench.store import start_hq_process
from kiosk.store import Store, utcnow
from kiosk.store.demo import demo_record
from kiosk.store.outbox import Forwarder
from tests.conftest import _free_port

pytestmark = pytest.mark.postgres


def _start_hq(tmp_path: Path, db_url: str, port: int) -> subprocess.Popen:
    return start_hq_process(db_url, tmp_path, port, workers=2)


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


@pytest.mark.slow
def test_outbox_survives_hq_outages_without_duplicates_or_losses(tmp_path, postgres_server):
    hq_url = postgres_server.create_database()
    hq_store = Store(hq_url)
    hq_store.add_token("kiosk-secret", "kiosk", "k1", kiosk_id="k1", retailer_id="r1")
    kiosk = Store(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}")
    rng = np.random.default_rng(5)

    def visit(i):
        r = demo_record(
            rng, started_at=utcnow() - timedelta(minutes=300 - i), retailer_id="r1", store_id="s1"
        )
        return r.model_copy(update={"kiosk_id": "k1"})

    latest = {}
    for i in range(60):
        rec = visit(i)
        kiosk.save_session(rec, enqueue=True)
        latest[rec.session_id] = rec
    port = _free_port()
    fwd = Forwarder(
        kiosk,
        f"http://127.0.0.1:{port}",
        "kiosk-secret",
        batch_size=25,
        timeout_s=5,
        backoff_initial_s=0.1,
        backoff_max_s=0.5,
    )
    down = fwd.send_once()  # HQ is down
    assert down.sent == 0 and down.failed == 25 and kiosk.outbox_size() == 60
    hq = _start_hq(tmp_path, hq_url, port)
    try:
        assert fwd.drain(max_seconds=20).sent >= 25
        partial = fwd.send_once()
        assert partial.error is None
    finally:
        _stop(hq)
    # offline again: new visits and later stages of earlier ones queue up
    for i in range(60, 100):
        rec = visit(i)
        kiosk.save_session(rec, enqueue=True)
        latest[rec.session_id] = rec
    for sid in list(latest)[:10]:
        rec = latest[sid].model_copy(
            update={"updated_at": latest[sid].updated_at + timedelta(seconds=30), "qr_at": utcnow()}
        )
        kiosk.save_session(rec, enqueue=True)
        latest[sid] = rec
    assert fwd.send_once().error is not None
    hq = _start_hq(tmp_path, hq_url, port)
    try:
        result = fwd.drain(max_seconds=30)
    finally:
        _stop(hq)
    assert result.remaining == 0 and kiosk.outbox_size() == 0
    got = {r.session_id: r for r in hq_store.get_sessions(latest)}
    assert hq_store.count_sessions() == len(latest) == 100  # no duplicates, no losses
    assert set(got) == set(latest)
    for sid, rec in latest.items():
        assert got[sid].updated_at == rec.updated_at
        assert got[sid].qr_at == rec.qr_at
    kiosk.close()
    hq_store.close()
