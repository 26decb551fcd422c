"""CLI commands of the data layer: ``ingest``, ``paths``, ``demo``.

``touchpath paths`` writes the path table of :func:`touchpath.service.path_table`
(journey options of :func:`touchpath.service.journey_options`, the service's
lookback by default), the table ``GET /v1/paths`` summarises.

``touchpath demo`` runs :data:`DEMO_STEPS` in order under one progress bar; a
step is a :class:`DemoStep` that reads and fills a shared :class:`DemoContext`
and may queue tables to print once the bar is done. The steps ask the service
for every result with the context's one :class:`~touchpath.service.LocalMemo`,
so what several steps read (the path table, the ROI table) is computed once.
Later features add their steps with :func:`add_demo_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from touchpath import service
from touchpath.cli.app import WAREHOUSE_ERROR_EXIT, app
from touchpath.cli.common import (
    DEFAULT_GRAIN,
    KIND_DEFAULT,
    CensorOpt,
    CollapseOpt,
    GrainChoice,
    GrainOpt,
    JourneyFromOpt,
    JourneyToOpt,
    KindOpt,
    LookbackOpt,
    PeriodChoice,
    StitchOpt,
    clean_errors,
    kind_choice,
    open_warehouse,
    output_console,
    print_censoring,
)
from touchpath.cli.engine_cmds import run_engine_paths, write_table
from touchpath.service import DEFAULTS, LocalMemo

__all__ = ["DEMO_CI", "DEMO_RESAMPLES", "DEMO_STEPS", "DemoContext", "DemoStep", "add_demo_step",
           "demo_config", "demo_journey_options", "open_demo_warehouse", "run_demo"]

#: Bootstrap resamples of the demo comparison's intervals (``touchpath demo --ci``): the
#: demo shows intervals, which the service leaves off by default (``DEFAULTS.ci``).
DEMO_CI = 200
#: Bootstrap resamples of the monthly attribution behind the demo plan's revenue range
#: (``touchpath demo --resamples``; off by default in the service, ``DEFAULTS.resamples``).
DEMO_RESAMPLES = 30


@app.command()
def version() -> None:
    """Print the Touchpath version."""
    from importlib.metadata import version as _version

    print(_version("touchpath"))


class FormatChoice(StrEnum):
    """How ``touchpath ingest`` reads its file."""

    auto = "auto"
    ga4 = "ga4"


class EngineChoice(StrEnum):
    """Engine of ``touchpath paths`` over Parquet datasets."""

    duckdb = "duckdb"
    spark = "spark"


class TableChoice(StrEnum):
    """Warehouse tables a file can be loaded into, or ``events`` (touches and conversions)."""

    touchpoints = "touchpoints"
    conversions = "conversions"
    spend = "spend"
    channels = "channels"
    events = "events"
    identities = "identities"
    users = "users"
    experiments = "experiments"


class InteractionChoice(StrEnum):
    """Which touches make journeys."""

    all = "all"
    click = "click"


DbOption = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file (.parquet/.pq), or a GA4 "
                                              "export with --format ga4.")],
    table: Annotated[TableChoice | None, typer.Option(
        "--table", "-t", help="Target table, or events: one file of touches and conversions "
                              "split into touchpoints and conversions (required, except "
                              "with --format ga4: events).")] = None,
    file_format: Annotated[FormatChoice, typer.Option(
        "--format", help="auto: CSV or Parquet by the file name; ga4: a GA4 BigQuery export "
                         "(newline-delimited JSON, gzip or not, or Parquet) read as events.")
    ] = FormatChoice.auto,
    db: DbOption = Path("touchpath.duckdb"),
    max_problems: Annotated[int, typer.Option(min=1, help="Problems to list.")] = 20,
    column_map: Annotated[list[str] | None, typer.Option(
        "--map", metavar="OURS=THEIRS",
        help="Read our column OURS from the file's column THEIRS, e.g. --map "
             "user_id=customer_id (repeatable).")] = None,
    conversion_events: Annotated[str | None, typer.Option(
        "--conversion-events", metavar="NAMES",
        help="events table: event names that are conversions, comma-separated, any case "
             "[default: purchase,conversion,order].")] = None,
    channel_rules: Annotated[Path | None, typer.Option(
        "--channel-rules", metavar="RULES.TOML",
        help="Channel rules for a touchpoints or events file without a channel column "
             "(derived from source, medium, campaign, referrer) [default: the built-in "
             "rules].")] = None,
) -> None:
    """Validate a file and load it into the warehouse, all or nothing.

    A file without ids (event_id, conversion_id) gets ids derived from each row's
    content: loading the same file again is a no-op.
    """
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.warehouse import (
        DEFAULT_CONVERSION_EVENTS,
        ColumnMapError,
        IngestError,
        Warehouse,
        parse_column_map,
        parse_conversion_events,
    )

    if file_format is FormatChoice.ga4:
        if table not in (None, TableChoice.events):
            raise typer.BadParameter("--format ga4 loads the events table", param_hint="--table")
        if column_map:
            raise typer.BadParameter("--format ga4 reads the export's own fields; no --map",
                                     param_hint="--map")
        table = TableChoice.events
    elif table is None:
        raise typer.BadParameter("name the table the file goes to", param_hint="--table")
    try:
        mapping = parse_column_map(column_map or [], table.value)
    except ColumnMapError as err:
        raise typer.BadParameter(str(err), param_hint="--map") from None
    try:
        events = (DEFAULT_CONVERSION_EVENTS if conversion_events is None
                  else parse_conversion_events(conversion_events))
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--conversion-events") from None
    # Deferred with the warehouse: the numerical stack loads when a command runs.
    from touchpath.data.channel_rules import ChannelRules, ChannelRulesError

    console, errors = output_console(), Console(stderr=True)
    try:
        rules = ChannelRules.default() if channel_rules is None else ChannelRules.load(
            channel_rules)
    except ChannelRulesError as err:
        errors.print(str(err), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    try:
        with Warehouse.open(db) as wh:
            report = wh.ingest(table.value, file, max_problems=max_problems,  # type: ignore[arg-type]
                               column_map=mapping, conversion_events=events,
                               channel_rules=rules, format=file_format.value)
    except IngestError as err:
        errors.print(str(err), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except FileNotFoundError as err:
        errors.print(f"error: {err}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out = Table(title=f"{report.source} -> {report.table}", title_justify="left")
    out.add_column("")
    out.add_column("", justify="right")
    out.add_row("rows in file", f"{report.rows_in_file:,}")
    out.add_row("rows inserted", f"{report.rows_inserted:,}")
    out.add_row("already stored (skipped)", f"{report.rows_skipped_existing:,}")
    if len(report.loads) > 1:
        for load in report.loads:
            out.add_row(f"-> {load.table}", f"{load.rows:,} rows: {load.rows_inserted:,} inserted,"
                                            f" {load.rows_skipped_existing:,} already stored")
    if report.ga4 is not None:
        g = report.ga4
        out.add_row("GA4 events read", f"{g.events_read:,}")
        out.add_row("GA4 sessions (touches)", f"{g.sessions:,}")
        out.add_row("GA4 purchases (conversions)", f"{g.purchases:,}")
        out.add_row("repeated transaction ids (dropped)", f"{g.duplicate_purchases:,}")
        out.add_row("events without a session (no touch)", f"{g.events_without_session:,}")
        out.add_row("revenues rounded to the millionth", f"{g.revenues_rounded:,}")
    if report.derived_ids:
        out.add_row("ids", "derived from row content")
    if report.column_map:
        out.add_row("column map", ", ".join(f"{k}={v}" for k, v in report.column_map.items()))
    if report.channel_rules is not None:
        out.add_row("channels", f"derived by channel rules ({report.channel_rules})")
        out.add_row("(other) channel", "; ".join(
            f"{o.source or '(none)'} / {o.medium or '(none)'}: {o.rows:,} rows"
            for o in report.other_channel) or "-")
    out.add_row("new channels", ", ".join(report.new_channels) or "-")
    out.add_row("ignored columns", ", ".join(report.ignored_columns) or "-")
    for a in report.attributes:
        note = "" if a.segmentable else ", not segmentable (more than 1,000 values)"
        out.add_row(f"attribute {a.name} ({a.scope})",
                    f"{a.distinct:,} distinct value{'' if a.distinct == 1 else 's'}{note}")
    console.print(out)


@app.command()
def paths(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV (ChannelAttribution "
                                                          "shape).")] = Path("paths.csv"),
    db: DbOption = Path("touchpath.duckdb"),
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    collapse_repeats: CollapseOpt = False,
    old_keep_repeats: Annotated[bool, typer.Option(
        "--no-collapse-repeats", hidden=True, help="Old name of --keep-repeats.")] = False,
    interaction: Annotated[InteractionChoice, typer.Option(
        help="Touches to use.")] = InteractionChoice.all,
    max_length: Annotated[int | None, typer.Option(
        min=1, help="Keep the last N touches of a journey.")] = None,
    date_from: JourneyFromOpt = None,
    date_to: JourneyToOpt = None,
    engine: Annotated[EngineChoice | None, typer.Option(
        help="Read Parquet datasets (--touchpoints, --conversions) without a warehouse, on "
             "DuckDB (default) or Spark.")] = None,
    touchpoints: Annotated[str | None, typer.Option(
        help="Touchpoints dataset: a Parquet file or a directory of part files (hive "
             "partitions); for Spark any URI it reads (s3a://, hdfs://, abfss://).")] = None,
    conversions: Annotated[str | None, typer.Option(
        help="Conversions dataset, as --touchpoints.")] = None,
    spark_master: Annotated[str, typer.Option(
        help="Spark master: local[*], a cluster URL, or Spark Connect sc://host:port.")
    ] = "local[*]",
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    period: Annotated[PeriodChoice | None, typer.Option(
        help="Also write one path table per period of the journey's end.")] = None,
    by_period_out: Annotated[Path | None, typer.Option(
        help="Where --period writes its tables (CSV, or Parquet for .parquet).")] = None,
    grain: GrainOpt = DEFAULT_GRAIN,
    stitch: StitchOpt = DEFAULTS.stitch,
    identities: Annotated[str | None, typer.Option(
        help="Identity pairs dataset (id_a, id_b) for --engine: journeys per person, "
             "as in the warehouse.")] = None,
) -> None:
    """Build journeys and write the path table (path, conversions, value, nulls).

    CSV, or Parquet when --out ends in .parquet. With --touchpoints and
    --conversions, from Parquet on the chosen --engine instead of the warehouse.
    Says how many non-converting journeys censoring left out (stderr), with a
    warning when that is most or all of them.
    """
    try:
        options = service.journey_options(
            lookback_days=lookback, collapse_repeats=collapse_repeats and not old_keep_repeats,
            interaction=interaction.value,  # type: ignore[arg-type]
            max_path_length=max_length, start=date_from, end=date_to, censor=censor,
            kind=kind_choice(kind), grain=grain.value, stitch=stitch)
    except (TypeError, ValueError) as err:
        raise typer.BadParameter(str(err)) from None
    if (engine or touchpoints or conversions or period or by_period_out or identities) \
            and grain is GrainChoice.campaign:
        raise typer.BadParameter("--grain campaign builds the warehouse's path table; the "
                                 "engines and --period tables are per channel (spend has no "
                                 "campaign)", param_hint="--grain")
    if engine or touchpoints or conversions or period or by_period_out or identities:
        run_engine_paths(out=out, options=options, engine=engine and engine.value,
                         touchpoints=touchpoints, conversions=conversions,
                         spark_master=spark_master,
                         period=period and period.value, by_period_out=by_period_out, db=db,
                         identities=identities)
        return
    missing = f"no warehouse at {db} (run `touchpath ingest` first)"
    with clean_errors(code=1), open_warehouse(db, missing=missing) as wh:
        table = service.path_table(wh, options)
        censoring = service.censoring(wh, options)
    write_table(table.to_frame(), out)
    t = table.totals()
    states = ""
    if grain is GrainChoice.campaign:
        states = (f" (campaign grain: {table.n_channels:,} channel / campaign states, "
                  "named 'channel / campaign')")
    output_console().print(
        f"wrote {out}: {int(t['paths']):,} paths, {t['path_conversions']:,.0f} conversions, "
        f"{t['nulls']:,.0f} nulls, {t['direct_conversions']:,.0f} direct conversions{states}"
    )
    print_censoring(censoring, counts=True)


# ---------------------------------------------------------------------- demo
@dataclass
class DemoContext:
    """What the demo steps share: settings in, results out."""

    db: Path
    out_dir: Path
    users: int
    seed: int
    lookback_days: int = DEFAULTS.lookback_days
    ci: int = DEMO_CI  # bootstrap resamples of the model comparison
    resamples: int = DEMO_RESAMPLES  # bootstrap resamples behind the plan's revenue range
    #: One memo for every step: a result several steps ask for is computed once.
    memo: LocalMemo = field(default_factory=LocalMemo)
    warehouse: Any = None
    data: Any = None
    paths: Any = None
    summary: Any = None
    comparison: Any = None
    roi: Any = None
    verdicts: Any = None
    plan_inputs: Any = None
    plan_params: Any = None
    plan: Any = None
    scenarios: Any = None
    outputs: dict[str, Path] = field(default_factory=dict)
    renderables: list[RenderableType] = field(default_factory=list)


@dataclass(frozen=True)
class DemoStep:
    """One stage of ``touchpath demo``.

    ``run(ctx, progress)`` does the work, calling ``progress(fraction)`` as it
    goes (optional), and may append tables to ``ctx.renderables``. ``weight``
    is its share of the progress bar.
    """

    label: str
    run: Callable[[DemoContext, Callable[[float], None]], None]
    weight: float = 1.0


#: Share of the demo's customers who buy logged in on a second device (their login
#: pairs load into the identities table, so the demo's journeys are stitched).
DEMO_CROSS_DEVICE_SHARE = 0.5


def _step_generate(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.synth import generate

    ctx.data = generate(demo_config(ctx), progress=progress)


def demo_config(ctx: DemoContext) -> Any:
    """The demo's synthetic data: ``ctx.users`` customers from ``ctx.seed``, with funnel stages.

    ``funnel_stages``: an ``add_to_cart`` conversion before every purchase and
    abandoned carts (70 % of carts), so the funnel of the report and the
    dashboard shows something true; purchases, touches and spend are those of
    the data without them (the carts come from their own random stream).
    ``cross_device_share``: half the customers buy logged in on a second device
    (:data:`DEMO_CROSS_DEVICE_SHARE`), their login pairs in the identities table.
    """
    from touchpath.data.synth import SynthConfig

    return SynthConfig(n_users=ctx.users, seed=ctx.seed, funnel_stages=True,
                       cross_device_share=DEMO_CROSS_DEVICE_SHARE)


def _step_ingest(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    """Load the synthetic tables into the demo's warehouse (see :func:`open_demo_warehouse`)."""
    if ctx.warehouse is None:
        ctx.warehouse = open_demo_warehouse(ctx.db)
    ctx.outputs["warehouse"] = ctx.db
    # the users file too: device and region become user attributes, so a segment
    # holds its users' journeys without a conversion (touchpath segments lists them)
    tables = {**ctx.data.tables(), "users": ctx.data.users}
    if len(ctx.data.identities):
        tables = {**tables, "identities": ctx.data.identities}
    for i, (name, frame) in enumerate(tables.items()):
        ctx.warehouse.ingest(name, frame)
        ctx.warehouse.mark_demo()  # still only what the demo wrote
        progress((i + 1) / len(tables))


