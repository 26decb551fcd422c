"""Calibration workflows: attribution, ROI and curves that follow the experiments.

The arithmetic is :mod:`touchpath.attribution.calibration` (formulas there);
the experiments are the ``experiments`` table (:mod:`touchpath.data.experiments`).
The steps:

1. :func:`calibration` — for each experiment of the journeys' kind, the model
   is fitted on the journeys converting in its window and the channel's credit
   there (conversions, or revenue for a revenue experiment) is ``A_i``; the
   factor is ``I_i / A_i`` with the experiment's interval rescaled. An
   experiment whose channel has no credit in its window cannot give a factor:
   it is listed in :attr:`Calibration.skipped` with the reason.
2. :func:`calibrate_range` — a channel's credit over any range (the range of
   an attribution, a period of the ROI table): the credit of its windows'
   parts in the range scaled by their factors, the rest by the factor outside
   the windows (``nearest`` experiment, or the precision-weighted mean of
   them, :data:`~touchpath.service.defaults.Defaults.calibration`). Inside a
   whole window the calibrated credit is the experiment's. Revenue is scaled
   by the same factors as conversions.
3. :func:`attribute_calibrated` (``touchpath attribute --calibrate``) and
   :func:`calibrated_roi_table` (``roi``, ``curves``, ``plan --calibrate``):
   channels without experiments are unchanged; the credit the calibration
   takes from the calibrated channels is *freed*: reported (a ``(freed)`` row
   per period of the ROI table, :attr:`CalibratedAttribution.freed_conversions`),
   never given to other channels, so the ROI table still reconciles with the
   warehouse (channels + ``(direct)`` + ``(freed)`` = the conversions).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionResult
from touchpath.attribution.calibration import (
    CALIBRATION_RULES,
    CalibratedCredit,
    CalibrationError,
    Factor,
    NoExperiments,
    calibrate_credit,
    calibration_factor,
    nearest_window,
    precision_weighted,
)
from touchpath.attribution.roi import ChannelROITable
from touchpath.data.experiments import Experiment, read_experiments
from touchpath.data.journeys import JourneyOptions
from touchpath.data.paths import DIRECT
from touchpath.data.periods import roi_range
from touchpath.data.warehouse import Warehouse
from touchpath.money import money
from touchpath.service.attribution import attribute, journey_options, options_key
from touchpath.service.defaults import DEFAULTS, CalibrationRule
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec

__all__ = [
    "FREED",
    "CalibratedAttribution",
    "CalibratedChannel",
    "Calibration",
    "ExperimentFit",
    "attribute_calibrated",
    "calibrate_range",
    "calibrated_by",
    "calibrated_roi_table",
    "calibration",
    "experiments_frame",
]

#: The ROI table's row of the credit calibration took from the calibrated channels.
FREED = "(freed)"

#: Coverage the experiments' intervals are read at.
EXPERIMENT_LEVEL = 0.95


@dataclass(frozen=True)
class ExperimentFit:
    """One experiment and its factor under the chosen model.

    Attributes
    ----------
    experiment : Experiment
    attributed_conversions, attributed_revenue : float
        The channel's credit in the window (the model fitted on the window's journeys).
    factor : Factor
        ``incremental / attributed`` in the experiment's metric, with its interval.
    """

    experiment: Experiment
    attributed_conversions: float
    attributed_revenue: float
    factor: Factor

    @property
    def attributed(self) -> float:
        """The credit in the experiment's metric (``A_i``)."""
        return (self.attributed_conversions if self.experiment.metric == "conversions"
                else self.attributed_revenue)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the experiment, the attributed credit and the factor with its interval."""
        e = self.experiment
        return {"channel": e.channel, "kind": e.kind, "start": e.start.isoformat(),
                "end": e.end.isoformat(), "metric": e.metric, "incremental": e.incremental,
                "lower": e.lower, "upper": e.upper, "attributed": self.attributed,
                "attributed_conversions": self.attributed_conversions,
                "attributed_revenue": self.attributed_revenue,
                "factor": self.factor.estimate, "factor_lower": self.factor.lower,
                "factor_upper": self.factor.upper}


@dataclass(frozen=True, eq=False)
class Calibration:
    """The factors of every usable experiment, and how the credit outside windows is scaled.

    Attributes
    ----------
    model : str
        The model spec the factors are for.
    kind : str or None
        The conversion kind of the journeys (the experiments' kind).
    rule : {"nearest", "weighted"}
        The factor outside the windows (:mod:`touchpath.attribution.calibration`).
    fits : tuple of ExperimentFit
    skipped : tuple of str
        Experiments that gave no factor, each with the reason.
    """

    model: str
    kind: str | None
    rule: CalibrationRule
    fits: tuple[ExperimentFit, ...]
    skipped: tuple[str, ...] = ()

    @property
    def channels(self) -> tuple[str, ...]:
        """The calibrated channels, sorted."""
        return tuple(sorted({f.experiment.channel for f in self.fits}))

    def fits_of(self, channel: str) -> list[ExperimentFit]:
        """The experiments of ``channel`` in time order."""
        return [f for f in self.fits if f.experiment.channel == channel]

    def outside_factor(self, channel: str, lo: date, hi: date) -> tuple[Factor, str]:
        """The factor of ``channel``'s credit outside its windows over ``[lo, hi)``, and why.

        ``nearest``: the experiment whose window's midpoint is nearest the
        range's; ``weighted``: the precision-weighted mean of the factors with
        an interval (``nearest`` when none has one).
        """
        fits = self.fits_of(channel)
        with_interval = [f for f in fits if f.factor.has_interval]
        if self.rule == "weighted" and with_interval:
            if len(with_interval) == 1:
                return with_interval[0].factor, f"experiment {with_interval[0].experiment.label}"
            mean = precision_weighted([f.factor for f in with_interval], EXPERIMENT_LEVEL)
            return mean, f"precision-weighted mean of {len(with_interval)} experiments"
        i = nearest_window([(f.experiment.start, f.experiment.end) for f in fits], lo, hi)
        return fits[i].factor, f"nearest experiment {fits[i].experiment.label}"

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment: window, estimate, interval, attributed credit, factor."""
        cols = ["channel", "kind", "start", "end", "metric", "incremental", "lower", "upper",
                "attributed", "factor", "factor_lower", "factor_upper"]
        return pd.DataFrame([{k: f.to_dict()[k] for k in cols} for f in self.fits],
                            columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document (``experiments`` as :meth:`ExperimentFit.to_dict`)."""
        return {"model": self.model, "kind": self.kind, "rule": self.rule,
                "channels": list(self.channels),
                "experiments": [f.to_dict() for f in self.fits],
                "skipped": list(self.skipped)}


def _window_options(options: JourneyOptions, lo: datetime, hi: datetime) -> JourneyOptions:
    return dataclasses.replace(options, start=lo, end=hi)


def _credit(result: AttributionResult, channel: str) -> tuple[float, float]:
    if channel not in result.channels:
        return 0.0, 0.0
    j = result.channels.index(channel)
    return float(result.conversions[j]), float(result.value[j])


def calibration(wh: Warehouse, model: str | None = None,
                options: JourneyOptions | None = None, *,
                rule: CalibrationRule = DEFAULTS.calibration,
                memo: Memo = no_memo) -> Calibration:
    """The factor of every experiment of the journeys' kind under ``model`` (memoised).

    Raises
    ------
    NoExperiments
        No experiment of the kind.
    CalibrationError
        Every kind pooled (``options.kind`` is ``None``), no experiment giving a
        factor, or an unknown ``rule``.
    """
    if rule not in CALIBRATION_RULES:
        raise CalibrationError(f"calibration rule must be one of {CALIBRATION_RULES}, "
                               f"got {rule!r}")
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    key = {"model": spec, "rule": rule, "version": wh.data_version, **options_key(options)}

    if options.kind is None:
        raise CalibrationError("calibration needs one conversion kind (an experiment measures "
                               "one, e.g. purchase): choose it with --kind / kind=, not all")

    def compute() -> Calibration:
        experiments = read_experiments(wh, options.kind)
        kind_text = f"kind {options.kind!r}"
        if not experiments:
            raise NoExperiments(
                f"no experiments of {kind_text} in the warehouse to calibrate to; load them with "
                "touchpath ingest FILE --table experiments (columns channel, start, end, "
                "incremental_conversions or incremental_revenue, optional lower, upper, kind)")
        fits, skipped = [], []
        for e in experiments:
            lo, hi = e.window
            result = attribute(wh, spec, _window_options(options, lo, hi), memo=memo)
            conv, rev = _credit(result, e.channel)
            attributed = conv if e.metric == "conversions" else rev
            if not attributed > 0:
                skipped.append(f"experiment {e.label}: {e.channel} has no attributed "
                               f"{e.metric} in its window under {spec}, so no factor")
                continue
            fits.append(ExperimentFit(e, conv, rev,
                                      calibration_factor(e.incremental, attributed, e.lower,
                                                         e.upper)))
        if not fits:
            raise CalibrationError("no experiment gives a factor: " + "; ".join(skipped))
        return Calibration(spec, options.kind, rule, tuple(fits), tuple(skipped))

    return memo("calibration", key, compute)


@dataclass(frozen=True)
class CalibratedChannel:
    """One channel's credit over a range, attributed and calibrated.

    Attributes
    ----------
    channel : str
    conversions, revenue : CalibratedCredit
        Attributed, calibrated (with interval) and freed conversions and revenue.
    calibrated_by : str
        The experiments used, in words (empty for a channel without experiments).
    """

    channel: str
    conversions: CalibratedCredit
    revenue: CalibratedCredit
    calibrated_by: str = ""

    @property
    def factor(self) -> float:
        """Calibrated ÷ attributed conversions over the range (NaN without credit)."""
        a = self.conversions.attributed
        return self.conversions.calibrated / a if a > 0 else math.nan


def _unchanged(channel: str, conv: float, rev: float) -> CalibratedChannel:
    return CalibratedChannel(channel, CalibratedCredit(conv, conv, None, None, 0.0, 0.0),
                             CalibratedCredit(rev, rev, None, None, 0.0, 0.0))


def calibrate_range(wh: Warehouse, cal: Calibration, options: JourneyOptions, lo: date,
                    hi: date, credit: Mapping[str, tuple[float, float]], *,
                    memo: Memo = no_memo) -> dict[str, CalibratedChannel]:
    """Calibrate each channel's ``(conversions, revenue)`` credit over ``[lo, hi)``.

    ``credit`` is the model's credit over the range (e.g. a period's ROI rows);
    the channels of ``cal`` are calibrated (module docstring), the others
    returned unchanged.
    """
    out: dict[str, CalibratedChannel] = {}
    lo_t, hi_t = datetime.combine(lo, time()), datetime.combine(hi, time())
    for ch, (conv, rev) in credit.items():
        fits = cal.fits_of(ch)
        if not fits:
            out[ch] = _unchanged(ch, conv, rev)
            continue
        parts_c: list[tuple[Factor, float]] = []
        parts_r: list[tuple[Factor, float]] = []
        used = []
        for f in fits:
            w_lo, w_hi = f.experiment.window
            a, b = max(lo_t, w_lo), min(hi_t, w_hi)
            if a >= b:
                continue
            if (a, b) == (w_lo, w_hi):
                ac, ar = f.attributed_conversions, f.attributed_revenue
            else:
                ac, ar = _credit(attribute(wh, cal.model, _window_options(options, a, b),
                                           memo=memo), ch)
            parts_c.append((f.factor, ac))
            parts_r.append((f.factor, ar))
            used.append(f"experiment {f.experiment.label} in its window "
                        f"(factor {f.factor.estimate:.3g})")
        outside, why = cal.outside_factor(ch, lo, hi)
        c_cal = calibrate_credit(conv, parts_c, outside)
        r_cal = calibrate_credit(rev, parts_r, outside)
        if c_cal.outside > 0 or r_cal.outside > 0:
            used.append(f"{why} outside (factor {outside.estimate:.3g})")
        out[ch] = CalibratedChannel(ch, c_cal, r_cal, "; ".join(used))
    return out


@dataclass(frozen=True, eq=False)
class CalibratedAttribution:
    """An attribution and its calibration to the experiments.

    Attributes
    ----------
    result : AttributionResult
        The model's attribution, uncalibrated.
    calibration : Calibration
    channels : dict of str to CalibratedChannel
        Every channel of ``result``: the calibrated ones changed, the others as attributed.
    start, end : date
        The range calibrated, ``end`` exclusive.
    """

    result: AttributionResult
    calibration: Calibration
    channels: dict[str, CalibratedChannel]
    start: date
    end: date
    warnings: tuple[str, ...] = field(default=())

    @property
    def freed_conversions(self) -> float:
        """Σ attributed − calibrated conversions: credit calibration took and gave no one."""
        return math.fsum(c.conversions.freed for c in self.channels.values())

    @property
    def freed_revenue(self) -> float:
        """Σ attributed − calibrated revenue."""
        return math.fsum(c.revenue.freed for c in self.channels.values())

    def to_frame(self) -> pd.DataFrame:
        """Per channel: attributed and calibrated conversions and revenue, interval, factor."""
        rows = []
        for ch, c in self.channels.items():
            rows.append({
                "channel": ch,
                "attributed_conversions": c.conversions.attributed,
                "calibrated_conversions": c.conversions.calibrated,
                "conversions_lower": c.conversions.lower,
                "conversions_upper": c.conversions.upper,
                "attributed_revenue": c.revenue.attributed,
                "calibrated_revenue": c.revenue.calibrated,
                "revenue_lower": c.revenue.lower,
                "revenue_upper": c.revenue.upper,
                "factor": c.factor,
                "freed_conversions": c.conversions.freed,
                "freed_revenue": c.revenue.freed,
                "calibrated_by": c.calibrated_by,
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``channels`` rows of :meth:`to_frame`, the freed totals, the experiments."""
        frame = self.to_frame().astype(object)
        rows = frame.where(pd.notna(frame), None).to_dict(orient="records")
        return {"model": self.calibration.model, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "channels": rows,
                "freed_conversions": self.freed_conversions,
                "freed_revenue": self.freed_revenue,
                "direct_conversions": float(self.result.direct_conversions),
                "direct_revenue": float(self.result.direct_value),
                "calibration": self.calibration.to_dict(),
                "warnings": list(self.warnings)}


def _range(wh: Warehouse, options: JourneyOptions) -> tuple[date, date]:
    data = roi_range(wh)
    if data is None:
        raise CalibrationError("the warehouse has no conversions or spend; nothing to calibrate")
    lo = options.start if options.start is not None else data[0]
    hi = options.end if options.end is not None else data[1]
    lo_d = lo.date() if isinstance(lo, datetime) else lo
    hi_d = hi.date() if isinstance(hi, datetime) else hi
    if isinstance(hi, datetime) and hi.time() != time():
        hi_d = date.fromordinal(hi_d.toordinal() + 1)
    return lo_d, hi_d


def attribute_calibrated(wh: Warehouse, model: str | None = None,
                         options: JourneyOptions | None = None, *,
                         rule: CalibrationRule = DEFAULTS.calibration,
                         memo: Memo = no_memo) -> CalibratedAttribution:
    """The model's attribution over the options' range, calibrated to the experiments.

    Raises
    ------
    CalibrationError
        No experiment to calibrate to (see :func:`calibration`).
    ModelSpecError
        Unknown model.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    result = attribute(wh, spec, options, memo=memo)
    cal = calibration(wh, spec, options, rule=rule, memo=memo)
    lo, hi = _range(wh, options)
    credit = {ch: (float(c), float(v)) for ch, c, v in
              zip(result.channels, result.conversions, result.value, strict=True)}
    for ch in cal.channels:
        credit.setdefault(ch, (0.0, 0.0))
    channels = calibrate_range(wh, cal, options, lo, hi, credit, memo=memo)
    return CalibratedAttribution(result, cal, channels, lo, hi, cal.skipped)


def calibrated_roi_table(wh: Warehouse, table: ChannelROITable, *,
                         model: str | None = None, options: JourneyOptions | None = None,
                         rule: CalibrationRule = DEFAULTS.calibration,
                         memo: Memo = no_memo) -> tuple[ChannelROITable, Calibration]:
    """``table`` with its calibrated channels' credit calibrated per period, and the calibration.

    Each period's rows of the calibrated channels get calibrated conversions
    and revenue (their ratios recomputed; first purchases scaled with the
    conversions); a ``(freed)`` row per period (no spend) carries the credit
    taken from them, so the table still reconciles. ``model`` and ``options``
    must be the ones ``table`` was computed with.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    cal = calibration(wh, spec, options, rule=rule, memo=memo)
    frame = table.to_frame()
    exact = table.exact.reset_index(drop=True).copy() if table.exact is not None else None
    rows: list[dict[str, Any]] = []
    exact_rows: list[dict[str, Any]] = []
    bounds = table.totals[["period", "period_start", "period_end"]]
    for label, lo, hi in bounds.itertuples(index=False):
        idx = np.flatnonzero((frame["period"] == label).to_numpy())
        period_rows = frame.iloc[idx]
        credit = {str(r.channel): (float(r.attributed_conversions), float(r.attributed_revenue))
                  for r in period_rows.itertuples(index=False)
                  if r.channel != DIRECT and r.channel in cal.channels}
        done = calibrate_range(wh, cal, options, pd.Timestamp(lo).date(),
                               pd.Timestamp(hi).date(), credit, memo=memo)
        freed_c, freed_exact = 0.0, Decimal(0)
        total_revenue = float(table.totals.loc[table.totals["period"] == label,
                                               "revenue"].iloc[0])
        for i in idx:
            row = frame.iloc[i].to_dict()
            ex = exact.iloc[i].to_dict() if exact is not None else None
            c = done.get(str(row["channel"]))
            if c is not None and c.calibrated_by:
                _calibrate_row(row, c, total_revenue)
                new_rev = money(max(c.revenue.calibrated, 0.0))
                if ex is not None:
                    freed_exact += ex["attributed_revenue"] - new_rev
                    ex["attributed_revenue"] = new_rev
                else:
                    freed_exact += money(c.revenue.freed)
                row["attributed_revenue"] = float(new_rev)
                freed_c += c.conversions.freed
            rows.append(row)
            if ex is not None:
                exact_rows.append(ex)
        first = period_rows.iloc[0]
        rows.append({**{k: math.nan for k in frame.columns}, "period": label,
                     "period_start": first["period_start"], "period_end": first["period_end"],
                     "channel": FREED, "spend": 0.0, "attributed_conversions": freed_c,
                     "attributed_revenue": float(freed_exact), "spend_share": 0.0,
                     "revenue_share": (float(freed_exact) / total_revenue if total_revenue > 0
                                       else math.nan),
                     "note": "credit the experiments took from the calibrated channels "
                             "(attributed − incremental); given to no channel"})
        if exact is not None:
            exact_rows.append({"period": label, "channel": FREED, "spend": Decimal(0),
                               "attributed_revenue": freed_exact})
    new_frame = pd.DataFrame(rows, columns=frame.columns)
    new_exact = (pd.DataFrame(exact_rows, columns=table.exact.columns)
                 if table.exact is not None else None)
    opts = {**table.options, "calibration": rule}
    return dataclasses.replace(table, frame=new_frame, exact=new_exact, options=opts), cal


def _calibrate_row(row: dict[str, Any], c: CalibratedChannel, total_revenue: float) -> None:
    """Calibrated credit and its ratios in one ROI row (spend unchanged)."""
    conv, rev = c.conversions.calibrated, c.revenue.calibrated
    s = float(row["spend"])
    before = float(row["attributed_conversions"])
    scale = conv / before if before > 0 else 0.0
    fp = float(row["first_purchases"]) * scale
    row.update({
        "attributed_conversions": conv,
        "roi": rev / s if s > 0 else math.nan,
        "net_roi": (rev - s) / s if s > 0 else math.nan,
        "cpa": s / conv if conv > 0 else (0.0 if s <= 0 else math.nan),
        "revenue_share": rev / total_revenue if total_revenue > 0 else math.nan,
        "first_purchases": fp,
        "repeat_purchases": conv - fp,
        "cac": s / fp if fp > 0 else (0.0 if s <= 0 and conv > 0 else math.nan),
    })
    note = f"calibrated: {c.calibrated_by}"
    row["note"] = f"{row['note']}; {note}" if row.get("note") else note


def calibrated_by(cal: Calibration) -> dict[str, str]:
    """Per calibrated channel, its experiments and factors in words (for plans and panels)."""
    out: dict[str, str] = {}
    for ch in cal.channels:
        parts = [f"{f.experiment.start.isoformat()}..{f.experiment.end.isoformat()} "
                 f"({f.experiment.metric}: {f.experiment.incremental:g} incremental vs "
                 f"{f.attributed:.6g} attributed, factor {f.factor.estimate:.3g}"
                 + (f" [{f.factor.lower:.3g}, {f.factor.upper:.3g}]"
                    if f.factor.has_interval else "") + ")"
                 for f in cal.fits_of(ch)]
        out[ch] = "experiments " + "; ".join(parts)
    return out


def experiments_frame(wh: Warehouse, kind: str | None = DEFAULTS.kind) -> pd.DataFrame:
    """The stored experiments of ``kind`` as a frame (``touchpath experiments``)."""
    cols = ["channel", "kind", "start", "end", "metric", "incremental", "lower", "upper"]
    return pd.DataFrame([{"channel": e.channel, "kind": e.kind, "start": e.start.isoformat(),
                          "end": e.end.isoformat(), "metric": e.metric,
                          "incremental": e.incremental, "lower": e.lower, "upper": e.upper}
                         for e in read_experiments(wh, kind)], columns=cols)

