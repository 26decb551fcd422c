"""``touchpath plan`` from a curves file and fitted from the warehouse.

The curves-file cases are worked by hand from :data:`CURVES`; the warehouse
cases plan from one small synthetic warehouse (8,000 users, 2026: ``plan_db`` of
tests/conftest.py) and check the plan against the same inputs (``plan_found``)
solved directly with the optimizer.
"""

import json

import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from touchpath.cli.app import app
from touchpath.optimizer import BudgetConstraint, MaxChange, PlanConstraints, optimize_budget

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
    # a at least 150 is more than +30% over its 80 of last quarter: lift the default limit
    res = run("--curves", curves_file, "--budget", 300, "--group-cap", "g2=40%", "--min", "a=150",
              "--max-change", "none")
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
    res = run("--curves", curves_file, "--goal-marginal-roi", 2.5, "--format", "json")
    d = json.loads(res.output)
    assert all(c["last_unit_roi"] is None or c["last_unit_roi"] >= 2.5 for c in d["channels"])


def test_plan_errors_are_clear(curves_file, tmp_path):
    res = run("--budget", 100, "--db", tmp_path / "none.duckdb")
    assert res.exit_code == 2 and "needs response curves: pass --curves" in res.output
    res = run("--curves", curves_file, "--budget", 100, "--min", "a=500", "--max-change", "none")
    assert res.exit_code == 1 and "channel minimums sum to 510 > budget 100" in res.output
    # under the default ±30% the minimum also clashes with a's limit, 80 · 1.3 = 104
    res = run("--curves", curves_file, "--budget", 100, "--min", "a=500")
    assert res.exit_code == 1 and "above its upper limit 104" in " ".join(res.output.split())
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"channels": [{"channel": "x", "segments": [{"width": -1, "slope": 1}]}]})
    )
    res = run("--curves", bad, "--budget", 100)
    assert res.exit_code == 2 and "channels[0] ('x').segments[0].width" in res.output
    res = run("--curves", curves_file, "--budget", 100, "--group-cap", "social")
    assert res.exit_code == 2 and "--group-cap expects NAME=VALUE" in res.output


# ------------------------------------------------------- fitted from the warehouse
def test_cli_plans_from_the_warehouse(plan_db, plan_found):
    """No goal given: the budget is last quarter's spend, the quarter the next one."""
    res = run("--db", plan_db, "--model", "markov", "--order", "1", "--format", "json",
              "--max-change", "none")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "optimal" and doc["quarter"] == "2027Q1"
    assert doc["total_spend"] <= plan_found.previous_total * (1 + 1e-9)
    assert {c["channel"] for c in doc["channels"]} == set(plan_found.curves)
    # The same inputs solved directly give the same plan (no change limit, the ROI floor 1.0).
    direct = optimize_budget(plan_found.inputs, PlanConstraints(
        budget=BudgetConstraint(plan_found.previous_total)), min_roi=1.0)
    assert doc["expected_revenue"] == pytest.approx(direct.expected_revenue, rel=1e-9)
    res = run("--db", plan_db, "--model", "markov", "--order", "1", "--budget", 50000,
              "--quarter", "2027Q2")
    assert res.exit_code == 0, res.output
    assert "Budget plan 2027Q2" in res.stdout


def test_cli_plan_defaults_keep_every_channel_within_30_percent_of_last_quarter(plan_db,
                                                                                plan_found):
    """All defaults: markov order 1 per month, last quarter's spend at most, ±30% a channel."""
    res = run("--db", plan_db, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "optimal"
    assert doc["total_spend"] <= plan_found.previous_total * (1 + 1e-9)
    previous = {ci.channel: ci.previous_spend for ci in plan_found.inputs}
    # channels under the normal rule (the test channel has its own cap, 5% of the total)
    normal = [c for c in doc["channels"] if c["rule"] == "normal" and previous[c["channel"]]]
    assert len(normal) >= 4
    for c in normal:
        before = previous[c["channel"]]
        assert 0.7 * before * (1 - 1e-9) <= c["spend"] <= 1.3 * before * (1 + 1e-9), c
    direct = optimize_budget(plan_found.inputs, PlanConstraints(
        budget=BudgetConstraint(plan_found.previous_total), max_change=MaxChange(0.3)),
        min_roi=1.0)
    assert doc["expected_revenue"] == pytest.approx(direct.expected_revenue, rel=1e-9)


def test_plan_buys_nothing_below_the_roi_floor_and_says_what_is_left(tmp_path):
    """Two channels returning 0.5 per unit on their first 100 (a loss): the default floor
    1.0 buys none of it, so the whole budget of 150 is unallocated, with the reason;
    ``--min-roi 0`` buys the 150 (revenue 0.5 · 150 = 75); ``--exact-budget`` spends it
    all and warns about each channel's margin below the floor."""
    doc = {"channels": [
        {"channel": "a", "previous_spend": 100, "segments": [{"width": 100, "slope": 0.5}]},
        {"channel": "b", "previous_spend": 100, "segments": [{"width": 100, "slope": 0.5}]},
    ]}
    loss = tmp_path / "loss.json"
    loss.write_text(json.dumps(doc))
    base = ("--curves", loss, "--budget", 150, "--max-change", "none")
    res = run(*base, "--format", "json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["total_spend"] == 0 and d["unallocated"] == 150 and d["min_roi"] == 1.0
    assert "1.0" in d["unallocated_reason"]
    table = run(*base)
    assert table.exit_code == 0 and "unallocated 150: no channel returns" in " ".join(
        table.output.split())
    free = json.loads(run(*base, "--min-roi", 0, "--format", "json").output)
    assert free["total_spend"] == pytest.approx(150) and free["unallocated"] == 0
    assert free["expected_revenue"] == pytest.approx(75)
    exact = json.loads(run(*base, "--exact-budget", "--format", "json").output)
    assert exact["total_spend"] == pytest.approx(150)
    assert sum("0.5 < 1.0" in w for w in exact["warnings"]) == 2
