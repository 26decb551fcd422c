"""``touchpath paths --engine`` over Parquet, and the engine flags on the warehouse.

The dataset is the edge-case one of tests/data/test_engines.py (its module
docstring works the journeys out); here as one Parquet file per table.
"""

import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.data.test_engines import frames
from touchpath.cli.app import app
from touchpath.data.paths import PathTable
from touchpath.data.warehouse import Warehouse

runner = CliRunner()

#: L=30, all touches, repeats kept, censored (tests/data/test_engines.py, written out there).
DEFAULT_PATHS = ["display", "email", "email > email > search > search",
                 "email > search > display", "search", "search > email > social > search",
                 "social > email", "(direct)"]


@pytest.fixture
def parquet(tmp_path):
    tp, cv = frames()
    tp.assign(ts=pd.to_datetime(tp["ts"])).to_parquet(tmp_path / "tp.parquet")
    cv.assign(ts=pd.to_datetime(cv["ts"])).to_parquet(tmp_path / "cv.parquet")
    return str(tmp_path / "tp.parquet"), str(tmp_path / "cv.parquet")


def paths_cmd(*args):
    return runner.invoke(app, ["paths", *map(str, args)])


def test_duckdb_engine_writes_the_path_table_and_the_monthly_tables(parquet, tmp_path):
    out, monthly = tmp_path / "paths.csv", tmp_path / "monthly.csv"
    res = paths_cmd("--engine", "duckdb", "--touchpoints", parquet[0], "--conversions",
                    parquet[1], "-o", out, "--period", "month", "--by-period-out", monthly)
    assert res.exit_code == 0, res.output
    assert "7 paths" in res.output and "(duckdb, " in res.output  # the (direct) row apart
    frame = pd.read_csv(out, keep_default_na=False)
    assert frame["path"].tolist() == DEFAULT_PATHS
    assert PathTable.read_csv(out).totals()["conversions"] == 8
    by_month = pd.read_csv(monthly, keep_default_na=False)
    assert sorted(set(by_month["period"])) == ["2024-01", "2024-02"]
    jan = by_month[by_month["period"] == "2024-01"]
    # a, b (one on a path, one direct), c (direct), d, i converted in January; g's null
    assert jan["total_conversions"].sum() == 6 and jan["total_null"].sum() == 1
    assert set(jan["period_start"]) == {"2024-01-01"}


def test_no_censor_and_parquet_output(parquet, tmp_path):
    out = tmp_path / "paths.parquet"
    res = paths_cmd("--touchpoints", parquet[0], "--conversions", parquet[1], "-o", out,
                    "--no-censor", "--interaction", "click")
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(out)
    # click only, uncensored: f's and h's trailing searches join b's converting search
    row = frame[frame["path"] == "search"].iloc[0]
    assert (row["total_conversions"], row["total_null"]) == (1, 2)


def test_a_missing_column_is_one_line_naming_dataset_and_column(parquet, tmp_path):
    tp, _ = frames()
    tp.drop(columns=["user_id"]).to_parquet(tmp_path / "bad.parquet")
    res = paths_cmd("--touchpoints", tmp_path / "bad.parquet", "--conversions", parquet[1],
                    "-o", tmp_path / "p.csv")
    assert res.exit_code == 1
    assert "touchpoints (" in res.output and "missing column 'user_id'" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "p.csv").exists()


def test_engine_spark_without_pyspark_says_how_to_install(parquet, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    res = paths_cmd("--engine", "spark", "--touchpoints", parquet[0], "--conversions",
                    parquet[1], "-o", tmp_path / "p.csv")
    assert res.exit_code == 1
    assert "pip install 'touchpath[spark]'" in res.output
    assert len(res.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "says"), [
    (["--engine", "duckdb"], "--touchpoints URI and --conversions URI"),
    (["--touchpoints", "x.parquet"], "--touchpoints and --conversions go together"),
    (["--period", "month"], "--by-period-out FILE"),
])
def test_engine_flags_that_do_not_fit(args, says, tmp_path):
    res = paths_cmd(*args, "-o", tmp_path / "p.csv", "--db", tmp_path / "none.duckdb")
    assert res.exit_code == 1
    assert says in res.output


def test_on_the_warehouse_no_censor_counts_the_open_journeys(tmp_path):
    db = tmp_path / "wh.duckdb"
    tp, cv = frames()
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", tp)
        wh.ingest("conversions", cv)
    censored, open_too = tmp_path / "c.csv", tmp_path / "o.csv"
    assert paths_cmd("--db", db, "-o", censored).exit_code == 0
    res = paths_cmd("--db", db, "-o", open_too, "--no-censor")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(censored)["path"].tolist() == DEFAULT_PATHS
    nulls = pd.read_csv(open_too).set_index("path")["total_null"]
    # f's trailing search > display and h's search are counted now
    assert nulls["search > display"] == 1 and nulls["search"] == 1
    assert nulls.sum() == 3


@pytest.mark.spark
def test_spark_engine_writes_the_same_table(spark, parquet, tmp_path):
    out = tmp_path / "paths.csv"
    res = paths_cmd("--engine", "spark", "--touchpoints", parquet[0], "--conversions",
                    parquet[1], "-o", out, "--spark-master", "local[1]")
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out, keep_default_na=False)["path"].tolist() == DEFAULT_PATHS
    assert "(spark, " in res.output
    # the session of the test run was reused, not stopped
    assert spark.range(2).count() == 2
