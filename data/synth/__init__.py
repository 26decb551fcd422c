"""Synthetic e-commerce data with a known generative truth.

Touchpath's models are checked against data whose answer is known. This package
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
   weight at its mean spend), ``r_c = g · w_c``, ``w_c`` the weights of the
   start row of :data:`~touchpath.data.synth.config.CHAIN` and ``g`` set so
   that ``Σ λ = n_users``. ``demand`` is the organic demand (weekdays, a slow
   trend, 3.8, 6.18, 11.11 and 12.12 peaks, a Spring-Festival dip). The users'
   (day, channel) cells are a multinomial draw with probabilities ``λ / Σ λ``:
   the journeys a channel opens on a day are Poisson(``λ_{c,d}``) conditioned
   on the total. A bought channel's own spend therefore drives its own new
   journeys with diminishing returns; ``κ_c`` (0.8–1.2) puts the mean spend
   near the knee. In currency, ``k_c = κ_c · mean daily spend``
   (:attr:`SyntheticTruth.response`).
3. **Journeys.** From the first touch the journey follows the first-order chain
   (channel rows of :data:`~touchpath.data.synth.config.CHAIN`, columns
   channels + ``(conversion)`` + ``(null)``) until absorption. Journeys that
   start before the launch use the chain with the test channel's column
   removed and each row renormalised
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

9. **Segments.** After a chunk's journeys are simulated, a stream of its own
   (spawn key ``(3, chunk)``) gives every user a ``device`` and a ``region``,
   so none of the draws above changes. Device is drawn given the channel that
   opened the user's first journey
   (:data:`~touchpath.data.synth.config.DEVICE_BY_CHANNEL`: short video, app
   push and livestream lean mobile, search and the owned site desktop); with
   the defaults users are about 66% mobile, 27% desktop, 7% tablet. The chain
   after the first touch is the same for every device, so a device's first
   journeys follow the era's chain with its own start row and their removal
   effects differ (search earns more on desktop, short video on mobile):
   :attr:`SyntheticTruth.segments` has the exact numbers. Region is
   independent of everything, with the shares of
   :data:`~touchpath.data.synth.config.REGIONS` (East 0.30, South 0.20, North
   0.15, Central 0.13, Southwest 0.10, Northwest 0.06, Northeast 0.06). Each
   purchase carries its user's device and region and a ``customer_type``:
   ``new`` for the user's first purchase in the data, ``returning`` after.
   The ``users`` table (``user_id, device, region, first_seen``) is written
   with the files; the warehouse does not load it yet.
10. **Funnel stages** (only with :attr:`SynthConfig.funnel_stages`, off by
    default). Every purchase is preceded by an ``add_to_cart`` conversion of
    the same value, between the journey's last touch and the purchase (a
    direct purchase's cart 60 s + Exponential(10 min) before it). A null
    journey leaves an abandoned cart with probability
    ``q = A / (1 − A) · purchases / null journeys`` of its chunk, 60 s +
    Exponential(90 min) after its last touch, valued like an order with that
    last channel, so about a share ``A = cart_abandonment`` (default 0.7) of
    carts is never purchased. Cart ids are ``a<journey number>``; the ledger's
    ``cart_id`` names them. :attr:`SyntheticTruth.funnel` counts carts and
    purchases per last channel. The purchases, touches and spend are those of
    the data without funnel stages.

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

Modules
-------
``config``
    :class:`SynthConfig`, the channels and the fixed numbers of the world.
``chain``
    First-order chains: checks, exact absorption and removal effects, draws.
``plan``
    Demand, monthly budgets and first-journey rates (steps 1 and 2).
``simulate``
    Chunked journey simulation (steps 2 to 7) and the totals over chunks.
``calibrate``
    Spend set to the target ROIs (step 8) and the truth it implies.
``truth``
    :class:`SyntheticTruth` with :class:`~touchpath.data.synth.truth.SegmentTruth`
    and :class:`~touchpath.data.synth.truth.FunnelTruth`.
``segments``
    Devices, regions, customer types and carts of a chunk (steps 9 and 10).
``tables``
    Arrow tables of a chunk, whole-cent touch costs, the channel list.
``generate``
    :func:`generate`, :func:`generate_to` and :class:`SyntheticData`.
``paths``
    :func:`simulate_paths`: path tables straight from a chain.
"""

from touchpath.data.synth.chain import absorption_probability, random_transition, removal_effects
from touchpath.data.synth.config import (
    CHANNELS,
    CONVERSION,
    NULL,
    START,
    TEST_CHANNEL,
    TEST_CHANNEL_GROUP,
    SynthConfig,
)
from touchpath.data.synth.generate import SyntheticData, generate, generate_to
from touchpath.data.synth.paths import simulate_paths
from touchpath.data.synth.truth import SyntheticTruth

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
