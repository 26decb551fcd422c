"""Planning workflows: plan inputs → plan, scenarios, goal seeking (DESIGN.md, "Budget optimizer").

:func:`plan_inputs` turns the warehouse into what the LP needs, in the one
direction of the data flow (data → attribution → ROI → optimizer):

1. the channel ROI table per ``period`` (:func:`touchpath.service.roi.roi_table`, the
   table ``touchpath roi`` and ``/v1/roi`` show) under the chosen model;
2. one response curve per channel with spend (:func:`touchpath.attribution.curves.fit_curves`:
   attributed revenue as a concave function of period spend);
3. each curve cut into ``segments`` pieces and scaled to a quarter
   (:func:`touchpath.optimizer.io.curves_document` with ``m`` = periods per
   quarter, :data:`~touchpath.attribution.roi.PERIODS_PER_QUARTER`): spend ``S``
   spread evenly over ``m`` periods returns ``m · R(S / m)``, same slopes,
   ``m`` × the widths. Segments of zero width or undefined slope are dropped; a
   channel left without segments is not modelled (the LP holds it at its previous
   spend);
4. status and group of each channel from the ``channels`` table, and the
   lifecycle verdicts of the test channels (:func:`touchpath.service.lifecycle.lifecycle`
   on the same ROI table);
5. previous spend = the channel's spend over the last ``m`` periods of the
   table (the last quarter's worth: 3 months, 13 weeks or 1 quarter). Their sum,
   :attr:`PlanInputs.previous_total`, is *the* "last quarter's spend": the
   default budget of every plan on every surface;
6. conversions per unit of revenue, ``Σ attributed conversions / Σ attributed
   revenue`` over the table (for the ``conversions`` objective), and the monthly
   pattern, the channel's share of spend in the first, second and third month of
   its quarters over the spend table (for the plan's per-month split).

:func:`inputs_from_curves` gives the same :class:`PlanInputs` from a curves
document (``touchpath plan --curves``, the ``curves`` of a plan request), without
a warehouse. :func:`plan`, :func:`scenarios` and :func:`goal` then solve under one
:class:`PlanParams`, whose defaults are the service's (:data:`DEFAULTS`).

Uncertainty (``resamples > 0``): every period's journeys are resampled as in
:func:`touchpath.attribution.bootstrap.bootstrap` (multinomial over the path
counts, seed ``seed + k`` for period ``k``), giving ``B`` resampled attributed
revenues per channel per period; the curves are refitted on each resample ``b``
(spend unchanged) and cut over the same spend range as the point curve, so that
resample ``b`` of every channel forms ``curve_sets[b]``, from which
:func:`touchpath.optimizer.plan.revenue_range` re-evaluates a plan. Off by default:
it refits the model ``B`` times per period for models without a credit matrix
(Markov, conversion-rate Shapley), e.g. about ``B × periods × 30 ms`` for
first-order Markov on a month of 100k users' data.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionModel, StopCheck
from touchpath.attribution.bootstrap import bootstrap
from touchpath.attribution.curves import MIN_R2, FittedCurve, fit_curves
from touchpath.attribution.lifecycle import LifecycleRules, Verdict
from touchpath.attribution.registry import needs_touches
from touchpath.attribution.roi import PERIODS_PER_QUARTER, ChannelROITable, Period, next_quarter
from touchpath.data.journeys import JourneyOptions, build_paths, journey_touches
from touchpath.data.statuses import ChannelStatus
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.optimizer import (
    BudgetConstraint,
    BudgetPlan,
    ChannelBounds,
    GroupLimit,
    LifecycleLimits,
    MaxChange,
    PlanConstraints,
    ScenarioSet,
    max_budget_at_marginal_roi,
    min_budget_for_revenue,
    optimize_budget,
    revenue_range,
    run_scenarios,
)
from touchpath.optimizer.curves import ChannelInput, CurveError, ResponseCurve
from touchpath.optimizer.io import curves_document, curves_from_json, segment_entries
from touchpath.optimizer.model import fmt_money
from touchpath.optimizer.plan import fmt_ratio
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.calibration import Calibration, calibrated_by, calibrated_roi_table
from touchpath.service.calibration import calibration as calibration_of
from touchpath.service.defaults import DEFAULTS, Objective
from touchpath.service.lifecycle import lifecycle
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec
from touchpath.service.roi import roi_table

__all__ = [
    "CalibratedPlan",
    "CurveSettings",
    "calibrated_plan",
    "PlanInputs",
    "capacity_reasons",
    "fit_warnings",
    "PlanParams",
    "goal",
    "inputs_from_curves",
    "plan",
    "plan_inputs",
    "scenarios",
]


@dataclass(frozen=True)
class CurveSettings:
    """How response curves are fitted from the warehouse.

    Parameters
    ----------
    model : str, optional
        Attribution model of the ROI table (default the service's model).
    period : {"week", "month", "quarter"}
        Period of the ROI points each curve is fitted to.
    segments : int
        Segments per piecewise-linear curve.
    resamples : int
        Bootstrap resamples of the attribution for a revenue range (0: none).
    seed : int
        Seed of the resampling.
    options : JourneyOptions, optional
        Journey options (default :func:`~touchpath.service.attribution.journey_options`).
    rules : LifecycleRules, optional
        Rules of the test channels' verdicts (default rules).
    fiscal_year_start_month : int
    start, end : date, optional
        Conversion days ``[start, end)`` of the ROI table the curves are fitted
        to (default: all the data).
    """

    model: str | None = None
    period: Period = DEFAULTS.period
    segments: int = DEFAULTS.segments
    resamples: int = DEFAULTS.resamples
    seed: int = DEFAULTS.seed
    options: JourneyOptions | None = None
    rules: LifecycleRules | None = None
    fiscal_year_start_month: int = DEFAULTS.fiscal_year_start_month
    start: date | None = None
    end: date | None = None
    #: Calibrate the ROI table the curves are fitted to (:mod:`touchpath.service.calibration`).
    calibrate: bool = False

    def __post_init__(self) -> None:
        if self.period not in PERIODS_PER_QUARTER:
            raise InvalidRequest(f"period must be one of {tuple(PERIODS_PER_QUARTER)}, "
                             f"got {self.period!r}")
        if int(self.segments) != self.segments or self.segments < 1:
            raise InvalidRequest(f"segments must be a positive integer, got {self.segments!r}")
        if int(self.resamples) != self.resamples or self.resamples < 0:
            raise InvalidRequest(
                f"resamples must be 0 or a positive integer, got {self.resamples!r}")

    def key(self) -> dict[str, Any]:
        """The settings as plain values, for memo keys."""
        return {"model": model_spec(self.model or default_model_spec()), "period": self.period,
                "segments": self.segments, "resamples": self.resamples, "seed": self.seed,
                "rules": repr(self.rules or LifecycleRules()),
                "fiscal": self.fiscal_year_start_month, "start": self.start, "end": self.end,
                "calibrate": self.calibrate, **options_key(self.options or journey_options())}


@dataclass(frozen=True, eq=False)
class PlanInputs:
    """What the LP needs, and the evidence behind it.

    Attributes
    ----------
    inputs : list of ChannelInput
        One per planned channel, ready for :func:`touchpath.optimizer.optimize_budget`.
    curve_sets : list of dict
        ``curve_sets[b][channel]``: resample ``b`` of the quarter curves
        (empty without resamples); for :func:`touchpath.optimizer.plan.revenue_range`.
    document : dict
        The same inputs as a curves document (:mod:`touchpath.optimizer.io` schema),
        e.g. to save for ``touchpath plan --curves``.
    previous_spend : dict of str to float
        Spend of each channel over ``previous_periods`` (from a curves document:
        its ``previous_spend`` entries).
    curves : dict of str to FittedCurve
        The fitted per-period curves (for plotting and their fit quality); empty
        for a curves document.
    verdicts : list of Verdict
        Lifecycle verdicts of the test channels, with their evidence.
    roi_table : ChannelROITable, optional
        The table the curves and verdicts come from.
    previous_periods : tuple of str
        The last quarter's worth of periods of the table.
    data_end : date, optional
        Last day of the data (inclusive).
    quarter : str, optional
        The quarter after ``data_end``, e.g. ``"2027Q1"``: the default to plan.
    notes : tuple of str
        Choices worth knowing: fallback curves, dropped channels, resampling.
    """

    inputs: list[ChannelInput]
    curve_sets: list[dict[str, ResponseCurve]]
    document: dict[str, Any]
    previous_spend: dict[str, float]
    curves: dict[str, FittedCurve] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    roi_table: ChannelROITable | None = None
    previous_periods: tuple[str, ...] = ()
    data_end: date | None = None
    quarter: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def previous_total(self) -> float:
        """Σ previous spend over the planned channels: last quarter's spend, the default budget."""
        return math.fsum(self.previous_spend.values())

    def verdict(self, channel: str) -> Verdict | None:
        """The lifecycle verdict of ``channel``, or ``None`` when it is not in test."""
        return next((v for v in self.verdicts if v.channel == channel), None)


def inputs_from_curves(document: Mapping[str, Any]) -> PlanInputs:
    """Plan inputs from a curves document (:mod:`touchpath.optimizer.io` schema).

    Raises
    ------
    CurveError
        The document is not valid, with the location of the first problem.
    """
    inputs, curve_sets = curves_from_json(document)
    previous = {ci.channel: float(ci.previous_spend) for ci in inputs
                if ci.previous_spend is not None}
    return PlanInputs(inputs, curve_sets, dict(document), previous)


def plan_inputs(wh: Warehouse, settings: CurveSettings | None = None, *,
                on_period: Callable[[str], None] | None = None,
                should_stop: StopCheck | None = None,
                memo: Memo = no_memo) -> PlanInputs:
    """LP inputs fitted from the warehouse (the steps are in the module docstring; memoised).

    Raises
    ------
    InvalidRequest
        No channel has spend (nothing to plan), or errors of the layers below
        (ROI, curves) naming what is wrong.
    """
    settings = settings or CurveSettings()
    return memo("plan_inputs", settings.key(),
                lambda: _fit_inputs(wh, settings, on_period, should_stop, memo))


def _fit_inputs(wh: Warehouse, settings: CurveSettings,
                on_period: Callable[[str], None] | None, should_stop: StopCheck | None,
                memo: Memo) -> PlanInputs:
    spec = model_spec(settings.model or default_model_spec())
    options = settings.options or journey_options()
    period = settings.period
    table = roi_table(wh, spec, period, options, start=settings.start, end=settings.end,
                      fiscal_year_start_month=settings.fiscal_year_start_month,
                      on_period=on_period, should_stop=should_stop, memo=memo)
    uncalibrated = table
    if settings.calibrate:
        table, _ = calibrated_roi_table(wh, table, model=spec, options=options, memo=memo)
    curves = fit_curves(table)
    if not curves:
        raise InvalidRequest("cannot plan from the warehouse: no channel has spend in it; load "
                             "spend, or give curves")
    channels = wh.channels()
    statuses = {str(c): str(s) for c, s in zip(channels["channel"], channels["status"],
                                               strict=True)}
    groups = {str(c): g for c, g in zip(channels["channel"], channels["group_name"], strict=True)
              if isinstance(g, str) and g}
    verdicts = lifecycle(wh, settings.rules, spec, period, options, start=settings.start,
                         end=settings.end,
                         fiscal_year_start_month=settings.fiscal_year_start_month,
                         should_stop=should_stop, memo=memo).verdicts
    m = PERIODS_PER_QUARTER[period]
    frame = table.to_frame(include_direct=False)
    last = tuple(table.periods[-m:])
    recent = frame[frame["period"].isin(last)].groupby("channel")["spend"].sum()
    previous = {c: float(recent.get(c, 0.0)) for c in curves}
    doc = curves_document(curves, n=settings.segments, previous_spend=previous, groups=groups,
                          statuses={c: statuses.get(c, ChannelStatus.established)
                                    for c in curves},
                          verdicts={v.channel: v.verdict for v in verdicts}, periods=float(m))
    totals = frame.groupby("channel")[["attributed_conversions", "attributed_revenue"]].sum()
    patterns = _monthly_pattern(wh.spend())
    notes = [f"previous spend: periods {', '.join(last)}"]
    for c, curve in curves.items():
        if curve.method == "fallback":
            notes.append(f"{c}: {curve.note}")
    samples = (_resampled_revenue(wh, build_model(spec), uncalibrated, options,
                                  settings.resamples, settings.seed)
               if settings.resamples else [])
    if samples and settings.calibrate:
        samples = _calibrated_samples(samples, uncalibrated, table)
        notes.append("calibrated: each resample's revenue scaled by its row's calibration "
                     "(calibrated ÷ attributed revenue)")
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
        _add_resamples(doc, curves, samples, settings.segments, float(m))
        notes.append(f"curve uncertainty: {len(samples)} bootstrap resamples of the attribution"
                     " per period, curves refitted on each")
    try:
        inputs, curve_sets = curves_from_json(doc)
    except CurveError as exc:
        raise InvalidRequest(f"cannot plan from the warehouse: the fitted curves are not valid "
                             f"LP inputs: {exc}") from None
    end = _data_end(table)
    return PlanInputs(inputs, curve_sets, doc, previous, curves, verdicts, table, last, end,
                      next_quarter(end), tuple(notes))


def _data_end(table: ChannelROITable) -> date:
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
    out: dict[str, tuple[float, float, float]] = {}
    for ch, row in table.iterrows():
        w = (float(row.get(0, 0.0)), float(row.get(1, 0.0)), float(row.get(2, 0.0)))
        if math.fsum(w) > 0:
            out[str(ch)] = w
    return out


def _clean_segments(segs: list[dict[str, float]]) -> list[dict[str, float]]:
    return [s for s in segs if s["width"] > 0 and math.isfinite(s["slope"])]


def _resampled_revenue(wh: Warehouse, model: AttributionModel, table: ChannelROITable,
                       options: JourneyOptions, resamples: int,
                       seed: int) -> list[pd.DataFrame]:
    """``B`` copies of the ROI frame's (channel, period, spend) with resampled revenue."""
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
        assert boot.bootstrap_ is not None  # bootstrap() always attaches its draws
        values = boot.bootstrap_.value
        for j, ch in enumerate(boot.channels):
            rows = np.flatnonzero((frame["period"] == label).to_numpy()
                                  & (frame["channel"] == ch).to_numpy())
            if rows.size:
                revenue[:, rows[0]] = values[:, j]
    return [frame.assign(attributed_revenue=revenue[b]) for b in range(resamples)]


def _calibrated_samples(samples: list[pd.DataFrame], table: ChannelROITable,
                        calibrated: ChannelROITable) -> list[pd.DataFrame]:
    """Resampled revenue scaled per (period, channel) by calibrated ÷ attributed revenue."""
    before = table.to_frame(include_direct=False).set_index(["period", "channel"])
    after = calibrated.to_frame(include_direct=False).set_index(["period", "channel"])
    ratio = (after["attributed_revenue"] / before["attributed_revenue"]).replace(
        [np.inf, -np.inf], np.nan).fillna(1.0)
    out = []
    for sample in samples:
        keys = pd.MultiIndex.from_frame(sample[["period", "channel"]])
        scale = ratio.reindex(keys).fillna(1.0).to_numpy(np.float64)
        out.append(sample.assign(attributed_revenue=sample["attributed_revenue"] * scale))
    return out


def _add_resamples(doc: dict[str, Any], curves: Mapping[str, FittedCurve],
                   samples: list[pd.DataFrame], segments: int, periods: float) -> None:
    """Refit every channel's curve on each resample; store as ``resamples`` in ``doc``."""
    per_channel: dict[str, list[list[dict[str, float]]]] = {c: [] for c in curves}
    for sample in samples:
        refit = fit_curves(sample, channels=list(curves))
        for c, curve in refit.items():
            per_channel[c].append(_clean_segments(
                segment_entries(curve, segments, curves[c].max_spend, periods=periods)))
    for item in doc["channels"]:
        rs = per_channel.get(item["channel"], [])
        if "segments" in item and rs and all(rs):
            item["resamples"] = rs


# --------------------------------------------------------------------- solving
@dataclass(frozen=True)
class PlanParams:
    """Everything a plan is solved under, with the service's defaults.

    Parameters
    ----------
    budget : float, optional
        The quarter's budget; default :attr:`PlanInputs.previous_total` (last
        quarter's spend of the planned channels).
    spend_all : bool
        Spend exactly the budget (else at most).
    quarter : str, optional
        The planned quarter (``2027Q1``; adds the per-month split); default the
        quarter after the data (:attr:`PlanInputs.quarter`).
    objective : {"revenue", "conversions", "profit"}
    margin : float, optional
        Gross margin, required for ``profit``.
    max_change : float, optional
        Largest change of a channel's spend vs last quarter (0.3 = ±30 %); ``None``: no limit.
    bounds : sequence of ChannelBounds
        Minimum / maximum spend per channel, absolute or as a share of the total.
    groups : sequence of GroupLimit
        Caps and floors per channel group, absolute or as a share of the total.
    test_budget : float
        Largest share of the total per test channel.
    scale_growth : float
        Largest growth of a scale channel over its previous spend.
    unmodelled : {"hold", "zero"}
        Channels without a curve: held at previous spend, or zero.
    monthly : {"pattern", "even"}
        Per-month split from the data's pattern, or even.
    solver : {"cbc", "highs", "auto"}
    min_roi : float
        Floor on the marginal *revenue* ROI of every unit bought, for every
        objective (0: pure maximisation); see
        :func:`touchpath.optimizer.plan.optimize_budget`. Used by plans and
        scenarios; goal seeking has its own ``min_marginal_roi``.
    """

    budget: float | None = None
    spend_all: bool = DEFAULTS.spend_all
    quarter: str | None = None
    objective: Objective = DEFAULTS.objective
    margin: float | None = None
    max_change: float | None = DEFAULTS.max_change
    bounds: Sequence[ChannelBounds] = ()
    groups: Sequence[GroupLimit] = ()
    test_budget: float = DEFAULTS.test_budget
    scale_growth: float = DEFAULTS.scale_growth
    unmodelled: Literal["hold", "zero"] = DEFAULTS.unmodelled
    monthly: Literal["pattern", "even"] = DEFAULTS.monthly
    solver: Literal["cbc", "highs", "auto"] = DEFAULTS.solver
    min_roi: float = DEFAULTS.min_roi

    def __post_init__(self) -> None:
        if not (isinstance(self.min_roi, int | float) and math.isfinite(self.min_roi)
                and self.min_roi >= 0):
            raise InvalidRequest(f"min_roi must be a number >= 0, got {self.min_roi!r}")

    def budget_for(self, inputs: PlanInputs) -> float:
        """The budget to plan: as given, else last quarter's spend of the planned channels.

        Raises
        ------
        ValueError
            No budget given and no previous spend to default to.
        """
        if self.budget is not None:
            return float(self.budget)
        if inputs.previous_total <= 0:
            raise InvalidRequest("no budget given, and the inputs have no previous spend to plan "
                             "from: give a budget")
        return inputs.previous_total

    def quarter_for(self, inputs: PlanInputs) -> str | None:
        """The quarter to plan, normalised (``2027-q1`` → ``2027Q1``)."""
        quarter = self.quarter or inputs.quarter
        return None if quarter is None else quarter.upper().replace("-", "")

    def constraints(self, budget: float | None) -> PlanConstraints:
        """The LP's named constraints at ``budget`` (``None``: no budget row, for goals)."""
        return PlanConstraints(
            budget=None if budget is None else BudgetConstraint(budget, equality=self.spend_all),
            bounds=tuple(self.bounds),
            max_change=None if self.max_change is None else MaxChange(self.max_change),
            groups=tuple(self.groups),
            lifecycle=LifecycleLimits(test_budget_share=self.test_budget,
                                      scale_growth=self.scale_growth),
            unmodelled=self.unmodelled,
        )


def _with_range(result: BudgetPlan, inputs: PlanInputs) -> BudgetPlan:
    if result.ok and inputs.curve_sets:
        result = dataclasses.replace(result,
                                     revenue_range=revenue_range(result, inputs.curve_sets))
    return _with_fit_facts(result, inputs)


def _period_name(inputs: PlanInputs) -> tuple[str, float]:
    """The period of the fitted curves and how many make a quarter."""
    period = str(inputs.roi_table.period) if inputs.roi_table is not None else DEFAULTS.period
    return period, float(PERIODS_PER_QUARTER.get(period, 1))


def capacity_reasons(inputs: PlanInputs) -> dict[str, str]:
    """Per fitted channel, why its quarter curve ends where it does (for the cap's name).

    ``"1.5 × the largest observed spend 810 per month"``: the curve is cut up to
    :attr:`FittedCurve.max_spend` per period (a multiple of the largest spend
    the fit saw), ``m`` periods to the quarter. Empty for a curves document.
    """
    period, m = _period_name(inputs)
    out: dict[str, str] = {}
    for c, fc in inputs.curves.items():
        if not (fc.spend_max > 0 and math.isfinite(fc.spend_max)):
            continue
        ratio = fc.max_spend / fc.spend_max
        out[c] = (f"{ratio:.3g} × the largest observed spend {fmt_money(fc.spend_max)} per "
                  f"{period}: {fmt_money(m * fc.max_spend)} per quarter")
    return out


def fit_warnings(result: BudgetPlan, inputs: PlanInputs) -> list[str]:
    """Warnings from the curve fits behind a plan, one per channel and fact.

    A constant-ROI fallback curve (its ROI, R² and reason); a fitted curve with
    R² below :data:`~touchpath.attribution.curves.MIN_R2`; a planned spend per
    period above the largest spend per period the fit saw (the curve is
    extrapolated there).
    """
    out: list[str] = []
    if not result.ok:
        return out
    period, m = _period_name(inputs)
    for cp in result.channels:
        fc = inputs.curves.get(cp.channel)
        if fc is None or not cp.modelled:
            continue
        if fc.method == "fallback":
            roi = fc.params.get("roi", float("nan"))
            out.append(f"{cp.channel}: constant-ROI fallback curve, ROI {fmt_ratio(roi)}, "
                       f"R² {fc.r2:.2f} ({fc.note})")
        elif math.isfinite(fc.r2) and fc.r2 < MIN_R2:
            out.append(f"{cp.channel}: poorly fitting curve, R² {fc.r2:.2f} < {MIN_R2:g}")
        per = cp.spend / m
        if math.isfinite(fc.spend_max) and per > fc.spend_max * (1 + 1e-9):
            out.append(f"{cp.channel}: planned {fmt_money(per)} per {period} is above the "
                       f"largest observed {fmt_money(fc.spend_max)} per {period}; the curve is "
                       "extrapolated there")
    return out


_NO_FIT_FACTS = ("curves from a document: no fit facts (R², method, observed spend range), "
                 "so no warnings about curve fits or extrapolation")


def _with_fit_facts(result: BudgetPlan, inputs: PlanInputs) -> BudgetPlan:
    """Add the fit's warnings to a plan (or say once that a curves document has none)."""
    if not inputs.curves:
        return dataclasses.replace(result, notes=(*result.notes, _NO_FIT_FACTS))
    extra = fit_warnings(result, inputs)
    if not extra:
        return result
    return dataclasses.replace(result, warnings=(*result.warnings, *extra))


def plan(inputs: PlanInputs, params: PlanParams | None = None) -> BudgetPlan:
    """The best split of the budget (an infeasible plan is returned with its conflicts).

    The revenue range over the curve resamples is attached when the inputs have them.

    Raises
    ------
    ValueError, ConstraintError, PlanError
        Bad parameters (e.g. profit without a margin).
    """
    params = params or PlanParams()
    result = optimize_budget(
        inputs.inputs, params.constraints(params.budget_for(inputs)),
        objective=params.objective, margin=params.margin, quarter=params.quarter_for(inputs),
        monthly=params.monthly, solver=params.solver, on_infeasible="return",
        min_roi=params.min_roi, capacity_reasons=capacity_reasons(inputs))
    return _with_range(result, inputs)


def scenarios(inputs: PlanInputs, params: PlanParams | None = None,
              multipliers: Sequence[float] = DEFAULTS.scenario_multipliers) -> ScenarioSet:
    """The plan at ``budget × multiplier`` for each multiplier (the base budget included)."""
    params = params or PlanParams()
    return run_scenarios(inputs.inputs, params.constraints(params.budget_for(inputs)),
                         multipliers=multipliers, objective=params.objective,
                         margin=params.margin, solver=params.solver,
                         min_roi=params.min_roi, capacity_reasons=capacity_reasons(inputs))


def goal(inputs: PlanInputs, params: PlanParams | None = None, *,
         target_revenue: float | None = None,
         min_marginal_roi: float | None = None) -> BudgetPlan:
    """Goal seeking under the plan's constraints (its ``budget`` is not used).

    ``target_revenue``: the smallest budget whose best plan reaches it.
    ``min_marginal_roi``: the largest budget while every funded channel's last
    unit of spend returns at least that ROI. Exactly one must be given. The plan
    at the budget found is returned; an unreachable goal is infeasible.

    Raises
    ------
    InvalidRequest
        Neither or both goals.
    """
    params = params or PlanParams()
    if (target_revenue is None) == (min_marginal_roi is None):
        raise InvalidRequest("give exactly one goal: target_revenue or min_marginal_roi")
    cons = params.constraints(None)
    quarter = params.quarter_for(inputs)
    if target_revenue is not None:
        found = min_budget_for_revenue(inputs.inputs, cons, target_revenue, quarter=quarter,
                                       monthly=params.monthly, solver=params.solver,
                                       on_infeasible="return")
    else:
        assert min_marginal_roi is not None
        found = max_budget_at_marginal_roi(inputs.inputs, cons, min_marginal_roi,
                                           quarter=quarter, monthly=params.monthly,
                                           solver=params.solver, on_infeasible="return")
    return _with_range(found, inputs)


# ----------------------------------------------------------------- calibration
@dataclass(frozen=True, eq=False)
class CalibratedPlan:
    """A plan on calibrated curves beside the same plan on the uncalibrated ones.

    Attributes
    ----------
    plan : BudgetPlan
        Solved on the curves fitted to the calibrated ROI table.
    uncalibrated : BudgetPlan
        The same parameters on the uncalibrated curves.
    calibration : Calibration
        The experiments and factors behind :attr:`plan`.
    inputs : PlanInputs
        The calibrated inputs.
    """

    plan: BudgetPlan
    uncalibrated: BudgetPlan
    calibration: Calibration
    inputs: PlanInputs

    @property
    def calibrated_by(self) -> dict[str, str]:
        """Per calibrated channel, its experiments and factors in words."""
        return calibrated_by(self.calibration)

    def comparison(self) -> pd.DataFrame:
        """Per channel, side by side: spend and expected revenue, uncalibrated and calibrated.

        Columns ``channel, spend_uncalibrated, spend_calibrated,
        expected_revenue_uncalibrated, expected_revenue_calibrated, calibrated_by``
        and a last ``(total)`` row; a channel missing from an infeasible plan has NaN.
        """
        before = {c.channel: c for c in self.uncalibrated.channels}
        after = {c.channel: c for c in self.plan.channels}
        by = self.calibrated_by
        rows = []
        for ch in dict.fromkeys([*after, *before]):
            b, a = before.get(ch), after.get(ch)
            rows.append({
                "channel": ch,
                "spend_uncalibrated": b.spend if b else math.nan,
                "spend_calibrated": a.spend if a else math.nan,
                "expected_revenue_uncalibrated": _num(b.expected_revenue if b else None),
                "expected_revenue_calibrated": _num(a.expected_revenue if a else None),
                "calibrated_by": by.get(ch, ""),
            })
        rows.append({"channel": "(total)",
                     "spend_uncalibrated": self.uncalibrated.total_spend,
                     "spend_calibrated": self.plan.total_spend,
                     "expected_revenue_uncalibrated": self.uncalibrated.expected_revenue,
                     "expected_revenue_calibrated": self.plan.expected_revenue,
                     "calibrated_by": ""})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the comparison rows, the calibrated channels and the calibration."""
        frame = self.comparison().astype(object)
        return {"comparison": frame.where(pd.notna(frame), None).to_dict(orient="records"),
                "calibrated_by": self.calibrated_by,
                "calibration": self.calibration.to_dict(),
                "expected_revenue_calibrated": self.plan.expected_revenue,
                "expected_revenue_uncalibrated": self.uncalibrated.expected_revenue}


def _num(x: float | None) -> float:
    return math.nan if x is None else float(x)


def calibrated_plan(wh: Warehouse, settings: CurveSettings | None = None,
                    params: PlanParams | None = None, *,
                    on_period: Callable[[str], None] | None = None,
                    should_stop: StopCheck | None = None,
                    memo: Memo = no_memo) -> CalibratedPlan:
    """The plan on calibrated curves and, beside it, on the uncalibrated ones.

    Both plans are solved under the same ``params``; the budget defaults to
    last quarter's spend, which calibration does not change.

    Raises
    ------
    CalibrationError
        No experiment to calibrate to.
    InvalidRequest
        As :func:`plan_inputs`.
    """
    settings = dataclasses.replace(settings or CurveSettings(), calibrate=True)
    params = params or PlanParams()
    spec = model_spec(settings.model or default_model_spec())
    cal = calibration_of(wh, spec, settings.options or journey_options(), memo=memo)
    inputs = plan_inputs(wh, settings, on_period=on_period, should_stop=should_stop, memo=memo)
    plain = plan_inputs(wh, dataclasses.replace(settings, calibrate=False), on_period=on_period,
                        should_stop=should_stop, memo=memo)
    return CalibratedPlan(plan(inputs, params), plan(plain, params), cal, inputs)
