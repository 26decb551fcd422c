"""The shared result type and model protocol of the attribution layer.

Every model (rule-based, Markov, Shapley) maps a :class:`~touchpath.data.paths.PathTable`
to an :class:`AttributionResult` (DESIGN.md, "Attribution models"): per channel
attributed conversions and value, their shares, optional bootstrap intervals,
and the ``(direct)`` baseline carried through untouched. Additive models obey
efficiency: ``sum(conversions) == paths.total_conversions`` and
``sum(value) == paths.total_value`` to float precision.

What a model learns besides the credit is typed, in the scikit-learn manner of
trailing-underscore attributes: :attr:`AttributionResult.fit_` is the model
family's :class:`ModelFit` record (:class:`~touchpath.attribution.markov.MarkovFit`
with the removal effects and the transition table,
:class:`~touchpath.attribution.shapley.ShapleyConversionRateFit` with the
sampling standard errors, ...), and :attr:`AttributionResult.bootstrap_` holds
the resampled credit behind the intervals (:class:`BootstrapDraws`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from touchpath.data.paths import DIRECT, PathTable
from touchpath.errors import TouchpathError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "AttributionModel",
    "AttributionResult",
    "BootstrapDraws",
    "ComputationStopped",
    "DIRECT",
    "ModelFit",
    "StopCheck",
    "check_stop",
    "credit_matrix_of",
    "sum_credit_by_path",
]

#: A cooperative stop request: called at checkpoints (before each model fit or
#: bootstrap batch); ``True`` means "stop now". The caller decides why (a time
#: budget, a cancelled request); the computation only asks.
StopCheck = Callable[[], bool]


class ComputationStopped(TouchpathError, RuntimeError):
    """A computation stopped at a checkpoint because its ``should_stop`` returned True.

    Nothing partial is returned: the message says how far it got (e.g.
    "after 120 of 1000 bootstrap resamples of markov4").
    """


def check_stop(should_stop: StopCheck | None, progress: str | Callable[[], str]) -> None:
    """Raise :class:`ComputationStopped` when ``should_stop`` asks for it.

    Parameters
    ----------
    should_stop : callable or None
        The caller's stop request; ``None`` never stops.
    progress : str or callable
        How far the computation got, e.g. ``"after 3 of 12 periods"`` (a
        callable is called only when stopping).
    """
    if should_stop is not None and should_stop():
        where = progress if isinstance(progress, str) else progress()
        raise ComputationStopped(f"stopped {where}")


@runtime_checkable
class AttributionModel(Protocol):
    """Anything with a ``name`` and ``attribute(paths) -> AttributionResult``.

    Models are small frozen dataclasses: the constructor stores settings only;
    ``attribute`` computes and returns a new result (learned quantities such as
    removal effects travel in the result's typed :attr:`AttributionResult.fit_`).
    """

    name: str

    def attribute(self, paths: PathTable) -> AttributionResult:
        """Attribute the conversions and value of ``paths`` to channels."""
        ...


def credit_matrix_of(model: AttributionModel, paths: PathTable) -> np.ndarray | None:
    """The model's per-path credit matrix when it offers one, else ``None``.

    Models whose credit is linear in the path counts (the rule-based models on
    paths and the subset and ordered Shapley values) may define
    ``credit_matrix(paths) -> ndarray (n_paths, n_channels)``: row ``p`` is the
    share of path ``p``'s conversions (and revenue) credited to each channel,
    so that ``conversions = W.T @ paths.conversions`` and
    ``value = W.T @ paths.value``. Rows sum to 1 for additive models. The
    bootstrap uses it to price every resample in one matrix product; the ROI
    table uses it to split attributed conversions exactly into first and
    repeat purchases (``W.T @ paths.first_conversions``).

    Parameters
    ----------
    model : AttributionModel
        Any model; the method is looked up by name.
    paths : PathTable
        The table the rows refer to.

    Returns
    -------
    ndarray of float64, shape (n_paths, n_channels), or None
        ``None`` when the model has no ``credit_matrix`` method.

    Raises
    ------
    ValueError
        If the matrix does not have shape (n_paths, n_channels).
    """
    method = getattr(model, "credit_matrix", None)
    if not callable(method):
        return None
    matrix = np.asarray(method(paths), dtype=np.float64)
    expected = (paths.n_paths, paths.n_channels)
    if matrix.shape != expected:
        raise ValueError(
            f"{type(model).__name__}.credit_matrix returned shape {matrix.shape},"
            f" expected {expected}"
        )
    return matrix


def sum_credit_by_path(paths: PathTable, rows: np.ndarray, channels: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """Sum credit shares into the ``(n_paths, n_channels)`` credit matrix.

    ``W[p, c] = Σ_{k: rows_k = p, channels_k = c} weights_k``, one
    :func:`numpy.bincount` over the cells ``rows · n_channels + channels``. The
    rule-based models pass one entry per touch (``paths.path_index``,
    ``paths.codes``); the subset Shapley value passes one per distinct channel of
    a path.

    Parameters
    ----------
    paths : PathTable
        The table the rows refer to (gives ``n_paths`` and ``n_channels``).
    rows, channels : ndarray of int
        Path row and channel code of every share.
    weights : ndarray of float
        The shares, aligned with ``rows``.

    Returns
    -------
    ndarray of float64, shape (n_paths, n_channels)
    """
    n = paths.n_channels
    cells = np.asarray(rows).astype(np.int64) * n + channels
    credit = np.bincount(cells, weights=np.asarray(weights, dtype=np.float64),
                         minlength=paths.n_paths * n)
    return credit.astype(np.float64).reshape(paths.n_paths, n)


#: A scalar setting or diagnostic of a fit, as :meth:`ModelFit.diagnostics` lists it.
Scalar = str | bool | int | float


@dataclass(frozen=True, eq=False)
class ModelFit:
    """What a model learned besides the credit: the base of every family's fit record.

    Each model family defines a frozen dataclass of typed, documented fields
    (e.g. :class:`~touchpath.attribution.markov.MarkovFit`); per-channel arrays
    are aligned with :attr:`AttributionResult.channels`. A result carries its
    record as :attr:`AttributionResult.fit_`; models that learn nothing beyond
    the credit leave it ``None``.
    """

    def diagnostics(self) -> dict[str, Scalar]:
        """The record's scalar fields (one number, flag or word each), in field order.

        Tables, arrays and optional fields left ``None`` are not listed: they
        have typed attributes of their own.
        """
        out: dict[str, Scalar] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, str | bool | int | float):
                out[f.name] = value
        return out


@dataclass(frozen=True, eq=False)
class BootstrapDraws:
    """The refitted credit of every bootstrap resample, behind a result's intervals.

    Attributes
    ----------
    n_resamples : int
        Resamples drawn.
    seed : int
        Seed of the draws (same seed, same draws).
    method : {"vectorised", "refit", "touches"}
        How resamples were priced: one matrix product over the model's credit
        matrix, one refit per resample, or from the journeys' touches (time decay).
    conversions, value : ndarray of float64, shape (n_resamples, n_channels)
        Attributed conversions and revenue of each resample, columns aligned
        with :attr:`AttributionResult.channels`.
    """

    n_resamples: int
    seed: int
    method: Literal["vectorised", "refit", "touches"]
    conversions: np.ndarray
    value: np.ndarray


@dataclass(frozen=True, eq=False)
class AttributionResult:
    """Per-channel credit from one model on one path table.

    Parameters
    ----------
    model : str
        Model name, e.g. ``"markov"``.
    params : dict
        The settings that produced it (e.g. ``{"order": 2}``).
    channels : tuple of str
        Channel names, in the path table's order.
    conversions, value : ndarray of float64, shape (n_channels,)
        Attributed conversions and revenue.
    total_conversions, total_value : float
        What was attributed: the path table's converting journeys and revenue.
    direct_conversions, direct_value : float
        The ``(direct)`` baseline from the path table, reported apart.
    additive : bool
        ``True`` when credit sums to the totals (all models but participation,
        which reports reach).
    conversions_ci, value_ci : ndarray of shape (n_channels, 2), optional
        Lower and upper bootstrap bounds.
    ci_level : float, optional
        Coverage of the intervals, e.g. 0.95.
    fit_ : ModelFit, optional
        What the model learned besides the credit, typed per model family
        (:class:`~touchpath.attribution.markov.MarkovFit`,
        :class:`~touchpath.attribution.shapley.ShapleySubsetFit`,
        :class:`~touchpath.attribution.shapley.OrderedShapleyFit`,
        :class:`~touchpath.attribution.shapley.ShapleyConversionRateFit`,
        :class:`~touchpath.attribution.rules.LastNonDirectFit`,
        :class:`~touchpath.attribution.rules.TimeDecayFit`); ``None`` for
        models that learn nothing more.
    bootstrap_ : BootstrapDraws, optional
        The resampled credit behind the intervals (with intervals only).
    warnings : tuple of str
        What a reader must know before acting on the credit, in plain words
        (e.g. a conversion-rate Shapley value that gives a channel negative
        credit); empty when there is nothing to say.
    """

    model: str
    params: dict[str, Any]
    channels: tuple[str, ...]
    conversions: np.ndarray
    value: np.ndarray
    total_conversions: float
    total_value: float
    direct_conversions: float = 0.0
    direct_value: float = 0.0
    additive: bool = True
    conversions_ci: np.ndarray | None = None
    value_ci: np.ndarray | None = None
    ci_level: float | None = None
    fit_: ModelFit | None = None
    bootstrap_: BootstrapDraws | None = None
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_credit(
        cls,
        model: str,
        params: dict[str, Any],
        paths: PathTable,
        conversions: np.ndarray,
        value: np.ndarray,
        *,
        additive: bool = True,
        fit: ModelFit | None = None,
        warnings: Sequence[str] = (),
    ) -> AttributionResult:
        """Wrap per-channel credit arrays with the totals of ``paths``."""
        return cls(
            model=model,
            params=dict(params),
            channels=paths.channels,
            conversions=np.asarray(conversions, dtype=np.float64),
            value=np.asarray(value, dtype=np.float64),
            total_conversions=paths.total_conversions,
            total_value=paths.total_value,
            direct_conversions=float(paths.direct_conversions),
            direct_value=float(paths.direct_value),
            additive=additive,
            fit_=fit,
            warnings=tuple(warnings),
        )

    @property
    def label(self) -> str:
        """Short name: the model's registry spec with only its non-default settings.

        ``markov2`` (not ``markov(order=2)``), ``position`` for the default
        40/20/40 U-shape, ``time_decay(half_life_days=3.0)``; see
        :func:`touchpath.attribution.registry.short_label`. Every setting stays in
        :attr:`params`.
        """
        from touchpath.attribution.registry import short_label  # the registry imports this module

        return short_label(self.model, self.params)

    @property
    def share(self) -> np.ndarray:
        """Share of the attributed conversions (0 when there are none)."""
        total = self.total_conversions
        return self.conversions / total if total > 0 else np.zeros_like(self.conversions)

    @property
    def value_share(self) -> np.ndarray:
        """Share of the attributed revenue (0 when there is none)."""
        total = self.total_value
        return self.value / total if total > 0 else np.zeros_like(self.value)

    def with_ci(self, conversions_ci: np.ndarray, value_ci: np.ndarray, level: float,
                draws: BootstrapDraws | None = None) -> AttributionResult:
        """A copy carrying bootstrap intervals (and the resampled credit behind them)."""
        return replace(self, conversions_ci=np.asarray(conversions_ci, float),
                       value_ci=np.asarray(value_ci, float), ci_level=level,
                       bootstrap_=draws)

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """One row per channel (plus the ``(direct)`` row when it is non-zero).

        Columns: ``channel, conversions, value, share, value_share`` and, with
        intervals, ``conversions_lo, conversions_hi, value_lo, value_hi``.
        ``share`` is of the path conversions; the direct row has no share.
        """
        frame = pd.DataFrame(
            {
                "channel": list(self.channels),
                "conversions": self.conversions,
                "value": self.value,
                "share": self.share,
                "value_share": self.value_share,
            }
        )
        if self.conversions_ci is not None and self.value_ci is not None:
            frame["conversions_lo"] = self.conversions_ci[:, 0]
            frame["conversions_hi"] = self.conversions_ci[:, 1]
            frame["value_lo"] = self.value_ci[:, 0]
            frame["value_hi"] = self.value_ci[:, 1]
        if include_direct and (self.direct_conversions > 0 or self.direct_value > 0):
            direct = {"channel": DIRECT, "conversions": self.direct_conversions,
                      "value": self.direct_value, "share": np.nan, "value_share": np.nan}
            frame = pd.concat([frame, pd.DataFrame([direct])], ignore_index=True)
        frame.insert(0, "model", self.label)
        return frame

    def to_records(self, include_direct: bool = True) -> list[dict[str, Any]]:
        """JSON-ready list of per-channel objects (NaN becomes ``None``)."""
        frame = self.to_frame(include_direct).astype(object)
        return frame.where(pd.notna(frame), None).to_dict(orient="records")

    def plot(self, ax: Axes | None = None, *, metric: str = "conversions") -> Axes:
        """Horizontal bars of credit per channel, with CI whiskers when present.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        metric : {"conversions", "value"}, default "conversions"
            Attributed conversions or attributed revenue.

        Raises
        ------
        ValueError
            For any other ``metric``.
        """
        if metric not in ("conversions", "value"):
            raise ValueError(f"metric must be 'conversions' or 'value', got {metric!r}")
        import matplotlib.pyplot as plt  # plotting stays out of the math import path

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.45 * len(self.channels) + 1.5))
        values = self.conversions if metric == "conversions" else self.value
        ci = self.conversions_ci if metric == "conversions" else self.value_ci
        y = np.arange(len(self.channels))
        xerr = None
        if ci is not None:
            xerr = np.vstack([values - ci[:, 0], ci[:, 1] - values]).clip(min=0)
        ax.barh(y, values, xerr=xerr, color="#3b6ea5", capsize=3)
        ax.set_yticks(y, labels=list(self.channels))
        ax.invert_yaxis()
        ax.set_xlabel(f"attributed {metric}")
        ax.set_title(self.label)
        return ax
