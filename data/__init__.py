"""Touchpath data layer: DuckDB warehouse, ingest, journeys and path tables.

DESIGN.md, "Tables" and "Journeys". Everything above this layer sees only a
:class:`~touchpath.data.paths.PathTable` (or plain DataFrames) built here.
:mod:`touchpath.data.synth` (synthetic data with a known generative truth) is imported
from its own package, not re-exported here.

The names below are loaded from their submodules on first use, so that a light
submodule (``touchpath.data.statuses``, which the CLI's option types need) can be
imported without DuckDB, pandas or Arrow — ``touchpath --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from touchpath.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
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

#: The submodule each public name lives in.
_HOMES = {
    **dict.fromkeys(("JourneyOptions", "build_paths", "build_paths_by_period",
                     "journey_summary", "journey_touches"), "journeys"),
    **dict.fromkeys(("CA_COLUMNS", "DIRECT", "PathTable", "PathTableError"), "paths"),
    "ChannelStatus": "statuses",
    **dict.fromkeys(("IngestError", "IngestProblem", "IngestReport", "NotADemoWarehouseError",
                     "Warehouse", "WarehouseBusyError", "WarehouseError"), "warehouse"),
}

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


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals(), __all__)
