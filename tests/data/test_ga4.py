"""The GA4 BigQuery export reader: fixtures read by hand, formats, sessions, bad input.

The fixtures (tests/data/fixtures/ga4, README.md there) follow the published
export schema, "[GA4] BigQuery Export schema",
https://support.google.com/analytics/answer/7029846; the field names used here
are checked against that page's lists in ``test_fixture_fields_are_the_documented_ones``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from touchpath.data.ga4 import (
    GA4_COLUMNS,
    GA4Summary,
    drop_ga4_objects,
    ga4_summary,
    register_ga4_source,
)
from touchpath.data.warehouse import IngestError, IngestProblem

FIXTURES = Path(__file__).parent / "fixtures" / "ga4"

ANNA = "1843277921.1772445000"
BORIS = "602814479.1772459000"
CHEN = "97531.1772611000"

# The fixture read by hand (README.md of the fixtures): (user_id, ts, event, event_id,
# value, source, medium, campaign, referrer, ga_row).
EXPECTED = [
    (ANNA, "2026-03-02T10:00:00.000001Z", "session_start", f"ga4s:{ANNA}:1772445600", None,
     "baidu", "cpc", "spring_sale", "https://www.baidu.com/", 1),
    (ANNA, "2026-03-03T09:30:00.000000Z", "session_start", f"ga4s:{ANNA}:1772530200", None,
     "newsletter", "email", "march_news", None, 4),
    (ANNA, "2026-03-03T09:40:00.000000Z", "purchase", "T-1001", "129.99",
     None, None, None, None, 6),
    (BORIS, "2026-03-02T14:00:00.000000Z", "session_start", f"ga4s:{BORIS}:1772460000", None,
     "(direct)", "(none)", None, None, 7),
    (BORIS, "2026-03-02T14:15:00.123456Z", "purchase", "T-1002", "45",
     None, None, None, None, 9),
    (CHEN, "2026-03-04T08:00:00.000000Z", "session_start", f"ga4s:{CHEN}:1772611200", None,
     "xiaohongshu.com", "referral", None, "https://www.xiaohongshu.com/explore/123", 12),
    (CHEN, "2026-03-05T20:15:00.000000Z", "session_start", f"ga4s:{CHEN}:1772741700", None,
     "google", "cpc", None, None, 13),
]


@pytest.fixture
def cur():
    conn = duckdb.connect(":memory:")
    conn.execute("SET TimeZone = 'UTC'")
    yield conn
    conn.close()


def read(cur, path: Path, label: str = "events.json") -> list[tuple]:
    """The rows of ``_raw`` for ``path``, in the view's order."""
    register_ga4_source(cur, path, label)
    return cur.execute("SELECT * FROM _raw").fetchall()


def write_ndjson(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def ev(user: str | None = "u1", ts: object = "1772445600000000", name: str = "page_view",
       session: object = "100", **fields: object) -> dict:
    """A minimal exported event; ``params`` holds extra event parameters {key: value}."""
    params = [{"key": "ga_session_id", "value": {"int_value": session}}] if session else []
    for key, value in dict(fields.pop("params", {})).items():
        typed = "double_value" if isinstance(value, float) else "string_value"
        params.append({"key": key, "value": {typed: value}})
    record: dict = {"event_name": name, "event_params": params}
    if user is not None:
        record["user_pseudo_id"] = user
    if ts is not None:
        record["event_timestamp"] = ts
    record.update(fields)
    return record


def refused(cur, path: Path, label: str = "export.json") -> IngestError:
    with pytest.raises(IngestError) as info:
        register_ga4_source(cur, path, label)
    err = info.value
    assert err.source == label and str(err).startswith(f"{label}: refused, nothing loaded")
    # Nothing the reader made stays on the connection.
    left = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
    assert left == [(0,)]
    assert cur.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_raw'"
                       ).fetchall() == [(0,)]
    return err


# ------------------------------------------------------------------ the fixtures
def test_fixture_rows_are_the_ones_read_by_hand(cur):
    assert read(cur, FIXTURES / "events.json") == EXPECTED


def test_columns_and_types(cur):
    types = register_ga4_source(cur, FIXTURES / "events.json", "events.json")
    assert tuple(types) == GA4_COLUMNS
    assert types == {**{c: "VARCHAR" for c in GA4_COLUMNS[:-1]}, "ga_row": "BIGINT"}


