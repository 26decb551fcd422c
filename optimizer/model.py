"""The budget LP: build it from channel curves and constraints, solve it with PuLP.

Formulation (DESIGN.md, "Budget optimizer"). For channel ``c`` with segments
``k`` of width ``w_ck`` and slope ``r_ck`` there is one variable
``0 <= x_ck <= w_ck``; the channel's spend is ``S_c = sum_k x_ck`` and the
total spend ``T = sum_c S_c``. Channels without a curve get one variable
``u_c >= 0`` with no revenue. The objective is one of

- ``revenue``: maximise ``sum r_ck x_ck``;
- ``conversions``: maximise ``sum q_c r_ck x_ck`` with ``q_c`` the channel's
  conversions per unit of revenue (``1 / AOV``);
- ``profit``: maximise ``margin x revenue - T``.

Because every curve is concave (``r_c1 >= r_c2 >= ...``), an optimal solution
never fills a segment before the ones of higher slope unless a constraint
forces it, so no integer variables are needed and the model stays an LP.

Every constraint is a row with a human-readable name (e.g. ``"max increase
search (+30% of 250,000)"``); those names are what a plan reports as binding
or conflicting. Shares are of the total spend ``T``, written linearly as
``S_c - share x T <= 0``. :func:`build_model` composes one builder per family
of rows (``_add_budget``, ``_add_max_change``, ...); each builder's docstring
states its rows and their name patterns.

Solvers: CBC (``pulp.PULP_CBC_CMD``, bundled with PuLP) by default, HiGHS
(``pulp.HiGHS``, needs ``highspy``) on request. Duals are normalised to
``d objective / d right-hand side`` (CBC reports that already; HiGHS reports
its negative for maximisation problems). CBC writes its solution with about
eight significant digits, so after solving the values are *polished*: variables
within a tolerance of a bound are set to it and the remaining (basic) ones are
re-solved from the active rows in float64. The polished point is used only when
it satisfies every row and bound; otherwise the solver's values are kept.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pulp

from touchpath.attribution.lifecycle import VerdictKind
from touchpath.data.statuses import ChannelStatus
from touchpath.errors import TouchpathError
from touchpath.optimizer.constraints import ConstraintError, PlanConstraints
from touchpath.optimizer.curves import ChannelInput, CurveError

__all__ = [
    "LPModel",
    "LPSolution",
    "Objective",
    "PlanError",
    "PlanInfeasible",
    "Row",
    "SolverName",
    "available_solvers",
    "build_model",
    "diagnose_conflicts",
    "fmt_money",
    "share_floor_conflicts",
    "solve_model",
]

Objective = Literal["revenue", "conversions", "profit"]
SolverName = Literal["cbc", "highs", "auto"]

_SNAP_RTOL = 1e-7  # CBC prints 8 significant digits: relative error up to 5e-8
_ROW_RTOL = 1e-7
_CHECK_RTOL = 1e-9


class PlanError(TouchpathError, RuntimeError):
    """The optimizer could not produce an optimal plan.

    Attributes
    ----------
    status : str
        Solver status (``infeasible``, ``not solved``, ``unbounded``, ...).
    conflicts : tuple of str
        Plain-language reasons, e.g. ``"channel minimums sum to 1,300,000 >
        budget 1,200,000"``.
    """

    def __init__(self, status: str, conflicts: Sequence[str] = ()) -> None:
        self.status = status
        self.conflicts = tuple(conflicts)
        detail = "; ".join(self.conflicts) if self.conflicts else "no further detail"
        super().__init__(f"budget plan {status}: {detail}")


class PlanInfeasible(PlanError):
    """No spend satisfies every constraint; ``conflicts`` names the clash."""


def fmt_money(x: float) -> str:
    """Display an amount with thousands separators (display only, never stored)."""
    if abs(x - round(x)) < 5e-3:
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def _fmt_share(s: float) -> str:
    return f"{100 * s:.4g}%"


@dataclass(frozen=True)
class Row:
    """One named linear constraint ``sum coefs[i] * x_i  (sense)  rhs``."""

    name: str
    coefs: Mapping[int, float]
    sense: Literal["<=", ">=", "=="]
    rhs: float
    family: str
    channel: str | None = None
    share: float | None = None


@dataclass
class LPModel:
    """The LP in plain arrays, independent of the solver."""

    inputs: tuple[ChannelInput, ...]
    var_channel: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    slope: np.ndarray
    objective: np.ndarray
    maximize: bool
    rows: list[Row]
    channel_vars: dict[str, list[int]]
    objective_name: str
    budget_row: int | None = None
    target_row: int | None = None
    total_var: int = -1
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names in input order."""
        return tuple(ci.channel for ci in self.inputs)

    def spend(self, x: np.ndarray) -> dict[str, float]:
        """Spend per channel of a solution vector (exact float sum of its segments)."""
        return {c: math.fsum(x[i] for i in idx) for c, idx in self.channel_vars.items()}

    def total(self, x: np.ndarray) -> float:
        """Total spend of a solution vector: the exact float sum over every channel."""
        return math.fsum(x[i] for idx in self.channel_vars.values() for i in idx)

    def row_activity(self, x: np.ndarray, row: Row) -> float:
        """Left-hand side of ``row`` at ``x``."""
        return math.fsum(a * x[i] for i, a in row.coefs.items())

    def row_is_active(self, x: np.ndarray, row: Row, rtol: float = 1e-7) -> bool:
        """Whether ``row`` holds with equality at ``x``, relative to the row's magnitude."""
        return abs(self.row_activity(x, row) - row.rhs) <= rtol * _row_scale(x, row)


