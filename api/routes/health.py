"""``GET /v1/health``: liveness, data version, last ingest and row counts (no key needed).

Health never waits for the data lock or DuckDB: it answers on the event loop
from the :class:`~touchpath.api.deps.DataSnapshot` the app keeps in memory, refreshed
at startup and after every write under the write hold. So it answers in
milliseconds while an ingest runs or waits, or a long read holds the lock.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from touchpath.api.deps import AppState, StateDep
from touchpath.api.main import package_version
from touchpath.api.schemas import HealthResponse, problem_responses

__all__ = ["health_response", "router"]

router = APIRouter(prefix="/v1/health", tags=["health"])


def health_response(state: AppState) -> HealthResponse:
    """The health document of ``state``, from its snapshot (no lock, no query)."""
    snap = state.snapshot
    if snap is None:
        raise HTTPException(status_code=503, detail="the service is starting or stopping")
    return HealthResponse(
        version=package_version(),
        data_version=snap.data_version,
        counts=snap.counts,
        first_day=snap.first_day,
        last_day=snap.last_day,
        last_ingest_at=snap.last_ingest_at,
        cache_entries=len(state.cache),
    )


@router.get(
    "",
    response_model=HealthResponse,
    summary="Service health, data version and row counts",
    responses=problem_responses(500, 503),
)
async def health(state: StateDep) -> HealthResponse:
    """Always answers while the service runs; needs no API key.

    The counts and the data version come from one consistent state of the
    warehouse (an ingest in progress is either fully counted or not at all):
    the state after the last completed write.
    """
    return health_response(state)
