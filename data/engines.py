"""Path tables straight from Parquet datasets, on DuckDB or on Apache Spark.

Touchpath's models need only the aggregated path table; turning billions of
events into journeys is the work that outgrows one machine. This module runs
that work without a warehouse, over Parquet datasets (one file, a directory of
part files, hive partitions), on one of two engines:

- ``duckdb``: in process, out of core (``memory_limit``, spilling to
  ``temp_directory``); local files.
- ``spark``: Apache Spark (the optional ``touchpath[spark]`` extra, Java 17),
  ``local[*]``, a cluster master URL or Spark Connect (``sc://host:port``);
  any URI Spark reads (``s3a://``, ``hdfs://``, ``abfss://``, local paths).

One semantics, one source: the query is ``data/sql/engine_paths.sql``, written
once in DuckDB's dialect from window functions and plain aggregates, and turned
into each engine's SQL by sqlglot (:func:`engine_sql`). Every construct in it
transpiles faithfully (checked by the identity tests, which also hold both
engines to the warehouse's :func:`touchpath.data.journeys.build_paths`); the
one construct sqlglot would not carry over -- an ``ORDER BY`` inside an
aggregate, which it drops for Spark -- is not used: each journey's channels
are a list of ``{ts, id, channel}`` sorted and then projected
(``list_sort`` / ``list_transform``, Spark's ``array_sort`` / ``transform``).

The rules are those of the warehouse (:mod:`touchpath.data.journeys`), with
``censor`` (default ``True``): a trailing non-converting journey still open at
the end of the data is left out; with ``censor=False`` every non-converting
journey counts as a null (ChannelAttribution's convention).

Inputs have the warehouse's columns: touchpoints ``event_id, user_id, ts,
channel`` and optionally ``interaction`` (missing: every touch is a click);
conversions ``conversion_id, user_id, ts, value`` and optionally ``kind``
(missing: every conversion is a ``purchase``); only conversions of
``options.kind`` close journeys (``None``: every kind). Other columns are ignored.
"""

from __future__ import annotations

import glob
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot

from touchpath.data.identities import duckdb_components, label_components
from touchpath.data.journeys import JourneyOptions, _encode_paths, _path_table
from touchpath.data.paths import PathTable, separator_mark
from touchpath.data.warehouse import Warehouse, load_sql
from touchpath.errors import TouchpathError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

__all__ = [
    "CONVERSION_COLUMNS",
    "ENGINES",
    "IDENTITY_COLUMNS",
    "PERIOD_UNITS",
    "SPARK_INSTALL_HINT",
    "TOUCHPOINT_COLUMNS",
    "EngineError",
    "EnginePaths",
    "SparkMissingError",
    "engine_params",
    "engine_sql",
    "paths_duckdb",
    "paths_spark",
    "paths_warehouse",
    "spark_for",
    "spark_session",
]

#: The engines of ``touchpath paths --engine``.
ENGINES: tuple[str, ...] = ("duckdb", "spark")

#: Periods of the per-period path tables (the journey's end: week from Monday).
PERIOD_UNITS: tuple[str, ...] = ("week", "month", "quarter")

#: Columns the datasets must have (``interaction`` of touchpoints is optional).
TOUCHPOINT_COLUMNS: tuple[str, ...] = ("event_id", "user_id", "ts", "channel")
CONVERSION_COLUMNS: tuple[str, ...] = ("conversion_id", "user_id", "ts", "value")
#: Columns of an identities dataset (pairs of ids of one person; other columns ignored).
IDENTITY_COLUMNS: tuple[str, ...] = ("id_a", "id_b")

#: What to run when pyspark is missing.
SPARK_INSTALL_HINT = "pip install 'touchpath[spark]'"

#: Spark settings every session gets: timestamps are UTC wall-clock times.
_SPARK_CONF = {"spark.sql.session.timeZone": "UTC"}

