"""Real data in: column mapping, the events shape split into two tables, and derived ids.

Every expectation is worked out by hand from the few rows of each fixture; the
derived ids are recomputed here with hashlib from their documented form.
"""

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from touchpath.data.warehouse import (
    DEFAULT_CONVERSION_EVENTS,
    ColumnMapError,
    IngestError,
    TableLoad,
    parse_column_map,
    parse_conversion_events,
)


def refused(wh, table, path, **kw):
    before = (wh.counts(), wh.data_version)
    with pytest.raises(IngestError) as info:
        wh.ingest(table, path, **kw)
    assert (wh.counts(), wh.data_version) == before, "a refused file must change nothing"
    return info.value


def rows(wh, sql):
    return wh.conn.execute(sql).fetchall()


def derived(*parts, n=1):
    """The documented derived id: 'd:' + 16 hex of SHA-256 of the JSON list + ':' + n."""
    text = json.dumps(list(parts), separators=(",", ":"))
    return f"d:{hashlib.sha256(text.encode()).hexdigest()[:16]}:{n}"


# ------------------------------------------------------------------- mapping
def test_mapping_reads_touchpoints_from_the_files_own_names(wh, write_csv):
    path = write_csv("tp.csv", [["id", "customer", "when", "source_channel", "extra"],
                                ["e1", "u1", "2026-01-02T10:00:00Z", "search", "x"]])
    report = wh.ingest("touchpoints", path, column_map={
        "event_id": "id", "user_id": "customer", "ts": "when", "channel": "source_channel"})
    assert rows(wh, "SELECT event_id, user_id, ts, channel FROM touchpoints") == [
        ("e1", "u1", datetime(2026, 1, 2, 10), "search")]
    assert report.ignored_columns == ["extra"] and not report.derived_ids
    assert report.column_map == {"event_id": "id", "user_id": "customer", "ts": "when",
                                 "channel": "source_channel"}


def test_mapping_reads_conversions_spend_and_channels(wh, write_csv):
    conv = write_csv("c.csv", [["order_no", "customer", "time", "revenue"],
                               ["o1", "u1", "2026-01-03", "12.50"]])
    wh.ingest("conversions", conv, column_map={
        "conversion_id": "order_no", "user_id": "customer", "ts": "time", "value": "revenue"})
    spend = write_csv("s.csv", [["medium", "date", "cost"], ["search", "2026-01-03", "7"]])
    wh.ingest("spend", spend, column_map={"channel": "medium", "day": "date", "amount": "cost"})
    chans = write_csv("ch.csv", [["name", "state"], ["search", "test"]])
    wh.ingest("channels", chans, column_map={"channel": "name", "status": "state"})
    assert rows(wh, "SELECT conversion_id, user_id, ts, value, kind FROM conversions") == [
        ("o1", "u1", datetime(2026, 1, 3), Decimal("12.5"), "purchase")]
    assert rows(wh, "SELECT channel, CAST(day AS VARCHAR), amount FROM spend") == [
        ("search", "2026-01-03", Decimal("7"))]
    assert rows(wh, "SELECT channel, status FROM channels") == [("search", "test")]


def test_an_unknown_column_of_ours_is_refused_naming_the_tables_columns(wh, write_csv):
    path = write_csv("tp.csv", [["customer", "ts", "channel"], ["u1", "2026-01-02", "a"]])
    with pytest.raises(ColumnMapError) as info:
        wh.ingest("touchpoints", path, column_map={"customer_id": "customer"})
    assert str(info.value) == (
        "cannot map 'customer_id': touchpoints has no such column (its columns are "
        "user_id, ts, channel, event_id, campaign, interaction, cost, source, medium, referrer)")
    assert wh.counts()["touchpoints"] == 0


def test_a_mapped_column_the_file_lacks_is_row_zero_naming_it(wh, write_csv):
    path = write_csv("tp.csv", [["customer", "ts", "channel"], ["u1", "2026-01-02", "a"]])
    err = refused(wh, "touchpoints", path, column_map={"user_id": "customer_id"})
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "customer_id", "not in the file (mapped to user_id); the file has customer, ts,"
                           " channel")]


