"""``POST /v1/ingest/{table}`` with ``map``, the events shape and derived ids, in process
and through a real ``touchpath serve``.

The public-log fixture (tests/data/fixtures/public_log.csv) has 7 rows: 5
impressions (c2's two identical) and 2 conversions, c1 worth 4.5 and c3 12.25.
"""

from pathlib import Path

import httpx

from tests.api.conftest import COUNTS_A, touchpath_serve

PUBLIC_LOG = Path(__file__).parents[1] / "data" / "fixtures" / "public_log.csv"
ISSUE_MAP = [("map", "user_id=customer_id"), ("map", "ts=time"), ("map", "event=interaction"),
             ("map", "value=conversion_value")]


def log_file():
    return {"file": ("log.csv", PUBLIC_LOG.read_bytes(), "text/csv")}


def test_an_events_file_with_a_map_loads_into_two_tables(client, write_h):
    r = client.post("/v1/ingest/events", params=ISSUE_MAP, files=log_file(), headers=write_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["table"], body["rows_in_file"], body["rows_inserted"]) == ("events", 7, 7)
    assert body["tables"] == [
        {"table": "touchpoints", "rows": 5, "rows_inserted": 5, "rows_skipped_existing": 0},
        {"table": "conversions", "rows": 2, "rows_inserted": 2, "rows_skipped_existing": 0}]
    # the extra column of the conversion rows is kept as a segment attribute
    assert body["derived_ids"] is True and body["ignored_columns"] == []
    assert body["attributes"] == [{"name": "conversion", "scope": "conversion",
                                   "values_loaded": 2, "distinct": 1, "segmentable": True}]
    assert body["column_map"] == {"user_id": "customer_id", "ts": "time",
                                  "event": "interaction", "value": "conversion_value"}
    counts = client.get("/v1/health").json()["counts"]
    assert counts["touchpoints"] == COUNTS_A["touchpoints"] + 5
    assert counts["conversions"] == COUNTS_A["conversions"] + 2
    again = client.post("/v1/ingest/events", params=ISSUE_MAP, files=log_file(), headers=write_h)
    assert again.status_code == 200 and again.json()["rows_inserted"] == 0
    assert [t["rows_skipped_existing"] for t in again.json()["tables"]] == [5, 2]


def test_a_single_table_response_has_one_table_entry(client, write_h):
    body = b"cust,when,channel\nu9,2026-02-01T10:00:00Z,search\n"
    r = client.post("/v1/ingest/touchpoints", params=[("map", "user_id=cust"), ("map", "ts=when")],
                    files={"file": ("tp.csv", body, "text/csv")}, headers=write_h)
    assert r.status_code == 200, r.text
    assert r.json()["tables"] == [
        {"table": "touchpoints", "rows": 1, "rows_inserted": 1, "rows_skipped_existing": 0}]


def test_an_unknown_column_of_ours_is_422_before_the_file_is_read(client, write_h):
    r = client.post("/v1/ingest/events", params=[("map", "customer=customer_id")],
                    files=log_file(), headers=write_h)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("cannot map 'customer': events has no such column")
    assert client.get("/v1/health").json()["counts"] == COUNTS_A


def test_a_bad_row_names_the_users_column(client, write_h):
    body = b"cust,when,channel\nu9,2026-02-01T10:00:00Z,search\nu9,someday,search\n"
    r = client.post("/v1/ingest/touchpoints", params=[("map", "user_id=cust"), ("map", "ts=when")],
                    files={"file": ("tp.csv", body, "text/csv")}, headers=write_h)
    assert r.status_code == 422
    assert [(p["row"], p["column"], p["value"]) for p in r.json()["problems"]] == [
        (2, "when", "someday")]


def test_the_public_log_through_a_real_server(db_copy, keys, tmp_path):
    with touchpath_serve(db_copy, keys, tmp_path) as served:
        url = f"{served.base}/v1/ingest/events"
        missing_value = httpx.post(url, params=ISSUE_MAP[:3], files=log_file(),
                                   headers=keys.headers("write"), timeout=60)
        assert missing_value.status_code == 422
        assert [(p["row"], p["column"], p["reason"]) for p in missing_value.json()["problems"]] == [
            (3, "value", "conversion event 'conversion' has no value (map a value column with"
                         " --map value=...)"),
            (7, "value", "conversion event 'conversion' has no value (map a value column with"
                         " --map value=...)")]
        r = httpx.post(url, params=[*ISSUE_MAP, ("conversion_events", "conversion")],
                       files=log_file(), headers=keys.headers("write"), timeout=60)
        assert r.status_code == 200, r.text
        assert [(t["table"], t["rows_inserted"]) for t in r.json()["tables"]] == [
            ("touchpoints", 5), ("conversions", 2)]
        assert r.json()["new_channels"] == ["Facebook", "Instagram", "Online Display",
                                            "Paid Search"]
        health = httpx.get(f"{served.base}/v1/health", timeout=30).json()
        assert health["counts"]["conversions"] == COUNTS_A["conversions"] + 2
        assert health["first_day"] == "2018-07-03"


