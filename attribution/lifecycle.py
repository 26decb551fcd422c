"""New-channel lifecycle rules: test, admit, scale or exit (DESIGN.md, "ROI and lifecycle rules").

A *test cycle* is one period of the channel ROI table. For every channel in
``test`` status the rules look at its latest cycle against the *baseline*, the
ROI of the established channels together in the same cycle::

    baseline(t) = Σ_{c ∈ B(t)} attributed_revenue(c, t) / Σ_{c ∈ B(t)} spend(c, t)
    roi(c, t)   = attributed_revenue(c, t) / spend(c, t)
    ratio(c, t) = roi(c, t) / baseline(t)

where ``B(t)`` is set by ``LifecycleRules.baseline``:

* ``"paid"`` (default) — the established channels with spend in cycle ``t``;
* ``"all"`` — every established channel, the literal reading of DESIGN.md
  ("total attributed revenue ÷ total spend").

The two differ by the revenue of unpaid established channels (an owned site,
app push, free CRM): it enters the numerator of ``"all"`` while its spend, 0,
adds nothing to the denominator, so the baseline is inflated by revenue that
no spend bought and a test channel is held to a bar no paid channel could be
measured against. A test channel's ROI is revenue per unit of spend; the
baseline it is compared with is therefore the same ratio over the channels that
spend (``"paid"``).

The rules then return one :class:`Verdict` per test channel, decided in this order:

1. ``exit``  — the *upper* bound of ``roi`` is below ``exit_fraction × target``
   in each of the last ``exit_cycles`` consecutive cycles, the latest
   included. ``target`` is the admit bar of each cycle (``admit × baseline``)
   by default, or a fixed ROI.
2. ``test``  — the latest cycle has insufficient data (reason ``"insufficient
   data"``): no spend, spend below ``min_spend``, or no baseline (the
   established channels spent nothing).
3. ``scale`` — at least ``min_conversions`` attributed conversions in the cycle
   and the *lower* bound of the ratio ``≥ scale``.
4. ``admit`` — at least ``min_conversions`` and the lower bound ``≥ admit``.
5. ``test``  — otherwise: ``insufficient_evidence`` when the point ratio
   reaches a bar but the conversions or the lower bound do not (with the
   conversions still needed where they can be estimated), ``below_admit`` when
   the point ratio is under the admit bar.

Cycles with insufficient data *break* an exit streak (they count as "not
low"): a channel is only exited on evidence, never on the absence of it.

Evidence: the bounds on the ratio
---------------------------------
A test channel's attributed conversions in a cycle are few, so its ROI is
noisy; the baseline pools every established channel, with far larger volume,
and is treated as known. The bounds are the exact Poisson bounds of Garwood
(1936), "Fiducial limits for the Poisson distribution", *Biometrika* 28,
437-442, through the gamma-Poisson relation ``P(N ≥ n | μ) = P(Gamma(n, 1) ≤
μ)``. With ``n`` the cycle's attributed conversions and ``α = 1 − level``::

    μ_low  = Gamma⁻¹(α; n, 1)          (0 when n = 0)
    μ_high = Gamma⁻¹(1 − α; n + 1, 1)

each a *one-sided* bound at ``level`` (default 0.90: the lower bound is
exceeded by the true mean with probability ≥ 90 %, and likewise the upper
bound; together they form a two-sided interval of coverage ``2·level − 1``,
80 % at the default). Attributed conversions are fractional (credit shares);
the gamma quantile is defined for real shape ``n > 0``, which is the
continuous extension used here (equal to ``χ²⁻¹(q; 2n) / 2``). The bounds are
scaled to ROI by the cycle's revenue per attributed conversion, so that
``ratio_low = ratio × μ_low / n`` and ``ratio_high = ratio × μ_high / n``. In a
cycle with no attributed conversion the revenue per conversion is the
established channels' in the same cycle (``ratio_low = 0``).

``conversions_needed`` estimates how many more attributed conversions, at the
observed revenue per conversion and ratio (spend growing with them), make the
lower bound reach the bar the point ratio reaches, and ``min_conversions``
hold: the least ``N`` with ``ratio × Gamma⁻¹(α; N, 1) / N ≥ bar``, less the
conversions observed. It is ``None`` when the point ratio reaches no bar (no
number of conversions at that ratio makes its bound clear it).

``level=0`` switches the bounds off: both equal the point estimate, the
decision reads the ratio alone (together with ``min_conversions=1`` this is
the rule set before evidence was required).

Comparisons use ``≥`` with a relative tolerance of ``1e-9`` (:data:`TOLERANCE`):
a ROI that equals a bar up to float rounding (``3.9`` against ``1.30 × 3.0 =
3.9000000000000004``) meets it. "Low" is the complement: ``roi`` does not
reach the exit bar within that tolerance.

The source rule ("admit when test ROI reaches 15% of the established average,
scale when it exceeds the average by 30%") has two readings, both expressible:
``LifecycleRules(reading="multiple")`` (defaults ``admit=1.15, scale=1.30``)
and ``LifecycleRules(reading="fraction")`` (defaults ``admit=0.15,
scale=0.30``). ``admit`` and ``scale`` are always the factor that multiplies
the baseline; ``reading`` names the interpretation and checks the factors
agree with it (multiples ≥ 1, fractions < 1).

The rules are pure: they read an ROI table and the channels, and neither
query nor write the warehouse. Verdicts are recorded in the warehouse table
``channel_verdicts`` (:mod:`touchpath.data.verdicts`) by
:func:`touchpath.service.lifecycle.record`; a user moves a channel to
``established`` or ``exited`` with :func:`touchpath.service.lifecycle.change_status`
(checked here by :func:`check_status_change`), which is recorded there too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import pandas as pd

from touchpath.attribution.roi import ChannelROITable
from touchpath.data.statuses import ChannelStatus
from touchpath.errors import TouchpathError

__all__ = [
    "BASELINES",
    "TOLERANCE",
    "LifecycleError",
    "LifecycleRules",
    "Verdict",
    "VerdictKind",
    "check_status_change",
    "evaluate",
    "poisson_bounds",
    "verdicts_to_frame",
]

#: Relative tolerance of the ``≥`` comparisons against the bars.
TOLERANCE = 1e-9

#: Which established channels make the baseline (see the module docstring).
BASELINES = ("paid", "all")

_READINGS = ("multiple", "fraction")


# The optimizer applies the verdicts as spend limits (touchpath.optimizer.constraints);
# a member equals its value (VerdictKind.exit == "exit").
class VerdictKind(StrEnum):
    """A lifecycle verdict of a channel in test, from the least spend to the most.

    ``exit`` (no more spend), ``test`` (stays in test, within the test budget),
    ``admit`` (normal bounds) or ``scale`` (may grow beyond the max-change limit).
    """

    exit = "exit"
    test = "test"
    admit = "admit"
    scale = "scale"


class LifecycleError(TouchpathError, ValueError):
    """Lifecycle rules could not be evaluated or applied: says what and where."""


def _ge(x: float, bar: float) -> bool:
    """``x ≥ bar`` up to a relative float tolerance (:data:`TOLERANCE`)."""
    return bool(x >= bar - TOLERANCE * max(abs(bar), 1.0))


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle rules.

    Parameters
    ----------
    admit, scale : float, optional
        Factors of the baseline ROI: admit when ``roi ≥ admit × baseline``,
        scale when ``roi ≥ scale × baseline``. Default by ``reading``:
        1.15 / 1.30 (``"multiple"``) or 0.15 / 0.30 (``"fraction"``).
    reading : {"multiple", "fraction"}
        How the source thresholds "15%" / "30%" are read: as uplifts on the
        baseline (factors ≥ 1) or as fractions of it (factors < 1).
    exit_fraction : float
        Exit when ROI is below ``exit_fraction × target`` (default 0.5).
    exit_cycles : int
        ... in each of this many consecutive cycles, the latest included (default 3).
    exit_target : "admit" or float
        ``"admit"`` (default): the target is each cycle's admit bar,
        ``admit × baseline``. A number: a fixed target ROI.
    min_spend : float
        A cycle with spend below this is "insufficient data" (default 0: any
        positive spend suffices; zero spend is always insufficient).
    min_conversions : float
        Admit or scale needs at least this many attributed conversions in the
        cycle (default 30); fewer gives ``test`` (exit reads the upper bound
        alone: a channel that buys almost nothing can still be exited).
    level : float
        One-sided confidence level of the bounds on the ratio (default 0.90):
        admit and scale need the lower bound to clear the bar, exit the upper
        bound under the exit bar. In ``[0.5, 1)``, or 0 for no bound (see the
        module docstring).
    baseline : {"paid", "all"}
        Which established channels make the baseline: those with spend in the
        cycle (``"paid"``, default) or all of them (``"all"``); see the module
        docstring for why unpaid channels are left out by default.

    Raises
    ------
    LifecycleError
        On inconsistent settings (``scale < admit``, factors not matching the
        reading, non-positive values).
    """

    admit: float | None = None
    scale: float | None = None
    reading: Literal["multiple", "fraction"] = "multiple"
    exit_fraction: float = 0.5
    exit_cycles: int = 3
    exit_target: Literal["admit"] | float = "admit"
    min_spend: float = 0.0
    min_conversions: float = 30.0
    level: float = 0.90
    baseline: Literal["paid", "all"] = "paid"

    def __post_init__(self) -> None:
        if self.baseline not in BASELINES:
            raise LifecycleError(f"baseline must be one of {BASELINES}, got {self.baseline!r}")
        if self.reading not in _READINGS:
            raise LifecycleError(f"reading must be one of {_READINGS}, got {self.reading!r}")
        default_admit, default_scale = (1.15, 1.30) if self.reading == "multiple" else (0.15, 0.30)
        admit = default_admit if self.admit is None else float(self.admit)
        scale = default_scale if self.scale is None else float(self.scale)
        object.__setattr__(self, "admit", admit)
        object.__setattr__(self, "scale", scale)
        for name, value in (("admit", admit), ("scale", scale)):
            if not math.isfinite(value) or value <= 0:
                raise LifecycleError(f"{name} must be a positive factor, got {value!r}")
            if self.reading == "multiple" and value < 1:
                raise LifecycleError(
                    f"{name}={value} is a fraction of the baseline but reading='multiple';"
                    " use reading='fraction' for factors below 1"
                )
            if self.reading == "fraction" and value >= 1:
                raise LifecycleError(
                    f"{name}={value} is a multiple of the baseline but reading='fraction';"
                    " use reading='multiple' for factors of 1 or more"
                )
        if scale < admit:
            raise LifecycleError(f"scale ({scale}) must be at least admit ({admit})")
        if not (0 < self.exit_fraction <= 1):
            raise LifecycleError(f"exit_fraction must be in (0, 1], got {self.exit_fraction!r}")
        if int(self.exit_cycles) != self.exit_cycles or self.exit_cycles < 1:
            raise LifecycleError(
                f"exit_cycles must be a positive integer, got {self.exit_cycles!r}"
            )
        if isinstance(self.exit_target, str):
            if self.exit_target != "admit":
                raise LifecycleError(
                    f"exit_target must be 'admit' or a ROI number, got {self.exit_target!r}"
                )
        elif not math.isfinite(float(self.exit_target)) or float(self.exit_target) <= 0:
            raise LifecycleError(f"exit_target must be a positive ROI, got {self.exit_target!r}")
        if self.min_spend < 0 or self.min_conversions < 0:
            raise LifecycleError("min_spend and min_conversions must be non-negative")
        if not (self.level == 0 or 0.5 <= self.level < 1):
            raise LifecycleError(
                f"level must be in [0.5, 1) (or 0 for no bound), got {self.level!r}")

    def describe(self) -> str:
        """One line naming every threshold."""
        target = "the admit bar" if self.exit_target == "admit" else f"ROI {self.exit_target:g}"
        if self.level:
            pct = f"{self.level:.0%}"
            evidence = (f"admit or scale needs ≥ {self.min_conversions:g} attributed conversions "
                        f"in the cycle and the {pct} lower bound of the ratio at the bar; exit "
                        f"when the {pct} upper bound of ROI < {self.exit_fraction:g} × {target}")
        else:
            evidence = (f"admit or scale needs ≥ {self.min_conversions:g} attributed conversions "
                        f"in the cycle (no confidence bound: level 0); exit when ROI < "
                        f"{self.exit_fraction:g} × {target}")
        return (
            f"admit ≥ {self.admit:g}× baseline, scale ≥ {self.scale:g}× baseline "
            f"({self.reading} reading); {evidence} in {self.exit_cycles} consecutive cycles; "
            f"insufficient data below spend {self.min_spend:g}; baseline: "
            + ("established channels with spend" if self.baseline == "paid"
               else "all established channels")
        )


