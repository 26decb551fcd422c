"""The ``touchpath`` command line (Typer + rich).

Each module registers its commands on :data:`touchpath.cli.app.app`; importing them
here assembles the CLI.
"""

import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from touchpath.cli import (  # noqa: F401  (each import registers its commands)
    attribution_cmds,
    calibration_cmds,
    data_cmds,
    demo_steps,
    funnel_cmds,
    identity_cmds,
    monitor_cmds,
    plan_cmds,
    report_cmds,
    roi_cmds,
    segment_cmds,
    serve_cmds,
)
from touchpath.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``touchpath`` console script.

    Output piped into a reader that stops early (``touchpath roi | head``)
    ends the command quietly with exit code 1: no "Broken pipe" error, no
    traceback. Handled here once for every command: stdout is wrapped so that
    a write to the closed pipe raises :class:`_StdoutClosed`, which no
    command's own error handling catches (it is not an ``Exception``).
    """
    real = sys.stdout
    sys.stdout = _PipeGuard(real)
    try:
        app()
    except _StdoutClosed:
        sys.exit(1)
    finally:
        try:
            sys.stdout.flush()
        except _StdoutClosed:
            sys.exit(1)
        finally:
            sys.stdout = real


class _StdoutClosed(BaseException):
    """The reader of stdout went away; the command stops without a message."""


class _PipeGuard:
    """A text stream around stdout turning ``BrokenPipeError`` into :class:`_StdoutClosed`.

    On the first broken pipe stdout's file descriptor is pointed at the null
    device, so nothing flushed later (at exit) fails again.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _closed(self) -> _StdoutClosed:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return _StdoutClosed()

    def write(self, text: str) -> int:
        """Write ``text``; a closed pipe stops the command quietly."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise self._closed() from None

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush; a closed pipe stops the command quietly."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise self._closed() from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
