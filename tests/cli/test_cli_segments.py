"""``touchpath ingest --table users``, ``touchpath segments`` and ``--by`` on the command line.

The warehouse is the hand-worked one of tests/data/test_segments.py (journeys in
its docstring) with the spend of tests/service/test_segments.py.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.data.test_segments import CONVERSIONS, TOUCHES, USERS
from tests.service.test_segments import SPEND
from touchpath.cli import app


@pytest.fixture
def db(tmp_path):
    for name, frame in (("touchpoints", TOUCHES), ("conversions", CONVERSIONS),
                        ("spend", SPEND), ("users", USERS)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    path = tmp_path / "seg.duckdb"
    for name in ("touchpoints", "conversions", "spend"):
        run("ingest", str(tmp_path / f"{name}.csv"), "--table", name, "--db", str(path))
    return path


def run(*args, code=0):
    res = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res


def test_ingest_users_lists_the_attributes(db):
    out = run("ingest", str(db.parent / "users.csv"), "--table", "users", "--db", str(db))
    text = " ".join(out.stdout.split())
    assert "rows inserted │ 3" in text
    assert "attribute device (user) │ 2 distinct values" in text
    listed = json.loads(run("segments", "--db", str(db), "--format", "json").stdout)
    assert [(a["name"], a["scope"], a["values"]) for a in listed] == [
        ("device", "user", ["desktop", "mobile"]), ("plan", "conversion", ["gold", "silver"])]


def test_attribute_by_device_json_is_the_hand_worked_credit(db):
    run("ingest", str(db.parent / "users.csv"), "--table", "users", "--db", str(db))
    doc = json.loads(run("attribute", "--db", str(db), "--model", "linear", "--no-censor",
                         "--by", "device", "--format", "json").stdout)
    assert doc["by"]["name"] == "device"
    cells = {(r["segment"], r["channel"]): r["conversions"] for r in doc["rows"]}
    assert (cells[("mobile", "search")], cells[("mobile", "email")]) == (0.5, 0.5)
    assert cells[("(none)", "(direct)")] == 1.0
    table = run("attribute", "--db", str(db), "--model", "linear", "--no-censor",
                "--by", "device").stdout
    assert "Segments by device (user attribute)" in table
    assert "small (n=1)" in table and "device = mobile" in table


def test_compare_and_roi_by_plan_as_csv_have_the_segment_first(db):
    compare = run("compare", "--db", str(db), "--models", "first_touch,last_touch",
                  "--no-censor", "--by", "plan", "--format", "csv").stdout.splitlines()
    assert compare[0].startswith("segment,model,channel,")
    assert "gold,last_touch,email,1.0," in "\n".join(compare)
    roi = run("roi", "--db", str(db), "--model", "linear", "--no-censor", "--by", "plan",
              "--format", "csv").stdout.splitlines()
    assert roi[0].startswith("segment,period,") and roi[0].endswith(",spend_basis")


def test_by_refuses_a_paths_file_and_names_unknown_attributes(db, tmp_path):
    paths = tmp_path / "paths.csv"
    paths.write_text("path,total_conversions,total_conversion_value,total_null\n"
                     "search,1,10,0\n", encoding="utf-8")
    res = run("attribute", "--paths", str(paths), "--by", "device", code=2)
    assert "--by needs the warehouse" in res.output
    res = run("attribute", "--db", str(db), "--by", "country", code=2)
    assert "no attribute 'country' on conversions or users; the attributes are 'plan'" in \
        " ".join(res.output.split())
