"""CLI commands of the attribution layer: ``attribute`` and ``compare``.

Both read journeys either from the DuckDB warehouse (``--db``, with journey
options and a date range) or from a ChannelAttribution-shaped CSV
(``--paths FILE``: ``path,total_conversions,total_conversion_value,total_null``,
channels separated by ``" > "``). Each calls one workflow of the service —
``attribute`` :func:`touchpath.service.attribute` (warehouse) or
:func:`touchpath.service.attribute_paths` (path file), ``compare``
:func:`touchpath.service.compare_models` or :func:`touchpath.service.compare_paths` —
with the service's defaults (model, order, lookback, ``--ci``, ``--level``,
``--seed``, the compared models), so the answer is the one ``GET
/v1/attribution`` and ``/v1/attribution/compare`` give. A path table carries no
timestamps, so time decay needs the warehouse. Errors print one clear line and
exit with code 2.

``attribute --model markov --order auto`` prints the order-selection scores
(:func:`touchpath.attribution.markov.choose_order`: held-out log-loss, state penalty,
score per order) and titles the result ``markov (order auto → k)``.
``attribute --details`` adds what the model learned, read from the result's
typed fit record (:attr:`~touchpath.attribution.base.AttributionResult.fit_`):
for Markov the exact removal effects (conversions and value), ``P(conversion)``,
the expected revenue per journey and the top rows of the transition table; for
sampled conversion-rate Shapley the standard errors of the credit; for every
model its scalar settings and diagnostics (and the bootstrap's, with ``--ci``).
``--transitions FILE.csv`` writes the full tidy transition table
(``from_state, to_state, count, probability``) of a Markov model. With
``--format json`` the output stays a list of per-channel objects unless
``--details`` is given; then it is ``{"model", "title", "channels",
"details"}`` with the channel list under ``channels`` and, under ``details``,
``order`` and every field of the fit record by name (per-channel arrays as
``{channel: value}``, the transition table cut to ``transition_table_top``)
plus ``bootstrap`` (``n_resamples``, ``seed``, ``method`` and the resampled
credit) when intervals were computed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.calibration_cmds import calibrated_json, print_calibrated_attribution
from touchpath.cli.campaign_views import attribute_campaigns_cmd, compare_campaigns_cmd
from touchpath.cli.common import (
    DEFAULT_GRAIN,
    KIND_DEFAULT,
    PIPE_WIDTH,
    ByOpt,
    CalibrateOpt,
    CensorOpt,
    CliUsageError,
    CollapseOpt,
    FormatOpt,
    GrainChoice,
    GrainOpt,
    JourneyFromOpt,
    JourneyToOpt,
    KindOpt,
    LookbackOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    StitchOpt,
    clean_errors,
    emit,
    kind_choice,
    model_choice,
    open_warehouse,
    output_console,
    print_censoring,
)
from touchpath.service import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from touchpath.attribution.base import AttributionResult
    from touchpath.attribution.compare import ModelComparison
    from touchpath.data.paths import PathTable

__all__ = ["TOP_TRANSITIONS", "agreement_table", "attribute", "compare_cmd",
           "comparison_table", "details_json", "order_selection_table", "read_paths_file",
           "render_comparison", "result_title", "show_comparison"]

#: Rows of the transition table that ``attribute --details`` shows (most journeys first).
TOP_TRANSITIONS = 10

T = TypeVar("T")


# ----------------------------------------------------------------- options
HalfLifeOpt = Annotated[float | None, typer.Option(
    "--half-life", help="Time-decay half-life in days (default 7).")]
ParamOpt = Annotated[list[str] | None, typer.Option(
    "--param", "-p", help="Model setting key=value (repeatable), e.g. -p first=0.3.")]
CiOpt = Annotated[int, typer.Option("--ci", min=0, help="Bootstrap resamples (0: none).")]
LevelOpt = Annotated[float, typer.Option("--level", help="Coverage of the intervals.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Bootstrap seed.")]
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="DuckDB warehouse (default touchpath.duckdb).")]
PathsOpt = Annotated[Path | None, typer.Option(
    "--paths", help="ChannelAttribution-shaped CSV instead of the warehouse.")]
InteractionOpt = Annotated[str, typer.Option(
    "--interaction", help="Touches to keep: all, or click (clicks only).")]
MaxLengthOpt = Annotated[int | None, typer.Option(
    "--max-length", min=1, help="Keep only the last N touches of a journey.")]
ProgressOpt = Annotated[bool, typer.Option(
    "--progress/--no-progress", help="Progress bar on stderr while bootstrapping.")]

#: The warehouse the journey commands read unless --db or --paths is given.
DEFAULT_DB = Path("touchpath.duckdb")


# ----------------------------------------------------------------- inputs
def read_paths_file(paths_file: Path, db: Path | None) -> PathTable:
    """The path table of ``--paths FILE``.

    Raises
    ------
    CliUsageError
        ``--db`` given too, or no such file.
    PathTableError
        The file is not a path table (the message names the column or row).
    """
    if db is not None:
        raise CliUsageError("give either --db or --paths, not both")
    if not paths_file.is_file():
        raise CliUsageError(f"{paths_file}: no such file")
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.paths import PathTable

    return PathTable.read_csv(paths_file)


def _journey_options(lookback: int, collapse_repeats: bool, interaction: str,
                     max_length: int | None, start: Any, end: Any, censor: bool,
                     kind: str, stitch: bool = True, grain: str = DEFAULTS.grain) -> Any:
    return service.journey_options(lookback_days=lookback, collapse_repeats=collapse_repeats,
                                   interaction=interaction,  # type: ignore[arg-type]
                                   max_path_length=max_length, start=start, end=end,
                                   censor=censor, kind=kind_choice(kind), stitch=stitch,
                                   grain=grain)  # type: ignore[arg-type]


def _on_journeys(paths_file: Path | None, db: Path | None, journeys: tuple[Any, ...],
                 on_table: Callable[..., T], on_warehouse: Callable[..., T], what: Any,
                 **settings: Any) -> T:
    """One service call on the journeys of ``--paths FILE``, or of the warehouse at ``--db``.

    ``on_table(paths, what, **settings)`` for a path file,
    ``on_warehouse(wh, what, options, **settings)`` for the warehouse (read
    only; default ``touchpath.duckdb``) with the journey options ``journeys``
    (lookback, repeats, interaction, length, from, to, censor, kind, stitch); then the censoring
    warnings, if any, on stderr (Markov on journeys that never fail, and why).
    """
    if paths_file is not None:
        return on_table(read_paths_file(paths_file, db), what, **settings)
    options = _journey_options(*journeys)
    db = db or DEFAULT_DB
    with open_warehouse(db, missing=f"{db}: no such warehouse; load data with "
                                    "`touchpath ingest` or pass --paths FILE") as wh:
        result = on_warehouse(wh, what, options, **settings)
        print_censoring(service.censoring(wh, options))
        return result


def _on_segments(paths_file: Path | None, db: Path | None, journeys: tuple[Any, ...],
                 workflow: Callable[..., T], by: str, what: Any, **settings: Any) -> T:
    """``workflow(wh, by, what, options, **settings)`` on the warehouse (``--by``).

    Segments need the warehouse's attributes: a ``--paths`` file has none.
    """
    if paths_file is not None:
        raise CliUsageError("--by needs the warehouse (its conversion and user attributes); "
                            "a --paths file has no segments")
    options = _journey_options(*journeys)
    db = db or DEFAULT_DB
    with open_warehouse(db, missing=f"{db}: no such warehouse; load data with "
                                    "`touchpath ingest`") as wh:
        result = workflow(wh, by, what, options, **settings)
        print_censoring(service.censoring(wh, options))
        return result


def _emit_segmented(result: Any, fmt: OutputFormat, out: Path | None,
                    metric: str = "share") -> None:
    """A segmented attribution or comparison as a table, JSON or CSV (``segment`` first)."""
    # Deferred: segment_cmds imports this module.
    from touchpath.cli.segment_cmds import (
        render_segmented_attribution,
        render_segmented_comparison,
        segments_json,
    )

    if fmt is OutputFormat.json:
        emit(segments_json(result), out)
    elif fmt is OutputFormat.csv:
        emit(result.to_frame().to_csv(index=False), out)
    elif hasattr(result, "comparisons"):
        _print_rich(lambda c: render_segmented_comparison(result, c, metric), out)
    else:
        _print_rich(lambda c: render_segmented_attribution(result, c), out)


# ----------------------------------------------------------------- output
def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _records_json(records: Sequence[dict[str, Any]]) -> str:
    clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
              for k, v in r.items()} for r in records]
    return json.dumps(clean, indent=2, default=_json_default)


def _markov_fit(result: AttributionResult) -> Any:
    """The result's :class:`~touchpath.attribution.markov.MarkovFit`, or ``None``."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.markov import MarkovFit

    return result.fit_ if isinstance(result.fit_, MarkovFit) else None


