"""Bad input is refused whole, with (row, column, reason) for each problem."""

import gzip
from datetime import date, datetime

import pandas as pd
import pytest

from touchpath.data.warehouse import IngestError, Warehouse

TP_HEADER = ["event_id", "user_id", "ts", "channel"]


def good_touch(i):
    return [f"e{i}", f"u{i % 7}", f"2024-03-{1 + i % 28:02d}T10:00:00Z", "search"]


def refused(wh, table, path, **kw):
    before = (wh.counts(), wh.data_version)
    with pytest.raises(IngestError) as info:
        wh.ingest(table, path, **kw)
    assert (wh.counts(), wh.data_version) == before, "a refused file must change nothing"
    return info.value


def test_only_row_9731_bad_nothing_loaded_and_row_named(wh, write_csv):
    rows = [good_touch(i) for i in range(1, 10_001)]
    rows[9730][2] = "31/02/2024 25:00"  # data record 9,731 (header not counted)
    path = write_csv("tp.csv", [TP_HEADER, *rows])
    err = refused(wh, "touchpoints", path)
    assert err.total == 1
    assert [(p.row, p.column) for p in err.problems] == [(9731, "ts")]
    assert "unparseable timestamp" in err.problems[0].reason
    assert "row 9731, column 'ts'" in str(err)
    assert wh.counts()["touchpoints"] == 0


def test_missing_required_column_names_it(wh, write_csv):
    path = write_csv("tp.csv", [["event_id", "user_id", "channel"], ["e1", "u1", "a"]])
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "ts", "missing required column; the file has event_id, user_id, channel"
                  " (name yours with --map ts=COLUMN)")]


def test_bad_number_is_a_type_error(wh, write_csv):
    path = write_csv("tp.csv", [TP_HEADER + ["cost"], good_touch(1) + ["1.5"],
                                good_touch(2) + ["twelve"]])
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column, p.reason, p.value) for p in err.problems] == [
        (2, "cost", "not a number", "twelve")]


def test_unparseable_and_missing_timestamps(wh, write_csv):
    rows = [good_touch(1), good_touch(2), good_touch(3)]
    rows[0][2] = "2024-13-01"
    rows[2][2] = ""
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (1, "ts", "unparseable timestamp (expected ISO 8601)"),
        (3, "ts", "missing timestamp")]


def test_negative_money_refused_in_each_money_column(wh, write_csv):
    conv = write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                               ["c1", "u1", "2024-01-01", "10"],
                               ["c2", "u1", "2024-01-02", "-0.01"]])
    err = refused(wh, "conversions", conv)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(2, "value", "negative money")]
    spend = write_csv("s.csv", [["channel", "day", "amount"], ["a", "2024-01-01", "-3"]])
    err = refused(wh, "spend", spend)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(1, "amount", "negative money")]


def test_money_with_more_than_six_decimals_is_refused_not_rounded(wh, write_csv):
    conv = write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                               ["c1", "u1", "2024-01-01", "10.1234567"],
                               ["c2", "u1", "2024-01-02", "1.5000000"],  # zeros only: fine
                               ["c3", "u1", "2024-01-03", "inf"]])
    err = refused(wh, "conversions", conv)
    assert [(p.row, p.reason.split(" (")[0]) for p in err.problems] == [
        (1, "more than 6 decimal places"), (3, "not a finite number")]


def test_unknown_channel_status(wh, write_csv):
    path = write_csv("ch.csv", [["channel", "status"], ["a", "test"], ["b", "paused"]])
    err = refused(wh, "channels", path)
    assert [(p.row, p.column, p.value) for p in err.problems] == [(2, "status", "paused")]
    assert "established, test or exited" in err.problems[0].reason


