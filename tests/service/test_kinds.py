"""Conversion kinds: only conversions of the chosen kind close journeys (issue 15, item 4).

The warehouse, by hand (January 2024; censoring off unless said, so every
trailing journey is a null):

====  ==============================================================  =====================
user  rows in time order                                              kinds
====  ==============================================================  =====================
u1    search 01, email 02, cart c1 (50) 03, display 04, buy p1 (100) 05  cart, purchase
u2    search 02, cart c2 (30) 03                                      cart
u3    email 03, buy p3 (40) 04                                        purchase
u4    cart c4 (10) 04, no touch                                       cart (direct)
====  ==============================================================  =====================

- purchase: u1 ``search > email > display`` buys 100 (the cart cuts nothing),
  u2 ``search`` null, u3 ``email`` buys 40. Last touch: display 1 / 100,
  email 1 / 40.
- add_to_cart: u1 ``search > email`` carts 50 and ``display`` is a null,
  u2 ``search`` carts 30, u3 ``email`` null, u4 direct 10. Last touch:
  email 1 / 50, search 1 / 30, (direct) 1 / 10.
- every kind (``None``): u1 ``search > email`` (c1) and ``display`` (p1),
  u2 ``search`` (c2), u3 ``email`` (p3), u4 direct.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from touchpath import service
from touchpath.data.engines import paths_duckdb, paths_warehouse
from touchpath.data.journeys import (
    JourneyOptions,
    NoConversionsOfKind,
    build_paths,
    check_kind,
    conversion_kinds,
)
from touchpath.data.warehouse import Warehouse

TOUCHES = [
    ("e1", "u1", "2024-01-01 10:00:00", "search"),
    ("e2", "u1", "2024-01-02 10:00:00", "email"),
    ("e3", "u1", "2024-01-04 10:00:00", "display"),
    ("e4", "u2", "2024-01-02 11:00:00", "search"),
    ("e5", "u3", "2024-01-03 10:00:00", "email"),
]
CONVERSIONS = [
    ("c1", "u1", "2024-01-03 10:00:00", "50", "add_to_cart"),
    ("p1", "u1", "2024-01-05 10:00:00", "100", "purchase"),
    ("c2", "u2", "2024-01-03 11:00:00", "30", "add_to_cart"),
    ("p3", "u3", "2024-01-04 11:00:00", "40", "purchase"),
    ("c4", "u4", "2024-01-04 12:00:00", "10", "add_to_cart"),
]
SPEND = [("search", "2024-01-01", "20"), ("email", "2024-01-02", "5"),
         ("display", "2024-01-04", "40")]


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    tp = pd.DataFrame(TOUCHES, columns=["event_id", "user_id", "ts", "channel"])
    tp["interaction"] = "click"
    cv = pd.DataFrame(CONVERSIONS, columns=["conversion_id", "user_id", "ts", "value", "kind"])
    return tp, cv


@pytest.fixture
def wh():
    tp, cv = frames()
    with Warehouse.open(":memory:") as warehouse:
        warehouse.ingest("touchpoints", tp)
        warehouse.ingest("conversions", cv)
        warehouse.ingest("spend", pd.DataFrame(SPEND, columns=["channel", "day", "amount"]))
        yield warehouse


def paths_of(wh, kind, censor=False):
    table = build_paths(wh, JourneyOptions(kind=kind, censor=censor))
    frame = table.to_frame(include_direct=False)
    rows = {(r.path, int(r.total_conversions), float(r.total_conversion_value),
             int(r.total_null)) for r in frame.itertuples(index=False)}
    return rows, table.direct_conversions, table.direct_value


def test_the_default_kind_is_purchase():
    assert JourneyOptions().kind == "purchase" == service.DEFAULTS.kind
    assert service.journey_options().kind == "purchase"


def test_a_cart_does_not_close_the_purchase_journey(wh):
    rows, direct, _ = paths_of(wh, "purchase")
    # u1 keeps search and email, touched before the cart, on its purchase path
    assert rows == {("search > email > display", 1, 100.0, 0), ("email", 1, 40.0, 0),
                    ("search", 0, 0.0, 1)}
    assert direct == 0


def test_add_to_cart_journeys_by_hand(wh):
    rows, direct, direct_value = paths_of(wh, "add_to_cart")
    assert rows == {("search > email", 1, 50.0, 0), ("search", 1, 30.0, 0),
                    ("display", 0, 0.0, 1), ("email", 0, 0.0, 1)}
    assert (direct, direct_value) == (1, 10.0)


def test_every_kind_in_one_pool_is_the_old_behaviour(wh):
    rows, direct, direct_value = paths_of(wh, None)
    assert rows == {("search > email", 1, 50.0, 0), ("display", 1, 100.0, 0),
                    ("search", 1, 30.0, 0), ("email", 1, 40.0, 0)}
    assert (direct, direct_value) == (1, 10.0)


def test_add_to_cart_last_touch_attribution_by_hand(wh):
    options = service.journey_options(kind="add_to_cart", censor=False)
    credit = service.attribute(wh, "last_touch", options).to_frame().set_index("channel")
    assert credit.loc["email", "conversions"] == pytest.approx(1)
    assert credit.loc["email", "value"] == pytest.approx(50)
    assert credit.loc["search", "conversions"] == pytest.approx(1)
    assert credit.loc["search", "value"] == pytest.approx(30)
    assert credit.loc["display", "conversions"] == pytest.approx(0)
    first = service.attribute(wh, "first_touch", options).to_frame().set_index("channel")
    assert first.loc["search", "conversions"] == pytest.approx(2)
    assert first.loc["search", "value"] == pytest.approx(80)


def test_time_decay_reads_the_touches_of_the_kind(wh):
    options = service.journey_options(kind="add_to_cart", censor=False)
    credit = service.attribute(wh, "time_decay", options).to_frame().set_index("channel")
    # carts: c1 shared by search and email, c2 all search, c4 direct; display never carted
    assert credit.drop(index="(direct)")["conversions"].sum() == pytest.approx(2)
    assert credit.loc["(direct)", "conversions"] == pytest.approx(1)
    assert credit.loc["display", "conversions"] == pytest.approx(0)


def test_the_kinds_present_are_counted(wh):
    assert conversion_kinds(wh) == {"add_to_cart": 3, "purchase": 2}


def test_a_kind_without_conversions_is_refused_naming_the_kinds_present(wh):
    with pytest.raises(NoConversionsOfKind) as err:
        service.attribute(wh, "last_touch", service.journey_options(kind="conversion"))
    text = str(err.value)
    assert "no conversions of kind 'conversion'" in text
    assert "'add_to_cart' (3), 'purchase' (2)" in text
    assert "--kind" in text
    with pytest.raises(NoConversionsOfKind):
        service.roi_table(wh, "last_touch", options=service.journey_options(kind="conversion"))


def test_an_empty_warehouse_passes_the_kind_check():
    with Warehouse.open(":memory:") as empty:
        check_kind(empty, JourneyOptions())  # nothing converts, whatever the kind


@pytest.mark.parametrize("kind", ["purchase", "add_to_cart", None])
def test_roi_counts_only_the_kind_and_reconciles(wh, kind):
    options = service.journey_options(kind=kind, censor=False)
    table = service.roi_table(wh, "last_touch", options=options)
    want = {"purchase": (2, Decimal("140")), "add_to_cart": (3, Decimal("90")),
            None: (5, Decimal("230"))}[kind]
    frame = table.to_frame()
    # channel rows + (direct) = that kind's conversions and revenue
    assert frame["attributed_conversions"].sum() == pytest.approx(want[0])
    assert frame["attributed_revenue"].sum() == pytest.approx(float(want[1]))
    assert table.totals["conversions"].sum() == want[0]
    assert table.reconciles


def test_memo_keys_tell_kinds_apart(wh):
    memo = service.LocalMemo()
    carts = service.path_table(wh, service.journey_options(kind="add_to_cart"), memo=memo)
    buys = service.path_table(wh, service.journey_options(kind="purchase"), memo=memo)
    assert carts.direct_conversions == 1 and buys.direct_conversions == 0


@pytest.mark.parametrize("kind", ["purchase", "add_to_cart", None])
def test_the_engine_sql_equals_the_warehouse_per_kind(wh, kind):
    for censor in (True, False):
        options = JourneyOptions(kind=kind, censor=censor)
        got = paths_warehouse(wh, options)
        pd.testing.assert_frame_equal(got.paths.to_frame(), build_paths(wh, options).to_frame())


def _parquet(tmp_path, with_kind: bool) -> tuple[str, str]:
    tp, cv = frames()
    tp = tp.assign(ts=pd.to_datetime(tp["ts"]).astype("datetime64[us]"))
    cv = cv.assign(ts=pd.to_datetime(cv["ts"]).astype("datetime64[us]"))
    if not with_kind:
        cv = cv[cv["kind"] == "purchase"].drop(columns=["kind"])
    table = pa.Table.from_pandas(cv, preserve_index=False)
    table = table.set_column(table.schema.get_field_index("value"), "value",
                             pa.array([Decimal(v) for v in cv["value"]],
                                      type=pa.decimal128(18, 6)))
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(tp, preserve_index=False), tmp_path / "tp.parquet")
    pq.write_table(table, tmp_path / "cv.parquet")
    return str(tmp_path / "tp.parquet"), str(tmp_path / "cv.parquet")


@pytest.mark.parametrize("kind", ["purchase", "add_to_cart", None])
def test_the_duckdb_engine_reads_a_kind_column(tmp_path, wh, kind):
    options = JourneyOptions(kind=kind, censor=False)
    got = paths_duckdb(*_parquet(tmp_path, with_kind=True), options)
    pd.testing.assert_frame_equal(got.paths.to_frame(), build_paths(wh, options).to_frame())


def test_without_a_kind_column_every_conversion_is_a_purchase(tmp_path, wh):
    source = _parquet(tmp_path, with_kind=False)
    options = JourneyOptions(censor=False)
    got = paths_duckdb(*source, options)
    pd.testing.assert_frame_equal(got.paths.to_frame(), build_paths(wh, options).to_frame())
    carts = paths_duckdb(*source, dataclasses.replace(options, kind="add_to_cart"))
    assert carts.paths.total_conversions == 0 and carts.paths.direct_conversions == 0


@pytest.mark.spark
@pytest.mark.parametrize("kind", ["add_to_cart", None])
def test_the_spark_engine_equals_duckdb_per_kind(spark, tmp_path, kind):
    from touchpath.data.engines import paths_spark

    source = _parquet(tmp_path, with_kind=True)
    options = JourneyOptions(kind=kind, censor=False)
    on_spark = paths_spark(*source, options, spark=spark)
    assert on_spark.rows.equals(paths_duckdb(*source, options).rows)


@pytest.mark.spark
def test_the_spark_engine_without_a_kind_column(spark, tmp_path, wh):
    from touchpath.data.engines import paths_spark

    options = JourneyOptions(censor=False)
    got = paths_spark(*_parquet(tmp_path, with_kind=False), options, spark=spark)
    pd.testing.assert_frame_equal(got.paths.to_frame(), build_paths(wh, options).to_frame())


def test_a_blank_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        JourneyOptions(kind=" ")
