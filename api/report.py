"""One self-contained HTML report with the dashboard's content, for a period and a model.

The numbers come from the same code as the HTTP API: :func:`collect` calls the
route functions of :mod:`api.routes` on a read session over the warehouse, so
the report holds exactly what ``/v1/health``, ``/v1/paths``,
``/v1/attribution/compare``, ``/v1/roi``, ``/v1/lifecycle``,
``/v1/budget/plan`` and ``/v1/budget/scenarios`` would answer. :func:`render`
turns those documents into one HTML file: the dashboard's stylesheet inlined,
every chart drawn as inline SVG, no script and no reference to any other file
or address, so it opens offline, prints, and can be mailed as it is.

Sections (as on the dashboard): Data, Attribution (grouped bars per channel per
model with bootstrap whiskers, the table, rank agreement), ROI (line chart per
channel per period and the finance table with money to 2 decimals), Lifecycle
(each test channel's ROI against the baseline and its admit / scale / exit
bars per cycle, with the verdict) and Budget plan (split, expected revenue,
marginal ROI, binding constraints, scenario curve).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from optimizer.inputs import PERIODS_PER_QUARTER, next_quarter

__all__ = [
    "COMPARE_MODELS",
    "PALETTE",
    "ReportOptions",
    "collect",
    "default_budget",
    "grouped_bars_svg",
    "line_chart_svg",
    "next_quarter",
    "render",
    "split_bars_svg",
    "utc_minute",
    "write_report",
]

#: Models compared in the Attribution section unless told otherwise (as on the dashboard).
COMPARE_MODELS = ("first_touch", "last_touch", "linear", "position", "markov1", "markov2",
                  "shapley")
#: Series colours, the same as the dashboard's.
PALETTE = ("#2f6db5", "#e08a1e", "#2e9e6a", "#c8463d", "#7b5fb8", "#8a6b3f", "#d36aa8",
           "#6b7280", "#a8a528", "#1fa3b5", "#4b3f8a", "#b5562f")
#: Budget multipliers of the scenario curve (the base budget is always included).
SCENARIO_MULTIPLIERS = (0.5, 0.75, 1.25, 1.5, 2.0)
#: Up to this many compared models, the attribution chart and table sit side by side.
_SIDE_BY_SIDE_MODELS = 4
_DASH = "—"
_NUM = ' class="num"'

Period = Literal["week", "month", "quarter"]


@dataclass(frozen=True)
class ReportOptions:
    """What the report is computed for.

    Parameters
    ----------
    period : {"week", "month", "quarter"}
        Period of the ROI table and length of a lifecycle test cycle.
    model : str
        Attribution model of ROI, lifecycle and the plan's response curves
        (a spec as the API takes it: ``markov``, ``markov2``, ``linear`` ...).
    order : int, optional
        Markov order (1-4) when ``model`` is ``markov``.
    models : sequence of str
        Models compared side by side in the Attribution section.
    ci : int
        Bootstrap resamples for the comparison's intervals (0: none).
    budget : float, optional
        Budget of the plan; default :func:`default_budget` (last quarter's spend).
    quarter : str, optional
        Planned quarter (``2027Q1``); default the quarter after the data.
    spend_all : bool
        Plan to spend exactly the budget (else at most).
    lookback_days : int
        Journey lookback window.
    max_change : float, optional
        Largest change of a channel's planned spend vs last quarter
        (``0.3`` = ±30%); none by default.
    multipliers : sequence of float
        Budget multipliers of the scenario curve (the base budget is added).
    """

    period: Period = "month"
    model: str = "markov"
    order: int | None = None
    models: Sequence[str] = COMPARE_MODELS
    ci: int = 0
    budget: float | None = None
    quarter: str | None = None
    spend_all: bool = False
    lookback_days: int = 30
    max_change: float | None = None
    multipliers: Sequence[float] = SCENARIO_MULTIPLIERS

    def __post_init__(self) -> None:
        if self.period not in PERIODS_PER_QUARTER:
            raise ValueError(f"period must be week, month or quarter, got {self.period!r}")
        if self.order is not None and not 1 <= int(self.order) <= 4:
            raise ValueError(f"order must be 1-4, got {self.order!r}")
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be a positive amount, got {self.budget!r}")
        if self.ci < 0:
            raise ValueError(f"ci must be 0 or more resamples, got {self.ci!r}")
        if not self.models:
            raise ValueError("models: give at least one model to compare")
        if self.max_change is not None and not (math.isfinite(self.max_change)
                                                and self.max_change >= 0):
            raise ValueError(f"max_change must be 0 or more, got {self.max_change!r}")
        if not self.multipliers or not all(math.isfinite(m) and m > 0 for m in self.multipliers):
            raise ValueError(f"multipliers must be positive numbers, got {self.multipliers!r}")

    @property
    def model_spec(self) -> str:
        """The model with its order, as one spec (``markov(order=2)``)."""
        if self.order is None:
            return self.model
        return f"{self.model}(order={int(self.order)})"


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


def _legend(items: Sequence[tuple[str, str, bool]]) -> str:
    spans = []
    for name, color, dashed in items:
        style = (f"border-top:3px dashed {color};width:16px;height:0;display:inline-block"
                 if dashed else
                 f"background:{color};width:12px;height:12px;display:inline-block;border-radius:2px")
        spans.append(f'<span class="legend-item"><span style="{style}"></span>{_e(name)}</span>')
    return f'<div class="legend">{"".join(spans)}</div>'


def grouped_bars_svg(categories: Sequence[str], series: Sequence[dict[str, Any]], *,
                     fmt: Callable[[Any], str] = pct, label: str = "",
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
    m_l, m_r, m_t, m_b = 64, 12, 14, 62
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

    out = [_svg_open(width, height, label), _y_axis(ticks, y, m_l, width - m_r, fmt)]
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
                   x_fmt: Callable[[Any], str] = str, label: str = "",
                   width: int = 900, height: int = 300) -> str:
    """Lines over categorical (or numeric ``xs``) positions, as an SVG string.

    Series are ``{"name", "color", "values", "dash" (optional), "markers"
    (default True)}``; a ``None`` value breaks the line.
    """
    m_l, m_r, m_t, m_b = 64, 16, 14, 44
    vals = [v for s in series for v in s["values"] if _num(v)]
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

    out = [_svg_open(width, height, label), _y_axis(ticks, y, m_l, width - m_r, fmt)]
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
        if s.get("markers", True):
            for i, v in enumerate(s["values"]):
                if _num(v):
                    out.append(f'<circle cx="{px(i):.1f}" cy="{y(v):.1f}" r="3" '
                               f'fill="{s["color"]}"><title>{_e(s["name"])} · '
                               f'{_e(x_fmt(x[i]))}: {_e(fmt(v))}</title></circle>')
        out.append("</g>")
    out.append("</svg>")
    legend = _legend([(s["name"], s["color"], bool(s.get("dash"))) for s in series])
    return legend + "".join(out)


def split_bars_svg(rows: Sequence[tuple[str, float, float | None]], *, label: str = "",
                   width: int = 760) -> str:
    """Horizontal bars ``(label, value, previous)`` with a dashed marker at ``previous``."""
    row_h, m_l, m_r, m_t, m_b = 30, 130, 120, 8, 26
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
                   f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle" '
                   f'fill="#4b5563">{_e(compact(t))}</text>')
    out.append("</g>")
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


# ---------------------------------------------------------------------- tables
def _table(columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
           rows: Sequence[dict[str, Any]], footer: dict[str, str] | None = None,
           css_id: str | None = None) -> str:
    """``columns`` are ``(key, header, formatter)``; a formatter marks a numeric column."""
    ident = f' id="{css_id}"' if css_id else ""
    head = "".join(f'<th scope="col"{_NUM if f else ""}>{_e(h)}</th>'
                   for _, h, f in columns)
    body = []
    for r in rows:
        cells = []
        for key, _, f in columns:
            v = r.get(key)
            text = f(v) if f else (_DASH if v is None else str(v))
            cells.append(f'<td{_NUM if f else ""}>{_e(text)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    foot = ""
    if footer:
        foot = "<tfoot><tr>" + "".join(
            f'<td{_NUM if f else ""}>{_e(footer.get(key, ""))}</td>'
            for key, _, f in columns) + "</tr></tfoot>"
    return (f'<table class="data-table"{ident}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody>{foot}</table>')


def _tiles(items: Sequence[tuple[str, str]], wide: Sequence[str] = ()) -> str:
    return '<div class="tiles">' + "".join(
        f'<div class="tile{" wide" if k in wide else ""}"><div class="tile-label">{_e(k)}</div>'
        f'<div class="tile-value">{_e(v)}</div></div>' for k, v in items) + "</div>"


# --------------------------------------------------------------------- collect
def default_budget(roi_doc: dict[str, Any]) -> float | None:
    """Last quarter's total spend: the sum of the last 13 weeks, 3 months or 1 quarter.

    ``roi_doc`` is a ``/v1/roi`` document; its ``totals`` hold each period's
    spend from the warehouse. ``None`` when there is no spend.
    """
    n = PERIODS_PER_QUARTER[roi_doc["period"]]
    total = sum(float(t.get("spend") or 0.0) for t in roi_doc["totals"][-n:])
    return total if total > 0 else None


def collect(warehouse: Any, options: ReportOptions = ReportOptions(),  # noqa: B008
            comparison: Any = None) -> dict[str, Any]:
    """Every document the report shows, computed by the API's own route functions.

    Parameters
    ----------
    warehouse : Warehouse
        An open warehouse (only read).
    options : ReportOptions
    comparison : ModelComparison, optional
        The models of ``options.models`` already run on these journeys (with
        ``options.ci`` resamples); turned into the ``compare`` document as the
        endpoint would instead of being computed again. ``touchpath demo``
        passes its own, so the report shows the very intervals it printed.

    Returns
    -------
    dict
        ``health``, ``paths``, ``compare``, ``roi``, ``lifecycle``, ``plan``,
        ``scenarios`` (each the JSON document of its endpoint) and ``options``.

    Raises
    ------
    ValueError
        Bad options or data the endpoints refuse (e.g. a model that cannot run).
    """
    from api.cache import ResultCache
    from api.deps import AppState, ReadSession
    from api.routes import attribution, budget, health, lifecycle, paths, roi
    from api.routes.common import DateRange, JourneyQuery
    from api.schemas import PlanRequest, ScenariosRequest
    from api.security import KeyStore
    from api.settings import Settings

    # The report runs locally, for its caller: no per-request work limit or time budget.
    settings = Settings(db=str(warehouse.path), max_bootstrap_work=None,
                        request_time_budget_s=None)
    state = AppState(settings=settings, warehouse=warehouse,
                     keys=KeyStore(Path(warehouse.path).with_suffix(".no-keys")),
                     cache=ResultCache(64))
    state.refresh()
    session = ReadSession(state)
    journeys = JourneyQuery(options.lookback_days, False, "all", None, DateRange(None, None))
    order = None if options.order is None else str(int(options.order))
    try:
        doc: dict[str, Any] = {"options": {
            "period": options.period, "model": options.model_spec, "models": list(options.models),
            "ci": options.ci, "lookback_days": options.lookback_days}}
        doc["health"] = _json(health.health_response(state))
        doc["paths"] = _json(paths.paths(None, session, journeys, limit=10))
        if comparison is None:
            doc["compare"] = _json(attribution.compare_models(
                None, session, journeys, models=",".join(options.models), ci=options.ci,
                level=0.95, seed=0))
        else:
            doc["compare"] = _json(attribution.compare_response(
                comparison, session.version, journeys))
        doc["roi"] = _json(roi.roi(None, None, session, journeys, period=options.period,
                                   model=options.model, order=order,
                                   fiscal_year_start_month=1, format="json"))
        doc["lifecycle"] = _json(lifecycle.lifecycle(
            None, session, journeys, period=options.period, model=options.model, order=order,
            reading="multiple", admit=None, scale=None, exit_fraction=0.5, exit_cycles=3,
            exit_target=None, min_spend=0.0, min_conversions=1.0,
            fiscal_year_start_month=1))
        amount = options.budget if options.budget is not None else default_budget(doc["roi"])
        last_day = doc["health"]["last_day"]
        quarter = options.quarter or (next_quarter(date.fromisoformat(last_day))
                                      if last_day else None)
        doc["plan"] = doc["scenarios"] = None
        if amount is not None:
            settings = {"model": options.model_spec, "period": options.period,
                        "spend_all": options.spend_all, "max_change": options.max_change}
            doc["plan"] = _json(budget.plan(
                PlanRequest(budget=amount, quarter=quarter, **settings), None, session))
            doc["scenarios"] = _json(budget.scenarios(
                ScenariosRequest(budget=amount, multipliers=list(options.multipliers),
                                 **settings), None, session))
    finally:
        session.close()
    return doc


def _json(answer: Any) -> dict[str, Any]:
    """The JSON document of an endpoint's answer: a response model or encoded JSON bytes.

    Cached endpoints return their stored JSON bytes (:meth:`api.deps.ReadSession.cached_json`).
    """
    if hasattr(answer, "model_dump"):
        return answer.model_dump(mode="json")
    return json.loads(bytes(answer.body))


# ---------------------------------------------------------------------- render
def _data_section(doc: dict[str, Any]) -> str:
    h, p = doc["health"], doc["paths"]
    t, o = p["totals"], p["options"]
    tiles = _tiles([
        ("Touchpoints", count(h["counts"].get("touchpoints"))),
        ("Conversions", count(h["counts"].get("conversions"))),
        ("Spend rows", count(h["counts"].get("spend"))),
        ("Channels", count(h["counts"].get("channels"))),
        ("Date range", f"{h['first_day']} → {h['last_day']}" if h["first_day"] else "no data"),
        ("Data version", str(h["data_version"])),
        ("Last ingest", utc_minute(h.get("last_ingest_at"))),
    ], wide=("Date range", "Last ingest"))
    opts = (f"lookback {o['lookback_days']} days, "
            f"{'repeats collapsed' if o['collapse_repeats'] else 'repeats kept'}, "
            f"{o['interaction']} interactions, "
            + (f"last {o['max_path_length']} touches" if o["max_path_length"] else "full paths"))
    summary = (f"<p>Journeys: {count(t['journeys'])} · converting: {count(t['path_conversions'])}"
               f" · non-converting: {count(t['nulls'])} · direct conversions (no touch in window):"
               f" {count(t['direct_conversions'])} · revenue on paths: {money(t['path_value'])}</p>"
               f'<p class="muted">Journey options: {_e(opts)}.</p>')
    top = _table([("path", "Most frequent paths", None), ("conversions", "Conversions", count),
                  ("nulls", "Non-converting", count), ("value", "Revenue", money)], p["paths"])
    return (f'<section id="data" class="card"><h2>Data</h2>{tiles}{summary}{top}</section>')


def _attribution_section(doc: dict[str, Any]) -> str:
    c = doc["compare"]
    labels = c["models"]  # the specs as asked for ("markov2"): the API's column names
    rows = [r for r in c["rows"] if r["channel"] != "(direct)"]
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    cell = {(r["model"], r["channel"]): r for r in rows}
    series = []
    for i, lab in enumerate(labels):
        total = sum(r["conversions"] for r in rows if r["model"] == lab)
        got = [cell.get((lab, ch)) for ch in channels]
        series.append({
            "name": lab, "color": PALETTE[i % len(PALETTE)],
            "values": [g["share"] if g else None for g in got],
            "lo": [g["conversions_lo"] / total if g and _num(g.get("conversions_lo")) and total
                   else None for g in got],
            "hi": [g["conversions_hi"] / total if g and _num(g.get("conversions_hi")) and total
                   else None for g in got],
        })
    side_by_side = len(labels) <= _SIDE_BY_SIDE_MODELS
    chart = grouped_bars_svg(channels, series, fmt=pct,
                             label="Share of conversions per channel and model",
                             width=640 if side_by_side else 1100)
    table_rows = [{"channel": ch, **{lab: (cell.get((lab, ch)) or {}).get("share")
                                     for lab in labels}} for ch in channels]
    table = _table([("channel", "Channel", None), *((lab, lab, pct) for lab in labels)],
                   table_rows, css_id="attr-table-el")
    pairs = {}
    for a in c["rank_agreement"]:
        pairs[(a["model_a"], a["model_b"])] = pairs[(a["model_b"], a["model_a"])] = a
    head = "".join(f'<th class="num">{_e(lab)}</th>' for lab in labels)
    body = []
    for a in labels:
        cells = []
        for b in labels:
            if a == b:
                cells.append('<td class="num diag">1.00</td>')
                continue
            p = pairs.get((a, b))
            rho = p["spearman"] if p else None
            band = ("na" if not _num(rho) else "hi" if rho >= 0.9 else "mid" if rho >= 0.7
                    else "lo" if rho >= 0.4 else "neg")
            tau = ratio(p["kendall"], 3) if p else _DASH
            cells.append(f'<td class="num agree-{band}" title="Kendall {tau}">{ratio(rho)}</td>')
        body.append(f'<tr><th scope="row">{_e(a)}</th>{"".join(cells)}</tr>')
    matrix = (f'<table class="data-table matrix"><thead><tr><th></th>{head}</tr></thead>'
              f'<tbody>{"".join(body)}</tbody></table>')
    direct = next((r for r in c["rows"] if r["channel"] == "(direct)"), None)
    direct_p = (f'<p class="muted">(direct) baseline, reported apart: '
                f'{count(direct["conversions"], 1)} conversions, {money(direct["value"])} '
                "revenue.</p>" if direct else "")
    ci = doc["options"]["ci"]
    note = (f"Whiskers: 95% bootstrap intervals ({ci} resamples)." if ci
            else "No intervals (0 bootstrap resamples).")
    skipped = "".join(f'<p class="warn">Skipped {_e(s["model"])}: {_e(s["reason"])}</p>'
                      for s in c["skipped"])
    scroll = '<div class="table-x" style="overflow-x:auto">'
    ranks = (f"<h3>Rank agreement of channel shares (Spearman ρ; Kendall τ-b on hover)</h3>"
             f"{scroll}{matrix}</div>")
    head_html = (f'<section id="attribution" class="card"><h2>Attribution: how the models '
                 f'disagree</h2><p class="muted">{note}</p>{skipped}')
    if side_by_side:
        return (f'{head_html}<div class="split even"><div class="chart-box">{chart}</div>'
                f"<div>{scroll}{table}</div>{direct_p}{ranks}</div></div></section>")
    # Many models: the table and the matrix need the full width; chart above them.
    return (f'{head_html}<div class="chart-box">{chart}</div>{scroll}{table}</div>'
            f"{direct_p}{ranks}</section>")


def _roi_section(doc: dict[str, Any]) -> str:
    r = doc["roi"]
    periods = list(dict.fromkeys(x["period"] for x in r["rows"]))
    paid = list(dict.fromkeys(x["channel"] for x in r["rows"]
                              if x["channel"] != "(direct)" and (x["spend"] or 0) > 0))
    cell = {(x["period"], x["channel"]): x for x in r["rows"]}
    spend = {ch: sum(x["spend"] or 0.0 for x in r["rows"] if x["channel"] == ch) for ch in paid}
    total = sum(spend.values())
    small = [ch for ch in paid if spend[ch] < 0.01 * total]
    shown = [ch for ch in paid if ch not in small]
    series = [{"name": ch, "color": PALETTE[paid.index(ch) % len(PALETTE)],
               "values": [(cell.get((p, ch)) or {}).get("roi") for p in periods]} for ch in shown]
    chart = line_chart_svg(periods, series, fmt=ratio, label=f"ROI per channel per {r['period']}")
    note = (f" Not drawn (under 1% of spend, ROI on a tiny denominator): {', '.join(small)};"
            " see the table." if small else "")
    cols = [("period", "Period", None), ("channel", "Channel", None), ("spend", "Spend", money),
            ("attributed_conversions", "Attr. conversions", lambda v: count(v, 1)),
            ("attributed_revenue", "Attr. revenue", money), ("roi", "ROI", ratio),
            ("net_roi", "Net ROI", ratio), ("cpa", "CPA", money)]

    def total_of(key: str) -> float:
        return sum(x[key] or 0.0 for x in r["rows"])

    footer = {"period": "Total", "channel": f"{count(len(r['rows']))} rows",
              "spend": money(total_of("spend")),
              "attributed_conversions": count(total_of("attributed_conversions"), 1),
              "attributed_revenue": money(total_of("attributed_revenue"))}
    table = _table(cols, r["rows"], footer, css_id="roi-table-el")
    return (f'<section id="roi" class="card"><h2>Channel ROI <small class="muted">'
            f'{_e(r["model"])}, per {_e(r["period"])}</small></h2>'
            f'<div class="chart-box">{chart}</div><p class="muted">ROI = attributed revenue ÷ '
            f"spend; channels without spend have no ROI.{_e(note)}</p>{table}</section>")


def _lifecycle_section(doc: dict[str, Any]) -> str:
    lc = doc["lifecycle"]
    cards = []
    for v in lc["verdicts"]:
        x = [c["period"] for c in v["cycles"]]

        def col(key: str, cycles: list[dict[str, Any]] = v["cycles"]) -> list[Any]:
            return [c.get(key) for c in cycles]

        chart = line_chart_svg(x, [
            {"name": f"{v['channel']} ROI", "color": PALETTE[0], "values": col("roi"),
             "width": 3},
            {"name": "baseline (established)", "color": "#6b7280", "values": col("baseline")},
            {"name": "scale bar", "color": "#2e9e6a", "values": col("scale_bar"),
             "dash": "6 4", "markers": False},
            {"name": "admit bar", "color": "#1fa3b5", "values": col("admit_bar"),
             "dash": "6 4", "markers": False},
            {"name": "exit bar", "color": "#c8463d", "values": col("exit_bar"),
             "dash": "3 3", "markers": False},
        ], fmt=ratio, label=f"{v['channel']} ROI vs baseline per cycle", width=600, height=240)
        cards.append(
            f'<div class="verdict-card" data-channel="{_e(v["channel"])}"><div class='
            f'"verdict-head"><h3>{_e(v["channel"])}</h3><span class="badge verdict-'
            f'{_e(v["verdict"])}">{_e(v["verdict"].upper())}</span></div>'
            f'<p class="reason">{_e(v["reason"])}</p>{chart}<p class="muted">Latest cycle '
            f'{_e(v["period"] or _DASH)}: ROI {ratio(v["roi"])} vs baseline '
            f'{ratio(v["baseline"])} (ratio {ratio(v["ratio"])}); low-cycle streak '
            f'{v["low_streak"]}.</p></div>')
    body = "".join(cards) or '<p class="muted">No channel is in test status.</p>'
    return (f'<section id="lifecycle" class="card"><h2>New-channel lifecycle</h2>'
            f'<p class="muted">Rules: {_e(lc["rules"])}. One cycle = one {_e(lc["period"])}.</p>'
            f'<div class="verdicts">{body}</div></section>')


def _budget_section(doc: dict[str, Any]) -> str:
    p, s = doc["plan"], doc["scenarios"]
    if p is None:
        return ('<section id="budget" class="card"><h2>Budget plan</h2><p class="muted">No '
                "spend in the warehouse and no budget given: nothing to plan.</p></section>")
    kpis = [("Status", p["status"]), ("Budget", money(p["budget"])),
            ("Planned spend", money(p["total_spend"])),
            ("Expected revenue", money(p["expected_revenue"])),
            ("Revenue ÷ spend", ratio(p["expected_revenue"] / p["total_spend"])
             if p["total_spend"] else _DASH),
            ("Budget shadow price", ratio(p["budget_shadow_price"], 3))]
    chans = sorted(p["channels"], key=lambda c: -c["spend"])
    split = split_bars_svg([(c["channel"], c["spend"], c["previous_spend"]) for c in chans],
                           label="Planned spend per channel", width=700)
    rows = [{**c, "lifecycle": f"{c['status']} · {c['verdict']}" if c["verdict"] else c["status"],
             "change_pct": c["change_pct"]} for c in chans]

    def signed(v: Any) -> str:
        return _DASH if not _num(v) else f"{'+' if v > 0 else ''}{v * 100:,.1f}%"

    def total_of(key: str) -> float:
        return sum(c[key] or 0.0 for c in chans)

    table = _table([("channel", "Channel", None), ("group", "Group", None),
                    ("lifecycle", "Status / verdict", None),
                    ("previous_spend", "Last quarter", money), ("spend", "Planned", money),
                    ("change_pct", "Change", signed), ("share", "Share", pct),
                    ("expected_revenue", "Exp. revenue", money),
                    ("marginal_roi", "Marginal ROI", lambda v: ratio(v, 3))], rows,
                   {"channel": "Total", "previous_spend": money(total_of("previous_spend")),
                    "spend": money(total_of("spend")), "share": pct(total_of("share")),
                    "expected_revenue": money(total_of("expected_revenue"))},
                   css_id="plan-table-el")
    monthly = ""
    if p["months"]:
        mrows = [{"channel": c["channel"], **(c["monthly"] if isinstance(c["monthly"], dict)
                                              else {})} for c in chans]
        foot = {"channel": "Total", **{m: money(sum(r.get(m) or 0.0 for r in mrows))
                                       for m in p["months"]}}
        monthly = (f'<h3>Monthly split of {_e(p["quarter"])}</h3>'
                   + _table([("channel", "Channel", None), *((m, m, money) for m in p["months"])],
                            mrows, foot))
    binding = "".join(f"<li>{_e(b)}</li>" for b in p["binding_constraints"])
    binding_html = (f'<ul class="chips">{binding}</ul>' if binding
                    else '<p class="muted">None: no constraint limits the plan.</p>')
    conflicts = "".join(f"<li>{_e(c)}</li>" for c in p["conflicts"])
    conflicts_html = (f'<h3>Conflicting constraints</h3><ul class="conflicts">{conflicts}</ul>'
                      if conflicts else "")
    notes = "".join(f"<li>{_e(n)}</li>" for n in p["notes"])
    scen_html = ""
    if s is not None:
        srows = sorted(s["scenarios"], key=lambda r: r["budget"])
        ok = [r for r in srows if _num(r["expected_revenue"])]
        chart = line_chart_svg([r["budget"] for r in ok], [
            {"name": "expected revenue", "color": PALETTE[2],
             "values": [r["expected_revenue"] for r in ok], "width": 2.5}],
            xs=[r["budget"] for r in ok], fmt=compact, x_fmt=compact,
            label="Expected revenue at other budgets", width=700, height=260)
        stable = _table([("budget", "Budget", money), ("total_spend", "Spend", money),
                         ("expected_revenue", "Exp. revenue", money),
                         ("incremental_roi", "Incremental ROI", lambda v: ratio(v, 3)),
                         ("budget_shadow_price", "Shadow price", lambda v: ratio(v, 3)),
                         ("status", "Status", None)], srows)
        scen_html = (f"<h3>Scenarios: expected revenue at other budgets</h3>"
                     f'<div class="chart-box">{chart}</div>'
                     f'<div class="table-x" style="overflow-x:auto">{stable}</div>')
    return (f'<section id="budget" class="card"><h2>Budget plan <small class="muted">'
            f'{_e(p["quarter"] or "")} · objective {_e(p["objective"])}</small></h2>'
            f'{_tiles(kpis)}<p>{_e(p["status_text"])}</p>'
            f'<p class="total-line">Total planned spend: <strong id="plan-total">'
            f'{money(p["total_spend"])}</strong></p><div class="split"><div class="chart-box">'
            f'{split}</div><div><h3>Binding constraints</h3>{binding_html}{conflicts_html}'
            f'{"<ul class=notes>" + notes + "</ul>" if notes else ""}</div></div>{table}'
            f"{monthly}{scen_html}</section>")


def render(doc: dict[str, Any], *, generated_at: datetime | None = None,
           source: str = "") -> str:
    """The report as one HTML document (stylesheet inlined, charts as inline SVG).

    Parameters
    ----------
    doc : dict
        What :func:`collect` returns.
    generated_at : datetime, optional
        Shown in the header (default: now, UTC).
    source : str
        The warehouse the data came from, shown in the header.
    """
    from api.routes.dashboard import static_dir

    css = (static_dir() / "app.css").read_text(encoding="utf-8")
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    o = doc["options"]
    sub = (f"Model {o['model']} · period {o['period']} · data version "
           f"{doc['health']['data_version']} · generated {when}"
           + (f" · {source}" if source else ""))
    sections = [_data_section(doc), _attribution_section(doc), _roi_section(doc),
                _lifecycle_section(doc), _budget_section(doc)]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Touchpath report</title><style>{css}</style></head><body>"
            f'<header class="report-head"><h1>Touchpath report</h1><p>{_e(sub)}</p></header>'
            f"<main>{''.join(sections)}</main>"
            '<footer class="foot muted">Touchpath</footer></body></html>\n')


def write_report(db: Any, out: str | Path,
                 options: ReportOptions = ReportOptions(),  # noqa: B008
                 comparison: Any = None) -> Path:
    """Compute the report on the warehouse ``db`` and write it to ``out``.

    Parameters
    ----------
    db : str, Path or Warehouse
        A warehouse file (opened read-only for the report), or an open
        :class:`~data.warehouse.Warehouse` (only read; left open), as
        ``touchpath demo`` passes the one it has just filled.
    out : str or Path
        The HTML file to write (its folder is created).
    options : ReportOptions
    comparison : ModelComparison, optional
        Passed to :func:`collect`.

    Returns
    -------
    Path
        ``out``, resolved.

    Raises
    ------
    FileNotFoundError
        ``db`` is a path that does not exist.
    ValueError
        See :func:`collect`.
    """
    from data.warehouse import Warehouse

    if isinstance(db, Warehouse):
        doc, source = collect(db, options, comparison), Path(db.path).name
    else:
        db_path = Path(db)
        if not db_path.is_file():
            raise FileNotFoundError(f"warehouse {db_path} not found (create it with `touchpath "
                                    "demo` or `touchpath ingest`)")
        with Warehouse.open(db_path, read_only=True) as wh:
            doc = collect(wh, options, comparison)
        source = db_path.name
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(doc, source=source), encoding="utf-8")
    return target.resolve()
