"""``touchpath attribute`` and ``touchpath compare`` on a tiny ChannelAttribution CSV.

Expected numbers worked by hand from the CSV below:

    a > b   3 conversions, 300 value, 7 nulls
    b       1 conversion,   50 value, 4 nulls
    c > a   2 conversions, 100 value, 2 nulls
    (direct) 1 conversion,  20 value

first touch: a 3 (300), b 1 (50), c 2 (100); shares 1/2, 1/6, 1/3 of 6.
last touch:  a 2 (100), b 4 (350), c 0.
"""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import api.cli.attribution_cmds  # noqa: F401  (registers the commands)
from api.cli.app import app

CSV = """path,total_conversions,total_conversion_value,total_null
a > b,3,300,7
b,1,50,4
c > a,2,100,2
(direct),1,20,0
"""

runner = CliRunner()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text(CSV)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_attribute_json_has_channel_conversions_value_share(csv_file):
    res = run("attribute", "--model", "first_touch", "--paths", csv_file, "--format", "json")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    by_channel = {r["channel"]: r for r in records}
    assert set(by_channel) == {"a", "b", "c", "(direct)"}
    for r in records:
        assert {"channel", "conversions", "value", "share"} <= set(r)
    assert by_channel["a"]["conversions"] == pytest.approx(3)
    assert by_channel["a"]["value"] == pytest.approx(300)
    assert by_channel["c"]["share"] == pytest.approx(1 / 3)
    assert by_channel["(direct)"]["conversions"] == pytest.approx(1)
    assert by_channel["(direct)"]["share"] is None


def test_attribute_csv_output(csv_file):
    res = run("attribute", "--model", "last_touch", "--paths", csv_file, "--format", "csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(io.StringIO(res.stdout)).set_index("channel")
    assert frame.loc[["a", "b", "c"], "conversions"].tolist() == [2.0, 4.0, 0.0]
    assert frame.loc[["a", "b", "c"], "value"].tolist() == [100.0, 350.0, 0.0]


def test_attribute_with_bootstrap_writes_bounds_to_file(csv_file, tmp_path):
    out = tmp_path / "res.json"
    res = run("attribute", "-m", "linear", "--paths", csv_file, "--ci", 40, "--format",
              "json", "--out", out, "--no-progress")
    assert res.exit_code == 0, res.output
    records = [r for r in json.loads(out.read_text()) if r["channel"] != "(direct)"]
    for r in records:
        assert r["conversions_lo"] <= r["conversions"] <= r["conversions_hi"]


def test_attribute_table_format_lists_channels(csv_file):
    res = run("attribute", "--model", "position", "--paths", csv_file)
    assert res.exit_code == 0, res.output
    for text in ("position_based", "a", "b", "c", "(direct)"):
        assert text in res.stdout


def test_unknown_model_is_exit_2_with_valid_names(csv_file):
    res = run("attribute", "--model", "magic", "--paths", csv_file)
    assert res.exit_code == 2
    assert "unknown model 'magic'" in res.output and "first_touch" in res.output
    assert "Traceback" not in res.output


def test_missing_and_malformed_files_are_exit_2(tmp_path):
    res = run("attribute", "--model", "linear", "--paths", tmp_path / "nope.csv")
    assert res.exit_code == 2 and "no such file" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("route,total_conversions\na,1\n")
    res = run("attribute", "--model", "linear", "--paths", bad)
    assert res.exit_code == 2 and "missing required column 'path'" in res.output
    res = run("attribute", "--model", "linear", "--db", tmp_path / "none.duckdb")
    assert res.exit_code == 2 and "no such warehouse" in res.output


def test_time_decay_from_a_path_file_is_an_error(csv_file):
    res = run("attribute", "--model", "time_decay", "--paths", csv_file)
    assert res.exit_code == 2
    assert "timestamps" in res.output


def test_compare_json_skips_time_decay_with_a_note_and_writes_chart(csv_file, tmp_path):
    chart = tmp_path / "compare.png"
    res = run("compare", "--models", "first_touch,last_touch,time_decay", "--paths", csv_file,
              "--format", "json", "--plot", chart)
    assert res.exit_code == 0, res.output
    assert "skipped time_decay" in res.stderr
    records = json.loads(res.stdout)
    assert {r["model"] for r in records} == {"first_touch", "last_touch"}
    got = {(r["model"], r["channel"]): r["conversions"] for r in records}
    assert got[("first_touch", "a")] == pytest.approx(3)
    assert got[("last_touch", "b")] == pytest.approx(4)
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_compare_table_shows_models_and_rank_agreement(csv_file):
    res = run("compare", "--models", "first_touch,last_touch", "--paths", csv_file)
    assert res.exit_code == 0, res.output
    assert "first_touch" in res.stdout and "last_touch" in res.stdout
    assert "Spearman" in res.stdout


def test_compare_csv_is_tidy(csv_file):
    res = run("compare", "--models", "first_touch,linear", "--paths", csv_file, "--format",
              "csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert list(frame.columns[:4]) == ["model", "channel", "conversions", "value"]
    linear = frame[(frame.model == "linear") & (frame.channel != "(direct)")]
    # linear: a = 3/2 + 2/2 = 2.5, b = 3/2 + 1 = 2.5, c = 1
    assert linear.set_index("channel").conversions.to_dict() == {"a": 2.5, "b": 2.5, "c": 1.0}


def test_compare_unknown_model_is_exit_2(csv_file):
    res = run("compare", "--models", "first_touch,nope", "--paths", csv_file)
    assert res.exit_code == 2 and "unknown model 'nope'" in res.output


def test_list_models(csv_file):
    res = run("attribute", "--list")
    assert res.exit_code == 0
    assert "markov_auto" in res.stdout and "shapley_rate" in res.stdout


@pytest.fixture
def warehouse_file(tmp_path):
    """Two converting journeys (u3's a > c is still open at the end of the data).

    u1: a on Jan 1, b on Jan 8, converts Jan 8 for 30 → time decay (7 days):
        a 2^-1 = 1/2, b 1 → a 1/3, b 2/3 (value 10, 20).
    u2: b on Jan 5, converts Jan 6 for 60 → b 1 (value 60).
    """
    from data.warehouse import Warehouse

    touchpoints = pd.DataFrame({
        "event_id": ["e1", "e2", "e3", "e4", "e5"],
        "user_id": ["u1", "u1", "u2", "u3", "u3"],
        "ts": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-05", "2024-01-02",
                              "2024-01-03"]),
        "channel": ["a", "b", "b", "a", "c"],
        "campaign": ["x"] * 5, "interaction": ["click"] * 5, "cost": [0.0] * 5,
    })
    conversions = pd.DataFrame({
        "conversion_id": ["c1", "c2"], "user_id": ["u1", "u2"],
        "ts": pd.to_datetime(["2024-01-08", "2024-01-06"]), "value": [30.0, 60.0],
        "kind": ["purchase"] * 2,
    })
    path = tmp_path / "touchpath.duckdb"
    with Warehouse.open(path) as wh:
        wh.ingest("touchpoints", touchpoints)
        wh.ingest("conversions", conversions)
    return path


