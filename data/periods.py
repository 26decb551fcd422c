"""What the channel ROI table is computed from, read from the warehouse per period.

DESIGN.md, "ROI and lifecycle rules". :func:`roi_inputs` reads, for a list of
periods, everything :func:`touchpath.attribution.roi.channel_roi` needs -- each
period's path table (all periods in one pass over the journeys,
:func:`touchpath.data.journeys.build_paths_by_period`), the conversions per day
(``roi_daily_conversions.sql``), the daily spend (``roi_daily_spend.sql``; money
as exact decimals beside the floats) and the registered channels --
so the ROI computation itself runs no query. :func:`roi_range` is the default
range of the table (``roi_data_range.sql``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from touchpath.data.journeys import JourneyOptions, build_paths_by_period, journey_touches
from touchpath.data.paths import PathTable
from touchpath.data.warehouse import Warehouse, load_sql

__all__ = ["PeriodBounds", "ROIInputs", "daily_conversions", "daily_spend", "roi_inputs",
           "roi_range"]

#: One period: ``(label, first day, day after the last)``.
PeriodBounds = tuple[str, date, date]


@dataclass(frozen=True, eq=False)
class ROIInputs:
    """The warehouse's data behind a channel ROI table, per period.

    Attributes
    ----------
    options : JourneyOptions
        Lookback and path options of the journeys (``start`` / ``end`` unset:
        each period gives its own range).
    bounds : tuple of (label, start, end)
        The periods in time order, ``end`` exclusive (dates).
    paths : dict of str to PathTable
        Each period's path table, keyed by label: exactly
        :func:`~touchpath.data.journeys.build_paths` over the period (each lists the
        channels its own paths use).
    daily : DataFrame
        Conversions per day over the whole warehouse: ``day`` (date),
        ``conversions``, ``revenue``, ``first_purchases`` (float64), and
        ``revenue_exact`` (the exact DECIMAL sum as :class:`~decimal.Decimal`).
    spend : DataFrame
        Daily spend: ``channel``, ``day`` (date), ``amount`` (float64) and
        ``amount_exact`` (the stored DECIMAL(18, 6) as :class:`~decimal.Decimal`).
    channels : tuple of str
        The registered channels, by name (each gets a row in every period).
    touches : callable
        ``touches(label)`` reads the journey touches of one period
        (:func:`~touchpath.data.journeys.journey_touches` over its range) when
        called; only models on touch timestamps (time decay) need them.
    """

    options: JourneyOptions
    bounds: tuple[PeriodBounds, ...]
    paths: dict[str, PathTable]
    daily: pd.DataFrame
    spend: pd.DataFrame
    channels: tuple[str, ...]
    touches: Callable[[str], pd.DataFrame]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def roi_range(wh: Warehouse) -> tuple[date, date] | None:
    """The default range of the ROI table: ``(first day, day after the last)``.

    First and last day with a conversion or spend
    (:meth:`~touchpath.data.warehouse.Warehouse.activity_range`); ``None`` when the
    warehouse has neither.
    """
    first, last = wh.activity_range()
    if first is None or last is None:
        return None
    return first, last + timedelta(days=1)


def daily_conversions(wh: Warehouse, kind: str | None = "purchase") -> pd.DataFrame:
    """Per day: conversions, revenue, first purchases (``roi_daily_conversions.sql``).

    Only conversions of ``kind`` count (``None``: every kind), as in the
    journeys of ``JourneyOptions(kind=...)``.

    ``day`` is a date; the counts and revenue are float64, and
    ``revenue_exact`` is the day's revenue summed exactly as DECIMAL in DuckDB
    (a :class:`~decimal.Decimal`). A first purchase is a user's first
    conversion in the whole table.
    """
    cur = wh.conn.execute(load_sql("roi_daily_conversions"), {"kind": kind})
    cols = [d[0] for d in cur.description]
    daily = pd.DataFrame(cur.fetchall(), columns=cols)
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    daily["revenue_exact"] = [Decimal(v) for v in daily["revenue"]]
    for c in ("conversions", "revenue", "first_purchases"):
        daily[c] = pd.to_numeric(daily[c].astype(np.float64))
    return daily


def daily_spend(wh: Warehouse) -> pd.DataFrame:
    """Daily spend ``channel, day, amount, amount_exact`` (``roi_daily_spend.sql``).

    ``amount`` is float64, ``amount_exact`` the stored DECIMAL(18, 6) as a
    :class:`~decimal.Decimal`, so period sums of it are exact.
    """
    cur = wh.conn.execute(load_sql("roi_daily_spend"))
    rows = cur.fetchall()
    spend = pd.DataFrame(rows, columns=["channel", "day", "amount_exact"])
    spend["day"] = pd.to_datetime(spend["day"]).dt.date
    spend["amount_exact"] = [Decimal(v) for v in spend["amount_exact"]]
    spend["amount"] = np.array([float(v) for v in spend["amount_exact"]], dtype=np.float64)
    return spend[["channel", "day", "amount", "amount_exact"]]


def roi_inputs(wh: Warehouse, options: JourneyOptions,
               bounds: Sequence[PeriodBounds]) -> ROIInputs:
    """Read the inputs of the channel ROI table over ``bounds``.

    Parameters
    ----------
    wh : Warehouse
    options : JourneyOptions
        Lookback and path options; its own ``start`` / ``end`` are ignored
        (each period's bounds give the range).
    bounds : sequence of (label, start, end)
        The periods (e.g. :func:`touchpath.attribution.roi.period_bounds`):
        distinct labels, dates, ``end`` exclusive.

    Returns
    -------
    ROIInputs
        The journey touches of a period are read only when asked for.

    Raises
    ------
    TypeError, ValueError
        Bad options or bounds (the message names the period).
    """
    options = dataclasses.replace(options, start=None, end=None)
    bounds = tuple((str(label), lo, hi) for label, lo, hi in bounds)
    spend = daily_spend(wh)
    channels = wh.channels()
    registered = tuple(str(c) for c in channels["channel"]) if len(channels) else ()
    daily = daily_conversions(wh, options.kind)
    # every period's paths from one pass over the journeys, each exactly build_paths's table
    paths = build_paths_by_period(
        wh, options, [(label, _midnight(lo), _midnight(hi)) for label, lo, hi in bounds],
        channels="period")
    spans = {label: (_midnight(lo), _midnight(hi)) for label, lo, hi in bounds}

    def touches(label: str) -> pd.DataFrame:
        lo, hi = spans[label]
        return journey_touches(wh, dataclasses.replace(options, start=lo, end=hi))

    return ROIInputs(options, bounds, paths, daily, spend, registered, touches)
