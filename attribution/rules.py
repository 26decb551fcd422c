"""Rule-based attribution: first/last touch, linear, positional and time-decay models.

DESIGN.md, "Attribution models" (rule-based). Each model spreads every
converting journey's one conversion (and its revenue) over the touches of its
path with fixed per-touch weights that sum to 1, then adds the credit up per
channel. With ``w_p(j)`` the weight of touch ``j`` of path ``p``::

    conversions(c) = Σ_p conversions_p · Σ_{j: channel_p(j) = c} w_p(j)
    value(c)       = Σ_p value_p       · Σ_{j: channel_p(j) = c} w_p(j)

so efficiency (credit sums to ``paths.total_conversions`` and
``paths.total_value``) holds by construction. Participation is the exception:
it gives full credit to every channel on the path and reports reach.

Conventions shared by every model here:

* **Repeated channels** are credited per touch: a channel touched twice on a
  path of ``n`` touches gets ``2/n`` under the linear model.
* **One-touch paths** give all credit to that touch, under every model.
* **Two-touch paths** under the positional models (U-shape, J-curve,
  inverse-J, custom) have no middle: the first and last weights are
  renormalised to sum to 1, ``first / (first + last)`` and
  ``last / (first + last)`` (U-shape 40/40 becomes 50/50, J-curve 20/60 becomes
  25/75). When ``first + last == 0`` both get 1/2.
* Paths of ``n ≥ 3`` touches under the positional models: ``first`` to the
  first touch, ``last`` to the last, and ``middle / (n − 2)`` to each of the
  ``n − 2`` touches in between.

Per-path credit. Every model here except :class:`TimeDecay` (which reads
touches, not paths) has ``credit_matrix(paths)``, the ``(n_paths, n_channels)``
matrix ``W`` with ``W[p, c] = Σ_{j: channel_p(j) = c} w_p(j)``, so that::

    conversions = W.T @ paths.conversions,   value = W.T @ paths.value

Rows sum to 1 (to float precision) for the additive models. Participation's
row has a 1 for every distinct channel on the path and sums to the number of
distinct channels; its credit is still linear in the path counts, so it offers
the matrix too (the bootstrap can use it; ROI refuses the model as
non-additive). ``attribute`` and ``credit_matrix`` are built from the same
per-touch (participation: per path-and-channel) weights, so the two cannot
disagree. The bootstrap (:mod:`touchpath.attribution.bootstrap`) and the ROI table's
first/repeat split (:mod:`touchpath.attribution.roi`) read it through
:func:`touchpath.attribution.base.credit_matrix_of`.

All computations are vectorised over the path table's columnar arrays
(``codes``, ``offsets``) with :func:`numpy.bincount`; no per-path Python loop.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionResult, ModelFit, sum_credit_by_path
from touchpath.data.paths import PathTable

__all__ = [
    "CustomPosition",
    "FirstTouch",
    "InverseJ",
    "JCurve",
    "LastNonDirect",
    "LastNonDirectFit",
    "LastTouch",
    "Linear",
    "Participation",
    "PositionBased",
    "TOUCH_COLUMNS",
    "TimeDecay",
    "TimeDecayFit",
]

#: Columns :meth:`TimeDecay.attribute_touches` needs.
TOUCH_COLUMNS = ("journey_id", "channel", "days_before", "value")


# ------------------------------------------------------------------ fit records
@dataclass(frozen=True, eq=False)
class LastNonDirectFit(ModelFit):
    """What :class:`LastNonDirect` counts besides the credit (its result's ``fit_``).

    Attributes
    ----------
    all_direct_conversions : float
        Conversions of paths made only of direct touches (credited to their
        last, direct, touch).
    """

    all_direct_conversions: float


@dataclass(frozen=True, eq=False)
class TimeDecayFit(ModelFit):
    """What :class:`TimeDecay` counts besides the credit (its result's ``fit_``).

    Attributes
    ----------
    journeys : int
        Converting journeys attributed (one conversion each).
    """

    journeys: int


# --------------------------------------------------------------------- helpers
def _touch_layout(paths: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per touch: its path row, its 0-based position on the path, and the path length."""
    lengths = paths.lengths
    path_of = np.repeat(np.arange(paths.n_paths), lengths)
    position = np.arange(len(paths.codes)) - np.repeat(paths.offsets[:-1], lengths)
    return path_of, position, lengths[path_of]


def _credit_touches(paths: PathTable, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add up per-touch weights times each path's conversions and value, per channel."""
    n = paths.n_channels
    if paths.n_paths == 0:
        return np.zeros(n), np.zeros(n)
    path_of = paths.path_index
    conversions = np.bincount(paths.codes, weights=weights * paths.conversions[path_of],
                              minlength=n)
    value = np.bincount(paths.codes, weights=weights * paths.value[path_of], minlength=n)
    return conversions.astype(np.float64), value.astype(np.float64)


class _TouchWeightRule(ABC):
    """A rule that gives every touch of a path a fixed weight (the module's ``w_p(j)``)."""

    name: ClassVar[str]

    @abstractmethod
    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        """Weight of every touch, aligned with ``paths.codes``; each path's weights sum to 1."""

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        """Share of each path's conversions (and revenue) credited to each channel.

        Parameters
        ----------
        paths : PathTable

        Returns
        -------
        ndarray of float64, shape (n_paths, n_channels)
            ``W[p, c] = Σ_{j: channel_p(j) = c} w_p(j)``; every row sums to 1, and
            ``W.T @ paths.conversions`` is :meth:`attribute`'s ``conversions``.
        """
        return sum_credit_by_path(paths, paths.path_index, paths.codes,
                                  self._touch_weights(paths))

    def _params(self) -> dict[str, float]:
        """The settings recorded in the result's ``params`` (none by default)."""
        return {}

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Credit each path's conversions and value to its touches by the rule's weights.

        ``conversions(c) = Σ_p conversions_p · W[p, c]`` (value likewise), with
        ``W`` the :meth:`credit_matrix`.
        """
        conv, val = _credit_touches(paths, self._touch_weights(paths))
        return AttributionResult.from_credit(self.name, self._params(), paths, conv, val)


def _position_weights(paths: PathTable, first: float, middle: float,
                      last: float) -> np.ndarray:
    """Per-touch weights of a first/middle/last rule (see the module docstring)."""
    _, position, length = _touch_layout(paths)
    is_first = position == 0
    is_last = position == length - 1
    ends = first + last
    two_first = first / ends if ends > 0 else 0.5
    two_last = last / ends if ends > 0 else 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(is_first, first, np.where(is_last, last, middle / (length - 2)))
    weights = np.where(length == 2, np.where(is_first, two_first, two_last), weights)
    return np.where(length == 1, 1.0, weights).astype(np.float64)


def _check_weight(name: str, x: float) -> float:
    x = float(x)
    if not math.isfinite(x) or x < 0 or x > 1:
        raise ValueError(f"{name} weight must be a number in [0, 1], got {x!r}")
    return x


# ------------------------------------------------------------ single-touch rules
@dataclass(frozen=True)
class FirstTouch(_TouchWeightRule):
    """All credit to the first touch of each converting path.

    ``conversions(c) = Σ_{p: first touch of p is c} conversions_p`` (value likewise).

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b"], ["b"]], conversions=[2, 1], value=[20, 5])
    >>> FirstTouch().attribute(pt).conversions.tolist()
    [2.0, 1.0]
    """

    name: ClassVar[str] = "first_touch"

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        _, position, _ = _touch_layout(paths)
        return (position == 0).astype(np.float64)


@dataclass(frozen=True)
class LastTouch(_TouchWeightRule):
    """All credit to the last touch of each converting path.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b"], ["b"]], conversions=[2, 1], value=[20, 5])
    >>> LastTouch().attribute(pt).conversions.tolist()
    [0.0, 3.0]
    """

    name: ClassVar[str] = "last_touch"

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        _, position, length = _touch_layout(paths)
        return (position == length - 1).astype(np.float64)


@dataclass(frozen=True)
class LastNonDirect(_TouchWeightRule):
    """All credit to the last touch that is not a direct channel (GA4 semantics).

    Direct visits are ignored when another channel touched the journey: the
    credit goes to the last touch whose channel is not in ``direct_channels``.
    A path made only of direct touches credits its last (direct) touch, so no
    conversion is dropped. Channel names are matched exactly (case-sensitive).
    This is unrelated to the ``(direct)`` baseline of the path table, which has
    no touches and is reported apart.

    Parameters
    ----------
    direct_channels : tuple of str, default ``("direct", "owned_site")``
        Names of the channels treated as direct. A single string is read as a
        one-name tuple. The default covers the conventional ``direct`` channel
        and ``owned_site``, the owned site / mini-program of the synthetic
        data (:mod:`touchpath.data.synth`): visits to an owned property are where a
        customer lands after another channel brought them, so GA4-style
        reporting passes their credit back to that channel.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "direct"], ["direct"]], conversions=[2, 1])
    >>> LastNonDirect().attribute(pt).conversions.tolist()
    [2.0, 1.0]
    """

    direct_channels: tuple[str, ...] = ("direct", "owned_site")
    name: ClassVar[str] = "last_non_direct"

    def __post_init__(self) -> None:
        names = self.direct_channels
        names = (names,) if isinstance(names, str) else tuple(names)
        if not names or not all(isinstance(c, str) and c for c in names):
            raise ValueError(f"direct_channels must be non-empty channel names, got {names!r}")
        object.__setattr__(self, "direct_channels", names)

    def _weights_and_all_direct(self, paths: PathTable) -> tuple[np.ndarray, np.ndarray]:
        """Per-touch weights (1 on the credited touch) and which paths are all direct."""
        n_touch = len(paths.codes)
        if paths.n_paths == 0:
            return np.zeros(0), np.zeros(0, dtype=bool)
        is_direct_code = np.isin(np.asarray(paths.channels, dtype=object),
                                 np.asarray(self.direct_channels, dtype=object))
        candidate = np.where(is_direct_code[paths.codes], -1, np.arange(n_touch))
        last_nd = np.maximum.reduceat(candidate, paths.offsets[:-1])
        all_direct = last_nd < 0
        chosen = np.where(all_direct, paths.offsets[1:] - 1, last_nd)
        weights = np.zeros(n_touch)
        weights[chosen] = 1.0
        return weights, all_direct

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        return self._weights_and_all_direct(paths)[0]

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Credit each path to its last non-direct touch (last touch if all are direct)."""
        params = {"direct_channels": self.direct_channels}
        weights, all_direct = self._weights_and_all_direct(paths)
        conv, val = _credit_touches(paths, weights)
        fit = LastNonDirectFit(all_direct_conversions=float(paths.conversions[all_direct].sum()))
        return AttributionResult.from_credit(self.name, params, paths, conv, val, fit=fit)


