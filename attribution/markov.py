"""Exact Markov-chain attribution of order 1 to 4 (DESIGN.md, "Attribution models").

The chain
---------
Each journey is a walk ``(start) -> s_1 -> s_2 -> ... -> s_m -> (conversion)``
(or ``-> (null)``). For order ``k`` the transient states are *windows* of ``k``
consecutive channels of the path, in the convention of ChannelAttribution's
``markov_model``:

* a path ``c_1 > ... > c_L`` with ``L >= k`` visits the ``L - k + 1`` windows
  ``(c_1..c_k), (c_2..c_k+1), ..., (c_L-k+1..c_L)``; the first state after
  ``(start)`` is already a full window;
* a path shorter than the order (``L < k``) is a single state holding the
  whole path, so a state holds fewer than ``k`` channels only then;
* repeated channels stay inside windows (``a > a > b`` at order 2 gives the
  windows ``a > a`` and ``a > b``), but a step from a window to the *same*
  window (a self-loop, e.g. ``a > a`` at order 1) is dropped by default, as
  ChannelAttribution's ``markov_model`` does. A self-loop only rescales the
  other transitions of its state, so absorption probabilities, removal effects
  and credit are identical with ``self_loops=True``; only the transition table
  differs.

Transition counts are journey-weighted: a path row with ``n`` journeys
(``conversions + nulls``) adds ``n`` to each of its steps, its conversions to
``last -> (conversion)`` and its nulls to ``last -> (null)``. The maximum
likelihood transition matrix is ``Q[s, t] = count[s, t] / out[s]`` with
``out[s]`` all transitions leaving ``s`` (absorptions included).

Removal effects, exactly
------------------------
``P(conv)`` is the probability of absorption in ``(conversion)`` from
``(start)``, the solution of ``(I - Q) x = r`` with ``r[s] = P(s -> conversion)``.
Removing channel ``c`` sends every state containing ``c`` to ``(null)``, and

    RE(c) = 1 - P(conv | c removed) / P(conv).

Two exact identities make this cheap:

1. For a chain fitted by maximum likelihood from complete paths, the expected
   visits of the fitted chain equal the observed visits (flow conservation:
   every visit enters and leaves its state), hence ``P(conv)`` equals the
   observed conversion rate ``conversions / journeys`` and the expected absorbed
   value equals ``value / journeys``, with no solve at all.
2. ``P(conv | c removed) = r . pi_c`` where ``pi_c`` are the expected visits of
   the chain killed on entering a state containing ``c``:
   ``pi_c = m_c * (e_start + Q^T pi_c)`` (``m_c`` the 0/1 mask of states without
   ``c``). The same ``pi_c`` gives the value-weighted quantity ``rv . pi_c``, so
   one system per channel serves conversions and value alike.

All channels are solved together as one block fixed-point iteration
``Pi <- M * (E + Q^T Pi)`` on a sparse ``Q`` (one column per channel). It is
monotone from ``Pi = 0`` (every term is non-negative) and contracts at the
spectral radius ``rho < 1`` of the killed chain; the visit mass still missing
after sweep ``n`` is bounded by ``delta_n * rho / (1 - rho)`` with ``delta_n``
the mass added by the sweep. Iteration stops once that bound, translated to
removal effects, is below ``tol`` (default ``1e-13``), and converged columns
leave the block. The result is deterministic and bit-identical across runs; no
simulation is involved. (A direct sparse LU per channel is exact too, but its
fill-in makes it far slower on order-3 chains with tens of channels.)

Value
-----
Value-weighted absorption replaces ``r`` by ``rv[s] = value ending at s / out[s]``
(the conversion probability times the mean revenue of conversions that close at
``s``), so ``RE_value(c) = 1 - V(c removed) / V``. This equals the expected
share of revenue from converting walks that touch ``c``, which is what
ChannelAttribution estimates by simulation.

Credit
------
``conversions(c) = total_conversions * RE(c) / sum RE`` and
``value(c) = total_value * RE_value(c) / sum RE_value``; both sum to the path
table's totals. When ``sum RE = 0`` (no conversions; or no value for the value
split) every channel gets zero.

A channel seen only on non-converting paths still earns credit when the chain
can walk from its states into states that convert (e.g. ``c > a`` null and
``a`` converting: the chain may convert after ``c``). It earns zero exactly when
no state containing it can reach ``(conversion)``, e.g. when it is only ever
the last touch of non-converting journeys.

Order choice (``order="auto"``)
-------------------------------
Journeys are split deterministically into ``folds`` folds (round-robin within
each path row, offset by a hash of the path). For each order ``k`` the
probability of converting given the journey's last state,
``p(s) = conv(s) / (conv(s) + null(s))`` (shrunk towards the training
conversion rate by one pseudo-journey, so unseen states get the base rate), is
fitted on the other folds and scored by the held-out log-loss. The score adds a
BIC-like penalty ``n_states * ln(N) / (2 N)`` nats per journey, ``N`` journeys,
``n_states`` the transient states of the order-``k`` chain; the lowest score
wins (ties go to the lower order). ChannelAttribution's ``choose_order`` uses a
penalised ROC AUC of the same last-state predictor.

References
----------
Anderl, E., Becker, I., von Wangenheim, F., Schumann, J. H. (2016). Mapping the
customer journey: lessons learned from graph-based online attribution
modeling. International Journal of Research in Marketing 33(3), 457-474.
Altomare, D., Loris, D. ChannelAttribution (R/Python package), ``markov_model``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from touchpath.attribution.base import AttributionResult, ModelFit
from touchpath.data.paths import PathTable

__all__ = [
    "CONVERSION",
    "MAX_ORDER",
    "MIN_ORDER",
    "NULL",
    "START",
    "MarkovChain",
    "MarkovFit",
    "OrderChoice",
    "choose_order",
    "fit_markov",
    "removal_effects",
    "transition_table",
]

#: Names of the special states in the transition table.
START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"

#: Orders supported by the model.
MIN_ORDER, MAX_ORDER = 1, 4

#: Largest window-key space handled with a dense lookup table instead of a sort.
_DENSE_KEYS = 1 << 22

#: Largest ``(order + 1)``-gram key space counted densely (see ``_build_chain_grams``).
_DENSE_GRAMS = 1 << 18

#: Touches per block when counting grams (bounds the temporary arrays).
_BLOCK = 1 << 17


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class MarkovFit(ModelFit):
    """A fitted order-``k`` chain with its exact removal effects.

    :func:`fit_markov` returns it; :meth:`MarkovChain.attribute` carries it as
    the result's :attr:`~touchpath.attribution.base.AttributionResult.fit_`
    (with ``order_auto`` and ``order_selection`` when the order was chosen).

    Attributes
    ----------
    order : int
        Markov order ``k``.
    channels : tuple of str
        Channel names, in the path table's order.
    removal_effects : ndarray, shape (n_channels,)
        ``RE(c) = 1 - P(conv | c removed) / P(conv)``.
    removal_effects_value : ndarray, shape (n_channels,)
        ``RE_value(c) = 1 - V(c removed) / V`` (value-weighted absorption).
    conversion_probability : float
        ``P(conv)`` from ``(start)``.
    expected_value : float
        Expected absorbed revenue per journey, ``V``.
    transition_table : DataFrame
        Tidy transitions: ``from_state, to_state, count, probability``
        (state columns are categorical).
    n_states : int
        Transient states, ``(start)`` included.
    n_transitions : int
        Distinct transitions, absorptions included.
    iterations : int
        Sweeps of the block fixed-point iteration.
    error_bound : float
        Estimated largest remaining error of any removal effect.
    tol : float
        Target absolute error of each removal effect the solve ran to.
    order_auto : bool
        ``order`` was chosen by :func:`choose_order` (``MarkovChain(order="auto")``).
    order_selection : DataFrame, optional
        The scores behind an automatic order (:attr:`OrderChoice.scores`: ``order,
        states, log_loss, penalty, score, chosen``); ``None`` for a fixed order,
        or an automatic one on a table without journeys (lowest order, no scores).
    """

    order: int
    channels: tuple[str, ...]
    removal_effects: np.ndarray
    removal_effects_value: np.ndarray
    conversion_probability: float
    expected_value: float
    transition_table: pd.DataFrame
    n_states: int
    n_transitions: int
    iterations: int
    error_bound: float
    tol: float = 1e-13
    order_auto: bool = False
    order_selection: pd.DataFrame | None = None

    def removal_effects_frame(self) -> pd.DataFrame:
        """The removal effects per channel: index ``channel``, columns ``conversions, value``."""
        return pd.DataFrame({"conversions": self.removal_effects,
                             "value": self.removal_effects_value},
                            index=pd.Index(self.channels, name="channel"))


@dataclass(frozen=True, eq=False)
class OrderChoice:
    """The order picked by :func:`choose_order` and the scores behind it.

    Attributes
    ----------
    order : int
        The chosen order (lowest ``score``).
    scores : DataFrame
        One row per order: ``order, states, log_loss, penalty, score, chosen``.
        ``log_loss`` is the held-out mean log-loss (nats per journey) of the
        conversion outcome, ``penalty`` the state-count penalty.
    folds : int
        Number of cross-validation folds.
    """

    order: int
    scores: pd.DataFrame
    folds: int


# --------------------------------------------------------------------- chain building
@dataclass(frozen=True, eq=False)
class _Windows:
    """Window states of every path row, after dropping self-loops."""

    keys: np.ndarray  # int32/int64 window key per kept window, in path order
    row: np.ndarray  # int32 path row of each window
    base: int  # digit base: channel code + 1, 0 = empty


def _check_order(order: object, where: str = "order", *, allow_auto: bool = False) -> int:
    """``order`` as an int in ``MIN_ORDER..MAX_ORDER``; errors name ``where``.

    ``allow_auto`` only words the message for callers that also accept ``"auto"``
    (they handle it before calling).
    """
    if isinstance(order, bool) or not isinstance(order, int | np.integer):
        also = " or 'auto'" if allow_auto else ""
        raise ValueError(f"{where}: expected an integer from {MIN_ORDER} to {MAX_ORDER}"
                         f"{also}, got {order!r}")
    if not MIN_ORDER <= int(order) <= MAX_ORDER:
        raise ValueError(f"{where}: must be from {MIN_ORDER} to {MAX_ORDER}, got {order}")
    return int(order)


def _windows(paths: PathTable, order: int, self_loops: bool) -> _Windows:
    """Encode each order-``order`` window as an int64 key (vectorised).

    A window ``(c_1, ..., c_l)`` gets ``sum_t (c_t + 1) * B**(l - 1 - t)`` with
    ``B = n_channels + 1``; digits are never 0, so windows of different lengths
    never collide and key 0 is free for ``(start)``.
    """
    base = paths.n_channels + 1
    if base ** order >= 2**62:
        raise ValueError(f"order {order} with {paths.n_channels} channels exceeds the "
                         "int64 state encoding; use a lower order")
    # Compact integer types keep the memory of a million-touch table small.
    kdt = np.int32 if base**order < 2**31 else np.int64
    codes = paths.codes.astype(kdt)
    codes += 1
    lengths = paths.lengths
    rows = np.arange(paths.n_paths, dtype=np.int32)
    if order == 1:
        keys, row = codes, np.repeat(rows, lengths)
    else:
        per_row = np.maximum(lengths - order + 1, 1)
        row = np.repeat(rows, per_row)
        start = np.arange(len(row), dtype=np.int64)
        start += np.repeat(paths.offsets[:-1] - (np.cumsum(per_row) - per_row), per_row)
        width = np.repeat(np.minimum(lengths, order).astype(np.int8), per_row)
        keys = codes[start]
        for t in range(1, order):
            has = width > t
            if has.all():
                keys *= base
                keys += codes[start + t]
            else:
                nxt = codes[np.where(has, start + t, start)]
                keys = np.where(has, keys * base + nxt, keys)
        del start, width
    if not self_loops and len(keys) > 1:
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (row[1:] != row[:-1])
        if not keep.all():
            keys, row = keys[keep], row[keep]
    return _Windows(keys=keys, row=row, base=base)


def _state_index(keys: np.ndarray, base: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys (``0`` = start first) and each key's state index."""
    space = base**order
    if space <= _DENSE_KEYS:
        present = np.zeros(space, dtype=bool)
        present[0] = True
        present[keys] = True
        state_keys = np.flatnonzero(present)
        lookup = np.cumsum(present, dtype=np.int32)
        lookup -= 1
        return state_keys.astype(np.int64), lookup[keys]
    uniq, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.astype(np.int32 if len(uniq) < 2**31 - 1 else np.int64)
    inverse += 1
    return np.concatenate([[0], uniq]).astype(np.int64), inverse


