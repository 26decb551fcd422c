"""``--kind`` on every journey command and ``touchpath funnel`` (hand-worked warehouses).

The funnel warehouse is tests/service/test_funnel.py's: 10 carts (search 6,
email 4 under last touch), 4 purchases (search 2, email 1, display 1).
"""

import csv
import io
import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.service.test_funnel import funnel_warehouse
from touchpath.cli.app import app
from touchpath.data.warehouse import Warehouse

runner = CliRunner()

JOURNEY_COMMANDS = ("paths", "attribute", "compare", "roi", "lifecycle", "curves", "plan",
                    "report")


@pytest.fixture
def funnel_db(tmp_path):
    return funnel_warehouse(tmp_path / "funnel.duckdb")


@pytest.fixture
def event_db(tmp_path):
    """An event log's conversions: kind 'conversion', none a purchase."""
    db = tmp_path / "events.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1", "e2"], "user_id": ["u1", "u2"],
            "ts": ["2024-01-01 09:00", "2024-01-02 09:00"], "channel": ["search", "email"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1", "c2"], "user_id": ["u1", "u2"],
            "ts": ["2024-01-03 09:00", "2024-01-04 09:00"], "value": ["20", "5"],
            "kind": ["conversion", "conversion"]}))
    return db


def _params(command: str):
    cmd = typer.main.get_command(app).commands[command]
    return {opt: p for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_journey_command_takes_one_kind_option():
    ref = _params("attribute")["--kind"]
    assert ref.default == "purchase" and "'all' pools every kind" in ref.help
    for command in JOURNEY_COMMANDS:
        p = _params(command)["--kind"]
        assert (p.opts, p.default, p.help) == (ref.opts, ref.default, ref.help), command


def _credit(db, *extra):
    res = runner.invoke(app, ["attribute", "--db", str(db), "-m", "last_touch", "-f", "json",
                              *extra])
    assert res.exit_code == 0, res.output
    return {r["channel"]: r["conversions"] for r in json.loads(res.stdout)}


def test_attribute_kind_picks_the_stage(funnel_db):
    assert _credit(funnel_db) == {"display": 1.0, "email": 1.0, "search": 2.0}
    # u0's display, after its cart, is an open journey without a cart: censored
    assert _credit(funnel_db, "--kind", "add_to_cart") == {"email": 4.0, "search": 6.0}
    # every kind in one pool: the carts take every touch but u0's display, which closes
    # u0's purchase; the other three purchases have no touch left: direct
    pooled = _credit(funnel_db, "--kind", "all")
    assert pooled == {"display": 1.0, "email": 4.0, "search": 6.0, "(direct)": 3.0}


def test_a_kind_without_conversions_is_said_plainly(event_db):
    res = runner.invoke(app, ["attribute", "--db", str(event_db), "-m", "last_touch"])
    assert res.exit_code == 2
    err = _flat(res.stderr)
    assert err.startswith("error: kind: the warehouse has no conversions of kind 'purchase'; "
                          "its conversions are of kind 'conversion' (2). Choose one with --kind")
    assert "Traceback" not in res.output
    assert _credit(event_db, "--kind", "conversion") == {"email": 1.0, "search": 1.0}
    roi = runner.invoke(app, ["roi", "--db", str(event_db), "-m", "last_touch"])
    assert roi.exit_code == 2 and "no conversions of kind 'purchase'" in _flat(roi.stderr)


def test_funnel_table(funnel_db):
    res = runner.invoke(app, ["funnel", "--db", str(funnel_db), "--stages",
                              "add_to_cart,purchase", "-m", "last_touch"])
    assert res.exit_code == 0, res.output
    lines = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
             for line in res.stdout.splitlines() if line.count("│") >= 5}
    assert lines["all conversions"] == ["10", "4", "40.0%", "60.0%"]
    assert lines["search"] == ["6", "2", "33.3%", "66.7%"]
    assert lines["email"] == ["4", "1", "25.0%", "75.0%"]
    assert lines["display"] == ["0", "1", "–", "–"]


def test_funnel_csv_and_json(funnel_db):
    args = ["funnel", "--db", str(funnel_db), "--stages", "add_to_cart,purchase",
            "-m", "last_touch"]
    res = runner.invoke(app, [*args, "-f", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    overall = [r for r in rows if r["channel"] == "(all)"]
    assert [(r["stage"], float(r["conversions"])) for r in overall] == [
        ("add_to_cart", 10.0), ("purchase", 4.0)]
    assert float(overall[1]["rate"]) == pytest.approx(0.4)
    assert float(overall[1]["drop_off"]) == pytest.approx(0.6)
    res = runner.invoke(app, [*args, "-f", "json"])
    doc = json.loads(res.stdout)
    email = [r for r in doc if r["channel"] == "email"]
    assert [r["conversions"] for r in email] == [4.0, 1.0]
    assert email[0]["rate"] is None and email[1]["rate"] == pytest.approx(0.25)


def test_funnel_refuses_a_stage_without_conversions(funnel_db):
    res = runner.invoke(app, ["funnel", "--db", str(funnel_db), "--stages", "view,purchase"])
    assert res.exit_code == 2
    assert "no conversions of kind 'view'" in _flat(res.stderr)
