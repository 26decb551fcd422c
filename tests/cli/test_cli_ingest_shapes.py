"""``touchpath ingest`` with the user's own columns (--map), the events shape and derived ids.

The public-log fixture (tests/data/fixtures/public_log.csv) has 7 rows: 5
impressions (c2's two identical) and 2 conversions, c1 worth 4.5 and c3 12.25.
"""

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import typer
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from touchpath.api.testing import touchpath_command
from touchpath.cli.app import app
from touchpath.data.warehouse import DEFAULT_CONVERSION_EVENTS

runner = CliRunner()
PUBLIC_LOG = Path(__file__).parents[1] / "data" / "fixtures" / "public_log.csv"
ISSUE_COMMAND = ["ingest", "log.csv", "--table", "events", "--map", "user_id=customer_id",
                 "--map", "ts=time", "--map", "event=interaction",
                 "--map", "value=conversion_value"]


def stored(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_issues_command_line_loads_the_public_log(tmp_path):
    shutil.copyfile(PUBLIC_LOG, tmp_path / "log.csv")
    run = subprocess.run([*touchpath_command(), *ISSUE_COMMAND], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = " ".join(run.stdout.split())
    assert "rows in file │ 7" in out
    assert "-> touchpoints │ 5 rows: 5 inserted, 0 already stored" in out
    assert "-> conversions │ 2 rows: 2 inserted, 0 already stored" in out
    assert "ids │ derived from row content" in out
    # the conversion rows' extra column is kept as a segment attribute, not ignored
    assert "ignored columns │ - " in out
    assert "attribute conversion (conversion) │ 1 distinct value " in out
    db = tmp_path / "touchpath.duckdb"
    assert stored(db, "SELECT user_id, value, kind FROM conversions ORDER BY user_id") == [
        ("c1", 4.5, "conversion"), ("c3", 12.25, "conversion")]
    assert stored(db, "SELECT count(*), count(DISTINCT event_id) FROM touchpoints"
                      " WHERE interaction = 'view'") == [(5, 5)]
    again = subprocess.run([*touchpath_command(), *ISSUE_COMMAND], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "-> touchpoints │ 5 rows: 0 inserted, 5 already stored" in " ".join(again.stdout.split())


def test_an_unknown_column_of_ours_is_a_usage_error(tmp_path):
    db = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events", "--db", str(db),
                              "--map", "customer=customer_id"])
    assert res.exit_code == 2
    text = " ".join(res.output.replace("│", " ").split())
    assert "cannot map 'customer': events has no such column" in text
    assert "user_id, ts, event, channel" in text
    assert not db.exists()


def test_a_mapping_without_equals_sign_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events",
                              "--db", str(tmp_path / "wh.duckdb"), "--map", "user_id"])
    assert res.exit_code == 2 and "expected OURS=THEIRS" in res.output


def test_a_mapped_column_missing_from_the_file_is_refused_naming_it(tmp_path):
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events",
                              "--db", str(tmp_path / "wh.duckdb"),
                              "--map", "user_id=cookie", "--map", "ts=time",
                              "--map", "event=interaction"])
    assert res.exit_code == 1
    assert "row 0, column 'cookie': not in the file (mapped to user_id)" in res.output


def test_a_conversion_without_value_names_the_row(tmp_path):
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events",
                              "--db", str(tmp_path / "wh.duckdb"),
                              "--map", "user_id=customer_id", "--map", "ts=time",
                              "--map", "event=interaction"])
    assert res.exit_code == 1
    assert ("row 3, column 'value': conversion event 'conversion' has no value (map a value"
            " column with --map value=...)") in res.output
    assert "row 7, column 'value'" in res.output


def test_conversion_events_option(tmp_path):
    db = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events", "--db", str(db),
                              "--map", "user_id=customer_id", "--map", "ts=time",
                              "--map", "event=interaction", "--map", "value=conversion_value",
                              "--conversion-events", "Purchase"])
    # no row is a purchase: all 7 are touches (conversion rows become clicks)
    assert res.exit_code == 0, res.output
    assert stored(db, "SELECT interaction, count(*) FROM touchpoints GROUP BY 1 ORDER BY 1") == [
        ("click", 2), ("view", 5)]
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events", "--db", str(db),
                              "--conversion-events", "a,,b"])
    assert res.exit_code == 2


def test_the_help_names_the_default_conversion_events():
    command = typer.main.get_command(app).commands["ingest"]  # type: ignore[attr-defined]
    option = next(p for p in command.params if p.name == "conversion_events")
    assert f"[default: {','.join(DEFAULT_CONVERSION_EVENTS)}]" in option.help


TRAFFIC = ("user_id,ts,event,source,medium,value\n"
           "u1,2026-01-02T10:00:00Z,session_start,google,cpc,\n"
           "u1,2026-01-02T11:00:00Z,session_start,nowhere,nothing,\n"
           "u1,2026-01-02T12:00:00Z,purchase,,,10\n"
           "u2,2026-01-03T10:00:00Z,session_start,nowhere,nothing,\n")


