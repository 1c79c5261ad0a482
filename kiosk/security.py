"""Secrets handling: password/PIN hashing, API tokens, login rate limiting, the session key.

PINs and passwords are hashed with PBKDF2-HMAC-SHA256 at 600 000 iterations (OWASP's
2023 figure, as Frigate does); the stored string names its algorithm and cost so the cost
can rise later without invalidating old hashes. Tokens are 256-bit random strings, so
the store keeps only their SHA-256 (see kiosk.store.db).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from kiosk.errors import ConfigError

log = logging.getLogger(__name__)

PBKDF2_ITERATIONS = 600_000
ROLES = ("staff", "retailer", "admin")


def hash_secret(secret: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>` for a PIN or password."""
    salt = secrets.token_bytes(16)
    dk = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    b64 = base64.b64encode
    return f"pbkdf2_sha256${iterations}${b64(salt).decode()}${b64(dk).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of `secret` against a `hash_secret` string; False if malformed."""
    try:
        algo, iters, salt_b64, hash_b64 = stored.split("$")
        if algo != "pbkdf2_sha256":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
        dk = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, int(iters))
    except ValueError:
        return False
    return hmac.compare_digest(dk, expected)


# A verify against this keeps an unknown username as slow as a known one.
_DECOY_HASH: list[str] = []


def verify_unknown_user(secret: str) -> bool:
    if not _DECOY_HASH:
        _DECOY_HASH.append(hash_secret("decoy: no such account"))
    verify_secret(secret, _DECOY_HASH[0])
    return False


def new_token() -> str:
    """A fresh API token or link id (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class RateLimiter:
    """At most `limit` events per `window_s` per key (sliding window, in memory).

    Per process: behind gunicorn with several workers each worker counts on its own, so
    the effective limit is `limit` × workers, still a hard cap on guessing.
    """

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> bool:
        """Record an attempt; False when the key is over its limit (attempt refused)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._events) >= self.max_keys:
                self._prune(now)
            q = self._events.setdefault(key, deque())
            while q and q[0] <= now - self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - self.window_s]:
            del self._events[k]
        while len(self._events) >= self.max_keys:  # still full: drop the oldest keys
            self._events.pop(next(iter(self._events)))


class StreamSlots:
    """Long-lived responses (the MJPEG previews) allowed at once: `total` in all, at most
    `per_client` from one address, so streams can never hold every server thread."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self._by_client: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> bool:
        with self._lock:
            if sum(self._by_client.values()) >= self.total:
                return False
            if self._by_client.get(client, 0) >= self.per_client:
                return False
            self._by_client[client] = self._by_client.get(client, 0) + 1
            return True

    def release(self, client: str) -> None:
        with self._lock:
            n = self._by_client.get(client, 0) - 1
            if n > 0:
                self._by_client[client] = n
            else:
                self._by_client.pop(client, None)

    def in_use(self) -> int:
        with self._lock:
            return sum(self._by_client.values())


def load_secret_key(path: str | Path | None, env_name: str = "KIOSK_SECRET_KEY") -> bytes:
    """The session-signing key from the environment, or from `path` (created 0600 if absent).

    Without a path (tests, demo) a random key is made per process.
    """
    value = os.environ.get(env_name)
    if value:
        return value.encode()
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")  # systemd LoadCredential=
    if cred_dir and (Path(cred_dir) / env_name.lower()).is_file():
        path = Path(cred_dir) / env_name.lower()
    if not path:
        return secrets.token_bytes(32)
    p = Path(path)
    if p.is_file():
        data = p.read_bytes().strip()
        if len(data) < 32:
            raise ConfigError(f"{p}: secret key too short (need at least 32 bytes)")
        return data
    p.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    log.info("created a new session key at %s", p)
    return key
