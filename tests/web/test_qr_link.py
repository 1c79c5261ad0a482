"""The QR code on the results screen carries the configured public address (never the
request's Host), and a phone on another address opens the summary from it: served by the
kiosk on the store network, or by HQ from the synced record."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from webutil import add_accounts, make_config

from kiosk.store import Store, utcnow
from kiosk.web.app import create_app
from tests.web.field import measured_visit, qr_of, serve_on


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _kiosk(tmp_path, **web):
    cfg = make_config(tmp_path / "kiosk", web=web)
    store = Store(cfg.database_url)
    add_accounts(store)
    return create_app(cfg, store=store)


def test_a_forged_host_header_never_reaches_the_qr_code(tmp_path):
    app = _kiosk(tmp_path, public_url="http://shop.example:8080")
    c = app.test_client()
    tok = measured_visit(app, c)
    assert c.post("/qr", data={"csrf_token": tok}).status_code == 302
    # the same visit's cookie, sent with a forged Host (a browser would not, a script can)
    cookie = "kiosk_session=" + c.get_cookie("kiosk_session").value
    forged = {"Host": "evil.example", "Cookie": cookie}
    html = app.test_client(use_cookies=False).get("/results", headers=forged).get_data(
        as_text=True
    )
    link = qr_of(html)
    assert link.startswith("http://shop.example:8080/s/")
    app.extensions["kiosk"].cameras.stop()


def test_without_a_public_address_no_qr_code_is_offered(tmp_path):
    app = _kiosk(tmp_path)
    c = app.test_client()
    tok = measured_visit(app, c)
    assert 'id="make-qr"' not in c.get("/results").get_data(as_text=True)
    assert c.post("/qr", data={"csrf_token": tok}).status_code == 404
    app.extensions["kiosk"].cameras.stop()


@pytest.mark.slow
def test_the_kiosk_on_the_store_network_opens_the_summary_from_another_address(tmp_path):
    # the kiosk's screen talks to it on 127.0.0.1; the phone reaches it on 127.0.0.2
    app = _kiosk(tmp_path)
    with serve_on(app, "127.0.0.2") as lan_url:
        cfg = app.config["KIOSK"].with_overrides(web={"public_url": lan_url})
        app.config["KIOSK"] = app.extensions["kiosk"].config = cfg
        c = app.test_client()
        tok = measured_visit(app, c)
        c.post("/qr", data={"csrf_token": tok})
        link = qr_of(c.get("/results").get_data(as_text=True))
        assert link.startswith(lan_url + "/s/")
        code, page = _fetch(link)
        assert code == 200 and 'class="summary"' in page
        assert _fetch(link[:-3] + "xyz")[0] == 410
    app.extensions["kiosk"].cameras.stop()


@pytest.mark.postgres
@pytest.mark.slow
def test_hq_opens_the_summary_as_soon_as_the_qr_code_is_shown(tmp_path, postgres_server):
    hq_store = Store(postgres_server.create_database())
    hq_store.add_token("kiosk-token-1", "kiosk", "k1", kiosk_id="k1", retailer_id="r1")
    hq = create_app(make_config(tmp_path / "hq"), store=hq_store, hq=True)
    (tmp_path / "hq_token").write_text("kiosk-token-1\n")
    with serve_on(hq, "127.0.0.2") as hq_url:
        app = _kiosk(tmp_path, public_url=hq_url)
        cfg = app.config["KIOSK"].with_overrides(
            hq={"url": hq_url, "token_file": str(tmp_path / "hq_token")}
        )
        app.config["KIOSK"] = app.extensions["kiosk"].config = cfg
        c = app.test_client()
        tok = measured_visit(app, c)
        c.post("/qr", data={"csrf_token": tok})
        link = qr_of(c.get("/results").get_data(as_text=True))
        assert link.startswith(hq_url + "/s/")
        app.extensions["kiosk"].extra["qr_push"].join(timeout=15)
        code, page = _fetch(link)
        assert code == 200 and 'class="summary"' in page
        # HQ stored the link's hash only, and an expiry
        assert hq_store.resolve_summary_link(link.rsplit("/", 1)[1], utcnow()) is not None
        app.extensions["kiosk"].cameras.stop()



def test_staff_see_whether_the_qr_address_answers(tmp_path):
    from webutil import login

    app = _kiosk(tmp_path)
    staff = app.test_client()
    login(staff, "staff")
    assert b"no public address" in staff.get("/staff/").data
    with serve_on(app, "127.0.0.2") as lan_url:
        cfg = app.config["KIOSK"].with_overrides(web={"public_url": lan_url})
        app.config["KIOSK"] = app.extensions["kiosk"].config = cfg
        assert b"(it answers)" in staff.get("/staff/").data
    page = staff.get("/staff/").get_data(as_text=True)  # the server is gone
    assert "do not answer from here" in page
    app.extensions["kiosk"].cameras.stop()
