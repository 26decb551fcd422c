"""The answer of the optimizer: :class:`BudgetPlan`, and :func:`optimize_budget`.

A plan reports, per channel: spend and share of total, previous spend and the
change, expected revenue (and conversions when the channel has a conversion
rate), the marginal ROI at the optimum, the lifecycle rule applied and a
per-month split of the quarter; in total: spend, expected revenue, the shadow
price of the budget, the binding constraints by name, and a status. An
infeasible plan carries the conflicting constraints in plain words.

Definitions
-----------
marginal_roi
    Revenue of the *next* unit of spend on the channel: the right derivative of
    its response curve at the planned spend, i.e. the slope of the first
    segment not yet full. At the end of the curve the next unit is unavailable:
    ``marginal_roi`` is ``None`` and ``held_by`` names the cap (``"curve
    capacity <channel> (<reason>)"``), never a marginal ROI of 0.
    ``last_unit_roi`` is the left derivative, the slope of the segment that
    holds the last unit bought (``None`` at spend 0). LP optima sit at segment
    ends, so the two usually differ; a channel not held by any other
    constraint has ``last_unit_roi >= budget_shadow_price >= marginal_roi``.
min_roi (the floor)
    With ``min_roi > 0`` no segment whose slope (revenue per unit of spend) is
    below ``min_roi`` is bought, unless the constraints force it: an exact
    budget, minimums, floors or change limits. Forced spend below the floor is
    kept to the least the constraints allow (a first LP finds that least
    amount, the plan's LP may not exceed it) and each such channel is named in
    ``warnings``. The floor is on *revenue* ROI for every objective, also for
    ``conversions`` and ``profit``. Budget left unplaced is ``unallocated``,
    with the reason in ``unallocated_reason``.
budget_shadow_price
    ``d objective / d budget``: the solver's dual of the budget row, normalised
    to that sign (for the revenue objective: revenue from one more unit of
    budget). At a kink of the optimal value the dual is any subgradient; the
    solver returns one of them.
expected_revenue
    Sum over modelled channels only. Channels without a curve have their spend
    counted in ``total_spend`` (and in ``unmodelled_spend``) but their revenue
    is *not modelled* and reported as ``None``, never as 0.
Money. The plan's fields hold the solver's floats after polishing (see
:mod:`touchpath.optimizer.model`). Its documents (:meth:`BudgetPlan.to_dict`,
:meth:`BudgetPlan.to_frame`, :meth:`BudgetPlan.monthly_frame`) carry money
quantized to the millionth by :mod:`touchpath.money` (no binary-float
artifacts): the total spend is ``money(total_spend)``, the channels' spend is
that total apportioned over the solver's spends by the largest remainder
(Hamilton) method, and each channel's months are its spend apportioned the same
way -- so channel spends sum to ``total_spend`` and months to the channel's spend
exactly, as decimals. ``previous_spend`` (exact sums of the warehouse's
spend, read back from their floats) is quantized, and ``change`` is spend minus
previous spend, exactly. ``unmodelled_spend`` is the sum of the unmodelled
channels' spend. Budget, expected revenue (per channel and total), the revenue
range and a money objective value are quantized. Ratios stay floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from touchpath.attribution.lifecycle import VerdictKind
from touchpath.attribution.plotting import money_axis
from touchpath.data.statuses import ChannelStatus
from touchpath.money import CURRENCY, apportion, money, money_float, money_or_none
from touchpath.optimizer.constraints import PlanConstraints
from touchpath.optimizer.curves import ChannelInput, CurveError, ResponseCurve
from touchpath.optimizer.model import (
    LPModel,
    LPSolution,
    Objective,
    PlanError,
    PlanInfeasible,
    Row,
    SolverName,
    build_model,
    diagnose_conflicts,
    fmt_money,
    share_floor_conflicts,
    solve_model,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "BudgetPlan",
    "ChannelPlan",
    "fmt_ratio",
    "RevenueRange",
    "evaluate_revenue",
    "finish_figure",
    "optimize_budget",
    "plan_from_model",
    "quarter_months",
    "revenue_range",
]

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_months(quarter: str) -> tuple[str, str, str]:
    """The three months of a quarter: ``"2027Q1"`` -> ``("2027-01", "2027-02", "2027-03")``."""
    m = _QUARTER.match(quarter.strip())
    if not m:
        raise ValueError(f"quarter must look like 2027Q1, got {quarter!r}")
    year, q = int(m.group(1)), int(m.group(2))
    first = 3 * (q - 1) + 1
    return (f"{year}-{first:02d}", f"{year}-{first + 1:02d}", f"{year}-{first + 2:02d}")


def finish_figure(fig: Any, path: str | Path | None) -> None:
    """Lay out a figure a plot method created (``fig`` None: the caller's axes, left alone).

    With ``path`` the figure is saved as a PNG (110 dpi) and closed; without, it
    stays open for the caller.
    """
    if fig is None:
        return
    import matplotlib.pyplot as plt  # plotting stays out of the math import path

    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)


def _split(amount: float, weights: Sequence[float]) -> tuple[float, ...]:
    """Split ``amount`` proportionally; the last part takes the float remainder."""
    total = math.fsum(weights)
    parts = [amount * w / total for w in weights[:-1]]
    parts.append(amount - math.fsum(parts))
    return tuple(parts)


@dataclass(frozen=True)
class RevenueRange:
    """Expected revenue of a fixed plan re-evaluated over resampled curves.

    ``low`` / ``high`` are the ``(1 - level) / 2`` and ``(1 + level) / 2``
    percentiles of ``samples``.
    """

    samples: np.ndarray
    level: float
    low: float
    median: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary."""
        return {
            "level": self.level,
            "low": self.low,
            "median": self.median,
            "high": self.high,
            "n_samples": int(self.samples.size),
        }


@dataclass(frozen=True)
class ChannelPlan:
    """The plan for one channel (see the module docstring for definitions)."""

    channel: str
    spend: float
    share: float
    previous_spend: float | None
    change: float | None
    change_pct: float | None
    expected_revenue: float | None
    expected_conversions: float | None
    marginal_roi: float | None
    last_unit_roi: float | None
    group: str | None
    status: ChannelStatus
    verdict: VerdictKind | None
    rule: str
    modelled: bool
    monthly: tuple[float, ...] = ()
    held_by: str | None = None

    def to_dict(self, months: Sequence[str] = ()) -> dict[str, Any]:
        """JSON-safe dict (``monthly`` keyed by month when months are known)."""
        d = {
            "channel": self.channel,
            "spend": self.spend,
            "share": self.share,
            "previous_spend": self.previous_spend,
            "change": self.change,
            "change_pct": self.change_pct,
            "expected_revenue": self.expected_revenue,
            "expected_conversions": self.expected_conversions,
            "marginal_roi": self.marginal_roi,
            "last_unit_roi": self.last_unit_roi,
            "group": self.group,
            "status": self.status,
            "verdict": self.verdict,
            "rule": self.rule,
            "modelled": self.modelled,
            "held_by": self.held_by,
        }
        if months:
            d["monthly"] = dict(zip(months, self.monthly, strict=True))
        else:
            d["monthly"] = list(self.monthly)
        return d


@dataclass(frozen=True, eq=False)
class BudgetPlan:
    """A budget split with everything needed to defend it.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``not solved``, ``unbounded`` or
        ``undefined`` (solver status); only ``optimal`` plans have channels.
    status_text : str
        One sentence for people.
    channels : tuple of ChannelPlan
    total_spend, expected_revenue : float
    expected_conversions : float or None
        ``None`` when a modelled channel has no conversion rate.
    unmodelled_spend : float
        Spend of channels without a curve (inside ``total_spend``).
    budget, budget_equality
        The budget row (``None`` when there was none).
    budget_shadow_price : float or None
    shadow_prices : dict
        Normalised duals of every non-zero named row.
    binding_constraints : tuple of str
        Rows holding with equality at the optimum, and channels at the end of
        their curve (``"curve capacity <channel>"``).
    conflicts : tuple of str
        Plain-language reasons when infeasible.
    months : tuple of str
        Month labels of the per-channel ``monthly`` split.
    revenue_range : RevenueRange or None
    min_roi : float
        The floor on marginal revenue ROI the plan was solved under (0: none).
    unallocated : float
        Budget left unplaced (0 when the budget must be spent exactly).
    unallocated_reason : str or None
        Why it was left unplaced, in plain words.
    warnings : tuple of str
        What a reader must know before acting on the plan, each naming the
        channel and the number: loss-making margins, channels held by the end
        of their curve, and (added by the service) fallback or poorly fitting
        curves and spend beyond the observed range.
    """

    status: str
    status_text: str
    objective: str
    channels: tuple[ChannelPlan, ...]
    total_spend: float
    expected_revenue: float
    expected_conversions: float | None
    unmodelled_spend: float
    objective_value: float | None
    budget: float | None
    budget_equality: bool
    budget_shadow_price: float | None
    shadow_prices: dict[str, float]
    binding_constraints: tuple[str, ...]
    conflicts: tuple[str, ...]
    solver: str
    build_seconds: float
    solve_seconds: float
    quarter: str | None = None
    months: tuple[str, ...] = ()
    margin: float | None = None
    revenue_range: RevenueRange | None = None
    notes: tuple[str, ...] = ()
    min_roi: float = 0.0
    unallocated: float = 0.0
    unallocated_reason: str | None = None
    warnings: tuple[str, ...] = ()
    inputs: tuple[ChannelInput, ...] = field(default=(), repr=False)
    currency: str = CURRENCY

    @property
    def ok(self) -> bool:
        """True for an optimal plan."""
        return self.status == "optimal"

    def spend(self) -> dict[str, float]:
        """Spend per channel."""
        return {c.channel: c.spend for c in self.channels}

    def channel(self, name: str) -> ChannelPlan:
        """The plan of one channel."""
        for c in self.channels:
            if c.channel == name:
                return c
        raise KeyError(f"no channel {name!r} in the plan")

    def to_frame(self) -> pd.DataFrame:
        """One row per channel (monthly split as ``spend_<month>`` columns; money quantized)."""
        recs = []
        for d in _money_channels(self, ()):
            monthly = d.pop("monthly")
            labels = self.months or tuple(f"m{i + 1}" for i in range(len(monthly)))
            for label, v in zip(labels, monthly, strict=True):
                d[f"spend_{label}"] = v
            recs.append(d)
        return pd.DataFrame.from_records(recs)

    def monthly_frame(self) -> pd.DataFrame:
        """Long table ``channel, month, spend`` of the per-month split (money quantized)."""
        recs = []
        for c, d in zip(self.channels, _money_channels(self, ()), strict=True):
            labels = self.months or tuple(f"m{i + 1}" for i in range(len(c.monthly)))
            for label, v in zip(labels, d["monthly"], strict=True):
                recs.append({"channel": c.channel, "month": label, "spend": v})
        return pd.DataFrame.from_records(recs, columns=["channel", "month", "spend"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with the keys of the CLI and API output.

        Money quantized to the millionth, channel spends summing exactly to
        ``total_spend`` (see the module docstring); ``currency`` names it.
        """
        doc = {
            "status": self.status,
            "status_text": self.status_text,
            "objective": self.objective,
            "margin": self.margin,
            "quarter": self.quarter,
            "months": list(self.months),
            "budget": self.budget,
            "budget_equality": self.budget_equality,
            "total_spend": self.total_spend,
            "expected_revenue": self.expected_revenue,
            "expected_conversions": self.expected_conversions,
            "unmodelled_spend": self.unmodelled_spend,
            "objective_value": self.objective_value,
            "budget_shadow_price": self.budget_shadow_price,
            "binding_constraints": list(self.binding_constraints),
            "conflicts": list(self.conflicts),
            "shadow_prices": dict(self.shadow_prices),
            "revenue_range": None if self.revenue_range is None else self.revenue_range.to_dict(),
            "solver": self.solver,
            "notes": list(self.notes),
            "min_roi": self.min_roi,
            "unallocated": self.unallocated,
            "unallocated_reason": self.unallocated_reason,
            "warnings": list(self.warnings),
            "channels": [c.to_dict(self.months) for c in self.channels],
        }
        return _with_money(self, doc)

    def raise_for_status(self) -> BudgetPlan:
        """Return ``self`` when optimal, else raise :class:`PlanInfeasible` / :class:`PlanError`."""
        if self.status == "infeasible":
            raise PlanInfeasible(self.status, self.conflicts)
        if self.status != "optimal":
            raise PlanError(self.status, self.conflicts or (self.status_text,))
        return self

    def plot_split(self, path: str | Path | None = None, ax: Axes | None = None, *,
                   currency: str | None = None) -> Axes:
        """Horizontal bars of previous and planned spend per channel (PNG when ``path``).

        The spend axis is money (``950k``, ``1.2M``), titled with ``currency``.
        """
        import matplotlib  # plotting stays out of the math import path

        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt  # after the backend is chosen above

        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 0.45 * max(3, len(self.channels)) + 1))
        names = [c.channel for c in self.channels]
        y = np.arange(len(names))
        prev = [c.previous_spend or 0.0 for c in self.channels]
        new = [c.spend for c in self.channels]
        ax.barh(y + 0.2, prev, height=0.4, color="#bbbbbb", label="previous")
        ax.barh(y - 0.2, new, height=0.4, color="#2b6cb0", label="plan")
        for yi, c in zip(y, self.channels, strict=True):
            if c.marginal_roi is not None and c.modelled:
                ax.text(c.spend, yi - 0.2, f"  mROI {c.marginal_roi:.2f}", va="center", fontsize=7)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        money_axis(ax.xaxis, currency, "spend")
        title = f"Budget plan {self.quarter}" if self.quarter else "Budget plan"
        ax.set_title(f"{title}: spend {fmt_money(self.total_spend)}")
        ax.legend(loc="lower right")
        finish_figure(fig, path)
        return ax


def _apportioned(total: Any, weights: Sequence[float]) -> list[Any]:
    """:func:`touchpath.money.apportion` of ``total`` over ``weights``.

    Each weight quantized on its own instead when the weights do not describe
    ``total`` (they sum to zero, or differ from it by more than 10^-6).
    """
    if weights and math.isclose(math.fsum(weights), float(total), rel_tol=1e-9, abs_tol=1e-6):
        try:
            return apportion(total, weights)
        except ValueError:
            pass
    return [money(float(w)) for w in weights]


def _money_channels(plan: BudgetPlan, months: Sequence[str]) -> list[dict[str, Any]]:
    """The channels' dicts with money quantized (see the module docstring)."""
    total = money(float(plan.total_spend))
    spends = _apportioned(total, [float(c.spend) for c in plan.channels])
    out = []
    for c, spend in zip(plan.channels, spends, strict=True):
        d = c.to_dict(months)
        prev = money_or_none(c.previous_spend)
        d["spend"] = float(spend)
        d["previous_spend"] = None if prev is None else float(prev)
        if c.change is not None:
            d["change"] = float(spend - prev) if prev is not None else money_float(c.change)
        d["expected_revenue"] = money_float(c.expected_revenue)
        parts = [float(p) for p in _apportioned(spend, [float(m) for m in c.monthly])]
        d["monthly"] = dict(zip(months, parts, strict=True)) if months else parts
        out.append(d)
    return out


def _with_money(plan: BudgetPlan, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (the plan's dict) with its money quantized and its ``currency``."""
    channels = _money_channels(plan, plan.months)
    doc["channels"] = channels
    doc["total_spend"] = money_float(plan.total_spend)
    doc["budget"] = money_float(plan.budget)
    doc["expected_revenue"] = money_float(plan.expected_revenue)
    unmodelled = [money(d["spend"]) for d, c in zip(channels, plan.channels, strict=True)
                  if not c.modelled]
    doc["unmodelled_spend"] = (float(sum(unmodelled, money(0))) if unmodelled
                               else money_float(plan.unmodelled_spend))
    if plan.objective != "conversions":
        doc["objective_value"] = money_float(plan.objective_value)
    if doc.get("revenue_range") is not None:
        for k in ("low", "median", "high"):
            doc["revenue_range"][k] = money_float(doc["revenue_range"][k])
    doc["currency"] = plan.currency
    return doc


def evaluate_revenue(spend: Mapping[str, float], curves: Mapping[str, ResponseCurve]) -> float:
    """Revenue of a fixed split under ``curves`` (channels without a curve add nothing)."""
    return math.fsum(curves[c].revenue(s) for c, s in spend.items() if c in curves)


def revenue_range(
    plan: BudgetPlan,
    curve_sets: Sequence[Mapping[str, ResponseCurve]],
    *,
    level: float = 0.9,
) -> RevenueRange:
    """Re-evaluate a fixed plan over alternative curve sets (e.g. bootstrap resamples).

    For each set ``b``, revenue_b = sum over modelled channels of
    ``curve_b[c].revenue(spend_c)`` using the plan's own curve where the set has
    none for ``c``. The plan is held fixed (it is the plan that will be run);
    a resampled curve shorter than the planned spend counts no revenue beyond
    its end.
    """
    if not curve_sets:
        raise ValueError("revenue_range needs at least one curve set")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    base = {ci.channel: ci.curve for ci in plan.inputs if ci.curve is not None}
    spend = {c.channel: c.spend for c in plan.channels if c.modelled}
    samples = []
    for b, cs in enumerate(curve_sets):
        unknown = set(cs) - set(base)
        if unknown:
            raise CurveError(
                f"curve set {b}: channel(s) {', '.join(sorted(unknown))} are not modelled "
                "in the plan"
            )
        merged = {**base, **cs}
        samples.append(evaluate_revenue(spend, merged))
    arr = np.asarray(samples, dtype=np.float64)
    lo, med, hi = np.percentile(arr, [50 * (1 - level), 50, 50 * (1 + level)])
    return RevenueRange(arr, level, float(lo), float(med), float(hi))


_STATUS_TEXT = {
    "infeasible": "No plan satisfies every constraint.",
    "not solved": "The solver stopped before proving optimality (time limit or error).",
    "unbounded": "The problem is unbounded; a curve or bound is missing.",
    "undefined": "The solver returned an undefined status.",
}


def plan_from_model(
    model: LPModel,
    sol: LPSolution,
    constraints: PlanConstraints,
    *,
    margin: float | None = None,
    quarter: str | None = None,
    monthly: Literal["pattern", "even"] = "pattern",
    objective_label: str | None = None,
    min_roi: float = 0.0,
    capacity_reasons: Mapping[str, str] | None = None,
) -> BudgetPlan:
    """Turn a solved (or failed) :class:`LPModel` into a :class:`BudgetPlan`.

    ``min_roi`` is the floor the model was built under (for the warnings and
    the reason of unallocated budget); ``capacity_reasons`` says per channel
    why its curve ends where it does (e.g. ``"1.5 × the largest observed spend
    810 per month"``), shown in the name of its curve-capacity constraint.
    """
    budget = constraints.budget
    months = quarter_months(quarter) if quarter else ()
    reasons = capacity_reasons or {}
    common = {
        "objective": objective_label or model.objective_name,
        "budget": None if budget is None else budget.total,
        "budget_equality": bool(budget is not None and budget.equality),
        "solver": sol.solver,
        "build_seconds": model.build_seconds + sol.translate_seconds,
        "solve_seconds": sol.solve_seconds,
        "quarter": quarter,
        "months": months,
        "margin": margin,
        "notes": tuple(model.notes),
        "inputs": model.inputs,
        "min_roi": float(min_roi),
    }
    if sol.status != "optimal" or sol.x is None:
        conflicts = diagnose_conflicts(model, constraints) if sol.status == "infeasible" else []
        text = _STATUS_TEXT.get(sol.status, f"Solver status: {sol.status}.")
        if conflicts:
            text = text + " " + "; ".join(conflicts)
        return BudgetPlan(
            status=sol.status,
            status_text=text,
            channels=(),
            total_spend=0.0,
            expected_revenue=0.0,
            expected_conversions=None,
            unmodelled_spend=0.0,
            objective_value=None,
            budget_shadow_price=None,
            shadow_prices={},
            binding_constraints=(),
            conflicts=tuple(conflicts),
            **common,
        )

    x = sol.x
    spend = model.spend(x)
    total = model.total(x)
    chans: list[ChannelPlan] = []
    binding: list[str] = []
    for row in model.rows:
        if row.family == "definition":
            continue
        if row.sense == "==" or model.row_is_active(x, row):
            binding.append(row.name)
    conv_total: float | None = 0.0
    revenue_total: list[float] = []
    unmodelled: list[float] = []
    upper, lower = _channel_rows(model, x)
    for ci in model.inputs:
        c = ci.channel
        s = spend[c]
        prev = ci.previous_spend
        verdict = ci.effective_verdict
        held: str | None = None
        if ci.curve is None:
            rev = conv = mroi = lroi = None
            unmodelled.append(s)
            rule = "exit" if verdict == VerdictKind.exit else "unmodelled"
        else:
            idx = model.channel_vars[c]
            rev = math.fsum(model.slope[i] * x[i] for i in idx)
            revenue_total.append(rev)
            q = ci.conversions_per_revenue
            conv = None if q is None else rev * q
            mroi: float | None = ci.curve.right_slope(s)
            lroi = ci.curve.left_slope(s)
            rule = verdict or "normal"
            cap = ci.curve.capacity
            if s >= cap * (1 - 1e-9) and cap > 0:
                held = f"curve capacity {c} ({reasons.get(c) or fmt_money(cap)})"
                binding.append(held)
                mroi = None  # the curve describes no next unit
            elif upper.get(c):
                held = upper[c][0]
        if conv is None:
            if ci.curve is not None:
                conv_total = None
        elif conv_total is not None:
            conv_total += conv
        if months:
            use = ci.monthly_pattern if monthly == "pattern" else None
            if use is not None and len(use) != len(months):
                raise CurveError(
                    f"channel {c!r}: monthly_pattern has {len(use)} weights, the quarter "
                    f"{quarter} has {len(months)} months"
                )
            split = _split(s, use if use is not None else (1.0,) * len(months))
        else:
            split = (s,)
        chans.append(
            ChannelPlan(
                channel=c,
                spend=s,
                share=(s / total) if total > 0 else 0.0,
                previous_spend=prev,
                change=None if prev is None else s - prev,
                change_pct=None if not prev else (s - prev) / prev,
                expected_revenue=rev,
                expected_conversions=conv,
                marginal_roi=mroi,
                last_unit_roi=lroi,
                group=ci.group,
                status=ci.status,
                verdict=ci.verdict,
                rule=rule,
                modelled=ci.curve is not None,
                monthly=split,
                held_by=held,
            )
        )
    shadow = None
    if model.budget_row is not None:
        shadow = sol.duals.get(model.rows[model.budget_row].name)
    nonzero = {k: v for k, v in sol.duals.items() if abs(v) > 1e-12}
    exp_rev = math.fsum(revenue_total)
    warns = _lp_warnings(chans, model, constraints, lower, min_roi)
    unallocated = 0.0
    reason = None
    if budget is not None and not budget.equality:
        left = budget.total - total
        if left > 1e-9 * max(1.0, budget.total):
            unallocated = left
            reason = _unallocated_reason(chans, model, min_roi, total, margin, binding)
    text = (
        f"Optimal {model.objective_name} plan: spend {fmt_money(total)}"
        + (f" of budget {fmt_money(budget.total)}" if budget is not None else "")
        + f", expected revenue {fmt_money(exp_rev)}"
        + (
            f" (+ {fmt_money(math.fsum(unmodelled))} spend on unmodelled channels)"
            if unmodelled
            else ""
        )
        + "."
        + (f" {fmt_money(unallocated)} left unallocated: {reason}." if reason else "")
    )
    return BudgetPlan(
        status="optimal",
        status_text=text,
        channels=tuple(chans),
        total_spend=total,
        expected_revenue=exp_rev,
        expected_conversions=conv_total,
        unmodelled_spend=math.fsum(unmodelled),
        objective_value=sol.objective_value,
        budget_shadow_price=shadow,
        shadow_prices=nonzero,
        binding_constraints=tuple(binding),
        conflicts=(),
        unallocated=unallocated,
        unallocated_reason=reason,
        warnings=tuple(warns),
        **common,
    )


def fmt_ratio(x: float) -> str:
    """A ROI for people: 3 significant digits, always with a decimal point (``1.0``, ``0.03``)."""
    text = f"{x:.3g}"
    if "e" in text and math.isfinite(x) and abs(x) >= 1:
        return f"{x:,.1f}"
    return text if ("." in text or "e" in text or "inf" in text) else text + ".0"


def _channel_rows(model: LPModel, x: np.ndarray) -> tuple[dict[str, list[str]],
                                                           dict[str, list[str]]]:
    """Per channel, the names of the active rows that hold its spend from above / below.

    A row counts for a channel when it is about that channel alone (its
    columns, or a share row naming it); group rows, the budget and
    definitions do not.
    """
    upper: dict[str, list[str]] = {}
    lower: dict[str, list[str]] = {}
    for row in model.rows:
        if row.family in ("definition", "budget", "target", "groups", "floor"):
            continue
        if not (row.sense == "==" or model.row_is_active(x, row)):
            continue
        if row.channel is not None:
            chans = {row.channel}
        else:
            chans = {model.inputs[model.var_channel[i]].channel for i in row.coefs
                     if model.var_channel[i] >= 0}
        if len(chans) != 1:
            continue
        c = next(iter(chans))
        if row.sense in ("<=", "=="):
            upper.setdefault(c, []).append(row.name)
        if row.sense in (">=", "=="):
            lower.setdefault(c, []).append(row.name)
    return upper, lower


def _lp_warnings(chans: Sequence[ChannelPlan], model: LPModel, constraints: PlanConstraints,
                 lower: Mapping[str, list[str]], min_roi: float) -> list[str]:
    """The LP's warnings: margins bought below the floor, channels at the end of their curve."""
    out: list[str] = []
    budget = constraints.budget
    for cp in chans:
        if not cp.modelled:
            continue
        lroi = cp.last_unit_roi
        if min_roi > 0 and cp.spend > 0 and lroi is not None and lroi < min_roi:
            if lower.get(cp.channel):
                why = "forced by " + "; ".join(lower[cp.channel])
            elif budget is not None and budget.equality:
                why = "bought because the budget must be spent exactly"
            else:
                why = "forced by the constraints"
            out.append(f"{cp.channel}: marginal ROI {fmt_ratio(lroi)} < {fmt_ratio(min_roi)} "
                       f"on the last unit bought, a loss-making margin ({why})")
        if cp.held_by is not None and cp.held_by.startswith("curve capacity"):
            last = "" if lroi is None else f"; the last unit bought returns {fmt_ratio(lroi)}"
            out.append(f"{cp.channel}: held by {cp.held_by}, spend {fmt_money(cp.spend)}; "
                       f"the next unit is unavailable{last}")
    return out


def _unallocated_reason(chans: Sequence[ChannelPlan], model: LPModel, min_roi: float,
                        total: float, margin: float | None, binding: Sequence[str]) -> str:
    """Why budget stays unplaced: each channel's next unit is below the floor or held."""
    below = [cp for cp in chans if cp.modelled and cp.held_by is None
             and cp.marginal_roi is not None and min_roi > 0 and cp.marginal_roi < min_roi]
    held = [cp for cp in chans if cp.modelled and cp.held_by is not None]
    parts = []
    if below:
        nxt = ", ".join(f"{cp.channel} {fmt_ratio(cast(float, cp.marginal_roi))}"
                        for cp in below)
        parts.append(f"no channel returns ≥ {fmt_ratio(min_roi)} per unit beyond the planned "
                     f"spend {fmt_money(total)} (next unit: {nxt})")
    if held:
        parts.append("held: " + "; ".join(f"{cp.channel} by {cp.held_by}" for cp in held))
    rest = [cp for cp in chans if cp.modelled and cp not in below and cp not in held]
    groups = [b for b in binding if b.startswith(("group cap", "group floor"))]
    if rest and groups:
        parts.append(", ".join(cp.channel for cp in rest) + ": held by " + "; ".join(groups))
    elif rest:
        if model.objective_name == "profit" and margin is not None:
            why = f"the next unit adds no profit at margin {margin:g}"
        else:
            why = f"the next unit adds nothing to the {model.objective_name} objective"
        parts.append(", ".join(cp.channel for cp in rest) + f": {why}")
    if not parts:
        return "no modelled channel can take more spend"
    return "; ".join(parts)


def optimize_budget(
    inputs: Sequence[ChannelInput],
    constraints: PlanConstraints,
    *,
    objective: Objective = "revenue",
    margin: float | None = None,
    quarter: str | None = None,
    monthly: Literal["pattern", "even"] = "pattern",
    solver: SolverName = "cbc",
    time_limit: float | None = None,
    curve_sets: Sequence[Mapping[str, ResponseCurve]] | None = None,
    range_level: float = 0.9,
    on_infeasible: Literal["raise", "return"] = "raise",
    min_roi: float = 0.0,
    capacity_reasons: Mapping[str, str] | None = None,
) -> BudgetPlan:
    """Best split of the budget across channels (DESIGN.md, "Budget optimizer").

    Parameters
    ----------
    inputs : sequence of ChannelInput
        Curves and channel facts (:func:`~touchpath.optimizer.curves.channel_input_from_segments`).
    constraints : PlanConstraints
        Must include a budget.
    objective : {"revenue", "conversions", "profit"}
    margin : float, optional
        Required for ``profit`` (``margin x revenue - spend``).
    quarter : str, optional
        ``"2027Q1"``: adds the per-month split.
    monthly : {"pattern", "even"}
        Split by each channel's ``monthly_pattern`` when given, or evenly.
    solver : {"cbc", "highs", "auto"}
    time_limit : float, optional
    curve_sets : sequence of mapping, optional
        Alternative curves per channel (e.g. bootstrap resamples); adds
        :attr:`BudgetPlan.revenue_range`.
    range_level : float
        Coverage of that range (default 0.9: 5th..95th percentile).
    on_infeasible : {"raise", "return"}
        ``raise`` (default) raises :class:`PlanInfeasible` / :class:`PlanError`
        with the conflicts; ``return`` returns the plan with its status and
        conflicts (used by scenarios).
    min_roi : float
        Floor on the marginal *revenue* ROI of every unit bought (0: pure
        maximisation of the objective). Segments of slope below it are closed
        (:func:`~touchpath.optimizer.model.build_model` ``min_slope``); when the
        constraints cannot hold that way (an exact budget, minimums, change
        limits), the plan buys below the floor only the least they force and
        names those channels in ``warnings``. Budget left unplaced is
        ``unallocated`` with its reason.
    capacity_reasons : mapping of str to str, optional
        Why each channel's curve ends where it does, for the name of its
        curve-capacity constraint.

    Examples
    --------
    >>> from touchpath.optimizer.curves import channel_input_from_segments as ch
    >>> from touchpath.optimizer.constraints import BudgetConstraint, PlanConstraints
    >>> plan = optimize_budget(
    ...     [ch("a", [(100, 4.0), (100, 1.0)]), ch("b", [(100, 3.0), (100, 2.0)])],
    ...     PlanConstraints(budget=BudgetConstraint(250, equality=True)))
    >>> plan.spend()  # greedy by slope: a1 (4), b1 (3), b2 (2) half
    {'a': 100.0, 'b': 150.0}
    >>> plan.expected_revenue, plan.budget_shadow_price
    (800.0, 2.0)
    """
    if constraints.budget is None:
        raise ValueError("optimize_budget needs constraints.budget; see scenarios for goal seeking")
    if not (math.isfinite(min_roi) and min_roi >= 0):
        raise ValueError(f"min_roi must be a finite number >= 0, got {min_roi!r}")
    model = build_model(inputs, constraints, objective=objective, margin=margin)
    if share_floor_conflicts(model, constraints):
        # only a zero plan meets them: report instead of returning an empty split
        sol = LPSolution("infeasible", None, None, {}, solver, 0.0)
    elif min_roi > 0:
        model, sol = _solve_with_floor(model, inputs, constraints, objective, margin, min_roi,
                                       solver, time_limit)
    else:
        sol = solve_model(model, solver=solver, time_limit=time_limit)
    plan = plan_from_model(model, sol, constraints, margin=margin, quarter=quarter,
                           monthly=monthly, min_roi=min_roi, capacity_reasons=capacity_reasons)
    if plan.ok and curve_sets:
        plan = _with_range(plan, revenue_range(plan, curve_sets, level=range_level))
    if on_infeasible == "raise":
        plan.raise_for_status()
    return plan


def _with_range(plan: BudgetPlan, rr: RevenueRange) -> BudgetPlan:
    return replace(plan, revenue_range=rr)


def _below_floor(model: LPModel, min_roi: float) -> dict[int, float]:
    """Columns of curve segments with slope below ``min_roi`` (coefficient 1 each)."""
    return {i: 1.0 for idx in model.channel_vars.values() for i in idx
            if model.var_channel[i] >= 0 and model.inputs[model.var_channel[i]].curve is not None
            and model.slope[i] < min_roi}


def _solve_with_floor(model: LPModel, inputs: Sequence[ChannelInput],
                      constraints: PlanConstraints, objective: Objective,
                      margin: float | None, min_roi: float, solver: SolverName,
                      time_limit: float | None) -> tuple[LPModel, LPSolution]:
    """Solve under the floor: closed segments, else the least forced spend below it.

    1. Segments of slope below ``min_roi`` closed (``min_slope``); optimal: done.
    2. Otherwise (the constraints need spend below the floor): minimise the
       spend on those segments, ``F*``; then solve the plan with the row
       ``sum of spend below the floor <= F*``, named ``"ROI floor ..."``. When
       step 2 finds no feasible point, the plan is infeasible for reasons of
       its own and the unfloored model reports them.
    """
    closed = build_model(inputs, constraints, objective=objective, margin=margin,
                         min_slope=min_roi)
    sol = solve_model(closed, solver=solver, time_limit=time_limit)
    if sol.status == "optimal":
        return closed, sol
    below = _below_floor(model, min_roi)
    least = replace(model, objective=np.where(
        np.isin(np.arange(model.lb.size), list(below)), -1.0, 0.0), maximize=True,
        rows=list(model.rows))
    first = solve_model(least, solver=solver, time_limit=time_limit)
    if first.status != "optimal" or first.x is None:
        return model, solve_model(model, solver=solver, time_limit=time_limit)
    forced = math.fsum(first.x[i] for i in below)
    name = (f"ROI floor {fmt_ratio(min_roi)}: spend below it only where the constraints force "
            f"it ({fmt_money(forced)})")
    notes = [*model.notes, f"the constraints force {fmt_money(forced)} of spend below marginal "
             f"ROI {fmt_ratio(min_roi)}"]
    floored = model
    sol = LPSolution("not solved", None, None, {}, solver, 0.0)
    # the polished least amount first (exact, so polishing stays consistent), then with slack
    for rhs in (forced, forced * (1 + 1e-9) + 1e-9):
        floored = replace(model, rows=[*model.rows, Row(name, below, "<=", rhs, "floor")],
                          notes=notes)
        sol = solve_model(floored, solver=solver, time_limit=time_limit)
        if sol.status == "optimal":
            break
    return floored, sol
