"""The Touchpath warehouse: one DuckDB file holding the four tables of DESIGN.md.

Tables (DESIGN.md, "Tables"):

- ``touchpoints(event_id, user_id, ts, channel, campaign, interaction, cost)``
- ``conversions(conversion_id, user_id, ts, value, kind)``
- ``spend(channel, day, amount)``
- ``channels(channel, status, group_name, launched_on)``, status one of
  ``established``, ``test``, ``exited``

Conventions
-----------
- Timestamps are ISO 8601 text, with or without a UTC offset, in the extended
  form (``2026-06-01T10:00:00+08:00``) or the basic one (``20260601T100000+0800``,
  ``20260601T100000Z``; a date ``20260601``). They are stored in UTC as
  ``TIMESTAMP`` (no zone); a timestamp without offset is read as UTC. Every
  connection runs with ``TimeZone = 'UTC'``.
- Every timestamp and date (``ts``, ``day``, ``launched_on``), typed ones from
  Parquet or a DataFrame included, must lie in the warehouse's time window
  (:data:`DEFAULT_TS_WINDOW`, 1990-01-01 up to but excluding 2100-01-01 in
  UTC, unless ``Warehouse(..., ts_window=...)`` says otherwise); a row outside
  it is refused ("timestamp 20260-06-01T10:00:00 is outside 1990-01-01 ..
  2100-01-01"). Years such as 20260 parse, but later break every read.
- A channel name must not contain ``>``, the path separator
  (:data:`touchpath.data.paths.PATH_SEP`): paths are written ``a > b`` and read back by
  splitting on ``>``, so ``search > email`` would come back as two channels.
- Money (``cost``, ``value``, ``amount``) is ``DECIMAL(18, 6)``: exact to a
  millionth. A value with more decimal places is refused, never rounded (one
  exception: a GA4 export's revenue, a FLOAT64 in BigQuery, is rounded to the
  millionth and the rounding counted, see :mod:`touchpath.data.ga4`).
- Spend is daily: ``day`` is a calendar date (``YYYY-MM-DD``, or a timestamp at
  exactly midnight). Spend reported per week or month must be given per day.
- Optional input columns may be absent: ``campaign`` (NULL), ``interaction``
  (``click``; stored lower-case), ``cost`` (NULL), ``kind`` (``purchase``),
  ``group_name`` and ``launched_on`` (NULL), and the ids ``event_id`` and
  ``conversion_id`` (derived from each row's content, see
  :meth:`Warehouse.ingest`). Other columns of a conversions file (and of an
  ``events`` file's conversion rows) are kept as segment attributes of the
  conversions (``conversion_attributes(conversion_id, name, value)``); a
  ``users`` file (``user_id`` and any other columns) gives attributes of the
  users (``user_attributes``). Both are in long form, so no column name becomes
  SQL; a blank cell is no value; a stored value is never replaced (a different
  one refuses the file, naming row and column). :attr:`IngestReport.attributes`
  lists them with their distinct values (more than 1,000: kept, not
  segmentable; see :mod:`touchpath.data.segments`). Other columns of the other
  files are not used and are listed in :attr:`IngestReport.ignored_columns`.
- A file may name the columns its own way: ``column_map`` (``--map OURS=THEIRS``)
  says which of its columns holds which of ours; problems then name the
  file's column.
- An ``events`` file holds touches and conversions in one table (``user_id,
  ts, event, channel`` and optional columns); its rows are split by event
  name into ``touchpoints`` and ``conversions`` and both load in one
  transaction (:meth:`Warehouse.ingest`).
- A ``touchpoints`` or ``events`` file without ``channel`` gets each touch's
  channel from its ``source``, ``medium``, ``campaign`` and ``referrer`` by
  channel rules (:mod:`touchpath.data.channel_rules`; ``(other)`` when no rule
  matches, counted in :attr:`IngestReport.other_channel`).
- ``interaction`` is ``click`` or ``view`` (any case, stored lower-case; blank
  means ``click``). Any other value refuses the row like any validation
  failure ("unknown interaction (expected click or view)"): the click-only
  journey filter keeps ``click`` touches, so a misspelt click ("Clicked",
  "clk") would otherwise be dropped silently from click-only paths, and an
  ingest refuses unknown enumerated values, as it does channel statuses.

Ingest
------
Each file is loaded in one transaction. DuckDB reads the file (CSV with every
column as text, Parquet or a DataFrame cast to text), a staging query parses
every row and records its problems, and the file is refused whole when any row
is bad; the warehouse is then unchanged. Row numbers in errors count data
records from 1, the header not counted (record 1 is the line after the header
unless a quoted field spans lines). Row 0 means the file as a whole (a missing
column, an unreadable file). A CSV record that does not fit the header ("row 7:
has 3 fields, the header has 5"), or is not UTF-8 text, refuses the file by
itself; an empty file (0 bytes) is refused, a file with only a header loads
nothing. Whatever the outcome, the views, tables and registrations an ingest
makes on its connection are dropped before it returns.

Keys: ``event_id``, ``conversion_id``, ``(channel, day)`` for spend and
``channel``. A key repeated within one file is refused. A row whose key is
already stored is skipped when identical (re-ingesting a file is a no-op) and
refused when it differs (stored money is never silently replaced). A channels
file updates stored channels (status always; group and launch date when the
file has those columns). Channels first seen in touchpoints or spend are
registered as ``established``.

An ingest that inserts or changes rows bumps ``data_version`` and records its
time (``last_ingest_at``) in the ``touchpath_meta`` table, in the same
transaction; a no-op re-ingest leaves both unchanged.

One process at a time
---------------------
DuckDB lets one process hold a warehouse file (it takes a lock on the file;
threads of that process share it through cursors). Opening a file another
process holds raises :class:`WarehouseBusyError`, naming the file and the
holder's PID. Every error about a warehouse file is a :class:`WarehouseError`.

Demo warehouses
---------------
``touchpath demo`` makes its warehouse with :meth:`Warehouse.replace_demo`,
which records in ``touchpath_meta`` (``demo_data_version``) the data version
the demo left. A warehouse counts as the demo's only while that is still its
data version: any ingest or status change after the demo makes it the user's,
and the demo then refuses to replace it (:class:`NotADemoWarehouseError`).
"""

from __future__ import annotations

import codecs
import copy
import gzip
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import duckdb
import pandas as pd

from touchpath.data.paths import PATH_SEP, separator_mark
from touchpath.errors import TouchpathError

if TYPE_CHECKING:
    # Annotations only: touchpath.data.channel_rules imports this module.
    from touchpath.data.channel_rules import ChannelRules
    from touchpath.data.ga4 import GA4Summary

__all__ = [
    "CHANNEL_INPUTS",
    "DEFAULT_CONVERSION_EVENTS",
    "DEFAULT_TS_WINDOW",
    "ATTRIBUTE_OWNERS",
    "INGEST_TABLES",
    "IngestedAttribute",
    "IngestTable",
    "VIEW_EVENTS",
    "ColumnMapError",
    "IngestError",
    "IngestProblem",
    "IngestReport",
    "NotADemoWarehouseError",
    "OPTIONAL_COLUMNS",
    "OtherTraffic",
    "REQUIRED_COLUMNS",
    "TABLES",
    "TableLoad",
    "TableName",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseError",
    "bump_data_version",
    "check_column_map",
    "load_sql",
    "parse_column_map",
    "parse_conversion_events",
]

TableName = Literal["touchpoints", "conversions", "spend", "channels"]

