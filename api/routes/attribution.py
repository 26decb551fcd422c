"""``GET /v1/attribution``, ``GET /v1/attribution/compare`` and ``GET /v1/attribution/models``.

Results are cached by (data version, model, settings, journey options) as
encoded JSON: a repeated request is answered with the stored bytes until the
data version changes (``response_model`` still documents the body).

Work per request is bounded twice. Before anything runs, bootstrap resamples
times the models refitted on every resample must stay within the
``max_bootstrap_work`` setting (else 422 naming the limit). While it runs, the
computation asks the request's :meth:`~touchpath.api.deps.ReadSession.should_stop`
between model fits and resample batches; past ``request_time_budget_s`` it
stops and the request gets 503 (the data lock is released with it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from touchpath import service
from touchpath.api.deps import ReaderKey, ReadSession, ReadSessionDep
from touchpath.api.problems import InvalidParameter, WorkLimitExceeded
from touchpath.api.routes.budget import clean_json
from touchpath.api.routes.common import GrainParam, JourneyDep, JourneyQuery, clean, records
from touchpath.api.routes.segments import ByQuery, segmented_attribution, segmented_compare
from touchpath.api.schemas import (
    AttributionResponse,
    CampaignCompareRow,
    CampaignCredit,
    ChannelCredit,
    ChannelRollupRow,
    CompareResponse,
    CompareRow,
    ModelInfo,
    ModelsResponse,
    RankAgreementRow,
    SkippedModel,
    problem_responses,
)
from touchpath.service import DEFAULTS, default_model_spec, model_spec
from touchpath.service.models import build_model

__all__ = ["campaign_attribution_response", "campaign_compare_response", "compare_response",
           "router"]

#: Segments are fitted per channel: ``by`` and ``grain=campaign`` are not combined.
_BY_AND_GRAIN = ("by and grain=campaign together: segments are fitted at the channel grain; "
                 "ask for one of them")
#: Experiments calibrate channels: ``calibrate`` goes without ``by`` and ``grain=campaign``.
_CALIBRATE_ALONE = ("calibrate with by or grain=campaign: experiments calibrate a channel's "
                    "credit over all its journeys; ask for the calibration on its own")

router = APIRouter(prefix="/v1/attribution", tags=["attribution"])

MAX_RESAMPLES = 1000
#: The model of single-model answers unless the request names one (the service default).
DEFAULT_MODEL = default_model_spec()
MAX_MODELS = 12
_SPEC = r"^[A-Za-z][\w\-]*(\([\w\s=.,|\-]*\))?$"


def _order(order: str | None) -> int | str | None:
    if order is None:
        return None
    return "auto" if order.lower() == "auto" else int(order)


def _check_work(session: ReadSession, specs: list[str], models: list[Any], ci: int) -> None:
    """Refuse more model refits than ``max_bootstrap_work`` (422 naming the limit)."""
    from touchpath.attribution.bootstrap import refitted_per_resample

    limit = session.settings.max_bootstrap_work
    if ci <= 0 or limit is None:
        return
    refitted = [s for s, m in zip(specs, models, strict=True) if refitted_per_resample(m)]
    work = ci * len(refitted)
    if work <= limit:
        return
    fits = "model" if len(refitted) == 1 else "models"
    most = limit // len(refitted)
    raise WorkLimitExceeded(
        f"ci: {ci} bootstrap resamples x {len(refitted)} {fits} refitted on every resample "
        f"({', '.join(refitted)}) = {work} model fits, over this server's limit of {limit} "
        f"per request; ask for ci={most} or less, or for fewer of these models",
        requested=work, limit=limit)


def _credit_rows(frame_records: list[dict[str, Any]]) -> list[ChannelCredit]:
    keep = ChannelCredit.model_fields
    return [ChannelCredit(**{k: v for k, v in r.items() if k in keep}) for r in frame_records]


@router.get(
    "",
    response_model=AttributionResponse,
    summary="Attribute conversions and revenue to channels with one model",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def attribution(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    model: Annotated[str, Query(
        max_length=200, pattern=_SPEC,
        description="Model name (see /v1/attribution/models), optionally with settings: "
                    "`markov`, `markov2`, `time_decay(half_life_days=3)`.",
        examples=["markov"])] = DEFAULT_MODEL,
    order: Annotated[str | None, Query(
        pattern=r"^([1-4]|auto)$", description="Markov order, 1-4 or `auto`.",
        examples=["2"])] = None,
    half_life_days: Annotated[float | None, Query(
        gt=0, le=3650, description="Half-life of time decay, in days.")] = None,
    ci: Annotated[int, Query(
        ge=0, le=MAX_RESAMPLES, description="Bootstrap resamples for confidence intervals "
                                            "(0: none).", examples=[0])] = DEFAULTS.ci,
    level: Annotated[float, Query(gt=0.5, lt=1, description="Coverage of the intervals.")]
    = DEFAULTS.level,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="Bootstrap seed.")]
    = DEFAULTS.seed,
    by: ByQuery = None,
    grain: GrainParam = DEFAULTS.grain,
    calibrate: Annotated[bool, Query(
        description="Also calibrate to the experiments table: per channel the calibrated "
                    "credit with its interval and factor, and the freed credit, in "
                    "`calibration`.")] = False,
) -> Response:
    """Per channel: attributed conversions, revenue, shares and (with ``ci``) intervals.

    With ``by=ATTRIBUTE`` (see ``GET /v1/segments``) the model is fitted per
    segment and the body is a ``SegmentedAttributionResponse``: ``by``,
    ``segments`` (journeys, conversions, revenue, direct, ``small_sample``) and
    ``rows`` carrying ``segment``; small segments always carry a bootstrap
    interval.

    ``grain=campaign``: also ``campaigns`` (credit per channel and campaign) and
    ``rollup`` (the campaigns summed per channel beside the channel-level fit,
    which ``channels`` then holds; ``exact`` for the per-touch rules).

    The ``(direct)`` row carries conversions with no touch in the lookback
    window; it is reported apart and has no share. A bootstrap of a model
    refitted on every resample (Markov, ``shapley_rate``) counts ``ci`` fits
    against the server's limit (422 over it); a computation past the
    request time budget is stopped (503 with ``Retry-After``).
    """
    spec = model_spec(model, order=_order(order), half_life_days=half_life_days)
    if by is not None and grain == "campaign":
        raise InvalidParameter(_BY_AND_GRAIN)
    if calibrate and (by is not None or grain == "campaign"):
        raise InvalidParameter(_CALIBRATE_ALONE)
    if by is not None:
        _check_work(session, [spec], [build_model(spec)], max(ci, DEFAULTS.segment_ci))
        return segmented_attribution(session, journeys, by, spec, ci, level, seed)
    options = journeys.options()
    key = {"model": spec, "ci": ci, "level": level, "seed": seed, "calibrate": calibrate,
           **journeys.params()}
    if grain == "campaign":
        def campaigns() -> AttributionResponse:
            _check_work(session, [spec], [build_model(spec)], ci)
            found = service.attribute_campaigns(
                session.warehouse, spec, options, ci=ci, level=level, seed=seed,
                should_stop=session.should_stop, memo=session.cached)
            return campaign_attribution_response(found, session.version, journeys)

        return session.cached_json("attribution", {**key, "grain": grain}, campaigns)

    def compute() -> AttributionResponse:
        _check_work(session, [spec], [build_model(spec)], ci)
        calibrated = (clean_json(service.attribute_calibrated(
            session.warehouse, spec, options, memo=session.cached).to_dict())
            if calibrate else None)
        result = service.attribute(session.warehouse, spec, options, ci=ci, level=level,
                                   seed=seed, should_stop=session.should_stop,
                                   memo=session.cached)
        return AttributionResponse(
            data_version=session.version,
            model=result.model,
            label=result.label,
            params={k: clean(v) for k, v in result.params.items()},
            options=journeys.out(),
            total_conversions=result.total_conversions,
            total_value=result.total_value,
            direct_conversions=result.direct_conversions,
            direct_value=result.direct_value,
            additive=result.additive,
            ci_level=result.ci_level,
            channels=_credit_rows(result.to_records()),
            warnings=list(result.warnings),
            calibration=calibrated,
        )

    return session.cached_json("attribution", key, compute)


@router.get(
    "/compare",
    response_model=CompareResponse,
    summary="Several models side by side, with rank agreement",
    responses=problem_responses(401, 403, 422, 500, 503),
)
def compare_models(
    _key: ReaderKey,
    session: ReadSessionDep,
    journeys: JourneyDep,
    models: Annotated[str, Query(
        min_length=1, max_length=1000,
        description=f"Comma-separated model specs (at most {MAX_MODELS}).",
        examples=["first_touch,last_touch,linear,position,markov1,markov2,shapley"])]
    = ",".join(DEFAULTS.compare_models),
    ci: Annotated[int, Query(ge=0, le=MAX_RESAMPLES,
                             description="Bootstrap resamples per model (0: none).")]
    = DEFAULTS.ci,
    level: Annotated[float, Query(gt=0.5, lt=1)] = DEFAULTS.level,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = DEFAULTS.seed,
    by: ByQuery = None,
    grain: GrainParam = DEFAULTS.grain,
) -> Response:
    """Every model on the same journeys: one tidy table and Spearman / Kendall agreement.

    ``grain=campaign``: also ``campaign_rows`` (each model per channel and
    campaign) and ``rollup`` (the campaigns summed per channel beside the
    channel-level fit; ``rows`` and ``rank_agreement`` are the channel grain's).

    ``ci`` times the models refitted on every resample (Markov, ``shapley_rate``)
    must stay within the server's limit of model fits per request (422 over
    it, naming the limit); a comparison past the request time budget is
    stopped (503 with ``Retry-After``). With ``by=ATTRIBUTE`` every model is
    fitted per segment (body ``SegmentedCompareResponse``: rows carry ``segment``).
    """
    from touchpath.attribution.registry import split_specs

    specs = split_specs(models)
    if not specs:
        raise InvalidParameter("models: give at least one model spec")
    if len(specs) > MAX_MODELS:
        raise InvalidParameter(
            f"models: at most {MAX_MODELS} models per comparison, got {len(specs)}")
    repeated = sorted({s for s in specs if specs.count(s) > 1})
    if repeated:
        raise InvalidParameter(f"models: each model once, {', '.join(repeated)} repeated")
    if by is not None and grain == "campaign":
        raise InvalidParameter(_BY_AND_GRAIN)
    if by is not None:
        _check_work(session, specs, [build_model(s) for s in specs],
                    max(ci, DEFAULTS.segment_ci))
        return segmented_compare(session, journeys, by, specs, ci, level, seed)
    key = {"models": specs, "ci": ci, "level": level, "seed": seed, **journeys.params()}
    if grain == "campaign":
        def campaigns() -> CompareResponse:
            _check_work(session, specs, [build_model(s) for s in specs], ci)
            found = service.compare_campaigns(
                session.warehouse, specs, journeys.options(), ci=ci, level=level, seed=seed,
                should_stop=session.should_stop, memo=session.cached)
            return campaign_compare_response(found, session.version, journeys)

        return session.cached_json("compare", {**key, "grain": grain}, campaigns)

    def compute() -> CompareResponse:
        _check_work(session, specs, [build_model(s) for s in specs], ci)
        comparison = service.compare_models(session.warehouse, specs, journeys.options(), ci=ci,
                                            level=level, seed=seed,
                                            should_stop=session.should_stop, memo=session.cached)
        return compare_response(comparison, session.version, journeys)

    return session.cached_json("compare", key, compute)


def compare_response(comparison: Any, version: int, journeys: JourneyQuery) -> CompareResponse:
    """The wire form of a :class:`~touchpath.attribution.compare.ModelComparison`.

    Parameters
    ----------
    comparison : ModelComparison
        Models run on the journeys ``journeys`` describes.
    version : int
        The data version they were computed on.
    journeys : JourneyQuery
        The journey options, echoed in the response.
    """
    rows = [CompareRow(**{k: v for k, v in r.items() if k in CompareRow.model_fields})
            for r in records(comparison.to_frame(include_direct=True))]
    agreement = [RankAgreementRow(**{k: v for k, v in r.items()
                                     if k in RankAgreementRow.model_fields})
                 for r in records(comparison.rank_agreement())]
    return CompareResponse(
        data_version=version,
        models=list(comparison.labels),
        options=journeys.out(),
        rows=rows,
        rank_agreement=agreement,
        skipped=[SkippedModel(model=m, reason=why) for m, why in comparison.skipped],
        warnings=list(comparison.warnings),
    )


def _rollup_rows(frame: Any) -> list[ChannelRollupRow]:
    return [ChannelRollupRow(**r) for r in records(frame)]


def campaign_attribution_response(found: Any, version: int,
                                  journeys: JourneyQuery) -> AttributionResponse:
    """The wire form of a :class:`~touchpath.service.campaigns.CampaignAttribution`."""
    result, channel = found.result, found.channel_result
    keep = CampaignCredit.model_fields
    return AttributionResponse(
        data_version=version, model=result.model, label=result.label,
        params={k: clean(v) for k, v in result.params.items()}, options=journeys.out(),
        total_conversions=result.total_conversions, total_value=result.total_value,
        direct_conversions=result.direct_conversions, direct_value=result.direct_value,
        additive=result.additive, ci_level=result.ci_level,
        channels=_credit_rows(channel.to_records()), warnings=list(found.warnings),
        grain="campaign", exact=found.exact,
        campaigns=[CampaignCredit(**{k: v for k, v in r.items() if k in keep})
                   for r in found.to_records()],
        rollup=_rollup_rows(found.rollup()))


def campaign_compare_response(found: Any, version: int,
                              journeys: JourneyQuery) -> CompareResponse:
    """The wire form of a :class:`~touchpath.service.campaigns.CampaignComparison`."""
    base = compare_response(found.channel_comparison, version, journeys)
    keep = CampaignCompareRow.model_fields
    rows = [CampaignCompareRow(**{k: v for k, v in r.items() if k in keep})
            for r in records(found.to_frame(include_direct=True))]
    return base.model_copy(update={
        "models": list(found.labels),
        "skipped": [SkippedModel(model=m, reason=why) for m, why in found.skipped],
        "warnings": list(found.warnings), "grain": "campaign", "campaign_rows": rows,
        "rollup": _rollup_rows(found.rollup())})


@router.get(
    "/models",
    response_model=ModelsResponse,
    summary="Model names the attribution endpoints accept",
    responses=problem_responses(401, 403, 500, 503),
)
def list_models(_key: ReaderKey) -> ModelsResponse:
    """Every registered model with a one-line description."""
    from touchpath.attribution.registry import describe_models

    return ModelsResponse(models=[ModelInfo(name=n, description=d)
                                  for n, d in describe_models().items()])
