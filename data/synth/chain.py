"""First-order absorbing chains over channels: checks, exact solves, draws.

A chain is laid out as an array of shape ``(1 + K, K + 2)``: row 0 is
``start``, rows 1..K the channels; columns the K channels, then
``(conversion)``, then ``(null)``; rows sum to 1 (DESIGN.md, "Attribution
models"). Conversion probability, removal effects and the expected revenue of
a journey from each state are exact linear solves; :func:`draw` steps many
journeys at once; :func:`true_chain` is the synthetic world's chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from touchpath.data.synth.config import CHAIN, ORDER, START, TEST_CHANNEL

__all__ = [
    "absorption_probability",
    "check_transition",
    "draw",
    "random_transition",
    "removal_effects",
    "state_values",
    "true_chain",
]

def check_transition(transition: np.ndarray, n_channels: int | None = None) -> np.ndarray:
    """The chain as a float64 array, once its shape and rows are checked.

    Raises
    ------
    ValueError
        If the shape is not ``(1 + K, K + 2)`` (with ``K == n_channels`` when
        given), a probability is negative or not finite, or a row does not sum to 1.
    """
    t = np.asarray(transition, dtype=np.float64)
    if t.ndim != 2 or t.shape[1] != t.shape[0] + 1:
        raise ValueError(
            f"transition: expected shape (1 + n_channels, n_channels + 2), got {t.shape}")
    if n_channels is not None and t.shape[0] != n_channels + 1:
        raise ValueError(f"transition: {t.shape[0] - 1} channel rows for {n_channels} channels")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("transition: probabilities must be finite and non-negative")
    sums = t.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise ValueError(f"transition: row {int(bad[0])} sums to {sums[bad[0]]!r}, not 1")
    return t


def _solve_absorbing(transition: np.ndarray, reward: np.ndarray,
                     removed: int | None = None) -> float:
    """Expected absorbed reward from ``start``; ``removed`` channel redirected to null."""
    k = transition.shape[0] - 1
    q = transition[1:, :k].copy()
    r = reward.copy()
    s = transition[0, :k].copy()
    if removed is not None:
        q[:, removed] = 0.0
        s[removed] = 0.0
    system = np.eye(k) - q
    try:
        x = np.linalg.solve(system, r)
    except np.linalg.LinAlgError as exc:
        raise ValueError("transition: some channel state never reaches conversion or null"
                         ) from exc
    return float(s @ x)


def absorption_probability(transition: np.ndarray,
                           value_mean: Sequence[float] | np.ndarray | None = None) -> float:
    """Probability of conversion from ``start`` (or expected value per journey).

    Solves the absorbing chain exactly: with ``Q`` the channel-to-channel block
    and ``r`` the conversion column, ``(I − Q) x = r`` and ``P(conv) = π·x``
    where ``π`` is the start row (DESIGN.md, "Attribution models"). With
    ``value_mean`` (expected order value when each channel is last), ``r`` is
    weighted by it and the result is the expected revenue per journey.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        Row 0 is ``start``, rows 1..K the channels; columns are the K channels,
        then ``(conversion)``, then ``(null)``. Rows sum to 1.
    value_mean : array of K floats, optional
        Value weights per last channel.

    Returns
    -------
    float

    Examples
    --------
    >>> t = np.array([[1.0, 0.0, 0.0], [0.0, 0.3, 0.7]])
    >>> round(absorption_probability(t), 12)
    0.3
    """
    t = check_transition(transition)
    k = t.shape[0] - 1
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    r = t[1:, k] * (1.0 if value_mean is None else np.asarray(value_mean, dtype=float))
    return _solve_absorbing(t, r)


def removal_effects(transition: np.ndarray,
                    value_mean: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Exact removal effect of every channel of a first-order chain.

    ``RE(c) = 1 − P(conv | c removed) / P(conv)``, where removing ``c`` sends
    every transition into ``c`` to null (DESIGN.md, "Attribution models";
    Anderl et al. 2016). Each ``P`` is an exact linear solve (see
    :func:`absorption_probability`); with ``value_mean`` the absorbed value
    replaces the conversion probability.

    Parameters
    ----------
    transition : ndarray, shape (1 + K, K + 2)
        The chain, laid out as in :func:`absorption_probability`.
    value_mean : array of K floats, optional
        Expected order value per last channel, for value-weighted effects.

    Returns
    -------
    ndarray of float64, shape (K,)

    Examples
    --------
    Start → a (0.5) or b (0.5); a converts with 0.4, b hands over to a with 0.5:
    ``P = 0.5·0.4 + 0.5·0.5·0.4 = 0.3``; without a, ``P = 0``; without b,
    ``P = 0.2``; so RE = (1, 1/3).

    >>> t = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.4, 0.6], [0.5, 0, 0, 0.5]])
    >>> np.round(removal_effects(t), 6).tolist()
    [1.0, 0.333333]
    """
    t = check_transition(transition)
    k = t.shape[0] - 1
    if t[0, k] or t[0, k + 1]:
        raise ValueError("transition: the start row must put all its mass on channels")
    r = t[1:, k] * (1.0 if value_mean is None else np.asarray(value_mean, dtype=float))
    base = _solve_absorbing(t, r)
    if base <= 0:
        return np.zeros(k)
    return np.array([1.0 - _solve_absorbing(t, r, removed=c) / base for c in range(k)])


