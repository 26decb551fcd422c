"""Path tables drawn straight from a first-order chain (:func:`simulate_paths`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from touchpath.data.paths import PathTable
from touchpath.data.synth.chain import check_transition, draw

__all__ = ["simulate_paths"]


def simulate_paths(
    transition: np.ndarray,
    channels: Sequence[str],
    n_journeys: int,
    *,
    seed: int = 0,
    value_median: float | Sequence[float] | np.ndarray = 200.0,
    value_sigma: float = 0.7,
    chunk: int = 1_000_000,
) -> PathTable:
    """Journeys drawn straight from a first-order chain, as a :class:`PathTable`.

    Each journey starts at ``start``, moves by ``transition`` until it is
    absorbed in ``(conversion)`` or ``(null)``; a conversion's value is
    ``median(last) · exp(σ Z)`` with ``Z`` standard normal, so its mean given
    the last channel is ``median(last) · exp(σ²/2)``. No timestamps, no
    censoring: the fast path for attribution tests and benchmarks (millions
    of journeys). Journeys are grouped into distinct paths on the fly with a
    prefix tree (one ``np.unique`` per step), chunk by chunk, so memory is
    bounded by one chunk's journeys and the distinct paths.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        Row 0 ``start`` (all mass on channels), rows 1..K channels; columns the
        K channels, ``(conversion)``, ``(null)``; rows sum to 1.
    channels : sequence of str
        The K channel names.
    n_journeys : int
        Journeys to simulate.
    seed : int
        Seed; the same inputs give the same table.
    value_median : float or array of K floats
        Median order value, overall or per last channel.
    value_sigma : float
        Log-sd of order values.
    chunk : int
        Journeys simulated together (memory bound); chunk tables are merged.
        Part of the random layout: changing it changes the draw.

    Returns
    -------
    PathTable
        Distinct paths with conversions, value and nulls.

    Raises
    ------
    ValueError
        If the matrix is malformed, the start row has absorbing mass, or some
        reachable channel state can never be absorbed.

    Examples
    --------
    >>> t = np.array([[1.0, 0.0, 0.0], [0.0, 0.25, 0.75]])
    >>> pt = simulate_paths(t, ["search"], 10_000, seed=1)
    >>> pt.n_paths, abs(pt.total_conversions / 10_000 - 0.25) < 0.02
    (1, True)
    """
    t = check_transition(transition, len(channels))
    k = len(channels)
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    if isinstance(n_journeys, bool) or int(n_journeys) != n_journeys or n_journeys < 0:
        raise ValueError(f"n_journeys={n_journeys!r}: must be a non-negative integer")
    if isinstance(chunk, bool) or int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk={chunk!r}: must be a positive integer")
    try:
        steps = np.linalg.solve(np.eye(k) - t[1:, :k], np.ones(k))
    except np.linalg.LinAlgError:
        steps = np.full(k, np.nan)
    if not np.all(np.isfinite(steps)) or np.any(steps < 0):
        raise ValueError("transition: some channel state never reaches conversion or null")
    medians = np.broadcast_to(np.asarray(value_median, dtype=float), (k,))
    if np.any(~np.isfinite(medians) | (medians <= 0)) or not value_sigma >= 0:
        raise ValueError("value_median must be positive and value_sigma non-negative")
    cum = np.cumsum(t, axis=1)
    cum[:, -1] = 1.0
    n_journeys = int(n_journeys)
    tables = [
        _simulate_path_chunk(cum, tuple(channels), min(chunk, n_journeys - first), medians,
                             value_sigma, np.random.default_rng(
                                 np.random.SeedSequence(seed, spawn_key=(i,))))
        for i, first in enumerate(range(0, n_journeys, chunk))
    ]
    if not tables:
        return _simulate_path_chunk(cum, tuple(channels), 0, medians, value_sigma,
                                    np.random.default_rng(seed))
    if len(tables) == 1:
        return tables[0]
    offsets = [np.zeros(1, dtype=np.int64)]
    end = 0
    for table in tables:
        offsets.append(table.offsets[1:] + end)
        end += int(table.offsets[-1])
    merged = PathTable(
        tuple(channels), np.concatenate(offsets), np.concatenate([x.codes for x in tables]),
        np.concatenate([x.conversions for x in tables]), np.concatenate([x.value for x in tables]),
        np.concatenate([x.nulls for x in tables]))
    return merged.aggregate()


def _simulate_path_chunk(cum: np.ndarray, channels: tuple[str, ...], n: int,
                         medians: np.ndarray, value_sigma: float,
                         rng: np.random.Generator) -> PathTable:
    """Journeys of one chunk grouped into distinct paths by a prefix tree."""
    k = len(channels)
    parents: list[np.ndarray] = []  # per depth: parent node index at depth - 1
    labels: list[np.ndarray] = []  # per depth: channel code of the node
    conv: list[np.ndarray] = []
    value: list[np.ndarray] = []
    nulls: list[np.ndarray] = []
    state = draw(cum, np.zeros(n, dtype=np.int64), rng)
    node = np.zeros(n, dtype=np.int64)
    while state.size:
        keys, inverse = np.unique(node * k + state, return_inverse=True)
        parents.append(keys // k)
        labels.append((keys % k).astype(np.int32))
        node = inverse.astype(np.int64)
        m = keys.size
        nxt = draw(cum, 1 + state, rng)
        is_conv, is_null = nxt == k, nxt == k + 1
        worth = medians[state[is_conv]] * np.exp(value_sigma * rng.standard_normal(
            int(is_conv.sum())))
        conv.append(np.bincount(node[is_conv], minlength=m).astype(float))
        value.append(np.bincount(node[is_conv], weights=worth, minlength=m))
        nulls.append(np.bincount(node[is_null], minlength=m).astype(float))
        go = nxt < k
        state, node = nxt[go], node[go]

    rows_codes: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    out_conv, out_value, out_null = [], [], []
    for depth in range(len(labels)):
        ended = np.flatnonzero((conv[depth] > 0) | (nulls[depth] > 0))
        if ended.size == 0:
            continue
        path = np.empty((ended.size, depth + 1), dtype=np.int32)
        cursor = ended
        for d in range(depth, -1, -1):
            path[:, d] = labels[d][cursor]
            cursor = parents[d][cursor]
        rows_codes.append(path.ravel())
        lengths.append(np.full(ended.size, depth + 1, dtype=np.int64))
        out_conv.append(conv[depth][ended])
        out_value.append(value[depth][ended])
        out_null.append(nulls[depth][ended])

    def flat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    offsets = np.concatenate([[0], np.cumsum(flat(lengths, np.int64))]).astype(np.int64)
    return PathTable(channels, offsets, flat(rows_codes, np.int32), flat(out_conv, float),
                     flat(out_value, float), flat(out_null, float))
