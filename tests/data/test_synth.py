"""Tests of the synthetic data generator against its stated truth."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from touchpath.data.paths import PathTable
from touchpath.data.synth import (
    CHANNELS,
    TEST_CHANNEL,
    SynthConfig,
    absorption_probability,
    generate,
    generate_to,
    random_transition,
    removal_effects,
    simulate_paths,
)

SMALL = SynthConfig(n_users=3_000, days=120, seed=11)
MEDIUM = SynthConfig(n_users=20_000, seed=5)
PAID = ("search", "short_video", "social_kol", "marketplace", "email_sms")


@pytest.fixture(scope="module")
def medium():
    return generate(MEDIUM)


@pytest.fixture(scope="module")
def small():
    return generate(SMALL)


# ------------------------------------------------------------------ helpers
def assert_rows_match(counts: np.ndarray, truth: np.ndarray, labels: list[str]) -> int:
    """Each observed row frequency within 4 binomial standard errors of the truth.

    Cells with true probability 0 must never be observed. Returns the number of
    rows checked (rows with no observation are skipped).
    """
    checked = 0
    for i, row in enumerate(counts):
        n = row.sum()
        if n == 0:
            continue
        checked += 1
        p_hat = row / n
        p = truth[i]
        bound = 4.0 * np.sqrt(p * (1.0 - p) / n) + 1e-12
        bad = np.flatnonzero(np.abs(p_hat - p) > bound)
        assert bad.size == 0, (
            f"row {labels[i]} (n={n:.0f}): cells {bad.tolist()} observed {p_hat[bad]} "
            f"vs true {p[bad]} (bound {bound[bad]})"
        )
    return checked


def transition_counts_from_paths(pt: PathTable) -> np.ndarray:
    """Count start/channel transitions of every journey of a path table (plain loop)."""
    k = pt.n_channels
    counts = np.zeros((k + 1, k + 2))
    for i, path in enumerate(pt.paths):
        conv, null = pt.conversions[i], pt.nulls[i]
        codes = [pt.channels.index(c) for c in path]
        w = conv + null
        counts[0, codes[0]] += w
        for a, b in zip(codes[:-1], codes[1:], strict=True):
            counts[1 + a, b] += w
        counts[1 + codes[-1], k] += conv
        counts[1 + codes[-1], k + 1] += null
    return counts


def power_absorption(transition: np.ndarray, removed: int | None = None) -> float:
    """P(conversion) by iterating the full chain (absorbing states kept) to convergence."""
    k = transition.shape[0] - 1
    n = k + 3  # start, channels, conversion, null
    full = np.zeros((n, n))
    full[: k + 1, 1 : k + 1] = transition[:, :k]
    full[: k + 1, k + 1] = transition[:, k]
    full[: k + 1, k + 2] = transition[:, k + 1]
    full[k + 1, k + 1] = full[k + 2, k + 2] = 1.0
    if removed is not None:
        col = 1 + removed
        full[:, k + 2] += full[:, col]
        full[:, col] = 0.0
    dist = np.zeros(n)
    dist[0] = 1.0
    for _ in range(2_000):
        dist = dist @ full
    return float(dist[k + 1])


# ------------------------------------------------------------ determinism
def test_same_seed_gives_identical_frames(small):
    again = generate(SMALL)
    for name in ("touchpoints", "conversions", "spend", "channels"):
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))
    np.testing.assert_array_equal(small.truth.transition, again.truth.transition)
    pd.testing.assert_frame_equal(small.journeys, again.journeys)
    pd.testing.assert_frame_equal(small.truth.response, again.truth.response)


def test_other_seed_gives_other_data(small):
    other = generate(SynthConfig(n_users=3_000, days=120, seed=12))
    assert not small.touchpoints["ts"].equals(other.touchpoints["ts"])


# ------------------------------------------------------------ exact truth
def test_removal_effects_hand_worked_example():
    # start -> a 0.5, b 0.5; a: conv 0.4, null 0.6; b: -> a 0.5, null 0.5.
    # P = 0.5*0.4 + 0.5*0.5*0.4 = 0.3; without a: 0; without b: 0.5*0.4 = 0.2.
    t = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.4, 0.6], [0.5, 0.0, 0.0, 0.5]])
    assert absorption_probability(t) == pytest.approx(0.3, abs=1e-12)
    np.testing.assert_allclose(removal_effects(t), [1.0, 1 - 0.2 / 0.3], atol=1e-12)
    # value-weighted: value 100 when a is last, 0 otherwise -> expected revenue 30
    assert absorption_probability(t, [100.0, 0.0]) == pytest.approx(30.0, abs=1e-9)


def test_truth_removal_effects_match_chain_iteration(medium):
    t = medium.truth.transition
    p = power_absorption(t)
    assert medium.truth.conversion_probability == pytest.approx(p, abs=1e-10)
    expected = [1.0 - power_absorption(t, c) / p for c in range(len(medium.truth.channels))]
    effects = medium.truth.channel_effects
    np.testing.assert_allclose(effects["removal_effect"], expected, atol=1e-10)
    assert effects["conversion_share"].sum() == pytest.approx(1.0)


def test_truth_chains_are_stochastic_and_test_channel_absent_before_launch(medium):
    truth = medium.truth
    j = truth.channels.index(TEST_CHANNEL)
    for chain in (truth.transition, truth.transition_before_launch):
        np.testing.assert_allclose(chain.sum(axis=1), 1.0, atol=1e-12)
        assert (chain >= 0).all()
    assert (truth.transition_before_launch[:, j] == 0).all()
    # before the launch each channel row is the after-launch row without the test column,
    # renormalised; the start rows are each era's own mixture (no absorbing mass)
    after = np.delete(truth.transition, j, axis=1)
    before = np.delete(truth.transition_before_launch, j, axis=1)
    rows = [i for i in range(1, after.shape[0]) if i != 1 + j]
    np.testing.assert_allclose(before[rows], after[rows] / after[rows].sum(1, keepdims=True))
    k = len(truth.channels)
    for chain in (truth.transition, truth.transition_before_launch):
        assert chain[0, k] == 0 and chain[0, k + 1] == 0
    assert truth.transition[0, j] > 0.02


# -------------------------------------------- empirical frequencies vs truth
def test_simulate_paths_transition_frequencies_match_matrix(medium):
    truth = medium.truth
    pt = simulate_paths(truth.transition, truth.channels, 300_000, seed=3, chunk=120_000)
    assert pt.journeys.sum() == 300_000
    counts = transition_counts_from_paths(pt)
    labels = ["start", *truth.channels]
    assert assert_rows_match(counts, truth.transition, labels) == len(labels)
    # conversion rate agrees with the exact absorption probability
    rate = pt.total_conversions / 300_000
    p = truth.conversion_probability
    assert abs(rate - p) <= 4 * np.sqrt(p * (1 - p) / 300_000)


def test_simulate_paths_values_follow_lognormal_by_last_channel():
    channels, t = random_transition(4, seed=2)
    medians = np.array([100.0, 200.0, 300.0, 400.0])
    sigma = 0.5
    pt = simulate_paths(t, channels, 200_000, seed=9, value_median=medians, value_sigma=sigma)
    last = np.array([pt.channels.index(p[-1]) for p in pt.paths])
    for c in range(4):
        n = pt.conversions[last == c].sum()
        mean = pt.value[last == c].sum() / n
        expected = medians[c] * np.exp(sigma**2 / 2)
        sd = expected * np.sqrt(np.exp(sigma**2) - 1)
        assert abs(mean - expected) <= 4 * sd / np.sqrt(n)


def test_generated_journeys_follow_the_true_chains(medium):
    """Rebuild journeys from touchpoints + conversions; the ledger only marks where each starts."""
    truth = medium.truth
    k = len(truth.channels)
    end = pd.Timestamp(MEDIUM.start, tz="UTC") + pd.Timedelta(days=MEDIUM.days)
    ledger = medium.journeys.sort_values("started_at")
    tp = medium.touchpoints.sort_values("ts")
    tp = pd.merge_asof(tp, ledger[["user_id", "started_at", "journey_id"]], left_on="ts",
                       right_on="started_at", by="user_id", direction="backward")
    conv = pd.merge_asof(medium.conversions.sort_values("ts"),
                         ledger[["user_id", "started_at", "journey_id"]], left_on="ts",
                         right_on="started_at", by="user_id", direction="backward")
    assert tp["journey_id"].notna().all() and conv["journey_id"].notna().all()
    assert conv["journey_id"].is_unique  # a purchase closes its journey
    # the ledger's own conversion ids agree with the reconstruction
    linked = ledger.dropna(subset=["conversion_id"]).set_index("conversion_id")["journey_id"]
    assert (conv.set_index("conversion_id")["journey_id"] == linked.reindex(
        conv["conversion_id"]).to_numpy()).all()

    # complete journeys only: started 60+ days before the end (all absorbed long before)
    done = ledger[ledger["started_at"] < end - pd.Timedelta(days=60)]
    assert (done["outcome"] != "open").all()
    converted = set(conv["journey_id"])
    code = {c: i for i, c in enumerate(truth.channels)}
    tp_all = tp.sort_values(["journey_id", "ts"], kind="stable")
    tp = tp_all[tp_all["journey_id"].isin(set(done["journey_id"]))]
    era = tp["journey_id"].map(dict(zip(done["journey_id"], done["after_launch"],
                                        strict=True))).to_numpy(dtype=int)
    cur = tp["channel"].map(code).to_numpy()
    jid = tp["journey_id"].to_numpy()
    first = np.r_[True, jid[1:] != jid[:-1]]
    last = np.r_[jid[1:] != jid[:-1], True]
    counts = np.zeros((2, k + 1, k + 2))
    # channel -> next channel inside a journey; last -> outcome (complete journeys) ...
    inner = ~first
    np.add.at(counts, (era[inner], 1 + np.roll(cur, 1)[inner], cur[inner]), 1)
    outcome = np.where(pd.Series(jid[last]).isin(converted).to_numpy(), k, k + 1)
    np.add.at(counts, (era[last], 1 + cur[last], outcome), 1)
    # ... and start -> first channel over every journey of the era (the start row is the
    # era's mixture of first and repeat journeys, open ones included)
    opener = tp_all.drop_duplicates("journey_id")
    era_all = opener["journey_id"].map(dict(zip(ledger["journey_id"], ledger["after_launch"],
                                                strict=True))).to_numpy(dtype=int)
    np.add.at(counts, (era_all, 0, opener["channel"].map(code).to_numpy()), 1)
    # every journey but the direct purchases opens with a touch
    assert len(opener) == (ledger["outcome"] != "direct").sum()
    counts = {False: counts[0], True: counts[1]}
    labels = ["start", *truth.channels]
    launch = pd.Timestamp(truth.launched_on, tz="UTC")
    assert (done.loc[done["after_launch"], "started_at"] >= launch).all()
    assert (done.loc[~done["after_launch"], "started_at"] < launch).all()
    assert assert_rows_match(counts[True], truth.transition, labels) == k + 1
    assert assert_rows_match(counts[False], truth.transition_before_launch, labels) == k
    assert counts[True].sum() > 10_000 and counts[False].sum() > 20_000


# ----------------------------------------------------------- table contents
def test_values_positive_ids_unique_and_times_in_range(medium):
    tp, cv = medium.touchpoints, medium.conversions
    start = pd.Timestamp(MEDIUM.start, tz="UTC")
    end = start + pd.Timedelta(days=MEDIUM.days)
    for frame, key in ((tp, "event_id"), (cv, "conversion_id"), (medium.journeys, "journey_id")):
        assert frame[key].is_unique and frame[key].notna().all()
    for frame in (tp, cv):
        assert str(frame["ts"].dt.tz) == "UTC"
        assert frame["ts"].min() >= start and frame["ts"].max() < end
    assert (cv["value"] > 0).all() and np.isfinite(cv["value"]).all()
    assert (cv["kind"] == "purchase").all()
    assert set(tp["interaction"]) == {"click", "view"}
    assert (tp["interaction"] == "click").mean() > 0.7
    assert (tp["cost"] >= 0).all()
    assert tp.loc[tp["channel"] == "owned_site", "campaign"].isna().all()
    assert tp.loc[tp["channel"] != "owned_site", "campaign"].notna().all()
    assert set(tp["channel"]) == set(CHANNELS) | {TEST_CHANNEL}
    assert medium.channels["channel"].is_unique
    # order values: log-normal around the 200 median, varying by channel
    assert 150 < cv["value"].median() < 260


def test_users_have_first_and_repeat_purchases_and_open_journeys_at_the_end(medium):
    per_user = medium.conversions.groupby("user_id").size()
    assert (per_user == 1).sum() > 0 and (per_user >= 2).sum() > 0
    assert medium.touchpoints["user_id"].nunique() == MEDIUM.n_users
    open_ = medium.journeys[medium.journeys["outcome"] == "open"]
    assert len(open_) > 0
    end = pd.Timestamp(MEDIUM.start, tz="UTC") + pd.Timedelta(days=MEDIUM.days)
    assert (open_["ended_at"] > end - pd.Timedelta(days=30)).all()
    assert open_["conversion_id"].isna().all()


def test_test_channel_absent_before_launch(medium):
    launch = medium.truth.launched_on
    assert launch == MEDIUM.start + timedelta(days=round(0.6 * MEDIUM.days))
    tp = medium.touchpoints
    live = tp[tp["channel"] == TEST_CHANNEL]
    assert len(live) > 0
    assert live["ts"].min() >= pd.Timestamp(launch, tz="UTC")
    row = medium.channels.set_index("channel").loc[TEST_CHANNEL]
    assert row["status"] == "test" and row["launched_on"] == launch
    assert (medium.channels.set_index("channel").drop(TEST_CHANNEL)["status"]
            == "established").all()
    assert medium.spend.loc[medium.spend["channel"] == TEST_CHANNEL, "day"].min() == launch


def test_spend_non_negative_and_covers_every_paid_channel_day(medium):
    spend = medium.spend
    assert (spend["amount"] >= 0).all()
    assert not spend.duplicated(["channel", "day"]).any()
    all_days = {MEDIUM.start + timedelta(days=i) for i in range(MEDIUM.days)}
    launch = medium.truth.launched_on
    for channel in PAID:
        assert set(spend.loc[spend["channel"] == channel, "day"]) == all_days, channel
    live_days = set(spend.loc[spend["channel"] == TEST_CHANNEL, "day"])
    assert live_days == {d for d in all_days if d >= launch}
    assert set(spend["channel"]) == set(PAID) | {TEST_CHANNEL}
    free = medium.touchpoints["channel"].isin(["owned_site", "app_push"])
    assert (medium.touchpoints.loc[free, "cost"] == 0).all()


def test_touch_costs_sum_to_spend_of_each_channel_day(medium):
    tp = medium.touchpoints
    got = tp.groupby(["channel", tp["ts"].dt.date])["cost"].sum()
    want = medium.spend.set_index(["channel", "day"])["amount"]
    got = got[got.index.get_level_values(0).isin(want.index.get_level_values(0).unique())]
    # whole cents per touch, summing exactly to the channel-day's spend
    cents = tp["cost"].to_numpy() * 100
    np.testing.assert_allclose(cents, np.rint(cents), atol=1e-6)
    got_cents = np.rint(got.to_numpy() * 100).astype(np.int64)
    want_cents = np.rint(want.reindex(got.index).to_numpy() * 100).astype(np.int64)
    np.testing.assert_array_equal(got_cents, want_cents)
    # e-mail/SMS: 5 cents per message plus its share of the monthly platform fee
    assert (tp.loc[tp["channel"] == "email_sms", "cost"] >= 0.05).all()
    # within a channel-day, touch costs differ by at most one cent
    spread = tp.groupby(["channel", tp["ts"].dt.date])["cost"].agg(lambda c: c.max() - c.min())
    assert spread.max() <= 0.0100001


def test_spend_buys_first_journeys_with_diminishing_returns(medium):
    """First journeys opened per unit of spend fall as the daily spend rises."""
    first = medium.journeys[medium.journeys["seq"] == 0]
    tp = medium.touchpoints
    opener = tp.merge(first[["user_id", "started_at"]], left_on=["user_id", "ts"],
                      right_on=["user_id", "started_at"])
    for channel in ("search", "short_video"):
        daily = opener[opener["channel"] == channel].groupby(opener["ts"].dt.date).size()
        spend = medium.spend[medium.spend["channel"] == channel].set_index("day")["amount"]
        days = spend.index[spend.index < medium.truth.launched_on]
        entries = daily.reindex(days, fill_value=0)
        low = spend[days] <= spend[days].quantile(1 / 3)
        high = spend[days] >= spend[days].quantile(2 / 3)
        # more spend buys more journeys ...
        assert entries[high.to_numpy()].mean() > 1.2 * entries[low.to_numpy()].mean()
        # ... at a falling rate per currency unit
        per_low = entries[low.to_numpy()].sum() / spend[days][low].sum()
        per_high = entries[high.to_numpy()].sum() / spend[days][high].sum()
        assert per_high < 0.8 * per_low, channel


def touch_purchases(data) -> pd.DataFrame:
    """Purchases that close a touch journey (the ledger's direct purchases left out)."""
    ledger = data.journeys
    direct = ledger.loc[ledger["outcome"] == "direct", "conversion_id"]
    return data.conversions[~data.conversions["conversion_id"].isin(direct)]


def openers(data) -> pd.DataFrame:
    """The journey ledger with each journey's first channel (its touch at ``started_at``)."""
    tp = data.touchpoints[["user_id", "ts", "channel"]]
    out = data.journeys.merge(tp, left_on=["user_id", "started_at"], right_on=["user_id", "ts"])
    return out.drop_duplicates("journey_id")


def test_monthly_journey_starts_follow_the_true_saturating_curve(medium):
    """First journeys opened on a bought channel per month = Σ_days E·(1 − exp(−s/k)).

    The expectation is recomputed day by day from the spend table and the truth's
    ``entries_max`` and ``k``; with the user count fixed the monthly counts are
    multinomial, so their variance is at most the Poisson variance (the mean).
    """
    resp = medium.truth.response.set_index("channel")
    first = openers(medium)
    first = first[first["seq"] == 0]
    assert set(resp.index) == {"search", "short_video", "social_kol", "marketplace",
                               TEST_CHANNEL}
    for channel in resp.index:
        s = medium.spend[medium.spend["channel"] == channel]
        month = np.array([d.month for d in s["day"]])
        rate = resp.at[channel, "entries_max"] * (
            1.0 - np.exp(-s["amount"].to_numpy() / resp.at[channel, "k"]))
        expected = pd.Series(rate).groupby(month).sum()
        mine = first[first["channel"] == channel]
        got = mine.groupby(mine["started_at"].dt.month).size().reindex(expected.index,
                                                                       fill_value=0)
        z = (got - expected) / np.sqrt(expected)
        assert (z.abs() <= 4).all(), (channel, z.round(2).tolist())
        assert abs(got.sum() - expected.sum()) <= 4 * np.sqrt(expected.sum()), channel


def test_spend_plan_spans_the_knee_of_each_curve(medium):
    """Typical daily spend sits near k (s/k ≈ 0.5–1.5) and months range widely around it."""
    resp = medium.truth.response.set_index("channel")
    for channel in ("search", "short_video", "social_kol", "marketplace"):
        s = medium.spend[medium.spend["channel"] == channel]
        k = resp.at[channel, "k"]
        assert 0.5 <= (s["amount"] / k).median() <= 1.5, channel
        daily = s.groupby([d.month for d in s["day"]])["amount"].mean()
        assert daily.max() / daily.min() > 3, channel
        # saturation is visible: the curve's slope at the busiest month's daily spend is
        # under half its slope at the quietest month's
        assert np.exp(-(daily.max() - daily.min()) / k) < 0.5, channel


def test_repeat_journeys_start_on_owned_and_crm_channels(medium):
    op = openers(medium)
    assert len(op) == (medium.journeys["outcome"] != "direct").sum()
    assert set(op.loc[op["seq"] > 0, "channel"]) == {"email_sms", "app_push", "owned_site"}
    assert set(op.loc[op["seq"] == 0, "channel"]) == set(CHANNELS) | {TEST_CHANNEL}


def test_true_response_is_journeys_times_value_per_journey(medium):
    """``a = entries_max · V_c`` with ``V_c`` solved here by iterating the chain from ``c``."""
    truth = medium.truth
    k = len(truth.channels)
    q = truth.transition[1:, :k]
    reward = truth.transition[1:, k] * truth.value_mean
    v = np.zeros(k)
    for _ in range(500):
        v = reward + q @ v
    for row in truth.response.itertuples():
        j = truth.channels.index(row.channel)
        assert row.value_per_journey == pytest.approx(v[j], rel=1e-9)
        assert row.a == pytest.approx(row.entries_max * v[j], rel=1e-9)
        # a month of 30 days at 30·k spend: 30·a·(1 − e^-1)
        assert truth.response_revenue(row.channel, 30 * row.k, 30) == pytest.approx(
            30 * row.a * (1 - np.exp(-1)), rel=1e-12)
    with pytest.raises(ValueError, match="not a bought channel"):
        truth.response_revenue("owned_site", 100.0)


def test_email_sms_roi_is_realistic_with_its_platform_fee(medium):
    """Per-message cost plus a monthly fee: ROI by the true value shares lands near 25."""
    truth = medium.truth
    j = truth.channels.index("email_sms")
    launch = pd.Timestamp(truth.launched_on, tz="UTC")
    cv = touch_purchases(medium)
    revenue = 0.0
    for chain, rows in ((truth.transition_before_launch, cv["ts"] < launch),
                        (truth.transition, cv["ts"] >= launch)):
        re = removal_effects(chain, truth.value_mean)
        revenue += re[j] / re.sum() * cv.loc[rows, "value"].sum()
    spend = medium.spend[medium.spend["channel"] == "email_sms"]
    assert 15 <= revenue / spend["amount"].sum() <= 40
    # each (whole) month: spend − 0.05 × messages is exactly the platform fee
    tp = medium.touchpoints[medium.touchpoints["channel"] == "email_sms"]
    messages = tp.groupby(tp["ts"].dt.month).size()
    cents = spend.groupby([d.month for d in spend["day"]])["amount"].sum().mul(100).round()
    fee = truth.monthly_fee["email_sms"]
    assert fee > 0 and fee == int(fee)
    np.testing.assert_array_equal(cents - 5 * messages.reindex(cents.index), fee * 100)


def test_test_channel_roi_sits_at_the_configured_multiple_of_the_baseline(medium):
    """Revenue after launch credited by the true value shares, over spend (recomputed here)."""
    truth = medium.truth
    launch = pd.Timestamp(truth.launched_on, tz="UTC")
    cv = touch_purchases(medium)  # direct purchases are credited to no channel
    revenue = cv.loc[cv["ts"] >= launch, "value"].sum()
    share = truth.channel_effects.set_index("channel")["value_share"]
    after = medium.spend[medium.spend["day"] >= truth.launched_on]
    spend = after.groupby("channel")["amount"].sum()
    roi = share.reindex(spend.index) * revenue / spend
    baseline = (share[list(PAID)].sum() * revenue) / spend[list(PAID)].sum()
    assert baseline == pytest.approx(truth.baseline_roi, rel=0.01)
    assert roi[TEST_CHANNEL] / baseline == pytest.approx(MEDIUM.test_roi_vs_baseline, rel=0.01)
    assert 1.15 <= roi[TEST_CHANNEL] / baseline <= 1.30  # between the admit and scale bars


def test_without_test_channel_only_established_channels():
    data = generate(SynthConfig(n_users=1_000, days=60, test_channel=None))
    assert tuple(data.channels["channel"]) == tuple(CHANNELS)
    assert set(data.touchpoints["channel"]) <= set(CHANNELS)
    assert data.truth.transition.shape == (len(CHANNELS) + 1, len(CHANNELS) + 2)
    assert data.truth.launched_on is None


# -------------------------------------------------------------- writing out
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_round_trip(small, tmp_path, fmt):
    paths = small.write(tmp_path, fmt=fmt)
    assert set(paths) == {"channels", "touchpoints", "conversions", "spend", "users"}
    for name, path in paths.items():
        expected = getattr(small, name)
        if fmt == "parquet":
            got = pd.read_parquet(path)
        else:
            got = pd.read_csv(path)
            for col in ("ts", "first_seen"):
                if col in got:
                    got[col] = pd.to_datetime(got[col], utc=True).astype(expected[col].dtype)
            for col in ("day", "launched_on"):
                if col in got:
                    got[col] = [None if pd.isna(x) else date.fromisoformat(x) for x in got[col]]
        assert list(got.columns) == list(expected.columns), name
        for col in expected.columns:
            a, b = got[col].to_numpy(), expected[col].to_numpy()
            if expected[col].dtype.kind == "f":
                np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-12)
            else:
                assert [None if pd.isna(x) else x for x in a] == [
                    None if pd.isna(x) else x for x in b], (name, col)