def poisson_bounds(n: float, level: float) -> tuple[float, float]:
    """Exact one-sided bounds on a Poisson mean from an observed count (Garwood 1936).

    Parameters
    ----------
    n : float
        The observed count, ``≥ 0``; real (attributed conversions are fractional).
    level : float
        One-sided confidence level of each bound, in ``(0, 1)``.

    Returns
    -------
    (float, float)
        ``(Gamma⁻¹(1 − level; n, 1), Gamma⁻¹(level; n + 1, 1))``, the lower
        bound 0 when ``n = 0`` (see the module docstring).

    Examples
    --------
    >>> lo, hi = poisson_bounds(0.0, 0.9)
    >>> lo, round(hi, 4)  # -ln(0.1)
    (0.0, 2.3026)
    """
    from scipy.stats import gamma  # deferred: scipy.stats is heavy and only needed here

    if not (n >= 0) or not math.isfinite(n):
        raise LifecycleError(f"a count must be a non-negative number, got {n!r}")
    alpha = 1.0 - level
    low = 0.0 if n == 0 else float(gamma.ppf(alpha, n))
    return low, float(gamma.ppf(level, n + 1.0))


#: Beyond this many conversions the estimate of the conversions needed gives up.
_MAX_CONVERSIONS = 1e9


def _conversions_for(ratio: float, bar: float, level: float) -> float | None:
    """Least ``N`` with ``ratio × μ_low(N) / N ≥ bar``, or ``None`` when none reaches it."""
    if not (math.isfinite(ratio) and ratio > 0) or not _ge(ratio, bar):
        return None
    if level == 0:
        return 0.0

    def clears(n: float) -> bool:
        return _ge(ratio * poisson_bounds(n, level)[0] / n, bar)

    lo, hi = 1e-6, 1.0
    while not clears(hi):
        lo, hi = hi, hi * 2
        if hi > _MAX_CONVERSIONS:
            return None
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if clears(mid) else (mid, hi)
        if hi - lo < 1e-3:
            break
    return hi


