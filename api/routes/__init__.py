"""The API's routers, one module per concern, all under ``/v1``."""

from fastapi import APIRouter

from touchpath.api.routes import (
    attribution,
    budget,
    calibration,
    defaults,
    funnel,
    health,
    identities,
    ingest,
    lifecycle,
    monitoring,
    paths,
    roi,
    segments,
)

__all__ = ["ROUTERS"]

#: Routers in the order they appear in the OpenAPI document.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    defaults.router,
    ingest.router,
    paths.router,
    attribution.router,
    roi.router,
    funnel.router,
    identities.router,
    lifecycle.router,
    lifecycle.channels_router,
    budget.router,
    segments.router,
    monitoring.router,
    calibration.router,
)
