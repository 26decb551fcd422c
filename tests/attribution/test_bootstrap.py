"""Bootstrap intervals: resampling scheme, seeding, vectorised vs refit, interval behaviour."""

from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from touchpath.attribution.base import AttributionResult
from touchpath.attribution.bootstrap import (
    bootstrap,
    percentile_interval,
    resample_counts,
    resample_paths,
)
from touchpath.attribution.rules import Linear, PositionBased
from touchpath.attribution.shapley import OrderedShapley, ShapleySubset
from touchpath.data.paths import PathTable


@dataclass(frozen=True)
class EqualSplit:
    """Test-local linear model: each path's conversions split equally over its touches.

    Independent of Touchpath's rule models so the bootstrap can be checked alone.
    """

    name: str = "equal_split"

    def credit_matrix(self, paths: PathTable) -> np.ndarray:
        w = np.zeros((paths.n_paths, paths.n_channels))
        for i, p in enumerate(paths.paths):
            for c in p:
                w[i, paths.channels.index(c)] += 1.0 / len(p)
        return w

    def attribute(self, paths: PathTable) -> AttributionResult:
        w = self.credit_matrix(paths)
        return AttributionResult.from_credit(self.name, {}, paths, paths.conversions @ w,
                                             paths.value @ w)


@dataclass(frozen=True)
class EqualSplitNoMatrix:
    """The same model without ``credit_matrix``: forces the refit loop."""

    name: str = "equal_split"

    def attribute(self, paths: PathTable) -> AttributionResult:
        return EqualSplit().attribute(paths)


@dataclass(frozen=True)
class NeedsTouches:
    name: str = "needs_touches"

    def attribute(self, paths: PathTable) -> AttributionResult:
        raise ValueError("needs touches")

    def attribute_touches(self, touches, paths):  # pragma: no cover - not reached
        raise AssertionError


def toy(scale: int = 1) -> PathTable:
    return PathTable.from_paths(
        [["a", "b"], ["b", "c"], ["c"], ["a"]],
        conversions=np.array([40, 25, 15, 20]) * scale,
        value=np.array([400.0, 500.0, 150.0, 100.0]) * scale,
        nulls=np.array([160, 75, 185, 80]) * scale,
        direct_conversions=7,
        direct_value=70.0,
    )


def test_intervals_contain_point_estimate():
    res = bootstrap(EqualSplit(), toy(), n_resamples=300, seed=3)
    assert res.ci_level == 0.95
    for k in range(3):
        lo, hi = res.conversions_ci[k]
        assert lo < res.conversions[k] < hi
        vlo, vhi = res.value_ci[k]
        assert vlo < res.value[k] < vhi


def test_point_estimate_is_the_full_data_fit():
    # a: 40/2 + 20 = 40; b: 40/2 + 25/2 = 32.5; c: 25/2 + 15 = 27.5
    res = bootstrap(EqualSplit(), toy(), n_resamples=20, seed=0)
    np.testing.assert_allclose(res.conversions, [40.0, 32.5, 27.5])
    np.testing.assert_allclose(res.value, [200 + 100, 200 + 250, 250 + 150])


def test_ten_times_the_journeys_gives_narrower_intervals():
    small = bootstrap(EqualSplit(), toy(1), n_resamples=400, seed=1)
    large = bootstrap(EqualSplit(), toy(10), n_resamples=400, seed=1)
    # relative width shrinks like 1/sqrt(10) ~ 0.32
    w_small = np.diff(small.conversions_ci, axis=1).ravel() / small.conversions
    w_large = np.diff(large.conversions_ci, axis=1).ravel() / large.conversions
    assert np.all(w_large < 0.5 * w_small)
    assert np.all(w_large > 0.15 * w_small)


