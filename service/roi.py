"""The channel ROI table: every period's conversions attributed, spend joined.

One workflow, :func:`roi_table`, behind ``GET /v1/roi``, ``touchpath roi``, the
report's ROI section, the lifecycle verdicts and the plan's response curves — so
all of them read the same table for the same parameters (DESIGN.md, "ROI and
lifecycle rules"; the table itself is :func:`touchpath.attribution.roi.channel_roi`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from touchpath.attribution.base import StopCheck
from touchpath.attribution.roi import ChannelROITable, channel_roi
from touchpath.data.journeys import JourneyOptions
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.defaults import DEFAULTS, Period
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec

__all__ = ["roi_table"]


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
        return channel_roi(wh, build_model(spec), period, options, start=start, end=end,
                           fiscal_year_start_month=fiscal_year_start_month, on_period=on_period,
                           should_stop=should_stop)

    return memo("roi_table", key, compute)