@dataclass
class LPSolution:
    """A solved LP: status, values, duals (d objective / d rhs) and timings.

    ``translate_seconds`` is the time to build the PuLP problem; ``solve_seconds``
    the solver call (including PuLP's file exchange with CBC).
    """

    status: str
    x: np.ndarray | None
    objective_value: float | None
    duals: dict[str, float]
    solver: str
    solve_seconds: float
    polished: bool = False
    translate_seconds: float = 0.0


def available_solvers() -> list[str]:
    """Solvers usable here: ``"cbc"`` and, when ``highspy`` is installed, ``"highs"``."""
    names = pulp.listSolvers(onlyAvailable=True)
    out = []
    if "PULP_CBC_CMD" in names:
        out.append("cbc")
    if "HiGHS" in names or "HiGHS_CMD" in names:
        out.append("highs")
    return out


def _cbc(time_limit: float | None) -> pulp.LpSolver:
    """The CBC binary bundled with PuLP 3 (the project pins ``pulp<4``)."""
    with warnings.catch_warnings():
        # PuLP 3.3 announces that the bundled CBC moves to an extra in PuLP 4.
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated")
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)


def _add_vars(prob: pulp.LpProblem, model: LPModel) -> list[pulp.LpVariable]:
    return [
        prob.add_variable(
            f"x{i}",
            lowBound=float(model.lb[i]),
            upBound=None if not math.isfinite(model.ub[i]) else float(model.ub[i]),
        )
        for i in range(model.lb.size)
    ]


def _make_solver(name: str, time_limit: float | None) -> tuple[pulp.LpSolver, str]:
    avail = available_solvers()
    if name == "auto":
        name = "highs" if "highs" in avail else "cbc"
    if name == "cbc":
        if "cbc" not in avail:
            raise PlanError("not solved", ["the CBC solver bundled with PuLP is not available"])
        return _cbc(time_limit), "cbc"
    if name == "highs":
        names = pulp.listSolvers(onlyAvailable=True)
        if "HiGHS" in names:
            # HiGHS presolve spends seconds on the thousands of near-parallel segment
            # columns of these LPs (10,000 columns, 1 row: 2 s); without it: 0.3 s.
            return pulp.HiGHS(msg=False, timeLimit=time_limit, presolve="off"), "highs"
        if "HiGHS_CMD" in names:
            return pulp.HiGHS_CMD(msg=False, timeLimit=time_limit), "highs_cmd"
        raise PlanError(
            "not solved", ["solver 'highs' is not available: install the highspy package"]
        )
    raise ValueError(f"unknown solver {name!r}; use 'cbc', 'highs' or 'auto'")


@dataclass
class _ModelDraft:
    """The LP while :func:`build_model` assembles it: columns first, then named rows.

    ``channel_vars[c]`` lists the columns of channel ``c`` (its segments, or the
    one column of an unmodelled channel), so that its spend is
    ``S_c = sum_k x_ck``; ``total`` is the column of the total spend ``T``.
    Rows keep the order they are added in, and each name may be used once: the
    name is how a plan reports a row as binding or conflicting. ``bounded``
    holds the channels with bounds of their own.
    """

    inputs: tuple[ChannelInput, ...]
    constraints: PlanConstraints
    var_channel: list[int] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    slope: list[float] = field(default_factory=list)
    obj: list[float] = field(default_factory=list)
    channel_vars: dict[str, list[int]] = field(default_factory=dict)
    total: int = -1
    rows: list[Row] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    budget_row: int | None = None
    target_row: int | None = None
    bounded: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.bounded = frozenset(b.channel for b in self.constraints.bounds)

    def add_row(self, row: Row) -> int:
        """Register ``row`` under its name and return its index."""
        if row.name in self.names:
            raise ConstraintError(f"constraint {row.name!r} appears twice")
        self.names.add(row.name)
        self.rows.append(row)
        return len(self.rows) - 1

    def spend(self, *channels: str) -> dict[int, float]:
        """Coefficients of ``sum of S_c`` over ``channels``."""
        return {i: 1.0 for c in channels for i in self.channel_vars[c]}

    def add_limit(
        self,
        name: str,
        channels: Sequence[str],
        sense: Literal["<=", ">=", "=="],
        rhs: float,
        family: str,
    ) -> int:
        """Add ``sum of S_c over channels  (sense)  rhs``."""
        return self.add_row(Row(name, self.spend(*channels), sense, rhs, family))

    def add_share(
        self,
        name: str,
        channels: Sequence[str],
        sense: Literal["<=", ">="],
        share: float,
        family: str,
        channel: str | None = None,
    ) -> int:
        """Add ``sum of S_c over channels - share x T  (sense)  0``.

        ``channel`` names the one channel a per-channel share row is about
        (group rows leave it ``None``).
        """
        coefs: dict[int, float] = {self.total: -share}
        coefs.update(self.spend(*channels))
        return self.add_row(Row(name, coefs, sense, 0.0, family, channel=channel, share=share))


