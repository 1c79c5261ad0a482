"""Scheduled store jobs, run by the systemd timers as `kiosk sync` and `kiosk purge`.

`sync` drains the outbox to HQ (token from $KIOSK_HQ_TOKEN, the systemd credential
`kiosk_hq_token`, or the configured token file); `purge` applies the retention period.
Exit status 0 when done, 1 when HQ could not take everything (the timer retries).
"""

from __future__ import annotations

import logging
import threading

from kiosk.config import Config, read_secret
from kiosk.errors import ConfigError
from kiosk.store.db import Store
from kiosk.store.outbox import Forwarder
from kiosk.store.records import utcnow

log = logging.getLogger(__name__)


def forwarder_for(config: Config, store: Store) -> Forwarder:
    """The outbox forwarder `config` describes (hq.url must be set)."""
    token = read_secret("KIOSK_HQ_TOKEN", config.hq.token_file or None)
    if not token:
        raise ConfigError("no HQ token: set KIOSK_HQ_TOKEN or hq.token_file")
    return Forwarder(
        store,
        config.hq.url,
        token,
        batch_size=config.hq.batch_size,
        timeout_s=config.hq.timeout_s,
        backoff_initial_s=config.hq.backoff_initial_s,
        backoff_max_s=config.hq.backoff_max_s,
    )


def send_soon(config: Config, store: Store) -> threading.Thread | None:
    """One outbox batch sent now on a background thread (a shopper's QR link must reach
    HQ before their phone asks for it, not at the next timer run); None without HQ."""
    if not config.hq.url:
        return None
    fwd = forwarder_for(config, store)

    def run() -> None:
        res = fwd.send_once()
        if res.error:
            log.warning("QR link not yet at HQ (%s); the sync timer retries", res.error)

    t = threading.Thread(target=run, name="send-soon", daemon=True)
    t.start()
    return t


def sync(config: Config, max_seconds: float = 60.0) -> int:
    """Forward the outbox; returns the number of records still queued."""
    if not config.hq.url:
        log.info("sync: no HQ configured; nothing to do")
        return 0
    store = Store(config.database_url)
    try:
        fwd = forwarder_for(config, store)
        res = fwd.drain(max_seconds=max_seconds)
        log.info("sync: sent %d, %d still queued", res.sent, res.remaining)
        return res.remaining
    finally:
        store.close()


def purge(config: Config) -> dict[str, int]:
    store = Store(config.database_url)
    try:
        return store.purge(utcnow(), config.store.retention_days)
    finally:
        store.close()
