"""Response curves: attributed revenue as a concave, saturating function of spend.

DESIGN.md, "Budget optimizer". Per channel, the points are (spend, attributed
revenue) of each period of the channel ROI table. Two saturating forms are
fitted by least squares (:func:`scipy.optimize.curve_fit`, trust-region
reflective with bounds):

* ``exponential``: ``R(s) = a · (1 − exp(−s / k))`` with ``a > 0, k > 0``
  (``a`` the saturation revenue, ``k`` the spend scale; marginal ROI at zero
  spend is ``a / k``);
* ``power``: ``R(s) = a · s^b`` with ``a > 0`` and ``0 < b ≤ 1``.

Both pass through the origin and are concave for these bounds, so the
optimizer's piecewise-linear cut has non-increasing slopes. The form with the
lowest AIC, ``n · ln(RSS / n) + 2p``, is chosen; both forms have ``p = 2``
parameters so this is the lowest residual sum of squares, and AIC is reported
so that forms with other parameter counts compare on the same scale. Fit
quality is reported as ``r2 = 1 − RSS / TSS`` and ``rmse = √(RSS / n)``, with
the spend range the data covered (``spend_min``, ``spend_max``).

Fallback (``method == "fallback"``, the reason in ``note``): fewer than
``min_periods`` periods with positive spend, every fit failing, or the best
``r2`` below ``min_r2``. The curve is then a constant ROI up to a cap,
``R(s) = roi · min(s, cap)`` with ``roi = Σ revenue / Σ spend``; ``cap`` is the
user's ``fallback_cap`` or, when none is given, 1.5 × the largest observed
spend (said in the note).

Periods with zero spend are left out of the fit: they say nothing about the
response to spend (before a launch, the channel did not exist).

This module only fits. The optimizer owns piecewise-linear curves: it cuts a
fitted curve into chords over ``[0, max_spend]``
(:func:`touchpath.optimizer.curves.segments_from`, with a break at each of the
curve's :attr:`FittedCurve.kinks`, the cap of a constant curve) and writes its
curves document (:func:`touchpath.optimizer.io.curves_document`).
:attr:`FittedCurve.max_spend`, the default right end of that cut, is 1.5 × the
largest observed spend for a fitted curve, the cap for a fallback.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit

from touchpath.attribution.plotting import money_axis
from touchpath.data.paths import DIRECT
from touchpath.errors import TouchpathError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "EXTRAPOLATION",
    "FORMS",
    "MIN_R2",
    "CurveFitError",
    "FittedCurve",
    "curves_frame",
    "fit_curves",
    "fit_response_curve",
    "plot_curves",
]

#: Default segment range as a multiple of the largest observed spend.
EXTRAPOLATION = 1.5

#: Best ``r2`` below which a fit falls back to a constant ROI (and a plan warns).
MIN_R2 = 0.3

#: The saturating forms that can be fitted.
FORMS = ("exponential", "power")


class CurveFitError(TouchpathError, ValueError):
    """A response curve could not be fitted or plotted: says what and why."""


def _exponential(s: np.ndarray, a: float, k: float) -> np.ndarray:
    return a * -np.expm1(-s / k)


def _power(s: np.ndarray, a: float, b: float) -> np.ndarray:
    return a * np.power(s, b)


@dataclass(frozen=True, eq=False)
class FittedCurve:
    """Revenue as a function of period spend for one channel.

    Attributes
    ----------
    channel : str
    form : {"exponential", "power", "constant"}
    params : dict
        ``{"a", "k"}`` (exponential), ``{"a", "b"}`` (power) or
        ``{"roi", "cap"}`` (constant).
    method : {"fit", "fallback"}
    note : str
        Why a fallback was taken, or which form won and by how much.
    r2, rmse, aic : float
        Fit quality on the observed points (of the constant curve for a fallback).
    n_periods : int
        Periods with positive spend used.
    spend_min, spend_max : float
        Spend range covered by the data (NaN without data).
    max_spend : float
        Default right end of the optimizer's piecewise-linear cut
        (:func:`touchpath.optimizer.curves.segments_from`).
    spend, revenue_observed : ndarray
        The observed points (positive-spend periods); :meth:`revenue` is the
        fitted curve.
    candidates : dict
        Per form tried: parameters, ``r2``, ``rmse``, ``aic`` (or ``error``).
    """

    channel: str
    form: str
    params: dict[str, float]
    method: str
    note: str
    r2: float
    rmse: float
    aic: float
    n_periods: int
    spend_min: float
    spend_max: float
    max_spend: float
    spend: np.ndarray = field(repr=False)
    revenue_observed: np.ndarray = field(repr=False)
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------- evaluation
    def revenue(self, spend: float | np.ndarray) -> float | np.ndarray:
        """Expected revenue ``R(s)`` at period spend ``s`` (scalar or array)."""
        s = np.asarray(spend, dtype=np.float64)
        if np.any(s < 0):
            raise CurveFitError(f"{self.channel}: spend must be non-negative")
        p = self.params
        if self.form == "exponential":
            out = _exponential(s, p["a"], p["k"])
        elif self.form == "power":
            out = _power(s, p["a"], p["b"])
        else:
            out = p["roi"] * np.minimum(s, p["cap"])
        return float(out) if np.ndim(out) == 0 else out

    def marginal(self, spend: float | np.ndarray) -> float | np.ndarray:
        """Marginal ROI ``dR/ds`` (``inf`` at zero for a power curve with ``b < 1``)."""
        s = np.asarray(spend, dtype=np.float64)
        if np.any(s < 0):
            raise CurveFitError(f"{self.channel}: spend must be non-negative")
        p = self.params
        with np.errstate(divide="ignore"):
            if self.form == "exponential":
                out = p["a"] / p["k"] * np.exp(-s / p["k"])
            elif self.form == "power":
                out = (p["a"] * p["b"] * np.power(s, p["b"] - 1.0) if p["b"] != 1.0
                       else np.full_like(s, p["a"]))
            else:
                out = np.where(s < p["cap"], p["roi"], 0.0)
        return float(out) if np.ndim(out) == 0 else out

    @property
    def kinks(self) -> tuple[float, ...]:
        """Spends where the slope jumps: the cap of a constant curve (when > 0), else none.

        A chord cut puts a breakpoint at each, so its segments follow the curve exactly.
        """
        if self.form == "constant" and self.params["cap"] > 0:
            return (float(self.params["cap"]),)
        return ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with the fit and the observed range."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "channel": self.channel, "form": self.form, "method": self.method,
            "note": self.note, "params": {k: float(v) for k, v in self.params.items()},
            "r2": num(self.r2), "rmse": num(self.rmse), "aic": num(self.aic),
            "n_periods": self.n_periods, "spend_min": num(self.spend_min),
            "spend_max": num(self.spend_max), "max_spend": float(self.max_spend),
        }

    def describe(self) -> str:
        """One line: form, parameters, fit quality."""
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        r2 = "n/a" if not math.isfinite(self.r2) else f"{self.r2:.3f}"
        return f"{self.channel}: {self.form}({params}) [{self.method}] r2={r2}"

    def plot(self, ax: Axes | None = None, *,
             breakpoints: Sequence[float] | None = None, currency: str | None = None) -> Axes:
        """Observed points, the fitted curve and, given its breakpoints, its segments.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Drawn on a new figure when not given.
        breakpoints : sequence of float, optional
            Spends ``0 = s_0 < … < s_m`` of a piecewise-linear cut
            (:func:`touchpath.optimizer.curves.breakpoints`): the chords between
            them are drawn over the curve, and the curve up to ``s_m``. Without
            them, the curve is drawn up to :attr:`max_spend`.
        currency : str, optional
            Shown in the axis titles; both axes are money (``950k``, ``1.2M``).
        """
        import matplotlib.pyplot as plt  # plotting stays out of the math import path

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        xs = np.asarray(breakpoints if breakpoints is not None else [0.0, self.max_spend],
                        dtype=np.float64)
        hi = float(xs[-1]) if len(xs) > 1 and xs[-1] > 0 else max(
            float(np.max(self.spend, initial=0.0)), 1.0)
        grid = np.linspace(0.0, hi, 200)
        ax.scatter(self.spend, self.revenue_observed, color="#333333", s=18, zorder=3,
                   label="periods")
        ax.plot(grid, self.revenue(grid), color="#3b6ea5", label=self.form)
        if breakpoints is not None and len(xs) > 1:
            ax.plot(xs, self.revenue(xs), color="#d9822b", ls="--", marker="|",
                    label=f"{len(xs) - 1} segments")
        if math.isfinite(self.spend_max):
            ax.axvspan(self.spend_min, self.spend_max, color="#3b6ea5", alpha=0.07,
                       label="observed range")
        r2 = "" if not math.isfinite(self.r2) else f", R²={self.r2:.2f}"
        ax.set_title(f"{self.channel} ({self.method}{r2})", fontsize=9)
        money_axis(ax.xaxis, currency, "spend per period")
        money_axis(ax.yaxis, currency, "attributed revenue")
        ax.legend(fontsize=7)
        return ax


def _stats(y: np.ndarray, fitted: np.ndarray, p: int) -> dict[str, float]:
    n = len(y)
    rss = float(np.sum((y - fitted) ** 2))
    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - rss / tss if tss > 0 else (1.0 if rss == 0 else -math.inf)
    aic = n * math.log(max(rss, 1e-300) / n) + 2 * p
    return {"r2": r2, "rmse": math.sqrt(rss / n), "aic": aic}


def _fit_form(form: str, s: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Least-squares fit of one form on normalised data; parameters in original units."""
    s_scale = float(s.max())
    y_scale = float(np.max(np.abs(y))) or 1.0
    x, t = s / s_scale, y / y_scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizeWarning)
        if form == "exponential":
            popt, _ = curve_fit(_exponential, x, t, p0=[2.0, 1.0],
                                bounds=([1e-12, 1e-9], [np.inf, np.inf]), method="trf",
                                maxfev=20000)
            params = {"a": float(popt[0] * y_scale), "k": float(popt[1] * s_scale)}
            fitted = _exponential(s, params["a"], params["k"])
        elif form == "power":
            popt, _ = curve_fit(_power, x, t, p0=[1.0, 0.7],
                                bounds=([1e-12, 1e-9], [np.inf, 1.0]), method="trf",
                                maxfev=20000)
            params = {"a": float(popt[0] * y_scale / s_scale ** popt[1]), "b": float(popt[1])}
            fitted = _power(s, params["a"], params["b"])
        else:
            raise CurveFitError(f"unknown curve form {form!r}; choose from {FORMS}")
    if not np.all(np.isfinite(fitted)):
        raise CurveFitError(f"{form}: fit produced non-finite values")
    return {"params": params, **_stats(y, fitted, 2)}