def test_same_seed_same_intervals_other_seed_other_intervals():
    a = bootstrap(EqualSplit(), toy(), n_resamples=50, seed=11)
    b = bootstrap(EqualSplit(), toy(), n_resamples=50, seed=11)
    c = bootstrap(EqualSplit(), toy(), n_resamples=50, seed=12)
    assert np.array_equal(a.bootstrap_.conversions, b.bootstrap_.conversions)
    assert np.array_equal(a.conversions_ci, b.conversions_ci)
    assert not np.array_equal(a.conversions_ci, c.conversions_ci)


def test_vectorised_matches_refit_loop_draw_for_draw():
    vec = bootstrap(EqualSplit(), toy(), n_resamples=40, seed=5)
    loop = bootstrap(EqualSplitNoMatrix(), toy(), n_resamples=40, seed=5)
    forced = bootstrap(EqualSplit(), toy(), n_resamples=40, seed=5, vectorise=False)
    assert vec.bootstrap_.method == "vectorised"
    assert loop.bootstrap_.method == "refit"
    assert forced.bootstrap_.method == "refit"
    for other in (loop, forced):
        np.testing.assert_allclose(vec.bootstrap_.conversions,
                                   other.bootstrap_.conversions, rtol=1e-12)
        np.testing.assert_allclose(vec.bootstrap_.value,
                                   other.bootstrap_.value, rtol=1e-12)
        np.testing.assert_allclose(vec.conversions_ci, other.conversions_ci, rtol=1e-12)


@pytest.mark.parametrize("model", [Linear(), ShapleySubset(), OrderedShapley(), PositionBased()],
                         ids=lambda m: m.name)
