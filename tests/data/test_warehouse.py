"""Warehouse: loading CSV/Parquet/DataFrames, idempotence, channels, lookups, CLI."""

from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from touchpath.data.warehouse import IngestError, Warehouse

TP_ROWS = [
    ["event_id", "user_id", "ts", "channel", "interaction", "cost"],
    ["e1", "u1", "2024-05-01T09:30:00+08:00", "search", "Click", "0.25"],
    ["e2", "u1", "2024-05-02 10:00:00", "feed", "view", ""],
    ["e3", "u2", "2024-05-03T23:00:00-02:00", "search", "", "1.000001"],
]


def stored_touchpoints(wh):
    return wh.conn.execute(
        "SELECT event_id, user_id, CAST(ts AS VARCHAR), channel, interaction, CAST(cost AS VARCHAR)"
        " FROM touchpoints ORDER BY event_id").fetchall()


EXPECTED = [
    ("e1", "u1", "2024-05-01 01:30:00", "search", "click", "0.250000"),
    ("e2", "u1", "2024-05-02 10:00:00", "feed", "view", None),
    ("e3", "u2", "2024-05-04 01:00:00", "search", "click", "1.000001"),
]


def test_csv_timestamps_stored_as_utc_and_defaults_applied(wh, write_csv):
    report = wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    assert (report.rows_in_file, report.rows_inserted, report.rows_skipped_existing) == (3, 3, 0)
    assert stored_touchpoints(wh) == EXPECTED


def test_parquet_loads_the_same_rows_as_csv(wh, tmp_path):
    frame = pd.DataFrame(TP_ROWS[1:], columns=TP_ROWS[0])
    frame["cost"] = [0.25, None, 1.000001]  # a float column, read exactly
    path = tmp_path / "tp.parquet"
    frame.to_parquet(path)
    wh.ingest("touchpoints", path)
    assert stored_touchpoints(wh) == EXPECTED


def test_parquet_native_timestamps_are_utc(wh, tmp_path):
    frame = pd.DataFrame({"event_id": ["a", "b"], "user_id": ["u", "u"], "channel": ["x", "x"],
                          "ts": pd.to_datetime(["2024-01-01T12:00:00", "2024-01-02T05:00:00"])
                          .tz_localize("Asia/Karachi")})  # UTC+05:00
    frame.to_parquet(tmp_path / "tz.parquet")
    wh.ingest("touchpoints", tmp_path / "tz.parquet")
    naive = frame.assign(event_id=["c", "d"],
                         ts=pd.to_datetime(["2024-01-03 07:00", "2024-01-04 00:00"]))
    wh.ingest("touchpoints", naive)
    got = wh.conn.execute("SELECT CAST(ts AS VARCHAR) FROM touchpoints ORDER BY event_id")
    got = got.fetchall()
    assert [g[0] for g in got] == ["2024-01-01 07:00:00", "2024-01-02 00:00:00",
                                   "2024-01-03 07:00:00", "2024-01-04 00:00:00"]


def test_reingest_same_file_is_a_noop(wh, write_csv):
    path = write_csv("tp.csv", TP_ROWS)
    wh.ingest("touchpoints", path)
    version = wh.data_version
    again = wh.ingest("touchpoints", path)
    assert (again.rows_inserted, again.rows_skipped_existing, again.new_channels) == (0, 3, [])
    assert wh.counts()["touchpoints"] == 3
    assert wh.data_version == version
    assert stored_touchpoints(wh) == EXPECTED


def test_overlapping_file_inserts_only_new_keys(wh, write_csv):
    wh.ingest("touchpoints", write_csv("a.csv", TP_ROWS[:3]))
    report = wh.ingest("touchpoints", write_csv("b.csv", [TP_ROWS[0], TP_ROWS[2], TP_ROWS[3]]))
    assert (report.rows_inserted, report.rows_skipped_existing) == (1, 1)
    assert wh.counts()["touchpoints"] == 3