@dataclass(frozen=True, eq=False)
class _Chain:
    """Journey-weighted transition counts of the order-``k`` chain."""

    order: int
    base: int
    state_keys: np.ndarray  # (T,), 0 = start
    counts: sp.csr_matrix  # (T, T) transient -> transient
    conv_end: np.ndarray  # (T,) conversions absorbed from each state
    null_end: np.ndarray  # (T,)
    value_end: np.ndarray  # (T,) revenue absorbed from each state
    out: np.ndarray  # (T,) all transitions leaving each state
    journeys: float
    conversions: float
    value: float


def _build_chain(paths: PathTable, order: int, self_loops: bool) -> _Chain:
    """Count transitions of the order-``order`` chain from ``paths`` (no Python loops)."""
    weights = paths.journeys
    if paths.n_paths and not (weights > 0).all():
        paths = paths.select(weights > 0)
        weights = paths.journeys
    if paths.n_paths == 0:
        empty = np.zeros(1)
        return _Chain(order, paths.n_channels + 1, np.zeros(1, np.int64),
                      sp.csr_matrix((1, 1)), empty, empty, empty, empty, 0.0, 0.0, 0.0)
    if (paths.n_channels + 1) ** (order + 1) <= _DENSE_GRAMS:
        return _build_chain_grams(paths, order, self_loops, weights)
    win = _windows(paths, order, self_loops)
    row, base = win.row, win.base
    state_keys, state = _state_index(win.keys, base, order)
    del win  # the window keys are not needed past this point
    n_states = len(state_keys)
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[1:] != row[:-1]
    last = np.ones(len(row), dtype=bool)
    last[:-1] = first[1:]
    src = np.empty_like(state)
    src[0] = 0
    src[1:] = state[:-1]
    src[first] = 0
    del first
    step_weight = weights[row]
    if n_states * n_states <= _DENSE_KEYS:  # small chain: count pairs densely
        pair = src.astype(np.int32 if n_states * n_states < 2**31 else np.int64)
        pair *= n_states
        pair += state
        dense = np.bincount(pair, weights=step_weight, minlength=n_states * n_states)
        del pair
        counts = sp.csr_matrix(dense.reshape(n_states, n_states))
    else:
        counts = sp.csr_matrix((step_weight, (src, state)), shape=(n_states, n_states))
        counts.sum_duplicates()
    del src, step_weight
    end = state[last]  # one per path row, in row order
    conv_end = np.bincount(end, weights=paths.conversions, minlength=n_states)
    null_end = np.bincount(end, weights=paths.nulls, minlength=n_states)
    value_end = np.bincount(end, weights=paths.value, minlength=n_states)
    out = np.asarray(counts.sum(axis=1)).ravel() + conv_end + null_end
    return _Chain(order, base, state_keys, counts, conv_end, null_end, value_end, out,
                  float(weights.sum()), float(paths.conversions.sum()),
                  float(paths.value.sum()))


