"""Touchpath interfaces: the HTTP API and the ``touchpath`` command line.

Both are thin shells: they parse, call the data / attribution / optimizer
layers, and render. ``touchpath.api.create_app`` builds the HTTP app; it is imported on
first use so that the command line starts without loading FastAPI.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from touchpath.api.main import create_app

        return create_app
    raise AttributeError(f"module 'touchpath.api' has no attribute {name!r}")
