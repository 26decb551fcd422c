"""Recorded plans, pacing, alerts and anomalies: the API of ``plans``, ``pacing``, ``alerts``.

* ``POST /v1/plans`` solves a plan exactly as ``POST /v1/budget/plan`` (same body)
  and records it (a ``write`` key); ``GET /v1/plans`` lists the recorded plans.
  Recording moves the data version on by one (a user's decision, like a status
  change); the plan keeps the version it was fitted on.
* ``GET /v1/pacing`` holds a recorded plan (default the latest) against the data
  (:func:`touchpath.service.pacing`); cached by (data version, plan id, parameters).
* ``POST /v1/alerts`` checks alert rules given in the body — JSON tables or an
  alerts file's text — and returns the document ``touchpath alerts`` prints and
  POSTs to a webhook; the API itself delivers to no webhook (the server calls
  no address a request names).
* ``GET /v1/anomalies`` judges the daily series against the weekday baseline.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep, WriterKey, WriteSessionDep
from touchpath.api.routes.attribution import _SPEC, DEFAULT_MODEL, _order
from touchpath.api.routes.budget import plan_params, plan_response
from touchpath.api.routes.common import DateRangeDep
from touchpath.api.schemas import PlanRequest, problem_responses
from touchpath.api.schemas_monitoring import (
    AlertsRequest,
    AlertsResponse,
    AnomaliesResponse,
    PacingResponse,
    PlansResponse,
    RecordedPlanOut,
    RecordPlanResponse,
)
from touchpath.attribution.monitoring import AnomalySettings
from touchpath.data.alert_rules import AlertRules
from touchpath.data.plans import get_plan
from touchpath.errors import InvalidRequest
from touchpath.service import DEFAULTS, model_spec

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["monitoring"])


@router.post(
    "/plans",
    response_model=RecordPlanResponse,
    summary="Solve a budget plan and record it for pacing",
    responses=problem_responses(400, 401, 403, 413, 422, 500, 503),
)
def record_plan(body: PlanRequest, _key: WriterKey, session: WriteSessionDep) -> RecordPlanResponse:
    """The plan of ``POST /v1/budget/plan`` for the same body, stored with its parameters.

    The plan must be fitted from the warehouse (no ``curves``) and be optimal;
    the quarter defaults to the one after the data, and any quarter may be
    given, the current one included.
    """
    if body.curves is not None:
        raise InvalidRequest("a recorded plan is tracked against the warehouse it is fitted "
                             "from: leave out `curves`")
    settings = service.CurveSettings(model=body.model, period=body.period,
                                     segments=body.segments)
    inputs = service.plan_inputs(session.warehouse, settings)
    params = plan_params(body, body.budget, body.spend_all)
    result = service.plan(inputs, params)
    recorded = service.record_plan(session.warehouse, result, params, settings)
    version = session.finish()
    return RecordPlanResponse(plan_id=recorded.plan_id,
                              recorded=RecordedPlanOut(**recorded.to_dict()),
                              plan=plan_response(result, version, inputs))


@router.get(
    "/plans",
    response_model=PlansResponse,
    summary="The recorded plans, newest first",
    responses=problem_responses(401, 403, 500, 503),
)
def list_plans(_key: ReaderKey, session: ReadSessionDep) -> PlansResponse:
    """Every recorded plan's header: quarter, data version, model, parameters, totals."""
    plans = service.recorded_plans(session.warehouse)
    return PlansResponse(data_version=session.version,
                         plans=[RecordedPlanOut(**p.to_dict(lines=False)) for p in plans])