def fit_response_curve(
    spend: Sequence[float] | np.ndarray,
    revenue: Sequence[float] | np.ndarray,
    channel: str,
    *,
    min_periods: int = 4,
    fallback_cap: float | None = None,
    forms: Iterable[str] = FORMS,
    min_r2: float = MIN_R2,
) -> FittedCurve:
    """Fit a concave saturating response curve, or fall back to a capped constant ROI.

    Parameters
    ----------
    spend, revenue : array-like
        Per period spend and attributed revenue (same length, finite, ≥ 0).
    channel : str
    min_periods : int
        Fewer periods with positive spend than this → fallback (default 4).
    fallback_cap : float, optional
        Maximum spend of the constant-ROI fallback (default 1.5 × the largest
        observed spend).
    forms : iterable of {"exponential", "power"}
        Forms to try; the lowest AIC wins (see the module docstring).
    min_r2 : float
        Best ``r2`` below this → fallback (default 0.3).

    Returns
    -------
    FittedCurve

    Raises
    ------
    CurveFitError
        Arrays of different length, negative or non-finite values, unknown form.

    Examples
    --------
    >>> c = fit_response_curve([100, 200], [300, 500], "email")
    >>> c.method, c.params["roi"], c.params["cap"]
    ('fallback', 2.6666666666666665, 300.0)
    """
    s = np.asarray(spend, dtype=np.float64).ravel()
    y = np.asarray(revenue, dtype=np.float64).ravel()
    if s.shape != y.shape:
        raise CurveFitError(f"{channel}: spend has {s.size} values but revenue has {y.size}")
    for name, arr in (("spend", s), ("revenue", y)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            raise CurveFitError(f"{channel}: {name}[{int(bad[0])}] = {arr[bad[0]]!r}: "
                             "must be finite and non-negative")
    forms = tuple(forms)
    unknown = [f for f in forms if f not in FORMS]
    if not forms:
        raise CurveFitError(f"{channel}: no curve form to try; choose from {FORMS}")
    if unknown:
        raise CurveFitError(f"unknown curve forms {unknown}; choose from {FORMS}")
    if fallback_cap is not None and (not math.isfinite(fallback_cap) or fallback_cap < 0):
        raise CurveFitError(
            f"{channel}: fallback_cap must be finite and >= 0, got {fallback_cap!r}")
    keep = s > 0
    s, y = s[keep], y[keep]
    n = int(s.size)
    s_lo = float(s.min()) if n else math.nan
    s_hi = float(s.max()) if n else math.nan
    candidates: dict[str, dict[str, Any]] = {}
    reason = ""
    if n < min_periods:
        reason = f"{n} period(s) with spend < min_periods {min_periods}"
    else:
        for form in forms:
            try:
                candidates[form] = _fit_form(form, s, y)
            except (RuntimeError, ValueError, OptimizeWarning) as exc:
                candidates[form] = {"error": str(exc)}
        good = {f: c for f, c in candidates.items() if "error" not in c}
        if not good:
            reason = "every fit failed: " + "; ".join(
                f"{f}: {c['error']}" for f, c in candidates.items())
        else:
            best = min(good, key=lambda f: good[f]["aic"])
            fit = good[best]
            if fit["r2"] < min_r2:
                reason = f"poor fit: best r2 {fit['r2']:.3f} ({best}) < min_r2 {min_r2:g}"
            else:
                others = ", ".join(f"{f} AIC {c['aic']:.2f}" for f, c in good.items()
                                   if f != best)
                note = f"{best} chosen by lowest AIC {fit['aic']:.2f}" + (
                    f" (vs {others})" if others else "")
                return FittedCurve(channel, best, fit["params"], "fit", note, fit["r2"],
                                     fit["rmse"], fit["aic"], n, s_lo, s_hi,
                                     EXTRAPOLATION * s_hi, s, y, candidates)
    total_spend = float(s.sum())
    roi = float(y.sum()) / total_spend if total_spend > 0 else 0.0
    if fallback_cap is not None:
        cap, cap_note = float(fallback_cap), f"user cap {float(fallback_cap):g}"
    elif n:
        cap, cap_note = EXTRAPOLATION * s_hi, (
            f"no cap given: cap = {EXTRAPOLATION:g} × largest observed spend {s_hi:g}")
    else:
        cap, cap_note = 0.0, "no spend observed and no cap given: cap 0"
    roi_note = (f"constant ROI {roi:.6g} = Σ revenue / Σ spend" if total_spend > 0
                else "ROI undefined without spend: curve set to 0")
    note = f"fallback ({reason}): {roi_note}, {cap_note}"
    if n:
        st = _stats(y, roi * np.minimum(s, cap), 1)
    else:
        st = {"r2": math.nan, "rmse": math.nan, "aic": math.nan}
    return FittedCurve(channel, "constant", {"roi": roi, "cap": cap}, "fallback", note,
                         st["r2"], st["rmse"], st["aic"], n, s_lo, s_hi, cap, s, y, candidates)


def fit_curves(
    roi_table: Any,
    *,
    channels: Iterable[str] | None = None,
    min_periods: int = 4,
    fallback_cap: float | Mapping[str, float] | None = None,
    forms: Iterable[str] = FORMS,
    min_r2: float = MIN_R2,
) -> dict[str, FittedCurve]:
    """One response curve per channel from a channel ROI table.

    Parameters
    ----------
    roi_table : ChannelROITable or DataFrame
        Needs ``channel, spend, attributed_revenue`` per period; the
        ``(direct)`` row is skipped.
    channels : iterable of str, optional
        Which channels (default: every channel with spend in some period).
    min_periods, forms, min_r2 : see :func:`fit_response_curve`
    fallback_cap : float or mapping channel → float, optional
        Cap of the constant-ROI fallback, for all channels or per channel.

    Returns
    -------
    dict of str to FittedCurve
    """
    frame = roi_table.to_frame() if hasattr(roi_table, "to_frame") else roi_table
    missing = [c for c in ("channel", "spend", "attributed_revenue") if c not in frame.columns]
    if missing:
        raise CurveFitError(f"ROI table: missing columns {missing}")
    frame = frame[frame["channel"] != DIRECT]
    if "period_start" in frame.columns:
        frame = frame.sort_values("period_start", kind="stable")
    if channels is None:
        spent = frame.groupby("channel", sort=False)["spend"].sum()
        channels = [str(c) for c in spent.index[spent > 0]]
    curves = {}
    for ch in channels:
        rows = frame[frame["channel"] == ch]
        cap = fallback_cap.get(ch) if isinstance(fallback_cap, Mapping) else fallback_cap
        curves[ch] = fit_response_curve(
            rows["spend"].to_numpy(float), rows["attributed_revenue"].to_numpy(float), ch,
            min_periods=min_periods, fallback_cap=cap, forms=forms, min_r2=min_r2)
    return curves


def plot_curves(
    curves: Mapping[str, FittedCurve],
    path: str | PathLike[str],
    *,
    breakpoints: Mapping[str, Sequence[float]] | None = None,
    cols: int = 3,
    currency: str | None = None,
) -> str:
    """Write a PNG grid with one panel per channel (points, curve, segments).

    ``breakpoints`` (per channel, see :meth:`FittedCurve.plot`) adds each
    channel's segments; ``currency`` labels the money axes.
    """
    import matplotlib.pyplot as plt  # plotting stays out of the math import path

    if not curves:
        raise CurveFitError("no curves to plot")
    k = len(curves)
    cols = max(1, min(cols, k))
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    try:
        for ax, (channel, curve) in zip(axes.ravel(), curves.items(), strict=False):
            curve.plot(ax, breakpoints=None if breakpoints is None else breakpoints.get(channel),
                       currency=currency)
        for ax in axes.ravel()[k:]:
            ax.set_visible(False)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return str(path)


def curves_frame(curves: Mapping[str, FittedCurve]) -> pd.DataFrame:
    """One row per curve: form, method, parameters, fit quality, spend range, note."""
    rows = []
    for c in curves.values():
        rows.append({"channel": c.channel, "form": c.form, "method": c.method,
                     "params": ", ".join(f"{k}={v:.6g}" for k, v in c.params.items()),
                     "r2": c.r2, "rmse": c.rmse, "n_periods": c.n_periods,
                     "spend_min": c.spend_min, "spend_max": c.spend_max,
                     "max_spend": c.max_spend, "note": c.note})
    return pd.DataFrame(rows)
