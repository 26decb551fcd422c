"""Censoring you can see and choose: counts, path tables both ways, warnings.

The hand warehouse (:func:`three_users`, lookback 7 days, data from day 0 to day 40):

- u1: a@0, b@2, converts c1@3 (10); then c@20, no conversion after it. Its
  trailing journey ``c`` ends at day 20: 20 + 7 = 27 <= 40, closed -> a null.
- u2: a@30, c@40, never converts. Last touch 40 (the end of the data):
  40 + 7 = 47 > 40, open -> censored. Its journey keeps touches since
  40 - 7 = 33: ``c``.
- u3: b@10, converts c3@12 (5); then a@30, b@35. Last touch 35: 42 > 40, open
  -> censored. Touches since 28: ``a > b``.

So 3 non-converting journeys, 2 of them open: censoring keeps 1 null (``c``)
and leaves 2 out (67 %, "most"); without censoring the nulls are ``c`` (u1),
``c`` (u2) and ``a > b`` (u3).
"""

from collections import Counter
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from touchpath.data.journeys import (
    CensoringReport,
    JourneyOptions,
    build_paths,
    build_paths_by_period,
    censoring_report,
    journey_summary,
    journey_touches,
)
from touchpath.data.paths import PathTable
from touchpath.data.warehouse import Warehouse

T0 = datetime(2024, 1, 1)


def at(days: float) -> str:
    return (T0 + timedelta(days=days)).isoformat()


def as_dict(pt: PathTable) -> dict:
    f = pt.to_frame(include_direct=False)
    return {p: (c, v, n) for p, c, v, n in zip(f["path"], f["total_conversions"],
                                               f["total_conversion_value"], f["total_null"],
                                               strict=True)}


@pytest.fixture
def three_users(wh, load):
    return load(wh, [("e1", "u1", at(0), "a"), ("e2", "u1", at(2), "b"), ("e3", "u1", at(20), "c"),
                     ("e4", "u2", at(30), "a"), ("e5", "u2", at(40), "c"),
                     ("e6", "u3", at(10), "b"), ("e7", "u3", at(30), "a"),
                     ("e8", "u3", at(35), "b")],
                [("c1", "u1", at(3), 10), ("c3", "u3", at(12), 5)])


ON = JourneyOptions(lookback_days=7)
OFF = JourneyOptions(lookback_days=7, censor=False)


def test_censoring_is_on_by_default_and_must_be_a_bool():
    assert JourneyOptions().censor is True
    assert ON.sql_params()["censor"] is True and OFF.sql_params()["censor"] is False
    with pytest.raises(TypeError, match="censor must be a bool"):
        JourneyOptions(censor="no")  # type: ignore[arg-type]


def test_counts_by_hand_with_censoring_on_and_off(three_users):
    on = censoring_report(three_users, ON)
    assert (on.non_converting, on.still_open, on.converting) == (3, 2, 2)
    assert (on.non_converting_kept, on.censored) == (1, 2)
    assert (on.data_start, on.data_end) == (T0, T0 + timedelta(days=40))
    assert on.data_days == 41  # 2024-01-01 .. 2024-02-10, both counted
    off = censoring_report(three_users, OFF)
    assert (off.non_converting_kept, off.censored, off.still_open) == (3, 0, 2)
    # the counts are the path table's nulls, both ways
    assert build_paths(three_users, ON).total_nulls == on.non_converting_kept
    assert build_paths(three_users, OFF).total_nulls == off.non_converting_kept


def test_exact_path_tables_both_ways(three_users):
    assert as_dict(build_paths(three_users, ON)) == {
        "a > b": (1, 10, 0), "b": (1, 5, 0), "c": (0, 0, 1)}
    assert as_dict(build_paths(three_users, OFF)) == {
        "a > b": (1, 10, 1), "b": (1, 5, 0), "c": (0, 0, 2)}


def test_a_journey_closed_exactly_at_the_end_of_the_data_counts_as_a_null(wh, load):
    # data ends at day 40; last touch at day 33: 33 + 7 = 40, not after the end -> kept;
    # last touch at day 33.5 reaches day 40.5 -> open, censored
    load(wh, [("e1", "u1", at(33), "a"), ("e2", "u2", at(33.5), "b"), ("e3", "u3", at(0), "c")],
         [("c3", "u3", at(40), 1)])
    assert as_dict(build_paths(wh, ON)) == {"a": (0, 0, 1)}
    r = censoring_report(wh, ON)
    assert (r.non_converting_kept, r.censored) == (1, 1)


