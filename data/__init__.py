"""Touchpath data layer: DuckDB warehouse, ingest, journeys and path tables.

DESIGN.md, "Tables" and "Journeys". Everything above this layer sees only a
:class:`~data.paths.PathTable` (or plain DataFrames) built here.
"""

from data.paths import CA_COLUMNS, DIRECT, PathTable, PathTableError

__all__ = ["CA_COLUMNS", "DIRECT", "PathTable", "PathTableError"]
