"""Options, errors and output shared by several ``touchpath`` commands.

Every command is a surface over one workflow of :mod:`touchpath.service`: it
parses its options, calls that workflow and renders the result (a rich table,
CSV or JSON). Option defaults are the service's (:data:`touchpath.service.DEFAULTS`),
so a command and the HTTP endpoint over the same workflow give the same answer
for the same parameters.

An option defined here means the same thing, and reads the same in ``--help``,
in every command that takes it:

- ``--model`` / ``--order``: a registry spec and its Markov order ``1``-``4`` or
  ``auto`` (``attribute``, ``roi``, ``lifecycle``, ``curves``, ``plan``,
  ``report``); :func:`model_choice` turns them into the service's spec;
- ``--period``: ``week``, ``month`` or ``quarter`` (``roi``, ``lifecycle``, ``curves``,
  ``plan``, ``report``);
- ``--max-change``: the plan's largest change per channel, or ``none``
  (``plan``, ``report``);
- ``--collapse-repeats/--keep-repeats`` and ``--from`` / ``--to`` of the journey
  commands (``attribute``, ``compare``, ``paths``): journeys whose end time
  (conversion time, or last touch of a journey without conversion; naive =
  UTC) lies in ``[--from, --to)`` — ``--to`` is exclusive;
- ``--censor/--no-censor`` of every command that builds journeys (``paths``,
  ``attribute``, ``compare``, ``roi``, ``lifecycle``, ``curves``, ``report``):
  leave out non-converting journeys still open at the end of the data (the
  default), or count every one as a failure (ChannelAttribution's convention);
  :func:`print_censoring` says on stderr what censoring did when it matters;
- ``--kind K`` of the same commands: only conversions of kind ``K`` (default
  ``purchase``) close journeys and are attributed, so a cart never cuts a
  purchase path; ``--kind all`` pools every kind. :func:`kind_choice` turns it
  into ``JourneyOptions.kind``.
- ``--stitch/--no-stitch`` of the same commands: journeys per person (the ids
  the ``identities`` table links; the default) or per id as stored.

The ROI commands read ``--from`` / ``--to`` differently (whole conversion
days, both inclusive), so they keep their own options in
:mod:`touchpath.cli.roi_cmds`.

Expected errors (bad input, a missing warehouse, anything a
:class:`~touchpath.errors.TouchpathError` or ``ValueError`` says) end a command
with one ``error:`` line on stderr and exit code 2 (:func:`clean_errors`).

Only the standard library, Typer and rich are imported here: the service's
defaults load without the numerical stack (see :mod:`touchpath.service`), so
``touchpath --help`` stays fast.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from touchpath import service
from touchpath.errors import TouchpathError
from touchpath.service import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from touchpath.data.warehouse import Warehouse

__all__ = [
    "DEFAULT_GRAIN",
    "DEFAULT_PERIOD",
    "JOURNEY_DATE_FORMATS",
    "MAX_CHANGE_DEFAULT",
    "CliUsageError",
    "CensorOpt",
    "StitchOpt",
    "CollapseOpt",
    "FormatOpt",
    "GrainChoice",
    "GrainOpt",
    "JourneyFromOpt",
    "JourneyToOpt",
    "KindOpt",
    "LookbackOpt",
    "MaxChangeOpt",
    "ModelOpt",
    "OrderOpt",
    "OutOpt",
    "OutputFormat",
    "PeriodChoice",
    "check_max_change",
    "check_order",
    "clean_errors",
    "emit",
    "fail",
    "kind_choice",
    "max_change_value",
    "model_choice",
    "open_warehouse",
    "order_value",
    "output_console",
    "print_censoring",
]


class CliUsageError(TouchpathError, ValueError):
    """Bad command-line input: printed as one line, exit code 2 (see :func:`clean_errors`)."""


class OutputFormat(StrEnum):
    """How results are written: a rich table, CSV or JSON."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

#: Date and time formats ``--from`` / ``--to`` of the journey commands accept.
JOURNEY_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class PeriodChoice(StrEnum):
    """Period of an ROI table (and length of a lifecycle test cycle)."""

    week = "week"
    month = "month"
    quarter = "quarter"


#: The service's period, as the ``--period`` choice.
DEFAULT_PERIOD = PeriodChoice(DEFAULTS.period)


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


