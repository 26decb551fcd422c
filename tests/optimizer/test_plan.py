import json
import math

import pytest

from touchpath.optimizer import (
    BudgetConstraint,
    PlanConstraints,
    channel_input_from_segments,
    optimize_budget,
    quarter_months,
    run_scenarios,
)


def plan_2027q1(monthly="pattern"):
    inputs = [
        channel_input_from_segments(
            "a", [(100.0, 4.0), (100.0, 1.0)], previous_spend=80.0, monthly_pattern=[1, 1, 2]
        ),
        channel_input_from_segments("b", [(100.0, 3.0), (100.0, 2.0)], previous_spend=200.0),
    ]
    cons = PlanConstraints(budget=BudgetConstraint(250.0, equality=True))
    return optimize_budget(inputs, cons, quarter="2027Q1", monthly=monthly)


def test_quarter_months():
    assert quarter_months("2027Q1") == ("2027-01", "2027-02", "2027-03")
    assert quarter_months("2026-q4") == ("2026-10", "2026-11", "2026-12")
    with pytest.raises(ValueError, match="2027Q1"):
        quarter_months("2027-03")


def test_monthly_split_follows_pattern_or_even_and_sums_exactly():
    plan = plan_2027q1()
    a, b = plan.channel("a"), plan.channel("b")
    assert a.monthly == (25.0, 25.0, 50.0)  # 100 split 1:1:2
    assert b.monthly == pytest.approx((50.0, 50.0, 50.0))
    assert math.fsum(b.monthly) == b.spend
    even = plan_2027q1("even").channel("a")
    assert even.monthly == pytest.approx((100 / 3, 100 / 3, 100 / 3))
    assert math.fsum(even.monthly) == pytest.approx(100.0, rel=1e-15)
    frame = plan.monthly_frame()
    assert list(frame.columns) == ["channel", "month", "spend"]
    assert frame.spend.sum() == pytest.approx(250.0)


def test_change_share_and_dict_keys():
    plan = plan_2027q1()
    a = plan.channel("a")
    assert a.change == pytest.approx(20.0) and a.change_pct == pytest.approx(0.25)
    assert a.share == pytest.approx(100.0 / 250.0)
    d = json.loads(json.dumps(plan.to_dict()))
    for key in (
        "channels",
        "total_spend",
        "expected_revenue",
        "budget_shadow_price",
        "binding_constraints",
        "status",
    ):
        assert key in d
    for key in ("channel", "spend", "expected_revenue", "marginal_roi"):
        assert key in d["channels"][0]
    assert d["channels"][0]["monthly"] == {"2027-01": 25.0, "2027-02": 25.0, "2027-03": 50.0}
    frame = plan.to_frame()
    assert {"spend_2027-01", "spend_2027-03", "marginal_roi"} <= set(frame.columns)


def test_plots_write_png(tmp_path):
    plan = plan_2027q1()
    p1 = tmp_path / "split.png"
    plan.plot_split(p1)
    scen = run_scenarios(plan.inputs, PlanConstraints(budget=BudgetConstraint(250.0)))
    p2 = tmp_path / "scen.png"
    scen.plot(p2)
    for p in (p1, p2):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
