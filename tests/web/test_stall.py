"""Connections cannot stall the kiosk: camera previews are capped per client and in all,
half-sent requests time out, and /healthz answers throughout (a real gunicorn server)."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.bench.web import demo_server
from kiosk.web.gunicorn_conf import KIOSK_THREADS, REQUEST_READ_TIMEOUT_S

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def _open(port: int, data: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    return s


def _status(s: socket.socket) -> int:
    return int(s.recv(64).split(b" ", 2)[1])


def test_previews_and_half_sent_requests_leave_healthz_answering(tmp_path):
    with demo_server(
        tmp_path, camera_factory="board_scene:camera_factory", pythonpath=[str(HERE)]
    ) as url:
        port = int(url.rsplit(":", 1)[1])
        streams = [
            _open(port, b"GET /preview/standing.mjpg HTTP/1.1\r\nHost: k\r\n\r\n")
            for _ in range(KIOSK_THREADS // 2)
        ]
        codes = sorted(_status(s) for s in streams)
        assert codes.count(200) == 3 and set(codes) == {200, 429}, codes  # 3 per client
        half = [_open(port, b"GET /healthz HTTP/1.1\r\nHost: k\r\n") for _ in range(16)]
        time.sleep(0.5)  # the server has taken them all
        with urllib.request.urlopen(url + "/healthz", timeout=3) as r:
            assert r.status == 200
        # the half-sent requests are dropped once the read timeout passes
        time.sleep(REQUEST_READ_TIMEOUT_S + 1)
        for s in half:
            s.settimeout(5)
            with contextlib.suppress(ConnectionResetError):  # closed abruptly: also fine
                assert s.recv(1024) == b""  # closed by the server
        with urllib.request.urlopen(url + "/healthz", timeout=3) as r:
            assert r.status == 200
        for s in streams + half:
            s.close()