def open_demo_warehouse(db: Path) -> Any:
    """A fresh demo warehouse at ``db`` (:meth:`touchpath.data.warehouse.Warehouse.replace_demo`).

    Raises
    ------
    typer.Exit
        ``db`` is not the demo's to replace (another warehouse, or the demo's
        with data loaded since): one line on stderr naming the file and what
        to do, exit code 1; the file is left as it is. A file another process
        holds ends the command in :class:`touchpath.cli.app.TouchpathGroup`.
    """
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.warehouse import NotADemoWarehouseError, Warehouse

    try:
        return Warehouse.replace_demo(db)
    except NotADemoWarehouseError as exc:
        typer.secho(f"error: {exc}: pass --db with another file, or remove {db} yourself",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(WAREHOUSE_ERROR_EXIT) from None


def demo_journey_options(ctx: DemoContext) -> Any:
    """The demo's journey options: the service's, at the demo's lookback."""
    return service.journey_options(lookback_days=ctx.lookback_days)


def _step_paths(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    ctx.paths = service.path_table(ctx.warehouse, demo_journey_options(ctx), memo=ctx.memo)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    ctx.outputs["paths"] = ctx.out_dir / "paths.csv"
    ctx.paths.to_csv(ctx.outputs["paths"])


def _step_summary(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    ctx.summary = service.paths_overview(ctx.warehouse, demo_journey_options(ctx),
                                         memo=ctx.memo).summary
    ctx.renderables.append(summary_table(ctx.summary, ctx.lookback_days))


def summary_table(summary: Any, lookback_days: int = DEFAULTS.lookback_days) -> Table:
    """Rich table of :func:`touchpath.data.journeys.journey_summary` with a totals row."""
    table = Table(title=f"Channels (journeys with a {lookback_days}-day lookback)",
                  title_justify="left", show_footer=True)
    cols = [("channel", "total"), ("touches", None), ("journeys", None),
            ("conversions", None), ("revenue", None), ("spend", None)]
    for name, _ in cols:
        if name == "channel":
            footer = "total"
        elif name == "journeys":
            footer = ""  # a journey touches several channels: no meaningful sum
        elif name in ("revenue", "spend"):
            footer = f"{summary[name].sum():,.2f}"
        else:
            footer = f"{int(summary[name].sum()):,}"
        table.add_column(name, footer=footer, justify="left" if name == "channel" else "right")
    for row in summary.itertuples(index=False):
        table.add_row(row.channel, f"{row.touches:,}", f"{row.journeys:,}",
                      f"{row.conversions:,}", f"{row.revenue:,.2f}", f"{row.spend:,.2f}")
    table.caption = ("conversions and revenue: by the channel that closes the journey "
                     "(last touch); (direct) = no touch in the window")
    return table


#: The demo, in order. Later features append their steps (see add_demo_step).
DEMO_STEPS: list[DemoStep] = [
    DemoStep("Generating synthetic data", _step_generate, 4.0),
    DemoStep("Loading the warehouse", _step_ingest, 2.0),
    DemoStep("Building journeys and paths", _step_paths, 1.0),
    DemoStep("Summarising channels", _step_summary, 0.5),
]


def add_demo_step(step: DemoStep, *, after: str | None = None) -> None:
    """Register a demo step at the end, or right after the step labelled ``after``."""
    if after is None:
        DEMO_STEPS.append(step)
        return
    labels = [s.label for s in DEMO_STEPS]
    if after not in labels:
        raise ValueError(f"no demo step {after!r}; steps are {labels}")
    DEMO_STEPS.insert(labels.index(after) + 1, step)


def run_demo(ctx: DemoContext, steps: list[DemoStep] | None = None,
             console: Console | None = None) -> DemoContext:
    """Run the demo steps under one progress bar, then print what they queued."""
    steps = DEMO_STEPS if steps is None else steps
    console = console or output_console()
    total = sum(s.weight for s in steps)
    try:
        with Progress(TextColumn("{task.description:<32}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                      console=console, transient=False) as bar:
            task = bar.add_task(steps[0].label if steps else "", total=total)
            done = 0.0
            for step in steps:
                bar.update(task, description=step.label, completed=done)

                def advance(fraction: float, _base: float = done, _w: float = step.weight) -> None:
                    bar.update(task, completed=_base + _w * min(max(fraction, 0.0), 1.0))

                step.run(ctx, advance)
                done += step.weight
                bar.update(task, completed=done)
            bar.update(task, description="Done")
    finally:
        if ctx.warehouse is not None:
            ctx.warehouse.close()
    for renderable in ctx.renderables:
        console.print(renderable)
    for name, path in ctx.outputs.items():
        console.print(f"{name}: {path}")
    return ctx


@app.command()
def demo(
    db: DbOption = Path("touchpath.duckdb"),
    users: Annotated[int, typer.Option(min=1, help="Synthetic customers.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    out_dir: Annotated[Path, typer.Option(help="Folder for the outputs.")] = Path(
        "touchpath_out"),
    ci: Annotated[int, typer.Option(
        min=0, help="Bootstrap resamples of the model comparison's intervals.")] = DEMO_CI,
    resamples: Annotated[int, typer.Option(
        min=0, help="Bootstrap resamples behind the plan's revenue range.")] = DEMO_RESAMPLES,
) -> None:
    """Generate data into a fresh warehouse, then analyse and plan.

    --db is replaced only if the demo made it and nothing was loaded into it
    since (else the demo stops, the file untouched); a missing or empty file
    is created. Builds paths, summarises channels, compares attribution
    models, reports monthly ROI and lifecycle verdicts, fits response curves
    and plans the next quarter; every file written is listed at the end.
    """
    # Piped output is not squeezed to 80 columns (the tables are wide).
    console = output_console()
    ctx = DemoContext(db=db, out_dir=out_dir, users=users, seed=seed, ci=ci,
                      resamples=resamples)
    # Before the progress bar: a warehouse the demo may not replace stops it at once.
    ctx.warehouse = open_demo_warehouse(db)
    run_demo(ctx, console=console)