# ------------------------------------------------------------- spread-out rules
@dataclass(frozen=True)
class Linear(_TouchWeightRule):
    """Equal credit to every touch: ``1/n`` per touch of an ``n``-touch path.

    A channel touched ``k`` times on the path gets ``k/n``.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b", "a", "c"]], conversions=[4])
    >>> Linear().attribute(pt).conversions.tolist()
    [2.0, 1.0, 1.0]
    """

    name: ClassVar[str] = "linear"

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        _, _, length = _touch_layout(paths)
        return 1.0 / np.maximum(length, 1)


@dataclass(frozen=True)
class Participation:
    """Full credit to every distinct channel on a converting path (reach, not a split).

    ``conversions(c) = Σ_{p ∋ c} conversions_p``: the conversions whose path
    the channel took part in (value likewise), counted once per path however
    often the channel was touched. Credit does not sum to the total
    (``additive=False``); read it as reach.

    It is still linear in the path counts, so :meth:`credit_matrix` is offered:
    a 1 for every distinct channel on the path, rows summing to the number of
    distinct channels (not to 1).

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b", "a"], ["b"]], conversions=[2, 1])
    >>> Participation().attribute(pt).conversions.tolist()
    [2.0, 3.0]
    """

    name: ClassVar[str] = "participation"

    @staticmethod
    def _presence(paths: PathTable) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (path row, channel) pairs: which channels each path touches."""
        n = paths.n_channels
        keys = np.unique(paths.path_index.astype(np.int64) * n + paths.codes)
        return keys // max(n, 1), keys % max(n, 1)

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        """Reach per path: ``W[p, c] = 1`` when channel ``c`` is on path ``p``, else 0.

        Parameters
        ----------
        paths : PathTable

        Returns
        -------
        ndarray of float64, shape (n_paths, n_channels)
            Rows sum to the number of distinct channels on the path;
            ``W.T @ paths.conversions`` is :meth:`attribute`'s ``conversions``.
        """
        row, chan = self._presence(paths)
        credit = np.zeros((paths.n_paths, paths.n_channels))
        credit[row, chan] = 1.0
        return credit

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Credit each channel with every path it appears on, once per path."""
        n = paths.n_channels
        row, chan = self._presence(paths)
        conv = np.bincount(chan, weights=paths.conversions[row], minlength=n).astype(np.float64)
        val = np.bincount(chan, weights=paths.value[row], minlength=n).astype(np.float64)
        return AttributionResult.from_credit(self.name, {}, paths, conv, val, additive=False)


