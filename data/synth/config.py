"""Settings of the generator and the fixed numbers of the synthetic world.

The channels and their groups, the true chain's rows (:data:`CHAIN`), each
channel's profile (gaps, view rate, order value multiplier, spend knee, target
ROI, unit cost, campaigns), where returning customers start, and the calendar
shapes of demand and spend. :mod:`touchpath.data.synth` describes the
generative process that uses them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

__all__ = [
    "CHAIN",
    "CHANNELS",
    "CONVERSION",
    "CONVERSION_GAP",
    "DAY",
    "DEVICES",
    "DEVICE_BY_CHANNEL",
    "DIRECT_VALUE",
    "HOURS",
    "LEVEL_RANGE",
    "MIN_GAP",
    "NULL",
    "ORDER",
    "PROFILES",
    "REGIONS",
    "RETURN",
    "SPRING_FESTIVAL",
    "START",
    "TEST_CHANNEL",
    "TEST_CHANNEL_GROUP",
    "WEEKDAY_DEMAND",
    "WEEKDAY_SPEND",
    "Profile",
    "SynthConfig",
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

#: Seconds in a day (event times are seconds from the start of the range).
DAY = 86_400
#: Minimum gap before a touch or a purchase, seconds.
MIN_GAP = 60


# True first-order chain after the launch. Row: from-state; columns: the
# channels in ORDER, then conversion, then null. Each row sums to 1.
# search and marketplace close well; short_video and social_kol open journeys
# and hand over to search / marketplace; e-mail/SMS and app push re-engage and
# lead to the owned site, often the last touch. The test channel (livestream)
# closes at 10% per touch. The START row here is not a draw probability: it is
# each channel's share of first journeys when every bought channel spends its
# mean level (the weights w_c of the package docstring, step 2); the true start
# row of the data is the mixture in SyntheticTruth.transition.
ORDER = ("search", "short_video", "social_kol", "marketplace", "email_sms", "app_push",
         "owned_site", "livestream")
CHAIN: dict[str, tuple[float, ...]] = {
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
class Profile:
    """What a channel is like: gaps, interactions, order values, spend response, costs."""

    gap: float  # mean gap before a touch on this channel, relative to mean_gap_hours
    view: float  # probability that a touch is a view (else a click)
    value: float  # order value multiplier when this channel is last
    kappa: float | None  # knee of entries vs spend, in units of mean spend; None = not bought
    roi: float | None  # target ROI under the true chain's attribution (None: free or test)
    unit_cost: float  # cost per touch for channels billed per message
    campaigns: tuple[tuple[str, float], ...]


#: Profile of each channel; a test channel of another name has ``livestream``'s.
PROFILES: dict[str, Profile] = {
    "search": Profile(0.35, 0.02, 1.00, 0.8, 5.0, 0.0,
                      (("brand", 0.45), ("generic", 0.40), ("competitor", 0.15))),
    "short_video": Profile(1.25, 0.35, 0.85, 1.2, 2.5, 0.0,
                           (("feed_awareness", 0.4), ("feed_promo", 0.4),
                            ("creator_collab", 0.2))),
    "social_kol": Profile(1.5, 0.30, 1.10, 1.0, 2.0, 0.0,
                          (("kol_review", 0.4), ("kol_unboxing", 0.3),
                           ("notes_seeding", 0.3))),
    "marketplace": Profile(0.5, 0.10, 0.90, 0.9, 3.5, 0.0,
                           (("store_ads", 0.5), ("search_ads", 0.35), ("flash_sale", 0.15))),
    "email_sms": Profile(2.0, 0.50, 1.05, None, 25.0, 0.05,
                         (("newsletter", 0.4), ("cart_reminder", 0.35), ("promo_blast", 0.25))),
    "app_push": Profile(1.7, 0.40, 1.00, None, None, 0.0,
                        (("daily_deal", 0.5), ("price_drop", 0.3), ("restock", 0.2))),
    "owned_site": Profile(0.4, 0.00, 1.15, None, None, 0.0, ()),
    "livestream": Profile(1.0, 0.30, 0.90, 1.0, None, 0.0,
                          (("host_session", 0.5), ("brand_live", 0.3), ("flash_deal", 0.2))),
}
#: Where returning customers (a user's second and later journeys) start.
RETURN: dict[str, float] = {"email_sms": 0.35, "app_push": 0.30, "owned_site": 0.35}
#: Devices of the users, in this order (the columns of :data:`DEVICE_BY_CHANNEL`).
DEVICES = ("mobile", "desktop", "tablet")
#: ``P(device | channel that opened the user's first journey)``; a test channel of
#: another name has ``livestream``'s row. Feeds, push and livestream lean mobile,
#: search and the owned site lean desktop. With the default spend plan the users'
#: device shares come to about 0.66 / 0.27 / 0.07 (exactly:
#: :attr:`SegmentTruth.device_share <touchpath.data.synth.truth.SegmentTruth>`).
DEVICE_BY_CHANNEL: dict[str, tuple[float, float, float]] = {
    "search": (0.45, 0.48, 0.07),
    "short_video": (0.80, 0.13, 0.07),
    "social_kol": (0.72, 0.20, 0.08),
    "marketplace": (0.60, 0.32, 0.08),
    "email_sms": (0.55, 0.38, 0.07),
    "app_push": (0.85, 0.05, 0.10),
    "owned_site": (0.50, 0.42, 0.08),
    "livestream": (0.82, 0.10, 0.08),
}
#: The seven regions of China and each one's share of users (independent of behaviour).
REGIONS: dict[str, float] = {
    "East": 0.30, "South": 0.20, "North": 0.15, "Central": 0.13,
    "Southwest": 0.10, "Northwest": 0.06, "Northeast": 0.06,
}
#: Monthly budget levels of a bought channel span this range of its mean level.
LEVEL_RANGE = (0.3, 1.7)
CONVERSION_GAP = 1.5 / 24.0  # mean gap from last touch to purchase, relative to mean_gap_hours
DIRECT_VALUE = 1.0  # order value multiplier of a direct purchase (it has no last channel)
#: Relative weights of the hour of day (UTC) at which first journeys start.
HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4], float)
#: Weekday factors (Monday first) of organic demand and of bought channels' spend.
WEEKDAY_DEMAND = np.array([0.95, 0.95, 0.97, 1.0, 1.05, 1.1, 1.0])
WEEKDAY_SPEND = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.92, 0.92])
#: Spring Festival dates; demand dips from three days before to six days after.
SPRING_FESTIVAL = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
                   2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
                   2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23)}


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
    funnel_stages : bool
        Also emit ``add_to_cart`` conversions (package docstring, step 9): one
        before every purchase and, on null journeys, abandoned carts at the rate
        ``cart_abandonment``. Off by default: every conversion row is then a
        purchase, as analyses that pool conversion kinds expect. Switching it on
        changes no other row.
    cart_abandonment : float
        Target share of carts that never become a purchase, in [0, 1).
    cross_device_share : float
        Share of customers with a second, logged-in id on which they buy
        (:mod:`touchpath.data.synth.devices`), in [0, 1]; their login pairs
        are :attr:`SyntheticData.identities`. 0 (the default) changes no row.
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
    funnel_stages: bool = False
    cart_abandonment: float = 0.7
    cross_device_share: float = 0.0

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
        if not isinstance(self.funnel_stages, bool):
            bad("funnel_stages", "must be True or False")
        for name in ("repeat_after_purchase", "return_after_null", "direct_repeat",
                     "cart_abandonment"):
            if not 0.0 <= getattr(self, name) < 1.0:
                bad(name, "must be a probability in [0, 1)")
        if not 0.0 <= self.cross_device_share <= 1.0:
            bad("cross_device_share", "must be a share in [0, 1]")

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