def result_title(result: AttributionResult) -> str:
    """The result's label; a Markov model of automatic order reads ``markov (order auto → k)``."""
    fit = _markov_fit(result)
    if fit is not None and fit.order_auto:
        return f"markov (order auto → {fit.order})"
    return result.label


def order_selection_table(scores: pd.DataFrame) -> Table:
    """The scores of :func:`touchpath.attribution.markov.choose_order`, one row per order.

    ``score = log_loss + penalty`` (held-out log-loss of the conversion outcome
    in nats per journey plus ``states · ln N / (2N)``); the lowest score wins
    and is marked ``✓``. Numbers to six decimals.
    """
    table = Table(title="Markov order selection (cross-validated; lowest score wins)",
                  title_justify="left",
                  caption="score = held-out log-loss (nats/journey) + states·ln N/(2N)")
    for name in ("order", "states", "log-loss", "penalty", "score", "chosen"):
        table.add_column(name, justify="left" if name == "chosen" else "right")
    for row in scores.itertuples(index=False):
        table.add_row(str(int(row.order)), f"{int(row.states):,}", f"{row.log_loss:.6f}",
                      f"{row.penalty:.6f}", f"{row.score:.6f}", "✓" if row.chosen else "")
    return table


def _top_transitions(transitions: pd.DataFrame, n: int = TOP_TRANSITIONS) -> pd.DataFrame:
    """The ``n`` transitions with the most journeys (ties in table order)."""
    return transitions.sort_values("count", ascending=False, kind="stable").head(n)


