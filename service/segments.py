"""Segment workflows: every model fitted per segment of a conversion or user attribute.

``--by ATTRIBUTE`` on ``touchpath attribute`` / ``compare`` / ``roi`` and ``by=``
on ``/v1/attribution``, ``/v1/compare``, ``/v1/roi`` call these functions:

- :func:`attribute_segments` — one model per segment (:class:`SegmentedAttribution`);
- :func:`compare_segments` — several models per segment (:class:`SegmentedComparison`);
- :func:`roi_segments` — the channel ROI table per segment (:class:`SegmentedROITable`).

A segment's journeys are those ending in its conversions, plus its users'
non-converting journeys when the attribute is a user attribute
(:mod:`touchpath.data.segments`). Each segment is attributed on its own path
table, so per segment credit + ``(direct)`` equals that segment's conversions
and revenue, and the segments add up to the whole range.

Small segments are never hidden: a segment with fewer than
``DEFAULTS.segment_min_conversions`` conversions is flagged ``small_sample``,
carries a warning, and its credit always comes with a bootstrap interval
(``DEFAULTS.segment_ci`` resamples when no more were asked for).

Spend has no segment (it is bought per channel and day). The ROI table per
segment allocates each channel's spend in a period to the segments by their
share of that channel's touches in the period's journeys (``spend_basis``
``"touch_share"``); a channel with spend but no touch in the period is split
by the segments' share of all touches (``"all_touch_share"``), or evenly when
the period has no touch at all (``"even"``). The parts are exact to the
millionth and add up to the channel's spend exactly (largest remainder).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionResult, StopCheck, check_stop
from touchpath.attribution.compare import ModelComparison, compare
from touchpath.attribution.registry import needs_touches
from touchpath.attribution.roi import ChannelROITable, Period, ROIError, channel_roi, period_bounds
from touchpath.data.journeys import JourneyOptions, check_kind
from touchpath.data.paths import PathTable
from touchpath.data.periods import ROIInputs, daily_spend, roi_range
from touchpath.data.segments import (
    NO_VALUE,
    SegmentAttribute,
    build_paths_by_segment,
    build_paths_by_segment_and_period,
    segment_attribute,
    segment_conversions,
    segment_touches,
)
from touchpath.data.warehouse import Warehouse
from touchpath.money import apportion
from touchpath.service.attribution import _run, _specs, journey_options, options_key
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec
from touchpath.service.roi import _day

__all__ = [
    "SegmentSummary",
    "SegmentedAttribution",
    "SegmentedComparison",
    "SegmentedROITable",
    "attribute_segments",
    "compare_segments",
    "roi_segments",
]


@dataclass(frozen=True)
class SegmentSummary:
    """The size of one segment's journeys.

    Attributes
    ----------
    segment : str
        The attribute's value (``"(none)"``: journeys without one).
    journeys : int
        Journeys in the segment's path table (converting, direct and non-converting).
    conversions, revenue : float
        The segment's conversions and revenue, ``(direct)`` included.
    direct_conversions, direct_revenue : float
        Of them, those with no touch in their window.
    nulls : int
        Non-converting journeys.
    small_sample : bool
        Fewer than ``min_conversions`` conversions: read its credit with its interval.
    """

    segment: str
    journeys: int
    conversions: float
    revenue: float
    direct_conversions: float
    direct_revenue: float
    nulls: int
    small_sample: bool

    @classmethod
    def of(cls, segment: str, paths: PathTable, min_conversions: int) -> SegmentSummary:
        """The summary of ``paths``, one segment's table."""
        conversions = float(paths.total_conversions + paths.direct_conversions)
        return cls(segment=segment,
                   journeys=int(round(paths.total_conversions + paths.total_nulls
                                      + paths.direct_conversions)),
                   conversions=conversions,
                   revenue=float(paths.total_value + paths.direct_value),
                   direct_conversions=float(paths.direct_conversions),
                   direct_revenue=float(paths.direct_value),
                   nulls=int(round(paths.total_nulls)),
                   small_sample=conversions < min_conversions)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        return dataclasses.asdict(self)


