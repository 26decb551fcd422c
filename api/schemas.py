"""Request and response bodies of the HTTP API (pydantic), apart from the domain types.

One schema per use: the routes turn domain results (``AttributionResult``,
``ChannelROITable``, ``Verdict``, ``BudgetPlan``) into these, so the wire
format is stated here, documented in OpenAPI with an example each, and does
not move when a domain class grows a field. Numbers that are undefined
(ROI without spend, a share of nothing) are ``null``, never NaN or infinity.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from touchpath.attribution.lifecycle import VerdictKind
from touchpath.attribution.roi import Period
from touchpath.data.statuses import ChannelStatus
from touchpath.money import money_float
from touchpath.service import DEFAULTS, default_model_spec

__all__ = [
    "AttributionResponse",
    "CensoringOut",
    "ChannelCredit",
    "ChannelCurve",
    "ChannelStatusRequest",
    "ChannelStatusResponse",
    "CompareResponse",
    "CompareRow",
    "CurveSegment",
    "DefaultsResponse",
    "GoalRequest",
    "GoalResponse",
    "GroupLimitIn",
    "HealthResponse",
    "IngestProblemOut",
    "IngestOtherTraffic",
    "IngestResponse",
    "IngestAttribute",
    "IngestTableLoad",
    "IsoDate",
    "JourneyOptionsOut",
    "LifecycleResponse",
    "ModelInfo",
    "ModelsResponse",
    "PathRow",
    "PathsResponse",
    "PlanChannel",
    "PlanRequest",
    "PlanResponse",
    "Problem",
    "RankAgreementRow",
    "ROIResponse",
    "ROIRow",
    "ScenarioRow",
    "ScenariosRequest",
    "ScenariosResponse",
    "SkippedModel",
    "VerdictCycle",
    "VerdictOut",
    "problem_responses",
]

#: An amount of money. In JSON responses a number with at most 6 decimals and no
#: binary-float artifact: the float of the amount quantized half-to-even to the
#: millionth (:func:`touchpath.money.money_float`), whose shortest repr is the
#: amount's digits (amounts below 10^9). Requests read it as a plain number.
Money = Annotated[float, PlainSerializer(money_float, return_type=float | None,
                                         when_used="json")]
Amount = Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Table = Literal["touchpoints", "conversions", "spend", "channels", "identities"]
#: What ``POST /v1/ingest/{table}`` loads: a table, ``events`` (touches and conversions),
#: ``users`` (user attributes), ``experiments`` (lift tests for calibration) or
#: ``identities`` (pairs of ids of one person).
IngestTable = Literal["touchpoints", "conversions", "spend", "channels", "events", "users",
                      "experiments", "identities"]

#: ISO 8601 day text, optionally a datetime (checked further by pydantic: midnight only).
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\S*)?")


def _iso_day_text(value: Any) -> Any:
    """Let only ISO 8601 text (or a ``date``) reach pydantic's date parsing.

    Pydantic alone reads a number such as ``0`` as a Unix timestamp
    (1970-01-01); a day on the wire is ``YYYY-MM-DD``.
    """
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "iso_date", "expected an ISO 8601 date, YYYY-MM-DD (e.g. 2026-01-31), not a number")


#: A calendar day given as ISO 8601 text, ``YYYY-MM-DD`` (a datetime at midnight is
#: that day). Every day-valued request parameter uses this type.
IsoDate = Annotated[date, BeforeValidator(_iso_day_text)]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# ---------------------------------------------------------------------- errors
class ValidationIssue(BaseModel):
    """One request validation error."""

    loc: list[str | int]
    msg: str
    type: str


class IngestProblemOut(BaseModel):
    """One bad row of a refused file (row numbers as in the file, header excluded)."""

    row: int | None = Field(default=None, description="Data record, from 1; 0 = whole file.")
    column: str | None = None
    reason: str
    value: str | None = Field(default=None, description="The offending text, if any.")


class Problem(BaseModel):
    """RFC 9457 problem details: every error response of the API."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:touchpath:problem:ingest-refused",
                    "title": "Ingest refused",
                    "status": 422,
                    "detail": "file refused, nothing loaded: 1 problem(s); first: row 9731, "
                              "column ts: cannot parse timestamp '2026-13-01'",
                    "instance": "/v1/ingest/touchpoints",
                    "problems": [{"row": 9731, "column": "ts",
                                  "reason": "cannot parse timestamp '2026-13-01'"}],
                    "total": 1,
                    "source": "touchpoints.csv",
                }
            ]
        },
    )

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(ge=400, le=599, description="HTTP status code.")
    detail: str = Field(description="What went wrong with this request.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="Request validation errors (422).")
    problems: list[IngestProblemOut] | None = Field(
        default=None, description="First bad rows of a refused ingest (422).")
    total: int | None = Field(default=None, description="All problems of a refused ingest.")
    source: str | None = Field(default=None, description="The refused file.")


_PROBLEM_TEXT = {
    400: "The request body cannot be parsed.",
    401: "No API key, or an unknown one.",
    403: "The API key's role does not allow this endpoint.",
    404: "Not found.",
    413: "The request body is over the size limit.",
    415: "The uploaded file is neither CSV nor Parquet.",
    422: "The request is invalid (parameters, body, or a rule of the domain).",
    500: "Unexpected error (logged on the server; no details are returned).",
    503: "The service is starting or stopping.",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error codes, all as :class:`Problem`."""
    return {code: {"model": Problem, "description": _PROBLEM_TEXT[code]} for code in codes}


# ---------------------------------------------------------------------- health
class HealthResponse(BaseModel):
    """Liveness and what data is loaded."""

    model_config = _examples({
        "status": "ok", "version": "0.1.0", "data_version": 3,
        "counts": {"touchpoints": 412345, "conversions": 20311, "spend": 1456, "channels": 8},
        "first_day": "2026-01-01", "last_day": "2026-06-30",
        "last_ingest_at": "2026-07-01T06:15:00Z", "cache_entries": 4,
    })

    status: Literal["ok"] = "ok"
    version: str = Field(description="Touchpath version.")
    data_version: int = Field(description="Increases with every ingest that added rows.")
    counts: dict[str, int] = Field(description="Rows per warehouse table.")
    first_day: date | None = Field(default=None, description="Earliest touch or conversion.")
    last_day: date | None = Field(default=None, description="Latest touch or conversion.")
    last_ingest_at: datetime | None = Field(
        default=None, description="When the last ingest that added or changed rows ran (UTC); "
                                  "null before any.")
    cache_entries: int = Field(ge=0, description="Results held by the result cache.")


# -------------------------------------------------------------------- defaults
class DefaultsResponse(BaseModel):
    """The service's defaults: what every endpoint, the CLI and the report assume unless told."""

    model_config = _examples({
        "model": "markov1", "order": 1, "lookback_days": 30, "censor": True, "kind": "purchase",
        "period": "month",
        "compare_models": ["first_touch", "last_touch", "linear", "time_decay", "position",
                           "markov1", "markov2", "shapley"],
        "ci": 0, "level": 0.95, "max_change": 0.3, "test_budget": 0.05, "scale_growth": 1.0,
        "spend_all": False, "objective": "revenue", "scenario_multipliers": [0.8, 0.9, 1.1, 1.2],
        "segments": 8, "min_roi": 1.0, "currency": "CNY", "grain": "channel",
    })

    model: str = Field(description="Attribution model spec of single-model answers, ROI, "
                                   "lifecycle and plans (the model at its default order).")
    order: int | Literal["auto"] = Field(description="Markov order of that model.")
    lookback_days: int = Field(description="Journey lookback window, days.")
    censor: bool = Field(description="Non-converting journeys still open at the end of the data "
                                     "are left out (false: every one is a failure).")
    kind: str = Field(description="Conversion kind that closes journeys and is attributed "
                                  "(`all`: every kind in one pool).")
    period: Literal["week", "month", "quarter"] = Field(
        description="ROI period and lifecycle test cycle.")
    compare_models: list[str] = Field(description="Models compared side by side.")
    ci: int = Field(description="Bootstrap resamples of confidence intervals (0: none).")
    level: float = Field(description="Coverage of the intervals.")
    max_change: float | None = Field(
        description="Largest change of a channel's planned spend vs last quarter (0.3 = ±30%); "
                    "null: no limit.")
    test_budget: float = Field(description="Largest share of the total per test channel.")
    scale_growth: float = Field(
        description="Largest growth of a scale channel over its previous spend (1.0: may double).")
    spend_all: bool = Field(description="Plans spend exactly the budget (else at most).")
    objective: Literal["revenue", "conversions", "profit"] = Field(
        description="What a plan maximises.")
    scenario_multipliers: list[float] = Field(description="Budget multipliers of the scenarios.")
    segments: int = Field(description="Segments per piecewise-linear response curve.")
    min_roi: float = Field(description="Floor on the marginal revenue ROI of every unit a plan "
                                       "buys (0: pure maximisation).")
    currency: str = Field(description="Currency of every money amount (a label; amounts are "
                                     "not converted).")
    stitch: bool = Field(default=True, description="Journeys per person: the ids the "
                                                   "identities table links are one customer.")
    stitch_max_ids: int = Field(default=50, description="Largest identity component merged "
                                                        "into one person (ids).")
    segment_min_conversions: int = Field(
        description="by=: segments with fewer conversions are small_sample (shown with their "
                    "bootstrap interval).")
    segment_ci: int = Field(description="by=: bootstrap resamples of a small segment when "
                                        "fewer were asked for.")
    segment_by: str = Field(description="The attribute the report and the dashboard open "
                                        "their segments on, when stored.")
    grain: Literal["channel", "campaign"] = Field(
        DEFAULTS.grain, description="State of a touch in attribution: its channel, or its "
                                    "channel and campaign (`grain=campaign`).")
    pacing_tolerance: float = Field(
        default=DEFAULTS.pacing_tolerance,
        description="A channel is off pace when its projected quarter spend is more than this "
                    "share off its recorded plan.")
    anomaly_window_weeks: int = Field(default=DEFAULTS.anomaly_window_weeks,
                                      description="Same-weekday weeks in an anomaly baseline.")
    anomaly_min_history: int = Field(default=DEFAULTS.anomaly_min_history,
                                     description="Fewer same-weekday values: not judged.")
    anomaly_threshold: float = Field(default=DEFAULTS.anomaly_threshold,
                                     description="Robust z beyond which a day is an anomaly.")


# ---------------------------------------------------------------------- ingest
class IngestTableLoad(BaseModel):
    """What an accepted file did to one warehouse table."""

    table: Table | Literal["users", "experiments"]
    rows: int = Field(ge=0, description="Rows of the file that went to this table.")
    rows_inserted: int = Field(ge=0)
    rows_skipped_existing: int = Field(ge=0)


class IngestOtherTraffic(BaseModel):
    """Touches of one source and medium that no channel rule matched (channel ``(other)``)."""

    source: str | None
    medium: str | None
    rows: int = Field(ge=0)


class IngestGA4Summary(BaseModel):
    """What reading a GA4 export found."""

    events_read: int = Field(ge=0, description="Records (events) in the file.")
    sessions: int = Field(ge=0, description="Session touches made (user_pseudo_id + "
                                            "ga_session_id).")
    purchases: int = Field(ge=0, description="Purchase conversions made.")
    duplicate_purchases: int = Field(
        ge=0, description="Purchases dropped as repeats of an earlier transaction_id.")
    events_without_session: int = Field(
        ge=0, description="Events (not purchases) without ga_session_id: they made no touch.")
    revenues_rounded: int = Field(
        ge=0, description="Purchase revenues with more than 6 decimal places (FLOAT64 "
                          "artifacts) rounded half-up to the millionth.")


class IngestAttribute(BaseModel):
    """A segment attribute an ingest kept (an extra column of the file)."""

    name: str = Field(description="The file's column.")
    scope: Literal["conversion", "user"] = Field(
        description="conversion: a conversions or events file's extra column; user: a users "
                    "file's column.")
    values_loaded: int = Field(ge=0, description="Values of this file newly stored.")
    distinct: int = Field(ge=0, description="Distinct values in the warehouse after the ingest.")
    segmentable: bool = Field(description="At most 1,000 distinct values: usable as by=; an "
                                          "attribute with more is kept but not segmentable.")


class IngestResponse(BaseModel):
    """What an accepted file did to the warehouse."""

    model_config = _examples({
        "table": "touchpoints", "source": "touchpoints.csv", "format": "csv",
        "rows_in_file": 1000, "rows_inserted": 990, "rows_skipped_existing": 10,
        "tables": [{"table": "touchpoints", "rows": 1000, "rows_inserted": 990,
                    "rows_skipped_existing": 10}],
        "derived_ids": False, "column_map": {}, "channel_rules": None, "other_channel": [],
        "new_channels": ["kol"], "ignored_columns": [], "data_version": 4,
    })

    table: IngestTable
    source: str = Field(description="The uploaded file name.")
    format: Literal["csv", "parquet", "ga4"]
    rows_in_file: int = Field(ge=0)
    rows_inserted: int = Field(
        ge=0, description="New rows over all tables (channels: new or changed).")
    rows_skipped_existing: int = Field(
        ge=0, description="Rows already stored with the same values (re-ingest is a no-op).")
    tables: list[IngestTableLoad] = Field(
        description="Per warehouse table the file went to (an events file: touchpoints and "
                    "conversions); their rows add up to rows_in_file.")
    derived_ids: bool = Field(
        description="The file had no id column: ids were derived from each row's content.")
    column_map: dict[str, str] = Field(description="The mapping applied, ours to the file's.")
    channel_rules: str | None = Field(
        default=None, description="Where the rules that derived the channels came from "
                                  "(null: the file had a channel column).")
    other_channel: list[IngestOtherTraffic] = Field(
        default_factory=list, description="Touches no channel rule matched (channel "
                                          "'(other)'), by source and medium, largest first.")
    ga4: IngestGA4Summary | None = Field(
        default=None, description="What reading a GA4 export found (null unless format=ga4).")
    new_channels: list[str] = Field(description="Channels first seen in this file.")
    ignored_columns: list[str] = Field(description="Input columns not used.")
    data_version: int = Field(description="Data version after the ingest.")
    attributes: list[IngestAttribute] = Field(
        default_factory=list, description="The file's extra columns kept as segment "
                                          "attributes, with distinct values.")


# ----------------------------------------------------------------------- paths
class JourneyOptionsOut(BaseModel):
    """Journey options a result was computed with."""

    lookback_days: int
    collapse_repeats: bool
    interaction: str
    max_path_length: int | None = None
    start: date | None = Field(default=None, description="First conversion day (`from`).")
    end: date | None = Field(default=None, description="Last conversion day (`to`).")
    censor: bool = Field(default=True, description="Open non-converting journeys left out.")
    kind: str = Field(default="purchase", description="Conversion kind attributed (`all`: "
                                                      "every kind).")
    stitch: bool = Field(default=True, description="Journeys per person (false: per id).")


#: Said of the fields only a `grain=campaign` answer has (the campaign grain, below).
_AT_CAMPAIGN = "At `grain=campaign` only (null at the channel grain)."


class PathRow(BaseModel):
    """One distinct path with its outcomes."""

    path: str = Field(description="Channels in touch order, joined by ' > '.")
    conversions: float
    value: Money
    nulls: float


class CensoringOut(BaseModel):
    """What censoring did to the non-converting journeys."""

    censor: bool = Field(description="Were open journeys left out?")
    non_converting_journeys: int = Field(ge=0, description="Kept: the path table's nulls.")
    censored_journeys: int = Field(ge=0, description="Left out (0 when censor is false).")
    open_journeys: int = Field(
        ge=0, description="Non-converting journeys whose last touch + lookback lies after the "
                          "end of the data (censored when censor is true).")
    converting_journeys: int = Field(ge=0)
    lookback_days: int
    data_start: datetime | None = Field(description="First timestamp in the data (UTC).")
    data_end: datetime | None = Field(description="Last timestamp in the data (UTC).")


class PathsResponse(BaseModel):
    """Journey summary per channel, path-table totals and the most common paths."""

    model_config = _examples({
        "data_version": 3,
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": None, "end": None, "censor": True},
        "totals": {"paths": 2.0, "journeys": 5.0, "path_conversions": 3.0, "path_value": 230.0,
                   "nulls": 2.0, "direct_conversions": 1.0, "direct_value": 30.0,
                   "conversions": 4.0, "value": 260.0},
        "summary": [{"channel": "search", "touches": 3, "journeys": 2, "conversions": 2,
                     "revenue": 180.0, "spend": 90.0}],
        "paths": [{"path": "search > email", "conversions": 2.0, "value": 180.0, "nulls": 1.0}],
        "censored_journeys": 1, "warnings": [],
        "censoring": {"censor": True, "non_converting_journeys": 2, "censored_journeys": 1,
                      "open_journeys": 1, "converting_journeys": 4, "lookback_days": 30,
                      "data_start": "2026-01-01T08:00:00", "data_end": "2026-03-31T21:10:00"},
    })

    data_version: int
    options: JourneyOptionsOut
    totals: dict[str, float]
    summary: list[dict[str, Any]] = Field(description="Per channel: the journey summary.")
    paths: list[PathRow] = Field(description="Most frequent paths, by journeys.")
    censored_journeys: int = Field(
        ge=0, description="Non-converting journeys left out because still open at the end of "
                          "the data (0 with censor=false).")
    warnings: list[str] = Field(
        description="Plain-words warnings: censoring left out most or all non-converting "
                    "journeys, or there is none, and what to do.")
    censoring: CensoringOut
    grain: Literal["campaign"] | None = Field(None, description=_AT_CAMPAIGN)
    states: list[CampaignState] | None = Field(
        None, description=f"Every state of the campaign-level paths. {_AT_CAMPAIGN}")


# ----------------------------------------------------------------- attribution
class ChannelCredit(BaseModel):
    """Credit of one channel under one model (the `(direct)` row has no share)."""

    channel: str
    conversions: float
    value: float = Field(description="Attributed revenue (a model's credit).")
    share: float | None = None
    value_share: float | None = None
    conversions_lo: float | None = None
    conversions_hi: float | None = None
    value_lo: float | None = None
    value_hi: float | None = None


# -------------------------------------------------------------- campaign grain
class CampaignCredit(ChannelCredit):
    """Credit of one channel / campaign state (the `(direct)` row has no campaign)."""

    campaign: str | None = Field(
        description="The touches' campaign; `(none)` for touches without one, null on the "
                    "`(direct)` row.")


class CampaignCompareRow(CampaignCredit):
    """One campaign under one model of a comparison."""

    model: str


class ChannelRollupRow(BaseModel):
    """One channel: its campaigns' credit summed, beside the channel-level fit of the model."""

    model: str
    channel: str
    campaigns: int = Field(ge=0, description="Campaign states of the channel.")
    conversions: float = Field(description="The campaigns' attributed conversions, summed.")
    value: Money = Field(description="The campaigns' attributed revenue, summed.")
    channel_conversions: float = Field(
        description="The same model's conversions for the channel at the channel grain.")
    channel_value: Money = Field(description="... and its revenue.")
    difference: float = Field(description="conversions − channel_conversions (0 when exact).")
    value_difference: float = Field(description="value − channel_value (0 when exact).")
    conversions_lo: float | None = None
    conversions_hi: float | None = None
    value_lo: float | None = None
    value_hi: float | None = None
    exact: bool = Field(description="A per-touch rule (first / last touch, last non-direct, "
                                    "linear, position, time decay): the campaigns sum exactly "
                                    "to the channel credit. False: Markov and Shapley fit "
                                    "campaign states of their own.")


class CampaignState(BaseModel):
    """A campaign-level state: its name in the paths, its channel and its campaign."""

    state: str = Field(description="The name in `paths`: `channel / campaign`.")
    channel: str
    campaign: str


class FunnelStageOut(BaseModel):
    """One stage of the funnel: the conversions of its kind in the range."""

    stage: str = Field(description="The conversion kind of the stage.")
    step: int = Field(ge=1, description="Position in the funnel (1 = first stage).")
    conversions: float = Field(description="Conversions of this kind (direct included).")
    value: Money
    rate: float | None = Field(description="This stage's conversions ÷ the previous stage's "
                                           "(null on the first stage, or when that is 0).")
    drop_off: float | None = Field(description="1 − rate.")


class FunnelRow(BaseModel):
    """One channel at one stage: the conversions of the stage the model attributes to it."""

    channel: str = Field(description="A channel, `(direct)`, or `(all)` for the whole funnel.")
    stage: str
    step: int = Field(ge=1)
    conversions: float
    value: Money
    rate: float | None = Field(description="Attributed conversions ÷ those of the previous "
                                           "stage for this channel (null on the first stage "
                                           "or when that is 0).")
    drop_off: float | None = Field(description="1 − rate.")


class ConversionKind(BaseModel):
    """A conversion kind in the warehouse: a possible funnel stage."""

    kind: str
    conversions: int = Field(ge=0)


class FunnelKindsResponse(BaseModel):
    """The conversion kinds in the warehouse, most conversions first (a funnel's natural order)."""

    model_config = _examples({"data_version": 3, "kinds": [
        {"kind": "add_to_cart", "conversions": 10}, {"kind": "purchase", "conversions": 4}]})

    data_version: int
    kinds: list[ConversionKind]


class FunnelResponse(BaseModel):
    """Funnel stages as conversion kinds, each attributed with one model."""

    model_config = _examples({
        "data_version": 3, "model": "last_touch", "stages": [
            {"stage": "add_to_cart", "step": 1, "conversions": 10.0, "value": 500.0,
             "rate": None, "drop_off": None},
            {"stage": "purchase", "step": 2, "conversions": 4.0, "value": 400.0,
             "rate": 0.4, "drop_off": 0.6}],
        "overall_rate": 0.4,
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": None, "end": None, "censor": True,
                    "kind": "purchase"},
        "rows": [{"channel": "search", "stage": "purchase", "step": 2, "conversions": 3.0,
                  "value": 300.0, "rate": 0.5, "drop_off": 0.5}],
    })

    data_version: int
    model: str
    stages: list[FunnelStageOut]
    overall_rate: float | None = Field(description="Last stage ÷ first stage.")
    options: JourneyOptionsOut = Field(description="Journey options (each stage's kind "
                                                   "replaces `kind`).")
    rows: list[FunnelRow] = Field(description="Per channel and stage, the whole funnel "
                                              "(`(all)`) first.")


class AttributionResponse(BaseModel):
    """One model's attribution of the journeys' conversions and revenue."""

    model_config = _examples({
        "data_version": 3, "model": "markov", "label": "markov2",
        "params": {"order": 2},
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": "2026-01-01", "end": "2026-03-31"},
        "total_conversions": 3.0, "total_value": 230.0,
        "direct_conversions": 1.0, "direct_value": 30.0, "additive": True, "ci_level": None,
        "channels": [
            {"channel": "search", "conversions": 1.8, "value": 140.0, "share": 0.6,
             "value_share": 0.61},
            {"channel": "email", "conversions": 1.2, "value": 90.0, "share": 0.4,
             "value_share": 0.39},
            {"channel": "(direct)", "conversions": 1.0, "value": 30.0},
        ],
    })

    data_version: int
    model: str
    label: str = Field(description="Short name: the model spec with only its non-default "
                                   "settings, e.g. markov2, position(first=0.3); every "
                                   "setting is in params.")
    params: dict[str, Any]
    options: JourneyOptionsOut
    total_conversions: float
    total_value: Money
    direct_conversions: float
    direct_value: Money
    additive: bool = Field(description="False for participation (reach, not summed).")
    ci_level: float | None = None
    channels: list[ChannelCredit]
    warnings: list[str] = Field(
        default_factory=list,
        description="What to know before acting on the credit, e.g. negative credit from the "
                    "conversion-rate Shapley value (a relative signal, not conversions).")
    grain: Literal["campaign"] | None = Field(None, description=_AT_CAMPAIGN)
    exact: bool | None = Field(
        None, description="The campaigns of each channel sum exactly to its credit (a "
                          f"per-touch rule). {_AT_CAMPAIGN}")
    campaigns: list[CampaignCredit] | None = Field(
        None, description="Credit per channel / campaign state; `channels` is then the same "
                          f"model at the channel grain. {_AT_CAMPAIGN}")
    rollup: list[ChannelRollupRow] | None = Field(
        None, description="Per channel: the campaigns summed, beside the channel-level fit. "
                          f"{_AT_CAMPAIGN}")
    calibration: dict[str, Any] | None = Field(
        default=None,
        description="With calibrate=true: per channel attributed vs calibrated credit with "
                    "interval and factor, the freed credit, and the experiments.")


class CompareRow(ChannelCredit):
    """One channel under one model of a comparison."""

    model: str


class RankAgreementRow(BaseModel):
    """Rank agreement of two models on channel shares."""

    model_a: str
    model_b: str
    spearman: float | None = None
    kendall: float | None = None


class SkippedModel(BaseModel):
    """A model that could not run on these journeys, and why."""

    model: str
    reason: str


class CompareResponse(BaseModel):
    """Several models on the same journeys, side by side."""

    model_config = _examples({
        "data_version": 3, "models": ["first_touch", "last_touch"],
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": None, "end": None},
        "rows": [{"model": "first_touch", "channel": "search", "conversions": 2.0,
                  "value": 180.0, "share": 0.67, "value_share": 0.78}],
        "rank_agreement": [{"model_a": "first_touch", "model_b": "last_touch",
                            "spearman": -0.5, "kendall": -0.33}],
        "skipped": [],
    })

    data_version: int
    models: list[str]
    options: JourneyOptionsOut
    rows: list[CompareRow]
    rank_agreement: list[RankAgreementRow]
    skipped: list[SkippedModel] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="The compared models' warnings (each names its model), e.g. negative "
                    "credit from the conversion-rate Shapley value.")
    grain: Literal["campaign"] | None = Field(None, description=_AT_CAMPAIGN)
    campaign_rows: list[CampaignCompareRow] | None = Field(
        None, description="One row per (model, channel / campaign state); `rows` and "
                          f"`rank_agreement` are then the channel grain's. {_AT_CAMPAIGN}")
    rollup: list[ChannelRollupRow] | None = Field(
        None, description="Per model and channel: the campaigns summed, beside the channel "
                          f"fit. {_AT_CAMPAIGN}")


