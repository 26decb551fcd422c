"""The experiments table: ingest, its validation, re-ingest (data/experiments.py)."""

from datetime import date

import pandas as pd
import pytest

from touchpath.data.experiments import Experiment, read_experiments
from touchpath.data.warehouse import IngestError


@pytest.fixture
def wh_channels(wh):
    wh.ingest("spend", pd.DataFrame({"channel": ["search", "social"],
                                     "day": ["2024-01-01", "2024-01-01"],
                                     "amount": ["1", "2"]}))
    return wh


def _exp(**kw):
    row = {"channel": "search", "start": "2024-03-01", "end": "2024-03-31",
           "incremental_conversions": "34", "lower": "25.5", "upper": "42.5"}
    row.update(kw)
    return row


def _problems(wh, rows):
    with pytest.raises(IngestError) as info:
        wh.ingest("experiments", pd.DataFrame(rows))
    return [(p.row, p.column, p.reason) for p in info.value.problems]


def test_experiments_load_and_read_back(wh_channels, write_csv):
    path = write_csv("exp.csv", [
        ["channel", "start", "end", "incremental_revenue", "kind"],
        ["social", "2024-02-01", "2024-02-14", "1200.5", "Cart"],
    ])
    report = wh_channels.ingest("experiments", path)
    assert report.rows_inserted == 1
    wh_channels.ingest("experiments", pd.DataFrame([_exp()]))
    assert read_experiments(wh_channels, None) == [
        Experiment("search", "purchase", date(2024, 3, 1), date(2024, 3, 31), "conversions",
                   34.0, 25.5, 42.5),
        Experiment("social", "cart", date(2024, 2, 1), date(2024, 2, 14), "revenue", 1200.5),
    ]
    assert [e.channel for e in read_experiments(wh_channels)] == ["search"]
    again = wh_channels.ingest("experiments", pd.DataFrame([_exp()]))
    assert (again.rows_inserted, again.rows_skipped_existing) == (0, 1)


def test_unknown_channel_refused_naming_row_and_column(wh_channels):
    problems = _problems(wh_channels, [_exp(), _exp(channel="tv")])
    assert problems == [(2, "channel", "unknown channel: no such channel in the warehouse "
                                       "(channels: search, social)")]
    assert read_experiments(wh_channels, None) == []


def test_interval_not_containing_its_estimate_refused(wh_channels):
    problems = _problems(wh_channels, [_exp(lower="35"), _exp(channel="social", upper="30")])
    assert [(r, c) for r, c, _ in problems] == [(1, "lower"), (2, "upper")]
    assert "does not contain its estimate" in problems[0][2]
    assert "does not contain its estimate" in problems[1][2]


def test_overlapping_experiments_on_one_channel_refused(wh_channels):
    problems = _problems(wh_channels, [
        _exp(), _exp(channel="social"),
        _exp(start="2024-03-31", end="2024-04-10", incremental_conversions="5", lower="",
             upper="")])
    assert [(r, c) for r, c, _ in problems] == [(3, "start")]
    assert "overlaps the experiment on search (purchase) at row 1" in problems[0][2]
    wh_channels.ingest("experiments", pd.DataFrame([_exp()]))
    problems = _problems(wh_channels, [_exp(start="2024-03-15", end="2024-04-15")])
    assert problems[0][:2] == (1, "start")
    assert "overlaps the stored experiment on search (purchase) 2024-03-01 .. 2024-03-31" \
        in problems[0][2]
    # The same channel after the window, and another kind in it, are fine.
    wh_channels.ingest("experiments", pd.DataFrame([
        _exp(start="2024-04-01", end="2024-04-30"), _exp(kind="cart")]))
    assert len(read_experiments(wh_channels, None)) == 3


def test_estimate_and_window_problems(wh_channels):
    problems = _problems(wh_channels, [
        _exp(incremental_revenue="100"),
        _exp(channel="social", incremental_conversions="", lower="", upper=""),
        _exp(channel="social", start="2024-05-10", end="2024-05-01"),
        _exp(channel="social", start="2024-07-01", end="2024-07-02", lower="20", upper=""),
    ])
    assert problems == [
        (1, "incremental_conversions",
         "give incremental_conversions or incremental_revenue, not both"),
        (2, "incremental_revenue",
         "missing estimate: give incremental_conversions or incremental_revenue"),
        (3, "end", "end 2024-05-01 is before start 2024-05-10"),
        (4, "upper", "missing upper: give both lower and upper, or neither"),
    ]


def test_a_repeated_row_in_one_file_is_refused_not_a_crash(wh_channels):
    problems = _problems(wh_channels, [_exp(), _exp(channel="social"), _exp()])
    assert [(r, c) for r, c, _ in problems] == [(3, "start")]
    assert "overlaps the experiment on search (purchase) at row 1" in problems[0][2]
