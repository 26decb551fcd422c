"""Synthetic e-commerce data with a known generative truth.

Touchpath's models are checked against data whose answer is known. This module
generates customers, touchpoints, purchases, daily spend and a channel list in
the shapes of DESIGN.md ("Tables"), together with the truth that produced them:
the first-order Markov chain over channels, its exact removal effects, order
value means and the spend response curves.

Generative process
------------------
Channels are modelled on Chinese e-commerce practice (:data:`CHANNELS`): search
ads, short-video feed, social notes / KOL, marketplace ads, e-mail/SMS, app push
and the owned site / mini-program (``owned_site``), plus one new channel in
``test`` status (:data:`TEST_CHANNEL`, ``livestream``) launched part-way through
the date range.

1. **Spend plan.** Each bought channel (search, short video, social/KOL,
   marketplace, and the test channel) gets a daily budget *shape*: a level per
   calendar month, a weekday factor and daily noise (log-normal, sd 0.12),
   scaled to mean 1 over its active days. The monthly levels of an
   established channel are spread evenly over 0.3–1.7 of its mean, shuffled
   and jittered (±5%), so every seed's months run from well below to well
   above the curve's knee; the test channel runs on one fixed test budget
   level. Spend is exogenous: it does not follow demand seasonality, so
   spend/response pairs identify the curve.
2. **First journeys.** Each user's first journey opens on day ``d`` through
   channel ``c`` at the rate

   ``λ_{c,d} = E_c · (1 − exp(−shape_c(d) / κ_c))`` for a bought channel,
   ``λ_{c,d} = r_c · demand(d) / mean(demand)`` for e-mail/SMS, app push and
   the owned site (organic and CRM starts, not bought),

   with ``E_c = g · w_c / (1 − exp(−1 / κ_c))`` (so ``w_c`` is the channel's
   weight at its mean spend), ``r_c = g · w_c``, ``w_c`` the weights of
   :data:`_CHAIN`'s start row and ``g`` set so that ``Σ λ = n_users``.
   ``demand`` is the organic demand (weekdays, a slow trend, 3.8, 6.18, 11.11
   and 12.12 peaks, a Spring-Festival dip). The users' (day, channel) cells are
   a multinomial draw with probabilities ``λ / Σ λ``: the journeys a channel
   opens on a day are Poisson(``λ_{c,d}``) conditioned on the total. A bought
   channel's own spend therefore drives its own new journeys with diminishing
   returns; ``κ_c`` (0.8–1.2) puts the mean spend near the knee. In currency,
   ``k_c = κ_c · mean daily spend`` (:attr:`SyntheticTruth.response`).
3. **Journeys.** From the first touch the journey follows the first-order chain
   (channel rows of :data:`_CHAIN`, columns channels + ``(conversion)`` +
   ``(null)``) until absorption. Journeys that start before the launch use the
   chain with the test channel's column removed and each row renormalised
   (:attr:`SyntheticTruth.transition_before_launch`); later ones use
   :attr:`SyntheticTruth.transition`. The true start row of each era is the
   start mixture: the first-journey distribution the spend plan implies over
   the era's days, ``Σ_d λ_{c,d} / Σ_{c,d} λ_{c,d}`` (exact), mixed with the
   returning row (step 4) by the numbers of first and repeat journeys the era
   opened. Gaps between touches are ``60 s + Exponential(mean)`` with a mean
   per next channel (hours for search and marketplace, days for CRM and
   feeds), scaled by :attr:`SynthConfig.mean_gap_hours`; a purchase follows
   its last touch after ``60 s + Exponential(90 min)``.
4. **Repeat journeys.** After a purchase the user returns with probability
   ``repeat_after_purchase`` after ``7 + Exponential(mean_repeat_days)`` days;
   after a null journey with probability ``return_after_null`` after
   ``3 + Exponential(mean_return_days)`` days. Returning customers start on
   the owned and CRM channels (e-mail/SMS 0.35, app push 0.30, owned site
   0.35); from there the chain may take them to any channel. So customers
   have first and repeat purchases, and bought channels open only new ones.
   **Direct purchases.** A customer returning after a purchase (a touch
   journey's or a direct one) buys straight away, with no touch at all, with
   probability ``direct_repeat`` (default 0.15): a bookmark, a typed address,
   the app opened from the home screen. The purchase happens at the return
   time; it adds no touchpoint and no transition, and it is a ``(direct)``
   conversion in the warehouse for any lookback window, since the user has no
   touch between the previous purchase and it (DESIGN.md, "Journeys"). The
   ledger lists it as a journey with ``outcome == "direct"`` and no touches.
   With the defaults about 7% of purchases are direct; the truth counts them
   (:attr:`SyntheticTruth.direct_conversions`, :attr:`SyntheticTruth.direct_share`).
5. **Order values** are log-normal, ``value = median · m(last) · exp(σ Z)``
   with a multiplier ``m`` per last channel, in cents (two decimals); the
   expected value given the last channel is ``median · m · exp(σ²/2)``. A
   direct purchase has no last channel: ``m = 1``.
6. **Touch details.** Each touch is a ``view`` with a channel-specific
   probability (feeds and CRM opens) and a ``click`` otherwise; it carries one
   of its channel's campaigns (none for ``owned_site``). Interactions and campaigns
   do not affect the chain.
7. **Censoring.** Events at or after the end of the range are cut: journeys
   still running there are *open* (``outcome == "open"`` in the journey
   ledger), exactly as the warehouse sees real data.
8. **Spend level and cost.** Each established bought channel's total spend is
   set so that its revenue under the true chain's value-weighted
   removal-effect attribution (DESIGN.md, "Attribution models"; the revenue of
   the touch journeys' purchases -- direct purchases are the ``(direct)``
   baseline, credited to no channel) divided by its spend equals a target ROI
   (search 5.0, marketplace 3.5, short video 2.5, social/KOL 2.0). E-mail/SMS
   costs 0.05 per message plus a platform fee per calendar month (whole
   currency units, split over the month's days in whole cents) set so that its
   ROI is 25; app push and ``owned_site`` are free. The test channel's spend
   makes its ROI in the months after launch ``test_roi_vs_baseline`` (default
   1.2) times the baseline of the established channels with spend in those
   months — between the DESIGN admit (1.15×) and scale (1.30×) bars, so the
   lifecycle rules have a close call to make. A channel-day's spend (whole
   cents) is split over its touches in whole cents — each touch pays
   ``floor(cents / n)`` or one cent more — so touch costs sum exactly to the
   spend of every channel-day that has touches.

**True response.** For a bought channel, the truth's response is the expected
revenue of the journeys its spend opens, ``a_c · (1 − exp(−s / k_c))`` per day
with ``a_c = E_c · V_c`` and ``V_c`` the expected revenue of a journey that
starts on ``c`` (``(I − Q) V = r·v``): the revenue that would not exist
without that spend. Attribution models measure credit shared along paths —
openers such as short video hand part of their journeys' revenue to closers
such as search — so attributed revenue per period agrees with it only
approximately.

Everything is vectorised with numpy; users are simulated in chunks of
:attr:`SynthConfig.chunk_users` with independent seeded streams, so
:func:`generate_to` writes 10M users with bounded memory and yields exactly the
rows :func:`generate` would.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from touchpath.data.paths import PathTable

__all__ = [
    "CHANNELS",
    "CONVERSION",
    "NULL",
    "START",
    "TEST_CHANNEL",
    "TEST_CHANNEL_GROUP",
    "SynthConfig",
    "SyntheticData",
    "SyntheticTruth",
    "absorption_probability",
    "generate",
    "generate_to",
    "random_transition",
    "removal_effects",
    "simulate_paths",
]

#: Established channels and their groups (``channels.group_name``).
CHANNELS: dict[str, str] = {
    "search": "search",
    "short_video": "social",
    "social_kol": "social",
    "marketplace": "marketplace",
    "email_sms": "crm",
    "app_push": "crm",
    "owned_site": "owned",
}
#: The new channel launched part-way through the range, in ``test`` status.
TEST_CHANNEL = "livestream"
#: Group of the test channel.
TEST_CHANNEL_GROUP = "social"
#: Row label of the start state and column labels of the absorbing states.
START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"

_TABLES = ("channels", "touchpoints", "conversions", "spend")
_DAY = 86_400
_MIN_GAP = 60

# True first-order chain after the launch. Row: from-state; columns: the
# channels in _ORDER, then conversion, then null. Each row sums to 1.
# search and marketplace close well; short_video and social_kol open journeys
# and hand over to search / marketplace; e-mail/SMS and app push re-engage and
# lead to the owned site, often the last touch. The test channel (livestream)
# closes at 10% per touch. The START row here is not a draw probability: it is
# each channel's share of first journeys when every bought channel spends its
# mean level (the weights w_c of the module docstring, step 2); the true start
# row of the data is the mixture in SyntheticTruth.transition.
_ORDER = ("search", "short_video", "social_kol", "marketplace", "email_sms", "app_push",
          "owned_site", "livestream")
_CHAIN: dict[str, tuple[float, ...]] = {
    #              srch  svid  kol   mkt   mail  push  own   live  conv  null
    START:        (0.20, 0.26, 0.14, 0.14, 0.06, 0.05, 0.05, 0.10, 0.00, 0.00),
    "search":      (0.06, 0.04, 0.03, 0.10, 0.04, 0.03, 0.12, 0.03, 0.14, 0.41),
    "short_video": (0.15, 0.12, 0.06, 0.08, 0.02, 0.02, 0.05, 0.08, 0.03, 0.39),
    "social_kol":  (0.16, 0.07, 0.08, 0.10, 0.03, 0.02, 0.06, 0.04, 0.04, 0.40),
    "marketplace": (0.05, 0.03, 0.03, 0.10, 0.03, 0.04, 0.04, 0.03, 0.15, 0.50),
    "email_sms":   (0.06, 0.02, 0.02, 0.06, 0.05, 0.06, 0.16, 0.02, 0.08, 0.47),
    "app_push":    (0.04, 0.02, 0.02, 0.05, 0.05, 0.05, 0.18, 0.03, 0.09, 0.47),
    "owned_site":  (0.05, 0.02, 0.02, 0.04, 0.06, 0.06, 0.08, 0.02, 0.20, 0.45),
    "livestream":  (0.08, 0.06, 0.03, 0.08, 0.02, 0.03, 0.05, 0.10, 0.10, 0.45),
}


@dataclass(frozen=True)
class _Profile:
    gap: float  # mean gap before a touch on this channel, relative to mean_gap_hours
    view: float  # probability that a touch is a view (else a click)
    value: float  # order value multiplier when this channel is last
    kappa: float | None  # knee of entries vs spend, in units of mean spend; None = not bought
    roi: float | None  # target ROI under the true chain's attribution (None: free or test)
    unit_cost: float  # cost per touch for channels billed per message
    campaigns: tuple[tuple[str, float], ...]


_PROFILES: dict[str, _Profile] = {
    "search": _Profile(0.35, 0.02, 1.00, 0.8, 5.0, 0.0,
                       (("brand", 0.45), ("generic", 0.40), ("competitor", 0.15))),
    "short_video": _Profile(1.25, 0.35, 0.85, 1.2, 2.5, 0.0,
                            (("feed_awareness", 0.4), ("feed_promo", 0.4),
                             ("creator_collab", 0.2))),
    "social_kol": _Profile(1.5, 0.30, 1.10, 1.0, 2.0, 0.0,
                           (("kol_review", 0.4), ("kol_unboxing", 0.3),
                            ("notes_seeding", 0.3))),
    "marketplace": _Profile(0.5, 0.10, 0.90, 0.9, 3.5, 0.0,
                            (("store_ads", 0.5), ("search_ads", 0.35), ("flash_sale", 0.15))),
    "email_sms": _Profile(2.0, 0.50, 1.05, None, 25.0, 0.05,
                          (("newsletter", 0.4), ("cart_reminder", 0.35), ("promo_blast", 0.25))),
    "app_push": _Profile(1.7, 0.40, 1.00, None, None, 0.0,
                         (("daily_deal", 0.5), ("price_drop", 0.3), ("restock", 0.2))),
    "owned_site": _Profile(0.4, 0.00, 1.15, None, None, 0.0, ()),
    "livestream": _Profile(1.0, 0.30, 0.90, 1.0, None, 0.0,
                           (("host_session", 0.5), ("brand_live", 0.3), ("flash_deal", 0.2))),
}
#: Where returning customers (a user's second and later journeys) start.
_RETURN: dict[str, float] = {"email_sms": 0.35, "app_push": 0.30, "owned_site": 0.35}
#: Monthly budget levels of a bought channel span this range of its mean level.
_LEVEL_RANGE = (0.3, 1.7)
_CONVERSION_GAP = 1.5 / 24.0  # mean gap from last touch to purchase, relative to mean_gap_hours
_DIRECT_VALUE = 1.0  # order value multiplier of a direct purchase (it has no last channel)
_HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4], float)
_WEEKDAY_DEMAND = np.array([0.95, 0.95, 0.97, 1.0, 1.05, 1.1, 1.0])
_WEEKDAY_SPEND = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.92, 0.92])
_SPRING_FESTIVAL = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
                    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
                    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23)}


# ---------------------------------------------------------------------- config
@dataclass(frozen=True)
class SynthConfig:
    """Settings of the generator; every default gives the documented world.

    Parameters
    ----------
    n_users : int
        Customers (each has at least one journey). 1k to 10M.
    start : date
        First day of the range (UTC).
    days : int
        Length of the range in days.
    seed : int
        Seed of every random stream; the same config gives identical data.
    test_channel : str or None
        Name of the test channel (it has the ``livestream`` profile), or
        ``None`` for established channels only.
    test_launch_fraction : float
        Launch day of the test channel as a fraction of the range, in (0, 1).
    test_roi_vs_baseline : float
        Test channel's true ROI after launch over the established baseline.
    value_median, value_sigma : float
        Log-normal order value: median (local currency) and log-sd.
    mean_gap_hours : float
        Scale of the gaps between touches (a channel's own mean is this times
        its relative factor, 0.35 for search to 2.0 for e-mail/SMS).
    repeat_after_purchase, return_after_null : float
        Probability of another journey after a purchase / after a null journey.
    mean_repeat_days, mean_return_days : float
        Exponential part of the gap before that journey (after a minimum of
        7 and 3 days).
    direct_repeat : float
        Probability that a customer returning after a purchase buys directly,
        with no touch (a ``(direct)`` conversion), instead of starting a touch
        journey. 0 gives exactly the data of a generator without direct
        purchases.
    max_journeys : int
        Cap on journeys per user.
    chunk_users : int
        Users simulated together (memory bound); part of the random layout, so
        changing it changes the data.
    """

    n_users: int = 100_000
    start: date = date(2026, 1, 1)
    days: int = 365
    seed: int = 7
    test_channel: str | None = TEST_CHANNEL
    test_launch_fraction: float = 0.6
    test_roi_vs_baseline: float = 1.2
    value_median: float = 200.0
    value_sigma: float = 0.7
    mean_gap_hours: float = 24.0
    repeat_after_purchase: float = 0.55
    return_after_null: float = 0.3
    mean_repeat_days: float = 45.0
    mean_return_days: float = 30.0
    direct_repeat: float = 0.15
    max_journeys: int = 8
    chunk_users: int = 250_000

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> None:
            raise ValueError(f"SynthConfig.{name}={getattr(self, name)!r}: {why}")

        for name in ("n_users", "days", "max_journeys", "chunk_users"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                bad(name, "must be a positive integer")
        if not isinstance(self.start, date):
            bad("start", "must be a datetime.date")
        if self.test_channel is not None:
            if not isinstance(self.test_channel, str) or not self.test_channel.strip():
                bad("test_channel", "must be a non-empty channel name or None")
            if self.test_channel in CHANNELS:
                bad("test_channel", "is already an established channel")
        if not 0.0 < self.test_launch_fraction < 1.0:
            bad("test_launch_fraction", "must be strictly between 0 and 1")
        if self.test_channel is not None and self.days < 2:
            bad("days", "must be at least 2 to launch a test channel part-way through")
        for name in ("test_roi_vs_baseline", "value_median", "value_sigma", "mean_gap_hours",
                     "mean_repeat_days", "mean_return_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                bad(name, "must be a finite positive number")
        for name in ("repeat_after_purchase", "return_after_null", "direct_repeat"):
            if not 0.0 <= getattr(self, name) < 1.0:
                bad(name, "must be a probability in [0, 1)")

    @property
    def launch_day(self) -> int | None:
        """Day index (0-based) of the test channel's launch, ``None`` without one."""
        if self.test_channel is None:
            return None
        return max(1, min(self.days - 1, int(round(self.test_launch_fraction * self.days))))

    @property
    def launched_on(self) -> date | None:
        """Calendar date of the test channel's launch."""
        day = self.launch_day
        return None if day is None else self.start + timedelta(days=day)


