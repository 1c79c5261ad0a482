// Kiosk screens: idle timeout, capture jobs with progress, the PIN keypad and the
// rearfoot-angle chart. Plain JavaScript, no libraries; every string comes from the page.
"use strict";

function csrf() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}

function strings() {
  const el = document.getElementById("strings");
  return el ? JSON.parse(el.textContent) : {};
}

function fmt(s, kw) {
  return String(s || "").replace(/\{(\w+)\}/g, (_, k) => (k in kw ? kw[k] : ""));
}

// Back to the welcome screen after a quiet spell; any touch restarts the clock.
function setupIdle() {
  const body = document.body;
  const idle = parseFloat(body.dataset.idleS || "0");
  if (!idle || !body.dataset.home) return;
  let timer = null;
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { window.location.href = body.dataset.home; }, idle * 1000);
  };
  ["pointerdown", "keydown", "touchstart"].forEach((ev) =>
    document.addEventListener(ev, reset, { passive: true }));
  window.kioskBusy = (busy) => { if (busy) clearTimeout(timer); else reset(); };
  reset();
}

function setupCapture() {
  const root = document.querySelector("[data-capture]");
  if (!root) return;
  const S = strings();
  const kind = root.dataset.capture;
  const go = document.getElementById("go");
  const bar = document.getElementById("bar");
  const status = document.getElementById("status");
  const countdown = document.getElementById("countdown");
  const guidance = document.getElementById("guidance");
  const down = document.getElementById("camera-down");
  const errBox = document.getElementById("error");
  const errMsg = document.getElementById("error-message");
  const steps = document.getElementById("steps");

  let running = false;
  let ready = null;
  let preparingNow = false;

  // The camera may still be starting (the treadmill's takes a while): show how far it is
  // and keep the start button off until it delivers frames.
  function showPreparing(p) {
    bar.style.width = Math.round(p * 100) + "%";
    status.textContent = fmt(S["walk.preparing"], { p: Math.round(p * 100) });
  }

  async function pollCamera() {
    try {
      const r = await fetch(root.dataset.cameraUrl, { cache: "no-store" });
      if (r.ok) {
        const s = await r.json();
        down.hidden = s.state !== "unavailable";
        if (s.guidance) { guidance.textContent = s.guidance; guidance.hidden = false; }
        else guidance.hidden = true;
        root.dataset.camera = s.state;
        if (kind === "walk" && !running) {
          const nowReady = s.state === "ok";
          go.disabled = !nowReady;
          // waiting for the kiosk is not being idle: the clock restarts once it is ready
          // (an unplugged camera is not "getting ready": the screen may time out then)
          const starting = s.state === "starting" || s.state === "stopped";
          if (window.kioskBusy && starting !== preparingNow) window.kioskBusy(starting);
          preparingNow = starting;
          if (!nowReady && s.state !== "unavailable") showPreparing(s.preparing || 0);
          else if (nowReady && ready !== true) { bar.style.width = "0%"; status.textContent = S["walk.ready"]; }
          ready = nowReady;
        }
      }
    } catch (e) { /* the next poll tries again */ }
  }
  const camTimer = setInterval(pollCamera, 700);
  pollCamera();

  // Asking for the next station's camera state keeps it warming up in the background.
  if (root.dataset.warmUrl) {
    const warm = () => fetch(root.dataset.warmUrl, { cache: "no-store" }).catch(() => {});
    warm();
    setInterval(warm, 3000);
  }

  function show(job) {
    bar.style.width = Math.round(job.progress * 100) + "%";
    countdown.hidden = job.phase !== "countdown";
    if (job.phase === "preparing") {
      showPreparing(job.preparing);
    } else if (job.phase === "heels") {
      status.textContent = S["standing.heels"];
    } else if (job.phase === "countdown") {
      countdown.textContent = job.countdown;
      status.textContent = fmt(S["standing.countdown"], { n: job.countdown });
    } else if (job.phase === "capturing") {
      status.textContent = kind === "walk"
        ? fmt(S["walk.remaining"], { s: Math.ceil(job.remaining_s) })
        : S["standing.capturing"];
    } else if (job.phase === "analysing") {
      status.textContent = kind === "walk" ? S["walk.analysing"] : S["standing.analysing"];
    }
    if (steps && kind === "walk") steps.textContent = fmt(S["walk.steps"], { n: job.steps });
    if (job.camera) down.hidden = job.camera !== "unavailable";
  }

  async function run() {
    running = true;
    go.disabled = true;
    errBox.hidden = true;
    if (window.kioskBusy) window.kioskBusy(true);
    try {
      const r = await fetch(root.dataset.startUrl, {
        method: "POST", headers: { "X-CSRF-Token": csrf() }, cache: "no-store" });
      if (!r.ok) throw new Error("start " + r.status);
      let job = await r.json();
      const url = root.dataset.jobUrl.replace("JOB", job.id);
      while (job.phase !== "done" && job.phase !== "error") {
        await new Promise((res) => setTimeout(res, 200));
        const p = await fetch(url, { cache: "no-store" });
        if (!p.ok) throw new Error("poll " + p.status);
        job = await p.json();
        show(job);
      }
      if (job.phase === "done") {
        status.textContent = S["standing.ok"];
        clearInterval(camTimer);
        window.location.href = root.dataset.next;
        return;
      }
      errMsg.textContent = job.message || S["error.generic"];
      errBox.hidden = false;
      go.textContent = S["error.retry"];
    } catch (e) {
      errMsg.textContent = S["error.generic"];
      errBox.hidden = false;
      go.textContent = S["error.retry"];
    }
    running = false;
    go.disabled = false;
    countdown.hidden = true;
    if (window.kioskBusy) window.kioskBusy(false);
  }
  go.addEventListener("click", run);
}

