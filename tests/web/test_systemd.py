"""The systemd units are checked so they cannot rot: `systemd-analyze verify` passes, and
the web unit's command line starts the app, tells systemd READY=1, answers /healthz and
pings the watchdog."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "systemd"
VENV = Path(sys.executable).parent.parent


def _installed_copy(tmp_path: Path) -> Path:
    """The units as install.sh would place them, with this checkout's paths; binaries a
    test machine has no use for (the Wayland compositor) are stood in for by /bin/true."""
    out = tmp_path / "units"
    out.mkdir()
    for unit in UNITS.glob("footkiosk-*"):
        text = unit.read_text().replace("/opt/footkiosk/.venv", str(VENV))
        for binary in ("/usr/bin/cage", "/usr/bin/curl"):
            if not Path(binary).exists():
                text = text.replace(binary, "/bin/true")
        (out / unit.name).write_text(text)
    return out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path):
    units = sorted(_installed_copy(tmp_path).iterdir())
    r = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    problems = [line for line in (r.stdout + r.stderr).splitlines() if "footkiosk" in line]
    assert r.returncode == 0 and not problems, r.stdout + r.stderr


def test_udev_rule_grants_the_realsense_to_plugdev():
    rule = (UNITS / "99-realsense.rules").read_text()
    assert 'ATTRS{idVendor}=="8086"' in rule and 'GROUP:="plugdev"' in rule


def _exec_start(unit: Path) -> list[str]:
    for line in unit.read_text().splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.split("=", 1)[1].replace("/opt/footkiosk/.venv", str(VENV)))
    raise AssertionError("no ExecStart")


@pytest.mark.slow
def test_web_unit_command_starts_the_app_notifies_systemd_and_answers_healthz(tmp_path):
    port = _free_port()
    sock_path = tmp_path / "notify.sock"
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(str(sock_path))
    ns.settimeout(0.5)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'version = 1\ndata_dir = "{tmp_path}"\n')
    env = {
        **os.environ,
        "KIOSK_CONFIG": str(cfg),
        "KIOSK_MODE": "kiosk",
        "KIOSK_BIND": f"127.0.0.1:{port}",
        "NOTIFY_SOCKET": str(sock_path),
        "WATCHDOG_USEC": "900000",
        "CREDENTIALS_DIRECTORY": str(tmp_path),
    }
    (tmp_path / "kiosk_secret_key").write_text("k" * 64)
    proc = subprocess.Popen(
        _exec_start(UNITS / "footkiosk-web.service"),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("WATCHDOG=1" in m for m in messages):
            try:
                messages.append(ns.recv(4096).decode())
            except TimeoutError:
                continue
        assert any("READY=1" in m for m in messages), messages
        assert any("WATCHDOG=1" in m for m in messages), messages
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        ns.close()