def test_a_required_column_left_unmapped_is_named_with_the_hint(wh, write_csv):
    path = write_csv("log.csv", [["customer_id", "time", "channel"], ["u1", "2026-01-02", "a"]])
    err = refused(wh, "touchpoints", path, column_map={"user_id": "customer_id"})
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "ts", "missing required column; the file has customer_id, time, channel"
                  " (name yours with --map ts=COLUMN)")]


def test_a_row_problem_names_the_users_column(wh, write_csv):
    path = write_csv("log.csv", [["customer_id", "time", "channel"],
                                 ["u1", "2026-01-02", "a"], ["u1", "2026-01-03", "a"],
                                 ["u2", "yesterday", "a"], ["", "2026-01-04", "a"]])
    err = refused(wh, "touchpoints", path, column_map={"user_id": "customer_id", "ts": "time"})
    assert [(p.row, p.column, p.reason, p.value) for p in err.problems] == [
        (3, "time", "unparseable timestamp (expected ISO 8601)", "yesterday"),
        (4, "customer_id", "empty user_id", None)]
    assert "row 3, column 'time': unparseable timestamp" in str(err)


def test_odd_column_names_are_read_as_names_not_sql(wh, write_csv):
    odd = ['us"er', "t.s", "ch; DROP TABLE touchpoints; --"]
    path = write_csv("odd.csv", [odd, ["u1", "2026-01-02", "a"]])
    wh.ingest("touchpoints", path,
              column_map={"user_id": odd[0], "ts": odd[1], "channel": odd[2]})
    assert rows(wh, "SELECT user_id, channel FROM touchpoints") == [("u1", "a")]


def test_a_mapped_file_column_is_read_only_as_that_column(wh, write_csv):
    # the file's "interaction" holds event names: read as event, never as interaction
    path = write_csv("log.csv", [["customer_id", "time", "interaction", "channel"],
                                 ["u1", "2026-01-02", "impression", "a"]])
    report = wh.ingest("events", path, column_map={
        "user_id": "customer_id", "ts": "time", "event": "interaction"})
    assert rows(wh, "SELECT interaction FROM touchpoints") == [("view",)]
    assert report.ignored_columns == []


def test_parse_column_map_splits_at_the_first_equals_sign():
    assert parse_column_map(["user_id=customer_id", "ts=a=b"], "touchpoints") == {
        "user_id": "customer_id", "ts": "a=b"}
    for bad, says in [(["user_id"], "expected OURS=THEIRS"),
                      (["=x"], "expected OURS=THEIRS"),
                      (["user_id="], "expected OURS=THEIRS"),
                      (["ts=a", "ts=b"], "mapped twice"),
                      (["kind=k"], "touchpoints has no such column")]:
        with pytest.raises(ColumnMapError, match=says):
            parse_column_map(bad, "touchpoints")


def test_conversion_event_names_are_trimmed_lower_case():
    assert DEFAULT_CONVERSION_EVENTS == ("purchase", "conversion", "order")
    assert parse_conversion_events(" Purchase,ORDER ,order") == ("purchase", "order")
    with pytest.raises(ValueError, match="comma-separated"):
        parse_conversion_events("purchase,,order")


# -------------------------------------------------------------------- events
EVENTS = [
    ["event_id", "user_id", "ts", "event", "channel", "value", "campaign", "cost"],
    ["t1", "u1", "2026-01-02T10:00:00Z", "impression", "display", "", "spring", "0.10"],
    ["t2", "u1", "2026-01-02T11:00:00Z", "click", "search", "", "", "1.20"],
    ["c1", "u1", "2026-01-02T12:00:00Z", " Purchase ", "search", "30.00", "", ""],
    ["t3", "u2", "2026-01-03T09:00:00Z", "page_view", "email", "99", "", ""],
    ["c2", "u2", "2026-01-03T10:00:00Z", "order", "", "5.5", "", ""],
    ["t4", "u3", "2026-01-04T08:00:00Z", "AD_IMPRESSION", "social", "", "", ""],
]


