"""One self-contained HTML report with the dashboard's content, for a period and a model.

The numbers come from the service layer (:func:`~touchpath.report.collect.collect`
calls the workflows of :mod:`touchpath.service` the HTTP API calls), so the report
holds what ``/v1/health``, ``/v1/paths``, ``/v1/attribution/compare``,
``/v1/roi``, ``/v1/lifecycle``, ``/v1/budget/plan`` and
``/v1/budget/scenarios`` would answer for the same parameters. :func:`render`
turns those documents into one HTML file through the Jinja2 templates of
``report/templates/`` (``report.html.j2`` and one partial per section,
autoescaped): the report's stylesheet inlined, every chart inline SVG from
:mod:`touchpath.report.charts`, no script and no reference to any other file or
address, so it opens offline, prints, and can be mailed as it is.

Sections (as on the dashboard): Data, Attribution (grouped bars per channel per
model with bootstrap whiskers, the table, rank agreement), ROI (line chart per
channel per period and the finance table with money to 2 decimals), Lifecycle
(each test channel's ROI against the baseline and its admit / scale / exit
bars per cycle, with the verdict) and Budget plan (split, expected revenue,
marginal ROI, binding constraints, scenario curve).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from touchpath.data.warehouse import Warehouse
from touchpath.report import charts
from touchpath.report.charts import _DASH, _num, count, money, pct, ratio
from touchpath.report.collect import ReportOptions, collect

__all__ = ["TEMPLATES", "render", "stylesheet", "write_report"]

#: The report's templates and stylesheet (shipped as package data).
TEMPLATES = Path(__file__).with_name("templates")

#: Cell formatters, as template filters and as the formatters of table columns.
FORMATTERS = {
    "money": money,
    "ratio": ratio,
    "ratio3": partial(ratio, digits=3),
    "count": count,
    "count1": partial(count, digits=1),
    "pct": pct,
    "signed_pct": charts.signed_pct,
    "utc_minute": charts.utc_minute,
}


def _text(value: Any) -> str:
    """A cell or value shown as it is; missing as the dash."""
    return _DASH if value is None else str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FORMATTERS)
    env.globals.update(FORMATTERS, text=_text)
    return env


_ENV = _environment()


def stylesheet() -> str:
    """The report's stylesheet (``templates/report.css``), inlined in every report."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


# ----------------------------------------------------------------------- views
def _sum(rows: list[dict[str, Any]], key: str) -> float:
    return math.fsum(r[key] for r in rows if _num(r.get(key)))