def _build_chain_grams(paths: PathTable, order: int, self_loops: bool,
                       weights: np.ndarray) -> _Chain:
    """Transition counts from dense ``(order + 1)``-gram counts (small key spaces).

    A step between two windows of a path is one ``(k + 1)``-gram of consecutive
    channels: ``(c_t..c_t+k-1) -> (c_t+1..c_t+k)``. With ``B = n_channels + 1``
    the gram key ``G = sum_j (c_j + 1) * B**(k - j)`` gives the source window
    ``G // B`` and the destination window ``G % B**k``, and the journey-weighted
    count of every step is ``bincount(G, weights)``. A gram whose two windows
    are equal is a self-loop (dropped unless ``self_loops``); dropping it equals
    merging repeated consecutive windows first, as :func:`_windows` does. The
    ``(start)`` step goes to each row's first window and absorption leaves from
    its last one (the whole path when it is shorter than ``k``). The same counts
    as the window-by-window construction, with memory bounded by processing the
    touches in blocks of whole rows. Every row has ``weights > 0``.
    """
    k = order
    base = paths.n_channels + 1
    space = base**k
    grams = space * base
    codes, offsets = paths.codes, paths.offsets
    n, total = paths.n_paths, len(codes)
    lengths = np.diff(offsets)
    starts = offsets[:-1]
    # First and last window of each row (Horner's rule over at most k positions).
    width = np.minimum(lengths, k)
    first_key = np.zeros(n, dtype=np.int64)
    last_key = np.zeros(n, dtype=np.int64)
    for t in range(k):
        has = width > t
        at = np.where(has, starts + t, starts)
        first_key = np.where(has, first_key * base + codes[at] + 1, first_key)
        at = np.where(has, offsets[1:] - width + t, starts)
        last_key = np.where(has, last_key * base + codes[at] + 1, last_key)
    del width, has, at
    # Journey-weighted gram counts, block by block of whole rows.
    gram_count = np.zeros(grams, dtype=np.float64)
    cuts = np.searchsorted(offsets, np.arange(_BLOCK, total, _BLOCK), side="left")
    edges = np.unique(np.concatenate([[0], cuts, [n]]))
    for r0, r1 in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        lo, hi = int(offsets[r0]), int(offsets[r1])
        m = hi - lo - k  # gram start positions in the block
        if m <= 0:
            continue
        block = codes[lo:hi]
        key = block[:m] + 1
        for t in range(1, k + 1):
            key *= base
            key += block[t:m + t]
            key += 1
        # A gram starting in the last k touches of a row crosses the row end.
        row_start, row_end = starts[r0:r1] - lo, offsets[r0 + 1:r1 + 1] - lo
        for t in range(1, k + 1):
            bad = np.maximum(row_end - t, row_start)
            key[bad[bad < m]] = grams  # an overflow bin, dropped below
        w = np.repeat(weights[r0:r1], lengths[r0:r1])[:m]
        gram_count += np.bincount(key, weights=w, minlength=grams + 1)[:grams]
        del key, w, bad
    g = np.flatnonzero(gram_count)
    src_key, dst_key = g // base, g % space
    if not self_loops:
        moving = src_key != dst_key
        g, src_key, dst_key = g[moving], src_key[moving], dst_key[moving]
    present = np.zeros(space, dtype=bool)
    present[0] = True
    present[first_key] = True
    present[dst_key] = True
    state_keys = np.flatnonzero(present)
    lookup = np.cumsum(present, dtype=np.int32)
    lookup -= 1
    n_states = len(state_keys)
    start_count = np.bincount(first_key, weights=weights, minlength=space)
    start_dst = np.flatnonzero(start_count)
    # Row 0 is (start); gram keys ascend by (source window, last channel), which is
    # the (row, column) order of the state indices, so the CSR arrays come sorted.
    rows = np.concatenate([np.zeros(len(start_dst), dtype=np.int64), lookup[src_key]])
    cols = np.concatenate([lookup[start_dst], lookup[dst_key]]).astype(np.int32)
    data = np.concatenate([start_count[start_dst], gram_count[g]])
    indptr = np.zeros(n_states + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n_states), out=indptr[1:])
    counts = sp.csr_matrix((data, cols, indptr), shape=(n_states, n_states))
    end = lookup[last_key]
    conv_end = np.bincount(end, weights=paths.conversions, minlength=n_states)
    null_end = np.bincount(end, weights=paths.nulls, minlength=n_states)
    value_end = np.bincount(end, weights=paths.value, minlength=n_states)
    out = np.asarray(counts.sum(axis=1)).ravel() + conv_end + null_end
    return _Chain(order, base, state_keys.astype(np.int64), counts, conv_end, null_end,
                  value_end, out, float(weights.sum()), float(paths.conversions.sum()),
                  float(paths.value.sum()))


