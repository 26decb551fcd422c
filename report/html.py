"""One self-contained HTML report with the dashboard's content, for a period and a model.

The numbers come from the same code as the HTTP API: :func:`collect` calls the
route functions of :mod:`touchpath.api.routes` on a read session over the warehouse, so
the report holds exactly what ``/v1/health``, ``/v1/paths``,
``/v1/attribution/compare``, ``/v1/roi``, ``/v1/lifecycle``,
``/v1/budget/plan`` and ``/v1/budget/scenarios`` would answer. :func:`render`
turns those documents into one HTML file: the dashboard's stylesheet inlined,
every chart drawn as inline SVG, no script and no reference to any other file
or address, so it opens offline, prints, and can be mailed as it is.

Sections (as on the dashboard): Data, Attribution (grouped bars per channel per
model with bootstrap whiskers, the table, rank agreement), ROI (line chart per
channel per period and the finance table with money to 2 decimals), Lifecycle
(each test channel's ROI against the baseline and its admit / scale / exit
bars per cycle, with the verdict) and Budget plan (split, expected revenue,
marginal ROI, binding constraints, scenario curve).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from touchpath.report.charts import (
    _DASH,
    PALETTE,
    _e,
    _num,
    compact,
    count,
    grouped_bars_svg,
    line_chart_svg,
    money,
    pct,
    ratio,
    split_bars_svg,
    utc_minute,
)
from touchpath.report.collect import ReportOptions, collect

#: Up to this many compared models, the attribution chart and table sit side by side.
_SIDE_BY_SIDE_MODELS = 4
_NUM = ' class="num"'


# ---------------------------------------------------------------------- tables
def _table(columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
           rows: Sequence[dict[str, Any]], footer: dict[str, str] | None = None,
           css_id: str | None = None) -> str:
    """``columns`` are ``(key, header, formatter)``; a formatter marks a numeric column."""
    ident = f' id="{css_id}"' if css_id else ""
    head = "".join(f'<th scope="col"{_NUM if f else ""}>{_e(h)}</th>'
                   for _, h, f in columns)
    body = []
    for r in rows:
        cells = []
        for key, _, f in columns:
            v = r.get(key)
            text = f(v) if f else (_DASH if v is None else str(v))
            cells.append(f'<td{_NUM if f else ""}>{_e(text)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    foot = ""
    if footer:
        foot = "<tfoot><tr>" + "".join(
            f'<td{_NUM if f else ""}>{_e(footer.get(key, ""))}</td>'
            for key, _, f in columns) + "</tr></tfoot>"
    return (f'<table class="data-table"{ident}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody>{foot}</table>')


def _tiles(items: Sequence[tuple[str, str]], wide: Sequence[str] = ()) -> str:
    return '<div class="tiles">' + "".join(
        f'<div class="tile{" wide" if k in wide else ""}"><div class="tile-label">{_e(k)}</div>'
        f'<div class="tile-value">{_e(v)}</div></div>' for k, v in items) + "</div>"


# ---------------------------------------------------------------------- render
def _data_section(doc: dict[str, Any]) -> str:
    h, p = doc["health"], doc["paths"]
    t, o = p["totals"], p["options"]
    tiles = _tiles([
        ("Touchpoints", count(h["counts"].get("touchpoints"))),
        ("Conversions", count(h["counts"].get("conversions"))),
        ("Spend rows", count(h["counts"].get("spend"))),
        ("Channels", count(h["counts"].get("channels"))),
        ("Date range", f"{h['first_day']} → {h['last_day']}" if h["first_day"] else "no data"),
        ("Data version", str(h["data_version"])),
        ("Last ingest", utc_minute(h.get("last_ingest_at"))),
    ], wide=("Date range", "Last ingest"))
    opts = (f"lookback {o['lookback_days']} days, "
            f"{'repeats collapsed' if o['collapse_repeats'] else 'repeats kept'}, "
            f"{o['interaction']} interactions, "
            + (f"last {o['max_path_length']} touches" if o["max_path_length"] else "full paths"))
    summary = (f"<p>Journeys: {count(t['journeys'])} · converting: {count(t['path_conversions'])}"
               f" · non-converting: {count(t['nulls'])} · direct conversions (no touch in window):"
               f" {count(t['direct_conversions'])} · revenue on paths: {money(t['path_value'])}</p>"
               f'<p class="muted">Journey options: {_e(opts)}.</p>')
    top = _table([("path", "Most frequent paths", None), ("conversions", "Conversions", count),
                  ("nulls", "Non-converting", count), ("value", "Revenue", money)], p["paths"])
    return (f'<section id="data" class="card"><h2>Data</h2>{tiles}{summary}{top}</section>')


def _attribution_section(doc: dict[str, Any]) -> str:
    c = doc["compare"]
    labels = c["models"]  # the specs as asked for ("markov2"): the API's column names
    rows = [r for r in c["rows"] if r["channel"] != "(direct)"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    cell = {(r["model"], r["channel"]): r for r in rows}
    series = []
    for i, lab in enumerate(labels):
        total = sum(r["conversions"] for r in rows if r["model"] == lab)
        got = [cell.get((lab, ch)) for ch in channels]
        series.append({
            "name": lab, "color": PALETTE[i % len(PALETTE)],
            "values": [g["share"] if g else None for g in got],
            "lo": [g["conversions_lo"] / total if g and _num(g.get("conversions_lo")) and total
                   else None for g in got],
            "hi": [g["conversions_hi"] / total if g and _num(g.get("conversions_hi")) and total
                   else None for g in got],
        })
    side_by_side = len(labels) <= _SIDE_BY_SIDE_MODELS
    chart = grouped_bars_svg(channels, series, fmt=pct,
                             label="Share of conversions per channel and model",
                             width=640 if side_by_side else 1100)
    table_rows = [{"channel": ch, **{lab: (cell.get((lab, ch)) or {}).get("share")
                                     for lab in labels}} for ch in channels]
    table = _table([("channel", "Channel", None), *((lab, lab, pct) for lab in labels)],
                   table_rows, css_id="attr-table-el")
    pairs = {}
    for a in c["rank_agreement"]:
        pairs[(a["model_a"], a["model_b"])] = pairs[(a["model_b"], a["model_a"])] = a
    head = "".join(f'<th class="num">{_e(lab)}</th>' for lab in labels)
    body = []
    for a in labels:
        cells = []
        for b in labels:
            if a == b:
                cells.append('<td class="num diag">1.00</td>')
                continue
            p = pairs.get((a, b))
            rho = p["spearman"] if p else None
            band = ("na" if not _num(rho) else "hi" if rho >= 0.9 else "mid" if rho >= 0.7
                    else "lo" if rho >= 0.4 else "neg")
            tau = ratio(p["kendall"], 3) if p else _DASH
            cells.append(f'<td class="num agree-{band}" title="Kendall {tau}">{ratio(rho)}</td>')
        body.append(f'<tr><th scope="row">{_e(a)}</th>{"".join(cells)}</tr>')
    matrix = (f'<table class="data-table matrix"><thead><tr><th></th>{head}</tr></thead>'
              f'<tbody>{"".join(body)}</tbody></table>')
    direct = next((r for r in c["rows"] if r["channel"] == "(direct)"), None)
    direct_p = (f'<p class="muted">(direct) baseline, reported apart: '
                f'{count(direct["conversions"], 1)} conversions, {money(direct["value"])} '
                "revenue.</p>" if direct else "")
    ci = doc["options"]["ci"]
    note = (f"Whiskers: 95% bootstrap intervals ({ci} resamples)." if ci
            else "No intervals (0 bootstrap resamples).")
    skipped = "".join(f'<p class="warn">Skipped {_e(s["model"])}: {_e(s["reason"])}</p>'
                      for s in c["skipped"])
    scroll = '<div class="table-x" style="overflow-x:auto">'
    ranks = (f"<h3>Rank agreement of channel shares (Spearman ρ; Kendall τ-b on hover)</h3>"
             f"{scroll}{matrix}</div>")
    head_html = (f'<section id="attribution" class="card"><h2>Attribution: how the models '
                 f'disagree</h2><p class="muted">{note}</p>{skipped}')
    if side_by_side:
        return (f'{head_html}<div class="split even"><div class="chart-box">{chart}</div>'
                f"<div>{scroll}{table}</div>{direct_p}{ranks}</div></div></section>")
    # Many models: the table and the matrix need the full width; chart above them.
    return (f'{head_html}<div class="chart-box">{chart}</div>{scroll}{table}</div>'
            f"{direct_p}{ranks}</section>")


def _roi_section(doc: dict[str, Any]) -> str:
    r = doc["roi"]
    periods = list(dict.fromkeys(x["period"] for x in r["rows"]))
    paid = list(dict.fromkeys(x["channel"] for x in r["rows"]
                              if x["channel"] != "(direct)" and (x["spend"] or 0) > 0))
    cell = {(x["period"], x["channel"]): x for x in r["rows"]}
    spend = {ch: sum(x["spend"] or 0.0 for x in r["rows"] if x["channel"] == ch) for ch in paid}
    total = sum(spend.values())
    small = [ch for ch in paid if spend[ch] < 0.01 * total]
    shown = [ch for ch in paid if ch not in small]
    series = [{"name": ch, "color": PALETTE[paid.index(ch) % len(PALETTE)],
               "values": [(cell.get((p, ch)) or {}).get("roi") for p in periods]} for ch in shown]
    chart = line_chart_svg(periods, series, fmt=ratio, label=f"ROI per channel per {r['period']}")
    note = (f" Not drawn (under 1% of spend, ROI on a tiny denominator): {', '.join(small)};"
            " see the table." if small else "")
    cols = [("period", "Period", None), ("channel", "Channel", None), ("spend", "Spend", money),
            ("attributed_conversions", "Attr. conversions", lambda v: count(v, 1)),
            ("attributed_revenue", "Attr. revenue", money), ("roi", "ROI", ratio),
            ("net_roi", "Net ROI", ratio), ("cpa", "CPA", money)]

    def total_of(key: str) -> float:
        return sum(x[key] or 0.0 for x in r["rows"])

    footer = {"period": "Total", "channel": f"{count(len(r['rows']))} rows",
              "spend": money(total_of("spend")),
              "attributed_conversions": count(total_of("attributed_conversions"), 1),
              "attributed_revenue": money(total_of("attributed_revenue"))}
    table = _table(cols, r["rows"], footer, css_id="roi-table-el")
    return (f'<section id="roi" class="card"><h2>Channel ROI <small class="muted">'
            f'{_e(r["model"])}, per {_e(r["period"])}</small></h2>'
            f'<div class="chart-box">{chart}</div><p class="muted">ROI = attributed revenue ÷ '
            f"spend; channels without spend have no ROI.{_e(note)}</p>{table}</section>")


def _lifecycle_section(doc: dict[str, Any]) -> str:
    lc = doc["lifecycle"]
    cards = []
    for v in lc["verdicts"]:
        x = [c["period"] for c in v["cycles"]]

        def col(key: str, cycles: list[dict[str, Any]] = v["cycles"]) -> list[Any]:
            return [c.get(key) for c in cycles]

        chart = line_chart_svg(x, [
            {"name": f"{v['channel']} ROI", "color": PALETTE[0], "values": col("roi"),
             "width": 3},
            {"name": "baseline (established)", "color": "#6b7280", "values": col("baseline")},
            {"name": "scale bar", "color": "#2e9e6a", "values": col("scale_bar"),
             "dash": "6 4", "markers": False},
            {"name": "admit bar", "color": "#1fa3b5", "values": col("admit_bar"),
             "dash": "6 4", "markers": False},
            {"name": "exit bar", "color": "#c8463d", "values": col("exit_bar"),
             "dash": "3 3", "markers": False},
        ], fmt=ratio, label=f"{v['channel']} ROI vs baseline per cycle", width=600, height=240)
        cards.append(
            f'<div class="verdict-card" data-channel="{_e(v["channel"])}"><div class='
            f'"verdict-head"><h3>{_e(v["channel"])}</h3><span class="badge verdict-'
            f'{_e(v["verdict"])}">{_e(v["verdict"].upper())}</span></div>'
            f'<p class="reason">{_e(v["reason"])}</p>{chart}<p class="muted">Latest cycle '
            f'{_e(v["period"] or _DASH)}: ROI {ratio(v["roi"])} vs baseline '
            f'{ratio(v["baseline"])} (ratio {ratio(v["ratio"])}); low-cycle streak '
            f'{v["low_streak"]}.</p></div>')
    body = "".join(cards) or '<p class="muted">No channel is in test status.</p>'
    return (f'<section id="lifecycle" class="card"><h2>New-channel lifecycle</h2>'
            f'<p class="muted">Rules: {_e(lc["rules"])}. One cycle = one {_e(lc["period"])}.</p>'
            f'<div class="verdicts">{body}</div></section>')


def _budget_section(doc: dict[str, Any]) -> str:
    p, s = doc["plan"], doc["scenarios"]
    if p is None:
        return ('<section id="budget" class="card"><h2>Budget plan</h2><p class="muted">No '
                "spend in the warehouse and no budget given: nothing to plan.</p></section>")
    kpis = [("Status", p["status"]), ("Budget", money(p["budget"])),
            ("Planned spend", money(p["total_spend"])),
            ("Expected revenue", money(p["expected_revenue"])),
            ("Revenue ÷ spend", ratio(p["expected_revenue"] / p["total_spend"])
             if p["total_spend"] else _DASH),
            ("Budget shadow price", ratio(p["budget_shadow_price"], 3))]
    chans = sorted(p["channels"], key=lambda c: -c["spend"])
    split = split_bars_svg([(c["channel"], c["spend"], c["previous_spend"]) for c in chans],
                           label="Planned spend per channel", width=700)
    rows = [{**c, "lifecycle": f"{c['status']} · {c['verdict']}" if c["verdict"] else c["status"],
             "change_pct": c["change_pct"]} for c in chans]

    def signed(v: Any) -> str:
        return _DASH if not _num(v) else f"{'+' if v > 0 else ''}{v * 100:,.1f}%"

    def total_of(key: str) -> float:
        return sum(c[key] or 0.0 for c in chans)

    table = _table([("channel", "Channel", None), ("group", "Group", None),
                    ("lifecycle", "Status / verdict", None),
                    ("previous_spend", "Last quarter", money), ("spend", "Planned", money),
                    ("change_pct", "Change", signed), ("share", "Share", pct),
                    ("expected_revenue", "Exp. revenue", money),
                    ("marginal_roi", "Marginal ROI", lambda v: ratio(v, 3))], rows,
                   {"channel": "Total", "previous_spend": money(total_of("previous_spend")),
                    "spend": money(total_of("spend")), "share": pct(total_of("share")),
                    "expected_revenue": money(total_of("expected_revenue"))},
                   css_id="plan-table-el")
    monthly = ""
    if p["months"]:
        mrows = [{"channel": c["channel"], **(c["monthly"] if isinstance(c["monthly"], dict)
                                              else {})} for c in chans]
        foot = {"channel": "Total", **{m: money(sum(r.get(m) or 0.0 for r in mrows))
                                       for m in p["months"]}}
        monthly = (f'<h3>Monthly split of {_e(p["quarter"])}</h3>'
                   + _table([("channel", "Channel", None), *((m, m, money) for m in p["months"])],
                            mrows, foot))
    binding = "".join(f"<li>{_e(b)}</li>" for b in p["binding_constraints"])
    binding_html = (f'<ul class="chips">{binding}</ul>' if binding
                    else '<p class="muted">None: no constraint limits the plan.</p>')
    conflicts = "".join(f"<li>{_e(c)}</li>" for c in p["conflicts"])
    conflicts_html = (f'<h3>Conflicting constraints</h3><ul class="conflicts">{conflicts}</ul>'
                      if conflicts else "")
    notes = "".join(f"<li>{_e(n)}</li>" for n in p["notes"])
    scen_html = ""
    if s is not None:
        srows = sorted(s["scenarios"], key=lambda r: r["budget"])
        ok = [r for r in srows if _num(r["expected_revenue"])]
        chart = line_chart_svg([r["budget"] for r in ok], [
            {"name": "expected revenue", "color": PALETTE[2],
             "values": [r["expected_revenue"] for r in ok], "width": 2.5}],
            xs=[r["budget"] for r in ok], fmt=compact, x_fmt=compact,
            label="Expected revenue at other budgets", width=700, height=260)
        stable = _table([("budget", "Budget", money), ("total_spend", "Spend", money),
                         ("expected_revenue", "Exp. revenue", money),
                         ("incremental_roi", "Incremental ROI", lambda v: ratio(v, 3)),
                         ("budget_shadow_price", "Shadow price", lambda v: ratio(v, 3)),
                         ("status", "Status", None)], srows)
        scen_html = (f"<h3>Scenarios: expected revenue at other budgets</h3>"
                     f'<div class="chart-box">{chart}</div>'
                     f'<div class="table-x" style="overflow-x:auto">{stable}</div>')
    return (f'<section id="budget" class="card"><h2>Budget plan <small class="muted">'
            f'{_e(p["quarter"] or "")} · objective {_e(p["objective"])}</small></h2>'
            f'{_tiles(kpis)}<p>{_e(p["status_text"])}</p>'
            f'<p class="total-line">Total planned spend: <strong id="plan-total">'
            f'{money(p["total_spend"])}</strong></p><div class="split"><div class="chart-box">'
            f'{split}</div><div><h3>Binding constraints</h3>{binding_html}{conflicts_html}'
            f'{"<ul class=notes>" + notes + "</ul>" if notes else ""}</div></div>{table}'
            f"{monthly}{scen_html}</section>")


def render(doc: dict[str, Any], *, generated_at: datetime | None = None,
           source: str = "") -> str:
    """The report as one HTML document (stylesheet inlined, charts as inline SVG).

    Parameters
    ----------
    doc : dict
        What :func:`collect` returns.
    generated_at : datetime, optional
        Shown in the header (default: now, UTC).
    source : str
        The warehouse the data came from, shown in the header.
    """
    from touchpath.api.routes.dashboard import static_dir

    css = (static_dir() / "app.css").read_text(encoding="utf-8")
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    o = doc["options"]
    sub = (f"Model {o['model']} · period {o['period']} · data version "
           f"{doc['health']['data_version']} · generated {when}"
           + (f" · {source}" if source else ""))
    sections = [_data_section(doc), _attribution_section(doc), _roi_section(doc),
                _lifecycle_section(doc), _budget_section(doc)]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Touchpath report</title><style>{css}</style></head><body>"
            f'<header class="report-head"><h1>Touchpath report</h1><p>{_e(sub)}</p></header>'
            f"<main>{''.join(sections)}</main>"
            '<footer class="foot muted">Touchpath</footer></body></html>\n')


def write_report(db: Any, out: str | Path,
                 options: ReportOptions = ReportOptions(),  # noqa: B008
                 comparison: Any = None) -> Path:
    """Compute the report on the warehouse ``db`` and write it to ``out``.

    Parameters
    ----------
    db : str, Path or Warehouse
        A warehouse file (opened read-only for the report), or an open
        :class:`~touchpath.data.warehouse.Warehouse` (only read; left open), as
        ``touchpath demo`` passes the one it has just filled.
    out : str or Path
        The HTML file to write (its folder is created).
    options : ReportOptions
    comparison : ModelComparison, optional
        Passed to :func:`collect`.

    Returns
    -------
    Path
        ``out``, resolved.

    Raises
    ------
    FileNotFoundError
        ``db`` is a path that does not exist.
    ValueError
        See :func:`collect`.
    """
    from touchpath.data.warehouse import Warehouse

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