def _print_markov(result: AttributionResult, fit: Any, console: Console) -> None:
    """Removal effects, ``P(conversion)`` and the top transitions of a Markov fit."""
    table = Table(title="Removal effects (exact)", title_justify="left",
                  caption="RE(c) = 1 − P(conv | c removed) / P(conv)")
    table.add_column("channel")
    table.add_column("RE (conversions)", justify="right")
    table.add_column("RE (value)", justify="right")
    for channel, effect, effect_value in zip(fit.channels, fit.removal_effects,
                                             fit.removal_effects_value, strict=True):
        table.add_row(channel, f"{effect:.6f}", f"{effect_value:.6f}")
    console.print(table)
    console.print(f"P(conversion) from (start): {fit.conversion_probability:.6f}; "
                  f"expected revenue per journey: {_fmt(fit.expected_value)}")
    transitions = fit.transition_table
    top = _top_transitions(transitions)
    table = Table(title=f"Transitions: top {len(top)} of {len(transitions):,} by journeys",
                  title_justify="left", caption="--transitions FILE.csv writes them all")
    for name in ("from", "to", "journeys", "probability"):
        table.add_column(name, justify="right" if name in ("journeys", "probability")
                         else "left")
    for row in top.itertuples(index=False):
        table.add_row(str(row.from_state), str(row.to_state), _fmt(row.count, 0),
                      f"{row.probability:.6f}")
    console.print(table)


def _print_standard_errors(result: AttributionResult, fit: Any, console: Console) -> None:
    """Sampling standard errors of a conversion-rate Shapley fit (or that it is exact)."""
    if fit.method != "permutation":
        console.print("Shapley values computed exactly: no sampling error.")
        return
    table = Table(title="Sampling standard errors", title_justify="left",
                  caption=f"Shapley credit from {fit.n_permutations} sampled permutations")
    for name in ("channel", "conversions", "s.e.", "value", "s.e. (value)"):
        table.add_column(name, justify="left" if name == "channel" else "right")
    for k, channel in enumerate(result.channels):
        table.add_row(channel, _fmt(result.conversions[k]), _fmt(fit.conversions_se[k], 4),
                      _fmt(result.value[k]), _fmt(fit.value_se[k], 4))
    console.print(table)


