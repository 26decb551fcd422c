"""Rule-based models: hand-worked examples on a 3-channel toy (plus a direct channel)."""

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpath.attribution.rules import (
    CustomPosition,
    FirstTouch,
    InverseJ,
    JCurve,
    LastNonDirect,
    LastTouch,
    Linear,
    Participation,
    PositionBased,
    TimeDecay,
)
from touchpath.data.paths import PathTable

# The toy, channels sorted a, b, c, direct:
#   P1  a > b > c            conv 1  value 90  nulls 1
#   P2  a > c                conv 2  value 60
#   P3  b                    conv 0  value 0   nulls 4
#   P4  c > a > a > b        conv 1  value 40  nulls 2   (four touches, a repeated)
#   P5  a > direct           conv 1  value 20
#   P6  direct > direct      conv 1  value 10            (all direct)
#   P7  c                    conv 1  value 30            (one touch)
# Totals: 7 conversions, value 250; (direct) baseline 3 conversions, value 45.
TOY_PATHS = [["a", "b", "c"], ["a", "c"], ["b"], ["c", "a", "a", "b"], ["a", "direct"],
             ["direct", "direct"], ["c"]]
TOY_CONV = [1, 2, 0, 1, 1, 1, 1]
TOY_VALUE = [90.0, 60.0, 0.0, 40.0, 20.0, 10.0, 30.0]
TOY_NULLS = [1, 0, 4, 2, 0, 0, 0]


@pytest.fixture
def toy() -> PathTable:
    return PathTable.from_paths(TOY_PATHS, TOY_CONV, TOY_VALUE, TOY_NULLS,
                                direct_conversions=3, direct_value=45.0)


def check(result, conversions, value, *, total=(7, 250)):
    """Compare with hand-worked fractions (order a, b, c, direct)."""
    assert result.channels == ("a", "b", "c", "direct")
    np.testing.assert_allclose(result.conversions, [float(x) for x in conversions],
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.value, [float(x) for x in value], rtol=1e-12, atol=1e-9)
    if total is not None:
        assert sum(conversions) == total[0] and sum(value) == total[1]  # the paper check
        assert result.conversions.sum() == pytest.approx(total[0], rel=1e-12)
        assert result.value.sum() == pytest.approx(total[1], rel=1e-12)


def test_first_touch_credits_first_touch(toy):
    """First touches: P1 a, P2 a (2), P4 c, P5 a, P6 direct, P7 c.

    a = 1 + 2 + 1 = 4 conv, 90 + 60 + 20 = 170;  b = 0;
    c = 1 + 1 = 2 conv, 40 + 30 = 70;  direct = 1 conv, 10.
    """
    check(FirstTouch().attribute(toy), [4, 0, 2, 1], [170, 0, 70, 10])


def test_last_touch_credits_last_touch(toy):
    """Last touches: P1 c, P2 c (2), P4 b, P5 direct, P6 direct, P7 c.

    a = 0;  b = 1 conv, 40;  c = 1 + 2 + 1 = 4 conv, 90 + 60 + 30 = 180;
    direct = 2 conv, 20 + 10 = 30.
    """
    check(LastTouch().attribute(toy), [0, 1, 4, 2], [0, 40, 180, 30])


def test_last_non_direct_skips_direct_unless_all_direct(toy):
    """As last touch, except P5 (a > direct) goes to a; P6 (all direct) keeps direct.

    a = 1 conv, 20;  b = 1, 40;  c = 4, 180;  direct = 1 (P6), 10.
    """
    result = LastNonDirect().attribute(toy)
    check(result, [1, 1, 4, 1], [20, 40, 180, 10])
    assert result.fit_.all_direct_conversions == 1.0
    assert result.params == {"direct_channels": ("direct", "owned_site")}


def test_last_non_direct_accepts_several_direct_names_and_a_single_string():
    """Path ``a > organic > direct``: with organic also direct, the credit goes to a."""
    pt = PathTable.from_paths([["a", "organic", "direct"]], conversions=[3], value=[30])
    assert LastNonDirect("direct").direct_channels == ("direct",)
    res = LastNonDirect(("direct", "organic")).attribute(pt)
    assert res.conversions.tolist() == [3.0, 0.0, 0.0]  # channels: a, direct, organic
    res = LastNonDirect().attribute(pt)
    assert res.conversions.tolist() == [0.0, 0.0, 3.0]


