"""Number formats and charts of the HTML report: inline SVG, no script, no library.

The one place the report draws: the SVG builders (:func:`grouped_bars_svg`,
:func:`line_chart_svg`, :func:`split_bars_svg`) and, on top of them, one function
per chart of the report, each taking the document its section shows
(:func:`attribution_chart`, :func:`roi_chart`, :func:`verdict_chart`,
:func:`plan_split_chart`, :func:`scenario_chart`, :func:`funnel_chart`). Every text
placed in the SVG is escaped here, so the templates include the returned markup as it is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

#: Series colours, the same as the dashboard's.
PALETTE = ("#2f6db5", "#e08a1e", "#2e9e6a", "#c8463d", "#7b5fb8", "#8a6b3f", "#d36aa8",
           "#6b7280", "#a8a528", "#1fa3b5", "#4b3f8a", "#b5562f")
_DASH = "—"


# ------------------------------------------------------------------ formatting
def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def money(value: Any) -> str:
    """Money with thousands separators and 2 decimals (``1234.5`` → ``1,234.50``)."""
    return f"{value:,.2f}" if _num(value) else _DASH


def ratio(value: Any, digits: int = 2) -> str:
    """A ratio such as ROI with ``digits`` decimals."""
    return f"{value:,.{digits}f}" if _num(value) else _DASH


def count(value: Any, digits: int = 0) -> str:
    """A count with thousands separators."""
    return f"{value:,.{digits}f}" if _num(value) else _DASH


def pct(value: Any) -> str:
    """A share as a percentage with 1 decimal (``0.1234`` → ``12.3%``)."""
    return f"{value * 100:,.1f}%" if _num(value) else _DASH


def signed_pct(value: Any) -> str:
    """A change as a signed percentage with 1 decimal (``0.1`` → ``+10.0%``)."""
    return f"{'+' if value > 0 else ''}{value * 100:,.1f}%" if _num(value) else _DASH


def utc_minute(value: Any) -> str:
    """An ISO 8601 instant as ``YYYY-MM-DD HH:MM UTC`` (``—`` when missing or unreadable)."""
    if not value:
        return _DASH
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return _DASH
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def compact(value: Any) -> str:
    """Axis labels: ``12k``, ``1.5M``."""
    if not _num(value):
        return _DASH
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:,.1f}B"
    if a >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if a >= 1e4:
        return f"{value / 1e3:,.0f}k"
    if a >= 1e3:
        return f"{value / 1e3:,.1f}k"
    if a >= 10 or value == 0:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def amount3(value: Any) -> str:
    """An amount to 3 significant digits with a suffix (``12592.8`` → ``12.6k``, ``1.5M``).

    For labels of points that may sit close together (the scenario budgets),
    where :func:`compact`'s axis rounding (``13k``) would merge them.
    """
    if not _num(value):
        return _DASH
    rounded = float(f"{value:.3g}")  # first, so that 999,999 is 1M, not 1e+03k
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(rounded) >= size:
            q = rounded / size
            return f"{q:.3g}{suffix}" if abs(q) < 1000 else f"{q:,.0f}{suffix}"
    return f"{rounded:.3g}"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------- charts
def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round axis ticks covering ``[lo, hi]``: steps of 1, 2, 2.5 or 5 × 10^k."""
    if not hi > lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [0.0 if i == 0 else i * step for i in range(first, last + 1)]