#: Scalars of a Markov fit shown elsewhere (the title, the removal-effects section).
_MARKOV_SHOWN = frozenset({"order", "order_auto", "conversion_probability", "expected_value"})


def _print_details(result: AttributionResult, console: Console) -> None:
    """What the model learned (``attribute --details``), from the typed fit record."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.shapley import ShapleyConversionRateFit

    fit = result.fit_
    markov = _markov_fit(result)
    if markov is not None:
        _print_markov(result, markov, console)
    if isinstance(fit, ShapleyConversionRateFit):
        _print_standard_errors(result, fit, console)
    shown = _MARKOV_SHOWN if markov is not None else frozenset()
    rest = [(k, v) for k, v in (fit.diagnostics() if fit is not None else {}).items()
            if k not in shown]
    if result.bootstrap_ is not None:
        draws = result.bootstrap_
        rest += [("bootstrap.n_resamples", draws.n_resamples), ("bootstrap.seed", draws.seed),
                 ("bootstrap.method", draws.method)]
    if rest:
        table = Table(title=f"{result_title(result)}: settings and diagnostics",
                      title_justify="left")
        table.add_column("detail")
        table.add_column("value", justify="right")
        for key, value in rest:
            table.add_row(key, f"{value:.6g}" if isinstance(value, float) else str(value))
        console.print(table)


def _jsonable(value: Any, channels: Sequence[str]) -> Any:
    """``value`` as JSON-ready data; a per-channel array becomes ``{channel: value}``."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        frame = value.astype(object)
        return [{str(k): _jsonable(v, channels) for k, v in r.items()}
                for r in frame.where(pd.notna(frame), None).to_dict(orient="records")]
    if isinstance(value, np.ndarray):
        if value.ndim == 1 and len(value) == len(channels):
            return {c: _jsonable(v, channels) for c, v in zip(channels, value, strict=True)}
        return [_jsonable(v, channels) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, channels) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, channels) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def details_json(result: AttributionResult) -> dict[str, Any]:
    """What the model learned as JSON-ready data (``attribute --details --format json``).

    ``order`` (the order used, for Markov), then every field of the result's
    fit record by name: per-channel arrays become ``{channel: value}``
    objects, DataFrames lists of row objects, NaN ``null``; the Markov
    transition table is cut to its :data:`TOP_TRANSITIONS` rows with the most
    journeys (``transition_table_top``; ``--transitions FILE.csv`` writes it
    whole). With intervals, ``bootstrap`` holds ``n_resamples``, ``seed``,
    ``method`` and the resampled ``conversions`` and ``value`` (one row per
    resample).
    """
    out: dict[str, Any] = {}
    if "order" in result.params:
        out["order"] = _jsonable(result.params["order"], result.channels)
    fit = result.fit_
    if fit is not None:
        for f in dataclasses.fields(fit):
            value = getattr(fit, f.name)
            if f.name == "channels":
                continue
            if f.name == "transition_table":
                out["transition_table_top"] = _jsonable(_top_transitions(value),
                                                        result.channels)
                continue
            out[f.name] = _jsonable(value, result.channels)
    if result.bootstrap_ is not None:
        draws = result.bootstrap_
        out["bootstrap"] = {"n_resamples": draws.n_resamples, "seed": draws.seed,
                            "method": draws.method,
                            "conversions": _jsonable(draws.conversions.tolist(), ()),
                            "value": _jsonable(draws.value.tolist(), ())}
    return out


