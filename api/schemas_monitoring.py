"""Wire schemas of the monitoring routes: recorded plans, pacing, alerts and anomalies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from touchpath.api.schemas import IsoDate, Money, PlanResponse
from touchpath.service import DEFAULTS

__all__ = [
    "AlertsRequest",
    "AlertsResponse",
    "AnomaliesResponse",
    "AnomalyOut",
    "BreachOut",
    "PacingChannelOut",
    "PacingMonthOut",
    "PacingResponse",
    "PlanLineOut",
    "PlansResponse",
    "RecordPlanResponse",
    "RecordedPlanOut",
    "RuleOut",
]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class PlanLineOut(BaseModel):
    """One channel-month of a recorded plan."""

    channel: str
    month: str
    spend: Money
    expected_revenue: Money | None = None


_RECORDED = {"plan_id": 1, "recorded_at": "2026-12-02T01:57:00", "quarter": "2026Q4",
             "data_version": 4, "model": "markov1", "params": {"plan": {"budget": None}},
             "budget": None, "total_spend": 59052.44, "expected_revenue": 267223.87,
             "currency": "CNY", "lines": [{"channel": "search", "month": "2026-10",
                                           "spend": 5530.38, "expected_revenue": 25357.75}]}


class RecordedPlanOut(BaseModel):
    """A recorded plan: parameters, the data version it was fitted on, its channel-months."""

    model_config = _examples(_RECORDED)

    plan_id: int
    recorded_at: str
    quarter: str
    data_version: int
    model: str
    params: dict[str, Any]
    budget: Money | None = None
    total_spend: Money
    expected_revenue: Money
    currency: str
    lines: list[PlanLineOut] = Field(default_factory=list)


class RecordPlanResponse(BaseModel):
    """The plan solved and recorded: its id, the stored record and the plan itself."""

    model_config = _examples({"plan_id": 1, "recorded": _RECORDED, "plan": {}})

    plan_id: int
    recorded: RecordedPlanOut
    plan: PlanResponse


class PlansResponse(BaseModel):
    """The recorded plans, newest first (without their lines)."""

    model_config = _examples({"data_version": 4, "plans": [
        {k: v for k, v in _RECORDED.items() if k != "lines"}]})

    data_version: int
    plans: list[RecordedPlanOut]


class PacingChannelOut(BaseModel):
    """One channel's quarter against its plan."""

    channel: str
    planned_spend: Money
    planned_to_date: Money
    actual_spend: Money
    projected_spend: Money | None = None
    spend_pace: float | None = Field(None, description="Projected ÷ planned spend (1: on plan).")
    expected_revenue: Money | None = None
    expected_to_date: Money | None = None
    attributed_revenue: Money
    projected_revenue: Money | None = None
    revenue_pace: float | None = None
    off_pace: bool
    reason: str


class PacingMonthOut(BaseModel):
    """One channel-month against the plan."""

    channel: str
    month: str
    days: int
    elapsed_days: int
    planned_spend: Money
    planned_to_date: Money
    actual_spend: Money
    expected_revenue: Money | None = None
    expected_to_date: Money | None = None
    attributed_revenue: Money


class PacingResponse(BaseModel):
    """A recorded plan against the data to ``as_of``: to date, projected, flagged."""

    model_config = _examples({
        "data_version": 4, "plan_id": 1, "quarter": "2026Q4", "model": "markov1",
        "plan_data_version": 4, "as_of": "2026-11-15", "first_day": "2026-10-01",
        "last_day": "2026-12-31", "elapsed_days": 46, "total_days": 92, "tolerance": 0.15,
        "currency": "CNY", "off_pace": ["search"],
        "channels": [{"channel": "search", "planned_spend": 16994.5, "planned_to_date": 7723.23,
                      "actual_spend": 6713.6, "projected_spend": 13427.2, "spend_pace": 0.79,
                      "expected_revenue": 77977.66, "expected_to_date": 35412.31,
                      "attributed_revenue": 36255.6, "projected_revenue": 72511.2,
                      "revenue_pace": 0.93, "off_pace": True,
                      "reason": "projected 79% of plan: under pace by more than 15%"}],
        "months": [{"channel": "search", "month": "2026-10", "days": 31, "elapsed_days": 31,
                    "planned_spend": 5530.38, "planned_to_date": 5530.38,
                    "actual_spend": 4929.38, "expected_revenue": 25357.75,
                    "expected_to_date": 25357.75, "attributed_revenue": 26372.52}]})

    data_version: int
    plan_id: int
    quarter: str
    model: str
    plan_data_version: int
    as_of: str
    first_day: str
    last_day: str
    elapsed_days: int
    total_days: int
    tolerance: float
    currency: str
    off_pace: list[str]
    channels: list[PacingChannelOut]
    months: list[PacingMonthOut]


