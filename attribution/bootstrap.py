"""Bootstrap confidence intervals for any attribution model.

DESIGN.md, "Attribution models" (bootstrap CI).


Journeys are the resampling unit. A path table with ``P`` distinct paths holds
``2P`` kinds of journey: path ``i`` ending in a conversion (``conversions[i]``
of them) and path ``i`` ending without one (``nulls[i]``). One bootstrap
resample draws ``N = Σ (conversions + nulls)`` journeys with replacement, that
is, the counts of the ``2P`` kinds jointly from

    Multinomial(N, p),   p = (conversions, nulls) / N

(Efron & Tibshirani 1993, ch. 6, the nonparametric bootstrap of i.i.d. units,
written in aggregated form). A resampled converting journey of path ``i``
brings the mean revenue of that path's conversions, ``value[i] /
conversions[i]``, so revenue scales with the resampled conversions. The model
is refitted on each resample and the interval bounds are the ``(1 - level)/2``
and ``(1 + level)/2`` percentiles of the refitted credit (percentile method);
the point estimate is the model on the full data.

The ``(direct)`` baseline, conversions with no touch in the lookback window,
is held fixed: no model attributes it, so resampling it would change no
channel's credit; intervals are conditional on the number of journeys that
had a touch.

Fast path. A model whose credit is linear in the path counts (every
rule-based model on paths, participation included, and the subset and
ordered Shapley values) exposes
``credit_matrix(paths) -> ndarray (n_paths, n_channels)``: the share of a
path's conversions and revenue that each channel receives (looked up by
:func:`touchpath.attribution.base.credit_matrix_of`, re-exported here). Then every
resample is one matrix product, ``C* @ W``, for all resamples at once. Other
models are refitted resample by resample, with a progress bar.

Time decay needs touch timestamps, so it is bootstrapped from the touches
frame (one row per touch of each converting journey) and the path table's
null journeys: the ``N = C + nulls`` journeys are drawn with replacement,
each converting journey as its own category and the null journeys as one
(they earn no credit). The model's credit of each converting journey comes
from a single call in which every journey's touches carry channel labels of
their own (models are relabel invariant), so all resamples are again one
matrix product.

Stopping. :func:`bootstrap` and :func:`run_model` take ``should_stop``, a
callable asked before every batch of resamples and before every refit; when it
returns True they raise :class:`~touchpath.attribution.base.ComputationStopped` (a
service answering a request within a time budget passes one; nothing partial
is returned). :func:`refitted_per_resample` tells which models pay one full
fit per resample, the expensive kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from touchpath.attribution.base import (
    AttributionModel,
    AttributionResult,
    BootstrapDraws,
    StopCheck,
    check_stop,
    credit_matrix_of,
)
from touchpath.attribution.registry import needs_touches
from touchpath.attribution.shapley import DegenerateGameError
from touchpath.data.paths import PathTable

__all__ = [
    "DEFAULT_MAX_CELLS",
    "ProgressArg",
    "bootstrap",
    "credit_matrix_of",
    "percentile_interval",
    "refitted_per_resample",
    "resample_counts",
    "resample_paths",
    "run_model",
]

#: A progress setting: ``True`` for a rich bar on stderr, ``False`` for none,
#: or a callback ``f(done, total)`` called after each batch of resamples.
ProgressArg = bool | Callable[[int, int], None]

#: Largest number of multinomial cells drawn in one batch (int64: 8 bytes each).
DEFAULT_MAX_CELLS = 4_000_000


def _check_args(n_resamples: int, level: float) -> None:
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def refitted_per_resample(model: AttributionModel) -> bool:
    """Whether :func:`bootstrap` refits ``model`` on every resample.

    False for a model with ``credit_matrix`` (every resample is one matrix
    product) or ``attribute_touches`` (time decay: priced from one call on the
    touches); True for the others (Markov chains, conversion-rate Shapley),
    whose bootstrap costs one full fit per resample.
    """
    return not (callable(getattr(model, "credit_matrix", None))
                or callable(getattr(model, "attribute_touches", None)))


def _whole_counts(paths: PathTable) -> tuple[np.ndarray, int]:
    """The ``2P`` journey counts (conversions then nulls) as integers, and their total."""
    counts = np.concatenate([paths.conversions, paths.nulls])
    rounded = np.rint(counts)
    bad = np.flatnonzero(np.abs(counts - rounded) > 1e-9)
    if bad.size:
        i = int(bad[0]) % paths.n_paths
        column = "conversions" if bad[0] < paths.n_paths else "nulls"
        raise ValueError(
            f"bootstrap resamples whole journeys, but path row {i} ({column}) holds"
            f" {counts[bad[0]]!r}; counts must be whole numbers"
        )
    total = int(rounded.sum())
    if total == 0:
        raise ValueError("bootstrap: the path table has no journeys to resample")
    return rounded, total


def resample_counts(
    paths: PathTable,
    n_resamples: int,
    seed: int | np.random.Generator = 0,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Iterator[np.ndarray]:
    """Draw resampled conversion and null counts, in batches.

    Parameters
    ----------
    paths : PathTable
        Counts must be whole numbers.
    n_resamples : int
        Resamples in all.
    seed : int or numpy Generator
        Seed of ``numpy.random.default_rng``; the same seed gives the same draws
        whatever the batch size (the generator draws resamples one after another).
    max_cells : int
        Upper bound on ``batch × 2P``: memory of one batch is ``8 × max_cells`` bytes.

    Yields
    ------
    ndarray of int64, shape (batch, 2, n_paths)
        ``[:, 0]`` resampled conversions, ``[:, 1]`` resampled nulls per path.
    """
    counts, total = _whole_counts(paths)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    live = np.flatnonzero(counts > 0)  # empty cells stay empty: skip them in the draw
    pvals = counts[live] / total
    n_paths = paths.n_paths
    batch = max(1, int(max_cells) // max(1, 2 * n_paths))
    done = 0
    while done < n_resamples:
        size = min(batch, n_resamples - done)
        drawn = rng.multinomial(total, pvals, size=size)
        full = np.zeros((size, 2 * n_paths), dtype=np.int64)
        full[:, live] = drawn
        yield full.reshape(size, 2, n_paths)
        done += size


def resample_paths(
    paths: PathTable, n_resamples: int, seed: int | np.random.Generator = 0
) -> Iterator[PathTable]:
    """Resampled path tables, one per resample (same draws as :func:`resample_counts`).

    Paths that draw no journey are dropped; the channels and the ``(direct)``
    baseline are kept. Revenue is ``resampled conversions × value / conversions``.
    """
    per_conv = _value_per_conversion(paths)
    for batch in resample_counts(paths, n_resamples, seed):
        for conv, nulls in batch:
            yield _table_for(paths, conv, nulls, per_conv)


def _value_per_conversion(paths: PathTable) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(paths.conversions > 0, paths.value / paths.conversions, 0.0)


def _table_for(paths: PathTable, conv: np.ndarray, nulls: np.ndarray,
               per_conv: np.ndarray) -> PathTable:
    conv = conv.astype(np.float64)
    table = paths.with_counts(conv, conv * per_conv, nulls.astype(np.float64))
    keep = (conv + nulls) > 0
    return table if keep.all() else table.select(keep)


def percentile_interval(samples: np.ndarray, level: float) -> np.ndarray:
    """Percentile interval of each column: shape (n_columns, 2).

    ``[q((1 - level)/2), q((1 + level)/2)]`` with linear interpolation between
    order statistics (``numpy.quantile``'s default), the percentile bootstrap
    interval of Efron & Tibshirani (1993), ch. 13.
    """
    alpha = 1.0 - float(level)
    bounds = np.quantile(np.asarray(samples, dtype=np.float64), [alpha / 2, 1 - alpha / 2],
                         axis=0)
    return np.ascontiguousarray(bounds.T)


@contextmanager
def _progress(progress: ProgressArg, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(k)``: a rich bar, a user callback, or nothing."""
    if callable(progress):
        done = 0

        def advance(k: int) -> None:
            nonlocal done
            done += k
            progress(done, total)

        yield advance
    elif progress:
        # rich only for a progress bar on the terminal: importing the package stays light
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        bar = Progress("[progress.description]{task.description}", BarColumn(),
                       MofNCompleteColumn(), TimeElapsedColumn(),
                       console=Console(stderr=True), transient=True)
        with bar:
            task = bar.add_task(label, total=total)
            yield lambda k: bar.advance(task, k)
    else:
        yield lambda k: None


def _aligned(result: AttributionResult, channels: tuple[str, ...]) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Credit arrays in ``channels`` order (a resample may list channels differently)."""
    if result.channels == channels:
        return result.conversions, result.value
    pos = {c: k for k, c in enumerate(result.channels)}
    conv = np.zeros(len(channels))
    val = np.zeros(len(channels))
    for k, c in enumerate(channels):
        if c in pos:
            conv[k] = result.conversions[pos[c]]
            val[k] = result.value[pos[c]]
    return conv, val


def bootstrap(
    model: AttributionModel,
    paths: PathTable,
    n_resamples: int = 200,
    level: float = 0.95,
    seed: int = 0,
    progress: ProgressArg = False,
    *,
    touches: pd.DataFrame | None = None,
    vectorise: bool = True,
    max_cells: int = DEFAULT_MAX_CELLS,
    should_stop: StopCheck | None = None,
) -> AttributionResult:
    """Point estimate of ``model`` on ``paths`` with bootstrap percentile intervals.

    Parameters
    ----------
    model : AttributionModel
        Any model. With a ``credit_matrix`` method all resamples are computed in
        one matrix product; otherwise the model is refitted on each resample.
    paths : PathTable
        Whole-number counts.
    n_resamples : int, default 200
    level : float, default 0.95
        Coverage of the intervals.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; same seed, same intervals.
    progress : bool or callable, default False
        ``True`` draws a rich progress bar on stderr; a callable is called as
        ``progress(done, n_resamples)``.
    touches : DataFrame, optional
        Touches of the journeys (``journey_touches``), for models that need
        timestamps (time decay): one row per touch of each converting journey.
    vectorise : bool, default True
        Use ``credit_matrix`` when offered. ``False`` forces the refit loop
        (same draws, same numbers up to rounding; for checking).
    max_cells : int
        Memory bound on one batch of draws (see :func:`resample_counts`).
    should_stop : callable, optional
        Asked before every batch of resamples and every refit; True stops the
        bootstrap with :class:`~touchpath.attribution.base.ComputationStopped`.

    Returns
    -------
    AttributionResult
        The full-data result with ``conversions_ci``, ``value_ci`` and
        ``ci_level``, and ``bootstrap_`` (:class:`~touchpath.attribution.base.BootstrapDraws`):
        ``n_resamples``, ``seed``, ``method`` (``"vectorised"``, ``"refit"`` or
        ``"touches"``) and the refitted credit of every resample, ``conversions``
        and ``value`` (arrays of shape ``(n_resamples, n_channels)``).

    Raises
    ------
    ValueError
        Bad ``n_resamples`` or ``level``, non-whole counts, an empty table, or
        a model that needs touches called without them; a model that fails on
        a resample (the message names the resample, 1-based, the seed and the
        model's reason).
    DegenerateGameError
        A conversion-rate Shapley game with nothing to share on the full data
        or on a resample (a ``ValueError`` too).
    ComputationStopped
        ``should_stop`` returned True (the message says after how many resamples).

    Examples
    --------
    >>> from touchpath.data.paths import PathTable
    >>> from touchpath.attribution.rules import Linear
    >>> pt = PathTable.from_paths([["a", "b"], ["b"]], conversions=[30, 20], value=[300, 100],
    ...                           nulls=[70, 80])
    >>> res = bootstrap(Linear(), pt, n_resamples=100, seed=1)
    >>> bool(res.conversions_ci[0, 0] <= res.conversions[0] <= res.conversions_ci[0, 1])
    True
    """
    _check_args(n_resamples, level)
    if callable(getattr(model, "attribute_touches", None)):
        if touches is None:
            raise ValueError(
                f"model {model.name!r} needs journey touches (timestamps) to be bootstrapped;"
                " pass touches=journey_touches(...)"
            )
        return _bootstrap_touches(model, paths, touches, n_resamples, level, seed, progress,
                                  max_cells, should_stop)

    point = model.attribute(paths)
    channels = paths.channels
    matrix = credit_matrix_of(model, paths) if vectorise else None
    per_conv = _value_per_conversion(paths)
    boot_conv = np.empty((n_resamples, len(channels)))
    boot_val = np.empty((n_resamples, len(channels)))
    row = 0
    finished = 0  # resamples priced so far (what a stop reports)
    label = f"bootstrap {point.label}"

    def done() -> str:
        return f"after {finished} of {n_resamples} bootstrap resamples of {point.label}"

    with _progress(progress, n_resamples, label) as advance:
        for batch in resample_counts(paths, n_resamples, seed, max_cells=max_cells):
            size = batch.shape[0]
            if matrix is not None:
                check_stop(should_stop, done)
                conv = batch[:, 0].astype(np.float64)
                boot_conv[row : row + size] = conv @ matrix
                boot_val[row : row + size] = (conv * per_conv) @ matrix
                finished += size
                advance(size)
            else:
                for k in range(size):
                    check_stop(should_stop, done)
                    table = _table_for(paths, batch[k, 0], batch[k, 1], per_conv)
                    try:
                        result = model.attribute(table)
                    except (ValueError, ArithmeticError) as exc:
                        # keep a degenerate game recognisable (compare skips such models)
                        error = (DegenerateGameError if isinstance(exc, DegenerateGameError)
                                 else ValueError)
                        raise error(
                            f"bootstrap resample {row + k + 1} of {n_resamples} (seed {seed}):"
                            f" model {point.label!r} fitted on the full data but failed on"
                            f" this resample of the journeys: {exc}"
                        ) from exc
                    boot_conv[row + k], boot_val[row + k] = _aligned(result, channels)
                    finished += 1
                    advance(1)
            row += size
    resampled = BootstrapDraws(n_resamples=int(n_resamples), seed=seed,
                               method="vectorised" if matrix is not None else "refit",
                               conversions=boot_conv, value=boot_val)
    return point.with_ci(percentile_interval(boot_conv, level),
                         percentile_interval(boot_val, level), float(level), resampled)


def run_model(
    model: AttributionModel,
    paths: PathTable,
    *,
    touches: pd.DataFrame | None = None,
    ci: int = 0,
    level: float = 0.95,
    seed: int = 0,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
) -> AttributionResult:
    """One attribution run: with bootstrap intervals when ``ci > 0``, else the point estimate.

    ``ci > 0`` calls :func:`bootstrap` with ``n_resamples=ci``; otherwise a model
    that needs touch timestamps (:func:`touchpath.attribution.registry.needs_touches`) runs
    ``model.attribute_touches(touches, paths)`` and any other model
    ``model.attribute(paths)``.

    Parameters
    ----------
    model : AttributionModel
    paths : PathTable
    touches : DataFrame, optional
        Touches of the converting journeys, for models that need timestamps.
    ci : int, default 0
        Bootstrap resamples; 0 for no intervals.
    level, seed, progress
        As for :func:`bootstrap` (used only when ``ci > 0``).
    should_stop : callable, optional
        Asked before the fit and, with ``ci > 0``, between resamples (see
        :func:`bootstrap`).

    Returns
    -------
    AttributionResult

    Raises
    ------
    ComputationStopped
        ``should_stop`` returned True.
    """
    check_stop(should_stop, lambda: f"before fitting {getattr(model, 'name', model)!s}")
    if ci > 0:
        return bootstrap(model, paths, n_resamples=ci, level=level, seed=seed,
                         progress=progress, touches=touches, should_stop=should_stop)
    if needs_touches(model):
        return model.attribute_touches(touches, paths)  # type: ignore[attr-defined]
    return model.attribute(paths)


def _bootstrap_touches(
    model: Any,
    paths: PathTable,
    touches: pd.DataFrame,
    n_resamples: int,
    level: float,
    seed: int,
    progress: ProgressArg,
    max_cells: int,
    should_stop: StopCheck | None = None,
) -> AttributionResult:
    """Bootstrap of a touch-level model (time decay); see the module docstring."""
    point = model.attribute_touches(touches, paths)
    missing = [c for c in ("journey_id", "channel") if c not in touches.columns]
    if missing:
        raise ValueError(f"bootstrap touches: missing column(s) {missing}")
    journey, _ = pd.factorize(touches["journey_id"], sort=False)
    n_journeys = int(journey.max()) + 1 if len(journey) else 0
    # One call, journey-private channel labels "<journey>\x1f<channel>": per-journey credit.
    labels = pd.Series(journey.astype(str), index=touches.index) + "\x1f" \
        + touches["channel"].astype(str)
    per = model.attribute_touches(touches.assign(channel=labels))
    split = pd.Series(per.channels, dtype=object).str.split("\x1f", n=1, expand=True)
    rows = split[0].astype(np.int64).to_numpy()
    cols = pd.Index(paths.channels).get_indexer(split[1].to_numpy())
    if np.any(cols < 0):
        unknown = sorted(set(split[1].to_numpy()[cols < 0].tolist()))
        raise ValueError(f"bootstrap touches: channels not in the path table: {unknown}")
    channels = paths.channels
    shape = (n_journeys, len(channels))
    # transposed (channel × journey) so that one resample batch is credit @ draws.T
    credit_conv = sparse.csr_array((per.conversions, (cols, rows)), shape=shape[::-1])
    credit_val = sparse.csr_array((per.value, (cols, rows)), shape=shape[::-1])

    nulls = np.rint(paths.total_nulls)
    if abs(nulls - paths.total_nulls) > 1e-9:
        raise ValueError(f"bootstrap resamples whole journeys; total nulls {paths.total_nulls!r}"
                         " is not a whole number")
    total = n_journeys + int(nulls)
    if total == 0:
        raise ValueError("bootstrap: no journeys to resample")
    pvals = np.append(np.full(n_journeys, 1.0 / total), nulls / total)
    rng = np.random.default_rng(seed)
    batch = max(1, int(max_cells) // max(1, n_journeys + 1))
    boot_conv = np.empty((n_resamples, len(channels)))
    boot_val = np.empty((n_resamples, len(channels)))
    row = 0
    with _progress(progress, n_resamples, f"bootstrap {point.label}") as advance:
        while row < n_resamples:
            check_stop(should_stop, f"after {row} of {n_resamples} bootstrap resamples of"
                                    f" {point.label}")
            size = min(batch, n_resamples - row)
            draws = rng.multinomial(total, pvals, size=size)[:, :n_journeys].astype(np.float64)
            boot_conv[row : row + size] = (credit_conv @ draws.T).T
            boot_val[row : row + size] = (credit_val @ draws.T).T
            advance(size)
            row += size
    resampled = BootstrapDraws(n_resamples=int(n_resamples), seed=seed, method="touches",
                               conversions=boot_conv, value=boot_val)
    return point.with_ci(percentile_interval(boot_conv, level),
                         percentile_interval(boot_val, level), float(level), resampled)
