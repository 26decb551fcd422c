"""Options and output shared by several ``touchpath`` commands."""

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["LookbackOpt", "OutOpt", "emit"]

OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write output to FILE.")]
LookbackOpt = Annotated[int, typer.Option("--lookback", min=1, help="Lookback window, days.")]


def emit(text: str, out: Path | None) -> None:
    """Write ``text`` to stdout, or to the file ``out`` (UTF-8), ending with a newline."""
    text = text if text.endswith("\n") else text + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