def test_spend_reingest_is_noop_and_changed_amount_refused(wh, write_csv):
    rows = [["channel", "day", "amount"], ["search", "2024-05-01", "100.5"]]
    wh.ingest("spend", write_csv("s.csv", rows))
    assert wh.ingest("spend", write_csv("s.csv", rows)).rows_inserted == 0
    with pytest.raises(IngestError, match="already stored with amount 100.5"):
        wh.ingest("spend", write_csv("s2.csv", [rows[0], ["search", "2024-05-01", "99"]]))
    assert wh.spend()["amount"].tolist() == [100.5]


def test_each_ingest_that_changes_data_bumps_the_version(wh, write_csv):
    assert wh.data_version == 0
    wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    wh.ingest("spend", write_csv("s.csv", [["channel", "day", "amount"], ["x", "2024-05-01", "1"]]))
    assert wh.data_version == 2


def test_last_ingest_at_is_set_by_an_inserting_ingest_and_kept_by_a_noop(wh, write_csv):
    assert wh.last_ingest_at is None
    path = write_csv("tp.csv", TP_ROWS)
    before = datetime.now(UTC)
    wh.ingest("touchpoints", path)
    after = datetime.now(UTC)
    stamped = wh.last_ingest_at
    assert stamped is not None and stamped.tzinfo is not None
    assert before <= stamped <= after
    assert wh.ingest("touchpoints", path).rows_inserted == 0
    assert wh.last_ingest_at == stamped
    with pytest.raises(IngestError):
        wh.ingest("touchpoints", write_csv("bad.csv", [TP_ROWS[0], ["e9", "u1", "nope", "x"]]))
    assert wh.last_ingest_at == stamped
    later = datetime.now(UTC)
    wh.ingest("spend", write_csv("s.csv", [["channel", "day", "amount"], ["x", "2024-05-01", "1"]]))
    assert later <= wh.last_ingest_at <= datetime.now(UTC)


def test_last_ingest_at_survives_reopening_the_file(tmp_path, write_csv):
    db = tmp_path / "w.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
        stamped = wh.last_ingest_at
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.last_ingest_at == stamped
        assert wh.data_version == 1


def test_unknown_channels_registered_established_then_updated_by_channels_file(wh, write_csv):
    report = wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    assert report.new_channels == ["feed", "search"]
    ch = write_csv("ch.csv", [["channel", "status", "group_name", "launched_on"],
                              ["feed", "TEST", "social", "2024-04-15"], ["push", "exited", "", ""]])
    report = wh.ingest("channels", ch)
    assert (report.rows_inserted, report.new_channels) == (2, ["push"])
    got = wh.channels()
    assert got["channel"].tolist() == ["feed", "push", "search"]
    assert got["status"].tolist() == ["test", "exited", "established"]
    assert got["group_name"].tolist()[0] == "social"
    assert got["launched_on"].iloc[0] == pd.Timestamp("2024-04-15")
    # a channels file without group column keeps the stored group
    wh.ingest("channels", write_csv("ch2.csv", [["channel", "status"], ["feed", "established"]]))
    assert wh.channels().set_index("channel").loc["feed", ["status", "group_name"]].tolist() == [
        "established", "social"]
    assert wh.ingest("channels", write_csv("ch2.csv", [["channel", "status"],
                                                       ["feed", "established"]])).rows_inserted == 0


def test_channels_file_first_keeps_status_when_touchpoints_arrive(wh, write_csv):
    wh.ingest("channels", write_csv("ch.csv", [["channel", "status"], ["search", "test"]]))
    report = wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    assert report.new_channels == ["feed"]
    assert dict(wh.channels()[["channel", "status"]].values) == {"feed": "established",
                                                                 "search": "test"}