def test_generate_to_streams_the_same_rows_in_chunks(tmp_path):
    config = SynthConfig(n_users=2_500, days=90, seed=3, chunk_users=1_000)
    whole = generate(config)
    paths, truth = generate_to(tmp_path, config, include_journeys=True)
    np.testing.assert_array_equal(truth.transition, whole.truth.transition)
    for name in ("touchpoints", "conversions", "spend", "journeys"):
        got = pd.read_parquet(paths[name])
        exp = getattr(whole, name)
        assert len(got) == len(exp), name
        for col in exp.columns:
            assert got[col].astype(str).tolist() == exp[col].astype(str).tolist(), (name, col)


def test_load_into_ingests_channels_first():
    calls = []

    class Recorder:
        def ingest(self, table, source):
            calls.append((table, len(source)))
            return table

    data = generate(SynthConfig(n_users=500, days=30))
    reports = data.load_into(Recorder())
    assert [c[0] for c in calls] == ["channels", "touchpoints", "conversions", "spend"]
    assert reports == ["channels", "touchpoints", "conversions", "spend"]
    assert calls[1][1] == len(data.touchpoints)


def test_progress_reaches_one():
    seen = []
    generate(SynthConfig(n_users=600, days=30, chunk_users=200), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, field", [
    ({"n_users": 0}, "n_users"),
    ({"days": -1}, "days"),
    ({"test_channel": "search"}, "test_channel"),
    ({"test_launch_fraction": 1.0}, "test_launch_fraction"),
    ({"value_sigma": 0.0}, "value_sigma"),
    ({"repeat_after_purchase": 1.2}, "repeat_after_purchase"),
])
def test_config_rejects_bad_settings(kwargs, field):
    with pytest.raises(ValueError, match=field):
        SynthConfig(**kwargs)


