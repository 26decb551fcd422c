"""``GET /v1/identities``: persons from the identities table and what stitching changed.

The route over :func:`touchpath.service.identities` (``touchpath identities`` is the
CLI's): the pairs, persons and ids per person, the components above the cap
(``max_ids``, not merged), the journeys and ``(direct)`` conversions per id and
per person, and one model's credit per channel with and without stitching. The
journey options are those of every read route (``stitch`` is ignored: both views
are computed). Cached by (data version, model, cap, journey options).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep
from touchpath.api.routes.attribution import _SPEC, DEFAULT_MODEL, _order
from touchpath.api.routes.common import JourneyDep, records
from touchpath.api.schemas import problem_responses
from touchpath.api.schemas_identities import (
    IdentitiesResponse,
    IdentityCreditRow,
    IdentityEffectOut,
    IdentityReportOut,
)
from touchpath.service import DEFAULTS, model_spec

__all__ = ["router"]

router = APIRouter(prefix="/v1/identities", tags=["identities"])


@router.get(
    "",
    response_model=IdentitiesResponse,
    summary="Persons from the identities table, what stitching changed, credit with and without",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def identities(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    model: Annotated[str, Query(
        max_length=200, pattern=_SPEC,
        description="Model attributing both views (see /v1/attribution/models).",
        examples=["markov"])] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(
        pattern=r"^([1-4]|auto)$", description="Markov order, 1-4 or `auto`.")] = None,
    max_ids: Annotated[int, Query(
        ge=2, le=1_000_000, description="Largest component (ids) merged into one person.")]
    = DEFAULTS.stitch_max_ids,
) -> Response:
    """Persons, ids per person, oversized components, what stitching changed, credit both ways."""
    spec = model_spec(model, order=_order(order))
    options = replace(journeys.options(), stitch_max_ids=max_ids)
    key = {"model": spec, "max_ids": max_ids, **journeys.params()}

    def compute() -> IdentitiesResponse:
        result = service.identities(session.warehouse, options, model=spec,
                                    memo=session.cached)
        return IdentitiesResponse(
            data_version=session.version, model=result.model, options=journeys.out(),
            report=IdentityReportOut(**result.report.to_dict()),
            effect=IdentityEffectOut(**result.effect.to_dict()),
            credit=[IdentityCreditRow(**r) for r in records(result.credit_frame())],
        )

    return session.cached_json("identities", key, compute)
