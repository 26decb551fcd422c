"""Journeys and path tables built in SQL from the warehouse (DESIGN.md, "Journeys").

Rules (``data/sql/journeys.sql`` holds the query):

- Per user, in time order, a conversion closes a journey made of the user's
  touches since the previous conversion and within the lookback window:
  ``conversion_ts - lookback_days <= touch ts <= conversion_ts``. A touch at
  the same timestamp as a conversion counts before it. Of several conversions
  at one timestamp the first by ``conversion_id`` takes the touches.
- Touches after a user's last conversion form one non-converting journey (a
  null): those within ``lookback_days`` before its last touch. It is censored
  -- neither null nor conversion -- while still open, i.e. when
  ``last touch + lookback_days`` lies after the end of the data (the latest
  timestamp in touchpoints and conversions): a conversion could still claim it.
- A conversion with no touch in its window is a ``(direct)`` conversion,
  carried apart in :attr:`PathTable.direct_conversions` / ``direct_value``.
- Touches older than the window of the conversion that follows them belong to
  no journey.
- Options apply in this order: interaction filter (before journeys are
  formed), date range, collapse of consecutive repeats (a run keeps its last
  touch), maximum path length (the last N touches are kept).
- A conversion is a first purchase when it is the user's first in the data
  (by time, then ``conversion_id``), whatever the date range.

Every function reads the warehouse through its own cursor and runs in SQL
(window functions, an as-of join and list functions); no row is looped in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.paths import PathTable
from data.warehouse import Warehouse, load_sql

__all__ = ["JourneyOptions", "build_paths", "journey_summary", "journey_touches"]


def _as_utc_naive(value: date | datetime | None, name: str) -> datetime | None:
    """A date (midnight) or datetime as a naive UTC datetime (naive input is UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"JourneyOptions.{name}: expected a date or datetime, got {value!r}")


@dataclass(frozen=True)
class JourneyOptions:
    """How journeys are cut from the touchpoints and conversions.

    Parameters
    ----------
    lookback_days : int, default 30
        A conversion's window: touches at most this many days before it.
    collapse_repeats : bool, default False
        Merge consecutive touches of the same channel (the run keeps its last touch).
    interaction : {"all", "click"}, default "all"
        ``"click"`` keeps only touches whose interaction is ``click``.
    max_path_length : int or None, default None
        Keep only the last N touches of each journey.
    start, end : date or datetime or None
        Journeys ending in ``[start, end)``: converting journeys by conversion
        time, non-converting ones by their last touch. A date means midnight;
        a naive datetime is UTC.

    Raises
    ------
    ValueError, TypeError
        Out-of-range or mistyped options (the message names the option).
    """

    lookback_days: int = 30
    collapse_repeats: bool = False
    interaction: Literal["all", "click"] = "all"
    max_path_length: int | None = None
    start: date | datetime | None = None
    end: date | datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.lookback_days, bool) or not isinstance(self.lookback_days, int):
            raise TypeError(f"lookback_days must be an int, got {self.lookback_days!r}")
        if self.lookback_days < 1:
            raise ValueError(f"lookback_days must be at least 1, got {self.lookback_days}")
        if not isinstance(self.collapse_repeats, bool):
            raise TypeError(f"collapse_repeats must be a bool, got {self.collapse_repeats!r}")
        if self.interaction not in ("all", "click"):
            raise ValueError(f"interaction must be 'all' or 'click', got {self.interaction!r}")
        n = self.max_path_length
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"max_path_length must be an int or None, got {n!r}")
            if n < 1:
                raise ValueError(f"max_path_length must be at least 1, got {n}")
        start = _as_utc_naive(self.start, "start")
        end = _as_utc_naive(self.end, "end")
        if start is not None and end is not None and start >= end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")

    def sql_params(self) -> dict[str, Any]:
        """The named parameters of the journey queries."""
        return {
            "lookback_days": self.lookback_days,
            "click_only": self.interaction == "click",
            "collapse_repeats": self.collapse_repeats,
            "max_path_length": self.max_path_length,
            "range_start": _as_utc_naive(self.start, "start"),
            "range_end": _as_utc_naive(self.end, "end"),
        }


def _run(wh: Warehouse, query: str, options: JourneyOptions, *, arrow: bool = False) -> Any:
    """Run a journey query on a fresh cursor: an Arrow table or a DataFrame.

    DataFrames get DECIMAL money as float64 (exact sums are taken in SQL first).
    """
    if not isinstance(options, JourneyOptions):
        raise TypeError(f"options must be JourneyOptions, got {type(options).__name__}")
    cur = wh.cursor()
    try:
        cur.execute(load_sql("journeys"))
        rel = cur.sql(load_sql(query), params=options.sql_params())
        return rel.to_arrow_table() if arrow else rel.df()
    finally:
        cur.close()