def test_linear_splits_per_touch_and_repeats_accumulate(toy):
    """1/n per touch, times the path's conversions and value.

    P1 thirds: a, b, c each 1/3 conv, 30.   P2 halves of 2 conv: a 1, c 1; 30 each.
    P4 quarters (c, a, a, b): c 1/4, a 2/4, b 1/4; value c 10, a 20, b 10.
    P5 halves: a 1/2, direct 1/2; 10 each.   P6: direct 1 (1/2 + 1/2); 10.   P7: c 1; 30.
    a = 1/3 + 1 + 1/2 + 1/2 = 7/3;        value 30 + 30 + 20 + 10 = 90
    b = 1/3 + 1/4 = 7/12;                 value 30 + 10 = 40
    c = 1/3 + 1 + 1/4 + 1 = 31/12;        value 30 + 30 + 10 + 30 = 100
    direct = 1/2 + 1 = 3/2;               value 10 + 10 = 20
    """
    check(Linear().attribute(toy), [F(7, 3), F(7, 12), F(31, 12), F(3, 2)], [90, 40, 100, 20])


def test_participation_reports_reach_not_a_split(toy):
    """Every channel on a converting path gets the path's full count, once per path.

    a: P1, P2, P4, P5 = 1 + 2 + 1 + 1 = 5; value 90 + 60 + 40 + 20 = 210
    b: P1, P4 = 2; 90 + 40 = 130.     c: P1, P2, P4, P7 = 5; 90 + 60 + 40 + 30 = 220
    direct: P5, P6 = 2; 20 + 10 = 30.
    """
    result = Participation().attribute(toy)
    check(result, [5, 2, 5, 2], [210, 130, 220, 30], total=None)
    assert result.additive is False


def test_position_based_u_shape(toy):
    """40/20/40; two-touch paths 50/50; one-touch all to the touch.

    P1 (3 touches): a .4, b .2, c .4 -> value 36, 18, 36.
    P2 (2 touches, 2 conv): a 1, c 1 -> 30, 30.
    P4 (c, a, a, b): c .4, a .1 + .1 = .2, b .4 -> 16, 8, 16.
    P5: a .5, direct .5 -> 10, 10.   P6: direct 1 -> 10.   P7: c 1 -> 30.
    a = .4 + 1 + .2 + .5 = 2.1;  value 36 + 30 + 8 + 10 = 84
    b = .2 + .4 = .6;            value 18 + 16 = 34
    c = .4 + 1 + .4 + 1 = 2.8;   value 36 + 30 + 16 + 30 = 112
    direct = .5 + 1 = 1.5;       value 10 + 10 = 20
    """
    check(PositionBased().attribute(toy), [F("2.1"), F("0.6"), F("2.8"), F("1.5")],
          [84, 34, 112, 20])


def test_j_curve(toy):
    """20/20/60; two-touch paths .2/.8 = 25% first, 75% last.

    P1: a .2, b .2, c .6 -> 18, 18, 54.   P2 (2 conv): a .5, c 1.5 -> 15, 45.
    P4: c .2, a .1 + .1, b .6 -> 8, 8, 24.   P5: a .25, direct .75 -> 5, 15.
    P6: direct 1 -> 10.   P7: c 1 -> 30.
    a = .2 + .5 + .2 + .25 = 1.15;  value 18 + 15 + 8 + 5 = 46
    b = .2 + .6 = .8;               value 18 + 24 = 42
    c = .6 + 1.5 + .2 + 1 = 3.3;    value 54 + 45 + 8 + 30 = 137
    direct = .75 + 1 = 1.75;        value 15 + 10 = 25
    """
    result = JCurve().attribute(toy)
    check(result, [F("1.15"), F("0.8"), F("3.3"), F("1.75")], [46, 42, 137, 25])
    assert result.params == {"first": 0.2, "last": 0.6}


def test_inverse_j(toy):
    """60/20/20; two-touch paths 75% first, 25% last.

    P1: a .6, b .2, c .2 -> 54, 18, 18.   P2 (2 conv): a 1.5, c .5 -> 45, 15.
    P4: c .6, a .1 + .1, b .2 -> 24, 8, 8.   P5: a .75, direct .25 -> 15, 5.
    P6: direct 1 -> 10.   P7: c 1 -> 30.
    a = .6 + 1.5 + .2 + .75 = 3.05;  value 54 + 45 + 8 + 15 = 122
    b = .2 + .2 = .4;                value 18 + 8 = 26
    c = .2 + .5 + .6 + 1 = 2.3;      value 18 + 15 + 24 + 30 = 87
    direct = .25 + 1 = 1.25;         value 5 + 10 = 15
    """
    check(InverseJ().attribute(toy), [F("3.05"), F("0.4"), F("2.3"), F("1.25")],
          [122, 26, 87, 15])


