// The retailer dashboard's charts, drawn with the vendored Apache ECharts (static/vendor/)
// from the figures the page carries as JSON (the same the JSON API serves). Every label
// comes from the page in its language; a chart with no data is never drawn (the page shows
// its empty state instead). SVG rendering keeps the charts sharp when printed.
"use strict";

(function () {
  const dataEl = document.getElementById("dashboard-data");
  if (!dataEl || typeof echarts === "undefined") return;
  const D = JSON.parse(dataEl.textContent);
  const S = JSON.parse(document.getElementById("dashboard-strings").textContent);
  const s = (k) => (k in S ? S[k] : k);
  const css = getComputedStyle(document.documentElement);
  const font = getComputedStyle(document.body).fontFamily;
  const accent = css.getPropertyValue("--accent").trim() || "#0b6e4f";
  const palette = [accent, "#c0562b", "#1f5fbf", "#8a6d00", "#7b3f9e", "#2a9d8f",
                   "#b3261e", "#5b6470", "#e07a1f", "#3d7a2a", "#9c4f96", "#4a6fa5"];
  const charts = [];
  const unit = (v) => `${v} ${s("retail.axis.sessions")}`;
  const pct = (x) => `${(x * 100).toFixed(1)} %`;

  function make(id, option) {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({
      animation: false,
      color: palette,
      textStyle: { fontFamily: font, fontSize: 14 },
      tooltip: { trigger: "axis", confine: true, valueFormatter: unit },
    }, option));
    charts.push(chart);
    return chart;
  }

  // category axis, value axis in sessions; names sit outside the tick labels
  const catAxis = (data, name, extra) => Object.assign({
    type: "category", data, name, nameLocation: "middle", nameGap: 38,
    axisLabel: { hideOverlap: true, margin: 14 },
  }, extra || {});
  const valAxis = (extra) => Object.assign({
    type: "value", name: s("retail.axis.sessions"), nameLocation: "middle", nameGap: 52,
    minInterval: 1, axisLabel: { margin: 10 },
  }, extra || {});
  const grid = (extra) => Object.assign({ left: 72, right: 24, top: 48, bottom: 60 }, extra || {});
  const legend = { type: "scroll", top: 0, left: 0, right: 0 };

  // sessions over time
  make("chart-time", {
    grid: grid({ top: 24 }),
    xAxis: catAxis(D.over_time.map((r) => r.period), s("retail.axis.period")),
    yAxis: valAxis(),
    series: [{ type: "bar", name: s("retail.sessions"), data: D.over_time.map((r) => r.sessions) }],
  });

  // hour of day x weekday
  const wd = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => s("retail.wd." + d));
  const heatMax = Math.max(1, ...D.hour_weekday.map((c) => c.sessions));
  make("chart-heat", {
    tooltip: {
      trigger: "item", confine: true,
      formatter: (p) => `${wd[p.value[1]]} ${String(p.value[0]).padStart(2, "0")}:00 · ${unit(p.value[2])}`,
    },
    grid: grid({ top: 8, bottom: 100 }),
    xAxis: catAxis([...Array(24).keys()].map((h) => String(h).padStart(2, "0")),
                   s("retail.axis.hour"), { splitArea: { show: true } }),
    yAxis: { type: "category", data: wd, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: heatMax, calculable: false, orient: "horizontal", left: "center",
                 bottom: 0, itemHeight: 200, inRange: { color: ["#f2f7f4", accent] },
                 text: [String(heatMax), "0"] },
    series: [{ type: "heatmap", name: s("retail.sessions"),
               data: D.hour_weekday.map((c) => [c.hour, c.weekday, c.sessions]) }],
  });

  // funnel with drop-off per step
  make("chart-funnel", {
    tooltip: {
      trigger: "item", confine: true,
      formatter: (p) => {
        const r = D.funnel[p.dataIndex];
        let t = `${p.name}: ${unit(r.sessions)} (${pct(r.share_of_started)} ${s("retail.share_of_started")})`;
        if (r.drop_off !== null) t += `<br>${s("retail.drop_off")} −${r.drop_off} (${pct(r.drop_off_share)})`;
        return t;
      },
    },
    series: [{
      type: "funnel", sort: "none", left: "5%", width: "60%", top: 8, bottom: 8, gap: 2,
      minSize: "8%", label: { position: "right", formatter: (p) => {
        const r = D.funnel[p.dataIndex];
        return r.drop_off === null ? `${p.name} ${r.sessions}`
          : `${p.name} ${r.sessions}  −${pct(r.drop_off_share)}`;
      } },
      data: D.funnel.map((r) => ({ name: s("retail.stage." + r.stage), value: r.sessions })),
    }],
  });

  // stores side by side
  const stages = ["started", "walk", "results", "qr"];
  make("chart-stores", {
    legend,
    grid: grid(),
    xAxis: catAxis(D.stores.map((r) => r.name), s("retail.store")),
    yAxis: valAxis(),
    series: stages.map((st) => ({
      type: "bar", name: s("retail.stage." + st), data: D.stores.map((r) => r[st]),
    })),
  });

  // size curve: EU sizes across, stacked by sex and width
  const sizes = [...new Set(D.stock.map((r) => r.size_eu))].sort((a, b) => a - b);
  const stacks = [...new Set(D.stock.map((r) => `${r.sex}|${r.width}`))].sort();
  const cell = new Map(D.stock.map((r) => [`${r.sex}|${r.width}|${r.size_eu}`, r.sessions]));
  // one legend entry per sex and width (often more than a line holds): a wrapping legend
  // with room for its lines, never a scrolling one whose page counter covers an entry
  make("chart-sizes", {
    legend: { type: "plain", top: 0, left: 0, right: 0 },
    grid: grid({ top: 32 + 22 * Math.ceil(stacks.length / 5) }),
    xAxis: catAxis(sizes.map(String), s("retail.axis.size_eu")),
    yAxis: valAxis(),
    series: stacks.map((k) => {
      const [sex, width] = k.split("|");
      return { type: "bar", stack: "size", name: `${s("retail.sex." + sex)} · ${width}`,
               data: sizes.map((z) => cell.get(`${k}|${z}`) || 0) };
    }),
  });

  // arch types and rolling classes: two bar groups, each bar labelled with its share
  const mixPart = (rows, i, order) => {
    const total = rows.reduce((a, r) => a + r.sessions, 0) || 1;
    const by = new Map(rows.map((r) => [r.class, r.sessions]));
    const keys = order.filter((k) => by.has(k));
    return {
      y: { type: "category", gridIndex: i, inverse: true, data: keys.map((k) => s("class." + k)) },
      x: { type: "value", gridIndex: i, minInterval: 1, name: i ? s("retail.axis.sessions") : "",
           nameLocation: "middle", nameGap: 28, axisLabel: { show: i === 1 } },
      series: { type: "bar", xAxisIndex: i, yAxisIndex: i, name: i ? s("retail.rolling_mix") : s("retail.arch_mix"),
                itemStyle: { color: palette[i ? 2 : 0] },
                label: { show: true, position: "right", formatter: (p) => `${p.value} (${pct(p.value / total)})` },
                data: keys.map((k) => by.get(k)) },
    };
  };
  const arch = mixPart(D.mix.arch, 0, ["low", "normal", "high"]);
  const roll = mixPart(D.mix.rolling, 1, ["underpronation", "neutral", "overpronation"]);
  make("chart-mix", {
    tooltip: { trigger: "item", confine: true, valueFormatter: unit },
    title: [{ text: s("retail.arch_mix"), left: 0, top: 0, textStyle: { fontSize: 15 } },
            { text: s("retail.rolling_mix"), left: 0, top: "50%", textStyle: { fontSize: 15 } }],
    grid: [{ left: 8, right: 110, top: 28, height: "32%", containLabel: true },
           { left: 8, right: 110, top: "62%", bottom: 40, containLabel: true }],
    yAxis: [arch.y, roll.y],
    xAxis: [arch.x, roll.x],
    series: [arch.series, roll.series],
  });

  // recommended products, in stock and out of stock
  const recs = D.recommendations.slice(0, 15).reverse();
  make("chart-recs", {
    legend,
    grid: grid({ left: 8, containLabel: true, bottom: 48 }),
    yAxis: { type: "category", data: recs.map((r) => r.name), axisLabel: { width: 180, overflow: "truncate" } },
    xAxis: valAxis({ nameGap: 30 }),
    series: [
      { type: "bar", stack: "r", name: s("retail.in_stock"), data: recs.map((r) => r.recommended - r.out_of_stock) },
      { type: "bar", stack: "r", name: s("retail.out_of_stock"), data: recs.map((r) => r.out_of_stock), color: "#b3261e" },
    ],
  });

  // out of stock by the shopper's size
  const oosSizes = [...new Set(D.out_of_stock_by_size.map((r) => r.size_eu))].sort((a, b) => a - b);
  const kinds = [...new Set(D.out_of_stock_by_size.map((r) => r.kind))].sort();
  const oos = new Map(D.out_of_stock_by_size.map((r) => [`${r.kind}|${r.size_eu}`, r.sessions]));
  make("chart-oos", {
    legend,
    grid: grid(),
    xAxis: catAxis(oosSizes.map(String), s("retail.axis.size_eu")),
    yAxis: valAxis(),
    series: kinds.map((k) => ({
      type: "bar", stack: "oos", name: s("kind." + k), data: oosSizes.map((z) => oos.get(`${k}|${z}`) || 0),
    })),
  });

  // before/after walks per product: did the walk in it change the rolling class?
  const tried = D.tries.slice(0, 15).reverse();
  const outcomes = [["changed", accent], ["same", "#8a8f98"], ["unknown", "#d0d3d8"]];
  make("chart-tries", {
    legend,
    grid: grid({ left: 8, containLabel: true, bottom: 48 }),
    yAxis: { type: "category", data: tried.map((r) => r.name), axisLabel: { width: 180, overflow: "truncate" } },
    xAxis: valAxis({ name: s("retail.axis.tries"), nameGap: 30 }),
    tooltip: { trigger: "axis", confine: true },
    series: outcomes.map(([o, color]) => ({
      type: "bar", stack: "t", name: s("retail.try." + o), color, data: tried.map((r) => r[o]),
    })),
  });

  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  const printBtn = document.getElementById("print");
  if (printBtn) printBtn.addEventListener("click", () => window.print());
  document.body.dataset.charts = String(charts.length);  // how many were drawn (tests read it)
  if (window.performance && performance.mark) performance.mark("charts-drawn");  // kiosk bench
})();