@dataclass(frozen=True, eq=False)
class Verdict:
    """The lifecycle verdict of one test channel, with the evidence behind it.

    Attributes
    ----------
    channel : str
    verdict : VerdictKind
    rule : str
        Which rule fired: ``exit_streak``, ``insufficient_data``, ``scale_bar``,
        ``admit_bar``, ``insufficient_evidence`` or ``below_admit``.
    reason : str
        Human-readable explanation with the numbers.
    period : str or None
        Label of the latest cycle (``None`` when the channel has no cycle).
    roi, baseline, ratio : float
        Of the latest cycle (NaN when undefined).
    low_streak : int
        Consecutive low cycles ending at the latest one.
    cycles : DataFrame
        The cycle history: ``period, spend, attributed_conversions,
        attributed_revenue, roi, roi_low, roi_high, baseline, ratio,
        ratio_low, ratio_high, admit_bar, scale_bar, exit_bar, sufficient,
        low, note``.
    rules : LifecycleRules
    ratio_low, ratio_high : float
        One-sided bounds of the latest cycle's ratio at ``level`` (NaN when undefined).
    level : float
        Their confidence level (``rules.level``).
    conversions : float
        Attributed conversions of the latest cycle.
    conversions_needed : int or None
        More attributed conversions the latest cycle needs for the bar its point
        ratio reaches (0 when it has them), ``None`` when not estimable.
    """

    channel: str
    verdict: VerdictKind
    rule: str
    reason: str
    period: str | None
    roi: float
    baseline: float
    ratio: float
    low_streak: int
    cycles: pd.DataFrame
    rules: LifecycleRules = field(default_factory=LifecycleRules)
    ratio_low: float = math.nan
    ratio_high: float = math.nan
    level: float = 0.90
    conversions: float = 0.0
    conversions_needed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes ``None``); the cycles as a list of records."""
        cycles = self.cycles.astype(object)
        cycles = cycles.where(pd.notna(cycles), None)

        def clean(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "channel": self.channel,
            "verdict": self.verdict,
            "rule": self.rule,
            "reason": self.reason,
            "period": self.period,
            "roi": clean(self.roi),
            "baseline": clean(self.baseline),
            "ratio": clean(self.ratio),
            "ratio_low": clean(self.ratio_low),
            "ratio_high": clean(self.ratio_high),
            "level": self.level,
            "conversions": clean(self.conversions),
            "conversions_needed": self.conversions_needed,
            "low_streak": self.low_streak,
            "rules": asdict(self.rules),
            "cycles": cycles.to_dict(orient="records"),
        }


# --------------------------------------------------------------------- evaluate
_REQUIRED = ("period", "channel", "spend", "attributed_conversions", "attributed_revenue")


def _roi_frame(roi: ChannelROITable | pd.DataFrame) -> pd.DataFrame:
    frame = roi.to_frame() if hasattr(roi, "to_frame") else roi
    if not isinstance(frame, pd.DataFrame):
        raise LifecycleError(
            f"expected a ChannelROITable or a DataFrame, got {type(roi).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise LifecycleError(f"ROI frame: missing columns {missing}")
    return frame


def _period_order(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per period, sorted by time: ``period, period_start, period_end``."""
    cols = [c for c in ("period", "period_start", "period_end") if c in frame.columns]
    periods = frame[cols].drop_duplicates("period")
    key = "period_start" if "period_start" in periods.columns else "period"
    return periods.sort_values(key, kind="stable").reset_index(drop=True)