# ---------------------------------------------------------------- exact truth
def _check_transition(transition: np.ndarray, n_channels: int | None = None) -> np.ndarray:
    t = np.asarray(transition, dtype=np.float64)
    if t.ndim != 2 or t.shape[1] != t.shape[0] + 1:
        raise ValueError(
            f"transition: expected shape (1 + n_channels, n_channels + 2), got {t.shape}")
    if n_channels is not None and t.shape[0] != n_channels + 1:
        raise ValueError(f"transition: {t.shape[0] - 1} channel rows for {n_channels} channels")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("transition: probabilities must be finite and non-negative")
    sums = t.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise ValueError(f"transition: row {int(bad[0])} sums to {sums[bad[0]]!r}, not 1")
    return t


def _solve_absorbing(transition: np.ndarray, reward: np.ndarray,
                     removed: int | None = None) -> float:
    """Expected absorbed reward from ``start``; ``removed`` channel redirected to null."""
    k = transition.shape[0] - 1
    q = transition[1:, :k].copy()
    r = reward.copy()
    s = transition[0, :k].copy()
    if removed is not None:
        q[:, removed] = 0.0
        s[removed] = 0.0
    system = np.eye(k) - q
    try:
        x = np.linalg.solve(system, r)
    except np.linalg.LinAlgError as exc:
        raise ValueError("transition: some channel state never reaches conversion or null"
                         ) from exc
    return float(s @ x)