#: What :meth:`Warehouse.ingest` loads: a warehouse table, ``events``, one file
#: of touches and conversions split into ``touchpoints`` and ``conversions``,
#: ``users``: ``user_id`` and any attribute columns (segment attributes), or
#: ``experiments``: lift-test results for calibration, or ``identities``: pairs
#: of ids of one person.
IngestTable = Literal["touchpoints", "conversions", "spend", "channels", "events", "users",
                      "experiments", "identities"]

#: The warehouse tables, in load order (channels first lets a channels file set
#: statuses before touchpoints register unknown channels).
TABLES: tuple[TableName, ...] = ("channels", "touchpoints", "conversions", "spend")

#: Required input columns per input shape (a warehouse table or ``events``).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "touchpoints": ("user_id", "ts"),
    "conversions": ("user_id", "ts", "value"),
    "spend": ("channel", "day", "amount"),
    "channels": ("channel", "status"),
    "events": ("user_id", "ts", "event"),
    "users": ("user_id",),
    "experiments": ("channel", "start", "end"),
    "identities": ("id_a", "id_b"),
}

#: Optional input columns per input shape (may be absent from the file). Without
#: its id column (``event_id``, ``conversion_id``) a file gets derived ids.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "touchpoints": ("channel", "event_id", "campaign", "interaction", "cost", "source",
                    "medium", "referrer"),
    "conversions": ("conversion_id", "kind"),
    "spend": (),
    "channels": ("group_name", "launched_on"),
    "events": ("channel", "value", "campaign", "cost", "event_id", "source", "medium",
               "referrer", "interaction"),
    "users": (),
    "experiments": ("incremental_conversions", "incremental_revenue", "lower", "upper", "kind"),
    "identities": ("source", "ts"),
}

#: The columns a missing ``channel`` is derived from by channel rules
#: (:mod:`touchpath.data.channel_rules`), for the shapes that have touches.
CHANNEL_INPUTS: tuple[str, ...] = ("source", "medium", "campaign", "referrer")

#: The input shapes :meth:`Warehouse.ingest` takes.
INGEST_TABLES: tuple[str, ...] = (*TABLES, "events", "users", "experiments",
                                 "identities")

#: The input shapes whose other columns are kept as segment attributes, and
#: who owns the values: a conversion (``conversion_attributes``) or a user
#: (``user_attributes``).
ATTRIBUTE_OWNERS: dict[str, Literal["conversion", "user"]] = {
    "conversions": "conversion", "events": "conversion", "users": "user"}

#: The id column of a shape: derived from the row's content when the file has none.
_ID_COLUMN: dict[str, str] = {
    "touchpoints": "event_id", "conversions": "conversion_id", "events": "event_id"}

#: Event names (trimmed, any case) an ``events`` file's conversions have by default.
DEFAULT_CONVERSION_EVENTS: tuple[str, ...] = ("purchase", "conversion", "order")

#: Event names (trimmed, any case) of an ``events`` file that are view-through
#: touches (interaction ``view``: an ad seen, not visited). Every other touch
#: event is a ``click``, page and product views (``page_view``,
#: ``view_item``, ``screen_view``) included: those are visits the user made.
VIEW_EVENTS: tuple[str, ...] = (
    "impression", "impressions", "ad_impression", "view", "views", "ad_view", "view_through")

#: The time window ingest accepts unless a :class:`Warehouse` is given another:
#: timestamps and dates from the first day (included) up to the second
#: (excluded), in UTC. Wide enough for any marketing data, narrow enough to
#: catch typos such as a five-digit year, which DuckDB parses but no reader handles.
DEFAULT_TS_WINDOW: tuple[date, date] = (date(1990, 1, 1), date(2100, 1, 1))

_PARQUET_SUFFIXES = (".parquet", ".pq")


@cache
def load_sql(name: str) -> str:
    """Text of the packaged query ``data/sql/<name>.sql``.

    Parameters
    ----------
    name : str
        File name without the ``.sql`` suffix.
    """
    sql = resources.files("touchpath.data").joinpath("sql", f"{name}.sql")
    return sql.read_text(encoding="utf-8")


class WarehouseError(TouchpathError, RuntimeError):
    """A warehouse file cannot be opened or used as asked.

    The message says what and which file, in one line; the CLI prints it as
    it is (exit code 1).

    Attributes
    ----------
    path : str
        The warehouse file.
    """

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        super().__init__(message)


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse file (DuckDB allows one process per file).

    Attributes
    ----------
    path : str
        The warehouse file.
    pid : int or None
        The holder's process id, when DuckDB names it.
    """

    def __init__(self, path: str | os.PathLike[str], pid: int | None) -> None:
        self.pid = pid
        holder = f"(PID {pid})" if pid is not None else "(its PID is unknown)"
        super().__init__(
            f"the warehouse {path} is in use by another process {holder}; stop it, "
            "or use the HTTP API if it is `touchpath serve`", path)


class NotADemoWarehouseError(WarehouseError):
    """The file is not a warehouse the demo made, unchanged since; the demo leaves it alone.

    Attributes
    ----------
    path : str
        The file.
    reason : str
        Why it is not the demo's (not a DuckDB database, not made by the demo,
        changed after the demo).
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.reason = reason
        super().__init__(f"{path} is not the demo's warehouse ({reason}); the demo replaces "
                         "only its own", path)


#: DuckDB's message when another process holds the file's lock; the PID when it names one.
_LOCK_CONFLICT = re.compile(r"Could not set lock on file")
_LOCK_HOLDER_PID = re.compile(r"Conflicting lock is held in .*?\(PID (\d+)\)")