def test_by_period_tables_honour_censoring(three_users):
    bounds = [("jan", date(2024, 1, 1), date(2024, 2, 1)),
              ("feb", date(2024, 2, 1), date(2024, 3, 1))]
    on = build_paths_by_period(three_users, ON, bounds)
    off = build_paths_by_period(three_users, OFF, bounds)
    # u1's null ends 01-21 (January); u3's (day 35 = 02-05) and u2's (day 40 = 02-10) in February
    assert as_dict(on["jan"]) == as_dict(off["jan"]) == {
        "a > b": (1, 10, 0), "b": (1, 5, 0), "c": (0, 0, 1)}
    assert as_dict(on["feb"]) == {}
    assert as_dict(off["feb"]) == {"a > b": (0, 0, 1), "c": (0, 0, 1)}


def test_summary_and_touches_honour_censoring(three_users):
    def journeys(options):
        f = journey_summary(three_users, options).set_index("channel")
        return {ch: (int(f.loc[ch, "touches"]), int(f.loc[ch, "journeys"])) for ch in "abc"}

    # censored: u1's a, b (converting) + c (null), u3's b (converting)
    assert journeys(ON) == {"a": (1, 1), "b": (2, 2), "c": (1, 1)}
    # plus u2's c and u3's a, b
    assert journeys(OFF) == {"a": (2, 2), "b": (3, 3), "c": (2, 2)}
    # touches of converting journeys: censoring never touches them
    pd.testing.assert_frame_equal(journey_touches(three_users, ON),
                                  journey_touches(three_users, OFF))


def test_date_range_counts_only_journeys_ending_in_it(three_users):
    feb = JourneyOptions(lookback_days=7, start=date(2024, 2, 1))
    r = censoring_report(three_users, feb)
    assert (r.non_converting, r.censored, r.converting) == (2, 2, 0)
    assert build_paths(three_users, feb).total_nulls == 0


# -------------------------------------------------------------------- warnings
def test_most_journeys_censored_is_a_warning_saying_why_and_what_to_do(three_users):
    (text,) = censoring_report(three_users, ON).warnings
    assert text.startswith("2 of 3 non-converting journeys (67%) were censored: their last "
                           "touch is less than 7 days before the end of the data "
                           "(2024-02-10 00:00)")
    assert "the data covers 41 days (2024-01-01 to 2024-02-10)" in text
    assert "count only the other 1 as failures" in text
    assert "--lookback" in text and "--no-censor" in text
    assert "ChannelAttribution's convention" in text
    assert censoring_report(three_users, OFF).warnings == ()


def test_half_or_fewer_censored_is_no_warning(three_users):
    # lookback 3: u3's last touch 35 + 3 = 38 <= 40 closes it; only u2 is open (1 of 3)
    r = censoring_report(three_users, JourneyOptions(lookback_days=3))
    assert (r.non_converting_kept, r.censored) == (2, 1)
    assert r.warnings == ()
    assert as_dict(build_paths(three_users, JourneyOptions(lookback_days=3))) == {
        "a > b": (1, 10, 0), "b": (1, 5, 1), "c": (0, 0, 1)}


@pytest.fixture
def one_month(wh, load):
    """January 2024, lookback 30: every journey without a conversion is still open.

    u1 search 01-01, converts 01-05 (20); u2 email 01-03; u3 search 01-10, social 01-20;
    u4 display 01-25, converts 01-31 12:00 (5), the end of the data.
    """
    return load(wh, [("e1", "u1", "2024-01-01 09:00", "search"),
                     ("e2", "u2", "2024-01-03 10:00", "email"),
                     ("e3", "u3", "2024-01-10 11:00", "search"),
                     ("e4", "u3", "2024-01-20 12:00", "social"),
                     ("e5", "u4", "2024-01-25 13:00", "display")],
                [("c1", "u1", "2024-01-05 09:00", 20), ("c4", "u4", "2024-01-31 12:00", 5)])


