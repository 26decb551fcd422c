"""Shapley models: hand-worked toy, brute force over permutations, sampling error.

The conversion-rate form is tested in both scopes: ``scope="global"`` (one game
over all players, the default) and ``scope="journey"`` (one game per converting
channel set). The global scope shrinks observed coalition rates toward their
pooled subset rates (``prior_journeys``, default 30); ``prior_journeys=0`` gives
the raw rates of the original hand-worked examples.
"""

import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpath.attribution.shapley import (
    DegenerateGameError,
    OrderedShapley,
    ShapleyConversionRate,
    ShapleySubset,
)
from touchpath.data.paths import PathTable

# The toy (channels a, b, c):
#   path          conv  value  nulls   set     journeys J   rate v     value/journey
#   a               1     10     3     {a}        4         1/4         5/2
#   b               1     30     1     {b}        2         1/2         15
#   a > b           2     40     2     {a,b}      5 (both)  3/5         12
#   b > a > b       1     20     0     {a,b}
#   a > c           1     50     1     {a,c}      2         1/2         25
#   c               0      0     2     {c}        2         0           0
#   a > b > c       1    100     3     {a,b,c}    4         1/4         25
# {b,c} is never observed. Totals: 7 conversions, value 250.
TOY = dict(
    paths=[["a"], ["b"], ["a", "b"], ["b", "a", "b"], ["a", "c"], ["c"], ["a", "b", "c"]],
    conversions=[1, 1, 2, 1, 1, 0, 1],
    value=[10, 30, 40, 20, 50, 0, 100],
    nulls=[3, 1, 2, 0, 1, 2, 3],
)


@pytest.fixture
def toy() -> PathTable:
    return PathTable.from_paths(**TOY)


