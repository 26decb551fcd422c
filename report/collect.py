"""What the HTML report shows: every document, computed by the service layer for one set of options.

:func:`collect` calls the workflows of :mod:`touchpath.service` — the very functions
behind ``/v1/paths``, ``/v1/attribution/compare``, ``/v1/roi``, ``/v1/lifecycle``,
``/v1/budget/plan`` and ``/v1/budget/scenarios`` — with one
:class:`~touchpath.service.LocalMemo` for the whole report, so the ROI table the
ROI section shows is the one the lifecycle verdicts and the plan's curves are
read from, computed once. Each result becomes the document its endpoint answers,
built from the result's own ``to_dict()`` / ``to_frame()`` as the API builds it:
same parameters, same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from touchpath import service
from touchpath.attribution.calibration import CalibrationError, NoExperiments
from touchpath.attribution.compare import ModelComparison
from touchpath.attribution.roi import PERIODS_PER_QUARTER, Period
from touchpath.data.journeys import CensoringReport, JourneyOptions, conversion_kinds
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.service import DEFAULTS
from touchpath.service.attribution import options_key

__all__ = ["COMPARE_MODELS", "ReportOptions", "collect"]

#: Models compared in the Attribution section unless told otherwise: the service's.
COMPARE_MODELS: tuple[str, ...] = DEFAULTS.compare_models

#: Rows of the "most frequent paths" table.
TOP_PATHS = 10


@dataclass(frozen=True)
class ReportOptions:
    """What the report is computed for; every default is the service's (:data:`DEFAULTS`).

    Parameters
    ----------
    period : {"week", "month", "quarter"}
        Period of the ROI table and length of a lifecycle test cycle.
    model : str
        Attribution model of ROI, lifecycle and the plan's response curves
        (a spec as the API takes it: ``markov``, ``markov2``, ``linear`` ...);
        default :func:`~touchpath.service.default_model_spec`.
    order : int, optional
        Markov order (1-4) when ``model`` is ``markov``.
    models : sequence of str
        Models compared side by side in the Attribution section.
    ci : int
        Bootstrap resamples for the comparison's intervals (0: none).
    level : float
        Coverage of those intervals.
    budget : float, optional
        Budget of the plan; default last quarter's spend of the planned
        channels (:attr:`~touchpath.service.PlanInputs.previous_total`).
    quarter : str, optional
        Planned quarter (``2027Q1``); default the quarter after the data.
    spend_all : bool
        Plan to spend exactly the budget (else at most).
    lookback_days : int
        Journey lookback window.
    censor : bool
        Leave out non-converting journeys still open at the end of the data
        (``False``: every one is a null, ChannelAttribution's convention).
    kind : str or None
        Conversion kind that closes journeys and is attributed (``None``: every kind).
    max_change : float, optional
        Largest change of a channel's planned spend vs last quarter
        (``0.3`` = ±30%); ``None``: no limit.
    multipliers : sequence of float
        Budget multipliers of the scenario curve (the base budget is added).
    min_roi : float
        Floor on the marginal revenue ROI of every unit the plan buys (0: none).
    by : str, optional
        The attribute of the segments section (default ``DEFAULTS.segment_by``
        when stored, else the first segmentable attribute; none: no section).
    """

    period: Period = DEFAULTS.period
    model: str = field(default_factory=service.default_model_spec)
    order: int | None = None
    models: Sequence[str] = DEFAULTS.compare_models
    ci: int = DEFAULTS.ci
    level: float = DEFAULTS.level
    budget: float | None = None
    quarter: str | None = None
    spend_all: bool = DEFAULTS.spend_all
    lookback_days: int = DEFAULTS.lookback_days
    censor: bool = DEFAULTS.censor
    kind: str | None = DEFAULTS.kind
    max_change: float | None = DEFAULTS.max_change
    multipliers: Sequence[float] = DEFAULTS.scenario_multipliers
    min_roi: float = DEFAULTS.min_roi
    stitch: bool = DEFAULTS.stitch
    by: str | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIODS_PER_QUARTER:
            raise ValueError(f"period must be week, month or quarter, got {self.period!r}")
        if self.order is not None and not 1 <= int(self.order) <= 4:
            raise ValueError(f"order must be 1-4, got {self.order!r}")
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be a positive amount, got {self.budget!r}")
        if self.ci < 0:
            raise ValueError(f"ci must be 0 or more resamples, got {self.ci!r}")
        if not 0.5 < self.level < 1:
            raise ValueError(f"level must be between 0.5 and 1, got {self.level!r}")
        if not self.models:
            raise ValueError("models: give at least one model to compare")
        if self.max_change is not None and not (math.isfinite(self.max_change)
                                                and self.max_change >= 0):
            raise ValueError(f"max_change must be 0 or more, got {self.max_change!r}")
        if not self.multipliers or not all(math.isfinite(m) and m > 0 for m in self.multipliers):
            raise ValueError(f"multipliers must be positive numbers, got {self.multipliers!r}")

    @property
    def model_spec(self) -> str:
        """The model with its order, as one canonical spec (``markov`` + order 2 → ``markov2``).

        Raises
        ------
        ModelSpecError
            Unknown model, or settings it does not take.
        """
        return service.model_spec(self.model, order=self.order)

    def journeys(self) -> JourneyOptions:
        """The journey options of every section: the service's, with this lookback, censor, kind."""
        return service.journey_options(lookback_days=self.lookback_days, censor=self.censor,
                                       kind=self.kind, stitch=self.stitch)

    def plan_params(self) -> service.PlanParams:
        """The plan's parameters: these options, the service's defaults for the rest."""
        return service.PlanParams(budget=self.budget, spend_all=self.spend_all,
                                  quarter=self.quarter, max_change=self.max_change,
                                  min_roi=self.min_roi)


# --------------------------------------------------------------------- collect
def collect(warehouse: Warehouse, options: ReportOptions | None = None,
            comparison: ModelComparison | None = None) -> dict[str, Any]:
    """Every document the report shows, computed by the service layer.

    Parameters
    ----------
    warehouse : Warehouse
        An open warehouse (only read).
    options : ReportOptions, optional
        Default ``ReportOptions()``: the service's defaults.
    comparison : ModelComparison, optional
        The models of ``options.models`` already run on these journeys (with
        ``options.ci`` resamples); turned into the ``compare`` document instead
        of being computed again. ``touchpath demo`` passes its own, so the
        report shows the very intervals it printed.

    Returns
    -------
    dict
        ``health``, ``paths``, ``compare``, ``funnel`` (``None`` unless the
        warehouse has conversions of several kinds), ``segments`` (the model
        per segment of :attr:`ReportOptions.by`, ``None`` without a segmentable
        attribute), ``campaigns`` (``None`` unless the touches carry campaigns:
        :func:`campaigns_section`), ``calibration`` (``None`` without
        experiments, :func:`calibration_section`), ``roi``, ``lifecycle``, ``plan``,
        ``scenarios``, ``monitoring`` (the latest recorded plan's pacing and the
        anomalies of the last four weeks) (each the document its endpoint answers, without the
        ``data_version`` that ``health`` holds once), ``options`` (with the
        ``currency`` of the money labels), ``curves`` (the fit of each curve
        behind the plan, :func:`curves_document`; empty without a plan), and
        ``plan_problem``: why there is no plan when ``plan`` is ``None``.

    Raises
    ------
    ValueError
        Bad options or data the workflows refuse (an unknown model, a
        non-additive model for ROI, ...).
    """
    options = options or ReportOptions()
    memo = service.LocalMemo()
    journeys = options.journeys()
    spec = options.model_spec
    doc: dict[str, Any] = {"options": {
        "period": options.period, "model": spec, "models": list(options.models),
        "ci": options.ci, "level": options.level, "lookback_days": options.lookback_days,
        "censor": options.censor, "kind": options.kind, "currency": DEFAULTS.currency}}
    doc["health"] = health_document(warehouse)
    doc["paths"] = paths_document(service.paths_overview(warehouse, journeys, limit=TOP_PATHS,
                                                         memo=memo))
    if comparison is None:
        comparison = service.compare_models(warehouse, list(options.models), journeys,
                                            ci=options.ci, level=options.level, memo=memo)
    doc["compare"] = compare_document(comparison, journeys)
    doc["funnel"] = funnel_section(warehouse, spec, journeys, memo)
    doc["identities"] = identities_section(warehouse, spec, journeys, memo)
    doc["segments"] = segments_section(warehouse, options.by, spec, journeys, memo)
    doc["campaigns"] = campaigns_section(warehouse, spec, journeys, memo)
    doc["calibration"] = calibration_section(warehouse, spec, journeys, memo)
    table = service.roi_table(warehouse, spec, options.period, journeys, memo=memo)
    doc["roi"] = {**table.to_dict(), "options": options_key(journeys)}
    doc["lifecycle"] = lifecycle_document(
        service.lifecycle(warehouse, None, spec, options.period, journeys, memo=memo))
    doc["monitoring"] = service.monitoring(warehouse, model=spec, options=journeys,
                                           memo=memo).to_dict()
    doc["plan"] = doc["scenarios"] = doc["plan_problem"] = None
    doc["curves"] = []
    settings = service.CurveSettings(model=spec, period=options.period, options=journeys)
    params = options.plan_params()
    try:
        inputs = service.plan_inputs(warehouse, settings, memo=memo)
        plan = service.plan(inputs, params)
        scenarios = service.scenarios(inputs, params, multipliers=tuple(options.multipliers))
    except InvalidRequest as exc:  # no spend to plan from, or no budget to default to
        doc["plan_problem"] = str(exc)
        return doc
    doc["plan"] = plan.to_dict()
    doc["scenarios"] = scenarios.to_dict()
    doc["curves"] = curves_document(inputs)
    return doc


# ------------------------------------------------------------------- documents
def health_document(warehouse: Warehouse) -> dict[str, Any]:
    """Row counts, date range, data version and last ingest, as ``/v1/health`` reports them."""
    first, last = warehouse.date_range()
    stamped = warehouse.last_ingest_at
    return {
        "data_version": int(warehouse.data_version),
        "counts": dict(warehouse.counts()),
        "first_day": None if first is None else first.date().isoformat(),
        "last_day": None if last is None else last.date().isoformat(),
        "last_ingest_at": None if stamped is None else stamped.isoformat(),
    }


def paths_document(overview: service.PathsOverview) -> dict[str, Any]:
    """The ``/v1/paths`` document of a :class:`~touchpath.service.PathsOverview`."""
    return {"options": options_key(overview.options), "totals": overview.totals,
            "summary": records(overview.summary), "paths": records(overview.top),
            "censored_journeys": overview.censored_journeys,
            "warnings": list(overview.warnings),
            "censoring": censoring_document(overview.censoring)}


def funnel_section(warehouse: Warehouse, model: str, journeys: JourneyOptions,
                   memo: service.Memo) -> dict[str, Any] | None:
    """The funnel over every conversion kind, most conversions first; ``None`` for one kind."""
    kinds = list(conversion_kinds(warehouse))
    if len(kinds) < 2:
        return None
    return funnel_document(service.funnel(warehouse, kinds, model, journeys, memo=memo))


def segments_section(warehouse: Warehouse, by: str | None, model: str,
                     journeys: JourneyOptions, memo: Any) -> dict[str, Any] | None:
    """The model per segment of ``by`` (:func:`touchpath.service.attribute_segments`).

    ``by`` ``None``: ``DEFAULTS.segment_by`` when the warehouse has it, else its
    first segmentable attribute; ``None`` when it has none.
    """
    from touchpath.data.segments import segment_attributes

    if by is None:
        usable = [a.name for a in segment_attributes(warehouse) if a.segmentable]
        if not usable:
            return None
        by = DEFAULTS.segment_by if DEFAULTS.segment_by in usable else usable[0]
    return service.attribute_segments(warehouse, by, model, journeys, memo=memo).to_dict()


def calibration_section(warehouse: Warehouse, model: str, journeys: JourneyOptions,
                        memo: service.Memo) -> dict[str, Any] | None:
    """The calibrated attribution (``/v1/attribution?calibrate=true``'s ``calibration``).

    ``None`` when the warehouse has no experiments of the journeys' kind, or
    when every kind is pooled (an experiment measures one kind);
    ``{"problem": ...}`` when they give no factor (the section then says why).
    """
    if journeys.kind is None:
        return None
    try:
        found = service.attribute_calibrated(warehouse, model, journeys, memo=memo)
    except NoExperiments:
        return None
    except CalibrationError as exc:
        return {"problem": str(exc)}
    return _plain_doc(found.to_dict())


def _plain_doc(value: Any) -> Any:
    """:func:`plain` through nested dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain_doc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_doc(v) for v in value]
    return plain(value)


def funnel_document(result: service.FunnelResult) -> dict[str, Any]:
    """The ``/v1/funnel`` document of a funnel (without ``data_version`` and options)."""
    frame = result.to_frame()
    overall = frame[frame["channel"] == "(all)"].drop(columns=["channel"])
    return {"model": result.model, "stages": records(overall),
            "overall_rate": plain(result.overall_rate()), "rows": records(frame)}


def identities_section(warehouse: Warehouse, model: str, journeys: JourneyOptions,
                       memo: service.Memo) -> dict[str, Any] | None:
    """The ``/v1/identities`` document (report, effect, credit); ``None`` without identity pairs."""
    result = service.identities(warehouse, journeys, model=model, memo=memo)
    if result.report.pairs == 0:
        return None
    return {"model": result.model, "report": result.report.to_dict(),
            "effect": result.effect.to_dict(), "credit": records(result.credit_frame())}
#: The per-touch rule the Campaigns section shows beside the report's model: its campaigns
#: sum exactly to its channel credit.
CAMPAIGN_RULE = "linear"


def campaigns_section(warehouse: Warehouse, model: str, journeys: JourneyOptions,
                      memo: service.Memo) -> dict[str, Any] | None:
    """:data:`CAMPAIGN_RULE` and the report's model per campaign; ``None`` without campaigns.

    The ``campaign_rows`` and ``rollup`` of ``/v1/attribution/compare?grain=campaign``
    for those models, from :func:`touchpath.service.compare_campaigns`.
    """
    models = [CAMPAIGN_RULE] + ([model] if model != CAMPAIGN_RULE else [])
    found = service.compare_campaigns(warehouse, models, journeys, memo=memo)
    if all(c == "(none)" for c in found.table.campaign):
        return None
    return {"models": list(found.labels),
            "exact": {label: found.exact(label) for label in found.labels},
            "campaign_rows": records(found.to_frame(include_direct=False)),
            "rollup": records(found.rollup()),
            "states": len(found.table.campaign), "channels": len(found.table.channels)}


def censoring_document(report: CensoringReport) -> dict[str, Any]:
    """The ``censoring`` object of ``/v1/paths``: counts and settings (warnings apart)."""
    doc = report.to_dict()
    del doc["warnings"]
    return doc


def compare_document(comparison: ModelComparison, journeys: JourneyOptions) -> dict[str, Any]:
    """The ``/v1/attribution/compare`` document of a comparison."""
    return {
        "models": list(comparison.labels),
        "options": options_key(journeys),
        "rows": records(comparison.to_frame(include_direct=True)),
        "rank_agreement": records(comparison.rank_agreement()),
        "skipped": [{"model": m, "reason": why} for m, why in comparison.skipped],
        "warnings": list(comparison.warnings),
    }


def curves_document(inputs: service.PlanInputs) -> list[dict[str, Any]]:
    """The fit facts of the curves behind a plan, one per channel (as ``curves`` of the plan).

    ``channel, form, method`` (fit / fallback), ``note`` (why a fallback, or
    which form won), ``r2``, ``n_periods``, ``spend_min``, ``spend_max``
    (the observed range of period spend); undefined numbers as ``None``.
    """
    return [{"channel": c.channel, "form": c.form, "method": c.method, "note": c.note,
             "r2": plain(c.r2), "n_periods": c.n_periods, "spend_min": plain(c.spend_min),
             "spend_max": plain(c.spend_max)} for c in inputs.curves.values()]


def lifecycle_document(report: service.LifecycleReport) -> dict[str, Any]:
    """The ``/v1/lifecycle`` document of a :class:`~touchpath.service.LifecycleReport`."""
    verdicts = []
    for v in report.verdicts:
        d = v.to_dict()
        d["cycles"] = [{k: plain(x) for k, x in c.items()} for c in d["cycles"]]
        verdicts.append(d)
    return {"period": report.roi.period, "model": report.roi.model,
            "rules": report.rules.describe(), "verdicts": verdicts}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain values (undefined numbers as ``None``)."""
    cols = [str(c) for c in frame.columns]
    return [{c: plain(v) for c, v in zip(cols, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)]


def plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy to Python, NaN / infinity to ``None``, days to ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value
