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
  ``JourneyOptions(censor=False)`` keeps every such journey as a null
  (ChannelAttribution's convention); :func:`censoring_report` counts how many
  the censoring leaves out and warns when that is most or all of them.
- A conversion with no touch in its window is a ``(direct)`` conversion,
  carried apart in :attr:`PathTable.direct_conversions` / ``direct_value``.
- Touches older than the window of the conversion that follows them belong to
  no journey.
- Options apply in this order: interaction filter (before journeys are
  formed), date range, collapse of consecutive repeats (a run keeps its last
  touch), maximum path length (the last N touches are kept).
- A conversion is a first purchase when it is the user's first in the data
  (by time, then ``conversion_id``), whatever the date range.
- Only conversions of ``JourneyOptions.kind`` (default ``purchase``) close
  journeys: a conversion of another kind (an ``add_to_cart``) is not seen, so
  it never cuts a purchase path. ``kind=None`` pools every kind.
- ``JourneyOptions.grain="campaign"``: a touch's state is its channel and
  campaign (a NULL campaign is :data:`NO_CAMPAIGN`). Repeats still collapse by
  channel (the run's last touch labels it) and the length cap counts the same
  touches, so a campaign-level journey is the channel-level journey with each
  touch labelled by its campaign. :func:`build_campaign_paths` returns the
  path table with its states' channel and campaign (:class:`CampaignPathTable`).

Every function reads the warehouse through its own cursor and runs in SQL
(window functions, an as-of join and list functions); no row is looped in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from touchpath.data.paths import PATH_SEP, PathTable, separator_mark
from touchpath.data.warehouse import Warehouse, load_sql
from touchpath.errors import InvalidRequest

__all__ = [
    "ALL_KINDS",
    "GRAINS",
    "NO_CAMPAIGN",
    "STATE_SEP",
    "CampaignNameError",
    "CampaignPathTable",
    "CensoringReport",
    "JourneyOptions",
    "NoConversionsOfKind",
    "build_campaign_paths",
    "build_paths",
    "build_paths_by_period",
    "censoring_report",
    "state_name",
    "check_kind",
    "conversion_kinds",
    "kind_value",
    "journey_summary",
    "prepare_journeys",
    "journey_touches",
]


def _as_utc_naive(value: date | datetime | None, where: str) -> datetime | None:
    """A date (midnight) or datetime as a naive UTC datetime (naive input is UTC).

    ``where`` names the argument in the error message (``"JourneyOptions.start"``,
    ``"bounds[2] ('2024-03') end"``).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"{where}: expected a date or datetime, got {value!r}")


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
    censor : bool, default True
        Leave out non-converting journeys that are still open (last touch +
        ``lookback_days`` after the end of the data: a conversion could still
        close them). ``False``: every non-converting journey is a null
        (ChannelAttribution's convention).
    kind : str or None, default "purchase"
        The conversion kind (``conversions.kind``) whose conversions close
        journeys and are attributed; the others are ignored, so a cart never
        cuts a purchase path. ``None``: conversions of every kind, one pool.
    stitch : bool, default True
        Cut journeys per person: the ids the ``identities`` table links into
        one connected component are one customer (:mod:`touchpath.data.identities`).
        Without identity pairs there is nothing to stitch and every id is its
        own person; ``False``: journeys per id, as stored.
    stitch_max_ids : int, default 50
        A component of more ids than this (a shared device, a test account)
        is not merged: its ids stay apart, and ``touchpath identities`` reports it.
    grain : {"channel", "campaign"}, default "channel"
        What a touch's state is: its channel, or its channel and campaign
        (:func:`build_campaign_paths`). Collapsing repeats and the length cap
        work on channels at both grains. Per-period tables (ROI) are per
        channel only: spend has no campaign.

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
    censor: bool = True
    kind: str | None = "purchase"
    stitch: bool = True
    stitch_max_ids: int = 50
    grain: Literal["channel", "campaign"] = "channel"

    def __post_init__(self) -> None:
        if isinstance(self.lookback_days, bool) or not isinstance(self.lookback_days, int):
            raise TypeError(f"lookback_days must be an int, got {self.lookback_days!r}")
        if self.lookback_days < 1:
            raise ValueError(f"lookback_days must be at least 1, got {self.lookback_days}")
        if not isinstance(self.collapse_repeats, bool):
            raise TypeError(f"collapse_repeats must be a bool, got {self.collapse_repeats!r}")
        if not isinstance(self.censor, bool):
            raise TypeError(f"censor must be a bool, got {self.censor!r}")
        if not isinstance(self.stitch, bool):
            raise TypeError(f"stitch must be a bool, got {self.stitch!r}")
        cap = self.stitch_max_ids
        if isinstance(cap, bool) or not isinstance(cap, int):
            raise TypeError(f"stitch_max_ids must be an int, got {cap!r}")
        if cap < 2:
            raise ValueError(f"stitch_max_ids must be at least 2, got {cap}")
        if self.kind is not None:
            if not isinstance(self.kind, str):
                raise TypeError(f"kind must be a str or None, got {self.kind!r}")
            if not self.kind.strip():
                raise ValueError("kind must be a conversion kind such as 'purchase', got ''")
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be 'channel' or 'campaign', got {self.grain!r}")
        if self.interaction not in ("all", "click"):
            raise ValueError(f"interaction must be 'all' or 'click', got {self.interaction!r}")
        n = self.max_path_length
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"max_path_length must be an int or None, got {n!r}")
            if n < 1:
                raise ValueError(f"max_path_length must be at least 1, got {n}")
        start = _as_utc_naive(self.start, "JourneyOptions.start")
        end = _as_utc_naive(self.end, "JourneyOptions.end")
        if start is not None and end is not None and start >= end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")

    def sql_params(self) -> dict[str, Any]:
        """The named parameters of the journey queries."""
        return {
            "lookback_days": self.lookback_days,
            "click_only": self.interaction == "click",
            "collapse_repeats": self.collapse_repeats,
            "max_path_length": self.max_path_length,
            "range_start": _as_utc_naive(self.start, "JourneyOptions.start"),
            "range_end": _as_utc_naive(self.end, "JourneyOptions.end"),
            "censor": self.censor,
            "kind": self.kind,
        }


#: The grains of a journey's states: channels, or channel and campaign.
GRAINS = ("channel", "campaign")

#: The campaign of a touch without one, at the campaign grain.
NO_CAMPAIGN = "(none)"

#: Between the channel and the campaign in a campaign-level state's name
#: (``"search / brand"``). The name is a label only: a state's channel and
#: campaign travel apart in :class:`CampaignPathTable`, never parsed back.
STATE_SEP = " / "


#: What ``--kind`` / ``kind=`` take for "every kind in one pool" (``JourneyOptions.kind=None``).
ALL_KINDS = "all"


def kind_value(text: str | None) -> str | None:
    """A kind as typed on a surface: ``"all"`` (or ``None``) pools every kind, else the kind."""
    if text is None:
        return None
    kind = text.strip()
    return None if kind.lower() == ALL_KINDS else kind


class NoConversionsOfKind(InvalidRequest):
    """The warehouse has conversions, but none of the chosen kind (422 on the API)."""


def conversion_kinds(wh: Warehouse) -> dict[str, int]:
    """The conversion kinds in the warehouse and their counts, most conversions first.

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("conversions", pd.DataFrame({"conversion_id": ["c1", "c2"],
    ...     "user_id": ["u", "v"], "ts": ["2024-01-03", "2024-01-04"], "value": ["1", "2"],
    ...     "kind": ["add_to_cart", "purchase"]}))
    >>> conversion_kinds(wh)
    {'add_to_cart': 1, 'purchase': 1}
    >>> wh.close()
    """
    cur = wh.cursor()
    try:
        rows = cur.execute(load_sql("conversion_kinds")).fetchall()
    finally:
        cur.close()
    return {str(kind): int(n) for kind, n in rows}


def check_kind(wh: Warehouse, options: JourneyOptions) -> None:
    """Refuse a kind no conversion has when the warehouse has conversions of other kinds.

    Without the check such a warehouse would give an empty table and no
    reason. A warehouse with no conversions at all passes (nothing converts
    whatever the kind; the surfaces say so their own way).

    Raises
    ------
    NoConversionsOfKind
        Naming the kinds present (with counts) and how to choose one.
    """
    if options.kind is None:
        return
    kinds = conversion_kinds(wh)
    if not kinds or options.kind in kinds:
        return
    present = ", ".join(f"{k!r} ({n:,})" for k, n in kinds.items())
    first = next(iter(kinds))
    raise NoConversionsOfKind(
        f"kind: the warehouse has no conversions of kind {options.kind!r}; its conversions "
        f"are of kind {present}. Choose one with --kind (API: kind=), e.g. --kind {first}, "
        f"or --kind {ALL_KINDS} to pool every kind")


def prepare_journeys(cur: Any, options: JourneyOptions) -> None:
    """Define the journey macros on ``cur`` and set its stitching to ``options``'.

    Every query over ``tp_journeys`` runs after this on its cursor: the macros
    (``journeys.sql``) and the session's stitching (``identity_settings.sql``:
    persons when ``options.stitch``, components of at most
    ``options.stitch_max_ids`` ids).
    """
    cur.execute(load_sql("journeys"))
    cur.execute(load_sql("identity_settings"),
                {"stitch": options.stitch, "max_ids": options.stitch_max_ids})


def _run(wh: Warehouse, query: str, options: JourneyOptions, *, arrow: bool = False,
         extra: dict[str, Any] | None = None) -> Any:
    """Run a journey query on a fresh cursor: an Arrow table or a DataFrame.

    DataFrames get DECIMAL money as float64 (exact sums are taken in SQL first).
    ``extra``: parameters of this query beyond :meth:`JourneyOptions.sql_params`.
    """
    if not isinstance(options, JourneyOptions):
        raise TypeError(f"options must be JourneyOptions, got {type(options).__name__}")
    cur = wh.cursor()
    try:
        prepare_journeys(cur, options)
        rel = cur.sql(load_sql(query), params={**options.sql_params(), **(extra or {})})
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

    At ``options.grain == "campaign"`` the table's "channels" are the
    campaign-level states (:func:`build_campaign_paths`, whose result also
    names each state's channel and campaign).
    """
    if isinstance(options, JourneyOptions) and options.grain == "campaign":
        return build_campaign_paths(wh, options).paths
    table = _run(wh, "path_table", options, arrow=True)
    names, codes, lengths = _encode_paths(table)
    return _path_table(table, names, codes, lengths, 0, table.num_rows)


def _encode_paths(table: pa.Table) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Channel names (sorted), flat channel codes and path lengths of ``table["path"]``.

    Codes index the sorted names and run over the non-empty paths in row order;
    ``lengths`` has one entry per row (0 for the direct row).
    """
    paths = table["path"].combine_chunks()
    if isinstance(paths, pa.ChunkedArray):  # empty result
        paths = pa.array([], type=pa.list_(pa.string()))
    lengths = np.asarray(pc.list_value_length(paths).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
    encoded = pc.list_flatten(paths).dictionary_encode()
    names = [str(x) for x in encoded.dictionary.to_pylist()]
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    remap = np.empty(len(names), dtype=np.int32)
    remap[order] = np.arange(len(names), dtype=np.int32)
    idx = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = remap[idx].astype(np.int32) if len(idx) else np.zeros(0, dtype=np.int32)
    return [names[k] for k in order], codes, lengths


def _path_table(table: pa.Table, names: Sequence[str], codes: np.ndarray, lengths: np.ndarray,
                lo: int, hi: int, *, own_channels: bool = False) -> PathTable:
    """The :class:`PathTable` of rows ``lo:hi`` of a path-table query result.

    ``names``, ``codes`` and ``lengths`` come from :func:`_encode_paths` on the
    whole ``table``. With ``own_channels`` the table lists only the channels
    its rows use (sorted), as :func:`build_paths` would for those rows alone.
    """
    rows = slice(lo, hi)
    lens = lengths[rows]
    code_lo = int(lengths[:lo].sum())
    own = codes[code_lo:code_lo + int(lens.sum())]
    channels = tuple(names)
    if own_channels:
        used = np.unique(own)  # ascending codes: names stay sorted
        channels = tuple(names[k] for k in used)
        own = np.searchsorted(used, own).astype(np.int32)

    def column(name: str) -> np.ndarray:
        return table[name].slice(lo, hi - lo).to_numpy().astype(np.float64)

    conv, value = column("conversions"), column("value")
    nulls, first = column("nulls"), column("first_conversions")
    direct = lens == 0
    keep = ~direct
    return PathTable(
        channels=channels,
        offsets=np.concatenate([[0], np.cumsum(lens[keep])]).astype(np.int64),
        codes=own.astype(np.int32),
        conversions=conv[keep],
        value=value[keep],
        nulls=nulls[keep],
        direct_conversions=float(conv[direct].sum()),
        direct_value=float(value[direct].sum()),
        first_conversions=first[keep],
        direct_first_conversions=float(first[direct].sum()),
    )


def build_paths_by_period(
    wh: Warehouse,
    options: JourneyOptions,
    bounds: Sequence[tuple[str, date | datetime, date | datetime]],
    *,
    channels: Literal["all", "period"] = "all",
) -> dict[str, PathTable]:
    """One :class:`PathTable` per period, from a single pass over the journeys.

    The journeys are cut once (``data/sql/journeys.sql``) and grouped by
    (period, path) in SQL with a range join on the period bounds, which travel
    as query parameters. A journey belongs to period ``k`` when its end time
    (conversion time; last touch for a non-converting journey -- the rule of
    ``JourneyOptions.start`` / ``end``) lies in ``[start_k, end_k)``, so the
    table of each period has exactly the paths, ``conversions``, ``value``,
    ``nulls``, ``first_conversions`` and direct conversions / value of
    ``build_paths(wh, replace(options, start=start_k, end=end_k))``
    (DESIGN.md, "Journeys"). Periods may overlap (a journey then counts in
    each); journeys in no period are dropped.

    Parameters
    ----------
    wh : Warehouse
    options : JourneyOptions
        Lookback and path options; its ``start`` and ``end`` must be ``None``
        (the bounds give the ranges).
    bounds : sequence of (label, start, end)
        Distinct labels; ``start < end``, each a date (midnight) or datetime
        (naive = UTC); ``end`` exclusive.
    channels : {"all", "period"}, default "all"
        ``"all"``: every table lists the same channels -- all channels on any
        path of any period, sorted by name -- so a channel absent from a period
        is listed with no path touching it, and an empty period has those
        channels and no paths. ``"period"``: each table lists only the
        channels its own paths use, sorted, exactly as :func:`build_paths`.

    Returns
    -------
    dict of str to PathTable
        Keyed by label, in the order of ``bounds``; periods without journeys
        get a table with no paths and no direct conversions.

    Raises
    ------
    TypeError, ValueError
        Bad options or bounds (the message names the period).

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("touchpoints", pd.DataFrame({"event_id": ["e1", "e2", "e3"],
    ...     "user_id": ["u", "u", "v"], "ts": ["2024-01-01", "2024-01-02", "2024-02-01"],
    ...     "channel": ["search", "email", "display"]}))
    >>> _ = wh.ingest("conversions", pd.DataFrame({"conversion_id": ["c1", "c2"],
    ...     "user_id": ["u", "v"], "ts": ["2024-01-03", "2024-02-02"], "value": ["2", "3"]}))
    >>> tables = build_paths_by_period(wh, JourneyOptions(), [
    ...     ("2024-01", date(2024, 1, 1), date(2024, 2, 1)),
    ...     ("2024-02", date(2024, 2, 1), date(2024, 3, 1))])
    >>> [t.path_strings() for t in tables.values()]
    [['search > email'], ['display']]
    >>> tables["2024-02"].channels
    ('display', 'email', 'search')
    >>> wh.close()
    """
    if not isinstance(options, JourneyOptions):
        raise TypeError(f"options must be JourneyOptions, got {type(options).__name__}")
    if options.start is not None or options.end is not None:
        raise ValueError("build_paths_by_period: options.start and options.end must be None "
                         f"(got {options.start!r}, {options.end!r}); the bounds give the ranges")
    if options.grain != "channel":
        raise ValueError("build_paths_by_period: per-period tables are per channel (spend has "
                         f"no campaign); got grain={options.grain!r}")
    if channels not in ("all", "period"):
        raise ValueError(f"channels must be 'all' or 'period', got {channels!r}")
    labels: list[str] = []
    starts: list[datetime] = []
    ends: list[datetime] = []
    for k, item in enumerate(bounds):
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise TypeError(f"bounds[{k}]: expected (label, start, end), got {item!r}")
        label, lo, hi = item
        if not isinstance(label, str):
            raise TypeError(f"bounds[{k}]: label must be a str, got {label!r}")
        if label in labels:
            raise ValueError(f"bounds[{k}]: label {label!r} repeats an earlier period")
        lo_ts = _as_utc_naive(lo, f"bounds[{k}] ({label!r}) start")
        hi_ts = _as_utc_naive(hi, f"bounds[{k}] ({label!r}) end")
        if lo_ts is None or hi_ts is None:
            raise TypeError(f"bounds[{k}] ({label!r}): start and end must be dates or datetimes")
        if lo_ts >= hi_ts:
            raise ValueError(f"bounds[{k}] ({label!r}): start {lo} must be before end {hi}")
        labels.append(label)
        starts.append(lo_ts)
        ends.append(hi_ts)
    if not labels:
        return {}
    params = options.sql_params()
    params.update(range_start=min(starts), range_end=max(ends), period_starts=starts,
                  period_ends=ends)
    cur = wh.cursor()
    try:
        prepare_journeys(cur, options)
        table = cur.sql(load_sql("path_table_by_period"), params=params).to_arrow_table()
    finally:
        cur.close()
    names, codes, lengths = _encode_paths(table)
    period = np.asarray(table["period"].to_numpy(), dtype=np.int64)
    edges = np.searchsorted(period, np.arange(len(labels) + 1), side="left")
    own = channels == "period"
    return {label: _path_table(table, names, codes, lengths, int(edges[k]), int(edges[k + 1]),
                               own_channels=own)
            for k, label in enumerate(labels)}


class CampaignNameError(InvalidRequest):
    """Campaign-level states that cannot be written as a path or told apart (422 on the API)."""


def state_name(channel: str, campaign: str) -> str:
    """The name of a campaign-level state: ``channel / campaign`` (a label, never parsed)."""
    return f"{channel}{STATE_SEP}{campaign}"


@dataclass(frozen=True, eq=False)
class CampaignPathTable:
    """A campaign-level path table, with the channel and campaign of each state.

    Attributes
    ----------
    paths : PathTable
        Its "channels" are the states, named :func:`state_name` (``"search /
        brand"``) and ordered by channel, then campaign, so a channel's
        campaigns are adjacent. Conversions, value, nulls and the direct
        baseline are those of the channel-level table of the same options.
    channel, campaign : tuple of str
        The channel and campaign of each state, aligned with ``paths.channels``
        (:data:`NO_CAMPAIGN` for touches without a campaign).
    """

    paths: PathTable
    channel: tuple[str, ...]
    campaign: tuple[str, ...]

    def __post_init__(self) -> None:
        n = self.paths.n_channels
        if len(self.channel) != n or len(self.campaign) != n:
            raise ValueError(f"one channel and campaign per state are needed: {n} states, "
                             f"{len(self.channel)} channels, {len(self.campaign)} campaigns")

    @property
    def channels(self) -> tuple[str, ...]:
        """The distinct channels of the states, in state order (sorted by name)."""
        return tuple(dict.fromkeys(self.channel))

    def state(self, channel: str, campaign: str) -> str:
        """The state name of ``(channel, campaign)``.

        Raises
        ------
        KeyError
            No state has that channel and campaign.
        """
        index = self._index()
        try:
            return self.paths.channels[index[(channel, campaign)]]
        except KeyError:
            raise KeyError(f"no state for channel {channel!r}, campaign {campaign!r}") from None

    def _index(self) -> dict[tuple[str, str], int]:
        return {pair: k for k, pair in enumerate(zip(self.channel, self.campaign, strict=True))}

    def states(self) -> pd.DataFrame:
        """``state, channel, campaign``: one row per state, in state order."""
        return pd.DataFrame({"state": list(self.paths.channels), "channel": list(self.channel),
                             "campaign": list(self.campaign)})

    def label_touches(self, touches: pd.DataFrame) -> pd.DataFrame:
        """Journey touches (:func:`journey_touches` at the campaign grain) named by state.

        Returns a copy whose ``channel`` column holds each touch's state name,
        matched on the (channel, campaign) pair, so a model reading touches
        (time decay) sees the states of :attr:`paths`.

        Raises
        ------
        ValueError
            A touch whose (channel, campaign) is no state of the table.
        """
        index = self._index()
        pairs = list(zip(touches["channel"].astype(str), touches["campaign"].astype(str),
                         strict=True))
        codes = np.fromiter((index.get(p, -1) for p in pairs), dtype=np.int64, count=len(pairs))
        if np.any(codes < 0):
            row = int(np.flatnonzero(codes < 0)[0])
            raise ValueError(f"touches: row {row}: channel {pairs[row][0]!r}, campaign "
                             f"{pairs[row][1]!r} is not a state of the path table")
        out = touches.copy()
        out["channel"] = np.asarray(self.paths.channels, dtype=object)[codes] if len(codes) \
            else pd.Series([], dtype=object)
        return out


def _campaign_states(table: pa.Table) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """States of a ``path_table_campaign.sql`` result: channel and campaign of each, codes.

    Returns ``(channel, campaign, codes, lengths)``: states ordered by channel,
    then campaign; ``codes`` index them touch by touch over the non-empty
    paths in row order; ``lengths`` per row (0 for the direct row).

    Raises
    ------
    CampaignNameError
        A campaign holding the path separator, or two states whose names read alike.
    """
    def flat(column: str) -> pa.Array:
        arr = table[column].combine_chunks()
        if isinstance(arr, pa.ChunkedArray):  # empty result
            arr = pa.array([], type=pa.list_(pa.string()))
        return arr

    paths, campaigns = flat("path"), flat("campaigns")
    lengths = np.asarray(pc.list_value_length(paths).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
    ch = pc.list_flatten(paths).dictionary_encode()
    cp = pc.list_flatten(campaigns).dictionary_encode()
    ch_names = [str(x) for x in ch.dictionary.to_pylist()]
    cp_names = [str(x) for x in cp.dictionary.to_pylist()]
    ch_idx = np.asarray(ch.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    cp_idx = np.asarray(cp.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    pair, inverse = np.unique(ch_idx * max(len(cp_names), 1) + cp_idx, return_inverse=True)
    width = max(len(cp_names), 1)
    pairs = [(ch_names[int(p) // width], cp_names[int(p) % width]) for p in pair]
    order = sorted(range(len(pairs)), key=lambda k: pairs[k])
    remap = np.empty(len(pairs), dtype=np.int32)
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(pairs), dtype=np.int32)
    codes = remap[inverse].astype(np.int32) if len(inverse) else np.zeros(0, dtype=np.int32)
    channel = [pairs[k][0] for k in order]
    campaign = [pairs[k][1] for k in order]
    mark = separator_mark()
    for c, name in zip(channel, campaign, strict=True):
        if mark in name:
            raise CampaignNameError(
                f"campaign {name!r} of channel {c!r} contains {mark!r}, the path separator "
                f"(states in a path are joined by {PATH_SEP!r}), so campaign-level paths "
                "could not be written or read back; rename the campaign in the touchpoints "
                "and ingest them again, or attribute at the channel grain")
    seen: dict[str, tuple[str, str]] = {}
    for c, name in zip(channel, campaign, strict=True):
        label = state_name(c, name)
        if label in seen:
            a, b = seen[label]
            raise CampaignNameError(
                f"campaign-level states of channel {a!r}, campaign {b!r} and channel {c!r}, "
                f"campaign {name!r} would both be named {label!r}; rename one of the "
                "campaigns (or channels) so that they read apart")
        seen[label] = (c, name)
    return channel, campaign, codes, lengths


def build_campaign_paths(wh: Warehouse,
                         options: JourneyOptions = JourneyOptions(grain="campaign"),  # noqa: B008
                         ) -> CampaignPathTable:
    """The campaign-level :class:`PathTable` of the warehouse's journeys, with its states.

    The journeys are those of ``build_paths(wh, replace(options,
    grain="channel"))`` (the grain of ``options`` is not read): each touch's
    state is its channel and campaign. Summing a state-level table's rows over
    the campaigns of each touch gives the channel-level table back, so an
    additive rule-based model (first / last touch, linear, position, time
    decay) credits the campaigns of a channel exactly what it credits the
    channel.

    Raises
    ------
    CampaignNameError
        A campaign holding the path separator (``">"``), or two states whose
        names (:func:`state_name`) read alike.

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("touchpoints", pd.DataFrame({"event_id": ["e1", "e2"],
    ...     "user_id": ["u", "u"], "ts": ["2024-01-01", "2024-01-02"],
    ...     "channel": ["search", "search"], "campaign": ["brand", None]}))
    >>> _ = wh.ingest("conversions", pd.DataFrame({"conversion_id": ["c1"],
    ...     "user_id": ["u"], "ts": ["2024-01-03"], "value": ["25.5"]}))
    >>> table = build_campaign_paths(wh)
    >>> table.paths.path_strings()
    ['search / brand > search / (none)']
    >>> table.campaign
    ('(none)', 'brand')
    >>> wh.close()
    """
    table = _run(wh, "path_table_campaign", options, arrow=True)
    channel, campaign, codes, lengths = _campaign_states(table)
    names = [state_name(c, k) for c, k in zip(channel, campaign, strict=True)]
    paths = _path_table(table, names, codes, lengths, 0, table.num_rows)
    return CampaignPathTable(paths, tuple(channel), tuple(campaign))


def journey_touches(wh: Warehouse, options: JourneyOptions = JourneyOptions()) -> pd.DataFrame:  # noqa: B008
    """The touches of converting journeys, one row each (time-decay attribution reads this).

    Returns
    -------
    DataFrame
        ``journey_id`` (the closing ``conversion_id``), ``user_id``,
        ``position`` (1 = first touch of the journey, after the options),
        ``channel``, ``campaign`` (at ``options.grain == "campaign"`` the
        touch's campaign, :data:`NO_CAMPAIGN` when it has none; else missing),
        ``ts``, ``conversion_ts``, ``days_before`` (float days from touch to
        conversion), ``value`` (the conversion's), and ``first_purchase``
        (bool). Ordered by journey and position. Direct conversions have no
        touches and no rows.
    """
    return _run(wh, "journey_touches", options,
                extra={"with_campaign": getattr(options, "grain", "channel") == "campaign"})


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


#: Share of the non-converting journeys above which censoring them earns a warning.
MOST_CENSORED = 0.5

_WHAT_TO_DO = ("Use a shorter lookback (--lookback / lookback_days), or --no-censor "
               "(censor=false) to count every non-converting journey as a failure "
               "(ChannelAttribution's convention)")


def _utc_text(value: datetime | None) -> str | None:
    """A naive UTC datetime as ISO 8601 text marked UTC (``...Z``, as the API writes it)."""
    return None if value is None else value.isoformat() + "Z"


def _journeys(n: int) -> str:
    return f"{n:,} non-converting journey" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class CensoringReport:
    """What censoring did to the non-converting journeys of some options.

    Attributes
    ----------
    censor : bool
        The options' ``censor``: were open journeys left out?
    non_converting : int
        Non-converting journeys in the range, censored or not (the nulls of
        ChannelAttribution's convention, ``censor=False``).
    still_open : int
        Of them, those whose last touch + ``lookback_days`` lies after the end
        of the data: the ones censoring leaves out.
    converting : int
        Converting journeys in the range (direct conversions included).
    lookback_days : int
    data_start, data_end : datetime or None
        First and last timestamp in touchpoints and conversions (``None``: no data).
    """

    censor: bool
    non_converting: int
    still_open: int
    converting: int
    lookback_days: int
    data_start: datetime | None
    data_end: datetime | None

    @property
    def censored(self) -> int:
        """Non-converting journeys left out: the open ones when ``censor``, else none."""
        return self.still_open if self.censor else 0

    @property
    def non_converting_kept(self) -> int:
        """Non-converting journeys in the path table: its nulls."""
        return self.non_converting - self.censored

    @property
    def data_days(self) -> int:
        """Calendar days the data covers, first and last included (0 without data)."""
        if self.data_start is None or self.data_end is None:
            return 0
        return (self.data_end.date() - self.data_start.date()).days + 1

    @property
    def warnings(self) -> tuple[str, ...]:
        """Plain-words warnings: censoring left out most or all failures, or there are none.

        - all non-converting journeys censored (the lookback is as long as the
          data, or longer than the quiet tail of it);
        - more than :data:`MOST_CENSORED` of them censored;
        - the path table has no null at all though journeys convert (no user
          went without converting).
        """
        n, c, kept, lb = self.non_converting, self.censored, self.non_converting_kept, \
            self.lookback_days
        end = "" if self.data_end is None else f"{self.data_end:%Y-%m-%d %H:%M}"
        span = (f"the data covers {self.data_days:,} day" + ("" if self.data_days == 1 else "s")
                + ("" if self.data_start is None else
                   f" ({self.data_start:%Y-%m-%d} to {self.data_end:%Y-%m-%d})"))
        out: list[str] = []
        if n > 0 and kept == 0:
            subject = ("the only non-converting journey was" if n == 1
                       else f"all {_journeys(n)} were")
            out.append(
                f"{subject} censored: {span} and the lookback is {lb} days, so no journey "
                f"without a conversion is old enough to count as a failure (its last touch at "
                f"least {lb} days before the end of the data, {end}); Markov and the "
                f"conversion-rate Shapley then see no failures. {_WHAT_TO_DO}.")
        elif n > 0 and c > MOST_CENSORED * n:
            out.append(
                f"{c:,} of {_journeys(n)} ({c / n:.0%}) were censored: their last touch is "
                f"less than {lb} days before the end of the data ({end}), so a conversion "
                f"could still close them; {span}. Markov and the conversion-rate Shapley "
                f"count only the other {kept:,} as failures. {_WHAT_TO_DO}.")
        elif n == 0 and self.converting > 0:
            out.append(
                "the path table has no non-converting journeys (nulls): every journey in the "
                "range ends in a conversion, so Markov and the conversion-rate Shapley see no "
                "failures. Load the touchpoints of users who did not convert, or widen the "
                "date range.")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """Counts, settings and warnings as plain values (JSON-ready; times in UTC, ISO 8601)."""
        return {
            "censor": self.censor,
            "non_converting_journeys": self.non_converting_kept,
            "censored_journeys": self.censored,
            "open_journeys": self.still_open,
            "converting_journeys": self.converting,
            "lookback_days": self.lookback_days,
            "data_start": _utc_text(self.data_start),
            "data_end": _utc_text(self.data_end),
            "warnings": list(self.warnings),
        }


def censoring_report(wh: Warehouse,
                     options: JourneyOptions = JourneyOptions()) -> CensoringReport:  # noqa: B008
    """How many non-converting journeys censoring leaves out under ``options``, and why.

    One count query (``data/sql/censoring.sql``) over the journeys of
    ``options`` without censoring: every non-converting journey in the range,
    and those still open (last touch + lookback after the end of the data).
    With ``options.censor`` the open ones are the censored ones; without it
    none is censored and the path table's nulls are all of them.

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("touchpoints", pd.DataFrame({"event_id": ["e1", "e2"],
    ...     "user_id": ["u", "v"], "ts": ["2024-01-01", "2024-01-20"],
    ...     "channel": ["search", "email"]}))
    >>> r = censoring_report(wh, JourneyOptions(lookback_days=7))
    >>> (r.non_converting_kept, r.censored)
    (1, 1)
    >>> censoring_report(wh, JourneyOptions(lookback_days=7, censor=False)).censored
    0
    >>> wh.close()
    """
    frame = _run(wh, "censoring", options)
    row = frame.iloc[0]

    def when(value: Any) -> datetime | None:
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    return CensoringReport(
        censor=bool(row["censor"]), non_converting=int(row["non_converting"]),
        still_open=int(row["still_open"]), converting=int(row["converting"]),
        lookback_days=options.lookback_days, data_start=when(row["data_start"]),
        data_end=when(row["data_end"]))
