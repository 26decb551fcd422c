"""CLI commands of the HTTP API: ``touchpath serve`` and ``touchpath keys create|list|revoke``.

The keys file and its line format are described in :mod:`touchpath.api.security`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath.cli.app import app
from touchpath.cli.common import FormatOpt, OutputFormat, emit, output_console

__all__ = ["keys_app", "keys_create", "keys_list", "keys_revoke", "serve"]

KeysFileOpt = Annotated[Path | None, typer.Option(
    "--keys-file", help="Keys file (default: TOUCHPATH_API_KEYS_FILE or ./touchpath.keys).")]


def _keys_path(keys_file: Path | None) -> Path:
    from touchpath.api.settings import get_settings

    return keys_file if keys_file is not None else get_settings().api_keys_file


def _fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; the Exit to raise."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=code)

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

    from touchpath.api.main import create_app
    from touchpath.api.settings import get_settings
    from touchpath.data.warehouse import Warehouse

    overrides: dict[str, object] = {}
    if db is not None:
        overrides["db"] = db
    if keys_file is not None:
        overrides["api_keys_file"] = keys_file
    settings = get_settings().model_copy(update=overrides)
    from touchpath.api.security import KeyFileError, read_keys, secure_permissions

    try:
        tightened = secure_permissions(settings.api_keys_file)
        read_keys(settings.api_keys_file)
    except KeyFileError as exc:
        raise _fail(str(exc)) from None
    if tightened:
        typer.secho(f"warning: {tightened}", fg=typer.colors.YELLOW, err=True)
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
    label: Annotated[str, typer.Option(help="A name to recognise the key by, unique in the "
                                       "keys file (revoke picks keys by it).")] = "key",
    keys_file: KeysFileOpt = None,
) -> None:
    """Create an API key: prints it once and stores its SHA-256 digest in the keys file."""
    from touchpath.api.security import KeyFileError, LabelInUseError, create_key

    path = _keys_path(keys_file)
    try:
        key = create_key(path, role, label)
    except (KeyFileError, LabelInUseError) as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(key)
    typer.secho(f"{role} key '{label}' added to {path}; it is shown only this once.",
                err=True, fg=typer.colors.GREEN)


@keys_app.command("list")
def keys_list(
    keys_file: KeysFileOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List the keys: label, role, created time and key id (never the key or its digest)."""
    from touchpath.api.security import KeyFileError, read_keys

    path = _keys_path(keys_file)
    try:
        keys = read_keys(path)
    except KeyFileError as exc:
        raise _fail(str(exc)) from None
    if not path.exists():
        typer.secho(f"no keys file at {path}", fg=typer.colors.YELLOW, err=True)
    rows = [{"id": k.key_id, "label": k.label, "role": k.role.value, "created": k.created_text}
            for k in keys]
    if fmt is OutputFormat.json:
        emit(json.dumps(rows, indent=2, ensure_ascii=False), None)
    elif fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["id", "label", "role", "created"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "created": row["created"] or ""} for row in rows)
        emit(buffer.getvalue(), None)
    else:
        table = Table(title=f"API keys in {escape(str(path))}", title_justify="left")
        for column in ("label", "role", "created (UTC)", "id"):
            table.add_column(column)
        for row in rows:
            table.add_row(escape(row["label"]) or "-", row["role"],
                          row["created"] or "unknown", row["id"])
        output_console(highlight=False).print(table)


@keys_app.command("revoke")
def keys_revoke(
    label: Annotated[str | None, typer.Option(help="Revoke the key with this label.")] = None,
    key_id: Annotated[str | None, typer.Option(
        "--id", help="Revoke the key with this id (as `keys list` shows it).")] = None,
    all_matches: Annotated[bool, typer.Option(
        "--all", help="Revoke every key with the label, when several have it.")] = False,
    keys_file: KeysFileOpt = None,
) -> None:
    """Revoke keys by label or id; a running server refuses them from its next request."""
    from touchpath.api.security import AmbiguousKeyError, KeyFileError, NoSuchKeyError, revoke_keys

    if (label is None) == (key_id is None):
        raise typer.BadParameter("give one of --label and --id")
    if label is not None and not label.strip():
        raise typer.BadParameter("--label is empty; revoke a key without a label by --id")
    path = _keys_path(keys_file)
    try:
        revoked = revoke_keys(path, label=label, key_id=key_id, all_matches=all_matches)
    except AmbiguousKeyError as exc:
        raise _fail(f"{exc}; nothing revoked: revoke one with --id, or all of them with "
                    "--all") from None
    except (NoSuchKeyError, KeyFileError) as exc:
        raise _fail(str(exc)) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    for key in revoked:
        created = key.created_text or "unknown"
        typer.echo(f"revoked {key.role.value} key '{key.label}' (id {key.key_id}, "
                   f"created {created}) from {path}")
