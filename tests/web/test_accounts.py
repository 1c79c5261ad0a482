"""Accounts people can manage: `kiosk users`, the staff PIN change, a retail user's own
password and the admin's account page; and no account exists that nobody made, except
the demo's, which `kiosk demo` prints."""

from __future__ import annotations

import io
import re
import sys

import pytest
from webutil import RETAIL_PW, STAFF_PIN, csrf_of, login, make_config

from kiosk.cli import demo_banner, main
from kiosk.store import Store
from kiosk.web.app import create_app


def _users(monkeypatch, config: str, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", "--config", config, *args])


def _config_file(tmp_path) -> str:
    p = tmp_path / "kiosk.toml"
    p.write_text(f'version = 1\ndata_dir = "{tmp_path}"\n')
    return str(p)


def _retail_login(app, user: str, password: str) -> int:
    c = app.test_client()
    tok = csrf_of(c)
    data = {"csrf_token": tok, "username": user, "password": password}
    return c.post("/retail/login", data=data).status_code


@pytest.mark.slow
def test_kiosk_users_adds_changes_disables_and_lists_accounts(tmp_path, monkeypatch, capsys):
    cfg = _config_file(tmp_path)
    pw, pw2 = "a long enough secret", "another long secret"
    assert _users(monkeypatch, cfg, "add", "alice", "--role", "retailer", "--retailer", "r1",
                  "--secret-stdin", stdin=pw + "\n") == 0
    assert _users(monkeypatch, cfg, "add", "staff", "--role", "staff", "--secret-stdin",
                  stdin="482915\n") == 0
    # the rules: short passwords, guessable PINs, retailers without a retailer id
    assert _users(monkeypatch, cfg, "add", "bob", "--role", "retailer", "--retailer", "r1",
                  "--secret-stdin", stdin="short\n") != 0
    assert "12 to 128 characters" in capsys.readouterr().err
    assert _users(monkeypatch, cfg, "add", "kiosk2", "--role", "staff", "--secret-stdin",
                  stdin="123456\n") != 0
    assert _users(monkeypatch, cfg, "add", "carol", "--role", "retailer", "--secret-stdin",
                  stdin=pw + "\n") != 0
    capsys.readouterr()
    assert _users(monkeypatch, cfg, "list") == 0
    listing = capsys.readouterr().out
    assert re.search(r"alice\s+retailer\s+r1\s+active", listing)
    assert "staff" in listing and pw not in listing and "bob" not in listing

    from kiosk.config import load_config

    config = load_config(cfg).with_overrides(kiosk={"kiosk_id": "k1"})
    store = Store(config.database_url)
    app = create_app(config, store=store)
    assert _retail_login(app, "alice", pw) == 302
    signed_in = app.test_client()
    tok = csrf_of(signed_in)
    signed_in.post("/retail/login", data={"csrf_token": tok, "username": "alice", "password": pw})
    assert signed_in.get("/retail/").status_code == 200
    assert _users(monkeypatch, cfg, "passwd", "alice", "--secret-stdin", stdin=pw2 + "\n") == 0
    assert signed_in.get("/retail/").status_code == 302  # its sessions ended
    assert _retail_login(app, "alice", pw) == 401
    assert _retail_login(app, "alice", pw2) == 302
    assert _users(monkeypatch, cfg, "disable", "alice") == 0
    assert _retail_login(app, "alice", pw2) == 401
    assert _users(monkeypatch, cfg, "disable", "alice", "--enable") == 0
    assert _retail_login(app, "alice", pw2) == 302
    assert _users(monkeypatch, cfg, "passwd", "nobody", "--secret-stdin", stdin=pw + "\n") != 0
    app.extensions["kiosk"].cameras.stop()
    store.close()


def test_no_account_exists_until_someone_adds_one(tmp_path, db_url):
    store = Store(db_url)
    try:
        create_app(make_config(tmp_path), store=store, hq=True)
        assert store.list_accounts() == []
    finally:
        store.close()


@pytest.mark.slow
def test_the_demo_prints_every_account_it_makes(tmp_path):
    from kiosk.web.server import demo_config, prepare_demo

    store = prepare_demo(demo_config(tmp_path))
    banner = demo_banner(8080)
    made = store.list_accounts()
    store.close()
    assert len(made) == 3
    for a in made:
        line = next(x for x in banner.splitlines() if f" {a['username']} / " in x)
        assert a["role"] in line


@pytest.mark.slow
def test_staff_change_their_pin_on_the_staff_screen(kiosk_app):
    c = kiosk_app.test_client()
    tok = login(c, "staff")
    weak = c.post("/staff/pin", data={"csrf_token": tok, "current": STAFF_PIN,
                                      "new": "111111", "again": "111111"})
    assert weak.status_code == 400 and b"account-problem" in weak.data
    wrong = c.post("/staff/pin", data={"csrf_token": tok, "current": "0000",
                                       "new": "482915", "again": "482915"})
    assert wrong.status_code == 400
    r = c.post("/staff/pin", data={"csrf_token": tok, "current": STAFF_PIN,
                                   "new": "482915", "again": "482915"})
    assert r.status_code == 200 and b"account-changed" in r.data
    assert c.get("/staff/").status_code == 302  # signed out everywhere
    c2 = kiosk_app.test_client()
    tok2 = csrf_of(c2)
    assert c2.post("/staff/login", data={"csrf_token": tok2, "pin": STAFF_PIN}).status_code == 401
    assert c2.post("/staff/login", data={"csrf_token": tok2, "pin": "482915"}).status_code == 302


@pytest.mark.slow
def test_retail_users_change_their_password_and_admins_manage_accounts(kiosk_app):
    c = kiosk_app.test_client()
    tok = login(c, "retailer")
    new = "a brand new passphrase"
    r = c.post("/retail/password", data={"csrf_token": tok, "current": RETAIL_PW,
                                         "new": new, "again": new})
    assert r.status_code == 200 and b"account-changed" in r.data
    assert _retail_login(kiosk_app, "shop1", new) == 302

    admin = kiosk_app.test_client()
    tok = login(admin, "admin")
    page = admin.post("/retail/accounts", data={
        "csrf_token": tok, "action": "add", "username": "dave", "role": "retailer",
        "retailer_id": "r1", "password": "quiet river stones 42"})
    assert page.status_code == 200 and b">dave<" in page.data
    assert _retail_login(kiosk_app, "dave", "quiet river stones 42") == 302
    admin.post("/retail/accounts", data={"csrf_token": tok, "action": "disable",
                                         "username": "dave"})
    assert _retail_login(kiosk_app, "dave", "quiet river stones 42") == 401
    staff = admin.post("/retail/accounts", data={"csrf_token": tok, "action": "passwd",
                                                 "username": "staff", "password": "x" * 20})
    assert staff.status_code == 400  # staff PINs belong to the kiosk's staff screen
    assert login(kiosk_app.test_client(), "staff")
