"""CLI command ``touchpath report``: one self-contained HTML report (:mod:`touchpath.report`).

The report is computed by :func:`touchpath.report.html.write_report` for one
:class:`~touchpath.report.collect.ReportOptions`; every option default here is
the service's (:data:`touchpath.service.DEFAULTS`): the model and order, the
compared models, the period, the lookback, intervals off, and the plan's
budget rule (last quarter's spend, at most, each channel within ±30 %), so the
report's plan is the one ``touchpath plan`` makes with the same options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from touchpath.cli.app import app
from touchpath.cli.common import (
    DEFAULT_PERIOD,
    KIND_DEFAULT,
    MAX_CHANGE_DEFAULT,
    CensorOpt,
    KindOpt,
    MaxChangeOpt,
    ModelOpt,
    OrderOpt,
    PeriodChoice,
    StitchOpt,
    clean_errors,
    kind_choice,
    max_change_value,
    model_choice,
)
from touchpath.service import DEFAULTS

__all__ = ["report_cmd"]


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("report.html"),
    db: Annotated[Path, typer.Option(help="DuckDB warehouse file.")] = Path("touchpath.duckdb"),
    period: Annotated[PeriodChoice, typer.Option(help="ROI period / lifecycle cycle.")]
    = DEFAULT_PERIOD,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    models: Annotated[str, typer.Option(help="Comma-separated models compared in the "
                                             "Attribution section.")]
    = ",".join(DEFAULTS.compare_models),
    ci: Annotated[int, typer.Option(min=0, max=1000, help="Bootstrap resamples of the "
                                                          "comparison (0: no intervals).")]
    = DEFAULTS.ci,
    budget: Annotated[float | None, typer.Option(min=0.01, help="Budget of the plan "
                                                 "(default: last quarter's spend).")] = None,
    quarter: Annotated[str | None, typer.Option(help="Planned quarter, e.g. 2027Q1 "
                                                     "(default: the next one).")] = None,
    exact_budget: Annotated[bool, typer.Option(
        "--exact-budget/--at-most", help="Spend exactly the budget, or at most it "
                                         "(as `touchpath plan --exact-budget`).")]
    = DEFAULTS.spend_all,
    spend_all: Annotated[bool, typer.Option(
        "--spend-all", hidden=True, help="Old name of --exact-budget.")] = False,
    max_change: MaxChangeOpt = MAX_CHANGE_DEFAULT,
    lookback: Annotated[int, typer.Option(
        "--lookback", min=1, max=3650, help="Journey lookback window, days.")]
    = DEFAULTS.lookback_days,
    lookback_days: Annotated[int | None, typer.Option(
        "--lookback-days", min=1, max=3650, hidden=True, help="Old name of --lookback.")]
    = None,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Write one HTML report (charts embedded, works offline) and print its path."""
    # Deferred: the report pulls in the API's routes and the numerical stack.
    from touchpath.attribution.registry import split_specs
    from touchpath.report.collect import ReportOptions
    from touchpath.report.html import write_report

    with clean_errors():
        options = ReportOptions(
            period=period.value, model=model_choice(model, order),
            models=tuple(split_specs(models)), ci=ci, budget=budget, quarter=quarter,
            spend_all=exact_budget or spend_all, max_change=max_change_value(max_change),
            lookback_days=lookback if lookback_days is None else lookback_days,
            censor=censor, kind=kind_choice(kind), stitch=stitch,
        )
        path = write_report(db, out, options)
    typer.echo(str(path))
