"""``GET /v1/experiments``: the experiments the attribution can be calibrated to.

Loaded by ``POST /v1/ingest/experiments``; used by ``calibrate=true`` on
``/v1/attribution``, ``/v1/roi`` and the budget endpoints
(:mod:`touchpath.service.calibration`). The dashboard's calibration panel asks
here first, so a warehouse without experiments is a plain empty list.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep
from touchpath.api.schemas import problem_responses
from touchpath.api.schemas_calibration import ExperimentOut, ExperimentsResponse
from touchpath.data.journeys import kind_value

__all__ = ["router"]

router = APIRouter(prefix="/v1/experiments", tags=["calibration"])


@router.get(
    "",
    response_model=ExperimentsResponse,
    summary="The stored experiments (lift tests, geo holdouts) of a conversion kind",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def experiments(
    _key: ReaderKey,
    session: ReadSessionDep,
    kind: Annotated[str, Query(max_length=100, description="Conversion kind; `all`: every "
                                                         "kind.")] = service.DEFAULTS.kind
    or "all",
) -> Response:
    """Each experiment's channel, window, estimate and interval, per channel in time order."""
    chosen = kind_value(kind)

    def compute() -> ExperimentsResponse:
        frame = service.experiments_frame(session.warehouse, chosen)
        rows = [ExperimentOut(**{k: (None if v != v else v) for k, v in r.items()})
                for r in frame.astype(object).to_dict(orient="records")]
        return ExperimentsResponse(data_version=session.version, kind=chosen,
                                   experiments=rows)

    return session.cached_json("experiments", {"kind": chosen}, compute)
