"""``GET /v1/funnel``: funnel stages as conversion kinds, attributed, with stage-to-stage rates.

The route over :func:`touchpath.service.funnel` (``touchpath funnel`` is the CLI's):
``stages=add_to_cart,purchase`` attributes each kind's conversions on their own
journeys with one model; per stage the conversions of the kind, per channel and
stage the attributed conversions, each step's rate and drop-off. The journey
options are those of every read route; ``kind`` is replaced by each stage's.
Cached by (data version, stages, model, journey options). ``GET /v1/funnel/kinds``
lists the kinds a funnel can use, most conversions first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep
from touchpath.api.routes.attribution import _SPEC, DEFAULT_MODEL, _order
from touchpath.api.routes.common import JourneyDep, clean, records
from touchpath.api.schemas import (
    ConversionKind,
    FunnelKindsResponse,
    FunnelResponse,
    FunnelRow,
    FunnelStageOut,
    problem_responses,
)
from touchpath.service import model_spec

__all__ = ["router"]

router = APIRouter(prefix="/v1/funnel", tags=["funnel"])


@router.get(
    "",
    response_model=FunnelResponse,
    summary="Funnel stages as conversion kinds: attributed conversions, rates, drop-off",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def funnel(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    stages: Annotated[str, Query(
        min_length=1, max_length=500,
        description="Conversion kinds in funnel order, comma-separated.",
        examples=["add_to_cart,purchase"])],
    model: Annotated[str, Query(
        max_length=200, pattern=_SPEC,
        description="Model that attributes every stage (see /v1/attribution/models).",
        examples=["last_touch"])] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(
        pattern=r"^([1-4]|auto)$", description="Markov order, 1-4 or `auto`.")] = None,
) -> Response:
    """Per stage the conversions of its kind; per channel and stage the attributed ones.

    A stage no conversion has is refused (422 naming the kinds present).
    """
    spec = model_spec(model, order=_order(order))
    options = journeys.options()
    key = {"stages": stages, "model": spec, **journeys.params()}

    def compute() -> FunnelResponse:
        result = service.funnel(session.warehouse, stages, spec, options, memo=session.cached)
        frame = result.to_frame()
        overall = frame[frame["channel"] == "(all)"]
        return FunnelResponse(
            data_version=session.version, model=result.model,
            stages=[FunnelStageOut(**{k: v for k, v in r.items() if k != "channel"})
                    for r in records(overall)],
            overall_rate=clean(result.overall_rate()),
            options=journeys.out(),
            rows=[FunnelRow(**r) for r in records(frame)],
        )

    return session.cached_json("funnel", key, compute)


@router.get(
    "/kinds",
    response_model=FunnelKindsResponse,
    summary="The conversion kinds in the warehouse: the stages a funnel can use",
    responses=problem_responses(401, 403, 500, 503),
)
def funnel_kinds(_key: ReaderKey, session: ReadSessionDep) -> Response:
    """Each conversion kind with its conversions, most first (carts before purchases)."""
    from touchpath.data.journeys import conversion_kinds

    def compute() -> FunnelKindsResponse:
        kinds = conversion_kinds(session.warehouse)
        return FunnelKindsResponse(data_version=session.version, kinds=[
            ConversionKind(kind=k, conversions=n) for k, n in kinds.items()])

    return session.cached_json("funnel_kinds", {}, compute)
