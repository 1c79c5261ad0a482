"""Browser benchmark of the shopper flow, and the helpers the browser tests share.

`bench_shopper_flow()` starts the demo under gunicorn on loopback (simulated cameras),
drives Debian's Chromium through welcome → consent → standing → walk → results with
Playwright, and reports what a shopper waits for: the standing capture, the time from
the end of the walk to the results on screen, and how long the treadmill camera took to
get ready. `kiosk bench` can print it; tests never assert on these times.

Needs the `test` extra (playwright) and a system Chromium; no browser is downloaded.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import logging
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.bench.store import fill_benchmark_sessions, start_hq_process
from kiosk.capture.simulated import SimulatedCamera
from kiosk.pipeline import analyze_gait
from kiosk.progress import progress
from kiosk.security import hash_secret
from kiosk.store import Store

log = logging.getLogger(__name__)

CHROMIUM = os.environ.get("KIOSK_CHROMIUM", "/usr/bin/chromium")
# Headless and quiet: no GPU, no network beyond loopback, nothing fetched in the background.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerURL(str):
    """A server's base URL that also knows the server's process id."""

    pid: int

    def __new__(cls, url: str, pid: int) -> ServerURL:
        obj = super().__new__(cls, url)
        obj.pid = pid
        return obj


@contextlib.contextmanager
def demo_server(
    data_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    camera_factory: str | None = None,
    pythonpath: list[str] | None = None,
    start_timeout_s: float = 60.0,
    env_extra: dict[str, str] | None = None,
) -> Iterator[str]:
    """The demo kiosk under gunicorn in a child process; yields its base URL.

    `overrides` are config sections (`{"capture": {"walk_duration_s": 6}}`);
    `camera_factory` is a `module:function` importable with `pythonpath`.
    """
    d = Path(data_dir or tempfile.mkdtemp(prefix="kiosk-browser-"))
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "kiosk.cli",
        "demo",
        "--access-log",
        "--port",
        str(port),
        "--data-dir",
        str(d),
        "--config-json",
        json.dumps(overrides or {}),
    ]
    if camera_factory:
        cmd += ["--camera-factory", camera_factory]
    env = dict(os.environ, **(env_extra or {}))
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*pythonpath, env.get("PYTHONPATH", "")])
    logf = open(d / "server.log", "ab")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the demo server exited ({proc.returncode}); see {d}/server.log"
                )
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the demo server did not answer; see {d}/server.log"
                    ) from None
                time.sleep(0.2)
        yield ServerURL(url, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        logf.close()


def launch_browser(playwright: Any) -> Any:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (scripts/setup.sh)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


class JobWatch:
    """Every capture-job status the page polls, as the page saw them."""

    def __init__(self, page: Any) -> None:
        self.jobs: dict[str, dict] = {}
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        if "/api/v1/shopper/jobs/" not in response.url or response.status != 200:
            return
        with contextlib.suppress(Exception):  # a response the page abandoned mid-way
            body = response.json()
            self.jobs[body["kind"]] = body

    def marks(self, kind: str) -> dict[str, float]:
        return dict(self.jobs.get(kind, {}).get("marks", {}))

    def refresh(self, page: Any, base_url: str) -> None:
        """The jobs' final state (the page stops polling once it moves on)."""
        for kind, body in list(self.jobs.items()):
            r = page.request.get(f"{base_url}/api/v1/shopper/jobs/{body['id']}")
            if r.ok:
                self.jobs[kind] = r.json()


def page_loaded_at(page: Any) -> float:
    """Wall-clock time (s) the current page's DOM was ready."""
    return page.evaluate(
        "() => (performance.timeOrigin + performance.getEntriesByType('navigation')[0]"
        ".domContentLoadedEventEnd) / 1000"
    )


def run_shopper_flow(page: Any, base_url: str, timeout_s: float = 180.0) -> dict[str, float]:
    """Welcome → consent → standing → walk → results in `page`; the timings (s)."""
    watch = JobWatch(page)
    ms = timeout_s * 1000
    page.goto(base_url + "/", wait_until="domcontentloaded")
    page.click("#start")
    page.wait_for_url("**/privacy", wait_until="domcontentloaded")
    t_consent = time.time()
    page.click("#agree")
    page.wait_for_url("**/questions", wait_until="domcontentloaded")
    page.click("#skip")  # the optional questions: a hurried shopper skips them
    page.wait_for_url("**/standing", wait_until="domcontentloaded")
    page.click("#go")
    page.wait_for_url("**/walk", wait_until="domcontentloaded", timeout=ms)
    t_walk_page = page_loaded_at(page)
    # the treadmill camera has been starting since consent; the button waits for it
    page.wait_for_selector("#go:enabled", timeout=ms)
    t_ready = time.time()
    page.click("#go")
    page.wait_for_url("**/results", wait_until="domcontentloaded", timeout=ms)
    t_results = page_loaded_at(page)
    watch.refresh(page, base_url)
    st, wk = watch.marks("standing"), watch.marks("walk")
    return {
        "standing_countdown_s": st["capturing"] - st["countdown"] if "countdown" in st else 0.0,
        "standing_capture_s": st["analysing"] - st["capturing"],
        "standing_analysis_to_walk_screen_s": t_walk_page - st["analysing"],
        "treadmill_ready_after_consent_s": t_ready - t_consent,
        "walk_capture_s": wk["analysing"] - wk["capturing"],
        # after the walk: the analysis catching up, then advice and saving, then the page
        "walk_analysis_tail_s": wk.get("analysed", float("nan")) - wk["analysing"],
        "walk_advice_and_save_s": wk.get("saved", float("nan")) - wk.get("analysed", float("nan")),
        "results_after_walk_end_s": t_results - wk["analysing"],
    }


