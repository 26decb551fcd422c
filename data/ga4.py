"""Read a GA4 BigQuery export (the ``events_YYYYMMDD`` tables) as an events file.

Google Analytics 4 exports one row per event to BigQuery, in the schema
documented at https://support.google.com/analytics/answer/7029846 ("[GA4]
BigQuery Export schema"). Exported from BigQuery as newline-delimited JSON
(plain or gzip-compressed; INT64 fields arrive as strings or as numbers) or as
Parquet (nested STRUCT / LIST columns), :func:`register_ga4_source` turns such a
file into the temp view ``_raw`` in the events shape that the events ingest
reads (:data:`GA4_COLUMNS`):

* one touch per session (``user_pseudo_id`` + the ``ga_session_id`` event
  parameter), event ``session_start`` at the session's earliest event, with the
  session's traffic source: ``collected_traffic_source.manual_source`` /
  ``manual_medium`` / ``manual_campaign_name``, else the ``source`` / ``medium``
  / ``campaign`` event parameters, else ``google`` / ``cpc`` for a session
  carrying a ``gclid``, else ``(direct)`` / ``(none)``; referrer the
  ``page_referrer`` parameter of the session's first event;
* one conversion per ``purchase`` event, id ``ecommerce.transaction_id`` (a
  repeated transaction_id is GA4's duplicate purchase and counted, not kept),
  value ``ecommerce.purchase_revenue`` as exact decimal text. GA4 keeps that
  revenue as FLOAT64, so an export holds binary-float artifacts such as
  ``29.990000000000002``: a revenue with more than 6 decimal places is rounded
  to the millionth, half-up on the exported text (``1.0000005`` -> ``1.000001``),
  and counted (:attr:`GA4Summary.revenues_rounded`). Only GA4 revenues are
  rounded; every other money input with more decimals is refused.

Events without ``ga_session_id`` make no touch (a purchase among them still
makes its conversion); :func:`ga4_summary` says how many there were. The user's
first-visit source (``traffic_source``) and GA4's own last-click attribution
(``session_traffic_source_last_click``) are not used: Touchpath attributes
sessions itself. The SQL is in ``data/sql/ga4_*.sql``.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

# The module, not its names: the warehouse's events ingest imports this module,
# and either may be imported first.
from touchpath.data import warehouse

__all__ = [
    "GA4_COLUMNS",
    "GA4Summary",
    "drop_ga4_objects",
    "ga4_summary",
    "is_parquet_file",
    "register_ga4_source",
]

#: The columns of the view ``_raw`` that :func:`register_ga4_source` makes, in
#: order: the events shape as text, and ``ga_row``, the record number (1-based,
#: in file order) of the event each row comes from.
GA4_COLUMNS: tuple[str, ...] = (
    "user_id", "ts", "event", "event_id", "value",
    "source", "medium", "campaign", "referrer", "ga_row",
)

#: How many problems an :class:`~touchpath.data.warehouse.IngestError` lists by default.
DEFAULT_MAX_PROBLEMS = 20

_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
_DUCKDB_LINE = re.compile(r"in line \d+: (?P<reason>.+?)\.?\s*$")


@dataclass(frozen=True)
class GA4Summary:
    """What reading a GA4 export found.

    Attributes
    ----------
    events_read : int
        Records (events) in the file.
    sessions : int
        Session touches made (one per ``user_pseudo_id`` + ``ga_session_id``).
    purchases : int
        Purchase conversions made.
    duplicate_purchases : int
        Purchase events dropped because an earlier one had the same
        ``ecommerce.transaction_id`` (GA4 records a reloaded confirmation page
        as a second purchase).
    events_without_session : int
        Events other than purchases without a ``ga_session_id`` parameter: they
        belong to no session and made no row.
    revenues_rounded : int
        Purchases kept whose revenue had more than 6 decimal places (a FLOAT64
        artifact such as ``29.990000000000002``) and was rounded half-up to the
        millionth.
    """

    events_read: int
    sessions: int
    purchases: int
    duplicate_purchases: int
    events_without_session: int
    revenues_rounded: int = 0


def is_parquet_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds Parquet (by its first bytes, whatever its name)."""
    with open(path, "rb") as fh:
        return fh.read(4) == _PARQUET_MAGIC


