"""``GET /v1/segments`` and the segmented answers of ``by=`` on attribution, compare and ROI.

``by=ATTRIBUTE`` on ``/v1/attribution``, ``/v1/attribution/compare`` and
``/v1/roi`` fits every model per segment of a stored attribute
(:func:`touchpath.service.attribute_segments`, :func:`~touchpath.service.compare_segments`,
:func:`~touchpath.service.roi_segments`); the routes call the functions here.
An unknown attribute, or one with more than 1,000 values, is a 422 naming the
attributes that exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSession, ReadSessionDep
from touchpath.api.routes.common import JourneyQuery, clean
from touchpath.api.schemas import problem_responses
from touchpath.api.schemas_segments import (
    SegmentAttributeOut,
    SegmentCompareRow,
    SegmentCreditRow,
    SegmentedAttributionResponse,
    SegmentedCompareResponse,
    SegmentedROIResponse,
    SegmentROIRow,
    SegmentROISummary,
    SegmentSizeOut,
    SegmentSkipped,
    SegmentSpendBasis,
    SegmentsResponse,
)

__all__ = ["ByQuery", "router", "segmented_attribution", "segmented_compare",
           "segmented_roi"]

router = APIRouter(prefix="/v1/segments", tags=["segments"])

#: The ``by`` query parameter of the attribution, compare and ROI routes.
ByQuery = Annotated[str | None, Query(
    min_length=1, max_length=200,
    description="Fit per segment of this conversion or user attribute (see /v1/segments); "
                "rows carry the segment.", examples=["device"])]


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in r.items()} for r in rows]


@router.get(
    "",
    response_model=SegmentsResponse,
    summary="The segment attributes kept at ingest",
    responses=problem_responses(401, 403, 500, 503),
)
def segments(_key: ReaderKey, session: ReadSessionDep) -> Response:
    """Every stored attribute: scope, values, distinct count, segmentable (at most 1,000)."""
    from touchpath.data.segments import segment_attributes

    def compute() -> SegmentsResponse:
        return SegmentsResponse(
            data_version=session.version,
            attributes=[SegmentAttributeOut(**a.to_dict())
                        for a in segment_attributes(session.warehouse)])

    return session.cached_json("segments", {}, compute)


def segmented_attribution(session: ReadSession, journeys: JourneyQuery, by: str, spec: str,
                          ci: int, level: float, seed: int) -> Response:
    """The answer of ``GET /v1/attribution?by=...``."""
    key = {"by": by, "model": spec, "ci": ci, "level": level, "seed": seed,
           **journeys.params()}

    def compute() -> SegmentedAttributionResponse:
        result = service.attribute_segments(session.warehouse, by, spec, journeys.options(),
                                            ci=ci, level=level, seed=seed,
                                            should_stop=session.should_stop,
                                            memo=session.cached)
        doc = result.to_dict()
        return SegmentedAttributionResponse(
            data_version=session.version, by=SegmentAttributeOut(**doc["by"]),
            model=doc["model"], min_conversions=doc["min_conversions"],
            options=journeys.out(), segments=[SegmentSizeOut(**s) for s in doc["segments"]],
            rows=[SegmentCreditRow(**r) for r in _plain(doc["rows"])],
            warnings=doc["warnings"])

    return session.cached_json("attribution:by", key, compute)


def segmented_compare(session: ReadSession, journeys: JourneyQuery, by: str,
                      specs: list[str], ci: int, level: float, seed: int) -> Response:
    """The answer of ``GET /v1/attribution/compare?by=...``."""
    key = {"by": by, "models": specs, "ci": ci, "level": level, "seed": seed,
           **journeys.params()}

    def compute() -> SegmentedCompareResponse:
        result = service.compare_segments(session.warehouse, by, specs, journeys.options(),
                                          ci=ci, level=level, seed=seed,
                                          should_stop=session.should_stop, memo=session.cached)
        doc = result.to_dict()
        keep = SegmentCompareRow.model_fields
        return SegmentedCompareResponse(
            data_version=session.version, by=SegmentAttributeOut(**doc["by"]),
            min_conversions=doc["min_conversions"], options=journeys.out(),
            segments=[SegmentSizeOut(**s) for s in doc["segments"]],
            rows=[SegmentCompareRow(**{k: v for k, v in r.items() if k in keep})
                  for r in _plain(doc["rows"])],
            skipped=[SegmentSkipped(**s) for s in doc["skipped"]], warnings=doc["warnings"])

    return session.cached_json("compare:by", key, compute)


def segmented_roi(session: ReadSession, journeys: JourneyQuery, by: str, spec: str,
                  period: str, fiscal_year_start_month: int) -> Response:
    """The answer of ``GET /v1/roi?by=...`` (JSON)."""
    key = {"by": by, "model": spec, "period": period, "fiscal": fiscal_year_start_month,
           **journeys.params()}

    def compute() -> SegmentedROIResponse:
        result = service.roi_segments(session.warehouse, by, spec, period,  # type: ignore[arg-type]
                                      journeys.options(), start=journeys.dates.start,
                                      end=journeys.dates.end,
                                      fiscal_year_start_month=fiscal_year_start_month,
                                      should_stop=session.should_stop, memo=session.cached)
        doc = result.to_dict()
        return SegmentedROIResponse(
            data_version=session.version, by=SegmentAttributeOut(**doc["by"]),
            model=doc["model"], period=period, options=journeys.out(),
            segments=[SegmentROISummary(**s) for s in doc["segments"]],
            rows=[SegmentROIRow(**r) for r in _plain(doc["rows"])],
            spend_basis=[SegmentSpendBasis(**b) for b in doc["spend_basis"]],
            warnings=doc["warnings"])

    return session.cached_json("roi:by", key, compute)