class ModelInfo(BaseModel):
    """A model name the attribution endpoints accept."""

    name: str
    description: str


class ModelsResponse(BaseModel):
    """Every model name, with a description."""

    model_config = _examples({"models": [{"name": "markov2",
                                          "description": "second-order Markov chain"}]})

    models: list[ModelInfo]


# ------------------------------------------------------------------------- roi
class ROIRow(BaseModel):
    """One channel in one period (ROI = attributed revenue / spend)."""

    model_config = ConfigDict(extra="allow")

    period: str
    channel: str
    spend: Money | None = None
    attributed_conversions: float | None = None
    attributed_revenue: Money | None = None
    roi: float | None = Field(default=None, description="Undefined (null) without spend.")
    net_roi: float | None = None
    cpa: float | None = None


class ROIResponse(BaseModel):
    """Channel ROI table per period."""

    model_config = _examples({
        "data_version": 3, "model": "markov1", "period": "quarter",
        "fiscal_year_start_month": 1, "first_purchase_split": "path_credit",
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": None, "end": None},
        "totals": [{"period": "2026Q1", "conversions": 13.0, "revenue": 5000.0,
                    "spend": 1500.0}],
        "rows": [{"period": "2026Q1", "channel": "search", "spend": 1000.0,
                  "attributed_conversions": 12.5, "attributed_revenue": 4100.0,
                  "roi": 4.1, "net_roi": 3.1, "cpa": 80.0}],
    })

    data_version: int
    model: str = Field(description="Attribution model label, e.g. markov1.")
    period: Period
    fiscal_year_start_month: int = Field(ge=1, le=12)
    first_purchase_split: str = Field(
        description="How attributed conversions were split into first and repeat purchases.")
    currency: str = Field(default=DEFAULTS.currency,
                          description="Currency of every amount (ISO 4217 code).")
    options: JourneyOptionsOut
    rows: list[ROIRow] = Field(description="Per channel per period, plus a (direct) row.")
    totals: list[dict[str, Any]] = Field(
        description="Per period, from the warehouse: conversions, revenue, spend.")
    calibration: dict[str, Any] | None = Field(
        default=None,
        description="With calibrate=true: the experiments and factors; the rows are calibrated "
                    "and a (freed) row per period carries the credit calibration freed.")


