"""Segment attributes, campaigns and funnel stages of the synthetic data.

Bands are binomial: a share ``p`` estimated from ``n`` draws is within
``4·sqrt(p(1-p)/n)`` of its truth (a 1-in-15,000 miss per check).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from touchpath.data.synth import SynthConfig, generate, generate_to
from touchpath.data.synth.chain import removal_effects
from touchpath.data.synth.config import DEVICE_BY_CHANNEL, DEVICES, PROFILES, REGIONS
from touchpath.data.synth.segments import CUSTOMER_TYPES

#: 30,000 users: a 0.62 share is then known to ±0.011 (4 sd).
SEGMENTS = SynthConfig(n_users=30_000, days=180, seed=23)
FUNNEL = SynthConfig(n_users=8_000, days=150, seed=29, funnel_stages=True)


def band(p: float, n: int) -> float:
    """Four binomial standard deviations of a share ``p`` estimated from ``n`` draws."""
    return 4.0 * math.sqrt(max(p * (1.0 - p), 1e-12) / n)


@pytest.fixture(scope="module")
def seg():
    return generate(SEGMENTS)


@pytest.fixture(scope="module")
def funnel():
    return generate(FUNNEL)


def first_touch(data) -> pd.Series:
    """Channel of each user's first touch (the channel that opened the first journey)."""
    tp = data.touchpoints.sort_values(["ts", "event_id"], kind="stable")
    return tp.drop_duplicates("user_id").set_index("user_id")["channel"]


# -------------------------------------------------------------- regression pin
def test_existing_draws_are_unchanged_by_the_new_attributes():
    # numbers of the generator before segments and funnel stages existed
    data = generate(SynthConfig(n_users=2_000, days=90, seed=3, chunk_users=700))
    tp, cv = data.touchpoints, data.conversions
    assert (len(tp), len(cv), len(data.journeys)) == (4231, 513, 2487)
    assert round(float(cv["value"].sum()), 2) == 143262.03
    assert round(float(tp["cost"].sum()), 2) == 24819.92
    assert int(tp["interaction"].eq("view").sum()) == 927
    assert tp["campaign"].value_counts()["search_brand"] == 361
    assert (cv["conversion_id"].iloc[-1], cv["user_id"].iloc[-1]) == ("c512", "u1640")
    assert str(cv["ts"].iloc[-1]) == "2026-03-31 23:52:22+00:00"
    assert set(cv["kind"]) == {"purchase"}


def test_funnel_stages_change_no_other_row():
    base = SynthConfig(n_users=1_500, days=90, seed=4, chunk_users=600)
    off = generate(base)
    on = generate(SynthConfig(**{**base.__dict__, "funnel_stages": True}))
    pd.testing.assert_frame_equal(on.touchpoints, off.touchpoints)
    pd.testing.assert_frame_equal(on.spend, off.spend)
    pd.testing.assert_frame_equal(on.users, off.users)
    purchases = on.conversions[on.conversions["kind"] == "purchase"].reset_index(drop=True)
    pd.testing.assert_frame_equal(purchases, off.conversions)
    pd.testing.assert_frame_equal(on.journeys.drop(columns="cart_id"), off.journeys)
    np.testing.assert_array_equal(on.truth.transition, off.truth.transition)


# -------------------------------------------------------------- users and attributes
def test_users_frame_has_one_row_per_user_with_first_seen(seg):
    users = seg.users
    assert list(users.columns) == ["user_id", "device", "region", "first_seen"]
    assert len(users) == SEGMENTS.n_users and users["user_id"].is_unique
    assert set(users["user_id"]) == {f"u{i}" for i in range(SEGMENTS.n_users)}
    first = seg.touchpoints.groupby("user_id")["ts"].min()
    got = users.set_index("user_id")["first_seen"]
    assert (got.loc[first.index] == first).all()
    assert set(users["device"]) == set(DEVICES)
    assert set(users["region"]) == set(REGIONS)


def test_region_shares_within_binomial_bands(seg):
    n = len(seg.users)
    share = seg.users["region"].value_counts(normalize=True)
    assert sum(REGIONS.values()) == pytest.approx(1.0)
    for region, p in REGIONS.items():
        assert abs(share[region] - p) < band(p, n), region


def test_device_given_first_channel_within_binomial_bands(seg):
    users = seg.users.set_index("user_id")
    opened = first_touch(seg)
    frame = users.join(opened.rename("first"))
    for channel, row in DEVICE_BY_CHANNEL.items():
        group = frame[frame["first"] == channel]
        assert len(group) > 400, channel
        share = group["device"].value_counts(normalize=True)
        for device, p in zip(DEVICES, row, strict=True):
            assert abs(share.get(device, 0.0) - p) < band(p, len(group)), (channel, device)


