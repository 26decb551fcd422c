"""``POST /v1/budget/plan``, ``/v1/budget/scenarios`` and ``/v1/budget/goal``.

Inputs of the LP come from one of two places:

* ``curves`` in the body — channels with piecewise-linear segments, exactly
  the ``touchpath plan --curves`` document (:mod:`touchpath.optimizer.io`),
  read by :func:`touchpath.service.inputs_from_curves`;
* otherwise the warehouse, through :func:`touchpath.service.plan_inputs`: the
  channel ROI table of ``period`` and ``model`` (shared with ``/v1/roi`` through
  the result cache), one response curve per channel with spend, the channels'
  statuses, groups and lifecycle verdicts, and last quarter's spend — the default
  budget when the body gives none.

The request's settings become one :class:`touchpath.service.PlanParams`, whose
defaults are the service's, so a plan asked here equals ``touchpath plan`` with
the same options. Whole answers are cached as encoded JSON by (data version,
request body). These endpoints change nothing, so a ``read`` key suffices.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSession, ReadSessionDep
from touchpath.api.routes.common import records
from touchpath.api.schemas import (
    CurveFit,
    GoalRequest,
    GoalResponse,
    PlanRequest,
    PlanResponse,
    PlanSettings,
    ScenarioRow,
    ScenariosRequest,
    ScenariosResponse,
    problem_responses,
)
from touchpath.errors import InvalidRequest
from touchpath.optimizer import BudgetPlan, ChannelBounds, GroupLimit

__all__ = ["plan_params", "router"]

router = APIRouter(prefix="/v1/budget", tags=["budget"])

_RESPONSES = problem_responses(400, 401, 403, 413, 422, 500, 503)
_GOAL_EXAMPLES = {
    "target_revenue": {"summary": "Smallest budget reaching a revenue",
                       "value": {"target_revenue": 4000000, "quarter": "2027Q1"}},
    "min_marginal_roi": {"summary": "Largest budget at a marginal ROI",
                         "value": {"min_marginal_roi": 1.5, "quarter": "2027Q1"}},
}


def _inputs(session: ReadSession, settings: PlanSettings) -> service.PlanInputs:
    """The LP inputs of a request: its curves, or fitted from the warehouse (memoised)."""
    if settings.curves is not None:
        doc = {"channels": [c.model_dump(exclude_none=True) for c in settings.curves]}
        return service.inputs_from_curves(doc)
    curve_settings = service.CurveSettings(model=settings.model, period=settings.period,
                                           segments=settings.segments,
                                           calibrate=settings.calibrate)
    return service.plan_inputs(session.warehouse, curve_settings,
                               should_stop=session.should_stop, memo=session.cached)


def plan_params(settings: PlanSettings, budget: float | None = None,
                spend_all: bool = service.DEFAULTS.spend_all) -> service.PlanParams:
    """The service's plan parameters for a request body."""
    names = sorted(set(settings.mins) | set(settings.maxs) | set(settings.min_shares)
                   | set(settings.max_shares))
    bounds = tuple(ChannelBounds(c, min=settings.mins.get(c), max=settings.maxs.get(c),
                                 min_share=settings.min_shares.get(c),
                                 max_share=settings.max_shares.get(c)) for c in names)
    groups = tuple(GroupLimit(g.group, max_share=g.max_share, min_share=g.min_share,
                              max=g.max, min=g.min) for g in settings.group_caps)
    return service.PlanParams(
        budget=budget, spend_all=spend_all, quarter=settings.quarter,
        objective=settings.objective, margin=settings.margin, max_change=settings.max_change,
        bounds=bounds, groups=groups, test_budget=settings.test_budget,
        scale_growth=settings.scale_growth, unmodelled=settings.unmodelled,
        monthly=settings.monthly, solver=settings.solver, min_roi=settings.min_roi)


def plan_response(plan: BudgetPlan, version: int,
                  inputs: service.PlanInputs | None = None) -> PlanResponse:
    """The wire form of a :class:`~touchpath.optimizer.plan.BudgetPlan`.

    With ``inputs``, ``curves`` lists the fitted curve behind each channel
    (form, fit or fallback and why, R², observed spend range).
    """
    return PlanResponse(data_version=version, **plan.to_dict(),
                        curves=[] if inputs is None else curve_fits(inputs))