#: Settings of the sessions Touchpath starts: no console bar (the CLI shows its own).
_SPARK_START_CONF = {"spark.ui.showConsoleProgress": "false"}


class EngineError(TouchpathError, ValueError):
    """A dataset cannot be read or lacks a column: says which dataset, where and why."""


class SparkMissingError(EngineError):
    """``--engine spark`` without pyspark installed."""


@dataclass(frozen=True, eq=False)
class EnginePaths:
    """The path tables an engine computed.

    Attributes
    ----------
    paths : PathTable
        Every journey in the date range (rows ordered by path).
    periods : dict of date to PathTable
        With a ``period``: one table per period holding journeys (keyed by the
        period's first day, in time order), each listing its own channels;
        otherwise empty.
    rows : pyarrow.Table
        The engine's result: ``period`` (timestamp or null), ``path`` (list of
        channel names, empty for direct conversions), ``conversions``, ``value``
        (exact ``decimal128(38, 6)``), ``nulls``, ``first_conversions``
        (int64), ordered by period and path.
    engine : str
    seconds : float
        Wall time of the query.
    details : dict
        What the engine reports of its run (Spark: ``shuffle_partitions``).
    """

    paths: PathTable
    periods: dict[date, PathTable]
    rows: pa.Table
    engine: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def exact_value(self) -> Decimal:
        """Revenue of all the journeys (paths and direct), summed exactly."""
        return sum((v for v in self.rows["value"].to_pylist() if v is not None), Decimal(0))


# ------------------------------------------------------------------ the query
@cache
def engine_sql(dialect: Literal["duckdb", "spark"], name: str = "engine_paths") -> str:
    """A query of ``data/sql`` (``engine_paths.sql``) in ``dialect``, comments left out.

    The source is DuckDB's dialect; sqlglot writes it for ``dialect``.

    Parameters
    ----------
    dialect : {"duckdb", "spark"}
    name : {"engine_paths", "engine_checks"}

    Returns
    -------
    str
        One statement with named parameters (``$name`` for DuckDB, ``:name``
        for Spark), see :func:`engine_params`.
    """
    if dialect not in ENGINES:
        raise ValueError(f"dialect must be one of {ENGINES}, got {dialect!r}")
    source = load_sql(name)
    return sqlglot.transpile(source, read="duckdb", write=dialect, comments=False)[0]


def engine_params(options: JourneyOptions, *, period: str | None = None) -> dict[str, Any]:
    """The named parameters of the engine query.

    Parameters
    ----------
    options : JourneyOptions
        ``options.censor`` leaves out a trailing non-converting journey still
        open at the end of the data; ``False`` counts it as a null.
        ``options.kind``: the conversion kind that closes journeys (``None``: all).
    period : {"week", "month", "quarter"} or None

    Raises
    ------
    TypeError, ValueError
        Bad options (the message names the option).
    """
    if not isinstance(options, JourneyOptions):
        raise TypeError(f"options must be JourneyOptions, got {type(options).__name__}")
    if period is not None and period not in PERIOD_UNITS:
        raise ValueError(f"period must be one of {PERIOD_UNITS} or None, got {period!r}")
    base = options.sql_params()
    return {
        "lookback_days": base["lookback_days"],
        "click_only": base["click_only"],
        "collapse_repeats": base["collapse_repeats"],
        "max_path_length": base["max_path_length"],
        "range_start": base["range_start"],
        "range_end": base["range_end"],
        "censor": options.censor,
        "kind": options.kind,
        "stitch_max_ids": options.stitch_max_ids if options.stitch else None,
        "period": period,
    }


# ------------------------------------------------------------------- results
_ROWS_SCHEMA = pa.schema([
    ("period", pa.timestamp("us")),
    ("path", pa.list_(pa.string())),
    ("conversions", pa.int64()),
    ("value", pa.decimal128(38, 6)),
    ("nulls", pa.int64()),
    ("first_conversions", pa.int64()),
])


