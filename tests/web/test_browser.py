"""End to end in Debian's headless Chromium, against the demo kiosk under gunicorn on
loopback with the simulated cameras: the shopper flow (English and Japanese, touch only,
the walk on the simulated treadmill included), the staff calibration wizard on a
simulated mat with the printed board, and the retailer dashboard. Each screen is checked
for touch targets, text size and hover, and photographed in both orientations.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from browser import check_kiosk_screen, number, screens_dir, snap

from kiosk.bench.web import PORTRAIT, demo_server, launch_browser
from kiosk.calibration import calibration_path, load_calibration
from kiosk.sim.scenes import random_profile
from kiosk.store import Store
from kiosk.web.server import DEMO_RETAIL_PASSWORD, DEMO_RETAIL_USER, DEMO_STAFF_PIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
DEMO_SEED = 7  # the demo's simulated shopper (capture.simulated_seed)
CAMERA_READY_MS = 300_000  # the simulated treadmill pre-renders strides; slow on 2 cores


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The demo kiosk as shipped (simulated cameras), with a short countdown and walk."""
    data = tmp_path_factory.mktemp("shop")
    overrides = {"capture": {"standing_countdown_s": 1, "walk_duration_s": 6}}
    with demo_server(data, overrides) as url:
        yield url, data


@pytest.fixture(scope="module")
def board_kiosk(tmp_path_factory):
    """The demo kiosk whose standing camera sees the calibration board on an empty mat
    (and whose treadmill camera is unplugged); the idle timeout is short."""
    data = tmp_path_factory.mktemp("board")
    overrides = {"web": {"idle_timeout_s": 4}}
    with demo_server(
        data, overrides, camera_factory="board_scene:camera_factory", pythonpath=[str(HERE)]
    ) as url:
        yield url, data


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    return screens_dir(tmp_path_factory.mktemp("screens"))


def _page(browser, **kw):
    ctx = browser.new_context(viewport=PORTRAIT, device_scale_factor=0.5, has_touch=True, **kw)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    return ctx, page, problems