def test_interaction_must_be_click_or_view(wh, write_csv):
    header = TP_HEADER + ["interaction"]
    rows = [good_touch(1) + ["Click"], good_touch(2) + ["impression"], good_touch(3) + [" VIEW "],
            good_touch(4) + [""], good_touch(5) + ["clicked"]]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [header, *rows]))
    assert err.total == 2
    assert [(p.row, p.column, p.value) for p in err.problems] == [
        (2, "interaction", "impression"), (5, "interaction", "clicked")]
    assert all(p.reason == "unknown interaction (expected click or view)"
               for p in err.problems)
    assert "row 2, column 'interaction'" in str(err)
    # the same file without the bad rows loads; values stored lower-case, blank = click
    del rows[4], rows[1]
    wh.ingest("touchpoints", write_csv("ok.csv", [header, *rows]))
    stored = wh.conn.execute(
        "SELECT event_id, interaction FROM touchpoints ORDER BY event_id").fetchall()
    assert stored == [
        ("e1", "click"), ("e3", "view"), ("e4", "click")]


def test_empty_ids_and_channel(wh, write_csv):
    rows = [good_touch(1), good_touch(2), good_touch(3)]
    rows[0][0] = "  "
    rows[1][1] = ""
    rows[2][3] = ""
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (1, "event_id", "empty event_id"), (2, "user_id", "empty user_id"),
        (3, "channel", "empty channel")]


def test_duplicate_id_within_file_names_the_later_row(wh, write_csv):
    rows = [good_touch(1), good_touch(2), good_touch(1)]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.column) for p in err.problems] == [(3, "event_id")]
    assert "first at row 1" in err.problems[0].reason


def test_duplicate_spend_day_within_file(wh, write_csv):
    path = write_csv("s.csv", [["channel", "day", "amount"], ["a", "2024-01-01", "3"],
                               ["b", "2024-01-01", "3"], ["a", "2024-01-01", "4"]])
    err = refused(wh, "spend", path)
    assert [(p.row, p.column) for p in err.problems] == [(3, "day")]


def test_spend_day_must_be_a_calendar_date(wh, write_csv):
    path = write_csv("s.csv", [["channel", "day", "amount"], ["a", "2024-01-01 00:00:00", "3"],
                               ["a", "2024-01-02T15:00:00", "3"], ["a", "Jan 3", "1"]])
    err = refused(wh, "spend", path)
    assert [(p.row, p.column) for p in err.problems] == [(2, "day"), (3, "day")]


def test_stored_key_with_different_values_is_a_conflict(wh, write_csv):
    wh.ingest("touchpoints", write_csv("a.csv", [TP_HEADER, good_touch(1)]))
    changed = good_touch(1)
    changed[3] = "email"
    err = refused(wh, "touchpoints", write_csv("b.csv", [TP_HEADER, good_touch(2), changed]))
    assert [(p.row, p.column) for p in err.problems] == [(2, "event_id")]
    assert "already stored" in err.problems[0].reason


def test_first_n_problems_listed_and_total_counted(wh, write_csv):
    rows = [good_touch(i) for i in range(40)]
    for r in rows[10:]:
        r[2] = "not a time"
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]), max_problems=5)
    assert err.total == 30
    assert [p.row for p in err.problems] == [11, 12, 13, 14, 15]
    assert "... and 25 more" in str(err)


def test_several_problems_in_one_row_are_all_listed(wh):
    frame = pd.DataFrame({"event_id": [""], "user_id": ["u"], "ts": ["soon"],
                          "channel": ["a"], "cost": ["-1"]})
    err = refused(wh, "touchpoints", frame)
    assert sorted(p.column for p in err.problems) == ["cost", "event_id", "ts"]
    assert err.total == 3


def test_unknown_extra_columns_are_reported_not_used(wh, write_csv):
    path = write_csv("tp.csv", [TP_HEADER + ["device", "Cost"], good_touch(1) + ["ios", "-5"]])
    report = wh.ingest("touchpoints", path)
    assert report.ignored_columns == ["device", "Cost"]
    assert wh.conn.execute("SELECT cost FROM touchpoints").fetchall() == [(None,)]


