"""Monitoring arithmetic: pacing of a recorded plan, rule thresholds, robust daily anomalies.

Pure functions over the numbers they are given (the workflows that read the
warehouse are :mod:`touchpath.service.pacing` and :mod:`touchpath.service.alerts`).

Pacing (:func:`pace`). A quarter of ``D`` days, the data known up to day
``as_of`` (inclusive), so ``e`` days of the quarter have elapsed (``0 <= e <= D``).
Per channel and month ``m`` (``d_m`` days, ``e_m`` of them elapsed):

- planned to date = Σ_m planned_m · e_m / d_m (the month's plan spread evenly
  over its days);
- actual to date = Σ spend of the channel from the quarter's first day to ``as_of``;
- projection at the current run rate = actual to date · D / e;
- pace = projection ÷ planned quarter spend (1.0: on plan); the channel is off
  pace when ``|pace − 1| > tolerance``. A channel with no planned spend but
  actual spend is off pace (its pace is undefined: ``None``).

The same for revenue: expected to date (the plan's expected revenue of each
month, pro rata), attributed to date, projected, and its pace.

Anomalies (:func:`daily_anomalies`). For each channel, metric and day ``d`` the
baseline is the same weekday's values over the trailing ``window`` weeks
(``d − 7``, ``d − 14``, ..., ``d − 7·window``; days before the series starts do not
count), so a Monday is compared with Mondays: weekly patterns (weekend spend)
are not anomalies. With ``n >= min_history`` such values::

    median = median(values)
    MAD    = median(|values − median|)
    scale  = max(1.4826 · MAD, min_relative_scale · |median|)   (√median too, for counts)
    z      = (value − median) / scale
    expected range = [max(0, median − threshold · scale), median + threshold · scale]

1.4826 · MAD estimates the standard deviation of normal data, and a median and
a MAD are not moved by the anomalies they are meant to catch (a mean and a
standard deviation are). The floor ``min_relative_scale · |median|`` keeps a
perfectly regular series (MAD 0) from flagging every cent of change. For a
count (conversions) the scale is at least √median, the standard deviation of a
Poisson count of that mean: a channel converting twice a day on average that
converts five times has not had an anomaly. A day is
flagged when its value is outside the expected range (``|z| > threshold``); a
series with scale 0 (median and MAD 0) flags any value other than 0.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

__all__ = [
    "ANOMALY_COLUMNS",
    "OPERATORS",
    "ROBUST_SCALE",
    "AnomalySettings",
    "ChannelPace",
    "MonthPace",
    "breaches",
    "daily_anomalies",
    "pace",
    "quarter_bounds",
]

#: 1.4826 · MAD estimates the standard deviation of normally distributed data.
ROBUST_SCALE = 1.4826

#: The comparison operators of a threshold rule.
OPERATORS = {
    "<": lambda v, t: v < t,
    "<=": lambda v, t: v <= t,
    ">": lambda v, t: v > t,
    ">=": lambda v, t: v >= t,
}

#: Columns of :func:`daily_anomalies`' frame, in order.
ANOMALY_COLUMNS = ("day", "weekday", "channel", "metric", "value", "median", "mad", "scale",
                   "history", "z", "low", "high", "flagged")


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day (inclusive) of a calendar quarter such as ``"2026Q2"``.

    Raises
    ------
    ValueError
        Not a quarter of the form ``2026Q2`` (``2026-Q2`` is accepted too).
    """
    text = quarter.strip().upper().replace("-", "")
    year, sep, q = text.partition("Q")
    if not (sep and year.isdigit() and q in ("1", "2", "3", "4")):
        raise ValueError(f"quarter must look like 2026Q2, got {quarter!r}")
    first = date(int(year), 3 * int(q) - 2, 1)
    last_month = 3 * int(q)
    last = date(int(year), last_month, calendar.monthrange(int(year), last_month)[1])
    return first, last


def _month_days(month: str) -> tuple[date, date]:
    year, mon = (int(p) for p in month.split("-"))
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def _elapsed(first: date, last: date, as_of: date) -> int:
    """Days of ``[first, last]`` on or before ``as_of``."""
    if as_of < first:
        return 0
    return (min(as_of, last) - first).days + 1


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


@dataclass(frozen=True)
class MonthPace:
    """One channel's month of a recorded plan against the data."""

    channel: str
    month: str
    days: int
    elapsed_days: int
    planned_spend: float
    planned_to_date: float
    actual_spend: float
    expected_revenue: float | None
    expected_to_date: float | None
    attributed_revenue: float


