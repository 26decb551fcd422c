"""Cooperative stopping: ``should_stop`` is asked between fits and resample batches.

Each test's model raises a flag itself after a known number of fits, so where
the computation stops is fixed by the data, not by timing: the next checkpoint
after the flag must stop it, and the message must say how far it got.
"""

from dataclasses import dataclass, field

import numpy as np
import pytest

from tests.attribution.test_bootstrap import EqualSplit, touches_world, toy
from touchpath.attribution.base import AttributionResult, ComputationStopped
from touchpath.attribution.bootstrap import bootstrap, refitted_per_resample
from touchpath.attribution.compare import compare
from touchpath.attribution.registry import make_model
from touchpath.data.paths import PathTable


@dataclass
class Flag:
    """A stop request the test raises from inside a model; counts how often it was asked."""

    raised: bool = False
    asked: int = 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.raised


@dataclass(eq=False)
class FlaggingRefit:
    """Equal split without ``credit_matrix`` (refitted per resample); raises ``flag`` at fit N."""

    flag: Flag
    raise_at: int
    name: str = "flagging"
    fits: int = field(default=0)

    def attribute(self, paths: PathTable) -> AttributionResult:
        self.fits += 1
        if self.fits == self.raise_at:
            self.flag.raised = True
        return EqualSplit().attribute(paths)


def test_refit_bootstrap_stops_before_the_next_refit():
    flag = Flag()
    # fit 1 is the point estimate; fit 4 is resample 3, after which the flag is up
    model = FlaggingRefit(flag, raise_at=4)
    with pytest.raises(ComputationStopped, match=r"after 3 of 50 bootstrap resamples"):
        bootstrap(model, toy(), n_resamples=50, seed=1, should_stop=flag)
    assert model.fits == 4


def test_vectorised_bootstrap_stops_between_batches():
    calls = []

    def stop_on_third_batch() -> bool:
        calls.append(1)
        return len(calls) == 3

    # 4 paths -> 8 cells per resample; max_cells 80 -> batches of 10 resamples
    with pytest.raises(ComputationStopped, match=r"after 20 of 50 bootstrap resamples"):
        bootstrap(EqualSplit(), toy(), n_resamples=50, seed=1, max_cells=80,
                  should_stop=stop_on_third_batch)
    assert len(calls) == 3


def test_touch_bootstrap_stops_between_batches():
    from touchpath.attribution.rules import TimeDecay

    touches, paths = touches_world()
    calls = []

    def stop_on_second_batch() -> bool:
        calls.append(1)
        return len(calls) == 2

    # 3 converting journeys + the null cell: max_cells 40 -> batches of 10
    with pytest.raises(ComputationStopped, match=r"after 10 of 30 bootstrap resamples"):
        bootstrap(TimeDecay(7.0), paths, n_resamples=30, seed=6, touches=touches,
                  max_cells=40, should_stop=stop_on_second_batch)


def test_a_stop_request_never_raised_changes_nothing():
    from touchpath.attribution.markov import MarkovChain

    flag = Flag()
    plain = bootstrap(MarkovChain(order=1), toy(), n_resamples=40, seed=3)
    asked = bootstrap(MarkovChain(order=1), toy(), n_resamples=40, seed=3, should_stop=flag)
    np.testing.assert_array_equal(plain.conversions_ci, asked.conversions_ci)
    np.testing.assert_array_equal(plain.value_ci, asked.value_ci)
    assert flag.asked >= 40  # asked before every refit


def test_compare_stops_before_the_next_model():
    flag = Flag()
    first = FlaggingRefit(flag, raise_at=99)
    second = FlaggingRefit(flag, raise_at=1, name="second")
    third = FlaggingRefit(flag, raise_at=99, name="third")
    with pytest.raises(ComputationStopped, match=r"after 2 of 3 models, before third"):
        compare([first, second, third], toy(), should_stop=flag)
    assert (first.fits, second.fits, third.fits) == (1, 1, 0)


def test_compare_stops_inside_a_models_bootstrap():
    flag = Flag()
    model = FlaggingRefit(flag, raise_at=6)  # point + 5 resamples
    with pytest.raises(ComputationStopped, match=r"after 5 of 100 bootstrap resamples"):
        compare([model], toy(), ci=100, should_stop=flag)


def test_refitted_per_resample_names_the_expensive_models():
    expensive = {s: refitted_per_resample(make_model(s))
                 for s in ("markov1", "markov4", "markov_auto", "shapley_rate", "linear",
                           "first_touch", "shapley", "shapley_ordered", "time_decay")}
    assert expensive == {"markov1": True, "markov4": True, "markov_auto": True,
                         "shapley_rate": True, "linear": False, "first_touch": False,
                         "shapley": False, "shapley_ordered": False, "time_decay": False}
