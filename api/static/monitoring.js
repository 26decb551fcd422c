/*
 * Touchpath dashboard, plan tracking and alerts panel: the pacing of the latest recorded
 * plan (GET /v1/plans, GET /v1/pacing), alert rules checked on the server (POST /v1/alerts)
 * and the anomalies of the last four weeks (GET /v1/anomalies). Drawn with the helpers
 * app.js exposes as window.Touchpath, after it has loaded the other sections.
 */
"use strict";

(() => {
  // Rules offered in the form until the user writes their own: the TOML of an alerts file.
  const EXAMPLE_RULES_NO_PLAN = [
    "[[alert]]",
    'name = "ROI below 1"',
    'metric = "roi"',
    'channel = "*"',
    'op = "<"',
    "threshold = 1.0",
    'period = "month"',
  ].join("\n");
  // With a recorded plan, the pacing rule too.
  const EXAMPLE_RULES = [
    "[[alert]]",
    'name = "ROI below 1"',
    'metric = "roi"',
    'channel = "*"',
    'op = "<"',
    "threshold = 1.0",
    'period = "month"',
    "",
    "[[alert]]",
    'name = "off plan"',
    'metric = "pacing"',
    'channel = "*"',
    'op = ">"',
    "threshold = 1.15",
    'period = "quarter"',
  ].join("\n");
  // Anomalies are shown for the last days of the data (older ones are history).
  const ANOMALY_DAYS = 28;
  const $ = (sel) => document.querySelector(sel);

  function tp() {
    return window.Touchpath;
  }

  async function loadPacing() {
    const { api, el, table, fmt, setStatus, sectionState, fail, groupedBars } = tp();
    sectionState("monitoring", "loading");
    try {
      const plans = await api("/v1/plans");
      if (!plans.plans.length) {
        $("#pacing-chart").replaceChildren();
        $("#pacing-table").replaceChildren();
        $("#monitoring-plan-label").textContent = "";
        setStatus("monitoring", "No plan is recorded yet: `touchpath plan --quarter 2026Q4 --record` (or POST /v1/plans) records one, then its pacing shows here.", "muted");
        return false;
      }
      const p = await api("/v1/pacing");
      $("#monitoring-plan-label").textContent = `plan ${p.plan_id} · ${p.quarter} · ${p.model}`;
      setStatus("monitoring", `Data to ${p.as_of}: ${p.elapsed_days} of ${p.total_days} days of ${p.quarter} elapsed. `
        + `Off pace (projected spend more than ${fmt.pct(p.tolerance)} off plan): `
        + `${p.off_pace.length ? p.off_pace.join(", ") : "none"}.`, p.off_pace.length ? "warn" : "");
      const chans = p.channels.map((c) => c.channel);
      groupedBars($("#pacing-chart"), {
        categories: chans,
        series: [
          { name: "planned (quarter)", color: "#9aa5b1", values: p.channels.map((c) => c.planned_spend) },
          { name: "actual to date", color: "#2f6db5", values: p.channels.map((c) => c.actual_spend) },
          { name: "projected", color: "#e08a1e", values: p.channels.map((c) => c.projected_spend) },
        ],
        format: fmt.compact,
        label: `Planned, actual and projected spend per channel, ${p.quarter}`,
        yTitle: `spend (${p.currency})`,
      });
      const cols = [
        { key: "channel", label: "Channel" },
        { key: "planned_to_date", label: "Planned to date", num: true, fmt: fmt.money },
        { key: "actual_spend", label: "Actual to date", num: true, fmt: fmt.money },
        { key: "spend_pace", label: "Pace", num: true, fmt: fmt.pct },
        { key: "reason", label: "Status", cls: (_, r) => (r.off_pace ? "bad" : null),
          fmt: (v, r) => (r.off_pace ? `off pace: ${v}` : v) },
        { key: "expected_to_date", label: "Exp. revenue to date", num: true, fmt: fmt.money },
        { key: "attributed_revenue", label: "Attributed", num: true, fmt: fmt.money },
      ];
      $("#pacing-table").replaceChildren(table(cols, p.channels, { id: "pacing-rows" }));
      return true;
    } catch (err) {
      fail("monitoring", err);
      return false;
    }
  }

  async function checkAlerts(ev) {
    if (ev) ev.preventDefault();
    const { api, table, fmt } = tp();
    const summary = $("#alerts-summary");
    summary.className = "total-line";
    summary.textContent = "Checking…";
    try {
      const doc = await api("/v1/alerts", { method: "POST",
        body: { toml: $("#alerts-rules").value, latest: $("#alerts-latest").checked } });
      summary.textContent = `${doc.rules.length} rule(s), ${doc.checked} value(s) checked under ${doc.model}: `
        + `${doc.breaches.length} alert(s) fired.${doc.notes.length ? ` ${doc.notes.join(" ")}` : ""}`;
      if (doc.breaches.length) summary.classList.add("bad");
      $("#alerts-table").replaceChildren(doc.breaches.length ? table([
        { key: "rule", label: "Alert" },
        { key: "metric", label: "Metric" },
        { key: "channel", label: "Channel" },
        { key: "period", label: "Period" },
        { key: "value", label: "Value", num: true, fmt: fmt.ratio },
        { key: "threshold", label: "Threshold", num: true, fmt: (v, r) => `${r.op} ${v}` },
      ], doc.breaches, { id: "alerts-rows" }) : "");
    } catch (err) {
      summary.textContent = `Rules refused: ${err.message}`;
      summary.classList.add("bad");
      $("#alerts-table").replaceChildren();
    }
  }

  async function loadAnomalies() {
    const { api, table, fmt, state } = tp();
    const last = state.health && state.health.last_day;
    let q = "";
    if (last) {
      const from = new Date(`${last}T00:00:00Z`);
      from.setUTCDate(from.getUTCDate() - (ANOMALY_DAYS - 1));
      q = `?from=${from.toISOString().slice(0, 10)}&to=${last}`;
    }
    try {
      const doc = await api(`/v1/anomalies${q}`);
      $("#anomalies-rule").textContent = `Last ${ANOMALY_DAYS} days, ${doc.model}: ${doc.anomalies.length} day(s) flagged of ${doc.judged} judged. Rule: ${doc.rule}.`;
      $("#anomalies-table").replaceChildren(doc.anomalies.length ? table([
        { key: "day", label: "Day" },
        { key: "weekday", label: "Weekday" },
        { key: "channel", label: "Channel" },
        { key: "metric", label: "Series" },
        { key: "value", label: "Value", num: true, fmt: fmt.money },
        { key: "low", label: "Expected range", num: true, fmt: (v, r) => `${fmt.money(v)} – ${fmt.money(r.high)}` },
        { key: "median", label: "Median", num: true, fmt: fmt.money },
        { key: "z", label: "Robust z", num: true, fmt: (v) => (v === null ? "∞" : fmt.num1(v)) },
      ], doc.anomalies, { id: "anomaly-rows" }) : "");
    } catch (err) {
      $("#anomalies-rule").textContent = `Could not load the anomalies: ${err.message}`;
    }
  }

  async function loadMonitoring() {
    const { sectionState } = tp();
    const planned = await loadPacing();
    const box = $("#alerts-rules");
    if (box.value === EXAMPLE_RULES || box.value === EXAMPLE_RULES_NO_PLAN) {
      box.value = planned ? EXAMPLE_RULES : EXAMPLE_RULES_NO_PLAN;
    }
    await Promise.all([checkAlerts(), loadAnomalies()]);
    sectionState("monitoring", "ready");
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#alerts-rules").value = EXAMPLE_RULES_NO_PLAN;
    $("#alerts-form").addEventListener("submit", checkAlerts);
  });
  document.addEventListener("touchpath:loaded", loadMonitoring);
})();