def test_touchpath_linear_models_take_the_vectorised_route_and_match_the_refit(model):
    """Rule and subset/ordered Shapley models offer ``credit_matrix``: the bootstrap prices
    every resample as ``C* @ W`` and agrees draw for draw with refitting the model.

    Independent check of the point estimate for Linear on ``toy()``: a = 40/2 + 20 = 40,
    b = 40/2 + 25/2 = 32.5, c = 25/2 + 15 = 27.5; subset Shapley gives the same here
    (no path repeats a channel).
    """
    vec = bootstrap(model, toy(), n_resamples=40, seed=5)
    forced = bootstrap(model, toy(), n_resamples=40, seed=5, vectorise=False)
    assert vec.bootstrap_.method == "vectorised"
    assert forced.bootstrap_.method == "refit"
    for key in ("conversions", "value"):
        np.testing.assert_allclose(getattr(vec.bootstrap_, key), getattr(forced.bootstrap_, key),
                                   rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(vec.conversions_ci, forced.conversions_ci, rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_allclose(vec.value_ci, forced.value_ci, rtol=1e-12, atol=1e-9)
    if not isinstance(model, PositionBased):
        np.testing.assert_allclose(vec.conversions, [40.0, 32.5, 27.5], rtol=1e-12)


def test_credit_matrix_of_is_still_importable_from_bootstrap():
    from touchpath.attribution.base import credit_matrix_of as from_base
    from touchpath.attribution.bootstrap import credit_matrix_of

    assert credit_matrix_of is from_base
    np.testing.assert_allclose(credit_matrix_of(Linear(), toy()),
                               [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0],
                                [1.0, 0.0, 0.0]])


def test_batches_do_not_change_the_draws():
    one = np.concatenate(list(resample_counts(toy(), 30, seed=2, max_cells=10**9)))
    many = np.concatenate(list(resample_counts(toy(), 30, seed=2, max_cells=8 * 3)))
    assert one.shape == (30, 2, 4)
    assert np.array_equal(one, many)


def test_each_resample_draws_all_journeys_and_means_match_counts():
    pt = toy()
    draws = np.concatenate(list(resample_counts(pt, 2000, seed=0)))
    n = pt.journeys.sum()
    assert np.all(draws.sum(axis=(1, 2)) == n)
    mean = draws.mean(axis=0)
    expected = np.vstack([pt.conversions, pt.nulls])
    # multinomial cell sd = sqrt(N p (1-p)); the mean of 2000 draws is within 5 sd / sqrt(2000)
    sd = np.sqrt(expected * (1 - expected / n))
    assert np.all(np.abs(mean - expected) < 5 * sd / np.sqrt(2000))


def test_single_path_interval_matches_binomial_quantiles():
    # One path "a": resampled conversions ~ Binomial(N=1000, p=0.3); value = 12 per conversion.
    pt = PathTable.from_paths([["a"]], conversions=[300], value=[3600.0], nulls=[700])
    res = bootstrap(EqualSplit(), pt, n_resamples=4000, seed=9)
    lo, hi = stats.binom.ppf([0.025, 0.975], 1000, 0.3)
    assert abs(res.conversions_ci[0, 0] - lo) <= 2
    assert abs(res.conversions_ci[0, 1] - hi) <= 2
    boot = res.bootstrap_.conversions[:, 0]
    np.testing.assert_allclose(res.bootstrap_.value[:, 0], 12.0 * boot)
    assert abs(boot.std() - np.sqrt(1000 * 0.3 * 0.7)) < 1.0


def test_resampled_tables_keep_direct_and_drop_empty_paths():
    pt = PathTable.from_paths([["a"], ["b"]], conversions=[1, 0], value=[5.0, 0], nulls=[0, 1],
                              direct_conversions=3, direct_value=30.0)
    tables = list(resample_paths(pt, 25, seed=4))
    assert len(tables) == 25
    for t in tables:
        assert t.direct_conversions == 3 and t.direct_value == 30.0
        assert t.journeys.sum() == 2
        assert np.all(t.journeys > 0)
        np.testing.assert_allclose(t.value, 5.0 * t.conversions)
    assert {t.n_paths for t in tables} == {1, 2}


def test_the_result_carries_the_resampled_matrices():
    res = bootstrap(EqualSplit(), toy(), n_resamples=17, seed=8)
    assert res.bootstrap_.n_resamples == 17 and res.bootstrap_.seed == 8
    assert res.bootstrap_.conversions.shape == (17, 3)
    assert res.bootstrap_.value.shape == (17, 3)
    np.testing.assert_allclose(
        res.conversions_ci, percentile_interval(res.bootstrap_.conversions, 0.95))
    # linear credit is efficient in every resample: it sums to that resample's conversions
    draws = np.concatenate(list(resample_counts(toy(), 17, seed=8)))
    np.testing.assert_allclose(res.bootstrap_.conversions.sum(axis=1),
                               draws[:, 0].sum(axis=1))


def test_percentile_interval_by_hand():
    samples = np.arange(1.0, 102.0)[:, None]  # 1..101: quantile q is 1 + 100 q
    np.testing.assert_allclose(percentile_interval(samples, 0.9), [[6.0, 96.0]])


def test_progress_callback_reports_every_resample():
    seen = []
    bootstrap(EqualSplitNoMatrix(), toy(), n_resamples=6, seed=0,
              progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 6) for k in range(1, 7)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_resamples": 0}, "n_resamples"), ({"level": 1.0}, "level")],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap(EqualSplit(), toy(), **kwargs)


def test_fractional_counts_are_refused_with_the_row():
    pt = PathTable.from_paths([["a"], ["b"]], conversions=[1, 2.5], nulls=[1, 1])
    with pytest.raises(ValueError, match="path row 1"):
        bootstrap(EqualSplit(), pt, n_resamples=5)


def test_touch_model_without_touches_is_refused():
    with pytest.raises(ValueError, match="needs journey touches"):
        bootstrap(NeedsTouches(), toy(), n_resamples=5)


def touches_world():
    """Three converting journeys and 5 null journeys.

    j1: a (7 days before), b (0) → weights 1/2 : 1 → a 1/3, b 2/3, value 30
    j2: b (0)                      → b 1, value 60
    j3: a (14), c (0)              → 1/4 : 1 → a 1/5, c 4/5, value 50
    """
    import pandas as pd

    touches = pd.DataFrame({
        "journey_id": [1, 1, 2, 3, 3],
        "channel": ["a", "b", "b", "a", "c"],
        "days_before": [7.0, 0.0, 0.0, 14.0, 0.0],
        "value": [30.0, 30.0, 60.0, 50.0, 50.0],
    })
    paths = PathTable.from_paths([["a", "b"], ["b"], ["a", "c"], ["c"]],
                                 conversions=[1, 1, 1, 0], value=[30.0, 60.0, 50.0, 0.0],
                                 nulls=[2, 0, 1, 2])
    return touches, paths


def test_time_decay_bootstrap_resamples_journeys():
    from touchpath.attribution.rules import TimeDecay

    touches, paths = touches_world()
    res = bootstrap(TimeDecay(7.0), paths, n_resamples=300, seed=6, touches=touches)
    assert res.bootstrap_.method == "touches"
    # point estimate by hand (docstring): a = 1/3 + 1/5, b = 2/3 + 1, c = 4/5
    np.testing.assert_allclose(res.conversions, [1 / 3 + 1 / 5, 5 / 3, 4 / 5])
    np.testing.assert_allclose(res.value, [10 + 10, 20 + 60, 40])
    # replay the documented draw: 8 journeys, each converting journey its own cell
    rng = np.random.default_rng(6)
    draws = rng.multinomial(8, [1 / 8] * 3 + [5 / 8], size=300)[:, :3]
    per_journey = np.array([[1 / 3, 2 / 3, 0], [0, 1, 0], [1 / 5, 0, 4 / 5]])
    values = np.array([30.0, 60.0, 50.0])[:, None]
    np.testing.assert_allclose(res.bootstrap_.conversions, draws @ per_journey)
    np.testing.assert_allclose(res.bootstrap_.value, draws @ (per_journey * values))
    assert np.all(res.conversions_ci[:, 0] <= res.conversions)
    assert np.all(res.conversions <= res.conversions_ci[:, 1])


def test_markov_bootstrap_is_seeded_and_brackets_the_point_estimate():
    from touchpath.attribution.markov import MarkovChain

    a = bootstrap(MarkovChain(order=1), toy(), n_resamples=60, seed=2)
    b = bootstrap(MarkovChain(order=1), toy(), n_resamples=60, seed=2)
    assert a.bootstrap_.method == "refit"
    assert np.array_equal(a.conversions_ci, b.conversions_ci)
    assert np.all(a.conversions_ci[:, 0] <= a.conversions)
    assert np.all(a.conversions <= a.conversions_ci[:, 1])
    # Markov credit is efficient in every resample: rows sum to that resample's conversions
    draws = np.concatenate(list(resample_counts(toy(), 60, seed=2)))
    np.testing.assert_allclose(a.bootstrap_.conversions.sum(axis=1),
                               draws[:, 0].sum(axis=1))


def test_a_model_failing_on_a_resample_names_the_resample_and_the_reason():
    """Raw conversion-rate Shapley on a > b converting 1 of 10 journeys: fine on the full
    data, degenerate on a resample that draws none of that conversion (v(N) = 0). The
    error is still a DegenerateGameError, names the 1-based resample, the seed and the
    model, and carries the model's own message."""
    import re

    from touchpath.attribution.shapley import DegenerateGameError, ShapleyConversionRate

    pt = PathTable.from_paths([["a"], ["b"], ["a", "b"]], [1, 1, 1], nulls=[1, 1, 9])
    with pytest.raises(DegenerateGameError) as info:
        bootstrap(ShapleyConversionRate(prior_journeys=0), pt, n_resamples=20, seed=0)
    message = str(info.value)
    found = re.match(r"bootstrap resample (\d+) of 20 \(seed 0\): model "
                     r"'shapley_rate\(prior_journeys=0\)'", message)
    assert found and 1 <= int(found.group(1)) <= 20, message
    assert "v(N) − v(∅) = 0" in message
    assert isinstance(info.value.__cause__, DegenerateGameError)
    # the shrunk default has no such failure
    res = bootstrap(ShapleyConversionRate(), pt, n_resamples=20, seed=0)
    assert np.all(np.isfinite(res.bootstrap_.conversions))
