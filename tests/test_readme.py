"""The README's commands run as printed.

The "Using it on your own data" block is read from README.md and every ``touchpath``
line in it is run, in order, in a folder holding a synthetic warehouse under the
default name ``touchpath.duckdb`` (what ``make demo`` leaves) and the one input
file the block names (``touchpoints.csv``). Only ``touchpath serve`` is not run (it
does not return); the API has its own tests through a real server.
"""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from touchpath.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Using it on your own data", 1)[1].split("```bash", 1)[1]
    block = block.split("```", 1)[0]
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line.startswith("touchpath "):
            yield shlex.split(line)[1:]


@pytest.mark.slow
def test_every_readme_command_runs_as_printed(synth_warehouse, tmp_path, monkeypatch):
    db = synth_warehouse(n_users=6000, seed=4)
    (tmp_path / "touchpath.duckdb").write_bytes(db.read_bytes())
    (tmp_path / "touchpoints.csv").write_text(
        "event_id,user_id,ts,channel\nreadme-1,readme-u1,2026-12-30T10:00:00Z,search\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOUCHPATH_API_KEYS_FILE", str(tmp_path / "touchpath.keys"))
    commands = list(_readme_commands())
    assert len(commands) >= 15, commands
    ran = 0
    for args in commands:
        if args[0] == "serve":
            continue
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, f"touchpath {shlex.join(args)}\n{res.output}"
        assert "Traceback" not in res.output
        ran += 1
    assert ran == len(commands) - 1
    for made in ("paths.csv", "compare.png", "roi.csv", "curves.json", "curves.png",
                 "report.html", "touchpath.keys"):
        assert (tmp_path / made).stat().st_size > 0, made
