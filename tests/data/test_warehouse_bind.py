"""``Warehouse.bind``: a view of the warehouse over the caller's cursor, which it does not own."""

import duckdb
import pandas as pd
import pytest

from touchpath.data.journeys import build_paths
from touchpath.data.warehouse import Warehouse


@pytest.fixture
def wh():
    with Warehouse.open(":memory:") as warehouse:
        warehouse.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1"], "user_id": ["u"], "ts": ["2026-01-02"], "channel": ["search"]}))
        warehouse.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["u"], "ts": ["2026-01-03"], "value": ["25"]}))
        yield warehouse


def test_a_view_runs_its_queries_on_the_given_cursor(wh):
    cursor = wh.cursor()
    # A temporary table lives in one connection's session: only the cursor sees it.
    cursor.execute("CREATE TEMP TABLE only_on_the_cursor AS SELECT 42 AS x")
    view = wh.bind(cursor)
    assert view.conn is cursor
    assert view.conn.execute("SELECT x FROM only_on_the_cursor").fetchone() == (42,)
    with pytest.raises(duckdb.CatalogException):
        wh.conn.execute("SELECT x FROM only_on_the_cursor")
    # The same tables and settings as the warehouse it views.
    assert (view.path, view.read_only, view.ts_window) == (wh.path, wh.read_only, wh.ts_window)
    assert view.counts() == {"channels": 1, "conversions": 1, "spend": 0, "touchpoints": 1}
    assert build_paths(view).path_strings() == ["search"]
    cursor.close()


def test_a_write_through_a_view_is_the_warehouses(wh):
    cursor = wh.cursor()
    view = wh.bind(cursor)
    v0 = wh.data_version
    view.ingest("spend", pd.DataFrame({"channel": ["search"], "day": ["2026-01-02"],
                                       "amount": ["10"]}))
    assert wh.data_version == v0 + 1 and wh.total_spend() == 10.0
    cursor.close()


def test_closing_a_view_leaves_the_cursor_and_the_warehouse_open(wh):
    cursor = wh.cursor()
    with wh.bind(cursor) as view:
        assert view.data_version == wh.data_version
    assert "closed" in repr(view)
    with pytest.raises(RuntimeError, match="closed"):
        view.conn  # noqa: B018
    assert cursor.execute("SELECT count(*) FROM conversions").fetchone() == (1,)
    assert "open" in repr(wh) and wh.counts()["conversions"] == 1
    cursor.close()
