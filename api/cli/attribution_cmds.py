"""CLI commands (see module owner issue)."""

from api.cli.app import app  # noqa: F401
