"""Every staff and retailer route refuses the signed-out and the wrong role; forms need
CSRF; PINs lock; logins are rate limited; responses carry the security headers."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from webutil import RETAIL_PW, STAFF_PIN, csrf_of, login

PUBLIC = {"staff.login", "retail.login", "retail.logout", "staff.logout"}


def _protected(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(prefix) and rule.endpoint not in PUBLIC:
            url = rule.rule.replace("<station>", "standing").replace("<fmt>", "pdf")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url, rule.endpoint


def test_inventory_covers_the_staff_and_retail_areas(kiosk_app):
    staff = {e for _, _, e in _protected(kiosk_app, "staff.")}
    retail = {e for _, _, e in _protected(kiosk_app, "retail.")}
    assert {
        "staff.home",
        "staff.calibrate",
        "staff.catalogue",
        "staff.rules",
        "staff.qa",
        "staff.remeasure",
        "staff.board_file",
    } <= staff
    assert {"retail.dashboard", "retail.export", "retail.tokens", "retail.kiosk_tokens"} <= retail


@pytest.mark.parametrize("prefix", ["staff.", "retail."])
def test_signed_out_requests_are_refused_on_every_protected_route(kiosk_app, prefix):
    c = kiosk_app.test_client()
    tok = csrf_of(c)  # a valid CSRF token, so the refusal is about authentication
    for method, url, ep in _protected(kiosk_app, prefix):
        r = c.open(url, method=method, data={"csrf_token": tok})
        if method == "GET":
            assert r.status_code == 302 and "/login" in r.headers["Location"], (ep, r.status_code)
        else:
            assert r.status_code == 401, (ep, method, r.status_code)


@pytest.mark.parametrize(("role", "prefix"), [("retailer", "staff."), ("staff", "retail.")])
def test_wrong_role_is_forbidden_on_every_protected_route(kiosk_app, role, prefix):
    c = kiosk_app.test_client()
    tok = login(c, role)
    for method, url, ep in _protected(kiosk_app, prefix):
        r = c.open(url, method=method, data={"csrf_token": tok})
        assert r.status_code == 403, (ep, method, r.status_code)


def test_only_admin_may_issue_kiosk_tokens(kiosk_app):
    c = kiosk_app.test_client()
    tok = login(c, "retailer")
    assert c.get("/retail/kiosk-tokens").status_code == 403
    c2 = kiosk_app.test_client()
    tok = login(c2, "admin")
    r = c2.post(
        "/retail/kiosk-tokens", data={"csrf_token": tok, "kiosk_id": "k9", "retailer_id": "r1"}
    )
    assert r.status_code == 200 and b"token-created" in r.data
    assert kiosk_app.extensions["kiosk"].store.list_tokens("kiosk")[0]["kiosk_id"] == "k9"


def test_forms_without_the_csrf_token_are_rejected(kiosk_app):
    c = kiosk_app.test_client()
    login(c, "staff")
    assert c.post("/staff/qa", data={"action": "on"}).status_code == 400
    assert c.post("/staff/qa", data={"action": "on", "csrf_token": "forged"}).status_code == 400
    c2 = kiosk_app.test_client()
    r = c2.post("/retail/login", data={"username": "shop1", "password": "x"})
    assert r.status_code == 400
    assert c2.post("/start").status_code == 400


@pytest.mark.slow
def test_staff_pin_waits_after_repeated_failures_even_for_the_right_pin(kiosk_app):
    c = kiosk_app.test_client()
    tok = csrf_of(c)
    for _ in range(5):
        wrong = c.post("/staff/login", data={"csrf_token": tok, "pin": "0000"})
    assert wrong.status_code == 401
    r = c.post("/staff/login", data={"csrf_token": tok, "pin": STAFF_PIN})
    # refused, and in the same words as a wrong PIN: a guesser learns nothing
    assert r.status_code == 401
    assert _notice(r) == _notice(wrong)
    acct = kiosk_app.extensions["kiosk"].store.get_account("staff")
    assert acct["locked_until"] > datetime.utcnow()


def _notice(r) -> str:
    return re.search(r'id="login-error">([^<]*)<', r.get_data(as_text=True)).group(1)


@pytest.mark.slow
def test_a_throttled_retail_account_answers_like_a_wrong_password(kiosk_app):
    attacker, owner = kiosk_app.test_client(), kiosk_app.test_client()
    tok = csrf_of(attacker)
    for _ in range(5):
        wrong = attacker.post(
            "/retail/login", data={"csrf_token": tok, "username": "shop1", "password": "guess"}
        )
    tok2 = csrf_of(owner)
    r = owner.post(
        "/retail/login", data={"csrf_token": tok2, "username": "shop1", "password": RETAIL_PW}
    )
    assert r.status_code == wrong.status_code == 401
    assert _notice(r) == _notice(wrong)
    unknown = owner.post(
        "/retail/login", data={"csrf_token": tok2, "username": "nobody", "password": "x"}
    )
    assert unknown.status_code == 401 and _notice(unknown) == _notice(wrong)


@pytest.mark.slow
def test_parallel_guesses_are_all_counted_before_any_pin_is_checked(tmp_path):
    """Four wrong PINs, then nine more at once and the right one just behind them: the
    right PIN arrives while the nine are still hashing, yet must wait its turn."""
    from webutil import make_config

    from kiosk.security import hash_secret
    from kiosk.store import Store
    from kiosk.web.app import create_app

    cfg = make_config(tmp_path, security={"login_rate_per_min": 100})
    store = Store(cfg.database_url)
    store.add_account("staff", "staff", hash_secret(STAFF_PIN))  # the real 600k cost
    app = create_app(cfg, store=store)
    clients = [app.test_client() for _ in range(10)]
    toks = [csrf_of(c) for c in clients]
    for _ in range(4):
        clients[0].post("/staff/login", data={"csrf_token": toks[0], "pin": "0000"})

    def attempt(i: int) -> int:
        if i == 9:
            time.sleep(0.15)  # behind the others, while their hashes run
        pin = STAFF_PIN if i == 9 else f"{i:04d}"
        return clients[i].post("/staff/login", data={"csrf_token": toks[i], "pin": pin}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(attempt, range(10)))
    assert codes[9] == 401, codes
    # only the fifth try was checked; the rest waited without touching the count
    assert store.get_account("staff")["failed_attempts"] == 5
    app.extensions["kiosk"].cameras.stop()


def test_responses_carry_security_headers_and_no_server_banner(kiosk_app):
    r = kiosk_app.test_client().get("/")
    h = r.headers
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cache-Control"] == "no-store"
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_oversized_request_bodies_are_rejected_with_413(kiosk_app):
    c = kiosk_app.test_client()
    tok = csrf_of(c)
    big = "x" * (kiosk_app.config["KIOSK"].web.max_request_bytes + 10)
    r = c.post("/retail/login", data={"csrf_token": tok, "username": big, "password": "x"})
    assert r.status_code == 413


def test_login_redirect_target_cannot_leave_the_site(kiosk_app):
    c = kiosk_app.test_client()
    tok = csrf_of(c)
    r = c.post(
        "/retail/login?next=//evil.example/x",
        data={"csrf_token": tok, "username": "shop1", "password": "correct horse battery"},
    )
    assert r.headers["Location"] == "/retail/"


def test_default_bind_address_is_localhost():
    from kiosk.config import Config

    assert Config().web.host == "127.0.0.1"


def _copy_of_cookie(client) -> str:
    return "kiosk_session=" + client.get_cookie("kiosk_session").value


def _with_cookie(app, cookie: str, url: str) -> int:
    return app.test_client(use_cookies=False).get(url, headers={"Cookie": cookie}).status_code


def test_logout_ends_every_copy_of_the_session_cookie(kiosk_app):
    c = kiosk_app.test_client()
    tok = login(c, "retailer")
    copy = _copy_of_cookie(c)
    assert _with_cookie(kiosk_app, copy, "/retail/") == 200
    c.post("/retail/logout", data={"csrf_token": tok})
    assert _with_cookie(kiosk_app, copy, "/retail/") == 302  # back to the login page


def test_a_new_password_or_disabling_ends_existing_sessions(kiosk_app):
    from kiosk.security import hash_secret

    store = kiosk_app.extensions["kiosk"].store
    c = kiosk_app.test_client()
    login(c, "retailer")
    assert c.get("/retail/").status_code == 200
    store.set_account_secret("shop1", hash_secret("a new long password", iterations=1000))
    assert c.get("/retail/").status_code == 302
    c2 = kiosk_app.test_client()
    login(c2, "retailer2")
    store.set_account_disabled("shop2", True)
    assert c2.get("/retail/").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_busy(kiosk_app):
    c = kiosk_app.test_client()
    login(c, "staff")
    max_age = kiosk_app.config["KIOSK"].web.session_max_age_s
    with c.session_transaction() as s:
        s["born"] -= max_age + 1  # signed in long ago, used a moment ago
    assert c.get("/staff/").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example", "/%0a/evil.example", "/%0d%0aSet-Cookie:x=1", "/\\evil.example",
     "https://evil.example/", "/%20/evil.example"],
)
def test_login_never_redirects_off_site_or_fails_on_odd_targets(kiosk_app, target):
    c = kiosk_app.test_client()
    tok = csrf_of(c)
    r = c.post(
        f"/retail/login?next={target}",
        data={"csrf_token": tok, "username": "shop1", "password": RETAIL_PW},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/retail/"


def test_login_returns_to_the_page_that_asked(kiosk_app):
    c = kiosk_app.test_client()
    tok = csrf_of(c)
    r = c.post(
        "/retail/login?next=/retail/tokens",
        data={"csrf_token": tok, "username": "shop1", "password": RETAIL_PW},
    )
    assert r.headers["Location"] == "/retail/tokens"


def test_retailers_cannot_revoke_their_kiosks_ingest_tokens(kiosk_app):
    store = kiosk_app.extensions["kiosk"].store
    kiosk_tid = store.add_token("kiosk-secret", "kiosk", "k1", kiosk_id="k1", retailer_id="r1")
    c = kiosk_app.test_client()
    tok = login(c, "retailer")
    r = c.post(
        "/retail/tokens", data={"csrf_token": tok, "action": "revoke", "token_id": kiosk_tid}
    )
    assert r.status_code == 404
    assert store.check_token("kiosk-secret", "kiosk") is not None


def _tries(app, addr: str, n: int, forwarded: str | None = None) -> list[int]:
    c = app.test_client()
    tok = csrf_of(c)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return [
        c.post(
            "/retail/login",
            data={"csrf_token": tok, "username": f"user{i}", "password": "x"},
            headers=headers,
            environ_base={"REMOTE_ADDR": addr},
        ).status_code
        for i in range(n)
    ]


@pytest.mark.slow
def test_the_login_limit_counts_each_client_behind_a_trusted_proxy(tmp_path):
    from webutil import make_config

    from kiosk.store import Store
    from kiosk.web.app import create_app

    limit = 10
    behind = make_config(tmp_path, web={"trusted_proxies": 1})
    app = create_app(behind, store=Store(behind.database_url), hq=True)
    assert _tries(app, "127.0.0.1", limit + 1, "203.0.113.5")[-1] == 429
    # another client through the same proxy is not refused with the first
    assert _tries(app, "127.0.0.1", 1, "203.0.113.6") == [401]
    direct = make_config(tmp_path / "direct")
    app2 = create_app(direct, store=Store(direct.database_url), hq=True)
    # without a trusted proxy the header is the client's word, and ignored
    tries = _tries(app2, "198.51.100.7", limit, "203.0.113.8")
    assert _tries(app2, "198.51.100.7", 1, "203.0.113.9") == [429], tries
