/*
 * Touchpath dashboard: the calibration panel. GET /v1/attribution?calibrate=true for the
 * page's model and journey options: per experiment the credit attributed in its window
 * beside the experiment's incremental estimate (bars, the interval as a whisker) and the
 * factor; per channel the calibrated credit with its interval; the freed credit.
 * Same origin only; the API key is the one the page keeps in sessionStorage.
 */
"use strict";

(() => {
  const KEY_STORE = "touchpath.apiKey";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const $ = (sel) => document.querySelector(sel);
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const nf3 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const f1 = (v) => (isNum(v) ? nf1.format(v) : "—");
  const f2 = (v) => (isNum(v) ? nf2.format(v) : "—");
  const f3 = (v) => (isNum(v) ? nf3.format(v) : "—");
  const range = (lo, hi, f) => (isNum(lo) && isNum(hi) ? `${f(lo)} – ${f(hi)}` : "—");

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function status(text, kind = "") {
    const box = $("#calibration .status");
    box.textContent = text;
    box.className = `status ${kind}`.trim();
  }

  function table(columns, rows, id) {
    const head = el("tr", {}, ...columns.map((c) => el("th", { class: c.num ? "num" : "", text: c.label })));
    const body = rows.map((r) => el("tr", {}, ...columns.map((c) => el("td", {
      class: c.num ? "num" : (c.wrap ? "wrap" : ""), text: c.fmt ? c.fmt(r[c.key], r) : String(r[c.key] ?? "—"),
    }))));
    return el("table", { class: "data-table", id }, el("thead", {}, head), el("tbody", {}, ...body));
  }

  /** Per experiment two bars on one scale from 0: attributed (grey), incremental (blue) with its interval. */
  function chart(container, experiments) {
    const barH = 16, gap = 4, rowGap = 22, mL = 210, mR = 330, width = 900;
    const rowH = 2 * barH + gap;
    const height = 8 + 24 + rowH * experiments.length + rowGap * Math.max(0, experiments.length - 1);
    const top = Math.max(1, ...experiments.flatMap((e) => [e.attributed, e.incremental, e.upper]).filter(isNum));
    const x = (v) => mL + (width - mL - mR) * (v / top);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": "Calibration: attributed credit vs the experiments' incremental estimates",
      width, height, "font-size": 12, style: "max-width: 100%; height: auto" });
    experiments.forEach((e, i) => {
      const y = 8 + i * (rowH + rowGap);
      const name = `${e.channel} ${e.start}..${e.end}`;
      const g = svg("g", { class: "calibration-row", "data-name": name, "data-attributed": e.attributed,
        "data-incremental": e.incremental, "data-factor": e.factor });
      g.append(svg("text", { x: mL - 8, y: y + rowH / 2 + 4, "text-anchor": "end", fill: "#111827" }, name));
      const a = svg("rect", { class: "attributed", x: mL, y, width: Math.max(1, x(e.attributed) - mL), height: barH, fill: "#9ca3af", rx: 2 });
      a.append(svg("title", {}, `attributed ${f1(e.attributed)}`));
      const b = svg("rect", { class: "incremental", x: mL, y: y + barH + gap, width: Math.max(1, x(e.incremental) - mL), height: barH, fill: "#2f6db5", rx: 2 });
      b.append(svg("title", {}, `incremental ${f1(e.incremental)}`));
      g.append(a, b);
      if (isNum(e.lower) && isNum(e.upper)) {
        const cy = y + barH + gap + barH / 2;
        g.append(svg("path", { class: "calibration-interval", fill: "none", stroke: "#111827", "stroke-width": 1.5,
          d: `M${x(e.lower)} ${cy} H${x(e.upper)} M${x(e.lower)} ${cy - 5} V${cy + 5} M${x(e.upper)} ${cy - 5} V${cy + 5}` }));
      }
      const interval = isNum(e.factor_lower) ? ` [${f3(e.factor_lower)}, ${f3(e.factor_upper)}]` : "";
      g.append(svg("text", { x: width - mR + 8, y: y + barH - 3, fill: "#4b5563" }, `attributed ${f1(e.attributed)}`));
      g.append(svg("text", { class: "calibration-factor", x: width - mR + 8, y: y + rowH - 3, fill: "#111827", "font-weight": 600 },
        `incremental ${f1(e.incremental)} · factor ${f3(e.factor)}${interval}`));
      root.append(g);
    });
    root.append(svg("text", { x: mL, y: height - 6, fill: "#4b5563" }, "grey: attributed in the window · blue: the experiment, with its interval"));
    container.replaceChildren(root);
  }

  async function load() {
    const key = sessionStorage.getItem(KEY_STORE) || "";
    const section = $("#calibration");
    if (!key) {
      status("Enter an API key above to load this section.", "muted");
      return;
    }
    section.dataset.state = "loading";
    status("Computing…");
    const q = new URLSearchParams({ calibrate: "true" });
    const model = $("#global-model");
    if (model && model.value) q.set("model", model.value);
    for (const name of ["lookback_days", "interaction", "kind", "max_path_length", "from", "to"]) {
      const input = document.querySelector(`#journey-form [name=${name}]`);
      if (input && input.value) q.set(name, input.value);
    }
    const censor = document.querySelector("#journey-form [name=censor]");
    if (censor) q.set("censor", censor.checked ? "true" : "false");
    const stitch = document.querySelector("#journey-form [name=stitch]");
    if (stitch) q.set("stitch", stitch.checked ? "true" : "false");  // identities.js
    const repeats = document.querySelector("#journey-form [name=collapse_repeats]");
    if (repeats && repeats.checked) q.set("collapse_repeats", "true");
    try {
      const kindInput = document.querySelector("#journey-form [name=kind]");
      const kind = kindInput && kindInput.value.trim() ? kindInput.value.trim() : "";
      const listed = await fetch(`/v1/experiments${kind ? `?kind=${encodeURIComponent(kind)}` : ""}`,
        { headers: { Accept: "application/json", "X-API-Key": key } });
      const found = await listed.json();
      if (!listed.ok) {
        status(found.detail || `${listed.status} ${listed.statusText}`, "error");
        section.dataset.state = "error";
        return;
      }
      if (!found.experiments.length) {
        for (const id of ["#cal-chart", "#cal-experiments", "#cal-channels", "#cal-freed"]) $(id).replaceChildren();
        status(`No experiments of kind '${found.kind || "any"}' in the warehouse to calibrate to. Load lift tests or geo holdouts with touchpath ingest FILE --table experiments (or POST /v1/ingest/experiments): columns channel, start, end, incremental_conversions or incremental_revenue, optional lower, upper, kind.`, "muted");
        section.dataset.state = "ready";
        return;
      }
      const res = await fetch(`/v1/attribution?${q}`, { headers: { Accept: "application/json", "X-API-Key": key } });
      const body = await res.json();
      if (!res.ok) {
        for (const id of ["#cal-chart", "#cal-experiments", "#cal-channels", "#cal-freed"]) $(id).replaceChildren();
        status(body.detail || `${res.status} ${res.statusText}`, res.status === 422 ? "muted" : "error");
        section.dataset.state = res.status === 422 ? "ready" : "error";
        return;
      }
      const c = body.calibration;
      const experiments = c.calibration.experiments;
      chart($("#cal-chart"), experiments);
      $("#cal-experiments").replaceChildren(table([
        { key: "channel", label: "Channel" },
        { key: "start", label: "Window", fmt: (v, r) => `${r.start} .. ${r.end}` },
        { key: "metric", label: "Metric" },
        { key: "attributed", label: "Attributed in window", num: true, fmt: f1 },
        { key: "incremental", label: "Incremental (experiment)", num: true, fmt: f1 },
        { key: "lower", label: "Its interval", fmt: (v, r) => range(r.lower, r.upper, f1) },
        { key: "factor", label: "Factor", num: true, fmt: f3 },
        { key: "factor_lower", label: "Factor interval", fmt: (v, r) => range(r.factor_lower, r.factor_upper, f3) },
      ], experiments, "cal-experiments-table"));
      $("#cal-channels").replaceChildren(table([
        { key: "channel", label: "Channel" },
        { key: "attributed_conversions", label: "Attributed conv.", num: true, fmt: f1 },
        { key: "calibrated_conversions", label: "Calibrated conv.", num: true, fmt: f1 },
        { key: "conversions_lower", label: "Interval", fmt: (v, r) => range(r.conversions_lower, r.conversions_upper, f1) },
        { key: "attributed_revenue", label: "Attributed revenue", num: true, fmt: f2 },
        { key: "calibrated_revenue", label: "Calibrated revenue", num: true, fmt: f2 },
        { key: "calibrated_by", label: "Calibrated by", wrap: true, fmt: (v) => v || "not calibrated (no experiment)" },
      ], c.channels, "cal-channels-table"));
      $("#cal-freed").textContent = `Freed by calibration: ${f1(c.freed_conversions)} conversions, ${f2(c.freed_revenue)} revenue — credit the experiments say the calibrated channels did not cause; not given to any other channel.`;
      const outside = c.calibration.rule === "nearest" ? "the nearest experiment's factor" : "the precision-weighted mean of the channel's factors";
      status(`${c.model}, ${c.start} .. ${c.end} (end exclusive). Outside its windows a channel's credit is scaled by ${outside}.${c.warnings.length ? " " + c.warnings.join(" ") : ""}`, "muted");
      section.dataset.state = "ready";
    } catch (err) {
      status(String(err), "error");
      section.dataset.state = "error";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const id of ["#key-form", "#global-form", "#journey-form"]) {
      const form = $(id);
      if (form) form.addEventListener("submit", () => setTimeout(load, 0));
    }
    load();
  });
})();
