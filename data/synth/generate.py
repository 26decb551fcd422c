"""The generator's entry points: :func:`generate` and :func:`generate_to`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from touchpath.data.synth.calibrate import spend_and_truth
from touchpath.data.synth.config import SynthConfig
from touchpath.data.synth.devices import empty_identities, split_devices
from touchpath.data.synth.plan import Plan, make_plan
from touchpath.data.synth.segments import funnel_truth, segment_truth
from touchpath.data.synth.simulate import (
    Stats,
    id_offsets,
    n_chunks,
    prior_touches,
    simulate_chunks,
)
from touchpath.data.synth.tables import channels_frame, chunk_tables, touch_costs
from touchpath.data.synth.truth import SyntheticTruth
from touchpath.data.warehouse import IngestReport, Warehouse

__all__ = [
    "SyntheticData",
    "generate",
    "generate_to",
]


_TABLES = ("channels", "touchpoints", "conversions", "spend")


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _write_table(table: pa.Table | pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table if isinstance(table, pa.Table) else _to_arrow(table), path)
    else:
        frame = table.to_pandas() if isinstance(table, pa.Table) else table
        frame.to_csv(path, index=False)


def _with_segments(truth: SyntheticTruth, plan: Plan, stats: Stats) -> SyntheticTruth:
    return replace(truth, segments=segment_truth(plan), funnel=funnel_truth(plan, stats.carts))


def _devices(tables: dict[str, pa.Table], config: SynthConfig,
             part: int) -> dict[str, pa.Table]:
    """A chunk's tables with its cross-device customers split (``identities`` added)."""
    if config.cross_device_share <= 0:
        return tables
    tp, cv, ids = split_devices(tables["touchpoints"].to_pandas(),
                                tables["conversions"].to_pandas(),
                                config.cross_device_share, config.seed, part)
    return {**tables, "touchpoints": pa.Table.from_pandas(tp, preserve_index=False,
                                                          schema=tables["touchpoints"].schema),
            "conversions": pa.Table.from_pandas(cv, preserve_index=False,
                                                schema=tables["conversions"].schema),
            "identities": _to_arrow(ids)}


