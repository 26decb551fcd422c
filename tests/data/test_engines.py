"""The engines (DuckDB over Parquet, Spark) against a hand-worked path table and the warehouse.

One partitioned Parquet dataset (hive partitions by day, several part files)
holds one user per edge case; the data ends at 2024-03-01 00:00 (user h's
touch). All times UTC; ``L`` is the lookback in days.

- a: same-instant touches ordered by event id (a-1 email, a-2 search at
  01-10 10:00), a view (display 01-11), conversion 01-12 worth 10.10.
- b: search 01-05, two conversions at 01-06 12:00: cb-1 (7) takes the touch,
  cb-2 (5) is direct and not a first purchase.
- c: a conversion with no touch at all (2.50): direct, first purchase.
- d: a repeat run email 01-14 00:00, email 01-15, search 01-16, search
  01-16 12:00, conversion 01-17 00:00 worth 20 (01-14 00:00 is exactly
  3 days before: inside the window of L=3).
- e: display 01-01 (older than the window), search 01-20, email 02-01,
  social 02-03, search 02-04, conversion 02-05 worth 100.000001.
- f: email 02-09, conversion 02-10 worth 4, then a trailing search 02-25
  (click) and display 02-26 (view): open at the end of the data for L=30
  (02-26 + 30 days > 03-01), closed for L=3.
- g: trailing social 01-01, email 01-25, never converting (closed: 01-25 +
  30 days = 02-24).
- h: a trailing search at 03-01 00:00, the end of the data: always open.
- i: a display view 01-08, conversion 01-09 worth 1.5: direct under the
  click filter.
"""

import itertools
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from touchpath.data.engines import (
    EngineError,
    SparkMissingError,
    engine_sql,
    paths_duckdb,
    paths_spark,
    paths_warehouse,
)
from touchpath.data.journeys import JourneyOptions, build_paths, build_paths_by_period
from touchpath.data.warehouse import Warehouse

TOUCHES = [
    # event_id, user_id, ts, channel, interaction
    ("a-2", "a", "2024-01-10 10:00:00", "search", "click"),
    ("a-1", "a", "2024-01-10 10:00:00", "email", "click"),
    ("a-3", "a", "2024-01-11 09:00:00", "display", "view"),
    ("b-1", "b", "2024-01-05 00:00:00", "search", "click"),
    ("d-1", "d", "2024-01-14 00:00:00", "email", "click"),
    ("d-2", "d", "2024-01-15 00:00:00", "email", "click"),
    ("d-3", "d", "2024-01-16 00:00:00", "search", "click"),
    ("d-4", "d", "2024-01-16 12:00:00", "search", "click"),
    ("e-1", "e", "2024-01-01 00:00:00", "display", "click"),
    ("e-2", "e", "2024-01-20 00:00:00", "search", "click"),
    ("e-3", "e", "2024-02-01 00:00:00", "email", "click"),
    ("e-4", "e", "2024-02-03 00:00:00", "social", "click"),
    ("e-5", "e", "2024-02-04 00:00:00", "search", "click"),
    ("f-1", "f", "2024-02-09 00:00:00", "email", "click"),
    ("f-2", "f", "2024-02-25 00:00:00", "search", "click"),
    ("f-3", "f", "2024-02-26 00:00:00", "display", "view"),
    ("g-1", "g", "2024-01-01 00:00:00", "social", "click"),
    ("g-2", "g", "2024-01-25 00:00:00", "email", "click"),
    ("h-1", "h", "2024-03-01 00:00:00", "search", "click"),
    ("i-1", "i", "2024-01-08 00:00:00", "display", "view"),
]
CONVERSIONS = [
    # conversion_id, user_id, ts, value
    ("ca", "a", "2024-01-12 00:00:00", "10.10"),
    ("cb-2", "b", "2024-01-06 12:00:00", "5"),
    ("cb-1", "b", "2024-01-06 12:00:00", "7"),
    ("cc", "c", "2024-01-20 00:00:00", "2.50"),
    ("cd", "d", "2024-01-17 00:00:00", "20"),
    ("ce", "e", "2024-02-05 00:00:00", "100.000001"),
    ("cf", "f", "2024-02-10 00:00:00", "4"),
    ("ci", "i", "2024-01-09 00:00:00", "1.5"),
]

