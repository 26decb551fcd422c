"""Segment workflows: per segment credit + (direct) = the segment's conversions and revenue.

The hand-worked warehouse is the one of ``tests/data/test_segments.py`` (its
docstring has the journeys), with spend added: search 100 on 01-01, email 30
on 01-02, display 7 on 01-08, and tv 9 on 01-03 (a channel no journey touches). The
ROI range runs to the last day with a conversion or spend (01-08), so u4's
non-converting journey (last touch 01-08) is in January's table.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.data.test_segments import CONVERSIONS, OPTIONS, TOUCHES, USERS
from touchpath import service
from touchpath.data.journeys import JourneyOptions, build_paths
from touchpath.data.segments import NO_VALUE
from touchpath.data.warehouse import Warehouse
from touchpath.service import DEFAULTS

SPEND = pd.DataFrame({"channel": ["search", "email", "display", "tv"],
                      "day": ["2024-01-01", "2024-01-02", "2024-01-08", "2024-01-03"],
                      "amount": ["100", "30", "7", "9"]})


@pytest.fixture
def wh():
    with Warehouse(":memory:") as w:
        w.ingest("touchpoints", TOUCHES)
        w.ingest("conversions", CONVERSIONS)
        w.ingest("users", USERS)
        w.ingest("spend", SPEND)
        yield w


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """3,000 synthetic users over 90 days, users loaded too (device/region on both)."""
    from touchpath.data.synth import SynthConfig, generate

    data = generate(SynthConfig(n_users=3000, days=90, seed=7))
    path = tmp_path_factory.mktemp("seg") / "synth.duckdb"
    with Warehouse(path) as w:
        data.load_into(w)
        w.ingest("users", data.users)
    return path


def _credit(result, channel):
    return float(result.conversions[list(result.channels).index(channel)])


def test_linear_per_device_by_hand(wh):
    seg = service.attribute_segments(wh, "device", "linear", OPTIONS)
    assert [s.segment for s in seg.segments] == ["desktop", "mobile", NO_VALUE]
    mobile = seg.results["mobile"]
    assert (_credit(mobile, "search"), _credit(mobile, "email")) == (0.5, 0.5)
    assert mobile.value.tolist() == [5.0, 5.0]
    desktop = seg.results["desktop"]
    assert dict(zip(desktop.channels, desktop.conversions.tolist(), strict=True)) == \
        {"display": 0.0, "search": 1.0}
    none = seg.results[NO_VALUE]
    assert (none.direct_conversions, none.direct_value, none.total_conversions) == (1, 5, 0)
    frame = seg.to_frame()
    assert list(frame.columns[:3]) == ["segment", "model", "channel"]
    assert frame.loc[frame["segment"] == NO_VALUE, "channel"].tolist() == ["search",
                                                                            "(direct)"]
    sizes = {s.segment: (s.journeys, s.conversions, s.revenue, s.nulls)
             for s in seg.segments}
    assert sizes == {"desktop": (2, 1, 20, 1), "mobile": (2, 1, 10, 1),
                     NO_VALUE: (2, 1, 5, 1)}


def test_small_segments_are_shown_with_n_and_an_interval(wh):
    seg = service.attribute_segments(wh, "plan", "linear", OPTIONS)
    # every segment here has fewer than DEFAULTS.segment_min_conversions conversions
    assert all(s.small_sample for s in seg.segments)
    gold = seg.results["gold"]
    assert gold.conversions_ci is not None and gold.ci_level == DEFAULTS.level
    assert gold.bootstrap_.n_resamples == DEFAULTS.segment_ci
    assert any("segment 'gold' is small: 2 conversions" in w for w in seg.warnings)
    # (none) holds only non-converting journeys: nothing to attribute, still listed
    assert seg.results[NO_VALUE].total_conversions == 0
    big = service.attribute_segments(wh, "plan", "linear", OPTIONS, min_conversions=1)
    assert big.results["gold"].conversions_ci is None
    assert [s.small_sample for s in big.segments] == [False, False, True]


@pytest.mark.parametrize("by", ["device", "region", "customer_type"])
def test_every_model_credit_plus_direct_is_the_segments_conversions(synth, by):
    options = JourneyOptions()
    with Warehouse.open(synth, read_only=True) as w:
        pooled = build_paths(w, options)
        seg = service.compare_segments(w, by, DEFAULTS.compare_models, options,
                                       min_conversions=0)
    totals = np.zeros(4)
    for s in seg.segments:
        comparison = seg.comparisons[s.segment]
        assert not comparison.skipped or s.segment == NO_VALUE, comparison.skipped
        for label, result in zip(comparison.labels, comparison.results, strict=True):
            conv = float(result.conversions.sum()) + result.direct_conversions
            value = float(result.value.sum()) + result.direct_value
            assert conv == pytest.approx(s.conversions, rel=1e-12, abs=1e-9), (s.segment, label)
            assert value == pytest.approx(s.revenue, rel=1e-12, abs=1e-6), (s.segment, label)
        totals += (s.conversions, s.revenue, s.direct_conversions, s.nulls)
    assert totals[0] == pooled.total_conversions + pooled.direct_conversions
    assert totals[1] == pytest.approx(pooled.total_value + pooled.direct_value, rel=1e-12)
    assert (totals[2], totals[3]) == (pooled.direct_conversions, pooled.total_nulls)


def test_roi_spend_is_allocated_by_touch_share_exactly(wh):
    roi = service.roi_segments(wh, "device", "linear", "month", OPTIONS)
    assert list(roi.tables) == ["desktop", "mobile", NO_VALUE]
    spend = {seg: dict(zip(t.money_frame()["channel"], t.money_frame()["spend"], strict=True))
             for seg, t in roi.tables.items()}
    third = Decimal("33.333333")
    assert spend["desktop"]["search"] == third + Decimal("0.000001")  # the remainder: first
    assert spend["mobile"]["search"] == spend[NO_VALUE]["search"] == third
    assert (spend["mobile"]["email"], spend["desktop"]["email"]) == (Decimal(30), Decimal(0))
    assert spend["desktop"]["display"] == Decimal(7)
    # tv has no touch: split by all touches, desktop 2, mobile 3, (none) 1 of 6
    assert [spend[s]["tv"] for s in roi.tables] == [Decimal(3), Decimal("4.5"),
                                                    Decimal("1.5")]
    assert roi.spend_totals() == {"2024-01": Decimal(146)}
    basis = dict(zip(roi.spend_basis["channel"], roi.spend_basis["basis"], strict=True))
    assert basis == {"display": "touch_share", "email": "touch_share",
                     "search": "touch_share", "tv": "all_touch_share"}
    assert roi.reconciles
    revenue = {seg: float(t.money_frame()["attributed_revenue"].sum())
               for seg, t in roi.tables.items()}
    assert revenue == {"desktop": 20.0, "mobile": 10.0, NO_VALUE: 5.0}
    frame = roi.to_frame()
    assert frame.columns[0] == "segment" and "spend_basis" in frame.columns
    assert any("allocated" in w for w in roi.warnings)


def test_roi_per_segment_reconciles_on_synthetic_data(synth):
    with Warehouse.open(synth, read_only=True) as w:
        pooled = service.roi_table(w, "linear")
        roi = service.roi_segments(w, "region", "linear")
    assert roi.reconciles
    want = dict(zip(pooled.exact_totals["period"], pooled.exact_totals["spend"], strict=True))
    assert roi.spend_totals() == want
    conv = sum(float(t.totals["conversions"].sum()) for t in roi.tables.values())
    assert conv == float(pooled.totals["conversions"].sum())


@pytest.mark.parametrize("model", ["markov", "markov2", "shapley", "shapley_rate", "time_decay",
                                   "first_touch", "position"])
def test_every_model_runs_on_small_and_empty_segments(wh, model):
    # (none) of plan holds only journeys without a conversion: listed, nothing to attribute
    seg = service.attribute_segments(wh, "plan", model, OPTIONS)
    assert [s.segment for s in seg.segments] == ["gold", "silver", NO_VALUE]
    none = seg.results[NO_VALUE]
    assert (none.total_conversions, none.conversions_ci) == (0, None)
    for s in seg.segments:
        result = seg.results[s.segment]
        assert float(result.conversions.sum()) + result.direct_conversions == \
            pytest.approx(s.conversions, abs=1e-9)


def test_a_conversion_only_attribute_says_where_the_failures_went(wh):
    plan = service.attribute_segments(wh, "plan", "markov", OPTIONS)
    assert any("'plan' is an attribute of the conversions only: the 3 journeys without a "
               "conversion" in w for w in plan.warnings)
    device = service.attribute_segments(wh, "device", "markov", OPTIONS)
    assert not any("attribute of the conversions only" in w for w in device.warnings)