def test_device_shares_match_the_truth(seg):
    truth = seg.truth.segments
    n = len(seg.users)
    # the truth's first-journey mix is what the users' first touches show
    opened = first_touch(seg).value_counts(normalize=True)
    for channel, p in zip(truth.channels, truth.first_share_all, strict=True):
        assert abs(opened.get(channel, 0.0) - p) < band(p, n), channel
    share = seg.users["device"].value_counts(normalize=True)
    assert truth.device_share.sum() == pytest.approx(1.0)
    for device in DEVICES:
        p = truth.device_share[device]
        # channel mix and device draw both vary: allow 1.5 times the binomial band
        assert abs(share[device] - p) < 1.5 * band(p, n), device
    # stated in the docs: about 0.66 / 0.27 / 0.07
    assert truth.device_share.round(2).tolist() == pytest.approx([0.66, 0.27, 0.07], abs=0.015)


def test_channel_mix_differs_by_device_in_data_and_truth(seg):
    mix = seg.truth.segments.first_channel_share()
    assert mix["mobile"]["short_video"] > mix["desktop"]["short_video"] + 0.08
    assert mix["desktop"]["search"] > mix["mobile"]["search"] + 0.08
    frame = seg.users.set_index("user_id").join(first_touch(seg).rename("first"))
    for device in ("mobile", "desktop"):
        group = frame[frame["device"] == device]
        share = group["first"].value_counts(normalize=True)
        for channel in ("search", "short_video"):
            p = mix[device][channel]
            assert abs(share[channel] - p) < band(p, len(group)), (device, channel)


def _first_journey_chain(data, device: str, channels: tuple[str, ...]) -> np.ndarray:
    """Empirical chain of one device's closed first journeys that start after the launch."""
    led = data.journeys
    led = led[(led["seq"] == 0) & led["after_launch"] & led["outcome"].isin(
        ["conversion", "null"])]
    users = data.users.set_index("user_id")["device"]
    led = led[led["user_id"].map(users) == device]
    tp = data.touchpoints.merge(led[["user_id", "ended_at", "outcome", "journey_id"]],
                                on="user_id")
    tp = tp[tp["ts"] <= tp["ended_at"]].sort_values(["journey_id", "ts", "event_id"])
    k = len(channels)
    index = {c: i for i, c in enumerate(channels)}
    counts = np.zeros((1 + k, k + 2))
    for _, group in tp.groupby("journey_id", sort=False):
        states = [index[c] for c in group["channel"]]
        counts[0, states[0]] += 1
        for a, b in zip(states[:-1], states[1:], strict=True):
            counts[1 + a, b] += 1
        end = k if group["outcome"].iloc[0] == "conversion" else k + 1
        counts[1 + states[-1], end] += 1
    rows = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)


def test_per_device_removal_effects_recovered_within_bands(seg):
    truth = seg.truth.segments
    channels = truth.channels
    effects = truth.first_journey_effects()
    for device in ("mobile", "desktop"):
        chain = _first_journey_chain(seg, device, channels)
        got = removal_effects(chain)
        want = effects[effects["device"] == device].set_index("channel")
        share = got / got.sum()
        # the conversion shares of the order-1 model, within 0.03 of the truth
        np.testing.assert_allclose(share, want["conversion_share"].to_numpy(), atol=0.03)
    # and the devices' truths differ where the data does
    mob = effects[effects["device"] == "mobile"].set_index("channel")["conversion_share"]
    desk = effects[effects["device"] == "desktop"].set_index("channel")["conversion_share"]
    assert desk["search"] - mob["search"] > 0.03
    assert mob["short_video"] - desk["short_video"] > 0.02


def test_conversions_carry_the_users_attributes(seg):
    cv = seg.conversions
    assert list(cv.columns) == ["conversion_id", "user_id", "ts", "value", "kind", "device",
                                "region", "customer_type"]
    users = seg.users.set_index("user_id")
    assert (cv["device"].to_numpy() == users.loc[cv["user_id"], "device"].to_numpy()).all()
    assert (cv["region"].to_numpy() == users.loc[cv["user_id"], "region"].to_numpy()).all()