def _until(page, js: str, timeout_s: float) -> None:
    """Poll `js` in the page (wait_for_function would need 'unsafe-eval', which our CSP
    rightly refuses)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(js):
        assert time.monotonic() < deadline, f"timed out waiting for {js}"
        page.wait_for_timeout(100)


def _visits(data: Path) -> list:
    """The sessions this test's browser made (not the demo's seeded history), oldest first."""
    store = Store(f"sqlite:///{data / 'kiosk.sqlite3'}", create=False)
    try:
        recs = store.get_sessions(store.session_ids())
    finally:
        store.close()
    return sorted((r for r in recs if "demo" not in r.model_versions), key=lambda r: r.started_at)


def _newest_measured_session(data: Path):
    return [r for r in _visits(data) if r.standing is not None][-1]


def _decode_qr(browser, page) -> str:
    """Read the QR code on the page as a phone would: render it large and decode it.

    OpenCV's classic detector misses some codes at some sizes (a phone retries too), so
    try a few sizes and both of OpenCV's QR detectors before calling it unreadable.
    """
    import cv2
    import numpy as np

    svg = page.locator("#qr svg").evaluate("el => el.outerHTML")
    detectors = [cv2.QRCodeDetector()]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        detectors.append(cv2.QRCodeDetectorAruco())
    for size in (600, 420, 820):
        big = browser.new_page(viewport={"width": size + 100, "height": size + 100})
        sized = svg.replace("<svg", f'<svg width="{size}" height="{size}"', 1)
        try:
            big.set_content(
                "<body style='margin:0;background:#fff'>"
                f"<div style='width:{size}px;padding:40px'>" + sized + "</div></body>"
            )
            png = big.screenshot()
        finally:
            big.close()
        img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        for det in detectors:
            text, _, _ = det.detectAndDecode(img)
            if text:
                return text
    raise AssertionError("the QR code on the results screen does not decode")


def _questionnaire(page, screens: Path, lang: str, answer: bool) -> None:
    """The optional questions after consent: tap a few answers (or none) and go on."""
    page.wait_for_url("**/questions", wait_until="domcontentloaded")
    check_kiosk_screen(page)
    if answer:
        for name, value in ANSWERS:
            page.tap(f"label.chip:has(input[name={name}][value='{value}'])")
            assert page.locator(f"input[name={name}][value='{value}']").is_checked()
        snap(page, screens, "02b-questions", lang, full_page=True)
        page.tap("#next")
    else:
        page.tap("#skip")


# What the answering shopper taps: aching heels, a runner with worn shoes.
ANSWERS = (("aches", "heels"), ("hours_on_feet", "4_8"), ("activity", "running"),
           ("shoe_km", "800_plus"), ("heels_at_work", "no"))  # fmt: skip


def _shopper_flow(
    browser, url: str, data: Path, screens: Path, lang: str, answer: bool = True
) -> None:
    ctx, page, problems = _page(browser)
    _set_lang(page, url, lang)
    check_kiosk_screen(page)
    snap(page, screens, "01-welcome", lang)

    page.tap("#start")
    page.wait_for_url("**/privacy", wait_until="domcontentloaded")
    check_kiosk_screen(page)
    snap(page, screens, "02-privacy", lang)
    page.tap("label.chip:has(input[value=female])")
    assert page.locator("input[value=female]").is_checked()
    t_consent = time.monotonic()
    page.tap("#agree")
    _questionnaire(page, screens, lang, answer)

    page.wait_for_url("**/standing", wait_until="domcontentloaded")
    # the live preview streams frames with the feet outlined
    _until(page, "() => document.getElementById('preview').naturalWidth > 0", 30)
    page.wait_for_timeout(1500)  # a preview overlay and the guidance poll
    check_kiosk_screen(page)
    snap(page, screens, "03-standing", lang)
    page.tap("#go")
    page.wait_for_selector("#status:not(:empty)")
    page.wait_for_url("**/walk", wait_until="domcontentloaded", timeout=120_000)

    # the treadmill camera has been starting since consent: progress until it is ready
    page.wait_for_selector("#status:not(:empty)")
    check_kiosk_screen(page)
    snap(page, screens, "04-walk", lang)
    page.wait_for_selector("#go:enabled", timeout=CAMERA_READY_MS)
    ready_after_s = time.monotonic() - t_consent
    page.tap("#go")
    page.wait_for_selector("#steps:not(:empty)", timeout=60_000)
    page.wait_for_url("**/results", wait_until="domcontentloaded", timeout=180_000)
    page.wait_for_selector("#rearfoot-chart svg")
    check_kiosk_screen(page)
    snap(page, screens, "05-results", lang, full_page=True)

    # what the screen shows is what was measured, and close to the simulated truth
    rec = _newest_measured_session(data)
    assert rec.lang == lang and rec.sex == "female" and rec.consent
    truth = random_profile(DEMO_SEED, "standing")
    for side in ("left", "right"):
        foot = rec.standing["feet"][side]
        card = page.locator(f"#foot-{side}")
        shown_len = number(card.locator("[data-k=length]").inner_text())
        shown_wid = number(card.locator("[data-k=width]").inner_text())
        assert shown_len == round(foot["length_mm"])
        assert shown_wid == round(foot["width_mm"])
        assert abs(shown_len - getattr(truth, side).length_mm) <= 8.0
        assert card.locator("svg.foot").count() == 1  # drawn to scale from the numbers
    size = rec.standing["size"]
    sizes = page.locator("#size").inner_text()
    assert f"EU {size['eu']}" in sizes and f"JP {size['jp_cm']} cm" in sizes
    assert f"US {size['us_women']}" in sizes  # the women's chart was chosen
    gait_truth = random_profile(DEMO_SEED, "gait")
    assert rec.gait is not None
    assert abs(rec.gait["cadence_spm"] - gait_truth.cadence_spm) / gait_truth.cadence_spm < 0.25
    rolling = page.locator("#rolling").inner_text()
    assert f"{rec.gait['cadence_spm']:.0f}" in rolling
    for side in ("left", "right"):
        deg = rec.gait["feet"][side]["peak_eversion_deg"]
        if deg is not None:
            assert f"{deg:.1f}°" in rolling
    assert page.locator("#curve-left, #curve-right").count() >= 1
    # the plan: shaped by the answers (clinician first for aching heels), or by the
    # measurement alone when the questions were skipped
    plan_ids = page.locator("#plan .plan-item").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    if answer:
        assert rec.answers is not None and rec.answers.aches == ("heels",)
        assert plan_ids[0] == "clinician"
        assert "plantar_fascia_stretch" in plan_ids and "running_shoe_age" in plan_ids
        assert page.locator("#plan [data-id=plantar_fascia_stretch] svg").count() == 1
    else:
        assert rec.answers is None and "clinician" not in plan_ids and plan_ids
    items = page.locator("#recommendations li")
    assert items.count() == len(rec.recommendations) > 0
    for i, r in enumerate(rec.recommendations):
        assert r.name in items.nth(i).inner_text()

    if lang == "en":
        _before_after(page, data, rec)

    # the QR opens the printable summary on the shopper's phone, with the same numbers
    page.tap("#make-qr")
    page.wait_for_selector("#qr svg")
    check_kiosk_screen(page)
    link = _decode_qr(browser, page)
    assert link.startswith(url + "/s/")
    page.goto(link, wait_until="domcontentloaded")
    summary = page.locator("table.summary").inner_text()
    for side in ("left", "right"):
        assert f"{rec.standing['feet'][side]['length_mm']} mm" in summary
    assert f"EU {size['eu']}" in page.content()
    assert page.locator("#plan .plan-item").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    ) == plan_ids  # the same plan on the phone
    snap(page, screens, "06-summary", lang, full_page=True)
    page.go_back(wait_until="domcontentloaded")
    page.tap("#finish")
    page.wait_for_selector("#start")
    assert not problems, problems
    ctx.close()
    print(f"treadmill camera ready {ready_after_s:.0f} s after consent")


def _before_after(page, data: Path, rec) -> None:
    """From the results: pick the first suggestion, walk again in it on the treadmill, and
    see both walks side by side; the visit keeps its first walk and gains a try."""
    page.tap("#try-walk")
    page.wait_for_url("**/try", wait_until="domcontentloaded")
    check_kiosk_screen(page)
    first = page.locator("#suggested button").first
    sku = first.get_attribute("value")
    first.tap()
    page.wait_for_url("**/try/walk", wait_until="domcontentloaded")
    page.wait_for_selector("#go:enabled", timeout=CAMERA_READY_MS)
    page.tap("#go")
    page.wait_for_url("**/compare", wait_until="domcontentloaded", timeout=180_000)
    page.wait_for_selector("#compare .rearfoot-chart svg")
    check_kiosk_screen(page)
    after = _newest_measured_session(data)
    assert after.session_id == rec.session_id and after.gait == rec.gait
    assert [t.product_id for t in after.tries] == [sku]
    table = page.locator("#try-0 table.compare").inner_text()
    for side in ("left", "right"):
        for walk in (rec.gait, after.tries[0].gait):
            deg = walk["feet"][side]["peak_eversion_deg"]
            if deg is not None:
                assert f"{deg:.1f}°" in table
    page.tap("#back")
    page.wait_for_url("**/results", wait_until="domcontentloaded")
    assert page.locator("#see-compare").count() == 1


def test_shopper_flow_in_english_measures_walks_and_shows_results(browser, shop, screens):
    url, data = shop
    _shopper_flow(browser, url, data, screens, "en")


def test_shopper_flow_in_japanese(browser, shop, screens):
    url, data = shop
    _shopper_flow(browser, url, data, screens, "ja", answer=False)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("answer", [True, False], ids=["answered", "skipped"])
def test_questionnaire_answered_or_skipped_is_stored_with_the_visit(
    browser, shop, screens, lang, answer
):
    url, data = shop
    ctx, page, problems = _page(browser)
    _set_lang(page, url, lang)
    page.tap("#start")
    page.wait_for_url("**/privacy", wait_until="domcontentloaded")
    page.tap("#agree")
    _questionnaire(page, screens, lang, answer)
    page.wait_for_url("**/standing", wait_until="domcontentloaded")
    rec = _visits(data)[-1]
    assert rec.lang == lang and rec.consent
    if answer:
        assert rec.answers.aches == ("heels",) and rec.answers.activity == "running"
        assert rec.answers.shoe_km == "800_plus" and rec.answers.heels_at_work is False
    else:
        assert rec.answers is None
    assert not problems, problems
    ctx.close()


@pytest.mark.parametrize(("lang", "answer"), [("en", True), ("ja", False)])
def test_plan_on_results_and_summary_follows_the_questionnaire(
    browser, shop, screens, lang, answer
):
    """Questions, the mat, the walk skipped: the plan on the results screen and the
    phone's summary, clinician first for the shopper whose heels ache."""
    url, data = shop
    ctx, page, problems = _page(browser)
    _set_lang(page, url, lang)
    page.tap("#start")
    page.wait_for_url("**/privacy", wait_until="domcontentloaded")
    page.tap("#agree")
    _questionnaire(page, screens, lang, answer)
    page.wait_for_url("**/standing", wait_until="domcontentloaded")
    page.tap("#go")
    page.wait_for_url("**/walk", wait_until="domcontentloaded", timeout=120_000)
    page.tap("#skip")
    page.wait_for_url("**/results", wait_until="domcontentloaded")
    page.wait_for_selector("#plan")
    check_kiosk_screen(page)
    snap(page, screens, "05b-plan" + ("-answered" if answer else "-skipped"), lang,
         full_page=True)  # fmt: skip
    rec = _newest_measured_session(data)
    ids = page.locator("#plan .plan-item").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids and rec.plan_shown == ids
    if answer:
        assert ids[0] == "clinician" and "plantar_fascia_stretch" in ids
        assert "podiatrist" in page.locator("#plan [data-id=clinician]").inner_text()
        assert page.locator("#plan [data-id=plantar_fascia_stretch] svg").count() == 1
        assert "DiGiovanni" in page.locator("#plan [data-id=plantar_fascia_stretch]").inner_text()
    else:
        assert rec.answers is None and "clinician" not in ids
        assert "診断" in page.locator("#plan").inner_text()  # observations, not a diagnosis
    page.tap("#make-qr")
    page.wait_for_selector("#qr svg")
    link = _decode_qr(browser, page)
    page.goto(link, wait_until="domcontentloaded")
    assert page.locator("#plan .plan-item").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    ) == ids
    assert not problems, problems
    ctx.close()


