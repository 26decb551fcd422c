"""Campaign-level attribution: exact roll-up of the per-touch rules, own fits for the others."""

import numpy as np
import pytest

from tests.seed.campaigns import LINEAR_CAMPAIGNS, LINEAR_CHANNELS, load_campaigns
from tests.seed.month import load_month
from touchpath import service
from touchpath.data.warehouse import Warehouse
from touchpath.service.campaigns import EXACT_ROLLUP_MODELS


@pytest.fixture(scope="module")
def cwh():
    with Warehouse.open(":memory:") as wh:
        load_campaigns(wh)
        yield wh


def _credit(frame):
    return {(r.channel, r.campaign): (r.conversions, r.value)
            for r in frame.itertuples(index=False) if r.channel != "(direct)"}


def test_linear_campaign_credit_by_hand(cwh):
    result = service.attribute_campaigns(cwh, "linear")
    credit = _credit(result.to_frame())
    assert credit.keys() == LINEAR_CAMPAIGNS.keys()
    for key, (conv, value) in LINEAR_CAMPAIGNS.items():
        assert credit[key] == pytest.approx((conv, value), abs=1e-12)
    direct = result.to_frame().iloc[-1]
    assert (direct["channel"], direct["conversions"], direct["value"]) == ("(direct)", 1.0, 5.0)
    roll = result.rollup().set_index("channel")
    for channel, (conv, value) in LINEAR_CHANNELS.items():
        assert roll.at[channel, "conversions"] == pytest.approx(conv, abs=1e-12)
        assert roll.at[channel, "channel_conversions"] == pytest.approx(conv, abs=1e-12)
        assert roll.at[channel, "value"] == pytest.approx(value, abs=1e-12)
    assert roll.at["search", "campaigns"] == 2
    assert result.exact and roll["exact"].all()


def test_first_touch_and_last_non_direct_by_hand(cwh):
    first = _credit(service.attribute_campaigns(cwh, "first_touch").to_frame())
    assert first[("search", "brand")] == (2.0, 90.0)
    assert first[("email", "(none)")] == (1.0, 10.0)
    assert first[("search", "generic")] == (0.0, 0.0)
    # email as the direct channel: c2's credit passes back to search/generic
    lnd = service.attribute_campaigns(cwh, "last_non_direct(direct_channels=email)")
    credit = _credit(lnd.to_frame())
    assert credit[("search", "generic")] == (2.0, 90.0)
    assert credit[("search", "brand")] == (1.0, 10.0)
    assert credit[("email", "(none)")] == (0.0, 0.0)
    assert lnd.result.params == {"direct_channels": ("email",)}
    assert lnd.label == "last_non_direct(direct_channels=email)"


EXACT = ["first_touch", "last_touch", "last_non_direct", "last_non_direct(direct_channels=email)",
         "linear", "position", "j_curve", "inverse_j", "custom(first=0.5, middle=0, last=0.5)",
         "time_decay", "time_decay(half_life_days=1)"]
OPTIONS = [{}, {"collapse_repeats": True}, {"max_path_length": 2},
           {"collapse_repeats": True, "max_path_length": 1}, {"interaction": "click"},
           {"censor": False}, {"kind": None}, {"lookback_days": 3}]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(map(str, o.items())) or "-")
@pytest.mark.parametrize("model", EXACT)
def test_per_touch_rules_roll_up_exactly_to_the_channel_credit(cwh, model, options):
    result = service.attribute_campaigns(cwh, model,
                                         service.journey_options(grain="campaign", **options))
    roll = result.rollup()
    assert result.exact
    np.testing.assert_allclose(roll["conversions"], roll["channel_conversions"], atol=1e-12)
    np.testing.assert_allclose(roll["value"], roll["channel_value"], atol=1e-9)
    assert np.all(np.abs(roll["difference"]) < 1e-12)
    # the channel-level fit is the channel grain's own answer
    channel = service.attribute(cwh, model, service.journey_options(**options))
    by_channel = dict(zip(channel.channels, channel.conversions, strict=True))
    for row in roll.itertuples(index=False):
        assert row.channel_conversions == pytest.approx(by_channel[row.channel], abs=1e-12)