# ------------------------------------------------------------------- lifecycle
class VerdictCycle(BaseModel):
    """One test cycle of a channel with the numbers the rules read."""

    model_config = ConfigDict(extra="allow")

    period: str | None = None
    spend: Money | None = None
    attributed_conversions: float | None = None
    roi: float | None = None
    roi_low: float | None = Field(None, description="One-sided lower bound of ROI at the level.")
    roi_high: float | None = Field(None, description="One-sided upper bound of ROI at the level.")
    baseline: float | None = None
    ratio: float | None = None
    ratio_low: float | None = Field(None, description="Lower bound of ratio (admit, scale).")
    ratio_high: float | None = Field(None, description="Upper bound of ratio (exit).")


class VerdictOut(BaseModel):
    """The lifecycle verdict of one test channel and its evidence."""

    channel: str
    verdict: VerdictKind
    rule: str
    reason: str
    period: str | None = None
    roi: float | None = None
    baseline: float | None = None
    ratio: float | None = None
    ratio_low: float | None = Field(None, description="One-sided lower bound of the ratio at "
                                    "`level`: admit and scale need it at the bar.")
    ratio_high: float | None = Field(None, description="One-sided upper bound of the ratio at "
                                     "`level`: exit needs it under the exit bar.")
    level: float = Field(description="Confidence level of each bound (0: no bound).")
    conversions: float | None = Field(None, description="Attributed conversions of the cycle.")
    conversions_needed: int | None = Field(None, description="More attributed conversions "
                                           "needed for the bar the ratio reaches, at the "
                                           "observed ratio; null when not estimable.")
    low_streak: int
    cycles: list[VerdictCycle]


