"""Arrow tables of a simulated chunk, whole-cent touch costs and the channel list."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from touchpath.data.synth.config import (
    CHANNELS,
    DAY,
    DEVICES,
    REGIONS,
    TEST_CHANNEL_GROUP,
    SynthConfig,
)
from touchpath.data.synth.plan import Plan
from touchpath.data.synth.segments import CUSTOMER_TYPES, draw_segments
from touchpath.data.synth.simulate import Chunk

__all__ = [
    "channels_frame",
    "chunk_tables",
    "touch_costs",
]


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "")


def _timestamps(cfg: SynthConfig, seconds: np.ndarray) -> pa.Array:
    epoch = int(pd.Timestamp(cfg.start).tz_localize("UTC").value // 1_000)
    return pa.array(epoch + seconds.astype(np.int64) * 1_000_000,
                    type=pa.timestamp("us", tz="UTC"))


def touch_costs(chunk: Chunk, cents: np.ndarray, touches: np.ndarray,
                 prior: np.ndarray) -> np.ndarray:
    """Whole-cent cost of each touch: its channel-day's cents split over its touches.

    A channel-day with ``c`` cents and ``n`` touches gives its ``r``-th touch
    (counted over all chunks, in time order) ``c // n`` cents plus one when
    ``r < c % n``: the costs sum to ``c`` exactly.
    """
    n_days = cents.shape[1]
    key = chunk.t_channel.astype(np.int64) * n_days + chunk.t_ts // DAY
    m = key.size
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    head = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if m else np.zeros(0, bool)
    rank_sorted = np.arange(m) - np.maximum.accumulate(np.where(head, np.arange(m), 0))
    rank = np.empty(m, dtype=np.int64)
    rank[order] = rank_sorted
    rank += prior.ravel()[key]
    total, n = cents.ravel()[key], touches.ravel()[key]
    return (total // n + (rank < total % n)) / 100.0


def _users(numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise("u", pc.cast(pa.array(numbers), pa.string()), "")


def _labels(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(list(names), type=pa.string()).take(pa.array(codes.astype(np.int32)))


def chunk_tables(plan: Plan, chunk: Chunk, cost: np.ndarray,
                  offsets: tuple[int, int, int]) -> dict[str, pa.Table]:
    """Arrow tables of one chunk; ``offsets`` = first event, conversion and journey id.

    ``touchpoints``, ``conversions`` (with the segment columns ``device``,
    ``region``, ``customer_type``; carts as ``add_to_cart`` rows, ids
    ``a<journey number>``, when :attr:`SynthConfig.funnel_stages`), ``journeys``
    (with ``cart_id`` when funnel stages are on) and ``users``.
    """
    cfg = plan.config
    t0, c0, j0 = offsets
    names = pa.array(list(plan.channels), type=pa.string())
    channel = names.take(pa.array(chunk.t_channel.astype(np.int32)))
    campaigns = pa.array(list(plan.campaign_names), type=pa.string())
    touch = pa.table({
        "event_id": _ids("t", t0, chunk.t_ts.size),
        "user_id": pc.binary_join_element_wise("u", pc.cast(pa.array(chunk.t_user), pa.string()),
                                               ""),
        "ts": _timestamps(cfg, chunk.t_ts),
        "channel": channel,
        "campaign": campaigns.take(pa.array(chunk.t_campaign)),
        "interaction": pa.array(np.where(chunk.t_view, "view", "click"), type=pa.string()),
        "cost": pa.array(cost),
    })
    seg = chunk.seg if chunk.seg is not None else draw_segments(plan, chunk)
    conv_ids = _ids("c", c0, chunk.c_ts.size)
    local = chunk.c_user - chunk.user0
    conversions = pa.table({
        "conversion_id": conv_ids,
        "user_id": _users(chunk.c_user),
        "ts": _timestamps(cfg, chunk.c_ts),
        "value": pa.array(chunk.c_value),
        "kind": pa.array(np.full(chunk.c_ts.size, "purchase"), type=pa.string()),
        "device": _labels(DEVICES, seg.u_device[local]),
        "region": _labels(tuple(REGIONS), seg.u_region[local]),
        "customer_type": _labels(CUSTOMER_TYPES, seg.c_customer_type),
    })
    if cfg.funnel_stages:
        carts = pa.table({
            "conversion_id": pc.binary_join_element_wise(
                "a", pc.cast(pa.array(j0 + seg.k_journey), pa.string()), ""),
            "user_id": _users(chunk.user0 + seg.k_user),
            "ts": _timestamps(cfg, seg.k_ts),
            "value": pa.array(seg.k_value),
            "kind": pa.array(np.full(seg.k_ts.size, "add_to_cart"), type=pa.string()),
            "device": _labels(DEVICES, seg.u_device[seg.k_user]),
            "region": _labels(tuple(REGIONS), seg.u_region[seg.k_user]),
            "customer_type": _labels(CUSTOMER_TYPES, seg.k_customer_type),
        })
        both = pa.concat_tables([conversions, carts])
        order = np.argsort(np.r_[chunk.c_ts, seg.k_ts], kind="stable")
        conversions = both.take(pa.array(order))
    n_j = chunk.j_user.size
    conv_of = np.full(n_j, -1, dtype=np.int64)
    conv_of[chunk.c_journey] = c0 + np.arange(chunk.c_ts.size)
    has = conv_of >= 0
    conv_col = pc.if_else(pa.array(has), pc.binary_join_element_wise(
        "c", pc.cast(pa.array(np.where(has, conv_of, 0)), pa.string()), ""),
        pa.nulls(n_j, pa.string()))
    end = np.where(chunk.j_end >= 0, chunk.j_end, chunk.j_start)
    journeys = pa.table({
        "journey_id": _ids("j", j0, n_j),
        "user_id": pc.binary_join_element_wise("u", pc.cast(pa.array(chunk.j_user), pa.string()),
                                               ""),
        "seq": pa.array(chunk.j_seq),
        "started_at": _timestamps(cfg, chunk.j_start),
        "ended_at": _timestamps(cfg, end),
        "outcome": pa.array(np.array(["conversion", "null", "open", "direct"])[chunk.j_outcome],
                            type=pa.string()),
        "after_launch": pa.array(chunk.j_after),
        "n_touches": pa.array(chunk.j_touches),
        "conversion_id": conv_col,
    })
    if cfg.funnel_stages:
        cart_of = np.zeros(n_j, dtype=bool)
        cart_of[seg.k_journey] = True
        cart_col = pc.if_else(pa.array(cart_of), _ids("a", j0, n_j), pa.nulls(n_j, pa.string()))
        journeys = journeys.append_column("cart_id", cart_col)
    users = pa.table({
        "user_id": _users(chunk.user0 + np.arange(chunk.n_users, dtype=np.int64)),
        "device": _labels(DEVICES, seg.u_device),
        "region": _labels(tuple(REGIONS), seg.u_region),
        "first_seen": _timestamps(cfg, seg.u_first_seen),
    })
    return {"touchpoints": touch, "conversions": conversions, "journeys": journeys,
            "users": users}


def channels_frame(cfg: SynthConfig) -> pd.DataFrame:
    """The ``channels`` table: established channels, then the test channel if any."""
    rows = [{"channel": c, "status": "established", "group_name": g, "launched_on": None}
            for c, g in CHANNELS.items()]
    if cfg.test_channel is not None:
        rows.append({"channel": cfg.test_channel, "status": "test",
                     "group_name": TEST_CHANNEL_GROUP, "launched_on": cfg.launched_on})
    frame = pd.DataFrame(rows)
    for col in ("channel", "status", "group_name"):
        frame[col] = frame[col].astype("str")
    return frame
