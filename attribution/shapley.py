"""Shapley-value attribution: subset, conversion-rate and ordered forms.

DESIGN.md, "Attribution models" (Shapley). Channels are the players; a
journey's *channel set* is the set of distinct channels on its path. Three
models:

:class:`ShapleySubset`
    ``v(S)`` = conversions of journeys whose channel set is a subset of ``S``.
    Its Shapley value has the closed form (Zhao, Mahboobi & Bagheri 2018,
    "Shapley Value Methods for Attribution Modeling in Online Advertising",
    arXiv:1804.05327)::

        φ(c) = Σ_{T ∋ c} conv(T) / |T|

    over the distinct converting channel sets ``T``: each set's conversions
    are shared equally by its channels. Linear in the number of distinct sets.

:class:`ShapleyConversionRate`
    ``v(S)`` = conversion rate of the journeys exposed to exactly ``S``
    (converting and null journeys; Shao & Li 2011, "Data-driven multi-touch
    attribution models", KDD; Dalessandro et al. 2012, "Causally motivated
    attribution for online advertising", ADKDD). ``scope="global"`` (default)
    plays one game over all channels on converting paths — each observed
    coalition's rate shrunk toward its pooled subset rate by a prior worth
    ``prior_journeys`` journeys (empirical-Bayes shrinkage, Efron & Morris
    1975) — and shares the
    conversions in proportion to its Shapley values (exact by Harsanyi
    dividends up to 20 channels, permutation sampling with standard errors
    and a Hoeffding bound beyond); ``scope="journey"`` plays one game per
    converting channel set. Both obey efficiency; see the class.

:class:`OrderedShapley`
    The subset form broken down by touch position (Zhao et al. 2018,
    "ordered Shapley value").

The subset and ordered forms are linear in the path counts: both offer
``credit_matrix(paths)``, the ``(n_paths, n_channels)`` matrix with
``W[p, c] = 1/|T_p|`` for each channel ``c`` of path ``p``'s channel set
``T_p`` (0 elsewhere), so ``conversions = W.T @ paths.conversions`` and
``value = W.T @ paths.value``. ``attribute`` is computed from the same shares,
so the two agree. The conversion-rate form depends on the counts through the
rates and has no such matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Real
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionResult, ModelFit, sum_credit_by_path
from touchpath.data.paths import PathTable
from touchpath.errors import TouchpathError

__all__ = [
    "BOUND_LEVEL",
    "SCOPES",
    "UNSEEN_RULES",
    "DegenerateGameError",
    "OrderedShapley",
    "OrderedShapleyFit",
    "ShapleyConversionRate",
    "ShapleyConversionRateFit",
    "ShapleySubset",
    "ShapleySubsetFit",
    "negative_credit_warnings",
]

#: Rules for coalitions no journey was exposed to (see :class:`ShapleyConversionRate`).
UNSEEN_RULES = ("zero", "subset_rate")

_ONE = np.uint64(1)


# ------------------------------------------------------------------ fit records
@dataclass(frozen=True, eq=False)
class ShapleySubsetFit(ModelFit):
    """What :class:`ShapleySubset` counts besides the credit (its result's ``fit_``).

    Attributes
    ----------
    channel_sets : int
        Distinct channel sets of the converting paths (deduplicated as
        ``uint64`` bitmasks up to 64 channels; beyond that, the converting
        paths are counted).
    """

    channel_sets: int


@dataclass(frozen=True, eq=False)
class OrderedShapleyFit(ModelFit):
    """The position breakdown of :class:`OrderedShapley` (its result's ``fit_``).

    Attributes
    ----------
    by_position : DataFrame
        Tidy ``channel, position, conversions, value`` (1-based positions;
        rows with credit only).
    conversions_by_position, value_by_position : ndarray, shape (n_channels, max_length)
        Credit of each channel at each position, column ``j − 1`` for position
        ``j``; rows sum to the result's ``conversions`` / ``value``.
    """

    by_position: pd.DataFrame
    conversions_by_position: np.ndarray
    value_by_position: np.ndarray


@dataclass(frozen=True, eq=False)
class ShapleyConversionRateFit(ModelFit):
    """The game behind :class:`ShapleyConversionRate`'s credit (its result's ``fit_``).

    Per-channel arrays are aligned with the result's channels; a channel that
    is not a player (on no converting path) has 0 everywhere.

    Attributes
    ----------
    scope : {"global", "journey"}
        One game over all players, or one per converting channel set.
    method : {"exact", "permutation"}
        Harsanyi dividends over the whole lattice, or sampled orders.
    unseen : {"zero", "subset_rate"}
        The unseen-coalition rule in force.
    prior_journeys : float
        The shrinkage strength ``m`` in force.
    active_channels : int
        Players: channels on at least one converting path.
    coalitions_observed : int
        Distinct channel sets of the players' journeys.
    n_permutations : int
        Orders sampled (0 when exact).
    journeys_left_out : float
        Journeys exposed to a non-player, outside the game.
    conversions_se, value_se : ndarray
        Standard errors of the sampled credit (conversions, revenue); zeros
        when exact.
    phi, phi_value : ndarray, optional
        Raw Shapley values of the global game (rates; ``None`` for the journey scope).
    v_grand, v_grand_value : float, optional
        ``v(N)`` of the global games, which ``phi`` / ``phi_value`` sum to.
    conversions_bound, value_bound : ndarray, optional
        Hoeffding half-widths of the sampled global credit at ``bound_level``
        (``None`` unless the global game was sampled).
    bound_level : float, optional
        Level of those bounds (0.95).
    """

    scope: Literal["global", "journey"]
    method: Literal["exact", "permutation"]
    unseen: str
    prior_journeys: float
    active_channels: int
    coalitions_observed: int
    n_permutations: int
    journeys_left_out: float
    conversions_se: np.ndarray
    value_se: np.ndarray
    phi: np.ndarray | None = None
    phi_value: np.ndarray | None = None
    v_grand: float | None = None
    v_grand_value: float | None = None
    conversions_bound: np.ndarray | None = None
    value_bound: np.ndarray | None = None
    bound_level: float | None = None


# --------------------------------------------------------------------- helpers
def _set_masks(paths: PathTable, bit_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Channel set of every path as a ``uint64`` bitmask.

    ``bit_of[code]`` is the bit of each channel, ``-1`` for channels left out.
    Returns the masks and whether each path uses only channels that have a bit.
    """
    if paths.n_paths == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool)
    bit = bit_of[paths.codes]
    has_bit = bit >= 0
    touch_bits = np.where(has_bit, np.left_shift(_ONE, np.maximum(bit, 0).astype(np.uint64)),
                          np.uint64(0))
    starts = paths.offsets[:-1]
    return (np.bitwise_or.reduceat(touch_bits, starts),
            np.logical_and.reduceat(has_bit, starts))