def _connect(path: str, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, a lock held by another process raised as :class:`WarehouseBusyError`."""
    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if not _LOCK_CONFLICT.search(text):
            raise
        found = _LOCK_HOLDER_PID.search(text)
        raise WarehouseBusyError(path, int(found.group(1)) if found else None) from exc


def _prepare_session(conn: duckdb.DuckDBPyConnection) -> None:
    """Session settings every Touchpath connection runs with (UTC clock)."""
    conn.execute("SET TimeZone = 'UTC'")


class IngestProblem(NamedTuple):
    """One reason a file was refused.

    ``row`` is the data record (1-based, header not counted; 0 for the whole
    file), ``column`` the input column (empty when the problem is the record or
    the file as a whole), ``reason`` what is wrong and ``value`` the offending
    text when there is one.
    """

    row: int
    column: str
    reason: str
    value: str | None = None


class IngestError(TouchpathError, ValueError):
    """A file was refused: nothing of it was loaded.

    Attributes
    ----------
    problems : list of IngestProblem
        The first problems in file order (at most ``max_problems``).
    total : int
        How many problems the file has in all.
    source : str
        The file (or ``"DataFrame"``) that was refused.
    """

    def __init__(self, problems: list[IngestProblem], total: int, source: str) -> None:
        self.problems = list(problems)
        self.total = int(total)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [
            f"{self.source}: refused, nothing loaded: {self.total} problem"
            f"{'' if self.total == 1 else 's'} (rows count data records from 1,"
            " header not counted; row 0 is the whole file)"
        ]
        for p in self.problems:
            got = "" if p.value is None else f" (got {p.value!r})"
            where = f"row {p.row}, column {p.column!r}" if p.column else f"row {p.row}"
            lines.append(f"  {where}: {p.reason}{got}")
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        return "\n".join(lines)


class ColumnMapError(TouchpathError, ValueError):
    """A column mapping that cannot apply to the table, whatever the file holds.

    Raised before any file is read: a mapping written ``OURS=THEIRS`` without
    the ``=`` or with an empty side, the same column of ours mapped twice, or a
    column of ours the table does not have (the message names those it has).
    The CLI reports it as a usage error (exit 2), the HTTP API as 422.
    """


@dataclass(frozen=True)
class TableLoad:
    """What one ingest did to one warehouse table.

    Attributes
    ----------
    table : str
        The warehouse table (``touchpoints``, ``conversions``, ``spend``, ``channels``).
    rows : int
        Rows of the file that went to this table.
    rows_inserted : int
        New rows (for ``channels``: rows new or changed).
    rows_skipped_existing : int
        Rows whose key was already stored with the same values.
    """

    table: str
    rows: int
    rows_inserted: int
    rows_skipped_existing: int


@dataclass(frozen=True)
class OtherTraffic:
    """Touches of one source and medium that no channel rule matched (channel ``(other)``).

    Attributes
    ----------
    source, medium : str or None
        The values (``None`` when the row had none).
    rows : int
        How many touches of the file had them.
    """

    source: str | None
    medium: str | None
    rows: int


@dataclass(frozen=True)
class IngestedAttribute:
    """A segment attribute one ingest kept (an extra column of its file).

    Attributes
    ----------
    name : str
        The file's column.
    scope : {"conversion", "user"}
        Whose attribute it is: the conversions' (a conversions or events file)
        or the users' (a users file).
    values_loaded : int
        Values of this file newly stored (blank cells are no value).
    distinct : int
        Distinct values of the attribute in the warehouse after the ingest.
    segmentable : bool
        ``distinct`` is at most :data:`touchpath.data.segments.MAX_SEGMENT_VALUES`;
        an attribute with more is kept but cannot be a segment (``--by``).
    """

    name: str
    scope: Literal["conversion", "user"]
    values_loaded: int
    distinct: int
    segmentable: bool


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did.

    Attributes
    ----------
    table, source : str
        The input shape (a table, or ``events``) and the file (or ``"DataFrame"``) read.
    rows_in_file : int
        Data records in the file.
    rows_inserted : int
        New rows over all tables (for ``channels``: rows new or changed).
    rows_skipped_existing : int
        Rows whose key was already stored with the same values, over all tables.
    new_channels : list of str
        Channels the warehouse did not know before this file.
    ignored_columns : list of str
        Input columns that are not part of the table and were not used.
    loads : tuple of TableLoad
        Per warehouse table the file went to: one entry for a table's file, two
        (``touchpoints``, ``conversions``) for an ``events`` file. The rows of
        the entries add up to ``rows_in_file``.
    derived_ids : bool
        The file had no id column (``event_id`` / ``conversion_id``): ids were
        derived from the rows' content (see :meth:`Warehouse.ingest`).
    column_map : dict of str to str
        The mapping applied, our column to the file's.
    channel_rules : str or None
        Where the rules that derived the channels came from (a file, or
        ``"built-in defaults"``); ``None`` when the file had a channel column.
    other_channel : tuple of OtherTraffic
        Touches no channel rule matched (channel ``(other)``), counted by
        source and medium, largest first: add rules for them.
    ga4 : GA4Summary or None
        What reading a GA4 export found (events read, sessions, purchases,
        repeated transaction ids dropped, events without a session, revenues
        rounded); ``None`` unless the file was read with ``format="ga4"``.
    attributes : tuple of IngestedAttribute
        The file's extra columns kept as segment attributes (conversions and
        events files: attributes of the conversions; a users file: of the
        users), with their distinct values and whether they are segmentable.
    """

    table: str
    source: str
    rows_in_file: int
    rows_inserted: int
    rows_skipped_existing: int
    new_channels: list[str]
    ignored_columns: list[str]
    loads: tuple[TableLoad, ...] = ()
    derived_ids: bool = False
    column_map: dict[str, str] = field(default_factory=dict)
    channel_rules: str | None = None
    other_channel: tuple[OtherTraffic, ...] = ()
    ga4: GA4Summary | None = None
    attributes: tuple[IngestedAttribute, ...] = ()


def check_column_map(table: str, column_map: Mapping[str, str] | None) -> dict[str, str]:
    """``column_map`` checked against the columns of ``table``'s input shape.

    Parameters
    ----------
    table : str
        An input shape (:data:`INGEST_TABLES`).
    column_map : mapping of str to str, optional
        Our column (required or optional for ``table``) to the file's column.

    Returns
    -------
    dict of str to str

    Raises
    ------
    ColumnMapError
        A column of ours the shape does not have, or an empty name.
    """
    if not column_map:
        return {}
    known = REQUIRED_COLUMNS[table] + OPTIONAL_COLUMNS[table]
    checked: dict[str, str] = {}
    for ours, theirs in column_map.items():
        if not isinstance(ours, str) or not isinstance(theirs, str) or not theirs:
            raise ColumnMapError(f"column map {ours!r}: {theirs!r}: both names must be "
                                 "non-empty text")
        if ours not in known:
            raise ColumnMapError(
                f"cannot map {ours!r}: {table} has no such column (its columns are "
                f"{', '.join(known)})")
        checked[ours] = theirs
    return checked


def parse_column_map(items: Sequence[str], table: str) -> dict[str, str]:
    """``OURS=THEIRS`` items (``--map``, ``?map=``) as a checked column map.

    The first ``=`` splits: the file's column name may hold ``=`` itself.

    Raises
    ------
    ColumnMapError
        An item without ``=`` or with an empty side, a column of ours mapped
        twice, or one the table does not have.
    """
    mapping: dict[str, str] = {}
    for item in items:
        ours, sep, theirs = item.partition("=")
        ours = ours.strip()
        if not sep or not ours or not theirs:
            raise ColumnMapError(f"bad column mapping {item!r}: expected OURS=THEIRS, e.g. "
                                 "user_id=customer_id")
        if ours in mapping:
            raise ColumnMapError(f"column {ours!r} is mapped twice ({ours}={mapping[ours]}"
                                 f" and {item})")
        mapping[ours] = theirs
    return check_column_map(table, mapping)


def parse_conversion_events(text: str | Sequence[str]) -> tuple[str, ...]:
    """Conversion event names from ``"purchase,order"`` text or a sequence, trimmed, lower-case.

    Raises
    ------
    ValueError
        No name, or an empty one (``"purchase,,order"``).
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    names = tuple(str(n).strip().lower() for n in items)
    if not names or any(not n for n in names):
        raise ValueError(f"conversion events must be comma-separated event names, got {text!r}")
    return tuple(dict.fromkeys(names))


class Warehouse:
    """A DuckDB file with the Touchpath tables; ingest, counts and lookups.

    Parameters
    ----------
    path : str or PathLike, default ``"touchpath.duckdb"``
        Database file; ``":memory:"`` for a throw-away in-memory warehouse.
    read_only : bool, default False
        Open an existing file without write access (tables are not created).
    ts_window : (date, date), default :data:`DEFAULT_TS_WINDOW`
        Ingest refuses a timestamp or date before the first day or on or after
        the second (UTC).

    Raises
    ------
    WarehouseBusyError
        Another process holds the file (a ``touchpath serve``, another
        command, a DuckDB shell).

    Notes
    -----
    The warehouse owns one connection (:attr:`conn`); pass it, or a
    :meth:`cursor` per thread or request, to functions that query. Close it
    with :meth:`close`, ``with Warehouse(...) as wh:`` or :meth:`open`.
    :meth:`bind` gives a view of the warehouse over a cursor of the caller's
    (one per request in the HTTP API).

    Examples
    --------
    >>> with Warehouse(":memory:") as wh:
    ...     frame = pd.DataFrame({"channel": ["search"], "status": ["test"]})
    ...     wh.ingest("channels", frame).rows_inserted
    1
    """

    def __init__(self, path: str | os.PathLike[str] = "touchpath.duckdb", *,
                 read_only: bool = False,
                 ts_window: tuple[date, date] = DEFAULT_TS_WINDOW) -> None:
        self.ts_window = _check_window(ts_window)
        self.path = str(path)
        self.read_only = read_only
        self._conn: duckdb.DuckDBPyConnection | None = _connect(self.path, read_only=read_only)
        self._owns_conn = True
        try:
            _prepare_session(self._conn)
            if not read_only:
                self._conn.execute(load_sql("schema"))
        except BaseException:
            self._conn.close()
            self._conn = None
            raise

    @classmethod
    @contextmanager
    def open(cls, path: str | os.PathLike[str] = "touchpath.duckdb", *,
             read_only: bool = False,
             ts_window: tuple[date, date] = DEFAULT_TS_WINDOW) -> Iterator[Warehouse]:
        """Open a warehouse for a ``with`` block; it is closed on the way out."""
        wh = cls(path, read_only=read_only, ts_window=ts_window)
        try:
            yield wh
        finally:
            wh.close()

    @classmethod
    def replace_demo(cls, path: str | os.PathLike[str]) -> Warehouse:
        """A new, empty warehouse at ``path`` for the demo, marked as the demo's.

        A file already at ``path`` is replaced only when it is a warehouse the
        demo made and nothing changed since (see :attr:`made_by_demo`), or an
        empty file. The check holds the file's lock from before it reads the
        mark until the file is gone, so a warehouse another process holds is
        never deleted.

        Parameters
        ----------
        path : str or PathLike
            The demo's warehouse file.

        Returns
        -------
        Warehouse
            Open, with empty tables and the demo's mark; call
            :meth:`mark_demo` after each load so it stays the demo's.

        Raises
        ------
        WarehouseBusyError
            Another process holds the file; it is left as it is.
        NotADemoWarehouseError
            The file is not a DuckDB database, was not made by the demo, or
            was changed after the demo; it is left as it is.
        """
        target = Path(path)
        wal = Path(f"{target}.wal")
        if target.is_file() and target.stat().st_size == 0:
            target.unlink()
        elif target.exists():
            try:
                old = _connect(str(target), read_only=False)
            except duckdb.Error as exc:
                raise NotADemoWarehouseError(target, _unopenable(exc)) from exc
            try:
                reason = _not_the_demos(old)
                if reason is not None:
                    raise NotADemoWarehouseError(target, reason)
                # Unlinked while this connection holds the lock: no other process
                # can have it open; closing afterwards touches only the old file.
                target.unlink()
                wal.unlink(missing_ok=True)
            finally:
                old.close()
        # A write-ahead log without its database belongs to no warehouse.
        wal.unlink(missing_ok=True)
        wh = cls(target)
        try:
            wh.mark_demo()
        except BaseException:
            wh.close()
            raise
        return wh

    def mark_demo(self) -> None:
        """Record the current data version as the one the demo left (``mark_demo.sql``).

        The demo calls this after each table it loads; a later ingest or
        status change moves the data version on, and the warehouse is no
        longer the demo's to replace.
        """
        self.conn.execute(load_sql("mark_demo"))

    @property
    def made_by_demo(self) -> bool:
        """Whether the demo made this warehouse and nothing changed it since."""
        return _not_the_demos(self.conn) is None

    def bind(self, cursor: duckdb.DuckDBPyConnection) -> Warehouse:
        """A view of this warehouse whose queries run on ``cursor``.

        The view has the warehouse's path, settings and methods; its
        :attr:`conn` is ``cursor`` and its :meth:`cursor` makes cursors from it,
        so every function given the view works on the caller's cursor (one per
        thread or request: DuckDB connections are not shared between threads).

        The view does not own ``cursor``: closing the view (or leaving its
        ``with`` block) only detaches it, and the caller closes the cursor.

        Parameters
        ----------
        cursor : duckdb.DuckDBPyConnection
            A cursor of this warehouse's connection (e.g. from :meth:`cursor`).

        Returns
        -------
        Warehouse
        """
        view = copy.copy(self)
        view._conn = cursor
        view._owns_conn = False
        return view

    def close(self) -> None:
        """Close the connection (idempotent); a :meth:`bind` view only lets go of its cursor."""
        if self._conn is not None:
            if self._owns_conn:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else ("read-only" if self.read_only else "open")
        return f"Warehouse({self.path!r}, {state})"

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        """The warehouse's connection."""
        if self._conn is None:
            raise RuntimeError(f"warehouse {self.path!r} is closed")
        return self._conn

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor (its own session, UTC clock) for one thread or request."""
        cur = self.conn.cursor()
        _prepare_session(cur)
        return cur

    # ------------------------------------------------------------------ ingest
    def ingest(self, table: IngestTable, source: str | os.PathLike[str] | pd.DataFrame, *,
               max_problems: int = 20, column_map: Mapping[str, str] | None = None,
               conversion_events: Sequence[str] = DEFAULT_CONVERSION_EVENTS,
               channel_rules: ChannelRules | None = None,
               format: Literal["auto", "ga4"] = "auto") -> IngestReport:
        """Validate and load one file (CSV or Parquet) or DataFrame into ``table``.

        Parameters
        ----------
        table : {"touchpoints", "conversions", "spend", "channels", "events", "experiments",
                  "identities"}
            Target table, or ``events``: one file of touches and conversions
            (required ``user_id, ts, event``; optional ``channel, value,
            campaign, cost, event_id, source, medium, referrer, interaction``).
            A row whose ``event`` (trimmed, any case) is one of
            ``conversion_events`` goes to ``conversions`` (``kind`` the event
            name lower-cased, ``value`` required); every other row to
            ``touchpoints``, interaction ``view`` for the events of
            :data:`VIEW_EVENTS`, else ``click`` (an ``interaction`` column
            wins). ``value`` is read on conversion rows, ``channel``,
            ``campaign``, ``cost`` and ``interaction`` on touch rows. Both
            tables load in the one transaction. ``identities``: pairs of
            ids of one person (required ``id_a, id_b``; optional ``source,
            ts``), stored in order (``id_a <= id_b``); a pair repeated in the
            file or already stored is skipped, and every ingest that adds a
            pair rebuilds the persons (:mod:`touchpath.data.identities`).
        source : path or DataFrame
            ``.parquet`` / ``.pq`` files are read as Parquet, any other file
            as CSV (delimiter sniffed, header required, compression by suffix).
        max_problems : int, default 20
            How many problems an :class:`IngestError` lists (all are counted).
        column_map : mapping of str to str, optional
            Our column to the file's (``{"user_id": "customer_id"}``). A file
            column mapped to one of ours is read only as that column; the
            file's other columns keep their own names. Problems name the
            file's column.
        conversion_events : sequence of str, default :data:`DEFAULT_CONVERSION_EVENTS`
            The conversion events of an ``events`` file.
        channel_rules : ChannelRules, optional
            For a ``touchpoints`` or ``events`` file without a ``channel``
            column: the rules deriving each touch's channel from its
            ``source``, ``medium``, ``campaign`` and ``referrer`` (at least one
            of them must be in the file); default
            :meth:`~touchpath.data.channel_rules.ChannelRules.default`.
            Touches no rule matches get ``(other)``, counted in
            :attr:`IngestReport.other_channel`.
        format : {"auto", "ga4"}, default "auto"
            ``ga4``: ``source`` is a GA4 BigQuery export (newline-delimited
            JSON, gzip or not, or Parquet) read by
            :func:`touchpath.data.ga4.register_ga4_source` as an ``events``
            file (``table`` must be ``events``; no ``column_map``); problems
            name the export's records.

        Returns
        -------
        IngestReport

        Raises
        ------
        IngestError
            Any bad row (a timestamp outside :attr:`ts_window` included),
            repeated key or conflicting stored key, a missing required column,
            a mapped column the file does not have, a CSV record that does not
            fit the header, or an empty or unreadable file. Nothing is loaded.
        ColumnMapError
            ``column_map`` names a column the table does not have.
        FileNotFoundError
            ``source`` is a path that does not exist.
        ValueError
            Unknown ``table``, ``max_problems < 1`` or an empty conversion event name.

        Notes
        -----
        Derived ids: a ``touchpoints``, ``conversions`` or ``events`` file
        without its id column (``event_id``; ``conversion_id``) gets one per
        row, ``d:`` + 16 hex digits + ``:`` + n. The digits are the first 16
        of the SHA-256 of the stored row as JSON (a touch: ``["touchpoint",
        user_id, ts, channel, campaign, interaction, cost]``, a conversion:
        ``["conversion", user_id, ts, value, kind]``, ts in UTC as
        ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, money with 6 decimals); n counts the
        identical rows of the file from 1. The same data gives the same ids in
        any row order, as CSV or Parquet, and from a table's file or an
        ``events`` file: re-ingesting it is a no-op, and two identical rows
        stay two rows.
        """
        if table not in REQUIRED_COLUMNS:
            raise ValueError(f"unknown table {table!r}; expected one of {sorted(REQUIRED_COLUMNS)}")
        if max_problems < 1:
            raise ValueError(f"max_problems must be at least 1, got {max_problems}")
        mapping = check_column_map(table, column_map)
        events = parse_conversion_events(conversion_events)
        if format not in ("auto", "ga4"):
            raise ValueError(f"unknown format {format!r}; expected 'auto' or 'ga4'")
        if format == "ga4" and (table != "events" or mapping
                                or isinstance(source, pd.DataFrame)):
            raise ValueError("format 'ga4' reads a GA4 export file as the events table,"
                             " with no column map")
        if self.read_only:
            raise RuntimeError(f"warehouse {self.path!r} is open read-only")
        if channel_rules is None:
            # Deferred: touchpath.data.channel_rules imports this module (a cycle).
            from touchpath.data.channel_rules import ChannelRules

            channel_rules = ChannelRules.default()
        label = "DataFrame" if isinstance(source, pd.DataFrame) else str(source)
        cur = self.cursor()
        try:
            return self._ingest(cur, table, source, label, max_problems, mapping, events,
                                channel_rules, format)
        finally:
            cur.close()

    def _ingest(self, cur: duckdb.DuckDBPyConnection, table: str,
                source: str | os.PathLike[str] | pd.DataFrame, label: str,
                max_problems: int, column_map: Mapping[str, str] | None = None,
                conversion_events: Sequence[str] = DEFAULT_CONVERSION_EVENTS,
                channel_rules: ChannelRules | None = None,
                format: str = "auto") -> IngestReport:
        """Ingest on ``cur``; loaded or refused, nothing the ingest made stays on it."""
        try:
            return self._check_and_load(cur, table, source, label, max_problems,
                                        dict(column_map or {}), tuple(conversion_events),
                                        channel_rules, format)
        finally:
            _drop_ingest_objects(cur, registered=isinstance(source, pd.DataFrame),
                                 ga4=format == "ga4")

    def _check_and_load(self, cur: duckdb.DuckDBPyConnection, table: str,
                        source: str | os.PathLike[str] | pd.DataFrame, label: str,
                        max_problems: int, column_map: dict[str, str],
                        conversion_events: tuple[str, ...],
                        channel_rules: ChannelRules | None,
                        format: str = "auto") -> IngestReport:
        is_frame = isinstance(source, pd.DataFrame)
        ga4 = format == "ga4"
        start, end = self.ts_window
        cur.execute(load_sql("ingest_settings"), {
            "path": None if is_frame else str(source),
            "window_start": start,
            "window_end": end,
            "path_sep": PATH_SEP,
            "sep_mark": separator_mark(),
        })
        ga4_found: GA4Summary | None = None
        if ga4:
            # Deferred: touchpath.data.ga4 imports this module (a cycle).
            from touchpath.data.ga4 import ga4_summary, register_ga4_source

            header = register_ga4_source(cur, source, label,  # type: ignore[arg-type]
                                         max_problems=max_problems)
            ga4_found = ga4_summary(cur)
        else:
            header = _register_source(cur, table, source, label)
        is_csv = not is_frame and not ga4 and not _is_parquet(source)
        required, optional = REQUIRED_COLUMNS[table], OPTIONAL_COLUMNS[table]
        known = required + optional
        found = ", ".join(header) or "nothing"
        absent = [IngestProblem(0, theirs, f"not in the file (mapped to {ours}); the file"
                                           f" has {found}")
                  for ours, theirs in column_map.items() if theirs not in header]
        if absent:
            raise IngestError(absent, len(absent), label)
        sources = _mapped_sources(known, header, column_map)
        missing = [c for c in required if c not in sources]
        if missing:
            if is_csv and _header_not_utf8(Path(source)):
                problems = [IngestProblem(0, "", "not UTF-8 text (invalid byte sequence in the"
                                                 " header line); save the file as UTF-8")]
            elif len(missing) == len(required) and not column_map:
                # No required column at all: no header line, or not this table's file.
                problems = [IngestProblem(0, "", f"no required column in the header line"
                                                 f" (found {found}): {_expected_header(table)}")]
            else:
                problems = [IngestProblem(0, c, f"missing required column; the file has {found}"
                                                f" (name yours with --map {c}=COLUMN)")
                            for c in missing]
            raise IngestError(problems, len(problems), label)
        derive_channel = table in ("touchpoints", "events") and "channel" not in sources
        if derive_channel and not any(c in sources for c in CHANNEL_INPUTS):
            problem = IngestProblem(
                0, "channel", "missing column, and no source, medium, campaign or referrer"
                              f" column to derive it from by channel rules; the file has {found}"
                              " (name yours with --map channel=COLUMN)")
            raise IngestError([problem], 1, label)
        used = set(sources.values())
        ignored = [c for c in header if c not in used and not (ga4 and c == "ga_row")]
        owner = None if ga4 else ATTRIBUTE_OWNERS.get(table)
        attributes = ignored if owner is not None else []
        cur.execute(load_sql("ingest_attributes"), {"names": attributes})
        id_column = _ID_COLUMN.get(table)
        derived = id_column is not None and id_column not in sources
        cur.execute(load_sql("ingest_shape"), {
            "derive_ids": derived,
            "conversion_events": list(conversion_events),
            "view_events": list(VIEW_EVENTS),
        })
        cur.execute(load_sql("ingest_macros"))
        relation = _source_relation(cur, known, header, sources,
                                    record="ga_row" if ga4 else None, attributes=attributes)
        other: tuple[OtherTraffic, ...] = ()
        if derive_channel:
            if channel_rules is None:
                # Deferred: touchpath.data.channel_rules imports this module (a cycle).
                from touchpath.data.channel_rules import ChannelRules

                channel_rules = ChannelRules.default()
            other = _derive_channels(cur, table, relation, channel_rules, label)
        else:
            cur.register("_source", relation)
        cur.execute(load_sql(f"stage_{table}"))
        _create_staged(cur, table, derived)
        if attributes:
            cur.execute(load_sql(f"attribute_rows_{table}"))
        theirs = {ours: col for ours, col in sources.items() if ours != col}
        # Happy path: one checking pass and one loading pass over the source, in
        # parallel and without keeping row order. Only a refused file is
        # materialised in order to name its bad rows (see _diagnose). A CSV
        # record that does not fit the header is not read but recorded by the
        # reader: any such record refuses the file.
        cur.execute("SET SESSION preserve_insertion_order = false")
        cur.execute("BEGIN TRANSACTION")
        try:
            row = cur.execute(load_sql(f"{table}_check")).fetchone()
            assert row is not None
            if attributes:
                stored_differ = _scalar(cur, load_sql(f"{owner}_attribute_conflicts"))
                row = (*row[:3], int(row[3]) + stored_differ, *row[4:])
            misfits = _misfit_records(cur, len(header), max_problems) if is_csv else None
        except BaseException as exc:
            cur.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise _unreadable(exc, label) from exc
            raise
        if misfits is not None:
            cur.execute("ROLLBACK")
            raise IngestError(misfits[0], misfits[1], label)
        rows_in_file, bad_rows, repeated_keys, conflicts = (int(x) for x in row[:4])
        if bad_rows or repeated_keys or conflicts:
            cur.execute("ROLLBACK")
            _diagnose(cur, table, label, max_problems, derived, theirs,
                      attributes=bool(attributes))
            cur.execute("BEGIN TRANSACTION")
            if attributes:
                cur.execute(load_sql(f"attribute_rows_{table}"))
        try:
            loads, new_channels = _load(cur, table, header, rows_in_file, row[4:])
            if is_csv and _scalar(cur, load_sql("csv_rejects_count")):
                # The file changed between the passes: never load part of it.
                raise IngestError([IngestProblem(
                    0, "", "the file changed while it was being loaded; send it again")], 1, label)
            kept, owners = _keep_attributes(cur, table, attributes)
            if table == "users":
                loads = [TableLoad("users", rows_in_file, len(owners), rows_in_file - len(owners))]
            inserted = sum(load.rows_inserted for load in loads)
            if inserted or new_channels or any(a.values_loaded for a in kept):
                bump_data_version(cur, ingest=True)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return IngestReport(
            table=table,
            source=label,
            rows_in_file=rows_in_file,
            rows_inserted=inserted,
            rows_skipped_existing=sum(load.rows_skipped_existing for load in loads),
            new_channels=new_channels,
            ignored_columns=[c for c in ignored if c not in {a.name for a in kept}],
            loads=tuple(loads),
            derived_ids=derived,
            column_map=dict(column_map),
            channel_rules=channel_rules.origin if derive_channel and channel_rules else None,
            other_channel=other,
            ga4=ga4_found,
            attributes=kept,
        )

    # ----------------------------------------------------------------- lookups
    @property
    def data_version(self) -> int:
        """Incremented by every ingest that changed the data (cache key)."""
        return _scalar(self.conn, "SELECT value FROM touchpath_meta WHERE key = 'data_version'")

    @property
    def last_ingest_at(self) -> datetime | None:
        """Start time (UTC, timezone-aware) of the last ingest that changed the data.

        Set together with :attr:`data_version` (an ingest that inserts or
        changes nothing leaves both alone); ``None`` before the first such
        ingest. Stored in ``touchpath_meta`` as microseconds since the epoch.
        """
        row = self.conn.execute(
            "SELECT value FROM touchpath_meta WHERE key = 'last_ingest_at'").fetchone()
        if row is None or row[0] is None:
            return None
        return datetime.fromtimestamp(0, UTC) + timedelta(microseconds=int(row[0]))

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {t: _scalar(self.conn, f"SELECT count(*) FROM {t}") for t in sorted(TABLES)}

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """Earliest and latest timestamp over touchpoints and conversions (UTC, naive)."""
        row = self.conn.execute(
            "SELECT least((SELECT min(ts) FROM touchpoints), (SELECT min(ts) FROM conversions)),"
            " greatest((SELECT max(ts) FROM touchpoints), (SELECT max(ts) FROM conversions))"
        ).fetchone()
        assert row is not None
        return row[0], row[1]

    def activity_range(self) -> tuple[date | None, date | None]:
        """First and last day with a conversion or spend (``roi_data_range.sql``).

        ``(None, None)`` for an empty warehouse. This is the default range of
        periodised reports such as the ROI table.
        """
        row = self.conn.execute(load_sql("roi_data_range")).fetchone()
        return (None, None) if row is None else (row[0], row[1])

    def total_spend(self, start: date | datetime | None = None,
                    end: date | datetime | None = None) -> float:
        """Σ spend over ``start <= day < end``, summed exactly in DuckDB (``total_spend.sql``)."""
        row = self.conn.execute(
            load_sql("total_spend"),
            {"start": _as_date(start, "start"), "end": _as_date(end, "end")},
        ).fetchone()
        return float(row[0]) if row is not None else 0.0

    def channels(self) -> pd.DataFrame:
        """Known channels: ``channel, status, group_name, launched_on``, by name."""
        return self.conn.execute(
            "SELECT channel, status, group_name, launched_on FROM channels ORDER BY channel"
        ).df()

    def spend(self, start: date | datetime | None = None,
              end: date | datetime | None = None) -> pd.DataFrame:
        """Daily spend ``channel, day, amount`` with ``start <= day < end`` (dates).

        ``amount`` is float64 (exact in the table as DECIMAL(18, 6)).
        """
        return self.conn.execute(
            "SELECT channel, day, CAST(amount AS DOUBLE) AS amount FROM spend"
            " WHERE ($start IS NULL OR day >= $start) AND ($end IS NULL OR day < $end)"
            " ORDER BY channel, day",
            {"start": _as_date(start, "start"), "end": _as_date(end, "end")},
        ).df()


#: Stamp of the last ingest that changed the data (UTC microseconds since the
#: epoch, the transaction's start), set only by ingests.
_MARK_INGEST_SQL = (
    "UPDATE touchpath_meta SET value = epoch_us(get_current_timestamp())"
    " WHERE key = 'last_ingest_at';"
    " INSERT INTO touchpath_meta SELECT 'last_ingest_at', epoch_us(get_current_timestamp())"
    " WHERE NOT EXISTS (SELECT 1 FROM touchpath_meta WHERE key = 'last_ingest_at')"
)


def bump_data_version(conn: duckdb.DuckDBPyConnection, *, ingest: bool = False) -> None:
    """Advance ``data_version`` by one, in the caller's open transaction.

    Every change that can alter a result calls this inside the transaction
    of the change (an ingest that inserted or changed rows, a channel status
    change), so the new version commits or rolls back with it and a result
    cached under the old version is never served for the new data.

    Parameters
    ----------
    conn : duckdb.DuckDBPyConnection
        The connection (or cursor) holding the transaction.
    ingest : bool, default False
        Also stamp ``last_ingest_at`` (only ingests do).
    """
    conn.execute(load_sql("bump_data_version"))
    if ingest:
        conn.execute(_MARK_INGEST_SQL)


def _not_the_demos(conn: duckdb.DuckDBPyConnection) -> str | None:
    """Why the warehouse on ``conn`` is not the demo's, unchanged; ``None`` if it is."""
    try:
        row = conn.execute(load_sql("demo_origin")).fetchone()
    except duckdb.CatalogException:
        return "it is not a Touchpath warehouse"
    demo_version, data_version = row if row is not None else (None, None)
    if demo_version is None:
        return "it was not made by `touchpath demo`"
    if demo_version != data_version:
        return "it was changed after the demo: data loaded or a channel status set"
    return None