class LifecycleResponse(BaseModel):
    """Verdicts for every channel in test status."""

    model_config = _examples({
        "data_version": 3, "period": "month", "model": "markov1",
        "rules": "admit ≥ 1.15× baseline, scale ≥ 1.3× baseline (multiple reading); ...",
        "verdicts": [{"channel": "kol", "verdict": "admit", "rule": "admit_bar",
                      "reason": "ROI 4.2 ≥ admit bar 3.9 in 2026-03", "period": "2026-03",
                      "roi": 4.2, "baseline": 3.4, "ratio": 1.24, "ratio_low": 1.16,
                      "ratio_high": 1.32, "level": 0.9, "conversions": 310.0,
                      "conversions_needed": 0, "low_streak": 0,
                      "cycles": [{"period": "2026-03", "spend": 5000.0, "roi": 4.2,
                                  "baseline": 3.4, "ratio": 1.24, "ratio_low": 1.16,
                                  "ratio_high": 1.32}]}],
    })

    data_version: int
    period: str
    model: str
    rules: str = Field(description="The thresholds applied, in words.")
    verdicts: list[VerdictOut]


class ChannelStatusRequest(BaseModel):
    """A user's decision to move a channel to another status."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"status": "established", "reason": "Passed the Q1 test at 1.3x baseline"}]
    })

    status: ChannelStatus
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S",
                        description="Why; stored with the change.")


class ChannelStatusResponse(BaseModel):
    """The status change as recorded."""

    model_config = _examples({"channel": "kol", "previous_status": "test",
                              "status": "established", "changed": True, "data_version": 3})

    channel: str
    previous_status: ChannelStatus
    status: ChannelStatus
    changed: bool = Field(description="False when the channel already had this status: "
                                      "nothing was recorded and the data version is the same.")
    data_version: int


# ---------------------------------------------------------------------- budget
class CurveSegment(BaseModel):
    """A piece of a response curve: ``slope`` revenue per unit of spend over ``width``."""

    model_config = ConfigDict(extra="forbid")

    width: Money = Field(gt=0, allow_inf_nan=False)
    slope: float = Field(ge=0, allow_inf_nan=False)


class ChannelCurve(BaseModel):
    """A channel given directly (instead of curves fitted from the warehouse)."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, max_length=100, pattern=r"\S")
    segments: list[CurveSegment] = Field(min_length=1, max_length=200)
    previous_spend: Money | None = Field(default=None, ge=0, le=1e13, allow_inf_nan=False)
    group: str | None = Field(default=None, min_length=1, max_length=100)
    status: ChannelStatus = ChannelStatus.established
    verdict: VerdictKind | None = None
    aov: Money | None = Field(default=None, gt=0, le=1e9, allow_inf_nan=False,
                              description="Average order value (expected conversions = "
                                          "revenue / aov).")
    monthly_pattern: list[Weight] | None = Field(
        default=None, min_length=3, max_length=3,
        description="Weights of the quarter's three months for the monthly split.")