def test_ragged_csv_is_an_ingest_error_naming_the_row(wh, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('event_id,user_id,ts,channel\ne1,u1,2024-01-01,a\n"e2,u1\n')
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.reason) for p in err.problems] == [(2, "has 2 fields, the header has 4")]


def test_unreadable_parquet_is_an_ingest_error(wh, tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column) for p in err.problems] == [(0, "")]
    assert err.problems[0].reason.startswith("cannot read: ")


def test_missing_file_raises_file_not_found(wh, tmp_path):
    with pytest.raises(FileNotFoundError):
        wh.ingest("touchpoints", tmp_path / "nope.csv")


# ------------------------------------------------------------------ time window
WINDOW = "1990-01-01 .. 2100-01-01"


def test_timestamps_outside_the_window_are_refused_with_row_and_reason(wh, write_csv):
    stamps = ["2024-03-01T10:00:00Z",
              "20260-06-01T10:00:00",        # a five-digit year
              "294247-01-01T00:00:00",       # the largest year DuckDB accepts
              "0001-01-01T00:00:00",
              "1989-12-31T23:59:59Z",
              "2100-01-01T00:00:00Z",        # the end is not part of the window
              "1990-01-01T07:00:00+08:00",   # 1989-12-31 23:00 UTC
              "1990-01-01T00:00:00Z",        # the first instant in the window
              "2100-01-01T07:59:59+08:00"]   # 2099-12-31 23:59:59 UTC
    rows = [[f"e{i}", "u1", ts, "search"] for i, ts in enumerate(stamps, start=1)]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.column, p.reason, p.value) for p in err.problems] == [
        (row, "ts", f"timestamp {stamps[row - 1]} is outside {WINDOW}", stamps[row - 1])
        for row in (2, 3, 4, 5, 6, 7)]
    assert f"row 2, column 'ts': timestamp 20260-06-01T10:00:00 is outside {WINDOW}" in str(err)
    wh.ingest("touchpoints", write_csv("ok.csv", [TP_HEADER, rows[0], *rows[7:]]))
    assert [r[0] for r in wh.conn.execute("SELECT ts FROM touchpoints ORDER BY ts").fetchall()] == [
        datetime(1990, 1, 1), datetime(2024, 3, 1, 10), datetime(2099, 12, 31, 23, 59, 59)]


def test_dates_outside_the_window_are_refused_in_every_table(wh, write_csv):
    conv = write_csv("c.csv", [["conversion_id", "user_id", "ts", "value"],
                               ["c1", "u1", "2024-01-01", "10"],
                               ["c2", "u1", "20260-06-01", "10"]])
    err = refused(wh, "conversions", conv)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (2, "ts", f"timestamp 20260-06-01 is outside {WINDOW}")]
    spend = write_csv("s.csv", [["channel", "day", "amount"], ["a", "1989-12-31", "1"],
                                ["a", "2099-12-31", "1"], ["a", "2100-01-01", "1"]])
    err = refused(wh, "spend", spend)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (1, "day", f"date 1989-12-31 is outside {WINDOW}"),
        (3, "day", f"date 2100-01-01 is outside {WINDOW}")]
    channels = write_csv("ch.csv", [["channel", "status", "launched_on"],
                                    ["a", "test", "0001-01-01"], ["b", "test", "2024-02-01"]])
    err = refused(wh, "channels", channels)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (1, "launched_on", f"date 0001-01-01 is outside {WINDOW}")]