def test_counts_date_range_and_spend_window(wh, write_csv):
    wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    wh.ingest("conversions", write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                                                  ["c1", "u1", "2024-05-06", "19.999999"]]))
    wh.ingest("spend", write_csv("s.csv", [["channel", "day", "amount"],
                                           ["search", "2024-05-01", "1"],
                                           ["search", "2024-05-02", "2"],
                                           ["feed", "2024-05-03", "4"]]))
    assert wh.counts() == {"channels": 2, "conversions": 1, "spend": 3, "touchpoints": 3}
    assert wh.date_range() == (datetime(2024, 5, 1, 1, 30), datetime(2024, 5, 6))
    window = wh.spend(date(2024, 5, 2), datetime(2024, 5, 3, 12))
    assert window.to_dict("list") == {"channel": ["search"], "day": [pd.Timestamp("2024-05-02")],
                                      "amount": [2.0]}
    assert wh.conn.execute("SELECT CAST(value AS VARCHAR) FROM conversions").fetchall() == [
        ("19.999999",)]


def test_activity_range_and_exact_total_spend(wh, write_csv):
    assert wh.activity_range() == (None, None)
    assert wh.total_spend() == 0.0
    wh.ingest("conversions", write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                                                  ["c1", "u1", "2024-05-06T23:30:00", "5"]]))
    wh.ingest("spend", write_csv("s.csv", [["channel", "day", "amount"],
                                           ["search", "2024-05-01", "0.1"],
                                           ["search", "2024-05-02", "0.2"],
                                           ["feed", "2024-05-03", "0.000001"]]))
    # first day with spend, last day with a conversion
    assert wh.activity_range() == (date(2024, 5, 1), date(2024, 5, 6))
    # 0.1 + 0.2 summed as DECIMAL is exactly 0.3 (as floats it would be 0.30000000000000004)
    assert wh.total_spend(date(2024, 5, 1), date(2024, 5, 3)) == 0.3
    assert wh.total_spend() == 0.300001
    assert wh.total_spend(end=date(2024, 5, 1)) == 0.0


def test_open_closes_and_read_only_refuses_ingest(tmp_path, write_csv):
    db = tmp_path / "w.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))
    with pytest.raises(RuntimeError, match="closed"):
        _ = wh.conn
    with Warehouse.open(db, read_only=True) as ro:
        assert ro.counts()["touchpoints"] == 3
        with pytest.raises(RuntimeError, match="read-only"):
            ro.ingest("touchpoints", write_csv("tp.csv", TP_ROWS))


def test_unknown_table_is_refused(wh):
    with pytest.raises(ValueError, match="unknown table"):
        wh.ingest("visitors", pd.DataFrame())  # type: ignore[arg-type]


