"""Constraint specifications of the budget LP (DESIGN.md, "Budget optimizer").

These are plain data: :mod:`touchpath.optimizer.model` turns each one into named linear
rows. Shares are always shares of the plan's **total spend** (the sum of every
channel's planned spend, held channels included), so "social <= 40% of total"
means the same whether the budget is spent exactly, at most, or sought (goal
seeking, where there is no budget). Money amounts are in the currency of the
curves and are never rounded.

Lifecycle rules (DESIGN.md, "ROI and lifecycle rules") as applied here:

- ``exit`` verdict, or channel status ``exited``: spend = 0.
- ``test``: spend <= ``test_budget_share`` x total spend (per test channel);
  max-change limits do not apply (the test allocation is its rule).
- ``scale``: the upward max-change limit is replaced by
  ``previous_spend x (1 + scale_growth)``; the downward limit still applies.
  Without a previous spend there is no growth reference and no growth cap.
- ``admit`` and no verdict: normal bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from touchpath.errors import TouchpathError

__all__ = [
    "BudgetConstraint",
    "ChannelBounds",
    "ConstraintError",
    "GroupLimit",
    "LifecycleLimits",
    "MaxChange",
    "PlanConstraints",
]


class ConstraintError(TouchpathError, ValueError):
    """A constraint specification is malformed; the message names which."""


def _check_money(value: float | None, what: str) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ConstraintError(f"{what} must be a finite amount >= 0, got {value!r}")


def _check_share(value: float | None, what: str) -> None:
    if value is not None and not (math.isfinite(value) and 0 <= value <= 1):
        raise ConstraintError(f"{what} must be a share in [0, 1], got {value!r}")


@dataclass(frozen=True)
class BudgetConstraint:
    """Total spend of the plan: ``<= total`` or, with ``equality``, ``== total``."""

    total: float
    equality: bool = False

    def __post_init__(self) -> None:
        _check_money(self.total, "budget total")


@dataclass(frozen=True)
class ChannelBounds:
    """Minimum and maximum spend of one channel, absolute and/or as share of total."""

    channel: str
    min: float | None = None
    max: float | None = None
    min_share: float | None = None
    max_share: float | None = None

    def __post_init__(self) -> None:
        _check_money(self.min, f"min of channel {self.channel!r}")
        _check_money(self.max, f"max of channel {self.channel!r}")
        _check_share(self.min_share, f"min share of channel {self.channel!r}")
        _check_share(self.max_share, f"max share of channel {self.channel!r}")


@dataclass(frozen=True)
class MaxChange:
    """Spend within ``previous x (1 - down) .. previous x (1 + up)``.

    Parameters
    ----------
    up : float
        Largest relative increase (0.3 = +30%).
    down : float, optional
        Largest relative decrease; defaults to ``up`` (capped at 1).
    channels : sequence of str, optional
        Channels it applies to; default every channel with a previous spend > 0
        (a channel without previous spend has no reference to change from).
    """

    up: float
    down: float | None = None
    channels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.up) and self.up >= 0):
            raise ConstraintError(f"max change must be a rate >= 0, got {self.up!r}")
        if self.down is not None and not (math.isfinite(self.down) and 0 <= self.down):
            raise ConstraintError(f"max decrease must be a rate >= 0, got {self.down!r}")

    @property
    def down_rate(self) -> float:
        """The decrease limit, capped at 1 (spend cannot go below 0)."""
        return min(1.0, self.up if self.down is None else self.down)


@dataclass(frozen=True)
class GroupLimit:
    """Cap and/or floor on the summed spend of a channel group.

    Shares are of total spend; absolute amounts in money.
    """

    group: str
    max_share: float | None = None
    min_share: float | None = None
    max: float | None = None
    min: float | None = None

    def __post_init__(self) -> None:
        _check_share(self.max_share, f"cap share of group {self.group!r}")
        _check_share(self.min_share, f"floor share of group {self.group!r}")
        _check_money(self.max, f"cap of group {self.group!r}")
        _check_money(self.min, f"floor of group {self.group!r}")


@dataclass(frozen=True)
class LifecycleLimits:
    """How lifecycle verdicts constrain spend (see the module docstring).

    Parameters
    ----------
    test_budget_share : float
        Largest share of total spend per test channel (default 0.05).
    scale_growth : float
        Largest relative growth of a ``scale`` channel over its previous
        spend (default 1.0: may double), replacing the max-change limit upward.
    """

    test_budget_share: float = 0.05
    scale_growth: float = 1.0

    def __post_init__(self) -> None:
        _check_share(self.test_budget_share, "test budget share")
        if not (math.isfinite(self.scale_growth) and self.scale_growth >= 0):
            raise ConstraintError(f"scale growth must be a rate >= 0, got {self.scale_growth!r}")


@dataclass(frozen=True)
class PlanConstraints:
    """All constraints of one plan, each optional and combinable.

    Parameters
    ----------
    budget : BudgetConstraint, optional
        Omitted only in goal seeking, which sets its own.
    bounds : sequence of ChannelBounds
    max_change : MaxChange, optional
    groups : sequence of GroupLimit
    lifecycle : LifecycleLimits
    unmodelled : {"hold", "zero"}
        Channels without a curve: ``hold`` (default) fixes their spend at the
        previous spend (0 when unknown); ``zero`` gives them nothing. Their
        spend counts in the total; their revenue is reported as not modelled.
    """

    budget: BudgetConstraint | None = None
    bounds: Sequence[ChannelBounds] = field(default_factory=tuple)
    max_change: MaxChange | None = None
    groups: Sequence[GroupLimit] = field(default_factory=tuple)
    lifecycle: LifecycleLimits = field(default_factory=LifecycleLimits)
    unmodelled: Literal["hold", "zero"] = "hold"

    def __post_init__(self) -> None:
        if self.unmodelled not in ("hold", "zero"):
            raise ConstraintError(f"unmodelled must be 'hold' or 'zero', got {self.unmodelled!r}")
        seen: set[str] = set()
        for b in self.bounds:
            if b.channel in seen:
                raise ConstraintError(f"channel {b.channel!r} has bounds given twice")
            seen.add(b.channel)
        seen = set()
        for g in self.groups:
            if g.group in seen:
                raise ConstraintError(f"group {g.group!r} has limits given twice")
            seen.add(g.group)

    def with_budget(self, budget: BudgetConstraint | None) -> PlanConstraints:
        """A copy with another budget (scenarios, goal seeking)."""
        return PlanConstraints(
            budget=budget,
            bounds=tuple(self.bounds),
            max_change=self.max_change,
            groups=tuple(self.groups),
            lifecycle=self.lifecycle,
            unmodelled=self.unmodelled,
        )
