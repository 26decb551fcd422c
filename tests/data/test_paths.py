import numpy as np
import pandas as pd
import pytest

from touchpath.data.paths import DIRECT, PathTable, PathTableError


def test_from_paths_aggregates_identical_paths():
    pt = PathTable.from_paths([["a", "b"], ["a", "b"], ["b"]], conversions=[1, 2, 0],
                              value=[10, 20, 0], nulls=[0, 1, 4])
    assert pt.n_paths == 2
    assert pt.paths == [("a", "b"), ("b",)]
    np.testing.assert_array_equal(pt.conversions, [3, 0])
    np.testing.assert_array_equal(pt.value, [30, 0])
    np.testing.assert_array_equal(pt.nulls, [1, 4])


def test_channelattribution_csv_round_trip(tmp_path, tiny_paths):
    out = tmp_path / "paths.csv"
    tiny_paths.to_csv(out)
    text = out.read_text().splitlines()
    assert text[0] == "path,total_conversions,total_conversion_value,total_null"
    # counts as integers (ChannelAttribution reads them as unsigned integers)
    assert text[1] == "a > b > c,1,100.0,1"
    assert text[-1] == f"{DIRECT},2,40.0,0"
    back = PathTable.read_csv(out)
    assert back.paths == tiny_paths.paths
    assert back.channels == tiny_paths.channels
    for name in ("conversions", "value", "nulls"):
        np.testing.assert_array_equal(getattr(back, name), getattr(tiny_paths, name))
    assert back.direct_conversions == 2 and back.direct_value == 40.0


def test_totals_add_direct(tiny_paths):
    t = tiny_paths.totals()
    assert t["path_conversions"] == 4
    assert t["conversions"] == 6
    assert t["value"] == 100 + 80 + 30 + 40
    assert t["nulls"] == 6


def test_compact_separator_is_read():
    pt = PathTable.from_frame(pd.DataFrame({"path": ["a>b>a", " b "], "total_conversions": [1, 0],
                                            "total_null": [0, 2]}), sep=">")
    assert pt.paths == [("a", "b", "a"), ("b",)]


def test_bad_count_names_row_and_column():
    frame = pd.DataFrame({"path": ["a", "b", "c"], "total_conversions": [1, -2, 0]})
    with pytest.raises(PathTableError, match=r"row 2, column 'total_conversions'"):
        PathTable.from_frame(frame)


@pytest.mark.parametrize("column, expected", [
    (np.array([1, -1, 0], dtype=np.int64), "got -1 (1 bad rows in all)"),
    (np.array([1.0, np.nan, -2.5]), "got nan (2 bad rows in all)"),
    (pd.Series(["1", "two", "3"], dtype=object), "got 'two' (1 bad rows in all)"),
])
def test_bad_count_message_shows_the_plain_value(column, expected):
    frame = pd.DataFrame({"path": ["a", "b", "c"], "total_conversions": column})
    with pytest.raises(PathTableError) as info:
        PathTable.from_frame(frame)
    assert str(info.value).endswith(expected)
    assert "np." not in str(info.value)


def test_bad_array_message_shows_the_plain_value():
    with pytest.raises(PathTableError) as info:
        PathTable.from_paths([["a"], ["b"]], conversions=np.array([3, -1], dtype=np.int64))
    assert str(info.value) == ("conversions: row 1: must be a finite non-negative number,"
                               " got -1.0 (1 bad rows in all)")


def test_integral_counts_are_written_as_integers_and_round_trip(tmp_path):
    pt = PathTable.from_paths([["a", "b"], ["b"], ["c"]], conversions=[32, 0, 5],
                              value=[1234.56, 0.0, 0.1], nulls=[7, 12, 0],
                              first_conversions=[20, 0, 5], direct_conversions=9,
                              direct_value=99.99, direct_first_conversions=4)
    out = tmp_path / "paths.csv"
    pt.to_csv(out)
    assert out.read_text().splitlines() == [
        "path,total_conversions,total_conversion_value,total_null,first_conversions",
        "a > b,32,1234.56,7,20",
        "b,0,0.0,12,0",
        "c,5,0.1,0,5",
        f"{DIRECT},9,99.99,0,4",
    ]
    back = PathTable.read_csv(out)
    assert back.paths == pt.paths and back.channels == pt.channels
    for name in ("conversions", "value", "nulls", "first_conversions"):
        np.testing.assert_array_equal(getattr(back, name), getattr(pt, name))
    assert (back.direct_conversions, back.direct_value, back.direct_first_conversions) == (
        9.0, 99.99, 4.0)


