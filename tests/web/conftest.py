"""Web fixtures: a kiosk app and an HQ app on real databases, with real accounts
(helpers in webutil.py)."""

from __future__ import annotations

import pytest
from webutil import RETAIL_PW, STAFF_PIN, add_accounts, csrf_of, login, make_config  # noqa: F401

from kiosk.store import Store


@pytest.fixture
def kiosk_app(tmp_path):
    from kiosk.web.app import create_app

    cfg = make_config(tmp_path)
    store = Store(cfg.database_url)
    add_accounts(store)
    app = create_app(cfg, store=store)
    yield app
    app.extensions["kiosk"].cameras.stop()
    store.close()


@pytest.fixture
def hq_app(tmp_path, db_url):
    from kiosk.web.app import create_app

    cfg = make_config(tmp_path)
    store = Store(db_url)
    add_accounts(store)
    store.add_token("kiosk-token-1", "kiosk", "k1", kiosk_id="k1", retailer_id="r1")
    store.add_token("retail-token-1", "retailer", "bi", retailer_id="r1")
    app = create_app(cfg, store=store, hq=True)
    yield app
    store.close()


