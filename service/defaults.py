"""The one set of defaults every surface starts from (DESIGN.md, "Rooms and names").

The CLI's option defaults, the HTTP API's query and body defaults, the report's
options, the dashboard's first view (``GET /v1/defaults``) and the demo all read
:data:`DEFAULTS`; none repeats a literal. Changing a default here changes it on
every surface at once, which is what keeps them giving the same answer.

Which defaults won when the surfaces were unified, and why:

- **model** ``markov`` of **order 1**: the exact first-order chain is the
  convention of the peer tools (ChannelAttribution's default order), has the
  fewest states, so the per-period fits behind ROI tables, curves and plans stay
  stable on a month of data; higher orders are one option away (``--order 2``).
- **lookback** 30 days, **period** month, calendar quarters.
- **censor** on: a journey without a conversion whose last touch is less than
  the lookback before the end of the data is still open (a conversion could
  close it) and is left out rather than counted as a failure; every surface
  says how many it left out and warns when that is most of them
  (``--no-censor`` / ``censor=false``: ChannelAttribution's convention, every
  non-converting journey is a failure).
- **kind** ``purchase``: only conversions of that kind close journeys and are
  attributed (a cart never cuts a purchase path); ``--kind`` / ``kind=`` picks
  another stage of the funnel, ``all`` pools every kind (the behaviour before
  kinds were told apart).
- **plan**: budget = last quarter's spend of the planned channels, spent *at
  most* (``spend_all`` off: an optimal plan may leave money unspent rather than
  buy revenue below its cost), each channel within **±30 %** of last quarter
  (``max_change`` 0.3: a plan that moves faster than that is not one a growth
  lead can execute, and the curves are not trusted far outside the spend they
  were fitted on), test channels at most 5 % of the budget each, scale channels
  may double. No unit of spend is bought whose marginal revenue ROI is below
  **1.0** (``min_roi``: a unit that returns less revenue than it costs loses
  money before any other cost); budget left unplaced is reported as
  ``unallocated`` with the reason.
- **currency** CNY: amounts are exact decimals in one currency, named on every
  table and export (:mod:`touchpath.money`).
- **stitch** on, components of at most **50** ids: once the ``identities``
  table has pairs, a customer's ids (phone cookie, laptop login, app id) are
  one person and journeys are cut per person; ``--no-stitch`` / ``stitch=false``
  cuts them per id. A larger component is a shared device or a test account
  more often than a customer, so it is reported and left apart.
- **grain** ``channel``: credit per channel; ``campaign`` (``--grain campaign``)
  splits it per channel and campaign, beside the channel roll-up.
- **monitoring**: a channel is off pace when its spend projected to the end
  of the quarter at the run rate is more than **15 %** off its recorded plan
  (a month's delay or a doubled campaign shows, a week's noise does not); a
  day is an anomaly when it lies more than **3.5** robust standard deviations
  (1.4826 · MAD, Iglewicz and Hoaglin's cut) from the median of the same
  weekday over the trailing **8 weeks**, judged once 4 such weeks exist.
- **calibration** ``nearest``: with ``--calibrate``, a channel's credit outside
  its experiments' windows is scaled by the factor of the experiment nearest in
  time (a lift test speaks first for its own season); ``weighted`` pools every
  experiment of the channel by precision.
- **comparison**: the rule-based models, time decay, position, Markov of
  orders 1 and 2 and the subset Shapley value; bootstrap intervals off unless
  asked for (``ci``), 95 % when on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the defaults load without the numerical stack (fast CLI start-up)
    from touchpath.attribution.roi import Period

from touchpath.money import CURRENCY

__all__ = ["DEFAULTS", "CalibrationRule", "Defaults", "Objective"]

Objective = Literal["revenue", "conversions", "profit"]

#: How calibration scales a channel's credit outside its experiments' windows.
CalibrationRule = Literal["nearest", "weighted"]


@dataclass(frozen=True)
class Defaults:
    """Default parameters of every workflow (see the module docstring for why)."""

    #: Attribution model of single-model answers, ROI, lifecycle, curves and plans.
    model: str = "markov"
    #: Markov order of ``model`` (1-4 or ``"auto"``).
    order: int | Literal["auto"] = 1
    #: Journey lookback window, days.
    lookback_days: int = 30
    #: Leave out non-converting journeys still open at the end of the data.
    censor: bool = True
    #: Conversion kind whose conversions close journeys (``None``: every kind, one pool).
    kind: str | None = "purchase"
    #: ROI period and lifecycle test cycle.
    period: Period = "month"
    #: First month of the fiscal year (1: calendar quarters).
    fiscal_year_start_month: int = 1
    #: Models compared side by side.
    compare_models: tuple[str, ...] = ("first_touch", "last_touch", "linear", "time_decay",
                                       "position", "markov1", "markov2", "shapley")
    #: Bootstrap resamples of confidence intervals (0: none).
    ci: int = 0
    #: Coverage of the intervals.
    level: float = 0.95
    #: Bootstrap seed.
    seed: int = 0
    #: Segments per piecewise-linear response curve.
    segments: int = 8
    #: Bootstrap resamples of the attribution behind a plan's revenue range (0: none).
    resamples: int = 0
    #: What a plan maximises.
    objective: Objective = "revenue"
    #: Largest change of a channel's planned spend vs last quarter (0.3 = ±30 %).
    max_change: float | None = 0.3
    #: Floor on the marginal revenue ROI of every unit a plan buys (0: pure maximisation).
    min_roi: float = 1.0
    #: Spend exactly the budget (else at most).
    spend_all: bool = False
    #: Largest share of the total per test channel.
    test_budget: float = 0.05
    #: Largest growth of a scale channel over its previous spend (1.0 = may double).
    scale_growth: float = 1.0
    #: Per-month split of a quarter's spend: from the data's monthly pattern, or even.
    monthly: Literal["pattern", "even"] = "pattern"
    #: Channels without a usable curve: held at previous spend, or zero.
    unmodelled: Literal["hold", "zero"] = "hold"
    #: LP solver.
    solver: Literal["cbc", "highs", "auto"] = "cbc"
    #: Budget multipliers of the scenarios.
    scenario_multipliers: tuple[float, ...] = (0.8, 0.9, 1.1, 1.2)
    #: Currency of every amount (ISO 4217 code): a label of tables, exports and charts.
    currency: str = CURRENCY
    #: Cut journeys per person: ids the identities table links are one customer.
    stitch: bool = True
    #: Largest identity component merged into one person (ids); larger ones stay apart.
    stitch_max_ids: int = 50
    #: Segments (``--by``) with fewer conversions are flagged small and always get an interval.
    segment_min_conversions: int = 100
    #: Bootstrap resamples of a small segment's interval when fewer were asked for.
    segment_ci: int = 200
    #: The attribute the report and the dashboard open their segments on (when stored;
    #: else the first segmentable attribute by name).
    segment_by: str = "device"
    #: What a touch's state is in attribution: its channel, or its channel and campaign.
    grain: Literal["channel", "campaign"] = "channel"
    #: Largest share a channel's projected quarter spend may be off its recorded plan.
    pacing_tolerance: float = 0.15
    #: Same-weekday values in an anomaly baseline (trailing weeks).
    anomaly_window_weeks: int = 8
    #: Fewer same-weekday values than this: the day is not judged.
    anomaly_min_history: int = 4
    #: Robust z (median / 1.4826·MAD) beyond which a day is an anomaly.
    anomaly_threshold: float = 3.5
    #: Calibration outside the experiments' windows: the nearest experiment's factor, or the
    #: precision-weighted mean of the channel's factors.
    calibration: CalibrationRule = "nearest"


#: The defaults in force.
DEFAULTS = Defaults()