# ----------------------------------------------------------------------- CLI
def test_cli_ingest_prints_report_and_paths_writes_csv(tmp_path, write_csv):
    from touchpath.cli import app

    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    tp = write_csv("tp.csv", TP_ROWS)
    conv = write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                               ["c1", "u1", "2024-05-03", "30"]])
    res = runner.invoke(app, ["ingest", str(tp), "--table", "touchpoints", "--db", db])
    assert res.exit_code == 0, res.output
    assert "feed" in res.output and "3" in res.output
    res = runner.invoke(app, ["ingest", str(conv), "--table", "conversions", "--db", db])
    assert res.exit_code == 0, res.output
    out = tmp_path / "paths.csv"
    res = runner.invoke(app, ["paths", "--db", db, "--lookback", "30", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    # u1: search (05-01 01:30) then feed (05-02) before c1; u2's touch is still open (censored)
    assert frame["path"].tolist() == ["search > feed"]
    assert frame["total_conversion_value"].tolist() == [30.0]


def test_cli_ingest_bad_file_exits_1_with_rows_on_stderr(tmp_path, write_csv):
    from touchpath.cli import app

    bad = write_csv("bad.csv", [TP_ROWS[0], ["e1", "u1", "yesterday", "a", "click", "1"]])
    res = CliRunner().invoke(app, ["ingest", str(bad), "--table", "touchpoints",
                                   "--db", str(tmp_path / "x.duckdb")])
    assert res.exit_code == 1
    assert "row 1" in res.stderr and "ts" in res.stderr
    assert "Traceback" not in res.output + res.stderr


def _ingest_leftovers(cur):
    """Temp views, tables, macros, variables and settings an ingest left on ``cur``."""
    views = cur.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()
    tables = cur.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    macros = cur.execute("SELECT DISTINCT function_name FROM duckdb_functions()"
                         " WHERE function_type = 'macro' AND schema_name <> 'main'"
                         " AND function_name LIKE 'tp%'").fetchall()
    variables = cur.execute("SELECT name FROM duckdb_variables()").fetchall()
    order = cur.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    return views + tables + macros + variables, order


@pytest.mark.parametrize("case", ["refused rows", "refused frame", "missing column",
                                  "ragged csv", "unreadable", "loaded", "loaded frame"])
def test_an_ingest_leaves_nothing_behind_on_its_connection(wh, write_csv, tmp_path, case):
    tp = [["event_id", "user_id", "ts", "channel"], ["e1", "u1", "2024-01-01", "a"]]
    frame = pd.DataFrame(tp[1:], columns=tp[0])
    sources = {
        "refused rows": write_csv("bad.csv", [*tp, ["e2", "u1", "soon", "a"]]),
        "refused frame": frame.assign(ts=["20260-06-01"]),
        "missing column": write_csv("cols.csv", [["event_id", "ts"], ["e1", "2024-01-01"]]),
        "ragged csv": write_csv("ragged.csv", [*tp, ["e2", "u1"]]),
        "unreadable": tmp_path / "x.parquet",
        "loaded": write_csv("ok.csv", tp),
        "loaded frame": frame,
    }
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    cur = wh.cursor()
    before = _ingest_leftovers(cur)
    source = sources[case]
    label = "DataFrame" if isinstance(source, pd.DataFrame) else str(source)
    if case.startswith("loaded"):
        assert wh._ingest(cur, "touchpoints", source, label, 20).rows_inserted == 1
    else:
        with pytest.raises(IngestError):
            wh._ingest(cur, "touchpoints", source, label, 20)
    assert _ingest_leftovers(cur) == before == ([], [(True,)])
    with pytest.raises(duckdb.CatalogException):
        cur.execute("SELECT * FROM _raw_frame")
    # the cursor is still good for the next ingest
    assert wh._ingest(cur, "touchpoints", frame.assign(event_id=["e9"]), "DataFrame",
                      20).rows_inserted == 1
    cur.close()


def test_no_view_of_an_ingested_file_is_kept_in_the_warehouse_file(tmp_path, write_csv):
    db = tmp_path / "wh.duckdb"
    tp = [["event_id", "user_id", "ts", "channel"], ["e1", "u1", "2024-01-01", "a"]]
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", write_csv("ok.csv", tp))
        with pytest.raises(IngestError):
            wh.ingest("touchpoints", write_csv("bad.csv", [*tp, ["e2", "u1", "soon", "a"]]))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal"
                           ).fetchall() == []


def test_opening_drops_the_source_view_earlier_versions_left(tmp_path, write_csv):
    db = tmp_path / "wh.duckdb"
    old = write_csv("old.csv", [["event_id", "user_id", "ts", "channel"]])
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE VIEW _raw AS SELECT * FROM read_csv('{old}')")
    with Warehouse.open(db) as wh:
        assert wh.conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal"
                               ).fetchall() == []


def test_a_csv_that_changes_between_check_and_load_loads_nothing(wh, write_csv, monkeypatch):
    import touchpath.data.warehouse as warehouse
    header = ["event_id", "user_id", "ts", "channel"]
    path = write_csv("tp.csv", [header, ["e1", "u1", "2024-01-01", "a"],
                                ["e2", "u1", "2024-01-02", "a"]])
    real_load = warehouse._load

    def load_after_an_edit(cur, table, columns, *counts):
        # Someone rewrites the file after the check pass: one record loses a field.
        write_csv("tp.csv", [header, ["e1", "u1", "2024-01-01", "a"], ["e2", "u1"],
                             ["e3", "u1", "2024-01-03", "a"]])
        return real_load(cur, table, columns, *counts)

    monkeypatch.setattr(warehouse, "_load", load_after_an_edit)
    version = wh.data_version
    with pytest.raises(IngestError, match="the file changed while it was being loaded"):
        wh.ingest("touchpoints", path)
    assert wh.counts()["touchpoints"] == 0 and wh.counts()["channels"] == 0
    assert wh.data_version == version