@pytest.mark.parametrize("name", ["events_numbers.json", "events.json.gz", "events.parquet"])
def test_other_encodings_give_the_same_rows(cur, name):
    """INT64 as numbers, gzip and Parquet read exactly like BigQuery's JSON export."""
    assert read(cur, FIXTURES / name, name) == EXPECTED


def test_summary_counts(cur):
    register_ga4_source(cur, FIXTURES / "events.parquet", "events.parquet")
    assert ga4_summary(cur) == GA4Summary(events_read=14, sessions=5, purchases=2,
                                          duplicate_purchases=0, events_without_session=1)


def test_drop_leaves_nothing(cur):
    register_ga4_source(cur, FIXTURES / "events.json", "events.json")
    drop_ga4_objects(cur)
    assert cur.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() == [(0,)]
    assert cur.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_raw'"
                       ).fetchall() == [(0,)]
    assert cur.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE"
                       " 'tp_ga4%'").fetchall() == [(0,)]


def test_insertion_order_setting_is_restored(cur):
    cur.execute("SET preserve_insertion_order = false")
    assert read(cur, FIXTURES / "events.json") == EXPECTED
    assert cur.execute("SELECT current_setting('preserve_insertion_order')").fetchall() \
        == [(False,)]


# Documented field names: "[GA4] BigQuery Export schema",
# https://support.google.com/analytics/answer/7029846.
DOC_TOP_LEVEL = {
    "event_date", "event_timestamp", "event_name", "event_params", "event_previous_timestamp",
    "event_value_in_usd", "event_bundle_sequence_id", "event_server_timestamp_offset",
    "user_id", "user_pseudo_id", "user_properties", "user_first_touch_timestamp", "user_ltv",
    "device", "geo", "app_info", "traffic_source", "stream_id", "platform", "event_dimensions",
    "ecommerce", "items", "collected_traffic_source", "session_traffic_source_last_click",
    "privacy_info", "is_active_user", "batch_event_index", "batch_page_id", "batch_ordering_id",
    "publisher",
}
DOC_PARAM_VALUE = {"string_value", "int_value", "float_value", "double_value"}
DOC_COLLECTED = {
    "manual_campaign_id", "manual_campaign_name", "manual_source", "manual_medium",
    "manual_term", "manual_content", "manual_source_platform", "manual_creative_format",
    "manual_marketing_tactic", "gclid", "dclid", "srsltid",
}
DOC_ECOMMERCE = {
    "total_item_quantity", "purchase_revenue_in_usd", "purchase_revenue", "refund_value_in_usd",
    "refund_value", "shipping_value_in_usd", "shipping_value", "tax_value_in_usd", "tax_value",
    "unique_items", "transaction_id",
}
DOC_TRAFFIC_SOURCE = {"name", "medium", "source"}


