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

from typing import Any

from touchpath.errors import InvalidRequest, TouchpathError

__all__ = ["InvalidRequest", "TouchpathError", "__version__"]


def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook of PEP 562
    """``__version__``, read from the installed metadata on first use.

    Reading it parses the package metadata (the ``email`` parser), which an
    import of a single model does not need.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Deferred: importlib.metadata and its parser load only when the version is asked.
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("touchpath")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        found = "0.0.0"
    globals()["__version__"] = found
    return found