class GroupLimitIn(BaseModel):
    """Cap and/or floor on a channel group: shares of total spend and/or amounts."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, max_length=100)
    max_share: float | None = Field(default=None, ge=0, le=1)
    min_share: float | None = Field(default=None, ge=0, le=1)
    max: Amount | None = Field(default=None, description="Cap on the group's spend (money).")
    min: Amount | None = Field(default=None, description="Floor on the group's spend (money).")


_PLAN_EXAMPLE = {
    "budget": 1200000, "quarter": "2027Q1", "objective": "revenue", "max_change": 0.3,
    "group_caps": [{"group": "social", "max_share": 0.4}], "mins": {"search": 100000},
    "test_budget": 0.05,
}


class PlanSettings(BaseModel):
    """Settings shared by plans, scenarios and goal seeking."""

    model_config = ConfigDict(extra="forbid")

    quarter: str | None = Field(default=None, pattern=r"^\d{4}-?[Qq][1-4]$",
                                description="Planned quarter, e.g. 2027Q1 (adds a monthly split).")
    objective: Literal["revenue", "conversions", "profit"] = DEFAULTS.objective
    margin: float | None = Field(default=None, gt=0, le=1,
                                 description="Required for objective=profit.")
    max_change: float | None = Field(default=DEFAULTS.max_change, ge=0, le=10,
                                     allow_inf_nan=False,
                                     description="Largest change vs last quarter (0.3 = ±30%); "
                                                 "null for no limit.")
    group_caps: list[GroupLimitIn] = Field(default_factory=list, max_length=100)
    mins: dict[str, Amount] = Field(default_factory=dict, max_length=500,
                                    description="Minimum spend per channel (money).")
    maxs: dict[str, Amount] = Field(default_factory=dict, max_length=500,
                                    description="Maximum spend per channel (money).")
    min_shares: dict[str, Share] = Field(default_factory=dict, max_length=500,
                                         description="Minimum spend per channel, as a share of "
                                                     "total spend (0.1 = 10%).")
    max_shares: dict[str, Share] = Field(default_factory=dict, max_length=500,
                                         description="Maximum spend per channel, as a share of "
                                                     "total spend.")
    test_budget: float = Field(default=DEFAULTS.test_budget, ge=0, le=1,
                               description="Largest share of total per test channel.")
    scale_growth: float = Field(default=DEFAULTS.scale_growth, ge=0, le=10, allow_inf_nan=False)
    monthly: Literal["pattern", "even"] = DEFAULTS.monthly
    unmodelled: Literal["hold", "zero"] = Field(
        default=DEFAULTS.unmodelled,
        description="Channels without a curve: held at previous spend, or zero.")
    solver: Literal["cbc", "highs", "auto"] = DEFAULTS.solver
    min_roi: float = Field(
        default=DEFAULTS.min_roi, ge=0, le=1000, allow_inf_nan=False,
        description="Buy no spend whose marginal revenue ROI is below this (for every "
                    "objective; 0: pure maximisation). Plans and scenarios; goal seeking uses "
                    "min_marginal_roi.")
    model: str = Field(default_factory=default_model_spec, max_length=200,
                       description="Attribution model for the fitted curves.")
    period: Period = Field(
        default=DEFAULTS.period, description="Period of the ROI points the curves are fitted to.")
    segments: int = Field(default=DEFAULTS.segments, ge=1, le=50,
                          description="Segments per fitted curve.")
    curves: list[ChannelCurve] | None = Field(
        default=None, max_length=500,
        description="Plan from these curves instead of fitting them from the warehouse.")
    calibrate: bool = Field(
        default=False,
        description="Fit the curves to the ROI table calibrated to the experiments table "
                    "(not with curves).")


class PlanRequest(PlanSettings):
    """Best split of a budget."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PLAN_EXAMPLE]})

    budget: Money | None = Field(default=None, gt=0, le=1e13, allow_inf_nan=False,
                                 description="The quarter's budget; default last quarter's "
                                             "spend of the planned channels.")
    spend_all: bool = Field(default=DEFAULTS.spend_all,
                            description="Spend exactly the budget (= not ≤).")