def test_fixture_fields_are_the_documented_ones():
    records = [json.loads(line) for line in
               (FIXTURES / "events.json").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 14
    for r in records:
        assert set(r) <= DOC_TOP_LEVEL, set(r) - DOC_TOP_LEVEL
        assert set(r["traffic_source"]) == DOC_TRAFFIC_SOURCE
        for p in r["event_params"]:
            assert set(p) == {"key", "value"} and set(p["value"]) <= DOC_PARAM_VALUE
        if "collected_traffic_source" in r:
            assert set(r["collected_traffic_source"]) == DOC_COLLECTED
        if "ecommerce" in r:
            assert set(r["ecommerce"]) == DOC_ECOMMERCE
        # BigQuery's JSON export writes INT64 as strings.
        assert isinstance(r["event_timestamp"], str) and r["event_timestamp"].isdigit()
    schema = pq.read_schema(FIXTURES / "events.parquet")
    assert schema.field("event_timestamp").type == pa.int64()
    assert schema.field("event_params").type.value_type.field("value").type.num_fields == 4


def test_unknown_top_level_fields_still_read(cur, tmp_path):
    records = [json.loads(line) for line in
               (FIXTURES / "events.json").read_text(encoding="utf-8").splitlines()]
    for i, r in enumerate(records):
        r["field_added_next_year"] = {"nested": [i, {"deep": "x"}]}
        r["session_traffic_source_last_click"] = {"manual_campaign": {"source": "elsewhere"}}
    assert read(cur, write_ndjson(tmp_path / "more.json", records)) == EXPECTED


@pytest.mark.parametrize("name", ["events.ndjson", "events.jsonl", "export_000000000000"])
def test_any_file_name(cur, tmp_path, name):
    """The format is told by the content: gzip and Parquet by their first bytes."""
    target = tmp_path / name
    target.write_bytes((FIXTURES / "events.json").read_bytes())
    assert read(cur, target) == EXPECTED
    packed = tmp_path / (name + "-packed")
    packed.write_bytes((FIXTURES / "events.json.gz").read_bytes())
    assert read(cur, packed) == EXPECTED
    columnar = tmp_path / (name + "-columnar")
    columnar.write_bytes((FIXTURES / "events.parquet").read_bytes())
    assert read(cur, columnar) == EXPECTED


# ------------------------------------------------------------------ sessions
def touch_sources(cur, path: Path) -> list[tuple]:
    register_ga4_source(cur, path, path.name)
    return cur.execute("SELECT event_id, source, medium, campaign, referrer, ts, ga_row FROM _raw"
                       " WHERE event = 'session_start'").fetchall()


def test_collected_traffic_source_wins_over_parameters(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        ev(ts="2000", params={"source": "param_src", "medium": "param_med"}),
        ev(ts="1000", params={"campaign": "param_campaign"}),
        ev(ts="3000", collected_traffic_source={"manual_source": "weibo",
                                                "manual_medium": "social",
                                                "manual_campaign_name": None}),
    ])
    assert touch_sources(cur, path) == [
        ("ga4s:u1:100", "weibo", "social", None, None, "1970-01-01T00:00:00.001000Z", 2)]


def test_parameters_of_the_first_event_that_has_any(cur, tmp_path):
    """The source, medium and campaign come together from one event, the earliest with any."""
    path = write_ndjson(tmp_path / "e.json", [
        ev(ts="3000", params={"source": "late", "medium": "late", "campaign": "late"}),
        ev(ts="1000", params={"page_referrer": "https://ref.example/"}),
        ev(ts="2000", params={"medium": "email"}),
    ])
    assert touch_sources(cur, path) == [
        ("ga4s:u1:100", None, "email", None, "https://ref.example/",
         "1970-01-01T00:00:00.001000Z", 2)]


def test_gclid_alone_is_google_cpc_and_nothing_is_direct(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        ev(session="1", ts="5", collected_traffic_source={"gclid": "abc"}),
        ev(session="2", ts="6", params={"gclid": "def"}),
        ev(session="3", ts="7", collected_traffic_source=None),
    ])
    assert [r[:4] for r in touch_sources(cur, path)] == [
        ("ga4s:u1:1", "google", "cpc", None),
        ("ga4s:u1:2", "google", "cpc", None),
        ("ga4s:u1:3", "(direct)", "(none)", None),
    ]


def test_a_session_is_user_and_session_id(cur, tmp_path):
    """Two users with the same ga_session_id are two sessions; a user's sessions are apart."""
    path = write_ndjson(tmp_path / "e.json", [
        ev(user="a", session="7", ts="10"),
        ev(user="b", session="7", ts="20"),
        ev(user="a", session="8", ts="30"),
        ev(user="a", session="7", ts="40"),
    ])
    assert [(r[0], r[6]) for r in touch_sources(cur, path)] == [
        ("ga4s:a:7", 1), ("ga4s:b:7", 2), ("ga4s:a:8", 3)]
    assert ga4_summary(cur).sessions == 3


def test_events_without_session_make_no_touch_but_purchases_count(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        ev(session=None, name="user_engagement"),
        ev(session=None, name="purchase", ts="1772445600000000",
           ecommerce={"transaction_id": "T9", "purchase_revenue": 10}),
        ev(session="5", ts="1772445500000000"),
    ])
    assert read(cur, path) == [
        ("u1", "2026-03-02T10:00:00.000000Z", "purchase", "T9", "10",
         None, None, None, None, 2),
        ("u1", "2026-03-02T09:58:20.000000Z", "session_start", "ga4s:u1:5", None,
         "(direct)", "(none)", None, None, 3),
    ]
    assert ga4_summary(cur) == GA4Summary(events_read=3, sessions=1, purchases=1,
                                          duplicate_purchases=0, events_without_session=1)


