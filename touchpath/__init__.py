"""Touchpath: multi-touch attribution and budget allocation for e-commerce channels.

Everything installs under this one namespace; each room is a top-level folder of the
repository, mapped here by ``[tool.setuptools.package-dir]`` in ``pyproject.toml``:

- ``touchpath.data`` (``data/``): warehouse (DuckDB), ingest, journeys, ``PathTable``, SQL;
- ``touchpath.attribution`` (``attribution/``): models, bootstrap, comparison, ROI, lifecycle,
  response-curve fits;
- ``touchpath.optimizer`` (``optimizer/``): piecewise-linear curves, the budget LP, plans,
  scenarios;
- ``touchpath.service`` (``service/``): the workflows and their one set of defaults;
- ``touchpath.api`` (``api/``): the HTTP API (FastAPI) and the dashboard;
- ``touchpath.cli`` (``cli/``): the ``touchpath`` command (Typer);
- ``touchpath.report`` (``report/``): the self-contained HTML report.

The flow is one-way, top to bottom: a room imports only rooms above it in this list.
"""

from importlib.metadata import PackageNotFoundError, version

from touchpath.errors import InvalidRequest, TouchpathError

try:
    __version__ = version("touchpath")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

__all__ = ["InvalidRequest", "TouchpathError", "__version__"]