def test_custom_position(toy):
    """first .3, middle .5, last .2; two-touch paths .3/.5 = 60%, .2/.5 = 40%.

    P1: a .3, b .5, c .2 -> 27, 45, 18.   P2 (2 conv): a 1.2, c .8 -> 36, 24.
    P4: c .3, a .25 + .25, b .2 -> 12, 20, 8.   P5: a .6, direct .4 -> 12, 8.
    P6: direct 1 -> 10.   P7: c 1 -> 30.
    a = .3 + 1.2 + .5 + .6 = 2.6;  value 27 + 36 + 20 + 12 = 95
    b = .5 + .2 = .7;              value 45 + 8 = 53
    c = .2 + .8 + .3 + 1 = 2.3;    value 18 + 24 + 12 + 30 = 84
    direct = .4 + 1 = 1.4;         value 8 + 10 = 18
    """
    check(CustomPosition(0.3, 0.5, 0.2).attribute(toy),
          [F("2.6"), F("0.7"), F("2.3"), F("1.4")], [95, 53, 84, 18])


def test_custom_all_middle_splits_two_touch_paths_evenly():
    """first = last = 0: a two-touch path has no middle, so each touch gets 1/2.

    ``x > y`` 4 conv -> 2 each; ``x > z > y`` 2 conv -> z 2; ``z`` 1 conv -> z 1.
    """
    pt = PathTable.from_paths([["x", "y"], ["x", "z", "y"], ["z"]], conversions=[4, 2, 1])
    res = CustomPosition(0.0, 1.0, 0.0).attribute(pt)
    assert res.conversions.tolist() == [2.0, 2.0, 3.0]


@pytest.mark.parametrize("model", [FirstTouch(), LastTouch(), LastNonDirect(), Linear(),
                                   Participation(), PositionBased(), JCurve(), InverseJ(),
                                   CustomPosition(0.1, 0.1, 0.8)])
def test_one_touch_path_gets_all_credit_and_direct_baseline_passes_through(model, toy):
    """A single path ``c`` with 5 conversions worth 70: c gets 5 and 70 under every rule."""
    pt = PathTable.from_paths([["c"], ["a"]], conversions=[5, 0], value=[70.0, 0.0],
                              nulls=[0, 3], direct_conversions=2, direct_value=9.0)
    res = model.attribute(pt)
    assert res.conversions.tolist() == [0.0, 5.0]
    assert res.value.tolist() == [0.0, 70.0]
    assert (res.direct_conversions, res.direct_value) == (2.0, 9.0)
    full = model.attribute(toy)
    assert (full.direct_conversions, full.direct_value) == (3.0, 45.0)
    assert full.total_conversions == 7.0 and full.total_value == 250.0


@pytest.mark.parametrize("model", [FirstTouch(), LastNonDirect(), Linear(), Participation(),
                                   PositionBased()])