def test_the_exact_models_are_the_per_touch_rules():
    assert EXACT_ROLLUP_MODELS == {"first_touch", "last_touch", "last_non_direct", "linear",
                                   "position", "j_curve", "inverse_j", "custom", "time_decay"}


@pytest.mark.parametrize("model", ["markov1", "markov2", "shapley", "shapley_ordered",
                                   "shapley_rate"])
def test_markov_and_shapley_are_own_fits_beside_the_channel_fit(cwh, model):
    result = service.attribute_campaigns(cwh, model)
    assert not result.exact
    frame = result.to_frame(include_direct=False)
    assert frame["conversions"].sum() == pytest.approx(3.0, abs=1e-9)
    assert frame["value"].sum() == pytest.approx(100.0, abs=1e-9)
    states = service.attribute(cwh, model, service.journey_options(grain="campaign"))
    np.testing.assert_allclose(frame["conversions"], states.conversions, atol=1e-12)
    channel = service.attribute(cwh, model)
    roll = result.rollup().set_index("channel")
    for c, conv in zip(channel.channels, channel.conversions, strict=True):
        assert roll.at[c, "channel_conversions"] == pytest.approx(conv, abs=1e-12)
    assert not roll["exact"].any()


def test_markov_campaign_fit_differs_from_the_channel_fit_here(cwh):
    """search's two campaigns are two states: the chain is not the channel chain relabelled."""
    roll = service.attribute_campaigns(cwh, "markov1").rollup().set_index("channel")
    assert abs(roll.at["search", "difference"]) > 0.01
    assert roll["difference"].sum() == pytest.approx(0.0, abs=1e-9)  # both sum to the total


@pytest.mark.parametrize("model", ["markov1", "markov2", "shapley", "shapley_rate"])
def test_one_campaign_per_channel_gives_the_channel_fit(model):
    """Without campaigns every state is 'channel / (none)': the same game, relabelled."""
    with Warehouse.open(":memory:") as wh:
        load_month(wh)
        options = service.journey_options(censor=False)
        result = service.attribute_campaigns(wh, model, options)
        assert set(result.table.campaign) == {"(none)"}
        roll = result.rollup()
        np.testing.assert_allclose(roll["conversions"], roll["channel_conversions"], atol=1e-9)
        np.testing.assert_allclose(roll["value"], roll["channel_value"], atol=1e-9)


def test_rollup_interval_of_a_one_campaign_channel_is_its_campaigns(cwh):
    result = service.attribute_campaigns(cwh, "linear", ci=40, seed=3)
    frame = result.to_frame(include_direct=False).set_index(["channel", "campaign"])
    roll = result.rollup().set_index("channel")
    for col in ("conversions_lo", "conversions_hi", "value_lo", "value_hi"):
        assert roll.at["email", col] == pytest.approx(frame.at[("email", "(none)"), col])
        assert roll.at["social", col] == pytest.approx(frame.at[("social", "spring"), col])
    assert roll.at["search", "conversions_lo"] <= roll.at["search", "conversions_hi"]


def test_compare_campaigns_labels_and_rolls_up_every_model(cwh):
    models = ["linear", "last_non_direct(direct_channels=email)", "time_decay", "markov2",
              "shapley"]
    cmp = service.compare_campaigns(cwh, models)
    assert cmp.labels == tuple(models)
    tidy = cmp.to_frame()
    assert list(tidy.columns[:3]) == ["model", "channel", "campaign"]
    linear = _credit(tidy[tidy["model"] == "linear"])
    for key, (conv, value) in LINEAR_CAMPAIGNS.items():
        assert linear[key] == pytest.approx((conv, value), abs=1e-12)
    roll = cmp.rollup()
    for label in models:
        part = roll[roll["model"] == label]
        assert len(part) == 3
        assert part["exact"].all() == cmp.exact(label)
        if cmp.exact(label):
            assert np.all(np.abs(part["difference"]) < 1e-12)
    assert [cmp.exact(m) for m in models] == [True, True, True, False, False]
    single = service.attribute_campaigns(cwh, "markov2").to_frame(include_direct=False)
    np.testing.assert_allclose(tidy[tidy["model"] == "markov2"]["conversions"],
                               single["conversions"], atol=1e-12)
