"""Money axes of the matplotlib charts: no ``1e6`` offset, the current budget labelled."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from touchpath.attribution.plotting import money_tick  # noqa: E402
from touchpath.optimizer.constraints import BudgetConstraint, PlanConstraints  # noqa: E402
from touchpath.optimizer.curves import channel_input_from_segments as ch  # noqa: E402
from touchpath.optimizer.scenarios import run_scenarios  # noqa: E402


def budget(total: float) -> PlanConstraints:
    return PlanConstraints().with_budget(BudgetConstraint(total, equality=False))


def test_money_ticks_are_short_amounts():
    assert money_tick(950_000) == "950k"
    assert money_tick(1_200_000) == "1.2M"
    assert money_tick(0) == "0"


def test_scenarios_chart_has_no_offset_and_labels_the_current_budget():
    # millions of spend: matplotlib's default formatter would put "1e6" above the axes
    inputs = [ch("a", [(2_000_000, 3.0), (2_000_000, 1.5)]),
              ch("b", [(1_500_000, 2.5), (1_500_000, 0.8)])]
    scenarios = run_scenarios(inputs, budget(4_000_000.0))
    ax = scenarios.plot()
    ax.figure.canvas.draw()
    try:
        assert ax.yaxis.get_offset_text().get_text() == ""
        assert ax.xaxis.get_offset_text().get_text() == ""
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(t[-1] in "kM" for t in labels if t != "0")
        texts = [t.get_text() for t in ax.texts]
        assert "current budget 4M" in texts
    finally:
        plt.close(ax.figure)


def test_plan_split_axis_is_money_with_the_currency():
    from touchpath.optimizer.plan import optimize_budget

    inputs = [ch("a", [(2_000_000, 3.0)]), ch("b", [(1_500_000, 2.5)])]
    plan = optimize_budget(inputs, budget(3_000_000.0))
    ax = plan.plot_split(currency="CNY")
    ax.figure.canvas.draw()
    try:
        assert ax.xaxis.get_offset_text().get_text() == ""
        assert ax.get_xlabel() == "spend (CNY)"
    finally:
        plt.close(ax.figure)
