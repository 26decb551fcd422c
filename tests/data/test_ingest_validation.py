"""Bad input is refused whole, with (row, column, reason) for each problem."""

import pandas as pd
import pytest

from data.warehouse import IngestError

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
        (0, "ts", "missing required column")]


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


def test_unreadable_csv_is_an_ingest_error(wh, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('event_id,user_id,ts,channel\ne1,u1,2024-01-01,a\n"e2,u1\n')
    err = refused(wh, "touchpoints", path)
    assert err.problems[0].row == 0


def test_missing_file_raises_file_not_found(wh, tmp_path):
    with pytest.raises(FileNotFoundError):
        wh.ingest("touchpoints", tmp_path / "nope.csv")
