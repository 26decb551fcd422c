"""CLI commands of the attribution layer: ``attribute`` and ``compare``.

Both read journeys either from the DuckDB warehouse (``--db``, with journey
options and a date range) or from a ChannelAttribution-shaped CSV
(``--paths FILE``: ``path,total_conversions,total_conversion_value,total_null``,
channels separated by ``" > "``). A path table carries no timestamps, so time
decay needs the warehouse. Errors print one clear line and exit with code 2.

``attribute --model markov --order auto`` prints the order-selection scores
(:func:`touchpath.attribution.markov.choose_order`: held-out log-loss, state penalty,
score per order) and titles the result ``markov (order auto → k)``.
``attribute --details`` adds what the model learned: for Markov the exact
removal effects (conversions and value), ``P(conversion)``, the expected
revenue per journey and the top rows of the transition table; for sampled
Shapley the standard errors of the credit; for every model its scalar
diagnostics. ``--transitions FILE.csv`` writes the full tidy transition table
(``from_state, to_state, count, probability``) of a Markov model. With
``--format json`` the output stays a list of per-channel objects unless
``--details`` is given; then it is ``{"model", "title", "channels",
"details"}`` with the channel list under ``channels``.
"""

import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath.attribution.base import AttributionResult
from touchpath.attribution.bootstrap import run_model
from touchpath.attribution.compare import ModelComparison, compare
from touchpath.attribution.registry import (
    ModelSpecError,
    describe_models,
    make_model,
    needs_touches,
    parse_value,
    split_specs,
)
from touchpath.cli.app import app
from touchpath.cli.common import (
    CliUsageError,
    CollapseOpt,
    FormatOpt,
    JourneyFromOpt,
    JourneyToOpt,
    LookbackOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    emit,
    order_value,
)
from touchpath.data.paths import DIRECT, PathTable, PathTableError

__all__ = ["DEFAULT_COMPARE_MODELS", "TOP_TRANSITIONS", "agreement_table", "attribute",
           "compare_cmd", "comparison_for_demo", "comparison_table", "details_json",
           "load_inputs", "order_selection_table", "render_comparison", "result_title"]

#: Models ``touchpath compare`` (and the demo) runs when ``--models`` is not given.
DEFAULT_COMPARE_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position",
                          "markov1", "markov2", "shapley")

#: Rows of the transition table that ``attribute --details`` shows (most journeys first).
TOP_TRANSITIONS = 10


# ----------------------------------------------------------------- options
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="Model name; see --list.")]
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


def _fail(message: str) -> typer.Exit:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=2)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn expected errors into one stderr line and exit code 2 (no traceback)."""
    try:
        yield
    except (CliUsageError, ModelSpecError, PathTableError, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None


# ----------------------------------------------------------------- inputs
def _journey_options(lookback: int, collapse_repeats: bool, interaction: str,
                     max_length: int | None, start: datetime | None,
                     end: datetime | None) -> Any:
    from touchpath.data.journeys import JourneyOptions

    return JourneyOptions(lookback_days=lookback, collapse_repeats=collapse_repeats,
                          interaction=interaction, max_path_length=max_length,
                          start=start, end=end)


def load_inputs(
    db: Path | None,
    paths_file: Path | None,
    *,
    with_touches: bool,
    lookback: int = 30,
    collapse_repeats: bool = False,
    interaction: str = "all",
    max_length: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[PathTable, pd.DataFrame | None]:
    """The path table (and, from the warehouse when asked, the journey touches).

    Raises
    ------
    CliUsageError
        Both or a missing source, or a warehouse file that does not exist.
    """
    if paths_file is not None:
        if db is not None:
            raise CliUsageError("give either --db or --paths, not both")
        if not paths_file.is_file():
            raise CliUsageError(f"{paths_file}: no such file")
        return PathTable.read_csv(paths_file), None
    db = db or Path("touchpath.duckdb")
    if not db.is_file():
        raise CliUsageError(
            f"{db}: no such warehouse; load data with `touchpath ingest` or pass --paths FILE"
        )
    from touchpath.data.journeys import build_paths, journey_touches
    from touchpath.data.warehouse import Warehouse

    options = _journey_options(lookback, collapse_repeats, interaction, max_length, start, end)
    with Warehouse.open(db, read_only=True) as wh:
        paths = build_paths(wh, options)
        touches = journey_touches(wh, options) if with_touches else None
    return paths, touches


# ----------------------------------------------------------------- output
def _fmt(x: float, digits: int = 2) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.{digits}f}"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _records_json(records: Sequence[dict[str, Any]]) -> str:
    clean = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v)
              for k, v in r.items()} for r in records]
    return json.dumps(clean, indent=2, default=_json_default)


def result_title(result: AttributionResult) -> str:
    """The result's label; a Markov model of automatic order reads ``markov (order auto → k)``."""
    if result.model == "markov" and result.details.get("order_requested") == "auto":
        return f"markov (order auto → {result.params.get('order')})"
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


