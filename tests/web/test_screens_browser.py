"""The results screen and the retailer dashboard in Debian's headless Chromium, English and
Japanese, against the real app under a real WSGI server on loopback with a real database:
the charts render with data and show empty states without, labels never sit on top of
each other, and the screenshots in docs/screens/ come from here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from browser import OVERLAPS_JS, check_kiosk_screen, screens_dir, serve, session_cookie, snap
from test_results_screen import LENGTH_MM, seed_visit
from test_tries import _after_walk
from webutil import RETAIL_PW, add_accounts, make_config

from kiosk.advice.sizes import SYSTEMS
from kiosk.bench.web import launch_browser
from kiosk.store import Store
from kiosk.store.demo import demo_records
from kiosk.web.visits import finish_walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 834, "height": 1194}  # a 11-inch tablet held upright
N_CHARTS = 9
STORES = (("shibuya", "Shibuya"), ("umeda", "Umeda"), ("soho", "SoHo"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    return screens_dir(tmp_path_factory.mktemp("screens"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A kiosk app with three stores' worth of visits over 90 days for retailer r1."""
    from kiosk.web.app import create_app

    tmp = tmp_path_factory.mktemp("site")
    cfg = make_config(tmp)
    store = Store(cfg.database_url)
    add_accounts(store)
    for sid, name in STORES:
        store.upsert_store(sid, "r1", name)
    store.save_sessions(demo_records(2000, seed=21, days=90, retailer_id="r1", stores=STORES))
    app = create_app(cfg, store=store)
    with serve(app) as url:
        yield app, url
    app.extensions["kiosk"].cameras.stop()
    store.close()


def _page(browser, viewport):
    ctx = browser.new_context(viewport=viewport, device_scale_factor=0.5, accept_downloads=True)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    return ctx, page, problems


def _sign_in(page, url: str, lang: str) -> None:
    page.goto(url + "/", wait_until="domcontentloaded")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click(f"#lang-{lang}")
    page.goto(url + "/retail/login", wait_until="domcontentloaded")
    page.fill("#username", "shop1")
    page.fill("#password", RETAIL_PW)
    page.click("#signin")
    page.wait_for_url("**/retail/", wait_until="load")


def _charts_drawn(page, n: int) -> None:
    deadline = time.monotonic() + 20
    while page.evaluate("document.body.dataset.charts") != str(n):
        assert time.monotonic() < deadline, "the dashboard's charts were not drawn"
        page.wait_for_timeout(100)


