"""Request and response bodies of calibration to experiments (``GET /v1/experiments``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["ExperimentOut", "ExperimentsResponse"]


class ExperimentOut(BaseModel):
    """One stored experiment (window both days included)."""

    channel: str
    kind: str
    start: str = Field(description="First day of the window (YYYY-MM-DD).")
    end: str = Field(description="Last day of the window, included.")
    metric: Literal["conversions", "revenue"]
    incremental: float = Field(description="The experiment's estimate over its window.")
    lower: float | None = Field(default=None, description="Its interval (95 %), if given.")
    upper: float | None = None


class ExperimentsResponse(BaseModel):
    """The experiments of a conversion kind the attribution can be calibrated to."""

    model_config = {"json_schema_extra": {"examples": [{
        "data_version": 3, "kind": "purchase", "experiments": [
            {"channel": "search", "kind": "purchase", "start": "2024-03-01",
             "end": "2024-03-31", "metric": "conversions", "incremental": 34.0,
             "lower": 25.5, "upper": 42.5}]}]}}

    data_version: int
    kind: str | None = Field(description="The kind asked for (null: every kind).")
    experiments: list[ExperimentOut]
