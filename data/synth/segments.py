"""Segment attributes and funnel stages of a chunk, from their own seeded stream.

Steps 9 and 10 of the generative process (package docstring). Everything here
is drawn after a chunk's journeys are simulated, from a stream of its own
(spawn key ``(3, index)``), so the journeys, purchases, values, campaigns and
spend are exactly those of a generator without segments or funnel stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from touchpath.data.synth.config import (
    DAY,
    DEVICE_BY_CHANNEL,
    DEVICES,
    MIN_GAP,
    REGIONS,
    TEST_CHANNEL,
)
from touchpath.data.synth.plan import Plan
from touchpath.data.synth.truth import FunnelTruth, SegmentTruth

if TYPE_CHECKING:
    from touchpath.data.synth.simulate import Chunk

__all__ = [
    "CUSTOMER_TYPES",
    "Segments",
    "device_matrix",
    "draw_segments",
    "funnel_truth",
    "segment_truth",
]

#: Values of the conversions' ``customer_type`` column.
CUSTOMER_TYPES = ("new", "returning")
#: Mean gap before a cart that checks out straight away (direct purchases), seconds.
_DIRECT_CART_GAP = 600.0


def device_matrix(channels: tuple[str, ...], test_channel: str | None) -> np.ndarray:
    """``P(device | first channel)``, shape (K, len(DEVICES)), rows in channel order."""
    rows = [DEVICE_BY_CHANNEL[TEST_CHANNEL if c == test_channel else c] for c in channels]
    m = np.array(rows, dtype=float)
    return m / m.sum(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class Segments:
    """Per-user attributes, per-purchase customer type and the chunk's carts.

    ``u_*`` arrays are indexed by the chunk-local user (0..n_users-1);
    ``c_customer_type`` follows the chunk's purchases (0 new, 1 returning);
    ``k_*`` arrays are the ``add_to_cart`` rows (empty unless
    :attr:`SynthConfig.funnel_stages`), sorted by time.
    """

    u_device: np.ndarray  # index into DEVICES
    u_region: np.ndarray  # index into REGIONS
    u_first_seen: np.ndarray  # seconds: start of the user's first journey
    c_customer_type: np.ndarray  # int8, index into CUSTOMER_TYPES
    k_user: np.ndarray  # chunk-local user
    k_journey: np.ndarray  # chunk-local journey
    k_ts: np.ndarray
    k_value: np.ndarray
    k_customer_type: np.ndarray
    k_purchased: np.ndarray  # bool: the cart became the journey's purchase
    k_last_channel: np.ndarray  # last touch channel of the journey (-1: direct purchase)


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the category each uniform falls in (``cum`` rows end at 1)."""
    return (cum <= u[:, None]).sum(axis=1)


