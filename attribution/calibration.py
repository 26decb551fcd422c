"""Calibration of attributed credit to experiments: the arithmetic, no data access.

Attribution credit is correlational: a channel gets credit for conversions on
paths that touch it, whether or not the touch caused them. An experiment (a
geo holdout, a conversion-lift test) measures the conversions (or revenue) a
channel *caused* over a window. Calibration makes the credit follow it.

For one experiment ``i`` on channel ``c`` with window ``W_i``, estimate
``I_i`` (incremental conversions or revenue) and optional interval
``[L_i, U_i]``, and ``A_i`` the channel's credit under the chosen model when
the model is fitted on the journeys converting in ``W_i`` (same metric)::

    f_i = I_i / A_i                      the calibration factor
    [f_i_lo, f_i_hi] = [L_i / A_i, U_i / A_i]

``A_i`` is taken as known (it is a count of the warehouse's conversions under
a fixed model); the interval of the factor is the experiment's, rescaled.

Credit of channel ``c`` over a range ``R`` (a period of the ROI table, the
range of an attribution), with ``C`` its credit in ``R`` and ``a_i`` its
credit in ``R ∩ W_i`` (the model fitted on those journeys)::

    a_out = max(C − Σ_i a_i, 0)          credit outside every window
    calibrated = Σ_i f_i · a_i + f_out · a_out
    lower      = Σ_i f_i_lo · a_i + f_out_lo · a_out      (likewise upper)
    freed      = C − calibrated

Inside a whole window (``R ∩ W_i = W_i``, so ``a_i = A_i``) the calibrated
credit is ``I_i``: the experiment's. The bounds add the parts' bounds (the
parts move together: they are the same experiments), so the interval is
conservative. ``freed`` is credit the experiment says the channel did not
cause; it is reported, never given to other channels (nothing says who caused
it). A negative ``freed`` is credit the experiment adds.

``f_out``, the factor outside the windows, is one of:

* ``nearest`` — the factor of the experiment whose window's midpoint is
  nearest the midpoint of ``R`` (:func:`nearest_window`; ties: the earlier);
* ``weighted`` — the precision-weighted mean of the channel's factors that
  have an interval (:func:`precision_weighted`), each interval read as a
  normal ``level`` interval: ``se_i = (f_i_hi − f_i_lo) / (2 z)``,
  ``z = Φ⁻¹((1 + level) / 2)``, ``w_i = 1 / se_i²``::

      f̄ = Σ w_i f_i / Σ w_i,   se(f̄) = 1 / √(Σ w_i),   f̄ ± z · se(f̄)

  Without any interval among them, ``nearest`` is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from touchpath.errors import InvalidRequest

__all__ = [
    "CALIBRATION_RULES",
    "CalibratedCredit",
    "CalibrationError",
    "Factor",
    "NoExperiments",
    "calibrate_credit",
    "calibration_factor",
    "nearest_window",
    "precision_weighted",
    "z_value",
]

#: How the factor outside the experiments' windows is chosen.
CALIBRATION_RULES: tuple[str, ...] = ("nearest", "weighted")


class CalibrationError(InvalidRequest):
    """Calibration is not possible as asked: says what and where."""


class NoExperiments(CalibrationError):
    """The warehouse has no experiment of the journeys' kind to calibrate to."""


@dataclass(frozen=True)
class Factor:
    """A calibration factor and its interval (``None`` bounds: the experiment gave none).

    Attributes
    ----------
    estimate : float
        Incremental ÷ attributed.
    lower, upper : float or None
    """

    estimate: float
    lower: float | None = None
    upper: float | None = None

    @property
    def has_interval(self) -> bool:
        """Whether both bounds are known."""
        return self.lower is not None and self.upper is not None

    def se(self, level: float = 0.95) -> float:
        """``(upper − lower) / (2 z)``: the standard error the interval implies.

        Raises
        ------
        CalibrationError
            The factor has no interval.
        """
        if self.lower is None or self.upper is None:
            raise CalibrationError("the factor has no interval, so no standard error")
        return (self.upper - self.lower) / (2.0 * z_value(level))


