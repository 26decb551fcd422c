"""``GET /v1/health``: liveness, data version, last ingest and row counts (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadSessionDep
from api.main import package_version
from api.schemas import HealthResponse, problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/v1/health", tags=["health"])


@router.get(
    "",
    response_model=HealthResponse,
    summary="Service health, data version and row counts",
    responses=problem_responses(500, 503),
)
def health(session: ReadSessionDep) -> HealthResponse:
    """Always answers while the service runs; needs no API key.

    The counts and the data version come from one consistent state of the
    warehouse (an ingest in progress is either fully counted or not at all).
    """
    wh = session.warehouse
    first, last = wh.date_range()
    return HealthResponse(
        version=package_version(),
        data_version=session.version,
        counts=wh.counts(),
        first_day=None if first is None else first.date(),
        last_day=None if last is None else last.date(),
        last_ingest_at=wh.last_ingest_at,
        cache_entries=len(session.cache),
    )