def test_one_month_with_a_30_day_lookback_censors_every_failure(one_month):
    r = censoring_report(one_month, JourneyOptions())
    assert (r.non_converting, r.censored, r.non_converting_kept) == (2, 2, 0)
    assert build_paths(one_month).total_nulls == 0
    (text,) = r.warnings
    assert text.startswith(
        "all 2 non-converting journeys were censored: the data covers 31 days (2024-01-01 to "
        "2024-01-31) and the lookback is 30 days, so no journey without a conversion is old "
        "enough to count as a failure")
    assert "Markov and the conversion-rate Shapley then see no failures" in text
    assert "Use a shorter lookback (--lookback / lookback_days), or --no-censor" in text
    # without censoring the two come back as nulls: u2's email, u3's search > social
    off = JourneyOptions(censor=False)
    assert as_dict(build_paths(one_month, off)) == {
        "display": (1, 5, 0), "email": (0, 0, 1), "search": (1, 20, 0),
        "search > social": (0, 0, 1)}
    assert censoring_report(one_month, off).warnings == ()


def test_a_path_table_without_any_null_is_a_warning(wh, load):
    load(wh, [("e1", "u1", at(0), "a")], [("c1", "u1", at(1), 3)])
    for censor in (True, False):
        (text,) = censoring_report(wh, JourneyOptions(censor=censor)).warnings
        assert text.startswith("the path table has no non-converting journeys (nulls)")


def test_an_empty_warehouse_has_nothing_to_warn_about(wh):
    r = censoring_report(wh)
    assert (r.non_converting, r.converting, r.data_start, r.data_days) == (0, 0, None, 0)
    assert r.warnings == ()


def test_the_only_journey_censored_is_said_in_the_singular():
    r = CensoringReport(censor=True, non_converting=1, still_open=1, converting=0,
                        lookback_days=30, data_start=T0, data_end=T0)
    assert r.warnings[0].startswith("the only non-converting journey was censored: the data "
                                    "covers 1 day (2024-01-01 to 2024-01-01)")


# ------------------------------------------- ChannelAttribution's convention
def _trailing_journeys(touches: pd.DataFrame, conversions: pd.DataFrame,
                       lookback_days: int) -> pd.DataFrame:
    """Each user's touches after the last conversion, within the lookback of the last touch.

    Written in pandas from the rule, apart from the SQL: a touch at the time of a
    conversion belongs to it; ties between touches by event_id.
    """
    last_conv = conversions.groupby("user_id")["ts"].max().rename("last_conv")
    t = touches.join(last_conv, on="user_id")
    t = t[t["last_conv"].isna() | (t["ts"] > t["last_conv"])]
    last = t.groupby("user_id")["ts"].transform("max")
    t = t[t["ts"] >= last - pd.Timedelta(days=lookback_days)]
    t = t.sort_values(["user_id", "ts", "event_id"])
    return t.groupby("user_id").agg(path=("channel", " > ".join), last_ts=("ts", "max"))


@pytest.fixture(scope="module")
def synth(synth_warehouse):
    with Warehouse.open(synth_warehouse(n_users=1500, seed=5, days=120), read_only=True) as wh:
        yield wh


@pytest.mark.parametrize("lookback", [7, 30])
def test_no_censor_nulls_are_every_users_trailing_journey(synth, lookback):
    cur = synth.cursor()
    try:
        touches = cur.sql("SELECT event_id, user_id, ts, channel FROM touchpoints").df()
        conversions = cur.sql("SELECT user_id, ts FROM conversions").df()
    finally:
        cur.close()
    expected = _trailing_journeys(touches, conversions, lookback)
    data_end = max(touches["ts"].max(), conversions["ts"].max())
    open_ = expected["last_ts"] + pd.Timedelta(days=lookback) > data_end
    assert 0 < open_.sum() < len(expected)  # the case is not degenerate

    def nulls(pt: PathTable) -> Counter:
        return Counter({p: int(n) for p, n in zip(pt.path_strings(), pt.nulls, strict=True)
                        if n})

    off = build_paths(synth, JourneyOptions(lookback_days=lookback, censor=False))
    assert off.total_nulls == len(expected)
    assert nulls(off) == Counter(expected["path"])
    on = build_paths(synth, JourneyOptions(lookback_days=lookback))
    assert nulls(on) == Counter(expected.loc[~open_, "path"])
    r = censoring_report(synth, JourneyOptions(lookback_days=lookback))
    assert (r.non_converting, r.censored, r.non_converting_kept) == (
        len(expected), int(open_.sum()), int((~open_).sum()))
