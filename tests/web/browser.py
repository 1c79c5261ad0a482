"""Helpers for the browser tests: screen checks a kiosk must pass, and screenshots.

Screenshots go to a temporary folder unless KIOSK_SAVE_SCREENS=1, which writes them into
docs/screens/ (what the docs show; refresh them with
`KIOSK_SAVE_SCREENS=1 .venv/bin/python -m pytest tests/web/test_browser.py`).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from kiosk.bench.web import LANDSCAPE, PORTRAIT

DOCS_SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
MIN_TARGET_PX = 48
MIN_FONT_PX = 20

# Every control a finger may need; a radio inside a chip is hidden, its label is the target.
_TARGETS_JS = """
() => {
  const bad = [];
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, label, [role=button]';
  for (const el of document.querySelectorAll(sel)) {
    if (el.matches('.chip input')) continue;
    if (el.matches('label') && !el.querySelector('input, select, textarea')) continue;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (!r.width || !r.height || st.visibility === 'hidden') continue;
    if (r.width < MIN || r.height < MIN)
      bad.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ` +
               `${Math.round(r.width)}x${Math.round(r.height)} ` +
               `"${el.textContent.trim().slice(0, 30)}"`);
  }
  return bad;
}
""".replace("MIN", str(MIN_TARGET_PX))

# Text a shopper reads (outside charts, whose labels scale with the drawing).
_FONTS_JS = """
() => {
  const bad = [];
  const base = parseFloat(getComputedStyle(document.body).fontSize);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, script, style, [hidden]')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < MIN) bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${px}px ` +
                               `"${el.textContent.trim().slice(0, 30)}"`);
  }
  return {base, bad};
}
""".replace("MIN", str(MIN_FONT_PX))

_HOVER_JS = """
() => {
  const out = [];
  const walk = (rules) => {
    for (const r of rules) {
      if (r.selectorText && r.selectorText.includes(':hover')) out.push(r.selectorText);
      if (r.cssRules) walk(r.cssRules);
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  return out;
}
"""


def _settled(page, js: str) -> list:
    """`js`'s findings once the page has settled (a screen mid-layout, still swapping
    in a status line, is not what the shopper sees)."""
    found = page.evaluate(js)
    for _ in range(3):
        if not found:
            break
        page.wait_for_timeout(400)
        found = page.evaluate(js)
    return found


def check_kiosk_screen(page) -> None:
    """Touch targets ≥ 48 px, text ≥ 20 px, nothing that needs a mouse hovering."""
    page.wait_for_load_state("domcontentloaded")
    small = _settled(page, _TARGETS_JS)
    assert not small, f"{page.url}: touch targets under {MIN_TARGET_PX} px: {small}"
    fonts = page.evaluate(_FONTS_JS)
    assert fonts["base"] >= MIN_FONT_PX, f"{page.url}: base font {fonts['base']} px"
    assert not fonts["bad"], f"{page.url}: text under {MIN_FONT_PX} px: {fonts['bad']}"
    hover = page.evaluate(_HOVER_JS)
    assert not hover, f"{page.url}: hover-only styles {hover}"
    assert page.locator("[title]").count() == 0, "tooltips need a hovering mouse"


def screens_dir(tmp: Path) -> Path:
    if os.environ.get("KIOSK_SAVE_SCREENS") == "1":
        DOCS_SCREENS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENS
    return tmp


def snap(page, folder: Path, name: str, lang: str, full_page: bool = False) -> list[Path]:
    """The page in portrait and landscape as small palette PNGs: `<name>-<lang>-<o>.png`."""
    from PIL import Image

    out = []
    for orientation, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # layout and the preview's next frame
        png = page.screenshot(full_page=full_page, animations="disabled")
        img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64)
        path = folder / f"{name}-{lang}-{orientation}.png"
        img.save(path, optimize=True)
        out.append(path)
    page.set_viewport_size(PORTRAIT)
    return out


def number(text: str) -> float:
    """The first number in `text` ("242 mm" -> 242.0)."""
    m = re.search(r"-?\d+(?:\.\d+)?", text.replace(",", ""))
    assert m, f"no number in {text!r}"
    return float(m.group())


@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """`app` on loopback under werkzeug's threaded WSGI server; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def session_cookie(app, url: str, **values) -> dict:
    """A signed session cookie for `app` holding `values` (a visit the test seeded)."""
    value = app.session_interface.get_signing_serializer(app).dumps(values)
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": url}


# Every pair of text boxes in an SVG that overlap (labels drawn over each other).
OVERLAPS_JS = """
(sel) => {
  const boxes = [...document.querySelectorAll(sel)].map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width && r.height);
  const out = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      const apart = ra.right - 1 <= rb.left || rb.right - 1 <= ra.left ||
                    ra.bottom - 1 <= rb.top || rb.bottom - 1 <= ra.top;
      if (!apart)
        out.push(`${a.textContent} / ${b.textContent}`);
    }
  return out;
}
"""
