"""CLI commands of the HTTP API: ``touchpath serve`` and ``touchpath keys create``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.app import app

__all__ = ["keys_app", "keys_create", "serve"]

keys_app = typer.Typer(help="Manage API keys (stored hashed in the keys file).",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    db: Annotated[str | None, typer.Option(help="DuckDB warehouse file "
                                           "(default: TOUCHPATH_DB or ./touchpath.duckdb).")]
    = None,
    keys_file: Annotated[Path | None, typer.Option(help="API keys file "
                                                   "(default: TOUCHPATH_API_KEYS_FILE or "
                                                   "./touchpath.keys).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) with uvicorn.

    The warehouse is opened before the server starts listening: a file another
    process holds stops the command with one line (exit code 1).
    """
    import uvicorn

    from api.main import create_app
    from api.settings import get_settings
    from data.warehouse import Warehouse

    overrides: dict[str, object] = {}
    if db is not None:
        overrides["db"] = db
    if keys_file is not None:
        overrides["api_keys_file"] = keys_file
    settings = get_settings().model_copy(update=overrides)
    with Warehouse.open(settings.db) as warehouse:
        if not settings.api_keys_file.exists():
            typer.secho(
                f"no keys file at {settings.api_keys_file}: every request but /v1/health will "
                "get 401; create a key with `touchpath keys create --role read`",
                fg=typer.colors.YELLOW, err=True,
            )
        application = create_app(settings, warehouse=warehouse)
        uvicorn.run(application, host=host, port=port, log_level=log_level)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="read (GET endpoints, budget computations) or "
                                      "write (also ingest and status changes).")],
    label: Annotated[str, typer.Option(help="A name to recognise the key by.")] = "key",
    keys_file: Annotated[Path | None, typer.Option(help="Keys file (default: "
                                                   "TOUCHPATH_API_KEYS_FILE or ./touchpath.keys).")]
    = None,
) -> None:
    """Create an API key: prints it once and appends its SHA-256 digest to the keys file."""
    from api.security import create_key
    from api.settings import get_settings

    path = keys_file if keys_file is not None else get_settings().api_keys_file
    try:
        key = create_key(path, role, label)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(key)
    typer.secho(f"{role} key '{label}' added to {path}; it is shown only this once.",
                err=True, fg=typer.colors.GREEN)
