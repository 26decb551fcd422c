"""Every model on the same journeys, side by side.

DESIGN.md, "Attribution models" (model comparison).


:func:`compare` runs a list of models (instances or registry specs such as
``"markov2"``) on one :class:`~touchpath.data.paths.PathTable`, optionally with bootstrap
intervals, and returns a :class:`ModelComparison`: one tidy table (channel ×
model: conversions, value, share, interval bounds), a wide share table, rank
agreement between the models and a grouped bar chart.

Rank agreement between two models is measured on their per-channel shares by
Spearman's ρ (Pearson correlation of the ranks, ties at mid-rank; Spearman
1904) and Kendall's τ-b (concordant minus discordant pairs over the tie
corrected number of pairs; Kendall 1945), both from :mod:`scipy.stats`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionModel, AttributionResult, StopCheck, check_stop
from touchpath.attribution.bootstrap import ProgressArg, run_model
from touchpath.attribution.plotting import money_axis
from touchpath.attribution.registry import make_model, needs_touches
from touchpath.attribution.shapley import DegenerateGameError
from touchpath.data.paths import PathTable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["METRICS", "ModelComparison", "compare"]

#: Metrics :meth:`ModelComparison.wide` and :meth:`ModelComparison.plot` accept.
METRICS = ("conversions", "value", "share", "value_share")

_TIDY_COLUMNS = [
    "model", "channel", "conversions", "value", "share", "value_share",
    "conversions_lo", "conversions_hi", "value_lo", "value_hi",
]


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Results of several models on one path table.

    Parameters
    ----------
    results : tuple of AttributionResult
        One per model that ran, in the order given.
    labels : tuple of str
        Column name of each result: the spec as given when the model was given
        as a string (``"markov2"``), else the result's short
        :attr:`~touchpath.attribution.base.AttributionResult.label`; repeated names get
        ``#2``, ``#3`` ...
    skipped : tuple of (str, str)
        Models that could not run on this input, with the reason (e.g. time
        decay without touch timestamps, a degenerate conversion-rate game).
    """

    results: tuple[AttributionResult, ...]
    labels: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if len(self.results) != len(self.labels):
            raise ValueError(f"one label per result is needed, got {len(self.labels)} labels"
                             f" for {len(self.results)} results")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels must be unique, got {list(self.labels)}")

    @property
    def channels(self) -> list[str]:
        """Channels of all results, in order of first appearance."""
        seen: dict[str, None] = {}
        for result in self.results:
            seen.update(dict.fromkeys(result.channels))
        return list(seen)

    @property
    def has_ci(self) -> bool:
        """Whether any result carries bootstrap intervals."""
        return any(r.conversions_ci is not None for r in self.results)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every result's warnings, in the order of the results (each names its model)."""
        return tuple(w for r in self.results for w in r.warnings)

    def negative_credit(self) -> list[tuple[str, list[str]]]:
        """``(label, channels)`` of each result that gives some channels negative credit."""
        out = []
        for label, r in zip(self.labels, self.results, strict=True):
            chs = [c for c, v in zip(r.channels, r.conversions, strict=True) if v < 0]
            if chs:
                out.append((label, chs))
        return out

    def result(self, label: str) -> AttributionResult:
        """The result of the model labelled ``label``."""
        try:
            return self.results[self.labels.index(label)]
        except ValueError:
            raise KeyError(f"no model {label!r}; models: {', '.join(self.labels)}") from None

    def to_frame(self, include_direct: bool = False) -> pd.DataFrame:
        """Tidy table: one row per (model, channel).

        Columns ``model, channel, conversions, value, share, value_share,
        conversions_lo, conversions_hi, value_lo, value_hi`` (bounds are NaN
        without intervals). With ``include_direct`` each model also gets its
        ``(direct)`` baseline row (no share).
        """
        frames = []
        for label, result in zip(self.labels, self.results, strict=True):
            frame = result.to_frame(include_direct=include_direct)
            frame["model"] = label
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=_TIDY_COLUMNS)
        tidy = pd.concat(frames, ignore_index=True)
        for col in _TIDY_COLUMNS:
            if col not in tidy.columns:
                tidy[col] = np.nan
        return tidy[_TIDY_COLUMNS]

    def wide(self, metric: str = "share") -> pd.DataFrame:
        """Channel rows, one column per model, of ``metric`` (default ``share``)."""
        _check_metric(metric)
        table = pd.DataFrame(index=pd.Index(self.channels, name="channel"))
        for label, result in zip(self.labels, self.results, strict=True):
            values = getattr(result, metric)
            table[label] = pd.Series(np.asarray(values, dtype=np.float64),
                                     index=list(result.channels))
        return table

    def rank_agreement(self, metric: str = "share") -> pd.DataFrame:
        """Spearman's ρ and Kendall's τ-b between every pair of models.

        Computed on the per-channel ``metric`` over the channels both models
        report. NaN when either model gives every channel the same credit (a
        rank correlation is undefined for constant input).

        Returns
        -------
        DataFrame
            Columns ``model_a, model_b, spearman, kendall, n_channels``, one
            row per unordered pair, in the order the models were given.
        """
        # scipy.stats pulls in scipy.optimize, which the package import avoids (see __init__)
        from scipy import stats

        wide = self.wide(metric)
        rows: list[dict[str, Any]] = []
        for i, a in enumerate(self.labels):
            for b in self.labels[i + 1 :]:
                pair = wide[[a, b]].dropna()
                x, y = pair[a].to_numpy(), pair[b].to_numpy()
                rho = tau = float("nan")
                if len(pair) >= 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        rho = float(stats.spearmanr(x, y).statistic)
                        tau = float(stats.kendalltau(x, y).statistic)
                rows.append({"model_a": a, "model_b": b, "spearman": rho, "kendall": tau,
                             "n_channels": len(pair)})
        return pd.DataFrame(rows, columns=["model_a", "model_b", "spearman", "kendall",
                                           "n_channels"])

    def bounds(self, result: AttributionResult, metric: str = "share") -> np.ndarray | None:
        """Interval bounds of ``result`` in the units of ``metric``, shape (n_channels, 2).

        Share bounds are the conversion (or revenue) bounds divided by the
        attributed total. ``None`` when the result has no intervals.
        """
        _check_metric(metric)
        ci = result.value_ci if metric in ("value", "value_share") else result.conversions_ci
        if ci is None:
            return None
        if metric == "share":
            total = result.total_conversions
            return ci / total if total > 0 else np.zeros_like(ci)
        if metric == "value_share":
            total = result.total_value
            return ci / total if total > 0 else np.zeros_like(ci)
        return ci

    def plot(self, path: str | PathLike[str] | None = None, *,
             metric: str = "conversions", currency: str | None = None) -> Figure:
        """Grouped bars: per channel, one bar per model, with CI whiskers when present.

        Negative credit (the conversion-rate Shapley value can give it) is drawn
        below the zero line, and the title says which model gave it to which
        channels (see :attr:`warnings`).

        Parameters
        ----------
        path : path-like, optional
            Where to save the chart as PNG.
        metric : {"conversions", "value", "share", "value_share"}
        currency : str, optional
            Shown in the axis title when ``metric`` is ``value`` (money).

        Returns
        -------
        matplotlib.figure.Figure
            Built without pyplot, so no global figure is left open.
        """
        _check_metric(metric)
        from matplotlib.figure import Figure  # plotting stays out of the math import path

        channels = self.channels
        n_models = max(1, len(self.results))
        width = 0.8 / n_models
        fig = Figure(figsize=(max(6.0, 0.9 * len(channels) * max(1.0, n_models / 4) + 2), 4.5),
                     layout="constrained")
        ax = fig.subplots()
        x = np.arange(len(channels))
        colours = _palette(n_models)
        for k, (label, result) in enumerate(zip(self.labels, self.results, strict=True)):
            pos = {c: i for i, c in enumerate(result.channels)}
            idx = np.array([pos.get(c, -1) for c in channels])
            values = np.asarray(getattr(result, metric), dtype=np.float64)
            heights = np.where(idx >= 0, values[idx], 0.0)
            bounds = self.bounds(result, metric)
            yerr = None
            if bounds is not None:
                lo = np.where(idx >= 0, bounds[idx, 0], heights)
                hi = np.where(idx >= 0, bounds[idx, 1], heights)
                yerr = np.vstack([heights - lo, hi - heights]).clip(min=0)
            ax.bar(x - 0.4 + width * (k + 0.5), heights, width, yerr=yerr, capsize=2,
                   label=label, color=colours[k], error_kw={"elinewidth": 0.8})
        ax.set_xticks(x, labels=channels, rotation=30 if len(channels) > 6 else 0,
                      ha="right" if len(channels) > 6 else "center")
        if metric == "value":
            money_axis(ax.yaxis, currency, "attributed revenue")
        else:
            ax.set_ylabel(f"attributed {metric.replace('_', ' ')}")
        ax.axhline(0.0, color="#4b5563", linewidth=0.8)
        title = "Attribution by model"
        if self.has_ci:
            level = next(r.ci_level for r in self.results if r.ci_level is not None)
            title += f" ({level:.0%} bootstrap intervals)"
        negative = [f"{label} on {', '.join(chs)}" for label, chs in self.negative_credit()]
        if negative:
            title += ("\nnegative credit (below zero): " + "; ".join(negative)
                      + " (a rate game: a relative signal, not conversions)")
        ax.set_title(title)
        ax.legend(fontsize="small", ncols=min(4, n_models))
        ax.grid(axis="y", alpha=0.3)
        if path is not None:
            fig.savefig(path, dpi=120, format="png")
        return fig


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps  # plotting stays out of the math import path

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return out


