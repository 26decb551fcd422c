"""``touchpath funnel``: conversion kinds as funnel stages, attributed, with stage-to-stage rates.

A surface over :func:`touchpath.service.funnel` (``GET /v1/funnel`` is the other):
per stage the conversions of its kind, per channel and stage the conversions the
model attributes, the rate from each stage to the next and the drop-off.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.attribution_cmds import (
    DEFAULT_DB,
    DbOpt,
    InteractionOpt,
    MaxLengthOpt,
    _print_rich,
    _records_json,
)
from touchpath.cli.common import (
    CensorOpt,
    CollapseOpt,
    FormatOpt,
    JourneyFromOpt,
    JourneyToOpt,
    LookbackOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    StitchOpt,
    clean_errors,
    emit,
    model_choice,
    open_warehouse,
)
from touchpath.service import DEFAULTS

__all__ = ["funnel_cmd", "render_funnel"]

StagesOpt = Annotated[str, typer.Option(
    "--stages", metavar="KIND,KIND,...",
    help="Conversion kinds in funnel order, comma-separated (e.g. add_to_cart,purchase).")]


def _count(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if math.isfinite(x) else "–"


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.1%}"


def render_funnel(result: Any, console: Any) -> None:
    """The funnel as one rich table: a row per channel (the whole funnel first).

    Columns: the attributed conversions of each stage, then for each step the
    rate (next stage ÷ this stage) and the drop-off (1 − rate).
    """
    stages = result.stages
    table = Table(title=f"Funnel {' → '.join(stages)} ({result.model})", title_justify="left")
    table.add_column("channel")
    for stage in stages:
        table.add_column(stage, justify="right")
    for a, b in zip(stages, stages[1:], strict=False):
        table.add_column(f"{a} → {b}", justify="right")
        table.add_column("drop-off", justify="right")
    rows = [("all conversions", list(result.totals), result.rates())]
    rows += [(ch, [float(result.credit.loc[ch, s]) for s in stages], result.rates(ch))
             for ch in result.channels]
    for label, counts, rates in rows:
        steps = []
        for rate in rates[1:]:
            steps += [_pct(rate), _pct(1.0 - rate)]
        table.add_row(label, *[_count(c) for c in counts], *steps,
                      style="bold" if label == "all conversions" else None)
    console.print(table)


@app.command("funnel")
def funnel_cmd(
    stages: StagesOpt,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    collapse_repeats: CollapseOpt = False,
    interaction: InteractionOpt = "all",
    max_length: MaxLengthOpt = None,
    start: JourneyFromOpt = None,
    end: JourneyToOpt = None,
    censor: CensorOpt = DEFAULTS.censor,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Funnel stages as conversion kinds: conversions per channel and stage, rates, drop-off.

    Each stage's conversions are attributed on their own journeys (only
    conversions of that kind close them) with the same model. The rate of a
    stage is its conversions ÷ the previous stage's, overall and per channel.
    """
    with clean_errors():
        options = service.journey_options(
            lookback_days=lookback, collapse_repeats=collapse_repeats,
            interaction=interaction,  # type: ignore[arg-type]
            max_path_length=max_length, start=start, end=end, censor=censor, stitch=stitch)
        db = db or DEFAULT_DB
        with open_warehouse(db) as wh:
            result = service.funnel(wh, stages, model_choice(model, order), options)
        frame = result.to_frame()
        if fmt is OutputFormat.json:
            emit(_records_json(frame.to_dict(orient="records")), out)
        elif fmt is OutputFormat.csv:
            emit(frame.to_csv(index=False), out)
        else:
            _print_rich(lambda c: render_funnel(result, c), out)