def test_native_timestamps_outside_the_window_are_refused(wh, tmp_path):
    # Typed timestamps skip text parsing; they are checked against the window all the same.
    ts = pd.array(["2024-01-01T00:00:00", "0001-01-01T00:00:00", "3000-01-01T00:00:00"],
                  dtype="datetime64[s]")
    frame = pd.DataFrame({"event_id": ["a", "b", "c"], "user_id": "u", "channel": "x", "ts": ts})
    err = refused(wh, "touchpoints", frame)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (2, "ts", f"timestamp 0001-01-01 00:00:00 is outside {WINDOW}"),
        (3, "ts", f"timestamp 3000-01-01 00:00:00 is outside {WINDOW}")]
    local = pd.array(["2024-01-01T12:00:00", "2100-01-01T03:00:00", "2100-01-01T06:00:00"],
                     dtype="datetime64[us]")
    zoned = pd.DataFrame({"conversion_id": ["c1", "c2", "c3"], "user_id": "u",
                          "value": ["1", "2", "3"],
                          "ts": pd.Series(local).dt.tz_localize("Asia/Karachi")})  # UTC+05:00
    zoned.to_parquet(tmp_path / "c.parquet")
    err = refused(wh, "conversions", tmp_path / "c.parquet")
    # Only UTC counts: 03:00 at UTC+05:00 is 2099-12-31 22:00 UTC (inside), 06:00 is not.
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (3, "ts", f"timestamp 2100-01-01 01:00:00 is outside {WINDOW}")]
    zoned.iloc[:2].to_parquet(tmp_path / "ok.parquet")
    assert wh.ingest("conversions", tmp_path / "ok.parquet").rows_inserted == 2
    assert wh.conn.execute("SELECT max(ts) FROM conversions").fetchall() == [
        (datetime(2099, 12, 31, 22),)]


def test_the_time_window_is_a_warehouse_parameter(write_csv):
    rows = [TP_HEADER, ["e1", "u", "2020-06-01T00:00:00Z", "a"],
            ["e2", "u", "2024-03-01T00:00:00Z", "a"], ["e3", "u", "1995-01-01", "a"]]
    with Warehouse.open(":memory:", ts_window=(date(2020, 1, 1), date(2021, 1, 1))) as narrow:
        err = refused(narrow, "touchpoints", write_csv("tp.csv", rows))
        assert [(p.row, p.reason) for p in err.problems] == [
            (2, "timestamp 2024-03-01T00:00:00Z is outside 2020-01-01 .. 2021-01-01"),
            (3, "timestamp 1995-01-01 is outside 2020-01-01 .. 2021-01-01")]
        assert narrow.ingest("touchpoints", write_csv("ok.csv", rows[:2])).rows_inserted == 1
    with Warehouse.open(":memory:", ts_window=(date(1900, 1, 1), date(3000, 1, 1))) as wide:
        assert wide.ingest("touchpoints", write_csv("all.csv", rows)).rows_inserted == 3


@pytest.mark.parametrize("window", [(date(2021, 1, 1), date(2020, 1, 1)),
                                    (date(2020, 1, 1), date(2020, 1, 1)),
                                    ("1990-01-01", "2100-01-01"), (date(1990, 1, 1),)])
def test_a_bad_time_window_is_refused(window):
    with pytest.raises((ValueError, TypeError), match="ts_window must (be|start before)"):
        Warehouse(":memory:", ts_window=window)


