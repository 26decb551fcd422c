"""Model comparison: tidy/wide tables, rank agreement worked by hand, chart, skipped models."""

from dataclasses import dataclass

import numpy as np
import pytest

from touchpath.attribution.base import AttributionResult
from touchpath.attribution.compare import ModelComparison, compare
from touchpath.data.paths import PathTable


@dataclass(frozen=True)
class Positional:
    """Test-local first/last-touch model (independent of Touchpath's rules module)."""

    name: str
    position: int  # 0: first touch, -1: last touch

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        w = np.zeros((paths.n_paths, paths.n_channels))
        for i, p in enumerate(paths.paths):
            w[i, paths.channels.index(p[self.position])] = 1.0
        return w

    def attribute(self, paths: PathTable) -> AttributionResult:
        w = self.credit_matrix(paths)
        return AttributionResult.from_credit(self.name, {}, paths, paths.conversions @ w,
                                             paths.value @ w)


FIRST = Positional("first", 0)
LAST = Positional("last", -1)


@dataclass(frozen=True)
class TouchOnly:
    name: str = "touch_only"

    def attribute(self, paths):  # pragma: no cover - never called without touches
        raise AssertionError

    def attribute_touches(self, touches, paths):  # pragma: no cover
        raise AssertionError


def reversed_world() -> PathTable:
    """First touch: a=3, b=2, c=1. Last touch: a=1, b=2, c=3 (orderings reversed).

    paths (conversions): a>c (3), b>b (2), c>a (1).
    Ranks of first: a1 b2 c3; of last: a3 b2 c1; d = (2, 0, 2), Σd² = 8,
    Spearman = 1 − 6·8 / (3·(9 − 1)) = −1. Kendall: all 3 pairs discordant → −1.
    """
    return PathTable.from_paths([["a", "c"], ["b", "b"], ["c", "a"]], conversions=[3, 2, 1],
                                value=[30.0, 20.0, 10.0], nulls=[5, 5, 5])


def four_channel_world() -> PathTable:
    """Four channels where first and last touch disagree partly.

    paths (conversions): a>d (4), b>c (3), c>a (2), d>b (1).
    First touch: a=4, b=3, c=2, d=1 → ranks (desc) a1 b2 c3 d4.
    Last touch:  d=4, c=3, a=2, b=1 → ranks a3 b4 c2 d1.
    d = (2, 2, 1, 3), Σd² = 4+4+1+9 = 18; Spearman = 1 − 6·18/(4·15) = −0.8.
    Kendall pairs (first vs last order): (a,b) first a>b, last a>b: concordant;
    (a,c) a>c vs a<c: disc.; (a,d) a>d vs a<d: disc.; (b,c) b>c vs b<c: disc.;
    (b,d) b>d vs b<d: disc.; (c,d) c>d vs c<d: disc. → (1 − 5)/6 = −2/3.
    """
    return PathTable.from_paths([["a", "d"], ["b", "c"], ["c", "a"], ["d", "b"]],
                                conversions=[4, 3, 2, 1], value=[4.0, 3.0, 2.0, 1.0],
                                nulls=[1, 1, 1, 1])


def test_reversed_orderings_give_minus_one():
    comp = compare([FIRST, LAST], reversed_world())
    agree = comp.rank_agreement()
    assert len(agree) == 1
    row = agree.iloc[0]
    assert (row.model_a, row.model_b, row.n_channels) == ("first", "last", 3)
    assert row.spearman == pytest.approx(-1.0)
    assert row.kendall == pytest.approx(-1.0)


def test_rank_agreement_four_channels_by_hand():
    comp = compare([FIRST, LAST, Positional("first_again", 0)], four_channel_world())
    agree = comp.rank_agreement().set_index(["model_a", "model_b"])
    assert agree.loc[("first", "last"), "spearman"] == pytest.approx(-0.8)
    assert agree.loc[("first", "last"), "kendall"] == pytest.approx(-2 / 3)
    assert agree.loc[("first", "first_again"), "spearman"] == pytest.approx(1.0)
    assert agree.loc[("last", "first_again"), "kendall"] == pytest.approx(-2 / 3)


def test_constant_credit_has_undefined_rank_agreement():
    # b>b only: both models give all credit to b; a and c get 0 → not constant. Use one path
    # per channel with equal conversions so shares are all equal.
    pt = PathTable.from_paths([["a"], ["b"], ["c"]], conversions=[1, 1, 1], nulls=[0, 0, 0])
    agree = compare([FIRST, LAST], pt).rank_agreement()
    assert np.isnan(agree.iloc[0].spearman) and np.isnan(agree.iloc[0].kendall)


def test_tidy_table_shape_and_numbers():
    comp = compare([FIRST, LAST], reversed_world())
    tidy = comp.to_frame()
    assert tidy.shape == (6, 10)
    assert list(tidy.columns[:6]) == ["model", "channel", "conversions", "value", "share",
                                      "value_share"]
    first = tidy[tidy.model == "first"].set_index("channel")
    assert first.conversions.to_dict() == {"a": 3.0, "b": 2.0, "c": 1.0}
    assert first.share.to_dict() == pytest.approx({"a": 0.5, "b": 1 / 3, "c": 1 / 6})
    assert tidy.conversions_lo.isna().all()


def test_wide_table_has_channel_rows_and_model_columns():
    wide = compare([FIRST, LAST], reversed_world()).wide()
    assert list(wide.index) == ["a", "b", "c"] and list(wide.columns) == ["first", "last"]
    np.testing.assert_allclose(wide["last"].to_numpy(), [1 / 6, 1 / 3, 1 / 2])
    np.testing.assert_allclose(compare([FIRST], reversed_world()).wide("value")["first"],
                               [30.0, 20.0, 10.0])