def _check_channels(inputs: tuple[ChannelInput, ...]) -> None:
    """At least one channel, and every name once."""
    if not inputs:
        raise CurveError("a budget plan needs at least one channel")
    names = [ci.channel for ci in inputs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CurveError(f"channel names must be unique; repeated: {', '.join(dup)}")


def _check_objective(
    inputs: tuple[ChannelInput, ...],
    objective: str,
    margin: float | None,
    spend_objective: str | None,
) -> None:
    """A known objective with what it needs: a margin, conversion rates."""
    if objective not in ("revenue", "conversions", "profit"):
        raise ConstraintError(
            f"objective must be revenue, conversions or profit, got {objective!r}"
        )
    if objective == "profit" and (
        margin is None or not (math.isfinite(margin) and 0 <= margin <= 1)
    ):
        raise ConstraintError(f"objective 'profit' needs a margin in [0, 1], got {margin!r}")
    if objective == "conversions" and spend_objective is None:
        missing = [
            ci.channel
            for ci in inputs
            if ci.curve is not None and ci.conversions_per_revenue is None
        ]
        if missing:
            raise CurveError(
                "objective 'conversions' needs conversions_per_revenue (1 / AOV) for "
                f"channel(s): {', '.join(missing)}"
            )


def _check_references(inputs: tuple[ChannelInput, ...], constraints: PlanConstraints) -> None:
    """Bounds, group limits and max-change scopes name channels and groups of the plan."""
    channels = {ci.channel for ci in inputs}
    groups = {ci.group for ci in inputs if ci.group is not None}
    for b in constraints.bounds:
        if b.channel not in channels:
            raise ConstraintError(f"bounds given for unknown channel {b.channel!r}")
    for g in constraints.groups:
        if g.group not in groups:
            raise ConstraintError(
                f"limit given for unknown group {g.group!r}; groups: {', '.join(sorted(groups))}"
            )
    mc = constraints.max_change
    if mc is not None and mc.channels is not None:
        for c in mc.channels:
            if c not in channels:
                raise ConstraintError(f"max change given for unknown channel {c!r}")


def _check_target(target_revenue: float | None) -> None:
    """A revenue target, when given, is a finite amount >= 0."""
    if target_revenue is not None and not (math.isfinite(target_revenue) and target_revenue >= 0):
        raise ConstraintError(f"revenue target must be >= 0, got {target_revenue!r}")


def _add_columns(d: _ModelDraft, min_slope: float | None) -> None:
    """The columns: one per curve segment, one per unmodelled channel, then ``T``.

    Curve channel c, segment k of width w_ck and slope r_ck:
    ``0 <= x_ck <= w_ck``, closed to ``x_ck = 0`` when ``r_ck < min_slope``.
    Unmodelled channel c: one column ``0 <= u_c`` without upper bound or slope.
    Total spend: ``0 <= T`` (defined by :func:`_add_total_spend`).
    """
    lb, ub, slope, var_channel = d.lb, d.ub, d.slope, d.var_channel
    for j, ci in enumerate(d.inputs):
        first = len(lb)
        if ci.curve is None:
            lb.append(0.0)
            ub.append(math.inf)
            slope.append(0.0)
        else:
            for seg in ci.curve.segments:
                lb.append(0.0)
                closed = min_slope is not None and seg.slope < min_slope
                ub.append(0.0 if closed else seg.width)
                slope.append(seg.slope)
        var_channel.extend([j] * (len(lb) - first))
        d.channel_vars[ci.channel] = list(range(first, len(lb)))
    d.total = len(lb)
    var_channel.append(-1)
    lb.append(0.0)
    ub.append(math.inf)
    slope.append(0.0)
    if min_slope is not None:
        d.notes.append(f"only segments with marginal ROI >= {min_slope:g} may be funded")


def _add_objective(
    d: _ModelDraft,
    objective: Objective,
    margin: float | None,
    spend_objective: Literal["min", "max"] | None,
) -> None:
    """Objective coefficients of every column.

    Curve segment x_ck of slope r_ck: ``r_ck`` (revenue), ``q_c x r_ck``
    (conversions, q_c = conversions per unit of revenue), ``margin x r_ck - 1``
    (profit), ``1`` (minimise or maximise spend). Unmodelled column u_c: ``1``
    (minimise spend), ``-1`` (profit), else ``0``. ``T``: ``0``.
    """
    obj = d.obj
    for ci in d.inputs:
        if ci.curve is None:
            if spend_objective == "min":
                obj.append(1.0)
            elif spend_objective is None and objective == "profit":
                obj.append(-1.0)
            else:
                obj.append(0.0)
            continue
        slopes = [seg.slope for seg in ci.curve.segments]
        if spend_objective is not None:
            obj.extend([1.0] * len(slopes))
        elif objective == "revenue":
            obj.extend(slopes)
        elif objective == "conversions":
            q = float(ci.conversions_per_revenue)
            obj.extend([s * q for s in slopes])
        else:
            m = float(margin)
            obj.extend([m * s - 1.0 for s in slopes])
    obj.append(0.0)


def _add_total_spend(d: _ModelDraft) -> None:
    """``sum_c S_c - T = 0``, named ``"total spend = sum of channel spend"``.

    One auxiliary column so that share rows stay sparse: ``S_c - share x T <= 0``
    instead of a coefficient on every segment. Family ``definition``: never
    reported as binding and never dropped by the infeasibility diagnosis.
    """
    coefs = {i: 1.0 for i in range(d.total)}
    coefs[d.total] = -1.0
    d.add_row(Row("total spend = sum of channel spend", coefs, "==", 0.0, "definition"))


def _add_lifecycle_limits(d: _ModelDraft, ci: ChannelInput) -> None:
    """Lifecycle rows of one channel, by its effective verdict (family ``lifecycle``).

    - verdict ``exit``, unmodelled channel: ``S_c <= 0``, ``"exit {c}: spend 0"``;
    - verdict ``exit``, curve channel: ``S_c <= 0``, ``"exit {c}: spend 0 (status
      exited)"`` when its status is ``exited``, else ``"exit {c}: spend 0
      (lifecycle verdict exit)"``;
    - verdict ``test``: ``S_c - test_budget_share x T <= 0``,
      ``"test cap {c} ({test_budget_share} of total)"``;
    - verdict ``scale`` with previous spend p > 0: ``S_c <= p x (1 + scale_growth)``,
      ``"scale growth cap {c} (+{scale_growth} of {p})"``.

    Amounts are shown with :func:`fmt_money`, shares and rates as percentages.
    """
    c = ci.channel
    verdict = ci.effective_verdict
    rules = d.constraints.lifecycle
    if verdict == VerdictKind.exit:
        if ci.curve is None:
            name = f"exit {c}: spend 0"
        else:
            why = ("status exited" if ci.status == ChannelStatus.exited
                   else "lifecycle verdict exit")
            name = f"exit {c}: spend 0 ({why})"
        d.add_limit(name, [c], "<=", 0.0, "lifecycle")
        return
    if ci.curve is None:
        return
    if verdict == VerdictKind.test:
        share = rules.test_budget_share
        name = f"test cap {c} ({_fmt_share(share)} of total)"
        d.add_share(name, [c], "<=", share, "lifecycle", channel=c)
    prev = ci.previous_spend
    if verdict == VerdictKind.scale and prev is not None and prev > 0:
        name = f"scale growth cap {c} (+{_fmt_share(rules.scale_growth)} of {fmt_money(prev)})"
        d.add_limit(name, [c], "<=", prev * (1.0 + rules.scale_growth), "lifecycle")


def _add_unmodelled(d: _ModelDraft, ci: ChannelInput) -> None:
    """The fixed spend of a channel without a curve (family ``unmodelled``).

    Only for a channel that neither exits nor has bounds of its own:
    ``S_c = p`` (p its previous spend, 0 when unknown), ``"hold {c} at previous
    spend {p} (no response curve)"``, when ``unmodelled`` is ``hold``;
    ``S_c = 0``, ``"no spend for {c} (no response curve)"``, when it is ``zero``.
    """
    c = ci.channel
    if ci.curve is not None or ci.effective_verdict == VerdictKind.exit or c in d.bounded:
        return
    if d.constraints.unmodelled == "hold":
        held = ci.previous_spend or 0.0
        name = f"hold {c} at previous spend {fmt_money(held)} (no response curve)"
    else:
        held = 0.0
        name = f"no spend for {c} (no response curve)"
    d.add_limit(name, [c], "==", held, "unmodelled")


def _add_max_change(d: _ModelDraft, ci: ChannelInput) -> None:
    """Max-change rows of one curve channel with previous spend p > 0 (family ``max_change``).

    Applies to the channels of the max-change limit (all when it lists none)
    except exiting and test channels:

    - ``S_c <= p x (1 + up)``, ``"max increase {c} (+{up} of {p})"``; not for a
      ``scale`` channel, whose growth cap replaces it;
    - ``S_c >= p x (1 - down)``, ``"max decrease {c} (-{down} of {p})"``, when
      ``down < 1`` (``down`` capped at 1).
    """
    mc = d.constraints.max_change
    c = ci.channel
    prev = ci.previous_spend
    if mc is None or ci.curve is None or prev is None or not prev > 0:
        return
    if mc.channels is not None and c not in mc.channels:
        return
    verdict = ci.effective_verdict
    if verdict in (VerdictKind.exit, VerdictKind.test):
        return
    if verdict != VerdictKind.scale:
        name = f"max increase {c} (+{_fmt_share(mc.up)} of {fmt_money(prev)})"
        d.add_limit(name, [c], "<=", prev * (1.0 + mc.up), "max_change")
    if mc.down_rate < 1.0:
        name = f"max decrease {c} (-{_fmt_share(mc.down_rate)} of {fmt_money(prev)})"
        d.add_limit(name, [c], ">=", prev * (1.0 - mc.down_rate), "max_change")


def _add_channel_bounds(d: _ModelDraft) -> None:
    """The user's per-channel bounds, in the order given (family ``bounds``).

    - ``S_c >= min``, ``"min {c} ({min})"``;
    - ``S_c <= max``, ``"max {c} ({max})"``;
    - ``S_c - min_share x T >= 0``, ``"min share {c} ({min_share} of total)"``;
    - ``S_c - max_share x T <= 0``, ``"max share {c} ({max_share} of total)"``.
    """
    for b in d.constraints.bounds:
        c = b.channel
        if b.min is not None:
            d.add_limit(f"min {c} ({fmt_money(b.min)})", [c], ">=", b.min, "bounds")
        if b.max is not None:
            d.add_limit(f"max {c} ({fmt_money(b.max)})", [c], "<=", b.max, "bounds")
        if b.min_share is not None:
            name = f"min share {c} ({_fmt_share(b.min_share)} of total)"
            d.add_share(name, [c], ">=", b.min_share, "bounds", channel=c)
        if b.max_share is not None:
            name = f"max share {c} ({_fmt_share(b.max_share)} of total)"
            d.add_share(name, [c], "<=", b.max_share, "bounds", channel=c)


def _add_group_limits(d: _ModelDraft) -> None:
    """Caps and floors of channel groups, in the order given (family ``groups``).

    With G the channels of group g:

    - ``sum_(c in G) S_c - max_share x T <= 0``, ``"group cap {g} ({max_share} of total)"``;
    - ``sum_(c in G) S_c - min_share x T >= 0``, ``"group floor {g} ({min_share} of total)"``;
    - ``sum_(c in G) S_c <= max``, ``"group cap {g} ({max})"``;
    - ``sum_(c in G) S_c >= min``, ``"group floor {g} ({min})"``.
    """
    for g in d.constraints.groups:
        members = [ci.channel for ci in d.inputs if ci.group == g.group]
        if g.max_share is not None:
            name = f"group cap {g.group} ({_fmt_share(g.max_share)} of total)"
            d.add_share(name, members, "<=", g.max_share, "groups")
        if g.min_share is not None:
            name = f"group floor {g.group} ({_fmt_share(g.min_share)} of total)"
            d.add_share(name, members, ">=", g.min_share, "groups")
        if g.max is not None:
            d.add_limit(f"group cap {g.group} ({fmt_money(g.max)})", members, "<=", g.max, "groups")
        if g.min is not None:
            d.add_limit(
                f"group floor {g.group} ({fmt_money(g.min)})", members, ">=", g.min, "groups"
            )


def _add_budget(d: _ModelDraft) -> None:
    """The budget B, when there is one (family ``budget``).

    ``T = B``, ``"budget = {B}"``, when it must be spent exactly, else
    ``T <= B``, ``"budget <= {B}"``. Its dual is the plan's budget shadow price.
    """
    bc = d.constraints.budget
    if bc is None:
        return
    sense: Literal["<=", "=="] = "==" if bc.equality else "<="
    name = f"budget {'=' if bc.equality else '<='} {fmt_money(bc.total)}"
    d.budget_row = d.add_row(Row(name, {d.total: 1.0}, sense, bc.total, "budget"))


def _add_revenue_target(d: _ModelDraft, target_revenue: float | None) -> None:
    """``sum r_ck x_ck >= R``, ``"revenue target >= {R}"`` (family ``target``)."""
    if target_revenue is None:
        return
    coefs = {i: s for i, s in enumerate(d.slope) if s != 0.0}
    name = f"revenue target >= {fmt_money(target_revenue)}"
    d.target_row = d.add_row(Row(name, coefs, ">=", target_revenue, "target"))


def build_model(
    inputs: Sequence[ChannelInput],
    constraints: PlanConstraints,
    *,
    objective: Objective = "revenue",
    margin: float | None = None,
    target_revenue: float | None = None,
    min_slope: float | None = None,
    spend_objective: Literal["min", "max"] | None = None,
) -> LPModel:
    """Translate channel inputs and constraints into an :class:`LPModel`.

    The model is assembled in a fixed order: columns and objective, the
    total-spend definition, each channel's lifecycle, unmodelled and
    max-change rows (channel by channel, in input order), the user's channel
    bounds, group limits, the budget and the revenue target. Each ``_add_*``
    function states its rows and their names.

    Parameters
    ----------
    inputs : sequence of ChannelInput
        One per channel, names unique.
    constraints : PlanConstraints
        The constraint specification; see :mod:`touchpath.optimizer.constraints`.
    objective : {"revenue", "conversions", "profit"}
        What to maximise (module docstring).
    margin : float, optional
        Gross margin on revenue, required for ``profit``.
    target_revenue : float, optional
        Adds the row ``revenue >= target_revenue`` (goal seeking).
    min_slope : float, optional
        Segments with slope below it are closed (upper bound 0) (goal seeking
        by marginal ROI).
    spend_objective : {"min", "max"}, optional
        Instead of ``objective``: minimise total spend (smallest budget for a
        revenue target) or maximise the spend on curve segments (largest
        budget at a marginal-ROI floor; unmodelled channels count 0 there).

    Raises
    ------
    CurveError, ConstraintError
        Duplicate channel names, unknown channels or groups in constraints, a
        missing margin or conversion rate for the chosen objective, a negative
        revenue target, two constraints of the same name.
    """
    t0 = time.perf_counter()
    inputs = tuple(inputs)
    _check_channels(inputs)
    _check_objective(inputs, objective, margin, spend_objective)
    _check_references(inputs, constraints)
    _check_target(target_revenue)

    d = _ModelDraft(inputs, constraints)
    _add_columns(d, min_slope)
    _add_objective(d, objective, margin, spend_objective)
    _add_total_spend(d)
    for ci in inputs:  # a channel's rows stay together, lifecycle first
        _add_lifecycle_limits(d, ci)
        _add_unmodelled(d, ci)
        _add_max_change(d, ci)
    _add_channel_bounds(d)
    _add_group_limits(d)
    _add_budget(d)
    _add_revenue_target(d, target_revenue)

    return LPModel(
        inputs=inputs,
        var_channel=np.asarray(d.var_channel, dtype=np.int64),
        lb=np.asarray(d.lb, dtype=np.float64),
        ub=np.asarray(d.ub, dtype=np.float64),
        slope=np.asarray(d.slope, dtype=np.float64),
        objective=np.asarray(d.obj, dtype=np.float64),
        maximize=spend_objective != "min",
        rows=d.rows,
        channel_vars=d.channel_vars,
        objective_name=objective if spend_objective is None else f"{spend_objective} spend",
        budget_row=d.budget_row,
        target_row=d.target_row,
        total_var=d.total,
        notes=d.notes,
        build_seconds=time.perf_counter() - t0,
    )


def _row_scale(x: np.ndarray, row: Row) -> float:
    """Magnitude of a row at ``x``: ``max(1, |rhs|, sum |a_i x_i|)``."""
    return max(1.0, abs(row.rhs), math.fsum(abs(a * x[i]) for i, a in row.coefs.items()))


def _row_ok(x: np.ndarray, act: float, row: Row, rtol: float) -> bool:
    tol = rtol * _row_scale(x, row)
    if row.sense == "<=":
        return act <= row.rhs + tol
    if row.sense == ">=":
        return act >= row.rhs - tol
    return abs(act - row.rhs) <= tol


def _polish(model: LPModel, raw: np.ndarray) -> tuple[np.ndarray, bool]:
    """Snap near-bound values to their bounds; re-solve the rest from active rows."""
    lb, ub = model.lb, model.ub
    x = np.clip(raw, lb, ub)
    scale = np.where(np.isfinite(ub), np.maximum(1.0, ub), np.maximum(1.0, np.abs(x)))
    tol = _SNAP_RTOL * scale
    at_lb = np.abs(x - lb) <= tol
    at_ub = np.isfinite(ub) & (np.abs(x - ub) <= tol)
    x = np.where(at_lb, lb, np.where(at_ub, ub, x))
    free = np.flatnonzero(~(at_lb | at_ub))
    if free.size:
        pos = {int(i): k for k, i in enumerate(free)}
        active: list[tuple[Row, float]] = []
        for row in model.rows:
            act = model.row_activity(x, row)
            if row.sense == "==" or model.row_is_active(x, row, _ROW_RTOL):
                if any(i in pos for i in row.coefs):
                    active.append((row, act))
        if active:
            a = np.zeros((len(active), free.size))
            r = np.zeros(len(active))
            for k, (row, act) in enumerate(active):
                for i, coef in row.coefs.items():
                    p = pos.get(i)
                    if p is not None:
                        a[k, p] = coef
                r[k] = row.rhs - act
            d = np.linalg.lstsq(a, r, rcond=None)[0]
            x = x.copy()
            x[free] = x[free] + d
    ok = bool(np.all(x >= lb - _CHECK_RTOL * scale) and np.all(x <= ub + _CHECK_RTOL * scale))
    ok = ok and all(_row_ok(x, model.row_activity(x, row), row, _CHECK_RTOL) for row in model.rows)
    if ok:
        raw_obj = float(model.objective @ np.clip(raw, lb, ub))
        new_obj = float(model.objective @ x)
        worse = (raw_obj - new_obj) if model.maximize else (new_obj - raw_obj)
        ok = worse <= 1e-7 * max(1.0, abs(raw_obj))
    if not ok:
        return np.clip(raw, lb, ub), False
    return np.clip(x, lb, ub), True


def _to_pulp(model: LPModel) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[str]]:
    sense = pulp.LpMaximize if model.maximize else pulp.LpMinimize
    prob = pulp.LpProblem("touchpath_budget", sense)
    xs = _add_vars(prob, model)
    prob.setObjective(
        pulp.LpAffineExpression(
            [(xs[i], float(c)) for i, c in enumerate(model.objective) if c != 0.0]
        )
    )
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
    keys = []
    for j, row in enumerate(model.rows):
        expr = pulp.LpAffineExpression([(xs[i], float(a)) for i, a in row.coefs.items()])
        key = f"r{j}"
        prob.addConstraint(
            pulp.LpConstraint(expr, sense=senses[row.sense], rhs=float(row.rhs), name=key)
        )
        keys.append(key)
    return prob, xs, keys