def _unopenable(exc: duckdb.Error) -> str:
    """Why DuckDB could not open a file, in a few words."""
    text = str(exc).strip()
    if "not a valid DuckDB database" in text:
        return "it is not a DuckDB database"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"DuckDB cannot open it: {first}"


def _expected_header(table: str) -> str:
    columns = ", ".join(REQUIRED_COLUMNS[table])
    optional = OPTIONAL_COLUMNS[table]
    if table in ("touchpoints", "events"):
        # channel, or the columns channel rules derive it from
        columns += ", channel (or " + ", ".join(CHANNEL_INPUTS) + " to derive it from)"
        optional = tuple(c for c in optional if c != "channel" and c not in CHANNEL_INPUTS)
    return ("expected a header line with columns " + columns
            + (f" (optional: {', '.join(optional)})" if optional else ""))


def _unreadable(exc: duckdb.Error, label: str) -> IngestError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    return IngestError([IngestProblem(0, "", f"cannot read: {first_line}")], 1, label)


def _misfit_records(cur: duckdb.DuckDBPyConnection, n_columns: int,
                    max_problems: int) -> tuple[list[IngestProblem], int] | None:
    """CSV records the reader could not fit to the header, as problems with the total.

    ``None`` when every record fitted. Run in the transaction of the scan that
    recorded them (``csv_row_problems.sql``).
    """
    if not _scalar(cur, load_sql("csv_rejects_count")):
        return None
    report = cur.execute(load_sql("csv_row_problems"),
                         {"n_columns": n_columns, "max_problems": max_problems}).fetchall()
    problems = [IngestProblem(int(r), str(c), str(why), v) for r, c, why, v, _ in report]
    return problems, int(report[0][4])


