"""Options and output shared by several ``touchpath`` commands.

An option defined here means the same thing, and reads the same in ``--help``,
in every command that takes it:

- ``--order``: Markov order ``1``-``4`` or ``auto`` (``attribute``, ``roi``,
  ``lifecycle``, ``curves``, ``plan``, ``report``);
- ``--period``: ``week``, ``month`` or ``quarter`` (``roi``, ``lifecycle``, ``curves``,
  ``plan``, ``report``);
- ``--collapse-repeats/--keep-repeats`` and ``--from`` / ``--to`` of the journey
  commands (``attribute``, ``compare``, ``paths``): journeys whose end time
  (conversion time, or last touch of a journey without conversion; naive =
  UTC) lies in ``[--from, --to)`` — ``--to`` is exclusive.

The ROI commands read ``--from`` / ``--to`` differently (whole conversion
days, both inclusive), so they keep their own options in
:mod:`touchpath.cli.roi_cmds`.
"""

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from touchpath.errors import TouchpathError

__all__ = ["JOURNEY_DATE_FORMATS", "CliUsageError", "CollapseOpt", "FormatOpt", "JourneyFromOpt",
           "JourneyToOpt", "LookbackOpt", "OrderOpt", "OutOpt", "OutputFormat", "PeriodChoice",
           "check_order", "emit", "order_value"]


class CliUsageError(TouchpathError, ValueError):
    """Bad command-line input (options that contradict each other, a missing file, ...).

    The commands print its message as one line on stderr and exit with code 2.
    """


class OutputFormat(StrEnum):
    """How results are written: a rich table, CSV or JSON."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

#: Date and time formats ``--from`` / ``--to`` of the journey commands accept.
JOURNEY_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class PeriodChoice(StrEnum):
    """``--period``: period of an ROI table (and length of a lifecycle test cycle)."""

    week = "week"
    month = "month"
    quarter = "quarter"


def check_order(value: str | None) -> str | None:
    """``--order`` as given, normalised: ``"1"`` to ``"4"``, ``"auto"``, or ``None``.

    Raises
    ------
    typer.BadParameter
        Anything else (exit code 2 with Typer's usage message).
    """
    if value is None:
        return None
    text = value.strip().lower()
    if text == "auto" or text in ("1", "2", "3", "4"):
        return text
    raise typer.BadParameter(f"expected 1, 2, 3, 4 or auto, got {value!r}")


def order_value(order: str | None) -> int | str | None:
    """A checked ``--order`` as a model setting: ``2`` (int), ``"auto"`` or ``None``."""
    checked = check_order(order)
    if checked is None or checked == "auto":
        return checked
    return int(checked)


OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write output to FILE.")]
LookbackOpt = Annotated[int, typer.Option("--lookback", min=1, help="Lookback window, days.")]
OrderOpt = Annotated[str | None, typer.Option(
    "--order", callback=check_order, metavar="<1|2|3|4|auto>",
    help="Markov order: 1-4 or auto (for --model markov).")]
CollapseOpt = Annotated[bool, typer.Option(
    "--collapse-repeats/--keep-repeats", help="Collapse consecutive repeats of a channel.")]
JourneyFromOpt = Annotated[datetime | None, typer.Option(
    "--from", formats=JOURNEY_DATE_FORMATS,
    help="Journeys ending at or after this day/time (UTC, inclusive).")]
JourneyToOpt = Annotated[datetime | None, typer.Option(
    "--to", formats=JOURNEY_DATE_FORMATS,
    help="Journeys ending before this day/time (UTC, exclusive).")]


def emit(text: str, out: Path | None) -> None:
    """Write ``text`` to stdout, or to the file ``out`` (UTF-8), ending with a newline."""
    text = text if text.endswith("\n") else text + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
