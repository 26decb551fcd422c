"""Segment attributes kept at ingest, and the path tables of each segment.

The fixture is small enough to work out by hand (times in January 2024, UTC):

====  =======================================  =========  ==========================
user  touches                                  conversion  attributes
====  =======================================  =========  ==========================
u1    search 01-01, email 01-02                c1 01-03 10  user device=mobile; c1 plan=gold
u2    search 01-05, then display 01-07         c2 01-06 20  user device=desktop; c2 plan=silver
u3    email 01-02                              --           user device=mobile
u4    search 01-08                             c3 01-04 5   no user row; c3 plan=gold
====  =======================================  =========  ==========================

Without censoring the journeys are: u1 ``search > email`` (c1), u2 ``search``
(c2), u2 ``display`` (null), u3 ``email`` (null), u4 direct (c3, no touch
before it), u4 ``search`` (null).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from touchpath.data.journeys import JourneyOptions, build_paths
from touchpath.data.segments import (
    MAX_SEGMENT_VALUES,
    NO_VALUE,
    AttributeNotSegmentable,
    UnknownAttribute,
    build_paths_by_segment,
    segment_attribute,
    segment_attributes,
)
from touchpath.data.warehouse import IngestError, Warehouse

OPTIONS = JourneyOptions(censor=False)

TOUCHES = pd.DataFrame({
    "event_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
    "user_id": ["u1", "u1", "u2", "u2", "u3", "u4"],
    "ts": ["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-07", "2024-01-02", "2024-01-08"],
    "channel": ["search", "email", "search", "display", "email", "search"],
})
CONVERSIONS = pd.DataFrame({
    "conversion_id": ["c1", "c2", "c3"],
    "user_id": ["u1", "u2", "u4"],
    "ts": ["2024-01-03", "2024-01-06", "2024-01-04"],
    "value": ["10", "20", "5"],
    "plan": ["gold", "silver", " gold "],
})
USERS = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "device": ["mobile", "desktop", "mobile"]})


@pytest.fixture
def wh():
    with Warehouse(":memory:") as w:
        w.ingest("touchpoints", TOUCHES)
        w.ingest("conversions", CONVERSIONS)
        w.ingest("users", USERS)
        yield w


def _rows(wh, sql):
    cur = wh.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


# ----------------------------------------------------------------- ingest
def test_extra_conversion_columns_are_kept_as_attributes_trimmed():
    with Warehouse(":memory:") as wh:
        report = wh.ingest("conversions", CONVERSIONS)
        assert report.ignored_columns == []
        [plan] = report.attributes
        assert (plan.name, plan.scope, plan.values_loaded, plan.distinct, plan.segmentable) == \
            ("plan", "conversion", 3, 2, True)
        assert _rows(wh, "SELECT * FROM conversion_attributes ORDER BY 1") == [
            ("c1", "plan", "gold"), ("c2", "plan", "silver"), ("c3", "plan", "gold")]


def test_a_blank_column_is_no_attribute_and_stays_ignored():
    frame = CONVERSIONS.assign(note=["", " ", None])
    with Warehouse(":memory:") as wh:
        report = wh.ingest("conversions", frame)
        assert report.ignored_columns == ["note"]
        assert [a.name for a in report.attributes] == ["plan"]


def test_reingesting_the_same_attributes_is_a_no_op():
    with Warehouse(":memory:") as wh:
        wh.ingest("conversions", CONVERSIONS)
        version = wh.data_version
        again = wh.ingest("conversions", CONVERSIONS)
        assert (again.rows_inserted, again.attributes[0].values_loaded) == (0, 0)
        assert wh.data_version == version


def test_a_new_attribute_for_stored_conversions_is_added():
    with Warehouse(":memory:") as wh:
        wh.ingest("conversions", CONVERSIONS.drop(columns="plan"))
        version = wh.data_version
        report = wh.ingest("conversions", CONVERSIONS)
        assert (report.rows_inserted, report.attributes[0].values_loaded) == (0, 3)
        assert wh.data_version == version + 1


def test_a_changed_conversion_attribute_is_refused_naming_row_and_column():
    with Warehouse(":memory:") as wh:
        wh.ingest("conversions", CONVERSIONS)
        changed = CONVERSIONS.assign(plan=["gold", "bronze", "gold"],
                                     conversion_id=["c1", "c2", "c3"])
        changed.loc[3] = ["c4", "u9", "2024-01-09", "1", "gold"]
        with pytest.raises(IngestError) as err:
            wh.ingest("conversions", changed)
        [problem] = err.value.problems
        assert (problem.row, problem.column, problem.value) == (2, "plan", "bronze")
        assert "conversion c2 already stored with plan = 'silver'" in problem.reason
        # nothing of the file was loaded: c4 is not there
        assert _rows(wh, "SELECT count(*) FROM conversions") == [(3,)]


def test_users_file_all_or_nothing_with_duplicates_and_conflicts_named():
    with Warehouse(":memory:") as wh:
        report = wh.ingest("users", USERS)
        assert report.loads[0].table == "users"
        assert (report.rows_in_file, report.rows_inserted) == (3, 3)
        assert [(a.name, a.scope, a.distinct) for a in report.attributes] == \
            [("device", "user", 2)]
        assert wh.ingest("users", USERS).rows_inserted == 0
        bad = pd.DataFrame({"user_id": ["u5", "u2", "u5"],
                            "device": ["tablet", "tablet", "tablet"]})
        with pytest.raises(IngestError) as err:
            wh.ingest("users", bad)
        got = {(p.row, p.column) for p in err.value.problems}
        assert got == {(2, "device"), (3, "user_id")}
        assert _rows(wh, "SELECT count(*) FROM user_attributes WHERE user_id = 'u5'") == [(0,)]


def test_users_file_with_a_mapped_user_id_and_a_new_attribute(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("customer,region,tier\nu1,north,\nu2,south,vip\n", encoding="utf-8")
    with Warehouse(":memory:") as wh:
        report = wh.ingest("users", path, column_map={"user_id": "customer"})
        assert {(a.name, a.values_loaded) for a in report.attributes} == {
            ("region", 2), ("tier", 1)}
        assert _rows(wh, "SELECT * FROM user_attributes ORDER BY 1, 2") == [
            ("u1", "region", "north"), ("u2", "region", "south"), ("u2", "tier", "vip")]


def test_events_file_keeps_extra_columns_of_its_conversion_rows_only():
    events = pd.DataFrame({
        "user_id": ["u", "u"], "ts": ["2024-01-01", "2024-01-03"],
        "event": ["visit", "purchase"], "channel": ["search", None], "value": [None, "5"],
        "device": ["desktop", "tablet"], "page": ["home", None]})
    with Warehouse(":memory:") as wh:
        report = wh.ingest("events", events)
        assert report.ignored_columns == ["page"]
        assert [(a.name, a.distinct) for a in report.attributes] == [("device", 1)]
        assert _rows(wh, "SELECT name, value FROM conversion_attributes") == [
            ("device", "tablet")]


def test_more_than_1000_values_is_kept_but_not_segmentable():
    n = MAX_SEGMENT_VALUES + 1
    frame = pd.DataFrame({"conversion_id": [f"c{i}" for i in range(n)],
                          "user_id": [f"u{i}" for i in range(n)],
                          "ts": ["2024-01-03"] * n, "value": ["1"] * n,
                          "order_ref": [f"r{i}" for i in range(n)],
                          "device": ["mobile"] * n})
    with Warehouse(":memory:") as wh:
        report = wh.ingest("conversions", frame)
        flags = {a.name: (a.distinct, a.segmentable) for a in report.attributes}
        assert flags == {"order_ref": (1001, False), "device": (1, True)}
        assert _rows(wh, "SELECT count(*) FROM conversion_attributes "
                         "WHERE name = 'order_ref'") == [(1001,)]
        with pytest.raises(AttributeNotSegmentable, match="1,001 distinct values"):
            segment_attribute(wh, "order_ref")


# ----------------------------------------------------------------- listing
def test_segment_attributes_list_scope_and_values(wh):
    listed = {a.name: (a.scope, a.values) for a in segment_attributes(wh)}
    assert listed == {"device": ("user", ("desktop", "mobile")),
                      "plan": ("conversion", ("gold", "silver"))}


def test_unknown_attribute_names_the_ones_there_are(wh):
    with pytest.raises(UnknownAttribute, match="'device', 'plan'"):
        segment_attribute(wh, "country")


# ----------------------------------------------------------------- path tables
def _summary(table):
    return (table.path_strings(), table.conversions.tolist(), table.value.tolist(),
            table.nulls.tolist(), table.direct_conversions, table.direct_value)


def test_a_user_attribute_takes_the_users_non_converting_journeys(wh):
    tables = build_paths_by_segment(wh, OPTIONS, segment_attribute(wh, "device"))
    assert list(tables) == ["desktop", "mobile", NO_VALUE]
    assert _summary(tables["desktop"]) == (["display", "search"], [0, 1], [0, 20], [1, 0],
                                           0, 0)
    assert _summary(tables["mobile"]) == (["email", "search > email"], [0, 1], [0, 10],
                                          [1, 0], 0, 0)
    assert _summary(tables[NO_VALUE]) == (["search"], [0], [0], [1], 1, 5)
    assert tables["desktop"].channels == ("display", "search")


def test_a_conversion_attribute_leaves_non_converting_journeys_without_a_value(wh):
    tables = build_paths_by_segment(wh, OPTIONS, segment_attribute(wh, "plan"))
    assert list(tables) == ["gold", "silver", NO_VALUE]
    assert _summary(tables["gold"]) == (["search > email"], [1], [10], [0], 1, 5)
    assert _summary(tables["silver"]) == (["search"], [1], [20], [0], 0, 0)
    assert _summary(tables[NO_VALUE]) == (["display", "email", "search"], [0, 0, 0],
                                          [0, 0, 0], [1, 1, 1], 0, 0)


def test_a_conversion_value_wins_over_the_users_for_an_attribute_on_both(wh):
    wh.ingest("conversions", pd.DataFrame({
        "conversion_id": ["c2"], "user_id": ["u2"], "ts": ["2024-01-06"], "value": ["20"],
        "device": ["tablet"]}))
    attribute = segment_attribute(wh, "device")
    assert attribute.scope == "both"
    tables = build_paths_by_segment(wh, OPTIONS, attribute)
    assert list(tables) == ["desktop", "mobile", "tablet", NO_VALUE]
    assert _summary(tables["tablet"]) == (["search"], [1], [20], [0], 0, 0)
    assert _summary(tables["desktop"]) == (["display"], [0], [0], [1], 0, 0)


@pytest.mark.parametrize("name", ["device", "plan"])
@pytest.mark.parametrize("options", [OPTIONS, JourneyOptions(),
                                     JourneyOptions(censor=False, lookback_days=2),
                                     JourneyOptions(censor=False, start=date(2024, 1, 4))])
def test_segments_add_up_to_the_pooled_table(wh, name, options):
    pooled = build_paths(wh, options)
    tables = build_paths_by_segment(wh, options, segment_attribute(wh, name))
    for field in ("total_conversions", "total_value", "total_nulls", "direct_conversions",
                  "direct_value"):
        assert sum(getattr(t, field) for t in tables.values()) == getattr(pooled, field), field