def _small_warning(s: SegmentSummary, min_conversions: int, ci: int, level: float) -> str:
    return (f"segment {s.segment!r} is small: {s.conversions:,.0f} conversion"
            f"{'' if s.conversions == 1 else 's'} in {s.journeys:,} journeys (fewer than "
            f"{min_conversions:,}); its credit is shown with its {level:.0%} bootstrap interval "
            f"({ci:,} resamples): read the interval, not the point")


def _segment_ci(summary: SegmentSummary, paths: PathTable, ci: int) -> int:
    """Resamples for one segment: at least ``DEFAULTS.segment_ci`` when it is small.

    None for a segment with no conversion on a path (only direct conversions or
    only journeys without one): it has no credit to put an interval on.
    """
    if paths.total_conversions <= 0:
        return 0
    return max(ci, DEFAULTS.segment_ci) if summary.small_sample else ci


def _summaries(tables: dict[str, PathTable], min_conversions: int) -> tuple[SegmentSummary, ...]:
    return tuple(SegmentSummary.of(k, t, min_conversions) for k, t in tables.items())


def _scope_warnings(attribute: SegmentAttribute,
                    segments: Sequence[SegmentSummary]) -> list[str]:
    """A conversion-only attribute leaves every non-converting journey in ``(none)``: say so."""
    nulls = sum(s.nulls for s in segments if s.segment == NO_VALUE)
    if attribute.scope != "conversion" or nulls == 0:
        return []
    return [f"{attribute.name!r} is an attribute of the conversions only: the {nulls:,} "
            f"journeys without a conversion have no value and are all in {NO_VALUE!r}, so "
            "within the other segments Markov and the conversion-rate Shapley see no "
            "failures. Load it for the users too (touchpath ingest users.csv --table users) "
            "to put those journeys in their users' segments"]


def _summary_frame(segments: Sequence[SegmentSummary]) -> pd.DataFrame:
    return pd.DataFrame([s.to_dict() for s in segments],
                        columns=[f.name for f in dataclasses.fields(SegmentSummary)])


