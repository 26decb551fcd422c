"""``attribute`` and ``compare`` at ``--grain campaign``: credit per channel and campaign.

Each calls one workflow of :mod:`touchpath.service.campaigns`
(:func:`~touchpath.service.campaigns.attribute_campaigns` /
:func:`~touchpath.service.campaigns.compare_campaigns`) on the warehouse and
renders two tables: the campaigns (rows carry ``channel`` and ``campaign``) and
the channel roll-up (the campaigns' credit summed per channel beside the
channel-level fit of the same model). For the per-touch rules the two agree
exactly; Markov and Shapley fit campaign states of their own.

``--format csv`` writes the campaign rows; ``--format json`` an object with
``campaigns`` (rows) and ``channels`` (the roll-up).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath import service
from touchpath.cli.common import CliUsageError, OutputFormat, emit, open_warehouse

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from touchpath.service.campaigns import CampaignAttribution, CampaignComparison

__all__ = ["campaign_table", "compare_campaigns_cmd", "attribute_campaigns_cmd",
           "rollup_table"]


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _zero(x: float) -> float:
    """A float-precision difference (|x| < 1e-9) as 0, so a sum that is exact reads 0.00."""
    return 0.0 if abs(x) < 1e-9 else x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    obj = frame.astype(object)
    rows = obj.where(pd.notna(obj), None).to_dict(orient="records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows]


def _open(db: Path | None) -> Any:
    db = db or Path("touchpath.duckdb")
    return open_warehouse(db, missing=f"{db}: no such warehouse; load data with "
                                      "`touchpath ingest` (--grain campaign needs the "
                                      "warehouse's touches)")


def campaign_table(result: CampaignAttribution) -> Table:
    """Campaign rows grouped by channel: conversions, value, share (with intervals if any)."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.paths import DIRECT

    frame = result.to_frame(include_direct=True)
    has_ci = "conversions_lo" in frame.columns
    title = f"{result.label} per channel and campaign"
    if has_ci:
        title += f" — {result.result.ci_level:.0%} bootstrap intervals"
    table = Table(title=title, title_justify="left")
    for name in ("channel", "campaign", "conversions", *(("conv. interval",) if has_ci else ()),
                 "value", *(("value interval",) if has_ci else ()), "share"):
        table.add_column(name, justify="left" if name in ("channel", "campaign") else "right")
    previous = None
    for row in frame.itertuples(index=False):
        if previous is not None and row.channel != previous:
            table.add_section()
        direct = row.channel == DIRECT
        cells = [row.channel, "" if direct else str(row.campaign), _fmt(row.conversions)]
        if has_ci:
            cells.append("" if direct else
                         f"{_fmt(row.conversions_lo)} – {_fmt(row.conversions_hi)}")
        cells.append(_fmt(row.value))
        if has_ci:
            cells.append("" if direct else f"{_fmt(row.value_lo)} – {_fmt(row.value_hi)}")
        cells.append("(apart)" if direct else f"{row.share:.1%}")
        table.add_row(*cells, style="dim" if direct else None)
        previous = row.channel
    return table


def rollup_table(roll: pd.DataFrame, exact: bool, label: str) -> Table:
    """The campaigns' credit summed per channel, beside the channel-level fit of the model."""
    how = ("campaigns sum exactly to the channel credit (a per-touch rule)" if exact else
           "campaign states are a fit of their own; the channel-level fit beside it")
    table = Table(title=f"{label}: channel roll-up", title_justify="left", caption=how)
    for name in ("channel", "campaigns", "conversions (sum)", "channel-level", "difference",
                 "value (sum)", "channel-level value"):
        table.add_column(name, justify="left" if name == "channel" else "right")
    for row in roll.itertuples(index=False):
        table.add_row(row.channel, str(row.campaigns), _fmt(row.conversions),
                      _fmt(row.channel_conversions), _fmt(_zero(row.difference)),
                      _fmt(row.value), _fmt(row.channel_value))
    return table


def _warn(console: Console, warnings: Any) -> None:
    for text in warnings:
        console.print(f"[yellow]warning:[/] {escape(text)}")


