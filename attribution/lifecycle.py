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

1. ``exit``  — ``roi < exit_fraction × target`` in each of the last
   ``exit_cycles`` consecutive cycles, the latest included. ``target`` is the
   admit bar of each cycle (``admit × baseline``) by default, or a fixed ROI.
2. ``test``  — the latest cycle has insufficient data (reason ``"insufficient
   data"``): no spend, spend below ``min_spend``, attributed conversions below
   ``min_conversions``, or no baseline (the established channels spent nothing).
3. ``scale`` — ``roi ≥ scale × baseline``.
4. ``admit`` — ``roi ≥ admit × baseline``.
5. ``test``  — otherwise.

Cycles with insufficient data *break* an exit streak (they count as "not
low"): a channel is only exited on evidence, never on the absence of it.

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
        A cycle with fewer attributed conversions is "insufficient data" (default 1).
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
    min_conversions: float = 1.0
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

    def describe(self) -> str:
        """One line naming every threshold."""
        target = "the admit bar" if self.exit_target == "admit" else f"ROI {self.exit_target:g}"
        return (
            f"admit ≥ {self.admit:g}× baseline, scale ≥ {self.scale:g}× baseline "
            f"({self.reading} reading); exit when ROI < {self.exit_fraction:g} × {target} "
            f"in {self.exit_cycles} consecutive cycles; insufficient data below spend "
            f"{self.min_spend:g} or {self.min_conversions:g} conversions; baseline: "
            + ("established channels with spend" if self.baseline == "paid"
               else "all established channels")
        )


@dataclass(frozen=True, eq=False)
class Verdict:
    """The lifecycle verdict of one test channel, with the evidence behind it.

    Attributes
    ----------
    channel : str
    verdict : VerdictKind
    rule : str
        Which rule fired: ``exit_streak``, ``insufficient_data``, ``scale_bar``,
        ``admit_bar`` or ``below_admit``.
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
        attributed_revenue, roi, baseline, ratio, admit_bar, scale_bar,
        exit_bar, sufficient, low, note``.
    rules : LifecycleRules
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
    g = est.groupby("period", sort=False)[["spend", "attributed_revenue"]].sum()
    g = g.rename(columns={"spend": "established_spend",
                          "attributed_revenue": "established_revenue"})
    spend = g["established_spend"].to_numpy(float)
    rev = g["established_revenue"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["baseline"] = np.where(spend > 0, rev / np.where(spend > 0, spend, 1.0), np.nan)
    return g


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
    cyc = cyc.join(rows, on="period").join(baselines["baseline"], on="period")
    for c in ("spend", "attributed_conversions", "attributed_revenue"):
        cyc[c] = cyc[c].fillna(0.0).astype(float)
    spend = cyc["spend"].to_numpy(float)
    rev = cyc["attributed_revenue"].to_numpy(float)
    base = cyc["baseline"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(spend > 0, rev / np.where(spend > 0, spend, 1.0), np.nan)
        ratio = np.where(base > 0, roi / np.where(base > 0, base, 1.0), np.nan)
    cyc["roi"], cyc["ratio"] = roi, ratio
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
        elif cyc["attributed_conversions"].iat[i] < rules.min_conversions:
            note = (f"insufficient data: {cyc['attributed_conversions'].iat[i]:g} attributed"
                    f" conversions < min_conversions {rules.min_conversions:g}")
        elif not (base[i] > 0):
            note = "insufficient data: no baseline (established channels had no spend or revenue)"
        ok = note == ""
        exit_bar = float(cyc["exit_bar"].iat[i])
        is_low = ok and not _ge(float(roi[i]), exit_bar)
        sufficient.append(ok)
        low.append(is_low)
        if ok:
            note = "low (below exit bar)" if is_low else ""
        notes.append(note)
    cyc["sufficient"], cyc["low"], cyc["note"] = sufficient, low, notes
    order = ["period", "period_start", "period_end", "spend", "attributed_conversions",
             "attributed_revenue", "roi", "baseline", "ratio", "admit_bar", "scale_bar",
             "exit_bar", "sufficient", "low", "note"]
    return cyc[[c for c in order if c in cyc.columns]].reset_index(drop=True)


def _decide(channel: str, cyc: pd.DataFrame, rules: LifecycleRules) -> Verdict:
    if cyc.empty:
        return Verdict(channel, VerdictKind.test, "insufficient_data",
                       "insufficient data: no cycle since launch", None, math.nan, math.nan,
                       math.nan, 0, cyc, rules)
    streak = 0
    for is_low in cyc["low"].to_numpy(bool)[::-1]:
        if not is_low:
            break
        streak += 1
    last = cyc.iloc[-1]
    period = str(last["period"])
    roi, base, ratio = float(last["roi"]), float(last["baseline"]), float(last["ratio"])
    target = ("the admit bar" if rules.exit_target == "admit"
              else f"the target ROI {float(rules.exit_target):g}")

    def make(verdict: VerdictKind, rule: str, reason: str) -> Verdict:
        return Verdict(channel, verdict, rule, reason, period, roi, base, ratio, streak, cyc,
                       rules)

    if streak >= rules.exit_cycles:
        recent = cyc.iloc[-rules.exit_cycles:]
        detail = ", ".join(f"{p}: {r:.4g} < {b:.4g}" for p, r, b in
                           zip(recent["period"], recent["roi"], recent["exit_bar"], strict=True))
        return make(VerdictKind.exit, "exit_streak",
                    f"ROI below {rules.exit_fraction:g} × {target} in each of the last "
                    f"{rules.exit_cycles} consecutive cycles ({detail})")
    if not bool(last["sufficient"]):
        return make(VerdictKind.test, "insufficient_data", f"{last['note']} in {period}")
    if _ge(roi, float(last["scale_bar"])):
        return make(VerdictKind.scale, "scale_bar",
                    f"ROI {roi:.4g} ≥ {rules.scale:g} × baseline {base:.4g} = "
                    f"{float(last['scale_bar']):.4g} in {period} (ratio {ratio:.4g})")
    if _ge(roi, float(last["admit_bar"])):
        return make(VerdictKind.admit, "admit_bar",
                    f"ROI {roi:.4g} ≥ {rules.admit:g} × baseline {base:.4g} = "
                    f"{float(last['admit_bar']):.4g} in {period} (ratio {ratio:.4g})")
    return make(VerdictKind.test, "below_admit",
                f"ROI {roi:.4g} below the admit bar {rules.admit:g} × baseline {base:.4g} = "
                f"{float(last['admit_bar']):.4g} in {period} (ratio {ratio:.4g}); "
                f"low-cycle streak {streak} of {rules.exit_cycles}")


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
    >>> [v.verdict for v in evaluate(frame, chans)]  # 3.9 = 1.30 × 3.0
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
    low_streak, reason``.
    """
    cols = ["channel", "period", "verdict", "rule", "roi", "baseline", "ratio", "low_streak",
            "reason"]
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