def test_an_events_file_splits_into_touchpoints_and_conversions(wh, write_csv):
    report = wh.ingest("events", write_csv("events.csv", EVENTS))
    # 4 touches (t1, t2, t3, t4) and 2 conversions (c1 purchase, c2 order) out of 6 rows
    assert report.loads == (TableLoad("touchpoints", 4, 4, 0), TableLoad("conversions", 2, 2, 0))
    assert (report.rows_in_file, report.rows_inserted, report.rows_skipped_existing) == (6, 6, 0)
    assert report.new_channels == ["display", "email", "search", "social"]
    assert rows(wh, "SELECT event_id, channel, campaign, interaction, cost FROM touchpoints"
                    " ORDER BY event_id") == [
        ("t1", "display", "spring", "view", Decimal("0.1")),
        ("t2", "search", None, "click", Decimal("1.2")),
        ("t3", "email", None, "click", None),  # page_view is a visit, not an ad seen
        ("t4", "social", None, "view", None)]
    assert rows(wh, "SELECT conversion_id, user_id, ts, value, kind FROM conversions"
                    " ORDER BY conversion_id") == [
        ("c1", "u1", datetime(2026, 1, 2, 12), Decimal("30"), "purchase"),
        ("c2", "u2", datetime(2026, 1, 3, 10), Decimal("5.5"), "order")]
    again = wh.ingest("events", write_csv("events.csv", EVENTS))
    assert again.loads == (TableLoad("touchpoints", 4, 0, 4), TableLoad("conversions", 2, 0, 2))
    assert again.rows_inserted == 0


def test_an_interaction_column_wins_over_the_event_name(wh, write_csv):
    path = write_csv("e.csv", [["user_id", "ts", "event", "channel", "interaction"],
                               ["u1", "2026-01-02", "impression", "a", "CLICK"],
                               ["u1", "2026-01-03", "click", "a", "view"],
                               ["u1", "2026-01-04", "impression", "a", ""]])
    wh.ingest("events", path)
    assert rows(wh, "SELECT interaction FROM touchpoints ORDER BY ts") == [
        ("click",), ("view",), ("view",)]


def test_conversion_events_can_be_chosen(wh, write_csv):
    path = write_csv("e.csv", [["user_id", "ts", "event", "channel", "value"],
                               ["u1", "2026-01-02", "signup", "a", "1"],
                               ["u1", "2026-01-03", "purchase", "a", "9"]])
    report = wh.ingest("events", path, conversion_events=["SignUp"])
    assert [(load.table, load.rows) for load in report.loads] == [
        ("touchpoints", 1), ("conversions", 1)]
    assert rows(wh, "SELECT kind, value FROM conversions") == [("signup", Decimal("1"))]
    assert rows(wh, "SELECT CAST(ts AS DATE)::VARCHAR FROM touchpoints") == [("2026-01-03",)]


def test_a_conversion_event_without_value_is_refused(wh, write_csv):
    path = write_csv("e.csv", [["user_id", "ts", "event", "channel"],
                               ["u1", "2026-01-02", "click", "a"],
                               ["u1", "2026-01-03", "purchase", "a"]])
    err = refused(wh, "events", path)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (2, "value", "conversion event 'purchase' has no value (map a value column with"
                     " --map value=...)")]


def test_an_events_file_loads_all_or_nothing(wh, write_csv):
    bad = [*EVENTS, ["t5", "u3", "2026-01-05", "click", "", "", "", ""]]
    err = refused(wh, "events", write_csv("e.csv", bad))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(7, "channel", "empty channel")]
    assert wh.counts()["conversions"] == 0 and wh.counts()["touchpoints"] == 0


def test_events_need_an_event_column_and_name_an_empty_one(wh, write_csv):
    err = refused(wh, "events", write_csv("e.csv", [["user_id", "ts", "channel"],
                                                    ["u1", "2026-01-02", "a"]]))
    assert [(p.row, p.column) for p in err.problems] == [(0, "event")]
    err = refused(wh, "events", write_csv("e.csv", [["user_id", "ts", "kind", "channel"],
                                                    ["u1", "2026-01-02", "click", "a"],
                                                    ["u1", "2026-01-02", " ", "a"]]),
                  column_map={"event": "kind"})
    assert [(p.row, p.column, p.reason) for p in err.problems] == [(2, "kind", "empty event")]


def test_a_repeated_event_id_among_one_tables_rows_is_refused(wh, write_csv):
    path = write_csv("e.csv", [["event_id", "user_id", "ts", "event", "channel", "value"],
                               ["x1", "u1", "2026-01-02", "click", "a", ""],
                               ["x1", "u1", "2026-01-03", "purchase", "a", "4"],
                               ["x1", "u1", "2026-01-04", "click", "a", ""]])
    err = refused(wh, "events", path)
    # rows 1 and 3 are touches with one id; row 2 is a conversion, another table
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (3, "event_id", "duplicate event_id among the file's touches (first at row 1)")]