def _svg_open(width: int, height: int, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{_e(label)}">')


def _y_axis(ticks: list[float], y: Callable[[float], float], left: float, right: float,
            fmt: Callable[[Any], str]) -> str:
    out = ['<g class="axis y-axis">']
    for t in ticks:
        cls = "zero" if t == 0 else "grid"
        out.append(f'<line x1="{left}" x2="{right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                   f'class="{cls}" stroke="{"#9ca3af" if t == 0 else "#eef0f3"}"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" '
                   f'fill="#4b5563">{_e(fmt(t))}</text>')
    out.append("</g>")
    return "".join(out)


def _y_title(text: str, height: int, m_t: float, m_b: float) -> str:
    """The y-axis title, rotated along the left edge (nothing when ``text`` is empty)."""
    if not text:
        return ""
    cy = m_t + (height - m_t - m_b) / 2
    return (f'<text class="axis-title y-title" x="12" y="{cy:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {cy:.1f})" fill="#374151">{_e(text)}</text>')


def _x_title(text: str, width: int, m_l: float, m_r: float, y: float) -> str:
    """The x-axis title, centred under the plot area (nothing when ``text`` is empty)."""
    if not text:
        return ""
    cx = m_l + (width - m_l - m_r) / 2
    return (f'<text class="axis-title x-title" x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" '
            f'fill="#374151">{_e(text)}</text>')


def money_title(text: str, currency: str | None) -> str:
    """An axis title of money with its currency (``"budget"`` → ``"budget (CNY)"``)."""
    return f"{text} ({currency})" if currency else text


def _legend(items: Sequence[tuple[str, str, bool]]) -> str:
    spans = []
    for name, color, dashed in items:
        style = (f"border-top:3px dashed {color};width:16px;height:0;display:inline-block"
                 if dashed else
                 f"background:{color};width:12px;height:12px;display:inline-block;border-radius:2px")
        spans.append(f'<span class="legend-item"><span style="{style}"></span>{_e(name)}</span>')
    return f'<div class="legend">{"".join(spans)}</div>'


def grouped_bars_svg(categories: Sequence[str], series: Sequence[dict[str, Any]], *,
                     fmt: Callable[[Any], str] = pct, label: str = "", y_title: str = "",
                     width: int = 760, height: int = 340) -> str:
    """Grouped vertical bars with optional interval whiskers, as an SVG string.

    Parameters
    ----------
    categories : sequence of str
        One group of bars per category (``<g class="bar-group" data-channel=...>``).
    series : sequence of dict
        ``{"name", "color", "values", "lo", "hi"}``; ``values[i]`` belongs to
        ``categories[i]``; ``lo``/``hi`` (optional) draw a whisker; ``None``
        values draw no bar.

    Notes
    -----
    The plot area spans ``[t, height − b]``; a value ``v`` is drawn at
    ``y(v) = t + (height − t − b)·(1 − (v − y0)/(y1 − y0))`` where ``y0``,
    ``y1`` are the first and last ticks, so a bar's height is proportional
    to its value.
    """
    m_l, m_r, m_t, m_b = 72, 12, 14, 62
    hi_v, lo_v = 0.0, 0.0
    for s in series:
        for i, v in enumerate(s["values"]):
            top = v
            his = s.get("hi")
            if his is not None and _num(his[i]) and _num(v):
                top = max(v, his[i])
            if _num(top):
                hi_v = max(hi_v, top)
            if _num(v):
                lo_v = min(lo_v, v)
    ticks = nice_ticks(lo_v, hi_v * 1.05)
    y0, y1 = ticks[0], ticks[-1]

    def y(v: float) -> float:
        return m_t + (height - m_t - m_b) * (1 - (v - y0) / (y1 - y0))

    out = [_svg_open(width, height, label), _y_axis(ticks, y, m_l, width - m_r, fmt),
           _y_title(y_title, height, m_t, m_b)]
    band = (width - m_l - m_r) / max(1, len(categories))
    inner = band * 0.8
    bw = inner / max(1, len(series))
    rotate = len(categories) > 8
    for ci, cat in enumerate(categories):
        gx = m_l + ci * band + (band - inner) / 2
        out.append(f'<g class="bar-group" data-channel="{_e(cat)}">')
        for si, s in enumerate(series):
            v = s["values"][ci]
            if not _num(v):
                continue
            x = gx + si * bw
            top = y(max(v, 0.0))
            h = max(0.5, abs(y(v) - y(0.0)))
            lo, hi = (s.get("lo") or [None] * len(categories))[ci], \
                (s.get("hi") or [None] * len(categories))[ci]
            ci_text = f" [{fmt(lo)}, {fmt(hi)}]" if _num(lo) and _num(hi) else ""
            out.append(f'<rect class="bar" x="{x + 0.5:.1f}" y="{top if v >= 0 else y(0):.1f}" '
                       f'width="{max(1.0, bw - 1):.1f}" height="{h:.1f}" fill="{s["color"]}" '
                       f'data-model="{_e(s["name"])}" data-value="{v!r}"><title>'
                       f'{_e(cat)} · {_e(s["name"])}: {_e(fmt(v))}{_e(ci_text)}</title></rect>')
            if _num(lo) and _num(hi):
                cx, cap = x + bw / 2, min(5.0, bw / 3)
                out.append(f'<path class="whisker" stroke="#111827" fill="none" '
                           f'd="M{cx:.1f},{y(lo):.1f}V{y(hi):.1f}M{cx - cap:.1f},{y(lo):.1f}'
                           f'H{cx + cap:.1f}M{cx - cap:.1f},{y(hi):.1f}H{cx + cap:.1f}"/>')
        lx, ly = m_l + ci * band + band / 2, height - m_b + 14
        extra = f' transform="rotate(-35 {lx:.1f} {ly})"' if rotate else ""
        anchor = "end" if rotate else "middle"
        out.append(f'<text x="{lx:.1f}" y="{ly}" text-anchor="{anchor}" fill="#4b5563"{extra}>'
                   f'{_e(cat)}</text></g>')
    out.append("</svg>")
    legend = _legend([(s["name"], s["color"], False) for s in series])
    return legend + "".join(out)


def line_chart_svg(x: Sequence[Any], series: Sequence[dict[str, Any]], *,
                   xs: Sequence[float] | None = None, fmt: Callable[[Any], str] = ratio,
                   x_fmt: Callable[[Any], str] = str, label: str = "", y_title: str = "",
                   x_title: str = "", width: int = 900, height: int = 300,
                   legend: bool = True, marks: Sequence[tuple[int, str]] = (),
                   css_class: str = "") -> str:
    """Lines over categorical (or numeric ``xs``) positions, as an SVG string.

    Series are ``{"name", "color", "values", "dash" (optional), "markers"
    (default True), "lo" / "hi" (optional: a whisker from ``lo`` to ``hi`` at
    each point)}``; a ``None`` value breaks the line. ``y_title`` /
    ``x_title`` name the axes (with their unit); ``marks`` are ``(i, text)``:
    the point ``i`` of the first series ringed and labelled; ``css_class`` is
    added to the ``svg`` element's class.
    """
    m_l, m_r, m_t, m_b = 72, 16, 14, 44 + (14 if x_title else 0)
    vals = [v for s in series for k in ("values", "lo", "hi") for v in s.get(k) or []
            if _num(v)]
    lo = min([0.0, *vals])
    hi = max(vals) if vals else 1.0
    ticks = nice_ticks(lo, hi * 1.05)
    y0, y1 = ticks[0], ticks[-1]
    n = len(x)

    def y(v: float) -> float:
        return m_t + (height - m_t - m_b) * (1 - (v - y0) / (y1 - y0))

    span = width - m_l - m_r - 20
    if xs is not None and len(xs) == n and n:
        a, b = min(xs), max(xs)

        def px(i: int) -> float:
            return m_l + 10 + span * ((xs[i] - a) / (b - a) if b > a else 0.5)
    else:
        def px(i: int) -> float:
            return m_l + 10 + span * (i / (n - 1) if n > 1 else 0.5)

    svg = _svg_open(width, height, label)
    if css_class:
        svg = svg.replace('class="chart"', f'class="chart {_e(css_class)}"', 1)
    out = [svg, _y_axis(ticks, y, m_l, width - m_r, fmt), _y_title(y_title, height, m_t, m_b),
           _x_title(x_title, width, m_l, m_r, height - 8)]
    every = max(1, math.ceil(n / max(2, (width - m_l) // 64)))
    out.append('<g class="axis x-axis">')
    for i in range(n):
        if i % every and i != n - 1:
            continue
        out.append(f'<text x="{px(i):.1f}" y="{height - m_b + 16}" text-anchor="middle" '
                   f'fill="#4b5563">{_e(x_fmt(x[i]))}</text>')
    out.append("</g>")
    for s in series:
        d, pen = [], False
        for i, v in enumerate(s["values"]):
            if not _num(v):
                pen = False
                continue
            d.append(f'{"L" if pen else "M"}{px(i):.1f},{y(v):.1f}')
            pen = True
        dash = f' stroke-dasharray="{s["dash"]}"' if s.get("dash") else ""
        out.append(f'<g class="series" data-series="{_e(s["name"])}">'
                   f'<path class="line" d="{"".join(d)}" fill="none" stroke="{s["color"]}" '
                   f'stroke-width="{s.get("width", 2)}"{dash}/>')
        lows, highs = s.get("lo") or [None] * n, s.get("hi") or [None] * n
        for i in range(n):
            lo_i, hi_i = lows[i], highs[i]
            if _num(lo_i) and _num(hi_i):
                out.append(f'<path class="whisker" stroke="{s["color"]}" fill="none" '
                           f'd="M{px(i):.1f},{y(lo_i):.1f}V{y(hi_i):.1f}'
                           f'M{px(i) - 4:.1f},{y(lo_i):.1f}H{px(i) + 4:.1f}'
                           f'M{px(i) - 4:.1f},{y(hi_i):.1f}H{px(i) + 4:.1f}"/>')
        if s.get("markers", True):
            for i, v in enumerate(s["values"]):
                if _num(v):
                    band = (f" [{fmt(lows[i])} – {fmt(highs[i])}]"
                            if _num(lows[i]) and _num(highs[i]) else "")
                    out.append(f'<circle cx="{px(i):.1f}" cy="{y(v):.1f}" r="3" '
                               f'fill="{s["color"]}"><title>{_e(s["name"])} · '
                               f'{_e(x_fmt(x[i]))}: {_e(fmt(v))}{_e(band)}</title></circle>')
        out.append("</g>")
    for i, text in marks:
        v = series[0]["values"][i] if series else None
        if _num(v):
            anchor = "end" if px(i) > width / 2 else "start"
            dx = -8 if anchor == "end" else 8
            out.append(f'<g class="mark"><circle cx="{px(i):.1f}" cy="{y(v):.1f}" r="6" '
                       f'fill="none" stroke="#c8463d" stroke-width="2"/>'
                       f'<text x="{px(i) + dx:.1f}" y="{y(v) - 8:.1f}" text-anchor="{anchor}" '
                       f'fill="#c8463d">{_e(text)}</text></g>')
    out.append("</svg>")
    if not legend:
        return "".join(out)
    items = _legend([(s["name"], s["color"], bool(s.get("dash"))) for s in series])
    return items + "".join(out)


def split_bars_svg(rows: Sequence[tuple[str, float, float | None]], *, label: str = "",
                   x_title: str = "", width: int = 760) -> str:
    """Horizontal bars ``(label, value, previous)`` with a dashed marker at ``previous``."""
    row_h, m_l, m_r, m_t, m_b = 30, 130, 120, 8, 26 + (16 if x_title else 0)
    height = m_t + m_b + row_h * len(rows)
    hi = max([1.0, *(max(v, p if _num(p) else 0.0) for _, v, p in rows)])
    ticks = nice_ticks(0.0, hi)
    top = ticks[-1]

    def x(v: float) -> float:
        return m_l + (width - m_l - m_r) * (v / top)

    out = [_svg_open(width, height, label), '<g class="axis x-axis">']
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{m_t}" y2="{height - m_b}" '
                   f'stroke="{"#9ca3af" if t == 0 else "#eef0f3"}"/>'
                   f'<text x="{x(t):.1f}" y="{height - m_b + 18}" text-anchor="middle" '
                   f'fill="#4b5563">{_e(compact(t))}</text>')
    out.append("</g>")
    out.append(_x_title(x_title, width, m_l, m_r, height - 6))
    for i, (name, value, previous) in enumerate(rows):
        yy = m_t + i * row_h
        out.append(f'<g class="split-bar" data-channel="{_e(name)}" data-spend="{value!r}">'
                   f'<text x="{m_l - 8}" y="{yy + row_h / 2 + 4}" text-anchor="end" '
                   f'fill="#111827">{_e(name)}</text>'
                   f'<rect x="{x(0):.1f}" y="{yy + 5}" width="{max(0.0, x(value) - x(0)):.1f}" '
                   f'height="{row_h - 10}" fill="{PALETTE[0]}" rx="2"><title>{_e(name)}: '
                   f'{money(value)}</title></rect>')
        if _num(previous):
            out.append(f'<path d="M{x(previous):.1f},{yy + 2}V{yy + row_h - 2}" stroke="#111827" '
                       f'stroke-width="2" stroke-dasharray="3 2"><title>{_e(name)} last quarter: '
                       f'{money(previous)}</title></path>')
        # the amount after the bar and the last-quarter marker, so the marker never crosses it
        end = max(x(value), x(previous) if _num(previous) else x(value))
        out.append(f'<text x="{end + 6:.1f}" y="{yy + row_h / 2 + 4}" fill="#111827" '
                   f'font-weight="600">{money(value)}</text></g>')
    out.append("</svg>")
    legend = _legend([("planned spend", PALETTE[0], False), ("last quarter", "#111827", True)])
    return legend + "".join(out)




# -------------------------------------------------------------- report charts
#: Up to this many compared models, the attribution chart sits beside its table.
SIDE_BY_SIDE_MODELS = 4
#: Channels under this share of all spend are left out of the ROI chart.
SMALL_SPEND_SHARE = 0.01


def side_by_side(compare: dict[str, Any]) -> bool:
    """Whether the attribution chart is narrow enough to sit beside its table."""
    return len(compare["models"]) <= SIDE_BY_SIDE_MODELS


def attribution_chart(compare: dict[str, Any]) -> str:
    """Share of conversions per channel and model, with the bootstrap whiskers.

    ``compare`` is a ``/v1/attribution/compare`` document; whiskers are each
    model's conversion interval divided by its total attributed conversions.
    Negative credit (the conversion-rate Shapley value) is drawn below zero.
    """
    labels = compare["models"]
    rows = [r for r in compare["rows"] if r["channel"] != "(direct)"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    cell = {(r["model"], r["channel"]): r for r in rows}
    series = []
    for i, lab in enumerate(labels):
        total = sum(r["conversions"] for r in rows if r["model"] == lab)
        got = [cell.get((lab, ch)) for ch in channels]

        def bound(key: str, got: list[Any] = got, total: float = total) -> list[float | None]:
            return [g[key] / total if g and _num(g.get(key)) and total else None for g in got]

        series.append({"name": lab, "color": PALETTE[i % len(PALETTE)],
                       "values": [g["share"] if g else None for g in got],
                       "lo": bound("conversions_lo"), "hi": bound("conversions_hi")})
    return grouped_bars_svg(channels, series, fmt=pct,
                            label="Share of conversions per channel and model",
                            y_title="share of conversions (%)",
                            width=640 if side_by_side(compare) else 1100)


def roi_small_channels(roi: dict[str, Any]) -> list[str]:
    """Paid channels with under :data:`SMALL_SPEND_SHARE` of all spend.

    Each has its own panel in :func:`roi_chart` (its own scale), and the
    report says its ROI rests on a tiny denominator.
    """
    spend = _paid_spend(roi)
    total = sum(spend.values())
    return [ch for ch, s in spend.items() if s < SMALL_SPEND_SHARE * total]


def _paid_spend(roi: dict[str, Any]) -> dict[str, float]:
    paid = dict.fromkeys(x["channel"] for x in roi["rows"]
                         if x["channel"] != "(direct)" and (x["spend"] or 0) > 0)
    return {ch: sum(x["spend"] or 0.0 for x in roi["rows"] if x["channel"] == ch) for ch in paid}


#: The y-axis title of every ROI chart.
ROI_TITLE = "ROI (revenue ÷ spend)"


def roi_chart(roi: dict[str, Any]) -> str:
    """Small multiples: one panel of ROI per period for each paid channel (a ``/v1/roi`` document).

    Each panel has its own y scale, so a channel whose ROI is ten times the
    others' does not flatten them into the axis (one shared scale would), and
    every panel still reads linearly, with ROI 1 (break-even) dashed where it
    is in range. A log scale would also fit them on one axis, but it cannot
    show an ROI of 0 and makes a 0.5 → 1.0 change look as large as 5 → 10.
    Each panel is an ``<svg class="chart roi-panel" data-channel=...>``.
    """
    periods = list(dict.fromkeys(x["period"] for x in roi["rows"]))
    paid = list(_paid_spend(roi))
    cell = {(x["period"], x["channel"]): x for x in roi["rows"]}
    panels = []
    for ch in paid:
        values = [(cell.get((p, ch)) or {}).get("roi") for p in periods]
        color = PALETTE[paid.index(ch) % len(PALETTE)]
        series = [{"name": ch, "color": color, "values": values, "width": 2}]
        top = max([v for v in values if _num(v)], default=0.0)
        if top >= 0.5:
            series.append({"name": "break-even (ROI 1)", "color": "#9ca3af",
                           "values": [1.0] * len(periods), "dash": "4 3", "markers": False,
                           "width": 1})
        svg = line_chart_svg(periods, series, fmt=ratio, label=f"{ch}: ROI per {roi['period']}",
                             y_title=ROI_TITLE, width=420, height=240, legend=False,
                             css_class="roi-panel")
        svg = svg.replace("<svg ", f'<svg data-channel="{_e(ch)}" ', 1)
        panels.append(f'<figure class="panel"><figcaption>{_e(ch)}</figcaption>{svg}</figure>')
    return f'<div class="small-multiples">{"".join(panels)}</div>'


def verdict_chart(verdict: dict[str, Any]) -> str:
    """A test channel's ROI per cycle against the baseline and the admit / scale / exit bars.

    Whiskers span each cycle's one-sided bounds of ROI at the rules' level (the
    lower one decides admit and scale, the upper one exit).
    """
    cycles = verdict["cycles"]
    x = [c["period"] for c in cycles]

    def col(key: str) -> list[Any]:
        return [c.get(key) for c in cycles]

    level = verdict.get("level")
    name = f"{verdict['channel']} ROI" + (f" ({level:.0%} bounds)" if level else "")
    return line_chart_svg(x, [
        {"name": name, "color": PALETTE[0], "values": col("roi"), "width": 3,
         "lo": col("roi_low") if level else None, "hi": col("roi_high") if level else None},
        {"name": "baseline (established)", "color": "#6b7280", "values": col("baseline")},
        {"name": "scale bar", "color": "#2e9e6a", "values": col("scale_bar"), "dash": "6 4",
         "markers": False},
        {"name": "admit bar", "color": "#1fa3b5", "values": col("admit_bar"), "dash": "6 4",
         "markers": False},
        {"name": "exit bar", "color": "#c8463d", "values": col("exit_bar"), "dash": "3 3",
         "markers": False},
    ], fmt=ratio, label=f"{verdict['channel']} ROI vs baseline per cycle", y_title=ROI_TITLE,
        width=600, height=240)


def plan_channels(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's channels, largest planned spend first (the order of chart and table)."""
    return sorted(plan["channels"], key=lambda c: -c["spend"])


def plan_split_chart(plan: dict[str, Any], currency: str | None = None) -> str:
    """Planned spend per channel with last quarter's marked (a ``/v1/budget/plan`` document)."""
    return split_bars_svg([(c["channel"], c["spend"], c["previous_spend"])
                           for c in plan_channels(plan)],
                          label="Planned spend per channel",
                          x_title=money_title("spend per quarter", currency), width=700)


def scenario_chart(scenarios: dict[str, Any], currency: str | None = None) -> str:
    """Expected revenue against budget over the feasible scenarios (``/v1/budget/scenarios``).

    The base budget (multiplier 1) is ringed and labelled ``current budget X``.
    """
    ok = sorted((r for r in scenarios["scenarios"] if _num(r["expected_revenue"])),
                key=lambda r: r["budget"])
    marks = [(i, f"current budget {amount3(r['budget'])}") for i, r in enumerate(ok)
             if r.get("multiplier") == 1.0]
    return line_chart_svg([r["budget"] for r in ok], [
        {"name": "expected revenue", "color": PALETTE[2],
         "values": [r["expected_revenue"] for r in ok], "width": 2.5}],
        xs=[r["budget"] for r in ok], fmt=compact, x_fmt=amount3,
        y_title=money_title("expected revenue", currency),
        x_title=money_title("budget", currency), marks=marks,
        label="Expected revenue at other budgets", width=640, height=280)


def funnel_svg(stages: Sequence[tuple[str, float]], *, label: str = "",
               width: int = 760) -> str:
    """A funnel: one centred bar per ``(stage, conversions)``, width ∝ conversions.

    Between two bars, the step's rate (next ÷ this) and drop-off (1 − rate);
    a step from a stage without conversions has no rate (``–``).
    """
    bar_h, gap, m_t, m_b, m_l, m_r = 34, 26, 8, 8, 150, 150
    height = m_t + m_b + bar_h * len(stages) + gap * max(0, len(stages) - 1)
    top = max([1.0, *(v for _, v in stages if _num(v))])
    span = width - m_l - m_r
    mid = m_l + span / 2
    out = [_svg_open(width, height, label)]
    for i, (name, value) in enumerate(stages):
        yy = m_t + i * (bar_h + gap)
        w = max(2.0, span * (value / top)) if _num(value) else 2.0
        out.append(f'<g class="funnel-stage" data-stage="{_e(name)}" data-conversions="{value!r}">'
                   f'<text x="{m_l - 8}" y="{yy + bar_h / 2 + 4}" text-anchor="end" '
                   f'fill="#111827">{_e(name)}</text>'
                   f'<rect x="{mid - w / 2:.1f}" y="{yy}" width="{w:.1f}" height="{bar_h}" '
                   f'fill="{PALETTE[i % len(PALETTE)]}" rx="3"><title>{_e(name)}: '
                   f'{_e(count(value))} conversions</title></rect>'
                   f'<text x="{width - m_r + 8}" y="{yy + bar_h / 2 + 4}" fill="#111827" '
                   f'font-weight="600">{_e(count(value))}</text></g>')
        if i + 1 < len(stages):
            nxt = stages[i + 1][1]
            rate = nxt / value if _num(value) and _num(nxt) and value > 0 else None
            text = ("no rate (no conversions at this stage)" if rate is None
                    else f"↓ {pct(rate)} go on · {pct(1 - rate)} drop off")
            out.append(f'<text class="funnel-step" x="{mid:.1f}" y="{yy + bar_h + gap / 2 + 5}" '
                       f'text-anchor="middle" fill="#4b5563">{_e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def identity_credit_chart(identities: dict[str, Any]) -> str:
    """Share of conversions per channel (``(direct)`` too) per id and per person.

    ``identities`` is a ``/v1/identities`` document (``credit`` rows with
    ``share_per_id`` and ``share_per_person``).
    """
    rows = identities["credit"]
    series = [{"name": "per id (no stitching)", "color": PALETTE[1],
               "values": [r["share_per_id"] for r in rows]},
              {"name": "per person (stitched)", "color": PALETTE[0],
               "values": [r["share_per_person"] for r in rows]}]
    return grouped_bars_svg([r["channel"] for r in rows], series, fmt=pct,
                            label="Share of conversions per channel, with and without "
                                  "identity stitching",
                            y_title="share of conversions (%)")


def funnel_chart(funnel: dict[str, Any]) -> str:
    """The report's funnel: its stages' conversions and the rate of each step.

    ``funnel`` is a ``/v1/funnel`` document (``stages`` with ``stage`` and ``conversions``).
    """
    stages = [(s["stage"], float(s["conversions"])) for s in funnel["stages"]]
    return funnel_svg(stages, label="Funnel: conversions per stage and the rate of each step")


# ------------------------------------------------------------------- segments
def segment_chart(segments: dict[str, Any]) -> str:
    """Channel shares per segment: grouped bars, one series per segment, with intervals.

    ``segments`` is a ``/v1/attribution?by=`` document (``rows`` with ``segment``,
    ``channel``, ``share``, ``conversions_lo`` / ``_hi``; ``segments`` with
    ``conversions`` and ``small_sample``). A share's whisker is the segment's
    conversion interval divided by its attributed conversions; a small segment's
    legend entry carries its ``n``.
    """
    rows = [r for r in segments["rows"] if r["channel"] != "(direct)"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    series = []
    for k, s in enumerate(segments["segments"]):
        mine = {r["channel"]: r for r in rows if r["segment"] == s["segment"]}
        total = sum(float(r["conversions"]) for r in mine.values())
        if total <= 0:
            continue

        def bound(r: dict[str, Any] | None, key: str, total: float = total) -> float | None:
            return None if r is None or r.get(key) is None else float(r[key]) / total

        name = f"{s['segment']} (n={count(s['conversions'])}"
        name += ", small)" if s["small_sample"] else ")"
        series.append({"name": name, "color": PALETTE[k % len(PALETTE)],
                       "values": [None if c not in mine else mine[c]["share"] for c in channels],
                       "lo": [bound(mine.get(c), "conversions_lo") for c in channels],
                       "hi": [bound(mine.get(c), "conversions_hi") for c in channels]})
    return grouped_bars_svg(channels, series, fmt=pct, y_title="share of the segment's credit",
                            label=f"Channel shares per {segments['by']['name']} segment")


# ------------------------------------------------------------------ campaigns
def campaign_rollup_chart(campaigns: dict[str, Any]) -> str:
    """Per channel: each model's campaigns summed, and each own-fit model's channel-level fit.

    ``campaigns`` is the report's Campaigns document (``rollup`` rows of
    ``/v1/attribution/compare?grain=campaign``). Shares of the attributed
    conversions. A per-touch rule (``exact``) is one series, its campaigns
    summed (equal to its channel credit); Markov and Shapley get two, their
    campaign fit summed and their channel-level fit, side by side.
    """
    rows = campaigns["rollup"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    series: list[dict[str, Any]] = []
    for label in campaigns["models"]:
        mine = {r["channel"]: r for r in rows if r["model"] == label}
        total = math.fsum(r["conversions"] for r in mine.values())
        summed = [mine[c]["conversions"] / total if c in mine and total else None
                  for c in channels]
        if campaigns["exact"][label]:
            series.append({"name": f"{label}: campaigns summed = channel",
                           "values": summed})
            continue
        at_channel = math.fsum(r["channel_conversions"] for r in mine.values())
        series.append({"name": f"{label}: campaigns summed", "values": summed})
        series.append({"name": f"{label}: channel-level fit",
                       "values": [mine[c]["channel_conversions"] / at_channel
                                  if c in mine and at_channel else None for c in channels]})
    for i, s in enumerate(series):
        s["color"] = PALETTE[i % len(PALETTE)]
    return grouped_bars_svg(channels, series, fmt=pct,
                            label="Channel roll-up of the campaign credit, beside the "
                                  "channel-level fit",
                            y_title="share of conversions (%)", width=1100)


def pacing_chart(pacing: dict[str, Any], currency: str | None = None) -> str:
    """Planned (quarter), actual to date and projected spend per channel (a ``/v1/pacing`` doc)."""
    chans = pacing["channels"]
    series = [
        {"name": "planned (quarter)", "color": "#9aa5b1",
         "values": [c["planned_spend"] for c in chans]},
        {"name": "actual to date", "color": PALETTE[0],
         "values": [c["actual_spend"] for c in chans]},
        {"name": "projected", "color": PALETTE[1], "values": [c["projected_spend"] for c in chans]},
    ]
    return grouped_bars_svg([c["channel"] for c in chans], series, fmt=compact,
                            label=f"Planned, actual and projected spend per channel, "
                                  f"{pacing['quarter']}",
                            y_title=money_title("spend", currency))


# ----------------------------------------------------------------- calibration
def calibration_svg(rows: Sequence[dict[str, Any]], *, label: str = "",
                    width: int = 760) -> str:
    """Per experiment: the credit attributed in its window beside the experiment's estimate.

    ``rows``: ``name``, ``attributed``, ``incremental``, ``lower``, ``upper``
    (``None`` bounds: no interval) and ``factor`` text. Two bars per row on
    one scale from 0: attributed (grey), incremental (blue) with its interval
    as a whisker.
    """
    bar_h, pair_gap, row_gap, m_t, m_b, m_l, m_r = 16, 4, 22, 8, 24, 190, 330
    row_h = 2 * bar_h + pair_gap
    height = m_t + m_b + row_h * len(rows) + row_gap * max(0, len(rows) - 1)
    values = [v for r in rows for v in (r["attributed"], r["incremental"], r.get("upper"))
              if _num(v)]
    top = max([1.0, *values])
    span = width - m_l - m_r

    def x(v: float) -> float:
        return m_l + span * (v / top)

    out = [_svg_open(width, height, label)]
    for i, r in enumerate(rows):
        yy = m_t + i * (row_h + row_gap)
        att, inc = r["attributed"], r["incremental"]
        out.append(f'<g class="calibration-row" data-name="{_e(r["name"])}" '
                   f'data-attributed="{att!r}" data-incremental="{inc!r}">'
                   f'<text x="{m_l - 8}" y="{yy + row_h / 2 + 4}" text-anchor="end" '
                   f'fill="#111827">{_e(r["name"])}</text>'
                   f'<rect x="{m_l}" y="{yy}" width="{max(1.0, x(att) - m_l):.1f}" '
                   f'height="{bar_h}" fill="#9ca3af" rx="2"><title>attributed '
                   f'{_e(count(att, 1))}</title></rect>'
                   f'<rect x="{m_l}" y="{yy + bar_h + pair_gap}" '
                   f'width="{max(1.0, x(inc) - m_l):.1f}" height="{bar_h}" fill="{PALETTE[0]}" '
                   f'rx="2"><title>incremental {_e(count(inc, 1))}</title></rect>')
        lo, hi = r.get("lower"), r.get("upper")
        if _num(lo) and _num(hi):
            cy = yy + bar_h + pair_gap + bar_h / 2
            out.append(f'<path class="calibration-interval" d="M{x(lo):.1f} {cy:.1f} '
                       f'H{x(hi):.1f} M{x(lo):.1f} {cy - 5:.1f} V{cy + 5:.1f} '
                       f'M{x(hi):.1f} {cy - 5:.1f} V{cy + 5:.1f}" stroke="#111827" '
                       f'stroke-width="1.5" fill="none"/>')
        out.append(f'<text x="{width - m_r + 8}" y="{yy + bar_h - 3}" fill="#4b5563">'
                   f'attributed {_e(count(att, 1))}</text>'
                   f'<text x="{width - m_r + 8}" y="{yy + row_h - 3}" fill="#111827" '
                   f'font-weight="600">incremental {_e(count(inc, 1))} · {_e(r["factor"])}'
                   f'</text></g>')
    out.append(f'<text x="{m_l}" y="{height - 6}" fill="#4b5563">grey: attributed in the '
               'window · blue: the experiment, with its interval</text>')
    out.append("</svg>")
    return "".join(out)


def calibration_chart(calibration: dict[str, Any]) -> str:
    """The report's calibration chart from the ``calibration`` document of the attribution."""
    rows = []
    for e in calibration["calibration"]["experiments"]:
        interval = (f" [{ratio(e['factor_lower'], 3)}, {ratio(e['factor_upper'], 3)}]"
                    if _num(e.get("factor_lower")) and _num(e.get("factor_upper")) else "")
        rows.append({"name": f"{e['channel']} {e['start']}..{e['end']}",
                     "attributed": float(e["attributed"]),
                     "incremental": float(e["incremental"]),
                     "lower": e.get("lower"), "upper": e.get("upper"),
                     "factor": f"factor {ratio(e['factor'], 3)}{interval}"})
    return calibration_svg(rows, label="Calibration: attributed credit vs the experiments' "
                                       "incremental estimates")