def _calibrated_plan(session: ReadSession, body: PlanRequest) -> PlanResponse:
    """A plan on calibrated curves, with the uncalibrated plan beside it (``calibrate``)."""
    if body.curves is not None:
        raise InvalidRequest("calibrate fits calibrated curves from the warehouse; leave out "
                             "curves")
    settings = service.CurveSettings(model=body.model, period=body.period,
                                     segments=body.segments, calibrate=True)
    found = service.calibrated_plan(session.warehouse, settings,
                                    plan_params(body, body.budget, body.spend_all),
                                    should_stop=session.should_stop, memo=session.cached)
    response = plan_response(found.plan, session.version, found.inputs)
    response.calibration = clean_json(found.to_dict())
    return response


def clean_json(doc: Any) -> Any:
    """``doc`` with NaN and infinities as ``None`` (JSON has neither)."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return None
    if isinstance(doc, dict):
        return {str(k): clean_json(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [clean_json(v) for v in doc]
    if hasattr(doc, "item"):
        return clean_json(doc.item())
    return doc


def curve_fits(inputs: service.PlanInputs) -> list[CurveFit]:
    """The fit facts of the plan inputs' per-period curves, one per channel."""
    return [CurveFit(channel=c.channel, form=c.form, method=c.method, note=c.note,
                     r2=c.r2 if math.isfinite(c.r2) else None, n_periods=c.n_periods,
                     spend_min=c.spend_min if math.isfinite(c.spend_min) else None,
                     spend_max=c.spend_max if math.isfinite(c.spend_max) else None)
            for c in inputs.curves.values()]


@router.post(
    "/plan",
    response_model=PlanResponse,
    summary="Best split of a quarter's budget across channels",
    responses=_RESPONSES,
)
def plan(body: PlanRequest, _key: ReaderKey, session: ReadSessionDep) -> Response:
    """Best split of the budget, with everything needed to defend it.

    Spend per channel (and per month), expected revenue, marginal ROI, the
    shadow price of the budget and the binding constraints. Without ``budget``
    the budget is last quarter's spend of the planned channels.

    An infeasible request is answered with ``status: "infeasible"`` and the
    conflicting constraints in ``conflicts``, never an empty plan.
    """

    def compute() -> PlanResponse:
        if body.calibrate:
            return _calibrated_plan(session, body)
        inputs = _inputs(session, body)
        result = service.plan(inputs, plan_params(body, body.budget, body.spend_all))
        return plan_response(result, session.version, inputs)

    return session.cached_json("plan", body.model_dump(mode="json"), compute)


@router.post(
    "/scenarios",
    response_model=ScenariosResponse,
    summary="The plan at other budgets (the curve of returns)",
    responses=_RESPONSES,
)
def scenarios(body: ScenariosRequest, _key: ReaderKey,
              session: ReadSessionDep) -> Response:
    """Expected revenue, shadow price and incremental ROI at ``budget × multiplier``.

    Infeasible scenarios are kept, with their conflicts.
    """

    def compute() -> ScenariosResponse:
        result = service.scenarios(_inputs(session, body),
                                   plan_params(body, body.budget, body.spend_all),
                                   multipliers=body.multipliers)
        rows = [ScenarioRow(**r) for r in records(result.to_frame())]
        return ScenariosResponse(data_version=session.version, base_budget=result.base_budget,
                                 scenarios=rows)

    return session.cached_json("scenarios", body.model_dump(mode="json"), compute)


@router.post(
    "/goal",
    response_model=GoalResponse,
    summary="Smallest budget for a revenue target, or largest at a minimum marginal ROI",
    responses=_RESPONSES,
)
def goal(
    body: Annotated[GoalRequest, Body(openapi_examples=_GOAL_EXAMPLES)],
    _key: ReaderKey,
    session: ReadSessionDep,
) -> Response:
    """Goal seeking with the same constraints as a plan (no budget row of its own).

    ``target_revenue``: the smallest budget whose best plan reaches it.
    ``min_marginal_roi``: the largest budget while every funded channel's last
    unit of spend returns at least that ROI. The plan at the budget found is
    returned with it; an unreachable goal is ``status: "infeasible"``.
    """

    def compute() -> GoalResponse:
        found = service.goal(_inputs(session, body), plan_params(body),
                             target_revenue=body.target_revenue,
                             min_marginal_roi=body.min_marginal_roi)
        kind = "target_revenue" if body.target_revenue is not None else "min_marginal_roi"
        target = body.target_revenue if body.target_revenue is not None else body.min_marginal_roi
        assert target is not None
        return GoalResponse(data_version=session.version, goal=kind, target=target,
                            budget=found.budget if found.ok else None,
                            plan=plan_response(found, session.version))

    return session.cached_json("goal", body.model_dump(mode="json"), compute)
