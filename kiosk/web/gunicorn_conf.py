"""gunicorn's settings for the kiosk and HQ, in one place, and the systemd watchdog.

`kiosk serve` (the systemd units' command too) and `kiosk demo` run gunicorn with
`settings()`. The kiosk runs ONE worker process (it owns the cameras) with threads for the
MJPEG streams; HQ runs several stateless workers. gunicorn tells systemd READY=1 itself;
the watchdog thread here pings WATCHDOG=1 only while /healthz answers, so a hung app is
restarted by systemd (WatchdogSec in the unit).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import threading
import urllib.request
from typing import Any

from gunicorn.workers import gthread

from kiosk.web.services import EXTENSION_KEY

# The kiosk's threads: the camera previews may hold at most web.preview_streams_max of
# them (6 by default), which leaves most for pages, the capture API and /healthz.
KIOSK_THREADS = 32
HQ_THREADS = 4
# A request must arrive (headers and body), and a response be taken, within this time:
# a client that sends half a request and waits must not hold a thread for long.
REQUEST_READ_TIMEOUT_S = 5.0
WORKER_TIMEOUT_S = 60
# the MJPEG previews never finish on their own: do not wait long for them at a stop
GRACEFUL_TIMEOUT_S = 5
# one JSON object per line: journald and log shippers parse it without regexes
ACCESS_LOG_FORMAT = json.dumps(
    {
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "ms": "%(M)s",
    }
)


def settings(bind: str, hq: bool = False, access_log: bool = True) -> dict[str, Any]:
    """Every gunicorn setting, for the kiosk (`hq=False`) or HQ. $KIOSK_THREADS and
    $KIOSK_WORKERS (HQ only; the kiosk has one worker, the cameras' owner) override."""
    workers = int(os.environ.get("KIOSK_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
    threads = os.environ.get("KIOSK_THREADS", str(HQ_THREADS if hq else KIOSK_THREADS))
    return {
        "bind": bind,
        "worker_class": "gthread",
        "workers": workers if hq else 1,
        "threads": int(threads),
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "limit_request_line": 4096,
        "limit_request_fields": 50,
        "limit_request_field_size": 8190,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        "when_ready": when_ready,
    }


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


def post_worker_init(worker: object) -> None:
    """Give every client socket a read timeout (gunicorn's gthread worker reads a request
    with a blocking socket and no limit once its first bytes arrive)."""
    limit_socket_reads(REQUEST_READ_TIMEOUT_S)


def worker_exit(server: object, worker: object) -> None:
    """Close the cameras before the worker's interpreter exits: librealsense's own threads
    still running at exit abort the process ("terminate called without an active
    exception") instead of letting it end cleanly."""
    app = getattr(worker, "wsgi", None)
    kiosk = getattr(app, "extensions", {}).get(EXTENSION_KEY) if app is not None else None
    cameras = getattr(kiosk, "cameras", None)
    if cameras is not None:
        cameras.stop()


class _ReadDeadline:
    """The request reader's view of a client socket: a read that times out shuts the
    connection at once. (gunicorn would otherwise close it "gracefully", lingering up to
    2 s per connection on its main thread, which then accepts nobody.)"""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def recv(self, *args: int) -> bytes:
        try:
            return self._sock.recv(*args)
        except TimeoutError:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError(errno.ECONNRESET, "request not sent in time") from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


def limit_socket_reads(timeout_s: float) -> None:
    original = getattr(gthread.TConn, "_kiosk_original_init", None) or gthread.TConn.init

    def init(conn: object) -> None:
        original(conn)
        conn.sock.settimeout(timeout_s)  # type: ignore[attr-defined]
        unreader = getattr(getattr(conn, "parser", None), "unreader", None)
        if unreader is not None and not isinstance(unreader.sock, _ReadDeadline):
            unreader.sock = _ReadDeadline(unreader.sock)

    gthread.TConn._kiosk_original_init = original  # type: ignore[attr-defined]
    gthread.TConn.init = init  # type: ignore[method-assign]


def when_ready(server: Any) -> None:
    """Start the watchdog thread when systemd asked for one (WatchdogSec in the unit)."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return
    host, _, port = server.cfg.bind[0].rpartition(":")
    url = f"http://{host or '127.0.0.1'}:{port}/healthz"
    interval = int(usec) / 1e6 / 3  # three pings per watchdog period
    threading.Thread(target=_watchdog, args=(url, interval), daemon=True, name="watchdog").start()
