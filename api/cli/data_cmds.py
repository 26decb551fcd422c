"""CLI commands of the data layer: ``ingest``, ``paths``, ``demo``."""

from api.cli.app import app


@app.command()
def version() -> None:
    """Print the Touchpath version."""
    from importlib.metadata import version as _version

    print(_version("touchpath"))