def assert_fractions(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(actual, [float(x) for x in expected], rtol=rtol, atol=1e-12)


def test_subset_form_hand_worked(toy):
    """phi(c) = sum over converting sets T containing c of conv(T)/|T|.

    Sets: {a} 1, {b} 1, {a,b} 3, {a,c} 1, {a,b,c} 1.
    a = 1 + 3/2 + 1/2 + 1/3 = 10/3;  b = 1 + 3/2 + 1/3 = 17/6;  c = 1/2 + 1/3 = 5/6.
    Sum 20/6 + 17/6 + 5/6 = 7.
    Value: {a} 10, {b} 30, {a,b} 60, {a,c} 50, {a,b,c} 100.
    a = 10 + 30 + 25 + 100/3 = 295/3;  b = 30 + 30 + 100/3 = 280/3;  c = 25 + 100/3 = 175/3.
    """
    res = ShapleySubset().attribute(toy)
    expected = [F(10, 3), F(17, 6), F(5, 6)]
    assert sum(expected) == 7
    assert_fractions(res.conversions, expected)
    assert_fractions(res.value, [F(295, 3), F(280, 3), F(175, 3)])
    assert res.fit_.channel_sets == 5


def test_ordered_form_hand_worked(toy):
    """Each channel's conv/|T| share is split over its touches and recorded by position.

    a:      a@1 1.
    b:      b@1 1.
    a > b (2 conv):      a@1 1, b@2 1.
    b > a > b (1 conv):  a@2 1/2; b has two touches: b@1 1/4, b@3 1/4.
    a > c:               a@1 1/2, c@2 1/2.
    a > b > c:           a@1 1/3, b@2 1/3, c@3 1/3.
    a by position: (1 + 1 + 1/2 + 1/3, 1/2, 0) = (17/6, 1/2, 0); total 10/3
    b: (1 + 1/4, 1 + 1/3, 1/4) = (5/4, 4/3, 1/4); total 17/6
    c: (0, 1/2, 1/3); total 5/6 — the subset-form totals.
    Value, same shares: b > a > b (20): b@1 5, b@3 5, a@2 10.
    """
    res = OrderedShapley().attribute(toy)
    by_pos = res.fit_.conversions_by_position
    assert_fractions(by_pos[0], [F(17, 6), F(1, 2), 0])
    assert_fractions(by_pos[1], [F(5, 4), F(4, 3), F(1, 4)])
    assert_fractions(by_pos[2], [0, F(1, 2), F(1, 3)])
    assert_fractions(res.conversions, [F(10, 3), F(17, 6), F(5, 6)])
    tidy = res.fit_.by_position.set_index(["channel", "position"])
    assert tidy.loc[("b", 3), "value"] == pytest.approx(5.0)
    assert tidy.loc[("a", 2), "value"] == pytest.approx(10.0)
    # value of a at position 1: 10 (a) + 40/2 (a > b) + 50/2 (a > c) + 100/3 (a > b > c)
    assert tidy.loc[("a", 1), "value"] == pytest.approx(10 + 20 + 25 + 100 / 3)


def shapley3(v, x, y, z):
    """Shapley value of player x in a 3-player game {x, y, z} (weights 1/3, 1/6, 1/6, 1/3).

    ``v`` is keyed by coalitions spelt in alphabetical order ("ab", "abc").
    """

    def w(*players):
        return v["".join(sorted(players))]

    return (F(1, 3) * (w(x) - 0) + F(1, 6) * (w(x, y) - w(y)) + F(1, 6) * (w(x, z) - w(z))
            + F(1, 3) * (w(x, y, z) - w(y, z)))


def test_journey_scope_hand_worked_unseen_zero(toy):
    """v: a 1/4, b 1/2, c 0, ab 3/5, ac 1/2, bc 0 (unseen), abc 1/4.

    Each converting set T gives J(T) * phi_T(c), phi_T the Shapley value inside T:
    {a}: J 4, phi a = 1/4 -> a 1.             {b}: J 2, phi b = 1/2 -> b 1.
    {a,b}: J 5. phi a = 1/2 (1/4) + 1/2 (3/5 - 1/2) = 7/40; phi b = 1/2 (1/2) + 1/2 (3/5 - 1/4)
           = 17/40 -> a 7/8, b 17/8 (sum 3).
    {a,c}: J 2. phi a = 1/2 (1/4) + 1/2 (1/2 - 0) = 3/8; phi c = 1/2 (0) + 1/2 (1/2 - 1/4) = 1/8
           -> a 3/4, c 1/4 (sum 1).
    {a,b,c}: J 4. phi a = 1/3 (1/4) + 1/6 (3/5 - 1/2) + 1/6 (1/2 - 0) + 1/3 (1/4 - 0) = 4/15
             phi b = 1/3 (1/2) + 1/6 (3/5 - 1/4) + 1/6 (0 - 0) + 1/3 (1/4 - 1/2) = 17/120
             phi c = 1/3 (0) + 1/6 (1/2 - 1/4) + 1/6 (0 - 1/2) + 1/3 (1/4 - 3/5) = -19/120
             (sum 1/4 = v(abc)) -> a 16/15, b 17/30, c -19/30 (sum 1).
    a = 1 + 7/8 + 3/4 + 16/15;  b = 1 + 17/8 + 17/30;  c = 1/4 - 19/30.
    """
    v = {"a": F(1, 4), "b": F(1, 2), "c": F(0), "ab": F(3, 5), "ac": F(1, 2), "bc": F(0),
         "abc": F(1, 4)}
    assert shapley3(v, "a", "b", "c") == F(4, 15)
    assert (shapley3(v, "b", "a", "c"), shapley3(v, "c", "a", "b")) == (F(17, 120), F(-19, 120))
    expected = [1 + F(7, 8) + F(3, 4) + F(16, 15), 1 + F(17, 8) + F(17, 30), F(1, 4) - F(19, 30)]
    assert sum(expected) == 7
    res = ShapleyConversionRate(scope="journey").attribute(toy)
    assert res.fit_.unseen == "zero"  # the journey scope's default rule
    assert_fractions(res.conversions, expected)
    assert res.fit_.method == "exact"
    assert res.fit_.coalitions_observed == 6  # the five converting sets and {c}


def test_journey_scope_value_hand_worked(toy):
    """Revenue per journey: a 5/2, b 15, c 0, ab 12, ac 25, bc 0 (unseen), abc 25.

    {a}: a 10.   {b}: b 30.
    {a,b}: J 5. phi a = 1/2 (5/2) + 1/2 (12 - 15) = -1/4; phi b = 1/2 (15) + 1/2 (12 - 5/2) = 49/4
           -> a -5/4, b 245/4 (sum 60).
    {a,c}: J 2. phi a = 1/2 (5/2) + 1/2 (25) = 55/4; phi c = 1/2 (25 - 5/2) = 45/4 -> a 55/2,
           c 45/2 (sum 50).
    {a,b,c}: J 4. phi a = 1/3 (5/2) + 1/6 (12 - 15) + 1/6 (25) + 1/3 (25 - 0) = 77/6;
             phi b = 1/3 (15) + 1/6 (12 - 5/2) + 1/6 (0) + 1/3 (25 - 25) = 79/12;
             phi c = 1/3 (0) + 1/6 (25 - 5/2) + 1/6 (0 - 15) + 1/3 (25 - 12) = 67/12
             -> a 154/3, b 79/3, c 67/3 (sum 100).
    """
    v = {"a": F(5, 2), "b": F(15), "c": F(0), "ab": F(12), "ac": F(25), "bc": F(0),
         "abc": F(25)}
    assert [shapley3(v, "a", "b", "c"), shapley3(v, "b", "a", "c"),
            shapley3(v, "c", "a", "b")] == [F(77, 6), F(79, 12), F(67, 12)]
    expected = [10 - F(5, 4) + F(55, 2) + F(154, 3), 30 + F(245, 4) + F(79, 3),
                F(45, 2) + F(67, 3)]
    assert sum(expected) == 250
    assert_fractions(ShapleyConversionRate(scope="journey").attribute(toy).value, expected)


def test_journey_scope_hand_worked_unseen_subset_rate(toy):
    """unseen="subset_rate": v(bc) = pooled rate of journeys within {b,c}:
    ({b} 1 conv + {c} 0) / (2 + 2) = 1/4. Only {a,b,c} changes:
    phi a = 1/12 + 1/60 + 1/12 + 1/3 (1/4 - 1/4) = 11/60
    phi b = 1/6 + 7/120 + 1/6 (1/4 - 0) - 1/12 = 11/60
    phi c = 0 + 1/24 + 1/6 (1/4 - 1/2) - 7/60 = -7/60     (sum 1/4)
    -> x4: a 11/15, b 11/15, c -7/15.
    """
    v = {"a": F(1, 4), "b": F(1, 2), "c": F(0), "ab": F(3, 5), "ac": F(1, 2), "bc": F(1, 4),
         "abc": F(1, 4)}
    assert [shapley3(v, "a", "b", "c"), shapley3(v, "b", "a", "c"),
            shapley3(v, "c", "a", "b")] == [F(11, 60), F(11, 60), F(-7, 60)]
    expected = [1 + F(7, 8) + F(3, 4) + F(11, 15), 1 + F(17, 8) + F(11, 15),
                F(1, 4) - F(7, 15)]
    res = ShapleyConversionRate(scope="journey", unseen="subset_rate").attribute(toy)
    assert_fractions(res.conversions, expected)


# ------------------------------------------------------ global scope, by hand
def test_global_scope_hand_worked_both_unseen_rules(toy):
    """One game over the players a, b, c (all on converting paths); v(∅) = 0.
    Raw rates: ``prior_journeys=0`` (no shrinkage) reproduces this example.

    Coalition values (conversion rate; value per journey), from the toy table:

        S      J   conv  value   v(S)            v_value(S)
        a      4    1     10     1/4             5/2
        b      2    1     30     1/2             15
        c      2    0      0     0               0
        ab     5    3     60     3/5             12
        ac     2    1     50     1/2             25
        bc     0    -      -     unseen          unseen
        abc    4    1    100     1/4             25

    bc is unseen: "zero" gives v(bc) = 0, v_value(bc) = 0; "subset_rate" pools
    {b} and {c}: v(bc) = (1 + 0)/(2 + 2) = 1/4, v_value(bc) = (30 + 0)/4 = 15/2.

    Harsanyi dividends d(S) = Σ_{R⊆S} (−1)^{|S−R|} v(R), then φ(c) = Σ_{S∋c} d(S)/|S|.
    Conversions, "zero": d(ab) = 3/5 − 1/4 − 1/2 = −3/20, d(ac) = 1/4, d(bc) = −1/2,
    d(abc) = 1/4 − (3/5 + 1/2 + 0) + (1/4 + 1/2 + 0) = −1/10.
      φ(a) = 1/4 − 3/40 + 1/8 − 1/30 = 4/15;  φ(b) = 1/2 − 3/40 − 1/4 − 1/30 = 17/120;
      φ(c) = 0 + 1/8 − 1/4 − 1/30 = −19/120;  Σφ = 1/4 = v(abc).
      Credit = 7 · φ / (1/4) = 28 φ: a 112/15, b 119/30, c −133/30 (sum 7).
    Conversions, "subset_rate": d(bc) = −1/4, d(abc) = 1/4 − 27/20 + 3/4 = −7/20.
      φ(a) = 1/4 − 3/40 + 1/8 − 7/60 = 11/60;  φ(b) = 1/2 − 3/40 − 1/8 − 7/60 = 11/60;
      φ(c) = 1/8 − 1/8 − 7/60 = −7/60;  Σφ = 1/4.  Credit 28 φ: a 77/15, b 77/15, c −49/15.
    Value, "zero": d(ab) = −11/2, d(ac) = 45/2, d(bc) = −15, d(abc) = 25 − 37 + 35/2 = 11/2.
      φ = 5/2 − 11/4 + 45/4 + 11/6 = 77/6;  15 − 11/4 − 15/2 + 11/6 = 79/12;
      45/4 − 15/2 + 11/6 = 67/12;  Σφ = 25.  Credit 250 φ / 25 = 10 φ.
    Value, "subset_rate": d(bc) = −15/2, d(abc) = 25 − 89/2 + 35/2 = −2.
      φ = 5/2 − 11/4 + 45/4 − 2/3 = 31/3;  15 − 11/4 − 15/4 − 2/3 = 47/6;
      45/4 − 15/4 − 2/3 = 41/6;  Σφ = 25.  Credit 10 φ.
    c lowers the rates it joins (c alone 0/2, abc 1/4 < ab 3/5): its conversion
    credit is negative and is reported as such, not clipped.
    """
    v_zero = {"a": F(1, 4), "b": F(1, 2), "c": F(0), "ab": F(3, 5), "ac": F(1, 2),
              "bc": F(0), "abc": F(1, 4)}
    v_pool = {**v_zero, "bc": F(1, 4)}
    val_zero = {"a": F(5, 2), "b": F(15), "c": F(0), "ab": F(12), "ac": F(25), "bc": F(0),
                "abc": F(25)}
    val_pool = {**val_zero, "bc": F(15, 2)}
    cases = {
        "zero": ([F(4, 15), F(17, 120), F(-19, 120)], [F(77, 6), F(79, 12), F(67, 12)]),
        "subset_rate": ([F(11, 60), F(11, 60), F(-7, 60)], [F(31, 3), F(47, 6), F(41, 6)]),
    }
    games = {"zero": (v_zero, val_zero), "subset_rate": (v_pool, val_pool)}
    for unseen, (phi, phi_value) in cases.items():
        v, v_value = games[unseen]
        for game, expected in ((v, phi), (v_value, phi_value)):  # the hand work, independently
            assert [shapley3(game, "a", "b", "c"), shapley3(game, "b", "a", "c"),
                    shapley3(game, "c", "a", "b")] == expected
        assert sum(phi) == F(1, 4) and sum(phi_value) == 25
        res = ShapleyConversionRate(unseen=unseen, prior_journeys=0).attribute(toy)
        assert res.fit_.method == "exact" and res.fit_.unseen == unseen
        assert res.fit_.prior_journeys == 0
        assert_fractions(res.fit_.phi, phi)
        assert_fractions(res.fit_.phi_value, phi_value)
        assert res.fit_.v_grand == pytest.approx(0.25)
        assert res.fit_.v_grand_value == pytest.approx(25.0)
        assert_fractions(res.conversions, [28 * x for x in phi])
        assert_fractions(res.value, [10 * x for x in phi_value])
    assert_fractions(ShapleyConversionRate(prior_journeys=0.0).attribute(toy).conversions,
                     [F(77, 15), F(77, 15), F(-49, 15)])  # default rule: global, subset_rate


# Shrinkage fixture (channels a, b, c), prior m = 2 journeys:
#   path     conv value nulls  J   own rate  pooled(S) = Σ_{R⊆S} conv / Σ_{R⊆S} J
#   a          1    10    3    4   1/4       1/4
#   b          1    20    1    2   1/2       1/2
#   a > b      0     0    2    2   0         (1+1+0)/(4+2+2) = 1/4
#   c          1    30    1    2   1/2       1/2
#   a > b > c  1    60    1    2   1/2       4/12 = 1/3
# {a,c} and {b,c} are unseen. Totals: 4 conversions, value 120, 12 journeys.
SHRINK = dict(paths=[["a"], ["b"], ["a", "b"], ["c"], ["a", "b", "c"]],
              conversions=[1, 1, 0, 1, 1], value=[10, 20, 0, 30, 60], nulls=[3, 1, 2, 1, 1])


def test_global_scope_hand_worked_with_shrinkage():
    """v(S) = (conv(S) + m·pooled(S)) / (J(S) + m) when seen, pooled(S) when unseen; m = 2.

    Conversions. Singletons keep their rates (pooled = own): a 1/4, b 1/2, c 1/2.
      v(ab)  = (0 + 2·1/4) / (2 + 2) = 1/8          (raw rate 0)
      v(ac)  = pooled = (1 + 1)/(4 + 2) = 1/3       (unseen)
      v(bc)  = pooled = (1 + 1)/(2 + 2) = 1/2       (unseen)
      v(abc) = (1 + 2·1/3) / (2 + 2) = 5/12         (raw rate 1/2)
    Shapley, φ(x) = 1/3 v(x) + 1/6 [v(xy) − v(y)] + 1/6 [v(xz) − v(z)] + 1/3 [v(xyz) − v(yz)]:
      φ(a) = 1/12 + 1/6 (1/8 − 1/2) + 1/6 (1/3 − 1/2) + 1/3 (5/12 − 1/2)
           = (12 − 9 − 4 − 4)/144 = −5/144
      φ(b) = 1/6 + 1/6 (1/8 − 1/4) + 1/6 (1/2 − 1/2) + 1/3 (5/12 − 1/3)
           = (24 − 3 + 0 + 4)/144 = 25/144
      φ(c) = 1/6 + 1/6 (1/3 − 1/4) + 1/6 (1/2 − 1/2) + 1/3 (5/12 − 1/8)
           = (24 + 2 + 0 + 14)/144 = 40/144
      Σφ = 60/144 = 5/12 = v(abc).  Credit 4 φ / (5/12) = 48/5 φ: a −1/3, b 5/3, c 8/3.
    Revenue per journey: a 10/4 = 5/2, b 20/2 = 10, c 30/2 = 15;
      pooled(ab) = 30/8 = 15/4 -> v(ab) = (0 + 2·15/4)/4 = 15/8;
      v(ac) = 40/6 = 20/3, v(bc) = 50/4 = 25/2 (unseen, pooled);
      pooled(abc) = 120/12 = 10 -> v(abc) = (60 + 2·10)/4 = 20.
      φ(a) = 5/6 + 1/6 (15/8 − 10) + 1/6 (20/3 − 15) + 1/3 (20 − 25/2)
           = (120 − 195 − 200 + 360)/144 = 85/144
      φ(b) = 10/3 + 1/6 (15/8 − 5/2) + 1/6 (25/2 − 15) + 1/3 (20 − 20/3)
           = (480 − 15 − 60 + 640)/144 = 1045/144
      φ(c) = 5 + 1/6 (20/3 − 5/2) + 1/6 (25/2 − 10) + 1/3 (20 − 15/8)
           = (720 + 100 + 60 + 870)/144 = 1750/144
      Σφ = 2880/144 = 20 = v(abc).  Credit 120 φ / 20 = 6 φ: a 85/24, b 1045/24, c 875/12.
    """
    v = {"a": F(1, 4), "b": F(1, 2), "c": F(1, 2), "ab": F(1, 8), "ac": F(1, 3),
         "bc": F(1, 2), "abc": F(5, 12)}
    v_value = {"a": F(5, 2), "b": F(10), "c": F(15), "ab": F(15, 8), "ac": F(20, 3),
               "bc": F(25, 2), "abc": F(20)}
    phi = [F(-5, 144), F(25, 144), F(40, 144)]
    phi_value = [F(85, 144), F(1045, 144), F(1750, 144)]
    for game, expected in ((v, phi), (v_value, phi_value)):  # the hand work, independently
        assert [shapley3(game, "a", "b", "c"), shapley3(game, "b", "a", "c"),
                shapley3(game, "c", "a", "b")] == expected
    pt = PathTable.from_paths(**SHRINK)
    res = ShapleyConversionRate(prior_journeys=2).attribute(pt)
    assert res.fit_.prior_journeys == 2 and res.fit_.method == "exact"
    assert_fractions(res.fit_.phi, phi)
    assert_fractions(res.fit_.phi_value, phi_value)
    assert res.fit_.v_grand == pytest.approx(5 / 12, rel=1e-12)
    assert res.fit_.v_grand_value == pytest.approx(20.0, rel=1e-12)
    assert_fractions(res.conversions, [F(-1, 3), F(5, 3), F(8, 3)])
    assert_fractions(res.value, [F(85, 24), F(1045, 24), F(875, 12)])
    # the same game sampled over random orders (2 of 3 players exact, then sampling)
    sampled = ShapleyConversionRate(prior_journeys=2, max_exact_channels=2,
                                    n_permutations=3000, seed=1).attribute(pt)
    assert sampled.fit_.v_grand == pytest.approx(5 / 12, rel=1e-12)
    gap = sampled.fit_.phi - np.array([float(x) for x in phi])
    assert np.all(np.abs(gap) < 4.5 * sampled.fit_.conversions_se * 5 / 12 / 4 + 1e-12)


def test_global_scope_observed_grand_coalition_that_never_converts():
    """Regression: N = {a, b} seen on 2 journeys with 0 conversions (as on real data).

    a converts 1 of 2, b 1 of 4, a > b 0 of 2. Raw rates give v(ab) = 0: degenerate.
    Shrunk (m = 30): pooled(ab) = 2/8 = 1/4, v(ab) = (0 + 30/4)/(2 + 30) = 15/64;
    φ(a) = 1/2 (1/2) + 1/2 (15/64 − 1/4) = 31/128, φ(b) = 1/2 (1/4) + 1/2 (15/64 − 1/2)
    = −1/128 (Σ 30/128 = 15/64); credit 2 φ / (15/64): a 31/15, b −1/15.
    """
    pt = PathTable.from_paths([["a"], ["b"], ["a", "b"]], conversions=[1, 1, 0],
                              nulls=[1, 3, 2])
    with pytest.raises(DegenerateGameError, match="prior_journeys > 0"):
        ShapleyConversionRate(prior_journeys=0).attribute(pt)
    res = ShapleyConversionRate().attribute(pt)
    assert res.fit_.prior_journeys == 30.0
    assert_fractions(res.fit_.phi, [F(31, 128), F(-1, 128)])
    assert res.fit_.v_grand == pytest.approx(15 / 64, rel=1e-12)
    assert_fractions(res.conversions, [F(31, 15), F(-1, 15)])
    assert np.all(np.isfinite(res.conversions)) and res.conversions.sum() == pytest.approx(2)


@pytest.mark.parametrize("seed", [6, 7, 10, 12, 27])
def test_global_scope_attributes_synthetic_demo_data(seed):
    """Demo-like data (5000 users): the default game runs and is efficient.

    These seeds were picked because the raw game (``prior_journeys=0``) was
    degenerate on them: the journeys touching every player did not convert.
    ``v(N)`` is checked against the shrinkage formula computed here from the
    paths by plain Python.
    """
    from touchpath.data.journeys import build_paths
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    with Warehouse(":memory:") as wh:
        generate(SynthConfig(n_users=5000, seed=seed)).load_into(wh)
        pt = build_paths(wh)
    res = ShapleyConversionRate().attribute(pt)
    assert np.all(np.isfinite(res.conversions)) and np.all(np.isfinite(res.value))
    assert res.conversions.sum() == pytest.approx(pt.total_conversions, rel=1e-9)
    assert res.value.sum() == pytest.approx(pt.total_value, rel=1e-9)
    table = set_table(pt)
    players = frozenset(c for t, row in table.items() if row[0] > 0 or row[1] > 0 for c in t)
    inside = {t: row for t, row in table.items() if row[2] > 0 and t <= players}
    pooled = sum(row[0] for row in inside.values()) / sum(row[2] for row in inside.values())
    conv_n, _, j_n = inside.get(players, (0.0, 0.0, 0.0))
    assert res.fit_.v_grand == pytest.approx((conv_n + 30 * pooled) / (j_n + 30),
                                                   rel=1e-12)
    assert sum(res.fit_.phi) == pytest.approx(res.fit_.v_grand, rel=1e-9)
    if j_n > 0 and conv_n == 0:  # the case the shrinkage exists for
        with pytest.raises(DegenerateGameError):
            ShapleyConversionRate(prior_journeys=0).attribute(pt)


def test_global_scope_default_rule_is_subset_rate_and_label_round_trips():
    from touchpath.attribution.registry import make_model

    assert ShapleyConversionRate().unseen_rule == "subset_rate"
    assert ShapleyConversionRate("journey").unseen_rule == "zero"
    assert ShapleyConversionRate().prior_strength == 30.0
    assert ShapleyConversionRate("journey").prior_strength == 0.0
    model = make_model("shapley_rate(scope=journey)")
    assert (model.scope, model.unseen_rule) == ("journey", "zero")
    model = make_model("shapley_rate(prior_journeys=5)")
    assert model.prior_strength == 5.0
    assert make_model(model.attribute(PathTable.from_paths(**TOY)).label) == model


# ---------------------------------------------------------------- brute force
def brute_shapley(players, v):
    """Average marginal contribution over every ordering of ``players``."""
    phi = dict.fromkeys(players, 0.0)
    orders = list(itertools.permutations(players))
    for order in orders:
        coalition = frozenset()
        for p in order:
            phi[p] += v(coalition | {p}) - v(coalition)
            coalition = coalition | {p}
    return {p: phi[p] / len(orders) for p in players}


def set_table(pt):
    """Channel set -> [conversions, value, journeys], by plain Python over the paths."""
    table = {}
    for i in range(pt.n_paths):
        row = table.setdefault(frozenset(pt.path(i)), [0.0, 0.0, 0.0])
        row[0] += pt.conversions[i]
        row[1] += pt.value[i]
        row[2] += pt.conversions[i] + pt.nulls[i]
    return table


def brute_subset(pt, k):
    sets = set_table(pt)

    def v(s):
        return sum(row[k] for t, row in sets.items() if t <= s)

    phi = brute_shapley(pt.channels, v)
    return [phi[c] for c in pt.channels]


def brute_rate(pt, k, unseen):
    """Per converting set T: J(T) x Shapley of the rate game restricted to T."""
    sets = {t: row for t, row in set_table(pt).items() if row[2] > 0}

    def v(s):
        if s in sets:
            return sets[s][k] / sets[s][2]
        if unseen == "subset_rate":
            inside = [row for t, row in sets.items() if t <= s]
            journeys = sum(row[2] for row in inside)
            return sum(row[k] for row in inside) / journeys if journeys else 0.0
        return 0.0

    credit = dict.fromkeys(pt.channels, 0.0)
    for t, row in sets.items():
        if row[k] > 0:
            for c, phi in brute_shapley(sorted(t), v).items():
                credit[c] += row[2] * phi
    return [credit[c] for c in pt.channels]


@st.composite
def small_tables(draw, channels=("a", "b", "c", "d", "e")):
    rows = draw(st.lists(
        st.tuples(st.lists(st.sampled_from(channels), min_size=1, max_size=5),
                  st.integers(0, 6), st.integers(0, 20), st.integers(0, 6)),
        min_size=1, max_size=10))
    return PathTable.from_paths([r[0] for r in rows], [r[1] for r in rows],
                                [r[1] * r[2] * 0.5 for r in rows], [r[3] for r in rows],
                                channels=channels)


@settings(max_examples=40, deadline=None)
@given(small_tables())
def test_subset_form_matches_brute_force(pt):
    res = ShapleySubset().attribute(pt)
    np.testing.assert_allclose(res.conversions, brute_subset(pt, 0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.value, brute_subset(pt, 1), rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(small_tables(), st.sampled_from(["zero", "subset_rate"]))
def test_journey_scope_matches_brute_force(pt, unseen):
    res = ShapleyConversionRate(scope="journey", unseen=unseen).attribute(pt)
    np.testing.assert_allclose(res.conversions, brute_rate(pt, 0, unseen), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.value, brute_rate(pt, 1, unseen), rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(small_tables())
def test_journey_scope_is_the_shapley_value_of_the_counterfactual_conversions_game(pt):
    """Independent reading: brute-force Shapley over all channels of
    V(S) = sum over converting sets T of J(T) * v(S & T)."""
    sets = {t: row for t, row in set_table(pt).items() if row[2] > 0}

    def rate(s):
        return sets[s][0] / sets[s][2] if s in sets else 0.0

    def big_v(s):
        return sum(row[2] * rate(s & t) for t, row in sets.items() if row[0] > 0)

    phi = brute_shapley(pt.channels, big_v)
    res = ShapleyConversionRate(scope="journey").attribute(pt)
    np.testing.assert_allclose(res.conversions, [phi[c] for c in pt.channels], rtol=1e-9,
                               atol=1e-9)


def brute_global(pt, k, unseen, m=0.0):
    """Global game by plain Python: players, v, Shapley over every order, v(N), total.

    Players are the channels on some path with conversions or value; journeys
    exposed to any other channel are left out of the rates. Seen coalitions
    get ``(amount + m·pooled) / (J + m)``, pooled = rate of the sets within.
    """
    table = set_table(pt)
    players = sorted({c for t, row in table.items() if row[0] > 0 or row[1] > 0 for c in t})
    sets = {t: row for t, row in table.items() if row[2] > 0 and t <= set(players)}

    def pooled(s):
        inside = [row for t, row in sets.items() if t <= s]
        journeys = sum(row[2] for row in inside)
        return sum(row[k] for row in inside) / journeys if journeys else 0.0

    def v(s):
        if s in sets:
            return (sets[s][k] + m * pooled(s)) / (sets[s][2] + m)
        if unseen == "subset_rate":
            return pooled(s)
        return 0.0

    phi = brute_shapley(players, v) if players else {}
    grand = v(frozenset(players)) if players else 0.0
    total = sum(row[k] for row in table.values())
    return [phi.get(c, 0.0) for c in pt.channels], grand, total


@settings(max_examples=60, deadline=None)
@given(small_tables(), st.sampled_from(["zero", "subset_rate"]),
       st.sampled_from([0.0, 2.5, 30.0]))
def test_global_scope_matches_brute_force(pt, unseen, m):
    """credit = total · φ / v(N) with φ by brute force; v(N) = 0 with a total must raise."""
    games = [brute_global(pt, k, unseen, m) for k in (0, 1)]
    model = ShapleyConversionRate(unseen=unseen, prior_journeys=m)
    if unseen == "subset_rate" and m > 0:  # shrinkage keeps v(N) > 0 whenever there is a total
        assert all(grand > 0 for _, grand, total in games if total > 0)
    if any(total > 0 and grand <= 0 for _, grand, total in games):
        with pytest.raises(DegenerateGameError, match="v\\(N\\) − v\\(∅\\) = 0"):
            model.attribute(pt)
        return
    res = model.attribute(pt)
    for (phi, grand, total), key, credit in zip(games, ("phi", "phi_value"),
                                                (res.conversions, res.value), strict=True):
        np.testing.assert_allclose(getattr(res.fit_, key), phi, rtol=1e-9, atol=1e-12)
        assert sum(phi) == pytest.approx(grand, abs=1e-12)  # Shapley efficiency, brute force
        expected = np.array(phi) * total / grand if total > 0 else np.zeros(len(phi))
        scale = total / grand if total > 0 else 1.0
        np.testing.assert_allclose(credit, expected, rtol=1e-9, atol=1e-9 * scale)


def test_subset_form_beyond_64_channels_uses_pairs():
    """70 channels: paths c0 > c1 > c0 (3 conv) and c5 > c69 (4 conv), c69 (1 conv).

    c0 = c1 = 3/2;  c5 = 2;  c69 = 2 + 1 = 3.
    """
    names = [f"c{i}" for i in range(70)]
    pt = PathTable.from_paths([["c0", "c1", "c0"], ["c5", "c69"], ["c69"]], [3, 4, 1],
                              value=[30, 40, 10], channels=names)
    res = ShapleySubset().attribute(pt)
    expected = np.zeros(70)
    expected[[0, 1, 5, 69]] = [1.5, 1.5, 2.0, 3.0]
    np.testing.assert_allclose(res.conversions, expected, rtol=1e-12)
    assert res.value[69] == pytest.approx(20 + 10)


# ----------------------------------------------------------------- sampling
def random_table(n_channels, n_paths, seed, grand=False):
    """Random paths of 1-4 touches; ``grand`` adds journeys exposed to every channel."""
    rng = np.random.default_rng(seed)
    names = [f"ch{i}" for i in range(n_channels)]
    paths = [list(rng.choice(names, size=rng.integers(1, 5))) for _ in range(n_paths)]
    if grand:
        paths[0] = list(names)
    conv = rng.poisson(2.0, n_paths)
    conv[0] = max(conv[0], 1)
    return PathTable.from_paths(paths, conv, conv * rng.uniform(5, 50, n_paths),
                                rng.poisson(6.0, n_paths), channels=names)


def test_journey_sampling_is_within_a_few_standard_errors_of_exact():
    pt = random_table(10, 300, seed=3)
    exact = ShapleyConversionRate(scope="journey").attribute(pt)
    sampled = ShapleyConversionRate(scope="journey", max_exact_channels=4, n_permutations=400,
                                    seed=7).attribute(pt)
    assert exact.fit_.method == "exact" and sampled.fit_.method == "permutation"
    for key, se_key in (("conversions", "conversions_se"), ("value", "value_se")):
        se = getattr(sampled.fit_, se_key)
        assert np.all(se > 0)
        z = (getattr(sampled, key) - getattr(exact, key)) / se
        assert np.max(np.abs(z)) < 4.5, z
    # every sampled order is efficient on its own, so the mean is too
    assert sampled.conversions.sum() == pytest.approx(pt.total_conversions, rel=1e-12)
    assert sampled.value.sum() == pytest.approx(pt.total_value, rel=1e-12)


@pytest.mark.parametrize("unseen", ["zero", "subset_rate"])
def test_global_sampling_is_within_a_few_standard_errors_and_the_bound_of_exact(unseen):
    """10 players, 400 random orders against the exact Möbius solution.

    With "zero" the grand coalition must be observed (else v(N) = 0), so one
    path touches all ten channels.
    """
    pt = random_table(10, 300, seed=3, grand=unseen == "zero")
    exact = ShapleyConversionRate(unseen=unseen).attribute(pt)
    sampled = ShapleyConversionRate(max_exact_channels=4, n_permutations=400, seed=7,
                                    unseen=unseen).attribute(pt)
    assert exact.fit_.method == "exact" and sampled.fit_.method == "permutation"
    assert sampled.fit_.v_grand == pytest.approx(exact.fit_.v_grand, rel=1e-12)
    for key in ("conversions", "value"):
        se, bound = getattr(sampled.fit_, f"{key}_se"), getattr(sampled.fit_, f"{key}_bound")
        assert np.all(se > 0) and np.all(bound > 0)
        gap = getattr(sampled, key) - getattr(exact, key)
        assert np.max(np.abs(gap / se)) < 4.5, gap / se
        assert np.all(np.abs(gap) <= bound)
    assert sampled.fit_.bound_level == 0.95
    # each order's marginals sum to v(N), so the normalised mean is efficient
    assert sampled.conversions.sum() == pytest.approx(pt.total_conversions, rel=1e-12)
    assert sampled.value.sum() == pytest.approx(pt.total_value, rel=1e-12)


def test_global_sampling_hand_checked_on_two_players():
    """Two players, so the 2 orders are all there is: the sampled mean φ is exact in the
    limit and every draw is one of two hand-computed vectors.

    a: 1 conv of 2 journeys, a > b: 1 of 1; {b} unseen (subset rate 0 — no journeys within).
    v(a) = 1/2, v(b) = 0, v(ab) = 1.  Order a, b: (1/2, 1/2); order b, a: (1, 0).
    φ = (3/4, 1/4); credit 2 φ / 1 = (3/2, 1/2).
    """
    pt = PathTable.from_paths([["a"], ["a", "b"]], conversions=[1, 1], nulls=[1, 0])
    exact = ShapleyConversionRate(prior_journeys=0).attribute(pt)
    assert_fractions(exact.conversions, [F(3, 2), F(1, 2)])
    sampled = ShapleyConversionRate(max_exact_channels=1, n_permutations=2000,
                                    seed=3, prior_journeys=0).attribute(pt)
    share_ab = (sampled.fit_.phi[0] - 1.0) / (0.5 - 1.0)  # fraction of (a, b) orders
    assert 0.45 < share_ab < 0.55
    np.testing.assert_allclose(sampled.fit_.phi,
                               share_ab * np.array([0.5, 0.5]) + (1 - share_ab) * np.array([1, 0]),
                               rtol=1e-12)


@pytest.mark.parametrize("scope", ["global", "journey"])
def test_sampling_is_seeded_and_exact_is_deterministic(scope):
    pt = random_table(8, 100, seed=5)
    model = ShapleyConversionRate(scope, max_exact_channels=3, n_permutations=50, seed=11)
    a, b = model.attribute(pt), model.attribute(pt)
    assert np.array_equal(a.conversions, b.conversions) and np.array_equal(a.value, b.value)
    other = ShapleyConversionRate(scope, max_exact_channels=3, n_permutations=50, seed=12)
    assert not np.array_equal(a.conversions, other.attribute(pt).conversions)
    exact = ShapleyConversionRate(scope)
    assert np.array_equal(exact.attribute(pt).conversions, exact.attribute(pt).conversions)


def test_sampling_refuses_journey_subset_rate_and_too_many_channels():
    pt = random_table(8, 100, seed=5)
    with pytest.raises(ValueError, match="exact lattice"):
        ShapleyConversionRate("journey", max_exact_channels=3, unseen="subset_rate").attribute(pt)
    names = [f"c{i}" for i in range(65)]
    wide = PathTable.from_paths([[c] for c in names], [1] * 65, channels=names)
    with pytest.raises(ValueError, match="at most 64"):
        ShapleyConversionRate().attribute(wide)


# ------------------------------------------------------------ edge behaviour
@pytest.mark.parametrize("model", [
    ShapleySubset(), OrderedShapley(),
    ShapleyConversionRate("journey"), ShapleyConversionRate("journey", max_exact_channels=1,
                                                            n_permutations=20),
    ShapleyConversionRate(), ShapleyConversionRate(unseen="zero"),
    ShapleyConversionRate(max_exact_channels=1, n_permutations=20),
], ids=lambda m: f"{m.name}-{getattr(m, 'scope', '')}-{getattr(m, 'unseen', '')}")
def test_channel_only_on_null_paths_gets_zero(model, toy):
    """Add x on non-converting journeys only (also mixed with a, b, c): x gets exactly 0,
    and the other channels keep their credit (Shapley forms ignore sets holding x).

    For the global rate game this is a choice, not a theorem: x is not a player
    (it is on no converting path) and the 10 null journeys exposed to it are
    left out, rather than letting x take negative credit and lower the pooled
    rates of a, b and c."""
    extra = PathTable.from_paths(TOY["paths"] + [["x"], ["a", "x"], ["x", "b", "c"]],
                                 TOY["conversions"] + [0, 0, 0], TOY["value"] + [0, 0, 0],
                                 TOY["nulls"] + [5, 3, 2])
    base, res = model.attribute(toy), model.attribute(extra)
    assert res.channels[-1] == "x" and res.conversions[-1] == 0 and res.value[-1] == 0
    if getattr(res.fit_, "method", None) != "permutation":
        np.testing.assert_allclose(res.conversions[:3], base.conversions, rtol=1e-12)
    if isinstance(model, ShapleyConversionRate):
        assert res.fit_.journeys_left_out == 5 + 3 + 2


def test_no_conversions_gives_zero_credit():
    pt = PathTable.from_paths([["a", "b"], ["b"]], [0, 0], nulls=[3, 4])
    for model in (ShapleySubset(), ShapleyConversionRate(), ShapleyConversionRate("journey"),
                  OrderedShapley()):
        res = model.attribute(pt)
        assert res.conversions.tolist() == [0.0, 0.0] and res.value.tolist() == [0.0, 0.0]


def test_global_scope_explains_a_zero_grand_coalition():
    """a 1 of 2, b 1 of 2, never a and b together: under "zero" v(ab) = 0, nothing to share."""
    pt = PathTable.from_paths([["a"], ["b"]], conversions=[1, 1], nulls=[1, 1])
    with pytest.raises(DegenerateGameError, match="no journey was exposed to all 2 channels"
                       ".*unseen='subset_rate'"):
        ShapleyConversionRate(unseen="zero").attribute(pt)
    # the default pools them: v(ab) = 2/4, phi = (1/4, 1/4), credit (1, 1)
    assert ShapleyConversionRate().attribute(pt).conversions.tolist() == [1.0, 1.0]
    # observed grand coalition that never converts: raw rates (m = 0) cannot help
    seen = PathTable.from_paths([["a"], ["b"], ["b", "a"]], conversions=[1, 1, 0],
                                nulls=[1, 1, 3])
    with pytest.raises(DegenerateGameError, match="exposed to all 2 channels .* have conversion"
                       " rate 0 and prior_journeys=0.*prior_journeys > 0.*scope='journey'"):
        ShapleyConversionRate(prior_journeys=0).attribute(seen)
    assert ShapleyConversionRate("journey").attribute(seen).conversions.sum() == 2
    # the default shrinks v(ab) toward pooled(ab) = 2/7 and, by symmetry, splits 1 : 1
    assert ShapleyConversionRate().attribute(seen).conversions.tolist() == pytest.approx([1, 1])
    # genuinely degenerate: no conversions at all is zero credit, not an error (above);
    # unseen="zero" with an unseen N still raises whatever the prior
    with pytest.raises(DegenerateGameError, match="no journey was exposed"):
        ShapleyConversionRate(unseen="zero", prior_journeys=30).attribute(pt)


def test_global_scope_conversions_without_revenue_gives_zero_value():
    """No revenue at all: the value game has nothing to share and is not an error."""
    pt = PathTable.from_paths([["a"], ["a", "b"]], conversions=[1, 1], nulls=[1, 0])
    res = ShapleyConversionRate().attribute(pt)
    assert res.value.tolist() == [0.0, 0.0] and res.conversions.sum() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"max_exact_channels": 23}, "0..22"), ({"n_permutations": 1}, "at least 2"),
     ({"unseen": "mean"}, "unseen must be"), ({"scope": "both"}, "scope must be"),
     ({"prior_journeys": -1}, "prior_journeys must be a finite number >= 0"),
     ({"prior_journeys": float("nan")}, "finite number"),
     ({"prior_journeys": float("inf")}, "finite number"),
     ({"prior_journeys": "30"}, "finite number"),
     ({"scope": "journey", "prior_journeys": 5}, "journey scope .* does not shrink")],
)
def test_rate_form_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ShapleyConversionRate(**kwargs)