def _shot(page, folder, name: str, size: dict) -> None:
    from PIL import Image

    page.set_viewport_size(size)
    page.wait_for_timeout(300)  # the charts follow the resize
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_dashboard_draws_every_chart_with_labels_tooltips_and_a_csv(browser, site, screens, lang):
    _, url = site
    ctx, page, problems = _page(browser, DESKTOP)
    _sign_in(page, url, lang)
    _charts_drawn(page, N_CHARTS)
    for chart in ("time", "heat", "funnel", "stores", "sizes", "mix", "recs", "tries", "oos"):
        marks = page.locator(f"#chart-{chart} svg path, #chart-{chart} svg rect").count()
        assert marks > 5, f"chart-{chart} drew {marks} marks"
        texts = f"#chart-{chart} svg text"
        assert page.locator(texts).count() > 0, f"chart-{chart} has no labels"
        overlaps = page.evaluate(OVERLAPS_JS, texts)
        assert not overlaps, f"chart-{chart}: labels on top of each other: {overlaps}"
    # axis titles and units in the page's language
    time_texts = page.locator("#chart-time svg text").all_text_contents()
    unit = {"en": "sessions", "ja": "セッション数"}[lang]
    assert unit in time_texts
    # a tooltip on touch/hover, with the unit
    box = page.locator("#chart-time").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert unit in page.locator("#chart-time").inner_text()
    # the what-to-stock table is the CSV
    with page.expect_download() as dl:
        page.click("#stock-export")
    rows = Path(dl.value.path()).read_text(encoding="utf-8").strip().splitlines()[1:]
    assert len(rows) == page.locator("#stock-table td[data-n]").count() > 10
    # the grain switch regroups sessions over time, same total
    total = int(page.locator("#kpi-started").inner_text())
    page.click("#grain-month")
    page.wait_for_url("**grain=month**", wait_until="load")
    _charts_drawn(page, N_CHARTS)
    assert "selected" in page.locator("#grain-month").get_attribute("class")
    assert int(page.locator("#kpi-started").inner_text()) == total
    page.click("#grain-day")
    page.wait_for_url("**grain=day**", wait_until="load")
    _charts_drawn(page, N_CHARTS)
    _shot(page, screens, f"21-retail-dashboard-{lang}-desktop", DESKTOP)
    _shot(page, screens, f"21-retail-dashboard-{lang}-tablet", TABLET)
    # print: no filters or buttons, the charts redrawn to the paper's width
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    assert not page.locator("form.filters").is_visible()
    assert page.locator("#chart-time svg").count() == 1
    page.emulate_media(media="screen")
    assert not problems, problems
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_dashboard_without_sessions_shows_empty_states(browser, site, lang):
    _, url = site
    ctx, page, problems = _page(browser, TABLET)
    _sign_in(page, url, lang)
    page.goto(url + "/retail/?from=2001-01-01&to=2001-01-31", wait_until="load")
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.dataset.charts") == "0"
    empty = page.locator("p.empty")
    assert empty.count() == N_CHARTS + 2  # every chart, the stock table and the plan mix
    text = {"en": "No sessions in this range.", "ja": "この期間のセッションはありません。"}[lang]
    assert set(empty.all_inner_texts()) == {text}
    assert page.locator(".echart").count() == 0
    assert not problems, problems
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_results_screen_heel_chart_feet_and_one_suggestion_per_product(
    browser, site, screens, lang
):
    app, url = site
    sid = seed_visit(app, sex=None, lang=lang)
    ctx, page, problems = _page(browser, {"width": 1080, "height": 1920})
    ctx.add_cookies([session_cookie(app, url, sid=sid, lang=lang)])
    page.goto(url + "/results", wait_until="load")
    page.wait_for_selector("#rearfoot-chart svg")
    check_kiosk_screen(page)

    # stance only: every drawn point left of that foot's toe-off line, none in swing
    for side in ("left", "right"):
        to_x = float(page.locator(f"#mark-to-{side}").get_attribute("x1"))
        xs = [
            float(p.split(",")[0])
            for pl in page.locator(f"polyline.curve.{side}").all()
            for p in pl.get_attribute("points").split()
        ]
        assert xs and max(xs) <= to_x + 0.5
    swing_x = float(page.locator("#swing-region").get_attribute("x"))
    assert swing_x >= max(
        float(page.locator(f"#mark-to-{s}").get_attribute("x1")) for s in ("left", "right")
    )
    assert page.locator("#mark-hs").count() == 1 and page.locator("#normal-band").count() == 1
    # no two labels of the chart overlap, and the legend sits outside the drawing
    assert not page.evaluate(OVERLAPS_JS, "#rearfoot-chart svg text")
    legend = page.locator("#rearfoot-legend").bounding_box()
    drawing = page.locator("#rearfoot-chart svg").bounding_box()
    assert legend["y"] + legend["height"] <= drawing["y"]

    # feet to scale: the drawings are not squeezed, and share one mm-per-pixel scale
    scales = []
    for side in ("left", "right"):
        svg = page.locator(f"#foot-{side} svg.foot")
        box = svg.bounding_box()
        assert abs(box["width"] - float(svg.get_attribute("width"))) < 1
        scales.append(float(svg.get_attribute("data-mm-per-px")))
    assert scales[0] == scales[1]
    foot_h = page.locator("#foot-left svg.foot").bounding_box()["height"]
    assert abs((foot_h - 76) * scales[0] - LENGTH_MM) < 2

    # one item per product; sex not given, so shoes name men's and women's sizes once
    items = page.locator("#recommendations li")
    names = [items.nth(i).locator("strong").inner_text() for i in range(items.count())]
    assert names and len(names) == len(set(names))
    snap(page, screens, "05-results-advice", lang, full_page=True)

    # the shopper picks the UK chart: every suggestion is asked for in it
    page.click("button.chart-choice[value=uk]")
    page.wait_for_load_state("load")
    assert page.locator("button.chart-choice.selected").get_attribute("value") == "uk"
    uk = f"UK {SYSTEMS['uk'].size(LENGTH_MM):g}"
    for i in range(page.locator("#recommendations li").count()):
        assert uk in page.locator("#recommendations li").nth(i).inner_text()
    assert not problems, problems
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_before_after_screen_shows_both_walks_per_foot(browser, site, screens, lang):
    app, url = site
    sid = seed_visit(app, sex="female", lang=lang)
    svc = app.extensions["kiosk"]
    rec = svc.store.get_session(sid)
    ctx, page, problems = _page(browser, {"width": 1080, "height": 1920})
    ctx.add_cookies([session_cookie(app, url, sid=sid, lang=lang)])
    page.goto(url + "/results", wait_until="load")
    page.click("#try-walk")
    page.wait_for_url("**/try", wait_until="load")
    check_kiosk_screen(page)
    sku = rec.recommendations[0].product_id
    page.click(f"#suggested button[value='{sku}']")
    page.wait_for_url("**/try/walk", wait_until="domcontentloaded")
    assert rec.recommendations[0].name in page.locator("h1").inner_text()
    # the treadmill's part (kiosk.web.api.run_walk) is what test_browser.py walks for real
    with app.app_context():
        finish_walk(svc, svc.store.get_session(sid), _after_walk())
    page.goto(url + "/compare", wait_until="load")
    page.wait_for_selector("#chart-0-right svg")
    check_kiosk_screen(page)
    for side in ("left", "right"):
        chart = f"#chart-0-{side}"
        assert page.locator(f"{chart} polyline.curve.before").count() >= 1
        assert page.locator(f"{chart} polyline.curve.after").count() >= 1
        assert not page.evaluate(OVERLAPS_JS, f"{chart} svg text")
    assert "-6.0°" in page.locator("#try-0 tr[data-side=right]").inner_text()
    snap(page, screens, "07-before-after", lang, full_page=True)
    assert not problems, problems
    ctx.close()