@router.get(
    "/pacing",
    response_model=PacingResponse,
    summary="A recorded plan against the data: to date, projected, off pace",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def pacing(
    _key: ReaderKey,
    session: ReadSessionDep,
    plan: Annotated[int | None, Query(ge=1, description="Recorded plan id (default: the "
                                                        "latest).")] = None,
    tolerance: Annotated[float, Query(ge=0, le=10, description="Off pace beyond this share.")]
    = DEFAULTS.pacing_tolerance,
    as_of: Annotated[date | None, Query(description="Count the data up to this day "
                                                    "(default: its last day).")] = None,
) -> Response:
    """Per channel and month: planned vs actual spend, expected vs attributed revenue."""
    plan_id = get_plan(session.warehouse.conn, plan).plan_id
    key = {"plan": plan_id, "tolerance": tolerance, "as_of": as_of}

    def compute() -> PacingResponse:
        report = service.pacing(session.warehouse, plan_id, tolerance=tolerance, as_of=as_of,
                                memo=session.cached)
        return PacingResponse(data_version=session.version, **report.to_dict())

    return session.cached_json("pacing", key, compute)


def _rules(body: AlertsRequest) -> AlertRules:
    if body.toml is not None:
        return AlertRules.parse(body.toml, "request body (toml)")
    if body.rules is None:
        return AlertRules((), None, "request body")
    return AlertRules.from_mapping({"alert": body.rules}, "request body")


@router.post(
    "/alerts",
    response_model=AlertsResponse,
    summary="Check alert rules (and daily anomalies): the breaches with their values",
    responses=problem_responses(400, 401, 403, 413, 422, 500, 503),
)
def alerts(body: AlertsRequest, _key: ReaderKey, session: ReadSessionDep) -> Response:
    """Each breach with its rule, channel, period, value and threshold.

    A rule with an unknown metric, operator or period, or naming a channel the
    warehouse does not have, is refused (422) naming the rule.
    """
    rules = _rules(body)
    spec = model_spec(body.model or DEFAULT_MODEL)
    settings = AnomalySettings(window_weeks=body.window_weeks,
                               min_history=min(DEFAULTS.anomaly_min_history, body.window_weeks),
                               threshold=body.threshold)

    def compute() -> AlertsResponse:
        result = service.check_alerts(session.warehouse, rules, model=spec, start=body.first,
                                      end=body.last, latest=body.latest,
                                      anomaly_settings=settings, with_anomalies=body.anomalies,
                                      memo=session.cached)
        return AlertsResponse(**result.to_dict())

    return session.cached_json("alerts", body.model_dump(mode="json", by_alias=True), compute)


@router.get(
    "/anomalies",
    response_model=AnomaliesResponse,
    summary="Days whose spend, conversions or revenue leave their weekday baseline",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def anomalies(
    _key: ReaderKey,
    session: ReadSessionDep,
    dates: DateRangeDep,
    model: Annotated[str, Query(max_length=200, pattern=_SPEC,
                                description="Model of the attributed series.")] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(pattern=r"^([1-4]|auto)$")] = None,
    metric: Annotated[str | None, Query(
        pattern=r"^(spend|conversions|revenue)(,(spend|conversions|revenue))*$",
        description="Series to judge, comma-separated (default all three).",
        examples=["spend"])] = None,
    threshold: Annotated[float, Query(ge=0.5, le=100, description="Robust z cut.")]
    = DEFAULTS.anomaly_threshold,
    window_weeks: Annotated[int, Query(ge=1, le=52, description="Same-weekday weeks of "
                                                                "baseline.")]
    = DEFAULTS.anomaly_window_weeks,
    flagged_only: Annotated[bool, Query(description="Only the flagged days (false: every "
                                                    "judged day).")] = True,
) -> Response:
    """The flagged days (or every judged day) with the baseline median, MAD and expected range."""
    spec = model_spec(model, order=_order(order))
    metrics = tuple(metric.split(",")) if metric else ("spend", "conversions", "revenue")
    settings = AnomalySettings(window_weeks=window_weeks,
                               min_history=min(DEFAULTS.anomaly_min_history, window_weeks),
                               threshold=threshold)
    key = {"model": spec, "metrics": metrics, "threshold": threshold, "window": window_weeks,
           "from": dates.first, "to": dates.last, "flagged_only": flagged_only}

    def compute() -> AnomaliesResponse:
        report = service.anomalies(session.warehouse, settings, spec, start=dates.first,
                                   end=dates.last, metrics=metrics, memo=session.cached)
        return AnomaliesResponse(data_version=session.version, model=report.model,
                                 rule=settings.describe(), judged=len(report.frame),
                                 anomalies=report.records(flagged_only))

    return session.cached_json("anomalies", key, compute)
