"""``touchpath identities``: who is who, what stitching changed, and the credit both ways.

A surface over :func:`touchpath.service.identities` (``GET /v1/identities`` is
the other): the persons the ``identities`` table makes (ids per person, the
components too large to merge), the journeys per id against per person (and the
``(direct)`` conversions that now have touches), and one model's credit per
channel with and without stitching.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.attribution_cmds import DEFAULT_DB, DbOpt, _print_rich
from touchpath.cli.common import (
    KIND_DEFAULT,
    CensorOpt,
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
)
from touchpath.service import DEFAULTS

__all__ = ["identities_cmd", "render_identities"]

MaxIdsOpt = Annotated[int, typer.Option(
    "--max-ids", min=2, help="Largest component (in ids) merged into one person; larger ones "
                             "(shared devices, test accounts) stay apart and are reported.")]


def _n(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def render_identities(result: Any, console: Any) -> None:
    """The identities report: persons, what stitching changed, credit with and without."""
    r, e = result.report, result.effect
    persons = Table(title="Persons (identities table)", title_justify="left")
    persons.add_column("")
    persons.add_column("value", justify="right")
    for label, value in (
            ("pairs", f"{r.pairs:,}"), ("self-pairs", f"{r.self_pairs:,}"),
            ("pairs naming an unknown id", f"{r.unknown_pairs:,}"),
            ("ids linked", f"{r.ids_linked:,}"), ("persons (merged)", f"{r.persons:,}"),
            ("ids per person", f"{r.ids_per_person:.2f}"), ("largest person", f"{r.max_ids:,}"),
            (f"components over {r.stitch_max_ids} ids (not merged)", f"{len(r.oversized):,}")):
        persons.add_row(label, value)
    console.print(persons)
    for c in r.oversized[:10]:
        console.print(f"  not merged: {c.person_id} ({c.ids:,} ids)", markup=False)
    changed = Table(title="What stitching changed", title_justify="left")
    for col in ("", "per id", "per person"):
        changed.add_column(col, justify="right" if col else "left")
    changed.add_row("journeys", f"{e.journeys_before:,}", f"{e.journeys_after:,}")
    changed.add_row("converting journeys with touches", f"{e.converting_before:,}",
                    f"{e.converting_after:,}")
    changed.add_row("(direct) conversions", f"{e.direct_before:,}", f"{e.direct_after:,}")
    changed.add_row("mean channels per converting journey", f"{e.channels_before:.2f}",
                    f"{e.channels_after:.2f}")
    console.print(changed)
    console.print(f"{e.direct_now_touched:,} conversion(s) that were (direct) have touches "
                  "once stitched.", markup=False)
    credit = Table(title=f"Credit with and without stitching ({result.model}, conversions)",
                   title_justify="left")
    for col in ("channel", "per id", "per person", "change", "share per id",
                "share per person"):
        credit.add_column(col, justify="left" if col == "channel" else "right")
    for row in result.credit_frame().itertuples(index=False):
        credit.add_row(row.channel, _n(row.conversions_per_id), _n(row.conversions_per_person),
                       f"{row.change:+,.2f}", f"{row.share_per_id:.1%}",
                       f"{row.share_per_person:.1%}")
    console.print(credit)
    for w in r.warnings:
        console.print(f"warning: {w}", markup=False)


@app.command("identities")
def identities_cmd(
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    max_ids: MaxIdsOpt = DEFAULTS.stitch_max_ids,
) -> None:
    """Persons from the identities table, what stitching changed, and credit with and without.

    Reports the pairs (self-pairs and pairs naming an id with no touch and no
    conversion are counted), persons and ids per person, components larger
    than --max-ids (not merged), journeys and (direct) conversions per id and
    per person, and one model's credit per channel both ways. --format csv
    writes the credit table.
    """
    with clean_errors():
        options = service.journey_options(lookback_days=lookback, censor=censor,
                                          kind=kind_choice(kind), stitch_max_ids=max_ids)
        db = db or DEFAULT_DB
        with open_warehouse(db) as wh:
            result = service.identities(wh, options, model=model_choice(model, order))
        if fmt is OutputFormat.json:
            emit(json.dumps(result.to_dict(), indent=2), out)
        elif fmt is OutputFormat.csv:
            emit(result.credit_frame().to_csv(index=False), out)
        else:
            _print_rich(lambda c: render_identities(result, c), out)