class PlanChannel(BaseModel):
    """The plan for one channel."""

    channel: str
    spend: Money
    share: float
    previous_spend: Money | None = None
    change: Money | None = None
    change_pct: float | None = None
    expected_revenue: Money | None = None
    expected_conversions: float | None = None
    marginal_roi: float | None = None
    last_unit_roi: float | None = None
    group: str | None = None
    status: ChannelStatus
    verdict: VerdictKind | None = None
    rule: str
    modelled: bool
    monthly: dict[str, Money] | list[Money]
    held_by: str | None = Field(
        default=None, description="The constraint holding the channel's spend from above; at "
                                  "the end of its curve marginal_roi is null (no next unit).")


class CurveFit(BaseModel):
    """How one channel's response curve behind a plan was obtained."""

    channel: str
    form: str = Field(description="exponential, power or constant.")
    method: str = Field(description="fit, or fallback (a constant ROI; see note).")
    note: str = Field(description="Why a fallback was taken, or which form won.")
    r2: float | None = Field(default=None, description="Fit quality on the observed periods.")
    n_periods: int = Field(description="Periods with positive spend the curve rests on.")
    spend_min: Money | None = Field(default=None, description="Smallest observed period spend.")
    spend_max: Money | None = Field(default=None, description="Largest observed period spend.")


