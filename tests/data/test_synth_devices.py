"""Cross-device customers in the synthetic data: stitching recovers the truth, per id is biased.

``SynthConfig(cross_device_share=0.4)``: 40 % of customers buy on an account id
(``acct:<id>``) and keep each touch on the phone with its channel's mobile share
(DEVICE_BY_CHANNEL). Stitched by the login pairs, the journeys are exactly those
of the same data without devices, so whatever the single-device data recovers of
the true chain, stitching recovers too; cut per id, phone touches are stranded in
journeys that never convert.
"""

import numpy as np
import pandas as pd
import pytest

from touchpath import service
from touchpath.data.journeys import JourneyOptions, build_paths
from touchpath.data.synth import SynthConfig, generate
from touchpath.data.synth.config import DEVICE_BY_CHANNEL
from touchpath.data.warehouse import Warehouse

N, SEED, SHARE = 20_000, 5, 0.4


@pytest.fixture(scope="module")
def pair():
    plain = generate(SynthConfig(n_users=N, seed=SEED))
    cross = generate(SynthConfig(n_users=N, seed=SEED, cross_device_share=SHARE))
    whs = []
    for data in (plain, cross):
        wh = Warehouse(":memory:")
        data.load_into(wh)
        whs.append(wh)
    yield plain, cross, whs[0], whs[1]
    for wh in whs:
        wh.close()


def test_the_option_moves_user_ids_only_and_pairs_each_cross_device_customer(pair):
    plain, cross, _, _ = pair
    cols = ["event_id", "ts", "channel", "campaign", "interaction", "cost"]
    pd.testing.assert_frame_equal(plain.touchpoints[cols], cross.touchpoints[cols])
    pd.testing.assert_frame_equal(plain.conversions.drop(columns="user_id"),
                                  cross.conversions.drop(columns="user_id"))
    ids = cross.identities
    assert (ids["id_b"] == "acct:" + ids["id_a"]).all() and set(ids["source"]) == {"login"}
    # one pair for each account id in use, and no pair for an account id never used
    used = set(cross.touchpoints["user_id"]) | set(cross.conversions["user_id"])
    accounts = {u for u in used if u.startswith("acct:")}
    assert set(ids["id_b"]) == accounts and ids["id_a"].is_unique
    # a customer is cross-device with probability SHARE: the customers with an account in
    # use are at most that share (4-sigma binomial band) and most of it (those who bought)
    customers = plain.users["user_id"].nunique()
    assert len(ids) / customers < SHARE + 4 * np.sqrt(SHARE * (1 - SHARE) / customers)
    buyers = plain.conversions["user_id"].nunique() / customers
    assert len(ids) / customers > SHARE * buyers
    # every purchase of a cross-device customer is on the account id
    moved = cross.conversions["user_id"] != plain.conversions["user_id"]
    assert set(plain.conversions.loc[moved, "user_id"]) <= set(ids["id_a"])
    # a touch stays on the phone with its channel's mobile share (4-sigma band per channel),
    # counted over the cross-device buyers (buying does not depend on the device draws)
    tp = plain.touchpoints.assign(phone=plain.touchpoints["user_id"]
                                  == cross.touchpoints["user_id"])
    tp = tp[tp["user_id"].isin(plain.conversions.loc[moved, "user_id"])]
    for channel, group in tp.groupby("channel"):
        p = DEVICE_BY_CHANNEL[channel][0]
        assert abs(group["phone"].mean() - p) < 4 * np.sqrt(p * (1 - p) / len(group)), channel
    # off: no pairs and the very same rows
    assert generate(SynthConfig(n_users=300, seed=1)).identities.empty


def test_stitched_journeys_are_exactly_the_single_device_journeys(pair):
    _, _, plain_wh, cross_wh = pair
    for options in (JourneyOptions(), JourneyOptions(censor=False, lookback_days=7)):
        pd.testing.assert_frame_equal(build_paths(cross_wh, options).to_frame(),
                                      build_paths(plain_wh, options).to_frame())


def test_stitching_recovers_the_truth_and_per_id_shows_the_bias(pair):
    plain, cross, _, wh = pair
    truth = cross.truth.channel_effects.set_index("channel")
    true_direct = int((cross.journeys["outcome"] == "direct").sum())
    stitched = service.attribute(wh, "markov1", service.journey_options())
    per_id = service.attribute(wh, "markov1", service.journey_options(stitch=False))
    # stitched: the direct conversions are the ledger's, the credit shares the true chain's
    assert stitched.direct_conversions == true_direct
    share = pd.Series(stitched.conversions, index=stitched.channels)
    share /= share.sum()
    assert np.abs(share - truth["conversion_share"].reindex(share.index)).max() < 0.045
    # per id: purchases whose touches are on the phone turn (direct), three times over
    assert per_id.direct_conversions > 3 * true_direct
    # and the channels customers meet on the phone lose the most credit
    st = pd.Series(stitched.conversions, index=stitched.channels)
    no = pd.Series(per_id.conversions, index=per_id.channels)
    loss = 1 - no / st
    for mobile in ("short_video", "app_push"):
        for desktop in ("search", "owned_site"):
            assert loss[mobile] > loss[desktop] + 0.08, (mobile, desktop, loss.round(3))
    assert loss[["short_video", "app_push"]].min() > 0.18
    # the removal effects per id understate the mobile channels against the stitched fit
    re_st = stitched.fit_.removal_effects_frame()["conversions"]
    re_no = per_id.fit_.removal_effects_frame()["conversions"]
    assert (re_st - re_no)[["short_video", "app_push"]].min() > 0.02