def test_idle_screen_returns_to_welcome_and_closes_the_visit(browser, board_kiosk):
    url, data = board_kiosk
    ctx, page, problems = _page(browser)
    page.goto(url + "/", wait_until="domcontentloaded")
    page.tap("#start")
    page.wait_for_url("**/privacy", wait_until="domcontentloaded")
    page.wait_for_url(url + "/", timeout=15_000)  # 4 s idle in this kiosk's config
    newest = _visits(data)[-1]
    assert newest.consent is False and newest.ended_at is not None
    assert not problems, problems
    ctx.close()


def _set_lang(page, url: str, lang: str) -> None:
    """Choose the language on the welcome screen (the whole visit, staff and retail too)."""
    page.goto(url + "/", wait_until="domcontentloaded")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.tap(f"#lang-{lang}")
    assert page.locator("html").get_attribute("lang") == lang


def _staff_login(page, url: str) -> None:
    page.goto(url + "/staff/login", wait_until="domcontentloaded")
    for digit in DEMO_STAFF_PIN:  # the on-screen keypad: no keyboard on a kiosk
        page.tap(f".key[data-key='{digit}']")
    page.tap(".key[data-key='✓']")
    page.wait_for_url("**/staff/", wait_until="domcontentloaded")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_staff_calibration_wizard_finds_the_board_and_writes_the_calibration(
    browser, board_kiosk, screens, lang
):
    url, data = board_kiosk
    ctx, page, problems = _page(browser)
    _set_lang(page, url, lang)
    page.goto(url + "/staff/login", wait_until="domcontentloaded")
    check_kiosk_screen(page)
    snap(page, screens, "10-staff-login", lang)
    _staff_login(page, url)
    check_kiosk_screen(page)
    snap(page, screens, "11-staff-home", lang)

    page.goto(url + "/staff/calibrate/standing", wait_until="domcontentloaded")
    page.tap("#detect")
    page.wait_for_selector("#board-result", timeout=60_000)
    assert "pass" in page.locator("#board-result").get_attribute("class")
    checks = page.locator("#checks li")
    assert checks.count() == 6 and page.locator("#checks li.fail").count() == 0
    # the simulated station's camera: 0.65 m over the mat, pitched 62° down
    assert abs(number(page.inner_text("#cam-height")) - 0.65) <= 0.01
    assert abs(number(page.inner_text("#cam-pitch")) - 62.0) <= 1.0
    assert abs(number(page.inner_text("#square")) - 40.0) <= 1.0
    assert number(page.inner_text("#corners")) >= 20
    saved = calibration_path(data / "calibration", "demo-shibuya-k1", "standing")
    assert str(saved) in page.inner_text("#saved")
    cal = load_calibration(saved)
    assert cal.station == "standing" and abs(cal.camera_height_m - 0.65) <= 0.01
    assert cal.board.ok and cal.app_version
    check_kiosk_screen(page)
    page.wait_for_timeout(500)
    snap(page, screens, "12-staff-calibrate", lang, full_page=True)

    # the re-measure check: the board's square again, and the floor against the file
    page.goto(url + "/staff/remeasure", wait_until="domcontentloaded")
    page.tap("#check")
    page.wait_for_selector("#board-result", timeout=60_000)
    assert "pass" in page.locator("#board-result").get_attribute("class")
    assert abs(number(page.inner_text("#height-error"))) <= 10.0  # mm
    assert abs(number(page.inner_text("#pitch-error"))) <= 1.0
    check_kiosk_screen(page)
    snap(page, screens, "13-staff-remeasure", lang, full_page=True)

    # the treadmill's camera is unplugged in this scene: a clear failure, nothing written
    page.goto(url + "/staff/calibrate/gait", wait_until="domcontentloaded")
    page.tap("#detect")
    page.wait_for_selector("#board-result", timeout=60_000)
    assert "fail" in page.locator("#board-result").get_attribute("class")
    assert not calibration_path(data / "calibration", "demo-shibuya-k1", "gait").exists()
    assert not problems, problems
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_retail_dashboard_filters_and_exports_csv(browser, board_kiosk, screens, lang):
    url, _ = board_kiosk
    ctx, page, problems = _page(browser, accept_downloads=True)
    _set_lang(page, url, lang)
    page.goto(url + "/retail/login", wait_until="domcontentloaded")
    snap(page, screens, "20-retail-login", lang)
    page.fill("#username", DEMO_RETAIL_USER)
    page.fill("#password", DEMO_RETAIL_PASSWORD)
    page.click("#signin")
    page.wait_for_url("**/retail/", wait_until="domcontentloaded")
    funnel = [number(t) for t in page.locator("#funnel td.n").all_inner_texts()]
    assert len(funnel) == 6 and funnel[0] > 0
    assert funnel == sorted(funnel, reverse=True)  # started ≥ consent ≥ … ≥ QR
    assert page.locator("#chart-time svg").count() == 1

    # a wider range, one store: fewer sessions than all stores, and the CSV agrees
    page.fill("input[name=from]", "2020-01-01")
    page.select_option("select[name=store]", ["demo-umeda"])
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**store=demo-umeda**", wait_until="domcontentloaded")
    one_store = [number(t) for t in page.locator("#funnel td.n").all_inner_texts()]
    page.select_option("select[name=store]", [])
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    all_stores = [number(t) for t in page.locator("#funnel td.n").all_inner_texts()]
    assert 0 < one_store[0] < all_stores[0]
    page.select_option("select[name=store]", ["demo-umeda"])
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**store=demo-umeda**", wait_until="domcontentloaded")
    with page.expect_download() as dl:
        page.click("#export")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == one_store[0]
    assert {r["store_id"] for r in rows} == {"demo-umeda"}
    assert sum(1 for r in rows if r["results_at"]) == one_store[4]
    assert not problems, problems
    ctx.close()


def test_demo_kiosk_serves_every_asset_itself(browser, board_kiosk):
    """A kiosk may be offline: no page asks for anything outside the kiosk."""
    url, _ = board_kiosk
    ctx, page, _ = _page(browser)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None,
    )
    for path in ("/", "/retail/login", "/staff/login"):
        page.goto(url + path, wait_until="domcontentloaded")
    assert not outside, outside
    body = json.loads(page.evaluate("() => fetch('/healthz').then(r => r.text())"))
    assert body["status"] == "ok"
    ctx.close()