def test_simulate_paths_rejects_bad_matrices():
    with pytest.raises(ValueError, match="row 1 sums"):
        simulate_paths(np.array([[1.0, 0, 0], [0.0, 0.5, 0.4]]), ["a"], 10)
    with pytest.raises(ValueError, match="start row"):
        simulate_paths(np.array([[0.5, 0.5, 0], [0.0, 0.5, 0.5]]), ["a"], 10)
    with pytest.raises(ValueError, match="never reaches"):
        simulate_paths(np.array([[1.0, 0, 0], [1.0, 0.0, 0.0]]), ["a"], 10)
    with pytest.raises(ValueError, match="shape"):
        simulate_paths(np.ones((2, 2)) / 2, ["a"], 10)


def test_write_rejects_unknown_format(small, tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        small.write(tmp_path, fmt="xlsx")


# ------------------------------------------------------- direct purchases
def test_direct_purchases_are_touchless_repeat_purchases(medium):
    """Direct purchases: ~5–8% of purchases, no touches, each after a purchase of the user."""
    truth, ledger, cv = medium.truth, medium.journeys, medium.conversions
    direct = ledger[ledger["outcome"] == "direct"]
    assert truth.conversions == len(cv)
    assert truth.direct_conversions == len(direct) > 0
    assert truth.direct_share == pytest.approx(len(direct) / len(cv))
    assert 0.05 <= truth.direct_share <= 0.08
    assert (direct["n_touches"] == 0).all() and (direct["seq"] > 0).all()
    assert direct["conversion_id"].notna().all()
    bought = cv.set_index("conversion_id").loc[direct["conversion_id"]]
    np.testing.assert_array_equal(bought["ts"].to_numpy(), direct["started_at"].to_numpy())
    np.testing.assert_array_equal(bought["ts"].to_numpy(), direct["ended_at"].to_numpy())
    assert truth.direct_revenue == pytest.approx(bought["value"].sum(), abs=0.005)
    # the user's journey before each direct purchase ended in a purchase
    previous = ledger.set_index(["user_id", "seq"])["outcome"]
    before = previous.reindex(list(zip(direct["user_id"], direct["seq"] - 1, strict=True)))
    assert before.isin(["conversion", "direct"]).all()


def test_no_direct_purchases_when_switched_off():
    data = generate(SynthConfig(n_users=3_000, days=120, seed=11, direct_repeat=0.0))
    assert data.truth.direct_conversions == 0 and data.truth.direct_revenue == 0
    assert "direct" not in set(data.journeys["outcome"])
    assert data.truth.conversions == len(data.conversions) > 0


def independent_direct(touchpoints: pd.DataFrame, conversions: pd.DataFrame,
                       lookback_days: int = 30) -> pd.Series:
    """Conversions with no touch of their user in the window (DESIGN.md, "Journeys").

    A touch at the same timestamp as the conversion counts; touches at or before
    the user's previous conversion belong to that one. Computed with as-of joins
    on the raw frames: the user's latest touch at or before the conversion must lie
    after the previous conversion and within ``lookback_days``.
    """
    cv = conversions.sort_values(["ts", "conversion_id"]).copy()
    cv["prev_ts"] = cv.groupby("user_id")["ts"].shift(1)
    tp = touchpoints[["user_id", "ts"]].rename(columns={"ts": "touch_ts"})
    tp = tp.sort_values("touch_ts")
    joined = pd.merge_asof(cv, tp, left_on="ts", right_on="touch_ts", by="user_id",
                           direction="backward", allow_exact_matches=True)
    window = pd.Timedelta(days=lookback_days)
    has_touch = (joined["touch_ts"].notna() & (joined["touch_ts"] >= joined["ts"] - window)
                 & (joined["prev_ts"].isna() | (joined["touch_ts"] > joined["prev_ts"])))
    return pd.Series(~has_touch.to_numpy(), index=joined["conversion_id"].to_numpy())


def test_warehouse_direct_conversions_equal_the_truth(small):
    from touchpath.data.journeys import build_paths
    from touchpath.data.warehouse import Warehouse

    expected = independent_direct(small.touchpoints, small.conversions)
    with Warehouse.open(":memory:") as wh:
        small.load_into(wh)
        pt = build_paths(wh)
    ids = expected.index[expected.to_numpy()]
    assert pt.direct_conversions > 0
    assert pt.direct_conversions == small.truth.direct_conversions == len(ids)
    ledger = small.journeys
    assert set(ids) == set(ledger.loc[ledger["outcome"] == "direct", "conversion_id"])
    value = small.conversions.set_index("conversion_id").loc[ids, "value"]
    assert pt.direct_value == pytest.approx(value.sum(), abs=1e-6)
    # direct purchases follow an earlier purchase, so none is a first purchase
    first = small.conversions.sort_values(["ts", "conversion_id"]).drop_duplicates("user_id")
    assert pt.direct_first_conversions == len(set(ids) & set(first["conversion_id"])) == 0
    assert pt.total_conversions + pt.direct_conversions == len(small.conversions)


# -------------------------------------------------------------- package layout
def _top_level_definitions(path: Path) -> set[str]:
    """Names a module binds itself at top level (defs, classes, assignments; not imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_package_reexports_every_public_name():
    import touchpath.data.synth as synth

    # the public API of the generator, as callers (CLI, tests, benchmarks) import it
    assert sorted(synth.__all__) == sorted([
        "CHANNELS", "CONVERSION", "NULL", "START", "TEST_CHANNEL", "TEST_CHANNEL_GROUP",
        "SynthConfig", "SyntheticData", "SyntheticTruth", "absorption_probability",
        "generate", "generate_to", "random_transition", "removal_effects", "simulate_paths",
    ])
    modules = [importlib.import_module(f"{synth.__name__}.{info.name}")
               for info in pkgutil.iter_modules(synth.__path__)]
    assert len(modules) > 1
    homes: dict[str, list[str]] = {}
    for module in modules:
        defined = _top_level_definitions(Path(module.__file__))
        # a submodule's __all__ lists only what it defines, never a re-export
        assert set(module.__all__) <= defined, (module.__name__,
                                                set(module.__all__) - defined)
        for name in defined:
            homes.setdefault(name, []).append(module.__name__)
    assert not _top_level_definitions(Path(synth.__file__)) - {"__all__"}
    for name in synth.__all__:
        assert len(homes.get(name, [])) == 1, (name, homes.get(name))
        module = sys.modules[homes[name][0]]
        assert name in module.__all__
        assert getattr(synth, name) is getattr(module, name)