def test_ci_adds_bounds_for_every_model_with_a_shared_seed():
    comp = compare([FIRST, LAST], reversed_world(), ci=50, seed=3)
    tidy = comp.to_frame()
    assert tidy[["conversions_lo", "conversions_hi"]].notna().all().all()
    assert (tidy.conversions_lo <= tidy.conversions).all()
    assert (tidy.conversions <= tidy.conversions_hi).all()
    # same seed → same resampled journeys: path a>c's resampled conversions are first's a
    # credit and last's c credit
    f = comp.result("first").bootstrap_.conversions
    la = comp.result("last").bootstrap_.conversions
    np.testing.assert_array_equal(f[:, 0], la[:, 2])


def test_models_needing_touches_are_skipped_with_a_reason():
    comp = compare([FIRST, TouchOnly()], reversed_world())
    assert comp.labels == ("first",)
    assert comp.skipped[0][0] == "touch_only"
    assert "timestamps" in comp.skipped[0][1]


def test_degenerate_rate_games_are_skipped_with_the_reason():
    """Raw conversion-rate game (prior_journeys=0): a 1 of 2, b 1 of 2, a > b 0 of 3, so
    the observed grand coalition has rate 0 and nothing can be shared. compare keeps
    going: the model is listed in ``skipped`` with the game's own message. With
    bootstrap intervals, a table that is fine on the full data (a > b converts 1 of
    10) but degenerate on some resample (a > b drawn without its conversion,
    probability about 1/e per resample) is skipped the same way."""
    from touchpath.attribution.shapley import ShapleyConversionRate

    degenerate = PathTable.from_paths([["a"], ["b"], ["a", "b"]], [1, 1, 0], nulls=[1, 1, 3])
    comp = compare(["shapley_rate(prior_journeys=0)", "linear"], degenerate)
    assert comp.labels == ("linear",)
    assert comp.skipped[0][0] == "shapley_rate(prior_journeys=0)"
    assert "v(N) − v(∅) = 0" in comp.skipped[0][1]
    assert "prior_journeys > 0" in comp.skipped[0][1]
    # the default (shrunk) game runs on the same table
    assert compare(["shapley_rate"], degenerate).skipped == ()

    fragile = PathTable.from_paths([["a"], ["b"], ["a", "b"]], [1, 1, 1], nulls=[1, 1, 9])
    raw = ShapleyConversionRate(prior_journeys=0)
    assert raw.attribute(fragile).conversions.sum() == pytest.approx(3)
    comp = compare([raw, "linear"], fragile, ci=20, seed=0)
    assert comp.labels == ("linear",)
    assert comp.skipped[0][0] == "shapley_rate"
    assert "bootstrap resample" in comp.skipped[0][1]


def test_duplicate_labels_are_made_unique():
    comp = compare([FIRST, FIRST], reversed_world())
    assert comp.labels == ("first", "first#2")
    with pytest.raises(KeyError, match="no model"):
        comp.result("nope")


def test_plot_draws_one_bar_per_channel_and_model_and_saves_png(tmp_path):
    comp = compare([FIRST, LAST], reversed_world(), ci=20)
    out = tmp_path / "compare.png"
    fig = comp.plot(out, metric="share")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted(round(x, 6) for x in [1 / 2, 1 / 3, 1 / 6] * 2)
    assert ax.get_legend() is not None


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least one model"):
        compare([], reversed_world())
    with pytest.raises(ValueError, match="ci"):
        compare([FIRST], reversed_world(), ci=-1)
    with pytest.raises(ValueError, match="unknown metric"):
        compare([FIRST], reversed_world()).wide("roi")
    one = FIRST.attribute(reversed_world())
    with pytest.raises(ValueError, match="unique"):
        ModelComparison((one, one), ("x", "x"))
    with pytest.raises(ValueError, match="one label per result"):
        ModelComparison((one,), ("x", "y"))


def test_registry_specs_run_the_real_rule_models():
    comp = compare(["first_touch", "last_touch"], reversed_world())
    assert comp.labels == ("first_touch", "last_touch")
    row = comp.rank_agreement().iloc[0]
    assert row.spearman == pytest.approx(-1.0) and row.kendall == pytest.approx(-1.0)
    assert comp.wide("conversions")["first_touch"].tolist() == [3.0, 2.0, 1.0]


def test_columns_are_the_specs_asked_for_and_short_labels_for_instances():
    from touchpath.attribution.markov import MarkovChain
    from touchpath.attribution.rules import PositionBased

    comp = compare(["markov2", " position ", MarkovChain(order=2), PositionBased(first=0.3)],
                   reversed_world())
    assert comp.labels == ("markov2", "position", "markov2#2", "position(first=0.3)")
    # the settings themselves stay complete
    assert comp.result("position(first=0.3)").params == {"first": 0.3, "last": 0.4}


def test_skipped_models_are_named_by_their_spec():
    comp = compare(["first_touch", "time_decay(half_life_days=3)"], reversed_world())
    assert comp.labels == ("first_touch",)
    assert comp.skipped[0][0] == "time_decay(half_life_days=3)"


def test_share_bounds_are_the_conversion_bounds_over_the_total():
    comp = compare([FIRST], reversed_world(), ci=30, seed=1)
    result = comp.result("first")
    np.testing.assert_allclose(comp.bounds(result, "share"), result.conversions_ci / 6.0)
    np.testing.assert_allclose(comp.bounds(result, "value_share"), result.value_ci / 60.0)
    assert compare([FIRST], reversed_world()).bounds(FIRST.attribute(reversed_world())) is None
