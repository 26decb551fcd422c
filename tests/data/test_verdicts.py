"""The ``channel_verdicts`` history in the data layer, on bare connections and warehouses."""

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from touchpath.data.verdicts import (
    VerdictRow,
    channel_status,
    record_verdicts,
    set_channel_status,
    verdict_history,
)
from touchpath.data.warehouse import Warehouse

JAN, FEB, MAR = datetime(2026, 1, 31), datetime(2026, 2, 28), datetime(2026, 3, 31)


def _bare():
    """A connection with only a ``channels`` table (no ``touchpath_meta``: no data version)."""
    conn = duckdb.connect()
    conn.execute("CREATE TABLE channels (channel VARCHAR PRIMARY KEY, status VARCHAR, "
                 "group_name VARCHAR, launched_on DATE)")
    conn.execute("INSERT INTO channels VALUES ('a', 'test', NULL, NULL), "
                 "('b', 'established', NULL, NULL)")
    return conn


def _row(channel, when, verdict="test", roi=None):
    return VerdictRow(channel, when, when.strftime("%Y-%m"), verdict, roi, 3.0, None,
                      "below_admit", "why", "rules")


def test_history_is_oldest_first_and_filters_by_channel():
    conn = _bare()
    rows = [_row("b", FEB), _row("a", MAR, "admit", 3.5), _row("a", FEB), _row("a", JAN)]
    assert record_verdicts(conn, rows) == 4
    hist = verdict_history(conn)
    # by time, then channel: Jan a; Feb a, b; Mar a
    assert list(zip(hist["channel"], hist["evaluated_at"].dt.month, strict=True)) == [
        ("a", 1), ("a", 2), ("b", 2), ("a", 3)]
    only_a = verdict_history(conn, "a")
    assert only_a["verdict"].tolist() == ["test", "test", "admit"]
    assert only_a["roi"].iloc[:2].isna().all() and only_a["roi"].iat[2] == 3.5
    assert only_a["ratio"].isna().all()  # None is stored as NULL
    assert verdict_history(conn, "nobody").empty


def test_a_failing_row_records_none_of_its_batch():
    conn = _bare()
    bad = VerdictRow("a", FEB, None, None, None, None, None, "rule", None, "rules")  # type: ignore[arg-type]
    with pytest.raises(duckdb.ConstraintException):
        record_verdicts(conn, [_row("a", JAN), bad])
    assert verdict_history(conn).empty
    assert record_verdicts(conn, []) == 0 and verdict_history(conn).empty


def test_a_status_change_on_a_bare_connection_is_recorded_without_a_version():
    conn = _bare()
    assert set_channel_status(conn, "a", "exited", "ROI below half the bar", MAR) == "test"
    assert channel_status(conn, "a") == "exited"
    hist = verdict_history(conn, "a")
    assert hist["source"].tolist() == ["user"] and hist["rule"].tolist() == ["user_action"]
    assert hist["reason"].tolist() == ["status test -> exited: ROI below half the bar"]
    assert hist["evaluated_at"].tolist() == [pd.Timestamp(MAR)]
    assert hist["period"].isna().all() and hist["roi"].isna().all()


def test_an_unknown_channel_writes_nothing():
    conn = _bare()
    assert set_channel_status(conn, "nope", "exited", "x", MAR) is None
    assert channel_status(conn, "nope") is None
    assert verdict_history(conn).empty


def test_the_current_status_writes_nothing_and_keeps_the_data_version():
    with Warehouse(":memory:") as wh:
        wh.ingest("channels", pd.DataFrame({"channel": ["a"], "status": ["test"]}))
        v0 = wh.data_version
        assert set_channel_status(wh.conn, "a", "test", "still testing", MAR) == "test"
        assert wh.data_version == v0 and verdict_history(wh.conn).empty
        assert set_channel_status(wh.conn, "a", "established", "earned it", MAR) == "test"
        assert wh.data_version == v0 + 1 and len(verdict_history(wh.conn)) == 1
        assert channel_status(wh.conn, "a") == "established"