def test_rate_form_refuses_value_without_journeys():
    pt = PathTable.from_paths([["a"], ["b"]], [1, 0], value=[5, 3], nulls=[0, 0])
    with pytest.raises(ValueError, match="path row 1 \\(b\\)"):
        ShapleyConversionRate().attribute(pt)


# -------------------------------------------------------------- credit matrix
@pytest.mark.parametrize("model", [ShapleySubset(), OrderedShapley()], ids=lambda m: m.name)
def test_credit_matrix_reproduces_attribute_and_hand_rows(model, toy):
    """Row of path p: 1/|T_p| for each channel of its channel set T_p (columns a, b, c).

    ``b > a > b`` (3 touches, T = {a, b}): subset form a 1/2, b 1/2; ordered form
    by touch b 1/(2·2) + a 1/2 + b 1/(2·2) -> a 1/2, b 1/4 + 1/4 = 1/2; c 0.
    ``a > b > c``: 1/3 each.  ``c`` (no conversion): c 1 — the row does not
    depend on the counts.  ``W.T @ conversions`` is the hand-worked subset
    credit (10/3, 17/6, 5/6) and equals ``attribute``; value likewise.
    """
    w = model.credit_matrix(toy)
    res = model.attribute(toy)
    assert w.shape == (7, 3)
    np.testing.assert_allclose(w[toy.paths.index(("b", "a", "b"))], [0.5, 0.5, 0.0],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w[toy.paths.index(("a", "b", "c"))], [1 / 3] * 3, rtol=1e-12)
    np.testing.assert_allclose(w[toy.paths.index(("c",))], [0.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
    assert_fractions(w.T @ toy.conversions, [F(10, 3), F(17, 6), F(5, 6)])
    np.testing.assert_allclose(w.T @ toy.conversions, res.conversions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.T @ toy.value, res.value, rtol=1e-12, atol=1e-9)


def test_subset_credit_matrix_beyond_64_channels():
    """The 70-channel table above: rows c0 > c1 > c0 -> 1/2, 1/2; c5 > c69 -> 1/2, 1/2."""
    names = [f"c{i}" for i in range(70)]
    pt = PathTable.from_paths([["c0", "c1", "c0"], ["c5", "c69"], ["c69"]], [3, 4, 1],
                              value=[30, 40, 10], channels=names)
    w = ShapleySubset().credit_matrix(pt)
    expected = np.zeros((3, 70))
    expected[0, [0, 1]] = expected[1, [5, 69]] = 0.5
    expected[2, 69] = 1.0
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    np.testing.assert_allclose(w.T @ pt.value, ShapleySubset().attribute(pt).value, rtol=1e-12)


def test_conversion_rate_form_offers_no_credit_matrix(toy):
    """Its credit depends on the counts through the rates: not linear, no matrix."""
    from touchpath.attribution.base import credit_matrix_of

    assert credit_matrix_of(ShapleyConversionRate(), toy) is None