def _baselines(frame: pd.DataFrame, established: set[str], which: str = "paid") -> pd.DataFrame:
    est = frame[frame["channel"].isin(established)]
    if which == "paid":
        est = est[est["spend"] > 0]
    g = est.groupby("period", sort=False)[
        ["spend", "attributed_revenue", "attributed_conversions"]].sum()
    g = g.rename(columns={"spend": "established_spend",
                          "attributed_revenue": "established_revenue",
                          "attributed_conversions": "established_conversions"})
    spend = g["established_spend"].to_numpy(float)
    rev = g["established_revenue"].to_numpy(float)
    conv = g["established_conversions"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["baseline"] = np.where(spend > 0, rev / np.where(spend > 0, spend, 1.0), np.nan)
        g["established_rpc"] = np.where(conv > 0, rev / np.where(conv > 0, conv, 1.0), np.nan)
    return g


def _roi_bounds(n: np.ndarray, revenue: np.ndarray, spend: np.ndarray,
                fallback_rpc: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided bounds of each cycle's ROI: the Poisson bounds × revenue per conversion ÷ spend.

    NaN where the cycle has no spend, or no revenue per conversion to scale by.
    """
    paid = spend > 0
    safe_spend = np.where(paid, spend, 1.0)
    if level == 0:
        roi = np.where(paid, revenue / safe_spend, np.nan)
        return roi, roi.copy()
    from scipy.stats import gamma  # deferred, as in poisson_bounds

    n = np.maximum(n, 0.0)
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(n > 0, gamma.ppf(alpha, np.where(n > 0, n, 1.0)), 0.0)
        high = gamma.ppf(level, n + 1.0)
        rpc = np.where(n > 0, revenue / np.where(n > 0, n, 1.0), fallback_rpc)
        roi_low = np.where(paid, np.where(n > 0, low * rpc, 0.0) / safe_spend, np.nan)
        roi_high = np.where(paid & np.isfinite(rpc), high * rpc / safe_spend, np.nan)
    return roi_low, roi_high


def _channel_cycles(
    channel: str,
    frame: pd.DataFrame,
    periods: pd.DataFrame,
    baselines: pd.DataFrame,
    launched_on: Any,
    rules: LifecycleRules,
) -> pd.DataFrame:
    rows = frame[frame["channel"] == channel]
    rows = rows.groupby("period", sort=False)[
        ["spend", "attributed_conversions", "attributed_revenue"]
    ].sum()
    cyc = periods.copy()
    if launched_on is not None and not pd.isna(launched_on) and "period_end" in cyc.columns:
        launch = pd.Timestamp(launched_on)
        ends = pd.to_datetime(cyc["period_end"])
        if ends.dt.tz is not None and launch.tz is None:
            launch = launch.tz_localize(ends.dt.tz)
        cyc = cyc[ends > launch].reset_index(drop=True)
    cyc = cyc.join(rows, on="period").join(baselines[["baseline", "established_rpc"]],
                                           on="period")
    for c in ("spend", "attributed_conversions", "attributed_revenue"):
        cyc[c] = cyc[c].fillna(0.0).astype(float)
    spend = cyc["spend"].to_numpy(float)
    rev = cyc["attributed_revenue"].to_numpy(float)
    base = cyc["baseline"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(spend > 0, rev / np.where(spend > 0, spend, 1.0), np.nan)
        ratio = np.where(base > 0, roi / np.where(base > 0, base, 1.0), np.nan)
    conv = cyc["attributed_conversions"].to_numpy(float)
    roi_low, roi_high = _roi_bounds(conv, rev, spend, cyc["established_rpc"].to_numpy(float),
                                    rules.level)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_low = np.where(base > 0, roi_low / np.where(base > 0, base, 1.0), np.nan)
        ratio_high = np.where(base > 0, roi_high / np.where(base > 0, base, 1.0), np.nan)
    cyc["roi"], cyc["ratio"] = roi, ratio
    cyc["roi_low"], cyc["roi_high"] = roi_low, roi_high
    cyc["ratio_low"], cyc["ratio_high"] = ratio_low, ratio_high
    cyc["admit_bar"] = rules.admit * base
    cyc["scale_bar"] = rules.scale * base
    target = cyc["admit_bar"] if rules.exit_target == "admit" else float(rules.exit_target)
    cyc["exit_bar"] = rules.exit_fraction * target
    notes, sufficient, low = [], [], []
    for i in range(len(cyc)):
        note = ""
        if spend[i] <= 0:
            note = "insufficient data: no spend"
        elif spend[i] < rules.min_spend:
            note = f"insufficient data: spend {spend[i]:g} < min_spend {rules.min_spend:g}"
        elif not (base[i] > 0):
            note = "insufficient data: no baseline (established channels had no spend or revenue)"
        ok = note == ""
        exit_bar = float(cyc["exit_bar"].iat[i])
        # low on evidence: the upper bound (the ROI itself at level 0) under the exit bar
        is_low = ok and math.isfinite(roi_high[i]) and not _ge(float(roi_high[i]), exit_bar)
        sufficient.append(ok)
        low.append(is_low)
        if ok:
            notes_i = []
            if is_low:
                notes_i.append("low (upper bound below exit bar)" if rules.level
                               else "low (below exit bar)")
            if conv[i] < rules.min_conversions:
                notes_i.append(f"few conversions: {conv[i]:.3g} < min_conversions "
                               f"{rules.min_conversions:g}")
            note = "; ".join(notes_i)
        notes.append(note)
    cyc["sufficient"], cyc["low"], cyc["note"] = sufficient, low, notes
    order = ["period", "period_start", "period_end", "spend", "attributed_conversions",
             "attributed_revenue", "roi", "roi_low", "roi_high", "baseline", "ratio",
             "ratio_low", "ratio_high", "admit_bar", "scale_bar", "exit_bar", "sufficient",
             "low", "note"]
    return cyc[[c for c in order if c in cyc.columns]].reset_index(drop=True)


def _evidence(ratio: float, low: float, high: float, n: float, level: float) -> str:
    """``ratio 2.55, 90% bounds 0.645 – 6.96 on 1.9 conversions`` (the ratio alone at level 0)."""
    if not level:
        return f"ratio {ratio:.4g} on {n:.3g} conversions, no bound (level 0)"

    def f(x: float) -> str:
        return f"{x:.3g}" if math.isfinite(x) else "undefined"

    return f"ratio {ratio:.4g}, {level:.0%} bounds {f(low)} – {f(high)} on {n:.3g} conversions"


def _decide(channel: str, cyc: pd.DataFrame, rules: LifecycleRules) -> Verdict:
    if cyc.empty:
        return Verdict(channel, VerdictKind.test, "insufficient_data",
                       "insufficient data: no cycle since launch", None, math.nan, math.nan,
                       math.nan, 0, cyc, rules, level=rules.level)
    streak = 0
    for is_low in cyc["low"].to_numpy(bool)[::-1]:
        if not is_low:
            break
        streak += 1
    last = cyc.iloc[-1]
    period = str(last["period"])
    roi, base, ratio = float(last["roi"]), float(last["baseline"]), float(last["ratio"])
    low, high = float(last["ratio_low"]), float(last["ratio_high"])
    n = float(last["attributed_conversions"])
    evidence = _evidence(ratio, low, high, n, rules.level)
    target = ("the admit bar" if rules.exit_target == "admit"
              else f"the target ROI {float(rules.exit_target):g}")

    def make(verdict: VerdictKind, rule: str, reason: str,
             needed: int | None = None) -> Verdict:
        return Verdict(channel, verdict, rule, reason, period, roi, base, ratio, streak, cyc,
                       rules, low, high, rules.level, n, needed)

    if streak >= rules.exit_cycles:
        recent = cyc.iloc[-rules.exit_cycles:]
        what = "upper bound of ROI" if rules.level else "ROI"
        detail = ", ".join(f"{p}: {r:.4g} < {b:.4g}" for p, r, b in
                           zip(recent["period"], recent["roi_high"], recent["exit_bar"],
                               strict=True))
        level = f"{rules.level:.0%} " if rules.level else ""
        return make(VerdictKind.exit, "exit_streak",
                    f"{level}{what} below {rules.exit_fraction:g} × {target} in each of the "
                    f"last {rules.exit_cycles} consecutive cycles ({detail}); {evidence} in "
                    f"{period}")
    if not bool(last["sufficient"]):
        return make(VerdictKind.test, "insufficient_data", f"{last['note']} in {period}")
    if not _ge(roi, float(last["admit_bar"])):
        return make(VerdictKind.test, "below_admit",
                    f"ROI {roi:.4g} below the admit bar {rules.admit:g} × baseline {base:.4g} = "
                    f"{float(last['admit_bar']):.4g} in {period} ({evidence}); "
                    f"low-cycle streak {streak} of {rules.exit_cycles}")
    enough = n >= rules.min_conversions
    aim, factor, bar = (("scale", rules.scale, float(last["scale_bar"]))
                        if _ge(roi, float(last["scale_bar"]))
                        else ("admit", rules.admit, float(last["admit_bar"])))
    total = _conversions_for(ratio, factor, rules.level)
    needed = (None if total is None
              else max(0, math.ceil(max(total, rules.min_conversions) - n - 1e-9)))
    point = f"ROI {roi:.4g} ≥ {factor:g} × baseline {base:.4g} = {bar:.4g} in {period}"
    if enough and math.isfinite(low) and _ge(low, factor):
        kind = VerdictKind.scale if aim == "scale" else VerdictKind.admit
        return make(kind, f"{aim}_bar", f"{point} ({evidence})", needed)
    short = []
    if not enough:
        short.append(f"{n:.3g} attributed conversions < min_conversions "
                     f"{rules.min_conversions:g}")
    if not (math.isfinite(low) and _ge(low, factor)):
        short.append(f"lower bound {low:.3g} < {factor:g}")
    more = ("" if needed is None else
            f"; about {needed:,} more conversion{'' if needed == 1 else 's'} needed at this "
            "ratio")
    why = f"{evidence}: not enough evidence to {aim} ({'; '.join(short)}){more}"
    if (aim == "scale" and enough and math.isfinite(low)
            and _ge(low, rules.admit)):
        return make(VerdictKind.admit, "admit_bar",
                    f"{point}; admit: lower bound {low:.3g} ≥ {rules.admit:g}; {why}", needed)
    return make(VerdictKind.test, "insufficient_evidence", f"{point}, but {why}", needed)


def evaluate(
    roi: ChannelROITable | pd.DataFrame,
    channels: pd.DataFrame,
    rules: LifecycleRules | None = None,
) -> list[Verdict]:
    """Lifecycle verdicts for every channel in ``test`` status.

    Parameters
    ----------
    roi : ChannelROITable or DataFrame
        Per channel per period: ``period, channel, spend,
        attributed_conversions, attributed_revenue`` (``period_start`` /
        ``period_end`` used for ordering and launch dates when present; without
        ``period_start`` periods sort by label). The ``(direct)`` row is ignored
        unless listed as a channel.
    channels : DataFrame
        ``channel, status`` (``established | test | exited``) and optionally
        ``launched_on``: cycles ending on or before the launch are skipped.
    rules : LifecycleRules, optional
        Thresholds (defaults: multiples 1.15 / 1.30, exit at half the admit bar
        in 3 consecutive cycles, baseline over the established channels with
        spend).

    Returns
    -------
    list of Verdict
        One per test channel, in the order of ``channels``. The rules and their
        order are in the module docstring.

    Raises
    ------
    LifecycleError
        Missing columns, unknown statuses.

    Examples
    --------
    >>> frame = pd.DataFrame({"period": ["2026-01"] * 2, "channel": ["a", "t"],
    ...                       "spend": [100.0, 10.0], "attributed_conversions": [5.0, 2.0],
    ...                       "attributed_revenue": [300.0, 39.0]})
    >>> chans = pd.DataFrame({"channel": ["a", "t"], "status": ["established", "test"]})
    >>> (v,) = evaluate(frame, chans)  # ratio 1.3 on 2 conversions: no evidence yet
    >>> str(v.verdict), v.rule, round(v.ratio_low, 3), v.conversions_needed
    ('test', 'insufficient_evidence', 0.346, None)
    >>> point = LifecycleRules(min_conversions=1, level=0)  # the bars on the ratio alone
    >>> [str(v.verdict) for v in evaluate(frame, chans, point)]
    ['scale']
    """
    rules = rules or LifecycleRules()
    frame = _roi_frame(roi)
    for col in ("channel", "status"):
        if col not in channels.columns:
            raise LifecycleError(f"channels frame: missing column {col!r}")
    bad = sorted(set(channels["status"]) - {s.value for s in ChannelStatus})
    if bad:
        raise LifecycleError(f"channels frame: unknown status values {bad}")
    established = set(channels.loc[channels["status"] == ChannelStatus.established, "channel"])
    periods = _period_order(frame)
    baselines = _baselines(frame, established, rules.baseline)
    verdicts = []
    for _, ch in channels[channels["status"] == ChannelStatus.test].iterrows():
        launched = ch["launched_on"] if "launched_on" in channels.columns else None
        cyc = _channel_cycles(str(ch["channel"]), frame, periods, baselines, launched, rules)
        verdicts.append(_decide(str(ch["channel"]), cyc, rules))
    return verdicts


def verdicts_to_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    """One row per verdict.

    Columns: ``channel, period, verdict, rule, roi, baseline, ratio,
    ratio_low, ratio_high, level, conversions, conversions_needed, low_streak,
    reason``.
    """
    cols = ["channel", "period", "verdict", "rule", "roi", "baseline", "ratio", "ratio_low",
            "ratio_high", "level", "conversions", "conversions_needed", "low_streak", "reason"]
    return pd.DataFrame([{c: getattr(v, c) for c in cols} for v in verdicts], columns=cols)


# --------------------------------------------------------------- status changes
def check_status_change(status: ChannelStatus | str, reason: str) -> str:
    """Check a user's status change; return its reason, stripped.

    Parameters
    ----------
    status : ChannelStatus or str
        ``established``, ``test`` or ``exited``.
    reason : str
        Why (required, non-empty): recorded with the change.

    Raises
    ------
    LifecycleError
        Unknown status, or an empty reason.
    """
    try:
        status = ChannelStatus(status)
    except ValueError:
        raise LifecycleError(f"status must be one of {tuple(s.value for s in ChannelStatus)}, "
                             f"got {status!r}") from None
    if not reason or not reason.strip():
        raise LifecycleError("a reason is required to change a channel's status")
    return reason.strip()