def test_empty_table_gives_zeros(model):
    pt = PathTable(("a", "b"), np.array([0]), np.array([], dtype=np.int32), np.zeros(0),
                   np.zeros(0), np.zeros(0))
    res = model.attribute(pt)
    assert res.conversions.tolist() == [0.0, 0.0] and res.value.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: CustomPosition(0.5, 0.4, 0.2), "must be 1"),
        (lambda: CustomPosition(-0.1, 0.6, 0.5), r"\[0, 1\]"),
        (lambda: PositionBased(0.7, 0.5), "at most 1"),
        (lambda: TimeDecay(0.0), "positive"),
        (lambda: TimeDecay(float("nan")), "positive"),
        (lambda: LastNonDirect(()), "non-empty"),
    ],
)
def test_bad_settings_are_refused(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


# ----------------------------------------------------------------- time decay
def toy_touches() -> pd.DataFrame:
    """Three converting journeys, half-life 7 days.

    J1 (value 70): a 14 d, b 7 d, c 0 d -> weights 1/4, 1/2, 1 (sum 7/4) -> a 1/7, b 2/7, c 4/7;
                   value 10, 20, 40.
    J2 (value 30): c 7 d, a 0 d -> 1/2, 1 -> c 1/3, a 2/3; value 10, 20.
    J3 (value 15): b 0 d, b 0 d -> 1/2 each -> b 1; value 15.
    a = 1/7 + 2/3 = 17/21, value 30;  b = 2/7 + 1 = 9/7, value 35;
    c = 4/7 + 1/3 = 19/21, value 50.  Total 3 conversions, 115.
    """
    return pd.DataFrame({
        "journey_id": ["j1", "j1", "j1", "j2", "j2", "j3", "j3"],
        "channel": ["a", "b", "c", "c", "a", "b", "b"],
        "days_before": [14.0, 7.0, 0.0, 7.0, 0.0, 0.0, 0.0],
        "value": [70.0, 70.0, 70.0, 30.0, 30.0, 15.0, 15.0],
    })


def test_time_decay_hand_worked():
    res = TimeDecay(7.0).attribute_touches(toy_touches())
    assert res.channels == ("a", "b", "c")
    np.testing.assert_allclose(res.conversions, [17 / 21, 9 / 7, 19 / 21], rtol=1e-12)
    np.testing.assert_allclose(res.value, [30.0, 35.0, 50.0], rtol=1e-12)
    assert (res.total_conversions, res.total_value) == (3.0, 115.0)
    assert res.fit_.journeys == 3


def test_time_decay_with_paths_uses_their_channels_totals_and_direct():
    pt = PathTable.from_paths([["a", "b", "c"], ["c", "a"], ["b", "b"]], conversions=[1, 1, 1],
                              value=[70, 30, 15], nulls=[4, 0, 0], direct_conversions=2,
                              direct_value=8.0, channels=["c", "b", "a", "unused"])
    res = TimeDecay(7.0).attribute_touches(toy_touches(), pt)
    assert res.channels == ("c", "b", "a", "unused")
    np.testing.assert_allclose(res.conversions, [19 / 21, 9 / 7, 17 / 21, 0.0], rtol=1e-12)
    assert (res.direct_conversions, res.direct_value) == (2.0, 8.0)


def test_time_decay_refuses_paths_without_timestamps(toy):
    with pytest.raises(ValueError, match="touch timestamps"):
        TimeDecay().attribute(toy)


def test_time_decay_refuses_touches_that_do_not_match_the_paths():
    pt = PathTable.from_paths([["a", "b", "c"]], conversions=[1], value=[70])
    with pytest.raises(ValueError, match="3 converting journeys"):
        TimeDecay().attribute_touches(toy_touches(), pt)


def test_time_decay_names_bad_rows():
    bad = toy_touches()
    bad.loc[4, "days_before"] = -1.0
    with pytest.raises(ValueError, match="row 4, column 'days_before'"):
        TimeDecay().attribute_touches(bad)
    bad = toy_touches()
    bad.loc[1, "value"] = 71.0
    with pytest.raises(ValueError, match="journey 'j1' has different values"):
        TimeDecay().attribute_touches(bad)
    with pytest.raises(ValueError, match="missing column"):
        TimeDecay().attribute_touches(toy_touches().drop(columns="value"))
    with pytest.raises(ValueError, match="not in the path table"):
        TimeDecay().attribute_touches(toy_touches(), PathTable.from_paths([["a"]], [3], [115]))


def test_time_decay_tiny_half_life_is_last_touch_without_underflow():
    """Half-life 0.001 d: 2^(-1000) vs 1 -> the newest touch takes everything.

    Journeys 60 and 61 days old would underflow to 0/0 without the per-journey shift.
    """
    touches = pd.DataFrame({"journey_id": [1, 1, 2], "channel": ["a", "b", "a"],
                            "days_before": [61.0, 60.0, 60.0], "value": [5.0, 5.0, 7.0]})
    res = TimeDecay(0.001).attribute_touches(touches)
    np.testing.assert_allclose(res.conversions, [1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(res.value, [7.0, 5.0], rtol=1e-12)


journeys_strategy = st.lists(
    st.tuples(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 30)), min_size=1,
                       max_size=6),
              st.integers(0, 500)),
    min_size=1, max_size=8,
)


def as_touches(journeys) -> pd.DataFrame:
    rows = [(j, ch, float(d), float(v)) for j, (touches, v) in enumerate(journeys)
            for ch, d in touches]
    return pd.DataFrame(rows, columns=["journey_id", "channel", "days_before", "value"])


