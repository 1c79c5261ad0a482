"""The kiosk's outbox forwarder: sends queued session records to HQ, retrying with back-off.

A store keeps working offline: sessions queue locally and drain when HQ answers. Sending
twice is harmless (HQ upserts by session id), and an entry leaves the outbox only after
HQ has confirmed that exact version, so nothing is lost when a connection drops mid-send.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from kiosk.store.db import Store
from kiosk.store.records import utcnow

log = logging.getLogger(__name__)

INGEST_PATH = "/hq/api/v1/sessions"


@dataclass
class SyncResult:
    sent: int = 0
    failed: int = 0
    remaining: int = 0
    error: str | None = None


class Forwarder:
    """Drains `store`'s outbox to an HQ at `hq_url` with the kiosk token `token`."""

    def __init__(
        self,
        store: Store,
        hq_url: str,
        token: str,
        *,
        batch_size: int = 100,
        timeout_s: float = 10.0,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 300.0,
    ) -> None:
        self.store = store
        self.url = hq_url.rstrip("/") + INGEST_PATH
        self.token = token
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._failures = 0

    def backoff_s(self) -> float:
        """Exponential back-off with full jitter, so many kiosks do not retry in step."""
        if self._failures == 0:
            return 0.0
        cap = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (self._failures - 1))
        return random.uniform(cap / 2, cap)

    def _post(self, payload: list[dict], links: list[dict] | None = None) -> dict:
        body = json.dumps({"sessions": payload, "summary_links": links or []}).encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            return json.loads(resp.read().decode())

    def send_once(self) -> SyncResult:
        """One batch: send what is due, then mark it sent or schedule a retry."""
        now = utcnow()
        due = self.store.outbox_due(now, self.batch_size)
        res = SyncResult()
        if not due:
            res.remaining = self.store.outbox_size()
            return res
        recs = {r.session_id: r for r in self.store.get_sessions([sid for sid, _ in due])}
        # A session purged while queued has nothing left to send.
        missing = [(sid, v) for sid, v in due if sid not in recs]
        if missing:
            self.store.outbox_done(missing)
        due = [(sid, v) for sid, v in due if sid in recs]
        try:
            # the QR links of these visits travel with them (hashes only), so HQ can open
            # a shopper's summary as soon as the record arrives
            links = [
                {**x, "expires_at": x["expires_at"].isoformat()}
                for x in self.store.summary_links_for([sid for sid, _ in due], now)
            ]
            answer = self._post([recs[sid].payload() for sid, _ in due], links)
            accepted = set(answer.get("accepted", []))
            rejected = answer.get("rejected", {})
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._failures += 1
            wait = self.backoff_s()
            msg = str(getattr(exc, "reason", exc))[:200]
            self.store.outbox_failed([sid for sid, _ in due], now + timedelta(seconds=wait), msg)
            log.warning(
                "HQ unreachable (%s); %d records wait, retry in %.1f s", msg, len(due), wait
            )
            res.failed, res.error = len(due), msg
            res.remaining = self.store.outbox_size()
            return res
        self._failures = 0
        done = [(sid, v) for sid, v in due if sid in accepted]
        self.store.outbox_done(done)
        if rejected:
            # HQ refused these as malformed: retrying will not help, but dropping a
            # record silently would; keep them and retry slowly so an operator sees them.
            self.store.outbox_failed(
                list(rejected),
                now + timedelta(seconds=self.backoff_max_s),
                "rejected by HQ: " + json.dumps(rejected)[:250],
            )
            log.error("HQ rejected %d records: %s", len(rejected), rejected)
        res.sent, res.failed = len(done), len(rejected)
        res.remaining = self.store.outbox_size()
        return res

    def drain(self, max_seconds: float = 60.0, stop: object | None = None) -> SyncResult:
        """Send until the outbox is empty or `max_seconds` pass, waiting out back-off."""
        total = SyncResult()
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            if stop is not None and getattr(stop, "is_set", lambda: False)():
                break
            r = self.send_once()
            total.sent += r.sent
            total.remaining = r.remaining
            total.error = r.error
            if r.remaining == 0:
                break
            if r.sent == 0:
                nxt = self.store.outbox_next_attempt()
                wait = 0.05 if nxt is None else (nxt - utcnow()).total_seconds()
                time.sleep(max(0.01, min(wait, deadline - time.monotonic(), 5.0)))
        return total
