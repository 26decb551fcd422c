"""``GET /v1/paths``: journey summary per channel and the most frequent paths."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep
from touchpath.api.routes.common import GrainParam, JourneyDep, records
from touchpath.api.schemas import (
    CampaignState,
    CensoringOut,
    PathRow,
    PathsResponse,
    problem_responses,
)
from touchpath.service import DEFAULTS

__all__ = ["router"]

router = APIRouter(prefix="/v1/paths", tags=["paths"])


@router.get(
    "",
    response_model=PathsResponse,
    summary="Journey summary and top paths",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def paths(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    limit: Annotated[int, Query(ge=0, le=1000, description="How many paths to list.",
                                examples=[20])] = 20,
    grain: GrainParam = DEFAULTS.grain,
) -> Response:
    """Per channel: touches, journeys, last-touch conversions, revenue and spend.

    Also the path table's totals (journeys, conversions on paths, the
    ``(direct)`` baseline), its ``limit`` most frequent paths (by journeys,
    then conversions), how many non-converting journeys censoring left out
    (``censored_journeys``; ``censor=false`` keeps them all) and ``warnings``
    when that is most or all of them, or when there is no null at all.
    ``grain=campaign``: the paths are of channel / campaign states, listed
    under ``states`` with their channel and campaign (the summary stays per
    channel).
    """
    options = dataclasses.replace(journeys.options(), grain=grain)

    def compute() -> PathsResponse:
        overview = service.paths_overview(session.warehouse, options, limit=limit,
                                          memo=session.cached)
        fields = {}
        if grain == "campaign":
            table = service.campaign_paths(session.warehouse, options, memo=session.cached)
            fields = {"grain": "campaign",
                      "states": [CampaignState(**r) for r in records(table.states())]}
        return PathsResponse(
            **fields,
            data_version=session.version,
            options=journeys.out(),
            totals=overview.totals,
            summary=records(overview.summary),
            paths=[PathRow(**r) for r in records(overview.top)],
            censored_journeys=overview.censored_journeys,
            warnings=list(overview.warnings),
            censoring=CensoringOut(**{k: v for k, v in overview.censoring.to_dict().items()
                                      if k != "warnings"}),
        )

    return session.cached_json("paths", {**journeys.params(), "limit": limit, "grain": grain},
                               compute)
