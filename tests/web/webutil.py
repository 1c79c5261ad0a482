"""Helpers the web tests share (a module with its own name: every test folder has a
`conftest`, so `from conftest import ...` finds whichever was imported first)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.config import Config
from kiosk.security import hash_secret
from kiosk.store import Store

STAFF_PIN = "2468"
RETAIL_PW = "correct horse battery"


def make_config(tmp_path: Path, **over) -> Config:
    base = {
        "data_dir": str(tmp_path),
        "calibration_dir": str(tmp_path / "calibration"),
        "kiosk": {"kiosk_id": "k1", "store_id": "s1", "retailer_id": "r1"},
        "capture": {
            "standing_countdown_s": 0,
            "standing_capture_s": 0.5,
            "walk_duration_s": 2.0,
            "reconnect_interval_s": 0.2,
        },
    }
    for k, v in over.items():
        if isinstance(v, dict):
            base.setdefault(k, {}).update(v)
        else:
            base[k] = v
    return Config.model_validate(base)


def add_accounts(store: Store) -> None:
    # A cheaper KDF cost keeps the suite fast; production hashes use the 600k default.
    store.add_account("staff", "staff", hash_secret(STAFF_PIN, iterations=1000))
    store.add_account("shop1", "retailer", hash_secret(RETAIL_PW, iterations=1000), "r1")
    store.add_account("shop2", "retailer", hash_secret(RETAIL_PW, iterations=1000), "r2")
    store.add_account("root", "admin", hash_secret(RETAIL_PW, iterations=1000))


def csrf_of(client) -> str:
    """This client's CSRF token (creates the session if needed)."""
    html = client.get("/retail/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, role: str) -> str:
    tok = csrf_of(client)
    if role == "staff":
        r = client.post("/staff/login", data={"csrf_token": tok, "pin": STAFF_PIN})
    else:
        user = {"retailer": "shop1", "retailer2": "shop2", "admin": "root"}[role]
        r = client.post(
            "/retail/login", data={"csrf_token": tok, "username": user, "password": RETAIL_PW}
        )
    assert r.status_code == 302, r.status_code
    return csrf_of(client)