def test_customer_type_is_new_for_a_users_first_purchase_only(seg):
    cv = seg.conversions.sort_values(["ts", "conversion_id"], kind="stable")
    rank = cv.groupby("user_id").cumcount()
    expected = np.where(rank == 0, "new", "returning")
    assert (cv["customer_type"].to_numpy() == expected).all()
    assert set(cv["customer_type"]) == set(CUSTOMER_TYPES)
    assert (cv["customer_type"] == "new").sum() == cv["user_id"].nunique()
    # direct purchases follow an earlier purchase: always returning
    direct = seg.journeys.loc[seg.journeys["outcome"] == "direct", "conversion_id"]
    assert (cv.set_index("conversion_id").loc[direct, "customer_type"] == "returning").all()


# -------------------------------------------------------------- campaigns
def test_campaign_shares_per_channel_within_binomial_bands(seg):
    tp = seg.touchpoints
    for channel, profile in PROFILES.items():
        rows = tp[tp["channel"] == channel]
        if not profile.campaigns:
            assert rows["campaign"].isna().all(), channel
            continue
        assert 2 <= len(profile.campaigns) <= 4
        share = rows["campaign"].value_counts(normalize=True)
        assert set(share.index) == {f"{channel}_{c}" for c, _ in profile.campaigns}
        for name, p in profile.campaigns:
            assert abs(share[f"{channel}_{name}"] - p) < band(p, len(rows)), (channel, name)


# -------------------------------------------------------------- files and warehouse
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_written_files_carry_the_new_columns_and_users(tmp_path, fmt):
    config = SynthConfig(n_users=1_200, days=60, seed=2, chunk_users=500)
    data = generate(config)
    paths = data.write(tmp_path / "w", fmt=fmt)
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    conv = read(paths["conversions"])
    assert {"device", "region", "customer_type"} <= set(conv.columns)
    users = read(paths["users"])
    assert list(users.columns) == ["user_id", "device", "region", "first_seen"]
    assert len(users) == 1_200
    streamed, _ = generate_to(tmp_path / "s", config, fmt=fmt)
    assert set(streamed) == {"channels", "touchpoints", "conversions", "spend", "users"}
    got = read(streamed["users"])
    assert got.astype(str).equals(users.astype(str))
    assert read(streamed["conversions"]).astype(str).equals(conv.astype(str))


def test_generate_to_streams_the_same_carts(tmp_path):
    config = SynthConfig(n_users=2_000, days=90, seed=8, chunk_users=700, funnel_stages=True)
    whole = generate(config)
    paths, truth = generate_to(tmp_path, config, include_journeys=True)
    for name in ("conversions", "journeys", "users"):
        got = pd.read_parquet(paths[name])
        assert got.astype(str).equals(getattr(whole, name).astype(str)), name
    assert truth.funnel.by_channel.equals(whole.truth.funnel.by_channel)


def test_load_into_a_warehouse_skips_users_and_keeps_the_segment_columns():
    from touchpath.data.warehouse import Warehouse

    data = generate(SynthConfig(n_users=800, days=45, seed=6))
    with Warehouse.open(":memory:") as wh:
        reports = data.load_into(wh)
        tables = {r[0] for r in wh.conn.execute("SHOW TABLES").fetchall()}
        stored = wh.counts()
    assert "users" not in tables
    assert [r.table for r in reports] == ["channels", "touchpoints", "conversions", "spend"]
    conv = reports[2]
    assert conv.ignored_columns == []
    assert {a.name: a.distinct for a in conv.attributes} == {
        "device": len(DEVICES), "region": len(REGIONS), "customer_type": len(CUSTOMER_TYPES)}
    assert conv.rows_in_file == conv.rows_inserted == len(data.conversions)
    assert stored["conversions"] == len(data.conversions)


# -------------------------------------------------------------- funnel stages
def test_funnel_off_has_no_carts():
    data = generate(SynthConfig(n_users=600, days=30, seed=1))
    assert set(data.conversions["kind"]) == {"purchase"}
    assert data.truth.funnel is None
    assert "cart_id" not in data.journeys.columns