# ------------------------------------------------------------- positional rules
@dataclass(frozen=True)
class CustomPosition(_TouchWeightRule):
    """Custom first / middle / last weights, summing to 1.

    Paths of ``n ≥ 3`` touches: ``first`` to the first touch, ``last`` to the
    last, ``middle / (n − 2)`` to each touch in between. Two-touch paths:
    ``first / (first + last)`` and ``last / (first + last)`` (1/2 each when
    both are 0). One-touch paths: all credit to the touch.

    Parameters
    ----------
    first, middle, last : float
        Non-negative weights with ``first + middle + last == 1`` (to 1e-9).

    Raises
    ------
    ValueError
        If a weight is outside [0, 1] or the three do not sum to 1.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b", "c"]], conversions=[10])
    >>> CustomPosition(0.5, 0.2, 0.3).attribute(pt).conversions.tolist()
    [5.0, 2.0, 3.0]
    """

    first: float
    middle: float
    last: float
    name: ClassVar[str] = "custom"

    def __post_init__(self) -> None:
        for label in ("first", "middle", "last"):
            object.__setattr__(self, label, _check_weight(label, getattr(self, label)))
        total = self.first + self.middle + self.last
        if abs(total - 1.0) > 1e-9:
            raise ValueError(
                f"first + middle + last must be 1, got {self.first} + {self.middle}"
                f" + {self.last} = {total}"
            )

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        return _position_weights(paths, self.first, self.middle, self.last)

    def _params(self) -> dict[str, float]:
        return {"first": self.first, "middle": self.middle, "last": self.last}