@dataclass(frozen=True)
class ChannelPace:
    """One channel's quarter: to date, projected at the run rate, and whether it is off pace."""

    channel: str
    planned_spend: float
    planned_to_date: float
    actual_spend: float
    projected_spend: float | None
    spend_pace: float | None
    expected_revenue: float | None
    expected_to_date: float | None
    attributed_revenue: float
    projected_revenue: float | None
    revenue_pace: float | None
    off_pace: bool
    reason: str
    months: tuple[MonthPace, ...]


def pace(planned: Mapping[tuple[str, str], float],
         expected: Mapping[tuple[str, str], float | None],
         actual: Mapping[tuple[str, str], float],
         attributed: Mapping[tuple[str, str], float],
         quarter: str, as_of: date, tolerance: float) -> list[ChannelPace]:
    """Per channel: planned vs actual spend and revenue to date, projection and flag.

    Parameters
    ----------
    planned, expected : mapping of (channel, month) to amount
        The recorded plan's spend and expected revenue per channel and month
        (``"2026-04"``); expected ``None`` for a channel the plan did not model.
    actual, attributed : mapping of (channel, month) to amount
        Spend and attributed revenue of each month up to ``as_of``.
    quarter : str
        The plan's quarter, e.g. ``"2026Q2"``.
    as_of : date
        Last day of the data counted (inclusive).
    tolerance : float
        A channel whose projected spend is more than this share off its planned
        quarter spend is off pace.

    Returns
    -------
    list of ChannelPace
        In the order channels first appear in ``planned``, then channels with
        actual spend only (unplanned spend); ``attributed`` revenue of other
        channels (owned channels without spend or plan) is not paced.
    """
    q_first, q_last = quarter_bounds(quarter)
    total_days = (q_last - q_first).days + 1
    elapsed = _elapsed(q_first, q_last, as_of)
    months = sorted({m for _, m in planned}
                    | {f"{q_first.year}-{q_first.month + i:02d}" for i in range(3)})
    channels = list(dict.fromkeys([c for c, _ in planned] + [c for c, _ in actual]))
    out: list[ChannelPace] = []
    for ch in channels:
        rows = []
        for m in months:
            first, last = _month_days(m)
            days = (last - first).days + 1
            e_m = _elapsed(first, last, as_of)
            p = float(planned.get((ch, m), 0.0))
            x = expected.get((ch, m))
            rows.append(MonthPace(ch, m, days, e_m, p, p * e_m / days,
                                  float(actual.get((ch, m), 0.0)),
                                  None if x is None else float(x),
                                  None if x is None else float(x) * e_m / days,
                                  float(attributed.get((ch, m), 0.0))))
        plan_total = math.fsum(r.planned_spend for r in rows)
        to_date = math.fsum(r.planned_to_date for r in rows)
        spent = math.fsum(r.actual_spend for r in rows)
        modelled = all(r.expected_revenue is not None for r in rows if r.planned_spend > 0) and \
            any(r.expected_revenue is not None for r in rows)
        exp_total = math.fsum(r.expected_revenue or 0.0 for r in rows) if modelled else None
        exp_to_date = math.fsum(r.expected_to_date or 0.0 for r in rows) if modelled else None
        revenue = math.fsum(r.attributed_revenue for r in rows)
        projected = spent * total_days / elapsed if elapsed else None
        projected_rev = revenue * total_days / elapsed if elapsed else None
        spend_pace = None if projected is None else _ratio(projected, plan_total)
        rev_pace = (None if projected_rev is None or exp_total is None
                    else _ratio(projected_rev, exp_total))
        if elapsed == 0:
            off, reason = False, "the quarter has not started in the data"
        elif plan_total <= 0:
            off = spent > 0
            reason = "spend without a plan" if off else "no plan, no spend"
        else:
            assert spend_pace is not None
            off = abs(spend_pace - 1.0) > tolerance
            direction = "over" if spend_pace > 1 else "under"
            reason = (f"projected {spend_pace:.0%} of plan: {direction} pace by more than "
                      f"{tolerance:.0%}" if off else f"projected {spend_pace:.0%} of plan")
        out.append(ChannelPace(ch, plan_total, to_date, spent, projected, spend_pace,
                               exp_total, exp_to_date, revenue, projected_rev, rev_pace, off,
                               reason, tuple(rows)))
    return out


def breaches(values: pd.DataFrame, op: str, threshold: float) -> pd.DataFrame:
    """The rows of ``values`` (a ``value`` column) for which ``value op threshold`` holds.

    Undefined values (NaN) never breach: a CPA without conversions is not a number.
    """
    compare = OPERATORS[op]
    v = pd.to_numeric(values["value"], errors="coerce").astype(np.float64)
    mask = v.notna() & compare(v, float(threshold))
    return values[mask.to_numpy()]