def test_the_public_log_example_loads(wh, write_csv):
    log = write_csv("log.csv", [
        ["customer_id", "time", "interaction", "conversion", "conversion_value", "channel"],
        ["c1", "2018-07-03T13:02:11Z", "impression", "0", "0", "Facebook"],
        ["c1", "2018-07-04T08:00:00Z", "impression", "0", "0", "Paid Search"],
        ["c1", "2018-07-05T09:30:00Z", "conversion", "1", "4.5", "Paid Search"],
        ["c2", "2018-07-06T10:00:00Z", "impression", "0", "0", "Online Display"],
        ["c2", "2018-07-06T10:00:00Z", "impression", "0", "0", "Online Display"]])
    mapping = {"user_id": "customer_id", "ts": "time", "event": "interaction",
               "value": "conversion_value"}
    report = wh.ingest("events", log, column_map=mapping)
    assert report.loads == (TableLoad("touchpoints", 4, 4, 0), TableLoad("conversions", 1, 1, 0))
    # the file's extra column on its conversion rows is kept as a segment attribute
    assert report.derived_ids and report.ignored_columns == []
    assert [(a.name, a.scope, a.distinct) for a in report.attributes] == [
        ("conversion", "conversion", 1)]
    assert rows(wh, "SELECT count(*), count(DISTINCT event_id) FROM touchpoints"
                    " WHERE user_id = 'c2'") == [(2, 2)]  # identical rows stay two
    assert rows(wh, "SELECT conversion_id, value, kind FROM conversions") == [
        (derived("conversion", "c1", "2018-07-05T09:30:00.000000Z", "4.500000", "conversion"),
         Decimal("4.5"), "conversion")]
    assert wh.ingest("events", log, column_map=mapping).rows_inserted == 0


# --------------------------------------------------------------- derived ids
TP = [["user_id", "ts", "channel", "campaign", "cost"],
      ["u1", "2026-01-02T10:00:00+02:00", "search", "brand", "1.5"],
      ["u1", "2026-01-02T08:00:00Z", "search", "brand", "1.50"],
      ["u2", "2026-01-03T12:00:00Z", "email", "", ""]]


def test_derived_ids_have_the_documented_form(wh, write_csv):
    report = wh.ingest("touchpoints", write_csv("tp.csv", TP))
    assert report.derived_ids and report.rows_inserted == 3
    # rows 1 and 2 are the same instant in UTC: identical rows, numbered 1 and 2
    same = ("touchpoint", "u1", "2026-01-02T08:00:00.000000Z", "search", "brand", "click",
            "1.500000")
    stored = rows(wh, "SELECT event_id FROM touchpoints ORDER BY event_id")
    assert [r[0] for r in stored] == sorted([
        derived(*same, n=1), derived(*same, n=2),
        derived("touchpoint", "u2", "2026-01-03T12:00:00.000000Z", "email", None, "click",
                None)])


def test_derived_ids_make_a_reingest_a_no_op_in_any_row_order(wh, write_csv):
    wh.ingest("touchpoints", write_csv("tp.csv", TP))
    version = wh.data_version
    assert wh.ingest("touchpoints", write_csv("tp.csv", TP)).rows_inserted == 0
    reordered = [TP[0], TP[3], TP[1], TP[2]]
    report = wh.ingest("touchpoints", write_csv("tp2.csv", reordered))
    assert (report.rows_inserted, report.rows_skipped_existing) == (0, 3)
    assert wh.data_version == version and wh.counts()["touchpoints"] == 3


def test_a_duplicated_row_is_one_more_row(wh, write_csv):
    wh.ingest("touchpoints", write_csv("tp.csv", TP))
    report = wh.ingest("touchpoints", write_csv("tp3.csv", [*TP, TP[3]]))
    assert (report.rows_inserted, report.rows_skipped_existing) == (1, 3)
    assert rows(wh, "SELECT count(*) FROM touchpoints WHERE user_id = 'u2'") == [(2,)]