def test_channel_rules_file_derives_channels_and_counts_other(tmp_path):
    (tmp_path / "t.csv").write_text(TRAFFIC)
    (tmp_path / "rules.toml").write_text('[[rule]]\nchannel = "Paid Search"\nmedium = "cpc"\n')
    db = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", str(tmp_path / "t.csv"), "--table", "events",
                              "--db", str(db), "--channel-rules", str(tmp_path / "rules.toml")],
                        terminal_width=200)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert f"channels │ derived by channel rules ({tmp_path / 'rules.toml'})" in out
    assert "(other) channel │ nowhere / nothing: 2 rows" in out
    assert stored(db, "SELECT channel, count(*) FROM touchpoints GROUP BY 1 ORDER BY 1") == [
        ("(other)", 2), ("Paid Search", 1)]


def test_a_rules_file_that_does_not_parse_is_refused(tmp_path):
    (tmp_path / "t.csv").write_text(TRAFFIC)
    (tmp_path / "bad.toml").write_text('[[rule]]\nchannel = "X"\nsource = "("\n')
    db = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", str(tmp_path / "t.csv"), "--table", "events",
                              "--db", str(db), "--channel-rules", str(tmp_path / "bad.toml")])
    assert res.exit_code == 1
    assert "bad.toml: rule 1 (channel 'X'): source: not a valid regular expression" in res.output
    assert "Traceback" not in res.output and not db.exists()


GA4 = Path(__file__).parents[1] / "data" / "fixtures" / "ga4"


def test_format_ga4_loads_sessions_and_purchases(tmp_path):
    db = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", str(GA4 / "events.json"), "--format", "ga4",
                              "--db", str(db)], terminal_width=200)
    assert res.exit_code == 0, res.output
    # the fixture README: 5 sessions, purchases T-1001 (129.99) and T-1002 (45)
    assert stored(db, "SELECT conversion_id, value FROM conversions ORDER BY 1") == [
        ("T-1001", Decimal("129.99")), ("T-1002", Decimal("45"))]
    assert stored(db, "SELECT count(*) FROM touchpoints") == [(5,)]
    res = runner.invoke(app, ["ingest", str(GA4 / "events.parquet"), "--format", "ga4",
                              "--db", str(db)], terminal_width=200)
    assert res.exit_code == 0 and "5 rows: 0 inserted, 5 already stored" in res.output
    res = runner.invoke(app, ["ingest", str(GA4 / "events.json"), "--format", "ga4",
                              "--table", "spend", "--db", str(db)])
    assert res.exit_code == 2


def write_small_ga4(path: Path) -> Path:
    """Six GA4 events: 2 sessions, a purchase whose FLOAT64 revenue is 29.990000000000002,
    its reload (the same transaction id), and one event outside any session."""
    def event(user, ts, name, session=None, **extra):
        params = [{"key": "ga_session_id", "value": {"int_value": session}}] if session else []
        return {"event_timestamp": ts, "event_name": name, "user_pseudo_id": user,
                "event_params": params, **extra}
    records = [
        event("u1", "1772445600000000", "session_start", "1"),
        event("u1", "1772445601000000", "page_view", "1"),
        event("u1", "1772445700000000", "purchase", "1",
              ecommerce={"transaction_id": "T1", "purchase_revenue": "REV"}),
        event("u1", "1772445760000000", "purchase", "1",
              ecommerce={"transaction_id": "T1", "purchase_revenue": "REV"}),
        event("u1", "1772445800000000", "user_engagement"),
        event("u2", "1772450000000000", "session_start", "2"),
    ]
    text = "".join(json.dumps(r).replace('"REV"', "29.990000000000002") + "\n"
                   for r in records)
    path.write_text(text, encoding="utf-8")
    return path


def test_format_ga4_prints_what_the_export_held(tmp_path):
    db = tmp_path / "wh.duckdb"
    export = write_small_ga4(tmp_path / "events.json")
    res = runner.invoke(app, ["ingest", str(export), "--format", "ga4", "--db", str(db)],
                        terminal_width=200)
    assert res.exit_code == 0, res.output
    rows = {}
    for line in res.output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    assert rows["GA4 events read"] == "6"
    assert rows["GA4 sessions (touches)"] == "2"
    assert rows["GA4 purchases (conversions)"] == "1"
    assert rows["repeated transaction ids (dropped)"] == "1"
    assert rows["events without a session (no touch)"] == "1"
    assert rows["revenues rounded to the millionth"] == "1"
    assert stored(db, "SELECT conversion_id, value FROM conversions") == [
        ("T1", Decimal("29.99"))]
    res = runner.invoke(app, ["ingest", str(PUBLIC_LOG), "--table", "events",
                              "--map", "user_id=customer_id", "--map", "ts=time",
                              "--map", "event=interaction", "--map", "value=conversion_value",
                              "--db", str(db)], terminal_width=200)
    assert res.exit_code == 0 and "GA4" not in res.output
