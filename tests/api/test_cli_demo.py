"""``touchpath demo`` end to end on a small world: every step runs, every file is written."""

import csv

from typer.testing import CliRunner

import api.cli  # noqa: F401  (registers the commands)
from api.cli.app import app
from api.cli.data_cmds import DEMO_STEPS


def test_demo_runs_every_step_and_lists_its_files(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["demo", "--users", "3000", "--db", str(tmp_path / "d.duckdb"),
                                   "--out-dir", str(out), "--ci", "20", "--resamples", "3"])
    assert res.exit_code == 0, res.output
    labels = [s.label for s in DEMO_STEPS]
    assert labels.index("Summarising channels") < labels.index("Comparing attribution models")
    assert labels[-1] == "Planning next quarter"
    for name in ("paths.csv", "compare.png", "roi_month.csv", "curves.png", "plan.png",
                 "scenarios.png"):
        assert (out / name).stat().st_size > 0, name
        assert str(out / name) in res.stdout.replace("\n", "")
    with open(out / "roi_month.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["period"] for r in rows} == {f"2026-{m:02d}" for m in range(1, 13)}
    assert "owned_site" in {r["channel"] for r in rows}
    assert "90% range over 3 bootstrap resamples" in " ".join(res.stdout.split())
    for text in ("Budget plan 2027Q1", "budget shadow price", "binding constraints",
                 "livestream:", "Scenarios"):
        assert text in res.stdout, text
