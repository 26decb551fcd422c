"""Campaign-level journeys: states are (channel, campaign), cut exactly like the channel level."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tests.seed.campaigns import load_campaigns
from touchpath.data.journeys import (
    CampaignNameError,
    JourneyOptions,
    build_campaign_paths,
    build_paths,
    build_paths_by_period,
    journey_touches,
)
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest

CAMPAIGN = JourneyOptions(grain="campaign")


@pytest.fixture
def cwh():
    with Warehouse.open(":memory:") as wh:
        load_campaigns(wh)
        yield wh


def _rows(table):
    frame = table.paths.to_frame()
    return {r.path: (r.total_conversions, r.total_conversion_value, r.total_null)
            for r in frame.itertuples(index=False)}


def test_campaign_paths_label_every_touch_and_a_cart_cuts_nothing(cwh):
    table = build_campaign_paths(cwh, CAMPAIGN)
    assert _rows(table) == {
        "search / brand > social / spring > search / generic": (1, 30.0, 0),
        "search / brand > search / generic > email / (none)": (1, 60.0, 0),
        # u4's add_to_cart between its two touches does not close a journey
        "email / (none) > search / brand": (1, 10.0, 0),
        "social / spring": (0, 0.0, 1),
        "(direct)": (1, 5.0, 0),
    }
    assert table.paths.channels == ("email / (none)", "search / brand", "search / generic",
                                    "social / spring")
    assert table.channel == ("email", "search", "search", "social")
    assert table.campaign == ("(none)", "brand", "generic", "spring")
    assert table.channels == ("email", "search", "social")
    assert table.state("search", "generic") == "search / generic"


def test_build_paths_at_the_campaign_grain_is_the_campaign_table(cwh):
    assert build_paths(cwh, CAMPAIGN).path_strings() == \
        build_campaign_paths(cwh, CAMPAIGN).paths.path_strings()


@pytest.mark.parametrize("options", [
    JourneyOptions(), JourneyOptions(collapse_repeats=True), JourneyOptions(max_path_length=2),
    JourneyOptions(collapse_repeats=True, max_path_length=1), JourneyOptions(censor=False),
    JourneyOptions(interaction="click"), JourneyOptions(kind=None),
    JourneyOptions(lookback_days=3), JourneyOptions(start=pd.Timestamp("2024-01-05").date()),
])
def test_campaign_journeys_are_the_channel_journeys_relabelled(cwh, options):
    """Dropping the campaign from each state gives the channel-level table back, row for row."""
    channel = build_paths(cwh, options)
    table = build_campaign_paths(cwh, replace(options, grain="campaign"))
    by_path: dict[str, np.ndarray] = {}
    own = dict(zip(table.paths.channels, table.channel, strict=True))
    for i in range(table.paths.n_paths):
        key = " > ".join(own[s] for s in table.paths.path(i))
        row = np.array([table.paths.conversions[i], table.paths.value[i], table.paths.nulls[i]])
        by_path[key] = by_path.get(key, 0) + row
    expected = {" > ".join(channel.path(i)): np.array([channel.conversions[i], channel.value[i],
                                                       channel.nulls[i]])
                for i in range(channel.n_paths)}
    assert by_path.keys() == expected.keys()
    for key, row in expected.items():
        np.testing.assert_array_equal(by_path[key], row)
    assert table.paths.direct_conversions == channel.direct_conversions
    assert table.paths.direct_value == channel.direct_value


def test_collapsed_repeats_keep_the_runs_last_touch_and_its_campaign(cwh):
    table = build_campaign_paths(cwh, JourneyOptions(grain="campaign", collapse_repeats=True))
    paths = set(table.paths.path_strings())
    # u2's search/brand > search/generic run keeps search/generic; u1's search touches are
    # not consecutive and stay
    assert "search / generic > email / (none)" in paths
    assert "search / brand > social / spring > search / generic" in paths


def test_the_length_cap_counts_the_same_touches(cwh):
    table = build_campaign_paths(cwh, JourneyOptions(grain="campaign", max_path_length=2))
    assert set(table.paths.path_strings()) == {
        "social / spring > search / generic", "search / generic > email / (none)",
        "email / (none) > search / brand", "social / spring"}


def test_journey_touches_carry_the_campaign_at_the_campaign_grain(cwh):
    touches = journey_touches(cwh, CAMPAIGN)
    c2 = touches[touches["journey_id"] == "c2"]
    assert c2["channel"].tolist() == ["search", "search", "email"]
    assert c2["campaign"].tolist() == ["brand", "generic", "(none)"]
    labelled = build_campaign_paths(cwh, CAMPAIGN).label_touches(touches)
    assert labelled[labelled["journey_id"] == "c2"]["channel"].tolist() == [
        "search / brand", "search / generic", "email / (none)"]
    assert journey_touches(cwh)["campaign"].isna().all()


def test_a_campaign_holding_the_path_separator_is_refused_by_name(wh):
    wh.ingest("touchpoints", pd.DataFrame({
        "event_id": ["e1"], "user_id": ["u"], "ts": ["2024-01-01"], "channel": ["search"],
        "campaign": ["spring>summer"]}))
    wh.ingest("conversions", pd.DataFrame({
        "conversion_id": ["c1"], "user_id": ["u"], "ts": ["2024-01-02"], "value": ["1"]}))
    with pytest.raises(CampaignNameError, match="campaign 'spring>summer' of channel 'search' "
                                                "contains '>', the path separator"):
        build_campaign_paths(wh, CAMPAIGN)
    assert issubclass(CampaignNameError, InvalidRequest)
    # the channel grain never reads campaigns
    assert build_paths(wh).path_strings() == ["search"]


def test_states_that_would_read_alike_are_refused_naming_both(wh):
    wh.ingest("touchpoints", pd.DataFrame({
        "event_id": ["e1", "e2"], "user_id": ["u", "u"], "ts": ["2024-01-01", "2024-01-02"],
        "channel": ["a / b", "a"], "campaign": ["c", "b / c"]}))
    with pytest.raises(CampaignNameError, match="would both be named 'a / b / c'"):
        build_campaign_paths(wh, JourneyOptions(grain="campaign", censor=False))


def test_per_period_tables_stay_per_channel(cwh):
    with pytest.raises(ValueError, match="per channel .spend has no campaign"):
        build_paths_by_period(cwh, CAMPAIGN, [("x", pd.Timestamp("2024-01-01").date(),
                                                pd.Timestamp("2024-02-01").date())])


def test_grain_is_checked():
    with pytest.raises(ValueError, match="grain must be 'channel' or 'campaign'"):
        JourneyOptions(grain="ad")