@settings(max_examples=60, deadline=None)
@given(journeys_strategy)
def test_time_decay_efficiency_and_huge_half_life_equals_linear(journeys):
    """Credit sums to the journeys and their value; with half-life 1e12 days every touch
    weighs the same, so time decay equals the linear model on the same paths."""
    touches = as_touches(journeys)
    res = TimeDecay(7.0).attribute_touches(touches)
    assert res.conversions.sum() == pytest.approx(len(journeys), rel=1e-12)
    assert res.value.sum() == pytest.approx(sum(v for _, v in journeys), rel=1e-12, abs=1e-9)
    paths = PathTable.from_paths([[ch for ch, _ in t] for t, _ in journeys],
                                 conversions=[1] * len(journeys),
                                 value=[v for _, v in journeys], channels=res.channels)
    flat = TimeDecay(1e12).attribute_touches(touches, paths)
    linear = Linear().attribute(paths)
    np.testing.assert_allclose(flat.conversions, linear.conversions, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(flat.value, linear.value, rtol=1e-9, atol=1e-9)


# -------------------------------------------------------------- credit matrix
PATH_MODELS = [FirstTouch(), LastTouch(), LastNonDirect(), Linear(), Participation(),
               PositionBased(), JCurve(), InverseJ(), CustomPosition(0.3, 0.5, 0.2)]


@pytest.mark.parametrize("model", PATH_MODELS, ids=lambda m: m.name)
def test_credit_matrix_reproduces_attribute(model, toy):
    """``W.T @ conversions`` and ``W.T @ value`` are the model's credit on the toy.

    Rows sum to 1 for the additive models; participation's rows count the
    distinct channels of the path (P1 3, P2 2, P3 1, P4 3, P5 2, P6 1, P7 1).
    """
    w = model.credit_matrix(toy)
    res = model.attribute(toy)
    assert w.shape == (toy.n_paths, toy.n_channels) and w.dtype == np.float64
    np.testing.assert_allclose(w.T @ toy.conversions, res.conversions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.T @ toy.value, res.value, rtol=1e-12, atol=1e-9)
    distinct = {tuple(p): len(set(p)) for p in TOY_PATHS}
    expected_sums = ([distinct[p] for p in toy.paths] if isinstance(model, Participation)
                     else [1.0] * toy.n_paths)
    np.testing.assert_allclose(w.sum(axis=1), expected_sums, rtol=1e-12)


@pytest.mark.parametrize(
    ("model", "row"),
    [
        (FirstTouch(), [1, 0, 0, 0]),
        (LastTouch(), [0, 0, 1, 0]),
        (LastNonDirect(), [0, 0, 1, 0]),
        (Linear(), [F(1, 3), F(1, 3), F(1, 3), 0]),
        (Participation(), [1, 1, 1, 0]),
        (PositionBased(), [F("0.4"), F("0.2"), F("0.4"), 0]),
        (JCurve(), [F("0.2"), F("0.2"), F("0.6"), 0]),
        (InverseJ(), [F("0.6"), F("0.2"), F("0.2"), 0]),
        (CustomPosition(0.3, 0.5, 0.2), [F("0.3"), F("0.5"), F("0.2"), 0]),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_credit_matrix_row_of_the_three_touch_path(model, row, toy):
    """Path P1 ``a > b > c`` (columns a, b, c, direct), worked by hand.

    first touch: a gets 1.  last touch / last non-direct: c gets 1 (no direct touch).
    linear: 1/3 each.  participation: 1 for each of a, b, c (reach, sums to 3).
    positional, n = 3 so the middle touch b gets the whole middle weight:
    U-shape .4/.2/.4, J-curve .2/.2/.6, inverse J .6/.2/.2, custom .3/.5/.2.
    The non-converting path P3 ``b`` still has its row: all to b under every rule.
    """
    w = model.credit_matrix(toy)
    p1 = toy.paths.index(("a", "b", "c"))
    np.testing.assert_allclose(w[p1], [float(x) for x in row], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w[toy.paths.index(("b",))], [0, 1, 0, 0], atol=1e-15)


@pytest.mark.parametrize("model", PATH_MODELS, ids=lambda m: m.name)
def test_credit_matrix_of_an_empty_table_is_empty(model):
    pt = PathTable(("a", "b"), np.array([0]), np.array([], dtype=np.int32), np.zeros(0),
                   np.zeros(0), np.zeros(0))
    assert model.credit_matrix(pt).shape == (0, 2)


def test_time_decay_offers_no_path_credit_matrix(toy):
    """Time decay weighs touches by their timestamps, which a path table lacks."""
    from touchpath.attribution.base import credit_matrix_of

    assert credit_matrix_of(TimeDecay(), toy) is None
