"""Wire schemas of segments: ``GET /v1/segments`` and ``by=`` on attribution, compare, ROI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from touchpath.api.schemas import (
    ChannelCredit,
    CompareRow,
    JourneyOptionsOut,
    ROIRow,
    SkippedModel,
)

__all__ = [
    "SegmentAttributeOut",
    "SegmentCompareRow",
    "SegmentCreditRow",
    "SegmentROIRow",
    "SegmentROISummary",
    "SegmentSizeOut",
    "SegmentSkipped",
    "SegmentSpendBasis",
    "SegmentedAttributionResponse",
    "SegmentedCompareResponse",
    "SegmentedROIResponse",
    "SegmentsResponse",
]


class SegmentAttributeOut(BaseModel):
    """A stored attribute segments can be cut by."""

    name: str
    scope: Literal["conversion", "user", "both"] = Field(
        description="conversion: extra columns of conversions; user: a users file's columns; "
                    "both: stored on both (the conversion's value wins).")
    values: list[str] = Field(description="Distinct values, sorted (empty when not "
                                          "segmentable).")
    distinct: int = Field(ge=0)
    segmentable: bool = Field(description="At most 1,000 distinct values.")


class SegmentsResponse(BaseModel):
    """The segment attributes kept at ingest."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "data_version": 3, "attributes": [{"name": "device", "scope": "both",
                                           "values": ["desktop", "mobile"], "distinct": 2,
                                           "segmentable": True}]}]})

    data_version: int
    attributes: list[SegmentAttributeOut]


class SegmentSizeOut(BaseModel):
    """One segment's journeys, conversions and revenue (``(direct)`` included)."""

    segment: str = Field(description="The attribute's value; `(none)`: journeys without one.")
    journeys: int = Field(ge=0)
    conversions: float
    revenue: float
    direct_conversions: float
    direct_revenue: float
    nulls: int = Field(ge=0, description="Non-converting journeys.")
    small_sample: bool = Field(description="Fewer conversions than min_conversions: the "
                                           "credit carries its bootstrap interval.")


class SegmentCreditRow(ChannelCredit):
    """One channel of one segment under one model."""

    segment: str
    model: str
    segment_journeys: int
    segment_conversions: float
    small_sample: bool


class SegmentedAttributionResponse(BaseModel):
    """One model fitted per segment of an attribute."""

    data_version: int
    by: SegmentAttributeOut
    model: str
    min_conversions: int
    options: JourneyOptionsOut
    segments: list[SegmentSizeOut]
    rows: list[SegmentCreditRow] = Field(description="Per segment its channels and (direct); "
                                                     "per segment credit + (direct) = the "
                                                     "segment's conversions and revenue.")
    warnings: list[str] = Field(default_factory=list)


class SegmentCompareRow(CompareRow):
    """One channel of one segment under one model of a comparison."""

    segment: str
    segment_conversions: float
    small_sample: bool


class SegmentSkipped(SkippedModel):
    """A model that could not run on one segment, and why."""

    segment: str


class SegmentedCompareResponse(BaseModel):
    """Several models per segment of an attribute."""

    data_version: int
    by: SegmentAttributeOut
    min_conversions: int
    options: JourneyOptionsOut
    segments: list[SegmentSizeOut]
    rows: list[SegmentCompareRow]
    skipped: list[SegmentSkipped] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class SegmentROIRow(ROIRow):
    """One channel of one segment in one period; spend allocated by touch share."""

    segment: str
    spend_basis: str = Field(description="How the channel's spend was split over the "
                                         "segments: touch_share, all_touch_share or even "
                                         "(empty without spend).")


class SegmentROISummary(BaseModel):
    """One segment's totals over the periods."""

    segment: str
    conversions: float
    revenue: float
    spend: float = Field(description="Allocated spend.")
    reconciles: bool


class SegmentSpendBasis(BaseModel):
    """How one channel's spend in one period was split over the segments."""

    period: str
    channel: str
    basis: str


class SegmentedROIResponse(BaseModel):
    """The channel ROI table per segment of an attribute."""

    data_version: int
    by: SegmentAttributeOut
    model: str
    period: str
    options: JourneyOptionsOut
    segments: list[SegmentROISummary]
    rows: list[SegmentROIRow]
    spend_basis: list[SegmentSpendBasis]
    warnings: list[str] = Field(default_factory=list)
