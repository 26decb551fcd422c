"""Journeys and path tables built in SQL, against hand-worked cases and a brute force."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from touchpath.data.journeys import (
    JourneyOptions,
    build_paths,
    build_paths_by_period,
    journey_summary,
    journey_touches,
)
from touchpath.data.paths import PathTable

T0 = datetime(2024, 1, 1)


def at(days: float) -> str:
    return (T0 + timedelta(days=days)).isoformat()


def as_dict(pt: PathTable) -> dict:
    f = pt.to_frame(include_direct=False)
    return {p: (c, v, n) for p, c, v, n in zip(f["path"], f["total_conversions"],
                                               f["total_conversion_value"], f["total_null"],
                                               strict=True)}


# A touch far in the future closes the data so that earlier journeys are not censored.
END = ("z_end", "zz", at(400), "other")


def test_lookback_boundary_29_days_in_31_days_out(wh, load):
    load(wh, [("e1", "u1", at(1), "a"), ("e2", "u2", at(0), "b"), END],
         [("c1", "u1", at(30), 10), ("c2", "u2", at(31), 7)])
    pt = build_paths(wh, JourneyOptions(lookback_days=30))
    assert as_dict(pt) == {"a": (1, 10, 0)}
    assert (pt.direct_conversions, pt.direct_value) == (1, 7)


def test_two_conversions_split_one_users_touches(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "b"), ("e3", "u", at(4), "c"),
              ("e4", "u", at(5), "a"), END],
         [("c1", "u", at(3), 5), ("c2", "u", at(6), 8)])
    assert as_dict(build_paths(wh)) == {"a > b": (1, 5, 0), "c > a": (1, 8, 0)}


def test_open_journey_at_end_of_data_is_censored_closed_one_is_a_null(wh, load):
    # data ends at day 100 (u3's conversion); u1's last touch + 30 days < 100: a null;
    # u2's last touch at day 80: its window reaches day 110 > 100: censored.
    load(wh, [("e1", "u1", at(10), "a"), ("e2", "u1", at(20), "b"),
              ("e3", "u2", at(75), "c"), ("e4", "u2", at(80), "a")],
         [("c3", "u3", at(100), 1)])
    pt = build_paths(wh)
    assert as_dict(pt) == {"a > b": (0, 0, 1)}
    assert pt.total_nulls == 1 and pt.direct_conversions == 1


def test_non_converting_journey_keeps_touches_within_lookback_of_its_last(wh, load):
    load(wh, [("e1", "u1", at(0), "a"), ("e2", "u1", at(40), "b"), ("e3", "u1", at(50), "c"),
              END])
    assert as_dict(build_paths(wh)) == {"b > c": (0, 0, 1)}


def test_direct_conversion_has_no_touch_in_window(wh, load):
    load(wh, [("e1", "u1", at(1), "a"), END],
         [("c1", "u1", at(2), 3.5), ("c2", "u1", at(3), 4.25), ("c3", "u9", at(3), 1)])
    pt = build_paths(wh)
    assert as_dict(pt) == {"a": (1, 3.5, 0)}
    assert (pt.direct_conversions, pt.direct_value) == (2, 5.25)


def test_touch_at_the_same_time_as_a_conversion_counts_before_it(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "b"), ("e3", "u", at(2), "c"), END],
         [("c1", "u", at(2), 5), ("c0", "u", at(2), 1)])
    # both touches at day 2 belong to the first conversion at day 2 (by id: c0);
    # ties between touches go by event_id; c1 at the same instant gets none.
    pt = build_paths(wh)
    assert as_dict(pt) == {"a > b > c": (1, 1, 0)}
    assert pt.direct_conversions == 1 and pt.direct_value == 5


def test_collapse_repeats_keeps_the_run_once(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "a"), ("e3", "u", at(3), "b"),
              ("e4", "u", at(4), "a"), ("e5", "u", at(5), "a"), END],
         [("c1", "u", at(6), 2)])
    assert as_dict(build_paths(wh)) == {"a > a > b > a > a": (1, 2, 0)}
    assert as_dict(build_paths(wh, JourneyOptions(collapse_repeats=True))) == {
        "a > b > a": (1, 2, 0)}
    tt = journey_touches(wh, JourneyOptions(collapse_repeats=True))
    # each run keeps its last touch: days 2, 3 and 5
    assert tt["days_before"].tolist() == [4.0, 3.0, 1.0]


def test_max_path_length_keeps_the_last_touches(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "b"), ("e3", "u", at(3), "c"),
              ("e4", "u", at(4), "d"), END],
         [("c1", "u", at(5), 2)])
    assert as_dict(build_paths(wh, JourneyOptions(max_path_length=2))) == {"c > d": (1, 2, 0)}
    assert as_dict(build_paths(wh, JourneyOptions(max_path_length=9))) == {
        "a > b > c > d": (1, 2, 0)}


def test_interaction_filter_drops_views(wh, load):
    load(wh, [("e1", "u", at(1), "a", "view"), ("e2", "u", at(2), "b", "click"),
              ("e3", "v", at(1), "a", "view"), END],
         [("c1", "u", at(3), 2), ("c2", "v", at(3), 4)])
    assert as_dict(build_paths(wh)) == {"a > b": (1, 2, 0), "a": (1, 4, 0)}
    clicks = build_paths(wh, JourneyOptions(interaction="click"))
    assert as_dict(clicks) == {"b": (1, 2, 0)}
    assert (clicks.direct_conversions, clicks.direct_value) == (1, 4)


def test_date_range_selects_journeys_by_conversion_time(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(11), "b"), ("e3", "u", at(21), "c"),
              ("e4", "w", at(12), "a"), END],
         [("c1", "u", at(2), 1), ("c2", "u", at(12), 2), ("c3", "u", at(22), 4)])
    opts = JourneyOptions(start=date(2024, 1, 10), end=T0 + timedelta(days=22))
    pt = build_paths(wh, opts)
    # c2 (day 12) is in [day 9, day 22); c3 at day 22 is not (end exclusive);
    # w's non-converting journey ends at day 12: in range.
    assert as_dict(pt) == {"b": (1, 2, 0), "a": (0, 0, 1)}
    assert pt.first_conversions.tolist() == [0, 0]


def test_first_purchase_is_the_users_first_conversion_in_the_data(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(3), "b"), ("e3", "v", at(3), "b"), END],
         [("c1", "u", at(2), 1), ("c2", "u", at(4), 2), ("c3", "v", at(4), 3)])
    pt = build_paths(wh)
    firsts = dict(zip(pt.to_frame()["path"], pt.first_conversions, strict=False))
    assert firsts == {"a": 1, "b": 1}  # b: c2 is u's second purchase, c3 is v's first
    tt = journey_touches(wh)
    assert dict(zip(tt["journey_id"], tt["first_purchase"], strict=False)) == {
        "c1": True, "c2": False, "c3": True}


def test_journey_touches_positions_and_days_before(wh, load):
    load(wh, [("e1", "u", "2024-01-01T00:00:00Z", "a"), ("e2", "u", "2024-01-02T12:00:00Z", "b"),
              END],
         [("c1", "u", "2024-01-04T00:00:00+00:00", 9.5)])
    tt = journey_touches(wh)
    assert tt[["journey_id", "user_id", "position", "channel"]].values.tolist() == [
        ["c1", "u", 1, "a"], ["c1", "u", 2, "b"]]
    assert tt["days_before"].tolist() == [3.0, 1.5]
    assert tt["value"].tolist() == [9.5, 9.5]
    assert tt["conversion_ts"].iloc[0] == pd.Timestamp("2024-01-04")


def test_journey_summary_per_channel(wh, load):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "b"), ("e3", "v", at(1), "a"), END],
         [("c1", "u", at(3), 10), ("c2", "x", at(3), 4)])
    wh.ingest("spend", pd.DataFrame({"channel": ["a", "a", "c"],
                                     "day": ["2024-01-01", "2024-01-02", "2024-01-02"],
                                     "amount": ["1.5", "2", "7"]}))
    s = journey_summary(wh).set_index("channel")
    # journeys: u = a > b (converts), v = a (null), zz's touch at day 400 is censored
    assert s.loc["a", ["touches", "journeys", "converting_journeys", "conversions"]].tolist() == [
        2, 2, 1, 0]
    assert s.loc["b", ["touches", "conversions", "revenue"]].tolist() == [1, 1, 10.0]
    assert s.loc["(direct)", ["conversions", "revenue"]].tolist() == [1, 4.0]
    assert s.loc["a", "spend"] == 3.5 and s.loc["c", "spend"] == 7.0
    assert s["conversions"].sum() == 2 and s["revenue"].sum() == 14.0


def test_options_are_validated():
    with pytest.raises(ValueError, match="lookback_days"):
        JourneyOptions(lookback_days=0)
    with pytest.raises(ValueError, match="interaction"):
        JourneyOptions(interaction="views")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_path_length"):
        JourneyOptions(max_path_length=0)
    with pytest.raises(ValueError, match="before end"):
        JourneyOptions(start=date(2024, 2, 1), end=date(2024, 1, 1))
    with pytest.raises(TypeError, match="start"):
        JourneyOptions(start="2024-01-01")  # type: ignore[arg-type]


def test_empty_warehouse_gives_an_empty_table(wh):
    pt = build_paths(wh)
    assert pt.n_paths == 0 and pt.totals()["conversions"] == 0


def test_path_table_round_trips_through_channelattribution_csv(wh, load, tmp_path):
    load(wh, [("e1", "u", at(1), "a"), ("e2", "u", at(2), "b"), ("e3", "v", at(1), "a"), END],
         [("c1", "u", at(3), 10), ("c2", "x", at(3), 4)])
    pt = build_paths(wh)
    pt.to_csv(tmp_path / "p.csv")
    back = PathTable.read_csv(tmp_path / "p.csv")
    assert as_dict(back) == as_dict(pt) and back.direct_value == 4


def test_direct_first_purchases_are_counted_and_written(wh, load, tmp_path):
    # x buys with no touch at all (first purchase, direct); u buys after a touch, then
    # again 40 days later with no touch in the window (a repeat purchase, direct)
    load(wh, [("e1", "u", at(1), "a"), END],
         [("c1", "u", at(2), 10), ("c2", "u", at(42), 6), ("c3", "x", at(3), 4)])
    pt = build_paths(wh)
    assert (pt.direct_conversions, pt.direct_value, pt.direct_first_conversions) == (2, 10, 1)
    pt.to_csv(tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().splitlines()[-1] == "(direct),2,10.0,0,1"
    assert PathTable.read_csv(tmp_path / "p.csv").direct_first_conversions == 1


# ------------------------------------------------------------- brute force
def reference_paths(tp: pd.DataFrame, cv: pd.DataFrame, opts: JourneyOptions):
    """Journey rules of DESIGN.md written plainly, one user at a time."""
    lookback = timedelta(days=opts.lookback_days)
    tp = tp.assign(ts=pd.to_datetime(tp["ts"]))
    cv = cv.assign(ts=pd.to_datetime(cv["ts"]))
    data_end = max(tp["ts"].max(), cv["ts"].max())
    kept = tp if opts.interaction == "all" else tp[tp["interaction"] == "click"]
    start = pd.Timestamp(opts.start) if opts.start else None
    end = pd.Timestamp(opts.end) if opts.end else None
    out: dict[tuple, list[float]] = {}
    direct = [0, 0.0]

    def add(path, end_ts, converted, value=0.0, first=False):
        if (start is not None and end_ts < start) or (end is not None and end_ts >= end):
            return
        if not path:
            direct[0] += 1
            direct[1] += value
            return
        if opts.collapse_repeats:
            path = [c for i, c in enumerate(path) if i == len(path) - 1 or path[i + 1] != c]
        if opts.max_path_length:
            path = path[-opts.max_path_length:]
        row = out.setdefault(" > ".join(path), [0, 0.0, 0, 0])
        if converted:
            row[0] += 1
            row[1] += value
            row[3] += first
        else:
            row[2] += 1

    for user in sorted(set(tp["user_id"]) | set(cv["user_id"])):
        t = kept[kept["user_id"] == user].sort_values(["ts", "event_id"])
        c = cv[cv["user_id"] == user].sort_values(["ts", "conversion_id"])
        prev = None
        for k, conv in enumerate(c.itertuples()):
            lo = conv.ts - lookback
            sel = t[(t["ts"] <= conv.ts) & (t["ts"] >= lo)]
            if prev is not None:
                sel = sel[sel["ts"] > prev]
            add(list(sel["channel"]), conv.ts, True, conv.value, k == 0)
            prev = conv.ts
        rest = t if prev is None else t[t["ts"] > prev]
        if len(rest):
            last = rest["ts"].max()
            if last + lookback <= data_end:
                add(list(rest[rest["ts"] >= last - lookback]["channel"]), last, False)
    return out, direct


def random_world(seed: int):
    rng = np.random.default_rng(seed)
    n_t, n_c = 300, 60
    tp = pd.DataFrame({
        "event_id": [f"e{i:04d}" for i in rng.permutation(n_t)],
        "user_id": [f"u{u}" for u in rng.integers(0, 25, n_t)],
        # hours on a coarse grid so that ties between touches and conversions occur
        "ts": [(T0 + timedelta(hours=6 * int(h))).isoformat() for h in rng.integers(0, 480, n_t)],
        "channel": rng.choice(["a", "b", "c", "d"], n_t),
        "interaction": rng.choice(["click", "view"], n_t, p=[0.7, 0.3]),
    })
    cv = pd.DataFrame({
        "conversion_id": [f"c{i:03d}" for i in range(n_c)],
        "user_id": [f"u{u}" for u in rng.integers(0, 30, n_c)],
        "ts": [(T0 + timedelta(hours=6 * int(h))).isoformat() for h in rng.integers(0, 480, n_c)],
        "value": rng.integers(1, 400, n_c) * 0.25,  # exact in binary: sums compare exactly
    })
    return tp, cv


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("opts", [
    JourneyOptions(),
    JourneyOptions(lookback_days=7, collapse_repeats=True, interaction="click"),
    JourneyOptions(lookback_days=14, max_path_length=2, start=date(2024, 1, 20),
                   end=date(2024, 4, 1)),
])
def test_paths_match_brute_force_and_totals_reconcile(wh, seed, opts):
    tp, cv = random_world(seed)
    wh.ingest("touchpoints", tp)
    wh.ingest("conversions", cv)
    pt = build_paths(wh, opts)
    expected, direct = reference_paths(tp, cv, opts)
    frame = pt.to_frame(include_direct=False)
    got = {p: [c, v, n, f] for p, c, v, n, f in zip(
        frame["path"], frame["total_conversions"], frame["total_conversion_value"],
        frame["total_null"], frame["first_conversions"], strict=True)}
    assert got == expected
    assert [pt.direct_conversions, pt.direct_value] == direct
    # every conversion in the range is on a path or direct, count and value exactly
    in_range = pd.to_datetime(cv["ts"])
    mask = np.ones(len(cv), bool)
    if opts.start:
        mask &= in_range >= pd.Timestamp(opts.start)
    if opts.end:
        mask &= in_range < pd.Timestamp(opts.end)
    totals = pt.totals()
    assert totals["conversions"] == mask.sum()
    assert totals["value"] == cv["value"][mask].sum()
    tt = journey_touches(wh, opts)
    assert tt["journey_id"].nunique() == pt.total_conversions
    assert len(tt) == int((pt.lengths * pt.conversions).sum())


def test_totals_reconcile_with_conversions_table_in_sql(wh):
    tp, cv = random_world(5)
    wh.ingest("touchpoints", tp)
    wh.ingest("conversions", cv)
    pt = build_paths(wh)
    n, total = wh.conn.execute("SELECT count(*), CAST(sum(value) AS DOUBLE) FROM conversions"
                               ).fetchone()
    assert pt.total_conversions + pt.direct_conversions == n
    assert pt.total_value + pt.direct_value == total


# ------------------------------------------------------- paths by period
def month_bounds(first: date, n: int) -> list[tuple[str, date, date]]:
    out, cur = [], first
    for _ in range(n):
        nxt = date(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
        out.append((f"{cur.year}-{cur.month:02d}", cur, nxt))
        cur = nxt
    return out


def contents(pt: PathTable) -> dict:
    """Everything build_paths promises per period, with paths as channel names."""
    return {
        "paths": pt.paths, "conversions": pt.conversions.tolist(),
        "value": pt.value.tolist(), "nulls": pt.nulls.tolist(),
        "first": pt.first_conversions.tolist(),
        "direct": (pt.direct_conversions, pt.direct_value),
    }


def assert_matches_build_paths(wh, opts: JourneyOptions, bounds) -> dict[str, PathTable]:
    """Each period of build_paths_by_period equals build_paths run on that period alone."""
    union = build_paths_by_period(wh, opts, bounds)
    own = build_paths_by_period(wh, opts, bounds, channels="period")
    assert list(union) == list(own) == [b[0] for b in bounds]
    singles = {label: build_paths(wh, replace(opts, start=lo, end=hi)) for label, lo, hi in bounds}
    all_channels = tuple(sorted({c for pt in singles.values() for c in pt.channels}))
    for label, single in singles.items():
        assert contents(union[label]) == contents(single), label
        assert contents(own[label]) == contents(single), label
        # "period": byte for byte the table build_paths gives
        assert own[label].channels == single.channels
        assert own[label].codes.tolist() == single.codes.tolist()
        assert own[label].offsets.tolist() == single.offsets.tolist()
        # "all": every period lists every channel seen anywhere, sorted
        assert union[label].channels == all_channels
    return union


def test_paths_by_period_hand_built(wh, load):
    # days from 2024-01-01: Jan = [0, 31), Feb = [31, 60), Mar = [60, 91), Apr = [91, 121)
    load(wh, [
        ("e1", "u1", at(2), "a"), ("e2", "u1", at(3), "b"),      # c1 day 5: Jan, first
        ("e3", "u1", at(29), "b"), ("e4", "u1", at(30), "b"),    # c2 day 31.0: Feb (start incl.)
        ("e5", "u2", at(20), "c"),                               # null, last touch day 20: Jan
        ("e6", "u3", at(40), "a"), ("e7", "u3", at(45), "c"),    # c3 day 46: Feb
        ("e8", "u4", at(30.5), "a"),                             # null ending day 30.5: Jan
        ("e9", "u6", at(150), "d"),                              # c6 day 151: after all periods
        END,
    ], [
        ("c1", "u1", at(5), 10), ("c2", "u1", at(31), 2.5), ("c3", "u3", at(46), 4),
        ("c4", "u5", at(50), 7),                                 # direct, Feb
        ("c5", "u7", at(91), 1),                                 # day 91 = Apr 1: not in Mar
        ("c6", "u6", at(151), 3),
    ])
    bounds = month_bounds(date(2024, 1, 1), 3)  # Jan, Feb, Mar (Mar has no journey)
    union = assert_matches_build_paths(wh, JourneyOptions(), bounds)
    # hand-worked: Jan a > b (1 conv, 10, first), c (null), a (null);
    # Feb b > b (1, 2.5, repeat), a > c (1, 4, first), direct 1 / 7; Mar empty.
    assert dict(zip(map(" > ".join, union["2024-01"].paths),
                    zip(union["2024-01"].conversions, union["2024-01"].value,
                        union["2024-01"].nulls, union["2024-01"].first_conversions,
                        strict=True), strict=True)) == {
        "a > b": (1, 10, 0, 1), "a": (0, 0, 1, 0), "c": (0, 0, 1, 0)}
    feb = union["2024-02"]
    assert sorted(map(" > ".join, feb.paths)) == ["a > c", "b > b"]
    assert (feb.total_conversions, feb.total_value, feb.first_conversions.sum()) == (2, 6.5, 1)
    assert (feb.direct_conversions, feb.direct_value) == (1, 7)
    mar = union["2024-03"]
    assert mar.n_paths == 0 and (mar.direct_conversions, mar.direct_value) == (0, 0)
    assert mar.channels == ("a", "b", "c")  # d (after all periods) is in no table
    collapsed = build_paths_by_period(wh, JourneyOptions(collapse_repeats=True), bounds)
    assert collapsed["2024-02"].path_strings() == ["a > c", "b"]


@pytest.mark.parametrize("opts", [
    JourneyOptions(),
    JourneyOptions(lookback_days=7, collapse_repeats=True, interaction="click"),
    JourneyOptions(lookback_days=14, max_path_length=2),
])
def test_paths_by_period_random_world_match_build_paths(wh, opts):
    tp, cv = random_world(3)
    wh.ingest("touchpoints", tp)
    wh.ingest("conversions", cv)
    # weeks of uneven length with a gap, crossing the data's months, plus an overlap
    edges = [T0 + timedelta(days=d) for d in (3, 10, 17.5, 40, 41)]
    bounds = [(f"p{k}", lo, hi) for k, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))]
    bounds += [("gap-skipped", T0 + timedelta(days=45), T0 + timedelta(days=90)),
               ("overlap", date(2024, 1, 8), date(2024, 3, 1))]
    assert_matches_build_paths(wh, opts, bounds)


@pytest.fixture(scope="module")
def synth_wh():
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    warehouse = Warehouse(":memory:")
    generate(SynthConfig(n_users=3000, seed=3)).load_into(warehouse)
    yield warehouse
    warehouse.close()


@pytest.mark.parametrize("opts", [
    JourneyOptions(),
    JourneyOptions(collapse_repeats=True, interaction="click", max_path_length=3),
])
def test_paths_by_period_synthetic_months_match_build_paths(synth_wh, opts):
    bounds = month_bounds(date(2025, 12, 1), 14)  # Dec 2025 and Jan 2027: no journeys
    union = assert_matches_build_paths(synth_wh, opts, bounds)
    assert union["2025-12"].n_paths == 0 and union["2027-01"].total_conversions == 0
    # the months hold every journey of 2026 once: their sum is build_paths over the year
    year = build_paths(synth_wh, replace(opts, start=date(2026, 1, 1), end=date(2027, 1, 1)))
    assert sum(t.total_conversions + t.direct_conversions for t in union.values()) == (
        year.total_conversions + year.direct_conversions)
    assert sum(t.total_nulls for t in union.values()) == year.total_nulls


def test_paths_by_period_rejects_bad_bounds(wh):
    opts = JourneyOptions()
    jan = ("jan", date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="must be None"):
        build_paths_by_period(wh, JourneyOptions(start=date(2024, 1, 1)), [jan])
    with pytest.raises(ValueError, match=r"bounds\[1\].*repeats"):
        build_paths_by_period(wh, opts, [jan, jan])
    with pytest.raises(ValueError, match=r"bounds\[0\] \('x'\): start .* before end"):
        build_paths_by_period(wh, opts, [("x", date(2024, 2, 1), date(2024, 2, 1))])
    with pytest.raises(TypeError, match=r"bounds\[0\]: expected"):
        build_paths_by_period(wh, opts, [("x", date(2024, 2, 1))])
    with pytest.raises(TypeError, match="start"):
        build_paths_by_period(wh, opts, [("x", "2024-01-01", date(2024, 2, 1))])
    with pytest.raises(ValueError, match="channels"):
        build_paths_by_period(wh, opts, [jan], channels="some")  # type: ignore[arg-type]
    assert build_paths_by_period(wh, opts, []) == {}