# ------------------------------------------------------------------ purchases
def test_purchase_ids_revenue_and_duplicates(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        # 1: revenue from ecommerce, exponent form as plain decimal.
        ev(name="purchase", ts="100", ecommerce={"transaction_id": "A", "purchase_revenue": 1.5e2}),
        # 2: the same transaction again, later: GA4's duplicate, dropped.
        ev(name="purchase", ts="200", ecommerce={"transaction_id": "A", "purchase_revenue": 150}),
        # 3, 4: no transaction id, same user and microsecond: two purchases.
        ev(name="purchase", ts="300", ecommerce={"purchase_revenue": "0.5"}),
        ev(name="purchase", ts="300", ecommerce={"transaction_id": "(not set)",
                                                "purchase_revenue": 0}),
        # 5: no ecommerce record: revenue from the value parameter.
        ev(name="purchase", ts="400", session=None, params={"value": 19.9}),
        # 6: the money is exact to the millionth.
        ev(name="purchase", ts="500", ecommerce={"transaction_id": "B",
                                                "purchase_revenue": 1234.000001}),
    ])
    register_ga4_source(cur, path, "e.json")
    rows = cur.execute("SELECT event_id, value, ts, ga_row FROM _raw WHERE event = 'purchase'"
                       ).fetchall()
    assert rows == [
        ("A", "150", "1970-01-01T00:00:00.000100Z", 1),
        ("ga4p:u1:300", "0.5", "1970-01-01T00:00:00.000300Z", 3),
        ("ga4p:u1:300:2", "0", "1970-01-01T00:00:00.000300Z", 4),
        ("ga4p:u1:400", "19.9", "1970-01-01T00:00:00.000400Z", 5),
        ("B", "1234.000001", "1970-01-01T00:00:00.000500Z", 6),
    ]
    summary = ga4_summary(cur)
    assert (summary.purchases, summary.duplicate_purchases) == (5, 1)


def test_reading_twice_gives_the_same_ids(cur, tmp_path):
    records = [ev(name="purchase", ts="300", ecommerce={"purchase_revenue": 1}),
               ev(name="purchase", ts="300", ecommerce={"purchase_revenue": 2})]
    first = read(cur, write_ndjson(tmp_path / "a.json", records))
    drop_ga4_objects(cur)
    assert read(cur, write_ndjson(tmp_path / "b.json", records)) == first
    assert [r[3] for r in first if r[2] == "purchase"] == ["ga4p:u1:300", "ga4p:u1:300:2"]


# ------------------------------------------------------------------ bad input
def test_empty_file(cur, tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    err = refused(cur, path)
    assert err.problems == [IngestProblem(
        0, "", "the file is empty (0 bytes): expected a GA4 export, one event per line")]


def test_blank_file_has_no_events(cur, tmp_path):
    path = tmp_path / "blank.json"
    path.write_text("\n\n  \n", encoding="utf-8")
    err = refused(cur, path)
    assert err.problems == [IngestProblem(
        0, "", "no events in the file: expected a GA4 export, one event per line")]


def test_no_such_file(cur, tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.json: no such file"):
        register_ga4_source(cur, tmp_path / "gone.json", "gone.json")


def test_file_without_user_pseudo_id(cur, tmp_path):
    records = [{k: v for k, v in ev().items() if k != "user_pseudo_id"} for _ in range(3)]
    err = refused(cur, write_ndjson(tmp_path / "e.json", records))
    assert err.problems == [IngestProblem(
        0, "user_pseudo_id",
        "missing required field: no event in the file has it (is this a GA4 events_* export?)")]
    assert "row 0, column 'user_pseudo_id': missing required field" in str(err)


def test_parquet_without_user_pseudo_id_column(cur, tmp_path):
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"event_timestamp": pa.array([1, 2], pa.int64()),
                             "event_name": ["page_view", "scroll"]}), path)
    err = refused(cur, path, "e.parquet")
    assert [(p.row, p.column) for p in err.problems] == [(0, "user_pseudo_id")]


