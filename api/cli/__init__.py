"""The ``touchpath`` command line (Typer + rich).

Each module registers its commands on :data:`api.cli.app.app`; importing them
here assembles the CLI.
"""

from api.cli import (  # noqa: F401  (each import registers its commands)
    attribution_cmds,
    data_cmds,
    demo_steps,
    plan_cmds,
    report_cmds,
    roi_cmds,
    serve_cmds,
)
from api.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``touchpath`` console script."""
    app()
