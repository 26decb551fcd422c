"""The generative truth of a synthetic data set (:class:`SyntheticTruth`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from touchpath.data.synth.chain import absorption_probability, removal_effects
from touchpath.data.synth.config import CHANNELS, CONVERSION, NULL, START, TEST_CHANNEL_GROUP

__all__ = ["FunnelTruth", "SegmentTruth", "SyntheticTruth"]


@dataclass(frozen=True, eq=False)
class SegmentTruth:
    """The true segment attributes (package docstring, step 9).

    Device and region are drawn once per user from their own stream, after the
    journeys: they change no journey, purchase or value. Region is independent
    of everything. Device depends on the channel that opened the user's first
    journey (:data:`~touchpath.data.synth.config.DEVICE_BY_CHANNEL`), so the
    channel mix -- and with it every path-based credit -- differs per device,
    while the chain after the first touch is the same for all devices.

    Parameters
    ----------
    channels : tuple of str
        Channel order of the arrays.
    devices, regions : tuple of str
        The attribute values.
    device_given_channel : DataFrame
        ``P(device | first channel)``: index channels, columns devices; rows sum to 1.
    region_share : Series
        Share of users per region (index: regions).
    first_share : ndarray, shape (2, K)
        Expected share of first journeys opened by each channel, per era
        (0 before the launch, 1 after), from the spend plan's rates (exact).
    first_share_all : ndarray, shape (K,)
        The same over the whole range (every user's first journey).
    chains : ndarray, shape (2, 1 + K, K + 2)
        Channel rows of each era's chain (row 0, the start row, is replaced per device).
    value_mean : ndarray, shape (K,)
        Expected order value per last channel.
    """

    channels: tuple[str, ...]
    devices: tuple[str, ...]
    regions: tuple[str, ...]
    device_given_channel: pd.DataFrame
    region_share: pd.Series
    first_share: np.ndarray
    first_share_all: np.ndarray
    chains: np.ndarray
    value_mean: np.ndarray

    @property
    def device_share(self) -> pd.Series:
        """Exact expected share of users per device, ``Σ_c π_c · P(d | c)``."""
        share = self.first_share_all @ self.device_given_channel.to_numpy()
        return pd.Series(share, index=list(self.devices), name="share")

    def first_channel_share(self, *, era: int | None = None) -> pd.DataFrame:
        """``P(first channel | device)`` of first journeys: index channels, columns devices.

        Parameters
        ----------
        era : {None, 0, 1}
            ``None``: all users; 0 / 1: first journeys started before / after the launch.
        """
        pi = self.first_share_all if era is None else self.first_share[era]
        joint = pi[:, None] * self.device_given_channel.to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            cond = joint / joint.sum(axis=0, keepdims=True)
        return pd.DataFrame(cond, index=list(self.channels), columns=list(self.devices))

    def first_journey_transition(self, device: str, *, before_launch: bool = False) -> np.ndarray:
        """The exact chain of a device's first journeys in one era.

        The era's channel rows with the start row ``P(first channel | device, era)``.

        Raises
        ------
        ValueError
            If ``device`` is not one of :attr:`devices`.
        """
        if device not in self.devices:
            raise ValueError(f"first_journey_transition: {device!r} is not a device; "
                             f"choose from {list(self.devices)}")
        era = 0 if before_launch else 1
        chain = self.chains[era].copy()
        k = len(self.channels)
        start = self.first_channel_share(era=era)[device].to_numpy()
        chain[0, :k] = np.nan_to_num(start)
        chain[0, k:] = 0.0
        return chain

    def first_journey_effects(self, *, before_launch: bool = False) -> pd.DataFrame:
        """Exact removal effects of each device's first journeys, one row per device × channel.

        Columns ``device``, ``channel``, ``removal_effect``, ``value_removal_effect``,
        ``conversion_share`` and ``value_share`` (each normalised within the device):
        what an order-1 Markov model fitted to one device's first journeys recovers.
        """
        rows = []
        for device in self.devices:
            chain = self.first_journey_transition(device, before_launch=before_launch)
            re = removal_effects(chain)
            rv = removal_effects(chain, self.value_mean)
            rows.append(pd.DataFrame({
                "device": device, "channel": list(self.channels), "removal_effect": re,
                "value_removal_effect": rv, "conversion_share": re / re.sum(),
                "value_share": rv / rv.sum(),
            }))
        return pd.concat(rows, ignore_index=True)


@dataclass(frozen=True, eq=False)
class FunnelTruth:
    """The carts of a data set generated with ``funnel_stages`` (package docstring, step 10).

    Parameters
    ----------
    abandonment_target : float
        :attr:`SynthConfig.cart_abandonment`, the target share of carts never purchased.
    by_channel : DataFrame
        One row per last touch channel of the cart's journey, then ``(direct)``
        (carts before direct purchases): ``last_channel``, ``carts``,
        ``purchases`` (carts that became the journey's purchase) and
        ``cart_to_purchase`` (their ratio).
    """

    abandonment_target: float
    by_channel: pd.DataFrame

    @property
    def carts(self) -> int:
        """``add_to_cart`` rows in the data."""
        return int(self.by_channel["carts"].sum())

    @property
    def purchases(self) -> int:
        """Carts that became a purchase (every purchase has one)."""
        return int(self.by_channel["purchases"].sum())

    @property
    def abandoned(self) -> int:
        """Carts never purchased."""
        return self.carts - self.purchases

    @property
    def abandonment(self) -> float:
        """Realised share of carts never purchased, ``abandoned / carts``."""
        return self.abandoned / self.carts if self.carts else math.nan


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
        mixture (package docstring, step 3): the first-journey distribution the
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
        (package docstring, step 4). The touch journeys' purchases follow their
        last touch by ``60 s + Exponential(mean_gap_hours / 16)``, so within
        any lookback of a day or more they are never direct at the defaults.
    direct_revenue : float
        Their revenue.
    segments : SegmentTruth or None
        The true device and region attributes (step 9).
    funnel : FunnelTruth or None
        The carts, when generated with ``funnel_stages`` (step 10); else None.
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
    segments: SegmentTruth | None = None
    funnel: FunnelTruth | None = None

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