def _result_table(result: AttributionResult) -> Table:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.paths import DIRECT

    has_ci = result.conversions_ci is not None and result.value_ci is not None
    title = result_title(result)
    if has_ci:
        title += f" — {result.ci_level:.0%} bootstrap intervals"
    table = Table(title=title, title_justify="left")
    table.add_column("channel")
    table.add_column("conversions", justify="right")
    if has_ci:
        table.add_column("conv. interval", justify="right")
    table.add_column("value", justify="right")
    if has_ci:
        table.add_column("value interval", justify="right")
    table.add_column("share", justify="right")
    for k, channel in enumerate(result.channels):
        row = [channel, _fmt(result.conversions[k])]
        if has_ci:
            lo, hi = result.conversions_ci[k]  # type: ignore[index]
            row.append(f"{_fmt(lo)} – {_fmt(hi)}")
        row.append(_fmt(result.value[k]))
        if has_ci:
            lo, hi = result.value_ci[k]  # type: ignore[index]
            row.append(f"{_fmt(lo)} – {_fmt(hi)}")
        row.append(f"{result.share[k]:.1%}")
        table.add_row(*row)
    if result.direct_conversions > 0 or result.direct_value > 0:
        row = [DIRECT, _fmt(result.direct_conversions)]
        row += [""] if has_ci else []
        row += [_fmt(result.direct_value)]
        row += [""] if has_ci else []
        row += ["(apart)"]
        table.add_row(*row, style="dim")
    total = "total (paths)" if result.additive else "total (paths; credit is reach)"
    table.add_section()
    row = [total, _fmt(result.total_conversions)]
    row += [""] if has_ci else []
    row += [_fmt(result.total_value)]
    row += [""] if has_ci else []
    row += [""]
    table.add_row(*row)
    return table


#: Table metrics of ``touchpath compare`` (and the chart's): what each cell shows.
_METRIC_TITLES = {
    "share": "Share of attributed conversions (%) by model",
    "conversions": "Attributed conversions by model",
    "value": "Attributed revenue by model",
    "value_share": "Share of attributed revenue (%) by model",
}


def _metric_cell(metric: str, x: float) -> str:
    if metric in ("share", "value_share"):
        return _fmt(100.0 * x, 1)
    return _fmt(x, 2 if metric == "value" else 1)


def comparison_table(comparison: ModelComparison, metric: str = "share") -> Table:
    """Channel rows, one column per model: ``metric`` with its bootstrap interval below.

    Shares are percentages to one decimal (``27.1``) and their interval
    ``26.5–27.7`` (the bootstrap bounds divided by the attributed total);
    conversions have one decimal, revenue two. A channel a model does not
    report is left blank. Columns are the comparison's labels (the specs as
    asked for), so nine models and eight channels fit in 150 columns.

    Parameters
    ----------
    comparison : ModelComparison
    metric : {"share", "conversions", "value", "value_share"}

    Raises
    ------
    ValueError
        For an unknown metric.
    """
    if metric not in _METRIC_TITLES:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(_METRIC_TITLES)}")
    wide = comparison.wide(metric)
    table = Table(title=_METRIC_TITLES[metric], title_justify="left")
    table.add_column("channel", no_wrap=True)
    for label in comparison.labels:
        table.add_column(label, justify="right", no_wrap=metric in ("share", "value_share"))
    percent = metric in ("share", "value_share")
    sep = "–" if percent else " – "
    for channel in comparison.channels:
        cells = [channel]
        for label, result in zip(comparison.labels, comparison.results, strict=True):
            x = wide.at[channel, label]
            if channel not in result.channels or not math.isfinite(x):
                cells.append("")
                continue
            cell = _metric_cell(metric, x)
            bounds = comparison.bounds(result, metric)
            if bounds is not None:
                lo, hi = bounds[result.channels.index(channel)]
                cell += f"\n[dim]{_metric_cell(metric, lo)}{sep}{_metric_cell(metric, hi)}[/]"
            cells.append(cell)
        table.add_row(*cells)
    if comparison.has_ci:
        level = next(r.ci_level for r in comparison.results if r.ci_level is not None)
        table.caption = (f"below each value: its {level:.0%} bootstrap interval; "
                         "--format csv or json for every bound")
        if percent:
            table.caption += "; --metric conversions for counts"
    return table