def model_choice(model: str, order: str | None, **settings: Any) -> str:
    """The service's canonical spec of ``--model`` with ``--order`` and other settings.

    ``--order`` wins over an ``order`` in ``settings`` (``-p order=...``); left
    unset on the service's model (``markov``) it means the service's order
    (:data:`~touchpath.service.DEFAULTS` ``.order``), so that ``touchpath roi``
    and ``GET /v1/roi`` without a model fit the same chain. ``None`` settings
    are dropped.

    Raises
    ------
    ModelSpecError
        Unknown model, or settings it does not take (``--order`` on ``linear``).
    """
    setting = order_value(order)
    if setting is not None:
        settings = {**settings, "order": setting}
    elif settings.get("order") is None and model == DEFAULTS.model:
        settings = {**settings, "order": DEFAULTS.order}
    return service.model_spec(model, **settings)


def max_change_value(value: str | float | None) -> float | None:
    """``--max-change`` as the plan takes it: a share ``>= 0``, or ``None`` for ``none``.

    Raises
    ------
    typer.BadParameter
        Neither ``none`` nor a finite number ``>= 0``.
    """
    if value is None or isinstance(value, float):
        return value
    text = str(value).strip().lower()
    if text in ("none", "off"):
        return None
    try:
        share = float(text)
    except ValueError:
        raise typer.BadParameter(f"expected a share such as 0.3, or none; got {value!r}"
                                 ) from None
    if not math.isfinite(share) or share < 0:
        raise typer.BadParameter(f"expected a share >= 0 such as 0.3, or none; got {value!r}")
    return share


def check_max_change(value: str) -> str:
    """``--max-change`` as typed, once :func:`max_change_value` accepts it (else a usage error)."""
    max_change_value(value)
    return value


#: ``--max-change`` default as typed on the command line: the service's.
MAX_CHANGE_DEFAULT = "none" if DEFAULTS.max_change is None else f"{DEFAULTS.max_change:g}"


#: ``--model`` of the commands over one model (default: the service's model).
ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="Attribution model (registry spec, e.g. markov, markov2, linear; "
                          "see `touchpath attribute --list`).")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write output to FILE.")]
LookbackOpt = Annotated[int, typer.Option("--lookback", min=1, help="Lookback window, days.")]
OrderOpt = Annotated[str | None, typer.Option(
    "--order", callback=check_order, metavar="<1|2|3|4|auto>",
    help=f"Markov order: 1-4 or auto (for --model markov; default {DEFAULTS.order}).")]
MaxChangeOpt = Annotated[str, typer.Option(
    "--max-change", metavar="<SHARE|none>", callback=check_max_change,
    help="Largest change of each channel's spend vs last quarter, as a share (0.3 = ±30%); "
         "'none' for no limit.")]
CollapseOpt = Annotated[bool, typer.Option(
    "--collapse-repeats/--keep-repeats", help="Collapse consecutive repeats of a channel.")]
CensorOpt = Annotated[bool, typer.Option(
    "--censor/--no-censor",
    help="Leave out journeys without a conversion whose last touch is less than the lookback "
         "before the end of the data (still open), or count every journey without a "
         "conversion as a failure (--no-censor: ChannelAttribution's convention).")]
StitchOpt = Annotated[bool, typer.Option(
    "--stitch/--no-stitch",
    help="Cut journeys per person: the ids the identities table links are one customer "
         "(the default once it has pairs), or per id as stored (--no-stitch).")]
#: ``--kind`` default as typed: the service's kind (``all`` when it pools every kind).
KIND_DEFAULT = DEFAULTS.kind or "all"
KindOpt = Annotated[str, typer.Option(
    "--kind", metavar="KIND",
    help="Conversion kind that closes journeys and is attributed (e.g. purchase, "
         "add_to_cart); 'all' pools every kind.")]


def kind_choice(kind: str) -> str | None:
    """``--kind`` as ``JourneyOptions.kind``: the kind, or ``None`` for ``all``."""
    # Deferred: the journeys module loads the numerical stack.
    from touchpath.data.journeys import kind_value

    return kind_value(kind)


JourneyFromOpt = Annotated[datetime | None, typer.Option(
    "--from", formats=JOURNEY_DATE_FORMATS,
    help="Journeys ending at or after this day/time (UTC, inclusive).")]
JourneyToOpt = Annotated[datetime | None, typer.Option(
    "--to", formats=JOURNEY_DATE_FORMATS,
    help="Journeys ending before this day/time (UTC, exclusive).")]