def build_paths(wh: Warehouse, options: JourneyOptions = JourneyOptions()) -> PathTable:  # noqa: B008
    """Build the :class:`PathTable` of the warehouse's journeys.

    Parameters
    ----------
    wh : Warehouse
    options : JourneyOptions

    Returns
    -------
    PathTable
        Distinct paths (channels sorted by name) with ``conversions``,
        ``value``, ``nulls`` and ``first_conversions``; conversions with no
        touch in their window as ``direct_conversions`` / ``direct_value``.
        ``total_conversions + direct_conversions`` equals the conversions in
        the date range (DESIGN.md, "Journeys").

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("touchpoints", pd.DataFrame({"event_id": ["e1", "e2"],
    ...     "user_id": ["u", "u"], "ts": ["2024-01-01", "2024-01-02"],
    ...     "channel": ["search", "email"]}))
    >>> _ = wh.ingest("conversions", pd.DataFrame({"conversion_id": ["c1"],
    ...     "user_id": ["u"], "ts": ["2024-01-03"], "value": ["25.5"]}))
    >>> build_paths(wh).to_frame()["path"].tolist()
    ['search > email']
    >>> wh.close()
    """
    table = _run(wh, "path_table", options, arrow=True)
    paths = table["path"].combine_chunks()
    if isinstance(paths, pa.ChunkedArray):  # empty result
        paths = pa.array([], type=pa.list_(pa.string()))
    lengths = np.asarray(pc.list_value_length(paths).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
    conv = table["conversions"].to_numpy().astype(np.float64)
    value = table["value"].to_numpy().astype(np.float64)
    nulls = table["nulls"].to_numpy().astype(np.float64)
    first = table["first_conversions"].to_numpy().astype(np.float64)
    direct = lengths == 0
    keep = ~direct
    kept_paths = paths.filter(pa.array(keep))
    flat = pc.list_flatten(kept_paths)
    encoded = flat.dictionary_encode()
    names = [str(x) for x in encoded.dictionary.to_pylist()]
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    remap = np.empty(len(names), dtype=np.int32)
    remap[order] = np.arange(len(names), dtype=np.int32)
    idx = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = remap[idx].astype(np.int32) if len(idx) else np.zeros(0, dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths[keep])]).astype(np.int64)
    return PathTable(
        channels=tuple(names[k] for k in order),
        offsets=offsets,
        codes=codes,
        conversions=conv[keep],
        value=value[keep],
        nulls=nulls[keep],
        direct_conversions=float(conv[direct].sum()),
        direct_value=float(value[direct].sum()),
        first_conversions=first[keep],
    )


def journey_touches(wh: Warehouse, options: JourneyOptions = JourneyOptions()) -> pd.DataFrame:  # noqa: B008
    """The touches of converting journeys, one row each (time-decay attribution reads this).

    Returns
    -------
    DataFrame
        ``journey_id`` (the closing ``conversion_id``), ``user_id``,
        ``position`` (1 = first touch of the journey, after the options),
        ``channel``, ``ts``, ``conversion_ts``, ``days_before`` (float days
        from touch to conversion), ``value`` (the conversion's), and
        ``first_purchase`` (bool). Ordered by journey and position. Direct
        conversions have no touches and no rows.
    """
    return _run(wh, "journey_touches", options)


def journey_summary(wh: Warehouse, options: JourneyOptions = JourneyOptions()) -> pd.DataFrame:  # noqa: B008
    """Per channel: touches, journeys, conversions, revenue and spend.

    Returns
    -------
    DataFrame
        ``channel``, ``touches`` (in journeys, after the options),
        ``journeys`` and ``converting_journeys`` that touch the channel,
        ``conversions`` and ``revenue`` of the journeys the channel closes
        (last touch; descriptive, not an attribution model -- the ``(direct)``
        row has the conversions with no touch, so the column sums to every
        conversion in the range), and ``spend`` on days whose midnight lies in
        ``[start, end)``. Channels sorted by name, ``(direct)`` last.
    """
    frame = _run(wh, "journey_summary", options)
    for col in ("revenue", "spend"):
        frame[col] = frame[col].astype(np.float64)
    for col in ("touches", "journeys", "converting_journeys", "conversions"):
        frame[col] = frame[col].astype(np.int64)
    return frame
