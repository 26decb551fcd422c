"""Touchpath data layer: DuckDB warehouse, ingest, journeys and path tables.

DESIGN.md, "Tables" and "Journeys". Everything above this layer sees only a
:class:`~touchpath.data.paths.PathTable` (or plain DataFrames) built here.
:mod:`touchpath.data.synth` (synthetic data with a known generative truth) is imported
from its own package, not re-exported here, so importing this one stays light.
"""

from touchpath.data.journeys import (
    JourneyOptions,
    build_paths,
    build_paths_by_period,
    journey_summary,
    journey_touches,
)
from touchpath.data.paths import CA_COLUMNS, DIRECT, PathTable, PathTableError
from touchpath.data.statuses import ChannelStatus
from touchpath.data.warehouse import (
    IngestError,
    IngestProblem,
    IngestReport,
    NotADemoWarehouseError,
    Warehouse,
    WarehouseBusyError,
    WarehouseError,
)

__all__ = [
    "CA_COLUMNS",
    "DIRECT",
    "ChannelStatus",
    "IngestError",
    "IngestProblem",
    "IngestReport",
    "JourneyOptions",
    "NotADemoWarehouseError",
    "PathTable",
    "PathTableError",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseError",
    "build_paths",
    "build_paths_by_period",
    "journey_summary",
    "journey_touches",
]