function setupKeypad() {
  // the keypad types into the PIN field last touched (the PIN change form has three)
  const fields = [...document.querySelectorAll("#pin, .pin-field")];
  if (!fields.length) return;
  let pin = fields[0];
  fields.forEach((f) => f.addEventListener("focus", () => { pin = f; }));
  document.querySelectorAll(".key").forEach((b) => {
    b.addEventListener("click", () => {
      const k = b.dataset.key;
      if (k === "⌫") pin.value = pin.value.slice(0, -1);
      else if (k !== "✓" && pin.value.length < 12) pin.value += k;
    });
  });
}

// Heel angle over the gait cycle (0-100 %), both feet, as inline SVG. Only stance is
// drawn: in swing the heel is in the air and nothing is measured, so no line crosses it.
// Heel strike (0 %) and each foot's toe-off are marked; the normal band of peak eversion
// is shaded. The legend is HTML above the drawing, so it can never cover an axis label.
function drawRearfootChart(host) {
  const dataEl = document.getElementById(host.dataset.src || "rearfoot-data");
  if (!dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  const feet = data.feet || {};
  const sides = (data.order || ["left", "right"]).filter((s) => feet[s]);
  const pre = host.dataset.prefix || "";  // ids stay unique with several charts on a page
  const all = [].concat(...sides.map((s) => feet[s].curve)).filter((v) => v !== null);
  if (!all.length) return;
  const band = data.normal_band_deg;
  // margins: y tick labels and the rotated y title on the left, x ticks and title below,
  // marker labels above the plot: each in its own strip
  const W = 900, H = 410, L = 96, R = 24, T = 44, B = 84;
  let lo = Math.min(0, band[0], ...all), hi = Math.max(band[1], ...all);
  lo = Math.floor(lo / 5) * 5; hi = Math.ceil(hi / 5) * 5 || 5;
  const x = (pct) => L + (pct / 100) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", host.dataset.y + " / " + host.dataset.x);
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
    return el;
  };
  const stanceEnd = Math.max(...sides.map((s) => feet[s].toe_off_pct));
  add("rect", { x: x(stanceEnd), y: T, width: x(100) - x(stanceEnd), height: H - T - B,
                class: "swing", id: pre + "swing-region" });
  add("rect", { x: x(0), y: y(band[1]), width: x(stanceEnd) - x(0),
                height: y(band[0]) - y(band[1]), class: "band", id: pre + "normal-band" });
  for (let v = lo; v <= hi; v += 5) {
    add("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" });
    add("text", { x: L - 12, y: y(v) + 7, "text-anchor": "end", class: "tick" }, v + "°");
  }
  for (let p = 0; p <= 100; p += 25) {
    // the ends align inward, clear of the y labels and of the edge
    const anchor = p === 0 ? "start" : p === 100 ? "end" : "middle";
    add("text", { x: x(p), y: H - B + 32, "text-anchor": anchor, class: "tick" }, p + "%");
  }
  add("text", { x: (L + W - R) / 2, y: H - 12, "text-anchor": "middle", class: "title",
                id: pre + "axis-x" }, host.dataset.x);
  add("text", { x: 0, y: 0, "text-anchor": "middle", class: "title", id: pre + "axis-y",
                transform: `translate(22 ${(T + H - B) / 2}) rotate(-90)` }, host.dataset.y);
  add("line", { x1: x(0), x2: x(0), y1: T, y2: H - B, class: "marker", id: pre + "mark-hs" });
  add("text", { x: x(0), y: T - 12, "text-anchor": "start", class: "mark" }, "▼ " + host.dataset.hs);
  // the two feet's toe-offs sit close together: the earlier one's label goes left of its
  // line, the later one's right; one label where they coincide
  const order = sides.slice().sort((a, b) => feet[a].toe_off_pct - feet[b].toe_off_pct);
  sides.forEach((side) => {
    const f = feet[side];
    const k = order.indexOf(side);
    const label = f.toe_off_measured ? host.dataset.to : host.dataset.toTypical;
    add("line", { x1: x(f.toe_off_pct), x2: x(f.toe_off_pct), y1: T, y2: H - B,
                  class: "marker " + side, id: pre + "mark-to-" + side });
    const same = k > 0 && Math.abs(feet[order[0]].toe_off_pct - f.toe_off_pct) < 0.5;
    if (!same) {
      add("text", { x: x(f.toe_off_pct) + (k ? 6 : -6), y: T - 12,
                    "text-anchor": k ? "start" : "end", class: "mark " + side }, label);
    }
    // one polyline per unbroken run of measured samples: a gap is never bridged
    const n = f.curve.length;
    let run = [];
    let part = 0;
    const flush = () => {
      if (run.length > 1) {
        add("polyline", { points: run.join(" "), class: "curve " + side,
                          id: pre + (part ? `curve-${side}-${part}` : `curve-${side}`) });
        part += 1;
      }
      run = [];
    };
    f.curve.forEach((v, i) => {
      if (v === null) { flush(); return; }
      run.push(`${x((100 * i) / (n - 1)).toFixed(1)},${y(v).toFixed(1)}`);
    });
    flush();
  });
  host.appendChild(svg);
}

document.addEventListener("DOMContentLoaded", () => {
  setupIdle();
  setupCapture();
  setupKeypad();
  document.querySelectorAll(".rearfoot-chart").forEach(drawRearfootChart);
});
