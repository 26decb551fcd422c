"""``touchpath demo`` end to end on a small world: every step runs, every file is written."""

import csv
import re

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
    assert labels[-2:] == ["Planning next quarter", "Writing the HTML report"]
    for name in ("paths.csv", "compare.png", "roi_month.csv", "curves.png", "plan.png",
                 "scenarios.png", "report.html"):
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

    # the report plans the demo's budget, spent in full, for the same quarter
    flat = " ".join(res.stdout.split())
    budget = re.search(r"Budget ([\d,]+\.\d\d) = last quarter's paid spend", flat).group(1)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f'<strong id="plan-total">{budget}</strong>' in report
    assert "2027Q1" in report
    assert re.search(r"Last ingest</div><div class=\"tile-value\">\d{4}-\d\d-\d\d "
                     r"\d\d:\d\d UTC<", report)
    # column labels are the specs asked for, not every setting spelled out
    assert "shapley_rate" in flat and "n_permutations" not in flat