_STATUS = {
    pulp.LpStatusOptimal: "optimal",
    pulp.LpStatusInfeasible: "infeasible",
    pulp.LpStatusUnbounded: "unbounded",
    pulp.LpStatusNotSolved: "not solved",
    pulp.LpStatusUndefined: "undefined",
}


def solve_model(
    model: LPModel, *, solver: SolverName = "cbc", time_limit: float | None = None
) -> LPSolution:
    """Solve ``model`` and return polished values and normalised duals.

    Parameters
    ----------
    model : LPModel
    solver : {"cbc", "highs", "auto"}
        ``auto`` picks HiGHS when installed, else CBC.
    time_limit : float, optional
        Seconds; a plan stopped by it is reported as not optimal.
    """
    lp_solver, used = _make_solver(solver, time_limit)
    t_build = time.perf_counter()
    prob, xs, keys = _to_pulp(model)
    translate = time.perf_counter() - t_build
    t0 = time.perf_counter()
    code = prob.solve(lp_solver)
    seconds = time.perf_counter() - t0
    status = _STATUS.get(code, f"status {code}")
    if status != "optimal":
        return LPSolution(status, None, None, {}, used, seconds, translate_seconds=translate)
    raw = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs])
    x, polished = _polish(model, raw)
    flip = -1.0 if (used.startswith("highs") and model.maximize) else 1.0
    duals = {}
    for key, row in zip(keys, model.rows, strict=True):
        if row.family == "definition":
            continue
        pi = prob.get_constraint_by_name(key).pi
        duals[row.name] = 0.0 if pi is None else flip * float(pi) + 0.0  # no -0.0
    return LPSolution(
        status,
        x,
        float(model.objective @ x),
        duals,
        used,
        seconds,
        polished=polished,
        translate_seconds=translate,
    )


