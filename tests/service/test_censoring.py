"""The service's censoring: one default, memo keys that tell the two apart, the overview's count.

The warehouse is the one-month case of the issue: January 2024, lookback 30, so
the two journeys without a conversion (u2 email 01-03, u3 search 01-10 > social
01-20) are both still open at the end of the data (01-31 12:00).
"""

import pytest

from tests.seed.month import load_month
from touchpath import service
from touchpath.data.warehouse import Warehouse
from touchpath.service import DEFAULTS, LocalMemo
from touchpath.service.attribution import options_key


@pytest.fixture
def month():
    with Warehouse.open(":memory:") as wh:
        load_month(wh)
        yield wh


def test_censoring_is_on_by_default_everywhere_the_options_are_made():
    assert DEFAULTS.censor is True
    assert service.journey_options().censor is True
    assert service.journey_options(censor=False).censor is False


def test_memo_keys_tell_censoring_on_from_off(month):
    on, off = service.journey_options(), service.journey_options(censor=False)
    assert options_key(on)["censor"] is True and options_key(off)["censor"] is False
    memo = LocalMemo()
    with_censor = service.path_table(month, on, memo=memo)
    without = service.path_table(month, off, memo=memo)
    assert (with_censor.total_nulls, without.total_nulls) == (0, 2)
    assert service.censoring(month, on, memo=memo).censored == 2
    assert service.censoring(month, off, memo=memo).censored == 0


def test_paths_overview_carries_the_count_and_the_warning(month):
    overview = service.paths_overview(month)
    assert overview.censored_journeys == 2
    assert overview.paths.total_nulls == 0
    (text,) = overview.warnings
    assert text.startswith("all 2 non-converting journeys were censored")
    opened = service.paths_overview(month, service.journey_options(censor=False))
    assert (opened.censored_journeys, opened.paths.total_nulls, opened.warnings) == (0, 2, ())
    assert opened.censoring.non_converting_kept == 2
    # the overview's own tables follow the option too: u2's email has a (null) journey
    email = opened.summary.set_index("channel").loc["email"]
    assert int(email["journeys"]) == 1
    assert "email" not in set(overview.summary["channel"])


def test_attribution_follows_the_censor_option(month):
    """Markov on the censored month sees two paths that always convert (search, display);
    uncensored it also sees email -> null and search > social -> null. By hand: P(conv) =
    1/2 * 1/2 (search) + 1/4 (display) = 1/2; without search 1/4, without display 1/4
    (removal effects 1/2 each), without email or social still 1/2 (effect 0)."""

    def credit(options):
        result = service.attribute(month, "markov1", options)
        return {r["channel"]: round(r["conversions"], 9) for r in result.to_records()}

    assert credit(None) == {"search": 1.0, "display": 1.0}
    assert credit(service.journey_options(censor=False)) == {
        "search": 1.0, "display": 1.0, "email": 0.0, "social": 0.0}
