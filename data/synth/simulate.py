"""Chunked journey simulation and the totals over chunks.

Users are simulated in chunks of :attr:`SynthConfig.chunk_users` with
independent seeded streams (package docstring, steps 2 to 7). :class:`Stats`
totals the chunks: touches per channel-day, revenue and journeys by era, and
the row counts that give each chunk its id offsets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from touchpath.data.synth.chain import draw
from touchpath.data.synth.config import DAY, DIRECT_VALUE, HOURS, MIN_GAP, SynthConfig
from touchpath.data.synth.plan import Plan
from touchpath.data.synth.segments import Segments, draw_segments

__all__ = [
    "Chunk",
    "Stats",
    "id_offsets",
    "n_chunks",
    "prior_touches",
    "simulate_chunk",
    "simulate_chunks",
]


@dataclass(frozen=True, eq=False)
class Chunk:
    """One chunk of simulated users: its touches, purchases and journey ledger."""

    index: int
    user0: int
    n_users: int
    # touches inside the range, sorted by time
    t_user: np.ndarray
    t_journey: np.ndarray
    t_channel: np.ndarray
    t_ts: np.ndarray
    t_view: np.ndarray
    t_campaign: np.ndarray
    # conversions inside the range, sorted by time
    c_user: np.ndarray
    c_journey: np.ndarray
    c_ts: np.ndarray
    c_value: np.ndarray
    c_direct: np.ndarray  # purchase without touches
    # journey ledger (chunk-local journey ids 0..n-1)
    j_user: np.ndarray
    j_seq: np.ndarray
    j_start: np.ndarray
    j_end: np.ndarray
    j_outcome: np.ndarray  # 0 conversion, 1 null, 2 open, 3 direct
    j_after: np.ndarray
    j_touches: np.ndarray
    j_first_channel: np.ndarray
    # segment attributes and carts (package docstring, steps 9-10), own stream
    seg: Segments | None = None


def simulate_chunk(plan: Plan, index: int) -> Chunk:
    """Simulate the users of chunk ``index`` from its own seeded stream (spawn key (1, index)).

    First journeys, then up to ``max_journeys`` repeat journeys per user, each
    following its era's chain until absorption (package docstring, steps 2 to 7);
    events at or after the end of the range are cut.
    """
    cfg = plan.config
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(1, index)))
    user0 = index * cfg.chunk_users
    n_users = min(cfg.chunk_users, cfg.n_users - user0)
    k = len(plan.channels)
    end_s = cfg.days * DAY
    cum = plan.cum.reshape(2 * (k + 1), k + 2)
    cell = rng.choice(plan.cell_p.size, size=n_users, p=plan.cell_p)
    hours = rng.choice(24, size=n_users, p=HOURS / HOURS.sum())
    start = (cell // k) * DAY + hours * 3600 + rng.integers(0, 3600, n_users)
    first = cell % k
    user = np.arange(n_users, dtype=np.int64)
    bought = np.zeros(n_users, dtype=bool)  # the user's previous journey ended in a purchase

    tu, tj, tc, tt = [], [], [], []
    cu, cj, ct, cl = [], [], [], []
    ju, js, jst, jend, jout, jaft, jfirst = [], [], [], [], [], [], []
    next_j = 0
    for seq in range(cfg.max_journeys):
        n = user.size
        if n == 0:
            break
        jid = next_j + np.arange(n, dtype=np.int64)
        next_j += n
        after = start >= plan.launch_s
        era = after.astype(np.int64)
        if seq > 0:
            first = draw(plan.returning_cum, np.zeros(n, dtype=np.int64), rng)
        direct = np.zeros(n, dtype=bool)
        if seq > 0 and cfg.direct_repeat > 0:
            direct = bought & (rng.random(n) < cfg.direct_repeat)
        idx = np.flatnonzero(~direct)
        state, t = first[idx], start[idx].astype(np.int64)
        end_t = start.astype(np.int64).copy()
        outcome = np.ones(n, dtype=np.int8)
        if direct.any():
            # a purchase at the return time, with no touch (package docstring, step 4)
            buyers = np.flatnonzero(direct)
            cu.append(user[buyers])
            cj.append(jid[buyers])
            ct.append(end_t[buyers])
            cl.append(np.full(buyers.size, -1, dtype=np.int64))
            outcome[buyers] = 3
            first = np.where(direct, -1, first)
        while idx.size:
            tu.append(user[idx])
            tj.append(jid[idx])
            tc.append(state.astype(np.int16))
            tt.append(t)
            end_t[idx] = t
            nxt = draw(cum, era[idx] * (k + 1) + 1 + state, rng)
            conv = nxt == k
            if conv.any():
                when = t[conv] + MIN_GAP + rng.exponential(plan.conv_gap_s, conv.sum()).astype(
                    np.int64)
                cu.append(user[idx[conv]])
                cj.append(jid[idx[conv]])
                ct.append(when)
                cl.append(state[conv])
                end_t[idx[conv]] = when
                outcome[idx[conv]] = 0
            go = nxt < k
            state = nxt[go]
            t = t[go] + MIN_GAP + rng.exponential(plan.gap_s[state]).astype(np.int64)
            idx = idx[go]
        ju.append(user)
        js.append(np.full(n, seq, dtype=np.int16))
        jst.append(start.astype(np.int64))
        jend.append(end_t)
        jout.append(outcome)
        jaft.append(after)
        jfirst.append(first.astype(np.int16))
        converted = (outcome == 0) | (outcome == 3)
        again = rng.random(n) < np.where(converted, cfg.repeat_after_purchase,
                                         cfg.return_after_null)
        gap_days = np.where(converted, 7.0 + rng.exponential(cfg.mean_repeat_days, n),
                            3.0 + rng.exponential(cfg.mean_return_days, n))
        nstart = end_t + (gap_days * DAY).astype(np.int64)
        keep = again & (nstart < end_s)
        user, start, bought = user[keep], nstart[keep], converted[keep]

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    t_user, t_journey = cat(tu, np.int64), cat(tj, np.int64)
    t_channel, t_ts = cat(tc, np.int16), cat(tt, np.int64)
    inside = t_ts < end_s
    order = np.argsort(t_ts[inside], kind="stable")
    t_user, t_journey = t_user[inside][order], t_journey[inside][order]
    t_channel, t_ts = t_channel[inside][order], t_ts[inside][order]
    m = t_ts.size
    t_view = rng.random(m) < plan.view[t_channel]
    local = (plan.campaign_cum[t_channel] <= rng.random(m)[:, None]).sum(axis=1)
    t_campaign = plan.campaign_base[t_channel] + local

    c_user, c_journey = cat(cu, np.int64), cat(cj, np.int64)
    c_ts, c_last = cat(ct, np.int64), cat(cl, np.int64)
    z = rng.standard_normal(c_ts.size)
    is_direct = c_last < 0
    multiplier = np.where(is_direct, DIRECT_VALUE, plan.multiplier[np.maximum(c_last, 0)])
    value = cfg.value_median * multiplier * np.exp(cfg.value_sigma * z)
    value = np.maximum(np.round(value, 2), 0.01)
    inside = c_ts < end_s
    order = np.argsort(c_ts[inside], kind="stable")
    c_user, c_journey = c_user[inside][order], c_journey[inside][order]
    c_ts, c_value = c_ts[inside][order], value[inside][order]
    c_direct = is_direct[inside][order]

    j_user, j_end = cat(ju, np.int64), cat(jend, np.int64)
    j_outcome = cat(jout, np.int8)
    j_outcome[j_end >= end_s] = 2
    j_touches = np.bincount(t_journey, minlength=next_j).astype(np.int32)
    last_in = np.full(next_j, -1, dtype=np.int64)
    np.maximum.at(last_in, t_journey, t_ts)
    np.maximum.at(last_in, c_journey, c_ts)
    chunk = Chunk(
        index=index, user0=user0, n_users=n_users,
        t_user=t_user + user0, t_journey=t_journey, t_channel=t_channel, t_ts=t_ts,
        t_view=t_view, t_campaign=t_campaign,
        c_user=c_user + user0, c_journey=c_journey, c_ts=c_ts, c_value=c_value,
        c_direct=c_direct,
        j_user=j_user + user0, j_seq=cat(js, np.int16), j_start=cat(jst, np.int64),
        j_end=last_in, j_outcome=j_outcome, j_after=cat(jaft, bool), j_touches=j_touches,
        j_first_channel=cat(jfirst, np.int16),
    )
    return replace(chunk, seg=draw_segments(plan, chunk))


@dataclass
class Stats:
    """Totals over all chunks that set spend levels, costs, id offsets and the start row."""

    k: int
    n_days: int
    touches: np.ndarray = field(init=False)  # (K, days)
    revenue: np.ndarray = field(init=False)  # (2,) by era of the conversion day
    starts: np.ndarray = field(init=False)  # (2, 2): era × (first, repeat) journeys opened
    conversions: int = 0  # purchases, touch journeys' and direct
    direct: int = 0  # direct purchases
    direct_revenue: float = 0.0
    carts: np.ndarray = field(init=False)  # (K + 1, 2): last channel (K = direct) × purchased
    counts: list[tuple[int, int, int]] = field(default_factory=list)  # per chunk: t, c, j
    chunk_touches: list[np.ndarray] = field(default_factory=list)  # per chunk: (K, days)

    def __post_init__(self) -> None:
        self.touches = np.zeros((self.k, self.n_days), dtype=np.int64)
        self.revenue = np.zeros(2)
        self.starts = np.zeros((2, 2), dtype=np.int64)
        self.carts = np.zeros((self.k + 1, 2), dtype=np.int64)

    def add(self, chunk: Chunk, plan: Plan) -> None:
        """Add a chunk's touches, revenue, journeys and row counts to the totals."""
        day = chunk.t_ts // DAY
        touches = np.bincount(chunk.t_channel.astype(np.int64) * self.n_days + day,
                              minlength=self.k * self.n_days).reshape(self.k, self.n_days)
        self.touches += touches
        self.chunk_touches.append(touches)
        era = (chunk.c_ts >= plan.launch_s).astype(np.int64)
        # revenue of the touch journeys only: direct purchases are credited to no channel
        touched = np.where(chunk.c_direct, 0.0, chunk.c_value)
        self.revenue += np.bincount(era, weights=touched, minlength=2)
        self.conversions += int(chunk.c_ts.size)
        self.direct += int(chunk.c_direct.sum())
        self.direct_revenue += float(chunk.c_value[chunk.c_direct].sum())
        # journeys that start on a channel (direct purchases start on none)
        kind = 2 * chunk.j_after.astype(np.int64) + (chunk.j_seq > 0)
        opened = (chunk.j_outcome != 3).astype(np.int64)
        self.starts += np.bincount(kind, weights=opened, minlength=4).reshape(2, 2).astype(
            np.int64)
        self.counts.append((chunk.t_ts.size, chunk.c_ts.size, chunk.j_user.size))
        if chunk.seg is not None and chunk.seg.k_ts.size:
            last = np.where(chunk.seg.k_last_channel < 0, self.k, chunk.seg.k_last_channel)
            key = last * 2 + chunk.seg.k_purchased
            self.carts += np.bincount(key, minlength=2 * (self.k + 1)).reshape(self.k + 1, 2)


def n_chunks(cfg: SynthConfig) -> int:
    """Number of chunks of ``cfg.chunk_users`` users (the last may be smaller)."""
    return -(-cfg.n_users // cfg.chunk_users)


def simulate_chunks(plan: Plan) -> Iterator[Chunk]:
    """Simulate every chunk of the plan, in order, one at a time."""
    for i in range(n_chunks(plan.config)):
        yield simulate_chunk(plan, i)


def id_offsets(stats: Stats) -> list[tuple[int, int, int]]:
    """Per chunk: its first touch, conversion and journey number (rows of the chunks before)."""
    out, acc = [], np.zeros(3, dtype=np.int64)
    for counts in stats.counts:
        out.append((int(acc[0]), int(acc[1]), int(acc[2])))
        acc += counts
    return out


def prior_touches(stats: Stats) -> list[np.ndarray]:
    """Per chunk: touches per channel-day in the chunks before it."""
    out, acc = [], np.zeros_like(stats.touches)
    for touches in stats.chunk_touches:
        out.append(acc.copy())
        acc += touches
    return out
