"""Calibration to experiments through the service: the issue's evidence (tests/seed/calibration.py).

Single-touch journeys make every model's credit the channel's own conversions,
so the expected numbers are the seed's counts: search converts 60, 73, 85, 95,
104, 90 users in January..June (507), social 43, 56, 66, 50, 61, 71 (347), each
for 100. The March lift test says 34 of search's 85 were incremental (0.4,
interval [0.3, 0.5]).
"""

from datetime import date

import pandas as pd
import pytest

from tests.seed.calibration import CONVERSIONS, EXPERIMENT, MONTHS, load_calibration
from touchpath import service
from touchpath.attribution.calibration import CalibrationError
from touchpath.data.warehouse import Warehouse
from touchpath.service.calibration import FREED


@pytest.fixture(scope="module")
def cal_wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "cal.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh)
    with Warehouse.open(path, read_only=True) as wh:
        yield wh


def test_the_seed_counts_are_the_hand_worked_ones():
    assert CONVERSIONS == {"search": (60, 73, 85, 95, 104, 90),
                           "social": (43, 56, 66, 50, 61, 71)}


@pytest.mark.parametrize("model", ["markov", "linear", "first_touch", "shapley"])
def test_calibrated_credit_equals_the_experiment_in_its_window(cal_wh, model):
    march = service.journey_options(start=date(2024, 3, 1), end=date(2024, 4, 1))
    out = service.attribute_calibrated(cal_wh, model, march)
    search, social = out.channels["search"], out.channels["social"]
    assert search.conversions.attributed == pytest.approx(85)
    assert search.conversions.calibrated == pytest.approx(34)        # the experiment's
    assert (search.conversions.lower, search.conversions.upper) == (
        pytest.approx(25.5), pytest.approx(42.5))
    assert search.revenue.calibrated == pytest.approx(3400)
    assert search.factor == pytest.approx(0.4)
    # Channels without experiments are unchanged; the freed credit is reported, not spread.
    assert social.conversions.calibrated == social.conversions.attributed == pytest.approx(66)
    assert social.calibrated_by == ""
    assert out.freed_conversions == pytest.approx(85 - 34)
    assert out.freed_revenue == pytest.approx(5100)


def test_outside_the_window_the_factor_scales_the_credit_with_its_interval(cal_wh):
    out = service.attribute_calibrated(cal_wh)
    search = out.channels["search"].conversions
    rest = 507 - 85
    assert search.attributed == pytest.approx(507)
    assert search.calibrated == pytest.approx(34 + 0.4 * rest)       # 202.8
    assert search.lower == pytest.approx(25.5 + 0.3 * rest)          # 152.1
    assert search.upper == pytest.approx(42.5 + 0.5 * rest)          # 253.5
    assert out.channels["social"].conversions.calibrated == pytest.approx(347)
    assert out.freed_conversions == pytest.approx(507 - 202.8)
    by = out.channels["search"].calibrated_by
    assert "nearest experiment search 2024-03-01..2024-03-31" in by


def test_the_calibrated_roi_table_follows_the_experiment_and_still_reconciles(cal_wh):
    table = service.roi_table(cal_wh)
    calibrated, cal = service.calibrated_roi_table(cal_wh, table)
    frame = calibrated.to_frame()
    search = frame[frame["channel"] == "search"].set_index("period")
    freed = frame[frame["channel"] == FREED].set_index("period")
    for m, month in enumerate(MONTHS):
        n = CONVERSIONS["search"][m]
        expected = 34 if month == "2024-03" else 0.4 * n
        assert search.at[month, "attributed_conversions"] == pytest.approx(expected)
        assert search.at[month, "attributed_revenue"] == pytest.approx(100 * expected)
        assert search.at[month, "roi"] == pytest.approx(100 * expected / search.at[month,
                                                                                   "spend"])
        assert freed.at[month, "attributed_conversions"] == pytest.approx(n - expected)
        assert freed.at[month, "spend"] == 0
    social = frame[frame["channel"] == "social"]["attributed_conversions"].tolist()
    assert social == pytest.approx(list(CONVERSIONS["social"]))
    assert calibrated.reconciles
    assert cal.channels == ("search",)


def test_the_plan_moves_budget_away_from_the_calibrated_channel(cal_wh):
    out = service.calibrated_plan(cal_wh)
    assert out.plan.ok and out.uncalibrated.ok
    before, after = out.uncalibrated.spend(), out.plan.spend()
    assert after["search"] < before["search"]
    assert after["social"] > before["social"]
    assert out.plan.total_spend == pytest.approx(out.uncalibrated.total_spend)
    # Calibrated curves promise less: search's revenue shrinks to about 0.4 of it.
    cmp = out.comparison().set_index("channel")
    assert cmp.at["search", "expected_revenue_calibrated"] < \
        0.5 * cmp.at["search", "expected_revenue_uncalibrated"]
    assert cmp.at["(total)", "expected_revenue_calibrated"] == pytest.approx(
        out.plan.expected_revenue)
    assert "factor 0.4 [0.3, 0.5]" in out.calibrated_by["search"]
    assert list(out.calibrated_by) == ["search"]


def test_precision_weighted_rule_by_hand(tmp_path):
    path = tmp_path / "two.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh, experiment=False)
        # March: 34 of 85 (0.4, [0.3, 0.5]); May: 62.4 of 104 (0.6, [0.4, 0.8]).
        wh.ingest("experiments", pd.DataFrame([
            EXPERIMENT,
            {"channel": "search", "start": "2024-05-01", "end": "2024-05-31",
             "incremental_conversions": "62.4", "lower": "41.6", "upper": "83.2"}]))
        out = service.attribute_calibrated(wh, rule="weighted")
        search = out.channels["search"].conversions
        rest = 507 - 85 - 104
        half = 1 / (2 * 31.25 ** 0.5)            # tests/attribution/test_calibration.py
        assert search.calibrated == pytest.approx(34 + 62.4 + 0.44 * rest)
        assert search.lower == pytest.approx(25.5 + 41.6 + (0.44 - half) * rest)
        assert search.upper == pytest.approx(42.5 + 83.2 + (0.44 + half) * rest)
        nearest = service.attribute_calibrated(wh).channels["search"].conversions
        # Nearest: the whole range's midpoint (end of March) is nearer March's (03-16)
        # than May's (05-16).
        assert nearest.calibrated == pytest.approx(34 + 62.4 + 0.4 * rest)


def test_no_experiments_is_a_plain_error(tmp_path):
    with Warehouse.open(tmp_path / "none.duckdb") as wh:
        load_calibration(wh, experiment=False)
        with pytest.raises(CalibrationError, match="no experiments of kind 'purchase'"):
            service.attribute_calibrated(wh)


def test_calibration_needs_one_conversion_kind(cal_wh):
    with pytest.raises(CalibrationError, match="needs one conversion kind"):
        service.attribute_calibrated(cal_wh, options=service.journey_options(kind=None))