# --------------------------------------------------------------- ISO 8601 basic
def test_iso_8601_basic_form_is_read_like_the_extended_form(wh, write_csv):
    stamps = {"b1": "20260601T100000Z", "b2": "20260601T100000", "b3": "20260601T100000+0800",
              "b4": "20260601", "b5": "20260601T1000", "b6": "20260601T100000.25-0130",
              "x1": "2026-06-01T10:00:00Z"}
    rows = [[k, "u", ts, "a"] for k, ts in stamps.items()]
    wh.ingest("touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    got = dict(wh.conn.execute("SELECT event_id, ts FROM touchpoints").fetchall())
    assert got == {"b1": datetime(2026, 6, 1, 10), "b2": datetime(2026, 6, 1, 10),
                   "b3": datetime(2026, 6, 1, 2), "b4": datetime(2026, 6, 1),
                   "b5": datetime(2026, 6, 1, 10),
                   "b6": datetime(2026, 6, 1, 11, 30, 0, 250_000),
                   "x1": datetime(2026, 6, 1, 10)}
    wh.ingest("spend", write_csv("s.csv", [["channel", "day", "amount"], ["a", "20260601", "1"],
                                           ["a", "20260602T000000Z", "1"]]))
    wh.ingest("channels", write_csv("ch.csv", [["channel", "status", "launched_on"],
                                               ["a", "test", "20260515"]]))
    assert wh.conn.execute("SELECT day FROM spend ORDER BY day").fetchall() == [
        (date(2026, 6, 1),), (date(2026, 6, 2),)]
    assert wh.conn.execute("SELECT launched_on FROM channels").fetchall() == [
        (date(2026, 5, 15),)]


def test_malformed_basic_form_is_refused(wh, write_csv):
    bad = ["2026061T100000", "20261301", "20260601T250000", "20260601T10", "202606011000",
           "20260601 100000", "20260601T100000+08"]
    rows = [[f"e{i}", "u", ts, "a"] for i, ts in enumerate(bad, start=1)]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.reason) for p in err.problems[:6]] == [
        (i, "unparseable timestamp (expected ISO 8601)") for i in range(1, 7)]
    # +hh (without minutes) is a valid ISO 8601 offset: only the first six are bad
    assert err.total == 6
    err = refused(wh, "spend", write_csv("s.csv", [["channel", "day", "amount"],
                                                  ["a", "20260631", "1"],
                                                  ["a", "20260601T100000", "1"]]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (1, "day", "not a calendar date (expected YYYY-MM-DD)"),
        (2, "day", "not a calendar date (expected YYYY-MM-DD)")]


# --------------------------------------------------------- the path separator
SEP_REASON = ("channel name contains '>', the path separator"
              " (channels in a path are joined by ' > ')")


def test_channel_names_holding_the_path_separator_are_refused(wh, write_csv):
    rows = [good_touch(1), good_touch(2), good_touch(3), good_touch(4)]
    rows[1][3] = "search > email"
    rows[2][3] = "search>email"
    rows[3][3] = "a > b > c"
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP_HEADER, *rows]))
    assert [(p.row, p.column, p.reason, p.value) for p in err.problems] == [
        (2, "channel", SEP_REASON, "search > email"), (3, "channel", SEP_REASON, "search>email"),
        (4, "channel", SEP_REASON, "a > b > c")]
    err = refused(wh, "spend", write_csv("s.csv", [["channel", "day", "amount"],
                                                  ["ok", "2024-01-01", "1"],
                                                  ["x > y", "2024-01-01", "1"]]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(2, "channel", SEP_REASON)]
    err = refused(wh, "channels", write_csv("ch.csv", [["channel", "status"], ["p > q", "test"]]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(1, "channel", SEP_REASON)]
    frame = pd.DataFrame({"event_id": ["f1"], "user_id": ["u"], "ts": ["2024-01-01"],
                          "channel": [" feed > search "]})
    err = refused(wh, "touchpoints", frame)
    assert [(p.row, p.column) for p in err.problems] == [(1, "channel")]
    assert wh.counts() == {"channels": 0, "conversions": 0, "spend": 0, "touchpoints": 0}


# ----------------------------------------------------------- CSV structure
TP5 = ["event_id", "user_id", "ts", "channel", "campaign"]


def test_a_short_row_is_named_with_its_field_count(wh, write_csv):
    rows = [good_touch(i) + ["brand"] for i in range(1, 9)]
    rows[6] = rows[6][:3]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP5, *rows]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (7, "", "has 3 fields, the header has 5")]
    assert err.total == 1
    assert "  row 7: has 3 fields, the header has 5 (got 'e7,u0,2024-03-08T10:00:00Z')" in str(err)