def _channel_ranges(model: LPModel, budget_cap: float | None) -> dict[str, dict]:
    """Absolute lower/upper spend per channel with the names of what sets them."""
    out: dict[str, dict] = {}
    for ci in model.inputs:
        c = ci.channel
        cap = math.fsum(model.ub[i] for i in model.channel_vars[c])
        if math.isinf(cap):
            hi_src = "nothing"
        elif model.notes:
            hi_src = "capacity of its curve above the ROI floor"
        else:
            hi_src = "capacity of its response curve"
        out[c] = {"lo": 0.0, "lo_src": "nothing", "hi": cap, "hi_src": hi_src}
    for row in model.rows:
        if row.family in ("budget", "target", "groups", "definition"):
            continue
        if row.share is not None:
            if row.channel is None or row.sense != "<=" or budget_cap is None:
                continue
            info = out[row.channel]
            cap_val = row.share * budget_cap
            if cap_val < info["hi"]:
                info["hi"] = cap_val
                info["hi_src"] = f"{row.name}, at most {fmt_money(cap_val)} of the budget"
            continue
        chans = {
            model.inputs[model.var_channel[i]].channel
            for i in row.coefs
            if model.var_channel[i] >= 0
        }
        if len(chans) != 1:
            continue
        info = out[next(iter(chans))]
        if row.sense in (">=", "==") and row.rhs > info["lo"]:
            info["lo"], info["lo_src"] = row.rhs, row.name
        if row.sense in ("<=", "==") and row.rhs < info["hi"]:
            info["hi"], info["hi_src"] = row.rhs, row.name
    return out


