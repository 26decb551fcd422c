"""The ``touchpath`` command line (Typer + rich).

Each module registers its commands on :data:`api.cli.app.app`; importing them
here assembles the CLI.
"""

from api.cli import data_cmds  # noqa: F401  (registers ingest, paths, demo)
from api.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``touchpath`` console script."""
    app()