def true_chain(channels: Sequence[str], test: str | None, include_test: bool) -> np.ndarray:
    """The true chain over ``channels`` (test channel dropped and rows renormalised if asked)."""
    k = len(channels)
    names = [TEST_CHANNEL if test is not None and c == test else c for c in channels]
    cols = [ORDER.index(c) for c in names] + [len(ORDER), len(ORDER) + 1]
    rows = [START, *names]
    t = np.array([[CHAIN[r][j] for j in cols] for r in rows], dtype=np.float64)
    if test is not None and not include_test:
        t[:, channels.index(test)] = 0.0
        t[1 + channels.index(test), :] = 0.0
        t[1 + channels.index(test), k + 1] = 1.0  # unreachable row: made absorbing to null
    return t / t.sum(axis=1, keepdims=True)


def state_values(transition: np.ndarray, value_mean: np.ndarray) -> np.ndarray:
    """Expected revenue of a journey from each channel state: ``(I − Q) x = r·v``."""
    k = transition.shape[0] - 1
    q = transition[1:, :k]
    return np.linalg.solve(np.eye(k) - q, transition[1:, k] * value_mean)


def draw(cum: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Inverse-CDF draw of a column for each entry of ``rows`` of ``cum``.

    ``cum`` holds cumulative probabilities per row (last column exactly 1).
    Row ``r`` is shifted by ``2r`` so one ``searchsorted`` over the flattened
    matrix serves every row: the draw is the number of ``cum[r]`` entries
    ``<= u``, in O(n log size) time and O(n) memory.
    """
    n_rows, n_cols = cum.shape
    flat = (cum + 2.0 * np.arange(n_rows)[:, None]).ravel()
    rows = np.asarray(rows, dtype=np.int64)
    pos = np.searchsorted(flat, 2.0 * rows + rng.random(rows.size), side="right")
    return pos - rows * n_cols


def random_transition(n_channels: int, *, seed: int = 0,
                      conversion: tuple[float, float] = (0.02, 0.2),
                      null: tuple[float, float] = (0.3, 0.6),
                      prefix: str = "ch") -> tuple[tuple[str, ...], np.ndarray]:
    """A random absorbing first-order chain over ``n_channels`` channels.

    Each channel row draws its conversion and null probabilities uniformly
    from the given ranges and spreads the rest over the channels with a
    Dirichlet(0.5) draw; the start row is Dirichlet(1) over the channels.
    Useful for benchmarks with many channels.

    Parameters
    ----------
    n_channels : int
        Number of channels (named ``ch01``, ``ch02``, ...).
    seed : int
        Seed of the draw.
    conversion, null : (low, high)
        Ranges of the absorbing probabilities of each channel row.
    prefix : str
        Channel name prefix.

    Returns
    -------
    (tuple of channel names, ndarray of shape (1 + K, K + 2))
    """
    if n_channels < 1:
        raise ValueError(f"n_channels={n_channels!r}: must be at least 1")
    if not (0 <= conversion[0] <= conversion[1] and 0 <= null[0] <= null[1]
            and conversion[1] + null[1] <= 1 and conversion[0] + null[0] > 0):
        raise ValueError("random_transition: conversion and null ranges must be within [0, 1],"
                         " sum to at most 1, and leave some absorption; got"
                         f" conversion={conversion!r}, null={null!r}")
    rng = np.random.default_rng(seed)
    k = n_channels
    t = np.zeros((k + 1, k + 2))
    t[0, :k] = rng.dirichlet(np.ones(k))
    pc_ = rng.uniform(*conversion, k)
    pn = rng.uniform(*null, k)
    t[1:, :k] = rng.dirichlet(np.full(k, 0.5), size=k) * (1 - pc_ - pn)[:, None]
    t[1:, k], t[1:, k + 1] = pc_, pn
    width = len(str(k))
    names = tuple(f"{prefix}{i + 1:0{max(2, width)}d}" for i in range(k))
    return names, t
