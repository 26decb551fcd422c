"""The one base error of Touchpath.

Every error Touchpath raises on purpose derives from :class:`TouchpathError`; its
message says what is wrong and where (file, row, column, parameter), in words a
user can act on. Surfaces render it as it is: the CLI prints the message on one
line and exits non-zero, the HTTP API answers with problem details (422 unless a
subclass means something else, such as a refused ingest or a busy warehouse).
Anything that is not a ``TouchpathError`` is a defect: a 500 with a fixed message
on the API, a traceback on the CLI.
"""

from __future__ import annotations

__all__ = ["InvalidRequest", "TouchpathError"]


class TouchpathError(Exception):
    """Base of Touchpath's own errors (see the module docstring)."""


class InvalidRequest(TouchpathError, ValueError):
    """Parameters that cannot be served as given (e.g. ``ci`` on a range without journeys)."""