LOOKBACKS = (30, 3)
GRID = list(itertools.product(LOOKBACKS, (False, True), ("all", "click"), (None, 2),
                              (True, False)))
GRID_IDS = [f"L{lb}-{'collapse' if c else 'keep'}-{i}-max{m}-{'censor' if z else 'nocensor'}"
            for lb, c, i, m, z in GRID]


def expected(lookback, collapse, interaction, max_len, censor):
    """The hand-worked path table: {path tuple: [conversions, value, nulls, first]}, direct.

    Each user's journey is written out from the module docstring, case by case.
    """
    click = interaction == "click"

    def cut(path):
        return tuple(path[-max_len:]) if max_len else tuple(path)

    rows = {}
    direct = [0, Decimal(0), 0]  # conversions, value, first purchases

    def conv(path, value, first):
        if not path:
            direct[0] += 1
            direct[1] += Decimal(value)
            direct[2] += first
            return
        row = rows.setdefault(cut(path), [0, Decimal(0), 0, 0])
        row[0] += 1
        row[1] += Decimal(value)
        row[3] += first

    def null(path):
        rows.setdefault(cut(path), [0, Decimal(0), 0, 0])[2] += 1

    # a: event-id order at one instant; the view only without the click filter
    conv(["email", "search"] + ([] if click else ["display"]), "10.10", 1)
    # b: the first of two same-instant conversions takes the touch, the other is direct
    conv(["search"], "7", 1)
    conv([], "5", 0)
    # c: direct
    conv([], "2.50", 1)
    # d: the repeat run (01-14 00:00 is inside a 3-day window: the bound is inclusive)
    conv(["email", "search"] if collapse else ["email", "email", "search", "search"], "20", 1)
    # e: display 01-01 is out of every window; a 3-day window keeps 02-03 and 02-04
    conv(["search", "email", "social", "search"] if lookback == 30 else ["social", "search"],
         "100.000001", 1)
    # f: converting email, then the trailing journey: open for L=30, closed for L=3
    conv(["email"], "4", 1)
    if not (censor and lookback == 30):
        null(["search"] if click else ["search", "display"])
    # g: closed trailing journey; a 3-day window keeps only email
    null(["social", "email"] if lookback == 30 else ["email"])
    # h: always open (its touch is the end of the data)
    if not censor:
        null(["search"])
    # i: its only touch is a view
    conv([] if click else ["display"], "1.5", 1)
    return rows, direct


def as_hand(result):
    """An engine's rows as the shape of :func:`expected` (every period together)."""
    rows, direct = {}, [0, Decimal(0), 0]
    for r in result.rows.to_pylist():
        if not r["path"]:
            direct[0] += r["conversions"]
            direct[1] += r["value"]
            direct[2] += r["first_conversions"]
            assert r["nulls"] == 0
            continue
        row = rows.setdefault(tuple(r["path"]), [0, Decimal(0), 0, 0])
        for k, name in enumerate(("conversions", "value", "nulls", "first_conversions")):
            row[k] += r[name]
    return rows, direct


def options_of(lookback, collapse, interaction, max_len, censor=True):
    return JourneyOptions(lookback_days=lookback, collapse_repeats=collapse,
                          interaction=interaction, max_path_length=max_len, censor=censor)


