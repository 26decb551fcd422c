"""``--calibrate`` and ``touchpath experiments`` on the CLI (tests/seed/calibration.py)."""

import json

import pytest
from typer.testing import CliRunner

from tests.seed.calibration import load_calibration
from touchpath.cli import app
from touchpath.data.warehouse import Warehouse

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("calcli") / "cal.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh, experiment=False)
    return path


@pytest.fixture(scope="module")
def loaded(db, tmp_path_factory):
    csv = tmp_path_factory.mktemp("calcsv") / "exp.csv"
    csv.write_text("channel,start,end,incremental_conversions,lower,upper\n"
                   "search,2024-03-01,2024-03-31,34,25.5,42.5\n", encoding="utf-8")
    res = runner.invoke(app, ["ingest", str(csv), "--table", "experiments", "--db", str(db)])
    assert res.exit_code == 0, res.output
    return db


def test_ingest_refuses_a_bad_experiments_file_naming_row_and_column(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("channel,start,end,incremental_conversions,lower,upper\n"
                   "search,2024-03-01,2024-03-31,34,35,42.5\n", encoding="utf-8")
    res = runner.invoke(app, ["ingest", str(bad), "--table", "experiments", "--db", str(db)])
    assert res.exit_code == 1
    assert "row 1, column 'lower': interval does not contain its estimate" in res.output


def test_experiments_lists_the_factor(loaded):
    res = runner.invoke(app, ["experiments", "--db", str(loaded), "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    (e,) = doc["experiments"]
    assert (e["channel"], e["attributed"], e["factor"]) == ("search", 85.0, pytest.approx(0.4))
    assert (e["factor_lower"], e["factor_upper"]) == (pytest.approx(0.3), pytest.approx(0.5))


def test_attribute_calibrate_in_the_window(loaded):
    res = runner.invoke(app, ["attribute", "--db", str(loaded), "--calibrate", "--from",
                              "2024-03-01", "--to", "2024-04-01", "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["channel"]: r for r in json.loads(res.stdout)["channels"]}
    assert rows["search"]["calibrated_conversions"] == pytest.approx(34)
    assert rows["search"]["freed_conversions"] == pytest.approx(51)
    assert rows["social"]["calibrated_conversions"] == pytest.approx(66)


def test_plan_calibrate_prints_both_plans_and_what_calibrated_them(loaded):
    res = runner.invoke(app, ["plan", "--db", str(loaded), "--calibrate"])
    assert res.exit_code == 0, res.output
    assert "Calibrated vs uncalibrated plan" in res.output
    assert "calibrated: search by experiments 2024-03-01..2024-03-31 (conversions: 34 " \
           "incremental vs 85 attributed, factor 0.4 [0.3, 0.5])" in res.output
    doc = json.loads(runner.invoke(app, ["plan", "--db", str(loaded), "--calibrate", "-f",
                                         "json"]).stdout)
    cmp = {r["channel"]: r for r in doc["calibration"]["comparison"]}
    assert cmp["search"]["spend_calibrated"] < cmp["search"]["spend_uncalibrated"]
    assert doc["expected_revenue"] == pytest.approx(cmp["(total)"]["expected_revenue_calibrated"])


def test_calibrate_refuses_inputs_without_the_warehouse(loaded, tmp_path):
    curves = tmp_path / "curves.json"
    curves.write_text('{"channels": [{"channel": "a", "segments": [{"width": 1, "slope": 2}]}]}',
                      encoding="utf-8")
    res = runner.invoke(app, ["plan", "--curves", str(curves), "--calibrate"])
    assert res.exit_code == 2
    assert "--calibrate fits calibrated curves from the warehouse" in res.output


def test_calibrate_without_experiments_says_how_to_load_them(tmp_path):
    path = tmp_path / "none.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh, experiment=False)
    res = runner.invoke(app, ["roi", "--db", str(path), "--calibrate"])
    assert res.exit_code == 2
    assert "no experiments of kind 'purchase'" in res.output
    assert "--table experiments" in res.output