def print_censoring(report: Any, *, counts: bool = False) -> None:
    """What censoring did, on stderr: its warnings, and with ``counts`` the count line.

    ``report`` is a :class:`~touchpath.data.journeys.CensoringReport`.
    """
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if counts:
        def journeys(n: int) -> str:
            return f"{n:,} non-converting journey{'' if n == 1 else 's'}"

        if report.censor:
            console.print(
                f"censoring: {journeys(report.censored)} censored (still open: "
                f"last touch less than {report.lookback_days} days before the end of the data), "
                f"{report.non_converting_kept:,} kept as nulls", markup=False)
        else:
            console.print(
                f"censoring off: all {journeys(report.non_converting)} kept as "
                f"nulls ({report.still_open:,} of them still open)", markup=False)
    for text in report.warnings:
        console.print(f"[bold yellow]warning:[/] {escape(text)}")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; the Exit to raise."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=code)


#: Width of tables written to a pipe or a file (logs, ``| less``, CI): wide enough that no
#: cell is cut; a table is never wider than its content.
PIPE_WIDTH = 1000


def output_console(**options: Any) -> Console:
    """The console for a command's tables on stdout.

    On a terminal, its width; anywhere else (a pipe, a file, CI) :data:`PIPE_WIDTH`,
    so that no cell is truncated to fit 80 columns.
    """
    if "width" not in options and not sys.stdout.isatty():
        options["width"] = PIPE_WIDTH
    return Console(**options)


@contextmanager
def clean_errors(code: int = 2) -> Iterator[None]:
    """Turn expected errors into one ``error:`` line on stderr and exit ``code`` (no traceback).

    Expected: :class:`CliUsageError`, every :class:`~touchpath.errors.TouchpathError`
    and ``ValueError`` (the domain's errors derive from them; their message says
    what and where), ``OSError`` (a file that cannot be read or written). A
    closed stdout is left to :func:`touchpath.cli.main`, which ends quietly.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except (CliUsageError, TouchpathError, ValueError, OSError) as exc:
        # A warehouse that cannot be opened (busy, not the demo's) is one line and exit
        # code 1 for every command, said once by the command group (cli/app.py). The
        # module is loaded already when its error is raised, so this import is free.
        from touchpath.data.warehouse import WarehouseError

        if isinstance(exc, WarehouseError):
            raise
        raise fail(str(exc), code) from None


@contextmanager
def open_warehouse(db: Path, *, read_only: bool = True,
                   missing: str | None = None) -> Iterator[Warehouse]:
    """The warehouse at ``db``, open for the ``with`` block.

    Raises
    ------
    CliUsageError
        No file at ``db`` (``missing``, or a message naming the file and how to
        make one).
    """
    if not db.is_file():
        raise CliUsageError(missing or f"{db}: no such warehouse; load data with "
                                       "`touchpath ingest` or `touchpath demo`")
    # Deferred: the warehouse module loads DuckDB and pandas.
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db, read_only=read_only) as wh:
        yield wh


def emit(text: str, out: Path | None) -> None:
    """Write ``text`` to stdout, or to the file ``out`` (UTF-8), ending with a newline."""
    text = text if text.endswith("\n") else text + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


ByOpt = Annotated[str | None, typer.Option(
    "--by", metavar="ATTRIBUTE",
    help="Fit per segment of a conversion or user attribute (e.g. device, region); rows "
         "carry the segment. `touchpath segments` lists the attributes.")]


class GrainChoice(StrEnum):
    """What a touch's state is in attribution: its channel, or its channel and campaign."""

    channel = "channel"
    campaign = "campaign"


#: ``--grain`` of ``paths``, ``attribute`` and ``compare``: credit per channel, or per channel
#: and campaign (rows carry both, beside the channel roll-up). ROI and plans stay per channel.
GrainOpt = Annotated[GrainChoice, typer.Option(
    "--grain",
    help="State of a touch: channel, or campaign (channel and campaign; rows carry both, "
         "beside the channel roll-up).")]

#: ``--grain`` default: the service's.
DEFAULT_GRAIN = GrainChoice(DEFAULTS.grain)

#: ``--record`` of ``touchpath plan``: store the plan in the warehouse for pacing.
RecordOpt = Annotated[bool, typer.Option(
    "--record/--no-record", help="Store the plan (parameters, data version, spend and "
                                 "expected revenue per channel and month) in the warehouse "
                                 "and print its id; `touchpath pacing` tracks it.")]
CalibrateOpt = Annotated[bool, typer.Option(
    "--calibrate",
    help="Calibrate to the experiments table: a channel's credit in an experiment's window "
         "becomes the experiment's incremental estimate, and outside it is scaled by the "
         "factor incremental ÷ attributed; the credit freed is reported, not spread.")]