def bench_shopper_flow(
    runs: int = 2, walk_duration_s: float = 8.0, data_dir: str | Path | None = None
) -> list[dict[str, Any]]:
    """The shopper flow timed in a real browser, `runs` times on one warm server (the
    first run includes the treadmill camera's cold start). Times in seconds."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - a `test` extra

    overrides = {"capture": {"walk_duration_s": walk_duration_s}}
    rows = []
    with demo_server(data_dir, overrides) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            for k in range(runs):
                ctx = browser.new_context(viewport=PORTRAIT)
                try:
                    t = run_shopper_flow(ctx.new_page(), url)
                finally:
                    ctx.close()
                rows.append({"run": k + 1, **{n: round(v, 2) for n, v in t.items()}})
                log.info("shopper flow run %d: %s", k + 1, rows[-1])
        finally:
            browser.close()
    return rows


def bench_walk_stream(seconds: float = 8.0, fps: float = 30.0, seed: int = 7) -> dict[str, float]:
    """How long the gait analysis needs after the last frame of a walk, when the frames
    are fed to it at the camera's rate while the walk goes on (as the web does).

    Near zero when the pipeline streams and keeps up; about the whole analysis time when
    it reads the walk only once it has ended.
    """
    cam = SimulatedCamera(station="gait", seed=seed, fps=fps)
    it = iter(cam.frames())
    frames = [next(it) for _ in range(round(seconds * fps))]
    cam.close()
    q: queue.SimpleQueue = queue.SimpleQueue()
    ended: dict[str, float] = {}

    def feed() -> None:
        t0 = time.monotonic()
        for k, f in enumerate(frames):
            time.sleep(max(0.0, t0 + k / fps - time.monotonic()))
            q.put(f)
        ended["at"] = time.monotonic()
        q.put(None)

    def stream() -> Iterator[Any]:
        while (f := q.get()) is not None:
            yield f

    threading.Thread(target=feed, daemon=True).start()
    t0 = time.monotonic()
    report = analyze_gait(stream(), recommendations=False)
    done = time.monotonic()
    return {
        "frames": len(frames),
        "fps": fps,
        "analysis_ms_per_frame": round(report.timings_ms.get("per_frame", float("nan")), 1),
        "wait_after_walk_s": round(done - ended["at"], 2),
        "total_s": round(done - t0, 2),
    }


class _HttpShopper:
    """A shopper's visit over plain HTTP (cookies and the CSRF token as the page keeps
    them): the flow's requests without a browser, for long memory runs."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""

    def _open(self, path: str, data: dict | None = None, json_body: bool = False) -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
        elif json_body:
            body, headers["Content-Type"] = b"{}", "application/json"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        with self.opener.open(req, timeout=60) as r:
            text = r.read().decode("utf-8", "replace")
            found = re.search(r'name="csrf-token" content="([^"]+)"', text)
            if found:
                self.csrf = found.group(1)
            return json.loads(text) if r.headers.get_content_type() == "application/json" \
                else text

    def _job(self, path: str, timeout_s: float) -> dict:
        job = self._open(path, json_body=True)
        deadline = time.monotonic() + timeout_s
        while job["phase"] not in ("done", "error"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path}: job stuck in {job['phase']}")
            time.sleep(0.25)
            job = self._open(f"/api/v1/shopper/jobs/{job['id']}")
        return job

    def first_visit(self, timeout_s: float = 300.0) -> dict[str, float]:
        """A shopper's visit timed as they see it (s): "Measure my feet" to the walk
        screen, the walk screen to "Start walking" enabled, the walk to results."""
        self._open("/")
        self._open("/start", {})
        self._open("/consent", {"choice": "agree"})
        t_measure = time.monotonic()
        job = self._job("/api/v1/shopper/standing", timeout_s)
        if job["phase"] == "error":
            raise RuntimeError(f"standing capture failed: {job['error']}")
        self._open("/walk")
        t_walk = time.monotonic()
        while self._open("/api/v1/shopper/camera/gait")["state"] != "ok":
            if time.monotonic() - t_walk > timeout_s:
                raise TimeoutError("the treadmill camera never became ready")
            time.sleep(0.25)
        t_ready = time.monotonic()
        job = self._job("/api/v1/shopper/walk", timeout_s)
        self._open("/results")
        t_results = time.monotonic()
        return {"measure_to_walk_screen_s": round(t_walk - t_measure, 1),
                "walk_screen_to_camera_ready_s": round(t_ready - t_walk, 1),
                "walk_to_results_s": round(t_results - t_ready, 1),
                "walk_ended": 1.0 if job["phase"] == "done" else 0.0}

    def visit(self, timeout_s: float = 180.0) -> str:
        """Welcome to results; the phase it ended in ("results" or the error's code)."""
        self._open("/")
        self._open("/start", {})
        self._open("/consent", {"choice": "agree"})
        job = self._job("/api/v1/shopper/standing", timeout_s)
        if job["phase"] == "error":
            return str(job["error"])
        self._open("/walk")
        job = self._job("/api/v1/shopper/walk", timeout_s)
        if job["phase"] == "error":
            return str(job["error"])
        self._open("/results")
        return "results"


