"""One conformance suite over every attribution model, on random path tables.

Properties (DESIGN.md, "Attribution models"):

* efficiency — additive models credit exactly the path conversions and value;
* symmetry — two channels with identical roles (the table is unchanged when
  they are swapped on every path) get equal credit;
* relabel invariance — credit follows the channel, not its code or its name;
* null channel — a channel that is never on a converting path gets zero under
  every Shapley form (for the global conversion-rate game because such a
  channel is not a player); under Markov, one that only ever ends
  non-converting journeys does (see the Markov test for why the stronger form
  cannot hold).

The global conversion-rate game shares ``v(N) − v(∅)`` and is undefined when
that is 0 (it raises). Its tables get one extra journey exposed to every
channel, converting, so ``v(N) > 0`` under both unseen rules; the extra row is
symmetric in every channel, so it leaves each property's premise intact.
:func:`test_global_rate_efficiency_on_raw_tables` covers the tables without it.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from touchpath.attribution.markov import MarkovChain
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
from touchpath.attribution.shapley import (
    OrderedShapley,
    ShapleyConversionRate,
    ShapleySubset,
)
from touchpath.data.paths import PathTable

CHANNELS = ("a", "b", "c", "direct")


@dataclass(frozen=True)
class TimeDecayOnPaths:
    """Time decay fed synthetic touches: touch ``j`` of an ``n``-touch path is ``n − 1 − j``
    days before the conversion; each path's value is shared evenly by its conversions."""

    half_life_days: float = 2.0
    name: ClassVar[str] = "time_decay"

    def attribute(self, paths: PathTable):
        rows = []
        for i in range(paths.n_paths):
            k = int(paths.conversions[i])
            path = paths.path(i)
            for j in range(k):
                for pos, ch in enumerate(path):
                    rows.append((f"{i}-{j}", ch, float(len(path) - 1 - pos),
                                 paths.value[i] / k))
        touches = pd.DataFrame(rows, columns=["journey_id", "channel", "days_before", "value"])
        return TimeDecay(self.half_life_days).attribute_touches(touches, paths)


RATE_GAMES = [ShapleyConversionRate(), ShapleyConversionRate(unseen="zero"),
              ShapleyConversionRate("journey"),
              ShapleyConversionRate("journey", unseen="subset_rate")]
ADDITIVE = [FirstTouch(), LastTouch(), LastNonDirect(), Linear(), PositionBased(), JCurve(),
            InverseJ(), CustomPosition(0.3, 0.3, 0.4), TimeDecayOnPaths(), ShapleySubset(),
            OrderedShapley(), *RATE_GAMES]
SHAPLEY = [ShapleySubset(), OrderedShapley(), *RATE_GAMES]
MARKOV = [MarkovChain(order=1), MarkovChain(order=2)]
ADDITIVE += MARKOV
ALL = ADDITIVE + [Participation()]


def model_id(model) -> str:
    if isinstance(model, ShapleyConversionRate):
        return f"{model.name}-{model.scope}-{model.unseen_rule}"
    params = getattr(model, "order", None)
    return f"{model.name}-{params}" if params else model.name


Row = tuple[list[str], int, int, int]
rows_strategy = st.lists(
    st.tuples(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=5),
              st.integers(0, 5), st.integers(0, 40), st.integers(0, 5)),
    min_size=1, max_size=8,
)


def for_model(model, rows: list[Row]) -> list[Row]:
    """``rows``, plus one converting journey through every channel for the global rate game."""
    if getattr(model, "scope", None) == "global":
        return [*rows, (list(CHANNELS), 1, 8, 1)]
    return rows


def table(rows: list[Row], channels=CHANNELS, direct=(0, 0.0)) -> PathTable:
    return PathTable.from_paths([r[0] for r in rows], [r[1] for r in rows],
                                [r[1] * r[2] * 0.25 for r in rows], [r[3] for r in rows],
                                channels=channels, direct_conversions=direct[0],
                                direct_value=direct[1])


def credit_by_name(result) -> dict[str, tuple[float, float]]:
    return {c: (result.conversions[i], result.value[i]) for i, c in enumerate(result.channels)}


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("model", ADDITIVE, ids=model_id)
@SETTINGS
@given(rows=rows_strategy, direct=st.integers(0, 3))
def test_efficiency(model, rows, direct):
    pt = table(for_model(model, rows), direct=(direct, 7.5 * direct))
    res = model.attribute(pt)
    assert res.additive
    assert res.channels == pt.channels
    assert res.conversions.sum() == pytest.approx(pt.total_conversions, rel=1e-9, abs=1e-9)
    assert res.value.sum() == pytest.approx(pt.total_value, rel=1e-9, abs=1e-9)
    assert (res.total_conversions, res.total_value) == (pt.total_conversions, pt.total_value)
    assert (res.direct_conversions, res.direct_value) == (direct, 7.5 * direct)