def _drop_ingest_objects(cur: duckdb.DuckDBPyConnection, *, registered: bool,
                         ga4: bool = False) -> None:
    """Drop the views, tables, macros and settings of an ingest (``ingest_cleanup.sql``)."""
    if ga4:
        # Deferred: touchpath.data.ga4 imports this module (a cycle).
        from touchpath.data.ga4 import drop_ga4_objects

        drop_ga4_objects(cur)
    # Deferred: touchpath.data.channel_rules imports this module (a cycle).
    from touchpath.data.channel_rules import ChannelRules

    ChannelRules.drop(cur)
    cur.execute(load_sql("ingest_cleanup"))
    cur.unregister("_source")
    cur.unregister("_source_mapped")
    if registered:
        cur.unregister("_raw_frame")


def _check_window(window: object) -> tuple[date, date]:
    """``window`` as a ``(start, end)`` pair of dates with ``start < end``, or an error."""
    if (not isinstance(window, tuple | list) or len(window) != 2
            or any(type(d) is not date for d in window)):
        raise TypeError(f"ts_window must be a (start, end) pair of dates, got {window!r}")
    start, end = window
    if start >= end:
        raise ValueError(f"ts_window must start before it ends, got {start} .. {end}")
    return start, end


def _load(cur: duckdb.DuckDBPyConnection, table: str, header: dict[str, str],
          rows_in_file: int, split: Sequence[int]) -> tuple[list[TableLoad], list[str]]:
    """Insert the checked staged rows; return what each table got and the new channels.

    ``split`` is, for an ``events`` file, its (touch rows, conversion rows)
    from ``events_check.sql``.
    """
    if table == "channels":
        before = {r[0] for r in cur.execute("SELECT channel FROM channels").fetchall()}
        changed = [r[0] for r in cur.execute(
            load_sql("upsert_channels"),
            {"has_group_name": "group_name" in header,
             "has_launched_on": "launched_on" in header},
        ).fetchall()]
        return ([TableLoad(table, rows_in_file, len(changed), rows_in_file - len(changed))],
                sorted(set(changed) - before))
    if table == "users":
        return [], []  # a users file holds attributes only (_keep_attributes)
    if table == "events":
        loads = []
        for target, rows in zip(("touchpoints", "conversions"), split, strict=True):
            inserted = _scalar(cur, load_sql(f"insert_events_{target}"))
            loads.append(TableLoad(target, int(rows), inserted, int(rows) - inserted))
    else:
        inserted = _scalar(cur, load_sql(f"insert_{table}"))
        loads = [TableLoad(table, rows_in_file, inserted, rows_in_file - inserted)]
        if table == "identities" and inserted:
            # Deferred: touchpath.data.identities imports this module (a cycle).
            from touchpath.data.identities import rebuild_persons

            rebuild_persons(cur)
    new_channels: list[str] = []
    if table in ("touchpoints", "spend", "events"):
        new_channels = sorted(r[0] for r in cur.execute(load_sql("register_channels")).fetchall())
    return loads, new_channels


