"""Channel ROI per period on a hand-built warehouse, every number worked by hand.

The warehouse (lookback 30 days; the data ends 2026-04-15, so no journey in
January or February is censored):

January
  u1  search Jan 3, email Jan 5 -> c1 Jan 6, 100 (first purchase)
  u1  email Jan 20              -> c2 Jan 21, 50 (repeat)
  u2  search Jan 10             -> c3 Jan 12, 80 (first)
  u3  (no touch)                -> c4 Jan 15, 40 (first; direct)
  u4  search Jan 8, never converts (null journey ending Jan 8)
  u5  owned Jan 25              -> c5 Jan 26, 30 (first)
February
  u6  live Feb 3, search Feb 4  -> c6 Feb 5, 200 (first)
  u2  search Feb 10             -> c7 Feb 11, 60 (repeat)
  u7  live Feb 20, never converts (null journey)
April (outside the range asked for)
  z   (no touch)                -> c8 Apr 15, 10 (direct)

Spend: January search 50 + 50 = 100, email 20, display 30; February search 80,
email 10, live 40; March search 999 (outside the range).

Linear credit, January paths: ``search > email`` (1 conv, 100, 1 first),
``email`` (1, 50, 0 first), ``search`` (1, 80, 1 first, 1 null), ``owned``
(1, 30, 1 first); direct 1 conversion, 40.

First purchases. Linear offers a per-path credit matrix, so the split is exact
(``W.T @ first_conversions``): each path's first purchases go where its credit
goes. The proportional fallback (models without the matrix) gives a channel
its attributed conversions times the first-purchase share of the converting
journeys touching it. Both are worked below.

  search  conv 0.5 + 1 = 1.5, revenue 50 + 80 = 130, ROI 130/100 = 1.3,
          net 0.3, CPA 100/1.5, spend share 100/150, revenue share 130/300,
          journeys 1 + 2 = 3 (2 converting): rate 2/3.
          exact: 0.5·1 (search > email) + 1·1 (search) = 1.5, repeat 0,
          CAC 100/1.5; proportional: touching paths have 2 conversions, 2 first
          -> 1.5 · 2/2 = 1.5 as well
  email   conv 0.5 + 1 = 1.5, revenue 50 + 50 = 100, ROI 5, net 4, CPA 20/1.5;
          journeys 2, rate 1.
          exact: 0.5·1 (search > email) + 1·0 (email) = 0.5, repeat 1.0,
          CAC 20/0.5 = 40; proportional: touching 2 conversions, 1 first ->
          1.5 · 1/2 = 0.75, repeat 0.75, CAC 20/0.75
  owned   exact and proportional: first 1 (its one path, a first purchase)
  owned   conv 1, revenue 30, no spend: ROI undefined, CPA 0, CAC 0
  display spend 30, nothing attributed: ROI 0, net −1, CPA and CAC undefined
  live    neither spend nor conversions: all ratios undefined
  direct  conv 1, revenue 40; first purchases 4 (c1, c3, c4, c5) − 3 on paths = 1
  totals  5 conversions, 300 revenue, 150 spend

February paths: ``live > search`` (1, 200, 1 first), ``search`` (1, 60, 0
first), ``live`` (0 conv, 1 null).

  live    conv 0.5, revenue 100, ROI 100/40 = 2.5, CPA 80; journeys 2, rate 1/2;
          first 0.5 (exact 0.5·1; proportional 0.5 · 1/1), CAC 80
  search  conv 1.5, revenue 100 + 60 = 160, ROI 2, CPA 80/1.5; journeys 2, rate 1.
          exact: 0.5·1 (live > search) + 1·0 (search) = 0.5, repeat 1.0,
          CAC 80/0.5 = 160; proportional: first share 1/2 -> 0.75, CAC 80/0.75
  email   spend 10, nothing attributed: ROI 0, CPA undefined
  totals  2 conversions, 260 revenue, 130 spend; direct 0 (first 1 − 1 = 0)
"""

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from touchpath.attribution.base import credit_matrix_of
from touchpath.attribution.lifecycle import LifecycleRules, evaluate
from touchpath.attribution.roi import (
    ROIError,
    attribute_period,
    channel_roi,
    period_bounds,
    period_label,
)
from touchpath.attribution.rules import LastTouch, Linear, TimeDecay
from touchpath.data.journeys import JourneyOptions
from touchpath.data.paths import DIRECT, PathTable
from touchpath.data.periods import ROIInputs
from touchpath.data.warehouse import Warehouse
from touchpath.service.roi import compute_roi_table