class PlanResponse(BaseModel):
    """A budget plan with everything needed to defend it."""

    model_config = _examples({
        "data_version": 3, "status": "optimal", "status_text": "optimal plan",
        "objective": "revenue", "quarter": "2027Q1",
        "months": ["2027-01", "2027-02", "2027-03"], "budget": 1200000.0,
        "budget_equality": False, "total_spend": 1200000.0, "expected_revenue": 4100000.0,
        "expected_conversions": None, "unmodelled_spend": 0.0, "budget_shadow_price": 2.1,
        "binding_constraints": ["budget"], "conflicts": [], "notes": [],
        "channels": [{"channel": "search", "spend": 400000.0, "share": 0.33,
                      "previous_spend": 350000.0, "change": 50000.0, "change_pct": 0.14,
                      "expected_revenue": 1600000.0, "marginal_roi": 2.1,
                      "last_unit_roi": 2.7, "group": "search", "status": "established",
                      "verdict": None, "rule": "normal", "modelled": True,
                      "monthly": {"2027-01": 130000.0, "2027-02": 130000.0,
                                  "2027-03": 140000.0}}],
    })

    data_version: int
    status: str
    status_text: str
    objective: str
    margin: float | None = None
    quarter: str | None = None
    months: list[str] = Field(default_factory=list)
    budget: Money | None = None
    budget_equality: bool = False
    total_spend: Money
    expected_revenue: Money
    expected_conversions: float | None = None
    unmodelled_spend: Money = 0.0
    objective_value: float | None = None
    budget_shadow_price: float | None = None
    binding_constraints: list[str]
    conflicts: list[str] = Field(default_factory=list)
    shadow_prices: dict[str, float] = Field(default_factory=dict)
    revenue_range: dict[str, float | int] | None = None
    solver: str | None = None
    notes: list[str] = Field(default_factory=list)
    min_roi: float = Field(default=0.0, description="The marginal revenue ROI floor applied.")
    unallocated: Money = Field(default=0.0, description="Budget left unplaced.")
    unallocated_reason: str | None = Field(default=None,
                                           description="Why budget was left unplaced.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Loss-making margins, fallback or poorly fitting curves (with R²), spend "
                    "beyond the observed range, channels held by the end of their curve.")
    currency: str = Field(default=DEFAULTS.currency,
                          description="Currency of every amount (ISO 4217 code).")
    channels: list[PlanChannel]
    curves: list[CurveFit] = Field(
        default_factory=list,
        description="The fitted curve of each channel the plan rests on (none when the plan "
                    "is computed from a curves document).")
    calibration: dict[str, Any] | None = Field(
        default=None,
        description="With calibrate: the plan on calibrated curves (this plan) beside the same "
                    "request on uncalibrated curves (comparison rows: spend and expected "
                    "revenue, uncalibrated and calibrated), and which channels were calibrated "
                    "by what.")