def absorption_probability(transition: np.ndarray,
                           value_mean: Sequence[float] | np.ndarray | None = None) -> float:
    """Probability of conversion from ``start`` (or expected value per journey).

    Solves the absorbing chain exactly: with ``Q`` the channel-to-channel block
    and ``r`` the conversion column, ``(I − Q) x = r`` and ``P(conv) = π·x``
    where ``π`` is the start row (DESIGN.md, "Attribution models"). With
    ``value_mean`` (expected order value when each channel is last), ``r`` is
    weighted by it and the result is the expected revenue per journey.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        Row 0 is ``start``, rows 1..K the channels; columns are the K channels,
        then ``(conversion)``, then ``(null)``. Rows sum to 1.
    value_mean : array of K floats, optional
        Value weights per last channel.

    Returns
    -------
    float

    Examples
    --------
    >>> t = np.array([[1.0, 0.0, 0.0], [0.0, 0.3, 0.7]])
    >>> round(absorption_probability(t), 12)
    0.3
    """
    t = _check_transition(transition)
    k = t.shape[0] - 1
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    r = t[1:, k] * (1.0 if value_mean is None else np.asarray(value_mean, dtype=float))
    return _solve_absorbing(t, r)


def removal_effects(transition: np.ndarray,
                    value_mean: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Exact removal effect of every channel of a first-order chain.

    ``RE(c) = 1 − P(conv | c removed) / P(conv)``, where removing ``c`` sends
    every transition into ``c`` to null (DESIGN.md, "Attribution models";
    Anderl et al. 2016). Each ``P`` is an exact linear solve (see
    :func:`absorption_probability`); with ``value_mean`` the absorbed value
    replaces the conversion probability.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        The chain, laid out as in :func:`absorption_probability`.
    value_mean : array of K floats, optional
        Expected order value per last channel, for value-weighted effects.

    Returns
    -------
    ndarray of float64, shape (K,)

    Examples
    --------
    Start → a (0.5) or b (0.5); a converts with 0.4, b hands over to a with 0.5:
    ``P = 0.5·0.4 + 0.5·0.5·0.4 = 0.3``; without a, ``P = 0``; without b,
    ``P = 0.2``; so RE = (1, 1/3).

    >>> t = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.4, 0.6], [0.5, 0, 0, 0.5]])
    >>> np.round(removal_effects(t), 6).tolist()
    [1.0, 0.333333]
    """
    t = _check_transition(transition)
    k = t.shape[0] - 1
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    r = t[1:, k] * (1.0 if value_mean is None else np.asarray(value_mean, dtype=float))
    base = _solve_absorbing(t, r)
    if base <= 0:
        return np.zeros(k)
    return np.array([1.0 - _solve_absorbing(t, r, removed=c) / base for c in range(k)])


def _chain(channels: Sequence[str], test: str | None, include_test: bool) -> np.ndarray:
    """The true chain over ``channels`` (test channel dropped and rows renormalised if asked)."""
    k = len(channels)
    names = [TEST_CHANNEL if test is not None and c == test else c for c in channels]
    cols = [_ORDER.index(c) for c in names] + [len(_ORDER), len(_ORDER) + 1]
    rows = [START, *names]
    t = np.array([[_CHAIN[r][j] for j in cols] for r in rows], dtype=np.float64)
    if test is not None and not include_test:
        t[:, channels.index(test)] = 0.0
        t[1 + channels.index(test), :] = 0.0
        t[1 + channels.index(test), k + 1] = 1.0  # unreachable row: made absorbing to null
    return t / t.sum(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class SyntheticTruth:
    """What generated a :class:`SyntheticData`: chains, values, curves, target ROIs.

    Parameters
    ----------
    channels : tuple of str
        Channel order of every array below (established, then the test channel).
    transition : ndarray, shape (1 + K, K + 2)
        The first-order chain of journeys started after the launch (of all
        journeys without a test channel): rows ``start`` + channels, columns
        channels + ``(conversion)`` + ``(null)``; rows sum to 1. The channel
        rows are the fixed chain. The ``start`` row is the era's start
        mixture (module docstring, step 3): the first-journey distribution the
        spend plan implies over the era's days, ``Σ_d λ_{c,d} / Σ_{c,d} λ_{c,d}``
        (an exact expectation), mixed with the returning row by the numbers of
        first and repeat journeys the era actually opened.
    transition_before_launch : ndarray, same shape
        The chain of journeys started before the launch: channel rows with the
        test channel's column removed and renormalised (its own row is
        unreachable and set to null); the start row is that era's mixture (no
        test-channel mass, since it has no spend before the launch).
    value_mean : ndarray, shape (K,)
        Expected order value when each channel is the last touch,
        ``value_median · m(c) · exp(σ²/2)``.
    value_median, value_sigma : float
        Log-normal parameters of order values before the channel multiplier.
    value_multiplier : ndarray, shape (K,)
        ``m(c)``, the order value multiplier of the last channel.
    test_channel : str or None
        Name of the test channel.
    launched_on : date or None
        Its launch date (first day it can appear).
    response : DataFrame
        The true response of each bought channel (spend-driven starts), one row
        per channel: ``k`` (currency per day), ``entries_max`` (expected
        journeys opened per day at saturation), ``value_per_journey`` (``V_c``,
        expected revenue of a journey that starts on ``c`` under
        :attr:`transition`), ``a = entries_max · V_c`` and ``a_before_launch``
        (the same with :attr:`transition_before_launch`; NaN for the test
        channel). A day's spend ``s`` on ``c`` opens on average
        ``entries_max · (1 − exp(−s / k))`` journeys, all of them new customers,
        and their expected revenue ``a · (1 − exp(−s / k))`` is the revenue
        that would not exist without that spend: the *incremental* revenue of
        the channel (those journeys' later repeat journeys are not counted).
        Attribution models measure something else — credit shared along
        paths, so a channel also earns from journeys others opened and gives
        away part of its own — so only approximate agreement is expected.
        See :meth:`response_revenue` for a period's spend.
    target_roi : ndarray, shape (K,)
        Revenue ÷ spend each paid channel was calibrated to (NaN when free;
        the test channel's is ``test_roi_vs_baseline × baseline_roi``),
        revenue credited by the true chain's value-weighted removal effects.
    baseline_roi : float
        Established channels with spend after the launch, together: attributed
        revenue ÷ spend (the DESIGN lifecycle baseline, spend-bearing channels).
    monthly_fee : Series
        Platform fee per calendar month of each channel billed per message
        (index: channel), in whole currency units.
    conversions : int
        Purchases in the data (touch journeys' and direct).
    direct_conversions : int
        Direct purchases: no touch since the user's previous purchase, so each
        is a ``(direct)`` conversion of the warehouse whatever the lookback
        (module docstring, step 4). The touch journeys' purchases follow their
        last touch by ``60 s + Exponential(mean_gap_hours / 16)``, so within
        any lookback of a day or more they are never direct at the defaults.
    direct_revenue : float
        Their revenue.
    """

    channels: tuple[str, ...]
    transition: np.ndarray
    transition_before_launch: np.ndarray
    value_mean: np.ndarray
    value_median: float
    value_sigma: float
    value_multiplier: np.ndarray
    test_channel: str | None
    launched_on: date | None
    response: pd.DataFrame
    target_roi: np.ndarray
    baseline_roi: float
    monthly_fee: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    conversions: int = 0
    direct_conversions: int = 0
    direct_revenue: float = 0.0

    @property
    def direct_share(self) -> float:
        """Share of purchases that are direct, ``direct_conversions / conversions``."""
        return self.direct_conversions / self.conversions if self.conversions else math.nan

    def response_revenue(self, channel: str, spend: float | np.ndarray, days: float = 1.0, *,
                         before_launch: bool = False) -> float | np.ndarray:
        """True expected revenue of the journeys a channel's spend opens over ``days`` days.

        With the spend spread evenly over the days,
        ``R(S) = days · a · (1 − exp(−S / (days · k)))`` (``a``, ``k`` from
        :attr:`response`; ``a_before_launch`` when ``before_launch``). Uneven
        daily spend opens slightly fewer journeys (the curve is concave).

        Parameters
        ----------
        channel : str
            A bought channel (a row of :attr:`response`).
        spend : float or ndarray
            Total spend over the period, currency.
        days : float
            Length of the period in days.
        before_launch : bool
            Use the chain of journeys started before the test channel's launch.

        Returns
        -------
        float or ndarray

        Raises
        ------
        ValueError
            If the channel has no spend-driven response or ``days`` is not positive.
        """
        rows = self.response[self.response["channel"] == channel]
        if rows.empty:
            raise ValueError(f"response_revenue: {channel!r} is not a bought channel; "
                             f"choose from {self.response['channel'].tolist()}")
        if not days > 0:
            raise ValueError(f"response_revenue: days={days!r} must be positive")
        row = rows.iloc[0]
        a = row["a_before_launch"] if before_launch else row["a"]
        if not math.isfinite(a):
            raise ValueError(f"response_revenue: {channel!r} has no response before the launch")
        out = days * a * (1.0 - np.exp(-np.asarray(spend, dtype=float) / (days * row["k"])))
        return float(out) if np.ndim(out) == 0 else out

    @property
    def conversion_probability(self) -> float:
        """Exact ``P(conversion)`` of a journey under :attr:`transition`."""
        return absorption_probability(self.transition)

    @property
    def value_per_journey(self) -> float:
        """Exact expected revenue of a journey under :attr:`transition`."""
        return absorption_probability(self.transition, self.value_mean)

    @cached_property
    def channel_effects(self) -> pd.DataFrame:
        """Exact removal effects of :attr:`transition` and the Markov credit they imply.

        Columns: ``channel``, ``removal_effect``, ``value_removal_effect``,
        ``conversion_share`` (``RE / Σ RE``) and ``value_share`` (value-weighted
        likewise) — the expected attribution of an order-1 Markov model.
        """
        re = removal_effects(self.transition)
        rv = removal_effects(self.transition, self.value_mean)
        return pd.DataFrame({
            "channel": list(self.channels),
            "removal_effect": re,
            "value_removal_effect": rv,
            "conversion_share": re / re.sum(),
            "value_share": rv / rv.sum(),
        })

    def transition_frame(self, *, before_launch: bool = False) -> pd.DataFrame:
        """The chain as a labelled matrix (index: from-state, columns: to-state)."""
        t = self.transition_before_launch if before_launch else self.transition
        return pd.DataFrame(t, index=[START, *self.channels],
                            columns=[*self.channels, CONVERSION, NULL])

    def to_frame(self) -> pd.DataFrame:
        """One row per channel: group, status, exact effects, value mean, curve, target ROI."""
        frame = self.channel_effects.copy()
        frame.insert(1, "group_name", [CHANNELS.get(c, TEST_CHANNEL_GROUP) for c in self.channels])
        frame.insert(2, "status", ["test" if c == self.test_channel else "established"
                                   for c in self.channels])
        frame["value_mean"] = self.value_mean
        frame["target_roi"] = self.target_roi
        return frame.merge(self.response, on="channel", how="left")


# ------------------------------------------------------------------- results
def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _write_table(table: pa.Table | pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table if isinstance(table, pa.Table) else _to_arrow(table), path)
    else:
        frame = table.to_pandas() if isinstance(table, pa.Table) else table
        frame.to_csv(path, index=False)


def _check_fmt(fmt: str) -> str:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt={fmt!r}: expected 'parquet' or 'csv'")
    return fmt


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Generated tables (DESIGN.md, "Tables") and the truth behind them.

    Parameters
    ----------
    touchpoints : DataFrame
        ``event_id, user_id, ts`` (UTC), ``channel, campaign, interaction``
        (``click``/``view``), ``cost`` (the channel-day's spend split over its
        touches in whole cents; they sum to the spend exactly).
    conversions : DataFrame
        ``conversion_id, user_id, ts, value, kind`` (``purchase``).
    spend : DataFrame
        ``channel, day, amount``: every paid channel-day (the test channel from
        its launch).
    channels : DataFrame
        ``channel, status, group_name, launched_on``.
    truth : SyntheticTruth
        The generative truth.
    journeys : DataFrame
        The journey ledger (ground truth, not a warehouse table):
        ``journey_id, user_id, seq`` (0 = first journey), ``started_at,
        ended_at`` (last event inside the range), ``outcome``
        (``conversion``/``null``/``direct``, or ``open`` when cut by the end
        of the range),
        ``after_launch`` (which chain it followed), ``n_touches`` (inside the
        range) and ``conversion_id``. A direct purchase (module docstring,
        step 4) is a journey with ``outcome == "direct"``, no touches and
        ``started_at == ended_at`` the purchase time.
    """

    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    spend: pd.DataFrame
    channels: pd.DataFrame
    truth: SyntheticTruth
    journeys: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four warehouse tables by name, channels first."""
        return {name: getattr(self, name) for name in _TABLES}

    def write(self, directory: str | PathLike[str],
              fmt: Literal["parquet", "csv"] = "parquet") -> dict[str, Path]:
        """Write ``channels``, ``touchpoints``, ``conversions``, ``spend`` files.

        Timestamps are written as ISO 8601 with a ``+00:00`` offset in CSV.
        Returns the path of each table's file (``<table>.<fmt>``).
        """
        _check_fmt(fmt)
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for name, frame in self.tables().items():
            paths[name] = out / f"{name}.{fmt}"
            _write_table(frame, paths[name], fmt)
        return paths

    def load_into(self, warehouse: Any) -> list[Any]:
        """Ingest the four tables into a warehouse, channels first.

        Calls ``warehouse.ingest(table, frame)`` for ``channels``,
        ``touchpoints``, ``conversions`` and ``spend``, and returns the reports.
        """
        return [warehouse.ingest(name, frame) for name, frame in self.tables().items()]


# ---------------------------------------------------------------------- plan
@dataclass(frozen=True, eq=False)
class _Plan:
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
    level = _WEEKDAY_DEMAND[weekday] * (1.0 + 0.25 * np.arange(cfg.days) / 365.0)
    for i, d in enumerate(days):
        if d.month == 6 and 1 <= d.day <= 18:
            level[i] *= 1.0 + 1.2 * (d.day / 18.0) ** 2
        elif d.month == 11 and 1 <= d.day <= 11:
            level[i] *= 1.0 + 2.0 * (d.day / 11.0) ** 2
        elif (d.month, d.day) == (12, 12):
            level[i] *= 1.6
        elif (d.month, d.day) == (3, 8):
            level[i] *= 1.3
        festival = _SPRING_FESTIVAL.get(d.year)
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
    """Monthly budget levels: evenly spread over :data:`_LEVEL_RANGE`, shuffled, ±5% jitter.

    Spreading the levels (rather than drawing them) makes every seed's months
    cover the curve from well below to well above its knee.
    """
    if n_months == 1:
        base = np.ones(1)
    else:
        base = np.linspace(*_LEVEL_RANGE, n_months)
    return rng.permutation(base) * np.exp(rng.normal(0.0, 0.05, n_months))


def _make_plan(cfg: SynthConfig) -> _Plan:
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(0,)))
    test = cfg.test_channel
    channels = tuple(CHANNELS) + ((test,) if test is not None else ())
    k, n_days = len(channels), cfg.days
    profiles = [_PROFILES[TEST_CHANNEL if c == test else c] for c in channels]
    after = _chain(channels, test, include_test=True)
    before = _chain(channels, test, include_test=False) if test is not None else after
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
        weight = _CHAIN[START][_ORDER.index(TEST_CHANNEL if name == test else name)]
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
        s = levels[month_idx] * _WEEKDAY_SPEND[weekday] * noise * active
        s /= s[active].mean()
        shape[j] = s
        saturation[j] = weight / (1.0 - math.exp(-1.0 / prof.kappa))
        rate[j] = saturation[j] * (1.0 - np.exp(-s / prof.kappa))
    scale = cfg.n_users / rate.sum()
    rate *= scale
    cell_p = rate.T.ravel() / rate.sum()
    returning = np.array([_RETURN.get(c, 0.0) for c in channels])
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
    return _Plan(
        config=cfg, channels=channels, chains=chains, cum=cum, launch_s=launch * _DAY,
        demand=demand, shape=shape, rate=rate, entries_max=saturation * scale,
        returning=returning / returning.sum(), returning_cum=returning_cum, cell_p=cell_p,
        gap_s=np.array([p.gap for p in profiles]) * hour_s, conv_gap_s=_CONVERSION_GAP * hour_s,
        view=np.array([p.view for p in profiles]),
        multiplier=np.array([p.value for p in profiles]),
        campaign_names=np.array(names, dtype=object), campaign_cum=campaign_cum,
        campaign_base=base,
    )


# ---------------------------------------------------------------- simulation
@dataclass(frozen=True, eq=False)
class _Chunk:
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


def _draw(cum: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Inverse-CDF draw of a column for each entry of ``rows`` of ``cum``.

    ``cum`` holds cumulative probabilities per row (last column exactly 1).
    Row ``r`` is shifted by ``2r`` so one ``searchsorted`` over the flattened
    matrix serves every row: the draw is the number of ``cum[r]`` entries
    ``<= u``, in O(n log size) time and O(n) memory.
    """
    n_rows, n_cols = cum.shape
    flat = (cum + 2.0 * np.arange(n_rows)[:, None]).ravel()
    rows = np.asarray(rows, dtype=np.int64)
    pos = np.searchsorted(flat, 2.0 * rows + rng.random(rows.size), side="right")
    return pos - rows * n_cols


def _simulate_chunk(plan: _Plan, index: int) -> _Chunk:
    cfg = plan.config
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(1, index)))
    user0 = index * cfg.chunk_users
    n_users = min(cfg.chunk_users, cfg.n_users - user0)
    k = len(plan.channels)
    end_s = cfg.days * _DAY
    cum = plan.cum.reshape(2 * (k + 1), k + 2)
    cell = rng.choice(plan.cell_p.size, size=n_users, p=plan.cell_p)
    hours = rng.choice(24, size=n_users, p=_HOURS / _HOURS.sum())
    start = (cell // k) * _DAY + hours * 3600 + rng.integers(0, 3600, n_users)
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
            first = _draw(plan.returning_cum, np.zeros(n, dtype=np.int64), rng)
        direct = np.zeros(n, dtype=bool)
        if seq > 0 and cfg.direct_repeat > 0:
            direct = bought & (rng.random(n) < cfg.direct_repeat)
        idx = np.flatnonzero(~direct)
        state, t = first[idx], start[idx].astype(np.int64)
        end_t = start.astype(np.int64).copy()
        outcome = np.ones(n, dtype=np.int8)
        if direct.any():
            # a purchase at the return time, with no touch (module docstring, step 4)
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
            nxt = _draw(cum, era[idx] * (k + 1) + 1 + state, rng)
            conv = nxt == k
            if conv.any():
                when = t[conv] + _MIN_GAP + rng.exponential(plan.conv_gap_s, conv.sum()).astype(
                    np.int64)
                cu.append(user[idx[conv]])
                cj.append(jid[idx[conv]])
                ct.append(when)
                cl.append(state[conv])
                end_t[idx[conv]] = when
                outcome[idx[conv]] = 0
            go = nxt < k
            state = nxt[go]
            t = t[go] + _MIN_GAP + rng.exponential(plan.gap_s[state]).astype(np.int64)
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
        nstart = end_t + (gap_days * _DAY).astype(np.int64)
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
    multiplier = np.where(is_direct, _DIRECT_VALUE, plan.multiplier[np.maximum(c_last, 0)])
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
    return _Chunk(
        index=index, user0=user0, n_users=n_users,
        t_user=t_user + user0, t_journey=t_journey, t_channel=t_channel, t_ts=t_ts,
        t_view=t_view, t_campaign=t_campaign,
        c_user=c_user + user0, c_journey=c_journey, c_ts=c_ts, c_value=c_value,
        c_direct=c_direct,
        j_user=j_user + user0, j_seq=cat(js, np.int16), j_start=cat(jst, np.int64),
        j_end=last_in, j_outcome=j_outcome, j_after=cat(jaft, bool), j_touches=j_touches,
        j_first_channel=cat(jfirst, np.int16),
    )


@dataclass
class _Stats:
    """Totals over all chunks that set spend levels, costs, id offsets and the start row."""

    k: int
    n_days: int
    touches: np.ndarray = field(init=False)  # (K, days)
    revenue: np.ndarray = field(init=False)  # (2,) by era of the conversion day
    starts: np.ndarray = field(init=False)  # (2, 2): era × (first, repeat) journeys opened
    conversions: int = 0  # purchases, touch journeys' and direct
    direct: int = 0  # direct purchases
    direct_revenue: float = 0.0
    counts: list[tuple[int, int, int]] = field(default_factory=list)  # per chunk: t, c, j
    chunk_touches: list[np.ndarray] = field(default_factory=list)  # per chunk: (K, days)

    def __post_init__(self) -> None:
        self.touches = np.zeros((self.k, self.n_days), dtype=np.int64)
        self.revenue = np.zeros(2)
        self.starts = np.zeros((2, 2), dtype=np.int64)

    def add(self, chunk: _Chunk, plan: _Plan) -> None:
        day = chunk.t_ts // _DAY
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


def _truth_chains(plan: _Plan, stats: _Stats) -> tuple[np.ndarray, np.ndarray]:
    """The true chains of both eras with their start rows (module docstring, step 3).

    Start row of an era: ``(N₁·p₁ + N_r·p_r) / (N₁ + N_r)`` with ``p₁`` the
    first-journey start distribution the spend plan implies over the era's days
    (``Σ_d λ_{c,d} / Σ_{c,d} λ_{c,d}``), ``p_r`` the returning row, and ``N₁``,
    ``N_r`` the first and repeat journeys the era opened.
    """
    k = len(plan.channels)
    launch = plan.launch_s // _DAY
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


def _spend_and_truth(plan: _Plan, stats: _Stats) -> tuple[pd.DataFrame, np.ndarray,
                                                          SyntheticTruth]:
    """Calibrate spend levels to the target ROIs; return spend table, cents matrix, truth."""
    cfg = plan.config
    channels, k = plan.channels, len(plan.channels)
    test = cfg.test_channel
    profiles = [_PROFILES[TEST_CHANNEL if c == test else c] for c in channels]
    before, after = _truth_chains(plan, stats)
    value_mean = cfg.value_median * plan.multiplier * math.exp(cfg.value_sigma ** 2 / 2)

    def shares(chain: np.ndarray) -> np.ndarray:
        rv = removal_effects(chain, value_mean)
        return rv / rv.sum()

    launch = plan.launch_s // _DAY
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
    values = {1: _state_values(after, value_mean), 0: _state_values(before, value_mean)}
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


def _state_values(transition: np.ndarray, value_mean: np.ndarray) -> np.ndarray:
    """Expected revenue of a journey from each channel state: ``(I − Q) x = r·v``."""
    k = transition.shape[0] - 1
    q = transition[1:, :k]
    return np.linalg.solve(np.eye(k) - q, transition[1:, k] * value_mean)


def _ids(prefix: str, start: int, n: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "")


def _timestamps(cfg: SynthConfig, seconds: np.ndarray) -> pa.Array:
    epoch = int(pd.Timestamp(cfg.start).tz_localize("UTC").value // 1_000)
    return pa.array(epoch + seconds.astype(np.int64) * 1_000_000,
                    type=pa.timestamp("us", tz="UTC"))


def _touch_costs(chunk: _Chunk, cents: np.ndarray, touches: np.ndarray,
                 prior: np.ndarray) -> np.ndarray:
    """Whole-cent cost of each touch: its channel-day's cents split over its touches.

    A channel-day with ``c`` cents and ``n`` touches gives its ``r``-th touch
    (counted over all chunks, in time order) ``c // n`` cents plus one when
    ``r < c % n``: the costs sum to ``c`` exactly.
    """
    n_days = cents.shape[1]
    key = chunk.t_channel.astype(np.int64) * n_days + chunk.t_ts // _DAY
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


def _chunk_tables(plan: _Plan, chunk: _Chunk, cost: np.ndarray,
                  offsets: tuple[int, int, int]) -> dict[str, pa.Table]:
    """Arrow tables of one chunk; ``offsets`` = first event, conversion and journey id."""
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
    conv_ids = _ids("c", c0, chunk.c_ts.size)
    conversions = pa.table({
        "conversion_id": conv_ids,
        "user_id": pc.binary_join_element_wise("u", pc.cast(pa.array(chunk.c_user), pa.string()),
                                               ""),
        "ts": _timestamps(cfg, chunk.c_ts),
        "value": pa.array(chunk.c_value),
        "kind": pa.array(np.full(chunk.c_ts.size, "purchase"), type=pa.string()),
    })
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
    return {"touchpoints": touch, "conversions": conversions, "journeys": journeys}


def _channels_frame(cfg: SynthConfig) -> pd.DataFrame:
    rows = [{"channel": c, "status": "established", "group_name": g, "launched_on": None}
            for c, g in CHANNELS.items()]
    if cfg.test_channel is not None:
        rows.append({"channel": cfg.test_channel, "status": "test",
                     "group_name": TEST_CHANNEL_GROUP, "launched_on": cfg.launched_on})
    frame = pd.DataFrame(rows)
    for col in ("channel", "status", "group_name"):
        frame[col] = frame[col].astype("str")
    return frame


def _n_chunks(cfg: SynthConfig) -> int:
    return -(-cfg.n_users // cfg.chunk_users)


def _chunks(plan: _Plan) -> Iterator[_Chunk]:
    for i in range(_n_chunks(plan.config)):
        yield _simulate_chunk(plan, i)


def _offsets(stats: _Stats) -> list[tuple[int, int, int]]:
    out, acc = [], np.zeros(3, dtype=np.int64)
    for counts in stats.counts:
        out.append((int(acc[0]), int(acc[1]), int(acc[2])))
        acc += counts
    return out


def _prior_touches(stats: _Stats) -> list[np.ndarray]:
    """Per chunk: touches per channel-day in the chunks before it."""
    out, acc = [], np.zeros_like(stats.touches)
    for touches in stats.chunk_touches:
        out.append(acc.copy())
        acc += touches
    return out


def generate(config: SynthConfig = SynthConfig(), *,
             progress: Callable[[float], None] | None = None) -> SyntheticData:
    """Generate a synthetic e-commerce data set with its truth, in memory.

    The process is described in the module docstring. Runs in chunks of
    ``config.chunk_users`` users; for tens of millions of users prefer
    :func:`generate_to`, which streams to files.

    Parameters
    ----------
    config : SynthConfig
        Size, date range, seed and process knobs.
    progress : callable, optional
        Called with the fraction done (0 to 1) as the work advances.

    Returns
    -------
    SyntheticData

    Examples
    --------
    >>> data = generate(SynthConfig(n_users=1_000, days=60))
    >>> sorted(data.channels["channel"])[:2]
    ['app_push', 'email_sms']
    """
    plan = _make_plan(config)
    stats = _Stats(len(plan.channels), config.days)
    chunks = []
    n = _n_chunks(config)
    for chunk in _chunks(plan):
        stats.add(chunk, plan)
        chunks.append(chunk)
        if progress is not None:
            progress(0.8 * len(chunks) / n)
    spend, cents, truth = _spend_and_truth(plan, stats)
    parts: dict[str, list[pa.Table]] = {"touchpoints": [], "conversions": [], "journeys": []}
    for chunk, offsets, prior in zip(chunks, _offsets(stats), _prior_touches(stats),
                                     strict=True):
        cost = _touch_costs(chunk, cents, stats.touches, prior)
        for name, table in _chunk_tables(plan, chunk, cost, offsets).items():
            parts[name].append(table)
    if progress is not None:
        progress(0.9)
    frames = {name: pa.concat_tables(tables).to_pandas() for name, tables in parts.items()}
    if progress is not None:
        progress(1.0)
    return SyntheticData(
        touchpoints=frames["touchpoints"], conversions=frames["conversions"], spend=spend,
        channels=_channels_frame(config), truth=truth, journeys=frames["journeys"],
    )


def generate_to(directory: str | PathLike[str], config: SynthConfig = SynthConfig(), *,
                fmt: Literal["parquet", "csv"] = "parquet", include_journeys: bool = False,
                progress: Callable[[float], None] | None = None,
                ) -> tuple[dict[str, Path], SyntheticTruth]:
    """Stream a synthetic data set to files with memory bounded by one chunk.

    Two passes over the chunks: the first totals touches and revenue (which
    set spend levels, per-touch costs and id offsets), the second rebuilds
    each chunk from its seed and appends it to the files. The rows equal those
    of :func:`generate` with the same config.

    Parameters
    ----------
    directory : path
        Output folder (created if missing); files are ``<table>.<fmt>``.
    config : SynthConfig
        As for :func:`generate`.
    fmt : {"parquet", "csv"}
        File format.
    include_journeys : bool
        Also write the journey ledger (``journeys.<fmt>``).
    progress : callable, optional
        Called with the fraction done (0 to 1).

    Returns
    -------
    (dict of table name to Path, SyntheticTruth)
    """
    _check_fmt(fmt)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    plan = _make_plan(config)
    stats = _Stats(len(plan.channels), config.days)
    n = _n_chunks(config)
    for i, chunk in enumerate(_chunks(plan)):
        stats.add(chunk, plan)
        if progress is not None:
            progress(0.4 * (i + 1) / n)
    spend, cents, truth = _spend_and_truth(plan, stats)
    paths = {"channels": out / f"channels.{fmt}", "touchpoints": out / f"touchpoints.{fmt}",
             "conversions": out / f"conversions.{fmt}", "spend": out / f"spend.{fmt}"}
    if include_journeys:
        paths["journeys"] = out / f"journeys.{fmt}"
    _write_table(_channels_frame(config), paths["channels"], fmt)
    _write_table(spend, paths["spend"], fmt)
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        layout = zip(_chunks(plan), _offsets(stats), _prior_touches(stats), strict=True)
        for i, (chunk, offsets, prior) in enumerate(layout):
            cost = _touch_costs(chunk, cents, stats.touches, prior)
            for name, table in _chunk_tables(plan, chunk, cost, offsets).items():
                if name not in paths:
                    continue
                if fmt == "parquet":
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(paths[name], table.schema)
                    writers[name].write_table(table)
                else:
                    table.to_pandas().to_csv(paths[name], index=False, mode="w" if i == 0
                                             else "a", header=i == 0)
            if progress is not None:
                progress(0.4 + 0.6 * (i + 1) / n)
    finally:
        for writer in writers.values():
            writer.close()
    return paths, truth


# ---------------------------------------------------- paths straight from a chain
def simulate_paths(
    transition: np.ndarray,
    channels: Sequence[str],
    n_journeys: int,
    *,
    seed: int = 0,
    value_median: float | Sequence[float] | np.ndarray = 200.0,
    value_sigma: float = 0.7,
    chunk: int = 1_000_000,
) -> PathTable:
    """Journeys drawn straight from a first-order chain, as a :class:`PathTable`.

    Each journey starts at ``start``, moves by ``transition`` until it is
    absorbed in ``(conversion)`` or ``(null)``; a conversion's value is
    ``median(last) · exp(σ Z)`` with ``Z`` standard normal, so its mean given
    the last channel is ``median(last) · exp(σ²/2)``. No timestamps, no
    censoring: the fast path for attribution tests and benchmarks (millions
    of journeys). Journeys are grouped into distinct paths on the fly with a
    prefix tree (one ``np.unique`` per step), chunk by chunk, so memory is
    bounded by one chunk's journeys and the distinct paths.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        Row 0 ``start`` (all mass on channels), rows 1..K channels; columns the
        K channels, ``(conversion)``, ``(null)``; rows sum to 1.
    channels : sequence of str
        The K channel names.
    n_journeys : int
        Journeys to simulate.
    seed : int
        Seed; the same inputs give the same table.
    value_median : float or array of K floats
        Median order value, overall or per last channel.
    value_sigma : float
        Log-sd of order values.
    chunk : int
        Journeys simulated together (memory bound); chunk tables are merged.
        Part of the random layout: changing it changes the draw.

    Returns
    -------
    PathTable
        Distinct paths with conversions, value and nulls.

    Raises
    ------
    ValueError
        If the matrix is malformed, the start row has absorbing mass, or some
        reachable channel state can never be absorbed.

    Examples
    --------
    >>> t = np.array([[1.0, 0.0, 0.0], [0.0, 0.25, 0.75]])
    >>> pt = simulate_paths(t, ["search"], 10_000, seed=1)
    >>> pt.n_paths, abs(pt.total_conversions / 10_000 - 0.25) < 0.02
    (1, True)
    """
    t = _check_transition(transition, len(channels))
    k = len(channels)
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    if isinstance(n_journeys, bool) or int(n_journeys) != n_journeys or n_journeys < 0:
        raise ValueError(f"n_journeys={n_journeys!r}: must be a non-negative integer")
    if isinstance(chunk, bool) or int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk={chunk!r}: must be a positive integer")
    try:
        steps = np.linalg.solve(np.eye(k) - t[1:, :k], np.ones(k))
    except np.linalg.LinAlgError:
        steps = np.full(k, np.nan)
    if not np.all(np.isfinite(steps)) or np.any(steps < 0):
        raise ValueError("transition: some channel state never reaches conversion or null")
    medians = np.broadcast_to(np.asarray(value_median, dtype=float), (k,))
    if np.any(~np.isfinite(medians) | (medians <= 0)) or not value_sigma >= 0:
        raise ValueError("value_median must be positive and value_sigma non-negative")
    cum = np.cumsum(t, axis=1)
    cum[:, -1] = 1.0
    n_journeys = int(n_journeys)
    tables = [
        _simulate_path_chunk(cum, tuple(channels), min(chunk, n_journeys - first), medians,
                             value_sigma, np.random.default_rng(
                                 np.random.SeedSequence(seed, spawn_key=(i,))))
        for i, first in enumerate(range(0, n_journeys, chunk))
    ]
    if not tables:
        return _simulate_path_chunk(cum, tuple(channels), 0, medians, value_sigma,
                                    np.random.default_rng(seed))
    if len(tables) == 1:
        return tables[0]
    offsets = [np.zeros(1, dtype=np.int64)]
    end = 0
    for table in tables:
        offsets.append(table.offsets[1:] + end)
        end += int(table.offsets[-1])
    merged = PathTable(
        tuple(channels), np.concatenate(offsets), np.concatenate([x.codes for x in tables]),
        np.concatenate([x.conversions for x in tables]), np.concatenate([x.value for x in tables]),
        np.concatenate([x.nulls for x in tables]))
    return merged.aggregate()


def _simulate_path_chunk(cum: np.ndarray, channels: tuple[str, ...], n: int,
                         medians: np.ndarray, value_sigma: float,
                         rng: np.random.Generator) -> PathTable:
    """Journeys of one chunk grouped into distinct paths by a prefix tree."""
    k = len(channels)
    parents: list[np.ndarray] = []  # per depth: parent node index at depth - 1
    labels: list[np.ndarray] = []  # per depth: channel code of the node
    conv: list[np.ndarray] = []
    value: list[np.ndarray] = []
    nulls: list[np.ndarray] = []
    state = _draw(cum, np.zeros(n, dtype=np.int64), rng)
    node = np.zeros(n, dtype=np.int64)
    while state.size:
        keys, inverse = np.unique(node * k + state, return_inverse=True)
        parents.append(keys // k)
        labels.append((keys % k).astype(np.int32))
        node = inverse.astype(np.int64)
        m = keys.size
        nxt = _draw(cum, 1 + state, rng)
        is_conv, is_null = nxt == k, nxt == k + 1
        worth = medians[state[is_conv]] * np.exp(value_sigma * rng.standard_normal(
            int(is_conv.sum())))
        conv.append(np.bincount(node[is_conv], minlength=m).astype(float))
        value.append(np.bincount(node[is_conv], weights=worth, minlength=m))
        nulls.append(np.bincount(node[is_null], minlength=m).astype(float))
        go = nxt < k
        state, node = nxt[go], node[go]

    rows_codes: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    out_conv, out_value, out_null = [], [], []
    for depth in range(len(labels)):
        ended = np.flatnonzero((conv[depth] > 0) | (nulls[depth] > 0))
        if ended.size == 0:
            continue
        path = np.empty((ended.size, depth + 1), dtype=np.int32)
        cursor = ended
        for d in range(depth, -1, -1):
            path[:, d] = labels[d][cursor]
            cursor = parents[d][cursor]
        rows_codes.append(path.ravel())
        lengths.append(np.full(ended.size, depth + 1, dtype=np.int64))
        out_conv.append(conv[depth][ended])
        out_value.append(value[depth][ended])
        out_null.append(nulls[depth][ended])

    def flat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    offsets = np.concatenate([[0], np.cumsum(flat(lengths, np.int64))]).astype(np.int64)
    return PathTable(channels, offsets, flat(rows_codes, np.int32), flat(out_conv, float),
                     flat(out_value, float), flat(out_null, float))


def random_transition(n_channels: int, *, seed: int = 0,
                      conversion: tuple[float, float] = (0.02, 0.2),
                      null: tuple[float, float] = (0.3, 0.6),
                      prefix: str = "ch") -> tuple[tuple[str, ...], np.ndarray]:
    """A random absorbing first-order chain over ``n_channels`` channels.

    Each channel row draws its conversion and null probabilities uniformly
    from the given ranges and spreads the rest over the channels with a
    Dirichlet(0.5) draw; the start row is Dirichlet(1) over the channels.
    Useful for benchmarks with many channels.

    Parameters
    ----------
    n_channels : int
        Number of channels (named ``ch01``, ``ch02``, ...).
    seed : int
        Seed of the draw.
    conversion, null : (low, high)
        Ranges of the absorbing probabilities of each channel row.
    prefix : str
        Channel name prefix.

    Returns
    -------
    (tuple of channel names, ndarray of shape (1 + K, K + 2))
    """
    if n_channels < 1:
        raise ValueError(f"n_channels={n_channels!r}: must be at least 1")
    if not (0 <= conversion[0] <= conversion[1] and 0 <= null[0] <= null[1]
            and conversion[1] + null[1] <= 1 and conversion[0] + null[0] > 0):
        raise ValueError("random_transition: conversion and null ranges must be within [0, 1],"
                         " sum to at most 1, and leave some absorption; got"
                         f" conversion={conversion!r}, null={null!r}")
    rng = np.random.default_rng(seed)
    k = n_channels
    t = np.zeros((k + 1, k + 2))
    t[0, :k] = rng.dirichlet(np.ones(k))
    pc_ = rng.uniform(*conversion, k)
    pn = rng.uniform(*null, k)
    t[1:, :k] = rng.dirichlet(np.full(k, 0.5), size=k) * (1 - pc_ - pn)[:, None]
    t[1:, k], t[1:, k + 1] = pc_, pn
    width = len(str(k))
    names = tuple(f"{prefix}{i + 1:0{max(2, width)}d}" for i in range(k))
    return names, t
