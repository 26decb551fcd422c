"""Spend calibrated to the target ROIs, and the truth it implies.

Package docstring, step 8: each paid channel's spend is set so that its
revenue under the true chain's value-weighted removal-effect attribution,
divided by its spend, is its target ROI; the same pass builds the true start
rows of both eras and the response curves (:class:`SyntheticTruth`).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from touchpath.data.synth.chain import removal_effects, state_values
from touchpath.data.synth.config import CHANNELS, DAY, PROFILES, TEST_CHANNEL, SynthConfig
from touchpath.data.synth.plan import Plan
from touchpath.data.synth.simulate import Stats
from touchpath.data.synth.truth import SyntheticTruth

__all__ = ["spend_and_truth"]


def _truth_chains(plan: Plan, stats: Stats) -> tuple[np.ndarray, np.ndarray]:
    """The true chains of both eras with their start rows (package docstring, step 3).

    Start row of an era: ``(N₁·p₁ + N_r·p_r) / (N₁ + N_r)`` with ``p₁`` the
    first-journey start distribution the spend plan implies over the era's days
    (``Σ_d λ_{c,d} / Σ_{c,d} λ_{c,d}``), ``p_r`` the returning row, and ``N₁``,
    ``N_r`` the first and repeat journeys the era opened.
    """
    k = len(plan.channels)
    launch = plan.launch_s // DAY
    chains = [plan.chains[0].copy(), plan.chains[1].copy()]
    for era, days in ((0, slice(0, launch)), (1, slice(launch, None))):
        first = plan.rate[:, days].sum(axis=1)
        if first.sum() <= 0:
            continue
        p_first = first / first.sum()
        n_first, n_repeat = stats.starts[era]
        if n_first + n_repeat > 0:
            row = (n_first * p_first + n_repeat * plan.returning) / (n_first + n_repeat)
        else:
            row = p_first
        chains[era][0, :k] = row / row.sum()
        chains[era][0, k:] = 0.0
    if plan.config.test_channel is None:
        chains[0] = chains[1].copy()
    return chains[0], chains[1]


def _fee_cents(cfg: SynthConfig, fee: int) -> np.ndarray:
    """Daily cents of a monthly fee: each calendar month's fee split over its days.

    A month of ``n`` days gives each day ``fee·100 // n`` cents and its first
    ``fee·100 % n`` days one cent more, so every whole month sums to the fee
    exactly; a month cut by the range keeps only its days' shares.
    """
    out = np.zeros(cfg.days, dtype=np.int64)
    total = int(fee) * 100
    for i in range(cfg.days):
        d = cfg.start + timedelta(days=i)
        n = _month_days(d)
        out[i] = total // n + (d.day - 1 < total % n)
    return out


def _month_days(d: date) -> int:
    """Number of days of ``d``'s calendar month."""
    return (date(d.year + d.month // 12, d.month % 12 + 1, 1) - date(d.year, d.month, 1)).days


def spend_and_truth(plan: Plan, stats: Stats) -> tuple[pd.DataFrame, np.ndarray,
                                                          SyntheticTruth]:
    """Calibrate spend levels to the target ROIs; return spend table, cents matrix, truth."""
    cfg = plan.config
    channels, k = plan.channels, len(plan.channels)
    test = cfg.test_channel
    profiles = [PROFILES[TEST_CHANNEL if c == test else c] for c in channels]
    before, after = _truth_chains(plan, stats)
    value_mean = cfg.value_median * plan.multiplier * math.exp(cfg.value_sigma ** 2 / 2)

    def shares(chain: np.ndarray) -> np.ndarray:
        rv = removal_effects(chain, value_mean)
        return rv / rv.sum()

    launch = plan.launch_s // DAY
    # revenue attributed to each channel by the true chains, per era of the conversion
    attributed = np.vstack([shares(before) * stats.revenue[0], shares(after) * stats.revenue[1]])
    total_shape = plan.shape.sum(axis=1)
    cents = np.zeros((k, cfg.days), dtype=np.int64)
    target = np.full(k, np.nan)
    fees = np.zeros(k, dtype=np.int64)
    # months the range covers, counting a cut month by its share of days
    month_share = sum(1.0 / _month_days(cfg.start + timedelta(days=i)) for i in range(cfg.days))
    for j, prof in enumerate(profiles):
        if prof.roi is None:
            continue
        target[j] = prof.roi
        budget = attributed.sum(axis=0)[j] / prof.roi
        if prof.unit_cost > 0:
            messages = np.rint(prof.unit_cost * 100 * stats.touches[j]).astype(np.int64)
            fees[j] = max(0, round((budget - messages.sum() / 100) / month_share))
            cents[j] = messages + _fee_cents(cfg, int(fees[j]))
        elif total_shape[j] > 0:
            cents[j] = np.rint(100 * budget * plan.shape[j] / total_shape[j]).astype(np.int64)
    established = np.array([c in CHANNELS for c in channels])
    paid_est = established & (cents.sum(axis=1) > 0)
    denominator = cents[paid_est, launch:].sum() / 100
    baseline = attributed[1, paid_est].sum() / denominator if denominator > 0 else math.nan
    if test is not None:
        j = channels.index(test)
        target[j] = cfg.test_roi_vs_baseline * baseline
        # no revenue yet (tiny samples): the test channel's budget is left at zero
        budget = attributed[1, j] / target[j] if target[j] > 0 else 0.0
        if total_shape[j] > 0:
            cents[j] = np.rint(100 * budget * plan.shape[j] / total_shape[j]).astype(np.int64)

    amount = cents / 100.0
    unit = np.array([p.unit_cost for p in profiles])
    active = (plan.shape > 0) | (unit[:, None] > 0)
    ch_idx, day_idx = np.nonzero(active)
    spend = pd.DataFrame({
        "channel": pd.array(np.array(channels, dtype=object)[ch_idx], dtype="str"),
        "day": [cfg.start + timedelta(days=int(d)) for d in day_idx],
        "amount": amount[ch_idx, day_idx],
    })

    # response truth: journeys opened by a bought channel and their expected revenue
    values = {1: state_values(after, value_mean), 0: state_values(before, value_mean)}
    rows = []
    for j, prof in enumerate(profiles):
        if prof.kappa is None or total_shape[j] == 0:
            continue
        on = plan.shape[j] > 0
        daily_mean = amount[j, on].mean()
        e_max = float(plan.entries_max[j])
        rows.append({
            "channel": channels[j], "k": prof.kappa * daily_mean, "entries_max": e_max,
            "value_per_journey": values[1][j], "a": e_max * values[1][j],
            "a_before_launch": math.nan if channels[j] == test or launch == 0
            else e_max * values[0][j],
        })
    response = pd.DataFrame(rows, columns=["channel", "k", "entries_max", "value_per_journey",
                                           "a", "a_before_launch"])
    fee = pd.Series({channels[j]: float(fees[j]) for j in range(k) if unit[j] > 0},
                    name="monthly_fee", dtype=float)
    truth = SyntheticTruth(
        channels=channels, transition=after, transition_before_launch=before,
        value_mean=value_mean, value_median=cfg.value_median, value_sigma=cfg.value_sigma,
        value_multiplier=plan.multiplier.copy(), test_channel=test,
        launched_on=cfg.launched_on, response=response, target_roi=target,
        baseline_roi=float(baseline), monthly_fee=fee, conversions=stats.conversions,
        direct_conversions=stats.direct, direct_revenue=round(stats.direct_revenue, 2),
    )
    return spend, cents, truth
