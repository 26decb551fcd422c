"""``--grain campaign`` on ``paths``, ``attribute`` and ``compare`` (the campaign warehouse).

The numbers are those of tests/seed/campaigns.py, worked out by hand there.
"""

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import touchpath.cli.attribution_cmds  # noqa: F401  (registers the commands)
import touchpath.cli.data_cmds  # noqa: F401
from tests.seed.campaigns import LINEAR_CAMPAIGNS, LINEAR_CHANNELS, load_campaigns
from touchpath.cli.app import app
from touchpath.data.warehouse import Warehouse

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("campaigns") / "c.duckdb"
    with Warehouse.open(path) as wh:
        load_campaigns(wh)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_attribute_campaign_json_rows_carry_channel_and_campaign(db):
    res = run("attribute", "--db", db, "--model", "linear", "--grain", "campaign", "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["grain"] == "campaign" and doc["exact"] is True and doc["model"] == "linear"
    rows = {(r["channel"], r["campaign"]): (r["conversions"], r["value"])
            for r in doc["campaigns"] if r["channel"] != "(direct)"}
    assert rows.keys() == LINEAR_CAMPAIGNS.keys()
    for key, expected in LINEAR_CAMPAIGNS.items():
        assert rows[key] == pytest.approx(expected, abs=1e-12)
    direct = [r for r in doc["campaigns"] if r["channel"] == "(direct)"]
    assert direct == [{"model": "linear", "channel": "(direct)", "campaign": None,
                       "conversions": 1.0, "value": 5.0, "share": None, "value_share": None}]
    roll = {r["channel"]: r for r in doc["channels"]}
    for channel, (conv, value) in LINEAR_CHANNELS.items():
        assert roll[channel]["conversions"] == pytest.approx(conv, abs=1e-12)
        assert roll[channel]["channel_conversions"] == pytest.approx(conv, abs=1e-12)
        assert roll[channel]["channel_value"] == pytest.approx(value, abs=1e-12)


def test_attribute_campaign_csv_and_table(db):
    res = run("attribute", "--db", db, "--model", "first_touch", "--grain", "campaign",
              "-f", "csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert list(frame.columns[:3]) == ["model", "channel", "campaign"]
    brand = frame[(frame["channel"] == "search") & (frame["campaign"] == "brand")].iloc[0]
    assert (brand["conversions"], brand["value"]) == (2.0, 90.0)
    res = run("attribute", "--db", db, "--model", "markov", "--grain", "campaign")
    assert res.exit_code == 0, res.output
    assert "markov1 per channel and campaign" in res.stdout
    assert "markov1: channel roll-up" in res.stdout
    assert "campaign states are a fit of their own" in res.stdout
    # the channel-level fit of markov1 on these journeys: search 1.57 (see the service test)
    search = next(line for line in res.stdout.splitlines()
                  if line.startswith("│ search") and "│         2 │" in line)
    assert "1.57" in search


def test_compare_campaign_json_rolls_up_each_model(db):
    res = run("compare", "--db", db, "--grain", "campaign", "--models",
              "linear,markov2,shapley", "-f", "json", "--no-progress")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["models"] == ["linear", "markov2", "shapley"]
    roll = pd.DataFrame(doc["channels"])
    linear = roll[roll["model"] == "linear"].set_index("channel")
    assert linear.at["search", "conversions"] == pytest.approx(11 / 6, abs=1e-12)
    assert linear["exact"].all()
    assert not roll[roll["model"] == "markov2"]["exact"].any()
    res = run("compare", "--db", db, "--grain", "campaign", "--models", "linear,markov2",
              "--no-progress")
    assert res.exit_code == 0, res.output
    assert "= 1.8" in res.stdout  # linear: search's campaigns sum to its 11/6


def test_paths_at_the_campaign_grain_write_states(db, tmp_path):
    out = tmp_path / "p.csv"
    res = run("paths", "--db", db, "--grain", "campaign", "-o", out)
    assert res.exit_code == 0, res.output
    assert "4 channel / campaign states" in res.stdout
    table = pd.read_csv(out).set_index("path")
    assert table.at["email / (none) > search / brand", "total_conversion_value"] == 10.0
    assert table.at["search / brand > search / generic > email / (none)",
                    "total_conversions"] == 1


def test_campaign_grain_refuses_a_path_file_and_the_engines(db, tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("path,total_conversions,total_conversion_value,total_null\na,1,1,0\n")
    res = run("attribute", "--paths", csv, "--grain", "campaign")
    assert res.exit_code == 2
    assert "a path file has no campaigns" in res.output
    res = run("paths", "--db", db, "--grain", "campaign", "--period", "month")
    assert res.exit_code == 2
    assert "per channel" in res.output


def test_a_campaign_with_the_separator_is_one_error_line(tmp_path):
    path = tmp_path / "bad.duckdb"
    with Warehouse.open(path) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1"], "user_id": ["u"], "ts": ["2024-01-01"], "channel": ["search"],
            "campaign": ["a>b"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["u"], "ts": ["2024-01-02"], "value": ["1"]}))
    res = run("attribute", "--db", path, "--grain", "campaign", "--model", "linear")
    assert res.exit_code == 2
    assert "error: campaign 'a>b' of channel 'search' contains '>'" in " ".join(res.output.split())
    assert "Traceback" not in res.output