def register_ga4_source(cur: duckdb.DuckDBPyConnection, path: str | os.PathLike[str],
                        label: str, *,
                        max_problems: int = DEFAULT_MAX_PROBLEMS) -> dict[str, str]:
    """Expose a GA4 export as the temp view ``_raw`` in the events shape.

    Parameters
    ----------
    cur : duckdb.DuckDBPyConnection
        The connection (cursor) of the ingest; the view and the tables behind
        it (``_ga4_rows``, ``_ga4_summary``) are temp objects on it, dropped by
        :func:`drop_ga4_objects`.
    path : str or os.PathLike
        A newline-delimited JSON file (``.json``, ``.ndjson``, ``.jsonl``, gzip
        compressed or not) or a Parquet file, as BigQuery exports a GA4
        ``events_*`` table.
    label : str
        The name of the file in messages.
    max_problems : int, default 20
        How many problems an :class:`~touchpath.data.warehouse.IngestError` lists
        (all are counted).

    Returns
    -------
    dict of str to str
        The column types of ``_raw`` by name (:data:`GA4_COLUMNS`): VARCHAR,
        and BIGINT for ``ga_row``.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    touchpath.data.warehouse.IngestError
        When the file is empty, is not valid JSON or Parquet, no event in it
        has ``user_pseudo_id`` or ``event_timestamp``, or an event lacks one of
        them, has a timestamp that is not a whole number, or is a purchase
        without revenue or with a revenue that is not money (not a number,
        negative, or 12 digits or more before the decimal point). Nothing is left
        on ``cur`` then.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{label}: no such file")
    if file.stat().st_size == 0:
        raise _refused(label, [warehouse.IngestProblem(
            0, "", "the file is empty (0 bytes): expected a GA4 export, one event per line")])
    try:
        _read_records(cur, file, label)
        _check_records(cur, label, max_problems)
        cur.execute(warehouse.load_sql("ga4_rows"))
        cur.execute(warehouse.load_sql("ga4_summary_table"))
        cur.execute(warehouse.load_sql("ga4_raw"))
    except BaseException:
        drop_ga4_objects(cur)
        raise
    finally:
        cur.execute(warehouse.load_sql("ga4_drop_work"))
    rel = cur.sql("SELECT * FROM _raw")
    return {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}


def ga4_summary(cur: duckdb.DuckDBPyConnection) -> GA4Summary:
    """The counts of the GA4 export last registered on ``cur`` (:func:`register_ga4_source`).

    Read them before :func:`drop_ga4_objects`.
    """
    (row,) = cur.execute(warehouse.load_sql("ga4_summary")).fetchall()
    return GA4Summary(*(int(x) for x in row))


def drop_ga4_objects(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop everything :func:`register_ga4_source` made on ``cur``, the view ``_raw`` included."""
    cur.execute(warehouse.load_sql("ga4_drop_work"))
    cur.execute(warehouse.load_sql("ga4_cleanup"))


def _refused(label: str, problems: list[warehouse.IngestProblem],
             total: int | None = None) -> warehouse.IngestError:
    return warehouse.IngestError(problems, len(problems) if total is None else total, label)


def _read_records(cur: duckdb.DuckDBPyConnection, file: Path, label: str) -> None:
    """Load the records of ``file`` into ``_ga4_records`` in file order, or refuse it."""
    parquet = is_parquet_file(file)
    cur.execute(warehouse.load_sql("ga4_macros"))
    ((keep_order,),) = cur.execute(
        "SELECT current_setting('preserve_insertion_order')").fetchall()
    cur.execute("SET SESSION preserve_insertion_order = true")
    try:
        if parquet:
            cur.execute(warehouse.load_sql("ga4_records_parquet"), {"path": str(file)})
        else:
            cur.execute(warehouse.load_sql("ga4_records_json"),
                        {"path": str(file), "compression": _compression(file)})
    except duckdb.Error as exc:
        if parquet:
            raise _refused(label, [warehouse.IngestProblem(
                0, "", f"cannot read the Parquet file: {_first_line(exc)}")]) from exc
        raise _refused(label, [_json_problem(file, exc)]) from exc
    finally:
        if not keep_order:
            cur.execute("SET SESSION preserve_insertion_order = false")
    cur.execute(warehouse.load_sql("ga4_events"))


def _check_records(cur: duckdb.DuckDBPyConnection, label: str, max_problems: int) -> None:
    """Refuse the file if it has no events, lacks a required field or has bad records."""
    ((objects, absent),) = cur.execute(warehouse.load_sql("ga4_missing_fields")).fetchall()
    if not objects:
        ((records,),) = cur.execute("SELECT count(*) FROM _ga4_records").fetchall()
        if not records:
            raise _refused(label, [warehouse.IngestProblem(
                0, "", "no events in the file: expected a GA4 export, one event per line")])
    elif absent:
        raise _refused(label, [warehouse.IngestProblem(
            0, str(field), "missing required field: no event in the file has it"
                      " (is this a GA4 events_* export?)") for field in absent])
    report = cur.execute(warehouse.load_sql("ga4_problems"),
                         {"max_problems": max_problems}).fetchall()
    if report:
        problems = [warehouse.IngestProblem(int(r), str(f), str(why), v)
                    for r, f, why, v, _ in report]
        raise _refused(label, problems, int(report[0][4]))


def _compression(file: Path) -> str:
    with open(file, "rb") as fh:
        return "gzip" if fh.read(2) == _GZIP_MAGIC else "none"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _json_problem(file: Path, exc: duckdb.Error) -> warehouse.IngestProblem:
    """The first record of ``file`` that is not valid JSON, as a problem.

    DuckDB names the line it stopped at but counts lines its own way, so the
    file is read again here, record by record (a record is a line that is not
    blank, as in DuckDB), to name the record exactly. Only a refused file is
    read twice.
    """
    opener = gzip.open if _compression(file) == "gzip" else open
    decoder = json.JSONDecoder()
    record = 0
    try:
        with opener(file, "rb") as fh:
            for raw in fh:
                try:
                    line = codecs.decode(raw, "utf-8")
                except UnicodeDecodeError:
                    return warehouse.IngestProblem(
                        record + 1, "", "not UTF-8 text (invalid byte sequence); save the file"
                                        " as UTF-8")
                if not line.strip():
                    continue
                record += 1
                try:
                    decoder.decode(line)
                except json.JSONDecodeError as err:
                    return warehouse.IngestProblem(
                        record, "", f"not valid JSON ({err.msg.lower()}); a GA4 export has one"
                                    " event object per line", line.strip()[:40])
    except (OSError, EOFError) as err:
        return warehouse.IngestProblem(0, "", f"cannot read: {err}")
    match = _DUCKDB_LINE.search(_first_line(exc))
    why = match.group("reason") if match else _first_line(exc)
    return warehouse.IngestProblem(0, "", f"not valid JSON: {why}")
