"""Helpers for the field-hardening tests: a measured visit in a kiosk app, a QR code read
as a phone reads it, and a real WSGI server on a chosen loopback address."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from webutil import csrf_of
from werkzeug.serving import make_server

from kiosk.store import new_record, utcnow
from kiosk.store.demo import demo_record
from tests.conftest import _free_port


def measured_visit(app, client) -> str:
    """Start a visit with `client`, then store its consent and a measurement (consent
    would start the cameras; the capture itself is tested elsewhere); returns the CSRF
    token."""
    tok = csrf_of(client)
    assert client.post("/start", data={"csrf_token": tok}).status_code == 302
    with client.session_transaction() as s:
        sid = s["sid"]
    store = app.extensions["kiosk"].store
    rec = store.get_session(sid)
    measured = demo_record(np.random.default_rng(3), started_at=rec.started_at)
    rec = rec.model_copy(
        update={
            "consent": True,
            "consent_at": utcnow(),
            "standing": measured.standing,
            "standing_at": utcnow(),
            "results_at": utcnow(),
            "updated_at": utcnow(),
        }
    )
    store.save_session(rec, enqueue=True)
    return tok


def decode_qr_svg(svg: str) -> str:
    """The text of a segno SVG QR code, drawn to pixels and read by OpenCV's detector."""
    import cv2

    d = re.search(r'd="([^"]+)"', svg).group(1)
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    n = size // scale
    grid = np.zeros((n, n), np.uint8)
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", d):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            grid[int(y), int(x) : int(x + float(a))] = 1
            x += float(a)
    base = np.where(grid, 0, 255).astype(np.uint8)
    # a phone tries again at another distance: several sizes, both of OpenCV's detectors
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        for px in (10, 7, 13, 5):
            img = cv2.resize(base, (n * px, n * px), interpolation=cv2.INTER_NEAREST)
            text, _, _ = detector.detectAndDecode(img)
            if text:
                return text
    raise AssertionError("the QR code does not decode")


def qr_of(html: str) -> str:
    m = re.search(r'<div class="qr" id="qr"><figure>(<svg.*?</svg>)', html, re.S)
    assert m, "no QR code on the page"
    return decode_qr_svg(m.group(1))


@contextmanager
def serve_on(app, host: str) -> Iterator[str]:
    """`app` under werkzeug's threaded WSGI server on `host`; yields its base URL."""
    port = _free_port()
    server = make_server(host, port, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        t.join(timeout=5)


def unplugged(station: str):
    """A camera factory for kiosks whose cameras are not what a test examines."""
    from kiosk.errors import CameraUnavailable

    raise CameraUnavailable(f"{station}: no camera in this test")


class FullDisk:
    """SQLite told it may not grow (`PRAGMA max_page_count`): every write that needs a new
    page fails with SQLITE_FULL, "database or disk is full", as on a full disk."""

    def __init__(self, store) -> None:
        self.store = store

    def _limit(self, dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages}")
        cur.close()

    def __enter__(self) -> FullDisk:
        from sqlalchemy import event

        from kiosk.store.db import StoreUnavailable

        event.listen(self.store.engine, "connect", self._limit)
        self.store.engine.dispose()
        rng = np.random.default_rng(0)
        # use up the free pages the file still has, with measured visits, then with new
        # ones as small as a visit's first save
        makers = (
            lambda: demo_record(rng, started_at=utcnow()),
            lambda: new_record(
                kiosk_id="k0", store_id="s0", retailer_id="r0", lang="en", app_version="0"
            ),
        )
        for make in makers:
            for _ in range(2000):
                try:
                    self.store.save_session(make())
                except StoreUnavailable:
                    break
            else:
                raise AssertionError("the database never filled")
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.store.engine, "connect", self._limit)
        self.store.engine.dispose()