TRAFFIC = (b"user_id,ts,event,source,medium,value\n"
           b"u1,2026-01-02T10:00:00Z,session_start,google,cpc,\n"
           b"u1,2026-01-02T11:00:00Z,session_start,nowhere,nothing,\n"
           b"u1,2026-01-02T12:00:00Z,purchase,,,10\n"
           b"u2,2026-01-03T10:00:00Z,session_start,nowhere,nothing,\n")


def test_channel_rules_field_derives_channels(client, write_h):
    rules = '[[rule]]\nchannel = "Paid Search"\nmedium = "cpc"\n'
    r = client.post("/v1/ingest/events", data={"channel_rules": rules},
                    files={"file": ("t.csv", TRAFFIC, "text/csv")}, headers=write_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["channel_rules"] == "channel_rules"
    assert body["other_channel"] == [{"source": "nowhere", "medium": "nothing", "rows": 2}]
    assert body["new_channels"] == ["(other)", "Paid Search"]


def test_channel_rules_that_do_not_parse_are_422(client, write_h):
    r = client.post("/v1/ingest/events", data={"channel_rules": "[[rule]]\nsource = 'x'\n"},
                    files={"file": ("t.csv", TRAFFIC, "text/csv")}, headers=write_h)
    assert r.status_code == 422
    assert "channel_rules: rule 1" in r.json()["detail"]
    assert client.get("/v1/health").json()["counts"] == COUNTS_A


GA4 = Path(__file__).parents[1] / "data" / "fixtures" / "ga4"


def test_a_ga4_export_loads_as_events(client, write_h):
    # 5 sessions (touches) and 2 purchases, T-1001 129.99 and T-1002 45 (fixture README)
    for name in ("events.json", "events.json.gz", "events.parquet"):
        r = client.post("/v1/ingest/events", params={"format": "ga4"}, headers=write_h,
                        files={"file": (name, (GA4 / name).read_bytes(),
                                        "application/octet-stream")})
        assert r.status_code == 200, r.text
        assert r.json()["format"] == "ga4"
        assert [(t["table"], t["rows"]) for t in r.json()["tables"]] == [
            ("touchpoints", 5), ("conversions", 2)]
    counts = client.get("/v1/health").json()["counts"]
    assert counts["conversions"] == COUNTS_A["conversions"] + 2
    r = client.post("/v1/ingest/touchpoints", params={"format": "ga4"}, headers=write_h,
                    files={"file": ("e.json", (GA4 / "events.json").read_bytes(),
                                    "application/json")})
    assert r.status_code == 422


def test_a_ga4_export_says_what_it_held(client, write_h, tmp_path):
    from tests.cli.test_cli_ingest_shapes import write_small_ga4

    export = write_small_ga4(tmp_path / "events.json")
    r = client.post("/v1/ingest/events", params={"format": "ga4"}, headers=write_h,
                    files={"file": ("events.json", export.read_bytes(), "application/json")})
    assert r.status_code == 200, r.text
    assert r.json()["ga4"] == {"events_read": 6, "sessions": 2, "purchases": 1,
                               "duplicate_purchases": 1, "events_without_session": 1,
                               "revenues_rounded": 1}
    r = client.post("/v1/ingest/events", params=ISSUE_MAP, files=log_file(), headers=write_h)
    assert r.status_code == 200 and r.json()["ga4"] is None


def test_a_ga4_summary_through_a_real_server(db_copy, keys, tmp_path):
    from tests.cli.test_cli_ingest_shapes import write_small_ga4

    export = write_small_ga4(tmp_path / "events.json")
    with touchpath_serve(db_copy, keys, tmp_path) as served:
        r = httpx.post(f"{served.base}/v1/ingest/events", params={"format": "ga4"},
                       headers=keys.headers("write"), timeout=60,
                       files={"file": ("events.json", export.read_bytes(), "application/json")})
    assert r.status_code == 200, r.text
    assert r.json()["ga4"] == {"events_read": 6, "sessions": 2, "purchases": 1,
                               "duplicate_purchases": 1, "events_without_session": 1,
                               "revenues_rounded": 1}