def z_value(level: float) -> float:
    """``Φ⁻¹((1 + level) / 2)``: 1.959964 for a 95 % interval.

    Raises
    ------
    CalibrationError
        ``level`` not strictly between 0 and 1.
    """
    if not (0.0 < level < 1.0):
        raise CalibrationError(f"level must be strictly between 0 and 1, got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def calibration_factor(incremental: float, attributed: float, lower: float | None = None,
                       upper: float | None = None) -> Factor:
    """``f = incremental / attributed``, interval ``[lower / attributed, upper / attributed]``.

    Parameters
    ----------
    incremental : float
        The experiment's estimate over its window (conversions or revenue).
    attributed : float
        The channel's credit over the same window under the chosen model, in the
        same metric.
    lower, upper : float, optional
        The experiment's interval (both or neither).

    Raises
    ------
    CalibrationError
        ``attributed`` is not positive (nothing to scale), or only one bound.
    """
    if not (math.isfinite(attributed) and attributed > 0):
        raise CalibrationError(f"the channel has no attributed credit in the experiment's "
                               f"window (attributed {attributed!r}); a factor needs some")
    if (lower is None) != (upper is None):
        raise CalibrationError("give both bounds of the experiment's interval, or neither")
    if lower is None or upper is None:
        return Factor(incremental / attributed)
    return Factor(incremental / attributed, lower / attributed, upper / attributed)


def precision_weighted(factors: Sequence[Factor], level: float = 0.95) -> Factor:
    """The precision-weighted mean of factors with intervals (formula in the module docstring).

    A factor whose interval has zero width is exact: the mean of those exact
    factors is returned, with a zero-width interval.

    Raises
    ------
    CalibrationError
        No factor, or one without an interval.
    """
    if not factors:
        raise CalibrationError("no factor to average")
    if not all(f.has_interval for f in factors):
        raise CalibrationError("the precision-weighted mean needs every factor's interval")
    z = z_value(level)
    se = [f.se(level) for f in factors]
    exact = [f.estimate for f, s in zip(factors, se, strict=True) if s <= 0]
    if exact:
        m = math.fsum(exact) / len(exact)
        return Factor(m, m, m)
    weights = [1.0 / (s * s) for s in se]
    total = math.fsum(weights)
    mean = math.fsum(w * f.estimate for w, f in zip(weights, factors, strict=True)) / total
    half = z / math.sqrt(total)
    return Factor(mean, mean - half, mean + half)


def nearest_window(windows: Sequence[tuple[date, date]], lo: date, hi: date) -> int:
    """Index of the window whose midpoint is nearest the midpoint of ``[lo, hi)``.

    ``windows`` are ``(first day, last day)`` pairs (both included); ties go to
    the earlier window in the sequence.

    Raises
    ------
    CalibrationError
        No window.
    """
    if not windows:
        raise CalibrationError("no experiment window to choose from")
    mid2 = lo.toordinal() + (hi.toordinal() - 1)
    best, best_d = 0, math.inf
    for i, (a, b) in enumerate(windows):
        d = abs(a.toordinal() + b.toordinal() - mid2)
        if d < best_d:
            best, best_d = i, d
    return best


@dataclass(frozen=True)
class CalibratedCredit:
    """A channel's credit over a range before and after calibration.

    Attributes
    ----------
    attributed : float
        ``C``: the model's credit over the range.
    calibrated : float
        ``Σ f_i a_i + f_out a_out`` (module docstring).
    lower, upper : float or None
        Its interval (``None`` when a factor used has no interval).
    freed : float
        ``attributed − calibrated``.
    outside : float
        ``a_out``: the credit outside every window, scaled by ``f_out``.
    """

    attributed: float
    calibrated: float
    lower: float | None
    upper: float | None
    freed: float
    outside: float


def calibrate_credit(attributed: float, parts: Sequence[tuple[Factor, float]],
                     outside: Factor) -> CalibratedCredit:
    """Calibrate a channel's credit over a range (formulas in the module docstring).

    Parameters
    ----------
    attributed : float
        ``C``, the channel's credit over the range.
    parts : sequence of (Factor, float)
        Per experiment window meeting the range: its factor and ``a_i``, the
        channel's credit in the range's part of that window.
    outside : Factor
        ``f_out``, applied to the credit outside every window.
    """
    inside = math.fsum(a for _, a in parts)
    a_out = max(attributed - inside, 0.0)
    calibrated = math.fsum(f.estimate * a for f, a in parts) + outside.estimate * a_out
    used = [f for f, _ in parts] + ([outside] if a_out > 0 else [])
    if all(f.has_interval for f in used):
        lower = math.fsum(f.lower * a for f, a in parts)  # type: ignore[operator]
        upper = math.fsum(f.upper * a for f, a in parts)  # type: ignore[operator]
        if a_out > 0:
            lower += outside.lower * a_out  # type: ignore[operator]
            upper += outside.upper * a_out  # type: ignore[operator]
        lo: float | None = lower
        hi: float | None = upper
    else:
        lo = hi = None
    return CalibratedCredit(attributed, calibrated, lo, hi, attributed - calibrated, a_out)
