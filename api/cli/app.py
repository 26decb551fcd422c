"""The Typer application that every ``touchpath`` sub-command registers on."""

import typer

app = typer.Typer(
    name="touchpath",
    help="Touchpath: multi-touch attribution, channel ROI and budget planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