def test_records_with_null_user_or_bad_timestamp(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        ev(),
        ev(user=None),
        {**ev(), "user_pseudo_id": None},
        ev(ts=None),
        ev(ts="17724456e2x"),
        ev(ts="1772445600000000.5"),
        ev(ts=True),
        ev(name=None),
    ])
    err = refused(cur, path)
    why_user = ("missing (events of users who did not consent to analytics have none: leave "
                "them out of the export with WHERE user_pseudo_id IS NOT NULL)")
    why_ts = "not a whole number (microseconds since 1970-01-01 UTC)"
    assert err.problems == [
        IngestProblem(2, "user_pseudo_id", why_user),
        IngestProblem(3, "user_pseudo_id", why_user),
        IngestProblem(4, "event_timestamp", "missing"),
        IngestProblem(5, "event_timestamp", why_ts, "17724456e2x"),
        IngestProblem(6, "event_timestamp", why_ts, "1772445600000000.5"),
        IngestProblem(7, "event_timestamp", why_ts, "true"),
        IngestProblem(8, "event_name", "missing"),
    ]
    assert err.total == 7
    assert "row 5, column 'event_timestamp': not a whole number" in str(err)


def test_problems_are_listed_up_to_max_and_all_counted(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [ev(ts="x") for _ in range(30)])
    with pytest.raises(IngestError) as info:
        register_ga4_source(cur, path, "e.json", max_problems=3)
    assert [p.row for p in info.value.problems] == [1, 2, 3]
    assert info.value.total == 30
    assert "... and 27 more" in str(info.value)


def test_timestamp_as_whole_number_in_any_notation(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [ev(ts=1.7724456e15), ev(ts="1772445600000001")])
    assert [r[1] for r in read(cur, path)] == ["2026-03-02T10:00:00.000000Z"]


def test_invalid_json_names_the_record(cur, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(ev()) + "\n\n" + json.dumps(ev()) + "\n"
                    + '{"user_pseudo_id": "u1", "event_timestamp" 5}\n' + json.dumps(ev()) + "\n",
                    encoding="utf-8")
    err = refused(cur, path)
    (problem,) = err.problems
    assert (problem.row, problem.column) == (3, "")
    assert problem.reason.startswith("not valid JSON (expecting ':' delimiter)")
    assert problem.value == '{"user_pseudo_id": "u1", "event_timestam'