def test_unknown_direct_first_purchases_leave_the_cell_empty(tmp_path):
    pt = PathTable.from_paths([["a"]], conversions=[3], value=[30.0], nulls=[1],
                              first_conversions=[2], direct_conversions=1, direct_value=5.0)
    assert pt.direct_first_conversions is None
    out = tmp_path / "paths.csv"
    pt.to_csv(out)
    assert out.read_text().splitlines()[1:] == ["a,3,30.0,1,2", f"{DIRECT},1,5.0,0,"]
    back = PathTable.read_csv(out)
    np.testing.assert_array_equal(back.first_conversions, [2.0])
    assert back.direct_first_conversions is None and back.direct_conversions == 1


def test_fractional_counts_stay_floats_and_round_trip_exactly(tmp_path):
    conv = np.array([1 / 3, 2.0, 0.1 + 0.2])
    nulls = np.array([0.5, 1.0, 2 / 7])
    pt = PathTable.from_paths([["a"], ["a", "b"], ["b"]], conversions=conv,
                              value=[10 / 3, 7.0, np.pi], nulls=nulls, direct_conversions=0.25,
                              direct_value=1.5)
    frame = pt.to_frame()
    assert frame["total_conversions"].dtype == np.float64
    assert frame["total_null"].dtype == np.float64
    out = tmp_path / "paths.csv"
    pt.to_csv(out)
    assert out.read_text().splitlines()[1].startswith("a,0.3333333333333333,")
    back = PathTable.read_csv(out)
    for name in ("conversions", "value", "nulls"):
        np.testing.assert_array_equal(getattr(back, name), getattr(pt, name))
    assert (back.direct_conversions, back.direct_value) == (0.25, 1.5)


def test_direct_first_purchases_cannot_exceed_direct_conversions():
    with pytest.raises(PathTableError, match="direct_first_conversions"):
        PathTable.from_paths([["a"]], conversions=[1], direct_conversions=2,
                             direct_first_conversions=3)


def test_empty_channel_name_is_refused():
    frame = pd.DataFrame({"path": ["a > > b"], "total_conversions": [1]})
    with pytest.raises(PathTableError, match="row 1.*empty channel"):
        PathTable.from_frame(frame)


# Rows as (path string, conversions, value, nulls) and the paths they must read as.
_ROWS = [
    ("email>app push>search", 2, 80.0, 1),
    ("search", 0, 0.0, 3),
    ("(direct)", 4, 120.0, 0),
    ("email>app push>search", 1, 30.0, 2),  # a duplicate row: summed
    ("app push>app push", 1, 15.0, 0),
]
_EXPECTED = [("email", "app push", "search"), ("search",), ("app push", "app push")]


@pytest.mark.parametrize("padding", ["", " "])
@pytest.mark.parametrize("string_dtype", ["object", "str"])
def test_from_frame_matches_from_paths(padding, string_dtype):
    sep = f"{padding}>{padding}"
    frame = pd.DataFrame({
        "path": pd.Series([p.replace(">", sep) for p, *_ in _ROWS], dtype=string_dtype),
        "total_conversions": [r[1] for r in _ROWS],
        "total_conversion_value": [r[2] for r in _ROWS],
        "total_null": [r[3] for r in _ROWS],
    })
    got = PathTable.from_frame(frame, sep=" > ")
    # Independent: the rows by hand, identical paths summed in order of first appearance.
    assert got.paths == _EXPECTED
    assert got.channels == ("app push", "email", "search")
    np.testing.assert_array_equal(got.conversions, [3, 0, 1])
    np.testing.assert_array_equal(got.value, [110.0, 0.0, 15.0])
    np.testing.assert_array_equal(got.nulls, [3, 3, 0])
    assert (got.direct_conversions, got.direct_value) == (4.0, 120.0)


def test_from_frame_strips_leading_and_trailing_spaces():
    frame = pd.DataFrame({"path": ["  email >app push>  search ", "search", " (direct) "],
                          "total_conversions": [1, 2, 5], "total_null": [0, 1, 0]})
    got = PathTable.from_frame(frame, sep=">")
    assert got.paths == [("email", "app push", "search"), ("search",)]
    np.testing.assert_array_equal(got.conversions, [1, 2])
    assert got.direct_conversions == 5


