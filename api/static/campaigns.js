/*
 * Touchpath dashboard, Campaigns panel: one model at the campaign grain
 * (GET /v1/attribution?grain=campaign), on the journey options of the page.
 * A chart of the channel roll-up (the campaigns' credit summed per channel,
 * beside the channel-level fit of the model when it fits campaign states of
 * its own), the roll-up table and the credit per campaign. Self-contained: it
 * reads the page's API key and journey form, and draws its own SVG.
 */
"use strict";

(() => {
  const KEY_STORE = "touchpath.apiKey";
  const PALETTE = ["#2f6db5", "#e08a1e", "#2e9e6a", "#c8463d", "#7b5fb8", "#8a6b3f"];
  // Per-touch rules (their campaigns sum exactly to the channel credit) and own-fit models.
  const MODELS = ["linear", "first_touch", "last_touch", "position", "time_decay", "markov1",
    "markov2", "shapley"];

  const $ = (sel, root = document) => root.querySelector(sel);
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const dash = "—";
  const fmt = {
    num1: (v) => (isNum(v) ? nf1.format(v) : dash),
    money: (v) => (isNum(v) ? nf2.format(v) : dash),
    pct: (v) => (isNum(v) ? `${nf1.format(v * 100)}%` : dash),
  };

  const key = () => sessionStorage.getItem(KEY_STORE) || "";

  async function api(path) {
    const headers = { Accept: "application/json" };
    if (key()) headers["X-API-Key"] = key();
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

  function status(text, kind = "") {
    const box = $("#campaigns .status");
    box.textContent = text;
    box.className = `status ${kind}`.trim();
  }

  /** The journey options of the page's journey form, as the other panels send them. */
  function journeyParams() {
    const p = new URLSearchParams();
    const f = $("#journey-form");
    if (!f) return p;
    if (f.lookback_days?.value) p.set("lookback_days", f.lookback_days.value);
    if (f.collapse_repeats?.checked) p.set("collapse_repeats", "true");
    if (f.censor) p.set("censor", f.censor.checked ? "true" : "false");
    if (f.interaction?.value) p.set("interaction", f.interaction.value);
    if (f.kind?.value.trim()) p.set("kind", f.kind.value.trim());
    if (f.max_path_length?.value) p.set("max_path_length", f.max_path_length.value);
    if (f.from?.value) p.set("from", f.from.value);
    if (f.to?.value) p.set("to", f.to.value);
    if (f.stitch) p.set("stitch", f.stitch.checked ? "true" : "false");  // identities.js
    return p;
  }

  function table(columns, rows, id) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : null, text: c.label })));
    const body = rows.map((r) => el("tr", { "data-channel": r.channel },
      columns.map((c) => el("td", { class: c.num ? "num" : null }, c.fmt ? c.fmt(r[c.key]) : (r[c.key] ?? dash)))));
    return el("table", { class: "data-table", id }, el("thead", {}, head), el("tbody", {}, body));
  }

  /** Grouped bars per channel: each series' share of the attributed conversions. */
  function rollupChart(container, channels, series) {
    container.replaceChildren();
    const width = Math.max(320, Math.floor(container.clientWidth || 720));
    const height = 320;
    const m = { l: 64, r: 12, t: 14, b: 56 };
    const hi = Math.max(0.01, ...series.flatMap((s) => s.values.filter(isNum)));
    const step = hi > 0.4 ? 0.1 : hi > 0.2 ? 0.05 : 0.025;
    const top = Math.ceil((hi * 1.05) / step) * step;
    const y = (v) => m.t + (height - m.t - m.b) * (1 - v / top);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart",
      role: "img", "aria-label": "Channel roll-up of the campaign credit, beside the channel-level fit" });
    const axis = svg("g", { class: "axis y-axis" });
    for (let t = 0; t <= top + 1e-9; t += step) {
      axis.append(svg("line", { x1: m.l, x2: width - m.r, y1: y(t), y2: y(t), class: t === 0 ? "zero" : "grid" }));
      axis.append(svg("text", { x: m.l - 6, y: y(t) + 4, "text-anchor": "end" }, fmt.pct(t)));
    }
    root.append(axis);
    const cy = m.t + (height - m.t - m.b) / 2;
    root.append(svg("text", { x: 12, y: cy, "text-anchor": "middle", class: "axis-title y-title",
      transform: `rotate(-90 12 ${cy})` }, "share of conversions (%)"));
    const band = (width - m.l - m.r) / Math.max(1, channels.length);
    const inner = band * 0.8;
    const bw = inner / Math.max(1, series.length);
    channels.forEach((ch, ci) => {
      const g = svg("g", { class: "bar-group", "data-channel": ch });
      series.forEach((s, si) => {
        const v = s.values[ci];
        if (!isNum(v)) return;
        const x = m.l + ci * band + (band - inner) / 2 + si * bw;
        g.append(svg("rect", { x: x + 0.5, y: y(v), width: Math.max(1, bw - 1), height: Math.max(0.5, y(0) - y(v)),
          fill: s.color, class: "bar", "data-series": s.name, "data-value": v },
        svg("title", {}, `${ch} · ${s.name}: ${fmt.pct(v)}`)));
      });
      g.append(svg("text", { x: m.l + ci * band + band / 2, y: height - m.b + 16, class: "x-label",
        "text-anchor": "middle" }, ch));
      root.append(g);
    });
    const legend = el("div", { class: "legend" }, series.map((s) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = s.color;
      return el("span", { class: "legend-item" }, swatch, s.name);
    }));
    container.append(legend, root);
  }

  function fillModels() {
    const sel = $("#campaign-model");
    if (sel.options.length) return;
    const global = $("#global-model")?.value;
    const names = [...new Set([...MODELS, ...(global ? [global] : [])])];
    sel.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
    sel.value = "linear";
  }

  async function loadCampaigns() {
    const section = $("#campaigns");
    if (!key()) {
      status("Enter an API key above to load this section.", "muted");
      return;
    }
    fillModels();
    section.dataset.state = "loading";
    status("Computing…");
    try {
      const q = journeyParams();
      q.set("model", $("#campaign-model").value);
      q.set("grain", "campaign");
      const r = await api(`/v1/attribution?${q}`);
      const rows = r.campaigns.filter((c) => c.channel !== "(direct)");
      if (rows.every((c) => c.campaign === "(none)")) {
        for (const id of ["#campaign-chart", "#campaign-rollup", "#campaign-table"]) $(id).replaceChildren();
        status("The touches carry no campaign: load touchpoints with a campaign column to see campaigns.", "muted");
        section.dataset.state = "ready";
        return;
      }
      const roll = r.rollup;
      const channels = roll.map((x) => x.channel);
      const sum = roll.reduce((s, x) => s + x.conversions, 0);
      const sumChannel = roll.reduce((s, x) => s + x.channel_conversions, 0);
      const series = [{ name: r.exact ? `${r.label}: campaigns summed = channel` : `${r.label}: campaigns summed`,
        values: roll.map((x) => (sum > 0 ? x.conversions / sum : null)), color: PALETTE[0] }];
      if (!r.exact) {
        series.push({ name: `${r.label}: channel-level fit`, color: PALETTE[1],
          values: roll.map((x) => (sumChannel > 0 ? x.channel_conversions / sumChannel : null)) });
      }
      rollupChart($("#campaign-chart"), channels, series);
      const rollColumns = [{ key: "channel", label: "Channel" }, { key: "campaigns", label: "Campaigns", num: true },
        { key: "conversions", label: "Campaigns summed", num: true, fmt: fmt.num1 },
        { key: "channel_conversions", label: "Channel-level fit", num: true, fmt: fmt.num1 },
        // a float-precision difference reads 0.0, not -0.0
        { key: "difference", label: "Difference", num: true, fmt: (v) => fmt.num1(Math.abs(v) < 1e-9 ? 0 : v) }];
      $("#campaign-rollup").replaceChildren(table(rollColumns, roll, "campaign-rollup-rows"));
      const columns = [{ key: "channel", label: "Channel" }, { key: "campaign", label: "Campaign" },
        { key: "conversions", label: "Conversions", num: true, fmt: fmt.num1 },
        { key: "value", label: "Revenue", num: true, fmt: fmt.money },
        { key: "share", label: "Share", num: true, fmt: fmt.pct }];
      $("#campaign-table").replaceChildren(table(columns, rows, "campaign-rows"));
      $("#campaign-model-label").textContent = r.label;
      status(r.exact
        ? `${r.label} is a per-touch rule: the campaigns of each channel sum exactly to its channel credit.`
        : `${r.label} fits channel / campaign states of its own: its campaigns summed per channel stand beside its channel-level fit.`,
      "muted");
      section.dataset.state = "ready";
    } catch (err) {
      status(err.status === 401 ? "The API key is missing or not valid: enter a key above."
        : `Could not load: ${err.message}`, "error");
      section.dataset.state = "error";
    }
  }

  function init() {
    // The page's own handlers run first (they store the key); this panel follows them.
    $("#key-form")?.addEventListener("submit", () => setTimeout(loadCampaigns, 0));
    $("#journey-form")?.addEventListener("submit", () => setTimeout(loadCampaigns, 0));
    $("#campaign-form").addEventListener("submit", (e) => { e.preventDefault(); loadCampaigns(); });
    $("#campaign-model").addEventListener("change", loadCampaigns);
    loadCampaigns();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