def test_a_long_row_is_named_with_its_field_count(wh, write_csv):
    rows = [good_touch(i) + ["brand"] for i in range(1, 5)]
    rows[1] = rows[1] + ["extra", "more"]
    rows[3] = rows[3] + ["x"]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP5, *rows]))
    assert [(p.row, p.reason) for p in err.problems] == [
        (2, "has 7 fields, the header has 5"), (4, "has 6 fields, the header has 5")]


def test_ragged_rows_count_records_not_lines_and_keep_the_delimiter(wh, tmp_path):
    path = tmp_path / "tp.csv"
    path.write_text("event_id;user_id;ts;channel;campaign\n"
                    'e1;u1;2024-01-01;a;"spring\nsale"\n'   # record 1 spans two lines
                    "e2;u1;2024-01-01;a;x\n"
                    "e3;u1;2024-01-01\n"                     # record 3, line 5
                    "e4;u1;2024-01-01;a;x\n")
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.reason) for p in err.problems] == [(3, "has 3 fields, the header has 5")]


def test_a_bad_row_deep_in_a_large_file_is_named(wh, write_csv):
    rows = [good_touch(i) + ["brand"] for i in range(1, 200_001)]
    for i in range(0, 200_000, 997):
        rows[i][4] = "two\nlines"  # quoted newlines all through the file
    rows[181_234] = rows[181_234][:4]
    err = refused(wh, "touchpoints", write_csv("tp.csv", [TP5, *rows]))
    assert [(p.row, p.reason) for p in err.problems] == [
        (181_235, "has 4 fields, the header has 5")]


def test_a_file_that_is_not_utf8_names_the_row(wh, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("event_id,user_id,ts,channel\ne1,u1,2024-01-01,a\n"
                     "e2,u1,2024-01-01,café\n".encode("latin-1"))
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column) for p in err.problems] == [(2, "channel")]
    assert err.problems[0].reason == (
        "not UTF-8 text (invalid byte sequence); save the file as UTF-8")
    header = tmp_path / "header.csv"
    header.write_bytes("event_id,user_id,ts,chännel\ne1,u1,2024-01-01,a\n".encode("latin-1"))
    err = refused(wh, "touchpoints", header)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "", "not UTF-8 text (invalid byte sequence in the header line);"
                " save the file as UTF-8")]


def test_an_empty_file_says_so_and_a_header_only_file_is_a_noop(wh, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    err = refused(wh, "touchpoints", empty)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "", "the file is empty (0 bytes): expected a header line with columns"
                " user_id, ts, channel (or source, medium, campaign, referrer to derive it"
                " from) (optional: event_id, interaction, cost)")]
    header_only = tmp_path / "header.csv"
    header_only.write_text("channel,day,amount\n")
    version = wh.data_version
    report = wh.ingest("spend", header_only)
    assert (report.rows_in_file, report.rows_inserted) == (0, 0)
    assert wh.data_version == version and wh.counts()["spend"] == 0


def test_a_file_without_any_required_column_gets_one_plain_problem(wh, tmp_path):
    no_header = tmp_path / "rows.csv"
    no_header.write_text("e1,u1,2024-01-01,a\ne2,u1,2024-01-02,a\n")
    err = refused(wh, "touchpoints", no_header)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "", "no required column in the header line (found e1, u1, 2024-01-01, a):"
                " expected a header line with columns user_id, ts, channel (or source, medium,"
                " campaign, referrer to derive it from) (optional: event_id, interaction, cost)")]
    empty_gz = tmp_path / "empty.csv.gz"
    empty_gz.write_bytes(gzip.compress(b""))
    err = refused(wh, "spend", empty_gz)
    assert [(p.row, p.column) for p in err.problems] == [(0, "")]
    assert err.problems[0].reason.endswith(
        "expected a header line with columns channel, day, amount")
