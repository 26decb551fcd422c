"""The funnel: conversion kinds as stages, each attributed, with stage-to-stage rates.

A funnel is an ordered list of conversion kinds (``add_to_cart, purchase``).
Each stage is attributed on its own journeys -- only conversions of the stage's
kind close them (:attr:`~touchpath.data.journeys.JourneyOptions.kind`), so a
cart never cuts a purchase path -- with the same model and journey options.
Per stage: the conversions of that kind in the range; per channel and stage:
the conversions the model attributes to the channel (``(direct)``: those with
no touch). The rate of stage ``k + 1`` is its conversions ÷ those of stage
``k``, overall and per channel (by attributed conversions); the drop-off is
``1 - rate``. The first stage has no rate. A rate whose previous stage has no
conversions is undefined (NaN; ``null`` in JSON), never a made-up zero.

Behind ``touchpath funnel``, ``GET /v1/funnel``, the report's funnel section and
the dashboard's funnel panel.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from touchpath.data.journeys import JourneyOptions, conversion_kinds
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.money import money_float
from touchpath.service.attribution import attribute, journey_options, options_key, path_table
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec

__all__ = ["FUNNEL_COLUMNS", "FunnelResult", "funnel", "funnel_stages"]

#: Row label of the whole funnel in :meth:`FunnelResult.to_frame`.
OVERALL = "(all)"
DIRECT = "(direct)"

#: Columns of :meth:`FunnelResult.to_frame`.
FUNNEL_COLUMNS = ("channel", "stage", "step", "conversions", "value", "rate", "drop_off")


def funnel_stages(text: str | Sequence[str]) -> tuple[str, ...]:
    """Stages as given (``"add_to_cart,purchase"`` or a list), checked.

    Raises
    ------
    InvalidRequest
        No stage, a blank one, or one given twice. (One stage is a funnel
        without steps: its conversions, no rate.)
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    stages = tuple(str(s).strip() for s in items)
    if not any(stages):
        raise InvalidRequest("stages: give conversion kinds in funnel order, separated by "
                             "commas, e.g. add_to_cart,purchase")
    if any(not s for s in stages):
        raise InvalidRequest(f"stages: a stage is blank in {','.join(stages)!r}; give conversion "
                             "kinds separated by commas, e.g. add_to_cart,purchase")
    seen = [s for k, s in enumerate(stages) if s in stages[:k]]
    if seen:
        raise InvalidRequest(f"stages: {seen[0]!r} is given twice; each stage is one kind")
    return stages


def _rate(num: float, den: float) -> float:
    return float(num / den) if den > 0 else math.nan


@dataclass(frozen=True, eq=False)
class FunnelResult:
    """Stages, their totals and the attributed conversions per channel and stage.

    Attributes
    ----------
    stages : tuple of str
        Conversion kinds, first stage first.
    model : str
        The model spec every stage was attributed with.
    totals : tuple of float
        Per stage: conversions of its kind in the range (direct included).
    values : tuple of float
        Per stage: their value.
    credit : DataFrame
        Index: channels (sorted, ``(direct)`` last); columns: the stages;
        cells: attributed conversions.
    credit_value : DataFrame
        The same for attributed value.
    options : JourneyOptions
        The journey options (its ``kind`` replaced by each stage's).
    """

    stages: tuple[str, ...]
    model: str
    totals: tuple[float, ...]
    values: tuple[float, ...]
    credit: pd.DataFrame
    credit_value: pd.DataFrame
    options: JourneyOptions

    @property
    def channels(self) -> list[str]:
        """The channels of :attr:`credit` (``(direct)`` last, when any stage has it)."""
        return [str(c) for c in self.credit.index]

    def rates(self, channel: str | None = None) -> list[float]:
        """Stage-to-stage rates, one per stage (the first NaN): overall, or of ``channel``."""
        counts = (list(self.totals) if channel is None
                  else [float(self.credit.loc[channel, s]) for s in self.stages])
        return [math.nan] + [_rate(counts[k + 1], counts[k]) for k in range(len(counts) - 1)]

    def overall_rate(self) -> float:
        """Last stage ÷ first stage: the funnel's end-to-end rate."""
        return _rate(self.totals[-1], self.totals[0])

    def to_frame(self) -> pd.DataFrame:
        """One row per (channel, stage): :data:`FUNNEL_COLUMNS`.

        The overall funnel first (channel ``(all)``: the stage's conversions of
        its kind), then each channel in :attr:`channels` order; within each,
        the stages in order (``step`` 1, 2, ...). ``value`` is money, to the
        cent-and-below digits of :func:`touchpath.money.money_float`.
        """
        rows = []
        groups = [(OVERALL, list(self.totals), list(self.values), self.rates())]
        for ch in self.channels:
            groups.append((ch, [float(self.credit.loc[ch, s]) for s in self.stages],
                           [float(self.credit_value.loc[ch, s]) for s in self.stages],
                           self.rates(ch)))
        for ch, counts, values, rates in groups:
            for k, stage in enumerate(self.stages):
                rate = rates[k]
                rows.append((ch, stage, k + 1, counts[k], money_float(values[k]), rate,
                             math.nan if math.isnan(rate) else 1.0 - rate))
        return pd.DataFrame(rows, columns=list(FUNNEL_COLUMNS))