def share_floor_conflicts(model: LPModel, constraints: PlanConstraints) -> list[str]:
    """Share floors that sum over 100% of total spend (only a zero plan meets them).

    Floors are summed over disjoint sets: each group counts the larger of its
    group floor and the sum of its channels' own floors.
    """
    out: list[str] = []
    ch_floor = {b.channel: b.min_share for b in constraints.bounds if b.min_share}
    g_floor = {g.group: g.min_share for g in constraints.groups if g.min_share}
    parts: list[tuple[float, str]] = []
    grouped: dict[str | None, list[str]] = {}
    for ci in model.inputs:
        grouped.setdefault(ci.group, []).append(ci.channel)
    for grp, members in grouped.items():
        own = [
            (ch_floor[c], f"min share {c} {_fmt_share(ch_floor[c])}")
            for c in members
            if c in ch_floor
        ]
        own_sum = math.fsum(v for v, _ in own)
        gf = g_floor.get(grp, 0.0) if grp is not None else 0.0
        if gf > 0 and gf >= own_sum:
            parts.append((gf, f"group floor {grp} {_fmt_share(gf)}"))
        else:
            parts.extend(own)
    floor_sum = math.fsum(v for v, _ in parts)
    if floor_sum > 1 + 1e-12:
        txt = " + ".join(t for _, t in parts)
        out.append(f"{txt} = {_fmt_share(floor_sum)} > 100% of total")
    return out


