"""``touchpath ingest --table identities``, ``touchpath identities`` and ``--no-stitch``.

The phone click + laptop purchase by hand: per id a (direct) purchase of 100 and
a search journey that never converts; per person one converting search journey.
"""

import json

from typer.testing import CliRunner

from touchpath.cli import app


def run(*args, code=0):
    res = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res


def _warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    (tmp_path / "tp.csv").write_text("event_id,user_id,ts,channel\n"
                                     "e1,cookie:p1,2024-03-01T09:00:00,search\n")
    (tmp_path / "cv.csv").write_text("conversion_id,user_id,ts,value\n"
                                     "c1,acct:7,2024-03-02T20:00:00,100\n")
    (tmp_path / "ids.csv").write_text("cookie,account\ncookie:p1,acct:7\n")
    run("ingest", str(tmp_path / "tp.csv"), "--table", "touchpoints", "--db", str(db))
    run("ingest", str(tmp_path / "cv.csv"), "--table", "conversions", "--db", str(db))
    return db


def test_ingest_identities_with_map_then_paths_with_and_without_stitching(tmp_path):
    db = _warehouse(tmp_path)
    ids = str(tmp_path / "ids.csv")
    out = run("ingest", ids, "--table", "identities", "--db", str(db), "--map", "id_a=cookie",
              "--map", "id_b=account").output
    assert "rows inserted" in out and "│                         1 │" in out
    again = run("ingest", ids, "--table", "identities", "--db", str(db), "--map",
                "id_a=cookie", "--map", "id_b=account").output
    assert "already stored (skipped) │                         1" in again
    stitched, apart = tmp_path / "p.csv", tmp_path / "q.csv"
    run("paths", "--db", str(db), "--no-censor", "--out", str(stitched))
    run("paths", "--db", str(db), "--no-censor", "--no-stitch", "--out", str(apart))
    assert stitched.read_text().splitlines()[1:] == ["search,1,100.0,0,1"]
    assert apart.read_text().splitlines()[1:] == ["search,0,0.0,1,0", "(direct),1,100.0,0,1"]
    credit = json.loads(run("attribute", "--db", str(db), "-m", "last_touch", "--no-censor",
                            "--no-stitch", "--format", "json").stdout)
    assert {r["channel"]: r["conversions"] for r in credit} == {"search": 0.0, "(direct)": 1.0}


def test_identities_command_reports_persons_changes_and_credit(tmp_path):
    db = _warehouse(tmp_path)
    run("ingest", str(tmp_path / "ids.csv"), "--table", "identities", "--db", str(db),
        "--map", "id_a=cookie", "--map", "id_b=account")
    doc = json.loads(run("identities", "--db", str(db), "-m", "last_touch", "--no-censor",
                         "--format", "json").stdout)
    assert (doc["report"]["pairs"], doc["report"]["persons"]) == (1, 1)
    assert (doc["effect"]["journeys_before"], doc["effect"]["journeys_after"]) == (2, 1)
    assert doc["effect"]["direct_now_touched"] == 1
    assert [(r["channel"], r["conversions_per_id"], r["conversions_per_person"])
            for r in doc["credit"]] == [("search", 0.0, 1.0), ("(direct)", 1.0, 0.0)]
    table = run("identities", "--db", str(db), "--no-censor").output
    assert "What stitching changed" in table and "1 conversion(s) that were (direct)" in table
    run("identities", "--db", str(db), "--max-ids", "1", code=2)


def test_a_bad_identities_file_is_refused_naming_row_and_column(tmp_path):
    db = _warehouse(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("id_a,id_b\nk1,\n")
    res = run("ingest", str(bad), "--table", "identities", "--db", str(db), code=1)
    assert "row 1" in res.output and "id_b" in res.output
