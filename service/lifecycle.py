"""Lifecycle workflows: verdicts for the channels in test, and the user's status changes.

Verdicts (DESIGN.md, "ROI and lifecycle rules") are computed on the very ROI
table of :func:`touchpath.service.roi.roi_table` for the same model, period and
journeys, so the verdict a growth lead reads on the dashboard is the one the CLI
prints and the plan applies. Reading verdicts changes nothing; recording them
and changing a channel's status are writes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from touchpath.attribution.base import StopCheck
from touchpath.attribution.lifecycle import (
    LifecycleError,
    LifecycleRules,
    Verdict,
    check_status_change,
    evaluate,
    verdicts_to_frame,
)
from touchpath.attribution.roi import ChannelROITable, Period
from touchpath.data.journeys import JourneyOptions
from touchpath.data.statuses import ChannelStatus
from touchpath.data.verdicts import VerdictRow, record_verdicts, set_channel_status
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec
from touchpath.service.roi import roi_table

__all__ = ["LifecycleReport", "StatusChange", "change_status", "lifecycle", "record",
           "verdict_rows"]


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


def _now() -> datetime:
    """The current time as naive UTC, as ``channel_verdicts`` stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def _defined(x: float) -> float | None:
    """``x`` as a float, or ``None`` (NULL) when it is undefined (NaN, infinite)."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


def verdict_rows(verdicts: list[Verdict], evaluated_at: datetime) -> list[VerdictRow]:
    """The ``channel_verdicts`` rows of ``verdicts`` (``source = 'rules'``; NaN as NULL)."""
    return [
        VerdictRow(v.channel, evaluated_at, v.period, v.verdict, _defined(v.roi),
                   _defined(v.baseline), _defined(v.ratio), v.rule, v.reason, "rules")
        for v in verdicts
    ]


def record(wh: Warehouse, report: LifecycleReport) -> int:
    """Append the report's verdicts to the ``channel_verdicts`` history; rows written.

    One transaction (:func:`touchpath.data.verdicts.record_verdicts`); every
    row carries the time of the call (naive UTC) as ``evaluated_at``.
    """
    return record_verdicts(wh.conn, verdict_rows(report.verdicts, _now()))


@dataclass(frozen=True)
class StatusChange:
    """A user's status change: the channel, its status before and after."""

    channel: str
    previous_status: ChannelStatus
    status: ChannelStatus

    @property
    def changed(self) -> bool:
        """Whether the status differs from before."""
        return self.previous_status != self.status


def change_status(wh: Warehouse, channel: str, status: ChannelStatus | str,
                  reason: str) -> StatusChange:
    """Move ``channel`` to ``status`` with a reason (a write; recorded in the history).

    The status the channel already has is no change: nothing is recorded and
    the data version stays. A change, its history row and the new data
    version are one transaction (:func:`touchpath.data.verdicts.set_channel_status`).

    Raises
    ------
    LifecycleError
        Unknown channel or status, or an empty reason.
    """
    why = check_status_change(status, reason)
    previous = set_channel_status(wh.conn, channel, status, why, _now())
    if previous is None:
        raise LifecycleError(f"unknown channel {channel!r} (not in the channels table)")
    return StatusChange(channel, ChannelStatus(previous), ChannelStatus(status))