def _touch_reader(wh: Warehouse, options: JourneyOptions, attribute: SegmentAttribute,
                  ) -> Callable[[str], pd.DataFrame]:
    """``touches(segment)``: the journey touches of one segment's conversions."""
    owners = segment_conversions(wh, attribute, options.kind)

    def touches(segment: str) -> pd.DataFrame:
        ids = owners.loc[owners["segment"] == segment, "conversion_id"].astype(str)
        return segment_touches(wh, options, list(ids))

    return touches


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN as ``None``; dates as ISO text)."""
    out = frame.astype(object)
    out = out.where(pd.notna(out), None)
    rows = out.to_dict(orient="records")
    for row in rows:
        for k, v in row.items():
            if isinstance(v, date):
                row[k] = v.isoformat()
            elif isinstance(v, np.generic):
                row[k] = v.item()
    return rows


@dataclass(frozen=True, eq=False)
class SegmentedAttribution:
    """One model fitted per segment of an attribute.

    Attributes
    ----------
    attribute : SegmentAttribute
    model : str
        The model's label.
    segments : tuple of SegmentSummary
        In value order, ``(none)`` last.
    results : dict of str to AttributionResult
        Per segment (keys of :attr:`segments`).
    options : JourneyOptions
    min_conversions : int
        Below this many conversions a segment is ``small_sample``.
    warnings : tuple of str
        Small segments, and each segment's model warnings (prefixed by the segment).
    """

    attribute: SegmentAttribute
    model: str
    segments: tuple[SegmentSummary, ...]
    results: dict[str, AttributionResult]
    options: JourneyOptions
    min_conversions: int
    warnings: tuple[str, ...] = ()

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """One row per segment and channel (and ``(direct)``), ``segment`` first.

        Columns ``segment, model, channel, conversions, value, share,
        value_share`` (with intervals ``conversions_lo`` ... ``value_hi``) and
        the segment's ``segment_journeys``, ``segment_conversions``,
        ``small_sample``.
        """
        frames = []
        for s in self.segments:
            frame = self.results[s.segment].to_frame(include_direct)
            frame.insert(0, "segment", s.segment)
            frame["segment_journeys"] = s.journeys
            frame["segment_conversions"] = s.conversions
            frame["small_sample"] = s.small_sample
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["segment", "model", "channel", "conversions", "value",
                                         "share", "value_share"])
        out = pd.concat(frames, ignore_index=True)
        for col in ("conversions_lo", "conversions_hi", "value_lo", "value_hi"):
            if col in out.columns:
                continue
            if any(r.conversions_ci is not None for r in self.results.values()):
                out[col] = np.nan
        return out

    def summary_frame(self) -> pd.DataFrame:
        """One row per segment: its journeys, conversions, revenue, direct, small_sample."""
        return _summary_frame(self.segments)

    def to_dict(self) -> dict[str, Any]:
        """The attribute, the segments, the rows and the warnings (JSON-ready)."""
        return {"by": self.attribute.to_dict(), "model": self.model,
                "min_conversions": self.min_conversions,
                "segments": [s.to_dict() for s in self.segments],
                "rows": _records(self.to_frame()), "warnings": list(self.warnings)}


@dataclass(frozen=True, eq=False)
class SegmentedComparison:
    """Several models per segment of an attribute.

    Attributes
    ----------
    attribute : SegmentAttribute
    segments : tuple of SegmentSummary
    comparisons : dict of str to ModelComparison
        Per segment.
    options : JourneyOptions
    min_conversions : int
    warnings : tuple of str
    """

    attribute: SegmentAttribute
    segments: tuple[SegmentSummary, ...]
    comparisons: dict[str, ModelComparison]
    options: JourneyOptions
    min_conversions: int
    warnings: tuple[str, ...] = ()

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """One row per segment, model and channel (``(direct)`` per model), ``segment`` first."""
        frames = []
        for s in self.segments:
            frame = self.comparisons[s.segment].to_frame(include_direct=include_direct)
            frame.insert(0, "segment", s.segment)
            frame["segment_conversions"] = s.conversions
            frame["small_sample"] = s.small_sample
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["segment", "model", "channel"])
        return pd.concat(frames, ignore_index=True)

    def summary_frame(self) -> pd.DataFrame:
        """One row per segment: its journeys, conversions, revenue, direct, small_sample."""
        return _summary_frame(self.segments)

    def to_dict(self) -> dict[str, Any]:
        """The attribute, the segments, the rows, skipped models and warnings (JSON-ready)."""
        skipped = [{"segment": s, "model": m, "reason": r}
                   for s, c in self.comparisons.items() for m, r in c.skipped]
        return {"by": self.attribute.to_dict(), "min_conversions": self.min_conversions,
                "segments": [s.to_dict() for s in self.segments],
                "rows": _records(self.to_frame()), "skipped": skipped,
                "warnings": list(self.warnings)}


@dataclass(frozen=True, eq=False)
class SegmentedROITable:
    """The channel ROI table per segment, spend allocated by touch share.

    Attributes
    ----------
    attribute : SegmentAttribute
    tables : dict of str to ChannelROITable
        Per segment, in value order, ``(none)`` last.
    spend_basis : DataFrame
        Per period and channel: ``period, channel, basis`` (``touch_share``,
        ``all_touch_share`` or ``even``, see the module docstring).
    warnings : tuple of str
    """

    attribute: SegmentAttribute
    tables: dict[str, ChannelROITable]
    spend_basis: pd.DataFrame
    warnings: tuple[str, ...] = ()

    @property
    def model(self) -> str:
        """The model's label."""
        return next(iter(self.tables.values())).model if self.tables else ""

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """Every segment's ROI rows, ``segment`` first, with the row's ``spend_basis``."""
        frames = []
        basis = {(p, c): b for p, c, b in self.spend_basis.itertuples(index=False)}
        for segment, table in self.tables.items():
            frame = table.to_frame(include_direct)
            frame.insert(0, "segment", segment)
            frame["spend_basis"] = [basis.get((p, c), "touch_share") if s > 0 else ""
                                    for p, c, s in zip(frame["period"], frame["channel"],
                                                       frame["spend"], strict=True)]
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["segment", "period", "channel"])
        return pd.concat(frames, ignore_index=True)

    @property
    def reconciles(self) -> bool:
        """Whether every segment's table reconciles with that segment's conversions and spend."""
        return all(t.reconciles for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        """The attribute, per segment its totals, the rows, the spend basis, warnings."""
        segments = []
        for segment, table in self.tables.items():
            totals = table.totals
            segments.append({"segment": segment,
                             "conversions": float(totals["conversions"].sum()),
                             "revenue": float(totals["revenue"].sum()),
                             "spend": float(totals["spend"].sum()),
                             "reconciles": bool(table.reconciles)})
        return {"by": self.attribute.to_dict(), "model": self.model, "segments": segments,
                "rows": _records(self.to_frame()),
                "spend_basis": _records(self.spend_basis), "warnings": list(self.warnings)}

    def spend_totals(self) -> dict[str, Decimal]:
        """Per period, the allocated spend summed over the segments (exact)."""
        out: dict[str, Decimal] = {}
        for table in self.tables.values():
            money = table.money_frame()
            for period, spend in zip(money["period"], money["spend"], strict=True):
                out[period] = out.get(period, Decimal(0)) + spend
        return out


def _resolve(wh: Warehouse, by: str | SegmentAttribute) -> SegmentAttribute:
    return by if isinstance(by, SegmentAttribute) else segment_attribute(wh, by)


def attribute_segments(
    wh: Warehouse,
    by: str | SegmentAttribute,
    model: str | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    min_conversions: int = DEFAULTS.segment_min_conversions,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> SegmentedAttribution:
    """Attribute each segment of attribute ``by`` with one model (memoised).

    Parameters
    ----------
    wh : Warehouse
    by : str or SegmentAttribute
        A stored, segmentable attribute (:func:`touchpath.data.segments.segment_attributes`).
    model : str, optional
        A registry spec; default the service's model.
    options : JourneyOptions, optional
    ci, level, seed
        Bootstrap of every segment; a small segment gets at least
        ``DEFAULTS.segment_ci`` resamples.
    min_conversions : int
        Segments with fewer conversions are ``small_sample``.
    should_stop : callable, optional
    memo : Memo

    Raises
    ------
    UnknownAttribute, AttributeNotSegmentable
        ``by`` is not a stored attribute, or has too many values.
    ModelSpecError
        Unknown model.
    NoConversionsOfKind
        The warehouse has conversions, none of ``options.kind``.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    attribute = _resolve(wh, by)
    key = {"by": attribute.name, "model": spec, "ci": ci, "level": level, "seed": seed,
           "min": min_conversions, **options_key(options)}

    def compute() -> SegmentedAttribution:
        check_kind(wh, options)
        built = build_model(spec)
        tables = build_paths_by_segment(wh, options, attribute)
        summaries = _summaries(tables, min_conversions)
        touches = _touch_reader(wh, options, attribute) if needs_touches(built) else None
        results: dict[str, AttributionResult] = {}
        warnings = _scope_warnings(attribute, summaries)
        for s in summaries:
            check_stop(should_stop, f"before segment {s.segment!r}")
            paths = tables[s.segment]
            n = _segment_ci(s, paths, ci)
            result = _run(built, paths, None if touches is None else touches(s.segment), n,
                          level, seed, False, should_stop)
            results[s.segment] = result
            if s.small_sample:
                warnings.append(_small_warning(s, min_conversions, n, level))
            warnings.extend(f"segment {s.segment!r}: {w}" for w in result.warnings)
        label = next(iter(results.values())).label if results else spec
        return SegmentedAttribution(attribute, label, summaries, results, options,
                                    min_conversions, tuple(warnings))

    return memo("attribute_segments", key, compute)


def compare_segments(
    wh: Warehouse,
    by: str | SegmentAttribute,
    models: Sequence[str] | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    min_conversions: int = DEFAULTS.segment_min_conversions,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> SegmentedComparison:
    """Every model in ``models`` on each segment of attribute ``by`` (memoised).

    Models that cannot run on a segment (a degenerate game) are listed in
    that segment's ``skipped``.

    Raises
    ------
    UnknownAttribute, AttributeNotSegmentable, ModelSpecError, NoConversionsOfKind
    """
    specs = _specs(models)
    options = options or journey_options()
    attribute = _resolve(wh, by)
    key = {"by": attribute.name, "models": tuple(specs), "ci": ci, "level": level,
           "seed": seed, "min": min_conversions, **options_key(options)}

    def compute() -> SegmentedComparison:
        check_kind(wh, options)
        built = [build_model(s) for s in specs]
        tables = build_paths_by_segment(wh, options, attribute)
        summaries = _summaries(tables, min_conversions)
        reader = (_touch_reader(wh, options, attribute)
                  if any(needs_touches(m) for m in built) else None)
        comparisons: dict[str, ModelComparison] = {}
        warnings = _scope_warnings(attribute, summaries)
        for s in summaries:
            paths = tables[s.segment]
            n = _segment_ci(s, paths, ci)
            comparisons[s.segment] = compare(
                specs, paths, touches=None if reader is None else reader(s.segment), ci=n,
                level=level, seed=seed, should_stop=should_stop)
            if s.small_sample:
                warnings.append(_small_warning(s, min_conversions, n, level))
            warnings.extend(f"segment {s.segment!r}: {w}"
                            for w in comparisons[s.segment].warnings)
        return SegmentedComparison(attribute, summaries, comparisons, options, min_conversions,
                                   tuple(warnings))

    return memo("compare_segments", key, compute)


def _touch_counts(paths: PathTable) -> dict[str, float]:
    """Touches per channel over the table's journeys (a path's touches × its journeys)."""
    if paths.n_paths == 0:
        return {}
    per_touch = np.repeat(paths.journeys, paths.lengths)
    counts = np.bincount(paths.codes, weights=per_touch, minlength=paths.n_channels)
    return dict(zip(paths.channels, counts.tolist(), strict=True))


def _allocate_spend(spend: pd.DataFrame, bounds: Sequence[tuple[str, date, date]],
                    per_segment: dict[str, dict[str, PathTable]],
                    ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[str]]:
    """Each segment's spend frame (one row per channel and period), the basis, warnings."""
    segments = list(per_segment)
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in segments}
    basis_rows: list[dict[str, str]] = []
    warnings: list[str] = []
    for label, lo, hi in bounds:
        in_period = spend[(spend["day"] >= lo) & (spend["day"] < hi)]
        touches = {s: _touch_counts(per_segment[s][label]) for s in segments}
        all_touch = [sum(touches[s].values()) for s in segments]
        by_channel: dict[str, Decimal] = {}
        for ch, amount in zip(in_period["channel"].astype(str), in_period["amount_exact"],
                              strict=True):
            by_channel[ch] = by_channel.get(ch, Decimal(0)) + amount
        for ch, total in sorted(by_channel.items()):
            weights = [touches[s].get(ch, 0.0) for s in segments]
            basis = "touch_share"
            if sum(weights) <= 0:
                if sum(all_touch) > 0:
                    weights, basis = list(all_touch), "all_touch_share"
                    warnings.append(f"period {label}: channel {ch!r} has spend but no touch in "
                                    "any segment; its spend is split by the segments' share of "
                                    "all touches")
                else:
                    weights, basis = [1.0] * len(segments), "even"
                    warnings.append(f"period {label}: no touch at all; channel {ch!r}'s spend "
                                    "is split evenly over the segments")
            parts = apportion(total, weights) if segments else []
            for s, part in zip(segments, parts, strict=True):
                rows[s].append({"channel": ch, "day": lo, "amount": float(part),
                                "amount_exact": part})
            basis_rows.append({"period": label, "channel": ch, "basis": basis})
    frames = {s: pd.DataFrame(r, columns=["channel", "day", "amount", "amount_exact"])
              for s, r in rows.items()}
    return frames, pd.DataFrame(basis_rows, columns=["period", "channel", "basis"]), warnings


