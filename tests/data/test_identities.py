"""Identity stitching: the identities ingest, components, the cap, journeys per person.

Every expected number is worked out by hand from the few rows of each fixture.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from touchpath.data.engines import paths_duckdb, paths_spark, paths_warehouse
from touchpath.data.identities import identity_report, stitch_effect
from touchpath.data.journeys import JourneyOptions, build_paths, journey_touches
from touchpath.data.warehouse import IngestError, Warehouse

NO_CENSOR = JourneyOptions(censor=False)


def touches(rows):
    return pd.DataFrame(rows, columns=["event_id", "user_id", "ts", "channel"])


def conversions(rows):
    return pd.DataFrame(rows, columns=["conversion_id", "user_id", "ts", "value"])


def pairs(rows):
    return pd.DataFrame(rows, columns=["id_a", "id_b"])


@pytest.fixture()
def phone_laptop():
    """A search click on a phone (cookie id) and a purchase on a laptop (account id)."""
    with Warehouse.open(":memory:") as wh:
        wh.ingest("touchpoints", touches([("e1", "cookie:p1", "2024-03-01 09:00", "search")]))
        wh.ingest("conversions", conversions([("c1", "acct:7", "2024-03-02 20:00", "100")]))
        yield wh


# ------------------------------------------------------------------- evidence
def test_a_phone_click_and_a_logged_in_purchase_become_one_converting_journey(phone_laptop):
    wh = phone_laptop
    apart = build_paths(wh, NO_CENSOR)
    # per id: the phone journey never converts, the purchase is (direct)
    assert apart.path_strings() == ["search"]
    assert list(apart.conversions) == [0] and list(apart.nulls) == [1]
    assert apart.direct_conversions == 1
    wh.ingest("identities", pd.DataFrame({"id_a": ["cookie:p1"], "id_b": ["acct:7"],
                                          "source": ["login"]}))
    joined = build_paths(wh, NO_CENSOR)
    assert joined.path_strings() == ["search"]
    assert list(joined.conversions) == [1] and list(joined.nulls) == [0]
    assert list(joined.value) == [100.0]
    assert joined.direct_conversions == 0
    # --no-stitch gives the per-id view back
    unstitched = build_paths(wh, JourneyOptions(censor=False, stitch=False))
    assert unstitched.direct_conversions == 1 and list(unstitched.nulls) == [1]
    # the journey belongs to the person, named by the smaller id
    assert journey_touches(wh, NO_CENSOR)["user_id"].tolist() == ["acct:7"]


def test_what_stitching_changed_counts_the_direct_conversion_that_now_has_a_touch(phone_laptop):
    wh = phone_laptop
    wh.ingest("identities", pairs([("acct:7", "cookie:p1")]))
    effect = stitch_effect(wh, NO_CENSOR)
    # before: the phone's null journey + the direct purchase; after: one converting journey
    assert (effect.journeys_before, effect.journeys_after) == (2, 1)
    assert (effect.converting_before, effect.converting_after) == (0, 1)
    assert (effect.direct_before, effect.direct_after) == (1, 0)
    assert effect.direct_now_touched == 1
    assert (effect.channels_before, effect.channels_after) == (0.0, 1.0)
    assert effect.conversions == 1


CHAIN_TOUCHES = [("t4", "u4", "2024-03-01 10:00", "display"),
                 ("t3", "u3", "2024-03-02 10:00", "social"),
                 ("t1", "u1", "2024-03-03 10:00", "email")]
CHAIN_CONVERSION = [("c2", "u2", "2024-03-04 10:00", "60")]
# u1 - u2 - u3 - u4, given out of order and in both directions
CHAIN_PAIRS = [("u4", "u3"), ("u1", "u2"), ("u3", "u2")]


@pytest.fixture()
def chain():
    with Warehouse.open(":memory:") as wh:
        wh.ingest("touchpoints", touches(CHAIN_TOUCHES))
        wh.ingest("conversions", conversions(CHAIN_CONVERSION))
        wh.ingest("identities", pairs(CHAIN_PAIRS))
        yield wh


def test_a_three_hop_chain_merges_into_one_person(chain):
    wh = chain
    persons = wh.conn.execute(
        "SELECT user_id, person_id, ids FROM identity_persons ORDER BY user_id").fetchall()
    assert persons == [("u1", "u1", 4), ("u2", "u1", 4), ("u3", "u1", 4), ("u4", "u1", 4)]
    paths = build_paths(wh, NO_CENSOR)
    assert paths.path_strings() == ["display > social > email"]
    assert list(paths.conversions) == [1] and list(paths.nulls) == [0]
    assert paths.direct_conversions == 0
    per_id = build_paths(wh, JourneyOptions(censor=False, stitch=False))
    # three one-touch nulls and a direct conversion
    assert sorted(per_id.path_strings()) == ["display", "email", "social"]
    assert per_id.direct_conversions == 1 and per_id.total_conversions == 0
    report = identity_report(wh)
    assert (report.pairs, report.ids_linked, report.components, report.persons) == (3, 4, 1, 1)
    assert (report.ids_merged, report.max_ids, report.sizes) == (4, 4, {4: 1})
    assert report.ids_per_person == 4.0 and report.oversized == ()


def test_a_component_above_the_cap_stays_apart(chain):
    wh = chain
    capped = JourneyOptions(censor=False, stitch_max_ids=3)
    paths = build_paths(wh, capped)
    assert sorted(paths.path_strings()) == ["display", "email", "social"]
    assert paths.direct_conversions == 1
    report = identity_report(wh, stitch_max_ids=3)
    assert report.persons == 0 and [(c.person_id, c.ids) for c in report.oversized] == [("u1", 4)]
    # at the cap (4 ids, cap 4) it merges
    assert build_paths(wh, JourneyOptions(censor=False, stitch_max_ids=4)).direct_conversions == 0


def test_a_500_id_component_is_refused_and_reported():
    ids = [f"dev:{k:03d}" for k in range(500)]
    with Warehouse.open(":memory:") as wh:
        # a chain dev:000 - dev:001 - ... - dev:499 (a shared device's ids), reversed order
        wh.ingest("identities", pairs([(ids[k + 1], ids[k]) for k in reversed(range(499))]))
        wh.ingest("touchpoints", touches([("e1", "dev:499", "2024-03-01", "video")]))
        wh.ingest("conversions", conversions([("c1", "dev:000", "2024-03-02", "10")]))
        # the components are found whatever the chain's length: one of 500 ids
        stored = wh.conn.execute("SELECT count(*), count(DISTINCT person_id), min(ids), "
                                 "max(ids) FROM identity_persons").fetchone()
        assert stored == (500, 1, 500, 500)
        report = identity_report(wh)
        assert [(c.person_id, c.ids) for c in report.oversized] == [("dev:000", 500)]
        assert report.persons == 0 and report.ids_merged == 0 and report.components == 1
        assert "1 component(s) link more than 50 ids" in report.warnings[0]
        assert "dev:000 (500 ids)" in report.warnings[0]
        paths = build_paths(wh, NO_CENSOR)  # default cap 50: not merged
        assert paths.path_strings() == ["video"] and paths.direct_conversions == 1
        # a cap above its size merges it
        merged = build_paths(wh, JourneyOptions(censor=False, stitch_max_ids=500))
        assert merged.total_conversions == 1 and merged.direct_conversions == 0


def test_self_pairs_and_unknown_ids_are_counted_not_errors(phone_laptop):
    wh = phone_laptop
    report = wh.ingest("identities", pairs([("acct:7", "acct:7"), ("cookie:p1", "crm:42"),
                                            ("crm:42", "acct:7")]))
    assert report.rows_inserted == 3
    info = identity_report(wh)
    assert (info.pairs, info.self_pairs, info.unknown_pairs) == (3, 1, 2)
    # the CRM key (no touch, no conversion) still links the phone and the account
    assert (info.persons, info.ids_merged) == (1, 3)
    assert build_paths(wh, NO_CENSOR).direct_conversions == 0
    assert any("name the same id twice" in w for w in info.warnings)
    assert any("no touch and no conversion" in w for w in info.warnings)


# --------------------------------------------------------------------- ingest
def test_reingest_is_a_no_op_and_a_reversed_or_repeated_pair_is_the_same(chain):
    wh = chain
    version = wh.data_version
    again = wh.ingest("identities", pairs(CHAIN_PAIRS))
    assert (again.rows_inserted, again.rows_skipped_existing) == (0, 3)
    assert wh.data_version == version
    flipped = wh.ingest("identities", pairs([("u2", "u1"), ("u2", "u1"), ("u3", "u4")]))
    assert flipped.rows_inserted == 0 and wh.data_version == version
    stored = wh.conn.execute("SELECT id_a, id_b FROM identities ORDER BY ALL").fetchall()
    assert stored == [("u1", "u2"), ("u2", "u3"), ("u3", "u4")]


def test_a_pair_repeated_in_one_file_is_stored_once_with_its_earliest_time():
    frame = pd.DataFrame({"id_a": ["a", "b", "a"], "id_b": ["b", "a", "c"],
                          "source": ["login", "crm", "order"],
                          "ts": ["2024-02-02", "2024-02-01", None]})
    with Warehouse.open(":memory:") as wh:
        report = wh.ingest("identities", frame)
        assert (report.rows_in_file, report.rows_inserted, report.rows_skipped_existing) \
            == (3, 2, 1)
        rows = wh.conn.execute("SELECT id_a, id_b, source, CAST(ts AS VARCHAR) FROM identities "
                               "ORDER BY ALL").fetchall()
        assert rows == [("a", "b", "crm", "2024-02-01 00:00:00"), ("a", "c", "order", None)]


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("cookie,account,ts\nk1,a1,2024-01-01\nk2,,2024-01-02\nk3,a3,yesterday\n")
    with Warehouse.open(":memory:") as wh:
        with pytest.raises(IngestError) as err:
            wh.ingest("identities", path, column_map={"id_a": "cookie", "id_b": "account"})
        found = {(p.row, p.column) for p in err.value.problems}
        assert found == {(2, "account"), (3, "ts")}  # the file's own column names
        assert wh.conn.execute("SELECT count(*) FROM identities").fetchone() == (0,)
        assert wh.conn.execute("SELECT count(*) FROM identity_persons").fetchone() == (0,)
        assert wh.data_version == 0


def test_column_map_reads_the_files_own_names(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("cookie,account,how\nk1,a1,login\nk2,a1,login\n")
    with Warehouse.open(":memory:") as wh:
        report = wh.ingest("identities", path, column_map={"id_a": "cookie", "id_b": "account",
                                                           "source": "how"})
        assert report.rows_inserted == 2
        assert wh.conn.execute("SELECT DISTINCT person_id, ids FROM identity_persons"
                               ).fetchall() == [("a1", 3)]


def test_without_identity_pairs_stitching_changes_nothing(seeded_db):
    with Warehouse.open(seeded_db, read_only=True) as wh:
        on, off = build_paths(wh), build_paths(wh, JourneyOptions(stitch=False))
        pd.testing.assert_frame_equal(on.to_frame(), off.to_frame())
        assert on.direct_conversions == off.direct_conversions


def test_stitch_options_are_checked():
    with pytest.raises(TypeError, match="stitch must be a bool"):
        JourneyOptions(stitch="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stitch_max_ids must be at least 2"):
        JourneyOptions(stitch_max_ids=1)


# -------------------------------------------------------------------- engines
MIXED_TOUCHES = [*CHAIN_TOUCHES,
                 ("p1", "cookie:p1", "2024-03-01 09:00", "search"),
                 ("p2", "cookie:p1", "2024-03-05 09:00", "video"),
                 ("x1", "solo", "2024-03-02 08:00", "email")]
MIXED_CONVERSIONS = [*CHAIN_CONVERSION,
                     ("c7", "acct:7", "2024-03-02 20:00", "100"),
                     ("c8", "acct:7", "2024-03-06 20:00", "40"),
                     ("c9", "solo", "2024-03-03 08:00", "5")]
MIXED_PAIRS = [*CHAIN_PAIRS, ("cookie:p1", "acct:7"), ("solo", "solo")]


def _parquet(tmp_path, name, frame):
    frame = frame.copy()
    if "ts" in frame:
        frame["ts"] = pd.to_datetime(frame["ts"]).astype("datetime64[us]")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "value" in frame:
        table = table.set_column(table.schema.get_field_index("value"), "value",
                                 pa.array([Decimal(v) for v in frame["value"]],
                                          type=pa.decimal128(18, 6)))
    path = tmp_path / f"{name}.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    return str(path)


@pytest.fixture()
def mixed(tmp_path):
    tp, cv, ids = touches(MIXED_TOUCHES), conversions(MIXED_CONVERSIONS), pairs(MIXED_PAIRS)
    files = (_parquet(tmp_path, "tp", tp), _parquet(tmp_path, "cv", cv),
             _parquet(tmp_path, "ids", ids))
    with Warehouse.open(":memory:") as wh:
        wh.ingest("touchpoints", tp)
        wh.ingest("conversions", cv)
        wh.ingest("identities", ids)
        yield wh, files


OPTION_GRID = [NO_CENSOR, JourneyOptions(), JourneyOptions(censor=False, stitch=False),
               JourneyOptions(censor=False, stitch_max_ids=3),
               JourneyOptions(censor=False, lookback_days=2, collapse_repeats=True)]


def test_the_duckdb_engine_stitches_as_the_warehouse(mixed):
    wh, (tp, cv, ids) = mixed
    stitched = build_paths(wh, NO_CENSOR)
    # hand-worked: chain person converts on display > social > email; acct:7's phone
    # search converts c7, the later video converts c8; solo's email converts c9
    assert dict(zip(stitched.path_strings(), stitched.conversions, strict=True)) == {
        "display > social > email": 1, "email": 1, "search": 1, "video": 1}
    assert stitched.direct_conversions == 0
    for options in OPTION_GRID:
        want = build_paths(wh, options).to_frame()
        pd.testing.assert_frame_equal(paths_duckdb(tp, cv, options, identities=ids)
                                      .paths.to_frame(), want)
        pd.testing.assert_frame_equal(paths_warehouse(wh, options).paths.to_frame(), want)
    # without the identities dataset the engine cuts journeys per id
    pd.testing.assert_frame_equal(paths_duckdb(tp, cv, NO_CENSOR).paths.to_frame(),
                                  build_paths(wh, OPTION_GRID[2]).to_frame())


@pytest.mark.spark
def test_the_spark_engine_stitches_identically(spark, mixed):
    wh, (tp, cv, ids) = mixed
    for options in OPTION_GRID:
        on_spark = paths_spark(tp, cv, options, spark=spark, identities=ids)
        on_duckdb = paths_duckdb(tp, cv, options, identities=ids)
        assert on_spark.rows.equals(on_duckdb.rows)
        pd.testing.assert_frame_equal(on_spark.paths.to_frame(),
                                      build_paths(wh, options).to_frame())


# ------------------------------------------------------------ with segments
def test_a_persons_user_attribute_is_found_under_its_other_id(phone_laptop):
    """The phone id carries ``device``; the person is named by the account id.

    Stitched, the person's journeys are ``acct:7``'s (the smaller id), so the
    purchase and a later non-converting phone journey must still find the phone
    id's device: one conversion and one null in ``mobile``, nothing in ``(none)``.
    """
    from touchpath.data.segments import build_paths_by_segment, segment_attribute

    wh = phone_laptop
    wh.ingest("touchpoints", touches([("e2", "cookie:p1", "2024-04-20 09:00", "social")]))
    wh.ingest("users", pd.DataFrame({"user_id": ["cookie:p1"], "device": ["mobile"]}))
    wh.ingest("identities", pairs([("cookie:p1", "acct:7")]))
    tables = build_paths_by_segment(wh, NO_CENSOR, segment_attribute(wh, "device"))
    mobile = tables["mobile"]
    rows = zip(mobile.path_strings(), mobile.conversions, mobile.nulls, strict=True)
    assert sorted(rows) == [
        ("search", 1, 0), ("social", 0, 1)]
    assert "(none)" not in tables or tables["(none)"].total_conversions == 0
    # per id the purchase has no device (its id has none): it falls in (none)
    apart = build_paths_by_segment(wh, JourneyOptions(censor=False, stitch=False),
                                   segment_attribute(wh, "device"))
    assert apart["(none)"].direct_conversions == 1