@dataclass(frozen=True)
class AnomalySettings:
    """The robust baseline of :func:`daily_anomalies` (see the module docstring).

    Parameters
    ----------
    window_weeks : int
        Same-weekday values in the trailing baseline (8: the last eight Mondays).
    min_history : int
        Fewer same-weekday values than this: no baseline, the day is not judged.
    threshold : float
        Robust z beyond which a day is flagged (3.5, Iglewicz and Hoaglin's cut).
    min_relative_scale : float
        Floor of the scale as a share of the median.
    count_metrics : tuple of str
        Metrics that are counts: their scale is at least √median (Poisson).
    """

    window_weeks: int = 8
    min_history: int = 4
    threshold: float = 3.5
    min_relative_scale: float = 0.05
    count_metrics: tuple[str, ...] = ("conversions",)

    def __post_init__(self) -> None:
        if int(self.window_weeks) != self.window_weeks or self.window_weeks < 1:
            raise ValueError(f"window_weeks must be a positive integer, got {self.window_weeks!r}")
        if (int(self.min_history) != self.min_history or self.min_history < 1
                or self.min_history > self.window_weeks):
            raise ValueError(f"min_history must be an integer from 1 to window_weeks "
                             f"({self.window_weeks}), got {self.min_history!r}")
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise ValueError(f"threshold must be a number > 0, got {self.threshold!r}")
        if not (math.isfinite(self.min_relative_scale) and self.min_relative_scale >= 0):
            raise ValueError(f"min_relative_scale must be >= 0, got {self.min_relative_scale!r}")

    def describe(self) -> str:
        """The rule in words, as outputs state it."""
        counts = (f"; for {', '.join(self.count_metrics)} at least √median"
                  if self.count_metrics else "")
        return (f"value outside median ± {self.threshold:g} × max(1.4826·MAD, "
                f"{self.min_relative_scale:g}·median{counts}) of the same weekday over the "
                f"trailing {self.window_weeks} weeks (at least {self.min_history} of them)")


def daily_anomalies(series: pd.DataFrame, settings: AnomalySettings | None = None,
                    *, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Judge every day of every (channel, metric) series against its weekday baseline.

    Parameters
    ----------
    series : DataFrame
        ``day`` (date), ``channel``, ``metric``, ``value``: one row per day a
        series has a value; days missing between a series' first and last day
        count as 0 (no spend, no conversions that day).
    settings : AnomalySettings, optional
    start, end : date, optional
        Judge only days in ``[start, end]`` (inclusive); earlier days still serve
        as baseline.

    Returns
    -------
    DataFrame
        :data:`ANOMALY_COLUMNS`, one row per judged day (days with a baseline),
        ordered by channel, metric, day.
    """
    settings = settings or AnomalySettings()
    out: list[dict[str, object]] = []
    if series.empty:
        return pd.DataFrame(out, columns=list(ANOMALY_COLUMNS))
    frame = series.assign(day=pd.to_datetime(series["day"]).dt.date)
    for (channel, metric), group in frame.groupby(["channel", "metric"], sort=True):
        by_day = group.groupby("day")["value"].sum()
        first, last = min(by_day.index), max(by_day.index)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        values = np.array([float(by_day.get(d, 0.0)) for d in days], dtype=np.float64)
        w = settings.window_weeks
        for i, d in enumerate(days):
            if (start is not None and d < start) or (end is not None and d > end):
                continue
            idx = [i - 7 * k for k in range(1, w + 1) if i - 7 * k >= 0]
            if len(idx) < settings.min_history:
                continue
            hist = values[idx]
            med = float(np.median(hist))
            mad = float(np.median(np.abs(hist - med)))
            scale = max(ROBUST_SCALE * mad, settings.min_relative_scale * abs(med))
            if metric in settings.count_metrics:
                scale = max(scale, math.sqrt(max(med, 0.0)))
            v = float(values[i])
            if scale > 0:
                z = (v - med) / scale
            else:
                z = 0.0 if v == med else math.copysign(math.inf, v - med)
            low = max(0.0, med - settings.threshold * scale)
            high = med + settings.threshold * scale
            out.append({"day": d, "weekday": calendar.day_name[d.weekday()],
                        "channel": str(channel), "metric": str(metric), "value": v,
                        "median": med, "mad": mad, "scale": scale, "history": len(idx),
                        "z": z, "low": low, "high": high,
                        "flagged": bool(v < low or v > high)})
    return pd.DataFrame(out, columns=list(ANOMALY_COLUMNS))