def _plain_scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float | np.generic)


def _print_details(result: AttributionResult, console: Console) -> None:
    """Model-specific learned values of ``attribute --details`` as rich tables."""
    details = result.details
    shown: set[str] = {"order_selection", "order_requested"}
    if "removal_effects" in details:
        table = Table(title="Removal effects (exact)", title_justify="left",
                      caption="RE(c) = 1 − P(conv | c removed) / P(conv)")
        table.add_column("channel")
        table.add_column("RE (conversions)", justify="right")
        table.add_column("RE (value)", justify="right")
        value_effects = details.get("removal_effects_value", {})
        for channel in result.channels:
            table.add_row(channel, f"{details['removal_effects'][channel]:.6f}",
                          f"{value_effects.get(channel, float('nan')):.6f}")
        console.print(table)
        console.print(f"P(conversion) from (start): {details['conversion_probability']:.6f}; "
                      f"expected revenue per journey: {_fmt(details['expected_value'])}")
        shown |= {"removal_effects", "removal_effects_value", "conversion_probability",
                  "expected_value"}
    if isinstance(details.get("transition_table"), pd.DataFrame):
        transitions = details["transition_table"]
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
        shown.add("transition_table")
    if details.get("method") == "permutation" and "conversions_se" in details:
        se_conv = np.asarray(details["conversions_se"], dtype=float)
        se_val = np.asarray(details.get("value_se", np.full(len(se_conv), np.nan)), dtype=float)
        table = Table(title="Sampling standard errors", title_justify="left",
                      caption=f"Shapley credit from {details.get('n_permutations')} "
                              "sampled permutations")
        for name in ("channel", "conversions", "s.e.", "value", "s.e. (value)"):
            table.add_column(name, justify="left" if name == "channel" else "right")
        for k, channel in enumerate(result.channels):
            table.add_row(channel, _fmt(result.conversions[k]), _fmt(se_conv[k], 4),
                          _fmt(result.value[k]), _fmt(se_val[k], 4))
        console.print(table)
        shown |= {"conversions_se", "value_se"}
    elif details.get("method") == "exact" and "conversions_se" in details:
        console.print("Shapley values computed exactly: no sampling error.")
        shown |= {"conversions_se", "value_se"}
    rest = [(k, v) for k, v in details.items() if k not in shown and _plain_scalar(v)]
    if isinstance(details.get("solver"), dict):
        rest += [(f"solver.{k}", v) for k, v in details["solver"].items() if _plain_scalar(v)]
    if rest:
        table = Table(title=f"{result_title(result)}: settings and diagnostics",
                      title_justify="left")
        table.add_column("detail")
        table.add_column("value", justify="right")
        for key, value in rest:
            table.add_row(key, f"{value:.6g}" if isinstance(value, float | np.floating)
                          else str(value))
        console.print(table)