def _state_digits(state_keys: np.ndarray, base: int, order: int) -> np.ndarray:
    """Channel code + 1 of each window slot, most significant (oldest) first; 0 = empty."""
    digits = np.zeros((len(state_keys), order), dtype=np.int64)
    rest = state_keys.copy()
    for t in range(order - 1, -1, -1):
        digits[:, t] = rest % base
        rest //= base
    return digits


def _state_labels(chain: _Chain, channels: tuple[str, ...]) -> list[str]:
    """``"a > b"`` for each transient state, ``(start)`` for key 0."""
    digits = _state_digits(chain.state_keys, chain.base, chain.order)
    present = digits > 0
    lengths = present.sum(axis=1)
    names = pa.array(list(channels), type=pa.string())
    flat = names.take(pa.array(digits[present] - 1))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), " > ")
    labels = joined.to_pylist()
    labels[0] = START
    return labels


def _transition_frame(chain: _Chain, channels: tuple[str, ...]) -> pd.DataFrame:
    """Tidy transition table with categorical state columns."""
    coo = chain.counts.tocoo()
    n_states = len(chain.state_keys)
    conv_idx = np.flatnonzero(chain.conv_end > 0)
    null_idx = np.flatnonzero(chain.null_end > 0)
    src = np.concatenate([coo.row, conv_idx, null_idx]).astype(np.int64)
    dst = np.concatenate([coo.col, np.full(len(conv_idx), n_states),
                          np.full(len(null_idx), n_states + 1)]).astype(np.int64)
    cnt = np.concatenate([coo.data, chain.conv_end[conv_idx], chain.null_end[null_idx]])
    order = np.lexsort((dst, src))
    src, dst, cnt = src[order], dst[order], cnt[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(chain.out[src] > 0, cnt / chain.out[src], 0.0)
    if chain.journeys == 0:
        src = dst = np.zeros(0, np.int64)
        cnt = prob = np.zeros(0)
    labels = [*_state_labels(chain, channels), CONVERSION, NULL]
    if len(set(labels)) == len(labels):
        states = pd.CategoricalDtype(labels)  # validated once, shared by both columns
        from_state = pd.Categorical.from_codes(src, dtype=states)
        to_state = pd.Categorical.from_codes(dst, dtype=states)
    else:  # channel names containing " > " can make two windows print alike
        arr = np.asarray(labels, dtype=object)
        from_state, to_state = arr[src], arr[dst]
    return pd.DataFrame({"from_state": from_state, "to_state": to_state,
                         "count": cnt, "probability": prob})


# ----------------------------------------------------------------------------- solver
def _removal_solve(chain: _Chain, n_channels: int, max_iter: int,
                   tol: float) -> tuple[np.ndarray, np.ndarray, int, float]:
    """``P(conv | c removed)`` and ``V(c removed)`` for every channel, exactly.

    Block fixed-point iteration on the killed forward visits
    ``Pi <- M * (E + Q^T Pi)`` (see the module docstring), one column per
    channel that occurs in the chain. Returns the two per-channel arrays, the
    number of sweeps and the estimated largest remaining error of a removal
    effect.
    """
    p_base = chain.conversions / chain.journeys if chain.journeys > 0 else 0.0
    v_base = chain.value / chain.journeys if chain.journeys > 0 else 0.0
    p_removed = np.full(n_channels, p_base)
    v_removed = np.full(n_channels, v_base)
    if chain.journeys == 0 or (p_base == 0 and v_base == 0):
        return p_removed, v_removed, 0, 0.0

    n_states = len(chain.state_keys)
    digits = _state_digits(chain.state_keys, chain.base, chain.order)
    contains = np.zeros((n_states, n_channels + 1), dtype=bool)
    for t in range(chain.order):
        contains[np.arange(n_states), digits[:, t]] = True
    contains = contains[:, 1:]
    # Only channels with a state that can still reach a conversion can lose any; the
    # others have RE exactly 0 (e.g. a channel that is only ever the last touch of
    # non-converting journeys, or absent from every path).
    inv_out = 1.0 / chain.out
    q_t = (sp.diags(inv_out) @ chain.counts).T.tocsr()  # Q^T, rows = destination
    reach = _can_reach(q_t, (chain.conv_end > 0) | (chain.value_end > 0))
    cols = np.flatnonzero((contains & reach[:, None]).any(axis=0))
    if cols.size == 0:
        return p_removed, v_removed, 0, 0.0
    keep = np.ascontiguousarray(~contains[:, cols], dtype=np.float64)

    r = chain.conv_end * inv_out
    rv = chain.value_end * inv_out
    # Allowed absolute error of the visit mass so that both removal effects are within tol.
    limits = []
    if p_base > 0:
        limits.append(p_base / r.max())
    if v_base > 0:
        limits.append(v_base / rv.max())
    mass_tol = tol * min(limits)

    active = np.arange(cols.size)  # columns still iterating
    keep_active = keep
    pi = np.zeros((n_states, cols.size))
    pi[0] = 1.0  # (start) is visited once and contains no channel
    result = pi.copy()
    mass = np.ones(cols.size)
    prev_delta = np.full(cols.size, np.inf)
    bound = np.zeros(cols.size)
    sweeps = 0
    while active.size:
        if sweeps >= max_iter:
            raise RuntimeError(
                f"Markov removal solve did not converge in max_iter={max_iter} sweeps "
                f"(remaining error bound {bound[active].max():.3g} > {mass_tol:.3g}); "
                "raise max_iter or tol")
        sweeps += 1
        new = q_t @ pi
        new[0] += 1.0
        np.multiply(new, keep_active, out=new)
        new_mass = new.sum(axis=0)
        # The iteration is monotone: the mass added by this sweep is |pi_new - pi|_1.
        delta = np.maximum(new_mass - mass, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(prev_delta > 0, delta / prev_delta, 0.0)
            remaining = np.where(rho < 1.0, delta * rho / (1.0 - rho), np.inf)
        remaining[delta == 0] = 0.0
        done = ((remaining <= mass_tol) & (sweeps >= 3)) | (delta == 0)
        bound[active] = remaining
        pi, mass, prev_delta = new, new_mass, delta
        # Converged columns keep iterating (harmlessly) until a quarter of the block
        # is done, so the block is compacted a few times rather than every sweep.
        if done.all() or done.sum() * 4 >= done.size:
            result[:, active[done]] = pi[:, done]
            active, todo = active[~done], ~done
            if active.size:
                pi = np.ascontiguousarray(pi[:, todo])
                keep_active = np.ascontiguousarray(keep_active[:, todo])
                mass, prev_delta = mass[todo], prev_delta[todo]
    p_removed[cols] = r @ result
    v_removed[cols] = rv @ result
    err = float(bound.max() / mass_tol * tol) if mass_tol > 0 else 0.0
    return p_removed, v_removed, sweeps, err


def _can_reach(q_t: sp.csr_matrix, targets: np.ndarray) -> np.ndarray:
    """States with a path of positive transitions to a state flagged in ``targets``.

    Breadth-first search backwards from the targets: row ``t`` of ``q_t`` (the
    transposed transition matrix) lists the states that step into ``t``; one
    vectorised step per BFS level.
    """
    indptr, indices, data = q_t.indptr, q_t.indices, q_t.data
    mask = np.asarray(targets, dtype=bool).copy()
    frontier = np.flatnonzero(mask)
    while frontier.size:
        lo = indptr[frontier]
        sizes = indptr[frontier + 1] - lo
        total = int(sizes.sum())
        if total == 0:
            break
        at = np.arange(total, dtype=np.int64)
        at += np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
        found = np.unique(indices[at[data[at] > 0]])
        frontier = found[~mask[found]]
        mask[frontier] = True
    return mask


def _effects(base: float, removed: np.ndarray) -> np.ndarray:
    """``1 - removed / base``, clipped at 0 against rounding; zeros when ``base == 0``."""
    if base <= 0:
        return np.zeros_like(removed)
    return np.clip(1.0 - removed / base, 0.0, 1.0)


# ------------------------------------------------------------------------- public API
def fit_markov(
    paths: PathTable,
    order: int = 1,
    *,
    self_loops: bool = False,
    max_iter: int = 100_000,
    tol: float = 1e-13,
) -> MarkovFit:
    """Fit the order-``k`` chain and solve all removal effects exactly.

    Parameters
    ----------
    paths : PathTable
        Distinct paths with conversions, value and nulls.
    order : int, default 1
        Markov order, 1 to 4.
    self_loops : bool, default False
        Keep window-to-same-window steps in the counts (ChannelAttribution's
        ``markov_model`` drops them). Removal effects do not depend on it.
    max_iter : int, default 100000
        Maximum sweeps of the block fixed-point iteration.
    tol : float, default 1e-13
        Target absolute error of each removal effect.

    Returns
    -------
    MarkovFit

    Raises
    ------
    ValueError
        If ``order`` is not an integer from 1 to 4.
    RuntimeError
        If the iteration does not reach ``tol`` within ``max_iter`` sweeps.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b"], ["a"]], conversions=[1, 0], nulls=[0, 1])
    >>> fit_markov(pt, 1).removal_effects.tolist()
    [1.0, 1.0]
    """
    k = _check_order(order)
    chain = _build_chain(paths, k, self_loops)
    # Revenue is solved in units of the largest revenue absorbed from one state: the
    # value removal effects are ratios, so the unit drops out, and tiny values (down
    # to subnormal floats) no longer underflow to 0 inside the solve.
    v_unit = float(chain.value_end.max()) if chain.value_end.size else 0.0
    if v_unit > 0:
        chain = replace(chain, value_end=chain.value_end / v_unit,
                        value=chain.value / v_unit)
    p_removed, v_removed, sweeps, err = _removal_solve(chain, paths.n_channels, max_iter, tol)
    p_base = chain.conversions / chain.journeys if chain.journeys > 0 else 0.0
    v_base = chain.value / chain.journeys if chain.journeys > 0 else 0.0
    table = _transition_frame(chain, paths.channels)
    return MarkovFit(
        order=k,
        channels=paths.channels,
        removal_effects=_effects(p_base, p_removed),
        removal_effects_value=_effects(v_base, v_removed),
        conversion_probability=p_base,
        expected_value=v_base * v_unit if v_unit > 0 else v_base,
        transition_table=table,
        n_states=len(chain.state_keys),
        n_transitions=len(table),
        iterations=sweeps,
        error_bound=err,
        tol=tol,
    )


def removal_effects(paths: PathTable, order: int = 1, *, value: bool = False) -> pd.Series:
    """Exact removal effects per channel (see :func:`fit_markov`).

    Parameters
    ----------
    paths : PathTable
    order : int, default 1
        Markov order, 1 to 4.
    value : bool, default False
        Value-weighted removal effects ``RE_value`` instead of ``RE``.

    Returns
    -------
    Series
        Indexed by channel name.
    """
    fit = fit_markov(paths, order)
    data = fit.removal_effects_value if value else fit.removal_effects
    return pd.Series(data, index=pd.Index(paths.channels, name="channel"),
                     name="removal_effect_value" if value else "removal_effect")


def transition_table(paths: PathTable, order: int = 1, *,
                     self_loops: bool = False) -> pd.DataFrame:
    """Tidy journey-weighted transition table of the order-``k`` chain.

    Parameters
    ----------
    paths : PathTable
    order : int, default 1
        Markov order, 1 to 4.
    self_loops : bool, default False
        Keep steps from a window to itself.

    Returns
    -------
    DataFrame
        ``from_state, to_state, count, probability``; states print as
        ``"a > b"``, plus ``(start)``, ``(conversion)`` and ``(null)``.
        Probabilities of each ``from_state`` sum to 1.
    """
    chain = _build_chain(paths, _check_order(order), self_loops)
    return _transition_frame(chain, paths.channels)


def _fold_counts(paths: PathTable, folds: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic split of each row's journeys into folds: (conv, null), (n_paths, folds).

    Journeys of a row are numbered conversions first, then nulls, and dealt
    round-robin starting at fold ``h`` (a hash of the path), so the split is the
    same whatever the row order. Non-integer remainders go to fold ``h``.
    """
    win = _windows(paths, 1, True)
    h = np.bincount(win.row, weights=(win.keys.astype(np.int64) * 2654435761) % 1000003,
                    minlength=paths.n_paths).astype(np.int64)
    h = (h + paths.lengths * 7919) % folds
    f = np.arange(folds)
    shift = (f[None, :] - h[:, None]) % folds  # position of fold f after h

    def dealt(m: np.ndarray) -> np.ndarray:
        whole = np.floor(m)
        n = whole.astype(np.int64)
        got = (n // folds)[:, None] + (shift < (n % folds)[:, None])
        frac = m - whole
        return got + frac[:, None] * (shift == 0)

    conv = dealt(paths.conversions)
    upto = dealt(paths.conversions + paths.nulls)
    return conv, upto - conv


def choose_order(
    paths: PathTable,
    max_order: int = MAX_ORDER,
    *,
    folds: int = 5,
    smoothing: float = 1.0,
) -> OrderChoice:
    """Pick the Markov order by held-out log-loss of the conversion outcome.

    For each order ``k`` (1 to ``max_order``), ``p(s)``, the probability that a
    journey ending in state ``s`` converts, is fitted on ``folds - 1`` folds as
    ``(conv(s) + a * p0) / (conv(s) + null(s) + a)`` (``a = smoothing``, ``p0``
    the training conversion rate) and scored on the held-out fold. ``score =
    log_loss + n_states * ln(N) / (2 N)`` (BIC-like penalty per journey).

    Parameters
    ----------
    paths : PathTable
        Needs non-converting journeys (``nulls``) to be informative.
    max_order : int, default 4
        Highest order tried (1 to 4).
    folds : int, default 5
        Cross-validation folds (at least 2).
    smoothing : float, default 1.0
        Pseudo-journeys pulling each state's rate to the base rate.

    Returns
    -------
    OrderChoice

    Raises
    ------
    ValueError
        For a bad ``max_order``, ``folds`` or ``smoothing``, or a table without
        journeys.
    """
    top = _check_order(max_order, "max_order")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds: expected an integer >= 2, got {folds!r}")
    if not smoothing > 0:
        raise ValueError(f"smoothing: must be positive, got {smoothing!r}")
    if paths.n_paths and not (paths.journeys > 0).all():
        paths = paths.select(paths.journeys > 0)
    total = float(paths.journeys.sum())
    if total <= 0:
        raise ValueError("choose_order: the path table has no journeys")
    conv_f, null_f = _fold_counts(paths, folds)
    rows = []
    for k in range(1, top + 1):
        win = _windows(paths, k, True)
        state_keys, state = _state_index(win.keys, win.base, k)
        last = np.ones(len(win.row), dtype=bool)
        last[:-1] = win.row[1:] != win.row[:-1]
        end = state[last]
        n_states = len(state_keys)
        # per (state, fold) counts
        idx = (end[:, None] * folds + np.arange(folds)[None, :]).ravel()
        c_sf = np.bincount(idx, weights=conv_f.ravel(), minlength=n_states * folds)
        n_sf = np.bincount(idx, weights=null_f.ravel(), minlength=n_states * folds)
        c_sf, n_sf = c_sf.reshape(n_states, folds), n_sf.reshape(n_states, folds)
        c_train = c_sf.sum(axis=1, keepdims=True) - c_sf
        t_train = (c_sf + n_sf).sum(axis=1, keepdims=True) - (c_sf + n_sf)
        p0 = c_train.sum(axis=0) / np.maximum(t_train.sum(axis=0), 1e-300)
        p = (c_train + smoothing * p0) / (t_train + smoothing)
        p = np.clip(p, 1e-15, 1 - 1e-15)
        loss = float(-(c_sf * np.log(p) + n_sf * np.log1p(-p)).sum() / total)
        penalty = n_states * math.log(total) / (2 * total) if total > 1 else 0.0
        rows.append({"order": k, "states": n_states, "log_loss": loss,
                     "penalty": penalty, "score": loss + penalty})
    scores = pd.DataFrame(rows)
    best = int(scores.loc[scores["score"].idxmin(), "order"])
    scores["chosen"] = scores["order"] == best
    return OrderChoice(order=best, scores=scores, folds=folds)


@dataclass(frozen=True)
class MarkovChain:
    """Exact Markov-chain attribution (order 1 to 4, or chosen automatically).

    Parameters
    ----------
    order : int or "auto", default 1
        Markov order; ``"auto"`` runs :func:`choose_order` up to ``max_order``.
    max_order : int, default 4
        Highest order tried by ``"auto"``.
    folds : int, default 5
        Cross-validation folds for ``"auto"``.
    self_loops : bool, default False
        Keep steps from a state to itself in the transition table (no effect on
        credit).
    max_iter : int, default 100000
        Maximum sweeps of the removal solve.
    tol : float, default 1e-13
        Target absolute error of each removal effect.

    Notes
    -----
    Attributed conversions ``total * RE(c) / sum RE``, value
    ``total_value * RE_value(c) / sum RE_value`` (zeros when the sum is 0).
    The result's ``fit_`` is the :class:`MarkovFit`: removal effects
    (conversions and value, per channel), ``conversion_probability``,
    ``expected_value``, the ``transition_table``, ``n_states``,
    ``n_transitions``, the solve's ``iterations``, ``tol`` and
    ``error_bound`` and, for ``"auto"``, ``order_selection`` (the scores).
    See the module docstring for the state convention and the exact solve.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b"], ["a"]], conversions=[2, 0], nulls=[0, 2])
    >>> MarkovChain(order=1).attribute(pt).conversions.tolist()
    [1.0, 1.0]
    """

    order: int | Literal["auto"] = 1
    max_order: int = MAX_ORDER
    folds: int = 5
    self_loops: bool = False
    max_iter: int = 100_000
    tol: float = 1e-13
    name: ClassVar[str] = "markov"

    def __post_init__(self) -> None:
        if self.order != "auto":
            _check_order(self.order, allow_auto=True)
        _check_order(self.max_order, "max_order")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) \
                or self.max_iter < 1:
            raise ValueError(f"max_iter: expected a positive integer, got {self.max_iter!r}")
        if not 0 < self.tol < 1:
            raise ValueError(f"tol: expected a number in (0, 1), got {self.tol!r}")

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Attribute the conversions and value of ``paths`` by removal effects."""
        scores: pd.DataFrame | None = None
        if self.order == "auto":
            if paths.total_nulls > 0 or paths.total_conversions > 0:
                choice = choose_order(paths, self.max_order, folds=self.folds)
                order = choice.order
                scores = choice.scores
            else:
                order = MIN_ORDER
        else:
            order = int(self.order)
        fit = fit_markov(paths, order, self_loops=self.self_loops, max_iter=self.max_iter,
                         tol=self.tol)
        fit = dataclasses.replace(fit, order_auto=self.order == "auto", order_selection=scores)
        conversions = _split(paths.total_conversions, fit.removal_effects)
        value = _split(paths.total_value, fit.removal_effects_value)
        return AttributionResult.from_credit(self.name, {"order": order}, paths, conversions,
                                             value, fit=fit)


def _split(total: float, effects: np.ndarray) -> np.ndarray:
    """``total * effects / sum(effects)``; zeros when the sum (or total) is 0."""
    s = float(effects.sum())
    if s <= 0 or total == 0:
        return np.zeros_like(effects)
    return total * (effects / s)