@SETTINGS
@given(rows=rows_strategy)
def test_participation_is_reach(rows):
    """Participation is not additive: each channel gets the conversions of every path it is on."""
    pt = table(rows)
    res = Participation().attribute(pt)
    assert not res.additive
    for i, c in enumerate(pt.channels):
        on = [k for k in range(pt.n_paths) if c in pt.path(k)]
        assert res.conversions[i] == pytest.approx(pt.conversions[on].sum())
        assert res.value[i] == pytest.approx(pt.value[on].sum())


def swap(path: list[str], x: str = "a", y: str = "b") -> list[str]:
    return [y if ch == x else x if ch == y else ch for ch in path]


@pytest.mark.parametrize("model", ALL, ids=model_id)
@SETTINGS
@given(rows=rows_strategy)
def test_symmetry(model, rows):
    """Add every path with a and b swapped (same counts): a and b then play identical roles."""
    pt = table(for_model(model, rows + [(swap(p), c, v, n) for p, c, v, n in rows]))
    res = credit_by_name(model.attribute(pt))
    np.testing.assert_allclose(res["a"], res["b"], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("model", ALL, ids=model_id)
@SETTINGS
@given(rows=rows_strategy, order=st.permutations(CHANNELS))
def test_relabel_invariance(model, rows, order):
    """Reordering the channel codes, or renaming channels, moves credit with the channel."""
    rows = for_model(model, rows)
    base = credit_by_name(model.attribute(table(rows)))
    shuffled = credit_by_name(model.attribute(table(rows, channels=tuple(order))))
    for c in CHANNELS:
        np.testing.assert_allclose(shuffled[c], base[c], rtol=1e-9, atol=1e-9)
    renamed = model.attribute(table(rows).relabel({"a": "zeta", "b": "alpha", "c": "mid"}))
    assert renamed.channels == ("zeta", "alpha", "mid", "direct")
    names = {"zeta": "a", "alpha": "b", "mid": "c", "direct": "direct"}
    for c, value in credit_by_name(renamed).items():
        np.testing.assert_allclose(value, base[names[c]], rtol=1e-9, atol=1e-9)


null_rows_strategy = st.lists(
    st.tuples(st.lists(st.sampled_from(CHANNELS), max_size=3), st.integers(0, 3),
              st.integers(1, 5)),
    min_size=1, max_size=4,
)


@pytest.mark.parametrize("model", SHAPLEY, ids=model_id)
@SETTINGS
@given(rows=rows_strategy, null_rows=null_rows_strategy)
def test_channel_never_on_a_converting_path_gets_zero(model, rows, null_rows):
    """Channel x appears only on non-converting journeys, alone or anywhere among others."""
    extra = [(prefix[:cut] + ["x"] + prefix[cut:], 0, 0, nulls)
             for prefix, cut, nulls in null_rows]
    pt = table(for_model(model, rows) + extra, channels=(*CHANNELS, "x"))
    res = model.attribute(pt)
    assert res.conversions[-1] == pytest.approx(0.0, abs=1e-12)
    assert res.value[-1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("model", [ShapleyConversionRate(),
                                   ShapleyConversionRate(max_exact_channels=2,
                                                         n_permutations=30)],
                         ids=["exact", "sampled"])
@SETTINGS
@given(rows=rows_strategy, direct=st.integers(0, 3))
def test_global_rate_efficiency_on_raw_tables(model, rows, direct):
    """Default global game (subset_rate, shrinkage) on the raw tables, grand coalition
    often unseen or seen without conversions.

    Shrinking every observed rate toward its pooled subset rate keeps ``v(N) > 0``
    whenever there are conversions, so no table raises; each is credited exactly
    its totals (raw rates, ``prior_journeys=0``, are tested in test_shapley.py).
    """
    pt = table(rows, direct=(direct, 7.5 * direct))
    res = model.attribute(pt)
    assert res.conversions.sum() == pytest.approx(pt.total_conversions, rel=1e-9, abs=1e-9)
    assert res.value.sum() == pytest.approx(pt.total_value, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("model", MARKOV, ids=model_id)
@SETTINGS
@given(rows=rows_strategy, null_rows=null_rows_strategy)
def test_markov_channel_ending_only_non_converting_journeys_gets_zero(model, rows, null_rows):
    """Channel x is only ever the last touch of non-converting journeys.

    In a Markov chain the weaker form is the one that holds: a channel seen only
    on null journeys but *followed* by converting channels has a positive
    removal effect. Worked example: "a" 1 conversion, "x > a" 1 null (order 1):
    P(conv) = 1/2 * 1/2 + 1/2 * 1 * 1/2 = 1/2; without x, 1/2 * 1/2 = 1/4, so
    RE(x) = 1/2, RE(a) = 1 and x would get 1/3 of the conversion.
    """
    extra = [(prefix + ["x"], 0, 0, nulls) for prefix, _, nulls in null_rows]
    pt = table(rows + extra, channels=(*CHANNELS, "x"))
    res = model.attribute(pt)
    # the removal solve is iterative (1e-13 per removal effect): zero to 1e-9 of the total
    assert res.conversions[-1] == pytest.approx(0.0, abs=1e-9 * max(1.0, pt.total_conversions))
    assert res.value[-1] == pytest.approx(0.0, abs=1e-9 * max(1.0, pt.total_value))