def diagnose_conflicts(model: LPModel, constraints: PlanConstraints) -> list[str]:
    """Explain in plain words why ``model`` has no feasible point.

    Pre-checks first (each a sentence with the numbers): a channel whose lower
    bound exceeds its upper bound; channel minimums above the budget; an exact
    budget above what the channels can absorb; group floors summing over 100%;
    group floors and caps against their members' bounds; share caps that leave
    no room for a positive total. When none fires, a *deletion filter*
    (Chinneck & Dravnieks 1991) finds an irreducible infeasible subset of the
    named rows: drop whole constraint families, then single rows, keeping each
    drop that leaves the problem infeasible. What remains conflicts as a set
    (together with the curve capacities), and removing any one row of it makes
    it feasible. Beyond ``max_row_tests`` feasibility tests the remaining
    families are reported instead.
    """
    budget = constraints.budget
    budget_cap = budget.total if budget is not None else None
    ranges = _channel_ranges(model, budget_cap)
    out: list[str] = []
    for c, info in ranges.items():
        if info["lo"] > info["hi"] * (1 + 1e-12) + 1e-9:
            out.append(
                f"{c}: lower limit {fmt_money(info['lo'])} from {info['lo_src']} is above "
                f"its upper limit {fmt_money(info['hi'])} from {info['hi_src']}"
            )
    lo_sum = math.fsum(i["lo"] for i in ranges.values())
    hi_sum = math.fsum(i["hi"] for i in ranges.values())
    if budget is not None and lo_sum > budget.total * (1 + 1e-12) + 1e-9:
        parts = ", ".join(
            f"{c} {fmt_money(i['lo'])} ({i['lo_src']})" for c, i in ranges.items() if i["lo"] > 0
        )
        out.append(
            f"channel minimums sum to {fmt_money(lo_sum)} > budget {fmt_money(budget.total)} "
            f"[{parts}]"
        )
    if budget is not None and budget.equality and hi_sum < budget.total * (1 - 1e-12) - 1e-9:
        out.append(
            f"budget {fmt_money(budget.total)} must be spent exactly, but the channels can "
            f"take at most {fmt_money(hi_sum)} (curve capacities, maxima, change limits, "
            "lifecycle caps)"
        )
    if model.target_row is not None:
        target = model.rows[model.target_row].rhs
        best = math.fsum(
            math.fsum(model.slope[i] * min(model.ub[i], 1e300) for i in idx)
            for c, idx in model.channel_vars.items()
            if math.isfinite(ranges[c]["hi"])
        )
        if best < target * (1 - 1e-12):
            out.append(
                f"revenue target {fmt_money(target)} is above {fmt_money(best)}, the revenue "
                "of every channel filled to the end of its curve"
            )
    out.extend(share_floor_conflicts(model, constraints))
    for g in constraints.groups:
        members = [ci.channel for ci in model.inputs if ci.group == g.group]
        g_hi = math.fsum(ranges[c]["hi"] for c in members)
        g_lo = math.fsum(ranges[c]["lo"] for c in members)
        if g.min is not None and g.min > g_hi * (1 + 1e-12) + 1e-9:
            out.append(
                f"group floor {g.group} {fmt_money(g.min)} is above the most its channels "
                f"can take, {fmt_money(g_hi)}"
            )
        if g.max is not None and g_lo > g.max * (1 + 1e-12) + 1e-9:
            out.append(
                f"minimums of group {g.group} sum to {fmt_money(g_lo)} > its cap {fmt_money(g.max)}"
            )
        if g.max_share is not None and budget is not None and budget.equality and g_lo > 0:
            if g_lo > g.max_share * budget.total * (1 + 1e-12) + 1e-9:
                out.append(
                    f"minimums of group {g.group} sum to {fmt_money(g_lo)} > its cap "
                    f"{_fmt_share(g.max_share)} of budget {fmt_money(budget.total)}"
                )
    if out:
        return out
    return _infeasible_subset(model)