def _normalise(table: pa.Table) -> pa.Table:
    """An engine's result in one schema (Spark's timestamps carry a zone, DuckDB's do not)."""
    columns = []
    for name in _ROWS_SCHEMA.names:
        col = table[name]
        target = _ROWS_SCHEMA.field(name).type
        if name == "period" and pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.cast(col, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
        elif name == "path":
            col = pc.fill_null(col.cast(target), pa.scalar([], type=target))
        columns.append(col.cast(target))
    return pa.Table.from_arrays(columns, schema=_ROWS_SCHEMA)


def _check_channels(names: Sequence[str], touchpoints: str) -> None:
    mark = separator_mark()
    for name in names:
        if mark in name or not name.strip():
            why = (f"contains {mark!r}, the path separator" if mark in name
                   else "is empty")
            raise EngineError(f"touchpoints ({touchpoints}): channel name {name!r} {why}")


def _tables(rows: pa.Table, touchpoints: str,
            by_period: bool) -> tuple[PathTable, dict[date, PathTable]]:
    """The overall table and the per-period tables of a normalised result."""
    if not by_period:
        names, codes, lengths = _encode_paths(rows)
        _check_channels(names, touchpoints)
        return _path_table(rows, names, codes, lengths, 0, rows.num_rows), {}
    periods: dict[date, PathTable] = {}
    starts = rows["period"].to_pylist()
    names, codes, lengths = _encode_paths(rows)
    _check_channels(names, touchpoints)
    edges = [0] + [k for k in range(1, len(starts)) if starts[k] != starts[k - 1]] + [len(starts)]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi > lo:
            periods[starts[lo].date()] = _path_table(rows, names, codes, lengths, lo, hi,
                                                     own_channels=True)
    overall = _merged(rows)
    return overall, periods


def _merged(rows: pa.Table) -> PathTable:
    """The table of all periods together (``engine_merge_periods.sql``, exact sums)."""
    con = duckdb.connect(":memory:")
    try:
        con.register("period_rows", rows)
        merged = con.sql(load_sql("engine_merge_periods")).to_arrow_table()
    finally:
        con.close()
    names, codes, lengths = _encode_paths(merged)
    return _path_table(merged, names, codes, lengths, 0, merged.num_rows)


_CHECKED = {
    "event_id": "an empty event_id", "user_id": "an empty user_id", "ts": "an empty ts",
    "channel": "an empty channel", "conversion_id": "an empty conversion_id",
    "value": "an empty value", "negative_value": "a negative value",
}


def _check_rows(counts: dict[str, int], uris: dict[str, str]) -> None:
    """Refuse rows the journeys cannot place (``engine_checks.sql``'s counts)."""
    for key, n in counts.items():
        if n:
            dataset, column = key.split("_", 1)
            raise EngineError(f"{dataset} ({uris[dataset]}): {n:,} rows with "
                              f"{_CHECKED[column]}; every row needs one")


def _missing(columns: Sequence[str], dataset: str, uri: str) -> None:
    needed = {"touchpoints": TOUCHPOINT_COLUMNS, "identities": IDENTITY_COLUMNS}.get(
        dataset, CONVERSION_COLUMNS)
    have = set(columns)
    absent = [c for c in needed if c not in have]
    if absent:
        optional = ", and optionally interaction" if dataset == "touchpoints" else ""
        more = f" (and {', '.join(absent[1:])})" if absent[1:] else ""
        raise EngineError(
            f"{dataset} ({uri}): missing column {absent[0]!r}{more}; {dataset} needs "
            f"{', '.join(needed)}{optional} (found: {', '.join(columns) or 'no columns'})")


# -------------------------------------------------------------------- DuckDB
def _duckdb_source(uri: str) -> str:
    """What DuckDB's ``read_parquet`` is given: a directory becomes its part files."""
    path = Path(uri)
    if "://" not in uri and path.is_dir():
        return str(path / "**" / "*.parquet")
    return uri


def _duckdb_view(conn: duckdb.DuckDBPyConnection, uri: str, dataset: str) -> None:
    source = _duckdb_source(uri)
    if "://" not in uri and not glob.glob(source, recursive=True):
        if not Path(uri).exists():
            raise EngineError(f"{dataset} ({uri}): no such file or directory")
        raise EngineError(f"{dataset} ({uri}): no Parquet files (*.parquet) found")
    try:
        rel = conn.read_parquet(source, hive_partitioning=True)
    except duckdb.Error as err:
        raise EngineError(f"{dataset} ({uri}): cannot read Parquet: {err}") from None
    _missing(rel.columns, dataset, uri)
    if dataset == "touchpoints" and "interaction" not in rel.columns:
        rel = rel.project("*, 'click' AS interaction")
    if dataset == "conversions" and "kind" not in rel.columns:
        rel = rel.project("*, 'purchase' AS kind")
    rel.create_view(dataset)


def paths_duckdb(
    touchpoints: str,
    conversions: str,
    options: JourneyOptions = JourneyOptions(),  # noqa: B008
    *,
    period: str | None = None,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    threads: int | None = None,
    conn: duckdb.DuckDBPyConnection | None = None,
    identities: str | None = None,
) -> EnginePaths:
    """Path tables of Parquet datasets on DuckDB, without a warehouse.

    Parameters
    ----------
    touchpoints, conversions : str
        A Parquet file, a directory of part files (hive partitions read), or a glob.
    options : JourneyOptions
    period : {"week", "month", "quarter"} or None
        Also the per-period tables (by the journey's end).
    memory_limit, temp_directory, threads
        DuckDB's settings for out-of-core work (e.g. ``"3GB"``; the directory
        it spills to); ``None`` keeps DuckDB's defaults.
    conn : duckdb connection, optional
        Run on this connection (its views ``touchpoints`` / ``conversions``
        are replaced); by default a fresh in-memory one, closed after.
    identities : str, optional
        A Parquet dataset of identity pairs (``id_a, id_b``): journeys are
        then per person when ``options.stitch``, components found as in the
        warehouse (:func:`touchpath.data.identities.label_components`, the
        cap ``options.stitch_max_ids``).

    Returns
    -------
    EnginePaths

    Raises
    ------
    EngineError
        A dataset is missing, unreadable or lacks a column.
    """
    params = engine_params(options, period=period)
    own = conn is None
    con = duckdb.connect(":memory:") if own else conn
    try:
        settings = {"memory_limit": memory_limit, "temp_directory": temp_directory,
                    "threads": threads}
        for name, value in settings.items():
            if value is not None:
                con.execute(f"SET {name} = ?", [value])  # the name is one of the three above
        con.execute("SET preserve_insertion_order = false")
        _duckdb_view(con, touchpoints, "touchpoints")
        _duckdb_view(con, conversions, "conversions")
        started = time.perf_counter()
        _duckdb_persons(con, identities)
        try:
            checks = con.sql(engine_sql("duckdb", "engine_checks"))
            _check_rows(dict(zip(checks.columns, checks.fetchall()[0], strict=True)),
                        {"touchpoints": touchpoints, "conversions": conversions})
            raw = con.sql(engine_sql("duckdb"), params=params).to_arrow_table()
        except duckdb.ConversionException as err:
            raise EngineError(f"touchpoints ({touchpoints}) / conversions ({conversions}): "
                              f"a column has values of the wrong type: {err}") from None
        seconds = time.perf_counter() - started
    finally:
        if own:
            con.close()
    rows = _normalise(raw)
    overall, periods = _tables(rows, touchpoints, period is not None)
    return EnginePaths(overall, periods, rows, "duckdb", seconds)


def _duckdb_persons(con: duckdb.DuckDBPyConnection, identities: str | None) -> None:
    """The temp view ``identity_persons`` of ``identities`` (empty without it) on ``con``."""
    if identities is None:
        con.execute("CREATE OR REPLACE TEMP VIEW identity_persons AS "
                    + engine_sql("duckdb", "identity_persons_empty"))
        return
    _duckdb_view(con, identities, "identities")
    duckdb_components(con)
    con.execute("CREATE OR REPLACE TEMP VIEW identity_persons AS "
                "SELECT user_id, person_id, ids FROM identity_persons_found")


# --------------------------------------------------------------------- Spark
def _import_pyspark() -> Any:
    try:
        # Deferred: pyspark is the optional `spark` extra.
        import pyspark.sql
    except ImportError:
        raise SparkMissingError(
            f"--engine spark needs PySpark: {SPARK_INSTALL_HINT} (and Java 17)") from None
    return pyspark.sql


def spark_session(master: str = "local[*]", *, app_name: str = "touchpath",
                  conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session on ``master``: ``local[*]``, a cluster URL, or ``sc://host:port``.

    ``sc://`` connects through Spark Connect (``SparkSession.builder.remote``);
    anything else is a master URL. The session's time zone is UTC.

    Raises
    ------
    SparkMissingError
        pyspark is not installed (the message says how to install it).
    """
    sql = _import_pyspark()
    builder = sql.SparkSession.builder
    builder = (builder.remote(master) if master.startswith("sc://")
               else builder.master(master).appName(app_name))
    settings = {**_SPARK_CONF, **({} if master.startswith("sc://") else _SPARK_START_CONF)}
    for key, value in {**settings, **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if not master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def _active_spark() -> SparkSession | None:
    """The session already running in this process, if any."""
    return _import_pyspark().SparkSession.getActiveSession()


@contextmanager
def spark_for(master: str = "local[*]") -> Iterator[SparkSession]:
    """A Spark session on ``master`` for the block: the one running already, else a new one.

    A session this started is stopped at the end; one that was running (a
    notebook's, a test's) is left running.
    """
    running = _active_spark()
    session = running if running is not None else spark_session(master)
    try:
        yield session
    finally:
        if running is None:
            session.stop()


def _spark_frame(spark: SparkSession, uri: str, dataset: str) -> SparkDataFrame:
    sql = _import_pyspark()
    try:
        frame = spark.read.parquet(uri)
        columns = frame.columns
    except Exception as err:  # Spark raises its own AnalysisException family
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise EngineError(f"{dataset} ({uri}): cannot read Parquet: {first}") from None
    _missing(columns, dataset, uri)
    if dataset == "touchpoints" and "interaction" not in columns:
        frame = frame.withColumn("interaction", sql.functions.lit("click"))
    if dataset == "conversions" and "kind" not in columns:
        frame = frame.withColumn("kind", sql.functions.lit("purchase"))
    return frame


@contextmanager
def _spark_progress(spark: SparkSession,
                    report: Callable[[int, int], None] | None) -> Iterator[None]:
    """Call ``report(done_tasks, all_tasks)`` of the running stages while the block runs."""
    tracker = None
    if report is not None:
        try:
            tracker = spark.sparkContext.statusTracker()
        except Exception:  # Spark Connect has no SparkContext: no task counts
            tracker = None
    if tracker is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            done = total = 0
            for stage in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
            if total and report is not None:
                report(done, total)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def paths_spark(
    touchpoints: str,
    conversions: str,
    options: JourneyOptions = JourneyOptions(),  # noqa: B008
    *,
    period: str | None = None,
    spark: SparkSession | None = None,
    master: str = "local[*]",
    progress: Callable[[int, int], None] | None = None,
    identities: str | None = None,
) -> EnginePaths:
    """Path tables of Parquet datasets on Apache Spark.

    Parameters
    ----------
    touchpoints, conversions : str
        Parquet datasets: a file or a directory of part files (hive partitions
        read), local or any URI Spark reads (``s3a://``, ``hdfs://``, ``abfss://``).
    options, period
        As :func:`paths_duckdb`.
    spark : SparkSession, optional
        Run on this session (kept open); else the running one, or one started
        on ``master`` and stopped after (:func:`spark_for`).
    master : str, default "local[*]"
    progress : callable, optional
        ``progress(done_tasks, all_tasks)`` of the running stages, a few times a second.
    identities : str, optional
        Identity pairs, as :func:`paths_duckdb`: the same queries find the
        components on Spark (each step's labels checkpointed).

    Returns
    -------
    EnginePaths
        ``details`` has ``shuffle_partitions``. The session's time zone is set
        to UTC (timestamps are UTC wall-clock times, as in the warehouse).

    Raises
    ------
    SparkMissingError, EngineError
    """
    params = engine_params(options, period=period)
    if spark is None:
        with spark_for(master) as session:
            return paths_spark(touchpoints, conversions, options, period=period,
                               spark=session, master=master, progress=progress,
                               identities=identities)
    session = spark
    try:
        for key, value in _SPARK_CONF.items():
            session.conf.set(key, value)
        _spark_frame(session, touchpoints, "touchpoints").createOrReplaceTempView("touchpoints")
        _spark_frame(session, conversions, "conversions").createOrReplaceTempView("conversions")
        started = time.perf_counter()
        _spark_persons(session, identities)
        with _spark_progress(session, progress):
            checks = session.sql(engine_sql("spark", "engine_checks")).first()
            _check_rows(checks.asDict() if checks is not None else {},
                        {"touchpoints": touchpoints, "conversions": conversions})
            frame = session.sql(engine_sql("spark"), args=params)
            raw = frame.toArrow()
        seconds = time.perf_counter() - started
        details = {"shuffle_partitions": int(session.conf.get("spark.sql.shuffle.partitions"))}
    finally:
        session.catalog.dropTempView("touchpoints")
        session.catalog.dropTempView("conversions")
        for name in ("identities", "identity_persons", *_SPARK_WORK):
            session.catalog.dropTempView(name)
    rows = _normalise(raw)
    overall, periods = _tables(rows, touchpoints, period is not None)
    return EnginePaths(overall, periods, rows, "spark", seconds, details)



#: The label propagation's working views on Spark.
_SPARK_WORK = ("identity_edges", "identity_labels", "identity_labels_next",
               "identity_persons_found")


def _spark_persons(session: SparkSession, identities: str | None) -> None:
    """The temp view ``identity_persons`` of ``identities`` (empty without it) on Spark."""
    if identities is None:
        session.sql(engine_sql("spark", "identity_persons_empty")).createOrReplaceTempView(
            "identity_persons")
        return
    _spark_frame(session, identities, "identities").createOrReplaceTempView("identities")

    def materialise(name: str, select: str) -> None:
        # checkpointed: each step's labels are data, not a plan growing with the steps
        session.sql(select).localCheckpoint().createOrReplaceTempView(name)

    def count(select: str) -> int:
        row = session.sql(select).first()
        return int(row[0]) if row is not None and row[0] is not None else 0

    label_components(materialise, count, lambda name: engine_sql("spark", name))
    session.table("identity_persons_found").createOrReplaceTempView("identity_persons")


# ----------------------------------------------------------------- warehouse
def paths_warehouse(wh: Warehouse, options: JourneyOptions = JourneyOptions(),  # noqa: B008
                    *, period: str | None = None) -> EnginePaths:
    """The engine query run on the warehouse's own tables (its cursor, UTC session).

    The same query as :func:`paths_duckdb` over the warehouse's ``touchpoints``
    and ``conversions``: its path table equals
    :func:`touchpath.data.journeys.build_paths` under the same options, which the
    identity tests check.
    """
    params = engine_params(options, period=period)
    cur = wh.cursor()
    try:
        started = time.perf_counter()
        raw = cur.sql(engine_sql("duckdb"), params=params).to_arrow_table()
        seconds = time.perf_counter() - started
    finally:
        cur.close()
    rows = _normalise(raw)
    overall, periods = _tables(rows, "warehouse", period is not None)
    return EnginePaths(overall, periods, rows, "duckdb", seconds)
