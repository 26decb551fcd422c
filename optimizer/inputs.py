"""Plan inputs fitted from the warehouse (DESIGN.md, "Budget optimizer").

:func:`plan_inputs_from_warehouse` turns the data into what the LP needs, in
the one direction of the data flow (data → attribution → ROI → optimizer):

1. the channel ROI table per ``period`` (:func:`touchpath.attribution.roi.channel_roi`)
   with the chosen attribution model, unless one is given;
2. one response curve per channel with spend (:func:`touchpath.attribution.curves.fit_curves`:
   attributed revenue as a concave function of period spend);
3. each curve cut into ``segments`` pieces and scaled to a quarter
   (:func:`touchpath.attribution.curves.curves_to_json` with ``m`` = periods per
   quarter, :data:`PERIODS_PER_QUARTER`): spend ``S`` spread evenly over
   ``m`` periods returns ``m · R(S / m)``, same slopes, ``m`` × the widths.
   Segments of zero width or undefined slope are dropped; a channel left
   without segments is not modelled (the LP holds it at its previous spend);
4. status and group of each channel from the ``channels`` table, and the
   lifecycle verdicts of the test channels
   (:func:`touchpath.attribution.lifecycle.evaluate` on the same ROI table);
5. previous spend = the channel's spend over the last ``m`` periods of the
   table (the last quarter's worth: 3 months, 13 weeks or 1 quarter);
6. conversions per unit of revenue, ``Σ attributed conversions / Σ attributed
   revenue`` over the table (for the ``conversions`` objective), and the
   monthly pattern, the channel's share of spend in the first, second and
   third month of its quarters over the spend table (for the plan's per-month
   split).

Uncertainty (``resamples > 0``, issue "Uncertainty" of the optimizer): every
period's journeys are resampled as in :func:`touchpath.attribution.bootstrap.bootstrap`
(multinomial over the path counts, seed ``seed + k`` for period ``k``), giving
``B`` resampled attributed revenues per channel per period; the curves are
refitted on each resample ``b`` (spend unchanged) and cut over the same spend
range as the point curve, so that resample ``b`` of every channel forms
``curve_sets[b]``, from which :func:`touchpath.optimizer.plan.revenue_range` re-evaluates
a plan. Off by default: it refits the model ``B`` times per period for models
without a credit matrix (Markov, conversion-rate Shapley), e.g. about
``B × periods × 30 ms`` for first-order Markov on a month of 100k users' data.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from touchpath.optimizer.curves import ChannelInput, CurveError
from touchpath.optimizer.curves import ResponseCurve as SegmentCurve
from touchpath.optimizer.io import curves_from_json

__all__ = ["PERIODS_PER_QUARTER", "PlanInputs", "next_quarter", "plan_inputs_from_warehouse"]

#: Periods in a quarter, to scale per-period curves to the planning horizon.
PERIODS_PER_QUARTER: dict[str, int] = {"week": 13, "month": 3, "quarter": 1}


@dataclass(frozen=True, eq=False)
class PlanInputs:
    """What the LP needs, fitted from the warehouse, and the evidence behind it.

    Attributes
    ----------
    inputs : list of ChannelInput
        One per channel with spend in the data, ready for
        :func:`touchpath.optimizer.optimize_budget`.
    curve_sets : list of dict
        ``curve_sets[b][channel]``: resample ``b`` of the quarter curves
        (empty without ``resamples``); for :func:`touchpath.optimizer.plan.revenue_range`.
    curves : dict of str to attribution.curves.ResponseCurve
        The fitted per-period curves (for plotting and their fit quality).
    verdicts : list of attribution.lifecycle.Verdict
        Lifecycle verdicts of the test channels, with their evidence.
    roi_table : attribution.roi.ChannelROITable
        The table the curves and verdicts come from.
    document : dict
        The same inputs as a curves document (:mod:`touchpath.optimizer.io` schema), e.g.
        to save for ``touchpath plan --curves``.
    previous_spend : dict of str to float
        Spend of each channel over ``previous_periods``.
    previous_periods : tuple of str
        The last quarter's worth of periods of the table.
    data_end : date
        Last day of the data (inclusive).
    quarter : str
        The quarter after ``data_end``, e.g. ``"2027Q1"`` — the default to plan.
    notes : tuple of str
        Choices worth knowing: fallback curves, dropped channels, resampling.
    """

    inputs: list[ChannelInput]
    curve_sets: list[dict[str, SegmentCurve]]
    curves: dict[str, Any]
    verdicts: list[Any]
    roi_table: Any
    document: dict[str, Any]
    previous_spend: dict[str, float]
    previous_periods: tuple[str, ...]
    data_end: date
    quarter: str
    notes: tuple[str, ...] = field(default=())

    @property
    def previous_total(self) -> float:
        """Σ previous spend over the planned channels (last quarter's paid spend)."""
        return math.fsum(self.previous_spend.values())

    def verdict(self, channel: str) -> Any | None:
        """The lifecycle verdict of ``channel``, or ``None`` when it is not in test."""
        return next((v for v in self.verdicts if v.channel == channel), None)


def next_quarter(day: date) -> str:
    """The calendar quarter after the one containing ``day``: 2026-12-31 → ``"2027Q1"``."""
    q = (day.month - 1) // 3 + 1
    year, q = (day.year + 1, 1) if q == 4 else (day.year, q + 1)
    return f"{year}Q{q}"


def _data_end(table: Any) -> date:
    end = table.options.get("end") if isinstance(table.options, Mapping) else None
    if end is None:
        end = table.totals["period_end"].iloc[-1]
    return pd.Timestamp(end).date() - timedelta(days=1)


def _monthly_pattern(spend: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Per channel: its spend share in months 1, 2, 3 of its quarters (all data)."""
    if spend.empty:
        return {}
    frame = spend.assign(day=pd.to_datetime(spend["day"]),
                         amount=pd.to_numeric(spend["amount"]).astype(np.float64))
    frame = frame.assign(pos=(frame["day"].dt.month - 1) % 3)
    table = frame.pivot_table(index="channel", columns="pos", values="amount", aggfunc="sum",
                              fill_value=0.0)
    out = {}
    for ch, row in table.iterrows():
        w = tuple(float(row.get(k, 0.0)) for k in range(3))
        if math.fsum(w) > 0:
            out[str(ch)] = w  # type: ignore[assignment]
    return out


def _clean_segments(segs: list[dict[str, float]]) -> list[dict[str, float]]:
    return [s for s in segs if s["width"] > 0 and math.isfinite(s["slope"])]


def _resampled_revenue(
    wh: Any, model: Any, table: Any, options: Any, resamples: int, seed: int,
) -> list[pd.DataFrame]:
    """``B`` copies of the ROI frame's (channel, period, spend) with resampled revenue."""
    from touchpath.attribution.bootstrap import bootstrap
    from touchpath.attribution.registry import needs_touches
    from touchpath.data.journeys import build_paths, journey_touches

    frame = table.to_frame(include_direct=False)[["period", "channel", "spend",
                                                  "attributed_revenue"]]
    revenue = np.repeat(frame["attributed_revenue"].to_numpy(np.float64)[None, :], resamples, 0)
    bounds = table.totals[["period", "period_start", "period_end"]]
    for k, (label, lo, hi) in enumerate(bounds.itertuples(index=False)):
        opts = dataclasses.replace(options, start=pd.Timestamp(lo).to_pydatetime(),
                                   end=pd.Timestamp(hi).to_pydatetime())
        paths = build_paths(wh, opts)
        if paths.n_paths == 0 or paths.total_conversions == 0:
            continue
        touches = journey_touches(wh, opts) if needs_touches(model) else None
        boot = bootstrap(model, paths, n_resamples=resamples, seed=seed + k, touches=touches)
        values = boot.details["bootstrap_value"]
        for j, ch in enumerate(boot.channels):
            rows = np.flatnonzero((frame["period"] == label).to_numpy()
                                  & (frame["channel"] == ch).to_numpy())
            if rows.size:
                revenue[:, rows[0]] = values[:, j]
    return [frame.assign(attributed_revenue=revenue[b]) for b in range(resamples)]


def plan_inputs_from_warehouse(
    wh: Any,
    *,
    model: Any = "markov",
    order: int | str | None = None,
    period: str = "month",
    segments: int = 8,
    options: Any = None,
    lifecycle_rules: Any = None,
    roi_table: Any = None,
    fiscal_year_start_month: int = 1,
    resamples: int = 0,
    seed: int = 0,
    on_period: Callable[[str], None] | None = None,
) -> PlanInputs:
    """LP inputs fitted from the warehouse: curves, previous spend, statuses, verdicts.

    The steps are in the module docstring.

    Parameters
    ----------
    wh : Warehouse
        Needs ``conn``, ``spend()`` and ``channels()``.
    model : str or AttributionModel
        Attribution model of the ROI table (registry spec, default ``"markov"``).
    order : int or "auto", optional
        Markov order, passed to the registry with a model name.
    period : {"week", "month", "quarter"}
        Period of the ROI table, one point per channel per period on its curve.
    segments : int
        Segments per curve (default 8).
    options : JourneyOptions, optional
        Journey options (default: :class:`touchpath.data.journeys.JourneyOptions`).
    lifecycle_rules : attribution.lifecycle.LifecycleRules, optional
        Rules of the verdicts (default rules when ``None``).
    roi_table : ChannelROITable, optional
        A table already computed with these settings (then ``model``,
        ``order``, ``options`` serve only for resampling).
    fiscal_year_start_month : int
        First month of the fiscal year for quarterly tables.
    resamples : int
        Bootstrap resamples of the attribution for ``curve_sets`` (0: none).
    seed : int
        Seed of the resampling.
    on_period : callable, optional
        Called with each period label as the ROI table is built (progress).

    Returns
    -------
    PlanInputs

    Raises
    ------
    ValueError
        No channel has spend (nothing to plan), a bad period or segment count,
        or errors of the layers below (ROI, curves) naming what is wrong.
    """
    from touchpath.attribution.curves import curves_to_json, fit_curves
    from touchpath.attribution.lifecycle import evaluate
    from touchpath.attribution.registry import make_model
    from touchpath.attribution.roi import channel_roi
    from touchpath.data.journeys import JourneyOptions

    if period not in PERIODS_PER_QUARTER:
        raise ValueError(f"period must be one of {tuple(PERIODS_PER_QUARTER)}, got {period!r}")
    if int(segments) != segments or segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments!r}")
    if int(resamples) != resamples or resamples < 0:
        raise ValueError(f"resamples must be 0 or a positive integer, got {resamples!r}")
    options = options if options is not None else JourneyOptions()
    built = make_model(model, **({} if order is None else {"order": order}))
    if roi_table is None:
        roi_table = channel_roi(wh, built, period, options,
                                fiscal_year_start_month=fiscal_year_start_month,
                                on_period=on_period)
    elif roi_table.period != period:
        raise ValueError(f"roi_table is per {roi_table.period}, but period={period!r}")
    curves = fit_curves(roi_table)
    if not curves:
        raise ValueError("no channel has spend in the warehouse: nothing to plan; load spend, "
                         "or give curves")
    channels = wh.channels()
    statuses = {str(c): str(s) for c, s in zip(channels["channel"], channels["status"],
                                               strict=True)}
    groups = {str(c): g for c, g in zip(channels["channel"], channels["group_name"], strict=True)
              if isinstance(g, str) and g}
    verdicts = evaluate(roi_table, channels, lifecycle_rules)
    m = PERIODS_PER_QUARTER[period]
    frame = roi_table.to_frame(include_direct=False)
    last = tuple(roi_table.periods[-m:])
    recent = frame[frame["period"].isin(last)].groupby("channel")["spend"].sum()
    previous = {c: float(recent.get(c, 0.0)) for c in curves}
    doc = curves_to_json(curves, n=segments, previous_spend=previous, groups=groups,
                         statuses={c: statuses.get(c, "established") for c in curves},
                         verdicts={v.channel: v.verdict for v in verdicts}, periods=float(m))
    totals = frame.groupby("channel")[["attributed_conversions", "attributed_revenue"]].sum()
    patterns = _monthly_pattern(wh.spend())
    notes = [f"previous spend: periods {', '.join(last)}"]
    for c, curve in curves.items():
        if curve.method == "fallback":
            notes.append(f"{c}: {curve.note}")
    samples = (_resampled_revenue(wh, built, roi_table, options, int(resamples), seed)
               if resamples else [])
    for item in doc["channels"]:
        ch = item["channel"]
        item["segments"] = _clean_segments(item["segments"])
        if ch in totals.index and totals.at[ch, "attributed_revenue"] > 0:
            item["conversions_per_revenue"] = float(totals.at[ch, "attributed_conversions"]
                                                    / totals.at[ch, "attributed_revenue"])
        if ch in patterns:
            item["monthly_pattern"] = list(patterns[ch])
        if not item["segments"]:
            item.pop("segments")
            notes.append(f"{ch}: no usable segments; not modelled (held at previous spend)")
    if samples:
        _add_resamples(doc, curves, samples, segments, float(m))
        notes.append(f"curve uncertainty: {len(samples)} bootstrap resamples of the attribution"
                     " per period, curves refitted on each")
    try:
        inputs, curve_sets = curves_from_json(doc)
    except CurveError as exc:
        raise ValueError(f"fitted curves are not valid LP inputs: {exc}") from None
    end = _data_end(roi_table)
    return PlanInputs(inputs, curve_sets, curves, verdicts, roi_table, doc, previous, last, end,
                      next_quarter(end), tuple(notes))


def _add_resamples(doc: dict[str, Any], curves: Mapping[str, Any], samples: list[pd.DataFrame],
                   segments: int, periods: float) -> None:
    """Refit every channel's curve on each resample; store as ``resamples`` in ``doc``."""
    from touchpath.attribution.curves import fit_curves

    per_channel: dict[str, list[list[dict[str, float]]]] = {c: [] for c in curves}
    for sample in samples:
        refit = fit_curves(sample, channels=list(curves))
        for c, curve in refit.items():
            segs = curve.segments(segments, curves[c].max_spend)
            per_channel[c].append(_clean_segments(
                [{"width": s["width"] * periods, "slope": s["slope"]} for s in segs]))
    for item in doc["channels"]:
        rs = per_channel.get(item["channel"], [])
        if "segments" in item and rs and all(rs):
            item["resamples"] = rs