def draw_segments(plan: Plan, chunk: Chunk) -> Segments:
    """Segment attributes and carts of a simulated chunk (package docstring, steps 9-10).

    Parameters
    ----------
    plan : Plan
        The chunk's plan.
    chunk : Chunk
        The simulated chunk (:class:`touchpath.data.synth.simulate.Chunk`).

    Returns
    -------
    Segments
    """
    cfg = plan.config
    c = chunk
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(3, c.index)))
    n = c.n_users
    # the first n journeys of the ledger are the users' first journeys, user 0..n-1
    first_channel = c.j_first_channel[:n].astype(np.int64)
    first_seen = c.j_start[:n].astype(np.int64)
    dev_cum = np.cumsum(device_matrix(plan.channels, cfg.test_channel), axis=1)
    dev_cum[:, -1] = 1.0
    device = _pick(dev_cum[first_channel], rng.random(n)).astype(np.int8)
    reg_p = np.array(list(REGIONS.values()))
    reg_cum = np.cumsum(reg_p / reg_p.sum())
    reg_cum[-1] = 1.0
    region = _pick(reg_cum[None, :], rng.random(n)).astype(np.int8)

    # customer type: a user's first purchase in the data is "new", later ones "returning"
    local = c.c_user - c.user0
    ctype = np.ones(local.size, dtype=np.int8)
    _, first_idx = np.unique(local, return_index=True)
    ctype[first_idx] = 0
    first_buy = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_buy, local, c.c_ts)

    empty_i = np.zeros(0, dtype=np.int64)
    if not cfg.funnel_stages:
        return Segments(device, region, first_seen, ctype, empty_i, empty_i, empty_i,
                        np.zeros(0), np.zeros(0, np.int8), np.zeros(0, bool), empty_i)

    end_s = cfg.days * DAY
    n_j = c.j_user.size
    # last touch (time and channel) of each journey; touches are sorted by time
    m = c.t_ts.size
    last_idx = np.full(n_j, -1, dtype=np.int64)
    np.maximum.at(last_idx, c.t_journey, np.arange(m, dtype=np.int64))
    has = last_idx >= 0
    last_ts = np.where(has, c.t_ts[np.maximum(last_idx, 0)] if m else 0, -1)
    last_ch = np.where(has, c.t_channel[np.maximum(last_idx, 0)] if m else 0, -1).astype(
        np.int64)

    # every purchase is preceded by its cart, strictly between the last touch and it
    u_buy = rng.random(c.c_ts.size)
    p_last = last_ts[c.c_journey]
    span = c.c_ts - p_last - 1
    touch_cart = p_last + 1 + np.floor(u_buy * np.maximum(span - 1, 0)).astype(np.int64)
    direct_gap = (MIN_GAP + rng.exponential(_DIRECT_CART_GAP, c.c_ts.size)).astype(np.int64)
    direct_cart = np.maximum(c.c_ts - direct_gap, 0)
    buy_cart_ts = np.where(c.c_direct, direct_cart, touch_cart)

    # abandoned carts: null journeys leave one with probability q, set for the target share
    null = np.flatnonzero(c.j_outcome == 1)
    a = cfg.cart_abandonment
    q = min(1.0, a / (1.0 - a) * c.c_ts.size / null.size) if null.size else 0.0
    left = null[rng.random(null.size) < q]
    gap = (MIN_GAP + rng.exponential(plan.conv_gap_s, left.size)).astype(np.int64)
    ab_ts = last_ts[left] + gap
    z = rng.standard_normal(left.size)
    ab_value = cfg.value_median * plan.multiplier[last_ch[left]] * np.exp(cfg.value_sigma * z)
    ab_value = np.maximum(np.round(ab_value, 2), 0.01)
    inside = ab_ts < end_s
    left, ab_ts, ab_value = left[inside], ab_ts[inside], ab_value[inside]

    k_journey = np.concatenate([c.c_journey, left])
    k_user = c.j_user[k_journey] - c.user0
    k_ts = np.concatenate([buy_cart_ts, ab_ts])
    k_value = np.concatenate([c.c_value, ab_value])
    k_purchased = np.r_[np.ones(c.c_ts.size, bool), np.zeros(left.size, bool)]
    k_last = np.where(np.r_[c.c_direct, np.zeros(left.size, bool)], -1, last_ch[k_journey])
    k_type = np.where(first_buy[k_user] < k_ts, 1, 0).astype(np.int8)
    order = np.argsort(k_ts, kind="stable")
    return Segments(
        device, region, first_seen, ctype,
        k_user[order], k_journey[order], k_ts[order], k_value[order], k_type[order],
        k_purchased[order], k_last[order],
    )


def segment_truth(plan: Plan) -> SegmentTruth:
    """The true segment attributes of a plan (exact expectations from its rates)."""
    cfg = plan.config
    k = len(plan.channels)
    launch = plan.launch_s // DAY
    total = plan.rate.sum(axis=1)
    share_all = total / total.sum()
    share = np.empty((2, k))
    for era, days in ((0, slice(0, launch)), (1, slice(launch, None))):
        first = plan.rate[:, days].sum(axis=1)
        share[era] = first / first.sum() if first.sum() > 0 else share_all
    reg = np.array(list(REGIONS.values()))
    value_mean = cfg.value_median * plan.multiplier * math.exp(cfg.value_sigma ** 2 / 2)
    return SegmentTruth(
        channels=plan.channels, devices=DEVICES, regions=tuple(REGIONS),
        device_given_channel=pd.DataFrame(device_matrix(plan.channels, cfg.test_channel),
                                          index=list(plan.channels), columns=list(DEVICES)),
        region_share=pd.Series(reg / reg.sum(), index=list(REGIONS), name="share"),
        first_share=share, first_share_all=share_all, chains=plan.chains.copy(),
        value_mean=value_mean,
    )


def funnel_truth(plan: Plan, carts: np.ndarray) -> FunnelTruth | None:
    """The carts counted over all chunks (``Stats.carts``); None without funnel stages."""
    if not plan.config.funnel_stages:
        return None
    frame = pd.DataFrame({
        "last_channel": [*plan.channels, "(direct)"],
        "carts": carts.sum(axis=1),
        "purchases": carts[:, 1],
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["cart_to_purchase"] = frame["purchases"] / frame["carts"]
    return FunnelTruth(abandonment_target=plan.config.cart_abandonment, by_channel=frame)