def frames():
    tp = pd.DataFrame(TOUCHES, columns=["event_id", "user_id", "ts", "channel", "interaction"])
    cv = pd.DataFrame(CONVERSIONS, columns=["conversion_id", "user_id", "ts", "value"])
    return tp, cv


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The edge cases as hive-partitioned Parquet (day=YYYY-MM-DD), several part files."""
    root = tmp_path_factory.mktemp("engines")
    tp, cv = frames()
    for name, frame in (("touchpoints", tp), ("conversions", cv)):
        table = pa.Table.from_pandas(frame.assign(
            ts=pd.to_datetime(frame["ts"]).astype("datetime64[us]"),
            day=frame["ts"].str[:10]), preserve_index=False)
        if name == "conversions":
            table = table.set_column(table.schema.get_field_index("value"), "value",
                                     pa.array([Decimal(v) for v in frame["value"]],
                                              type=pa.decimal128(18, 6)))
        pads.write_dataset(table, root / name, format="parquet",
                           partitioning=pads.partitioning(pa.schema([("day", pa.string())]),
                                                          flavor="hive"),
                           max_rows_per_file=1, max_rows_per_group=1)
    return str(root / "touchpoints"), str(root / "conversions")


@pytest.fixture(scope="module")
def warehouse():
    """The same rows ingested into a warehouse."""
    tp, cv = frames()
    with Warehouse.open(":memory:") as wh:
        wh.ingest("touchpoints", tp)
        wh.ingest("conversions", cv)
        yield wh


def test_the_dataset_has_several_part_files_in_day_partitions(dataset):
    from pathlib import Path

    parts = sorted(Path(dataset[0]).rglob("*.parquet"))
    assert len(parts) == len(TOUCHES)
    assert {p.parent.name for p in parts} >= {"day=2024-01-10", "day=2024-03-01"}


def test_the_spark_sql_is_transpiled_from_the_one_source():
    spark_sql = engine_sql("spark")
    assert "COLLECT_LIST" in spark_sql and "TRANSFORM(" in spark_sql
    assert ":lookback_days" in spark_sql and "$lookback_days" in engine_sql("duckdb")


@pytest.mark.parametrize(("lookback", "collapse", "interaction", "max_len", "censor"), GRID,
                         ids=GRID_IDS)
def test_duckdb_engine_gives_the_hand_worked_table(dataset, lookback, collapse, interaction,
                                                   max_len, censor):
    result = paths_duckdb(*dataset, options_of(lookback, collapse, interaction, max_len, censor))
    assert as_hand(result) == expected(lookback, collapse, interaction, max_len, censor)


def test_one_default_case_written_out_in_full(dataset):
    """L=30, all touches, repeats kept, censored: the table row by row, ordered by path."""
    result = paths_duckdb(*dataset, JourneyOptions(lookback_days=30))
    frame = result.paths.to_frame()
    assert frame["path"].tolist() == [
        "display", "email", "email > email > search > search", "email > search > display",
        "search", "search > email > social > search", "social > email", "(direct)"]
    assert frame["total_conversions"].tolist() == [1, 1, 1, 1, 1, 1, 0, 2]
    assert frame["total_null"].tolist() == [0, 0, 0, 0, 0, 0, 1, 0]
    assert frame["first_conversions"].tolist() == [1, 1, 1, 1, 1, 1, 0, 1]
    assert frame["total_conversion_value"].tolist() == [1.5, 4.0, 20.0, 10.1, 7.0, 100.000001,
                                                        0.0, 7.5]
    assert result.exact_value == Decimal("150.100001")




@pytest.mark.parametrize(("lookback", "collapse", "interaction", "max_len", "censor"), GRID,
                         ids=GRID_IDS)
def test_duckdb_engine_equals_the_warehouse(dataset, warehouse, lookback, collapse,
                                            interaction, max_len, censor):
    options = options_of(lookback, collapse, interaction, max_len, censor)
    want = build_paths(warehouse, options)
    got = paths_duckdb(*dataset, options)
    pd.testing.assert_frame_equal(got.paths.to_frame(), want.to_frame())
    assert got.paths.channels == want.channels
    on_warehouse = paths_warehouse(warehouse, options)
    assert on_warehouse.rows.equals(got.rows)


def test_date_range_keeps_journeys_ending_in_it(dataset, warehouse):
    # [01-10, 02-05): a (01-12), d (01-17), c (01-20), g's null (01-25); not e (02-05)
    options = JourneyOptions(start=date(2024, 1, 10), end=datetime(2024, 2, 5))
    got = paths_duckdb(*dataset, options)
    assert got.paths.to_frame()["path"].tolist() == [
        "email > email > search > search", "email > search > display", "social > email",
        "(direct)"]
    pd.testing.assert_frame_equal(got.paths.to_frame(), build_paths(warehouse, options).to_frame())


def test_monthly_tables_equal_the_warehouse_by_period(dataset, warehouse):
    got = paths_duckdb(*dataset, JourneyOptions(censor=False), period="month")
    assert list(got.periods) == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    # January: a, b (2), c, d, g's null, i; February: e, f and f's trailing null; March: h
    assert [t.totals()["conversions"] for t in got.periods.values()] == [6, 2, 0]
    assert [t.totals()["nulls"] for t in got.periods.values()] == [1, 1, 1]
    censored = paths_duckdb(*dataset, JourneyOptions(), period="month")
    assert list(censored.periods) == [date(2024, 1, 1), date(2024, 2, 1)]
    bounds = [("2024-01", date(2024, 1, 1), date(2024, 2, 1)),
              ("2024-02", date(2024, 2, 1), date(2024, 3, 1))]
    want = build_paths_by_period(warehouse, JourneyOptions(), bounds, channels="period")
    for (label, _, _), table in zip(bounds, censored.periods.values(), strict=True):
        pd.testing.assert_frame_equal(table.to_frame(), want[label].to_frame())
        assert table.channels == want[label].channels
    # the overall table of a by-period run is the plain run's
    pd.testing.assert_frame_equal(censored.paths.to_frame(),
                                  paths_duckdb(*dataset, JourneyOptions()).paths.to_frame())


def test_weeks_start_on_monday_and_quarters_on_the_first_month(dataset):
    weeks = paths_duckdb(*dataset, JourneyOptions(), period="week")
    assert all(d.weekday() == 0 for d in weeks.periods)
    # b's two conversions on Saturday 2024-01-06 fall in the week of Monday 01-01
    assert weeks.periods[date(2024, 1, 1)].totals()["conversions"] == 2
    quarters = paths_duckdb(*dataset, JourneyOptions(), period="quarter")
    assert list(quarters.periods) == [date(2024, 1, 1)]


def test_a_missing_column_names_the_dataset_and_the_column(tmp_path, dataset):
    tp, _ = frames()
    tp.drop(columns=["channel"]).to_parquet(tmp_path / "tp.parquet")
    with pytest.raises(EngineError, match=r"touchpoints \(.*tp\.parquet\): missing column "
                                          r"'channel'"):
        paths_duckdb(str(tmp_path / "tp.parquet"), dataset[1])


def test_without_interaction_every_touch_is_a_click(tmp_path, dataset):
    tp, _ = frames()
    tp.drop(columns=["interaction"]).to_parquet(tmp_path / "tp.parquet")
    got = paths_duckdb(str(tmp_path / "tp.parquet"), dataset[1],
                       JourneyOptions(interaction="click"))
    assert "email > search > display" in got.paths.to_frame()["path"].tolist()


def test_a_missing_dataset_is_named(tmp_path, dataset):
    with pytest.raises(EngineError, match=r"conversions \(.*nowhere\): no such file"):
        paths_duckdb(dataset[0], str(tmp_path / "nowhere"))


def test_a_channel_holding_the_separator_is_refused(tmp_path, dataset):
    tp, _ = frames()
    tp.loc[0, "channel"] = "paid > search"
    tp.to_parquet(tmp_path / "tp.parquet")
    with pytest.raises(EngineError, match=r"channel name 'paid > search' contains '>'"):
        paths_duckdb(str(tmp_path / "tp.parquet"), dataset[1])


def test_spark_engine_without_pyspark_says_how_to_install_it(monkeypatch, dataset):
    import sys

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(SparkMissingError, match=r"pip install 'touchpath\[spark\]'"):
        paths_spark(*dataset)


def test_the_engine_sql_equals_the_warehouse_on_the_seed_and_the_synthetic_data(
        seeded_db, synth_warehouse):
    demo = synth_warehouse(n_users=3000, seed=11)
    options = [JourneyOptions(), JourneyOptions(lookback_days=7, collapse_repeats=True),
               JourneyOptions(interaction="click", max_path_length=3)]
    for db in (seeded_db, demo):
        with Warehouse.open(db, read_only=True) as wh:
            for opts in options:
                want = build_paths(wh, opts)
                got = paths_warehouse(wh, opts)
                assert got.paths.n_paths == want.n_paths > 0
                pd.testing.assert_frame_equal(got.paths.to_frame(), want.to_frame())


# ---------------------------------------------------------------------- Spark
@pytest.mark.spark
@pytest.mark.parametrize(("lookback", "collapse", "interaction", "max_len", "censor"), GRID,
                         ids=GRID_IDS)
def test_spark_engine_equals_duckdb_and_the_hand_worked_table(spark, dataset, lookback,
                                                              collapse, interaction, max_len,
                                                              censor):
    options = options_of(lookback, collapse, interaction, max_len, censor)
    on_spark = paths_spark(*dataset, options, spark=spark)
    on_duckdb = paths_duckdb(*dataset, options)
    assert on_spark.rows.equals(on_duckdb.rows)  # paths, counts, exact decimal values
    assert as_hand(on_spark) == expected(lookback, collapse, interaction, max_len, censor)
    pd.testing.assert_frame_equal(on_spark.paths.to_frame(), on_duckdb.paths.to_frame())


@pytest.mark.spark
def test_spark_monthly_tables_and_range_equal_duckdb(spark, dataset):
    options = JourneyOptions(lookback_days=3, start=date(2024, 1, 10), end=date(2024, 3, 2),
                             censor=False)
    for period in ("month", "week"):
        on_spark = paths_spark(*dataset, options, period=period, spark=spark)
        on_duckdb = paths_duckdb(*dataset, options, period=period)
        assert on_spark.rows.equals(on_duckdb.rows)
        assert list(on_spark.periods) == list(on_duckdb.periods)
    assert list(on_spark.periods)[0] == date(2024, 1, 8)  # Monday of a's conversion week


@pytest.mark.spark
def test_spark_missing_column_names_the_dataset(spark, tmp_path, dataset):
    _, cv = frames()
    cv.drop(columns=["value"]).to_parquet(tmp_path / "cv.parquet")
    with pytest.raises(EngineError, match=r"conversions \(.*cv\.parquet\): missing column "
                                          r"'value'"):
        paths_spark(dataset[0], str(tmp_path / "cv.parquet"), spark=spark)


def test_rows_without_a_user_or_with_a_negative_value_are_refused(tmp_path, dataset):
    tp, cv = frames()
    tp.loc[[1, 4], "user_id"] = None
    tp.to_parquet(tmp_path / "tp.parquet")
    with pytest.raises(EngineError, match=r"touchpoints \(.*tp\.parquet\): 2 rows with an "
                                          r"empty user_id"):
        paths_duckdb(str(tmp_path / "tp.parquet"), dataset[1])
    cv.loc[0, "value"] = "-1"
    cv.to_parquet(tmp_path / "cv.parquet")
    with pytest.raises(EngineError, match=r"conversions \(.*cv\.parquet\): 1 rows with a "
                                          r"negative value"):
        paths_duckdb(dataset[0], str(tmp_path / "cv.parquet"))