def _worker_rss_mb(server_pid: int) -> float:
    """Resident memory of the gunicorn worker(s) under `server_pid` (MB)."""
    total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == server_pid:
            total += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    return total


def bench_visits(visits: int = 100, walk_duration_s: float = 6.0,
                 data_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """`visits` shoppers in a row on one demo server: the web worker's memory after the
    first, and after every tenth, and how each visit ended."""
    overrides = {"capture": {"walk_duration_s": walk_duration_s, "standing_countdown_s": 0}}
    rows: list[dict[str, Any]] = []
    with demo_server(data_dir, overrides) as url:
        pid = url.pid
        ends: dict[str, int] = {}
        t0 = time.monotonic()
        for k in progress(range(1, visits + 1), desc="visits", unit="visit"):
            end = _HttpShopper(url).visit()
            ends[end] = ends.get(end, 0) + 1
            if k == 1 or k % 10 == 0 or k == visits:
                rows.append({"visits": k, "worker_rss_mb": round(_worker_rss_mb(pid), 1),
                             "ended": ", ".join(f"{n} {e}" for e, n in sorted(ends.items())),
                             "elapsed_s": round(time.monotonic() - t0, 1)})
                log.info("visits: %s", rows[-1])
    return rows


def bench_first_visit(cold: bool = True) -> dict[str, Any]:
    """The first shopper after `kiosk demo` starts. `cold`: with no prepared footage (a
    fresh install), so the simulated cameras render while the shopper is served."""
    env = {"XDG_CACHE_HOME": tempfile.mkdtemp(prefix="kiosk-cold-")} if cold else None
    t0 = time.monotonic()
    with demo_server(env_extra=env) as url:
        up = time.monotonic() - t0
        row = _HttpShopper(url).first_visit()
    return {"start": "cold" if cold else "warm", "server_answers_s": round(up, 1), **row}


# Read once the dashboard's charts are drawn: when the browser first painted content, when
# the HTML arrived, and when retail.js had drawn every chart (ms from navigation start).
_PAINT_JS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('charts-drawn')[0];
  return {html_ms: nav.responseEnd, first_paint_ms: fcp ? fcp.startTime : null,
          charts_drawn_ms: drawn ? drawn.startTime : null,
          html_bytes: nav.transferSize};
}
"""


def bench_dashboard_paint(
    db_url: str, n_sessions: int = 1_000_000, repeats: int = 5, workers: int = 2
) -> list[dict[str, Any]]:
    """The retailer dashboard's first paint in Chromium against HQ under gunicorn on
    loopback, over `n_sessions` sessions spread over 2025 (kiosk.bench.store fills them on
    PostgreSQL), for one retailer: a month, the whole year, and one store's year. Each row
    is the median of `repeats` loads on a signed-in, warm page (ms)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - a `test` extra

    store = Store(db_url)
    fill_benchmark_sessions(store, n_sessions)
    password = "bench " + str(time.time_ns())
    user = f"bench-{time.time_ns()}"
    store.add_account(user, "retailer", hash_secret(password), "r1")
    store.close()
    port = free_port()
    proc = start_hq_process(db_url, Path(tempfile.mkdtemp(prefix="kiosk-paint-")), port, workers)
    url = f"http://127.0.0.1:{port}"
    ranges = {
        "one retailer, one month": "from=2025-06-01&to=2025-06-30",
        "one retailer, one year": "from=2025-01-01&to=2025-12-31",
        "one store, one year": "from=2025-01-01&to=2025-12-31&store=s1",
    }
    out = []
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url + "/retail/login", wait_until="load")
            page.fill("#username", user)
            page.fill("#password", password)
            page.click("#signin")
            page.wait_for_url("**/retail/**", wait_until="load")
            for name, query in ranges.items():
                runs = []
                for _ in range(repeats + 1):  # the first load warms caches; not counted
                    page.goto(f"{url}/retail/?{query}", wait_until="load")
                    page.wait_for_selector("body[data-charts]")
                    runs.append(page.evaluate(_PAINT_JS))
                runs = runs[1:]
                row: dict[str, Any] = {"range": name, "sessions": n_sessions}
                for key in ("html_ms", "first_paint_ms", "charts_drawn_ms"):
                    vals = sorted(r[key] for r in runs if r[key] is not None)
                    row[key] = round(vals[len(vals) // 2], 1) if vals else None
                row["html_kb"] = round(runs[-1]["html_bytes"] / 1024, 1)
                out.append(row)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return out
