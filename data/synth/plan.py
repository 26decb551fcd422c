"""The simulation plan: organic demand, monthly budgets and first-journey rates.

Everything that is fixed before any user is simulated (package docstring,
steps 1 and 2): the chains of both eras, each bought channel's daily spend
shape, the expected first journeys per channel-day, the returning row, gaps,
view rates, value multipliers and campaign draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from touchpath.data.synth.chain import true_chain
from touchpath.data.synth.config import (
    CHAIN,
    CHANNELS,
    CONVERSION_GAP,
    DAY,
    LEVEL_RANGE,
    ORDER,
    PROFILES,
    RETURN,
    SPRING_FESTIVAL,
    START,
    TEST_CHANNEL,
    WEEKDAY_DEMAND,
    WEEKDAY_SPEND,
    SynthConfig,
)

__all__ = [
    "Plan",
    "make_plan",
]


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything fixed before the first user is simulated (arrays in channel order)."""

    config: SynthConfig
    channels: tuple[str, ...]
    chains: np.ndarray  # (2, K+1, K+2) channel rows of the chains: era 0 before launch, 1 after
    cum: np.ndarray  # the same, cumulated along each row (last column exactly 1)
    launch_s: int  # seconds from the start to the launch (0 without a test channel)
    demand: np.ndarray  # (days,) organic demand
    shape: np.ndarray  # (K, days) spend shape, mean 1 over active days; 0 when inactive/free
    rate: np.ndarray  # (K, days) expected first journeys opened per channel-day
    entries_max: np.ndarray  # (K,) saturation of `rate` for bought channels (NaN otherwise)
    returning: np.ndarray  # (K,) start distribution of repeat journeys
    returning_cum: np.ndarray  # (1, K) its cumulated row
    cell_p: np.ndarray  # (days*K,) first-journey (day, channel) probabilities
    gap_s: np.ndarray  # (K,) mean gap before a touch, seconds
    conv_gap_s: float
    view: np.ndarray  # (K,)
    multiplier: np.ndarray  # (K,)
    campaign_names: np.ndarray  # object array, None for "no campaign"
    campaign_cum: np.ndarray  # (K, C) cumulative campaign probabilities
    campaign_base: np.ndarray  # (K,) offset into campaign_names