def _mask_bits(masks: np.ndarray, n_bits: int) -> np.ndarray:
    """Boolean matrix (len(masks), n_bits): bit ``c`` of each mask."""
    shifts = np.arange(n_bits, dtype=np.uint64)
    return ((masks[:, None] >> shifts[None, :]) & _ONE).astype(bool)


def _distinct_pairs(paths: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (path row, channel) pairs, with how often the channel is touched on the path."""
    n = paths.n_channels
    keys = paths.path_index.astype(np.int64) * n + paths.codes
    uniq, counts = np.unique(keys, return_counts=True)
    return uniq // n, uniq % n, counts


def _subset_shares(paths: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subset-form Shapley shares of every distinct (path, channel) pair.

    Returns ``row, chan, share`` with ``share = 1 / |T_row|``, ``T_row`` the
    channel set of path ``row``: the fraction of the path's conversions that
    channel ``chan`` receives (Zhao et al. 2018).
    """
    row, chan, _ = _distinct_pairs(paths)
    size = np.bincount(row, minlength=paths.n_paths).astype(np.float64)
    return row, chan, 1.0 / size[row]


def _ordered_touch_shares(paths: PathTable) -> np.ndarray:
    """Ordered-Shapley share of every touch: ``1 / (|T_p| · k_p(c))``, aligned with ``codes``.

    ``k_p(c)`` is how often the touch's channel ``c`` appears on its path ``p``,
    so the touches of ``c`` on ``p`` share the subset-form share ``1/|T_p|``.
    """
    n = paths.n_channels
    path_of = paths.path_index
    keys = path_of.astype(np.int64) * n + paths.codes
    uniq, pair_of_touch, touches = np.unique(keys, return_inverse=True, return_counts=True)
    set_size = np.bincount(uniq // max(n, 1), minlength=paths.n_paths).astype(np.float64)
    return 1.0 / (set_size[path_of] * touches[pair_of_touch])


def _subset_sum(a: np.ndarray) -> np.ndarray:
    """Zeta transform in place: ``a[S] ← Σ_{R ⊆ S} a[R]`` over a 2^n lattice."""
    for i in range(a.size.bit_length() - 1):
        v = a.reshape(-1, 2, 1 << i)
        v[:, 1, :] += v[:, 0, :]
    return a


def _superset_sum(a: np.ndarray) -> np.ndarray:
    """Zeta transform in place over supersets: ``a[S] ← Σ_{R ⊇ S} a[R]``."""
    for i in range(a.size.bit_length() - 1):
        v = a.reshape(-1, 2, 1 << i)
        v[:, 0, :] += v[:, 1, :]
    return a


def _mobius(a: np.ndarray) -> np.ndarray:
    """Möbius transform in place (Harsanyi dividends): ``a[S] ← Σ_{R⊆S} (−1)^{|S−R|} a[R]``."""
    for i in range(a.size.bit_length() - 1):
        v = a.reshape(-1, 2, 1 << i)
        v[:, 1, :] -= v[:, 0, :]
    return a


def _sum_over_bit(h: np.ndarray, n_bits: int) -> np.ndarray:
    """``out[c] = Σ_{S ∋ c} h[S]`` over a 2^n lattice."""
    return np.array([h.reshape(-1, 2, 1 << c)[:, 1, :].sum() for c in range(n_bits)])


# ------------------------------------------------------------------- subset form
@dataclass(frozen=True)
class ShapleySubset:
    """Shapley value of ``v(S)`` = conversions of journeys whose channel set ⊆ ``S``.

    Exact, by the simplified formula of Zhao et al. (2018)::

        conversions(c) = Σ_{T ∋ c} conv(T) / |T|
        value(c)       = Σ_{T ∋ c} value(T) / |T|

    over distinct channel sets ``T`` (distinct channels of a path; order and
    repeats are ignored). Efficiency follows because every set's conversions
    are split among its ``|T|`` channels; a channel on no converting path gets
    zero. Computed over the distinct (path, channel) pairs of the converting
    paths, each carrying the share ``1/|T_p|`` of its path. The result's ``fit_``
    (:class:`ShapleySubsetFit`) counts the distinct converting channel sets.

    :meth:`credit_matrix` returns those shares per path: row ``p`` has
    ``1/|T_p|`` for each channel of ``T_p``.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b", "a"], ["b"]], conversions=[2, 1])
    >>> ShapleySubset().attribute(pt).conversions.tolist()
    [1.0, 2.0]
    """

    name: ClassVar[str] = "shapley"

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        """Share of each path's conversions (and revenue) credited to each channel.

        Parameters
        ----------
        paths : PathTable

        Returns
        -------
        ndarray of float64, shape (n_paths, n_channels)
            ``W[p, c] = 1/|T_p|`` for ``c ∈ T_p`` (the path's distinct channels),
            0 otherwise; rows sum to 1. ``W.T @ paths.conversions`` is
            :meth:`attribute`'s ``conversions``.
        """
        row, chan, share = _subset_shares(paths)
        return sum_credit_by_path(paths, row, chan, share)

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Exact subset-form Shapley credit per channel."""
        n = paths.n_channels
        live = paths.select((paths.conversions > 0) | (paths.value > 0))
        row, chan, share = _subset_shares(live)
        conv = np.bincount(chan, weights=share * live.conversions[row],
                           minlength=n).astype(np.float64)
        val = np.bincount(chan, weights=share * live.value[row], minlength=n).astype(np.float64)
        n_sets = 0
        if live.n_paths and n <= 64:
            masks, _ = _set_masks(live, np.arange(n))
            n_sets = len(np.unique(masks))
        elif live.n_paths:
            n_sets = live.n_paths
        return AttributionResult.from_credit(self.name, {}, paths, conv, val,
                                             fit=ShapleySubsetFit(channel_sets=int(n_sets)))


# ------------------------------------------------------------------ ordered form
@dataclass(frozen=True)
class OrderedShapley:
    """Subset-form Shapley credit broken down by touch position (ordered Shapley).

    Definition (after Zhao et al. 2018, "ordered Shapley value"). For a
    converting path ``p`` with distinct channel set ``T_p``, each channel
    ``c ∈ T_p`` receives ``conv_p / |T_p|`` as in :class:`ShapleySubset`;
    that share is split equally over the ``k_p(c)`` touches of ``c`` on the path and recorded at
    each touch's 1-based position ``j``::

        φ_j(c) = Σ_p Σ_{touches of c at position j of p} conv_p / (|T_p| · k_p(c))

    So ``Σ_j φ_j(c)`` equals the subset-form Shapley value ``φ(c)``: the
    per-channel totals of this model are those of :class:`ShapleySubset`, and
    the position breakdown shows at which stage of the journeys each channel
    earned its credit. Value likewise with ``value_p``.

    The result's ``fit_`` (:class:`OrderedShapleyFit`) holds ``by_position``, a
    tidy DataFrame (``channel, position, conversions, value``; rows with credit
    only), and ``conversions_by_position`` / ``value_by_position``, arrays
    ``(n_channels, max_length)`` with column ``j − 1`` for position ``j``.

    :meth:`credit_matrix` sums the touch shares per path and channel: row
    ``p`` has ``1/|T_p|`` for each channel of ``T_p``, as for
    :class:`ShapleySubset`.

    Examples
    --------
    >>> pt = PathTable.from_paths([["b", "a", "b"]], conversions=[4])
    >>> res = OrderedShapley().attribute(pt)
    >>> res.fit_.conversions_by_position.tolist()
    [[0.0, 2.0, 0.0], [1.0, 0.0, 1.0]]
    """

    name: ClassVar[str] = "shapley_ordered"

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        """Share of each path's conversions (and revenue) credited to each channel.

        Parameters
        ----------
        paths : PathTable

        Returns
        -------
        ndarray of float64, shape (n_paths, n_channels)
            ``W[p, c] = Σ_{touches of c on p} 1/(|T_p| · k_p(c)) = 1/|T_p|`` for
            ``c ∈ T_p``, 0 otherwise; rows sum to 1. ``W.T @ paths.conversions``
            is :meth:`attribute`'s ``conversions``.
        """
        return sum_credit_by_path(paths, paths.path_index, paths.codes,
                                  _ordered_touch_shares(paths))

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Ordered Shapley credit: per channel totals, per position in the result's ``fit_``."""
        n = paths.n_channels
        max_len = int(paths.lengths.max()) if paths.n_paths else 0
        by_conv = np.zeros((n, max_len))
        by_val = np.zeros((n, max_len))
        if paths.n_paths and n:
            path_of = paths.path_index
            share = _ordered_touch_shares(paths)
            position = np.arange(len(paths.codes)) - np.repeat(paths.offsets[:-1], paths.lengths)
            cell = paths.codes.astype(np.int64) * max_len + position
            by_conv = np.bincount(cell, weights=share * paths.conversions[path_of],
                                  minlength=n * max_len).reshape(n, max_len)
            by_val = np.bincount(cell, weights=share * paths.value[path_of],
                                 minlength=n * max_len).reshape(n, max_len)
        chan, pos = np.nonzero((by_conv != 0) | (by_val != 0))
        tidy = pd.DataFrame({
            "channel": [paths.channels[c] for c in chan],
            "position": pos + 1,
            "conversions": by_conv[chan, pos],
            "value": by_val[chan, pos],
        })
        fit = OrderedShapleyFit(by_position=tidy, conversions_by_position=by_conv,
                                value_by_position=by_val)
        return AttributionResult.from_credit(self.name, {}, paths, by_conv.sum(axis=1),
                                             by_val.sum(axis=1), fit=fit)


# ------------------------------------------------------------- conversion rate
class DegenerateGameError(TouchpathError, ValueError):
    """The global conversion-rate game has no gain to share: ``v(N) − v(∅) ≤ 0``.

    Raised by :class:`ShapleyConversionRate` with ``scope="global"`` when the
    path table has conversions (or revenue) but the grand coalition's rate is
    zero, so the shares ``φ(c) / Σ φ`` are undefined. With the defaults
    (``unseen="subset_rate"``, ``prior_journeys=30``) that cannot happen; it
    needs ``prior_journeys=0`` with an observed grand coalition that never
    converts, or ``unseen="zero"`` with an unseen one.
    """


#: Scopes of the conversion-rate game (see :class:`ShapleyConversionRate`).
SCOPES = ("global", "journey")

#: Two-sided level of the sampling error bound reported by the global scope.
BOUND_LEVEL = 0.95


def negative_credit_warnings(result: AttributionResult) -> tuple[str, ...]:
    """One warning per channel a conversion-rate game gives negative credit.

    The rate game credits a channel with how the conversion rate of a set of
    channels changes when it joins: a channel whose journeys convert less than
    the journeys without it lowers the rate and is charged for it, although it
    may well have brought conversions. Such credit is a relative signal, not a
    count of conversions, and a reader must be told.

    Examples
    --------
    >>> import numpy as np
    >>> r = AttributionResult("shapley_rate", {}, ("a", "b"), np.array([12.0, -2.0]),
    ...                       np.zeros(2), 10.0, 0.0)
    >>> print(negative_credit_warnings(r)[0])  # doctest: +ELLIPSIS
    shapley_rate gives negative credit to b (−20.0 % of conversions, −2.0): ...
    """
    out = []
    total = result.total_conversions
    for ch, conv in zip(result.channels, result.conversions, strict=True):
        if not conv < 0:
            continue
        share = f"{_minus(conv / total * 100)} % of conversions, " if total > 0 else ""
        out.append(
            f"{result.model} gives negative credit to {ch} ({share}{_minus(conv)}): the rate "
            "game credits a channel with the change in conversion rate when it joins the "
            "others, so a channel whose journeys convert less than those without it is "
            "charged, even if it brought conversions; read it as a relative signal, "
            "not conversions")
    return tuple(out)


def _minus(x: float) -> str:
    return f"{x:,.1f}".replace("-", "−")


def _rate_lattice(n: int, sets: np.ndarray, amount: np.ndarray, journeys: np.ndarray,
                  unseen: str, prior: float = 0.0) -> np.ndarray:
    """``v(S)`` on all ``2^n`` coalitions (see :class:`ShapleyConversionRate`).

    Seen coalitions (``J(S) > 0``) get the shrunken rate
    ``(amount(S) + m·pooled(S)) / (J(S) + m)`` with ``m = prior`` (the raw
    rate ``amount(S)/J(S)`` for ``m = 0``); unseen ones get ``pooled(S)``
    under ``"subset_rate"`` and 0 under ``"zero"``. ``pooled(S)`` is the rate
    of the journeys whose channel set is a subset of ``S`` (0 when there are
    none). ``sets`` are the observed channel sets (bitmasks, ``J > 0``);
    ``v(∅) = 0``.
    """
    size = 1 << n
    idx = sets.astype(np.int64)
    dense_amount, dense_j = np.zeros(size), np.zeros(size)
    dense_amount[idx], dense_j[idx] = amount, journeys
    seen = dense_j > 0
    v = np.zeros(size)
    v[seen] = dense_amount[seen] / dense_j[seen]
    if unseen == "subset_rate" or prior > 0:
        pooled_j = _subset_sum(dense_j.copy())
        pooled = np.divide(_subset_sum(dense_amount.copy()), pooled_j,
                           out=np.zeros(size), where=pooled_j > 0)
        if prior > 0:
            v[seen] = (dense_amount[seen] + prior * pooled[seen]) / (dense_j[seen] + prior)
        if unseen == "subset_rate":
            v[~seen] = pooled[~seen]
    v[0] = 0.0
    return v


def _grand_value(sets: np.ndarray, amount: np.ndarray, journeys: np.ndarray, n: int,
                 unseen: str, prior: float = 0.0) -> float:
    """``v(N)`` for the ``n`` players without building the lattice.

    ``pooled(N)`` is the rate of every journey in the game (all sets lie within ``N``).
    """
    grand = np.uint64((1 << n) - 1) if n < 64 else np.uint64(np.iinfo(np.uint64).max)
    hit = np.flatnonzero(sets == grand)
    total_j = float(journeys.sum())
    pooled = float(amount.sum()) / total_j if total_j > 0 else 0.0
    if hit.size:
        i = hit[0]
        return float((amount[i] + prior * pooled) / (journeys[i] + prior))
    return pooled if unseen == "subset_rate" else 0.0


def _running_sums(entry: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """``out[b, k] = Σ_{R: entry[b, R] ≤ k} weights[R]``: pooled totals along each order."""
    b = entry.shape[0]
    cells = (entry + (np.arange(b) * n)[:, None]).ravel()
    summed = np.bincount(cells, weights=np.tile(weights, b), minlength=b * n)
    return np.cumsum(summed.reshape(b, n), axis=1)


@dataclass(frozen=True)
class ShapleyConversionRate:
    r"""Shapley attribution with ``v(S)`` = conversion rate of journeys exposed to exactly ``S``.

    **Characteristic function** (DESIGN.md, "Attribution models"; Shao & Li
    2011, "Data-driven multi-touch attribution models", KDD; Dalessandro et
    al. 2012, "Causally motivated attribution for online advertising",
    ADKDD). With ``conv(S)`` and ``J(S)`` the converting and all (converting +
    null) journeys whose channel set is exactly ``S``::

        v(S) = conv(S) / J(S),        v(∅) = 0

    (no journey has an empty channel set). Revenue uses revenue per journey,
    ``v_value(S) = value(S) / J(S)``, in a second game of the same form. The
    global scope uses a shrunken estimate of these rates (below).

    **Players.** The channels that appear on at least one converting path
    (conversions or revenue > 0), ``N``. A channel seen only on
    non-converting journeys is not a player: it gets exactly zero, and the
    null journeys exposed to it are left out of the game (their channel set
    lies outside the lattice of ``N``; the fit's ``journeys_left_out``
    counts them). Keeping it as a player would give it negative credit by
    construction (every observed coalition holding it converts at rate 0) and
    charge that to the converting channels; leaving it out keeps the
    null-player property — credit only for channels on converting journeys,
    as in the subset form — and keeps the lattice to the channels that matter.

    **Unseen coalitions** (``J(S) = 0``), chosen by ``unseen``:

    * ``"subset_rate"`` (the default for ``scope="global"``): ``v(S)`` = the
      pooled rate of the journeys whose channel set is a subset of ``S``,
      ``Σ_{R⊆S} conv(R) / Σ_{R⊆S} J(R)`` (0 when there are none) — the
      nearest observed evidence. When ``N`` itself is unseen, ``v(N)`` is the
      overall conversion rate of the players' journeys.
    * ``"zero"`` (the default for ``scope="journey"``): ``v(S) = 0`` — no
      evidence that the coalition converts. With the global scope the grand
      coalition is usually unseen, so ``v(N) = 0`` and nothing can be shared
      out (:class:`DegenerateGameError`); it suits the journey scope, which
      only evaluates subsets of observed sets.

    **Shrinkage of observed rates** (global scope). The exact-coalition rate
    of a coalition seen on a handful of journeys is noise: on real data the
    grand coalition is often observed on a few journeys that happen not to
    convert, so the raw ``v(N) = 0`` and there is nothing to share. The
    global game therefore uses, for every coalition ``S``::

        pooled(S) = Σ_{R⊆S} conv(R) / Σ_{R⊆S} J(R)      (0 when no journey lies within S)
        v(S)      = (conv(S) + m · pooled(S)) / (J(S) + m)     if J(S) > 0
        v(S)      = pooled(S)   (unseen="subset_rate")  or 0  (unseen="zero")   if J(S) = 0

    with ``m = prior_journeys``. This is additive (Laplace/Lidstone)
    smoothing toward a data-driven prior mean, equivalently the posterior
    mean of a Beta prior with mean ``pooled(S)`` and strength ``m``
    pseudo-journeys — the empirical-Bayes (James–Stein) shrinkage of Efron &
    Morris (1975), "Data analysis using Stein's estimator and its
    generalizations", JASA 70: a coalition's own rate gets weight
    ``J(S) / (J(S) + m)``, the pooled evidence of its sub-coalitions the rest.
    ``m = 0`` gives the raw rates of Shao & Li / Dalessandro; ``m → ∞`` gives
    ``pooled(S)`` everywhere, the ``"subset_rate"`` estimate, which is also
    what unseen coalitions (``J(S) = 0``) receive. A singleton's pooled rate
    is its own rate, so singletons are never changed. Revenue per journey is
    shrunk the same way with ``value`` in place of ``conv``.

    The default ``m = 30`` means a coalition needs about 30 journeys before
    its own rate outweighs its pooled prior. At the conversion rates of
    typical journeys (a few per cent) the binomial standard error of a rate
    from ``J`` journeys, ``sqrt(p(1−p)/J)``, is as large as ``p`` itself
    until ``J`` is in the tens, so fewer journeys than that carry little
    information of their own; in Beta terms ``m = 30`` is a prior whose
    standard deviation, ``sqrt(p(1−p)/(m+1))``, is about as large as the
    rate itself at those ``p`` (a loose prior). With ``m > 0`` and
    ``unseen="subset_rate"``, ``v(N) ≥ m·pooled(N)/(J(N)+m)`` (``N`` seen) or
    ``v(N) = pooled(N)`` (unseen), both ``> 0`` whenever there are
    conversions (revenue): the game is never degenerate, and a rarely seen
    coalition moves the shares little.
    The fit's ``prior_journeys`` reports the ``m`` in force.

    The journey scope does not shrink: each converting set's conversions are
    split by ``conv(T) = J(T)·v(T)``, which holds for the raw rates only, so
    ``prior_journeys`` must be 0 (its default there).

    **scope="global"** (default; the game DESIGN.md specifies). One game
    ``v`` over all players ``N``; ``φ(c)`` is its Shapley value. Efficiency
    of the Shapley value gives ``Σ_c φ(c) = v(N) − v(∅) = v(N)``, a rate, so
    the conversions are shared in proportion::

        conversions(c) = total_conversions · φ(c) / Σ_{c'} φ(c')
        value(c)       = total_value · φ_value(c) / Σ_{c'} φ_value(c')

    which needs ``v(N) > 0``: otherwise :class:`DegenerateGameError` (it says
    why and what to change; with the defaults it cannot happen). ``φ(c)`` can
    be negative — a channel whose presence lowers the observed rates — and
    is reported as is, never clipped; the other channels then get more than
    their raw share, and the credit still sums to the totals. The fit's ``phi``,
    ``phi_value`` hold the raw Shapley values (rates) and ``v_grand``,
    ``v_grand_value`` the ``v(N)`` they sum to.

    * Exact (``|N| ≤ max_exact_channels``): Harsanyi dividends
      ``d = Möbius(v)`` over the ``2^|N|`` coalitions, then
      ``φ(c) = Σ_{S ∋ c} d(S) / |S|`` (Harsanyi 1963; Shapley 1953) —
      O(|N| · 2^|N|).
    * Sampling (more players, at most 64): ``n_permutations`` random orders
      ``π``; each order credits ``c`` with ``v(P ∪ {c}) − v(P)``, ``P`` the
      players before ``c`` (Castro, Gómez & Tejada 2009). The pooled rates
      along an order (for ``"subset_rate"`` and the shrinkage) are running
      sums: a set ``R`` joins the pool at the step of its last player. Each draw sums to ``v(N)``
      exactly, so the estimate is efficient. The fit's ``conversions_se`` /
      ``value_se`` are standard errors of the mean; ``conversions_bound`` /
      ``value_bound`` are per-channel Hoeffding half-widths at level
      ``bound_level`` (0.95): the marginals lie in ``[−M, M]``
      with ``M`` the largest observed set rate (pooled and shrunken rates
      are weighted means of observed set rates, so they lie below it), so
      ``|φ̂(c) − φ(c)| ≤ M · sqrt(2 ln(2/δ) / K)`` with probability
      ``≥ 1 − δ`` for ``K`` orders; both are scaled by
      ``total / Σ φ̂`` into conversions (value).

    **scope="journey"** (per-journey counterfactual). One game per
    converting channel set ``T``, restricted to the subsets of ``T`` and
    weighted by ``T``'s journeys::

        conversions(c) = Σ_{T ∋ c, conv(T) > 0} conv(T) · φ_T(c) / v(T)
                       = Σ_{T ∋ c, conv(T) > 0} J(T) · φ_T(c)

    Because ``Σ_{c∈T} φ_T(c) = v(T)``, every set's conversions are split
    exactly, and there is no global normalisation to break. Equivalently it
    is the Shapley value of ``V(S) = Σ_{T: conv(T)>0} J(T) · v(S ∩ T)`` —
    the conversions the converting journeys would have produced had only the
    channels in ``S`` reached them. Shares differ from the global game's:
    coalitions are only ever compared within a converting journey's own set.

    * Exact: ``conversions(c) = Σ_{S ∋ c} d(S) · U(S) / |S|`` with
      ``U(S) = Σ_{T ⊇ S} J(T)·[conv(T) > 0]`` (superset zeta transform).
    * Sampling: per order, each converting set contributes
      ``J(T)·[v(P ∪ {c}) − v(P)]`` to ``c ∈ T``, ``P`` the channels of ``T``
      before ``c``; standard errors as above. Only ``unseen="zero"``.

    Parameters
    ----------
    scope : {"global", "journey"}, default "global"
        One game over all players, or one game per converting channel set.
    max_exact_channels : int, default 20
        Largest number of players solved exactly (at most 22).
    n_permutations : int, default 2000
        Random orders drawn when sampling (at least 2).
    seed : int, default 0
        Seed of the sampling; exact results do not depend on it.
    unseen : {"zero", "subset_rate"} or None, default None
        Estimate for coalitions no journey was exposed to; ``None`` picks
        ``"subset_rate"`` for the global scope and ``"zero"`` for the
        journey scope (the fit's ``unseen`` says which was used).
    prior_journeys : float or None, default None
        Strength ``m`` (in journeys) of the shrinkage of observed coalition
        rates toward their pooled subset rates, a finite number ``≥ 0``;
        ``None`` picks ``30`` for the global scope and ``0`` for the journey
        scope, which accepts only 0. ``0`` gives the raw exact-coalition rates.

    Raises
    ------
    ValueError
        Bad settings (``prior_journeys`` negative, not finite, or non-zero
        with the journey scope), more than 64 players when sampling, the
        journey scope with ``unseen="subset_rate"`` when sampling, or a path
        with value but no journeys.
    DegenerateGameError
        Global scope with ``v(N) ≤ 0`` while there are conversions (revenue):
        only with ``prior_journeys=0`` (an observed grand coalition that never
        converts) or ``unseen="zero"`` (an unseen one).

    Examples
    --------
    Two channels: ``a`` converts 1 of 2 journeys, ``a > b`` 1 of 1; ``{b}``
    is unseen, its subset rate is 0 (no journeys within ``{b}``). Raw rates
    (``prior_journeys=0``): ``v(a) = 1/2, v(b) = 0, v(ab) = 1``,
    ``φ(a) = (1/2 + 1)/2 = 3/4``, ``φ(b) = (0 + 1/2)/2 = 1/4``; the 2
    conversions split 3/2 and 1/2.

    >>> pt = PathTable.from_paths([["a"], ["a", "b"]], conversions=[1, 1], nulls=[1, 0])
    >>> ShapleyConversionRate(prior_journeys=0).attribute(pt).conversions.tolist()
    [1.5, 0.5]

    With ``m = 3``: ``pooled(ab) = 2/3``, ``v(ab) = (1 + 3·2/3)/(1 + 3) = 3/4``,
    ``φ(a) = (1/2 + 3/4)/2 = 5/8``, ``φ(b) = (0 + 1/4)/2 = 1/8``; credit
    ``2·φ/(3/4)``: 5/3 and 1/3.

    >>> res = ShapleyConversionRate(prior_journeys=3).attribute(pt)
    >>> [round(x, 12) for x in res.conversions.tolist()]
    [1.666666666667, 0.333333333333]
    """

    scope: Literal["global", "journey"] = "global"
    max_exact_channels: int = 20
    n_permutations: int = 2000
    seed: int = 0
    unseen: Literal["zero", "subset_rate"] | None = None
    prior_journeys: float | None = None
    name: ClassVar[str] = "shapley_rate"

    #: ``prior_journeys`` of the global scope when left at ``None``.
    DEFAULT_PRIOR_JOURNEYS: ClassVar[float] = 30.0

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, got {self.scope!r}")
        if not 0 <= int(self.max_exact_channels) <= 22:
            raise ValueError(
                "max_exact_channels must be in 0..22 (2^n coalitions),"
                f" got {self.max_exact_channels}"
            )
        if int(self.n_permutations) < 2:
            raise ValueError(f"n_permutations must be at least 2, got {self.n_permutations}")
        if self.unseen is not None and self.unseen not in UNSEEN_RULES:
            raise ValueError(f"unseen must be one of {UNSEEN_RULES} or None, got {self.unseen!r}")
        if self.prior_journeys is not None:
            m = self.prior_journeys
            if isinstance(m, bool) or not isinstance(m, Real) or not np.isfinite(m) or m < 0:
                raise ValueError(
                    f"prior_journeys must be a finite number >= 0 (journeys), got {m!r}")
            if self.scope == "journey" and m != 0:
                raise ValueError(
                    f"prior_journeys={m!r} with scope='journey': the journey scope splits "
                    "each converting set by its raw rate and does not shrink; use "
                    "prior_journeys=0 (or None) or scope='global'"
                )

    @property
    def unseen_rule(self) -> str:
        """The unseen-coalition rule in force: ``unseen``, or the scope's default."""
        if self.unseen is not None:
            return self.unseen
        return "subset_rate" if self.scope == "global" else "zero"

    @property
    def prior_strength(self) -> float:
        """The shrinkage strength ``m`` in force: ``prior_journeys``, or the scope's default."""
        if self.prior_journeys is not None:
            return float(self.prior_journeys)
        return self.DEFAULT_PRIOR_JOURNEYS if self.scope == "global" else 0.0

    @property
    def _params(self) -> dict[str, Any]:
        return {"scope": self.scope, "max_exact_channels": self.max_exact_channels,
                "n_permutations": self.n_permutations, "seed": self.seed,
                "unseen": self.unseen, "prior_journeys": self.prior_journeys}

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Conversion-rate Shapley credit per channel (see the class for both scopes).

        The rate game can give a channel negative credit; the result then
        carries a warning per such channel (:func:`negative_credit_warnings`).
        """
        result = self._attribute(paths)
        return replace(result, warnings=(*result.warnings,
                                         *negative_credit_warnings(result)))

    def _attribute(self, paths: PathTable) -> AttributionResult:
        n = paths.n_channels
        journeys = paths.journeys
        orphan = np.flatnonzero((journeys <= 0) & (paths.value > 0))
        if orphan.size:
            i = int(orphan[0])
            raise ValueError(f"path row {i} ({' > '.join(paths.path(i))}): value"
                             f" {paths.value[i]} but no journeys; a rate needs journeys")
        unseen = self.unseen_rule
        prior = self.prior_strength
        converting = (paths.conversions > 0) | (paths.value > 0)
        active = np.unique(paths.codes[converting[paths.path_index]]) if n else np.zeros(0, int)
        n_active = len(active)
        game = {"scope": self.scope, "unseen": unseen, "prior_journeys": prior,
                "active_channels": n_active}
        conv, val = np.zeros(n), np.zeros(n)
        se_conv, se_val = np.zeros(n), np.zeros(n)
        if n_active == 0:
            fit = ShapleyConversionRateFit(
                **game, method="exact", coalitions_observed=0, n_permutations=0,
                journeys_left_out=float(journeys.sum()), conversions_se=se_conv,
                value_se=se_val,
                **({"phi": np.zeros(n), "phi_value": np.zeros(n), "v_grand": 0.0,
                    "v_grand_value": 0.0} if self.scope == "global" else {}))
            return AttributionResult.from_credit(self.name, self._params, paths, conv, val,
                                                 fit=fit)
        exact = n_active <= self.max_exact_channels
        if not exact and n_active > 64:
            raise ValueError(
                f"conversion-rate Shapley: {n_active} channels appear on converting paths; "
                "sampling supports at most 64 (use the subset form for more)"
            )
        if not exact and self.scope == "journey" and unseen != "zero":
            raise ValueError(
                f"scope='journey' with unseen={unseen!r} needs the exact lattice: {n_active} "
                f"channels exceed max_exact_channels={self.max_exact_channels}; use "
                "unseen='zero' or scope='global' to sample"
            )
        bit_of = np.full(n, -1, dtype=np.int64)
        bit_of[active] = np.arange(n_active)
        masks, inside = _set_masks(paths, bit_of)
        keep = inside & (journeys > 0)
        sets, inverse = np.unique(masks[keep], return_inverse=True)
        m = len(sets)
        set_conv = np.bincount(inverse, weights=paths.conversions[keep], minlength=m)
        set_val = np.bincount(inverse, weights=paths.value[keep], minlength=m)
        set_j = np.bincount(inverse, weights=journeys[keep], minlength=m)
        game.update(coalitions_observed=m, journeys_left_out=float(journeys[~inside].sum()),
                    method="exact" if exact else "permutation",
                    n_permutations=0 if exact else int(self.n_permutations))
        if self.scope == "journey":
            if exact:
                c_act, v_act = self._exact(n_active, sets, set_conv, set_val, set_j, unseen)
            else:
                c_act, v_act, sc, sv = self._sample(n_active, sets, set_conv, set_val, set_j)
                se_conv[active], se_val[active] = sc, sv
            conv[active], val[active] = c_act, v_act
            fit = ShapleyConversionRateFit(**game, conversions_se=se_conv, value_se=se_val)
            return AttributionResult.from_credit(self.name, self._params, paths, conv, val,
                                                 fit=fit)

        # ---- global scope: one game, shares of v(N) − v(∅)
        bound_conv, bound_val = np.zeros(n), np.zeros(n)
        phi_conv, phi_val = np.zeros(n), np.zeros(n)
        if exact:
            phi_conv[active] = self._global_exact(n_active, sets, set_conv, set_j, unseen,
                                                  prior)
            phi_val[active] = self._global_exact(n_active, sets, set_val, set_j, unseen, prior)
        else:
            k = int(self.n_permutations)
            (phi_conv[active], phi_val[active], se_conv[active],
             se_val[active]) = self._global_sample(n_active, sets, set_conv, set_val, set_j,
                                                   unseen, prior)
            half = np.sqrt(2.0 * np.log(2.0 / (1.0 - BOUND_LEVEL)) / k)
            bound_conv[active] = np.max(set_conv / set_j) * half
            bound_val[active] = np.max(set_val / set_j) * half
        grand: dict[str, float] = {}
        for key, amount, phi, total, se, bound, credit in (
                ("conversions", set_conv, phi_conv, paths.total_conversions, se_conv,
                 bound_conv, conv),
                ("value", set_val, phi_val, paths.total_value, se_val, bound_val, val)):
            v_grand = _grand_value(sets, amount, set_j, n_active, unseen, prior)
            grand[key] = v_grand
            if total <= 0:
                se[:] = bound[:] = 0.0
                continue
            if not v_grand > 0:
                grand_seen = n_active < 64 and bool(np.any(sets == (1 << n_active) - 1))
                raise DegenerateGameError(
                    self._degenerate_message(key, n_active, grand_seen, unseen, prior))
            scale = total / phi.sum()
            credit[:] = phi * scale
            se *= abs(scale)
            bound *= abs(scale)
        sampled = {} if exact else {"conversions_bound": bound_conv, "value_bound": bound_val,
                                    "bound_level": BOUND_LEVEL}
        fit = ShapleyConversionRateFit(
            **game, conversions_se=se_conv, value_se=se_val, phi=phi_conv, phi_value=phi_val,
            v_grand=grand["conversions"], v_grand_value=grand["value"], **sampled)
        return AttributionResult.from_credit(self.name, self._params, paths, conv, val,
                                             fit=fit)

    @staticmethod
    def _degenerate_message(key: str, n_active: int, grand_seen: bool, unseen: str,
                            prior: float) -> str:
        game = "conversion rate" if key == "conversions" else "revenue per journey"
        if grand_seen:
            why = (f"the journeys exposed to all {n_active} channels on converting paths "
                   f"have {game} 0 and prior_journeys={prior:g} does not shrink it toward "
                   "the pooled rate")
            fix = ("use prior_journeys > 0 (shrink that rate toward the pooled rate of all "
                   "journeys) or scope='journey' (one game per converting channel set)")
        else:
            why = (f"no journey was exposed to all {n_active} channels on converting paths "
                   f"and unseen={unseen!r} gives that coalition 0")
            fix = ("use unseen='subset_rate' (v(N) = pooled rate of all journeys) or "
                   "scope='journey' (one game per converting channel set)")
        return (
            f"global conversion-rate Shapley ({key}): v(N) − v(∅) = 0, so there is no gain "
            f"to share (credit = total · φ(c) / Σφ needs Σφ = v(N) − v(∅) > 0): {why}. "
            f"To fix, {fix}"
        )

    # ------------------------------------------------------ global, exact
    @staticmethod
    def _global_exact(n: int, sets: np.ndarray, amount: np.ndarray, set_j: np.ndarray,
                      unseen: str, prior: float) -> np.ndarray:
        """``φ(c) = Σ_{S ∋ c} d(S)/|S|`` with ``d`` the Harsanyi dividends of ``v``."""
        v = _rate_lattice(n, sets, amount, set_j, unseen, prior)
        cardinality = np.bitwise_count(np.arange(1 << n, dtype=np.uint32)).astype(np.float64)
        cardinality[0] = 1.0  # d(∅) = v(∅) = 0
        return _sum_over_bit(_mobius(v) / cardinality, n)

    # --------------------------------------------------- global, sampling
    def _global_sample(self, n: int, sets: np.ndarray, set_conv: np.ndarray,
                       set_val: np.ndarray, set_j: np.ndarray, unseen: str, prior: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean marginal contributions over random orders (and their standard errors)."""
        m = len(sets)
        rates = (set_conv / set_j, set_val / set_j)
        amounts = (set_conv, set_val)
        pair_set, pair_chan = np.nonzero(_mask_bits(sets, n))  # grouped by set, none empty
        starts = np.flatnonzero(np.r_[True, pair_set[1:] != pair_set[:-1]])
        rng = np.random.default_rng(self.seed)
        k_total = int(self.n_permutations)
        batch = max(1, min(k_total, 2_000_000 // max(len(pair_set), n, 1)))
        draws = (np.empty((k_total, n)), np.empty((k_total, n)))
        done = 0
        while done < k_total:
            b = min(batch, k_total - done)
            order = np.argsort(rng.random((b, n)), axis=1)  # order[:, k]: player at step k+1
            pos = np.argsort(order, axis=1)  # pos[:, c]: the step (0-based) of player c
            prefix = np.cumsum(np.left_shift(_ONE, order.astype(np.uint64)), axis=1,
                               dtype=np.uint64)  # coalition after each step (distinct bits)
            at = np.minimum(np.searchsorted(sets, prefix), m - 1)
            hit = sets[at] == prefix
            pooled: tuple[np.ndarray, ...] = ()
            if unseen == "subset_rate" or prior > 0:
                # a set joins the pooled evidence at the step of its last player
                entry = np.maximum.reduceat(pos[:, pair_chan], starts, axis=1)
                pooled = tuple(_running_sums(entry, w, n) for w in (*amounts, set_j))
            for i, (rate, amount, out) in enumerate(zip(rates, amounts, draws, strict=True)):
                pooled_rate = np.zeros((b, n))
                if pooled:
                    pooled_rate = np.divide(pooled[i], pooled[2], out=pooled_rate,
                                            where=pooled[2] > 0)
                seen_v = rate[at]
                if prior > 0:
                    seen_v = (amount[at] + prior * pooled_rate) / (set_j[at] + prior)
                fill = pooled_rate if unseen == "subset_rate" else np.zeros((b, n))
                v = np.where(hit, seen_v, fill)
                marginal = np.diff(v, axis=1, prepend=0.0)
                out[done:done + b] = np.take_along_axis(marginal, pos, axis=1)
            done += b
        root_k = np.sqrt(k_total)
        return (draws[0].mean(axis=0), draws[1].mean(axis=0),
                draws[0].std(axis=0, ddof=1) / root_k, draws[1].std(axis=0, ddof=1) / root_k)

    # ---------------------------------------------------- journey, exact
    @staticmethod
    def _exact(n: int, sets: np.ndarray, set_conv: np.ndarray, set_val: np.ndarray,
               set_j: np.ndarray, unseen: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-journey game: ``Σ_{S ∋ c} d(S) · U(S) / |S|`` (see the class)."""
        size = 1 << n
        idx = sets.astype(np.int64)
        cardinality = np.bitwise_count(np.arange(size, dtype=np.uint32)).astype(np.float64)
        cardinality[0] = 1.0  # d(∅) = v(∅) = 0, so h(∅) = 0 whatever the divisor
        out = []
        for amount in (set_conv, set_val):
            dividends = _mobius(_rate_lattice(n, sets, amount, set_j, unseen))
            weight = np.zeros(size)
            weight[idx] = np.where(amount > 0, set_j, 0.0)
            out.append(_sum_over_bit(dividends * _superset_sum(weight) / cardinality, n))
        return out[0], out[1]

    # ------------------------------------------------- journey, sampling
    def _sample(self, n: int, sets: np.ndarray, set_conv: np.ndarray, set_val: np.ndarray,
                set_j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rate_conv = set_conv / set_j
        rate_val = set_val / set_j
        live = np.flatnonzero((set_conv > 0) | (set_val > 0))
        w_conv = np.where(set_conv[live] > 0, set_j[live], 0.0)
        w_val = np.where(set_val[live] > 0, set_j[live], 0.0)
        pair_set, pair_chan = np.nonzero(_mask_bits(sets[live], n))  # grouped by set
        n_pairs = len(pair_set)
        pair_bit = np.left_shift(_ONE, pair_chan.astype(np.uint64))
        starts = np.flatnonzero(np.r_[True, pair_set[1:] != pair_set[:-1]])
        seg_start = np.repeat(starts, np.diff(np.r_[starts, n_pairs]))

        def lookup(query: np.ndarray, rates: np.ndarray) -> np.ndarray:
            pos = np.minimum(np.searchsorted(sets, query), len(sets) - 1)
            return np.where(sets[pos] == query, rates[pos], 0.0)  # unseen: zero

        rng = np.random.default_rng(self.seed)
        k_total = int(self.n_permutations)
        batch = max(1, min(k_total, 2_000_000 // max(n_pairs, 1)))
        draws_conv = np.empty((k_total, n))
        draws_val = np.empty((k_total, n))
        done = 0
        while done < k_total:
            b = min(batch, k_total - done)
            arrival = rng.random((b, n))  # a uniform random order of the channels per row
            order = np.argsort(pair_set[None, :] + arrival[:, pair_chan], axis=1)
            bits = pair_bit[order]
            running = np.cumsum(bits, axis=1, dtype=np.uint64)  # wraps mod 2^64: exact
            before_seg = np.where(seg_start > 0, running[:, np.maximum(seg_start - 1, 0)],
                                  np.uint64(0))
            with_c = running - before_seg
            without_c = with_c - bits
            chan = pair_chan[order] + (np.arange(b) * n)[:, None]
            owner = pair_set[order]
            for amount, rates, draws in ((w_conv, rate_conv, draws_conv),
                                         (w_val, rate_val, draws_val)):
                gain = amount[owner] * (lookup(with_c, rates) - lookup(without_c, rates))
                draws[done:done + b] = np.bincount(chan.ravel(), weights=gain.ravel(),
                                                   minlength=b * n).reshape(b, n)
            done += b
        root_k = np.sqrt(k_total)
        return (draws_conv.mean(axis=0), draws_val.mean(axis=0),
                draws_conv.std(axis=0, ddof=1) / root_k, draws_val.std(axis=0, ddof=1) / root_k)
