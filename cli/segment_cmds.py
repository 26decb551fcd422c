"""Segments on the command line: ``touchpath segments`` and the ``--by`` output.

``touchpath segments`` lists the attributes kept at ingest (a conversions or
events file's extra columns, a users file's columns) with their values and
whether they are segmentable. ``--by ATTRIBUTE`` on ``attribute``, ``compare``
and ``roi`` calls :func:`touchpath.service.attribute_segments`,
:func:`~touchpath.service.compare_segments` and
:func:`~touchpath.service.roi_segments`; the renderers here print their results:
per segment its size (journeys, conversions, revenue, ``(direct)``), a ``small``
mark with the bootstrap interval when it has few conversions, then the usual table.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath.cli.app import app
from touchpath.cli.attribution_cmds import DEFAULT_DB, DbOpt
from touchpath.cli.common import (
    FormatOpt,
    OutOpt,
    OutputFormat,
    clean_errors,
    emit,
    open_warehouse,
    output_console,
)

__all__ = [
    "render_segment_summary",
    "render_segmented_attribution",
    "render_segmented_comparison",
    "render_segmented_roi",
    "segments_cmd",
    "segments_json",
]


def segments_json(result: Any) -> str:
    """A segmented result (:meth:`to_dict`) as indented JSON text."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)


def render_segment_summary(result: Any, console: Console) -> None:
    """One row per segment: journeys, conversions, revenue, direct, small."""
    table = Table(title=f"Segments by {result.attribute.name} ({result.attribute.scope} "
                        "attribute)", title_justify="left")
    for col in ("segment", "journeys", "conversions", "revenue", "(direct) conv.", "sample"):
        table.add_column(col, justify="left" if col in ("segment", "sample") else "right")
    for s in result.segments:
        table.add_row(s.segment, f"{s.journeys:,}", f"{s.conversions:,.0f}",
                      f"{s.revenue:,.2f}", f"{s.direct_conversions:,.0f}",
                      f"small (n={s.conversions:,.0f})" if s.small_sample else "")
    console.print(table)


def _print_warnings(warnings: Any, console: Console) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def render_segmented_attribution(result: Any, console: Console) -> None:
    """The segment summary, then each segment's result table (with its interval if small)."""
    # Deferred: attribution_cmds imports this module's command group only at run time.
    from touchpath.cli.attribution_cmds import _result_table

    render_segment_summary(result, console)
    for s in result.segments:
        console.print(f"[bold]{escape(result.attribute.name)} = {escape(s.segment)}[/]"
                      + (f" [yellow](small: n={s.conversions:,.0f})[/]" if s.small_sample
                         else ""))
        console.print(_result_table(result.results[s.segment]))
    _print_warnings(result.warnings, console)


def render_segmented_comparison(result: Any, console: Console, metric: str = "share") -> None:
    """The segment summary, then each segment's comparison table."""
    # Deferred: attribution_cmds imports this module's command group only at run time.
    from touchpath.cli.attribution_cmds import comparison_table

    render_segment_summary(result, console)
    for s in result.segments:
        console.print(f"[bold]{escape(result.attribute.name)} = {escape(s.segment)}[/]"
                      + (f" [yellow](small: n={s.conversions:,.0f})[/]" if s.small_sample
                         else ""))
        comparison = result.comparisons[s.segment]
        if comparison.results:
            console.print(comparison_table(comparison, metric))
        for name, reason in comparison.skipped:
            console.print(f"[dim]skipped {escape(name)}: {escape(reason)}[/]")
    _print_warnings(result.warnings, console)


def render_segmented_roi(result: Any, console: Console) -> None:
    """Each segment's ROI tables (spend allocated by touch share), then the warnings."""
    # Deferred: roi_cmds imports this module's command group only at run time.
    from touchpath.cli.roi_cmds import _print_roi

    for segment, table in result.tables.items():
        console.print(f"[bold]{escape(result.attribute.name)} = {escape(segment)}[/] "
                      "[dim](spend allocated by touch share)[/]")
        _print_roi(table, console)
    _print_warnings(result.warnings, console)


@app.command("segments")
def segments_cmd(
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
) -> None:
    """List the segment attributes kept at ingest: scope, values, segmentable."""
    with clean_errors():
        # Deferred: the numerical stack loads when a command runs, not for --help.
        from touchpath.data.segments import MAX_SEGMENT_VALUES, segment_attributes

        with open_warehouse(db or DEFAULT_DB) as wh:
            found = segment_attributes(wh)
        if fmt is OutputFormat.json:
            emit(json.dumps([a.to_dict() for a in found], indent=2, ensure_ascii=False), out)
            return
        if fmt is OutputFormat.csv:
            lines = ["name,scope,distinct,segmentable"]
            lines += [f"{a.name},{a.scope},{a.distinct},{str(a.segmentable).lower()}"
                      for a in found]
            emit("\n".join(lines) + "\n", out)
            return
        table = Table(title="Segment attributes", title_justify="left")
        for col in ("attribute", "scope", "distinct", "values"):
            table.add_column(col, justify="right" if col == "distinct" else "left")
        for a in found:
            values = (", ".join(a.values) if a.segmentable else
                      f"not segmentable (more than {MAX_SEGMENT_VALUES:,} values)")
            table.add_row(a.name, a.scope, f"{a.distinct:,}", values)
        console = output_console(highlight=False) if out is None else Console(
            record=True, width=100)
        if not found:
            console.print("no segment attributes: ingest conversions with extra columns or a "
                          "users file (touchpath ingest FILE --table users)")
        else:
            console.print(table)
        if out is not None:
            out.write_text(console.export_text(), encoding="utf-8")
