"""``GET /v1/roi``: channel ROI per period, as JSON or CSV.

CSV is chosen by ``format=csv`` or an ``Accept`` header preferring
``text/csv``; it has the same columns as the CLI's CSV export (undefined
numbers as empty cells; money exact with at most 6 decimals, ratios in full
float precision; a ``currency`` column).
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import DATA_VERSION_HEADER, ReaderKey, ReadSession, ReadSessionDep
from touchpath.api.problems import InvalidParameter
from touchpath.api.routes.attribution import _SPEC, DEFAULT_MODEL, _order
from touchpath.api.routes.budget import clean_json
from touchpath.api.routes.common import JourneyDep, JourneyQuery, records
from touchpath.api.routes.segments import ByQuery, segmented_roi
from touchpath.api.schemas import ROIResponse, ROIRow, problem_responses
from touchpath.attribution.roi import ChannelROITable, Period
from touchpath.service import DEFAULTS, model_spec

__all__ = ["router", "roi_table"]

router = APIRouter(prefix="/v1/roi", tags=["roi"])


_CSV_EXAMPLE = (
    "period,period_start,period_end,channel,spend,attributed_conversions,attributed_revenue,"
    "roi,net_roi,cpa,...\n2026Q1,2026-01-01,2026-04-01,search,1000,12.5,4100,4.1,3.1,80,...\n"
)


def roi_table(session: ReadSession, model: str, order: str | None, period: Period,
              fiscal_year_start_month: int, journeys: JourneyQuery) -> ChannelROITable:
    """The :class:`~touchpath.attribution.roi.ChannelROITable` of a request (memoised)."""
    return service.roi_table(session.warehouse, model_spec(model, order=_order(order)), period,
                             journeys.options(), start=journeys.dates.start,
                             end=journeys.dates.end,
                             fiscal_year_start_month=fiscal_year_start_month,
                             should_stop=session.should_stop, memo=session.cached)


def calibrated_table(session: ReadSession, table: ChannelROITable, model: str,
                     order: str | None, journeys: JourneyQuery) -> tuple[ChannelROITable, Any]:
    """``table`` calibrated to the experiments, and the calibration (``calibrate=true``)."""
    return service.calibrated_roi_table(session.warehouse, table,
                                        model=model_spec(model, order=_order(order)),
                                        options=journeys.options(), memo=session.cached)


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "").lower()
    return "text/csv" in accept and "application/json" not in accept.split("text/csv")[0]


@router.get(
    "",
    response_model=ROIResponse,
    summary="Channel ROI per week, month or quarter",
    responses={
        200: {"description": "The ROI table as JSON, or CSV with `format=csv` / "
                             "`Accept: text/csv`.",
              "content": {"text/csv": {"schema": {"type": "string"},
                                       "example": _CSV_EXAMPLE}}},
        **problem_responses(401, 403, 422, 500, 503),
    },
)
def roi(
    request: Request,
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    period: Annotated[Period, Query(description="Period of the rows.",
                                    examples=["quarter"])] = DEFAULTS.period,
    model: Annotated[str, Query(max_length=200, pattern=_SPEC,
                                description="Attribution model (additive models only).",
                                examples=["markov"])] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(pattern=r"^([1-4]|auto)$",
                                       description="Markov order.")] = None,
    fiscal_year_start_month: Annotated[int, Query(
        ge=1, le=12, description="First month of the fiscal year (quarters).")]
    = DEFAULTS.fiscal_year_start_month,
    format: Annotated[Literal["json", "csv"] | None, Query(
        description="Response format; default from the Accept header, else JSON.")] = None,
    by: ByQuery = None,
    calibrate: Annotated[bool, Query(
        description="Calibrate the rows to the experiments table; a (freed) row per period "
                    "carries the credit calibration freed.")] = False,
) -> Response:
    """The channel ROI table of each period, as JSON or CSV.

    Per channel per period: spend, attributed conversions and revenue, ROI,
    net ROI, CPA, shares, journey conversion rate, first vs repeat purchases
    and CAC.

    ROI = attributed revenue ÷ spend; undefined (null, empty in CSV) without
    spend. Channel rows plus the ``(direct)`` row reconcile with the period's
    conversions, revenue and spend.

    With ``by=ATTRIBUTE`` one table per segment (body ``SegmentedROIResponse``;
    CSV rows with ``segment`` first): each channel's spend in a period is
    allocated to the segments by their share of its touches (``spend_basis``).
    """
    if by is not None and calibrate:
        raise InvalidParameter("calibrate with by: experiments calibrate a channel's credit "
                               "over all its journeys; ask for the calibration on its own")
    if by is not None:
        if _wants_csv(request, format):
            return _segmented_csv(session, journeys, by, model, order, period,
                                  fiscal_year_start_month)
        return segmented_roi(session, journeys, by, model_spec(model, order=_order(order)),
                             period, fiscal_year_start_month)
    key = {"model": model_spec(model, order=_order(order)), "period": period,
           "fiscal": fiscal_year_start_month, "calibrate": calibrate, **journeys.params()}

    def table_of() -> tuple[ChannelROITable, Any]:
        table = roi_table(session, model, order, period, fiscal_year_start_month, journeys)
        return calibrated_table(session, table, model, order, journeys) if calibrate else (
            table, None)

    if _wants_csv(request, format):

        def encode_csv() -> bytes:
            buf = io.StringIO()
            table_of()[0].to_csv(buf)
            return buf.getvalue().encode("utf-8")

        body = session.cached("roi:csv", key, encode_csv)
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="roi.csv"',
                                 DATA_VERSION_HEADER: str(session.version)})

    def compute() -> ROIResponse:
        table, cal = table_of()
        doc = table.to_dict()
        return ROIResponse(
            data_version=session.version,
            model=table.model,
            period=period,
            fiscal_year_start_month=table.fiscal_year_start_month,
            first_purchase_split=table.first_purchase_split,
            currency=table.currency,
            options=journeys.out(),
            rows=[ROIRow(**r) for r in doc["rows"]],
            totals=records_from(doc["totals"]),
            calibration=None if cal is None else clean_json(cal.to_dict()),
        )

    return session.cached_json("roi", key, compute)


def _segmented_csv(session: ReadSession, journeys: JourneyQuery, by: str, model: str,
                   order: str | None, period: Period, fiscal_year_start_month: int) -> Response:
    """``GET /v1/roi?by=...&format=csv``: every segment's rows, ``segment`` first."""
    key = {"by": by, "model": model_spec(model, order=_order(order)), "period": period,
           "fiscal": fiscal_year_start_month, **journeys.params()}

    def encode_csv() -> bytes:
        result = service.roi_segments(session.warehouse, by,
                                      model_spec(model, order=_order(order)), period,
                                      journeys.options(), start=journeys.dates.start,
                                      end=journeys.dates.end,
                                      fiscal_year_start_month=fiscal_year_start_month,
                                      should_stop=session.should_stop, memo=session.cached)
        return result.to_frame().to_csv(index=False).encode("utf-8")

    body = session.cached("roi:by:csv", key, encode_csv)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="roi_segments.csv"',
                             DATA_VERSION_HEADER: str(session.version)})


def records_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows already JSON-ready from the domain, with numpy scalars made plain."""
    import pandas as pd

    return records(pd.DataFrame(rows)) if rows else []