@dataclass(frozen=True)
class PositionBased(_TouchWeightRule):
    """Position-based (U-shape): ``first`` and ``last`` weights, the rest to the middle.

    Default 40/20/40: 40% to the first touch, 40% to the last, and
    ``1 − first − last`` (20%) shared equally by the touches in between.
    Two-touch paths split ``first : last`` renormalised (50/50 by default);
    one-touch paths give all credit to the touch.

    Parameters
    ----------
    first, last : float, default 0.4
        Weights of the first and last touch; ``first + last ≤ 1``.

    Examples
    --------
    >>> pt = PathTable.from_paths([["a", "b", "b", "c"], ["a", "c"]], conversions=[10, 2])
    >>> PositionBased().attribute(pt).conversions.round(12).tolist()
    [5.0, 2.0, 5.0]
    """

    first: float = 0.4
    last: float = 0.4
    name: ClassVar[str] = "position"

    def __post_init__(self) -> None:
        for label in ("first", "last"):
            object.__setattr__(self, label, _check_weight(label, getattr(self, label)))
        if self.first + self.last > 1.0 + 1e-12:
            raise ValueError(f"first + last must be at most 1, got {self.first} + {self.last}")

    @property
    def middle(self) -> float:
        """Total weight of the middle touches, ``1 − first − last``."""
        return max(0.0, 1.0 - self.first - self.last)

    def _touch_weights(self, paths: PathTable) -> np.ndarray:
        return _position_weights(paths, self.first, self.middle, self.last)

    def _params(self) -> dict[str, float]:
        return {"first": self.first, "last": self.last}