def test_every_purchase_has_its_cart_before_it(funnel):
    cv = funnel.conversions
    assert set(cv["kind"]) == {"purchase", "add_to_cart"}
    assert cv["conversion_id"].is_unique
    assert cv["ts"].is_monotonic_increasing
    led = funnel.journeys
    bought = led[led["outcome"].isin(["conversion", "direct"]) & led["conversion_id"].notna()]
    assert bought["cart_id"].notna().all()
    by_id = cv.set_index("conversion_id")
    carts = by_id.loc[bought["cart_id"]]
    buys = by_id.loc[bought["conversion_id"]]
    assert (carts["kind"] == "add_to_cart").all() and (buys["kind"] == "purchase").all()
    assert (carts["ts"].to_numpy() < buys["ts"].to_numpy()).all()
    assert np.allclose(carts["value"].to_numpy(), buys["value"].to_numpy())
    assert (carts["user_id"].to_numpy() == buys["user_id"].to_numpy()).all()
    # the cart follows the journey's last touch, so it sits between that touch and the purchase
    touched = bought[bought["outcome"] == "conversion"]
    tp = funnel.touchpoints.merge(touched[["user_id", "started_at", "cart_id"]], on="user_id")
    cart_ts = by_id["ts"]
    tp = tp[(tp["ts"] >= tp["started_at"]) & (tp["ts"] <= tp["cart_id"].map(cart_ts))]
    last = tp.groupby("cart_id")["ts"].max()
    assert (last < cart_ts.loc[last.index]).all()
    assert len(last) == len(touched)


def test_carts_at_least_purchases_per_user(funnel):
    cv = funnel.conversions
    counts = cv.groupby(["user_id", "kind"]).size().unstack(fill_value=0)
    assert (counts["add_to_cart"] >= counts["purchase"]).all()
    assert (counts["add_to_cart"] > counts["purchase"]).any()


def test_abandoned_carts_sit_on_null_journeys(funnel):
    led = funnel.journeys
    with_cart = led[led["cart_id"].notna()]
    assert set(with_cart["outcome"]) <= {"conversion", "direct", "null"}
    abandoned = with_cart[with_cart["outcome"] == "null"]
    assert len(abandoned) > 0
    cv = funnel.conversions.set_index("conversion_id")
    assert (cv.loc[abandoned["cart_id"], "kind"] == "add_to_cart").all()
    assert (cv.loc[abandoned["cart_id"], "ts"].to_numpy() > abandoned["ended_at"].to_numpy()).all()


def test_abandonment_rate_within_its_band(funnel):
    cv = funnel.conversions
    carts = int((cv["kind"] == "add_to_cart").sum())
    purchases = int((cv["kind"] == "purchase").sum())
    abandoned = carts - purchases
    null = int((funnel.journeys["outcome"] == "null").sum())
    a = FUNNEL.cart_abandonment
    q = a / (1 - a) * purchases / null
    # abandoned carts ~ Binomial(null journeys, q); carts cut by the end of the range are few
    sd = math.sqrt(null * q * (1 - q))
    assert abs(abandoned - null * q) < 4 * sd + 0.002 * null
    assert abs(abandoned / carts - a) < 4 * sd / carts + 0.005
    truth = funnel.truth.funnel
    assert (truth.carts, truth.purchases, truth.abandoned) == (carts, purchases, abandoned)
    assert truth.abandonment == pytest.approx(abandoned / carts)
    assert truth.abandonment_target == a


def test_funnel_truth_per_last_channel_counts_the_data(funnel):
    cv = funnel.conversions.set_index("conversion_id")
    led = funnel.journeys[funnel.journeys["cart_id"].notna()]
    tp = funnel.touchpoints.merge(led[["user_id", "started_at", "ended_at", "cart_id",
                                       "outcome"]], on="user_id")
    tp = tp[(tp["ts"] >= tp["started_at"]) & (tp["ts"] <= tp["ended_at"])]
    last = tp.sort_values(["ts", "event_id"]).groupby("cart_id")["channel"].last()
    frame = led.set_index("cart_id")[["outcome"]].join(last.rename("last"))
    frame["last"] = frame["last"].fillna("(direct)")
    frame["bought"] = frame["outcome"] != "null"
    want = frame.groupby("last").agg(carts=("bought", "size"), purchases=("bought", "sum"))
    got = funnel.truth.funnel.by_channel.set_index("last_channel")
    got = got[got["carts"] > 0]
    assert got["carts"].to_dict() == want["carts"].to_dict()
    assert got["purchases"].to_dict() == want["purchases"].to_dict()
    assert len(cv) == funnel.truth.funnel.carts + funnel.truth.funnel.purchases
    # closers convert their carts far more often than openers
    rate = got["cart_to_purchase"]
    assert rate["search"] > 2 * rate["short_video"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cart_abandonment": 1.0}, "cart_abandonment"),
    ({"cart_abandonment": -0.1}, "cart_abandonment"),
    ({"funnel_stages": 1}, "funnel_stages"),
])
def test_config_rejects_bad_funnel_settings(kwargs, field):
    with pytest.raises(ValueError, match=f"SynthConfig.{field}="):
        SynthConfig(**kwargs)
