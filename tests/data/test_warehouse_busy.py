"""A warehouse file another process holds: a typed error naming the file and the holder."""

import hashlib

import pandas as pd
import pytest

from touchpath.data.warehouse import (
    NotADemoWarehouseError,
    Warehouse,
    WarehouseBusyError,
    WarehouseError,
)

CHANNELS = pd.DataFrame({"channel": ["search", "email"], "status": ["established", "test"]})


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_warehouse(path):
    with Warehouse.open(path) as wh:
        wh.ingest("channels", CHANNELS)


@pytest.mark.parametrize("read_only", [False, True])
def test_opening_a_held_file_raises_busy_error_with_the_holders_pid(tmp_path, hold_file,
                                                                    read_only):
    path = tmp_path / "held.duckdb"
    make_warehouse(path)
    holder = hold_file(path)
    with pytest.raises(WarehouseBusyError) as caught:
        Warehouse(path, read_only=read_only)
    err = caught.value
    assert isinstance(err, WarehouseError)
    assert err.pid == holder.pid
    assert err.path == str(path)
    assert str(err) == (f"the warehouse {path} is in use by another process (PID {holder.pid}); "
                        "stop it, or use the HTTP API if it is `touchpath serve`")


def test_busy_error_without_a_pid_says_so(tmp_path):
    err = WarehouseBusyError(tmp_path / "x.duckdb", None)
    assert err.pid is None
    assert str(err) == (f"the warehouse {tmp_path / 'x.duckdb'} is in use by another process "
                        "(its PID is unknown); stop it, or use the HTTP API if it is "
                        "`touchpath serve`")


def test_the_file_opens_again_once_the_holder_is_gone(tmp_path, hold_file):
    from touchpath.api.testing import stop_process

    path = tmp_path / "held.duckdb"
    make_warehouse(path)
    stop_process(hold_file(path))
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.counts()["channels"] == 2


# ------------------------------------------------------------- demo warehouses
def test_replace_demo_creates_a_missing_or_empty_file_marked_as_the_demos(tmp_path):
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    for path in (tmp_path / "new.duckdb", empty):
        with Warehouse.replace_demo(path) as wh:
            assert wh.made_by_demo
            assert wh.counts() == {"channels": 0, "conversions": 0, "spend": 0, "touchpoints": 0}


def test_replace_demo_replaces_an_unchanged_demo_warehouse(tmp_path):
    path = tmp_path / "demo.duckdb"
    with Warehouse.replace_demo(path) as wh:
        wh.ingest("channels", CHANNELS)
        wh.mark_demo()
    with Warehouse.replace_demo(path) as wh:
        assert wh.counts()["channels"] == 0 and wh.made_by_demo


def test_a_warehouse_with_data_loaded_after_the_demo_is_not_replaced(tmp_path):
    path = tmp_path / "demo.duckdb"
    with Warehouse.replace_demo(path) as wh:
        wh.mark_demo()
    with Warehouse.open(path) as wh:  # the user loads their own rows into it
        wh.ingest("channels", CHANNELS)
        assert not wh.made_by_demo
    before = digest(path)
    with pytest.raises(NotADemoWarehouseError) as caught:
        Warehouse.replace_demo(path)
    assert str(path) in str(caught.value) and "changed after" in str(caught.value)
    assert digest(path) == before
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.counts()["channels"] == 2


def test_replace_demo_refuses_an_ingested_warehouse_and_leaves_it_alone(tmp_path):
    path = tmp_path / "real.duckdb"
    make_warehouse(path)
    before = digest(path)
    with pytest.raises(NotADemoWarehouseError) as caught:
        Warehouse.replace_demo(path)
    assert isinstance(caught.value, WarehouseError)
    assert str(path) in str(caught.value) and "not made by" in str(caught.value)
    assert digest(path) == before
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.counts()["channels"] == 2


def test_replace_demo_refuses_a_file_that_is_not_a_duckdb_database(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(NotADemoWarehouseError) as caught:
        Warehouse.replace_demo(path)
    assert "not a DuckDB database" in str(caught.value)
    assert path.read_text(encoding="utf-8") == "my notes\n"


def test_replace_demo_refuses_a_demo_warehouse_another_process_holds(tmp_path, hold_file):
    path = tmp_path / "demo.duckdb"
    with Warehouse.replace_demo(path) as wh:
        wh.mark_demo()
    before = digest(path)
    holder = hold_file(path)
    with pytest.raises(WarehouseBusyError) as caught:
        Warehouse.replace_demo(path)
    assert caught.value.pid == holder.pid
    assert digest(path) == before