def _check_fmt(fmt: str) -> str:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt={fmt!r}: expected 'parquet' or 'csv'")
    return fmt


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Generated tables (DESIGN.md, "Tables") and the truth behind them.

    Parameters
    ----------
    touchpoints : DataFrame
        ``event_id, user_id, ts`` (UTC), ``channel, campaign, interaction``
        (``click``/``view``), ``cost`` (the channel-day's spend split over its
        touches in whole cents; they sum to the spend exactly).
    conversions : DataFrame
        ``conversion_id, user_id, ts, value, kind`` (``purchase``; also
        ``add_to_cart`` with :attr:`SynthConfig.funnel_stages`), then the
        segment columns ``device, region, customer_type`` (``new`` for a
        user's first purchase, else ``returning``; a cart is ``returning``
        when the user purchased before it). Ingest keeps them as the
        conversions' segment attributes.
    spend : DataFrame
        ``channel, day, amount``: every paid channel-day (the test channel from
        its launch).
    channels : DataFrame
        ``channel, status, group_name, launched_on``.
    truth : SyntheticTruth
        The generative truth.
    journeys : DataFrame
        The journey ledger (ground truth, not a warehouse table):
        ``journey_id, user_id, seq`` (0 = first journey), ``started_at,
        ended_at`` (last event inside the range), ``outcome``
        (``conversion``/``null``/``direct``, or ``open`` when cut by the end
        of the range),
        ``after_launch`` (which chain it followed), ``n_touches`` (inside the
        range) and ``conversion_id``. A direct purchase (package docstring,
        step 4) is a journey with ``outcome == "direct"``, no touches and
        ``started_at == ended_at`` the purchase time. With funnel stages it
        has ``cart_id`` too (the journey's ``add_to_cart`` row, or null).
    users : DataFrame
        ``user_id, device, region, first_seen`` (start of the user's first
        journey): one row per user (package docstring, step 9). Written to
        files; :meth:`load_into` leaves it out (load it with
        ``warehouse.ingest("users", data.users)`` for user attributes).
    identities : DataFrame
        ``id_a, id_b, source``: the login pairs of the cross-device customers
        (:attr:`SynthConfig.cross_device_share`; no rows when it is 0), whose
        purchases and desktop touches are on their account id ``acct:<id>``.
    """

    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    spend: pd.DataFrame
    channels: pd.DataFrame
    truth: SyntheticTruth
    journeys: pd.DataFrame = field(default_factory=pd.DataFrame)
    users: pd.DataFrame = field(default_factory=pd.DataFrame)
    identities: pd.DataFrame = field(default_factory=empty_identities)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four warehouse tables by name, channels first."""
        return {name: getattr(self, name) for name in _TABLES}

    def write(self, directory: str | PathLike[str],
              fmt: Literal["parquet", "csv"] = "parquet") -> dict[str, Path]:
        """Write ``channels``, ``touchpoints``, ``conversions``, ``spend`` and ``users`` files.

        Timestamps are written as ISO 8601 with a ``+00:00`` offset in CSV.
        Returns the path of each table's file (``<table>.<fmt>``).
        """
        _check_fmt(fmt)
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        extra = {"identities": self.identities} if len(self.identities) else {}
        for name, frame in {**self.tables(), "users": self.users, **extra}.items():
            paths[name] = out / f"{name}.{fmt}"
            _write_table(frame, paths[name], fmt)
        return paths

    def load_into(self, warehouse: Warehouse) -> list[IngestReport]:
        """Ingest the four tables into a warehouse, channels first.

        Calls ``warehouse.ingest(table, frame)`` for ``channels``,
        ``touchpoints``, ``conversions`` and ``spend``, and returns the reports.
        ``users`` is not loaded (``warehouse.ingest("users", data.users)``
        does it); the conversions' segment columns are kept as attributes. The identity pairs
        of cross-device customers load last (``identities``), when there are any.
        """
        reports = [warehouse.ingest(name, frame) for name, frame in self.tables().items()]
        if len(self.identities):
            reports.append(warehouse.ingest("identities", self.identities))
        return reports


def generate(config: SynthConfig = SynthConfig(), *,
             progress: Callable[[float], None] | None = None) -> SyntheticData:
    """Generate a synthetic e-commerce data set with its truth, in memory.

    The process is described in the package docstring. Runs in chunks of
    ``config.chunk_users`` users; for tens of millions of users prefer
    :func:`generate_to`, which streams to files.

    Parameters
    ----------
    config : SynthConfig
        Size, date range, seed and process knobs.
    progress : callable, optional
        Called with the fraction done (0 to 1) as the work advances.

    Returns
    -------
    SyntheticData

    Examples
    --------
    >>> data = generate(SynthConfig(n_users=1_000, days=60))
    >>> sorted(data.channels["channel"])[:2]
    ['app_push', 'email_sms']
    """
    plan = make_plan(config)
    stats = Stats(len(plan.channels), config.days)
    chunks = []
    n = n_chunks(config)
    for chunk in simulate_chunks(plan):
        stats.add(chunk, plan)
        chunks.append(chunk)
        if progress is not None:
            progress(0.8 * len(chunks) / n)
    spend, cents, truth = spend_and_truth(plan, stats)
    truth = _with_segments(truth, plan, stats)
    parts: dict[str, list[pa.Table]] = {"touchpoints": [], "conversions": [], "journeys": [],
                                        "users": [], "identities": []}
    for part, (chunk, offsets, prior) in enumerate(zip(chunks, id_offsets(stats),
                                                       prior_touches(stats), strict=True)):
        cost = touch_costs(chunk, cents, stats.touches, prior)
        for name, table in _devices(chunk_tables(plan, chunk, cost, offsets), config,
                                    part).items():
            parts[name].append(table)
    if progress is not None:
        progress(0.9)
    frames = {name: pa.concat_tables(tables).to_pandas() for name, tables in parts.items()
              if tables}
    if progress is not None:
        progress(1.0)
    return SyntheticData(
        touchpoints=frames["touchpoints"], conversions=frames["conversions"], spend=spend,
        channels=channels_frame(config), truth=truth, journeys=frames["journeys"],
        users=frames["users"], identities=frames.get("identities", empty_identities()),
    )


def generate_to(directory: str | PathLike[str], config: SynthConfig = SynthConfig(), *,
                fmt: Literal["parquet", "csv"] = "parquet", include_journeys: bool = False,
                progress: Callable[[float], None] | None = None,
                ) -> tuple[dict[str, Path], SyntheticTruth]:
    """Stream a synthetic data set to files with memory bounded by one chunk.

    Two passes over the chunks: the first totals touches and revenue (which
    set spend levels, per-touch costs and id offsets), the second rebuilds
    each chunk from its seed and appends it to the files. The rows equal those
    of :func:`generate` with the same config.

    Parameters
    ----------
    directory : path
        Output folder (created if missing); files are ``<table>.<fmt>``.
    config : SynthConfig
        As for :func:`generate`.
    fmt : {"parquet", "csv"}
        File format.
    include_journeys : bool
        Also write the journey ledger (``journeys.<fmt>``).
    progress : callable, optional
        Called with the fraction done (0 to 1).

    Returns
    -------
    (dict of table name to Path, SyntheticTruth)
        The paths include ``users`` (always written) and ``journeys`` when asked.
    """
    _check_fmt(fmt)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    plan = make_plan(config)
    stats = Stats(len(plan.channels), config.days)
    n = n_chunks(config)
    for i, chunk in enumerate(simulate_chunks(plan)):
        stats.add(chunk, plan)
        if progress is not None:
            progress(0.4 * (i + 1) / n)
    spend, cents, truth = spend_and_truth(plan, stats)
    truth = _with_segments(truth, plan, stats)
    paths = {"channels": out / f"channels.{fmt}", "touchpoints": out / f"touchpoints.{fmt}",
             "conversions": out / f"conversions.{fmt}", "spend": out / f"spend.{fmt}",
             "users": out / f"users.{fmt}"}
    if include_journeys:
        paths["journeys"] = out / f"journeys.{fmt}"
    if config.cross_device_share > 0:
        paths["identities"] = out / f"identities.{fmt}"
    _write_table(channels_frame(config), paths["channels"], fmt)
    _write_table(spend, paths["spend"], fmt)
    writers: dict[str, pq.ParquetWriter] = {}
    try:
        layout = zip(simulate_chunks(plan), id_offsets(stats), prior_touches(stats), strict=True)
        for i, (chunk, offsets, prior) in enumerate(layout):
            cost = touch_costs(chunk, cents, stats.touches, prior)
            for name, table in _devices(chunk_tables(plan, chunk, cost, offsets), config,
                                        i).items():
                if name not in paths:
                    continue
                if fmt == "parquet":
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(paths[name], table.schema)
                    writers[name].write_table(table)
                else:
                    table.to_pandas().to_csv(paths[name], index=False, mode="w" if i == 0
                                             else "a", header=i == 0)
            if progress is not None:
                progress(0.4 + 0.6 * (i + 1) / n)
    finally:
        for writer in writers.values():
            writer.close()
    return paths, truth
