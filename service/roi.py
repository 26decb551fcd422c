"""The channel ROI table: every period's conversions attributed, spend joined.

One workflow, :func:`roi_table`, behind ``GET /v1/roi``, ``touchpath roi``, the
report's ROI section, the lifecycle verdicts and the plan's response curves — so
all of them read the same table for the same parameters (DESIGN.md, "ROI and
lifecycle rules"). The steps: the range (by default all the data,
:func:`touchpath.data.periods.roi_range`), its periods
(:func:`touchpath.attribution.roi.period_bounds`), the warehouse's data per period
(:func:`touchpath.data.periods.roi_inputs`) and the table computed from it
(:func:`touchpath.attribution.roi.channel_roi`, which runs no query).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from touchpath.attribution.base import AttributionModel, StopCheck
from touchpath.attribution.roi import ChannelROITable, Period, ROIError, channel_roi, period_bounds
from touchpath.data.journeys import JourneyOptions, check_kind
from touchpath.data.periods import roi_inputs, roi_range
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec

__all__ = ["compute_roi_table", "roi_table"]


def compute_roi_table(
    wh: Warehouse,
    model: AttributionModel | str,
    period: Period = DEFAULTS.period,
    options: JourneyOptions | None = None,
    start: date | datetime | str | None = None,
    end: date | datetime | str | None = None,
    *,
    fiscal_year_start_month: int = DEFAULTS.fiscal_year_start_month,
    on_period: Callable[[str], None] | None = None,
    should_stop: StopCheck | None = None,
) -> ChannelROITable:
    """The channel ROI table of any additive ``model``, computed (not memoised).

    The steps of :func:`roi_table` for a model given as an object (or a
    registry spec): the range, its periods, the warehouse's data per period,
    the table.

    Parameters
    ----------
    wh : Warehouse
    model : AttributionModel or str
        A model, or a registry spec such as ``"markov2"``.
    period : {"week", "month", "quarter"}
    options : JourneyOptions, optional
        Lookback and path options (default :func:`journey_options`); its own
        ``start`` / ``end`` are replaced by each period's.
    start, end : date, optional
        Range of conversion days, ``end`` exclusive (default: from the first to
        the day after the last conversion or spend day in the warehouse); a range
        reaching beyond the data is clipped to the data. Periods are clipped to
        the range.
    fiscal_year_start_month, on_period, should_stop
        As :func:`touchpath.attribution.roi.channel_roi` (``should_stop`` is asked
        before each period's attribution).

    Raises
    ------
    ROIError
        Bad period or range, no data, a non-additive model.
    NoConversionsOfKind
        The warehouse has conversions, none of ``options.kind``.
    ModelSpecError
        Unknown model spec.
    ComputationStopped
        ``should_stop`` returned True.
    """
    model = build_model(model)
    options = options or journey_options()
    rng = roi_range(wh)
    if rng is None:
        raise ROIError("the warehouse has no conversions or spend; nothing to report")
    # A range reaching beyond the data is clipped to it: the periods outside hold
    # nothing, and an absurd range (from=0163-01-04) would otherwise mean tens of
    # thousands of empty periods.
    first = rng[0] if start is None else max(_day(start, "start"), rng[0])
    last = rng[1] if end is None else min(_day(end, "end"), rng[1])
    if first >= last:
        raise ROIError(f"no conversions or spend in the range {start} .. {end}; the data covers "
                       f"{rng[0]} .. {rng[1] - timedelta(days=1)}")
    check_kind(wh, options)
    bounds = period_bounds(first, last, period, fiscal_year_start_month)
    inputs = roi_inputs(wh, options, bounds)
    return channel_roi(inputs, model, period, fiscal_year_start_month=fiscal_year_start_month,
                       on_period=on_period, should_stop=should_stop, currency=DEFAULTS.currency)


def _day(value: date | datetime | str, name: str) -> date:
    """A range end as a date (a datetime's day, an ISO text's day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ROIError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from None


def roi_table(
    wh: Warehouse,
    model: str | None = None,
    period: Period = DEFAULTS.period,
    options: JourneyOptions | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    fiscal_year_start_month: int = DEFAULTS.fiscal_year_start_month,
    on_period: Callable[[str], None] | None = None,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> ChannelROITable:
    """The channel ROI table per ``period`` under ``model`` (memoised).

    Parameters
    ----------
    wh : Warehouse
    model : str, optional
        An additive registry spec; default the service's model.
    period : {"week", "month", "quarter"}
    options : JourneyOptions, optional
        Lookback and path options (default :func:`journey_options`); its own
        ``start`` / ``end`` are replaced by each period's.
    start, end : date, optional
        Conversion days ``[start, end)`` (default: all the data).
    fiscal_year_start_month : int
    on_period : callable, optional
        Progress: called with each period's label (only when computed, not memoised).
    should_stop : callable, optional
        Asked between periods (the API's time budget).
    memo : Memo

    Raises
    ------
    ROIError
        No data, a bad period or range, a non-additive model.
    ModelSpecError
        Unknown model.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    key = {"model": spec, "period": period, "fiscal": fiscal_year_start_month,
           "start": start, "end": end, **options_key(options)}

    def compute() -> ChannelROITable:
        return compute_roi_table(wh, spec, period, options, start, end,
                                 fiscal_year_start_month=fiscal_year_start_month,
                                 on_period=on_period, should_stop=should_stop)

    return memo("roi_table", key, compute)
