/*
 * Touchpath dashboard, identities panel: GET /v1/identities with the journey
 * options of the Data panel. Persons from the identities table, what stitching
 * changed, and the credit per channel with and without it (hand-written SVG).
 * Also sends the "stitch" switch of the journey form with every other panel's
 * requests (app.js reads it through journeyParams).
 */
"use strict";

(() => {
  const KEY_STORE = "touchpath.apiKey";
  const COLORS = { id: "#e08a1e", person: "#2f6db5" };
  const $ = (sel) => document.querySelector(sel);
  const nf0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const int = (v) => (Number.isFinite(v) ? nf0.format(v) : "—");
  const pct = (v) => (Number.isFinite(v) ? `${nf1.format(v * 100)}%` : "—");

  // The DOM helpers of app.js (window.Touchpath, set when the page starts, before
  // this panel's own start-up runs).
  const el = (...args) => window.Touchpath.el(...args);
  const svg = (...args) => window.Touchpath.svg(...args);

  function status(text, kind = "") {
    const box = $("#identities .status");
    box.textContent = text;
    box.className = `status ${kind}`.trim();
  }

  /** The journey options of the Data panel (the same parameters app.js sends). */
  function params() {
    const f = $("#journey-form");
    const p = new URLSearchParams();
    if (f.lookback_days.value) p.set("lookback_days", f.lookback_days.value);
    if (f.collapse_repeats.checked) p.set("collapse_repeats", "true");
    p.set("censor", f.censor.checked ? "true" : "false");
    p.set("interaction", f.interaction.value);
    if (f.kind.value.trim()) p.set("kind", f.kind.value.trim());
    if (f.max_path_length.value) p.set("max_path_length", f.max_path_length.value);
    if (f.from.value) p.set("from", f.from.value);
    if (f.to.value) p.set("to", f.to.value);
    const model = $("#global-model").value;
    if (model) p.set("model", model);
    return p;
  }

  /** Horizontal bars: per channel the share of conversions per id and per person. */
  function creditChart(rows) {
    const rowH = 34, left = 110, right = 70, top = 28, width = 640;
    const height = top + rows.length * rowH + 8;
    const max = Math.max(0.01, ...rows.flatMap((r) => [r.share_per_id, r.share_per_person]));
    const x = (v) => left + (width - left - right) * (v / max);
    const root = svg("svg", { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": "Share of conversions per channel, with and without identity stitching" });
    root.append(svg("rect", { x: left, y: 6, width: 12, height: 12, fill: COLORS.id }),
      svg("text", { x: left + 16, y: 16, "font-size": 12 }, "per id (no stitching)"),
      svg("rect", { x: left + 170, y: 6, width: 12, height: 12, fill: COLORS.person }),
      svg("text", { x: left + 186, y: 16, "font-size": 12 }, "per person (stitched)"));
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const g = svg("g", { class: "identity-bar", "data-channel": r.channel,
        "data-per-id": r.share_per_id, "data-per-person": r.share_per_person });
      g.append(svg("text", { x: left - 6, y: y + 17, "text-anchor": "end", "font-size": 12 }, r.channel));
      for (const [k, key, dy] of [["id", "share_per_id", 2], ["person", "share_per_person", 16]]) {
        const w = Math.max(0, x(r[key]) - left);
        g.append(svg("rect", { x: left, y: y + dy, width: w.toFixed(1), height: 13, fill: COLORS[k] },
          svg("title", {}, `${r.channel}, ${k === "id" ? "per id" : "per person"}: ${pct(r[key])}`)),
        svg("text", { x: (left + w + 4).toFixed(1), y: y + dy + 11, "font-size": 11 }, pct(r[key])));
      }
      root.append(g);
    });
    return root;
  }

  async function loadIdentities() {
    const key = sessionStorage.getItem(KEY_STORE) || $("#key-input").value.trim();
    const section = $("#identities");
    if (!key) {
      status("Enter an API key above to load this section.", "muted");
      return;
    }
    section.dataset.state = "loading";
    status("Computing…");
    try {
      const res = await fetch(`/v1/identities?${params()}`, { headers: { Accept: "application/json", "X-API-Key": key } });
      const body = await res.json();
      if (!res.ok) throw new Error(body.detail || `${res.status} ${res.statusText}`);
      const r = body.report, e = body.effect;
      $("#identities-model-label").textContent = body.model;
      if (r.pairs === 0) {
        $("#identities-effect").replaceChildren();
        $("#identities-chart").replaceChildren();
        $("#identities-table").replaceChildren();
        status("The identities table has no pairs: every id is its own person. Load pairs (touchpath ingest pairs.csv --table identities) to stitch devices.", "muted");
        section.dataset.state = "ready";
        return;
      }
      const rows = [
        ["Journeys", e.journeys_before, e.journeys_after],
        ["Converting journeys with touches", e.converting_before, e.converting_after],
        ["(direct) conversions", e.direct_before, e.direct_after],
      ];
      $("#identities-effect").replaceChildren(el("table", { class: "data-table", id: "identities-effect-table" },
        el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", { class: "num" }, "per id"), el("th", { class: "num" }, "per person"))),
        el("tbody", {}, ...rows.map(([label, a, b]) => el("tr", {}, el("td", {}, label), el("td", { class: "num" }, int(a)), el("td", { class: "num" }, int(b)))),
          el("tr", {}, el("td", {}, "Mean channels per converting journey"), el("td", { class: "num" }, nf2.format(e.channels_before)), el("td", { class: "num" }, nf2.format(e.channels_after))))));
      $("#identities-chart").replaceChildren(creditChart(body.credit));
      $("#identities-table").replaceChildren(el("table", { class: "data-table", id: "identities-credit" },
        el("thead", {}, el("tr", {}, ...["Channel", "Per id", "Per person", "Change"].map((h, i) => el("th", { class: i ? "num" : null }, h)))),
        el("tbody", {}, ...body.credit.map((c) => el("tr", { "data-channel": c.channel }, el("td", {}, c.channel),
          el("td", { class: "num" }, nf1.format(c.conversions_per_id)), el("td", { class: "num" }, nf1.format(c.conversions_per_person)),
          el("td", { class: "num" }, `${c.change > 0 ? "+" : ""}${nf1.format(c.change)}`))))));
      const big = r.oversized.length ? ` ${int(r.oversized.length)} component(s) of more than ${r.stitch_max_ids} ids were not merged (largest ${r.oversized[0].person_id}, ${int(r.oversized[0].ids)} ids).` : "";
      status(`${int(r.ids_linked)} ids in ${int(r.persons)} persons (${nf2.format(r.ids_per_person)} ids per person); ${int(e.direct_now_touched)} conversions that were (direct) per id have touches per person.${big}`, "muted");
      section.dataset.state = "ready";
    } catch (err) {
      status(`Could not load: ${err.message}`, "error");
      section.dataset.state = "error";
    }
  }

  function init() {
    $("#key-form").addEventListener("submit", () => setTimeout(loadIdentities, 0));
    $("#journey-form").addEventListener("submit", () => setTimeout(loadIdentities, 0));
    $("#global-form").addEventListener("submit", () => setTimeout(loadIdentities, 0));
    // after app.js has put the service's defaults into the forms
    fetch("/v1/defaults").then((r) => r.json()).then((d) => {
      $("#journey-form").stitch.checked = d.stitch;
    }).finally(() => setTimeout(loadIdentities, 300));
  }

  document.addEventListener("DOMContentLoaded", init);
})();
