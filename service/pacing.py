"""Recorded plans and their pacing: plan, track, re-allocate.

:func:`record_plan` stores a solved plan (``touchpath plan --record``, ``POST
/v1/plans``) with its parameters and the data version it was fitted on
(:mod:`touchpath.data.plans`); :func:`recorded_plans` lists them; :func:`pacing`
holds the data against one (default: the latest):

- actual spend per channel and month from the quarter's first day to the last
  day of the data (``as_of``), summed exactly in SQL (``plan_actual_spend.sql``);
- attributed revenue of the same days under the plan's own model and journey
  options (the channel ROI table per month, :func:`touchpath.service.roi.roi_table`);
- per channel: planned and expected to date (each month's plan pro rata to its
  elapsed days), the projection to the end of the quarter at the run rate so
  far, and whether the channel is off pace beyond the tolerance
  (:func:`touchpath.attribution.monitoring.pace`, where the formulas are).

Any quarter may be planned and recorded, the current one included: a quarter
the data has not reached yet paces at zero days elapsed (nothing to project).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from touchpath.attribution.monitoring import ChannelPace, pace, quarter_bounds
from touchpath.data.journeys import JourneyOptions
from touchpath.data.plans import (
    PlanLine,
    RecordedPlan,
    actual_spend,
    get_plan,
    list_plans,
)
from touchpath.data.plans import record_plan as store_plan
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.money import apportion, money, money_float
from touchpath.optimizer import BudgetPlan
from touchpath.service.attribution import journey_options
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.planning import CurveSettings, PlanParams
from touchpath.service.roi import roi_table

__all__ = ["PacingReport", "pacing", "record_plan", "recorded_plans"]

#: Money fields of the pacing rows (quantized where they leave, :mod:`touchpath.money`).
_MONEY = frozenset({"planned_spend", "planned_to_date", "actual_spend", "projected_spend",
                    "expected_revenue", "expected_to_date", "attributed_revenue",
                    "projected_revenue"})


def _plain(value: Any) -> Any:
    """Parameters as JSON values (tuples of dataclasses become lists of dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _lines(doc: dict[str, Any]) -> list[PlanLine]:
    """Per channel and month: spend (as planned) and its share of the expected revenue."""
    months = list(doc["months"])
    out: list[PlanLine] = []
    for ch in doc["channels"]:
        spends = [money(ch["monthly"][m]) for m in months]
        expected = ch.get("expected_revenue")
        if expected is None:
            parts: list[Decimal | None] = [None] * len(months)
        else:
            weights = [float(s) for s in spends] if sum(spends) > 0 else [1.0] * len(months)
            parts = list(apportion(money(expected), weights))
        out += [PlanLine(ch["channel"], m, s, e) for m, s, e in
                zip(months, spends, parts, strict=True)]
    return out


def record_plan(wh: Warehouse, plan: BudgetPlan, params: PlanParams,
                settings: CurveSettings, *, now: datetime | None = None) -> RecordedPlan:
    """Store a solved ``plan`` fitted from ``wh`` under ``settings``; the recorded plan.

    Raises
    ------
    InvalidRequest
        The plan is not optimal, or has no quarter (no months to track).
    """
    if not plan.ok:
        raise InvalidRequest(f"cannot record a plan that is not optimal (status "
                             f"{plan.status}): {plan.status_text}")
    if not plan.quarter or not plan.months:
        raise InvalidRequest("cannot record a plan without a quarter: give --quarter / quarter")
    doc = plan.to_dict()
    options = settings.options or journey_options()
    model = settings.model or DEFAULTS.model
    recorded = {"plan": _plain(params), "curves": {
        "model": model, "period": settings.period, "segments": settings.segments,
        "lookback_days": options.lookback_days, "censor": options.censor,
        "kind": options.kind, "collapse_repeats": options.collapse_repeats,
        "interaction": options.interaction, "max_path_length": options.max_path_length},
        "objective": plan.objective, "min_roi": plan.min_roi}
    when = now or datetime.now(UTC).replace(tzinfo=None)
    plan_id = store_plan(
        wh.conn, quarter=plan.quarter, data_version=wh.data_version, model=model,
        params=recorded, budget=None if doc["budget"] is None else money(doc["budget"]),
        total_spend=money(doc["total_spend"]), expected_revenue=money(doc["expected_revenue"]),
        currency=plan.currency, lines=_lines(doc), recorded_at=when)
    return get_plan(wh.conn, plan_id)


def recorded_plans(wh: Warehouse) -> list[RecordedPlan]:
    """The recorded plans, newest first (without their lines)."""
    return list_plans(wh.conn)


@dataclass(frozen=True)
class PacingReport:
    """A recorded plan against the data up to ``as_of``.

    Attributes
    ----------
    plan : RecordedPlan
    as_of : date
        Last day of the data counted (inclusive).
    first, last : date
        The quarter's first and last day.
    elapsed_days, total_days : int
    tolerance : float
    channels : list of ChannelPace
    currency : str
    """

    plan: RecordedPlan
    as_of: date
    first: date
    last: date
    elapsed_days: int
    total_days: int
    tolerance: float
    channels: list[ChannelPace]
    currency: str = DEFAULTS.currency

    @property
    def off_pace(self) -> list[ChannelPace]:
        """The channels off pace."""
        return [c for c in self.channels if c.off_pace]

    def to_frame(self) -> pd.DataFrame:
        """One row per channel (the quarter)."""
        cols = ("channel", "planned_spend", "planned_to_date", "actual_spend",
                "projected_spend", "spend_pace", "expected_revenue", "expected_to_date",
                "attributed_revenue", "projected_revenue", "revenue_pace", "off_pace", "reason")
        return pd.DataFrame([{c: getattr(ch, c) for c in cols} for ch in self.channels],
                            columns=list(cols))

    def months_frame(self) -> pd.DataFrame:
        """One row per channel and month."""
        cols = ("channel", "month", "days", "elapsed_days", "planned_spend", "planned_to_date",
                "actual_spend", "expected_revenue", "expected_to_date", "attributed_revenue")
        return pd.DataFrame([{c: getattr(m, c) for c in cols} for ch in self.channels
                             for m in ch.months], columns=list(cols))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with the keys of the CLI and API output (money to the millionth)."""
        def num(x: Any) -> Any:
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = []
            for r in frame.to_dict(orient="records"):
                d = {k: num(v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                out.append({k: money_float(v) if k in _MONEY else v for k, v in d.items()})
            return out

        return {
            "plan_id": self.plan.plan_id, "quarter": self.plan.quarter,
            "model": self.plan.model, "plan_data_version": self.plan.data_version,
            "as_of": self.as_of.isoformat(), "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(), "elapsed_days": self.elapsed_days,
            "total_days": self.total_days, "tolerance": self.tolerance,
            "currency": self.currency, "off_pace": [c.channel for c in self.off_pace],
            "channels": rows(self.to_frame()), "months": rows(self.months_frame()),
        }


def _options(plan: RecordedPlan) -> tuple[str, JourneyOptions]:
    curves = plan.params.get("curves", {})
    options = journey_options(
        lookback_days=int(curves.get("lookback_days", DEFAULTS.lookback_days)),
        censor=bool(curves.get("censor", DEFAULTS.censor)),
        kind=curves.get("kind", DEFAULTS.kind),
        collapse_repeats=bool(curves.get("collapse_repeats", False)),
        interaction=curves.get("interaction", "all"),
        max_path_length=curves.get("max_path_length"))
    return str(curves.get("model", plan.model)), options


def pacing(wh: Warehouse, plan_id: int | None = None, *,
           tolerance: float = DEFAULTS.pacing_tolerance, as_of: date | None = None,
           memo: Memo = no_memo) -> PacingReport:
    """A recorded plan (default the latest) against the data (steps in the module docstring).

    Parameters
    ----------
    wh : Warehouse
    plan_id : int, optional
    tolerance : float
        Largest share a channel's projected spend may be off its plan (0.15 = ±15 %).
    as_of : date, optional
        Count the data up to this day (default: the last day with spend or a conversion).
    memo : Memo

    Raises
    ------
    NoRecordedPlan
        No such plan, or none recorded.
    InvalidRequest
        A tolerance that is not a number >= 0, or no data to pace against.
    """
    if not (isinstance(tolerance, int | float) and math.isfinite(tolerance) and tolerance >= 0):
        raise InvalidRequest(f"tolerance must be a number >= 0, got {tolerance!r}")
    plan = get_plan(wh.conn, plan_id)
    first, last = quarter_bounds(plan.quarter)
    if as_of is None:
        _, data_last = wh.activity_range()
        if data_last is None:
            raise InvalidRequest("the warehouse has no spend or conversions to pace against")
        as_of = data_last
    upto = min(as_of, last)
    actual: dict[tuple[str, str], float] = {}
    attributed: dict[tuple[str, str], float] = {}
    if upto >= first:
        actual = {k: float(v) for k, v in actual_spend(wh.conn, first, upto).items()}
        model, options = _options(plan)
        table = roi_table(wh, model, "month", options, start=first,
                          end=upto + timedelta(days=1), memo=memo)
        frame = table.to_frame(include_direct=False)
        attributed = {(str(r.channel), str(r.period)): float(r.attributed_revenue)
                      for r in frame.itertuples(index=False)}
    planned = {(ln.channel, ln.month): float(ln.spend) for ln in plan.lines}
    expected = {(ln.channel, ln.month): None if ln.expected_revenue is None
                else float(ln.expected_revenue) for ln in plan.lines}
    channels = pace(planned, expected, actual, attributed, plan.quarter, as_of,
                    float(tolerance))
    total = (last - first).days + 1
    elapsed = 0 if as_of < first else (upto - first).days + 1
    return PacingReport(plan, as_of, first, last, elapsed, total, float(tolerance), channels,
                        plan.currency)