def _segment_daily(conversions: pd.DataFrame, segment: str) -> pd.DataFrame:
    """Per day for one segment: conversions, revenue, first purchases (the ROI totals)."""
    mine = conversions[conversions["segment"] == segment]
    cols = ["day", "conversions", "revenue", "first_purchases", "revenue_exact"]
    if mine.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for day, group in mine.groupby("day", sort=True):
        exact = sum(group["value_exact"], Decimal(0))
        rows.append({"day": day, "conversions": float(len(group)), "revenue": float(exact),
                     "first_purchases": float(group["first_purchase"].sum()),
                     "revenue_exact": exact})
    return pd.DataFrame(rows, columns=cols)


def roi_segments(
    wh: Warehouse,
    by: str | SegmentAttribute,
    model: str | None = None,
    period: Period = DEFAULTS.period,
    options: JourneyOptions | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    fiscal_year_start_month: int = DEFAULTS.fiscal_year_start_month,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> SegmentedROITable:
    """The channel ROI table per segment of attribute ``by`` (memoised).

    Conversions, revenue and credit are the segment's own (its path table per
    period); spend is allocated by touch share (module docstring). Each
    segment's table reconciles with that segment's conversions, revenue and
    allocated spend, and the allocated spend adds up to the warehouse's.

    Raises
    ------
    UnknownAttribute, AttributeNotSegmentable
    ROIError
        No data, a bad period or range, a non-additive model.
    ModelSpecError, NoConversionsOfKind
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    attribute = _resolve(wh, by)
    key = {"by": attribute.name, "model": spec, "period": period,
           "fiscal": fiscal_year_start_month, "start": start, "end": end,
           **options_key(options)}

    def compute() -> SegmentedROITable:
        built = build_model(spec)
        rng = roi_range(wh)
        if rng is None:
            raise ROIError("the warehouse has no conversions or spend; nothing to report")
        first = rng[0] if start is None else max(_day(start, "start"), rng[0])
        last = rng[1] if end is None else min(_day(end, "end"), rng[1])
        if first >= last:
            raise ROIError(f"no conversions or spend in the range {start} .. {end}; the data "
                           f"covers {rng[0]} .. {rng[1] - timedelta(days=1)}")
        check_kind(wh, options)
        opts = dataclasses.replace(options, start=None, end=None)
        bounds = period_bounds(first, last, period, fiscal_year_start_month)
        midnight = [(lb, datetime.combine(lo, datetime.min.time()),
                     datetime.combine(hi, datetime.min.time())) for lb, lo, hi in bounds]
        per_segment = build_paths_by_segment_and_period(wh, opts, attribute, midnight)
        spend_frames, basis, warnings = _allocate_spend(daily_spend(wh), bounds, per_segment)
        conversions = segment_conversions(wh, attribute, opts.kind)
        channels = wh.channels()
        registered = tuple(str(c) for c in channels["channel"]) if len(channels) else ()
        spans = {lb: (lo, hi) for lb, lo, hi in midnight}
        owners = conversions.groupby("segment")["conversion_id"].apply(list).to_dict()
        tables: dict[str, ChannelROITable] = {}
        for segment, paths in per_segment.items():
            check_stop(should_stop, f"before segment {segment!r} of the ROI table")

            def touches(label: str, segment: str = segment) -> pd.DataFrame:
                lo, hi = spans[label]
                return segment_touches(wh, dataclasses.replace(opts, start=lo, end=hi),
                                       [str(c) for c in owners.get(segment, [])])

            inputs = ROIInputs(opts, tuple(bounds), paths, _segment_daily(conversions, segment),
                               spend_frames[segment], registered, touches)
            tables[segment] = channel_roi(inputs, built, period,
                                          fiscal_year_start_month=fiscal_year_start_month,
                                          should_stop=should_stop, currency=DEFAULTS.currency)
        warnings.insert(0, "spend has no segment: each channel's spend in a period is allocated "
                           "to the segments by their share of that channel's touches in the "
                           "period's journeys (spend_basis)")
        return SegmentedROITable(attribute, tables, basis, tuple(warnings))

    return memo("roi_segments", key, compute)
