"""The optimizer's curves document: read (``touchpath plan --curves``) and written.

:func:`curves_document` writes it from fitted curves (``touchpath curves --out``,
the plan inputs fitted from the warehouse); :func:`curves_from_json` and
:func:`load_curves_file` read and check it.

Schema::

    {"channels": [
      {"channel": "search",              # required, unique
       "segments": [{"width": 100000, "slope": 4.1},
                    {"width": 100000, "slope": 2.7}],
                                         # slope = revenue per unit of spend in the
                                         # segment; omit / null: channel not modelled
       "previous_spend": 250000,         # optional
       "group": "search",                # optional
       "status": "established",          # optional: established | test | exited
       "verdict": "scale",               # optional: exit | test | admit | scale
       "conversions_per_revenue": 0.02,  # optional, or "aov": 50 (= 1 / 0.02)
       "monthly_pattern": [0.3, 0.3, 0.4],   # optional weights of the quarter's months
       "resamples": [[{"width": ..., "slope": ...}, ...], ...]
                                         # optional alternative segment lists, e.g.
                                         # bootstrap resamples (same count everywhere)
      }]}

Every problem is reported with its location, e.g.
``channels[1] ('social').segments[0].slope: expected a number >= 0, got "x"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from touchpath.data.statuses import ChannelStatus
from touchpath.money import money_float
from touchpath.optimizer.curves import (
    ChannelInput,
    CurveError,
    FittedRevenue,
    ResponseCurve,
    Segment,
    segments_from,
)

__all__ = ["curves_document", "curves_from_json", "load_curves_file", "segment_entries"]

_KEYS = {
    "channel",
    "segments",
    "previous_spend",
    "group",
    "status",
    "verdict",
    "conversions_per_revenue",
    "aov",
    "monthly_pattern",
    "resamples",
}


def _number(value: Any, where: str, *, positive: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        raise CurveError(
            f"{where}: expected a number {'> 0' if positive else '>= 0'}, got {value!r}"
        )
    return value


def _segments(raw: Any, where: str, channel: str) -> ResponseCurve:
    if not isinstance(raw, list) or not raw:
        raise CurveError(f"{where}: expected a non-empty list of {{width, slope}} objects")
    segs = []
    for k, item in enumerate(raw):
        w = f"{where}[{k}]"
        if not isinstance(item, Mapping):
            raise CurveError(f"{w}: expected an object with width and slope, got {item!r}")
        extra = set(item) - {"width", "slope"}
        if extra:
            raise CurveError(f"{w}: unknown field(s) {', '.join(sorted(extra))}")
        for key in ("width", "slope"):
            if key not in item:
                raise CurveError(f"{w}: missing field {key!r}")
        segs.append(
            Segment(
                _number(item["width"], f"{w}.width", positive=True),
                _number(item["slope"], f"{w}.slope"),
            )
        )
    try:
        return ResponseCurve(tuple(segs), channel=channel)
    except CurveError as exc:
        raise CurveError(f"{where}: {exc}") from None


def curves_from_json(
    data: Mapping[str, Any],
) -> tuple[list[ChannelInput], list[dict[str, ResponseCurve]]]:
    """Validate a parsed curves document; return channel inputs and resampled curve sets.

    Returns
    -------
    inputs : list of ChannelInput
    curve_sets : list of dict
        ``curve_sets[b][channel]`` is resample ``b`` of the channels that have
        resamples (empty list when none has).

    Raises
    ------
    CurveError
        With the location of the first problem found.
    """
    if not isinstance(data, Mapping) or "channels" not in data:
        raise CurveError('curves file: expected an object with a "channels" list')
    chans = data["channels"]
    if not isinstance(chans, list) or not chans:
        raise CurveError('curves file: "channels" must be a non-empty list')
    inputs: list[ChannelInput] = []
    resamples: dict[str, list[ResponseCurve]] = {}
    seen: set[str] = set()
    for j, item in enumerate(chans):
        where = f"channels[{j}]"
        if not isinstance(item, Mapping):
            raise CurveError(f"{where}: expected an object, got {item!r}")
        name = item.get("channel")
        if not isinstance(name, str) or not name.strip():
            raise CurveError(f"{where}.channel: expected a non-empty string, got {name!r}")
        where = f"channels[{j}] ({name!r})"
        if name in seen:
            raise CurveError(f"{where}: channel listed twice")
        seen.add(name)
        extra = set(item) - _KEYS
        if extra:
            raise CurveError(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
        seg_raw = item.get("segments")
        curve = None if seg_raw is None else _segments(seg_raw, f"{where}.segments", name)
        prev = item.get("previous_spend")
        prev = None if prev is None else _number(prev, f"{where}.previous_spend")
        group = item.get("group")
        if group is not None and (not isinstance(group, str) or not group):
            raise CurveError(f"{where}.group: expected a non-empty string, got {group!r}")
        cpr = item.get("conversions_per_revenue")
        aov = item.get("aov")
        if cpr is not None and aov is not None:
            raise CurveError(f"{where}: give conversions_per_revenue or aov, not both")
        if cpr is not None:
            cpr = _number(cpr, f"{where}.conversions_per_revenue")
        elif aov is not None:
            cpr = 1.0 / _number(aov, f"{where}.aov", positive=True)
        pattern = item.get("monthly_pattern")
        if pattern is not None:
            if not isinstance(pattern, list) or not pattern:
                raise CurveError(f"{where}.monthly_pattern: expected a list of weights")
            pattern = tuple(
                _number(v, f"{where}.monthly_pattern[{k}]") for k, v in enumerate(pattern)
            )
        try:
            ci = ChannelInput(
                channel=name,
                curve=curve,
                previous_spend=prev,
                group=group,
                status=item.get("status") or ChannelStatus.established,
                verdict=item.get("verdict"),
                conversions_per_revenue=cpr,
                monthly_pattern=pattern,
            )
        except CurveError as exc:
            raise CurveError(f"{where}: {exc}") from None
        inputs.append(ci)
        rs = item.get("resamples")
        if rs is not None:
            if curve is None:
                raise CurveError(f"{where}.resamples: a channel without segments has no resamples")
            if not isinstance(rs, list) or not rs:
                raise CurveError(f"{where}.resamples: expected a non-empty list of segment lists")
            resamples[name] = [
                _segments(r, f"{where}.resamples[{b}]", name) for b, r in enumerate(rs)
            ]
    counts = {len(v) for v in resamples.values()}
    if len(counts) > 1:
        detail = ", ".join(f"{c}: {len(v)}" for c, v in resamples.items())
        raise CurveError(f"resamples: every channel must have the same number ({detail})")
    n = counts.pop() if counts else 0
    curve_sets = [{c: v[b] for c, v in resamples.items()} for b in range(n)]
    return inputs, curve_sets


def load_curves_file(
    path: str | Path,
) -> tuple[list[ChannelInput], list[dict[str, ResponseCurve]]]:
    """Read and validate a curves JSON file (see the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CurveError(f"cannot read curves file {str(p)!r}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CurveError(
            f"curves file {str(p)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    return curves_from_json(data)


def _check_periods(periods: float) -> float:
    if not (periods > 0 and math.isfinite(periods)):
        raise CurveError(f"periods must be a positive number, got {periods!r}")
    return float(periods)


def segment_entries(curve: FittedRevenue, n: int = 8, max_spend: float | None = None, *,
                    periods: float = 1.0) -> list[dict[str, float]]:
    """The ``segments`` of a fitted curve in the document: ``[{"width", "slope"}, ...]``.

    Parameters
    ----------
    curve : FittedRevenue
        A fitted curve of revenue per curve period.
    n, max_spend
        As :func:`touchpath.optimizer.curves.segments_from` (``max_spend`` per
        curve period).
    periods : float
        Curve periods in the planning horizon (e.g. 3 to plan a quarter from
        monthly curves). Spend ``S`` spread evenly over ``m`` periods returns
        ``m · R(S / m)``, whose segments have the same slopes and ``m`` × the
        widths.

    Widths are money: quantized to the millionth
    (:func:`touchpath.money.money_float`); a segment narrower than half a
    millionth (width 0 once quantized) is left out.

    Raises
    ------
    CurveError
        ``periods`` not a positive number, or a bad ``n`` / ``max_spend``.
    """
    periods = _check_periods(periods)
    out = []
    for s in segments_from(curve, n, max_spend):
        width = money_float(s.width * periods)
        if width is not None and width > 0:
            out.append({"width": width, "slope": s.slope})
    return out


def curves_document(
    curves: Mapping[str, FittedRevenue],
    *,
    n: int = 8,
    max_spend: float | Mapping[str, float] | None = None,
    previous_spend: Mapping[str, float | Decimal] | None = None,
    groups: Mapping[str, str] | None = None,
    statuses: Mapping[str, str] | None = None,
    verdicts: Mapping[str, str] | None = None,
    periods: float = 1.0,
) -> dict[str, Any]:
    """The curves document of fitted curves: ``{"channels": [{"channel", ..., "segments"}]}``.

    Parameters
    ----------
    curves : mapping channel → FittedRevenue
        E.g. :func:`touchpath.attribution.curves.fit_curves`.
    n, max_spend, periods : see :func:`segment_entries` (``max_spend`` for all
        channels or per channel).
    previous_spend, groups, statuses, verdicts : mapping channel → value, optional
        Added as ``previous_spend``, ``group``, ``status`` and ``verdict`` where
        given; ``previous_spend`` is taken as given (already per horizon): an
        exact Decimal sum, or a float quantized to the millionth
        (:func:`touchpath.money.money_float`, which gives a float sum of exact
        6-place amounts back exactly below 10^9), written as a JSON number
        with at most 6 decimals.

    Returns
    -------
    dict
        ``{"channels": [{"channel", "previous_spend"?, "group"?, "status"?,
        "verdict"?, "segments": [{"width", "slope"}]}]}``, in the schema
        :func:`curves_from_json` reads (see the module docstring).
    """
    periods = _check_periods(periods)
    out = []
    for ch, curve in curves.items():
        hi = max_spend.get(ch) if isinstance(max_spend, Mapping) else max_spend
        item: dict[str, Any] = {"channel": ch}
        if previous_spend is not None and ch in previous_spend:
            item["previous_spend"] = money_float(previous_spend[ch])
        if groups is not None and ch in groups:
            item["group"] = str(groups[ch])
        if statuses is not None and ch in statuses:
            item["status"] = str(statuses[ch])
        if verdicts is not None and ch in verdicts:
            item["verdict"] = str(verdicts[ch])
        item["segments"] = segment_entries(curve, n, hi, periods=periods)
        out.append(item)
    return {"channels": out}
