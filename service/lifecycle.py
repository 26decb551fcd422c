"""Lifecycle workflows: verdicts for the channels in test, and the user's status changes.

Verdicts (DESIGN.md, "ROI and lifecycle rules") are computed on the very ROI
table of :func:`touchpath.service.roi.roi_table` for the same model, period and
journeys, so the verdict a growth lead reads on the dashboard is the one the CLI
prints and the plan applies. Reading verdicts changes nothing; recording them
and changing a channel's status are writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from touchpath.attribution.base import StopCheck
from touchpath.attribution.lifecycle import (
    LifecycleRules,
    Verdict,
    evaluate,
    record_verdicts,
    set_channel_status,
    verdicts_to_frame,
)
from touchpath.attribution.roi import ChannelROITable
from touchpath.data.journeys import JourneyOptions
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.defaults import DEFAULTS, Period
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec
from touchpath.service.roi import roi_table

__all__ = ["LifecycleReport", "StatusChange", "change_status", "lifecycle", "record"]


@dataclass(frozen=True, eq=False)
class LifecycleReport:
    """The verdicts of the channels in test, with the table and rules behind them.

    Attributes
    ----------
    verdicts : list of Verdict
        One per channel in ``test`` status, each with its per-cycle evidence.
    roi : ChannelROITable
        The ROI table the verdicts were read from.
    rules : LifecycleRules
    """

    verdicts: list[Verdict]
    roi: ChannelROITable
    rules: LifecycleRules

    def to_frame(self) -> pd.DataFrame:
        """One row per verdict (see :func:`touchpath.attribution.lifecycle.verdicts_to_frame`)."""
        return verdicts_to_frame(self.verdicts)


def lifecycle(
    wh: Warehouse,
    rules: LifecycleRules | None = None,
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
) -> LifecycleReport:
    """Verdicts for every channel in test status (nothing is recorded).

    Parameters
    ----------
    wh : Warehouse
    rules : LifecycleRules, optional
        Default rules (1.15× / 1.30× the paid baseline, exit below half the
        admit bar in 3 consecutive cycles).
    model, period, options, start, end, fiscal_year_start_month, on_period, should_stop, memo
        As :func:`touchpath.service.roi.roi_table`.
    """
    rules = rules or LifecycleRules()
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    table = roi_table(wh, spec, period, options, start=start, end=end,
                      fiscal_year_start_month=fiscal_year_start_month, on_period=on_period,
                      should_stop=should_stop, memo=memo)
    key = {"model": spec, "period": period, "fiscal": fiscal_year_start_month, "start": start,
           "end": end, "rules": repr(rules), **options_key(options)}
    verdicts = memo("lifecycle", key, lambda: evaluate(table, wh.channels(), rules))
    return LifecycleReport(verdicts, table, rules)


def record(wh: Warehouse, report: LifecycleReport) -> int:
    """Append the report's verdicts to the ``channel_verdicts`` history; rows written."""
    return record_verdicts(wh, report.verdicts)


@dataclass(frozen=True)
class StatusChange:
    """A user's status change: the channel, its status before and after."""

    channel: str
    previous_status: str
    status: str

    @property
    def changed(self) -> bool:
        """Whether the status differs from before."""
        return self.previous_status != self.status


def change_status(wh: Warehouse, channel: str, status: str, reason: str) -> StatusChange:
    """Move ``channel`` to ``status`` with a reason (a write; recorded in the history).

    Raises
    ------
    LifecycleError
        Unknown channel or status, or an empty reason.
    """
    previous = set_channel_status(wh, channel, status, reason)
    return StatusChange(channel, previous, status)