def attribute_campaigns_cmd(*, spec: str, options: Any, db: Path | None, paths: Path | None,
                            ci: int, level: float, seed: int, progress: bool,
                            fmt: OutputFormat, out: Path | None, details: bool,
                            print_rich: Any, print_details: Any) -> CampaignAttribution:
    """``touchpath attribute --grain campaign``: one service call, two tables (or CSV / JSON)."""
    from touchpath.cli.common import print_censoring

    if paths is not None:
        raise CliUsageError("--grain campaign reads the warehouse (a path file has no "
                            "campaigns); drop --paths")
    with _open(db) as wh:
        result = service.attribute_campaigns(wh, spec, options, ci=ci, level=level, seed=seed,
                                             progress=progress)
        print_censoring(service.censoring(wh, options))
    if fmt is OutputFormat.json:
        doc = {"model": result.label, "grain": "campaign", "exact": result.exact,
               "campaigns": _records(result.to_frame()),
               "channels": _records(result.rollup()), "warnings": list(result.warnings)}
        emit(json.dumps(doc, indent=2, ensure_ascii=False), out)
    elif fmt is OutputFormat.csv:
        emit(result.to_frame().to_csv(index=False), out)
    else:
        def draw(console: Console) -> None:
            console.print(campaign_table(result))
            console.print(rollup_table(result.rollup(), result.exact, result.label))
            _warn(console, result.warnings)
            if details:
                print_details(result.result, console)

        print_rich(draw, out)
    return result


def _comparison_table(cmp: CampaignComparison) -> Table:
    """Campaign rows, one column per model: share of attributed conversions (%)."""
    tidy = cmp.to_frame()
    table = Table(title="Share of attributed conversions (%) by model, per campaign",
                  title_justify="left")
    table.add_column("channel", no_wrap=True)
    table.add_column("campaign", no_wrap=True)
    for label in cmp.labels:
        table.add_column(label, justify="right")
    wide = tidy.pivot_table(index=["channel", "campaign"], columns="model", values="share",
                            sort=False)
    previous = None
    for (channel, campaign), row in wide.iterrows():
        if previous is not None and channel != previous:
            table.add_section()
        table.add_row(channel, campaign,
                      *[_fmt(100 * row[m], 1) if m in row.index else "" for m in cmp.labels])
        previous = channel
    return table


def _compare_rollup_table(cmp: CampaignComparison) -> Table:
    """Per channel and model: the campaigns' conversions summed / the channel-level fit."""
    roll = cmp.rollup()
    table = Table(title="Channel roll-up: campaigns summed / channel-level fit (conversions)",
                  title_justify="left",
                  caption="= : a per-touch rule, the campaigns sum exactly to the channel "
                          "credit; Markov and Shapley fit campaign states of their own")
    table.add_column("channel", no_wrap=True)
    labels = [m for m in cmp.labels if m in set(roll["model"])]
    for label in labels:
        table.add_column(label, justify="right")
    for channel in dict.fromkeys(roll["channel"]):
        cells = [channel]
        for label in labels:
            r = roll[(roll["model"] == label) & (roll["channel"] == channel)].iloc[0]
            if bool(r["exact"]):
                cells.append(f"= {_fmt(r['conversions'], 1)}")
            else:
                cells.append(f"{_fmt(r['conversions'], 1)} / {_fmt(r['channel_conversions'], 1)}")
        table.add_row(*cells)
    return table


def compare_campaigns_cmd(*, specs: list[str], options: Any, db: Path | None,
                          paths: Path | None, ci: int, level: float, seed: int, progress: bool,
                          fmt: OutputFormat, out: Path | None, plot: Path | None, metric: str,
                          print_rich: Any) -> None:
    """``touchpath compare --grain campaign``: the models per campaign, and their roll-up."""
    from touchpath.cli.common import print_censoring
    from touchpath.service import DEFAULTS

    if paths is not None:
        raise CliUsageError("--grain campaign reads the warehouse (a path file has no "
                            "campaigns); drop --paths")
    with _open(db) as wh:
        cmp = service.compare_campaigns(wh, specs, options, ci=ci, level=level, seed=seed,
                                        progress=progress)
        print_censoring(service.censoring(wh, options))
    if not cmp.comparison.results:
        raise CliUsageError("no model could run on this input")
    if plot is not None:
        cmp.comparison.plot(plot, metric=metric, currency=DEFAULTS.currency)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if fmt is OutputFormat.table:
        def draw(console: Console) -> None:
            console.print(_comparison_table(cmp))
            console.print(_compare_rollup_table(cmp))
            for name, reason in cmp.skipped:
                console.print(f"[yellow]note:[/] skipped {name}: {reason}")
            _warn(console, cmp.warnings)

        print_rich(draw, out)
    else:
        for name, reason in cmp.skipped:
            err.print(f"[yellow]note:[/] skipped {name}: {reason}")
        if fmt is OutputFormat.json:
            doc = {"grain": "campaign", "models": list(cmp.labels),
                   "campaigns": _records(cmp.to_frame(include_direct=True)),
                   "channels": _records(cmp.rollup()), "warnings": list(cmp.warnings)}
            emit(json.dumps(doc, indent=2, ensure_ascii=False), out)
        else:
            emit(cmp.to_frame(include_direct=True).to_csv(index=False), out)
    if plot is not None:
        err.print(f"chart written to {plot}")