def _keep_attributes(cur: duckdb.DuckDBPyConnection, table: str,
                     names: Sequence[str]) -> tuple[tuple[IngestedAttribute, ...], set[str]]:
    """Store the staged attribute values not stored yet; what was kept, and whose values.

    Reads the view ``_attribute_rows`` (``attribute_rows_<table>.sql``).
    Returns the attributes that have a value in the warehouse after the
    ingest, with their distinct values (``attribute_summary.sql``), and the
    owners (conversion ids or user ids) that got a new value. An extra column
    with no value at all (blank, or only on an events file's touch rows) is not
    an attribute: it stays among the ignored columns.
    """
    if not names:
        return (), set()
    # Deferred: touchpath.data.segments imports this module (a cycle).
    from touchpath.data.segments import MAX_SEGMENT_VALUES

    owner = ATTRIBUTE_OWNERS[table]
    new = cur.execute(load_sql(f"insert_{owner}_attributes")).fetchall()
    loaded: dict[str, int] = {}
    for _, name in new:
        loaded[str(name)] = loaded.get(str(name), 0) + 1
    summary = cur.execute(load_sql("attribute_summary"), {"names": list(names)}).fetchall()
    distinct = {str(name): int(n) for scope, name, n, _ in summary if scope == owner}
    kept = tuple(IngestedAttribute(name, owner, loaded.get(name, 0), distinct[name],
                                   distinct[name] <= MAX_SEGMENT_VALUES)
                 for name in names if distinct.get(name, 0) > 0)
    return kept, {str(o) for o, _ in new}