TOUCHES = [
    ("t1", "u1", "2026-01-03 09:00:00", "search"),
    ("t2", "u1", "2026-01-05 09:00:00", "email"),
    ("t3", "u1", "2026-01-20 09:00:00", "email"),
    ("t4", "u2", "2026-01-10 09:00:00", "search"),
    ("t5", "u4", "2026-01-08 09:00:00", "search"),
    ("t6", "u5", "2026-01-25 09:00:00", "owned"),
    ("t7", "u6", "2026-02-03 09:00:00", "live"),
    ("t8", "u6", "2026-02-04 09:00:00", "search"),
    ("t9", "u2", "2026-02-10 09:00:00", "search"),
    ("t10", "u7", "2026-02-20 09:00:00", "live"),
]
CONVERSIONS = [
    ("c1", "u1", "2026-01-06 12:00:00", 100.0),
    ("c2", "u1", "2026-01-21 12:00:00", 50.0),
    ("c3", "u2", "2026-01-12 12:00:00", 80.0),
    ("c4", "u3", "2026-01-15 12:00:00", 40.0),
    ("c5", "u5", "2026-01-26 12:00:00", 30.0),
    ("c6", "u6", "2026-02-05 12:00:00", 200.0),
    ("c7", "u2", "2026-02-11 12:00:00", 60.0),
    ("c8", "z", "2026-04-15 12:00:00", 10.0),
]
SPEND = [
    ("search", "2026-01-01", 50.0), ("search", "2026-01-15", 50.0),
    ("email", "2026-01-05", 20.0), ("display", "2026-01-10", 30.0),
    ("search", "2026-02-01", 80.0), ("email", "2026-02-02", 10.0),
    ("live", "2026-02-01", 40.0), ("search", "2026-03-01", 999.0),
]
CHANNELS = [
    ("search", "established", "paid", ""), ("email", "established", "crm", ""),
    ("owned", "established", "owned", ""), ("display", "established", "paid", ""),
    ("live", "test", "social", "2026-02-01"),
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("roi")
    files = {
        "channels": pd.DataFrame(CHANNELS, columns=["channel", "status", "group_name",
                                                    "launched_on"]),
        "touchpoints": pd.DataFrame(TOUCHES, columns=["event_id", "user_id", "ts", "channel"]),
        "conversions": pd.DataFrame(CONVERSIONS,
                                    columns=["conversion_id", "user_id", "ts", "value"]),
        "spend": pd.DataFrame(SPEND, columns=["channel", "day", "amount"]),
    }
    warehouse = Warehouse(":memory:")
    for table, frame in files.items():  # channels first: live is a test channel
        path = tmp_path / f"{table}.csv"
        frame.to_csv(path, index=False)
        warehouse.ingest(table, path)
    yield warehouse
    warehouse.close()


@dataclass(frozen=True)
class LinearWithoutMatrix:
    """Linear credit without ``credit_matrix``: forces ROI's proportional first-purchase split."""

    name: ClassVar[str] = "linear"

    def attribute(self, paths):
        return Linear().attribute(paths)


@pytest.fixture(scope="module")
def table(wh):
    return compute_roi_table(wh, Linear(), "month", JourneyOptions(lookback_days=30),
                             date(2026, 1, 1), date(2026, 3, 1))


@pytest.fixture(scope="module")
def proportional_table(wh):
    return compute_roi_table(wh, LinearWithoutMatrix(), "month",
                             JourneyOptions(lookback_days=30), date(2026, 1, 1), date(2026, 3, 1))


def _row(table, period, channel):
    f = table.to_frame()
    rows = f[(f["period"] == period) & (f["channel"] == channel)]
    assert len(rows) == 1, (period, channel)
    return rows.iloc[0]


def test_january_rows_match_the_hand_computation(table):
    s = _row(table, "2026-01", "search")
    assert s["spend"] == 100.0
    assert s["attributed_conversions"] == pytest.approx(1.5)
    assert s["attributed_revenue"] == pytest.approx(130.0)
    assert s["roi"] == pytest.approx(1.3) and s["net_roi"] == pytest.approx(0.3)
    assert s["cpa"] == pytest.approx(100 / 1.5)
    assert s["spend_share"] == pytest.approx(100 / 150)
    assert s["revenue_share"] == pytest.approx(130 / 300)
    assert (s["journeys"], s["converting_journeys"]) == (3.0, 2.0)
    assert s["journey_conversion_rate"] == pytest.approx(2 / 3)
    assert s["first_purchases"] == pytest.approx(1.5)
    assert s["repeat_purchases"] == pytest.approx(0.0)
    assert s["cac"] == pytest.approx(100 / 1.5)
    assert s["note"] == ""

    e = _row(table, "2026-01", "email")
    assert e["attributed_conversions"] == pytest.approx(1.5)
    assert e["attributed_revenue"] == pytest.approx(100.0)
    assert e["roi"] == pytest.approx(5.0) and e["net_roi"] == pytest.approx(4.0)
    assert e["cpa"] == pytest.approx(20 / 1.5)
    assert e["first_purchases"] == pytest.approx(0.5)
    assert e["repeat_purchases"] == pytest.approx(1.0)
    assert e["cac"] == pytest.approx(20 / 0.5)
    assert e["journey_conversion_rate"] == pytest.approx(1.0)


def test_undefined_roi_cases_are_explained(table):
    owned = _row(table, "2026-01", "owned")  # conversions, no spend
    assert owned["attributed_revenue"] == pytest.approx(30.0)
    assert math.isnan(owned["roi"]) and math.isnan(owned["net_roi"])
    assert owned["cpa"] == 0.0 and owned["cac"] == 0.0
    assert "ROI undefined" in owned["note"]

    display = _row(table, "2026-01", "display")  # spend, no conversions
    assert display["spend"] == 30.0
    assert display["roi"] == 0.0 and display["net_roi"] == -1.0
    assert math.isnan(display["cpa"]) and math.isnan(display["cac"])
    assert "CPA and CAC undefined" in display["note"]

    live = _row(table, "2026-01", "live")  # neither
    assert live["spend"] == 0.0 and live["attributed_conversions"] == 0.0
    assert math.isnan(live["roi"]) and math.isnan(live["cpa"])
    assert "no spend and no attributed conversions" in live["note"]

    email_feb = _row(table, "2026-02", "email")
    assert email_feb["roi"] == 0.0 and math.isnan(email_feb["cpa"])

    numbers = table.to_frame().select_dtypes("number").to_numpy()
    assert not np.isinf(numbers).any()


def test_direct_row_carries_unattributed_conversions(table):
    d = _row(table, "2026-01", DIRECT)
    assert d["attributed_conversions"] == 1.0 and d["attributed_revenue"] == 40.0
    assert d["spend"] == 0.0 and math.isnan(d["roi"])
    assert d["first_purchases"] == pytest.approx(1.0)
    assert d["revenue_share"] == pytest.approx(40 / 300)
    d2 = _row(table, "2026-02", DIRECT)
    assert d2["attributed_conversions"] == 0.0 and d2["first_purchases"] == pytest.approx(0.0)


def test_february_rows_match_the_hand_computation(table):
    live = _row(table, "2026-02", "live")
    assert live["spend"] == 40.0
    assert live["attributed_conversions"] == pytest.approx(0.5)
    assert live["attributed_revenue"] == pytest.approx(100.0)
    assert live["roi"] == pytest.approx(2.5) and live["cpa"] == pytest.approx(80.0)
    assert live["journey_conversion_rate"] == pytest.approx(0.5)
    assert live["first_purchases"] == pytest.approx(0.5) and live["cac"] == pytest.approx(80.0)
    search = _row(table, "2026-02", "search")
    assert search["attributed_revenue"] == pytest.approx(160.0)
    assert search["roi"] == pytest.approx(2.0)
    assert search["first_purchases"] == pytest.approx(0.5)
    assert search["repeat_purchases"] == pytest.approx(1.0)
    assert search["cac"] == pytest.approx(80 / 0.5)
    assert search["revenue_share"] == pytest.approx(160 / 260)


def test_linear_splits_first_and_repeat_purchases_exactly(table):
    """Exact split ``W.T @ first_conversions`` (hand-worked in the module docstring).

    January: search 1.5 first / 0 repeat, email 0.5 / 1.0, owned 1 / 0; the
    channels' first purchases sum to the paths' first conversions (c1, c3, c5:
    3), and with the direct row's 1 (c4) to the month's 4. February: live
    0.5 / 0, search 0.5 / 1.0; sum 1 (c6), direct 0.
    """
    assert table.first_purchase_split == "path_credit"
    expected = {("2026-01", "search"): (1.5, 0.0), ("2026-01", "email"): (0.5, 1.0),
                ("2026-01", "owned"): (1.0, 0.0), ("2026-02", "live"): (0.5, 0.0),
                ("2026-02", "search"): (0.5, 1.0)}
    for (period, channel), (first, repeat) in expected.items():
        row = _row(table, period, channel)
        assert row["first_purchases"] == pytest.approx(first, abs=1e-12), (period, channel)
        assert row["repeat_purchases"] == pytest.approx(repeat, abs=1e-12), (period, channel)
    f = table.to_frame()
    for period, on_paths, in_month in (("2026-01", 3.0, 4.0), ("2026-02", 1.0, 1.0)):
        rows = f[f["period"] == period]
        channels = rows[rows["channel"] != DIRECT]
        assert channels["first_purchases"].sum() == pytest.approx(on_paths, rel=1e-12)
        assert rows["first_purchases"].sum() == pytest.approx(in_month, rel=1e-12)


def test_model_without_credit_matrix_falls_back_to_proportional_split(proportional_table):
    """Same credit as Linear, no matrix: email (Jan) and search (Feb) get 0.75 first each.

    Everything else is unchanged: conversions, revenue and the channels whose
    touching journeys are all first purchases (search in January, live).
    """
    t = proportional_table
    assert credit_matrix_of(LinearWithoutMatrix(), PathTable.from_paths([["a"]], [1])) is None
    assert t.first_purchase_split == "proportional"
    e = _row(t, "2026-01", "email")
    assert e["attributed_conversions"] == pytest.approx(1.5)
    assert e["first_purchases"] == pytest.approx(0.75)
    assert e["repeat_purchases"] == pytest.approx(0.75)
    assert e["cac"] == pytest.approx(20 / 0.75)
    assert _row(t, "2026-01", "search")["first_purchases"] == pytest.approx(1.5)
    assert _row(t, "2026-02", "live")["first_purchases"] == pytest.approx(0.5)
    s = _row(t, "2026-02", "search")
    assert s["first_purchases"] == pytest.approx(0.75)
    assert s["cac"] == pytest.approx(80 / 0.75)


def test_totals_reconcile_with_a_direct_sql_sum(wh, table):
    f = table.to_frame()
    for label, lo, hi in (("2026-01", "2026-01-01", "2026-02-01"),
                          ("2026-02", "2026-02-01", "2026-03-01")):
        n, revenue = wh.conn.execute(
            "SELECT count(*), CAST(sum(value) AS DOUBLE) FROM conversions "
            "WHERE ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP)", [lo, hi]).fetchone()
        spend = wh.conn.execute(
            "SELECT CAST(sum(amount) AS DOUBLE) FROM spend WHERE day >= CAST(? AS DATE) "
            "AND day < CAST(? AS DATE)", [lo, hi]).fetchone()[0]
        rows = f[f["period"] == label]
        assert rows["attributed_conversions"].sum() == pytest.approx(n, rel=1e-12)
        assert rows["attributed_revenue"].sum() == pytest.approx(revenue, rel=1e-12)
        assert rows["spend"].sum() == pytest.approx(spend, rel=1e-12)
    rec = table.reconcile()
    assert rec["ok"].all() and table.reconciles
    assert rec["revenue_warehouse"].tolist() == [300.0, 260.0]
    assert rec["spend_warehouse"].tolist() == [150.0, 130.0]


def test_other_models_reconcile_too(wh):
    from touchpath.attribution.registry import make_model

    for model in (LastTouch(), make_model("markov", order=1)):
        t = compute_roi_table(wh, model, "month", start=date(2026, 1, 1), end=date(2026, 3, 1))
        assert t.reconciles, model
    # last touch, January: email gets c1 (100) and c2 (50): ROI 150 / 20
    t = compute_roi_table(wh, LastTouch(), "month", start=date(2026, 1, 1), end=date(2026, 3, 1))
    assert _row(t, "2026-01", "email")["roi"] == pytest.approx(7.5)


def test_default_range_covers_all_data_and_quarters(wh):
    t = compute_roi_table(wh, Linear(), "quarter")
    assert t.periods == ["2026-Q1", "2026-Q2"]
    q1 = t.period_frame("2026-Q1")
    # Q1: 7 conversions, revenue 560; spend 150 + 130 + 999 in March
    assert q1["attributed_conversions"].sum() == pytest.approx(7.0)
    assert q1["attributed_revenue"].sum() == pytest.approx(560.0)
    assert q1["spend"].sum() == pytest.approx(1279.0)
    assert t.reconciles


def test_exports_keep_full_precision(table, tmp_path):
    table.to_csv(tmp_path / "roi.csv")
    back = pd.read_csv(tmp_path / "roi.csv")
    search = back[(back["period"] == "2026-01") & (back["channel"] == "search")]
    assert search["cpa"].iloc[0] == 100 / 1.5  # round-trips to the last bit
    assert back["roi"].isna().sum() == table.to_frame()["roi"].isna().sum()
    table.to_parquet(tmp_path / "roi.parquet")
    pq = pd.read_parquet(tmp_path / "roi.parquet")
    assert len(pq) == len(table.to_frame())
    doc = json.loads(table.to_json(tmp_path / "roi.json"))
    assert doc["period"] == "month" and doc["model"] == "linear"
    owned = [r for r in doc["rows"] if r["channel"] == "owned" and r["period"] == "2026-01"]
    assert owned[0]["roi"] is None  # undefined, not infinity or zero
    assert json.loads((tmp_path / "roi.json").read_text())["totals"][0]["revenue"] == 300.0


def test_lifecycle_on_the_roi_table(table, wh):
    """February baseline: established revenue 160 / spend 80 + 10 = 16/9; live ROI 2.5.

    Ratio 2.5 / (16/9) = 1.40625 ≥ 1.30 -> scale (with live's 0.5 conversion
    accepted, and the bars read on the ratio alone: level 0); the default minimum of
    30 conversions keeps it in test. January ends at the launch day, so it is not a cycle.
    """
    (v,) = evaluate(table, wh.channels(), LifecycleRules(min_conversions=0.5, level=0))
    assert v.channel == "live" and v.verdict == "scale"
    assert v.baseline == pytest.approx(16 / 9) and v.ratio == pytest.approx(1.40625)
    assert v.cycles["period"].tolist() == ["2026-02"]
    (w,) = evaluate(table, wh.channels())
    assert w.verdict == "test" and w.rule == "insufficient_evidence"
    assert "0.5 attributed conversions < min_conversions 30" in w.reason


def test_period_bounds_week_month_quarter_fiscal():
    weeks = period_bounds("2026-01-01", "2026-01-13", "week")
    # 2026-01-01 is a Thursday in ISO week 2026-W01 (Monday 2025-12-29)
    assert weeks == [("2026-W01", date(2026, 1, 1), date(2026, 1, 5)),
                     ("2026-W02", date(2026, 1, 5), date(2026, 1, 12)),
                     ("2026-W03", date(2026, 1, 12), date(2026, 1, 13))]
    months = period_bounds(date(2026, 11, 1), date(2027, 2, 1), "month")
    assert [m[0] for m in months] == ["2026-11", "2026-12", "2027-01"]
    quarters = period_bounds("2026-01-01", "2027-01-01", "quarter")
    assert [(q[0], q[1].month) for q in quarters] == [
        ("2026-Q1", 1), ("2026-Q2", 4), ("2026-Q3", 7), ("2026-Q4", 10)]
    fiscal = period_bounds("2026-01-01", "2027-01-01", "quarter", fiscal_year_start_month=4)
    assert [(q[0], q[1], q[2]) for q in fiscal] == [
        ("FY2026-Q4", date(2026, 1, 1), date(2026, 4, 1)),
        ("FY2027-Q1", date(2026, 4, 1), date(2026, 7, 1)),
        ("FY2027-Q2", date(2026, 7, 1), date(2026, 10, 1)),
        ("FY2027-Q3", date(2026, 10, 1), date(2027, 1, 1))]
    assert period_label(date(2026, 2, 15), "quarter", 2) == "FY2027-Q1"  # Feb–Apr 2026
    with pytest.raises(ROIError, match="period"):
        period_bounds("2026-01-01", "2026-02-01", "year")
    with pytest.raises(ROIError, match="empty range"):
        period_bounds("2026-02-01", "2026-01-01", "month")
    with pytest.raises(ROIError, match="fiscal"):
        period_bounds("2026-01-01", "2026-02-01", "quarter", 13)


def test_channel_roi_stops_between_periods(wh):
    from touchpath.attribution.base import ComputationStopped

    stop = {"raised": False}

    @dataclass(frozen=True)
    class RaisesAfterFirstPeriod:
        name: ClassVar[str] = "linear"

        def attribute(self, paths):
            stop["raised"] = True
            return Linear().attribute(paths)

    # January and February both have conversions: the flag goes up in January's fit
    with pytest.raises(ComputationStopped, match=r"after 1 of 2 periods"):
        compute_roi_table(wh, RaisesAfterFirstPeriod(), "month", JourneyOptions(lookback_days=30),
                          date(2026, 1, 1), date(2026, 3, 1), should_stop=lambda: stop["raised"])


# ------------------------------------------------------------- pure over inputs
JAN, FEB = ("2026-01", date(2026, 1, 1), date(2026, 2, 1)), ("2026-02", date(2026, 2, 1),
                                                              date(2026, 3, 1))


def _daily(*rows):
    return pd.DataFrame(rows, columns=["day", "conversions", "revenue", "first_purchases"],
                        dtype=object).astype({"conversions": float, "revenue": float,
                                              "first_purchases": float})


def _spend(*rows):
    return pd.DataFrame(rows, columns=["channel", "day", "amount"]).astype({"amount": float})


def _no_touches(label):
    raise AssertionError(f"the touches of {label} were read")


def test_channel_roi_is_computed_from_its_inputs_alone():
    """No warehouse: January's paths, spend and daily conversions given by hand.

    January, Linear: ``search > email`` (1 conversion, 100, a first purchase) gives
    search and email 0.5 / 50 each; ``email`` (1, 50, repeat) gives email 1 / 50;
    direct 1 conversion, 40. Search: 0.5 conv, 50 revenue, spend 100, ROI 0.5;
    email: 1.5 conv, 100 revenue, spend 20, ROI 5. First purchases exact: search
    0.5, email 0.5, direct 2 (daily) − 1 (on paths) = 1. February has no journeys:
    display's spend 30 buys nothing (ROI 0); the registered ``owned`` has a row in
    both months with neither spend nor credit.
    """
    jan = PathTable.from_paths([["search", "email"], ["email"]], [1.0, 1.0], [100.0, 50.0],
                               direct_conversions=1.0, direct_value=40.0,
                               first_conversions=[1.0, 0.0])
    feb = PathTable.from_paths([], [], channels=())
    inputs = ROIInputs(
        JourneyOptions(lookback_days=30), (JAN, FEB), {"2026-01": jan, "2026-02": feb},
        _daily((date(2026, 1, 6), 1, 100, 1), (date(2026, 1, 15), 1, 40, 1),
               (date(2026, 1, 21), 1, 50, 0)),
        _spend(("search", date(2026, 1, 1), 100.0), ("email", date(2026, 1, 5), 20.0),
               ("display", date(2026, 2, 1), 30.0)),
        ("display", "email", "owned", "search"), _no_touches)
    done = []
    t = channel_roi(inputs, Linear(), "month", on_period=done.append)
    assert done == ["2026-01", "2026-02"] and t.periods == ["2026-01", "2026-02"]
    search, email = _row(t, "2026-01", "search"), _row(t, "2026-01", "email")
    assert (search["attributed_conversions"], search["attributed_revenue"]) == (0.5, 50.0)
    assert (search["roi"], search["first_purchases"]) == (0.5, 0.5)
    assert (email["attributed_conversions"], email["attributed_revenue"]) == (1.5, 100.0)
    assert (email["roi"], email["first_purchases"], email["repeat_purchases"]) == (5.0, 0.5, 1.0)
    direct = _row(t, "2026-01", DIRECT)
    assert (direct["attributed_conversions"], direct["first_purchases"]) == (1.0, 1.0)
    display = _row(t, "2026-02", "display")
    assert (display["spend"], display["roi"]) == (30.0, 0.0) and math.isnan(display["cpa"])
    owned = _row(t, "2026-02", "owned")
    assert owned["spend"] == 0.0 and math.isnan(owned["roi"])
    assert t.totals["revenue"].tolist() == [190.0, 0.0]
    assert t.totals["spend"].tolist() == [120.0, 30.0] and t.reconciles
    assert (t.options["start"], t.options["end"]) == ("2026-01-01", "2026-03-01")
    assert t.options["lookback_days"] == 30 and t.first_purchase_split == "path_credit"


def test_time_decay_reads_a_periods_touches_only_when_the_period_has_journeys():
    """One January journey ``search`` (7 days before) ``> email`` (same day), value 90.

    Half-life 7 days: weights 1/2 and 1, so search gets 1/3 (30), email 2/3 (60).
    February has no journeys: its touches are never read.
    """
    jan = PathTable.from_paths([["search", "email"]], [1.0], [90.0], first_conversions=[1.0])
    touches = pd.DataFrame({"journey_id": ["c1", "c1"], "channel": ["search", "email"],
                            "days_before": [7.0, 0.0], "value": [90.0, 90.0]})
    read = []

    def touches_of(label):
        read.append(label)
        return touches

    inputs = ROIInputs(JourneyOptions(), (JAN, FEB),
                       {"2026-01": jan, "2026-02": PathTable.from_paths([], [], channels=())},
                       _daily((date(2026, 1, 9), 1, 90, 1)),
                       _spend(("search", date(2026, 1, 2), 60.0)), ("email", "search"),
                       touches_of)
    t = channel_roi(inputs, TimeDecay(half_life_days=7.0), "month")
    assert read == ["2026-01"]
    assert _row(t, "2026-01", "search")["attributed_revenue"] == pytest.approx(30.0)
    assert _row(t, "2026-01", "email")["attributed_revenue"] == pytest.approx(60.0)
    assert _row(t, "2026-01", "search")["roi"] == pytest.approx(0.5) and t.reconciles
    with pytest.raises(ROIError, match="needs the journey touches"):
        attribute_period(TimeDecay(), jan)


def test_channel_roi_refuses_inputs_with_no_period():
    inputs = ROIInputs(JourneyOptions(), (), {}, _daily(), _spend(), (), _no_touches)
    with pytest.raises(ROIError, match="no periods"):
        channel_roi(inputs, Linear(), "month")
    with pytest.raises(ROIError, match="period must be one of"):
        channel_roi(inputs, Linear(), "year")  # type: ignore[arg-type]
