"""One way to start gunicorn: `kiosk serve` (the systemd units' command) and `kiosk demo`
both run it with `gunicorn_conf.settings()`, and a worker stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.web import gunicorn_conf
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_unit_runs_a_kiosk_subcommand() -> None:
    commands = {}
    for unit in (ROOT / "systemd").glob("footkiosk-*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                commands[unit.name] = line.split("=", 1)[1]
    assert commands["footkiosk-web.service"] == "/opt/footkiosk/.venv/bin/kiosk serve"
    assert commands["footkiosk-hq.service"] == "/opt/footkiosk/.venv/bin/kiosk serve --hq"
    assert commands["footkiosk-sync.service"].startswith("/opt/footkiosk/.venv/bin/kiosk sync")
    assert commands["footkiosk-purge.service"] == "/opt/footkiosk/.venv/bin/kiosk purge"


def test_kiosk_and_hq_settings_differ_only_in_workers_and_threads(monkeypatch) -> None:
    monkeypatch.delenv("KIOSK_THREADS", raising=False)
    monkeypatch.delenv("KIOSK_WORKERS", raising=False)
    kiosk = gunicorn_conf.settings("127.0.0.1:8080")
    hq = gunicorn_conf.settings("127.0.0.1:8080", hq=True)
    assert kiosk["workers"] == 1 and kiosk["threads"] == gunicorn_conf.KIOSK_THREADS
    assert hq["workers"] > 1 and hq["threads"] == gunicorn_conf.HQ_THREADS
    same = {k for k in kiosk if k not in ("workers", "threads")}
    assert {k: kiosk[k] for k in same} == {k: hq[k] for k in same}
    assert kiosk["when_ready"] is gunicorn_conf.when_ready  # the systemd watchdog
    assert kiosk["post_worker_init"] is gunicorn_conf.post_worker_init  # read deadlines


@pytest.mark.slow  # a fresh interpreter: seconds of imports
def test_the_command_line_loads_no_onnx_runtime_before_gunicorn_forks() -> None:
    # ONNX Runtime loaded in gunicorn's master aborts the worker when it exits
    code = "import sys, kiosk.cli; print('onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["False"]


@pytest.mark.slow
def test_the_demo_answers_and_its_worker_stops_cleanly(tmp_path) -> None:
    port = _free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "demo", "--port", str(port),
             "--data-dir", str(tmp_path / "data"), "--access-log"],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=dict(os.environ),
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.3)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert "SIGABRT" not in text and "terminate called" not in text, text
    assert '"path": "/healthz"' in text  # the access log, in the units' JSON format