def _derive_channels(cur: duckdb.DuckDBPyConnection, table: str,
                     relation: duckdb.DuckDBPyRelation, rules: ChannelRules,
                     label: str) -> tuple[OtherTraffic, ...]:
    """The view ``_source`` over ``relation`` with each touch's channel derived by ``rules``.

    ``relation`` (our columns) is registered as ``_source_mapped``; the touches'
    source, medium, campaign and referrer (``channel_inputs_<table>.sql``) are
    matched once per distinct combination (:meth:`ChannelRules.stage`, the
    table ``_channel_map``), and the channels looked up per row from a map
    held in a session variable (``derived_channel_source.sql``), which keeps
    the rows in file order. Returns the touches left ``(other)``, by source
    and medium, largest first.
    """
    # Deferred: touchpath.data.channel_rules imports this module (a cycle).
    from touchpath.data.channel_rules import OTHER_CHANNEL

    cur.register("_source_mapped", relation)
    try:
        cur.execute(load_sql(f"channel_inputs_{table}"))
        rules.stage(cur)
    except duckdb.Error as exc:
        raise _unreadable(exc, label) from exc
    cur.execute(load_sql("derived_channel_source"))
    return tuple(OtherTraffic(src, medium, int(n)) for src, medium, n in cur.execute(
        load_sql("channel_other_counts"), {"other": OTHER_CHANNEL}).fetchall())


def _create_staged(cur: duckdb.DuckDBPyConnection, table: str, derived: bool) -> None:
    """The view ``_staged`` over ``_parsed``: the rows with their final ids.

    With ids in the file it is ``_parsed`` as it is; derived ids get their
    occurrence number among identical rows (``derive_ids_<table>.sql``).
    """
    cur.execute(load_sql(f"derive_ids_{table}" if derived else "staged_as_parsed"))