def _jsonable(value: Any, channels: Sequence[str]) -> Any:
    """``value`` as JSON-ready data; a per-channel array becomes ``{channel: value}``."""
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
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def details_json(result: AttributionResult) -> dict[str, Any]:
    """``result.details`` as JSON-ready data for ``attribute --details --format json``.

    Per-channel arrays become ``{channel: value}`` objects, DataFrames lists of
    row objects, NaN ``null``. The transition table is cut to its
    :data:`TOP_TRANSITIONS` rows with the most journeys (``transition_table_top``;
    ``--transitions FILE.csv`` writes it whole). ``order`` is the order used.
    """
    out: dict[str, Any] = {}
    if "order" in result.params:
        out["order"] = _jsonable(result.params["order"], result.channels)
    for key, value in result.details.items():
        if key == "transition_table" and isinstance(value, pd.DataFrame):
            out["transition_table_top"] = _jsonable(_top_transitions(value), result.channels)
            continue
        out[key] = _jsonable(value, result.channels)
    return out


def _result_table(result: AttributionResult) -> Table:
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
            if channel not in result.channels or not np.isfinite(x):
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


def _parse_params(items: Sequence[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliUsageError(f"--param {item!r}: expected key=value")
        params[key.strip()] = parse_value(value)
    return params


def _models_help() -> str:
    width = max(len(n) for n in describe_models())
    return "\n".join(f"{n:<{width}}  {d}" for n, d in describe_models().items())


# ---------------------------------------------------------------- commands
@app.command()
def attribute(
    model: ModelOpt = "markov",
    order: OrderOpt = None,
    half_life: HalfLifeOpt = None,
    param: ParamOpt = None,
    ci: CiOpt = 0,
    level: LevelOpt = 0.95,
    seed: SeedOpt = 0,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: DbOpt = None,
    paths: PathsOpt = None,
    lookback: LookbackOpt = 30,
    collapse_repeats: CollapseOpt = False,
    interaction: InteractionOpt = "all",
    max_length: MaxLengthOpt = None,
    start: JourneyFromOpt = None,
    end: JourneyToOpt = None,
    progress: ProgressOpt = True,
    list_models: Annotated[bool, typer.Option("--list", help="List the models and exit.")] = False,
    details: Annotated[bool, typer.Option(
        "--details", help="Also show what the model learned (Markov removal effects and "
                          "transitions, Shapley standard errors, diagnostics).")] = False,
    transitions: Annotated[Path | None, typer.Option(
        "--transitions", help="Write the Markov transition table (tidy CSV) to FILE.")] = None,
) -> None:
    """Attribute conversions and revenue to channels with one model."""
    if list_models:
        typer.echo(_models_help())
        return
    with _clean_errors():
        if details and fmt is OutputFormat.csv:
            raise CliUsageError("--details needs --format table or json (for the Markov "
                                "transition table as CSV use --transitions FILE.csv)")
        params = _parse_params(param)
        if order is not None:
            params["order"] = order_value(order)
        if half_life is not None:
            params["half_life_days"] = half_life
        built = make_model(model, **params)
        touch_model = needs_touches(built)
        if touch_model and paths is not None:
            raise CliUsageError(
                f"model {built.name!r} needs touch timestamps, which a path table (--paths)"
                " does not carry; read journeys from the warehouse with --db"
            )
        table, touches = load_inputs(db, paths, with_touches=touch_model, lookback=lookback,
                                     collapse_repeats=collapse_repeats, interaction=interaction,
                                     max_length=max_length, start=start, end=end)
        result = run_model(built, table, touches=touches, ci=ci, level=level, seed=seed,
                           progress=progress)
        if transitions is not None:
            frame = result.details.get("transition_table")
            if not isinstance(frame, pd.DataFrame):
                raise CliUsageError(f"--transitions: model {result.label!r} has no transition "
                                    "table (use --model markov)")
            frame.to_csv(transitions, index=False)
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


def _draw_result(result: AttributionResult, console: Console, details: bool) -> None:
    """The order selection (automatic Markov order), the result table, then details."""
    scores = result.details.get("order_selection")
    if isinstance(scores, pd.DataFrame):
        console.print(order_selection_table(scores))
    console.print(_result_table(result))
    if details:
        _print_details(result, console)


@app.command("compare")
def compare_cmd(
    models: Annotated[str, typer.Option(
        "--models", help="Comma-separated model specs, e.g. first_touch,markov2,shapley.")]
    = ",".join(DEFAULT_COMPARE_MODELS),
    ci: CiOpt = 0,
    level: LevelOpt = 0.95,
    seed: SeedOpt = 0,
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
    lookback: LookbackOpt = 30,
    collapse_repeats: CollapseOpt = False,
    interaction: InteractionOpt = "all",
    max_length: MaxLengthOpt = None,
    start: JourneyFromOpt = None,
    end: JourneyToOpt = None,
    progress: ProgressOpt = True,
) -> None:
    """Run several models on the same journeys: one table, rank agreement, a chart."""
    with _clean_errors():
        specs = split_specs(models)
        if not specs:
            raise CliUsageError("--models: give at least one model")
        built = [make_model(s) for s in specs]
        touch_wanted = paths is None and any(needs_touches(m) for m in built)
        table, touches = load_inputs(db, paths, with_touches=touch_wanted, lookback=lookback,
                                     collapse_repeats=collapse_repeats, interaction=interaction,
                                     max_length=max_length, start=start, end=end)
        comparison = compare(built, table, touches=touches, ci=ci, level=level, seed=seed,
                             progress=progress)
        if not comparison.results:
            raise CliUsageError("no model could run on this input")
        if plot is not None:
            comparison.plot(plot, metric=metric)
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
    frame = tidy.astype(object)
    return frame.where(pd.notna(frame), None).to_dict(orient="records")


def _print_rich(draw: Any, out: Path | None) -> None:
    if out is None:
        draw(Console(highlight=False))
        return
    console = Console(record=True, file=io.StringIO(), width=150, highlight=False)
    draw(console)
    out.write_text(console.export_text(), encoding="utf-8")


def comparison_for_demo(
    paths: PathTable,
    *,
    touches: pd.DataFrame | None = None,
    models: Sequence[str] = DEFAULT_COMPARE_MODELS,
    plot_path: Path | str | None = None,
    ci: int = 0,
    seed: int = 0,
    console: Console | None = None,
    progress: Any = None,
) -> ModelComparison:
    """Compare ``models`` on ``paths``, print the table and save the chart.

    Used by ``touchpath demo``. Models that need touches are skipped with a
    printed note when ``touches`` is ``None``.

    Parameters
    ----------
    paths : PathTable
    touches : DataFrame, optional
        ``journey_touches`` for time decay.
    models : sequence of str
        Registry specs.
    plot_path : path-like, optional
        Where to write the PNG chart (grouped bars per channel per model).
    ci : int, default 0
        Bootstrap resamples per model.
    seed : int, default 0
    console : rich Console, optional
        Where to print (default: stdout).
    progress : bool or callable, optional
        Progress of the bootstrap, as in :func:`touchpath.attribution.compare.compare`
        (default: a bar when ``ci > 0``; a callable ``f(done, total)`` lets a
        caller that already shows a bar advance it).

    Returns
    -------
    ModelComparison
    """
    console = console or Console(highlight=False)
    comparison = compare(list(models), paths, touches=touches, ci=ci, seed=seed,
                         progress=ci > 0 if progress is None else progress)
    render_comparison(comparison, console)
    if plot_path is not None:
        comparison.plot(plot_path)
        console.print(f"comparison chart written to {plot_path}")
    return comparison