def _attribution_view(doc: dict[str, Any]) -> dict[str, Any]:
    c = doc["compare"]
    labels = c["models"]  # the specs as asked for ("markov2"): the API's column names
    rows = [r for r in c["rows"] if r["channel"] != "(direct)"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    share = {(r["model"], r["channel"]): r.get("share") for r in rows}
    pairs = {}
    for a in c["rank_agreement"]:
        pairs[(a["model_a"], a["model_b"])] = pairs[(a["model_b"], a["model_a"])] = a
    agreement = []
    for a in labels:
        cells = []
        for b in labels:
            if a == b:
                cells.append({"text": ratio(1.0), "band": "diag", "title": None})
                continue
            p = pairs.get((a, b))
            rho = p["spearman"] if p else None
            band = ("na" if not _num(rho) else "hi" if rho >= 0.9 else "mid" if rho >= 0.7
                    else "lo" if rho >= 0.4 else "neg")
            cells.append({"text": ratio(rho), "band": f"agree-{band}",
                          "title": f"Kendall {ratio(p['kendall'], 3) if p else _DASH}"})
        agreement.append({"model": a, "cells": cells})
    return {
        "models": labels,
        "chart": charts.attribution_chart(c),
        "side_by_side": charts.side_by_side(c),
        "columns": [("channel", "Channel", None), *((lab, lab, pct) for lab in labels)],
        "rows": [{"channel": ch, **{lab: share.get((lab, ch)) for lab in labels}}
                 for ch in channels],
        "agreement": agreement,
        "direct": next((r for r in c["rows"] if r["channel"] == "(direct)"), None),
        "skipped": c["skipped"],
        "warnings": c.get("warnings", []),
        "ci": doc["options"]["ci"],
        "level": doc["options"]["level"],
    }


def channel_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-channel totals of ROI table rows, in the rows' channel order.

    Spend, attributed conversions and revenue are sums over the channel's
    periods; ``roi``, ``net_roi`` and ``cpa`` are recomputed from those sums
    (revenue ÷ spend, (revenue − spend) ÷ spend, spend ÷ conversions), not
    averaged; undefined (``None``) without spend (or conversions for ``cpa``).
    """
    out = []
    for ch in dict.fromkeys(r["channel"] for r in rows):
        mine = [r for r in rows if r["channel"] == ch]
        spend, conv = _sum(mine, "spend"), _sum(mine, "attributed_conversions")
        revenue = _sum(mine, "attributed_revenue")
        out.append({"channel": ch, "periods": len(mine), "spend": spend,
                    "attributed_conversions": conv, "attributed_revenue": revenue,
                    "roi": revenue / spend if spend > 0 else None,
                    "net_roi": (revenue - spend) / spend if spend > 0 else None,
                    "cpa": spend / conv if spend > 0 and conv > 0 else None})
    return out


def _roi_view(doc: dict[str, Any]) -> dict[str, Any]:
    r = doc["roi"]
    rows = r["rows"]
    totals = channel_totals(rows)
    spend, revenue = _sum(rows, "spend"), _sum(rows, "attributed_revenue")
    return {
        "model": r["model"], "period": r["period"], "rows": rows, "totals": totals,
        "chart": charts.roi_chart(r), "small": charts.roi_small_channels(r),
        "currency": doc["options"]["currency"],
        "totals_footer": {"channel": "All channels", "periods": count(len(rows)) + " rows",
                          "spend": money(spend),
                          "attributed_conversions": count(
                              _sum(rows, "attributed_conversions"), 1),
                          "attributed_revenue": money(revenue)},
        "footer": {"period": "Total", "channel": f"{count(len(rows))} rows",
                   "spend": money(spend),
                   "attributed_conversions": count(_sum(rows, "attributed_conversions"), 1),
                   "attributed_revenue": money(revenue)},
    }


def _funnel_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    f = doc.get("funnel")
    if f is None:
        return None
    stages = [s["stage"] for s in f["stages"]]
    cell = {(r["channel"], r["stage"]): r for r in f["rows"]}
    channels = list(dict.fromkeys(r["channel"] for r in f["rows"] if r["channel"] != "(all)"))
    rows = []
    for ch in ["(all)", *channels]:
        row: dict[str, Any] = {"channel": "All conversions" if ch == "(all)" else ch}
        for k, st in enumerate(stages):
            r = cell[(ch, st)]
            row[f"c{k}"] = r["conversions"]
            row[f"r{k}"] = r["rate"]
            row[f"d{k}"] = r["drop_off"]
        rows.append(row)
    columns: list[tuple[str, str, Any]] = [("channel", "Channel", None)]
    columns += [(f"c{k}", st, lambda v: count(v, 1)) for k, st in enumerate(stages)]
    for k in range(1, len(stages)):
        columns += [(f"r{k}", f"{stages[k - 1]} → {stages[k]}", pct),
                    (f"d{k}", "drop-off", pct)]
    return {"model": f["model"], "stages": stages, "rows": rows, "columns": columns,
            "chart": charts.funnel_chart(f), "overall_rate": f["overall_rate"]}


def _identities_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    ids = doc.get("identities")
    if ids is None:
        return None
    columns: list[tuple[str, str, Any]] = [
        ("channel", "Channel", None),
        ("conversions_per_id", "Per id", lambda v: count(v, 1)),
        ("conversions_per_person", "Per person", lambda v: count(v, 1)),
        ("change", "Change", lambda v: f"{v:+,.1f}"),
        ("share_per_id", "Share per id", pct),
        ("share_per_person", "Share per person", pct)]
    return {**ids, "columns": columns, "chart": charts.identity_credit_chart(ids)}
def _segments_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    seg = doc.get("segments")
    if seg is None:
        return None
    sizes = {s["segment"]: s for s in seg["segments"]}
    rows = [{**r, "n": sizes[r["segment"]]["conversions"],
             "small": "small" if r["small_sample"] else "",
             "interval": (f"{count(r['conversions_lo'], 1)} – {count(r['conversions_hi'], 1)}"
                          if r.get("conversions_lo") is not None else "")}
            for r in seg["rows"]]
    columns: list[tuple[str, str, Any]] = [
        ("segment", "Segment", None), ("channel", "Channel", None),
        ("conversions", "Conversions", lambda v: count(v, 1)), ("interval", "Interval", None),
        ("value", "Revenue", money), ("share", "Share", pct), ("small", "Sample", None)]
    size_columns: list[tuple[str, str, Any]] = [
        ("segment", "Segment", None), ("journeys", "Journeys", count),
        ("conversions", "Conversions (n)", count), ("revenue", "Revenue", money),
        ("direct_conversions", "(direct)", count), ("small", "Sample", None)]
    sizes_rows = [{**s, "small": "small: read the interval" if s["small_sample"] else ""}
                  for s in seg["segments"]]
    return {"by": seg["by"], "model": seg["model"], "min_conversions": seg["min_conversions"],
            "chart": charts.segment_chart(seg), "columns": columns, "rows": rows,
            "size_columns": size_columns, "sizes": sizes_rows, "warnings": seg["warnings"]}


def _campaigns_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    c = doc.get("campaigns")
    if c is None:
        return None
    models = c["models"]
    cell = {(r["model"], r["channel"], r["campaign"]): r for r in c["campaign_rows"]}
    keys = list(dict.fromkeys((r["channel"], r["campaign"]) for r in c["campaign_rows"]))
    rows = []
    for channel, campaign in keys:
        row: dict[str, Any] = {"channel": channel, "campaign": campaign}
        for k, label in enumerate(models):
            got = cell.get((label, channel, campaign))
            row[f"c{k}"] = got["conversions"] if got else None
            row[f"s{k}"] = got["share"] if got else None
        rows.append(row)
    columns: list[tuple[str, str, Any]] = [("channel", "Channel", None),
                                           ("campaign", "Campaign", None)]
    for k, label in enumerate(models):
        columns += [(f"c{k}", f"{label} conversions", partial(count, digits=1)),
                    (f"s{k}", f"{label} share", pct)]
    roll = {(r["model"], r["channel"]): r for r in c["rollup"]}
    channels = list(dict.fromkeys(r["channel"] for r in c["rollup"]))
    roll_rows = []
    roll_cols: list[tuple[str, str, Any]] = [("channel", "Channel", None),
                                             ("campaigns", "Campaigns", None)]
    for k, label in enumerate(models):
        roll_cols.append((f"sum{k}", f"{label}: campaigns summed", partial(count, digits=1)))
        if not c["exact"][label]:
            roll_cols += [(f"ch{k}", f"{label}: channel-level fit", partial(count, digits=1)),
                          (f"d{k}", f"{label}: difference", partial(count, digits=1))]
    for channel in channels:
        row = {"channel": channel, "campaigns": roll[(models[0], channel)]["campaigns"]}
        for k, label in enumerate(models):
            r = roll[(label, channel)]
            row[f"sum{k}"] = r["conversions"]
            row[f"ch{k}"] = r["channel_conversions"]
            row[f"d{k}"] = r["difference"]
        roll_rows.append(row)
    return {"models": models, "exact": c["exact"], "rows": rows, "columns": columns,
            "rollup": roll_rows, "rollup_columns": roll_cols, "states": c["states"],
            "channels": c["channels"], "chart": charts.campaign_rollup_chart(c)}


def _monitoring_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    mon = doc.get("monitoring")
    if mon is None:
        return None
    p = mon["pacing"]
    view: dict[str, Any] = {**mon, "chart": None, "rows": [], "columns": []}
    if p is not None:
        view["chart"] = charts.pacing_chart(p, doc["options"]["currency"])
        view["rows"] = [{**c, "status": ("off pace: " if c["off_pace"] else "") + c["reason"]}
                        for c in p["channels"]]
        view["columns"] = [("channel", "Channel", None),
                           ("planned_spend", "Planned (quarter)", money),
                           ("planned_to_date", "Planned to date", money),
                           ("actual_spend", "Actual to date", money),
                           ("projected_spend", "Projected", money), ("spend_pace", "Pace", pct),
                           ("status", "Status", None),
                           ("expected_to_date", "Exp. revenue to date", money),
                           ("attributed_revenue", "Attributed revenue", money),
                           ("revenue_pace", "Revenue pace", pct)]
    view["anomaly_columns"] = [("day", "Day", None), ("weekday", "Weekday", None),
                               ("channel", "Channel", None), ("metric", "Series", None),
                               ("value", "Value", money), ("low", "Expected from", money),
                               ("high", "to", money), ("median", "Median", money),
                               ("z", "Robust z", partial(ratio, digits=1))]
    return view


def _calibration_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    c = doc.get("calibration")
    if c is None:
        return None
    if "problem" in c:
        return {"problem": c["problem"]}
    experiments = c["calibration"]["experiments"]
    columns: list[tuple[str, str, Any]] = [
        ("channel", "Channel", None), ("window", "Window", None), ("metric", "Metric", None),
        ("attributed", "Attributed in window", lambda v: count(v, 1)),
        ("incremental", "Incremental (experiment)", lambda v: count(v, 1)),
        ("interval", "Its interval", None), ("factor", "Factor", lambda v: ratio(v, 3)),
        ("factor_interval", "Factor interval", None)]
    rows = [{"channel": e["channel"], "window": f"{e['start']} .. {e['end']}",
             "metric": e["metric"], "attributed": e["attributed"],
             "incremental": e["incremental"],
             "interval": (f"{count(e['lower'], 1)} – {count(e['upper'], 1)}"
                          if e["lower"] is not None else "—"),
             "factor": e["factor"],
             "factor_interval": (f"{ratio(e['factor_lower'], 3)} – "
                                 f"{ratio(e['factor_upper'], 3)}"
                                 if e["factor_lower"] is not None else "—")}
            for e in experiments]
    range_columns: list[tuple[str, str, Any]] = [
        ("channel", "Channel", None),
        ("attributed_conversions", "Attributed conv.", lambda v: count(v, 1)),
        ("calibrated_conversions", "Calibrated conv.", lambda v: count(v, 1)),
        ("interval", "Interval", None),
        ("attributed_revenue", "Attributed revenue", money),
        ("calibrated_revenue", "Calibrated revenue", money),
        ("calibrated_by", "Calibrated by", None)]
    range_rows = [{**r, "interval": (f"{count(r['conversions_lower'], 1)} – "
                                     f"{count(r['conversions_upper'], 1)}"
                                     if r["conversions_lower"] is not None else "—"),
                   "calibrated_by": r["calibrated_by"] or "not calibrated (no experiment)"}
                  for r in c["channels"]]
    return {"chart": charts.calibration_chart(c), "columns": columns, "rows": rows,
            "range_columns": range_columns, "range_rows": range_rows,
            "start": c["start"], "end": c["end"], "model": c["model"],
            "rule": c["calibration"]["rule"], "skipped": c["calibration"]["skipped"],
            "freed_conversions": count(c["freed_conversions"], 1),
            "freed_revenue": money(c["freed_revenue"]),
            "currency": doc["options"]["currency"]}


def _lifecycle_view(doc: dict[str, Any]) -> dict[str, Any]:
    lc = doc["lifecycle"]
    return {"rules": lc["rules"], "period": lc["period"],
            "verdicts": [{**v, "chart": charts.verdict_chart(v)} for v in lc["verdicts"]]}


def _budget_view(doc: dict[str, Any]) -> dict[str, Any]:
    p, s = doc["plan"], doc["scenarios"]
    currency = doc["options"]["currency"]
    if p is None:
        return {"plan": None, "problem": doc["plan_problem"]}
    chans = charts.plan_channels(p)
    rows = [{**c, "lifecycle": f"{c['status']} · {c['verdict']}" if c["verdict"]
             else c["status"]} for c in chans]
    monthly = [{"channel": c["channel"], **(c["monthly"] if isinstance(c["monthly"], dict)
                                            else {})} for c in chans]
    return {
        "plan": p,
        "split_chart": charts.plan_split_chart(p, currency),
        "currency": currency,
        "curves": doc["curves"],
        "fallbacks": [c["channel"] for c in doc["curves"] if c["method"] != "fit"],
        "channels": rows,
        "footer": {"channel": "Total", "previous_spend": money(_sum(chans, "previous_spend")),
                   "spend": money(_sum(chans, "spend")), "share": pct(_sum(chans, "share")),
                   "expected_revenue": money(_sum(chans, "expected_revenue"))},
        "monthly_columns": [("channel", "Channel", None), *((m, m, money) for m in p["months"])],
        "monthly": monthly,
        "monthly_footer": {"channel": "Total",
                           **{m: money(_sum(monthly, m)) for m in p["months"]}},
        "scenarios": (None if s is None
                      else sorted(s["scenarios"], key=lambda r: r["budget"])),
        "scenario_chart": None if s is None else charts.scenario_chart(s, currency),
    }


# ---------------------------------------------------------------------- render
def render(doc: dict[str, Any], *, generated_at: datetime | None = None,
           source: str = "") -> str:
    """The report as one HTML document (stylesheet inlined, charts as inline SVG).

    Parameters
    ----------
    doc : dict
        What :func:`~touchpath.report.collect.collect` returns.
    generated_at : datetime, optional
        Shown in the header (default: now, UTC).
    source : str
        The warehouse the data came from, shown in the header.
    """
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    o = doc["options"]
    subtitle = (f"Model {o['model']} · period {o['period']} · money in {o['currency']} · "
                f"data version "
                f"{doc['health']['data_version']} · generated {when}"
                + (f" · {source}" if source else ""))
    return _ENV.get_template("report.html.j2").render(
        css=stylesheet(), subtitle=subtitle, health=doc["health"], paths=doc["paths"],
        attribution=_attribution_view(doc), funnel=_funnel_view(doc),
        segments=_segments_view(doc), campaigns=_campaigns_view(doc), roi=_roi_view(doc),
        calibration=_calibration_view(doc), lifecycle=_lifecycle_view(doc),
        budget=_budget_view(doc), monitoring=_monitoring_view(doc),
        identities=_identities_view(doc))


def write_report(db: str | Path | Warehouse, out: str | Path,
                 options: ReportOptions | None = None, comparison: Any = None) -> Path:
    """Compute the report on the warehouse ``db`` and write it to ``out``.

    Parameters
    ----------
    db : str, Path or Warehouse
        A warehouse file (opened read-only for the report), or an open
        :class:`~touchpath.data.warehouse.Warehouse` (only read; left open), as
        ``touchpath demo`` passes the one it has just filled.
    out : str or Path
        The HTML file to write (its folder is created).
    options : ReportOptions, optional
    comparison : ModelComparison, optional
        Passed to :func:`~touchpath.report.collect.collect`.

    Returns
    -------
    Path
        ``out``, resolved.

    Raises
    ------
    FileNotFoundError
        ``db`` is a path that does not exist.
    ValueError
        See :func:`~touchpath.report.collect.collect`.
    """
    if isinstance(db, Warehouse):
        doc, source = collect(db, options, comparison), Path(db.path).name
    else:
        db_path = Path(db)
        if not db_path.is_file():
            raise FileNotFoundError(f"warehouse {db_path} not found (create it with `touchpath "
                                    "demo` or `touchpath ingest`)")
        with Warehouse.open(db_path, read_only=True) as wh:
            doc = collect(wh, options, comparison)
        source = db_path.name
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(doc, source=source), encoding="utf-8")
    return target.resolve()