def test_invalid_json_in_gzip(cur, tmp_path):
    path = tmp_path / "e.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(ev()) + "\n{oops\n")
    (problem,) = refused(cur, path).problems
    assert problem.row == 2 and problem.reason.startswith("not valid JSON")


def test_a_json_array_is_not_an_export(cur, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([ev(), ev()], indent=2), encoding="utf-8")
    (problem,) = refused(cur, path).problems
    assert problem.row == 1
    assert problem.reason.endswith("a GA4 export has one event object per line")


def test_lines_that_are_not_objects(cur, tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(ev()) + '\n[1, 2]\n"text"\n', encoding="utf-8")
    err = refused(cur, path)
    why = "not a JSON object (each line of a GA4 export holds one event object)"
    assert err.problems == [IngestProblem(2, "", why, "[1, 2]"),
                            IngestProblem(3, "", why, '"text"')]


def test_not_utf8(cur, tmp_path):
    path = tmp_path / "e.json"
    path.write_bytes(json.dumps(ev()).encode() + b"\n" + b'{"user_pseudo_id": "\xff\xfe"}\n')
    (problem,) = refused(cur, path).problems
    assert problem.row == 2 and problem.reason.startswith("not UTF-8 text")


def test_broken_parquet(cur, tmp_path):
    path = tmp_path / "e.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 64)
    (problem,) = refused(cur, path, "e.parquet").problems
    assert problem.row == 0 and problem.reason.startswith("cannot read the Parquet file")


def test_bad_revenue(cur, tmp_path):
    path = write_ndjson(tmp_path / "e.json", [
        ev(name="purchase", ecommerce={"transaction_id": "A", "purchase_revenue": 10}),
        ev(name="purchase", ecommerce={"transaction_id": "B", "purchase_revenue": -5.5}),
        ev(name="purchase", ecommerce={"transaction_id": "C", "purchase_revenue": "ten"}),
        ev(name="purchase", ecommerce={"transaction_id": "D"}),
        ev(name="purchase", params={"value": "-1"}),
        ev(name="purchase", ecommerce={"transaction_id": "E", "purchase_revenue": 1e12}),
        # Rounded up to the millionth it reaches 12 digits: too large as well.
        ev(name="purchase", ecommerce={"transaction_id": "F",
                                       "purchase_revenue": "999999999999.9999995"}),
        # Not a purchase: its revenue is not read.
        ev(name="refund", ecommerce={"transaction_id": "A", "purchase_revenue": -10}),
    ])
    err = refused(cur, path)
    assert err.problems == [
        IngestProblem(2, "ecommerce.purchase_revenue", "negative revenue", "-5.5"),
        IngestProblem(3, "ecommerce.purchase_revenue", "not a number", "ten"),
        IngestProblem(4, "ecommerce.purchase_revenue",
                      "purchase without revenue (neither ecommerce.purchase_revenue nor the value"
                      " parameter is set)"),
        IngestProblem(5, "event_params.value", "negative revenue", "-1"),
        IngestProblem(6, "ecommerce.purchase_revenue",
                      "too large (at most 12 digits before the decimal point)",
                      "1000000000000.0"),
        IngestProblem(7, "ecommerce.purchase_revenue",
                      "too large (at most 12 digits before the decimal point)",
                      "999999999999.9999995"),
    ]


def test_float_artifact_revenues_are_rounded_to_the_millionth_and_counted(cur, tmp_path):
    """GA4 keeps purchase_revenue as FLOAT64: 29.99 arrives as 29.990000000000002.

    A revenue with more than 6 decimal places is rounded half-up on its text
    (a tie, 1.0000005, goes up to 1.000001) and counted; trailing zeros are not
    decimal places (45.0000000 is 45, not rounded).
    """
    path = tmp_path / "e.json"
    lines = [json.dumps(ev(name="purchase", ts=str(100 + i),
                           ecommerce={"transaction_id": tid, "purchase_revenue": "REV"}))
             .replace('"REV"', text)
             for i, (tid, text) in enumerate([
                 ("A", "29.990000000000002"),   # FLOAT64 artifact of 29.99
                 ("B", "1.0000005"),            # a tie at the 7th decimal: half-up
                 ("C", "0.30000000000000004"),  # 0.1 + 0.2
                 ("D", "45.0000000"),           # 7 decimals, all zero: exact, not rounded
                 ("E", "1234.000001"),          # 6 decimals: exact
                 ("E", "1234.0000014"),         # repeated transaction id: dropped, not counted
                 ("F", "\"7.1234564999\""),     # as a JSON string: rounded down
             ])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    register_ga4_source(cur, path, "e.json")
    rows = cur.execute("SELECT event_id, value FROM _raw WHERE event = 'purchase'").fetchall()
    assert rows == [("A", "29.99"), ("B", "1.000001"), ("C", "0.3"), ("D", "45"),
                    ("E", "1234.000001"), ("F", "7.123456")]
    summary = ga4_summary(cur)
    assert (summary.purchases, summary.duplicate_purchases, summary.revenues_rounded) == (6, 1, 4)


def test_importing_either_module_first_works():
    """The warehouse's ingest and this reader import each other's module."""
    for first, second in (("ga4", "warehouse"), ("warehouse", "ga4")):
        code = (f"import touchpath.data.{first}, touchpath.data.{second}; "
                "from touchpath.data.ga4 import register_ga4_source")
        subprocess.run([sys.executable, "-c", code], check=True)


def test_fixture_files_are_the_generators_output():
    """The committed files are what make_fixtures.py writes from its one list of events."""
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    strings = gen.ndjson(gen.int64_as_strings(gen.EVENTS))
    assert (FIXTURES / "events.json").read_text(encoding="utf-8") == strings
    assert (FIXTURES / "events_numbers.json").read_text(encoding="utf-8") == gen.ndjson(gen.EVENTS)
    assert gzip.decompress((FIXTURES / "events.json.gz").read_bytes()).decode() == strings
    table = pq.read_table(FIXTURES / "events.parquet")
    assert table.equals(pa.Table.from_pylist(gen.EVENTS, schema=gen.SCHEMA))