def _diagnose(cur: duckdb.DuckDBPyConnection, table: str, label: str,
              max_problems: int, derived: bool, theirs: Mapping[str, str], *,
              attributes: bool = False) -> None:
    """Name the problems of a staged file and raise :class:`IngestError`.

    The parsed rows are materialised with insertion order kept, so that
    ``rowid + 1`` is the data record number, kept as ``_row`` through the id
    derivation; nothing in the warehouse changes. ``theirs`` maps our columns
    to the file's: problems name the file's column. Returns without raising
    only if the precise check finds no problem after all. With ``attributes``
    the attribute values that differ from stored ones are named too
    (``<table>_attribute_problems.sql``).
    """
    cur.execute("SET SESSION preserve_insertion_order = true")
    try:
        cur.execute(load_sql("stage_rows"))
        if table == "events":
            cur.execute(load_sql("stage_rows_records"))
        _create_staged(cur, table, derived)
        cur.execute("CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM _staged")
        cur.execute(load_sql("row_problems"))
        if table != "identities":  # a repeated or stored pair is skipped, never a problem
            cur.execute(load_sql(f"{table}_key_problems"))
        if attributes:
            cur.execute(load_sql(f"{table}_attribute_problems"))
        report = cur.execute(load_sql("problem_report"),
                             {"max_problems": max_problems}).fetchall()
    finally:
        cur.execute("SET SESSION preserve_insertion_order = false")
        cur.execute("DROP TABLE IF EXISTS _stage")
        cur.execute("DROP TABLE IF EXISTS _problems")
    if report:
        problems = [IngestProblem(int(r), theirs.get(str(c), str(c)), str(why), v)
                    for r, c, why, v, _ in report]
        raise IngestError(problems, int(report[0][4]), label)


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _as_date(value: date | datetime | None, name: str) -> date | None:
    """A date, or the date part of a datetime; ``name`` is the argument, for errors."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    raise TypeError(
        f"Warehouse.spend: {name} must be a date or datetime, got {type(value).__name__}")


#: Source column types that are already timestamps; the ``TIMESTAMP WITH TIME
#: ZONE`` ones become UTC through their epoch, the others are cast (naive = UTC).
_NATIVE_TIMESTAMP = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE",
                     "TIMESTAMP WITH TIME ZONE")


def _mapped_sources(known: tuple[str, ...], header: dict[str, str],
                    column_map: Mapping[str, str]) -> dict[str, str]:
    """Our column -> the file's column it is read from, for the columns the file has.

    A mapped column is read from its mapping; an unmapped one from the file's
    column of the same name, unless that column is mapped to another of ours
    (``--map event=interaction`` reads the file's ``interaction`` as ``event``
    only).
    """
    claimed = set(column_map.values())
    sources: dict[str, str] = {}
    for c in known:
        if c in column_map:
            sources[c] = column_map[c]
        elif c in header and c not in claimed:
            sources[c] = c
    return sources


def _source_relation(cur: duckdb.DuckDBPyConnection, known: tuple[str, ...],
                     header: dict[str, str], sources: Mapping[str, str],
                     record: str | None = None,
                     attributes: Sequence[str] = ()) -> duckdb.DuckDBPyRelation:
    """The rows of ``_raw`` with our column names: every known column as text.

    Absent columns are NULL; ``channel_key`` (NULL here) is the channel's
    stand-in in derived ids when channels are derived; ``_record`` is the
    source's own record number when it has one (``record``, a GA4 export's
    ``ga_row``), which problems then name. A ``ts`` column the source already types as a
    timestamp (Parquet, DataFrame) is passed through as ``ts_native`` (naive
    timestamps are UTC) instead of being printed and parsed again. ``_attrs``
    lists the values of the ``attributes`` columns as text. The file's
    column names are used only as DuckDB column expressions, never as SQL text.
    """
    text, stamp = duckdb.sqltype("VARCHAR"), duckdb.sqltype("TIMESTAMP")
    exprs = []
    for c in known:
        src = sources.get(c)
        native = src is not None and c == "ts" and header[src] in _NATIVE_TIMESTAMP
        if src is None or native:
            exprs.append(duckdb.ConstantExpression(None).cast(text).alias(c))
        else:
            exprs.append(duckdb.ColumnExpression(src).cast(text).alias(c))
        if c == "ts":
            if not native:
                exprs.append(duckdb.ConstantExpression(None).cast(stamp).alias("ts_native"))
            elif header[src] == "TIMESTAMP WITH TIME ZONE":
                epoch = duckdb.FunctionExpression("epoch_us", duckdb.ColumnExpression(src))
                exprs.append(duckdb.FunctionExpression("make_timestamp", epoch).alias("ts_native"))
            else:
                exprs.append(duckdb.ColumnExpression(src).cast(stamp).alias("ts_native"))
    exprs.append(duckdb.ConstantExpression(None).cast(text).alias("channel_key"))
    number = duckdb.sqltype("BIGINT")
    exprs.append((duckdb.ColumnExpression(record).cast(number) if record is not None
                  else duckdb.ConstantExpression(None).cast(number)).alias("_record"))
    # _attrs: the values of the attribute columns, as text, in the order of
    # ``attributes`` (the session variable tp_attrs names them).
    texts = duckdb.sqltype("VARCHAR[]")
    exprs.append((duckdb.FunctionExpression(
        "list_value", *(duckdb.ColumnExpression(c).cast(text) for c in attributes))
        if attributes else duckdb.ConstantExpression(None).cast(texts)).alias("_attrs"))
    return cur.sql("SELECT * FROM _raw").select(*exprs)


def _is_parquet(source: str | os.PathLike[str]) -> bool:
    return Path(source).suffix.lower() in _PARQUET_SUFFIXES


def _header_not_utf8(path: Path) -> bool:
    """Whether the first line of a CSV file (gzip or plain) holds bytes that are not UTF-8.

    Used only to explain a header without the required columns: the reader
    skips a header line it cannot decode and takes the next line for it.
    """
    suffix = path.suffix.lower()
    if suffix in (".zst", ".zstd"):
        return False  # no zstd reader in the standard library: the header goes unexplained
    opener = gzip.open if suffix in (".gz", ".gzip") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return False
    first = head.split(b"\n", 1)[0]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(first, final=b"\n" in head)
    except UnicodeDecodeError:
        return True
    return False


def _register_source(cur: duckdb.DuckDBPyConnection, table: str,
                     source: str | os.PathLike[str] | pd.DataFrame,
                     label: str) -> dict[str, str]:
    """Expose ``source`` as the temp view ``_raw``; return its column types by name.

    The file's path is in the ingest settings (``ingest_settings.sql``); the
    view is read by ``raw_csv.sql``, ``raw_parquet.sql`` or, for a DataFrame
    registered as ``_raw_frame``, ``raw_frame.sql``.
    """
    if isinstance(source, pd.DataFrame):
        cur.register("_raw_frame", source)
        cur.execute(load_sql("raw_frame"))
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"{label}: no such file")
        if path.stat().st_size == 0:
            what = "" if _is_parquet(path) else f": {_expected_header(table)}"
            raise IngestError([IngestProblem(0, "", f"the file is empty (0 bytes){what}")],
                              1, label)
        try:
            cur.execute(load_sql("raw_parquet" if _is_parquet(path) else "raw_csv"))
        except duckdb.Error as exc:
            raise _unreadable(exc, label) from exc
    try:
        rel = cur.sql("SELECT * FROM _raw")
        return {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
    except duckdb.Error as exc:
        raise _unreadable(exc, label) from exc
