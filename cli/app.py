"""The Typer application that every ``touchpath`` sub-command registers on.

Errors about the warehouse file (:class:`touchpath.data.warehouse.WarehouseError`: the
file is held by another process, or is not the demo's to replace) end any
command the same way, here in one place: one line on stderr, exit code 1, no
traceback.
"""

import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

#: Exit code of a command stopped by a warehouse error (another process holds the file, ...).
WAREHOUSE_ERROR_EXIT = 1


class TouchpathGroup(TyperGroup):
    """The ``touchpath`` command group: runs a sub-command, ending warehouse errors in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the sub-command; a :class:`~touchpath.data.warehouse.WarehouseError` is one line."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # A WarehouseError comes from the warehouse module, loaded by the command
            # that raised it; anything else (``--help`` exits this way too) passes on
            # without loading it (DuckDB, pandas), so help stays fast.
            warehouse = sys.modules.get("touchpath.data.warehouse")
            if warehouse is None or not isinstance(exc, warehouse.WarehouseError):
                raise
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(WAREHOUSE_ERROR_EXIT) from None


app = typer.Typer(
    name="touchpath",
    cls=TouchpathGroup,
    help="Touchpath: multi-touch attribution, channel ROI and budget planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
