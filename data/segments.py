"""Segments: the journeys of each value of a conversion or user attribute.

Attributes are kept at ingest (:meth:`touchpath.data.warehouse.Warehouse.ingest`):
a conversions or events file's extra columns are attributes of its conversions
(``conversion_attributes``), a ``users`` file's columns besides ``user_id`` are
attributes of its users (``user_attributes``); both tables are in long form
(``owner, name, value``), so no column name of a file ever becomes SQL.

A journey's segment under an attribute (``data/sql/segment_journeys.sql``):

- a converting journey takes the value on its conversion, or else the value on
  its user (an attribute stored for both, scope ``"both"``: the conversion's wins);
- a non-converting journey has no conversion: it belongs to a segment only
  through a user attribute;
- a journey without a value is in the segment :data:`NO_VALUE` (``"(none)"``).

So every journey is in exactly one segment, and the segments' path tables add
up to the pooled one: per segment, attributed credit + ``(direct)`` equals the
segment's conversions and revenue, and over the segments those add up to the
whole range's.

An attribute with more than :data:`MAX_SEGMENT_VALUES` distinct values is kept
but not segmentable (:class:`AttributeNotSegmentable`): a segment per customer
id is no breakdown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from touchpath.data.journeys import (
    JourneyOptions,
    _as_utc_naive,
    _encode_paths,
    _path_table,
    journey_touches,
    prepare_journeys,
)
from touchpath.data.paths import PathTable
from touchpath.data.warehouse import Warehouse, load_sql
from touchpath.errors import InvalidRequest

__all__ = [
    "MAX_SEGMENT_VALUES",
    "NO_VALUE",
    "AttributeNotSegmentable",
    "SegmentAttribute",
    "UnknownAttribute",
    "build_paths_by_segment",
    "build_paths_by_segment_and_period",
    "segment_attribute",
    "segment_attributes",
    "segment_conversions",
    "segment_touches",
]

#: An attribute with more distinct values than this is kept but not segmentable.
MAX_SEGMENT_VALUES = 1000

#: The segment of journeys without a value of the attribute.
NO_VALUE = "(none)"

#: Bounds wide enough for any stored timestamp (ingest keeps them within 1990 .. 2100).
_EVER = (datetime(1, 1, 1), datetime(9999, 12, 31))

Scope = Literal["conversion", "user", "both"]


class UnknownAttribute(InvalidRequest):
    """No conversion or user attribute of that name (422 on the API)."""


class AttributeNotSegmentable(InvalidRequest):
    """An attribute with more than :data:`MAX_SEGMENT_VALUES` distinct values (422)."""


@dataclass(frozen=True)
class SegmentAttribute:
    """A stored attribute segments can be cut by.

    Attributes
    ----------
    name : str
    scope : {"conversion", "user", "both"}
        Where it is stored: on conversions, on users, or on both (the
        conversion's value wins on a converting journey).
    values : tuple of str
        Its distinct values, sorted (empty when not segmentable).
    distinct : int
        How many distinct values it has.
    segmentable : bool
        ``distinct <= MAX_SEGMENT_VALUES``.
    """

    name: str
    scope: Scope
    values: tuple[str, ...]
    distinct: int
    segmentable: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        return {"name": self.name, "scope": self.scope, "values": list(self.values),
                "distinct": self.distinct, "segmentable": self.segmentable}

    def sql_params(self) -> dict[str, Any]:
        """The segment parameters of the segment queries."""
        return {"attribute": self.name, "use_conversion": self.scope in ("conversion", "both"),
                "use_user": self.scope in ("user", "both"), "no_value": NO_VALUE}


def segment_attributes(wh: Warehouse) -> list[SegmentAttribute]:
    """The stored attributes, by name (``attribute_summary.sql``, ``segment_values.sql``).

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("users", pd.DataFrame({"user_id": ["u", "v"],
    ...     "region": ["north", "south"]}))
    >>> [(a.name, a.scope, a.values) for a in segment_attributes(wh)]
    [('region', 'user', ('north', 'south'))]
    >>> wh.close()
    """
    cur = wh.cursor()
    try:
        summary = cur.execute(load_sql("attribute_summary"), {"names": None}).fetchall()
        by_name: dict[str, dict[str, int]] = {}
        for scope, name, n, _ in summary:
            by_name.setdefault(str(name), {})[str(scope)] = int(n)
        names = sorted(by_name)
        values: dict[str, set[str]] = {n: set() for n in names}
        distinct: dict[str, int] = {}
        for name, scopes in by_name.items():
            distinct[name] = max(scopes.values())
        small = [n for n in names if distinct[n] <= MAX_SEGMENT_VALUES]
        if small:
            for _scope, name, value in cur.execute(load_sql("segment_values"),
                                                   {"names": small}).fetchall():
                values[str(name)].add(str(value))
    finally:
        cur.close()
    out = []
    for name in names:
        scopes = by_name[name]
        scope: Scope = "both" if len(scopes) == 2 else next(iter(scopes))  # type: ignore[assignment]
        n = len(values[name]) if distinct[name] <= MAX_SEGMENT_VALUES else distinct[name]
        ok = n <= MAX_SEGMENT_VALUES
        out.append(SegmentAttribute(name, scope, tuple(sorted(values[name])) if ok else (),
                                    n, ok))
    return out


def segment_attribute(wh: Warehouse, name: str) -> SegmentAttribute:
    """The attribute ``name``, checked to be segmentable.

    Raises
    ------
    UnknownAttribute
        No attribute of that name (the message names those that exist).
    AttributeNotSegmentable
        More than :data:`MAX_SEGMENT_VALUES` distinct values.
    """
    found = {a.name: a for a in segment_attributes(wh)}
    attribute = found.get(str(name).strip())
    if attribute is None:
        have = ", ".join(repr(a) for a in found) or "none: ingest a users file or conversions " \
            "with extra columns first"
        raise UnknownAttribute(f"by: no attribute {name!r} on conversions or users; the "
                               f"attributes are {have}")
    if not attribute.segmentable:
        ok = ", ".join(repr(a.name) for a in found.values() if a.segmentable) or "none"
        raise AttributeNotSegmentable(
            f"by: attribute {attribute.name!r} has {attribute.distinct:,} distinct values, more "
            f"than {MAX_SEGMENT_VALUES:,}: it is kept but not segmentable; segmentable "
            f"attributes: {ok}")
    return attribute


def _check_options(options: JourneyOptions) -> None:
    if not isinstance(options, JourneyOptions):
        raise TypeError(f"options must be JourneyOptions, got {type(options).__name__}")


def build_paths_by_segment(wh: Warehouse, options: JourneyOptions,
                           attribute: SegmentAttribute) -> dict[str, PathTable]:
    """One :class:`PathTable` per segment of ``attribute``, from one pass over the journeys.

    Segments in value order, :data:`NO_VALUE` last; only segments with
    journeys in the range appear. Each table lists only the channels its own
    paths use (as :func:`~touchpath.data.journeys.build_paths` would for those
    journeys alone); the tables' conversions, revenue, nulls and direct
    conversions add up to ``build_paths(wh, options)``'s.

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("touchpoints", pd.DataFrame({"event_id": ["e1", "e2"],
    ...     "user_id": ["u", "v"], "ts": ["2024-01-01", "2024-01-02"],
    ...     "channel": ["search", "email"]}))
    >>> _ = wh.ingest("conversions", pd.DataFrame({"conversion_id": ["c1", "c2"],
    ...     "user_id": ["u", "v"], "ts": ["2024-01-03", "2024-01-03"], "value": ["2", "3"],
    ...     "device": ["mobile", "desktop"]}))
    >>> tables = build_paths_by_segment(wh, JourneyOptions(), segment_attribute(wh, "device"))
    >>> {k: t.path_strings() for k, t in tables.items()}
    {'desktop': ['email'], 'mobile': ['search']}
    >>> wh.close()
    """
    _check_options(options)
    lo = _as_utc_naive(options.start, "JourneyOptions.start") or _EVER[0]
    hi = _as_utc_naive(options.end, "JourneyOptions.end") or _EVER[1]
    split = _segment_query(wh, options, attribute, [lo], [hi])
    return {segment: periods[0] for segment, periods in split.items()}


def build_paths_by_segment_and_period(
    wh: Warehouse,
    options: JourneyOptions,
    attribute: SegmentAttribute,
    bounds: Sequence[tuple[str, date | datetime, date | datetime]],
) -> dict[str, dict[str, PathTable]]:
    """Per segment, one :class:`PathTable` per period (the ROI table's inputs), in one pass.

    ``bounds`` as :func:`~touchpath.data.journeys.build_paths_by_period` takes
    them (``options.start`` / ``end`` must be ``None``). Every segment with a
    journey in any period gets a table for every period (empty when it has no
    journey there); each lists its own channels.
    """
    _check_options(options)
    if options.start is not None or options.end is not None:
        raise ValueError("build_paths_by_segment_and_period: options.start and options.end "
                         "must be None; the bounds give the ranges")
    labels = [str(b[0]) for b in bounds]
    starts = [_as_utc_naive(b[1], f"bounds ({b[0]!r}) start") for b in bounds]
    ends = [_as_utc_naive(b[2], f"bounds ({b[0]!r}) end") for b in bounds]
    if not labels:
        return {}
    split = _segment_query(wh, dataclasses.replace(options, start=min(starts), end=max(ends)),
                           attribute, starts, ends)  # type: ignore[arg-type]
    return {segment: dict(zip(labels, periods, strict=True))
            for segment, periods in split.items()}


def _segment_query(wh: Warehouse, options: JourneyOptions, attribute: SegmentAttribute,
                   starts: Sequence[datetime | None],
                   ends: Sequence[datetime | None]) -> dict[str, list[PathTable]]:
    """Run ``segment_path_table.sql``; per segment, the period tables in period order."""
    params = options.sql_params()
    params.update(attribute.sql_params(), period_starts=list(starts), period_ends=list(ends))
    cur = wh.cursor()
    try:
        prepare_journeys(cur, options)
        cur.execute(load_sql("segment_journeys"))
        table = cur.sql(load_sql("segment_path_table"), params=params).to_arrow_table()
    finally:
        cur.close()
    names, codes, lengths = _encode_paths(table)
    segments = [str(s) for s in table["segment"].to_pylist()]
    period = np.asarray(table["period"].to_numpy(), dtype=np.int64)
    out: dict[str, list[PathTable]] = {}
    n_periods = len(starts)
    row = 0
    while row < len(segments):
        segment = segments[row]
        end = row
        while end < len(segments) and segments[end] == segment:
            end += 1
        edges = row + np.searchsorted(period[row:end], np.arange(n_periods + 1), side="left")
        out[segment] = [_path_table(table, names, codes, lengths, int(edges[k]),
                                    int(edges[k + 1]), own_channels=True)
                        for k in range(n_periods)]
        row = end
    return out


def segment_conversions(wh: Warehouse, attribute: SegmentAttribute,
                        kind: str | None = "purchase") -> pd.DataFrame:
    """Every conversion of ``kind`` with its segment (``segment_conversions.sql``).

    Columns ``conversion_id, user_id, day`` (date), ``value`` (float64),
    ``value_exact`` (:class:`~decimal.Decimal`), ``first_purchase`` (bool) and
    ``segment``; the ROI table per segment reconciles with these.
    """
    cur = wh.cursor()
    try:
        params = {"kind": kind, **attribute.sql_params()}
        params.pop("no_value")
        res = cur.execute(load_sql("segment_conversions"), {**params, "no_value": NO_VALUE})
        cols = [d[0] for d in res.description]
        frame = pd.DataFrame(res.fetchall(), columns=cols)
    finally:
        cur.close()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date if len(frame) else frame["day"]
    frame["value_exact"] = list(frame["value"])
    frame["value"] = np.array([float(v) for v in frame["value_exact"]], dtype=np.float64)
    frame["first_purchase"] = frame["first_purchase"].astype(bool)
    return frame


def segment_touches(wh: Warehouse, options: JourneyOptions,
                    conversion_ids: Sequence[str]) -> pd.DataFrame:
    """The journey touches (:func:`~touchpath.data.journeys.journey_touches`) of some conversions.

    Time-decay attribution of one segment reads the touches of that segment's
    converting journeys.
    """
    touches = journey_touches(wh, options)
    keep = touches["journey_id"].isin(set(conversion_ids))
    return touches[keep].reset_index(drop=True)