def _feasible(model: LPModel, rows: Sequence[int]) -> bool:
    prob = pulp.LpProblem("touchpath_feasibility", pulp.LpMinimize)
    xs = _add_vars(prob, model)
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
    for j in rows:
        row = model.rows[j]
        expr = pulp.LpAffineExpression([(xs[i], float(a)) for i, a in row.coefs.items()])
        prob.addConstraint(pulp.LpConstraint(expr, sense=senses[row.sense], rhs=float(row.rhs)))
    prob.setObjective(pulp.LpAffineExpression([(xs[0], 0.0)]))
    return prob.solve(_cbc(None)) == pulp.LpStatusOptimal


def _infeasible_subset(model: LPModel, max_row_tests: int = 60) -> list[str]:
    keep = list(range(len(model.rows)))
    fixed = [j for j in keep if model.rows[j].family == "definition"]
    keep = [j for j in keep if j not in fixed]
    if _feasible(model, fixed + keep):
        return ["the solver reports no feasible plan, but the constraints are feasible together"]
    families = list(dict.fromkeys(model.rows[j].family for j in keep))
    for fam in families:
        trial = [j for j in keep if model.rows[j].family != fam]
        if not _feasible(model, fixed + trial):
            keep = trial
    if len(keep) > max_row_tests:
        fams = sorted({model.rows[j].family for j in keep})
        return [
            "constraints of these kinds conflict (removing any one kind makes the plan "
            f"feasible): {', '.join(fams)}"
        ]
    for j in list(keep):
        trial = [k for k in keep if k != j]
        if not _feasible(model, fixed + trial):
            keep = trial
    names = "; ".join(model.rows[j].name for j in keep)
    return [f"these constraints cannot all hold together, given the curve capacities: {names}"]