class ScenariosRequest(PlanSettings):
    """The plan at several budgets: ``budget × multiplier`` for each multiplier."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{**_PLAN_EXAMPLE, "multipliers": [0.8, 0.9, 1.1, 1.2]}]})

    budget: Money | None = Field(default=None, gt=0, le=1e13, allow_inf_nan=False,
                                 description="The base budget; default last quarter's spend of "
                                             "the planned channels.")
    spend_all: bool = Field(default=DEFAULTS.spend_all, description="Spend exactly each budget.")
    multipliers: list[Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]] = Field(
        default=list(DEFAULTS.scenario_multipliers), min_length=1, max_length=25,
        description="Budget multipliers; the base budget (1.0) is always included.")


class ScenarioRow(BaseModel):
    """The plan at one budget, in brief."""

    multiplier: float
    budget: Money
    status: str
    total_spend: Money | None = None
    expected_revenue: Money | None = None
    budget_shadow_price: float | None = None
    incremental_roi: float | None = Field(
        default=None, description="Extra revenue per extra unit of budget vs the previous row.")
    unallocated: Money | None = Field(default=None, description="Budget left unplaced.")
    conflicts: str = ""


class ScenariosResponse(BaseModel):
    """Returns of the plan across budgets."""

    model_config = _examples({
        "data_version": 3, "base_budget": 1200000.0,
        "scenarios": [{"multiplier": 0.8, "budget": 960000.0, "status": "optimal",
                       "total_spend": 960000.0, "expected_revenue": 3500000.0,
                       "budget_shadow_price": 2.6, "incremental_roi": None, "conflicts": ""}],
    })

    data_version: int
    base_budget: Money
    scenarios: list[ScenarioRow]


class GoalRequest(PlanSettings):
    """Goal seeking: the smallest budget reaching a revenue, or the largest at a marginal ROI."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"target_revenue": 4000000, "quarter": "2027Q1"},
                     {"min_marginal_roi": 1.5, "quarter": "2027Q1"}]})

    target_revenue: Money | None = Field(default=None, gt=0, le=1e14, allow_inf_nan=False,
                                         description="Smallest budget reaching this revenue.")
    min_marginal_roi: float | None = Field(
        default=None, ge=0, le=1e6, allow_inf_nan=False,
        description="Largest budget while every funded channel's last unit returns this.")

    @model_validator(mode="after")
    def _one_goal(self) -> GoalRequest:
        if (self.target_revenue is None) == (self.min_marginal_roi is None):
            raise ValueError("give exactly one of target_revenue and min_marginal_roi")
        return self


class GoalResponse(BaseModel):
    """The budget found and the plan at that budget."""

    model_config = _examples({
        "data_version": 3, "goal": "target_revenue", "target": 4000000.0,
        "budget": 1150000.0, "plan": PlanResponse.model_config["json_schema_extra"]["examples"][0],
    })

    data_version: int
    goal: Literal["target_revenue", "min_marginal_roi"]
    target: float
    budget: Money | None = None
    plan: PlanResponse
