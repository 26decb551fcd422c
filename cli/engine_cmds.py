"""``touchpath paths`` over Parquet datasets: the DuckDB and Spark engines.

``touchpath paths --engine {duckdb,spark} --touchpoints URI --conversions URI``
builds the path table without a warehouse (:mod:`touchpath.data.engines`);
``--period`` with ``--by-period-out FILE`` also writes one table per period of
the journeys' end (the per-period tables the ROI table reads). On the
warehouse (no ``--touchpoints``), ``--period`` runs the same
engine query on the warehouse's tables; without them ``paths`` is
:func:`touchpath.service.path_table` as before.

Outputs are CSV, or Parquet when the file name ends in ``.parquet`` / ``.pq``,
in the ChannelAttribution shape (the per-period file adds ``period`` and
``period_start`` in front).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from touchpath.cli.common import CliUsageError, clean_errors, open_warehouse, output_console

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from touchpath.data.engines import EnginePaths
    from touchpath.data.journeys import JourneyOptions
    from touchpath.data.paths import PathTable

__all__ = ["run_engine_paths", "write_table"]

_PARQUET = (".parquet", ".pq")


def write_table(frame: pd.DataFrame, out: Path) -> None:
    """Write ``frame`` as Parquet (``.parquet`` / ``.pq``) or CSV; a file is whole or absent."""
    tmp = out.with_name(f".{out.name}.part")
    try:
        if out.suffix.lower() in _PARQUET:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def _period_frame(result: EnginePaths, period: str) -> pd.DataFrame:
    # Deferred: pandas and the ROI module load only when a table is written.
    import pandas as pd

    from touchpath.attribution.roi import period_label

    parts = []
    for start, table in result.periods.items():
        frame = table.to_frame()
        frame.insert(0, "period_start", start.isoformat())
        frame.insert(0, "period", period_label(start, period))  # type: ignore[arg-type]
        parts.append(frame)
    if not parts:
        columns = ["period", "period_start", "path", "total_conversions",
                   "total_conversion_value", "total_null", "first_conversions"]
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(parts, ignore_index=True)


def _run_spark(touchpoints: str, conversions: str, options: JourneyOptions, *,
               period: str | None, master: str,
               identities: str | None = None) -> EnginePaths:
    # Deferred: the engines load DuckDB and pyarrow (and pyspark when run).
    from touchpath.data.engines import paths_spark, spark_for

    err = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[tasks]}"), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task(f"starting Spark ({master})", total=None, tasks="")
        with spark_for(master) as session:
            bar.update(task, description="journeys on Spark")

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, tasks=f"{done}/{total} tasks")

            return paths_spark(touchpoints, conversions, options, period=period,
                               spark=session, progress=report, identities=identities)


def run_engine_paths(
    *,
    out: Path,
    options: JourneyOptions,
    engine: str | None,
    touchpoints: str | None,
    conversions: str | None,
    spark_master: str,
    period: str | None,
    by_period_out: Path | None,
    db: Path,
    identities: str | None = None,
) -> None:
    """Build and write the path table (and the per-period tables) with an engine.

    Raises
    ------
    typer.Exit
        Code 1 with one ``error:`` line: bad flags, a dataset that cannot be
        read or lacks a column, pyspark missing for ``--engine spark``.
    """
    with clean_errors(code=1):
        if (touchpoints is None) != (conversions is None):
            raise CliUsageError("--touchpoints and --conversions go together (two Parquet "
                                "datasets)")
        if by_period_out is not None and period is None:
            raise CliUsageError("--by-period-out needs --period (week, month or quarter)")
        if period is not None and by_period_out is None:
            raise CliUsageError(f"--period {period} needs --by-period-out FILE for the "
                                "per-period tables")
        if identities is not None and touchpoints is None:
            raise CliUsageError("--identities is a Parquet dataset read with --touchpoints "
                                "and --conversions (a warehouse stitches its own table)")
        if touchpoints is None:
            if engine is not None:
                raise CliUsageError(f"--engine {engine} reads Parquet: give --touchpoints URI "
                                    "and --conversions URI")
            # Deferred: the engines load DuckDB and pyarrow.
            from touchpath.data.engines import paths_warehouse

            missing = f"no warehouse at {db} (run `touchpath ingest` first)"
            with open_warehouse(db, missing=missing) as wh:
                result = paths_warehouse(wh, options, period=period)
        elif engine == "spark":
            result = _run_spark(touchpoints, str(conversions), options,
                                period=period, master=spark_master, identities=identities)
        else:
            from touchpath.data.engines import paths_duckdb

            result = paths_duckdb(touchpoints, str(conversions), options,
                                  period=period, identities=identities)
        _write(result.paths, out)
        if period is not None and by_period_out is not None:
            write_table(_period_frame(result, period), by_period_out)
    t = result.paths.totals()
    where = f" ({len(result.periods)} {period} tables in {by_period_out})" if period else ""
    output_console().print(
        f"wrote {out}: {int(t['paths']):,} paths, {t['path_conversions']:,.0f} conversions, "
        f"{t['nulls']:,.0f} nulls, {t['direct_conversions']:,.0f} direct conversions{where} "
        f"({result.engine}, {result.seconds:.1f} s)", markup=False
    )


def _write(table: PathTable, out: Path) -> None:
    write_table(table.to_frame(), out)
