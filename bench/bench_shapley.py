"""Shapley benchmarks: exact conversion-rate form at 20 channels, subset form at 10M journeys.

Targets (fit time only): conversion-rate Shapley, exact, over 20 channels and
100k distinct paths under 2 s (the default global scope; the journey scope is
timed alongside); subset-form Shapley over 10M journeys
(aggregated into a PathTable) under 1 s. Run with ``python -m bench.bench_shapley``.
"""

from __future__ import annotations

import time

import numpy as np

from touchpath.attribution.shapley import ShapleyConversionRate, ShapleySubset
from touchpath.data.paths import PathTable


def distinct_paths(rng: np.random.Generator, n_channels: int, n_paths: int,
                   max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_paths`` distinct paths over ``n_channels`` channels: offsets and codes.

    Each path of length L is the base-``n_channels`` digits of a distinct integer
    in ``[0, n_channels^L)``; short lengths are taken whole, the rest sampled.
    """
    chunks: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    left = n_paths
    for length in range(1, max_len + 1):
        space = n_channels ** length
        lengths_left = max_len - length + 1
        want = min(space, left if length == max_len else max(left // lengths_left, 1))
        if want >= space:
            ids = np.arange(space, dtype=np.int64)
        else:
            ids = np.unique(rng.integers(0, space, size=int(want * 1.2) + 16, dtype=np.int64))
            ids = rng.permutation(ids)[:want]
        digits = (ids[:, None] // n_channels ** np.arange(length, dtype=np.int64)) % n_channels
        chunks.append(digits.ravel().astype(np.int32))
        lengths.append(np.full(len(ids), length, dtype=np.int64))
        left -= len(ids)
        if left <= 0:
            break
    lens = np.concatenate(lengths)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    return offsets, np.concatenate(chunks)


def rate_table(seed: int = 1) -> PathTable:
    """20 channels, 100k distinct paths with Poisson conversions and nulls."""
    rng = np.random.default_rng(seed)
    offsets, codes = distinct_paths(rng, 20, 100_000, 8)
    n = len(offsets) - 1
    conv = rng.poisson(2.0, n).astype(float)
    nulls = rng.poisson(20.0, n).astype(float)
    value = conv * rng.lognormal(3.5, 0.6, n)
    names = tuple(f"ch{i:02d}" for i in range(20))
    return PathTable(names, offsets, codes, conv, value, nulls)


def subset_table(seed: int = 2, journeys: int = 10_000_000) -> PathTable:
    """10M journeys over 15 channels, aggregated into 500k distinct paths."""
    rng = np.random.default_rng(seed)
    offsets, codes = distinct_paths(rng, 15, 500_000, 6)
    n = len(offsets) - 1
    popularity = rng.pareto(1.2, n) + 1e-3
    per_path = rng.multinomial(journeys, popularity / popularity.sum()).astype(float)
    conv = rng.binomial(per_path.astype(np.int64), 0.05).astype(float)
    value = conv * rng.lognormal(3.5, 0.6, n)
    names = tuple(f"ch{i:02d}" for i in range(15))
    return PathTable(names, offsets, codes, conv, value, per_path - conv)


def _timed(model, table: PathTable) -> tuple[float, object]:
    start = time.perf_counter()
    result = model.attribute(table)
    return time.perf_counter() - start, result


def main() -> None:
    """Build both tables, fit once each, print times against the targets."""
    table = rate_table()
    for scope in ("global", "journey"):
        model = ShapleyConversionRate(scope=scope)
        seconds, result = _timed(model, table)
        gap = abs(result.conversions.sum() - table.total_conversions) / table.total_conversions
        print(f"conversion-rate Shapley, exact, scope={scope} (unseen={model.unseen_rule}): "
              f"{table.n_channels} channels, {table.n_paths:,} distinct paths, "
              f"{result.fit_.coalitions_observed:,} observed coalitions: "
              f"{seconds:.2f} s (target < 2 s); efficiency gap {gap:.1e} of total")

    table = subset_table()
    seconds, result = _timed(ShapleySubset(), table)
    gap = abs(result.conversions.sum() - table.total_conversions) / table.total_conversions
    converting = int((table.conversions > 0).sum())
    print(f"subset Shapley: {table.journeys.sum():,.0f} journeys, {table.n_paths:,} distinct "
          f"paths ({converting:,} converting), {table.n_channels} channels: {seconds:.2f} s "
          f"(target < 1 s); efficiency gap {gap:.1e} of total")


if __name__ == "__main__":
    main()
