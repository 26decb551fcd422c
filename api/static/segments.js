/*
 * Touchpath dashboard, segments panel: the model fitted per segment of a conversion or
 * user attribute (GET /v1/segments, GET /v1/attribution?by=...), with a drill-down into
 * one segment's channels. Small segments are shown with their n and bootstrap interval,
 * never hidden. Same rules as app.js: this origin's /v1 API only, the API key from
 * sessionStorage, charts as hand-written SVG.
 */
"use strict";

(() => {
  const KEY_STORE = "touchpath.apiKey";
  // XML namespace name of SVG elements (an identifier; nothing is fetched from it).
  const PALETTE = ["#2f6db5", "#e08a1e", "#2e9e6a", "#c8463d", "#7b5fb8", "#8a6b3f",
    "#d36aa8", "#6b7280", "#a8a528", "#1fa3b5", "#4b3f8a", "#b5562f"];
  const $ = (sel, root = document) => root.querySelector(sel);
  const dash = "—";
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const fmt = {
    int: (v) => (isNum(v) ? nf0.format(v) : dash),
    num1: (v) => (isNum(v) ? nf1.format(v) : dash),
    money: (v) => (isNum(v) ? nf2.format(v) : dash),
    pct: (v) => (isNum(v) ? `${nf1.format(v * 100)}%` : dash),
  };
  // Models offered per segment; the service's default model (GET /v1/defaults) comes first.
  const SEGMENT_MODELS = ["linear", "first_touch", "last_touch", "position", "markov2", "shapley"];
  const seg = { defaults: null, doc: null, selected: null };

  async function api(path) {
    const key = sessionStorage.getItem(KEY_STORE) || "";
    const headers = { Accept: "application/json" };
    if (key) headers["X-API-Key"] = key;
    const res = await fetch(path, { headers });
    if (!res.ok) {
      let detail = `${res.status} ${res.statusText}`;
      try {
        detail = (await res.json()).detail || detail;
      } catch (_) {
        // not a problem document; keep the status line
      }
      const err = new Error(detail);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }

  // The DOM helpers of app.js (window.Touchpath, set when the page starts, before
  // this panel's own start-up runs).
  const el = (...args) => window.Touchpath.el(...args);
  const svg = (...args) => window.Touchpath.svg(...args);

  function setStatus(text, kind = "") {
    const box = $("#segments .status");
    box.textContent = text || "";
    box.className = `status ${kind}`.trim();
  }

  /** The journey options of the Data section's form (as app.js sends them). */
  function journeyParams() {
    const p = new URLSearchParams();
    const f = $("#journey-form");
    if (!f) return p;
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

  function niceTicks(lo, hi, count = 5) {
    if (!(hi > lo)) hi = lo + 1;
    const raw = (hi - lo) / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let i = Math.floor(lo / step + 1e-9); i <= Math.ceil(hi / step - 1e-9); i += 1) ticks.push(i * step);
    return ticks;
  }

  /** Channel shares per segment: one bar per segment in each channel's group, with intervals. */
  function segmentChart(container, channels, series, label) {
    container.replaceChildren();
    const width = Math.max(320, Math.floor(container.clientWidth || 720));
    const height = 320;
    const m = { l: 64, r: 12, t: 14, b: 62 };
    let hi = 0;
    for (const s of series) s.values.forEach((v, i) => { hi = Math.max(hi, v ?? 0, s.hi[i] ?? 0); });
    const ticks = niceTicks(0, hi * 1.05);
    const y1 = ticks[ticks.length - 1];
    const y = (v) => m.t + (height - m.t - m.b) * (1 - v / y1);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": label });
    const axis = svg("g", { class: "axis y-axis" });
    for (const t of ticks) {
      axis.append(svg("line", { x1: m.l, x2: width - m.r, y1: y(t), y2: y(t), class: t === 0 ? "zero" : "grid" }));
      axis.append(svg("text", { x: m.l - 6, y: y(t) + 4, "text-anchor": "end" }, fmt.pct(t)));
    }
    root.append(axis);
    const band = (width - m.l - m.r) / Math.max(1, channels.length);
    const inner = band * 0.8;
    const bw = inner / Math.max(1, series.length);
    channels.forEach((ch, ci) => {
      const g = svg("g", { class: "bar-group", "data-channel": ch });
      const gx = m.l + ci * band + (band - inner) / 2;
      series.forEach((s, si) => {
        const v = s.values[ci];
        if (!isNum(v)) return;
        const x = gx + si * bw;
        const interval = isNum(s.lo[ci]) && isNum(s.hi[ci]) ? ` [${fmt.pct(s.lo[ci])}, ${fmt.pct(s.hi[ci])}]` : "";
        g.append(svg("rect", { x: x + 0.5, y: y(Math.max(v, 0)), width: Math.max(1, bw - 1),
          height: Math.max(0.5, Math.abs(y(v) - y(0))), fill: s.color, class: "bar", "data-segment": s.segment },
        svg("title", {}, `${ch} · ${s.segment}: ${fmt.pct(v)}${interval}`)));
        if (interval) {
          const cx = x + bw / 2;
          const cap = Math.min(5, bw / 3);
          g.append(svg("path", { class: "whisker", d: `M${cx},${y(s.lo[ci])}V${y(s.hi[ci])}`
            + `M${cx - cap},${y(s.lo[ci])}H${cx + cap}M${cx - cap},${y(s.hi[ci])}H${cx + cap}` }));
        }
      });
      const lx = m.l + ci * band + band / 2;
      const ly = height - m.b + 14;
      g.append(svg("text", { x: lx, y: ly, class: "x-label", "text-anchor": channels.length > 8 ? "end" : "middle",
        transform: channels.length > 8 ? `rotate(-35 ${lx} ${ly})` : null }, ch));
      root.append(g);
    });
    const legend = el("div", { class: "legend" }, series.map((s) => {
      const sw = el("span", { class: "swatch" });
      sw.style.setProperty("--c", s.color);
      return el("span", { class: "legend-item" }, sw, s.name);
    }));
    container.append(legend, root);
  }

  function table(columns, rows, { id, onRow, selected } = {}) {
    const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : null, scope: "col" }, c.label))));
    const body = el("tbody", {}, rows.map((r) => {
      const tr = el("tr", { "data-segment": r.segment, class: selected && r.segment === selected ? "selected" : null },
        columns.map((c) => el("td", { class: c.num ? "num" : null }, c.fmt ? c.fmt(r[c.key], r) : (r[c.key] ?? dash))));
      if (onRow) {
        tr.tabIndex = 0;
        tr.classList.add("pickable");
        tr.addEventListener("click", () => onRow(r));
        tr.addEventListener("keydown", (e) => { if (e.key === "Enter") onRow(r); });
      }
      return tr;
    }));
    return el("table", { class: "data-table", id }, head, body);
  }

  const scopeText = { conversion: "an attribute of the conversions", user: "an attribute of the users",
    both: "an attribute of conversions and users" };

  function sampleCell(small, r) {
    return small ? el("span", { class: "badge small-sample", title: "fewer conversions than "
      + `${seg.doc.min_conversions}: read the interval, not the point` }, `small (n=${fmt.int(r.conversions)})`) : "";
  }

  function render() {
    const d = seg.doc;
    const rows = d.rows.filter((r) => r.channel !== "(direct)");
    const channels = [...new Set(rows.map((r) => r.channel))];
    const series = [];
    d.segments.forEach((s, k) => {
      const mine = new Map(rows.filter((r) => r.segment === s.segment).map((r) => [r.channel, r]));
      const total = [...mine.values()].reduce((a, r) => a + r.conversions, 0);
      if (!(total > 0)) return;
      const bound = (r, key) => (r && isNum(r[key]) ? r[key] / total : null);
      series.push({ segment: s.segment, color: PALETTE[k % PALETTE.length],
        name: `${s.segment} (n=${fmt.int(s.conversions)}${s.small_sample ? ", small" : ""})`,
        values: channels.map((c) => (mine.has(c) ? mine.get(c).share : null)),
        lo: channels.map((c) => bound(mine.get(c), "conversions_lo")),
        hi: channels.map((c) => bound(mine.get(c), "conversions_hi")) });
    });
    segmentChart($("#segments-chart"), channels, series, `Channel shares per ${d.by.name} segment`);
    const columns = [
      { key: "segment", label: "Segment" },
      { key: "journeys", label: "Journeys", num: true, fmt: fmt.int },
      { key: "conversions", label: "Conversions (n)", num: true, fmt: fmt.int },
      { key: "revenue", label: "Revenue", num: true, fmt: fmt.money },
      { key: "direct_conversions", label: "(direct)", num: true, fmt: fmt.int },
      { key: "small_sample", label: "Sample", fmt: sampleCell },
    ];
    $("#segments-sizes").replaceChildren(table(columns, d.segments, { id: "segments-size-table",
      onRow: (r) => drill(r.segment), selected: seg.selected }));
    $("#segments-warnings").replaceChildren(...d.warnings.map((w) => el("p", { class: "warn" }, `⚠ ${w}`)));
    drill(seg.selected && d.segments.some((s) => s.segment === seg.selected) ? seg.selected : d.segments[0]?.segment);
  }

  /** The drill-down: one segment's channels, credit with its interval, revenue and share. */
  function drill(segment) {
    seg.selected = segment;
    const box = $("#segments-detail");
    for (const tr of document.querySelectorAll("#segments-size-table tbody tr")) {
      tr.classList.toggle("selected", tr.dataset.segment === segment);
    }
    if (!segment) {
      box.replaceChildren();
      return;
    }
    const d = seg.doc;
    const s = d.segments.find((x) => x.segment === segment);
    const rows = d.rows.filter((r) => r.segment === segment);
    const hasCi = rows.some((r) => isNum(r.conversions_lo));
    const columns = [
      { key: "channel", label: "Channel" },
      { key: "conversions", label: "Conversions", num: true, fmt: fmt.num1 },
      ...(hasCi ? [{ key: "conversions_lo", label: "Interval", num: true,
        fmt: (v, r) => (isNum(v) ? `${fmt.num1(v)} – ${fmt.num1(r.conversions_hi)}` : "") }] : []),
      { key: "value", label: "Revenue", num: true, fmt: fmt.money },
      { key: "share", label: "Share", num: true, fmt: fmt.pct },
    ];
    box.replaceChildren(
      el("h3", { id: "segments-detail-title" }, `${d.by.name} = ${segment}`),
      el("p", { class: "muted", id: "segments-detail-n" },
        `n = ${fmt.int(s.conversions)} conversions in ${fmt.int(s.journeys)} journeys, revenue ${fmt.money(s.revenue)}`
        + (s.small_sample ? ` — a small segment (fewer than ${d.min_conversions}): read the ${hasCi ? "interval" : "numbers"} with care` : "")),
      table(columns, rows, { id: "segments-detail-table" }));
  }

  async function loadAttributes() {
    const sel = $("#segments-by");
    const r = await api("/v1/segments");
    const usable = r.attributes.filter((a) => a.segmentable);
    const blocked = r.attributes.filter((a) => !a.segmentable);
    sel.replaceChildren(...usable.map((a) => el("option", { value: a.name, title: scopeText[a.scope] },
      `${a.name} (${a.values.length} values)`)));
    $("#segments-blocked").textContent = blocked.length
      ? `Kept but not segmentable (more than 1,000 values): ${blocked.map((a) => a.name).join(", ")}.` : "";
    const want = seg.defaults?.segment_by;
    if (usable.some((a) => a.name === want)) sel.value = want;
    return usable;
  }

  async function load() {
    if (!sessionStorage.getItem(KEY_STORE)) {
      setStatus("Enter an API key above to load this section.", "muted");
      return;
    }
    const section = $("#segments");
    section.dataset.state = "loading";
    setStatus("Computing…");
    try {
      if (!seg.defaults) seg.defaults = await api("/v1/defaults");
      const modelSel = $("#segments-model");
      if (!modelSel.options.length) {
        const names = [...new Set([seg.defaults.model, ...SEGMENT_MODELS])];
        modelSel.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
        modelSel.value = seg.defaults.model;
      }
      if (!$("#segments-by").options.length) {
        const usable = await loadAttributes();
        if (!usable.length) {
          setStatus("No segment attributes: load conversions with extra columns (device, region, …) or a users file (touchpath ingest FILE --table users).", "muted");
          section.dataset.state = "ready";
          return;
        }
      }
      const q = journeyParams();
      q.set("by", $("#segments-by").value);
      q.set("model", $("#segments-model").value || seg.defaults.model);
      seg.doc = await api(`/v1/attribution?${q}`);
      $("#segments-model-label").textContent = `${seg.doc.model} per ${seg.doc.by.name}`;
      render();
      setStatus(`Each segment is fitted on its own journeys (${scopeText[seg.doc.by.scope]}); per segment, credit + (direct) = its conversions and revenue. Pick a segment to drill down.`, "muted");
      section.dataset.state = "ready";
    } catch (err) {
      setStatus(err.status === 401 ? "The API key is missing or not valid: enter a key above." : `Could not load: ${err.message}`, "error");
      section.dataset.state = "error";
    }
  }

  function init() {
    $("#segments-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
    $("#key-form")?.addEventListener("submit", () => { $("#segments-by").replaceChildren(); load(); });
    $("#journey-form")?.addEventListener("submit", () => load());
    load();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