def agreement_table(comparison: ModelComparison, metric: str = "share") -> Table | None:
    """Model × model rank agreement: Spearman's ρ below the diagonal, Kendall's τ-b above.

    ``None`` with fewer than two models. ``–`` marks an undefined coefficient
    (a model that gives every channel the same credit).
    """
    labels = comparison.labels
    if len(labels) < 2:
        return None
    spearman: dict[tuple[str, str], float] = {}
    kendall: dict[tuple[str, str], float] = {}
    for row in comparison.rank_agreement(metric).itertuples(index=False):
        spearman[(row.model_b, row.model_a)] = row.spearman
        kendall[(row.model_a, row.model_b)] = row.kendall
    table = Table(title="Rank agreement of channel shares", title_justify="left",
                  caption="Spearman ρ below the diagonal, Kendall τ-b above")
    table.add_column("", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right")
    for i, a in enumerate(labels):
        cells = [a]
        for j, b in enumerate(labels):
            if i == j:
                cells.append("[dim]·[/]")
            elif i > j:
                cells.append(_fmt(spearman[(a, b)]))
            else:
                cells.append(f"[italic]{_fmt(kendall[(a, b)])}[/]")
        table.add_row(*cells)
    return table


def render_comparison(comparison: ModelComparison, console: Console,
                      metric: str = "share") -> None:
    """Print the comparison table of ``metric`` and the rank-agreement matrix."""
    console.print(comparison_table(comparison, metric))
    agreement = agreement_table(comparison)
    if agreement is not None:
        console.print(agreement)
    _print_skipped(comparison, console)


def _print_skipped(comparison: ModelComparison, console: Console) -> None:
    for name, reason in comparison.skipped:
        console.print(f"[yellow]note:[/] skipped {name}: {reason}")
    _print_warnings(comparison.warnings, console)


def _print_warnings(warnings: Sequence[str], console: Console) -> None:
    """The models' warnings (e.g. negative credit), one line each, under the table."""
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def _parse_params(items: Sequence[str] | None) -> dict[str, Any]:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.registry import parse_value

    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliUsageError(f"--param {item!r}: expected key=value")
        params[key.strip()] = parse_value(value)
    return params


def _models_help() -> str:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.registry import describe_models

    width = max(len(n) for n in describe_models())
    return "\n".join(f"{n:<{width}}  {d}" for n, d in describe_models().items())


# ---------------------------------------------------------------- commands

def _check_by_and_grain(by: str | None, grain: GrainChoice) -> None:
    """Refuse ``--by`` with ``--grain campaign``: segments are fitted at the channel grain."""
    if by is not None and grain is GrainChoice.campaign:
        raise CliUsageError("--by and --grain campaign together: segments are fitted at the "
                            "channel grain; give one of them")

@app.command()
def attribute(
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    half_life: HalfLifeOpt = None,
    param: ParamOpt = None,
    ci: CiOpt = DEFAULTS.ci,
    level: LevelOpt = DEFAULTS.level,
    seed: SeedOpt = DEFAULTS.seed,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
    paths: PathsOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    collapse_repeats: CollapseOpt = False,
    interaction: InteractionOpt = "all",
    max_length: MaxLengthOpt = None,
    start: JourneyFromOpt = None,
    end: JourneyToOpt = None,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    progress: ProgressOpt = True,
    list_models: Annotated[bool, typer.Option("--list", help="List the models and exit.")] = False,
    details: Annotated[bool, typer.Option(
        "--details", help="Also show what the model learned (Markov removal effects and "
                          "transitions, Shapley standard errors, diagnostics).")] = False,
    transitions: Annotated[Path | None, typer.Option(
        "--transitions", help="Write the Markov transition table (tidy CSV) to FILE.")] = None,
    by: ByOpt = None,
    grain: GrainOpt = DEFAULT_GRAIN,
    calibrate: CalibrateOpt = False,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Attribute conversions and revenue to channels (or campaigns) with one model."""
    if list_models:
        typer.echo(_models_help())
        return
    if calibrate:
        with clean_errors():
            if by is not None or grain is GrainChoice.campaign:
                raise CliUsageError("--calibrate with --by or --grain campaign: experiments "
                                    "calibrate a channel's credit over all its journeys; "
                                    "give --calibrate on its own")
            chosen = _parse_params(param)
            if half_life is not None:
                chosen["half_life_days"] = half_life
            _attribute_calibrated(model_choice(model, order, **chosen), db,
                                  paths, (lookback, collapse_repeats, interaction, max_length,
                                          start, end, censor, kind), fmt, out)
        return
    with clean_errors():
        _check_by_and_grain(by, grain)
        if by is not None:
            if details or transitions is not None:
                raise CliUsageError("--by shows one table per segment; --details and "
                                    "--transitions work without --by")
            settings = _parse_params(param)
            if half_life is not None:
                settings["half_life_days"] = half_life
            journeys = (lookback, collapse_repeats, interaction, max_length, start, end,
                        censor, kind)
            segmented = _on_segments(paths, db, journeys, service.attribute_segments, by,
                                     model_choice(model, order, **settings), ci=ci,
                                     level=level, seed=seed)
            _emit_segmented(segmented, fmt, out)
            return
        if details and fmt is OutputFormat.csv:
            raise CliUsageError("--details needs --format table or json (for the Markov "
                                "transition table as CSV use --transitions FILE.csv)")
        settings = _parse_params(param)
        if half_life is not None:
            settings["half_life_days"] = half_life
        journeys = (lookback, collapse_repeats, interaction, max_length, start, end, censor,
                    kind, stitch)
        if grain is GrainChoice.campaign:
            found = attribute_campaigns_cmd(
                spec=model_choice(model, order, **settings),
                options=_journey_options(*journeys, grain=grain.value), db=db, paths=paths,
                ci=ci, level=level, seed=seed, progress=progress, fmt=fmt, out=out,
                details=details, print_rich=_print_rich, print_details=_print_details)
            _write_transitions(found.result, transitions)
            return
        result = _on_journeys(paths, db, journeys, service.attribute_paths, service.attribute,
                              model_choice(model, order, **settings), ci=ci, level=level,
                              seed=seed, progress=progress)
        _write_transitions(result, transitions, quiet=True)
        if fmt is OutputFormat.json:
            if details:
                doc = {"model": result.label, "title": result_title(result),
                       "channels": result.to_records(), "details": details_json(result)}
                emit(json.dumps(_jsonable(doc, result.channels), indent=2, ensure_ascii=False),
                     out)
            else:
                emit(_records_json(result.to_records()), out)
        elif fmt is OutputFormat.csv:
            emit(result.to_frame().to_csv(index=False), out)
        else:
            _print_rich(lambda c: _draw_result(result, c, details), out)
        if transitions is not None:
            Console(stderr=True, highlight=False).print(
                f"transition table written to {transitions}")


def _write_transitions(result: AttributionResult, transitions: Path | None,
                       quiet: bool = False) -> None:
    """Write ``--transitions FILE`` from a Markov result (``quiet``: say so later)."""
    if transitions is None:
        return
    fit = _markov_fit(result)
    if fit is None:
        raise CliUsageError(f"--transitions: model {result.label!r} has no transition "
                            "table (use --model markov)")
    fit.transition_table.to_csv(transitions, index=False)
    if not quiet:
        Console(stderr=True, highlight=False).print(f"transition table written to {transitions}")


def _attribute_calibrated(spec: str, db: Path | None, paths: Path | None,
                          journeys: tuple[Any, ...], fmt: OutputFormat,
                          out: Path | None) -> None:
    """``attribute --calibrate``: attributed vs calibrated credit (service.attribute_calibrated)."""
    if paths is not None:
        raise CliUsageError("--calibrate needs the warehouse (its experiments table), not "
                            "--paths FILE")
    found = _on_journeys(None, db, journeys, service.attribute_paths,
                         lambda wh, what, options: service.attribute_calibrated(
                             wh, what, options, memo=service.LocalMemo()), spec)
    if fmt is OutputFormat.json:
        emit(calibrated_json(found.to_dict()), out)
    elif fmt is OutputFormat.csv:
        emit(found.to_frame().to_csv(index=False), out)
    else:
        _print_rich(lambda c: print_calibrated_attribution(found, c), out)


def _draw_result(result: AttributionResult, console: Console, details: bool) -> None:
    """The order selection (automatic Markov order), the result table, then details."""
    fit = _markov_fit(result)
    if fit is not None and fit.order_selection is not None:
        console.print(order_selection_table(fit.order_selection))
    console.print(_result_table(result))
    _print_warnings(result.warnings, console)
    if details:
        _print_details(result, console)


@app.command("compare")
def compare_cmd(
    models: Annotated[str, typer.Option(
        "--models", help="Comma-separated model specs, e.g. first_touch,markov2,shapley.")]
    = ",".join(DEFAULTS.compare_models),
    ci: CiOpt = DEFAULTS.ci,
    level: LevelOpt = DEFAULTS.level,
    seed: SeedOpt = DEFAULTS.seed,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Save a grouped bar chart (PNG) to FILE.")] = None,
    metric: Annotated[str, typer.Option(
        "--metric", help="What the table and the chart show: share (of conversions, %), "
                         "conversions, value (revenue) or value_share.")]
    = "share",
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
    paths: PathsOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    collapse_repeats: CollapseOpt = False,
    interaction: InteractionOpt = "all",
    max_length: MaxLengthOpt = None,
    start: JourneyFromOpt = None,
    end: JourneyToOpt = None,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    progress: ProgressOpt = True,
    by: ByOpt = None,
    grain: GrainOpt = DEFAULT_GRAIN,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Run several models on the same journeys: one table, rank agreement, a chart."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.registry import split_specs

    with clean_errors():
        specs = split_specs(models)
        if not specs:
            raise CliUsageError("--models: give at least one model")
        _check_by_and_grain(by, grain)
        if by is not None:
            if plot is not None:
                raise CliUsageError("--plot draws one comparison; it works without --by")
            journeys = (lookback, collapse_repeats, interaction, max_length, start, end,
                        censor, kind)
            segmented = _on_segments(paths, db, journeys, service.compare_segments, by, specs,
                                     ci=ci, level=level, seed=seed)
            _emit_segmented(segmented, fmt, out, metric=metric)
            return
        journeys = (lookback, collapse_repeats, interaction, max_length, start, end, censor,
                    kind, stitch)
        if grain is GrainChoice.campaign:
            compare_campaigns_cmd(
                specs=specs, options=_journey_options(*journeys, grain=grain.value), db=db,
                paths=paths, ci=ci, level=level, seed=seed, progress=progress, fmt=fmt,
                out=out, plot=plot, metric=metric, print_rich=_print_rich)
            return
        comparison = _on_journeys(paths, db, journeys, service.compare_paths,
                                  service.compare_models, specs, ci=ci, level=level, seed=seed,
                                  progress=progress)
        if not comparison.results:
            raise CliUsageError("no model could run on this input")
        if plot is not None:
            comparison.plot(plot, metric=metric, currency=DEFAULTS.currency)
        if fmt is OutputFormat.table:
            _print_rich(lambda c: render_comparison(comparison, c, metric), out)
        else:
            _print_skipped(comparison, Console(stderr=True, highlight=False, soft_wrap=True))
            tidy = comparison.to_frame(include_direct=True)
            if fmt is OutputFormat.json:
                emit(_records_json(_tidy_records(tidy)), out)
            else:
                emit(tidy.to_csv(index=False), out)
        if plot is not None:
            Console(stderr=True, highlight=False).print(f"chart written to {plot}")


def _tidy_records(tidy: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    frame = tidy.astype(object)
    return frame.where(pd.notna(frame), None).to_dict(orient="records")


def _print_rich(draw: Any, out: Path | None) -> None:
    if out is None:
        draw(output_console(highlight=False))
        return
    console = Console(record=True, file=io.StringIO(), width=PIPE_WIDTH, highlight=False)
    draw(console)
    out.write_text(console.export_text(), encoding="utf-8")


def show_comparison(comparison: ModelComparison, console: Console,
                    plot_path: Path | str | None = None) -> None:
    """Print a comparison (table, rank agreement, skipped models) and save its chart.

    ``touchpath demo`` shows the comparison it asked the service for this way.

    Parameters
    ----------
    comparison : ModelComparison
    console : rich Console
    plot_path : path-like, optional
        Where to write the PNG chart (grouped bars per channel per model).
    """
    render_comparison(comparison, console)
    if plot_path is not None:
        comparison.plot(plot_path, currency=DEFAULTS.currency)
        console.print(f"comparison chart written to {plot_path}")