def _demand(cfg: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    days = np.array([cfg.start + timedelta(days=i) for i in range(cfg.days)])
    weekday = np.array([d.weekday() for d in days])
    level = WEEKDAY_DEMAND[weekday] * (1.0 + 0.25 * np.arange(cfg.days) / 365.0)
    for i, d in enumerate(days):
        if d.month == 6 and 1 <= d.day <= 18:
            level[i] *= 1.0 + 1.2 * (d.day / 18.0) ** 2
        elif d.month == 11 and 1 <= d.day <= 11:
            level[i] *= 1.0 + 2.0 * (d.day / 11.0) ** 2
        elif (d.month, d.day) == (12, 12):
            level[i] *= 1.6
        elif (d.month, d.day) == (3, 8):
            level[i] *= 1.3
        festival = SPRING_FESTIVAL.get(d.year)
        if festival is not None and -3 <= (d - festival).days <= 6:
            level[i] *= 0.6
    return level * np.exp(rng.normal(0.0, 0.05, cfg.days))


def _month_index(cfg: SynthConfig) -> np.ndarray:
    """Calendar month of each day of the range, numbered 0, 1, ... from the first."""
    months = np.array([(d.year, d.month) for d in (cfg.start + timedelta(days=i)
                                                   for i in range(cfg.days))])
    key = months[:, 0] * 12 + months[:, 1]
    return key - key[0]


def _budget_levels(n_months: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly budget levels: evenly spread over :data:`LEVEL_RANGE`, shuffled, ±5% jitter.

    Spreading the levels (rather than drawing them) makes every seed's months
    cover the curve from well below to well above its knee.
    """
    if n_months == 1:
        base = np.ones(1)
    else:
        base = np.linspace(*LEVEL_RANGE, n_months)
    return rng.permutation(base) * np.exp(rng.normal(0.0, 0.05, n_months))


def make_plan(cfg: SynthConfig) -> Plan:
    """The plan of ``cfg``: chains, demand, spend shapes, first-journey rates, campaigns.

    Draws from its own seeded stream (spawn key 0), so the plan does not depend
    on the chunking of the users.
    """
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(0,)))
    test = cfg.test_channel
    channels = tuple(CHANNELS) + ((test,) if test is not None else ())
    k, n_days = len(channels), cfg.days
    profiles = [PROFILES[TEST_CHANNEL if c == test else c] for c in channels]
    after = true_chain(channels, test, include_test=True)
    before = true_chain(channels, test, include_test=False) if test is not None else after
    chains = np.stack([before, after])
    cum = np.cumsum(chains, axis=2)
    cum[:, :, -1] = 1.0
    launch = cfg.launch_day if test is not None else 0  # without a test channel: one era
    demand = _demand(cfg, rng)

    month_idx = _month_index(cfg)
    weekday = np.array([(cfg.start + timedelta(days=i)).weekday() for i in range(n_days)])
    shape = np.zeros((k, n_days))
    rate = np.zeros((k, n_days))
    saturation = np.full(k, np.nan)  # relative entries_max, scaled below
    for j, (name, prof) in enumerate(zip(channels, profiles, strict=True)):
        weight = CHAIN[START][ORDER.index(TEST_CHANNEL if name == test else name)]
        if prof.kappa is None:
            rate[j] = weight * demand / demand.mean()
            continue
        active = np.ones(n_days, dtype=bool)
        if name == test:
            active[:launch] = False
            # a test runs on a fixed budget: one level for every month
            levels = np.ones(month_idx.max() + 1)
        else:
            levels = _budget_levels(int(month_idx.max()) + 1, rng)
        noise = np.exp(rng.normal(0.0, 0.12, n_days))
        s = levels[month_idx] * WEEKDAY_SPEND[weekday] * noise * active
        s /= s[active].mean()
        shape[j] = s
        saturation[j] = weight / (1.0 - math.exp(-1.0 / prof.kappa))
        rate[j] = saturation[j] * (1.0 - np.exp(-s / prof.kappa))
    scale = cfg.n_users / rate.sum()
    rate *= scale
    cell_p = rate.T.ravel() / rate.sum()
    returning = np.array([RETURN.get(c, 0.0) for c in channels])
    returning_cum = np.cumsum(returning / returning.sum())[None, :]
    returning_cum[0, -1] = 1.0

    names: list[str | None] = []
    width = max(len(p.campaigns) for p in profiles) or 1
    campaign_cum = np.ones((k, width))
    base = np.zeros(k, dtype=np.int64)
    for j, (name, prof) in enumerate(zip(channels, profiles, strict=True)):
        base[j] = len(names)
        if not prof.campaigns:
            names.append(None)
            continue
        names.extend(f"{name}_{c}" for c, _ in prof.campaigns)
        weights = np.array([w for _, w in prof.campaigns])
        campaign_cum[j, : len(weights)] = np.cumsum(weights / weights.sum())
        campaign_cum[j, len(weights) - 1:] = 1.0
    hour_s = cfg.mean_gap_hours * 3600.0
    return Plan(
        config=cfg, channels=channels, chains=chains, cum=cum, launch_s=launch * DAY,
        demand=demand, shape=shape, rate=rate, entries_max=saturation * scale,
        returning=returning / returning.sum(), returning_cum=returning_cum, cell_p=cell_p,
        gap_s=np.array([p.gap for p in profiles]) * hour_s, conv_gap_s=CONVERSION_GAP * hour_s,
        view=np.array([p.view for p in profiles]),
        multiplier=np.array([p.value for p in profiles]),
        campaign_names=np.array(names, dtype=object), campaign_cum=campaign_cum,
        campaign_base=base,
    )
