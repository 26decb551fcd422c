import numpy as np
import pandas as pd
import pytest

from data.paths import DIRECT, PathTable, PathTableError


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
    assert text[1] == "a > b > c,1.0,100.0,1.0"
    assert text[-1].startswith(f"{DIRECT},2.0,40.0")
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


def test_empty_channel_name_is_refused():
    frame = pd.DataFrame({"path": ["a > > b"], "total_conversions": [1]})
    with pytest.raises(PathTableError, match="row 1.*empty channel"):
        PathTable.from_frame(frame)
