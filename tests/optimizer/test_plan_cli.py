import json

import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from touchpath.cli.app import app

CURVES = {
    "channels": [
        {
            "channel": "a",
            "previous_spend": 80,
            "group": "g1",
            "segments": [{"width": 100, "slope": 4.0}, {"width": 100, "slope": 1.0}],
        },
        {
            "channel": "b",
            "previous_spend": 200,
            "group": "g2",
            "segments": [{"width": 100, "slope": 3.0}, {"width": 100, "slope": 2.0}],
        },
        {"channel": "kol", "status": "test", "segments": [{"width": 100, "slope": 9.0}]},
        {"channel": "email", "previous_spend": 10},
    ]
}


@pytest.fixture
def curves_file(tmp_path):
    p = tmp_path / "curves.json"
    p.write_text(json.dumps(CURVES))
    return p


def run(*args):
    return CliRunner().invoke(app, ["plan", *map(str, args)])


def test_plan_json_output(curves_file, tmp_path):
    out = tmp_path / "plan.json"
    res = run(
        "--curves",
        curves_file,
        "--budget",
        300,
        "--quarter",
        "2027Q1",
        "--format",
        "json",
        "--out",
        out,
        "--test-budget",
        0.1,
        "--scenarios",
        "0.5,1.5",
    )
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    spend = {c["channel"]: c["spend"] for c in d["channels"]}
    # kol capped at 10% of 300 = 30 (slope 9); email held at 10; then a1 (4) 100, b1 (3) 100,
    # b2 (2) takes the remaining 60
    assert spend == pytest.approx({"a": 100.0, "b": 160.0, "kol": 30.0, "email": 10.0})
    assert d["expected_revenue"] == pytest.approx(30 * 9 + 400 + 300 + 120)
    assert d["budget_shadow_price"] == pytest.approx(2.0 * (1 - 0.1) + 9.0 * 0.1)
    assert d["status"] == "optimal" and d["total_spend"] == pytest.approx(300.0)
    assert "test cap kol (10% of total)" in d["binding_constraints"]
    assert [s["multiplier"] for s in d["scenarios"]] == [0.5, 1.0, 1.5]


def test_plan_table_csv_and_plot(curves_file, tmp_path):
    res = run("--curves", curves_file, "--budget", 300, "--group-cap", "g2=40%", "--min", "a=150")
    assert res.exit_code == 0, res.output
    assert "group cap g2 (40% of total)" in res.output
    png = tmp_path / "p.png"
    csv = tmp_path / "p.csv"
    res = run(
        "--curves", curves_file, "--budget", 300, "--format", "csv", "--out", csv, "--plot", png
    )
    assert res.exit_code == 0, res.output
    assert csv.read_text().splitlines()[0].startswith("channel,spend,share")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_plan_goal_seeking_from_cli(curves_file):
    res = run("--curves", curves_file, "--target-revenue", 500, "--format", "json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["expected_revenue"] >= 500 - 1e-6
    res = run("--curves", curves_file, "--min-roi", 2.5, "--format", "json")
    d = json.loads(res.output)
    assert all(c["last_unit_roi"] is None or c["last_unit_roi"] >= 2.5 for c in d["channels"])


def test_plan_errors_are_clear(curves_file, tmp_path):
    res = run("--budget", 100, "--db", tmp_path / "none.duckdb")
    assert res.exit_code == 2 and "needs response curves: pass --curves" in res.output
    res = run("--curves", curves_file, "--budget", 100, "--min", "a=500")
    assert res.exit_code == 1 and "channel minimums sum to 510 > budget 100" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"channels": [{"channel": "x", "segments": [{"width": -1, "slope": 1}]}]})
    )
    res = run("--curves", bad, "--budget", 100)
    assert res.exit_code == 2 and "channels[0] ('x').segments[0].width" in res.output
    res = run("--curves", curves_file, "--budget", 100, "--group-cap", "social")
    assert res.exit_code == 2 and "--group-cap expects NAME=VALUE" in res.output
