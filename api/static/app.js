/*
 * Touchpath dashboard: talks to the /v1 API of the server that served it and
 * draws every chart as hand-written SVG. No third-party code, no requests to
 * any other origin. The API key lives in sessionStorage only.
 */
"use strict";

(() => {
  // ------------------------------------------------------------------ helpers
  const KEY_STORE = "touchpath.apiKey";
  // XML namespace name of SVG elements (an identifier; nothing is fetched from it).
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2f6db5", "#e08a1e", "#2e9e6a", "#c8463d", "#7b5fb8", "#8a6b3f",
    "#d36aa8", "#6b7280", "#a8a528", "#1fa3b5", "#4b3f8a", "#b5562f"];
  // Models offered for ROI, lifecycle and plans (additive ones); the service's default model
  // is offered too. Which one is selected, and every other first value of the forms, comes
  // from GET /v1/defaults (the service's defaults), never from this file.
  const ROI_MODELS = ["markov1", "markov2", "markov3", "first_touch", "last_touch",
    "last_non_direct", "linear", "position", "shapley"];

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  const state = {
    key: sessionStorage.getItem(KEY_STORE) || "",
    defaults: null,
    health: null,
    roi: null,
    roiSort: { key: "period", dir: 1 },
    plan: null,
  };

  const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const nf3 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const dash = "—";
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const fmt = {
    int: (v) => (isNum(v) ? nf0.format(v) : dash),
    num1: (v) => (isNum(v) ? nf1.format(v) : dash),
    money: (v) => (isNum(v) ? nf2.format(v) : dash),
    ratio: (v) => (isNum(v) ? nf2.format(v) : dash),
    ratio3: (v) => (isNum(v) ? nf3.format(v) : dash),
    pct: (v) => (isNum(v) ? `${nf1.format(v * 100)}%` : dash),
    signedPct: (v) => (isNum(v) ? `${v > 0 ? "+" : ""}${nf1.format(v * 100)}%` : dash),
    // An ISO 8601 instant as "YYYY-MM-DD HH:MM UTC".
    utcMinute: (iso) => {
      const t = new Date(iso);
      return Number.isNaN(t.getTime()) ? dash : `${t.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    },
    compact: (v) => {
      if (!isNum(v)) return dash;
      const a = Math.abs(v);
      if (a >= 1e9) return `${nf1.format(v / 1e9)}B`;
      if (a >= 1e6) return `${nf1.format(v / 1e6)}M`;
      if (a >= 1e4) return `${nf0.format(v / 1e3)}k`;
      if (a >= 1e3) return `${nf1.format(v / 1e3)}k`;
      if (a >= 10 || v === 0) return nf0.format(v);
      return nf2.format(v);
    },
  };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined) continue;
      node.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const tip = (text) => svg("title", {}, text);

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", body, raw = false } = {}) {
    const headers = { Accept: raw ? "text/csv" : "application/json" };
    if (state.key) headers["X-API-Key"] = state.key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      let detail = `${res.status} ${res.statusText}`;
      try {
        const problem = await res.json();
        detail = problem.detail || detail;
        if (Array.isArray(problem.errors) && problem.errors.length) {
          detail += `: ${problem.errors.map((e) => `${e.loc.join(".")} ${e.msg}`).join("; ")}`;
        }
      } catch (_) {
        // not a problem document; keep the status line
      }
      throw new ApiError(res.status, detail);
    }
    return raw ? res : res.json();
  }

  function setStatus(section, text, kind = "") {
    const box = $(`#${section} .status`);
    if (!box) return;
    box.textContent = text || "";
    box.className = `status ${kind}`.trim();
  }

  function sectionState(section, value) {
    $(`#${section}`).dataset.state = value;
  }

  function fail(section, err) {
    const msg = err instanceof ApiError && err.status === 401
      ? "The API key is missing or not valid: enter a key above."
      : `Could not load: ${err.message}`;
    setStatus(section, msg, "error");
    sectionState(section, "error");
  }

  // ------------------------------------------------------------ chart scales
  function niceTicks(lo, hi, count = 5) {
    if (!(hi > lo)) hi = lo + 1;
    const raw = (hi - lo) / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    const first = Math.floor(lo / step + 1e-9);
    const last = Math.ceil(hi / step - 1e-9);
    for (let i = first; i <= last; i += 1) ticks.push(i === 0 ? 0 : i * step);
    return ticks;
  }

  function chartBox(container, height) {
    const width = Math.max(320, Math.floor(container.clientWidth || 720));
    return { width, height };
  }

  function yAxis(root, ticks, y, left, right, format) {
    const g = svg("g", { class: "axis y-axis" });
    for (const t of ticks) {
      g.append(svg("line", { x1: left, x2: right, y1: y(t), y2: y(t), class: t === 0 ? "zero" : "grid" }));
      g.append(svg("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end" }, format(t)));
    }
    root.append(g);
  }

  /** Axis titles (with their unit): y rotated along the left edge, x under the plot area. */
  function axisTitles(root, { yTitle, xTitle, width, height, m }) {
    if (yTitle) {
      const cy = m.t + (height - m.t - m.b) / 2;
      root.append(svg("text", { x: 12, y: cy, "text-anchor": "middle", class: "axis-title y-title",
        transform: `rotate(-90 12 ${cy})` }, yTitle));
    }
    if (xTitle) {
      root.append(svg("text", { x: m.l + (width - m.l - m.r) / 2, y: height - 6, "text-anchor": "middle",
        class: "axis-title x-title" }, xTitle));
    }
  }

  /** A money axis title with the currency of GET /v1/defaults ("budget" → "budget (CNY)"). */
  function moneyTitle(text) {
    const cur = state.defaults?.currency;
    return cur ? `${text} (${cur})` : text;
  }

  function legend(items, onToggle) {
    return el("div", { class: "legend" }, items.map((it) => {
      const swatch = el("span", { class: `swatch${it.dash ? " dashed" : ""}`, "data-color": it.color });
      if (!onToggle) return el("span", { class: "legend-item" }, swatch, it.name);
      return el("button", { type: "button", class: `legend-item toggle${it.hidden ? " off" : ""}`,
        "aria-pressed": it.hidden ? "false" : "true", title: it.hidden ? "show" : "hide",
        onclick: () => onToggle(it.name) }, swatch, it.name);
    }));
  }

  function paintSwatches(root) {
    for (const sw of $$(".swatch", root)) sw.style.setProperty("--c", sw.dataset.color);
  }

  /** Grouped vertical bars: one group per category, one bar per series, optional CI whiskers. */
  function groupedBars(container, { categories, series, format, label, yTitle }) {
    container.replaceChildren();
    const { width, height } = chartBox(container, 340);
    const m = { l: 72, r: 12, t: 14, b: 62 };
    let hi = 0;
    let lo = 0;
    for (const s of series) {
      s.values.forEach((v, i) => {
        const top = isNum(s.hi?.[i]) ? Math.max(v ?? 0, s.hi[i]) : v;
        if (isNum(top)) hi = Math.max(hi, top);
        if (isNum(v)) lo = Math.min(lo, v);
      });
    }
    const ticks = niceTicks(lo, hi * 1.05);
    const y0 = ticks[0];
    const y1 = ticks[ticks.length - 1];
    const y = (v) => m.t + (height - m.t - m.b) * (1 - (v - y0) / (y1 - y0));
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": label });
    yAxis(root, ticks, y, m.l, width - m.r, format);
    axisTitles(root, { yTitle, width, height, m });
    const band = (width - m.l - m.r) / Math.max(1, categories.length);
    const inner = band * 0.8;
    const bw = inner / Math.max(1, series.length);
    categories.forEach((cat, ci) => {
      const gx = m.l + ci * band + (band - inner) / 2;
      const g = svg("g", { class: "bar-group", "data-channel": cat });
      series.forEach((s, si) => {
        const v = s.values[ci];
        if (!isNum(v)) return;
        const x = gx + si * bw;
        const top = y(Math.max(v, 0));
        const h = Math.max(0.5, Math.abs(y(v) - y(0)));
        const ciText = isNum(s.lo?.[ci]) && isNum(s.hi?.[ci])
          ? ` [${format(s.lo[ci])}, ${format(s.hi[ci])}]` : "";
        g.append(svg("rect", { x: x + 0.5, y: v >= 0 ? top : y(0), width: Math.max(1, bw - 1),
          height: h, fill: s.color, class: "bar", "data-model": s.name },
        tip(`${cat} · ${s.name}: ${format(v)}${ciText}`)));
        if (isNum(s.lo?.[ci]) && isNum(s.hi?.[ci])) {
          const cx = x + bw / 2;
          const cap = Math.min(5, bw / 3);
          g.append(svg("path", { class: "whisker",
            d: `M${cx},${y(s.lo[ci])}V${y(s.hi[ci])}M${cx - cap},${y(s.lo[ci])}H${cx + cap}`
              + `M${cx - cap},${y(s.hi[ci])}H${cx + cap}` }));
        }
      });
      const lx = m.l + ci * band + band / 2;
      const ly = height - m.b + 14;
      g.append(svg("text", { x: lx, y: ly, class: "x-label", "text-anchor": categories.length > 8 ? "end" : "middle",
        transform: categories.length > 8 ? `rotate(-35 ${lx} ${ly})` : null }, cat));
      root.append(g);
    });
    container.append(legend(series.map((s) => ({ name: s.name, color: s.color }))), root);
    paintSwatches(container);
  }

  /**
   * Line chart. `x` are category labels (evenly spaced) unless `xs` gives numeric positions.
   * Series values may be null: the line breaks there.
   */
  function lineChart(container, { x, xs, series: allSeries, format, xFormat, label, height = 300, onToggle,
    yTitle, xTitle, marks = [], showLegend = true }) {
    const series = allSeries.filter((s) => !s.hidden);
    container.replaceChildren();
    const { width } = chartBox(container, height);
    const m = { l: 72, r: 16, t: 14, b: xTitle ? 58 : 44 };
    const vals = series.flatMap((s) => [...s.values, ...(s.lo || []), ...(s.hi || [])].filter(isNum));
    const lo = Math.min(0, ...vals);
    const hi = vals.length ? Math.max(...vals) : 1;
    const ticks = niceTicks(lo, hi * 1.05);
    const y0 = ticks[0];
    const y1 = ticks[ticks.length - 1];
    const y = (v) => m.t + (height - m.t - m.b) * (1 - (v - y0) / (y1 - y0));
    const n = x.length;
    let px;
    if (xs) {
      const a = Math.min(...xs);
      const b = Math.max(...xs);
      px = (i) => m.l + 10 + (width - m.l - m.r - 20) * (b > a ? (xs[i] - a) / (b - a) : 0.5);
    } else {
      px = (i) => m.l + 10 + (width - m.l - m.r - 20) * (n > 1 ? i / (n - 1) : 0.5);
    }
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": label });
    yAxis(root, ticks, y, m.l, width - m.r, format);
    axisTitles(root, { yTitle, xTitle, width, height, m });
    const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((width - m.l) / 64))));
    const xa = svg("g", { class: "axis x-axis" });
    for (let i = 0; i < n; i += 1) {
      if (i % every !== 0 && i !== n - 1) continue;
      xa.append(svg("text", { x: px(i), y: height - m.b + 16, "text-anchor": "middle" },
        xFormat ? xFormat(x[i]) : x[i]));
    }
    root.append(xa);
    for (const s of series) {
      let d = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (!isNum(v)) { pen = false; return; }
        d += `${pen ? "L" : "M"}${px(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      const g = svg("g", { class: "series", "data-series": s.name });
      g.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": s.width || 2,
        "stroke-dasharray": s.dash || null, class: "line" }));
      // optional whiskers: s.lo[i] – s.hi[i] at each point (e.g. a verdict's bounds)
      const band = (i) => (s.lo && s.hi && isNum(s.lo[i]) && isNum(s.hi[i]) ? [s.lo[i], s.hi[i]] : null);
      s.values.forEach((v, i) => {
        const b = band(i);
        if (!b) return;
        const cx = px(i);
        g.append(svg("path", { class: "whisker", stroke: s.color, fill: "none",
          d: `M${cx.toFixed(1)},${y(b[0]).toFixed(1)}V${y(b[1]).toFixed(1)}` +
             `M${(cx - 4).toFixed(1)},${y(b[0]).toFixed(1)}H${(cx + 4).toFixed(1)}` +
             `M${(cx - 4).toFixed(1)},${y(b[1]).toFixed(1)}H${(cx + 4).toFixed(1)}` }));
      });
      if (s.markers !== false) {
        s.values.forEach((v, i) => {
          if (!isNum(v)) return;
          const b = band(i);
          const range = b ? ` [${format(b[0])} – ${format(b[1])}]` : "";
          g.append(svg("circle", { cx: px(i), cy: y(v), r: s.dash ? 2 : 3, fill: s.color },
            tip(`${s.name} · ${xFormat ? xFormat(x[i]) : x[i]}: ${format(v)}${range}`)));
        });
      }
      root.append(g);
    }
    for (const [i, text] of marks) {  // ringed, labelled points of the first series
      const v = series[0]?.values[i];
      if (!isNum(v)) continue;
      const right = px(i) > width / 2;
      root.append(svg("g", { class: "mark" },
        svg("circle", { cx: px(i), cy: y(v), r: 6, fill: "none", class: "mark-ring" }),
        svg("text", { x: px(i) + (right ? -8 : 8), y: y(v) - 8, "text-anchor": right ? "end" : "start",
          class: "mark-label" }, text)));
    }
    if (showLegend) {
      container.append(legend(allSeries.map((s) => ({ name: s.name, color: s.color, dash: !!s.dash,
        hidden: !!s.hidden })), onToggle));
    }
    container.append(root);
    paintSwatches(container);
  }

  /** Horizontal bars (budget split) with an optional marker for the previous value. */
  function splitBars(container, rows, { format, label, xTitle }) {
    container.replaceChildren();
    const rowH = 30;
    const m = { l: 130, r: 120, t: 8, b: xTitle ? 42 : 26 };
    const height = m.t + m.b + rowH * rows.length;
    const { width } = chartBox(container, height);
    const hi = Math.max(1, ...rows.map((r) => Math.max(r.value || 0, r.previous || 0)));
    const ticks = niceTicks(0, hi);
    const top = ticks[ticks.length - 1];
    const x = (v) => m.l + (width - m.l - m.r) * (v / top);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": label });
    const axis = svg("g", { class: "axis x-axis" });
    for (const t of ticks) {
      axis.append(svg("line", { x1: x(t), x2: x(t), y1: m.t, y2: height - m.b, class: t === 0 ? "zero" : "grid" }));
      axis.append(svg("text", { x: x(t), y: height - m.b + 18, "text-anchor": "middle" }, fmt.compact(t)));
    }
    root.append(axis);
    axisTitles(root, { xTitle, width, height, m });
    rows.forEach((r, i) => {
      const yy = m.t + i * rowH;
      const g = svg("g", { class: "split-bar", "data-channel": r.label, "data-spend": r.value });
      g.append(svg("text", { x: m.l - 8, y: yy + rowH / 2 + 4, "text-anchor": "end", class: "y-label" }, r.label));
      g.append(svg("rect", { x: x(0), y: yy + 5, width: Math.max(0, x(r.value) - x(0)), height: rowH - 10,
        fill: r.color, rx: 2 }, tip(`${r.label}: ${format(r.value)}${isNum(r.previous) ? ` (last quarter ${format(r.previous)})` : ""}`)));
      if (isNum(r.previous)) {
        g.append(svg("path", { d: `M${x(r.previous)},${yy + 2}V${yy + rowH - 2}`, class: "prev-marker" },
          tip(`${r.label} last quarter: ${format(r.previous)}`)));
      }
      g.append(svg("text", { x: x(r.value) + 6, y: yy + rowH / 2 + 4, class: "value-label" }, format(r.value)));
      root.append(g);
    });
    container.append(legend([{ name: "planned spend", color: PALETTE[0] },
      { name: "last quarter", color: "#111827", dash: true }]), root);
    paintSwatches(container);
  }

  /** A funnel: one centred bar per stage, width ∝ conversions, each step's rate between. */
  function funnelChart(container, stages, { label }) {
    container.replaceChildren();
    const barH = 34;
    const gap = 26;
    const m = { l: 120, r: 90, t: 8, b: 8 };
    const height = m.t + m.b + barH * stages.length + gap * Math.max(0, stages.length - 1);
    const { width } = chartBox(container, height);
    const top = Math.max(1, ...stages.map((s) => s.conversions || 0));
    const span = width - m.l - m.r;
    const mid = m.l + span / 2;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": label });
    stages.forEach((s, i) => {
      const yy = m.t + i * (barH + gap);
      const w = Math.max(2, span * ((s.conversions || 0) / top));
      const g = svg("g", { class: "funnel-stage", "data-stage": s.stage, "data-conversions": s.conversions });
      g.append(svg("text", { x: m.l - 8, y: yy + barH / 2 + 4, "text-anchor": "end", class: "y-label" }, s.stage));
      g.append(svg("rect", { x: mid - w / 2, y: yy, width: w, height: barH, rx: 3,
        fill: PALETTE[i % PALETTE.length] }, tip(`${s.stage}: ${fmt.int(s.conversions)} conversions`)));
      g.append(svg("text", { x: width - m.r + 8, y: yy + barH / 2 + 4, class: "value-label" }, fmt.int(s.conversions)));
      root.append(g);
      if (i + 1 < stages.length) {
        const rate = stages[i + 1].rate;
        const text = isNum(rate) ? `↓ ${fmt.pct(rate)} go on · ${fmt.pct(1 - rate)} drop off`
          : "no rate (no conversions at this stage)";
        root.append(svg("text", { x: mid, y: yy + barH + gap / 2 + 5, "text-anchor": "middle",
          class: "funnel-step" }, text));
      }
    });
    container.append(root);
  }

  // ---------------------------------------------------------------- tables
  function table(columns, rows, { sort, onSort, footer, id } = {}) {
    const thead = el("thead", {}, el("tr", {}, columns.map((c) => {
      const active = sort && sort.key === c.key;
      const th = el("th", {
        class: `${c.num ? "num" : ""}${onSort ? " sortable" : ""}`,
        scope: "col",
        "aria-sort": active ? (sort.dir > 0 ? "ascending" : "descending") : (onSort ? "none" : null),
        "data-key": c.key,
      }, c.label, active ? el("span", { class: "arrow", text: sort.dir > 0 ? " ▲" : " ▼" }) : null);
      if (onSort) {
        th.tabIndex = 0;
        th.addEventListener("click", () => onSort(c.key));
        th.addEventListener("keydown", (e) => { if (e.key === "Enter") onSort(c.key); });
      }
      return th;
    })));
    const tbody = el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) => {
      const v = r[c.key];
      return el("td", { class: c.num ? "num" : (c.cls ? c.cls(v, r) : null) }, c.fmt ? c.fmt(v, r) : (v ?? dash));
    }))));
    const t = el("table", { class: "data-table", id }, thead, tbody);
    if (footer) t.append(el("tfoot", {}, el("tr", {}, columns.map((c) => el("td", { class: c.num ? "num" : null }, footer[c.key] ?? "")))));
    return t;
  }

  function sortRows(rows, { key, dir }) {
    return [...rows].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir;
    });
  }

  // --------------------------------------------------------------- query state
  function journeyParams() {
    const p = new URLSearchParams();
    const f = $("#journey-form");
    if (f.lookback_days.value) p.set("lookback_days", f.lookback_days.value);
    if (f.collapse_repeats.checked) p.set("collapse_repeats", "true");
    p.set("censor", f.censor.checked ? "true" : "false");
    p.set("interaction", f.interaction.value);
    if (f.kind.value.trim()) p.set("kind", f.kind.value.trim());
    if (f.max_path_length.value) p.set("max_path_length", f.max_path_length.value);
    if (f.from.value) p.set("from", f.from.value);
    if (f.to.value) p.set("to", f.to.value);
    if (f.stitch) p.set("stitch", f.stitch.checked ? "true" : "false");  // identities.js
    return p;
  }

  const period = () => $("#global-period").value;
  const model = () => $("#global-model").value;

  // ------------------------------------------------------------------- data
  async function loadHealth() {
    try {
      const h = await api("/v1/health");
      state.health = h;
      const tiles = [
        ["Touchpoints", fmt.int(h.counts.touchpoints)],
        ["Conversions", fmt.int(h.counts.conversions)],
        ["Spend rows", fmt.int(h.counts.spend)],
        ["Channels", fmt.int(h.counts.channels)],
        ["Date range", h.first_day ? `${h.first_day} → ${h.last_day}` : "no data"],
        ["Data version", String(h.data_version)],
        ["Last ingest", h.last_ingest_at ? fmt.utcMinute(h.last_ingest_at) : dash],
      ];
      $("#data-tiles").replaceChildren(...tiles.map(([k, v]) => el("div", { class: k === "Date range" || k === "Last ingest" ? "tile wide" : "tile" },
        el("div", { class: "tile-label", text: k }), el("div", { class: "tile-value", text: v }))));
      $("#data-version-pill").textContent = `data v${h.data_version} · Touchpath ${h.version}`;
      setStatus("data", "");
      return h;
    } catch (err) {
      fail("data", err);
      return null;
    }
  }

  async function loadPaths() {
    sectionState("data", "loading");
    try {
      const p = await api(`/v1/paths?${journeyParams()}&limit=8`);
      const t = p.totals;
      const opts = p.options;
      const c = p.censoring;
      $("#journey-summary").replaceChildren(
        el("p", {}, `Journeys: ${fmt.int(t.journeys)} · converting: ${fmt.int(t.path_conversions)}`
          + ` · non-converting: ${fmt.int(t.nulls)} · direct conversions (no touch in window):`
          + ` ${fmt.int(t.direct_conversions)} · revenue on paths: ${fmt.money(t.path_value)}`),
        el("p", { class: "muted" }, `Journey options: lookback ${opts.lookback_days} days, `
          + `${opts.collapse_repeats ? "repeats collapsed" : "repeats kept"}, ${opts.interaction} interactions, `
          + `${opts.max_path_length ? `last ${opts.max_path_length} touches` : "full paths"}, `
          + `${opts.censor ? "open journeys censored" : "no censoring"}`
          + `${opts.start || opts.end ? `, conversions ${opts.start || "…"} to ${opts.end || "…"}` : ""}.`),
        el("p", { id: "censoring" }, c.censor
          ? `Censored (still open at the end of the data, left out): ${fmt.int(c.censored_journeys)}`
            + ` non-converting journeys · kept as non-converting: ${fmt.int(c.non_converting_journeys)}`
          : `Censoring off: all ${fmt.int(c.non_converting_journeys)} non-converting journeys count`
            + ` as non-converting (${fmt.int(c.open_journeys)} of them still open)`),
        ...(p.warnings || []).map((w) => el("p", { class: "warn censoring-warning" }, `⚠ ${w}`)),
        table([
          { key: "path", label: "Most frequent paths" },
          { key: "conversions", label: "Conversions", num: true, fmt: fmt.int },
          { key: "nulls", label: "Non-converting", num: true, fmt: fmt.int },
          { key: "value", label: "Revenue", num: true, fmt: fmt.money },
        ], p.paths),
      );
      sectionState("data", "ready");
    } catch (err) {
      fail("data", err);
    }
  }

  // ------------------------------------------------------------ attribution
  function selectedModels() {
    return $$("#attr-models input:checked").map((i) => i.value);
  }

  async function loadAttribution() {
    const models = selectedModels();
    if (!models.length) {
      setStatus("attribution", "Pick at least one model.", "error");
      return;
    }
    const metric = $("#attr-metric").value;
    const ci = $("#attr-ci").value || "0";
    setStatus("attribution", "Computing…");
    sectionState("attribution", "loading");
    try {
      const q = journeyParams();
      q.set("models", models.join(","));
      q.set("ci", ci);
      const r = await api(`/v1/attribution/compare?${q}`);
      // Column names: the API labels each model with its spec as asked for ("markov2").
      const short = new Map(r.models.map((lab) => [lab, lab]));
      const channels = [...new Set(r.rows.filter((x) => x.channel !== "(direct)").map((x) => x.channel))];
      const byModel = new Map(r.models.map((mdl) => [mdl, new Map()]));
      for (const row of r.rows) byModel.get(row.model)?.set(row.channel, row);
      const lohi = { share: null, conversions: ["conversions_lo", "conversions_hi"], value: ["value_lo", "value_hi"] }[metric];
      const total = (mdl, key) => r.rows.filter((x) => x.model === mdl && x.channel !== "(direct)")
        .reduce((s, x) => s + (x[key] || 0), 0);
      const series = r.models.map((mdl, i) => {
        const rows = channels.map((c) => byModel.get(mdl).get(c));
        let values = rows.map((x) => (x ? x[metric] : null));
        let lo = lohi ? rows.map((x) => (x ? x[lohi[0]] : null)) : null;
        let hi = lohi ? rows.map((x) => (x ? x[lohi[1]] : null)) : null;
        if (metric === "share") {
          const tc = total(mdl, "conversions");
          lo = rows.map((x) => (x && isNum(x.conversions_lo) && tc > 0 ? x.conversions_lo / tc : null));
          hi = rows.map((x) => (x && isNum(x.conversions_hi) && tc > 0 ? x.conversions_hi / tc : null));
          values = values.map((v) => (isNum(v) ? v : null));
        }
        return { name: short.get(mdl), color: PALETTE[i % PALETTE.length], values, lo, hi };
      });
      const f = metric === "share" ? fmt.pct : metric === "value" ? fmt.compact : fmt.num1;
      groupedBars($("#attr-chart"), { categories: channels, series, format: f,
        label: `Attributed ${metric} per channel and model`,
        yTitle: metric === "share" ? "share of conversions (%)" : metric === "value"
          ? moneyTitle("attributed revenue") : "attributed conversions" });
      const cellFmt = metric === "share" ? fmt.pct : metric === "value" ? fmt.money : fmt.num1;
      const rows = channels.map((c) => {
        const o = { channel: c };
        for (const mdl of r.models) o[mdl] = byModel.get(mdl).get(c)?.[metric] ?? null;
        return o;
      });
      const direct = r.rows.find((x) => x.channel === "(direct)");
      $("#attr-table").replaceChildren(table(
        [{ key: "channel", label: "Channel" }, ...r.models.map((mdl) => ({ key: mdl, label: short.get(mdl), num: true, fmt: cellFmt }))],
        rows, { id: "attr-table-el" },
      ), direct ? el("p", { class: "muted" }, `(direct) baseline, reported apart: ${fmt.num1(direct.conversions)} conversions, ${fmt.money(direct.value)} revenue.`) : "");
      $("#attr-agreement").replaceChildren(
        el("h3", { text: "Rank agreement of channel shares (Spearman ρ; Kendall τ on hover)" }),
        agreementMatrix(r.models, r.rank_agreement, short),
        r.skipped.length ? el("p", { class: "warn" }, `Skipped: ${r.skipped.map((s) => `${s.model} (${s.reason})`).join("; ")}`) : "",
        ...(r.warnings || []).map((w) => el("p", { class: "warn model-warning" }, `⚠ ${w}`)),
      );
      setStatus("attribution", Number(ci) > 0 ? `Whiskers: ${Math.round(100 * state.defaults.level)}% bootstrap intervals (${ci} resamples).` : "No intervals (0 resamples).", "muted");
      sectionState("attribution", "ready");
    } catch (err) {
      fail("attribution", err);
    }
  }

  function agreementMatrix(labels, pairs, short) {
    const cell = new Map();
    for (const p of pairs) {
      cell.set(`${p.model_a}|${p.model_b}`, p);
      cell.set(`${p.model_b}|${p.model_a}`, p);
    }
    const head = el("tr", {}, el("th", { scope: "col" }), labels.map((l) => el("th", { scope: "col", class: "num", text: short.get(l) })));
    const body = labels.map((a) => el("tr", {}, el("th", { scope: "row", text: short.get(a) }), labels.map((b) => {
      if (a === b) return el("td", { class: "num diag", text: fmt.ratio(1) });
      const p = cell.get(`${a}|${b}`);
      const rho = p ? p.spearman : null;
      const band = !isNum(rho) ? "na" : rho >= 0.9 ? "hi" : rho >= 0.7 ? "mid" : rho >= 0.4 ? "lo" : "neg";
      return el("td", { class: `num agree-${band}`, title: p ? `${short.get(a)} vs ${short.get(b)}: Spearman ${fmt.ratio3(p.spearman)}, Kendall ${fmt.ratio3(p.kendall)}` : "" },
        fmt.ratio(rho));
    })));
    return el("table", { class: "data-table matrix", id: "attr-agreement-el" }, el("thead", {}, head), el("tbody", {}, body));
  }

  // -------------------------------------------------------------------- ROI
  function roiQuery() {
    const q = journeyParams();
    q.set("period", period());
    q.set("model", model());
    return q;
  }

  /** The funnel panel: the warehouse's kinds as stages (most conversions first), or those typed. */
  async function loadFunnel() {
    setStatus("funnel", "Computing…");
    sectionState("funnel", "loading");
    try {
      const input = $("#funnel-stages");
      if (!input.value.trim()) {
        const k = await api("/v1/funnel/kinds");
        if (k.kinds.length < 2) {
          $("#funnel-chart").replaceChildren();
          $("#funnel-table").replaceChildren();
          const only = k.kinds.map((x) => x.kind).join(", ") || "none";
          setStatus("funnel", `The warehouse has one conversion kind (${only}): no funnel to show. Load conversions with a kind column (e.g. add_to_cart and purchase) to see one.`, "muted");
          sectionState("funnel", "ready");
          return;
        }
        input.value = k.kinds.map((x) => x.kind).join(",");
      }
      const q = journeyParams();
      q.delete("kind");
      q.set("stages", input.value.trim());
      q.set("model", model());
      const f = await api(`/v1/funnel?${q}`);
      state.funnel = f;
      $("#funnel-model-label").textContent = f.model;
      funnelChart($("#funnel-chart"), f.stages, { label: "Funnel: conversions per stage and the rate of each step" });
      const names = f.stages.map((s) => s.stage);
      const byChannel = new Map();
      for (const r of f.rows) {
        if (!byChannel.has(r.channel)) byChannel.set(r.channel, { channel: r.channel === "(all)" ? "All conversions" : r.channel });
        const row = byChannel.get(r.channel);
        row[`c${r.step}`] = r.conversions;
        row[`r${r.step}`] = r.rate;
        row[`d${r.step}`] = r.drop_off;
      }
      const columns = [{ key: "channel", label: "Channel" },
        ...names.map((n, k) => ({ key: `c${k + 1}`, label: n, num: true, fmt: (v) => (isNum(v) ? nf1.format(v) : dash) }))];
      for (let k = 2; k <= names.length; k += 1) {
        columns.push({ key: `r${k}`, label: `${names[k - 2]} → ${names[k - 1]}`, num: true, fmt: fmt.pct },
          { key: `d${k}`, label: "drop-off", num: true, fmt: fmt.pct });
      }
      $("#funnel-table").replaceChildren(table(columns, [...byChannel.values()], { id: "funnel-rows" }));
      setStatus("funnel", `Each stage is attributed on its own journeys (only conversions of its kind close them). Rate: the next stage's conversions ÷ this stage's, per channel by attributed conversions; drop-off = 1 − rate. End to end: ${fmt.pct(f.overall_rate)}.`, "muted");
      sectionState("funnel", "ready");
    } catch (err) {
      fail("funnel", err);
    }
  }

  async function loadROI() {
    setStatus("roi", "Computing…");
    sectionState("roi", "loading");
    try {
      const r = await api(`/v1/roi?${roiQuery()}`);
      state.roi = r;
      const periods = [...new Set(r.rows.map((x) => x.period))];
      const channels = [...new Set(r.rows.filter((x) => x.channel !== "(direct)" && isNum(x.spend) && x.spend > 0).map((x) => x.channel))];
      const idx = new Map(r.rows.map((x) => [`${x.period}|${x.channel}`, x]));
      const spendOf = (c) => r.rows.filter((x) => x.channel === c).reduce((s, x) => s + (x.spend || 0), 0);
      const totalSpend = channels.reduce((s, c) => s + spendOf(c), 0);
      // Channels with under 1% of all spend have ROIs on tiny denominators: said under the panels.
      const small = channels.filter((c) => spendOf(c) < 0.01 * totalSpend);
      state.roiSeries = channels.map((c, i) => ({ name: c, color: PALETTE[i % PALETTE.length],
        values: periods.map((p) => idx.get(`${p}|${c}`)?.roi ?? null) }));
      state.roiPeriods = periods;
      renderROIChart();
      $("#roi-model-label").textContent = `${r.model}, per ${r.period}`;
      renderROITable();
      setStatus("roi", `ROI = attributed revenue ÷ spend; channels without spend have no ROI.${small.length
        ? ` Under 1% of spend, so their ROI rests on a tiny denominator: ${small.join(", ")}.` : ""} One panel per paid channel, each on its own scale (a far higher ROI does not flatten the others); dashed: break-even (ROI 1). Click a column to sort.`, "muted");
      sectionState("roi", "ready");
    } catch (err) {
      fail("roi", err);
    }
  }

  /** Small multiples: one ROI panel per paid channel, each on its own y scale. */
  function renderROIChart() {
    const box = $("#roi-chart");
    box.replaceChildren();
    box.classList.add("small-multiples");
    for (const s of state.roiSeries) {
      const panel = el("figure", { class: "roi-panel", "data-channel": s.name },
        el("figcaption", { text: s.name }));
      const plot = el("div", { class: "chart-box" });
      panel.append(plot);
      box.append(panel);
      const top = Math.max(0, ...s.values.filter(isNum));
      const series = [{ ...s, width: 2 }];
      if (top >= 0.5) {
        series.push({ name: "break-even (ROI 1)", color: "#9ca3af", dash: "4 3", markers: false, width: 1,
          values: state.roiPeriods.map(() => 1) });
      }
      lineChart(plot, { x: state.roiPeriods, series, format: fmt.ratio, height: 220, showLegend: false,
        label: `${s.name}: ROI per ${state.roi.period}`, yTitle: "ROI (revenue ÷ spend)" });
    }
  }

  /** Per-channel totals of ROI rows: sums of spend, conversions, revenue; ratios from the sums. */
  function channelTotals(rows) {
    const out = [];
    for (const ch of [...new Set(rows.map((x) => x.channel))]) {
      const mine = rows.filter((x) => x.channel === ch);
      const sum = (k) => mine.reduce((t, x) => t + (isNum(x[k]) ? x[k] : 0), 0);
      const spend = sum("spend");
      const conv = sum("attributed_conversions");
      const revenue = sum("attributed_revenue");
      out.push({ channel: ch, periods: mine.length, spend, attributed_conversions: conv, attributed_revenue: revenue,
        roi: spend > 0 ? revenue / spend : null, net_roi: spend > 0 ? (revenue - spend) / spend : null,
        cpa: spend > 0 && conv > 0 ? spend / conv : null });
    }
    return out;
  }

  function renderROITable() {
    const r = state.roi;
    if (!r) return;
    const only = $("#roi-filter").value;
    const periods = [...new Set(r.rows.map((x) => x.period))];
    const sel = $("#roi-filter");
    if (sel.options.length !== periods.length + 1) {
      sel.replaceChildren(el("option", { value: "", text: "all periods" }), ...periods.map((p) => el("option", { value: p, text: p })));
      sel.value = periods.includes(only) ? only : "";
    }
    const rows = sortRows(r.rows.filter((x) => !sel.value || x.period === sel.value), state.roiSort);
    const money = [
      { key: "spend", label: moneyTitle("Spend"), num: true, fmt: fmt.money },
      { key: "attributed_conversions", label: "Attr. conversions", num: true, fmt: fmt.num1 },
      { key: "attributed_revenue", label: moneyTitle("Attr. revenue"), num: true, fmt: fmt.money },
      { key: "roi", label: "ROI", num: true, fmt: fmt.ratio },
      { key: "net_roi", label: "Net ROI", num: true, fmt: fmt.ratio },
      { key: "cpa", label: moneyTitle("CPA"), num: true, fmt: fmt.money },
    ];
    const cols = [{ key: "period", label: "Period" }, { key: "channel", label: "Channel" }, ...money];
    const totals = channelTotals(rows);
    const allSum = (k) => rows.reduce((t, x) => t + (isNum(x[k]) ? x[k] : 0), 0);
    $("#roi-totals").replaceChildren(table(
      [{ key: "channel", label: "Channel" }, { key: "periods", label: "Periods", num: true, fmt: fmt.int }, ...money],
      totals, { id: "roi-totals-el", footer: { channel: "All channels", periods: `${fmt.int(rows.length)} rows`,
        spend: fmt.money(allSum("spend")), attributed_conversions: fmt.num1(allSum("attributed_conversions")),
        attributed_revenue: fmt.money(allSum("attributed_revenue")) } }));
    $("#roi-periods-summary").textContent = `Per ${r.period}: ${fmt.int(rows.length)} rows`;
    const sum = (k) => rows.reduce((s, x) => s + (isNum(x[k]) ? x[k] : 0), 0);
    const spend = sum("spend");
    const footer = { period: "Total", channel: `${fmt.int(rows.length)} rows`, spend: fmt.money(spend),
      attributed_conversions: fmt.num1(sum("attributed_conversions")),
      attributed_revenue: fmt.money(sum("attributed_revenue")) };
    $("#roi-table").replaceChildren(table(cols, rows, {
      id: "roi-table-el",
      sort: state.roiSort,
      footer,
      onSort: (key) => {
        state.roiSort = { key, dir: state.roiSort.key === key ? -state.roiSort.dir : 1 };
        renderROITable();
      },
    }));
  }

  async function downloadCSV() {
    const btn = $("#roi-csv");
    btn.disabled = true;
    try {
      const q = roiQuery();
      q.set("format", "csv");
      const res = await api(`/v1/roi?${q}`, { raw: true });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = el("a", { href: url, download: `touchpath-roi-${period()}-${model()}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setStatus("roi", `Downloaded the ROI table as CSV (${fmt.int(blob.size)} bytes).`, "muted");
    } catch (err) {
      fail("roi", err);
    } finally {
      btn.disabled = false;
    }
  }

  // -------------------------------------------------------------- lifecycle
  async function loadLifecycle() {
    setStatus("lifecycle", "Computing…");
    sectionState("lifecycle", "loading");
    try {
      const q = journeyParams();
      q.set("period", period());
      q.set("model", model());
      const r = await api(`/v1/lifecycle?${q}`);
      const box = $("#lifecycle-cards");
      box.replaceChildren();
      if (!r.verdicts.length) box.append(el("p", { class: "muted", text: "No channel is in test status." }));
      for (const v of r.verdicts) {
        const chart = el("div", { class: "chart-box" });
        const card = el("div", { class: "verdict-card", "data-channel": v.channel },
          el("div", { class: "verdict-head" }, el("h3", { text: v.channel }),
            el("span", { class: `badge verdict-${v.verdict}`, text: v.verdict.toUpperCase() })),
          el("p", { class: "reason", text: v.reason }),
          chart,
          el("p", { class: "muted" }, `Latest cycle ${v.period || dash}: ROI ${fmt.ratio(v.roi)} vs baseline ${fmt.ratio(v.baseline)} (ratio ${fmt.ratio(v.ratio)}` +
            (v.level ? `, ${Math.round(v.level * 100)}% bounds ${fmt.ratio(v.ratio_low)} – ${fmt.ratio(v.ratio_high)}` : "") +
            `) on ${isNum(v.conversions) ? v.conversions.toFixed(1) : dash} attributed conversions` +
            (v.conversions_needed ? `; about ${v.conversions_needed} more needed` : "") +
            `; low-cycle streak ${v.low_streak}.`));
        box.append(card);
        const x = v.cycles.map((c) => c.period);
        const col = (k) => v.cycles.map((c) => (isNum(c[k]) ? c[k] : null));
        lineChart(chart, { x, height: 240, format: fmt.ratio, label: `${v.channel} ROI vs baseline per cycle`,
          series: [
            { name: `${v.channel} ROI` + (v.level ? ` (${Math.round(v.level * 100)}% bounds)` : ""),
              color: PALETTE[0], values: col("roi"), width: 3,
              lo: v.level ? col("roi_low") : null, hi: v.level ? col("roi_high") : null },
            { name: "baseline (established)", color: "#6b7280", values: col("baseline") },
            { name: "scale bar", color: "#2e9e6a", values: col("scale_bar"), dash: "6 4", markers: false },
            { name: "admit bar", color: "#1fa3b5", values: col("admit_bar"), dash: "6 4", markers: false },
            { name: "exit bar", color: "#c8463d", values: col("exit_bar"), dash: "3 3", markers: false },
          ] });
      }
      setStatus("lifecycle", `Rules: ${r.rules}. Model ${r.model}, one cycle = one ${r.period}.`, "muted");
      sectionState("lifecycle", "ready");
    } catch (err) {
      fail("lifecycle", err);
    }
  }

  // ----------------------------------------------------------------- budget
  function parseGroupCaps(text) {
    const caps = [];
    for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
      const m = part.match(/^([^:=]+)[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*%?$/);
      if (!m) throw new Error(`group cap "${part}": write group:percent, e.g. social:40`);
      const pct = Number(m[2]);
      if (pct > 100) throw new Error(`group cap "${part}": a share cannot exceed 100%`);
      caps.push({ group: m[1].trim(), max_share: pct / 100 });
    }
    return caps;
  }

  /**
   * The plan request of the form. An empty budget (the first plan, before the user typed
   * one) is left out, so the service plans last quarter's spend, its default budget; an
   * empty quarter is the service's default quarter, the one after the data.
   */
  function planBody() {
    const f = $("#plan-form");
    const body = {
      objective: f.objective.value,
      group_caps: parseGroupCaps(f.group_caps.value),
      spend_all: f.spend_all.checked,
      model: model(),
    };
    if (f.budget.value !== "") {
      body.budget = Number(f.budget.value);
      if (!(body.budget > 0)) throw new Error("budget: enter an amount above 0");
    }
    if (f.quarter.value.trim()) body.quarter = f.quarter.value.trim();
    body.max_change = f.max_change.value === "" ? null : Number(f.max_change.value) / 100;
    if (f.test_budget.value !== "") body.test_budget = Number(f.test_budget.value) / 100;
    if (f.min_roi.value !== "") body.min_roi = Number(f.min_roi.value);
    if (body.objective === "profit") body.margin = Number(f.margin.value) / 100;
    return body;
  }

  async function runPlan(ev) {
    if (ev) ev.preventDefault();
    let body;
    try {
      body = planBody();
    } catch (err) {
      setStatus("budget", err.message, "error");
      return;
    }
    setStatus("budget", "Optimising…");
    sectionState("budget", "loading");
    $("#plan-submit").disabled = true;
    try {
      const [plan, scen] = await Promise.all([
        api("/v1/budget/plan", { method: "POST", body }),
        api("/v1/budget/scenarios", { method: "POST", body: { ...body, quarter: undefined, multipliers: state.defaults.scenario_multipliers } }),
      ]);
      state.plan = plan;
      // The first plan ran on the service's default budget and quarter: show them in the form.
      if ($("#plan-budget").value === "" && isNum(plan.budget)) $("#plan-budget").value = String(Math.round(plan.budget * 100) / 100);
      if (!$("#plan-quarter").value && plan.quarter) $("#plan-quarter").value = plan.quarter;
      renderPlan(plan);
      renderScenarios(scen);
      sectionState("budget", "ready");
    } catch (err) {
      fail("budget", err);
    } finally {
      $("#plan-submit").disabled = false;
    }
  }

  function renderPlan(p) {
    const ok = p.status === "optimal";
    const kpis = [
      ["Status", p.status],
      ["Budget", fmt.money(p.budget)],
      ["Planned spend", fmt.money(p.total_spend)],
      ["Expected revenue", fmt.money(p.expected_revenue)],
      ["Revenue ÷ spend", p.total_spend > 0 ? fmt.ratio(p.expected_revenue / p.total_spend) : dash],
      ["Budget shadow price", p.budget_shadow_price === null ? dash : fmt.ratio3(p.budget_shadow_price)],
    ];
    if (isNum(p.expected_conversions)) kpis.push(["Expected conversions", fmt.num1(p.expected_conversions)]);
    $("#plan-kpis").replaceChildren(...kpis.map(([k, v]) => el("div", { class: `tile${k === "Status" && !ok ? " bad" : ""}` },
      el("div", { class: "tile-label", text: k }), el("div", { class: "tile-value", text: v }))));
    $("#plan-total").textContent = fmt.money(p.total_spend);
    $("#plan-total").dataset.value = String(p.total_spend);
    const chans = [...p.channels].sort((a, b) => b.spend - a.spend);
    splitBars($("#plan-split"), chans.map((c) => ({ label: c.channel, value: c.spend, previous: c.previous_spend, color: PALETTE[0] })),
      { format: fmt.money, label: "Planned spend per channel", xTitle: moneyTitle("spend per quarter") });
    const cols = [
      { key: "channel", label: "Channel" },
      { key: "group", label: "Group" },
      { key: "lifecycle", label: "Status / verdict" },
      { key: "previous_spend", label: "Last quarter", num: true, fmt: fmt.money },
      { key: "spend", label: "Planned", num: true, fmt: fmt.money },
      { key: "change_pct", label: "Change", num: true, fmt: fmt.signedPct },
      { key: "share", label: "Share", num: true, fmt: fmt.pct },
      { key: "expected_revenue", label: "Exp. revenue", num: true, fmt: fmt.money },
      { key: "marginal_roi", label: "Marginal ROI (next unit)", num: true, fmt: fmt.ratio3 },
      { key: "last_unit_roi", label: "Last unit ROI", num: true, fmt: fmt.ratio3 },
      { key: "held_by", label: "Held by" },
    ];
    const rows = chans.map((c) => ({ ...c, lifecycle: c.verdict ? `${c.status} · ${c.verdict}` : c.status }));
    const sum = (k) => chans.reduce((s, c) => s + (isNum(c[k]) ? c[k] : 0), 0);
    const monthCols = p.months.map((mo) => ({ key: mo, label: mo, num: true, fmt: fmt.money }));
    const monthly = chans.map((c) => ({ channel: c.channel, ...(Array.isArray(c.monthly) ? {} : c.monthly) }));
    const monthFooter = { channel: "Total" };
    for (const mo of p.months) monthFooter[mo] = fmt.money(monthly.reduce((s, r) => s + (r[mo] || 0), 0));
    $("#plan-table").replaceChildren(
      table(cols, rows, { id: "plan-table-el", footer: { channel: "Total", previous_spend: fmt.money(sum("previous_spend")), spend: fmt.money(sum("spend")), share: fmt.pct(sum("share")), expected_revenue: fmt.money(sum("expected_revenue")) } }),
      p.months.length ? el("h3", { text: `Monthly split of ${p.quarter}` }) : "",
      p.months.length ? table([{ key: "channel", label: "Channel" }, ...monthCols], monthly, { footer: monthFooter }) : "",
    );
    const curves = p.curves || [];
    const fallbacks = curves.filter((c) => c.method !== "fit").map((c) => c.channel);
    $("#plan-curves").replaceChildren(curves.length
      ? el("div", {},
        el("p", { class: "muted" }, "Fitted on the per-period ROI points; a fallback is a constant ROI, so the plan assumes no diminishing returns there. Spend beyond the observed range is extrapolated.",
          fallbacks.length ? el("span", { class: "warn" }, ` Fallbacks: ${fallbacks.join(", ")}.`) : ""),
        el("div", { class: "table-scroll" }, table([
          { key: "channel", label: "Channel" },
          { key: "form", label: "Form" },
          { key: "method", label: "Method", cls: (v) => (v === "fit" ? null : "bad") },
          { key: "r2", label: "R²", num: true, fmt: fmt.ratio },
          { key: "n_periods", label: "Periods", num: true, fmt: fmt.int },
          { key: "spend_min", label: moneyTitle("Observed spend from"), num: true, fmt: fmt.money },
          { key: "spend_max", label: "to", num: true, fmt: fmt.money },
          { key: "note", label: "Why", cls: () => "wrap" },
        ], curves, { id: "plan-curves-el" })))
      : el("p", { class: "muted", text: "The plan comes from a curves document: no fits to show." }));
    const binding = $("#plan-binding");
    const warnings = p.warnings || [];
    binding.replaceChildren(
      p.unallocated > 0
        ? el("p", { class: "warn", id: "plan-unallocated" }, `Unallocated: ${fmt.money(p.unallocated)}${p.unallocated_reason ? ": " + p.unallocated_reason : ""}`)
        : "",
      warnings.length ? el("h3", { text: "Warnings" }) : "",
      warnings.length ? el("ul", { class: "warnings warn", id: "plan-warnings" }, warnings.map((w) => el("li", { text: w }))) : "",
      el("h3", { text: "Binding constraints" }),
      p.binding_constraints.length
        ? el("ul", { class: "chips" }, p.binding_constraints.map((b) => el("li", { text: b })))
        : el("p", { class: "muted", text: "None: no constraint limits the plan." }));
    if (p.conflicts.length) {
      binding.append(el("h3", { text: "Conflicting constraints" }),
        el("ul", { class: "conflicts" }, p.conflicts.map((c) => el("li", { text: c }))));
    }
    if (p.notes.length) binding.append(el("ul", { class: "notes" }, p.notes.map((n) => el("li", { text: n }))));
    if (p.revenue_range) {
      const rr = p.revenue_range;
      binding.append(el("p", { class: "muted" }, `Expected revenue ${Math.round(rr.level * 100)}% range over curve uncertainty: ${fmt.money(rr.low)} – ${fmt.money(rr.high)} (median ${fmt.money(rr.median)}).`));
    }
    setStatus("budget", ok ? p.status_text : `No plan: ${p.status_text}`, ok ? "" : "error");
  }

  function renderScenarios(s) {
    const rows = [...s.scenarios].sort((a, b) => a.budget - b.budget);
    const okRows = rows.filter((r) => isNum(r.expected_revenue));
    lineChart($("#plan-scenarios"), {
      x: okRows.map((r) => r.budget), xs: okRows.map((r) => r.budget), xFormat: fmt.compact, format: fmt.compact,
      label: "Expected revenue at other budgets", height: 280,
      yTitle: moneyTitle("expected revenue"), xTitle: moneyTitle("budget"),
      marks: okRows.flatMap((r, i) => (r.multiplier === 1 ? [[i, `current budget ${fmt.compact(r.budget)}`]] : [])),
      series: [{ name: "expected revenue", color: PALETTE[2], values: okRows.map((r) => r.expected_revenue), width: 2.5 }],
    });
    $("#plan-scenarios-table").replaceChildren(table([
      { key: "budget", label: "Budget", num: true, fmt: fmt.money },
      { key: "total_spend", label: "Spend", num: true, fmt: fmt.money },
      { key: "expected_revenue", label: "Exp. revenue", num: true, fmt: fmt.money },
      { key: "incremental_roi", label: "Incr. ROI", num: true, fmt: fmt.ratio3 },
      { key: "budget_shadow_price", label: "Shadow price", num: true, fmt: fmt.ratio3 },
      { key: "status", label: "Status", cls: (v) => (v === "optimal" ? null : "bad") },
    ], rows));
  }

  // ------------------------------------------------------------------ wiring
  /** The service's defaults (GET /v1/defaults, no key needed) put into every form. */
  async function loadDefaults() {
    const d = await api("/v1/defaults");
    state.defaults = d;
    $("#global-period").value = d.period;
    $("#journey-form").lookback_days.value = String(d.lookback_days);
    $("#journey-form").censor.checked = d.censor;
    $("#journey-form").kind.value = d.kind;
    $("#attr-ci").value = String(d.ci);
    const f = $("#plan-form");
    f.objective.value = d.objective;
    f.max_change.value = d.max_change === null ? "" : String(Math.round(d.max_change * 1e6) / 1e4);
    f.test_budget.value = String(Math.round(d.test_budget * 1e6) / 1e4);
    f.min_roi.value = String(d.min_roi);
    f.spend_all.checked = d.spend_all;
    f.objective.dispatchEvent(new Event("change"));  // the margin field follows the objective
    return d;
  }

  async function loadModels() {
    const sel = $("#global-model");
    const box = $("#attr-models");
    const d = state.defaults;
    let names;
    try {
      const r = await api("/v1/attribution/models");
      const known = new Set(r.models.map((x) => x.name));
      names = [...new Set([d.model, ...ROI_MODELS])].filter((n) => known.has(n) || n === d.model);
      const all = r.models.map((x) => x.name).filter((n) => !["custom", "markov", "participation"].includes(n));
      box.replaceChildren(...all.map((n) => el("label", { class: "check", title: r.models.find((x) => x.name === n).description },
        el("input", { type: "checkbox", value: n, checked: d.compare_models.includes(n) }), n)));
    } catch (err) {
      fail("attribution", err);
      throw err;
    }
    if (!sel.options.length) {
      sel.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
      sel.value = d.model;
    }
  }

  async function loadAll() {
    if (!state.key) {
      for (const s of ["attribution", "funnel", "roi", "lifecycle", "budget"]) setStatus(s, "Enter an API key above to load this section.", "muted");
      return;
    }
    try {
      await loadModels();
    } catch (_) {
      return;
    }
    $("#key-state").textContent = "key set for this session";
    await Promise.all([loadPaths(), loadAttribution(), loadFunnel(), loadROI().then(loadLifecycle)]);
    await runPlan();
    document.dispatchEvent(new CustomEvent("touchpath:loaded"));
  }

  function init() {
    // The panels in their own files (monitoring.js) draw with these helpers.
    window.Touchpath = { api, el, svg, table, fmt, tip, setStatus, sectionState, fail, groupedBars, state };
    $("#key-input").value = state.key;
    $("#key-form").addEventListener("submit", (e) => {
      e.preventDefault();
      state.key = $("#key-input").value.trim();
      if (state.key) sessionStorage.setItem(KEY_STORE, state.key);
      else sessionStorage.removeItem(KEY_STORE);
      loadAll();
    });
    $("#key-clear").addEventListener("click", () => {
      state.key = "";
      sessionStorage.removeItem(KEY_STORE);
      $("#key-input").value = "";
      $("#key-state").textContent = "no key";
    });
    $("#global-form").addEventListener("submit", (e) => {
      e.preventDefault();
      loadFunnel();
      loadROI().then(loadLifecycle);
    });
    $("#journey-form").addEventListener("submit", (e) => {
      e.preventDefault();
      loadPaths();
      loadAttribution();
      loadFunnel();
      loadROI().then(loadLifecycle);
    });
    $("#attr-form").addEventListener("submit", (e) => { e.preventDefault(); loadAttribution(); });
    $("#funnel-form").addEventListener("submit", (e) => { e.preventDefault(); loadFunnel(); });
    $("#attr-metric").addEventListener("change", loadAttribution);
    $("#roi-filter").addEventListener("change", renderROITable);
    $("#roi-csv").addEventListener("click", downloadCSV);
    $("#plan-form").addEventListener("submit", runPlan);
    const objective = $("#plan-objective");
    const syncMargin = () => { $("#plan-margin").disabled = objective.value !== "profit"; };
    objective.addEventListener("change", syncMargin);
    syncMargin();
    loadDefaults().then(loadHealth).then(loadAll).catch((err) => fail("data", err));
  }

  document.addEventListener("DOMContentLoaded", init);
})();
