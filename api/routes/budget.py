"""``POST /v1/budget/plan``, ``/v1/budget/scenarios`` and ``/v1/budget/goal``.

Inputs of the LP come from one of two places:

* ``curves`` in the body — channels with piecewise-linear segments, exactly
  the ``touchpath plan --curves`` document (:mod:`touchpath.optimizer.io`);
* otherwise the warehouse, through
  :func:`touchpath.optimizer.inputs.plan_inputs_from_warehouse`: the channel ROI table
  of ``period`` and ``model``
  (:func:`touchpath.attribution.roi.channel_roi`), one response curve per channel with
  spend (:func:`touchpath.attribution.curves.fit_curves`), cut into ``segments`` pieces
  and scaled to a quarter (``periods`` per quarter: 13 weeks, 3 months or 1
  quarter; :func:`touchpath.attribution.curves.curves_to_json`), each channel's status
  and group from the channels table, the lifecycle verdicts of test channels
  (:func:`touchpath.attribution.lifecycle.evaluate`, default rules), and as previous
  spend the channel's spend over the last quarter's worth of periods (plus
  conversions per unit of revenue and the monthly spend pattern).

The warehouse inputs are cached by (data version, model, period, segments);
whole answers, as encoded JSON, by (data version, request body). These endpoints change nothing,
so a ``read`` key suffices.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from touchpath.api.deps import ReaderKey, ReadSession, ReadSessionDep
from touchpath.api.problems import InvalidParameter
from touchpath.api.routes.common import JourneyQuery, records
from touchpath.api.routes.roi import roi_table
from touchpath.api.schemas import (
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

__all__ = ["router", "warehouse_inputs"]

router = APIRouter(prefix="/v1/budget", tags=["budget"])

_RESPONSES = problem_responses(400, 401, 403, 413, 422, 500, 503)
_GOAL_EXAMPLES = {
    "target_revenue": {"summary": "Smallest budget reaching a revenue",
                       "value": {"target_revenue": 4000000, "quarter": "2027Q1"}},
    "min_marginal_roi": {"summary": "Largest budget at a marginal ROI",
                         "value": {"min_marginal_roi": 1.5, "quarter": "2027Q1"}},
}


def _default_journeys() -> JourneyQuery:
    from touchpath.api.routes.common import DateRange

    return JourneyQuery(30, False, "all", None, DateRange(None, None))


def warehouse_inputs(session: ReadSession, settings: PlanSettings) -> tuple[list[Any], list[Any]]:
    """LP inputs fitted from the warehouse (see the module docstring); cached.

    The work is :func:`touchpath.optimizer.inputs.plan_inputs_from_warehouse`, on the
    ROI table shared with ``/v1/roi`` through the result cache.
    """
    key = {"model": settings.model, "period": settings.period, "segments": settings.segments}

    def compute() -> tuple[list[Any], list[Any]]:
        from touchpath.optimizer.inputs import plan_inputs_from_warehouse

        journeys = _default_journeys()
        table = roi_table(session, settings.model, None, settings.period, 1, journeys)
        try:
            found = plan_inputs_from_warehouse(
                session.warehouse, model=settings.model, period=settings.period,
                segments=settings.segments, options=journeys.options(), roi_table=table)
        except ValueError as exc:
            # Documented: the data cannot be planned (no channel with spend, curves
            # that are not valid LP inputs); period and segments are checked by the schema.
            raise InvalidParameter(f"cannot plan from the warehouse: {exc}") from exc
        return found.inputs, found.curve_sets

    return session.cached("plan_inputs", key, compute)


def _inputs(session: ReadSession, settings: PlanSettings) -> tuple[list[Any], list[Any]]:
    if settings.curves is not None:
        from touchpath.optimizer import curves_from_json

        doc = {"channels": [c.model_dump(exclude_none=True) for c in settings.curves]}
        return curves_from_json(doc)
    return warehouse_inputs(session, settings)


def _constraints(settings: PlanSettings, budget: float | None, spend_all: bool) -> Any:
    from touchpath.optimizer import (
        BudgetConstraint,
        ChannelBounds,
        GroupLimit,
        LifecycleRules,
        MaxChange,
        PlanConstraints,
    )

    names = sorted(set(settings.mins) | set(settings.maxs))
    return PlanConstraints(
        budget=None if budget is None else BudgetConstraint(budget, equality=spend_all),
        bounds=tuple(ChannelBounds(c, min=settings.mins.get(c), max=settings.maxs.get(c))
                     for c in names),
        max_change=None if settings.max_change is None else MaxChange(settings.max_change),
        groups=tuple(GroupLimit(g.group, max_share=g.max_share, min_share=g.min_share)
                     for g in settings.group_caps),
        lifecycle=LifecycleRules(test_budget_share=settings.test_budget,
                                 scale_growth=settings.scale_growth),
    )


def _quarter(settings: PlanSettings) -> str | None:
    return None if settings.quarter is None else settings.quarter.upper().replace("-", "")


def plan_response(plan: Any, version: int) -> PlanResponse:
    """The wire form of a :class:`~touchpath.optimizer.plan.BudgetPlan`."""
    return PlanResponse(data_version=version, **plan.to_dict())


@router.post(
    "/plan",
    response_model=PlanResponse,
    summary="Best split of a quarter's budget across channels",
    responses=_RESPONSES,
)
def plan(body: PlanRequest, _key: ReaderKey, session: ReadSessionDep) -> Response:
    """Best split of the budget, with everything needed to defend it.

    Spend per channel (and per month), expected revenue, marginal ROI, the
    shadow price of the budget and the binding constraints.

    An infeasible request is answered with ``status: "infeasible"`` and the
    conflicting constraints in ``conflicts``, never an empty plan.
    """

    def compute() -> PlanResponse:
        from touchpath.optimizer import optimize_budget
        from touchpath.optimizer.plan import revenue_range

        inputs, curve_sets = _inputs(session, body)
        result = optimize_budget(
            inputs, _constraints(body, body.budget, body.spend_all), objective=body.objective,
            margin=body.margin, quarter=_quarter(body), monthly=body.monthly,
            on_infeasible="return",
        )
        if result.ok and curve_sets:
            from dataclasses import replace

            result = replace(result, revenue_range=revenue_range(result, curve_sets))
        return plan_response(result, session.version)

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
        from touchpath.optimizer import run_scenarios

        inputs, _ = _inputs(session, body)
        result = run_scenarios(inputs, _constraints(body, body.budget, body.spend_all),
                               multipliers=body.multipliers, objective=body.objective,
                               margin=body.margin)
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
        from touchpath.optimizer import max_budget_at_marginal_roi, min_budget_for_revenue

        inputs, _ = _inputs(session, body)
        cons = _constraints(body, None, False)
        if body.target_revenue is not None:
            found = min_budget_for_revenue(inputs, cons, body.target_revenue,
                                           quarter=_quarter(body), monthly=body.monthly,
                                           on_infeasible="return")
            kind, target = "target_revenue", body.target_revenue
        else:
            assert body.min_marginal_roi is not None
            found = max_budget_at_marginal_roi(inputs, cons, body.min_marginal_roi,
                                               quarter=_quarter(body), monthly=body.monthly,
                                               on_infeasible="return")
            kind, target = "min_marginal_roi", body.min_marginal_roi
        return GoalResponse(data_version=session.version, goal=kind, target=target,
                            budget=found.budget if found.ok else None,
                            plan=plan_response(found, session.version))

    return session.cached_json("goal", body.model_dump(mode="json"), compute)
