"""Piecewise-linear concave response curves and the per-channel optimizer input.

A response curve maps a channel's spend in the planning period to its expected
revenue (DESIGN.md, "Budget optimizer"). The optimizer works on a
piecewise-linear form: consecutive segments of spend, each with a constant
slope (revenue per unit of spend within the segment). For a curve with widths
``w_1 .. w_K`` and slopes ``r_1 >= r_2 >= ... >= r_K >= 0``::

    revenue(s) = sum_k r_k * min(w_k, max(0, s - (w_1 + ... + w_{k-1})))

for ``0 <= s <= capacity = sum_k w_k``. Non-increasing slopes make the curve
concave, which is what lets the LP fill segments in any order the constraints
allow and still describe the curve (no integer variables are needed). Spend
above the capacity is outside the curve's domain: the optimizer never plans
it, and :meth:`ResponseCurve.revenue` counts nothing more for it (a flat tail).

A fitted curve ``f`` (e.g. ``a * (1 - exp(-s / k))``) is cut into chords
between breakpoints, in one place, :func:`chords`: segment ``k`` spans
``[b_k, b_{k+1}]`` with slope ``(f(b_{k+1}) - f(b_k)) / (b_{k+1} - b_k)``, so the
piecewise-linear curve equals ``f`` at every breakpoint, and the slopes of a
concave ``f`` are non-increasing. :func:`segments_from` cuts a fitted curve
(anything with the members of :class:`FittedRevenue`, such as
:class:`touchpath.attribution.curves.FittedCurve`) at :func:`breakpoints`, ``n``
equal widths over ``[0, max_spend]`` plus a break at each of its kinks;
:meth:`ResponseCurve.from_function` cuts any function at given breakpoints. When
the segments are already known, :func:`channel_input_from_segments` /
:meth:`ResponseCurve.from_pairs` build the curve.

Channel statuses and lifecycle verdicts are the enums of the layers below:
:class:`touchpath.data.statuses.ChannelStatus` and
:class:`touchpath.attribution.lifecycle.VerdictKind`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from touchpath.attribution.lifecycle import VerdictKind
from touchpath.data.statuses import ChannelStatus
from touchpath.errors import TouchpathError

__all__ = [
    "ChannelInput",
    "CurveError",
    "FittedRevenue",
    "ResponseCurve",
    "Segment",
    "breakpoints",
    "channel_input_from_segments",
    "chords",
    "segments_from",
]

# Relative tolerance on "slopes non-increasing": chords of a concave function
# computed in floating point may rise by a few ulps.
_CONCAVITY_RTOL = 1e-9


class CurveError(TouchpathError, ValueError):
    """A response curve or channel input is malformed; the message names where."""


@dataclass(frozen=True)
class Segment:
    """One linear piece of a response curve.

    Parameters
    ----------
    width : float
        Spend covered by the piece (> 0, finite).
    slope : float
        Revenue per unit of spend inside the piece (>= 0, finite).
    """

    width: float
    slope: float


class FittedRevenue(Protocol):
    """What the optimizer needs of a fitted revenue curve to cut it into segments.

    :class:`touchpath.attribution.curves.FittedCurve` is one; any object with these
    members will do.
    """

    @property
    def channel(self) -> str:
        """The channel, for error messages."""
        ...

    @property
    def max_spend(self) -> float:
        """Default right end of the cut (spend per curve period)."""
        ...

    @property
    def kinks(self) -> tuple[float, ...]:
        """Spends where the slope jumps; the cut puts a breakpoint at each inside it."""
        ...

    def revenue(self, spend: np.ndarray) -> np.ndarray:
        """Expected revenue at each spend of an array."""
        ...


def chords(spends: Sequence[float] | np.ndarray,
           revenues: Sequence[float] | np.ndarray) -> list[Segment]:
    """The chords through the points ``(spends[k], revenues[k])`` (see the module docstring).

    Parameters
    ----------
    spends : sequence of float
        Increasing spends ``b_0 < b_1 < ...``; ``m + 1`` of them give ``m`` chords.
    revenues : sequence of float
        The curve's revenue ``f(b_k)`` at each.

    Returns
    -------
    list of Segment
        Width ``b_{k+1} - b_k`` and slope ``(f(b_{k+1}) - f(b_k)) / width``, unchecked
        (:class:`ResponseCurve` checks a curve made of them).
    """
    b = np.asarray(spends, dtype=np.float64)
    widths = np.diff(b)
    slopes = np.diff(np.asarray(revenues, dtype=np.float64)) / widths
    return [Segment(float(w), float(m)) for w, m in zip(widths, slopes, strict=True)]


def breakpoints(curve: FittedRevenue, n: int = 8, max_spend: float | None = None) -> np.ndarray:
    """Spend levels ``0 = s_0 < … < s_m = max_spend`` of :func:`segments_from`.

    ``n + 1`` equal steps over ``[0, max_spend]``, plus each of the curve's kinks
    that falls strictly inside and is not already a step.

    Parameters
    ----------
    curve : FittedRevenue
    n : int
        Number of equal-width segments.
    max_spend : float, optional
        Right end; default :attr:`FittedRevenue.max_spend`.

    Returns
    -------
    ndarray
        The breakpoints; the single point 0 when ``max_spend`` is 0.

    Raises
    ------
    CurveError
        ``n`` not a positive integer, ``max_spend`` negative or not finite.
    """
    if int(n) != n or n < 1:
        raise CurveError(f"n must be a positive integer, got {n!r}")
    hi = curve.max_spend if max_spend is None else float(max_spend)
    if not math.isfinite(hi) or hi < 0:
        raise CurveError(f"{curve.channel}: max_spend must be finite and >= 0, got {hi!r}")
    if hi == 0:
        return np.zeros(1)
    xs = np.linspace(0.0, hi, int(n) + 1)
    for kink in curve.kinks:
        if 0 < kink < hi and not np.any(np.isclose(xs, kink, rtol=1e-12, atol=0)):
            xs = np.sort(np.append(xs, kink))
    return xs


def segments_from(curve: FittedRevenue, n: int = 8,
                  max_spend: float | None = None) -> list[Segment]:
    """Cut a fitted curve into the chords between its :func:`breakpoints`.

    Parameters
    ----------
    curve : FittedRevenue
    n : int
        Number of equal-width segments (one more per kink strictly inside).
    max_spend : float, optional
        Right end of the covered range; default :attr:`FittedRevenue.max_spend`.

    Returns
    -------
    list of Segment
        Slopes non-increasing and ``>= 0``, ``Σ width = max_spend``; empty when
        ``max_spend`` is 0. The slopes of a concave curve are non-increasing in
        exact arithmetic; a rise by the last ulp of float rounding is removed.
    """
    xs = breakpoints(curve, n, max_spend)
    if len(xs) < 2:
        return []
    segments = chords(xs, curve.revenue(xs))
    slopes = np.maximum(np.minimum.accumulate([s.slope for s in segments]), 0.0)
    return [Segment(s.width, float(m)) for s, m in zip(segments, slopes, strict=True)]


@dataclass(frozen=True)
class ResponseCurve:
    """A concave piecewise-linear revenue curve: segments of non-increasing slope.

    Parameters
    ----------
    segments : tuple of Segment
        In spend order, starting at spend 0.
    channel : str, optional
        Used only to name the channel in error messages.

    Raises
    ------
    CurveError
        When there is no segment, a width is not > 0, a slope is negative or not
        finite, or a slope exceeds the one before it (not concave).

    Examples
    --------
    >>> c = ResponseCurve.from_pairs([(100.0, 4.0), (100.0, 2.0)])
    >>> c.revenue(150.0)  # 4 * 100 + 2 * 50
    500.0
    >>> c.right_slope(100.0), c.left_slope(100.0)
    (2.0, 4.0)
    """

    segments: tuple[Segment, ...]
    channel: str = ""

    def __post_init__(self) -> None:
        where = f"channel {self.channel!r}" if self.channel else "response curve"
        if len(self.segments) == 0:
            raise CurveError(f"{where}: a response curve needs at least one segment")
        for k, seg in enumerate(self.segments):
            if not isinstance(seg, Segment):
                raise CurveError(f"{where}, segment {k}: expected a Segment, got {seg!r}")
            if not (math.isfinite(seg.width) and seg.width > 0):
                raise CurveError(f"{where}, segment {k}: width must be > 0, got {seg.width!r}")
            if not (math.isfinite(seg.slope) and seg.slope >= 0):
                raise CurveError(f"{where}, segment {k}: slope must be >= 0, got {seg.slope!r}")
            if k > 0:
                prev = self.segments[k - 1].slope
                if seg.slope > prev + _CONCAVITY_RTOL * max(1.0, abs(prev)):
                    raise CurveError(
                        f"{where}, segment {k}: slope {seg.slope!r} is above the slope "
                        f"{prev!r} of segment {k - 1}; slopes must be non-increasing "
                        "(a concave curve with diminishing returns)"
                    )

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[float, float]], *, channel: str = ""
    ) -> ResponseCurve:
        """Build from ``(width, slope)`` pairs in spend order."""
        return cls(tuple(Segment(float(w), float(s)) for w, s in pairs), channel=channel)

    @classmethod
    def from_function(
        cls,
        revenue: Callable[[float], float],
        breakpoints: Sequence[float],
        *,
        channel: str = "",
    ) -> ResponseCurve:
        """Cut a fitted concave revenue function into chords between breakpoints.

        Segment ``k`` spans ``[b_{k-1}, b_k]`` (with ``b_0 = 0``) and has slope
        ``(f(b_k) - f(b_{k-1})) / (b_k - b_{k-1})``: the chord (:func:`chords`), so
        the piecewise-linear curve equals ``f`` at every breakpoint. For a concave
        ``f`` the chord slopes are non-increasing.

        Parameters
        ----------
        revenue : callable
            ``f(spend) -> revenue``, concave and non-decreasing.
        breakpoints : sequence of float
            Strictly increasing spends > 0; the last one is the curve's capacity.
        channel : str, optional
            For error messages.
        """
        b = [0.0, *(float(x) for x in breakpoints)]
        if len(b) < 2 or any(not (b[i + 1] > b[i]) for i in range(len(b) - 1)):
            raise CurveError(
                f"channel {channel!r}: breakpoints must be strictly increasing and > 0"
            )
        return cls(tuple(chords(b, [float(revenue(x)) for x in b])), channel=channel)

    @property
    def widths(self) -> np.ndarray:
        """Segment widths, float64."""
        return np.array([s.width for s in self.segments], dtype=np.float64)

    @property
    def slopes(self) -> np.ndarray:
        """Segment slopes (revenue per unit of spend), float64."""
        return np.array([s.slope for s in self.segments], dtype=np.float64)

    @property
    def capacity(self) -> float:
        """Largest spend the curve describes: the sum of the widths."""
        return float(math.fsum(s.width for s in self.segments))

    def fill(self, spend: float) -> np.ndarray:
        """Spend in each segment when ``spend`` fills them in order (concave fill)."""
        if spend < 0:
            raise CurveError(f"channel {self.channel!r}: spend must be >= 0, got {spend!r}")
        starts = np.concatenate([[0.0], np.cumsum(self.widths)[:-1]])
        return np.clip(spend - starts, 0.0, self.widths)

    def revenue(self, spend: float) -> float:
        """Revenue at ``spend`` (flat beyond the capacity)."""
        return float(math.fsum(self.fill(spend) * self.slopes))

    def _index_at(self, spend: float, *, right: bool, rtol: float) -> int | None:
        bounds = np.cumsum(self.widths)
        tol = rtol * max(1.0, float(bounds[-1]))
        if right:
            for k, end in enumerate(bounds):
                if spend < end - tol:
                    return k
            return None
        if spend <= tol:
            return None
        for k, end in enumerate(bounds):
            if spend <= end + tol:
                return k
        return len(bounds) - 1

    def right_slope(self, spend: float, *, rtol: float = 1e-9) -> float:
        """Revenue from the next unit of spend: the right derivative at ``spend``.

        It is the slope of the first segment not yet full, and 0 at or beyond
        the capacity (the curve describes no more spend there).
        """
        k = self._index_at(spend, right=True, rtol=rtol)
        return 0.0 if k is None else self.segments[k].slope

    def left_slope(self, spend: float, *, rtol: float = 1e-9) -> float | None:
        """Revenue of the last unit bought: the left derivative; ``None`` at spend 0."""
        k = self._index_at(spend, right=False, rtol=rtol)
        return None if k is None else self.segments[k].slope


@dataclass(frozen=True)
class ChannelInput:
    """Everything the optimizer knows about one channel.

    Parameters
    ----------
    channel : str
        Channel name (unique within a plan).
    curve : ResponseCurve or None
        The channel's response curve; ``None`` when the channel is not modelled
        (its spend is then held at ``previous_spend`` or set to 0, see
        :class:`~touchpath.optimizer.constraints.PlanConstraints`, and its revenue is
        reported as not modelled, never as 0).
    previous_spend : float, optional
        Spend in the previous period (the reference of max-change limits and
        of the lifecycle scale rule).
    group : str, optional
        Channel group for group caps and floors (e.g. ``"social"``).
    status : ChannelStatus or str
        ``established`` | ``test`` | ``exited`` (stored as a
        :class:`~touchpath.data.statuses.ChannelStatus`). An exited channel gets 0;
        a ``test`` channel without a verdict is treated as verdict ``test``.
    verdict : VerdictKind or str, optional
        Lifecycle verdict ``exit`` | ``test`` | ``admit`` | ``scale`` (stored as a
        :class:`~touchpath.attribution.lifecycle.VerdictKind`).
    conversions_per_revenue : float, optional
        Conversions per unit of revenue (``1 / average order value``); expected
        conversions = revenue x this. Needed for the ``conversions`` objective.
    monthly_pattern : tuple of float, optional
        Historical weights of the months of a quarter; the plan's per-month
        split is proportional to them (even when absent).
    """

    channel: str
    curve: ResponseCurve | None
    previous_spend: float | None = None
    group: str | None = None
    status: ChannelStatus = ChannelStatus.established
    verdict: VerdictKind | None = None
    conversions_per_revenue: float | None = None
    monthly_pattern: tuple[float, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        where = f"channel {self.channel!r}"
        if not isinstance(self.channel, str) or not self.channel:
            raise CurveError(f"channel name must be a non-empty string, got {self.channel!r}")
        try:
            object.__setattr__(self, "status", ChannelStatus(self.status))
        except ValueError:
            raise CurveError(
                f"{where}: status must be one of {', '.join(ChannelStatus)}, got {self.status!r}"
            ) from None
        try:
            if self.verdict is not None:
                object.__setattr__(self, "verdict", VerdictKind(self.verdict))
        except ValueError:
            raise CurveError(
                f"{where}: verdict must be one of {', '.join(VerdictKind)}, got {self.verdict!r}"
            ) from None
        if self.previous_spend is not None and not (
            math.isfinite(self.previous_spend) and self.previous_spend >= 0
        ):
            raise CurveError(
                f"{where}: previous_spend must be a finite number >= 0, got {self.previous_spend!r}"
            )
        cpr = self.conversions_per_revenue
        if cpr is not None and not (math.isfinite(cpr) and cpr >= 0):
            raise CurveError(f"{where}: conversions_per_revenue must be >= 0, got {cpr!r}")
        if self.monthly_pattern is not None:
            pat = self.monthly_pattern
            if len(pat) == 0 or any(not (math.isfinite(w) and w >= 0) for w in pat):
                raise CurveError(f"{where}: monthly_pattern must be weights >= 0, got {pat!r}")
            if math.fsum(pat) <= 0:
                raise CurveError(f"{where}: monthly_pattern must not be all zero")
        if self.curve is not None and self.curve.channel not in ("", self.channel):
            raise CurveError(f"{where}: its curve is labelled for channel {self.curve.channel!r}")

    @property
    def effective_verdict(self) -> VerdictKind | None:
        """The lifecycle rule that applies to the channel.

        ``exit`` for exited channels, the verdict when given, ``test`` for a
        test channel without one, else ``None``.
        """
        if self.status == ChannelStatus.exited:
            return VerdictKind.exit
        if self.verdict is not None:
            return self.verdict
        if self.status == ChannelStatus.test:
            return VerdictKind.test
        return None


def channel_input_from_segments(
    channel: str,
    segments: Iterable[tuple[float, float]] | None,
    *,
    previous_spend: float | None = None,
    group: str | None = None,
    status: ChannelStatus | str = ChannelStatus.established,
    verdict: VerdictKind | str | None = None,
    conversions_per_revenue: float | None = None,
    monthly_pattern: Sequence[float] | None = None,
) -> ChannelInput:
    """Build a :class:`ChannelInput` from ``(width, slope)`` pairs.

    This is the bridge from a fitted response curve (cut into segments of
    decreasing slope) to the optimizer. ``segments=None`` makes an unmodelled
    channel.

    Examples
    --------
    >>> ci = channel_input_from_segments("search", [(100_000, 4.1), (100_000, 2.7)],
    ...                                  previous_spend=250_000, group="search")
    >>> ci.curve.capacity
    200000.0
    """
    curve = None if segments is None else ResponseCurve.from_pairs(segments, channel=channel)
    return ChannelInput(
        channel=channel,
        curve=curve,
        previous_spend=None if previous_spend is None else float(previous_spend),
        group=group,
        status=status,  # a str is checked and converted by ChannelInput
        verdict=verdict,
        conversions_per_revenue=(
            None if conversions_per_revenue is None else float(conversions_per_revenue)
        ),
        monthly_pattern=None if monthly_pattern is None else tuple(map(float, monthly_pattern)),
    )