def funnel(
    wh: Warehouse,
    stages: str | Sequence[str],
    model: str | None = None,
    options: JourneyOptions | None = None,
    *,
    memo: Memo = no_memo,
) -> FunnelResult:
    """Attribute every stage of a funnel with one model, on the same journey options.

    Parameters
    ----------
    wh : Warehouse
    stages : str or sequence of str
        Conversion kinds in funnel order (``"add_to_cart,purchase"``).
    model : str, optional
        A registry spec; default the service's model.
    options : JourneyOptions, optional
        Lookback, censoring, date range, ...; its ``kind`` is replaced by each stage's.
    memo : Memo

    Returns
    -------
    FunnelResult

    Raises
    ------
    InvalidRequest
        No stage, one repeated, or a stage no conversion has (the
        message names the kinds present).
    ModelSpecError
        Unknown model.
    """
    names = funnel_stages(stages)
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    kinds = conversion_kinds(wh)
    missing = [s for s in names if s not in kinds]
    if missing:
        present = (", ".join(f"{k!r} ({n:,})" for k, n in kinds.items()) if kinds
                   else "none: the warehouse has no conversions")
        raise InvalidRequest(
            f"stages: no conversions of kind {missing[0]!r} in the warehouse; the kinds present "
            f"are {present}. Give stages from those kinds, e.g. --stages "
            f"{','.join(kinds) or 'add_to_cart,purchase'}")
    key = {"stages": names, "model": spec,
           **{k: v for k, v in options_key(options).items() if k != "kind"}}

    def compute() -> FunnelResult:
        per_stage: dict[str, pd.DataFrame] = {}
        totals: list[float] = []
        values: list[float] = []
        for stage in names:
            staged = dataclasses.replace(options, kind=stage)
            table = path_table(wh, staged, memo=memo)
            totals.append(float(table.total_conversions + table.direct_conversions))
            values.append(float(np.sum(table.value) + table.direct_value))
            frame = attribute(wh, spec, staged, memo=memo).to_frame()
            per_stage[stage] = frame.set_index("channel")[["conversions", "value"]]
        channels = sorted({c for f in per_stage.values() for c in f.index if c != DIRECT})
        if any(DIRECT in f.index for f in per_stage.values()):
            channels.append(DIRECT)

        def grid(col: str) -> pd.DataFrame:
            return pd.DataFrame({s: f[col].reindex(channels).fillna(0.0).astype(np.float64)
                                 for s, f in per_stage.items()}, index=pd.Index(channels,
                                                                                name="channel"))

        return FunnelResult(names, spec, tuple(totals), tuple(values), grid("conversions"),
                            grid("value"), options)

    return memo("funnel", key, compute)