def test_from_frame_distinct_rows_are_kept_in_order():
    # Paths that differ only in order or length must stay apart (no merging).
    rows = ["a>b", "b>a", "a>b>a", "a", "b>a>b", "a>a", "b"]
    frame = pd.DataFrame({"path": rows, "total_conversions": range(7), "total_null": 1})
    got = PathTable.from_frame(frame, sep=">")
    assert got.paths == [tuple(r.split(">")) for r in rows]
    np.testing.assert_array_equal(got.conversions, np.arange(7))


def test_from_frame_duplicates_of_long_paths_are_summed():
    long_path = ">".join(["a", "b", "c"] * 30)  # 90 touches: longer than the integer keys
    frame = pd.DataFrame({"path": [long_path, "c", long_path, long_path + ">a"],
                          "total_conversions": [1, 0, 2, 4], "total_null": [0, 1, 1, 0]})
    got = PathTable.from_frame(frame, sep=">")
    assert got.n_paths == 3
    assert got.lengths.tolist() == [90, 1, 91]
    np.testing.assert_array_equal(got.conversions, [3, 0, 4])
    np.testing.assert_array_equal(got.nulls, [1, 1, 0])


def test_empty_channel_name_is_refused_without_padding():
    frame = pd.DataFrame({"path": ["a>b", "a>>b"], "total_conversions": [1, 1]})
    with pytest.raises(PathTableError, match="row 2.*empty channel.*'a>>b'"):
        PathTable.from_frame(frame, sep=">")


# ------------------------------------------------------------ the path separator
def test_a_channel_name_holding_the_separator_is_refused_by_from_paths():
    with pytest.raises(PathTableError, match=r"path row 1: channel name 'search > email'"
                                             r" contains '>', the path separator"):
        PathTable.from_paths([["a"], ["b", "search > email"]], conversions=[1, 1])
    with pytest.raises(PathTableError, match=r"path row 0: channel name 'a>b' contains '>'"):
        PathTable.from_paths([["a>b"]], conversions=[1])
    with pytest.raises(PathTableError, match=r"channels: channel name 'x > y'"):
        PathTable.from_paths([["a"]], conversions=[1], channels=["a", "x > y"])


def test_a_channel_name_holding_the_separator_is_refused_by_from_frame():
    # Read with another separator, a name may hold '>'; written back with ' > ' it would split.
    frame = pd.DataFrame({"path": ["a|b", "c|search>email|d"], "total_conversions": [1, 2]})
    with pytest.raises(PathTableError, match=r"paths.csv: row 2, column 'path': channel name"
                                             r" 'search>email' contains '>'"):
        PathTable.from_frame(frame, sep="|", source="paths.csv")
    ok = pd.DataFrame({"path": ["a > b"], "total_conversions": [1]})
    with pytest.raises(PathTableError, match=r"channels: channel name 'a > b' contains '>'"):
        PathTable.from_frame(ok, channels=["a", "b", "a > b"])


def test_from_frame_splits_block_by_block_like_one_block(monkeypatch):
    """Paths are split a few rows at a time; blocks join into the same table."""
    import touchpath.data.paths as paths_module

    frame = pd.DataFrame({"path": ["a>b", "b", "(direct)", "c > a", "b>b>c"],
                          "total_conversions": [1, 0, 4, 2, 1],
                          "total_null": [0, 3, 0, 1, 2]})
    monkeypatch.setattr(paths_module, "_SPLIT_ROWS", 2)
    pt = PathTable.from_frame(frame, sep=">")
    assert pt.channels == ("a", "b", "c")
    assert pt.offsets.tolist() == [0, 2, 3, 5, 8]
    assert pt.codes.tolist() == [0, 1, 1, 2, 0, 1, 1, 2]
    assert pt.codes.dtype == np.int32
    np.testing.assert_array_equal(pt.conversions, [1, 0, 2, 1])
    np.testing.assert_array_equal(pt.nulls, [0, 3, 1, 2])
    assert pt.direct_conversions == 4
    # an empty channel name in a later block is reported at its row in the file
    bad = pd.DataFrame({"path": ["(direct)", "a", "b", "c>", "d"],
                        "total_conversions": [1, 1, 1, 1, 1]})
    with pytest.raises(PathTableError, match=r"row 4, column 'path': empty channel name in "
                                             r"path 'c>'"):
        PathTable.from_frame(bad, sep=">")
