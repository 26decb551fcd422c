"""Channel ROI per period: attribute each period's conversions, join spend.

DESIGN.md, "ROI and lifecycle rules". For every period (ISO week, calendar
month, or calendar / fiscal quarter) the journeys whose conversion falls in the
period are built -- all periods in one pass over the journeys
(:func:`touchpath.data.journeys.build_paths_by_period`; each period's table equals
:func:`touchpath.data.journeys.build_paths` with the period as ``start``/``end``) -- and
attributed with any attribution model; spend per channel is summed over the
period's days. The data layer reads those inputs
(:func:`touchpath.data.periods.roi_inputs`); :func:`channel_roi` computes the
table from them without a query, and :func:`touchpath.service.roi.roi_table`
composes the two. Per channel per period:

========================  ===================================================
``spend``                 Σ spend of the channel over the period's days
``attributed_conversions``  the model's credit (conversions)
``attributed_revenue``    the model's credit (revenue)
``roi``                   revenue ÷ spend (e-commerce convention)
``net_roi``               (revenue − spend) ÷ spend
``cpa``                   spend ÷ attributed conversions
``spend_share``           spend ÷ Σ spend of the period
``revenue_share``         revenue ÷ the period's total revenue (direct included)
``journeys``              journeys (converting + not) whose path touches it
``converting_journeys``   of those, the converting ones
``journey_conversion_rate``  converting_journeys ÷ journeys
``first_purchases``       attributed conversions that were first purchases
``repeat_purchases``      attributed conversions − first_purchases
``cac``                   spend ÷ first_purchases
``note``                  why a figure is undefined (empty when all defined)
========================  ===================================================

Undefined cases, never shown as infinity or a made-up zero:

* spend but no attributed conversions: ``roi`` is 0 (revenue 0 ÷ spend),
  ``net_roi`` −1, ``cpa`` and ``cac`` undefined (NaN; ``null`` in JSON);
* conversions (or revenue) but no spend — owned channels: ``roi``, ``net_roi``
  undefined (NaN: x ÷ 0 has no value; infinity would rank the channel above all
  paid ones and zero would say it returned nothing); ``cpa`` and ``cac`` are 0
  (it cost nothing);
* neither spend nor conversions: every ratio NaN;
* conversions but no first purchases: ``cac`` NaN.

First vs repeat purchases. A first purchase is a user's first conversion in
the data (``PathTable.first_conversions`` per path). When the model's credit
is linear in the path counts it offers a per-path credit matrix ``W``
(``credit_matrix(paths)``, read with :func:`touchpath.attribution.base.credit_matrix_of`
on the period's path table: ``(n_paths, n_channels)``, row ``p`` the share of
path ``p``'s conversions credited to each channel, rows summing to 1; every
rule-based model on paths and the subset / ordered Shapley values). Then the
split is exact::

    first_purchases[c] = Σ_p W[p, c] · first_conversions[p]     (W.T @ first)

and the channels' first purchases sum to the paths' first conversions
(``first_purchase_split = "path_credit"``). Otherwise (Markov, conversion-rate
Shapley, time decay) the split is proportional to the first-purchase share of
the converting journeys touching the channel
(``first_purchase_split = "proportional"``)::

    first_purchases[c] = attributed_conversions[c] · Σ_{p ∋ c} first_conversions[p]
                         / Σ_{p ∋ c} conversions[p]

``repeat_purchases = attributed_conversions − first_purchases`` in both cases;
``"unknown"`` when the paths carry no first-purchase counts.

The ``(direct)`` row of each period carries the conversions with no touchpoint
in the lookback window (revenue and count; no spend; its first purchases are
the period's first purchases in the conversions table minus those on paths).
Channel rows plus the ``(direct)`` row reconcile with the conversions table:
Σ attributed conversions = the period's conversions, Σ attributed revenue = the
period's revenue, Σ spend = the spend table's, checked by
:meth:`ChannelROITable.reconcile`.

Money (:mod:`touchpath.money`). Spend per channel per period and the period
totals (revenue, spend) are exact: sums of the warehouse's DECIMAL(18, 6)
amounts as :class:`~decimal.Decimal` (:attr:`ChannelROITable.exact`). The
``(direct)`` revenue is the exact DECIMAL sum of its conversions (read back from
the path table's double by :func:`touchpath.money.money`, exact for amounts below
10^9). The channels' attributed revenue is a model result: the period's
attributed revenue (its exact revenue minus the exact ``(direct)`` revenue) is
apportioned across the channel rows in proportion to the model's credit by the
largest remainder (Hamilton) method to the millionth
(:func:`touchpath.money.apportion`), so channel rows plus ``(direct)`` sum to the
period's revenue exactly and each channel is within 10^-6 of the model's
credit. (When the model's credit does not sum to the attributed revenue within
:data:`RECONCILE_RTOL`, each credit is quantized on its own instead and
:meth:`ChannelROITable.reconcile` reports the gap.) The frame's ``spend`` and
``attributed_revenue`` are the floats of those amounts; the exports (CSV,
Parquet as decimal128(18, 6), JSON) write the exact amounts, with at most 6
decimals. Ratios (ROI, shares, CPA, CAC) are floats.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from os import PathLike
from typing import Any, Literal

import numpy as np
import pandas as pd

from touchpath.attribution.base import (
    AttributionModel,
    AttributionResult,
    StopCheck,
    check_stop,
    credit_matrix_of,
)
from touchpath.attribution.registry import model_label, needs_touches
from touchpath.data.journeys import JourneyOptions
from touchpath.data.paths import DIRECT, PathTable
from touchpath.data.periods import ROIInputs
from touchpath.errors import TouchpathError
from touchpath.money import CURRENCY, apportion, money, money_float, money_text

__all__ = [
    "PERIODS",
    "PERIODS_PER_QUARTER",
    "RECONCILE_RTOL",
    "ROI_COLUMNS",
    "ROI_MONEY_COLUMNS",
    "ChannelROITable",
    "Period",
    "ROIError",
    "attribute_period",
    "channel_roi",
    "next_quarter",
    "period_bounds",
    "period_label",
]

Period = Literal["week", "month", "quarter"]

#: Supported period kinds.
PERIODS: tuple[str, ...] = ("week", "month", "quarter")

#: Periods in a quarter, to scale per-period curves to the planning horizon.
PERIODS_PER_QUARTER: dict[str, int] = {"week": 13, "month": 3, "quarter": 1}


#: Columns of :meth:`ChannelROITable.to_frame`, in order.
ROI_COLUMNS = (
    "period", "period_start", "period_end", "channel", "spend", "attributed_conversions",
    "attributed_revenue", "roi", "net_roi", "cpa", "spend_share", "revenue_share", "journeys",
    "converting_journeys", "journey_conversion_rate", "first_purchases", "repeat_purchases",
    "cac", "note",
)

_TOTAL_COLUMNS = ("period", "period_start", "period_end", "conversions", "revenue",
                  "first_purchases", "spend")

#: Money columns of the table (exact amounts in :attr:`ChannelROITable.exact`).
ROI_MONEY_COLUMNS = ("spend", "attributed_revenue")

#: Money columns of :attr:`ChannelROITable.totals`.
_TOTAL_MONEY_COLUMNS = ("revenue", "spend")

#: Relative tolerance of :meth:`ChannelROITable.reconcile` (float summation order only).
RECONCILE_RTOL = 1e-9


class ROIError(TouchpathError, ValueError):
    """The ROI table could not be built: says what and where."""


# ---------------------------------------------------------------------- periods
def _as_date(x: Any, name: str) -> date:
    if isinstance(x, datetime):
        return x.date()
    if isinstance(x, date):
        return x
    try:
        ts = pd.Timestamp(x)
    except (TypeError, ValueError) as exc:
        raise ROIError(f"{name}: not a date: {x!r}") from exc
    if pd.isna(ts):
        raise ROIError(f"{name}: not a date: {x!r}")
    return ts.date()


def _check_fiscal(fiscal_year_start_month: int) -> None:
    if int(fiscal_year_start_month) != fiscal_year_start_month or not (
        1 <= fiscal_year_start_month <= 12
    ):
        raise ROIError(f"fiscal_year_start_month must be 1..12, got {fiscal_year_start_month!r}")


def _period_start(d: date, period: str, fiscal_year_start_month: int) -> date:
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    if period == "quarter":
        offset = (d.month - fiscal_year_start_month) % 3
        months = d.year * 12 + d.month - 1 - offset
        return date(months // 12, months % 12 + 1, 1)
    raise ROIError(f"period must be one of {PERIODS}, got {period!r}")


def _next_start(d: date, period: str) -> date:
    if period == "week":
        return d + timedelta(days=7)
    step = 1 if period == "month" else 3
    months = d.year * 12 + d.month - 1 + step
    return date(months // 12, months % 12 + 1, 1)


def period_label(d: date, period: Period, fiscal_year_start_month: int = 1) -> str:
    """Label of the period containing day ``d``.

    ``week``: ISO week, ``"2026-W03"`` (Monday start, ISO year). ``month``:
    ``"2026-01"``. ``quarter``: ``"2026-Q1"`` for calendar quarters; with a
    fiscal year starting in month ``m > 1``, ``"FY2027-Q1"`` — fiscal years are
    named by the calendar year in which they end (April 2026 – March 2027 is
    FY2027), quarters counted from the fiscal year's first month.
    """
    _check_fiscal(fiscal_year_start_month)
    d = _as_date(d, "d")
    if period == "week":
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if period == "month":
        return f"{d.year}-{d.month:02d}"
    if period == "quarter":
        q = (d.month - fiscal_year_start_month) % 12 // 3 + 1
        if fiscal_year_start_month == 1:
            return f"{d.year}-Q{q}"
        end_year = d.year + 1 if d.month >= fiscal_year_start_month else d.year
        return f"FY{end_year}-Q{q}"
    raise ROIError(f"period must be one of {PERIODS}, got {period!r}")


def next_quarter(day: date) -> str:
    """The calendar quarter after the one containing ``day``: 2026-12-31 → ``"2027Q1"``."""
    q = (day.month - 1) // 3 + 1
    year, q = (day.year + 1, 1) if q == 4 else (day.year, q + 1)
    return f"{year}Q{q}"


def period_bounds(
    start: date | datetime | str,
    end: date | datetime | str,
    period: Period = "month",
    fiscal_year_start_month: int = 1,
) -> list[tuple[str, date, date]]:
    """The periods covering ``[start, end)``: ``(label, period_start, period_end)``.

    ``end`` is exclusive. Periods are clipped to the range, so a range starting
    mid-month gives a partial first month (its label unchanged).

    Examples
    --------
    >>> period_bounds("2026-01-15", "2026-04-01", "month")[0]
    ('2026-01', datetime.date(2026, 1, 15), datetime.date(2026, 2, 1))
    >>> [b[0] for b in period_bounds("2026-03-01", "2026-07-01", "quarter", 4)]
    ['FY2026-Q4', 'FY2027-Q1']
    """
    _check_fiscal(fiscal_year_start_month)
    if period not in PERIODS:
        raise ROIError(f"period must be one of {PERIODS}, got {period!r}")
    lo, hi = _as_date(start, "start"), _as_date(end, "end")
    if hi <= lo:
        raise ROIError(f"empty range: end {hi} is not after start {lo}")
    out = []
    cur = _period_start(lo, period, fiscal_year_start_month)
    while cur < hi:
        nxt = _next_start(cur, period)
        out.append((period_label(cur, period, fiscal_year_start_month), max(cur, lo),
                    min(nxt, hi)))
        cur = nxt
    return out


# ------------------------------------------------------------------ attribution
def _first_split(model: AttributionModel, result: AttributionResult,
                 paths: PathTable) -> tuple[np.ndarray, str]:
    """Attributed first purchases per channel of ``result`` and the method used.

    ``W.T @ first_conversions`` with the model's credit matrix ``W`` on
    ``paths`` (``"path_credit"``), else the proportional split
    (``"proportional"``), or NaN (``"unknown"``) without first-purchase counts;
    see the module docstring.
    """
    n = len(result.channels)
    if paths.first_conversions is None:
        return np.full(n, np.nan), "unknown"
    credit = credit_matrix_of(model, paths) if result.channels == paths.channels else None
    if credit is not None:
        return credit.T @ paths.first_conversions, "path_credit"
    touch = paths.channel_matrix().astype(np.float64)
    conv_touching = touch.T @ paths.conversions
    first_touching = touch.T @ paths.first_conversions
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(conv_touching > 0, first_touching / np.where(conv_touching > 0,
                                                                     conv_touching, 1.0), 0.0)
    return result.conversions * share, "proportional"


def attribute_period(
    model: AttributionModel,
    paths: PathTable,
    touches: Callable[[], pd.DataFrame] | None = None,
) -> AttributionResult:
    """Attribute one period's path table.

    Time-decay style models (with ``attribute_touches``) also get the
    period's journey touches, read by calling ``touches`` (e.g.
    :attr:`touchpath.data.periods.ROIInputs.touches` of the period). An empty
    path table gives zero credit without calling the model (nor ``touches``).
    A non-additive result (e.g. participation) is refused: its credit does
    not sum to the conversions, so ROI would not reconcile.

    Raises
    ------
    ROIError
        A non-additive model, or a model that needs touches without ``touches``.
    """
    if paths.n_paths == 0 or paths.total_conversions == 0:
        zeros = np.zeros(paths.n_channels)
        return AttributionResult.from_credit(model.name, {}, paths, zeros, zeros)
    if needs_touches(model):
        if touches is None:
            raise ROIError(f"model {model_label(model)} needs the journey touches of the period")
        result = model.attribute_touches(touches(), paths)  # type: ignore[attr-defined]
    else:
        result = model.attribute(paths)
    if not result.additive:
        raise ROIError(f"model {result.label} is not additive (its credit does not sum to the "
                       "conversions); ROI needs an additive model")
    return result


@dataclass(frozen=True)
class _PeriodTotals:
    conversions: float
    revenue: float
    first_purchases: float
    spend: float
    revenue_exact: Decimal = Decimal(0)


def _attributed_money(result: AttributionResult, paths: PathTable, names: Sequence[str],
                      totals: _PeriodTotals, label: str) -> tuple[dict[str, Decimal], Decimal]:
    """Exact attributed revenue per channel row and the exact ``(direct)`` revenue.

    See the module docstring: the period's revenue minus the ``(direct)``
    revenue, apportioned over the model's credit (largest remainder).
    """
    credit = dict(zip(result.channels, result.value, strict=True))
    weights = [float(credit.get(ch, 0.0)) for ch in names]
    direct = money(float(paths.direct_value))
    attributed = totals.revenue_exact - direct
    credit_sum = math.fsum(weights)
    if math.isclose(credit_sum, float(attributed), rel_tol=RECONCILE_RTOL, abs_tol=1e-6):
        try:
            parts = apportion(attributed, weights)
        except ValueError as exc:
            raise ROIError(f"period {label}: attributed revenue {attributed} cannot be "
                           f"apportioned over the model's credit: {exc}") from exc
    else:
        parts = [money(w) for w in weights]
    return dict(zip(names, parts, strict=True)), direct


def _rows_for_period(
    label: str, lo: date, hi: date, paths: PathTable, result: AttributionResult,
    first: np.ndarray, spend: dict[str, Decimal], registered: Sequence[str],
    totals: _PeriodTotals, exact: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    credit_c = dict(zip(result.channels, result.conversions, strict=True))
    first_by = dict(zip(result.channels, first, strict=True))
    touch = paths.channel_matrix().astype(np.float64)
    journeys = dict(zip(paths.channels, touch.T @ paths.journeys, strict=True))
    converting = dict(zip(paths.channels, touch.T @ paths.conversions, strict=True))
    names = list(dict.fromkeys([*registered, *paths.channels, *result.channels,
                                *(str(c) for c in spend)]))
    revenue_exact, direct_exact = _attributed_money(result, paths, names, totals, label)
    total_spend = totals.spend
    total_revenue = totals.revenue
    rows = []
    for ch in names:
        s_exact = spend.get(ch, Decimal(0))
        exact.append({"period": label, "channel": ch, "spend": s_exact,
                      "attributed_revenue": revenue_exact[ch]})
        s = float(s_exact)
        conv = float(credit_c.get(ch, 0.0))
        rev = float(revenue_exact[ch])
        fp = float(first_by.get(ch, 0.0 if paths.first_conversions is not None else np.nan))
        j = float(journeys.get(ch, 0.0))
        cj = float(converting.get(ch, 0.0))
        notes = []
        if s > 0:
            roi, net = rev / s, (rev - s) / s
        else:
            roi = net = math.nan
        if conv > 0:
            cpa = s / conv
        else:
            cpa = math.nan
        if s > 0 and conv <= 0:
            notes.append("spend but no attributed conversions: ROI 0, CPA and CAC undefined")
        elif s <= 0 and (conv > 0 or rev > 0):
            notes.append("conversions but no spend: ROI undefined (revenue ÷ 0), CPA 0")
        elif s <= 0:
            notes.append("no spend and no attributed conversions: ratios undefined")
        if fp > 0:
            cac = s / fp
        else:
            cac = math.nan
            if conv > 0 and fp == 0:
                notes.append("no attributed first purchases: CAC undefined")
        rows.append({
            "period": label, "period_start": lo, "period_end": hi, "channel": ch, "spend": s,
            "attributed_conversions": conv, "attributed_revenue": rev, "roi": roi,
            "net_roi": net, "cpa": cpa,
            "spend_share": s / total_spend if total_spend > 0 else math.nan,
            "revenue_share": rev / total_revenue if total_revenue > 0 else math.nan,
            "journeys": j, "converting_journeys": cj,
            "journey_conversion_rate": cj / j if j > 0 else math.nan,
            "first_purchases": fp, "repeat_purchases": conv - fp, "cac": cac,
            "note": "; ".join(notes),
        })
    dconv, dval = float(paths.direct_conversions), float(direct_exact)
    exact.append({"period": label, "channel": DIRECT, "spend": Decimal(0),
                  "attributed_revenue": direct_exact})
    dfirst = (totals.first_purchases - float(paths.first_conversions.sum())
              if paths.first_conversions is not None else math.nan)
    rows.append({
        "period": label, "period_start": lo, "period_end": hi, "channel": DIRECT,
        "spend": 0.0, "attributed_conversions": dconv, "attributed_revenue": dval,
        "roi": math.nan, "net_roi": math.nan, "cpa": math.nan,
        "spend_share": 0.0 if total_spend > 0 else math.nan,
        "revenue_share": dval / total_revenue if total_revenue > 0 else math.nan,
        "journeys": math.nan, "converting_journeys": math.nan,
        "journey_conversion_rate": math.nan, "first_purchases": dfirst,
        "repeat_purchases": dconv - dfirst, "cac": math.nan,
        "note": "unattributed: conversions with no touchpoint in the lookback window; no spend",
    })
    return rows


@dataclass(frozen=True, eq=False)
class ChannelROITable:
    """Channel ROI per period, with the warehouse totals it must reconcile with.

    Attributes
    ----------
    frame : DataFrame
        One row per channel per period plus a ``(direct)`` row per period;
        columns :data:`ROI_COLUMNS` (see the module docstring).
    totals : DataFrame
        Per period from the warehouse tables: ``conversions``, ``revenue``,
        ``first_purchases`` (conversions table) and ``spend`` (spend table).
    period : str
    fiscal_year_start_month : int
    model : str
        Label of the attribution model, e.g. ``markov2``.
    first_purchase_split : str
        ``path_credit`` (exact, from the model's credit matrix), ``proportional``,
        ``unknown`` or ``mixed`` (periods differ; see the module docstring).
    options : dict
        The journey options used.
    exact : DataFrame or None
        The exact money of ``frame``, row for row: ``period``, ``channel``,
        ``spend``, ``attributed_revenue`` as :class:`~decimal.Decimal` (see the
        module docstring); ``None`` for a table built from floats only (the
        exports then quantize the floats by :func:`touchpath.money.money`).
    exact_totals : DataFrame or None
        Per period: ``period``, ``revenue``, ``spend`` summed exactly (Decimal).
    currency : str
        Currency of every amount (ISO 4217 code), in the exports' metadata.
    """

    frame: pd.DataFrame
    totals: pd.DataFrame
    period: str
    fiscal_year_start_month: int
    model: str
    first_purchase_split: str = "proportional"
    options: dict[str, Any] = field(default_factory=dict)
    exact: pd.DataFrame | None = None
    exact_totals: pd.DataFrame | None = None
    currency: str = CURRENCY

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """A copy of the table (optionally without the ``(direct)`` rows)."""
        frame = self.frame
        if not include_direct:
            frame = frame[frame["channel"] != DIRECT]
        return frame.reset_index(drop=True).copy()

    @property
    def periods(self) -> list[str]:
        """Period labels in time order."""
        return self.totals["period"].tolist()

    def period_frame(self, label: str) -> pd.DataFrame:
        """The rows of one period."""
        if label not in self.periods:
            raise ROIError(f"no period {label!r}; periods: {self.periods}")
        return self.frame[self.frame["period"] == label].reset_index(drop=True)

    def reconcile(self) -> pd.DataFrame:
        """Per period: table sums vs warehouse totals, and whether they agree.

        Columns ``period``, ``conversions_table``, ``conversions_warehouse``,
        ``revenue_table``, ``revenue_warehouse``, ``spend_table``,
        ``spend_warehouse``, ``ok``: the conversions equal within a relative
        :data:`RECONCILE_RTOL` (float summation order), and the revenue and
        spend equal exactly as Decimal sums (:meth:`money_frame`,
        :meth:`money_totals`; within :data:`RECONCILE_RTOL` for a table without
        exact amounts).
        """
        sums = self.frame.groupby("period", sort=False)[
            ["attributed_conversions", "attributed_revenue", "spend"]].sum()
        out = self.totals[["period"]].copy()
        out["conversions_table"] = out["period"].map(sums["attributed_conversions"]).fillna(0.0)
        out["conversions_warehouse"] = self.totals["conversions"].to_numpy()
        out["revenue_table"] = out["period"].map(sums["attributed_revenue"]).fillna(0.0)
        out["revenue_warehouse"] = self.totals["revenue"].to_numpy()
        out["spend_table"] = out["period"].map(sums["spend"]).fillna(0.0)
        out["spend_warehouse"] = self.totals["spend"].to_numpy()
        ok = np.ones(len(out), dtype=bool)
        inexact = ("revenue", "spend") if self.exact is None else ()
        for k in ("conversions", *inexact):
            ok &= np.isclose(out[f"{k}_table"], out[f"{k}_warehouse"], rtol=RECONCILE_RTOL,
                             atol=1e-9)
        if self.exact is not None:
            money_rows, money_totals = self.money_frame(), self.money_totals()
            for k, col in (("revenue", "attributed_revenue"), ("spend", "spend")):
                sums_exact: dict[str, Decimal] = {}
                for p, v in zip(money_rows["period"], money_rows[col], strict=True):
                    sums_exact[p] = sums_exact.get(p, Decimal(0)) + v
                ok &= np.array([sums_exact.get(p, Decimal(0)) == w for p, w in
                                zip(money_totals["period"], money_totals[k], strict=True)],
                               dtype=bool)
        out["ok"] = ok
        return out

    @property
    def reconciles(self) -> bool:
        """``True`` when every period reconciles (see :meth:`reconcile`)."""
        return bool(self.reconcile()["ok"].all())

    # ----------------------------------------------------------------- money
    def money_frame(self) -> pd.DataFrame:
        """The table with its money columns as exact :class:`~decimal.Decimal` amounts.

        ``spend`` and ``attributed_revenue`` from :attr:`exact` (or the floats
        quantized by :func:`touchpath.money.money` when the table has none);
        every other column as in :meth:`to_frame`.
        """
        frame = self.to_frame()
        for c in ROI_MONEY_COLUMNS:
            if self.exact is not None:
                frame[c] = list(self.exact[c])
            else:
                frame[c] = [money(float(v)) for v in frame[c]]
        return frame

    def money_totals(self) -> pd.DataFrame:
        """:attr:`totals` with ``revenue`` and ``spend`` as exact Decimal amounts."""
        totals = self.totals.reset_index(drop=True).copy()
        for c in _TOTAL_MONEY_COLUMNS:
            if self.exact_totals is not None:
                totals[c] = list(self.exact_totals[c])
            else:
                totals[c] = [money(float(v)) for v in totals[c]]
        return totals

    def spend_by_channel(self, periods: Sequence[str]) -> dict[str, Decimal]:
        """Exact Σ spend per channel over ``periods`` (e.g. the previous quarter's)."""
        frame = self.money_frame()
        frame = frame[frame["period"].isin(list(periods)) & (frame["channel"] != DIRECT)]
        out: dict[str, Decimal] = {}
        for ch, s in zip(frame["channel"], frame["spend"], strict=True):
            out[ch] = out.get(ch, Decimal(0)) + s
        return out

    # ----------------------------------------------------------------- exports
    def _export_frame(self) -> pd.DataFrame:
        frame = self.money_frame()
        for c in ("period_start", "period_end"):
            frame[c] = [d.isoformat() for d in frame[c]]
        frame["currency"] = self.currency
        return frame

    def to_csv(self, path: str | PathLike[str] | Any) -> None:
        """Write CSV to a path or text buffer.

        Money (``spend``, ``attributed_revenue``) as exact decimals with at most
        6 places and trailing zeros dropped; a last ``currency`` column; other
        floats in shortest round-trip form; undefined numbers as empty cells.
        """
        frame = self._export_frame()
        for c in ROI_MONEY_COLUMNS:
            frame[c] = [money_text(v) for v in frame[c]]
        frame.to_csv(path, index=False)

    def to_parquet(self, path: str | PathLike[str]) -> None:
        """Write Parquet: money as decimal128(18, 6), a ``currency`` column, NaN as null."""
        # pyarrow only when writing Parquet: keeps importing the ROI table light
        import pyarrow as pa
        import pyarrow.parquet as papq

        frame = self._export_frame()
        money_cols = {c: frame.pop(c) for c in ROI_MONEY_COLUMNS}
        table = pa.Table.from_pandas(frame, preserve_index=False)
        for c in ROI_MONEY_COLUMNS:
            arr = pa.array(list(money_cols[c]), type=pa.decimal128(18, 6))
            table = table.add_column(ROI_COLUMNS.index(c), c, arr)
        meta = dict(table.schema.metadata or {})
        meta[b"touchpath.currency"] = self.currency.encode("utf-8")
        papq.write_table(table.replace_schema_metadata(meta), path)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document: settings, ``currency``, ``rows`` and ``totals`` (NaN → ``None``).

        Money as JSON numbers with at most 6 decimals (the floats of the exact
        amounts, :func:`touchpath.money.money_float`); ratios as floats.
        """

        def records(frame: pd.DataFrame, money_cols: Sequence[str]) -> list[dict[str, Any]]:
            frame = frame.copy()
            for c in ("period_start", "period_end"):
                if c in frame.columns:
                    frame[c] = [d.isoformat() for d in frame[c]]
            obj = frame.astype(object)
            recs = obj.where(pd.notna(obj), None).to_dict(orient="records")
            for r in recs:
                for c in money_cols:
                    r[c] = money_float(r[c])
            return recs

        return {
            "period": self.period, "fiscal_year_start_month": self.fiscal_year_start_month,
            "model": self.model, "first_purchase_split": self.first_purchase_split,
            "currency": self.currency,
            "options": self.options, "rows": records(self.money_frame(), ROI_MONEY_COLUMNS),
            "totals": records(self.money_totals(), _TOTAL_MONEY_COLUMNS),
        }

    def to_json(self, path: str | PathLike[str] | None = None, *, indent: int = 2) -> str:
        """The :meth:`to_dict` document as JSON text (also written to ``path`` if given)."""
        text = json.dumps(self.to_dict(), indent=indent, default=str, allow_nan=False)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text


def _options_dict(options: JourneyOptions) -> dict[str, Any]:
    d = dataclasses.asdict(options)
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def channel_roi(
    inputs: ROIInputs,
    model: AttributionModel,
    period: Period = "month",
    *,
    fiscal_year_start_month: int = 1,
    on_period: Callable[[str], None] | None = None,
    should_stop: StopCheck | None = None,
    currency: str = CURRENCY,
) -> ChannelROITable:
    """Attribute every period's conversions and build the channel ROI table.

    Pure over its inputs: the warehouse's data comes in ``inputs``
    (:func:`touchpath.data.periods.roi_inputs`); the workflows that read them and
    call this are :func:`touchpath.service.roi.roi_table` (a registry spec,
    memoised) and :func:`touchpath.service.roi.compute_roi_table` (any model).

    Parameters
    ----------
    inputs : ROIInputs
        Per period: the path table, the conversions per day, the spend and the
        registered channels (each gets a row in every period); its ``bounds``
        are the periods of the table.
    model : AttributionModel
        An additive model.
    period : {"week", "month", "quarter"}
        The kind of period ``inputs.bounds`` were cut by (:func:`period_bounds`).
    fiscal_year_start_month : int
        First month of the fiscal year the quarters were cut by (1 = calendar
        quarters).
    on_period : callable, optional
        Called with each period label after it is done (progress display).
    should_stop : callable, optional
        Asked before each period's attribution; True stops with
        :class:`~touchpath.attribution.base.ComputationStopped` (no partial table).
    currency : str
        Currency of the amounts (a label in the exports).

    Returns
    -------
    ChannelROITable

    Raises
    ------
    ROIError
        No periods, a non-additive model.
    ComputationStopped
        ``should_stop`` returned True.
    """
    _check_fiscal(fiscal_year_start_month)
    if period not in PERIODS:
        raise ROIError(f"period must be one of {PERIODS}, got {period!r}")
    bounds = inputs.bounds
    if not bounds:
        raise ROIError("no periods: the ROI table needs at least one")
    lo_all, hi_all = bounds[0][1], bounds[-1][2]
    spend, daily = inputs.spend, inputs.daily
    rows: list[dict[str, Any]] = []
    exact: list[dict[str, Any]] = []
    totals = []
    exact_totals = []
    split = "unknown"
    seen_label: str | None = None
    for k, (label, lo, hi) in enumerate(bounds):
        check_stop(should_stop, f"after {k} of {len(bounds)} periods of the ROI table")
        in_period = spend[(spend["day"] >= lo) & (spend["day"] < hi)]
        spend_by = _exact_sums(in_period["channel"], _exact_column(in_period, "amount"))
        paths = inputs.paths[label]
        result = attribute_period(model, paths, partial(inputs.touches, label))
        day_rows = daily[(daily["day"] >= lo) & (daily["day"] < hi)]
        revenue_exact = sum(_exact_column(day_rows, "revenue"), Decimal(0))
        spend_exact = sum(spend_by.values(), Decimal(0))
        pt = _PeriodTotals(float(day_rows["conversions"].sum()), float(revenue_exact),
                           float(day_rows["first_purchases"].sum()), float(spend_exact),
                           revenue_exact)
        first, method = _first_split(model, result, paths)
        if paths.total_conversions > 0:
            split = method if split in ("unknown", method) else "mixed"
            seen_label = seen_label or result.label
        rows.extend(_rows_for_period(label, lo, hi, paths, result, first, spend_by,
                                     inputs.channels, pt, exact))
        totals.append({"period": label, "period_start": lo, "period_end": hi,
                       "conversions": pt.conversions, "revenue": pt.revenue,
                       "first_purchases": pt.first_purchases, "spend": pt.spend})
        exact_totals.append({"period": label, "revenue": revenue_exact, "spend": spend_exact})
        if on_period is not None:
            on_period(label)
    frame = pd.DataFrame(rows, columns=list(ROI_COLUMNS))
    opts_out = _options_dict(inputs.options)
    opts_out.update(start=lo_all.isoformat(), end=hi_all.isoformat())
    return ChannelROITable(frame, pd.DataFrame(totals, columns=list(_TOTAL_COLUMNS)), period,
                           int(fiscal_year_start_month), seen_label or model_label(model),
                           split, opts_out,
                           exact=pd.DataFrame(exact, columns=["period", "channel",
                                                              *ROI_MONEY_COLUMNS]),
                           exact_totals=pd.DataFrame(exact_totals,
                                                     columns=["period", *_TOTAL_MONEY_COLUMNS]),
                           currency=currency)


def _exact_column(frame: pd.DataFrame, name: str) -> list[Decimal]:
    """``frame[name + "_exact"]`` (Decimal), else ``frame[name]`` quantized by ``money``."""
    if f"{name}_exact" in frame.columns:
        return list(frame[f"{name}_exact"])
    return [money(float(v)) for v in frame[name]]


def _exact_sums(keys: pd.Series, amounts: Sequence[Decimal]) -> dict[str, Decimal]:
    """Σ ``amounts`` per key (exact), keys sorted."""
    out: dict[str, Decimal] = {}
    for k, a in zip(keys.astype(str), amounts, strict=True):
        out[k] = out.get(k, Decimal(0)) + a
    return dict(sorted(out.items()))