@dataclass(frozen=True)
class JCurve(PositionBased):
    """J-curve: 20% first, 20% middle, 60% last (two-touch paths 25/75).

    A :class:`PositionBased` model with ``first=0.2, last=0.6`` by default.
    """

    first: float = 0.2
    last: float = 0.6
    name: ClassVar[str] = "j_curve"


@dataclass(frozen=True)
class InverseJ(PositionBased):
    """Inverse J: 60% first, 20% middle, 20% last (two-touch paths 75/25).

    A :class:`PositionBased` model with ``first=0.6, last=0.2`` by default.
    """

    first: float = 0.6
    last: float = 0.2
    name: ClassVar[str] = "inverse_j"


# ------------------------------------------------------------------ time decay
@dataclass(frozen=True)
class TimeDecay:
    """Time decay: touch weight ``2^(−t / half_life_days)``, normalised per journey.

    ``t`` is the time from the touch to the conversion, in days. Within a
    journey the weights are divided by their sum, so every conversion is
    credited exactly once; a touch ``half_life_days`` older than another gets
    half its weight. Touches on the same day share equally, so repeated
    channels accumulate per touch as in the other rules.

    A :class:`~touchpath.data.paths.PathTable` carries no timestamps, so this model reads
    touches: call :meth:`attribute_touches` with one row per touch of every
    converting journey (the warehouse's ``touchpath.data.journeys.journey_touches``
    produces that table). :meth:`attribute` raises ``ValueError``.

    Parameters
    ----------
    half_life_days : float, default 7.0
        Positive half-life in days.

    Examples
    --------
    >>> touches = pd.DataFrame({"journey_id": [1, 1], "channel": ["a", "b"],
    ...                         "days_before": [7.0, 0.0], "value": [30.0, 30.0]})
    >>> TimeDecay(7.0).attribute_touches(touches).value.tolist()
    [10.0, 20.0]
    """

    half_life_days: float = 7.0
    name: ClassVar[str] = "time_decay"

    def __post_init__(self) -> None:
        h = float(self.half_life_days)
        if not math.isfinite(h) or h <= 0:
            raise ValueError(f"half_life_days must be a positive number, got {h!r}")
        object.__setattr__(self, "half_life_days", h)

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Not available from paths alone: time decay needs touch timestamps.

        Raises
        ------
        ValueError
            Always; use :meth:`attribute_touches`.
        """
        raise ValueError(
            "time decay needs touch timestamps, which a PathTable does not carry: call "
            "TimeDecay.attribute_touches(touches, paths) with the converting journeys' "
            "touches from the warehouse (columns journey_id, channel, days_before, value; "
            "see data.journeys.journey_touches)"
        )

    def attribute_touches(self, touches: pd.DataFrame,
                          paths: PathTable | None = None) -> AttributionResult:
        """Attribute converting journeys given touch by touch.

        Parameters
        ----------
        touches : DataFrame
            One row per touch of each converting journey, with columns
            ``journey_id`` (any hashable), ``channel`` (str), ``days_before``
            (time from the touch to the conversion, in days, ``≥ 0``) and
            ``value`` (the journey's conversion value, the same on every row of
            the journey). Each journey is one conversion. Other columns are
            ignored.
        paths : PathTable, optional
            The path table of the same journeys. When given, the result uses
            its channel order, totals and ``(direct)`` baseline, and the
            touches must account for exactly its conversions and value.
            Without it, channels are sorted by name, totals come from the
            touches, and the direct baseline is 0.

        Returns
        -------
        AttributionResult
            Its ``fit_`` (:class:`TimeDecayFit`) counts the journeys attributed.

        Raises
        ------
        ValueError
            Missing columns, a negative or non-finite ``days_before`` or
            ``value`` (the row is named), a journey whose rows disagree on
            ``value``, a channel not in ``paths``, or touches whose journeys
            and value do not match ``paths``.
        """
        missing = [c for c in TOUCH_COLUMNS if c not in touches.columns]
        if missing:
            raise ValueError(f"touches: missing column(s) {missing}; need {list(TOUCH_COLUMNS)}")
        days = self._numeric(touches, "days_before")
        money = self._numeric(touches, "value")
        if touches["channel"].isna().any():
            row = int(np.flatnonzero(touches["channel"].isna().to_numpy())[0])
            raise ValueError(f"touches: row {row}, column 'channel': missing channel")
        if touches["journey_id"].isna().any():
            row = int(np.flatnonzero(touches["journey_id"].isna().to_numpy())[0])
            raise ValueError(f"touches: row {row}, column 'journey_id': missing journey id")
        journey, journey_ids = pd.factorize(touches["journey_id"], sort=False)
        n_journeys = len(journey_ids)
        names = touches["channel"].astype(str).to_numpy(dtype=object)
        channels, code = self._channel_codes(names, paths)

        if n_journeys:
            newest = np.full(n_journeys, np.inf)
            np.minimum.at(newest, journey, days)
            weight = np.exp2(-(days - newest[journey]) / self.half_life_days)
            weight /= np.bincount(journey, weights=weight, minlength=n_journeys)[journey]
            v_hi = np.full(n_journeys, -np.inf)
            v_lo = np.full(n_journeys, np.inf)
            np.maximum.at(v_hi, journey, money)
            np.minimum.at(v_lo, journey, money)
            bad = np.flatnonzero(v_hi - v_lo > 1e-9 * np.maximum(1.0, v_hi))
            if bad.size:
                j = int(bad[0])
                raise ValueError(
                    f"touches: journey {journey_ids[j]!r} has different values on its rows"
                    f" ({v_lo[j]} and {v_hi[j]}); value must be the journey's conversion"
                    " value repeated on every touch"
                )
            journey_value = v_hi
        else:
            weight = np.zeros(0)
            journey_value = np.zeros(0)
        n = len(channels)
        conv = np.bincount(code, weights=weight, minlength=n).astype(np.float64)
        val = np.bincount(code, weights=weight * journey_value[journey],
                          minlength=n).astype(np.float64)
        total_value = float(journey_value.sum())
        params = {"half_life_days": self.half_life_days}
        fit = TimeDecayFit(journeys=int(n_journeys))
        if paths is None:
            return AttributionResult(model=self.name, params=params, channels=channels,
                                     conversions=conv, value=val,
                                     total_conversions=float(n_journeys),
                                     total_value=total_value, fit_=fit)
        if (abs(n_journeys - paths.total_conversions) > 1e-9 * max(1.0, paths.total_conversions)
                or abs(total_value - paths.total_value) > 1e-9 * max(1.0, paths.total_value)):
            raise ValueError(
                f"touches describe {n_journeys} converting journeys worth {total_value}, but"
                f" the path table has {paths.total_conversions:g} conversions worth"
                f" {paths.total_value}; pass the touches and paths of the same journeys"
            )
        return AttributionResult.from_credit(self.name, params, paths, conv, val, fit=fit)

    @staticmethod
    def _numeric(touches: pd.DataFrame, column: str) -> np.ndarray:
        raw = touches[column]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(num) | (num < 0))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"touches: row {i}, column {column!r}: expected a finite non-negative number,"
                f" got {raw.iloc[i]!r} ({bad.size} bad rows in all)"
            )
        return num

    @staticmethod
    def _channel_codes(names: np.ndarray,
                       paths: PathTable | None) -> tuple[tuple[str, ...], np.ndarray]:
        if paths is None:
            uniq, code = np.unique(names.astype(str), return_inverse=True)
            return tuple(str(c) for c in uniq), code.astype(np.int64)
        channels: Sequence[str] = paths.channels
        index = pd.Index(channels)
        code = index.get_indexer(names)
        if np.any(code < 0):
            unknown = sorted({str(x) for x in names[code < 0]})
            raise ValueError(f"touches: channels not in the path table: {unknown}")
        return tuple(channels), code.astype(np.int64)