def compare(
    models: Sequence[AttributionModel | str],
    paths: PathTable,
    *,
    touches: pd.DataFrame | None = None,
    ci: int = 0,
    level: float = 0.95,
    seed: int = 0,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
) -> ModelComparison:
    """Run every model on ``paths`` (and ``touches`` for time decay).

    Parameters
    ----------
    models : sequence of AttributionModel or str
        Model instances or registry specs (``"first_touch"``, ``"markov2"``,
        ``"custom(first=0.5,middle=0,last=0.5)"``; see
        :func:`touchpath.attribution.registry.available_models`).
    paths : PathTable
    touches : DataFrame, optional
        Journey touches with timestamps (``journey_touches``); without them
        models that need timestamps (time decay) are skipped and listed in
        ``skipped`` with the reason. A model whose game is degenerate on this
        input (:class:`~touchpath.attribution.shapley.DegenerateGameError`, on the full
        data or a bootstrap resample) is skipped the same way, its message as
        the reason.
    ci : int, default 0
        Bootstrap resamples per model; 0 for no intervals.
    level, seed, progress
        Passed to :func:`touchpath.attribution.bootstrap.bootstrap`; every model gets
        the same seed, hence the same resampled journeys.
    should_stop : callable, optional
        Asked before each model and, with ``ci > 0``, between bootstrap
        resamples; True stops the comparison with
        :class:`~touchpath.attribution.base.ComputationStopped` (no partial comparison).

    Returns
    -------
    ModelComparison
        Labelled by the specs as given (whitespace runs collapsed) for string
        models and by the results' short labels for instances.

    Raises
    ------
    ModelSpecError
        For an unknown spec (before any model runs).
    ValueError
        For an empty model list or a negative ``ci``.
    ComputationStopped
        ``should_stop`` returned True (the message names the model it was on).
    """
    if not models:
        raise ValueError("compare needs at least one model")
    if ci < 0:
        raise ValueError(f"ci (bootstrap resamples) must be 0 or positive, got {ci}")
    built = [make_model(m) for m in models]
    asked = [" ".join(m.split()) if isinstance(m, str) else None for m in models]
    results: list[AttributionResult] = []
    names: list[str | None] = []
    skipped: list[tuple[str, str]] = []
    for k, (model, spec) in enumerate(zip(built, asked, strict=True)):
        check_stop(should_stop, f"after {k} of {len(built)} models, before {spec or model.name}")
        touch_model = needs_touches(model)
        if touch_model and touches is None:
            skipped.append((spec or model.name, "needs touch timestamps, which a path table"
                                                " does not carry; read journeys from the"
                                                " warehouse"))
            continue
        try:
            result = run_model(model, paths, touches=touches, ci=ci, level=level, seed=seed,
                               progress=progress, should_stop=should_stop)
        except DegenerateGameError as exc:
            skipped.append((spec or model.name, f"degenerate game, nothing to share: {exc}"))
            continue
        results.append(result)
        names.append(spec)
    labels = _unique([spec or r.label for spec, r in zip(names, results, strict=True)])
    return ModelComparison(tuple(results), tuple(labels), tuple(skipped))
