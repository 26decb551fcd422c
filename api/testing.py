"""Process helpers for running a real ``touchpath serve`` on loopback.

Shared by the API benchmark and the tests that start the server in its own
process: pick a free port, build the command that runs ``touchpath``, and stop
the process cleanly.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["free_port", "stop_process", "touchpath_command"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the OS picks it by binding port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def touchpath_command() -> list[str]:
    """The argv prefix that runs ``touchpath``.

    The ``touchpath`` script next to the running interpreter when it is
    installed, else ``python -c "from touchpath.cli import main; main()"``.
    """
    script = Path(sys.executable).with_name("touchpath")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from touchpath.cli import main; main()"]


def stop_process(proc: subprocess.Popen) -> None:
    """Stop ``proc``: SIGTERM, wait up to 15 s, then SIGKILL and wait up to 5 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
