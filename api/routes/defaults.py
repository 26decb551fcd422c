"""``GET /v1/defaults``: the service's defaults, so a client opens on them (no key needed).

The dashboard reads this at start and fills its forms with it (model, period,
lookback, compared models, resamples, plan limits, scenario multipliers), so its
first view is what the API, the CLI and the report compute when told nothing.
The values are :data:`touchpath.service.DEFAULTS` — product settings, the same
for every caller and already published as the query and body defaults of
``/openapi.json`` — not data, so like ``/v1/health`` this needs no API key, and
a page can set itself up before the user has entered one.
"""

from __future__ import annotations

from fastapi import APIRouter

from touchpath import service
from touchpath.api.schemas import DefaultsResponse, problem_responses

__all__ = ["defaults_response", "router"]

router = APIRouter(prefix="/v1/defaults", tags=["defaults"])


def defaults_response() -> DefaultsResponse:
    """:data:`touchpath.service.DEFAULTS` as the wire document."""
    d = service.DEFAULTS
    return DefaultsResponse(
        model=service.default_model_spec(), order=d.order, lookback_days=d.lookback_days,
        censor=d.censor, kind=d.kind or "all", period=d.period,
        compare_models=list(d.compare_models), ci=d.ci, level=d.level,
        max_change=d.max_change, test_budget=d.test_budget, scale_growth=d.scale_growth,
        spend_all=d.spend_all, objective=d.objective,
        scenario_multipliers=list(d.scenario_multipliers), segments=d.segments,
        min_roi=d.min_roi, currency=d.currency,
        segment_min_conversions=d.segment_min_conversions, segment_ci=d.segment_ci,
        segment_by=d.segment_by, grain=d.grain, pacing_tolerance=d.pacing_tolerance,
        anomaly_window_weeks=d.anomaly_window_weeks, anomaly_min_history=d.anomaly_min_history,
        anomaly_threshold=d.anomaly_threshold, stitch=d.stitch,
        stitch_max_ids=d.stitch_max_ids)


@router.get(
    "",
    response_model=DefaultsResponse,
    summary="The defaults every endpoint assumes unless told",
    responses=problem_responses(500),
)
async def defaults() -> DefaultsResponse:
    """Model, journey, comparison and plan defaults of the service; needs no API key.

    A request that leaves a parameter out gets the value listed here (e.g.
    ``GET /v1/roi`` without ``model`` is the ROI of ``model``).
    """
    return defaults_response()