def test_csv_and_parquet_of_the_same_data_get_the_same_ids(wh, write_csv, tmp_path):
    wh.ingest("touchpoints", write_csv("tp.csv", TP))
    frame = pd.DataFrame({
        "user_id": ["u1", "u1", "u2"],
        "ts": pd.to_datetime(["2026-01-02T08:00:00Z", "2026-01-02T08:00:00Z",
                              "2026-01-03T12:00:00Z"], utc=True),
        "channel": ["search", "search", "email"],
        "campaign": ["brand", "brand", None],
        "cost": [1.5, 1.5, None],
    })
    frame.to_parquet(tmp_path / "tp.parquet")
    report = wh.ingest("touchpoints", tmp_path / "tp.parquet")
    assert (report.rows_inserted, report.rows_skipped_existing) == (0, 3)


def test_conversions_get_derived_ids_too(wh, write_csv):
    path = write_csv("c.csv", [["user_id", "ts", "value", "kind"],
                               ["u1", "2026-01-02", "10", "Lead"]])
    assert wh.ingest("conversions", path).rows_inserted == 1
    assert rows(wh, "SELECT conversion_id FROM conversions") == [
        (derived("conversion", "u1", "2026-01-02T00:00:00.000000Z", "10.000000", "Lead"),)]
    assert wh.ingest("conversions", path).rows_inserted == 0


def test_a_touch_has_the_same_derived_id_from_an_events_file(wh, write_csv):
    wh.ingest("events", write_csv("e.csv", [["user_id", "ts", "event", "channel"],
                                            ["u2", "2026-01-03T12:00:00Z", "click", "email"]]))
    report = wh.ingest("touchpoints", write_csv("tp.csv", [TP[0], TP[3]]))
    assert (report.rows_inserted, report.rows_skipped_existing) == (0, 1)


def test_rows_are_named_by_file_row_with_derived_ids(wh, write_csv):
    same = ["u1", "2026-01-02", "a", "", ""]
    path = write_csv("tp.csv", [TP[0], same, same, same, ["u1", "never", "a", "", ""], same])
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column) for p in err.problems] == [(4, "ts")]


def test_a_given_id_column_with_a_blank_cell_is_still_refused(wh, write_csv):
    path = write_csv("tp.csv", [["event_id", "user_id", "ts", "channel"],
                                ["e1", "u1", "2026-01-02", "a"], ["", "u1", "2026-01-03", "a"]])
    err = refused(wh, "touchpoints", path)
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (2, "event_id", "empty event_id")]


# ------------------------------------------------------------ derived channels
RULES = """
[[rule]]
channel = "Paid Search"
source = "google|baidu"
medium = "cpc"

[[rule]]
channel = "Email"
medium = "e-?mail"
"""

TRAFFIC = [["user_id", "ts", "event", "source", "medium", "value"],
           ["u1", "2026-01-02T10:00:00Z", "session_start", "Baidu", "CPC", ""],
           ["u1", "2026-01-02T11:00:00Z", "session_start", "nowhere", "nothing", ""],
           ["u1", "2026-01-02T12:00:00Z", "purchase", "", "", "10"],
           ["u2", "2026-01-03T10:00:00Z", "session_start", "nowhere", "nothing", ""],
           ["u2", "2026-01-03T11:00:00Z", "session_start", "news", "email", ""],
           ["u3", "2026-01-03T11:00:00Z", "session_start", "", "", ""]]


def test_channels_are_derived_by_the_rules_when_the_file_has_none(wh, write_csv):
    from touchpath.data.channel_rules import ChannelRules
    from touchpath.data.warehouse import OtherTraffic

    rules = ChannelRules.parse(RULES, "rules.toml")
    report = wh.ingest("events", write_csv("t.csv", TRAFFIC), channel_rules=rules)
    assert report.loads == (TableLoad("touchpoints", 5, 5, 0), TableLoad("conversions", 1, 1, 0))
    assert report.channel_rules == "rules.toml"
    # nowhere/nothing twice, then the row with neither: largest first
    assert report.other_channel == (OtherTraffic("nowhere", "nothing", 2),
                                    OtherTraffic(None, None, 1))
    assert rows(wh, "SELECT user_id, channel FROM touchpoints ORDER BY ts, user_id") == [
        ("u1", "Paid Search"), ("u1", "(other)"), ("u2", "(other)"), ("u2", "Email"),
        ("u3", "(other)")]
    assert report.new_channels == ["(other)", "Email", "Paid Search"]
    assert wh.ingest("events", write_csv("t.csv", TRAFFIC), channel_rules=rules).rows_inserted == 0


