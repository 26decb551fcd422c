"""Attribution workflows: journeys → path table → one model, or several side by side.

Every surface asks these questions through the functions here, with the defaults
of :data:`~touchpath.service.defaults.DEFAULTS`:

- :func:`journey_options` — the journey options (lookback, repeats, interaction,
  length, date range, censoring) with the one set of defaults;
- :func:`path_table`, :func:`paths_overview` — the path table and its summary;
- :func:`censoring` — how many non-converting journeys censoring left out, with
  warnings when that is most or all of them;
- :func:`attribute` / :func:`attribute_paths` — one model, from the warehouse or
  from a path table (with bootstrap intervals when ``ci > 0``);
- :func:`compare_models` / :func:`compare_paths` — several models on the same
  journeys, with rank agreement.

Models that need touch timestamps (time decay) get the journey touches from the
warehouse; from a bare path table they are refused (:func:`attribute_paths`) or
skipped with the reason (:func:`compare_paths`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionModel, AttributionResult, StopCheck
from touchpath.attribution.bootstrap import ProgressArg, run_model
from touchpath.attribution.compare import ModelComparison, compare
from touchpath.attribution.registry import ModelSpecError, needs_touches
from touchpath.data.journeys import (
    CensoringReport,
    JourneyOptions,
    build_campaign_paths,
    build_paths,
    censoring_report,
    check_kind,
    journey_summary,
    journey_touches,
)
from touchpath.data.paths import PathTable
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec

__all__ = [
    "PathsOverview",
    "attribute",
    "attribute_paths",
    "censoring",
    "compare_models",
    "compare_paths",
    "journey_options",
    "options_key",
    "path_table",
    "paths_overview",
]


def journey_options(
    *,
    lookback_days: int = DEFAULTS.lookback_days,
    collapse_repeats: bool = False,
    interaction: Literal["all", "click"] = "all",
    max_path_length: int | None = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    censor: bool = DEFAULTS.censor,
    kind: str | None = DEFAULTS.kind,
    stitch: bool = DEFAULTS.stitch,
    stitch_max_ids: int = DEFAULTS.stitch_max_ids,
    grain: Literal["channel", "campaign"] = DEFAULTS.grain,
) -> JourneyOptions:
    """Journey options with the service defaults (DESIGN.md, "Journeys").

    ``start`` / ``end``: journeys ending in ``[start, end)``. ``censor``: leave
    out non-converting journeys still open at the end of the data (``False``:
    every non-converting journey is a null, ChannelAttribution's convention).
    ``kind``: the conversion kind that closes journeys (``None``: every kind).
    ``stitch``: journeys per person (the ids the identities table links; ``False``:
    per id); components of more than ``stitch_max_ids`` ids stay apart.
    ``grain``: a touch's state is its channel, or its channel and campaign
    (:mod:`touchpath.service.campaigns`).

    Raises
    ------
    ValueError, TypeError
        Options :class:`~touchpath.data.journeys.JourneyOptions` refuses.
    """
    return JourneyOptions(lookback_days=lookback_days, collapse_repeats=collapse_repeats,
                          interaction=interaction, max_path_length=max_path_length,
                          start=start, end=end, censor=censor, kind=kind, stitch=stitch,
                          stitch_max_ids=stitch_max_ids, grain=grain)


def options_key(options: JourneyOptions) -> dict[str, Any]:
    """The journey options as plain values, for memo keys."""
    return {k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in dataclasses.asdict(options).items()}


def path_table(wh: Warehouse, options: JourneyOptions | None = None, *,
               memo: Memo = no_memo) -> PathTable:
    """The path table of the warehouse's journeys under ``options`` (memoised).

    Raises
    ------
    NoConversionsOfKind
        The warehouse has conversions, none of ``options.kind``.
    """
    options = options or journey_options()

    def compute() -> PathTable:
        check_kind(wh, options)
        return build_paths(wh, options)

    return memo("path_table", options_key(options), compute)


def censoring(wh: Warehouse, options: JourneyOptions | None = None, *,
              memo: Memo = no_memo) -> CensoringReport:
    """How many non-converting journeys ``options`` censor, and warnings (memoised).

    :attr:`~touchpath.data.journeys.CensoringReport.censored` are left out of
    :func:`path_table`; ``non_converting_kept`` are its nulls; ``warnings`` say
    in plain words when censoring removed most or all of them, or when there
    is no null at all.
    """
    options = options or journey_options()
    return memo("censoring", options_key(options), lambda: censoring_report(wh, options))


def _touches(wh: Warehouse, models: Sequence[AttributionModel],
             options: JourneyOptions) -> pd.DataFrame | None:
    """Journey touches when one of ``models`` needs timestamps, else ``None``.

    At the campaign grain each touch's ``channel`` is its campaign state, as in
    the path table (:meth:`~touchpath.data.journeys.CampaignPathTable.label_touches`).
    """
    if not any(needs_touches(m) for m in models):
        return None
    touches = journey_touches(wh, options)
    if options.grain == "campaign":
        return build_campaign_paths(wh, options).label_touches(touches)
    return touches


def attribute(
    wh: Warehouse,
    model: str | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> AttributionResult:
    """Attribute the warehouse's journeys with one model.

    Parameters
    ----------
    wh : Warehouse
    model : str, optional
        A registry spec (``markov2``, ``time_decay(half_life_days=3)``); default
        the service's model (:func:`~touchpath.service.models.default_model_spec`).
    options : JourneyOptions, optional
        Default :func:`journey_options`.
    ci, level, seed
        Bootstrap resamples (0: none), interval coverage, seed.
    progress : bool or callable
        Progress of the bootstrap.
    should_stop : callable, optional
        Asked between fits and resample batches; ``True`` stops the work with
        :class:`~touchpath.attribution.base.ComputationStopped` (the API's time budget).
    memo : Memo
        Result memo (the API's cache).

    Returns
    -------
    AttributionResult

    Raises
    ------
    ModelSpecError
        Unknown model or settings.
    InvalidRequest
        ``ci > 0`` on a range without journeys to resample.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    key = {"model": spec, "ci": ci, "level": level, "seed": seed, **options_key(options)}

    def compute() -> AttributionResult:
        built = build_model(spec)
        paths = path_table(wh, options, memo=memo)
        return _run(built, paths, _touches(wh, [built], options), ci, level, seed, progress,
                    should_stop)

    return memo("attribution", key, compute)


def attribute_paths(
    paths: PathTable,
    model: str | None = None,
    *,
    touches: pd.DataFrame | None = None,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
) -> AttributionResult:
    """Attribute a path table as given (no warehouse), e.g. read from a CSV.

    Raises
    ------
    ModelSpecError
        Unknown model, or a model that needs touch timestamps without ``touches``.
    InvalidRequest
        ``ci > 0`` on a table without journeys.
    """
    built = build_model(model or default_model_spec())
    if needs_touches(built) and touches is None:
        raise ModelSpecError(
            f"model {built.name!r} needs touch timestamps, which a path table does not carry; "
            "read journeys from the warehouse instead")
    return _run(built, paths, touches, ci, level, seed, progress, None)


def _check_resamplable(paths: PathTable, ci: int) -> None:
    if ci > 0 and paths.total_conversions + paths.total_nulls <= 0:
        raise InvalidRequest("ci: no journeys in the chosen range to resample; use ci=0 or a "
                         "wider date range")


def _run(model: AttributionModel, paths: PathTable, touches: pd.DataFrame | None, ci: int,
         level: float, seed: int, progress: ProgressArg,
         should_stop: StopCheck | None) -> AttributionResult:
    _check_resamplable(paths, ci)
    return run_model(model, paths, touches=touches, ci=ci, level=level, seed=seed,
                     progress=progress, should_stop=should_stop)


def _specs(models: Sequence[str] | None) -> list[str]:
    specs = list(models) if models is not None else list(DEFAULTS.compare_models)
    if not specs:
        raise ModelSpecError("give at least one model to compare")
    return specs


def compare_models(
    wh: Warehouse,
    models: Sequence[str] | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> ModelComparison:
    """Every model in ``models`` on the same warehouse journeys (default models of DEFAULTS).

    Results are labelled by the specs as asked (``markov2``, ``shapley``). Models
    that cannot run (a degenerate game) are listed in ``skipped`` with the reason.

    Raises
    ------
    ModelSpecError
        No model, or an unknown one.
    InvalidRequest
        ``ci > 0`` on a range without journeys.
    """
    specs = _specs(models)
    options = options or journey_options()
    key = {"models": tuple(specs), "ci": ci, "level": level, "seed": seed,
           **options_key(options)}

    def compute() -> ModelComparison:
        built = [build_model(s) for s in specs]
        paths = path_table(wh, options, memo=memo)
        _check_resamplable(paths, ci)
        return compare(specs, paths, touches=_touches(wh, built, options), ci=ci, level=level,
                       seed=seed, progress=progress, should_stop=should_stop)

    return memo("compare", key, compute)


def compare_paths(
    paths: PathTable,
    models: Sequence[str] | None = None,
    *,
    touches: pd.DataFrame | None = None,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
) -> ModelComparison:
    """Every model in ``models`` on a path table as given; models needing touches are skipped."""
    specs = _specs(models)
    for s in specs:
        build_model(s)
    _check_resamplable(paths, ci)
    return compare(specs, paths, touches=touches, ci=ci, level=level, seed=seed,
                   progress=progress)


@dataclass(frozen=True, eq=False)
class PathsOverview:
    """The path table of some journeys, its per-channel summary and its most frequent paths.

    Attributes
    ----------
    paths : PathTable
    summary : DataFrame
        :func:`touchpath.data.journeys.journey_summary`: per channel touches,
        journeys, last-touch conversions and revenue, spend; ``(direct)`` last.
    top : DataFrame
        ``path, conversions, value, nulls`` of the ``limit`` most frequent paths
        (by journeys, then conversions).
    options : JourneyOptions
    censoring : CensoringReport
        How many non-converting journeys the options censored, and warnings.
    """

    paths: PathTable
    summary: pd.DataFrame
    top: pd.DataFrame
    options: JourneyOptions
    censoring: CensoringReport

    @property
    def censored_journeys(self) -> int:
        """Non-converting journeys censoring left out of :attr:`paths`."""
        return self.censoring.censored

    @property
    def warnings(self) -> tuple[str, ...]:
        """The censoring warnings (:attr:`CensoringReport.warnings`)."""
        return self.censoring.warnings

    @property
    def totals(self) -> dict[str, float]:
        """The path table's totals (journeys, conversions, value, nulls, direct)."""
        return {k: float(v) for k, v in self.paths.totals().items()}


def paths_overview(wh: Warehouse, options: JourneyOptions | None = None, *, limit: int = 20,
                   memo: Memo = no_memo) -> PathsOverview:
    """Journey summary and top paths (``GET /v1/paths``, ``touchpath paths``, the report)."""
    options = options or journey_options()

    def compute() -> PathsOverview:
        table = path_table(wh, options, memo=memo)
        order = np.lexsort((-table.conversions, -table.journeys))[:limit]
        names = table.path_strings()
        top = pd.DataFrame({
            "path": [names[int(i)] for i in order],
            "conversions": table.conversions[order].astype(np.float64),
            "value": table.value[order].astype(np.float64),
            "nulls": table.nulls[order].astype(np.float64),
        })
        return PathsOverview(table, journey_summary(wh, options), top, options,
                             censoring(wh, options, memo=memo))

    return memo("paths_overview", {"limit": limit, **options_key(options)}, compute)
