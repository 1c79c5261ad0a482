"""gunicorn settings for the kiosk and HQ services, and the systemd watchdog.

The kiosk runs ONE worker process (it owns the cameras) with threads for the MJPEG
streams; HQ runs several stateless workers. gunicorn tells systemd READY=1 itself; the
watchdog thread here pings WATCHDOG=1 only while /healthz answers, so a hung app is
restarted by systemd (WatchdogSec in the unit).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import urllib.request

_mode = os.environ.get("KIOSK_MODE", "kiosk")
bind = os.environ.get("KIOSK_BIND", "127.0.0.1:8080")
worker_class = "gthread"
threads = int(os.environ.get("KIOSK_THREADS", "16" if _mode == "kiosk" else "4"))
workers = (
    1
    if _mode == "kiosk"
    else int(os.environ.get("KIOSK_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
)
timeout = 60
graceful_timeout = 10
accesslog = "-"
errorlog = "-"
# one JSON object per line: journald and log shippers parse it without regexes
access_log_format = json.dumps(
    {
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "ms": "%(M)s",
    }
)
limit_request_line = 4096
limit_request_fields = 50
limit_request_field_size = 8190

log = logging.getLogger("kiosk.watchdog")


def _notify(message: str) -> None:
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(addr)
        s.sendall(message.encode())


def _watchdog(url: str, interval_s: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval_s):
        try:
            with urllib.request.urlopen(url, timeout=interval_s) as r:
                healthy = r.status == 200
        except OSError as exc:
            healthy = False
            log.warning("watchdog: /healthz failed: %s", exc)
        if healthy:
            _notify("WATCHDOG=1")


def when_ready(server: object) -> None:
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return
    host, _, port = bind.rpartition(":")
    url = f"http://{host or '127.0.0.1'}:{port}/healthz"
    interval = int(usec) / 1e6 / 3  # three pings per watchdog period
    threading.Thread(target=_watchdog, args=(url, interval), daemon=True, name="watchdog").start()