class AlertsRequest(BaseModel):
    """Alert rules to check (as JSON tables, or an alerts file's TOML text), and anomalies."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "rules": [{"name": "search CPA above 60", "metric": "cpa", "channel": "search",
                   "op": ">", "threshold": 60, "period": "month"}],
        "anomalies": False}]})

    rules: list[dict[str, Any]] | None = Field(
        default=None, max_length=200,
        description="The [[alert]] tables of an alerts file, as JSON objects: name, metric, "
                    "channel, op, threshold, period.")
    toml: str | None = Field(default=None, max_length=100_000,
                             description="An alerts file's text instead of `rules` (its "
                                         "[webhook] is not delivered to by the API).")
    anomalies: bool = Field(default=False, description="Also judge the daily series.")
    latest: bool = Field(default=False, description="Only the last period of each rule.")
    model: str | None = Field(default=None, max_length=200,
                              description="Attribution model (default the service's).")
    first: IsoDate | None = Field(default=None, alias="from",
                                  description="First day judged (inclusive).")
    last: IsoDate | None = Field(default=None, alias="to",
                                 description="Last day judged (inclusive).")
    threshold: float = Field(default=DEFAULTS.anomaly_threshold, ge=0.5, le=100,
                             allow_inf_nan=False)
    window_weeks: int = Field(default=DEFAULTS.anomaly_window_weeks, ge=1, le=52)

    @model_validator(mode="after")
    def _one_source(self) -> AlertsRequest:
        if self.rules is not None and self.toml is not None:
            raise ValueError("give the rules as `rules` or as `toml`, not both")
        if self.rules is None and self.toml is None and not self.anomalies:
            raise ValueError("give `rules` (or `toml`), `anomalies: true`, or both")
        return self


class RuleOut(BaseModel):
    """A rule as checked."""

    name: str
    rule: str
    metric: str
    channel: str
    op: str
    threshold: float
    period: str


class BreachOut(BaseModel):
    """A rule firing for one channel in one period."""

    rule: str
    metric: str
    channel: str
    period: str
    value: float
    op: str
    threshold: float


class AnomalyOut(BaseModel):
    """A judged day: its value, the weekday baseline and the expected range."""

    day: str
    weekday: str
    channel: str
    metric: str
    value: float
    median: float
    mad: float
    scale: float
    history: int
    z: float | None = Field(None, description="Robust z; null when infinite (scale 0).")
    low: float
    high: float
    flagged: bool


class AlertsResponse(BaseModel):
    """The breaches of the rules (and flagged anomaly days): the document a webhook gets."""

    model_config = _examples({
        "source": "touchpath", "data_version": 4, "model": "markov1", "fired": 1,
        "checked": 12, "undefined": 0,
        "rules": [{"name": "search CPA above 60", "rule": "cpa of search per month > 60",
                   "metric": "cpa", "channel": "search", "op": ">", "threshold": 60.0,
                   "period": "month"}],
        "breaches": [{"rule": "search CPA above 60", "metric": "cpa", "channel": "search",
                      "period": "2026-03", "value": 72.34, "op": ">", "threshold": 60.0}],
        "notes": []})

    source: str
    data_version: int
    model: str
    fired: int = Field(description="Breaches plus flagged anomaly days.")
    checked: int
    undefined: int
    rules: list[RuleOut]
    breaches: list[BreachOut]
    notes: list[str]
    anomaly_rule: str | None = None
    anomalies: list[AnomalyOut] | None = None


class AnomaliesResponse(BaseModel):
    """Days whose spend, conversions or revenue leave their weekday baseline."""

    model_config = _examples({
        "data_version": 4, "model": "markov1", "rule": "value outside median ± 3.5 × ...",
        "judged": 1200, "anomalies": [{
            "day": "2026-03-04", "weekday": "Wednesday", "channel": "display",
            "metric": "spend", "value": 1200.0, "median": 101.0, "mad": 1.0, "scale": 5.05,
            "history": 8, "z": 217.6, "low": 83.3, "high": 118.7, "flagged": True}]})

    data_version: int
    model: str
    rule: str
    judged: int
    anomalies: list[AnomalyOut]