def test_time_decay_reads_touches_from_the_warehouse(warehouse_file):
    res = run("attribute", "--model", "time_decay", "--db", warehouse_file, "--format", "json")
    assert res.exit_code == 0, res.output
    got = {r["channel"]: r for r in json.loads(res.stdout)}
    assert got["a"]["conversions"] == pytest.approx(1 / 3)
    assert got["b"]["conversions"] == pytest.approx(5 / 3)
    assert got["a"]["value"] == pytest.approx(10.0)
    assert got["b"]["value"] == pytest.approx(80.0)


def test_compare_from_the_warehouse_runs_time_decay_with_intervals(warehouse_file):
    res = run("compare", "--models", "last_touch,time_decay(half_life_days=7)", "--db",
              warehouse_file, "--ci", 30, "--format", "json", "--no-progress")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    decay = {r["channel"]: r for r in records if r["model"].startswith("time_decay")}
    assert decay["b"]["conversions"] == pytest.approx(5 / 3)
    assert decay["b"]["conversions_lo"] <= 5 / 3 <= decay["b"]["conversions_hi"]
    assert "skipped" not in res.stderr


def test_comparison_for_demo_prints_and_writes_the_chart(csv_file, tmp_path):
    from rich.console import Console

    from api.cli.attribution_cmds import comparison_for_demo
    from data.paths import PathTable

    buffer = io.StringIO()
    chart = tmp_path / "demo_compare.png"
    comp = comparison_for_demo(PathTable.read_csv(csv_file), plot_path=chart,
                               console=Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert "markov(order=2)" in text and "Spearman" in text
    assert "skipped time_decay" in text
    assert [name for name, _ in comp.skipped] == ["time_decay"]
    assert len(comp.results) == 7
    assert chart.read_bytes()[:4] == b"\x89PNG"