def test_the_built_in_rules_apply_by_default(wh, write_csv):
    from touchpath.data.channel_rules import ChannelRules

    report = wh.ingest("touchpoints", write_csv("t.csv", [
        ["user_id", "ts", "source", "medium"], ["u1", "2026-01-02", "baidu", "cpc"],
        ["u1", "2026-01-03", "google", "organic"]]))
    assert report.channel_rules == "built-in defaults"
    default = ChannelRules.default()
    assert rows(wh, "SELECT channel FROM touchpoints ORDER BY ts") == [
        (default.match("baidu", "cpc"),), (default.match("google", "organic"),)]


def test_other_rules_for_stored_touches_are_refused_not_duplicated(wh, write_csv):
    from touchpath.data.channel_rules import ChannelRules

    path = write_csv("t.csv", TRAFFIC)
    wh.ingest("events", path, channel_rules=ChannelRules.parse(RULES, "rules.toml"))
    catch_all = ChannelRules.parse('[[rule]]\nchannel = "Any"\nsource = ".*"\n', "all.toml")
    err = refused(wh, "events", path, channel_rules=catch_all)
    # every touch changes channel under the catch-all rule: same derived id, other values
    assert [(p.row, p.reason) for p in err.problems] == [
        (r, "event_id already stored in touchpoints with different values")
        for r in (1, 2, 4, 5, 6)]


def test_a_file_with_nothing_to_derive_a_channel_from_is_refused(wh, write_csv):
    err = refused(wh, "events", write_csv("t.csv", [["user_id", "ts", "event"],
                                                    ["u1", "2026-01-02", "click"]]))
    assert [(p.row, p.column, p.reason) for p in err.problems] == [
        (0, "channel", "missing column, and no source, medium, campaign or referrer column to"
                       " derive it from by channel rules; the file has user_id, ts, event"
                       " (name yours with --map channel=COLUMN)")]


def test_rows_keep_their_numbers_when_channels_are_derived(wh, write_csv):
    bad = [row[:] for row in TRAFFIC]
    bad[5][1] = "not a time"
    err = refused(wh, "events", write_csv("t.csv", bad))
    assert [(p.row, p.column) for p in err.problems] == [(5, "ts")]


# ------------------------------------------------------------------------ GA4
GA4 = Path(__file__).parent / "fixtures" / "ga4"


def test_a_ga4_export_is_ingested_as_events_in_every_export_form(wh):
    # fixture README: 5 sessions (touches), purchases T-1001 129.99 and T-1002 45
    first = wh.ingest("events", GA4 / "events.json", format="ga4")
    assert first.loads == (TableLoad("touchpoints", 5, 5, 0), TableLoad("conversions", 2, 2, 0))
    assert first.channel_rules == "built-in defaults" and first.ignored_columns == []
    for name in ("events_numbers.json", "events.json.gz", "events.parquet"):
        report = wh.ingest("events", GA4 / name, format="ga4")
        assert report.rows_inserted == 0 and report.rows_skipped_existing == 7, name
    assert rows(wh, "SELECT conversion_id, value FROM conversions ORDER BY 1") == [
        ("T-1001", Decimal("129.99")), ("T-1002", Decimal("45"))]


def test_a_ga4_row_problem_names_the_exports_record(wh, tmp_path):
    records = [json.loads(line) for line in (GA4 / "events.json").read_text().splitlines()]
    records[12]["event_timestamp"] = "315532800000000"  # record 13: 1980-01-01, before 1990
    path = tmp_path / "events.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    err = refused(wh, "events", path, format="ga4")
    assert [(p.row, p.column) for p in err.problems] == [(13, "ts")]
    assert "is outside 1990-01-01 .. 2100-01-01" in err.problems[0].reason


def test_format_ga4_is_for_the_events_table_only(wh):
    with pytest.raises(ValueError, match="format 'ga4'"):
        wh.ingest("touchpoints", GA4 / "events.json", format="ga4")
    with pytest.raises(ValueError, match="format 'ga4'"):
        wh.ingest("events", GA4 / "events.json", format="ga4", column_map={"ts": "x"})
