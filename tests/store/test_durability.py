"""A kiosk is switched off hard: SIGKILL while sessions are written loses nothing committed."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from kiosk.store import Store

WRITER = """
import sys
from datetime import datetime, timedelta
import numpy as np
from kiosk.store import Store
from kiosk.store.demo import demo_record
store = Store(sys.argv[1])
rng = np.random.default_rng(int(sys.argv[2]))
t = datetime(2026, 1, 1)
for i in range(100000):
    rec = demo_record(rng, started_at=t + timedelta(seconds=i))
    store.save_session(rec, enqueue=True)
    # printed only after the commit returned: the parent may rely on it
    sys.stdout.write(rec.session_id + "\\n")
    sys.stdout.flush()
"""


@pytest.mark.slow
def test_sigkill_while_writing_loses_no_committed_session(tmp_path):
    db = tmp_path / "kiosk.sqlite3"
    url = f"sqlite:///{db}"
    Store(url).close()
    committed: set[str] = set()
    rnd = random.Random(1)
    for repeat in range(20):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(repeat)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        want = rnd.randint(3, 25)
        got: list[str] = []
        deadline = time.monotonic() + 30
        while len(got) < want and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            got.append(line.strip())
        proc.send_signal(signal.SIGKILL)  # mid-write: the child is in its next save
        proc.wait(timeout=10)
        proc.stdout.close()
        assert len(got) == want, f"writer died early on repeat {repeat}"
        committed.update(got)
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = {r[0] for r in conn.execute("SELECT session_id FROM sessions")}
            queued = {r[0] for r in conn.execute("SELECT session_id FROM outbox")}
        finally:
            conn.close()
        assert committed <= ids, f"lost {len(committed - ids)} sessions on repeat {repeat}"
        assert committed <= queued
    # and the store opens normally afterwards
    s = Store(url)
    assert s.count_sessions() >= len(committed)
    s.close()
