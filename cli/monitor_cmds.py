"""``touchpath plans``, ``touchpath pacing`` and ``touchpath alerts``: track a recorded plan.

Surfaces over :mod:`touchpath.service.pacing` and :mod:`touchpath.service.alerts`
(``GET /v1/plans``, ``GET /v1/pacing``, ``POST /v1/alerts`` and ``GET
/v1/anomalies`` are the API's). A plan is recorded with ``touchpath plan
--record``.

``touchpath alerts`` exits with code 1 when any alert fires (a rule's breach
or, with ``--anomalies``, a flagged day), 0 when none does, 2 for bad input
(a rules file with an unknown metric is refused naming the rule): made for
cron and CI. With a ``[webhook]`` in the rules file the alerts document is
POSTed there as JSON when anything fires; a delivery that fails is said on
stderr and does not change the exit code.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.common import (
    CensorOpt,
    CliUsageError,
    FormatOpt,
    KindOpt,
    LookbackOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    clean_errors,
    emit,
    kind_choice,
    model_choice,
    open_warehouse,
    output_console,
)
from touchpath.service import DEFAULTS

__all__ = ["alerts_command", "pacing_command", "plans_command"]

DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB warehouse.")]
_DB = Path("touchpath.duckdb")
FromOpt = Annotated[datetime | None, typer.Option(
    "--from", formats=["%Y-%m-%d"], help="First day judged (YYYY-MM-DD, inclusive).")]
ToOpt = Annotated[datetime | None, typer.Option(
    "--to", formats=["%Y-%m-%d"], help="Last day judged (YYYY-MM-DD, inclusive).")]


def _money(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.2f}"


def _ratio(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=2, allow_nan=False, default=str)


@app.command("plans")
def plans_command(
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = _DB,
) -> None:
    """List the recorded plans, newest first (record one with `touchpath plan --record`)."""
    with clean_errors():
        with open_warehouse(db) as wh:
            found = service.recorded_plans(wh)
        docs = [p.to_dict(lines=False) for p in found]
        if fmt is OutputFormat.json:
            emit(_json(docs), out)
            return
        if fmt is OutputFormat.csv:
            import pandas as pd

            frame = pd.DataFrame(docs, columns=["plan_id", "recorded_at", "quarter",
                                                "data_version", "model", "budget",
                                                "total_spend", "expected_revenue", "currency"])
            emit(frame.to_csv(index=False), out)
            return
        if out is not None:
            raise CliUsageError("--out needs --format json or csv")
        console = output_console(highlight=False)
        if not found:
            console.print("No plan recorded yet: `touchpath plan --quarter 2026Q2 --record` "
                          "records one.", markup=False)
            return
        t = Table(title=f"Recorded plans (money in {DEFAULTS.currency})", title_justify="left")
        for col in ("id", "quarter", "recorded (UTC)", "data version", "model", "spend",
                    "exp. revenue"):
            t.add_column(col, justify="right" if col in ("id", "spend", "exp. revenue",
                                                         "data version") else "left")
        for p in found:
            t.add_row(str(p.plan_id), p.quarter, p.recorded_at.strftime("%Y-%m-%d %H:%M"),
                      str(p.data_version), p.model, _money(float(p.total_spend)),
                      _money(float(p.expected_revenue)))
        console.print(t)


def render_pacing(report: Any, console: Console) -> None:
    """The pacing of a recorded plan: one row per channel, then the months."""
    plan = report.plan
    console.print(f"Plan {plan.plan_id} for {plan.quarter} ({plan.model}, recorded at data "
                  f"version {plan.data_version}): data to {report.as_of}, "
                  f"{report.elapsed_days} of {report.total_days} days elapsed; off pace beyond "
                  f"±{report.tolerance:.0%}", markup=False)
    t = Table(title=f"Pacing (money in {report.currency})", title_justify="left")
    for col in ("channel", "planned", "planned to date", "actual to date", "projected", "pace",
                "exp. revenue to date", "attributed", "rev. pace", "flag"):
        t.add_column(col, justify="left" if col in ("channel", "flag") else "right")
    for c in report.channels:
        t.add_row(c.channel, _money(c.planned_spend), _money(c.planned_to_date),
                  _money(c.actual_spend), _money(c.projected_spend), _ratio(c.spend_pace),
                  _money(c.expected_to_date), _money(c.attributed_revenue),
                  _ratio(c.revenue_pace), ("OFF PACE: " if c.off_pace else "") + c.reason)
    console.print(t)
    mt = Table(title="Per month", title_justify="left")
    for col in ("channel", "month", "days", "planned", "planned to date", "actual",
                "exp. revenue", "attributed"):
        mt.add_column(col, justify="left" if col in ("channel", "month") else "right")
    for c in report.channels:
        for m in c.months:
            mt.add_row(c.channel, m.month, f"{m.elapsed_days}/{m.days}", _money(m.planned_spend),
                       _money(m.planned_to_date), _money(m.actual_spend),
                       _money(m.expected_revenue), _money(m.attributed_revenue))
    console.print(mt)


@app.command("pacing")
def pacing_command(
    plan: Annotated[int | None, typer.Option(
        "--plan", min=1, help="Recorded plan id (default: the latest).")] = None,
    tolerance: Annotated[float, typer.Option(
        min=0, help="Flag channels whose projected quarter spend is more than this share off "
                    "plan.")] = DEFAULTS.pacing_tolerance,
    as_of: Annotated[datetime | None, typer.Option(
        "--as-of", formats=["%Y-%m-%d"],
        help="Count the data up to this day (default: its last day).")] = None,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = _DB,
) -> None:
    """Planned vs actual spend and revenue to date, per channel and month, and the projection."""
    with clean_errors():
        with open_warehouse(db) as wh:
            report = service.pacing(wh, plan, tolerance=tolerance,
                                    as_of=None if as_of is None else as_of.date())
        if fmt is OutputFormat.json:
            emit(_json(report.to_dict()), out)
        elif fmt is OutputFormat.csv:
            emit(report.months_frame().to_csv(index=False), out)
        else:
            if out is not None:
                raise CliUsageError("--out needs --format json or csv")
            render_pacing(report, output_console(highlight=False))


def render_alerts(result: Any, console: Console) -> None:
    """The breaches (and flagged anomaly days) as tables, with what was checked."""
    if result.rules:
        console.print(f"{len(result.rules)} rule(s), {result.checked} value(s) checked under "
                      f"{result.model}: {len(result.breaches)} breach(es)", markup=False)
    if result.breaches:
        t = Table(title="Alerts fired", title_justify="left")
        for col in ("alert", "metric", "channel", "period", "value", "threshold"):
            t.add_column(col, justify="right" if col in ("value", "threshold") else "left")
        for b in result.breaches:
            t.add_row(b.rule, b.metric, b.channel, b.period, f"{b.value:,.4g}",
                      f"{b.op} {b.threshold:g}")
        console.print(t)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    if result.anomalies is not None:
        flagged = result.anomalies.flagged
        console.print(f"anomalies: {len(flagged)} day(s) flagged of {len(result.anomalies.frame)}"
                      f" judged; rule: {result.anomalies.settings.describe()}", markup=False)
        if len(flagged):
            t = Table(title="Anomalies", title_justify="left")
            for col in ("day", "weekday", "channel", "metric", "value", "expected range",
                        "median", "robust z"):
                t.add_column(col, justify="left" if col in ("day", "weekday", "channel",
                                                            "metric") else "right")
            for r in flagged.itertuples(index=False):
                z = "∞" if not math.isfinite(r.z) else f"{r.z:+.1f}"
                t.add_row(r.day.isoformat(), r.weekday, r.channel, r.metric, f"{r.value:,.4g}",
                          f"{r.low:,.4g} .. {r.high:,.4g}", f"{r.median:,.4g}", z)
            console.print(t)


@app.command("alerts")
def alerts_command(
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Alert rules file (TOML: [[alert]] tables, optional [webhook]).")]
    = None,
    anomalies: Annotated[bool, typer.Option(
        "--anomalies", help="Also flag days whose spend, conversions or revenue leave the "
                            "weekday baseline (trailing median and MAD).")] = False,
    latest: Annotated[bool, typer.Option(
        "--latest", help="Judge only the last period of each rule (for a daily cron run).")]
    = False,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.5, help="Robust z beyond which a day is an anomaly.")]
    = DEFAULTS.anomaly_threshold,
    window: Annotated[int, typer.Option(
        "--window", min=1, max=52, help="Same-weekday weeks in the anomaly baseline.")]
    = DEFAULTS.anomaly_window_weeks,
    webhook: Annotated[bool, typer.Option(
        "--webhook/--no-webhook", help="POST fired alerts to the rules file's [webhook].")]
    = True,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = DEFAULTS.kind or "all",
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = _DB,
) -> None:
    """Check threshold rules (and daily anomalies); exit 1 when any alert fires, else 0."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.monitoring import AnomalySettings
    from touchpath.data.alert_rules import AlertRules

    with clean_errors():
        if rules is None and not anomalies:
            raise CliUsageError("give --rules FILE (threshold alerts), --anomalies, or both")
        parsed = AlertRules.load(rules) if rules is not None else AlertRules((), None, "none")
        settings = AnomalySettings(window_weeks=window,
                                   min_history=min(DEFAULTS.anomaly_min_history, window),
                                   threshold=threshold)
        options = service.journey_options(lookback_days=lookback, censor=censor,
                                          kind=kind_choice(kind))
        with open_warehouse(db) as wh:
            result = service.check_alerts(
                wh, parsed, model=model_choice(model, order), options=options,
                start=None if start is None else start.date(),
                end=None if end is None else end.date(), latest=latest,
                anomaly_settings=settings, with_anomalies=anomalies)
        document = result.to_dict()
        delivery = None
        if webhook and parsed.webhook is not None and result.fired:
            delivery = service.deliver(parsed.webhook, document)
            document["delivery"] = delivery.to_dict()
        if fmt is OutputFormat.json:
            emit(_json(document), out)
        elif fmt is OutputFormat.csv:
            import pandas as pd

            emit(pd.DataFrame(document["breaches"], columns=[
                "rule", "metric", "channel", "period", "value", "op", "threshold"]
            ).to_csv(index=False), out)
        else:
            if out is not None:
                raise CliUsageError("--out needs --format json or csv")
            render_alerts(result, output_console(highlight=False))
        if delivery is not None:
            err = Console(stderr=True, highlight=False, soft_wrap=True)
            if delivery.ok:
                err.print(f"delivered to {delivery.url} (HTTP {delivery.status})", markup=False)
            else:
                err.print(f"warning: webhook {delivery.url} not delivered: {delivery.error}",
                          markup=False)
    if result.fired:
        raise typer.Exit(code=1)
