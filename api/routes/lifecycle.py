"""``GET /v1/lifecycle`` (verdicts) and ``POST /v1/channels/{channel}/status`` (user action).

Verdicts are computed on the channel ROI table of the chosen period and model
(shared with ``/v1/roi`` through the result cache) and are not recorded: a GET
changes nothing. A status change is a write: it needs a ``write`` key, holds
the data lock exclusively and is recorded with its reason in the warehouse.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSessionDep, WriterKey, WriteSessionDep
from touchpath.api.routes.attribution import _SPEC, DEFAULT_MODEL, _order
from touchpath.api.routes.common import JourneyDep, clean
from touchpath.api.schemas import (
    ChannelStatusRequest,
    ChannelStatusResponse,
    LifecycleResponse,
    VerdictCycle,
    VerdictOut,
    problem_responses,
)
from touchpath.attribution.lifecycle import LifecycleRules
from touchpath.attribution.roi import Period
from touchpath.service import DEFAULTS, model_spec

__all__ = ["channels_router", "router"]

router = APIRouter(prefix="/v1/lifecycle", tags=["lifecycle"])
channels_router = APIRouter(prefix="/v1/channels", tags=["lifecycle"])

#: The rules' defaults, read once so that the query defaults are the domain's.
_RULES = LifecycleRules()


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@router.get(
    "",
    response_model=LifecycleResponse,
    summary="Test / admit / scale / exit verdicts of channels in test status",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def lifecycle(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    period: Annotated[Period, Query(description="Length of a test cycle.",
                                    examples=["month"])] = DEFAULTS.period,
    model: Annotated[str, Query(max_length=200, pattern=_SPEC,
                                description="Attribution model of the ROI.")] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(pattern=r"^([1-4]|auto)$")] = None,
    reading: Annotated[Literal["multiple", "fraction"], Query(
        description="Read the source's 15%/30% as uplifts (1.15×, 1.30×) or fractions "
                    "(0.15×, 0.30×).")] = _RULES.reading,
    admit: Annotated[float | None, Query(gt=0, le=100, description="Admit bar, × baseline.",
                                         examples=[1.15])] = None,
    scale: Annotated[float | None, Query(gt=0, le=100, description="Scale bar, × baseline.",
                                         examples=[1.30])] = None,
    exit_fraction: Annotated[float, Query(gt=0, le=1, description="Exit below this share "
                                                                  "of the target.")]
    = _RULES.exit_fraction,
    exit_cycles: Annotated[int, Query(ge=1, le=52, description="... in this many "
                                                               "consecutive cycles.")]
    = _RULES.exit_cycles,
    exit_target: Annotated[float | None, Query(
        gt=0, le=1e6, description="Fixed target ROI (default: the admit bar).")] = None,
    min_spend: Annotated[float, Query(ge=0, le=1e13, description="Less spend in a cycle is "
                                                                 "insufficient data.")]
    = _RULES.min_spend,
    min_conversions: Annotated[float, Query(
        ge=0, le=1e9, examples=[30],
        description="Admit or scale needs at least this many attributed conversions in the "
                    "cycle.")] = _RULES.min_conversions,
    level: Annotated[float, Query(
        ge=0, lt=1, examples=[0.9],
        description="One-sided confidence level of the bounds on the ratio (admit/scale need "
                    "the lower bound at the bar, exit the upper bound under it); 0.5 to below "
                    "1, or 0 for none.")] = _RULES.level,
    baseline: Annotated[Literal["paid", "all"], Query(
        description="Established channels in the baseline: those with spend in the cycle "
                    "(paid) or all (all; unpaid channels' revenue inflates it).")]
    = _RULES.baseline,
    fiscal_year_start_month: Annotated[int, Query(ge=1, le=12)]
    = DEFAULTS.fiscal_year_start_month,
) -> Response:
    """One verdict per test channel, with the per-cycle ROI, baseline, ratio and its bounds."""
    rules = LifecycleRules(
        admit=admit, scale=scale, reading=reading, exit_fraction=exit_fraction,
        exit_cycles=exit_cycles, exit_target="admit" if exit_target is None else exit_target,
        min_spend=min_spend, min_conversions=min_conversions, level=level, baseline=baseline,
    )
    spec = model_spec(model, order=_order(order))
    key = {"model": spec, "period": period, "rules": repr(rules),
           "fiscal": fiscal_year_start_month, **journeys.params()}

    def compute() -> LifecycleResponse:
        report = service.lifecycle(session.warehouse, rules, spec, period, journeys.options(),
                                   start=journeys.dates.start, end=journeys.dates.end,
                                   fiscal_year_start_month=fiscal_year_start_month,
                                   should_stop=session.should_stop, memo=session.cached)
        verdicts, table = report.verdicts, report.roi
        out = []
        for v in verdicts:
            d = v.to_dict()
            cycles = [VerdictCycle(**{k: clean(x) for k, x in c.items()}) for c in d["cycles"]]
            out.append(VerdictOut(
                channel=v.channel, verdict=v.verdict, rule=v.rule, reason=v.reason,
                period=v.period, roi=_finite(v.roi), baseline=_finite(v.baseline),
                ratio=_finite(v.ratio), ratio_low=_finite(v.ratio_low),
                ratio_high=_finite(v.ratio_high), level=v.level,
                conversions=_finite(v.conversions), conversions_needed=v.conversions_needed,
                low_streak=v.low_streak, cycles=cycles,
            ))
        return LifecycleResponse(data_version=session.version, period=period,
                                 model=table.model, rules=rules.describe(), verdicts=out)

    return session.cached_json("lifecycle", key, compute)


@channels_router.post(
    "/{channel}/status",
    response_model=ChannelStatusResponse,
    summary="Move a channel to established, exited or test (a user decision)",
    responses=problem_responses(400, 401, 403, 404, 413, 422, 500, 503),
)
def set_status(
    body: ChannelStatusRequest,
    channel: Annotated[str, Path(min_length=1, max_length=200, examples=["tiktok"],
                                 description="Channel name as in the channels table.")],
    _key: WriterKey,
    session: WriteSessionDep,
) -> ChannelStatusResponse:
    """Record a status change with its reason (needs a ``write`` key).

    The change invalidates cached results (verdicts and plans depend on it).
    The status the channel already has is no change: ``changed`` is false,
    nothing is recorded and the data version stays.
    """
    known = set(session.warehouse.channels()["channel"])
    if channel not in known:
        raise HTTPException(status_code=404, detail=f"unknown channel {channel!r}")
    change = service.change_status(session.warehouse, channel, body.status, body.reason)
    version = session.finish() if change.changed else session.unchanged()
    return ChannelStatusResponse(channel=channel, previous_status=change.previous_status,
                                 status=change.status, changed=change.changed,
                                 data_version=version)
